"""The issue-17 blind set (tests/data/blind17/, see its README): ours beside bandit and ruff.

Run from the repository root:  bench/.venv/bin/python bench/blind17.py [SEED ...]
Prints TPR - FPR per language and per capability tag (a case title starts with its tag), and
precision / recall of br-secrets on seeds of the blind secrets generator (scored per line).
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import sqli as bench  # noqa: E402

BLIND = ROOT / "tests" / "data" / "blind17"


def sqli() -> None:
    corpus = bench.load("sqli_corpus")
    corpus.CASES_DIR = BLIND  # the same loader and format, over the blind files
    cases = corpus.load_cases()
    if not cases:
        raise SystemExit(f"bench/blind17.py: no cases read from {BLIND}")
    work = Path(tempfile.mkdtemp(prefix="blind17-"))
    for case in cases:
        (work / f"{case.id}{case.suffix}").write_text(case.code, encoding="utf-8")
    slices = {
        "python": [c for c in cases if c.ext.startswith("py")],
        "js/ts": [c for c in cases if not c.ext.startswith("py")],
    }
    print(
        f"## SQL injection: {len(cases)} blind cases, {sum(c.vulnerable for c in cases)} vulnerable"
    )
    runs = {name: tool([work], work) for name, tool in bench.tools(None).items()}
    for name, run in runs.items():
        for label, subset in slices.items():
            if label == "js/ts" and name != "br-sql-injection":
                continue  # bandit and ruff read Python only
            m = bench.metrics(subset, run.flagged)
            print(f"{name:18} {label:7} TPR {m['tpr']:.3f} FPR {m['fpr']:.3f} "
                  f"score {m['score']:+.3f} precision {m['precision']:.3f}")  # fmt: skip
    ours = runs["br-sql-injection"]
    for tag in sorted({c.title.split()[0] for c in cases}):
        subset = [c for c in cases if c.title.split()[0] == tag]
        m = bench.metrics(subset, ours.flagged)
        print(f"  {tag:4} n={len(subset):3}  TPR {m['tpr']:.2f}  FPR {m['fpr']:.2f}")


def secrets(seed: int) -> None:
    out = Path(tempfile.mkdtemp(prefix=f"blind17-secrets-{seed}-"))
    subprocess.run(
        [sys.executable, str(BLIND / "secrets_blind17.py"), str(out), "--seed", str(seed)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    labels = json.loads((out / "labels.json").read_text(encoding="utf-8"))
    files = sorted({label["file"] for label in labels})
    proc = subprocess.run(
        [str(Path(sys.executable).parent / "br-secrets"), "--json", *files],
        cwd=out, capture_output=True, text=True, check=False,
    )  # fmt: skip
    found = {(f["path"], f["line"]) for f in json.loads(proc.stdout)["findings"]}
    hit = [(x["file"], x["line"]) in found for x in labels]
    tp = sum(h for h, x in zip(hit, labels, strict=True) if x["label"] == "secret")
    fp = sum(h for h, x in zip(hit, labels, strict=True) if x["label"] != "secret")
    positives = sum(x["label"] == "secret" for x in labels)
    print(f"secrets seed {seed}: {len(labels)} labelled lines, {positives} secret: "
          f"precision {tp / max(tp + fp, 1):.3f} recall {tp / max(positives, 1):.3f}")  # fmt: skip


if __name__ == "__main__":
    sqli()
    for seed in [int(arg) for arg in sys.argv[1:]] or [1, 2]:
        secrets(seed)

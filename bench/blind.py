"""A blind set (a folder like tests/data/blind17/, see its README): ours beside bandit and ruff.

Run from the repository root:  bench/.venv/bin/python bench/blind.py [DIR] [--seeds 1 2]
DIR (default tests/data/blind17) holds `*.cases` files of SQL-injection cases and one
`secrets_*.py` generator. Prints TPR - FPR per language and per capability tag (a case title
starts with its tag), and precision / recall of br-secrets on each seed of the generator (scored
per line). The br-* commands are those beside this interpreter, so a venv holding an older
snapshot of the package measures that snapshot.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import sqli as bench  # noqa: E402


def sqli(blind: Path, wrong: bool = False) -> None:
    corpus = bench.load("sqli_corpus")
    corpus.CASES_DIR = blind  # the same loader and format, over the blind files
    cases = corpus.load_cases()
    if not cases:
        raise SystemExit(f"bench/blind.py: no cases read from {blind}")
    work = Path(tempfile.mkdtemp(prefix="blind-"))
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
    if wrong:  # for a spent set only: naming the cases is studying them
        for case in cases:
            if case.vulnerable != (case.id in ours.flagged):
                verdict = "missed" if case.vulnerable else "false alarm"
                print(f"  {verdict:11} {case.ext:3} {case.title}")


def secrets(generator: Path, seed: int, wrong: bool = False) -> None:
    out = Path(tempfile.mkdtemp(prefix=f"blind-secrets-{seed}-"))
    subprocess.run(
        [sys.executable, str(generator), str(out), "--seed", str(seed)],
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
    if wrong:  # the kind and file only: the generated lines hold secret-shaped values
        for flagged, label in zip(hit, labels, strict=True):
            if flagged != (label["label"] == "secret"):
                verdict = "missed" if not flagged else "false alarm"
                print(f"  {verdict:11} {label['kind']:28} {label['file']}:{label['line']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", nargs="?", type=Path, default=ROOT / "tests" / "data" / "blind17")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument(
        "--wrong", action="store_true", help="list each miss and false alarm (spends the set)"
    )
    args = parser.parse_args()
    sqli(args.dir, args.wrong)
    generators = sorted(args.dir.glob("secrets_*.py"))
    if len(generators) != 1:
        raise SystemExit(
            f"bench/blind.py: expected one secrets_*.py in {args.dir}, found {len(generators)}"
        )
    for seed in args.seeds:
        secrets(generators[0], seed, args.wrong)


if __name__ == "__main__":
    main()

"""Secrets in prose outside commit messages: should Markdown, reStructuredText and .txt files get
the prose rule (`the password is …`) that commit messages have? The measurements behind the
decision (issue 17), for the tree this script sits in (copy it into another checkout to compare).

Run: bench/.venv/bin/python bench/secrets_prose.py [--seeds 1 2 3] [--docs DIR ...]

1. The blind generators (tests/data/blind17, blind18) as written: precision and recall on their
   labelled lines, scored like bench/blind.py. A document rule must not lower either.
2. The same corpora with every commit message also written as a document (`notes/msg-N.md` and
   `.txt`, the same lines and labels): how much of the prose a document rule finds, and at what
   precision.
3. Real prose with no labels: the repository's own tracked documents and every .md/.rst/.txt
   under each `--docs` directory (default /usr/share/doc). Every finding there is a lead to review
   (values are masked); reported per file read.
A run that reads no document fails instead of printing zeros.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from br_core.secrets.scanner import scan_files  # noqa: E402

GENERATORS = [
    ROOT / "tests" / "data" / "blind17" / "secrets_blind17.py",
    ROOT / "tests" / "data" / "blind18" / "secrets_blind18.py",
]
DOC_SUFFIXES = (".md", ".rst", ".txt")
MAX_DOC = 1_000_000  # bytes: larger files are logs or data, not prose


def generate(generator: Path, seed: int, out: Path) -> list[dict[str, object]]:
    subprocess.run(
        [sys.executable, str(generator), str(out), "--seed", str(seed)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    labels: list[dict[str, object]] = json.loads((out / "labels.json").read_text("utf-8"))
    return labels


def as_documents(out: Path, labels: list[dict[str, object]]) -> list[dict[str, object]]:
    """Each commit message of the corpus written again as a .md and a .txt, labels kept."""
    copies: list[dict[str, object]] = []
    (out / "notes").mkdir(exist_ok=True)
    for message in sorted(out.glob("COMMIT_EDITMSG-*")):
        number = message.name.rsplit("-", 1)[1]
        for suffix in (".md", ".txt"):
            rel = f"notes/msg-{number}{suffix}"
            shutil.copyfile(message, out / rel)
            copies += [{**x, "file": rel} for x in labels if x["file"] == message.name]
    return copies


def score(out: Path, labels: list[dict[str, object]]) -> tuple[int, int, int]:
    """(true positives, false positives, positives) on the labelled lines, as bench/blind.py."""
    files = sorted({str(x["file"]) for x in labels})
    result = scan_files([out / f for f in files], out)
    found = {(f.path, f.line) for f in result.findings}
    hits = [((x["file"], x["line"]) in found, x["label"] == "secret") for x in labels]
    tp = sum(hit and secret for hit, secret in hits)
    fp = sum(hit and not secret for hit, secret in hits)
    return tp, fp, sum(secret for _, secret in hits)


def corpora(seeds: list[int]) -> None:
    print("corpus                    slice        precision  recall   (tp/fp/positives)")
    for generator in GENERATORS:
        for seed in seeds:
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp)
                labels = generate(generator, seed, out)
                documents = as_documents(out, labels)
                for name, subset in (("as written", labels), ("prose as docs", documents)):
                    if not subset:
                        raise SystemExit(
                            f"bench/secrets_prose.py: {generator.name} wrote no {name}"
                        )
                    tp, fp, positives = score(out, subset)
                    print(f"{generator.stem:<14} seed {seed:<4} {name:<13} "
                          f"{tp / max(tp + fp, 1):.3f}      {tp / max(positives, 1):.3f}    "
                          f"({tp}/{fp}/{positives})")  # fmt: skip


def documents(roots: list[Path]) -> None:
    tracked = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", *(f"*{s}" for s in DOC_SUFFIXES)],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    sets = [("this repository", ROOT, [ROOT / p for p in tracked])]
    for root in roots:
        files = [p for s in DOC_SUFFIXES for p in root.rglob(f"*{s}")]
        sets.append((str(root), root, [p for p in files if p.is_file() and not p.is_symlink()
                                       and p.stat().st_size <= MAX_DOC]))  # fmt: skip
    for name, root, files in sets:
        if not files:
            raise SystemExit(f"bench/secrets_prose.py: no document read under {name}")
        result = scan_files(files, root, use_baseline=False)
        size = sum(p.stat().st_size for p in files)
        print(f"{name}: {len(files)} documents, {size / 1e6:.1f} MB, "
              f"{len(result.findings)} findings")  # fmt: skip
        for finding in result.findings:
            print(f"    {finding.path}:{finding.line} {finding.rule_id} {finding.masked}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--docs", type=Path, nargs="*", default=[Path("/usr/share/doc")])
    args = parser.parse_args()
    corpora(args.seeds)
    documents(args.docs)


if __name__ == "__main__":
    main()

"""Secrets in prose outside commit messages, and the false alarms and cost of the document
rules on real documents. The measurements behind issue 17's decision (should Markdown,
reStructuredText and .txt files get the prose rule that commit messages have?), for the tree
this script sits in (copy it into another checkout to compare).

Run: bench/.venv/bin/python bench/secrets_prose.py [--seeds 1 2 3] [--runs 5] [--docs DIR ...]

1. The blind generators (tests/data/blind17, blind18) as written: precision and recall on their
   labelled lines, scored like bench/blind.py. A document rule must not lower either.
2. The same corpora with every commit message also written as a document (`notes/msg-N.md` and
   `.txt`, the same lines and labels): how much of the prose a document rule finds, and at what
   precision.
3. Real documents with no labels, none of which should hold a live credential: this
   repository's tracked documents, the READMEs (METADATA), docs and licence texts of every
   distribution in this interpreter's site-packages, and every document under each `--docs`
   directory (default /usr/share/doc). Each set is read once (less what a tree scan skips:
   vendored trees such as `node_modules/` and `third_party/`, lockfiles), then scanned `--runs`
   times by the scanner a hook uses, with the set's own suppressions and no baseline: its
   findings, each a false alarm to judge by eye (values masked), and the CPU time of the scan,
   median and range (`time.process_time`: this process only, so it holds on a shared machine;
   no file I/O in it).
A run that reads no document fails instead of printing zeros.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from br_core.scan.finding import ScanResult  # noqa: E402
from br_core.secrets.scanner import Scanner, scan_files  # noqa: E402

GENERATORS = [
    ROOT / "tests" / "data" / "blind17" / "secrets_blind17.py",
    ROOT / "tests" / "data" / "blind18" / "secrets_blind18.py",
]
DOC_SUFFIXES = (".md", ".markdown", ".rst", ".txt")
PACKAGE_README = "METADATA"  # a distribution's README, in its .dist-info
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


def is_document(path: Path) -> bool:
    return (
        (path.suffix.lower() in DOC_SUFFIXES or path.name == PACKAGE_README)
        and path.is_file()
        and not path.is_symlink()
        and path.stat().st_size <= MAX_DOC
    )


def document_sets(roots: list[Path]) -> list[tuple[str, Path, list[Path]]]:
    """(name, root, documents) of this repository, site-packages and each `--docs` root."""
    tracked = subprocess.run(
        ["git", "-C", str(ROOT), "ls-files", *(f"*{s}" for s in DOC_SUFFIXES)],
        capture_output=True, text=True, check=True,
    ).stdout.split()  # fmt: skip
    site = Path(sysconfig.get_paths()["purelib"])
    sets = [("this repository", ROOT, [ROOT / p for p in tracked])]
    sets += [(name, root, sorted(root.rglob("*"))) for name, root in
             [("site-packages", site), *((str(r), r) for r in roots)]]  # fmt: skip
    return [(name, root, [p for p in files if is_document(p)]) for name, root, files in sets]


def documents(roots: list[Path], runs: int) -> None:
    for name, root, files in document_sets(roots):
        scanner = Scanner.for_root(root, use_baseline=False)
        texts = [
            (rel, p.read_text(encoding="utf-8", errors="replace"))
            for p in files
            if not scanner.skips_path(rel := str(p.relative_to(root)))
        ]
        if not texts:
            raise SystemExit(f"bench/secrets_prose.py: no document read under {name}")
        times = []
        for _ in range(runs):
            result = ScanResult()
            start = time.process_time()
            for rel, text in texts:
                scanner.scan_text(text, rel, result)
            times.append(time.process_time() - start)
        size = sum(len(text) for _, text in texts) / 1e6
        print(f"{name}: {len(texts)} documents, {size:.1f} MB, {len(result.findings)} findings; "
              f"CPU median {statistics.median(times):.3f} s, "
              f"range {min(times):.3f}-{max(times):.3f} s ({runs} runs)")  # fmt: skip
        for finding in result.findings:
            print(f"    {finding.path}:{finding.line} {finding.rule_id} {finding.masked}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--runs", type=int, default=5, help="timed scans of each set")
    parser.add_argument("--docs", type=Path, nargs="*", default=[Path("/usr/share/doc")])
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    corpora(args.seeds)
    documents(args.docs, args.runs)


if __name__ == "__main__":
    main()

"""Findings and CPU time of br-secrets on real projects' prose: READMEs, docs and licence files.

Run: bench/.venv/bin/python bench/secrets_docs.py [--list] [--runs N]
Scans the Markdown, reStructuredText, text and METADATA files (a package's README) of every
distribution installed in this interpreter's site-packages, and this repository's README,
CHANGELOG and docs/. None of them should hold a live credential, so every finding is a false
alarm to judge by eye (`--list` prints each, masked). Files are read as they are, with the
syntax their names give (site-packages is a default skip of a tree scan, so the texts are
scanned directly). Also prints the CPU time of `scan_text` over them all: median and range of
`--runs` runs (`time.process_time`: this process only, so it holds on a shared machine).
bench/secrets_prose.py measures what document rules find; this one what they cost and raise on
documents that hold no secret.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import sysconfig
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from br_core.secrets.masking import mask_value
from br_core.secrets.rules import scan_text
from br_core.secrets.syntax import syntax_of

_PROSE_SUFFIXES = (".md", ".rst", ".txt", ".markdown")
_REPO = Path(__file__).resolve().parent.parent


def prose_files() -> list[tuple[str, Path]]:
    """(label, path) of every prose file: site-packages first, then this repository's."""
    site = Path(sysconfig.get_paths()["purelib"])
    found = [
        (f"site-packages/{p.relative_to(site)}", p)
        for p in sorted(site.rglob("*"))
        if p.is_file() and (p.suffix.lower() in _PROSE_SUFFIXES or p.name == "METADATA")
    ]
    repo = [_REPO / "README.md", _REPO / "CHANGELOG.md", *sorted((_REPO / "docs").rglob("*.md"))]
    return found + [(str(p.relative_to(_REPO)), p) for p in repo if p.is_file()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print every finding (masked)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs (default 5)")
    args = parser.parse_args()
    texts = [
        (label, path.read_text(encoding="utf-8", errors="replace"), syntax_of(path.name))
        for label, path in prose_files()
    ]
    by_rule: Counter[str] = Counter()
    for label, text, syntax in texts:
        for match in scan_text(text, syntax=syntax):
            by_rule[match.rule_id] += 1
            if args.list:
                print(f"  {label}:{match.line}: {match.rule_id} {mask_value(match.secret)}")
    times = []
    for _ in range(max(1, args.runs)):
        start = time.process_time()
        for _, text, syntax in texts:
            scan_text(text, syntax=syntax)
        times.append(time.process_time() - start)
    size = sum(len(text) for _, text, _ in texts) / 1e6
    total = sum(by_rule.values())
    print(f"prose: {len(texts)} files, {size:.1f} MB, {total} findings (false alarms)")
    print(
        f"scan_text CPU: median {statistics.median(times):.3f} s, "
        f"range {min(times):.3f}-{max(times):.3f} s ({len(times)} runs)"
    )
    for rule, count in by_rule.most_common():
        print(f"  {rule:28} {count}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

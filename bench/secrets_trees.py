"""Findings of br-secrets' rules over whole directory trees of real code and documents, one line
each (masked), to compare two checkouts: none of these trees should hold a live credential, so
a finding that appears is a false alarm to judge (or a test key someone committed).

Run: PYTHONPATH=<checkout> bench/.venv/bin/python bench/secrets_trees.py DIR [DIR ...] > out.txt
then `diff` the outputs of two checkouts. Reads code, documents and config files up to 1 MB
(symlinks and undecodable files skipped) with the syntax each file's name gives; prints the
files and megabytes read on stderr, and fails when it read none.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from br_core.secrets.masking import mask_value
from br_core.secrets.rules import scan_text
from br_core.secrets.syntax import syntax_of

_SUFFIXES = frozenset({
    ".py", ".js", ".mjs", ".cjs", ".ts", ".go", ".java", ".sh",  # code
    ".md", ".rst", ".txt", ".yaml", ".yml", ".json", ".toml", ".cfg", ".ini",  # docs, config
})  # fmt: skip
_MAX_BYTES = 1_000_000


def texts(roots: list[Path]) -> list[tuple[Path, str]]:
    """(path, text) of every file under `roots` this bench reads, in walk order."""
    found: list[tuple[Path, str]] = []
    for root in roots:
        for folder, _, names in os.walk(root):
            for name in sorted(names):
                path = Path(folder, name)
                if path.suffix.lower() not in _SUFFIXES or path.is_symlink():
                    continue
                try:
                    if path.stat().st_size > _MAX_BYTES:
                        continue
                    found.append((path, path.read_text(encoding="utf-8")))
                except (OSError, UnicodeDecodeError):
                    continue
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="+", type=Path, help="trees to scan")
    args = parser.parse_args()
    files = texts(args.dirs)
    if not files:
        print("bench/secrets_trees.py: no file read under the given directories", file=sys.stderr)
        return 2
    findings = 0
    for path, text in files:
        for match in scan_text(text, None, syntax_of(str(path))):
            findings += 1
            print(f"{path}:{match.line} {match.rule_id} {mask_value(match.secret)}")
    megabytes = sum(len(text) for _, text in files) / 1e6
    print(f"# {len(files)} files, {megabytes:.1f} MB, {findings} findings", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

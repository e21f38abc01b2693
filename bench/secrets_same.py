"""Same findings from two checkouts: the check behind a speed change to br-secrets' engine.

A speed change must not change one finding. This prints, for every input, each finding as the
hook reports it (rule, line, column, masked value, fingerprint: the value hashed, message) and a
hash of telemetry's `clean_text` of the input; run it once per checkout and `diff` the outputs:

    PYTHONPATH=<checkout> .venv/bin/python bench/secrets_same.py [DIR ...] > <name>.txt

Inputs: bench/linear.py's inputs (about 1 MB each: the dense and the one-line worst cases),
then every file under each DIR, whatever its name (read as a hook reads it, scanned as the file
its path names: its syntax, a test file or not); with no DIR, the files bench/secrets_trees.py
reads (this interpreter's site-packages and standard library). Blind sets: generate seeds into
a directory (`python3 tests/data/blind24/secrets_blind24.py DIR/b24-s1 --seed 1`), name it.
The totals go to stderr (`#` lines); exit 2 when a DIR is not a directory.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
if not os.environ.get("PYTHONPATH"):
    sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))  # linear.py and secrets_trees.py beside this file

from linear import SECRETS_INPUTS  # noqa: E402
from secrets_trees import default_trees, walk  # noqa: E402

from br_core.scan.allowlist import Whitelist  # noqa: E402
from br_core.scan.baseline import Baseline  # noqa: E402
from br_core.scan.files import Skip, read_text_file  # noqa: E402
from br_core.scan.finding import ScanResult  # noqa: E402
from br_core.secrets.scanner import Scanner, ScanSettings  # noqa: E402
from br_core.telemetry.events import clean_text  # noqa: E402


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def report(scanner: Scanner, label: str, rel: str, text: str) -> int:
    """Print `label`'s findings and its `clean_text` hash; the number of findings."""
    result = ScanResult()
    scanner.scan_text(text, rel, result)
    for found in result.findings:
        print(
            f"{label}:{found.line}:{found.column} {found.rule_id} {found.masked} "
            f"{found.fingerprint} {found.message}"
        )
    print(f"{label} clean_text {_short_hash(clean_text(text))}")
    return len(result.findings)


def _files(dirs: list[Path]) -> Iterator[tuple[str, Path]]:
    """(label, path) of every file under `dirs`, whatever its name (a blind set holds
    Dockerfiles, .netrc and .npmrc files), in a stable order; with no DIR, the files
    bench/secrets_trees.py reads."""
    if not dirs:
        for _, label, path in walk(*default_trees()):
            yield label, path
        return
    for top in dirs:
        for folder, names, files in os.walk(top):
            names.sort()
            for name in sorted(files):
                path = Path(folder, name)
                yield str(path.relative_to(top.parent)), path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", type=Path, help="trees to scan (default: see above)")
    args = parser.parse_args(argv)
    for tree in args.dirs:
        if not tree.is_dir():
            print(f"bench/secrets_same.py: {tree}: not a directory; name a tree", file=sys.stderr)
            return 2
    # No whitelist or baseline: every finding the engine makes is printed.
    scanner = Scanner(Path("."), Whitelist(), Baseline(), ScanSettings())
    files = findings = 0
    for name, text in SECRETS_INPUTS.items():
        findings += report(scanner, f"linear:{name}", "input.txt", text)
    for label, path in _files(args.dirs):
        text = read_text_file(path)
        if isinstance(text, Skip):
            continue
        files += 1
        findings += report(scanner, label, label, text)
    print(f"# engine: {sys.modules['br_core'].__file__}", file=sys.stderr)
    print(f"# {files} files and {len(SECRETS_INPUTS)} inputs: {findings} findings", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""False alarms of br-secrets' rules over whole directory trees of real code, config and
documents, none of which should hold a live credential: every finding is a false alarm to judge
by eye (or a test key someone committed). One line per finding (masked) on stdout, to read or to
`diff` between two checkouts; the totals on stderr: files read (by tree), lines, megabytes,
findings, findings per 100,000 lines, the CPU time of the scan alone (`time.process_time`: this
process only, no file I/O, so it holds on a shared machine), findings by rule and by suffix.

Run: bench/.venv/bin/python bench/secrets_trees.py [DIR ...] > findings.txt
With no DIR it reads the installed packages (this interpreter's site-packages) and the standard
library, less the base interpreter's own site-packages inside it: a tree scan skips
site-packages and node_modules by default, so this bench walks trees itself. It reads code,
config and documents (`_SUFFIXES`) as a hook reads a file (`read_text_file`: symlinks, binary
files and files over 2 MiB skipped, invalid UTF-8 replaced), each with the syntax its name gives.
A DIR inside another DIR is read once. A DIR that is not a directory, or a run that reads no
file, fails (exit 2).

The engine: the checkout named by PYTHONPATH, or else the checkout this script sits in. To
compare two checkouts, run the same command once per checkout and diff the outputs:
    PYTHONPATH=<checkout> bench/.venv/bin/python bench/secrets_trees.py DIR ... > <name>.txt
"""

from __future__ import annotations

import argparse
import os
import sys
import sysconfig
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

if not os.environ.get("PYTHONPATH"):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from br_core.scan.files import Skip, read_text_file
from br_core.secrets.masking import mask_value
from br_core.secrets.rules import load_rules, scan_text
from br_core.secrets.syntax import syntax_of

_SUFFIXES = frozenset({
    ".py", ".js", ".mjs", ".cjs", ".ts", ".go", ".java", ".cs", ".php", ".rb",  # code
    ".sh", ".bash", ".ps1",  # scripts
    ".json", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".conf", ".properties", ".xml", ".sql",
    ".env",  # config
    ".md", ".rst", ".txt",  # documents
})  # fmt: skip


@dataclass
class Totals:
    """What one run read and found."""

    files_by_tree: Counter[str] = field(default_factory=Counter)
    skipped: int = 0  # symlinks, binaries, files over the size cap
    lines: int = 0
    chars: int = 0
    cpu: float = 0.0
    by_rule: Counter[str] = field(default_factory=Counter)
    by_suffix: Counter[str] = field(default_factory=Counter)


def default_trees() -> tuple[list[tuple[str, Path]], list[Path]]:
    """This interpreter's site-packages and standard library, and what to leave out of them:
    the base interpreter's site-packages under the standard library (another environment's)."""
    paths = sysconfig.get_paths()
    stdlib = Path(paths["stdlib"])
    return [("site-packages", Path(paths["purelib"])), ("stdlib", stdlib)], [
        stdlib / "site-packages",
        stdlib / "dist-packages",
    ]


def walk(trees: list[tuple[str, Path]], left_out: list[Path]) -> Iterator[tuple[str, str, Path]]:
    """(tree label, file label, path) of every file with a suffix this bench reads, in a stable
    order; directories in `left_out` or named as another tree, and symlinked ones, are not
    entered (each tree is read once, where it is named)."""
    tops = {os.path.realpath(top) for _, top in trees}
    pruned = {os.path.realpath(path) for path in left_out}
    walked: set[str] = set()
    for label, top in trees:
        if os.path.realpath(top) in walked:
            continue  # named twice
        walked.add(os.path.realpath(top))
        for folder, dirs, names in os.walk(top):
            dirs[:] = sorted(
                name
                for name in dirs
                if (full := os.path.realpath(os.path.join(folder, name))) not in tops
                and full not in pruned
            )
            rel = os.path.relpath(folder, top)
            for name in sorted(names):
                if os.path.splitext(name)[1].lower() in _SUFFIXES:
                    shown = name if rel == "." else os.path.join(rel, name)
                    yield label, os.path.join(label, shown), Path(folder, name)


def scan_trees(trees: list[tuple[str, Path]], left_out: list[Path]) -> Totals:
    """Scan every file `walk` yields, printing each finding (masked) as it is found."""
    rules = load_rules()
    totals = Totals()
    for tree, label, path in walk(trees, left_out):
        text = read_text_file(path)
        if isinstance(text, Skip):
            totals.skipped += 1
            continue
        totals.files_by_tree[tree] += 1
        totals.lines += text.count("\n") + (bool(text) and not text.endswith("\n"))
        totals.chars += len(text)
        start = time.process_time()
        matches = scan_text(text, rules, syntax_of(path.name))
        totals.cpu += time.process_time() - start
        for match in matches:
            totals.by_rule[match.rule_id] += 1
            totals.by_suffix[path.suffix.lower()] += 1
            print(f"{label}:{match.line} {match.rule_id} {mask_value(match.secret)}")
    return totals


def summary(totals: Totals) -> list[str]:
    """The totals as lines for stderr (`#`-prefixed, as a diff of two outputs ignores them)."""
    files = sum(totals.files_by_tree.values())
    found = sum(totals.by_rule.values())
    trees = ", ".join(f"{tree} {count}" for tree, count in totals.files_by_tree.items())
    lines = [
        f"# {files} files ({trees}), {totals.lines} lines, {totals.chars / 1e6:.1f} MB: "
        f"{found} findings, {found * 100_000 / max(totals.lines, 1):.2f} per 100k lines; "
        f"scan CPU {totals.cpu:.2f} s; {totals.skipped} skipped (links, binary, over 2 MiB)",
    ]
    lines += [f"#   {rule:28} {count}" for rule, count in totals.by_rule.most_common()]
    if totals.by_suffix:
        by_suffix = ", ".join(f"{s} {n}" for s, n in totals.by_suffix.most_common())
        lines.append(f"#   by suffix: {by_suffix}")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "dirs",
        nargs="*",
        type=Path,
        help="trees to scan (default: this interpreter's site-packages and standard library)",
    )
    args = parser.parse_args(argv)
    for tree in args.dirs:
        if not tree.is_dir():
            print(f"bench/secrets_trees.py: {tree}: not a directory; name a tree", file=sys.stderr)
            return 2
    if args.dirs:
        trees, left_out = [(str(tree), tree) for tree in args.dirs], []
    else:
        trees, left_out = default_trees()
    totals = scan_trees(trees, left_out)
    if not totals.files_by_tree:
        names = " ".join(str(top) for _, top in trees)
        print(f"bench/secrets_trees.py: no file read under {names}", file=sys.stderr)
        return 2
    print("\n".join(summary(totals)), file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

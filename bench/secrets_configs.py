"""Findings of br-secrets on real code and config files that hold no credential: false alarms.

Run: bench/.venv/bin/python bench/secrets_configs.py [--list] [--python]
Scans the config, SQL, script and source files (JSON, YAML, TOML, INI, .properties, XML, SQL,
shell, PowerShell, PHP, Ruby, Go, Java, C#, JS/TS; `--python` adds .py) of every distribution
installed in this interpreter's site-packages, and the same kinds of file in the standard
library, read with the syntax their names give (site-packages is a default skip of a tree scan,
so the texts are scanned directly). Installed packages ship no live credential, so every
finding is a false alarm to judge by eye (`--list` prints each, masked); the figure is findings
per 100,000 lines. To compare two trees, run each tree's copy of this script with the same
interpreter (the script imports the tree it sits in). A run that reads no file fails.
"""

from __future__ import annotations

import argparse
import sys
import sysconfig
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from br_core.secrets.masking import mask_value
from br_core.secrets.rules import scan_text
from br_core.secrets.syntax import syntax_of

_SUFFIXES = (
    ".json", ".yaml", ".yml", ".toml", ".ini", ".cfg", ".conf", ".properties", ".xml", ".sql",
    ".sh", ".bash", ".ps1", ".php", ".rb", ".go", ".java", ".cs", ".js", ".mjs", ".ts", ".env",
)  # fmt: skip
_MAX_BYTES = 2_000_000  # bundled data files (a 30 MB JSON) are not config


def config_files(with_python: bool) -> list[tuple[str, Path]]:
    """(label, path) of every file of the kinds above under site-packages and the stdlib."""
    suffixes = (*_SUFFIXES, ".py") if with_python else _SUFFIXES
    found = []
    for name in ("purelib", "stdlib"):
        root = Path(sysconfig.get_paths()[name])
        for path in sorted(root.rglob("*")):
            if name == "stdlib" and "site-packages" in path.parts:
                continue
            wanted = path.suffix.lower() in suffixes and path.is_file()
            if wanted and path.stat().st_size <= _MAX_BYTES:
                found.append((f"{name}/{path.relative_to(root)}", path))
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print every finding (masked)")
    parser.add_argument("--python", action="store_true", help="scan .py files too")
    args = parser.parse_args()
    by_rule: Counter[str] = Counter()
    by_suffix: Counter[str] = Counter()
    lines = files = 0
    for label, path in config_files(args.python):
        text = path.read_text(encoding="utf-8", errors="replace")
        files += 1
        lines += text.count("\n") + 1
        for match in scan_text(text, syntax=syntax_of(path.name)):
            by_rule[match.rule_id] += 1
            by_suffix[path.suffix.lower()] += 1
            if args.list:
                print(f"  {label}:{match.line}: {match.rule_id} {mask_value(match.secret)}")
    if not files:
        raise SystemExit("bench/secrets_configs.py: no file read; is site-packages empty?")
    total = sum(by_rule.values())
    print(
        f"configs: {files} files, {lines} lines, {total} findings (false alarms), "
        f"{total * 100_000 / lines:.2f} per 100k lines"
    )
    for rule, count in by_rule.most_common():
        print(f"  {rule:28} {count}")
    print("  by suffix: " + ", ".join(f"{s} {n}" for s, n in by_suffix.most_common()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

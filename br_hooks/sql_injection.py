"""`br-sql-injection`: flag SQL built from untrusted input that reaches a database call.

Exit 0: clean; 1: findings; 2: a named file cannot be read (and nothing was found) or the
whitelist is malformed. The analysis is br_core/sqli/; this module only parses arguments and
prints.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from br_core.sqli.scan import ScanResult, render, scan_files
from br_hooks import hook_cli


def exit_code(result: ScanResult) -> int:
    """0 clean, 1 findings (even when a named file could not be read), 2 errors only."""
    return hook_cli.exit_code(result)


def _emit(result: ScanResult, fmt: str) -> None:
    for line in result.notices + result.errors:
        print(f"br-sql-injection: {line}", file=sys.stderr)
    out = render(result, fmt)
    if out:
        print(out)


def main(argv: Sequence[str] | None = None) -> int:
    parser = hook_cli.hook_parser(
        "br-sql-injection",
        "Flag SQL built from untrusted input that reaches a database call (Python, JS/TS).",
        "Suppress with `br:allow`, `noqa: S608` or `nosec B608` on the line, or "
        ".buildrunner/whitelist.txt.",
    )
    args = parser.parse_args(argv)
    fmt = hook_cli.output_format(args)
    return hook_cli.run_hook(
        "br-sql-injection",
        lambda: scan_files([Path(p) for p in args.filenames], Path.cwd()),
        lambda result: _emit(result, fmt),
    )


if __name__ == "__main__":
    raise SystemExit(main())

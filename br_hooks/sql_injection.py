"""`br-sql-injection`: flag SQL built from untrusted input that reaches a database call.

Exit 0: clean; 1: findings (even when a named file cannot be read); 2: a named file cannot be
read (and nothing was found) or the whitelist is malformed. The analysis is br_core/sqli/; this
module only parses arguments and prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from br_core.scan.finding import SQL_INJECTION
from br_core.scan.report import hints
from br_core.sqli.scan import scan_files
from br_hooks import hook_cli


def main(argv: Sequence[str] | None = None) -> int:
    parser = hook_cli.hook_parser(
        "br-sql-injection",
        "Flag SQL built from untrusted input that reaches a database call (Python, JS/TS).",
        "Suppress with `br:allow`, `noqa: S608` or `nosec B608` in a comment on the line, or a "
        f"line in {hints.WHITELIST_FILE}: `PATH:LINE`, a path glob, or `fp:FINGERPRINT`.",
    )
    args = parser.parse_args(argv)
    return hook_cli.run_hook(
        "br-sql-injection",
        SQL_INJECTION,
        hook_cli.output_format(args),
        lambda: scan_files([Path(p) for p in args.filenames], Path.cwd()),
    )


if __name__ == "__main__":
    raise SystemExit(main())

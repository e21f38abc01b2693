"""The command-line skeleton the check hooks share (`br-secrets`, `br-sql-injection`).

One parser shape (file names, `--json` | `--sarif`), one way to report a configuration error,
one way to print a report (br_core/scan/report/) and the engine's exit-code rule
(`ScanResult.exit_code`: 0 clean, 1 findings, 2 usage or configuration error or unreadable file).
Stdlib only: this sits on every hook's start-up path.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from br_core.errors import BRError, one_line, silence_closed_stream
from br_core.scan import report

if TYPE_CHECKING:
    from br_core.scan.finding import Kind, ScanResult


def hook_parser(prog: str, description: str, epilog: str) -> argparse.ArgumentParser:
    """`prog [--json | --sarif] [FILE ...]`; a hook adds its own flags to what this returns."""
    parser = argparse.ArgumentParser(
        prog=prog,
        description=description,
        epilog=f"{epilog} Exit: 0 clean, 1 findings, 2 usage/config error or unreadable file.",
    )
    parser.add_argument("filenames", nargs="*", help="files or directories to check")
    fmt = parser.add_mutually_exclusive_group()
    fmt.add_argument("--json", action="store_true", help="print findings as JSON")
    fmt.add_argument("--sarif", action="store_true", help="print findings as SARIF 2.1.0")
    return parser


def output_format(args: argparse.Namespace) -> str:
    """`text`, `json` or `sarif`, from a namespace `hook_parser` parsed."""
    return "json" if args.json else "sarif" if args.sarif else "text"


def run_hook(prog: str, kind: Kind, fmt: str, scan: Callable[[], ScanResult]) -> int:
    """Scan, print the report and return the exit code; a configuration error (a malformed
    whitelist, baseline or config.toml) is one `prog: <message>` line on stderr, not a traceback."""
    try:
        result = scan()
    except BRError as exc:
        print(f"{prog}: {one_line(exc.message)}", file=sys.stderr)
        return exc.exit_code
    for line in report.notice_lines(result, kind, prog):
        print(line, file=sys.stderr)
    out = report.render(result, kind, fmt, tool=prog)
    try:
        if out:
            print(out)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit flush
    except BrokenPipeError:
        # `br-secrets --json | head`: the reader left; say nothing more, and keep the verdict
        # (a closed pipe turns neither findings into a pass nor a clean scan into a failure).
        silence_closed_stream(sys.stdout)
    if result.findings:
        record_block(prog, result)
    return result.exit_code()


def record_block(prog: str, result: ScanResult) -> None:
    """Tell the local telemetry that `prog` blocked (rule ids and directories only). Telemetry
    never changes a hook's verdict: a store that cannot be written is one warning line."""
    from pathlib import Path

    from br_core.store.db import open_db
    from br_core.telemetry import checks
    from br_core.telemetry.settings import telemetry_state

    try:
        if not telemetry_state(Path.cwd()).enabled:
            return
        conn = open_db(timeout_ms=checks.HOOK_LOCK_WAIT_MS)
        try:
            checks.record_block(
                conn, Path.cwd(), prog, (f.rule_id for f in result.findings),
                (f.path for f in result.findings), len(result.findings),
            )  # fmt: skip
        finally:
            conn.close()
    except BRError as exc:
        print(f"{prog}: warning: block not recorded: {one_line(exc.message)}", file=sys.stderr)

"""The command-line skeleton the check hooks share (`br-secrets`, `br-sql-injection`).

One parser shape (file names, `--json` | `--sarif`), one way to report a configuration error,
one exit-code rule: 0 clean, 1 findings, 2 usage or configuration error. Findings outrank an
unreadable file: a commit that leaks a secret says so (exit 1) even if another file was missing.
Stdlib only: this sits on every hook's start-up path.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sized
from typing import Protocol, TypeVar

from br_core.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE, BRError

FORMATS = ("text", "json", "sarif")


class HookResult(Protocol):
    """What the exit code is decided from."""

    @property
    def findings(self) -> Sized: ...
    @property
    def errors(self) -> Sized: ...


R = TypeVar("R", bound=HookResult)


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


def exit_code(result: HookResult) -> int:
    if len(result.findings):
        return EXIT_FINDINGS
    return EXIT_USAGE if len(result.errors) else EXIT_OK


def run_hook(prog: str, scan: Callable[[], R], emit: Callable[[R], None]) -> int:
    """Scan, print the report and return the exit code; a configuration error (a malformed
    whitelist, baseline or config.toml) is one `prog: <message>` line on stderr, not a traceback."""
    try:
        result = scan()
    except BRError as exc:
        print(f"{prog}: {exc.message}", file=sys.stderr)
        return exc.exit_code
    emit(result)
    return exit_code(result)

"""`br-secrets`: block commits that carry API keys, tokens, private keys or passwords.

Exit 0 when clean, 1 when a secret is found, 2 for usage or configuration errors (including a
named file that is missing or unreadable). Output never shows a secret in full. The scanner is
br_core/secrets/scanner.py; this module only parses arguments and prints.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from br_core.scan.finding import SECRET
from br_core.scan.report import hints
from br_core.secrets.scanner import scan_commit_messages, scan_files
from br_hooks import hook_cli


def run(filenames: Sequence[str], fmt: str, use_baseline: bool = True) -> int:
    """Scan `filenames` from the current directory and print the report in `fmt`."""
    return hook_cli.run_hook(
        "br-secrets",
        SECRET,
        fmt,
        lambda: scan_files([Path(n) for n in filenames], Path.cwd(), use_baseline=use_baseline),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = hook_cli.hook_parser(
        "br-secrets",
        "Find API keys, tokens, private keys and passwords in files (masked output).",
        "Suppress with `br:allow` (or `gitleaks:allow`, `pragma: allowlist secret`) in a comment "
        f"on the line, or a line in {hints.WHITELIST_FILE}: `PATH:LINE`, a path glob, or "
        "`fp:FINGERPRINT`. Secrets accepted in .buildrunner/secrets-baseline.json (hashes only"
        + (", made by `br security baseline`" if hints.br_available() else "")
        + ") do not block.",
    )
    parser.add_argument(
        "--no-baseline", action="store_true", help="report secrets accepted in the baseline too"
    )
    parser.add_argument(
        "--commit-msg",
        action="store_true",
        help="FILE is a commit message (the commit-msg stage passes .git/COMMIT_EDITMSG): "
        "scan what git keeps of it, without `#` lines or the diff of `git commit -v`",
    )
    args = parser.parse_args(argv)
    fmt = hook_cli.output_format(args)
    if args.commit_msg:
        if not args.filenames:
            parser.error("--commit-msg needs the commit message file (pre-commit passes it)")
        return hook_cli.run_hook(
            "br-secrets",
            SECRET,
            fmt,
            lambda: scan_commit_messages([Path(n) for n in args.filenames], Path.cwd()),
        )
    return run(args.filenames, fmt, use_baseline=not args.no_baseline)


if __name__ == "__main__":
    raise SystemExit(main())

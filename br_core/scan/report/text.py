"""Reports for secret findings: lines for people, JSON, and SARIF 2.1.0. All masked."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from br_core.secrets.scanner import Finding, ScanResult

INFO_URI = "https://github.com/buildrunner/buildrunner/blob/main/docs/SECURITY.md"
FIX_HINT = """\
How to fix:
  - Remove the secret from the file; read it from an environment variable or a git-ignored .env.
  - If it was ever committed or pushed, rotate the key now: deleting it does not revoke it.
  - False positive? Add `br:allow` in a comment on that line, or run
    `br security whitelist PATH:LINE`; accept existing ones with `br security baseline`."""


def text_report(findings: Sequence[Finding]) -> str:
    lines = [f.format_line() for f in findings]
    noun = "secret" if len(findings) == 1 else "secrets"
    lines += ["", f"br-secrets: {len(findings)} {noun} found (values masked).", FIX_HINT]
    return "\n".join(lines)


def json_report(result: ScanResult) -> dict[str, Any]:
    return {
        "version": 1,
        "findings": [f.to_dict() for f in result.findings],
        "skipped": [{"path": s.path, "reason": s.reason} for s in result.skipped if s.notice],
        "suppressed": result.suppressed,
    }


def sarif_report(findings: Sequence[Finding], tool: str = "br-secrets") -> dict[str, Any]:
    """A SARIF 2.1.0 log with one run; every message carries only the masked value."""
    from br_core.scan.report.sarif import SarifResult, sarif_log

    return sarif_log(
        tool,
        INFO_URI,
        [
            SarifResult(
                rule_id=f.rule_id,
                rule_text=f.description,
                message=f"{f.description} (value: {f.masked})",
                path=f.path,
                line=f.line,
                column=f.column,
                fingerprint_key="brSecretHash/v1",
                fingerprint=f.fingerprint,
            )
            for f in findings
        ],
    )


def emit(result: ScanResult, fmt: str, tool: str, out: TextIO | None = None) -> None:
    """Print `result` as text, JSON or SARIF on stdout; notices about skipped files on stderr."""
    stream = out or sys.stdout
    for skip in result.skipped:
        if skip.notice:
            print(f"{tool}: {skip.message()}", file=sys.stderr)
    if fmt == "json":
        print(json.dumps(json_report(result), indent=2), file=stream)
    elif fmt == "sarif":
        print(json.dumps(sarif_report(result.findings, tool), indent=2), file=stream)
    elif result.findings:
        print(text_report(result.findings), file=stream)

"""Reports for people: one line per finding, the secrets summary with its fix hints, and the
notice lines a door prints on stderr. Every field is already masked (br_core/scan/finding.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from br_core.scan.report import hints

if TYPE_CHECKING:
    from br_core.scan.finding import Finding, Kind, ScanResult

FIX_HINT = """\
How to fix:
  - Remove the secret from the file; read it from an environment variable or a git-ignored .env.
  - If it was ever committed or pushed, rotate the key now: deleting it does not revoke it.
  - False positive? Add `br:allow` in a comment on that line, or add a line `PATH:LINE` to
    {whitelist}{more}."""


def fix_hint() -> str:
    """How to fix a secret finding, naming only what the reader has: the inline marker and the
    whitelist file always, `br` commands when `br` runs from their shell (see hints.py)."""
    more = (
        " (or run `br security whitelist PATH:LINE`); accept the existing ones with "
        "`br security baseline`"
        if hints.br_available()
        else ""
    )
    return FIX_HINT.format(whitelist=hints.WHITELIST_FILE, more=more)


FIX_WIDTH = 300  # a fix longer than this is cut on the text line (JSON and SARIF keep it whole)


def finding_line(finding: Finding) -> str:
    """`path:line: rule message`, where it runs when that is another line, the confidence when
    it is not high, then `; fix: ...` on the same line when the finding has one."""
    line = f"{finding.path}:{finding.line}: {finding.rule_id} {finding.message}"
    runs = [r.line for r in finding.related if r.line != finding.line]
    if runs:  # SQL built on one line and run on another: both lines, the flaw's first
        line += f" (run at line {', '.join(map(str, runs))})"
    if finding.confidence == "medium":
        line += " [medium confidence: not traced to a known source]"
    if finding.fix is None:
        return line
    fix = " ".join(finding.fix.split())
    fix = fix if len(fix) <= FIX_WIDTH else fix[: FIX_WIDTH - 1] + "…"
    return f"{line}; fix: {fix}"


def secrets_text(findings: Sequence[Finding]) -> str:
    """The secret findings, a count and how to fix them."""
    lines = [finding_line(f) for f in findings]
    noun = "secret" if len(findings) == 1 else "secrets"
    lines += ["", f"br-secrets: {len(findings)} {noun} found (values masked).", fix_hint()]
    return "\n".join(lines)


def sql_injection_text(findings: Sequence[Finding]) -> str:
    """The SQL-injection findings, a count and how to fix or suppress them."""
    lines = [finding_line(f) for f in findings]
    noun = "place builds" if len(findings) == 1 else "places build"
    lines += [
        "",
        f"SQL injection: {len(findings)} {noun} SQL from untrusted input. Pass the values "
        "as query parameters (each line's fix shows how). False positive? Add `br:allow`, "
        f"`noqa: S608` or `nosec B608` in a comment on that line, or a line `PATH:LINE` to "
        f"{hints.WHITELIST_FILE}.",
    ]
    return "\n".join(lines)


def render_both(secrets: ScanResult, sql_injection: ScanResult) -> str:
    """Secrets first, then SQL injection; "" when neither found anything."""
    parts = []
    if secrets.findings:
        parts.append(secrets_text(secrets.findings))
    if sql_injection.findings:
        parts.append(sql_injection_text(sql_injection.findings))
    return "\n\n".join(parts)


def render(result: ScanResult, kind: Kind) -> str:
    """The findings for people; "" when there are none (the door says what was clean)."""
    if not result.findings:
        return ""
    if kind == "secret":
        return secrets_text(result.findings)
    return "\n".join(finding_line(f) for f in result.findings)


def notice_lines(result: ScanResult, kind: Kind, prog: str) -> list[str]:
    """The stderr lines, each `prog: path: reason`.

    Each hook keeps the order it has always printed: br-secrets names every file it could not
    read in path order, errors included; br-sql-injection prints its notices, then the errors.
    """
    if kind == "secret":
        messages = [s.message() for s in result.skipped if s.notice]
    else:
        messages = [*result.notices, *result.errors]
    return [f"{prog}: {message}" for message in [*result.settings_notices, *messages]]

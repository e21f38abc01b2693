"""The report stage every scanner shares: one module per output format.

`text` for people, `json` for tools, `sarif` for code-scanning uploads. Renderers take masked
findings (br_core/scan/finding.py) and return strings: a detector never prints, the doors do.
`json` and `sarif` are imported only when asked for, so a hook's text path stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from br_core.scan.report import text

if TYPE_CHECKING:
    from br_core.scan.finding import Kind, ScanResult


def render(result: ScanResult, kind: Kind, fmt: str, tool: str) -> str:
    """What goes to stdout for `result` in `fmt` ("" when there is nothing to print); `tool`
    names the SARIF run."""
    if fmt == "json":
        from br_core.scan.report import json as json_report

        return json_report.render(result, kind)
    if fmt == "sarif":
        from br_core.scan.report import sarif

        return sarif.render(result, kind, tool)
    return text.render(result, kind)


def notice_lines(result: ScanResult, kind: Kind, prog: str) -> list[str]:
    """What goes to stderr: the files not read and other notices, each `prog: ...`."""
    return text.notice_lines(result, kind, prog)


def render_both(secrets: ScanResult, sql_injection: ScanResult, fmt: str) -> str:
    """One report of one scan that looked for both kinds (`br security scan`, `check`):
    the secrets document or log with the SQL-injection findings added ("" when clean text)."""
    if fmt == "json":
        from br_core.scan.report import json as json_report

        return json_report.dumps(json_report.combined_document(secrets, sql_injection))
    if fmt == "sarif":
        from br_core.scan.report import sarif

        return sarif.dumps(sarif.combined_log(secrets, sql_injection))
    return text.render_both(secrets, sql_injection)


def notice_lines_both(secrets: ScanResult, sql_injection: ScanResult, prog: str) -> list[str]:
    """The stderr lines of a scan for both kinds: a file neither scanner could read is said once."""
    lines = notice_lines(secrets, "secret", prog)
    said = set(lines)
    for line in notice_lines(sql_injection, "sql_injection", prog):
        if line not in said:
            said.add(line)
            lines.append(line)
    return lines

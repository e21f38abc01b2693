"""JSON reports, as `br-secrets --json`, `br-sql-injection --json` and `br security` print them.

Each scanner keeps its own document shape and key order: tools already parse them. Every value
comes from a masked finding.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from br_core.scan.finding import Finding, Kind, ScanResult

SECRETS_FORMAT_VERSION = 1


def secret_record(finding: Finding) -> dict[str, Any]:
    return {
        "path": finding.path,
        "line": finding.line,
        "column": finding.column,
        "rule_id": finding.rule_id,
        "description": finding.rule_text,
        "value": finding.masked,
        "fingerprint": finding.fingerprint,
    }


def sql_injection_record(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule_id,
        "path": finding.path,
        "line": finding.line,
        "sink": finding.sink,
        "source": finding.source,
        "how": finding.how,
        "fix": finding.fix,
        "language": finding.language,
        "fallback": finding.fallback,
        "fingerprint": finding.fingerprint,
        "message": finding.message,
        # Added by issue 17, after the keys tools already read: how sure, and where the query
        # runs when `line` is where it is built from the untrusted value.
        "confidence": finding.confidence,
        "sink_line": next((r.line for r in finding.related), finding.line),
        "related": [{"line": r.line, "message": r.message} for r in finding.related],
    }


def finding_record(finding: Finding) -> dict[str, Any]:
    """One finding as its scanner's JSON object (also what the MCP security_scan tool returns)."""
    if finding.kind == "secret":
        return secret_record(finding)
    return sql_injection_record(finding)


def document(result: ScanResult, kind: Kind) -> dict[str, Any]:
    """The whole report of one scan."""
    if kind == "secret":
        return {
            "version": SECRETS_FORMAT_VERSION,
            "findings": [secret_record(f) for f in result.findings],
            "skipped": [{"path": s.path, "reason": s.reason} for s in result.skipped if s.notice],
            "suppressed": result.suppressed,
        }
    return {
        "findings": [sql_injection_record(f) for f in result.findings],
        "notices": result.notices,
        "errors": result.errors,
        "files_scanned": result.files,
    }


def combined_document(secrets: ScanResult, sql_injection: ScanResult) -> dict[str, Any]:
    """`br security check`: the secrets document with the SQL-injection findings added."""
    combined = document(secrets, "secret")
    combined["sql_injection"] = [sql_injection_record(f) for f in sql_injection.findings]
    return combined


def dumps(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2)


def render(result: ScanResult, kind: Kind) -> str:
    return dumps(document(result, kind))

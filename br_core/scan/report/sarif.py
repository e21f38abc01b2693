"""SARIF 2.1.0 logs: one run per scanner, one result per finding, ready for a code-scanning upload.

Findings arrive masked (br_core/scan/finding.py); this module only shapes the log.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from br_core.scan.finding import Finding, Kind, ScanResult

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
DOCS = "https://github.com/buildrunner/buildrunner/blob/main/docs"
SQL_INJECTION_TOOL = "br-sql-injection"  # the run's name wherever SQL injection is reported
RANKS = {"high": 90.0, "medium": 50.0}  # a finding's confidence as SARIF `rank` (0-100)


def _info_uri(kind: Kind) -> str:
    return f"{DOCS}/SECURITY.md" if kind == "secret" else f"{DOCS}/SQL_INJECTION.md"


def _fingerprint_key(kind: Kind) -> str:
    """Stable across tool versions: code scanning matches results across uploads by it."""
    return "brSecretHash/v1" if kind == "secret" else "brFingerprint/v1"


def _tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("buildrunner")
    except PackageNotFoundError:  # pragma: no cover - only when run from an uninstalled tree
        return "0"


def sarif_log(tool: str, kind: Kind, findings: Sequence[Finding]) -> dict[str, Any]:
    """A SARIF 2.1.0 log with a single run of `tool`."""
    rules: dict[str, str] = {}
    for f in findings:
        rules.setdefault(f.rule_id, f.rule_text)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": tool,
                        "version": _tool_version(),
                        "informationUri": _info_uri(kind),
                        "rules": [
                            {
                                "id": rule_id,
                                "shortDescription": {"text": text},
                                "defaultConfiguration": {"level": "error"},
                            }
                            for rule_id, text in sorted(rules.items())
                        ],
                    }
                },
                "results": [_result(f) for f in findings],
            }
        ],
    }


def _result(f: Finding) -> dict[str, Any]:
    region: dict[str, int] = {"startLine": f.line}
    if f.column is not None:
        region["startColumn"] = f.column
    message = f.message if f.fix is None else f"{f.message}. Fix: {f.fix}"
    result: dict[str, Any] = {
        "ruleId": f.rule_id,
        "level": "error",
        "message": {"text": message},
        "locations": [
            {"physicalLocation": {"artifactLocation": {"uri": f.path}, "region": region}}
        ],
        "partialFingerprints": {_fingerprint_key(f.kind): f.fingerprint},
    }
    if f.confidence:  # SARIF ranks 0-100; code scanning sorts and filters on it
        result["rank"] = RANKS.get(f.confidence, RANKS["medium"])
        result["properties"] = {"confidence": f.confidence}
    if f.related:
        result["relatedLocations"] = [
            {
                "id": index,
                "message": {"text": r.message},
                "physicalLocation": {
                    "artifactLocation": {"uri": f.path},
                    "region": {"startLine": r.line},
                },
            }
            for index, r in enumerate(f.related, start=1)
        ]
    return result


def combined_log(secrets: ScanResult, sql_injection: ScanResult) -> dict[str, Any]:
    """`br security check`: a br-secrets run, plus a br-sql-injection run when it found any."""
    log = sarif_log("br-secrets", "secret", secrets.findings)
    if sql_injection.findings:
        sql_log = sarif_log(SQL_INJECTION_TOOL, "sql_injection", sql_injection.findings)
        log["runs"].extend(sql_log["runs"])
    return log


def dumps(log: dict[str, Any]) -> str:
    return json.dumps(log, indent=2)


def render(result: ScanResult, kind: Kind, tool: str) -> str:
    return dumps(sarif_log(tool, kind, result.findings))

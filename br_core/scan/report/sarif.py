"""SARIF 2.1.0 logs for the check hooks: one run, one result per finding, ready for upload.

Callers pass results whose messages are already masked; this module only shapes the log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


@dataclass(frozen=True)
class SarifResult:
    rule_id: str
    rule_text: str  # the rule's short description
    message: str
    path: str
    line: int
    column: int | None
    fingerprint_key: str  # e.g. "brSecretHash/v1": stable across tool versions
    fingerprint: str


def _tool_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("buildrunner")
    except PackageNotFoundError:  # pragma: no cover - only when run from an uninstalled tree
        return "0"


def sarif_log(tool: str, info_uri: str, results: Sequence[SarifResult]) -> dict[str, Any]:
    """A SARIF 2.1.0 log with a single run of `tool`."""
    rules: dict[str, str] = {}
    for r in results:
        rules.setdefault(r.rule_id, r.rule_text)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": tool,
                        "version": _tool_version(),
                        "informationUri": info_uri,
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
                "results": [_result(r) for r in results],
            }
        ],
    }


def _result(r: SarifResult) -> dict[str, Any]:
    region: dict[str, int] = {"startLine": r.line}
    if r.column is not None:
        region["startColumn"] = r.column
    return {
        "ruleId": r.rule_id,
        "level": "error",
        "message": {"text": r.message},
        "locations": [
            {"physicalLocation": {"artifactLocation": {"uri": r.path}, "region": region}}
        ],
        "partialFingerprints": {r.fingerprint_key: r.fingerprint},
    }

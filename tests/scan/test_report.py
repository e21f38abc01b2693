"""`br_core.scan.report`: the text, JSON and SARIF renderers every scanner shares."""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path

import pytest

from br_core.scan import report
from br_core.scan.files import Skip
from br_core.scan.finding import SECRET, SQL_INJECTION, Finding, ScanResult
from br_core.scan.report import json as json_report
from br_core.scan.report import sarif, text
from br_core.secrets.scanner import scan_files
from tests.data.secrets_corpus import rand

SECRET_FINDING = Finding(
    kind=SECRET,
    rule_id="github-token",
    rule_text="GitHub token",
    path="a.py",
    line=2,
    column=7,
    message="GitHub token (value: ghp_…6789)",
    fingerprint="0123456789abcdef",
    masked="ghp_…6789",
    secret_hash="0123456789abcdef" * 4,
)
SQL_FINDING = Finding(
    kind=SQL_INJECTION,
    rule_id="sqli-py-fstring",
    rule_text="SQL built from untrusted input",
    path="views.py",
    line=3,
    column=None,
    message="SQL passed to `cur.execute` is built with an f-string from parameter `name`",
    fingerprint="fedcba9876543210",
    fix='cur.execute(\n    "SELECT 1 WHERE a = ?", (name,))',
    sink="cur.execute",
    source="parameter `name`",
    how="f-string",
    language="python",
)


def _result(*findings: Finding, skips: tuple[Skip, ...] = ()) -> ScanResult:
    result = ScanResult(findings=list(findings))
    for skip in skips:
        result.skip(skip)
    return result


def test_finding_line_puts_the_fix_on_one_line() -> None:
    assert text.finding_line(SECRET_FINDING) == (
        "a.py:2: github-token GitHub token (value: ghp_…6789)"
    )
    assert text.finding_line(SQL_FINDING).endswith(
        '; fix: cur.execute( "SELECT 1 WHERE a = ?", (name,))'
    )


def test_finding_line_cuts_a_long_fix() -> None:
    long = Finding(**{**SQL_FINDING.__dict__, "fix": "x" * 400})
    fix = text.finding_line(long).split("; fix: ", 1)[1]
    assert len(fix) == text.FIX_WIDTH and fix.endswith("x…")
    # JSON and SARIF keep it whole.
    assert json_report.finding_record(long)["fix"] == "x" * 400


@pytest.mark.parametrize(
    ("findings", "expected"),
    [
        ((), ""),
        ((SQL_FINDING,), text.finding_line(SQL_FINDING)),
    ],
)
def test_sql_injection_text_is_the_finding_lines(
    findings: tuple[Finding, ...], expected: str
) -> None:
    assert text.render(_result(*findings), SQL_INJECTION) == expected


def test_secrets_text_counts_and_says_how_to_fix() -> None:
    assert text.render(_result(), SECRET) == ""
    one = text.render(_result(SECRET_FINDING), SECRET).splitlines()
    assert one[:3] == [
        text.finding_line(SECRET_FINDING),
        "",
        "br-secrets: 1 secret found (values masked).",
    ]
    assert one[3] == "How to fix:"
    two = text.render(_result(SECRET_FINDING, SECRET_FINDING), SECRET)
    assert "br-secrets: 2 secrets found (values masked)." in two


def test_notice_lines_keep_each_hooks_order() -> None:
    missing = Skip("a_missing.py", "no such file; check the path", notice=True, error=True)
    huge = Skip("b_huge.py", "skipped: too large", notice=True)
    binary = Skip("c.py", "binary file")
    result = _result(skips=(missing, huge, binary))
    result.notices.append("d.py: checked with the token-level fallback instead")
    assert report.notice_lines(result, SECRET, "br-secrets") == [
        "br-secrets: a_missing.py: no such file; check the path",
        "br-secrets: b_huge.py: skipped: too large",
    ]
    assert report.notice_lines(result, SQL_INJECTION, "br-sql-injection") == [
        "br-sql-injection: b_huge.py: skipped: too large",
        "br-sql-injection: d.py: checked with the token-level fallback instead",
        "br-sql-injection: a_missing.py: no such file; check the path",
    ]


def test_json_documents_keep_each_scanners_shape() -> None:
    skip = Skip("big.py", "skipped: too large", notice=True)
    secrets = _result(SECRET_FINDING, skips=(skip, Skip("bin.py", "binary file")))
    secrets.suppressed = 2
    document = json.loads(report.render(secrets, SECRET, "json", tool="br-secrets"))
    assert list(document) == ["version", "findings", "skipped", "suppressed"]
    assert document["skipped"] == [{"path": "big.py", "reason": "skipped: too large"}]
    assert document["suppressed"] == 2
    assert list(document["findings"][0]) == [
        "path", "line", "column", "rule_id", "description", "value", "fingerprint",
    ]  # fmt: skip
    sql = _result(SQL_FINDING, skips=(skip,))
    sql.files = 4
    document = json.loads(report.render(sql, SQL_INJECTION, "json", tool="br-sql-injection"))
    assert list(document) == ["findings", "notices", "errors", "files_scanned"]
    assert document["notices"] == ["big.py: skipped: too large"] and document["files_scanned"] == 4
    assert list(document["findings"][0]) == [
        "rule", "path", "line", "sink", "source", "how", "fix", "language", "fallback",
        "fingerprint", "message", "confidence", "sink_line", "related",
    ]  # fmt: skip


def test_combined_json_adds_the_sql_findings_to_the_secrets_document() -> None:
    document = json_report.combined_document(_result(SECRET_FINDING), _result(SQL_FINDING))
    assert list(document) == ["version", "findings", "skipped", "suppressed", "sql_injection"]
    assert document["sql_injection"] == [json_report.finding_record(SQL_FINDING)]
    assert json_report.finding_record(SECRET_FINDING)["value"] == "ghp_…6789"


def test_sarif_results_carry_column_fix_and_fingerprint_per_kind() -> None:
    log = json.loads(report.render(_result(SECRET_FINDING), SECRET, "sarif", tool="br security"))
    run = log["runs"][0]
    assert log["version"] == "2.1.0" and run["tool"]["driver"]["name"] == "br security"
    assert run["tool"]["driver"]["informationUri"].endswith("/SECURITY.md")
    [result] = run["results"]
    assert result["message"]["text"] == SECRET_FINDING.message
    assert result["locations"][0]["physicalLocation"]["region"] == {
        "startLine": 2,
        "startColumn": 7,
    }
    assert result["partialFingerprints"] == {"brSecretHash/v1": "0123456789abcdef"}

    log = sarif.sarif_log(sarif.SQL_INJECTION_TOOL, SQL_INJECTION, [SQL_FINDING, SQL_FINDING])
    run = log["runs"][0]
    assert run["tool"]["driver"]["informationUri"].endswith("/SQL_INJECTION.md")
    assert [r["id"] for r in run["tool"]["driver"]["rules"]] == ["sqli-py-fstring"]
    result = run["results"][0]
    assert result["message"]["text"] == f"{SQL_FINDING.message}. Fix: {SQL_FINDING.fix}"
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 3}
    assert result["partialFingerprints"] == {"brFingerprint/v1": "fedcba9876543210"}


@pytest.mark.parametrize(
    ("sql", "runs"), [((), ["br-secrets"]), ((SQL_FINDING,), ["br-secrets", "br-sql-injection"])]
)
def test_combined_sarif_adds_a_sql_run_only_when_it_found_something(
    sql: tuple[Finding, ...], runs: list[str]
) -> None:
    log = sarif.combined_log(_result(SECRET_FINDING), _result(*sql))
    assert [r["tool"]["driver"]["name"] for r in log["runs"]] == runs


def test_no_format_prints_a_secret_in_full(tmp_path: Path) -> None:
    token = "ghp_" + rand(random.Random(5), "alnum", 36)
    (tmp_path / "a.py").write_text(f'TOKEN = "{token}"\n', encoding="utf-8")
    result = scan_files([Path("a.py")], tmp_path)
    assert len(result.findings) == 1
    masked = result.findings[0].masked
    for fmt in ("text", "json", "sarif"):
        out = report.render(result, SECRET, fmt, tool="br-secrets")
        readable = out if fmt == "text" else json.dumps(json.loads(out), ensure_ascii=False)
        assert masked in readable
        assert token not in readable and token[4:-4] not in readable


def test_the_text_path_imports_neither_json_nor_package_metadata() -> None:
    code = (
        "import sys, br_hooks.sql_injection, br_core.scan.report\n"
        "print(sorted(m for m in ('json', 'importlib.metadata') if m in sys.modules))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"

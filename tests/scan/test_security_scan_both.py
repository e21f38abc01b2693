"""`br security scan` and the MCP `security_scan` tool: one scan, one report, both kinds.

A tree with one planted secret and one SQL injection: the CLI reports both in text, JSON and
SARIF with the hooks' exit-code rule, and the MCP tool (through the SDK's real client) returns
both kinds.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import anyio
import pytest
from mcp import Client

from br_cli.app import main
from br_mcp.server import create_server
from tests.data.secrets_corpus import rand

GHP = "ghp_" + rand(random.Random(31), "alnum", 36)
SQLI = "def find(cur, name):\n    cur.execute(f\"SELECT * FROM t WHERE n = '{name}'\")\n"


@pytest.fixture
def tree(git_repo: Path) -> Path:
    (git_repo / "src").mkdir()
    (git_repo / "src/settings.py").write_text(f'TOKEN = "{GHP}"\n', encoding="utf-8")
    (git_repo / "src/db.py").write_text(SQLI, encoding="utf-8")
    (git_repo / "src/clean.py").write_text("X = 1\n", encoding="utf-8")
    return git_repo


def _br(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["security", "scan", *args])
    out = capsys.readouterr()
    assert GHP not in out.out + out.err  # never in full
    return code, out.out, out.err


def test_text_report_has_both_kinds_and_exit_1(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = _br(capsys)
    assert code == 1
    assert "src/settings.py:1: github-token" in out
    assert "src/db.py:2: sqli-py-fstring" in out and "fix: cur.execute(" in out
    assert "1 secret found" in out and "SQL injection: 1 place" in out


def test_json_report_has_both_kinds(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _br(capsys, "--json")
    document = json.loads(out)
    assert code == 1
    assert [f["path"] for f in document["findings"]] == ["src/settings.py"]
    assert [f["path"] for f in document["sql_injection"]] == ["src/db.py"]


def test_sarif_report_has_a_run_per_kind(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _br(capsys, "--sarif")
    runs = json.loads(out)["runs"]
    assert code == 1
    assert [run["tool"]["driver"]["name"] for run in runs] == ["br-secrets", "br-sql-injection"]
    assert [len(run["results"]) for run in runs] == [1, 1]


@pytest.mark.parametrize(
    ("paths", "expected", "says"),
    [
        (["src/clean.py"], 0, "No secrets or SQL injection found in 1 file(s)"),
        (["src/db.py"], 1, "sqli-py-fstring"),
        (["src/settings.py"], 1, "github-token"),
    ],
)
def test_exit_code_follows_the_findings_of_either_kind(
    tree: Path, capsys: pytest.CaptureFixture[str], paths: list[str], expected: int, says: str
) -> None:
    code, out, _ = _br(capsys, *paths)
    assert code == expected and says in out


def test_a_missing_path_is_a_usage_error(tree: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = _br(capsys, "src/db.py", "src/gone.py")
    assert code == 2 and "src/gone.py: no such file or directory" in out + err


def test_mcp_security_scan_returns_both_kinds(tree: Path) -> None:
    async def body() -> dict[str, object]:
        with anyio.fail_after(60):
            async with Client(create_server(tree)) as client:
                result = await client.call_tool("security_scan", {"paths": ["src"]})
                assert not result.is_error
                assert isinstance(result.structured_content, dict)
                return result.structured_content

    content = anyio.run(body)
    findings = content["findings"]
    assert isinstance(findings, list)
    assert sorted((f["kind"], f["path"]) for f in findings) == [
        ("secret", "src/settings.py"),
        ("sql_injection", "src/db.py"),
    ]
    assert GHP not in json.dumps(content)

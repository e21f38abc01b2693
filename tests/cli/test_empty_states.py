"""Empty states say what to do (issue 13 item 6): `br cost` with no transcripts, or none for
this repository. (`br tasks claim` and `br tasks parse` are in tests/queue.)"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from br_cli.app import main
from tests.cost.test_transcripts import build_fixture


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_cost_without_transcripts_says_where_it_looked(
    git_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    home = Path.home()  # git_repo points HOME at an empty directory
    for _ in range(2):  # the second run may be answered from the kept output: it says it too
        code, out, _ = _run(capsys, "cost", "daily")
        assert code == 0
        assert "no Claude Code transcripts found" in out
        assert (
            str(home / ".config/claude/projects") in out and str(home / ".claude/projects") in out
        )
        assert "CLAUDE_CONFIG_DIR" in out and "`br cost record`" in out
    code, out, err = _run(capsys, "cost", "monthly", "--json")
    assert code == 0 and json.loads(out)["rows"] == []  # stdout stays JSON
    assert "no Claude Code transcripts found" in err


def test_cost_with_transcripts_of_other_projects_points_at_all_projects(
    git_repo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config = tmp_path / "claude"
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(config))
    build_fixture(config)  # sessions of other directories, not of git_repo
    code, out, _ = _run(capsys, "cost", "daily")
    assert code == 0 and "but no usage for this repository yet" in out
    assert "--all-projects" in out
    code, out, _ = _run(capsys, "cost", "daily", "--all-projects")
    assert code == 0 and "no usage" not in out and "no Claude Code transcripts" not in out

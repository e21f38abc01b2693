"""`[routing] mode = "ai"` without the anthropic SDK (no `buildrunner[ai]`): one line naming the
extra, exit 2, from the CLI and as a ToolError over MCP. tests/install/test_release.py shows the
same from a real install without the extra."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pytest

from br_cli.app import main


@pytest.fixture
def no_sdk(git_repo: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    real = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name == "anthropic" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    (git_repo / ".buildrunner").mkdir()
    (git_repo / ".buildrunner" / "config.toml").write_text('[routing]\nmode = "ai"\n')
    return git_repo


def test_cli_names_the_extra_on_one_line(no_sdk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["route", "Fix a typo in the README"]) == 2
    captured = capsys.readouterr()
    [line] = captured.err.strip().splitlines()
    assert "buildrunner[ai]" in line and "config.toml" in line and captured.out == ""


def test_heuristic_mode_needs_no_extra(no_sdk: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (no_sdk / ".buildrunner" / "config.toml").write_text('[routing]\nmode = "heuristic"\n')
    assert main(["route", "Fix a typo in the README"]) == 0
    assert "Tier:" in capsys.readouterr().out


def test_mcp_tool_error_names_the_extra(no_sdk: Path) -> None:
    from mcp.server.mcpserver.exceptions import ToolError

    from br_mcp.project_tools import route_task
    from br_mcp.state import ServerState

    with pytest.raises(ToolError, match=r"buildrunner\[ai\]"):
        route_task(ServerState(no_sdk), "Fix a typo in the README")

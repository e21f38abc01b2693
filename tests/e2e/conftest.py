"""Fixtures of the end-to-end tests: the scripted API and a project the real Claude Code runs in.

def test_something(claude_project):
    script = claude_project.script(turn("Hello"))
    run = claude_project.run_claude("say hello", script)
    assert claude_project.api.requests()[0].model ...
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.harness import ClaudeProject, claude_binary
from tests.e2e.scripted_api import ScriptedAPI


@pytest.fixture
def scripted_api() -> Iterator[ScriptedAPI]:
    """The scripted Messages API on a free port of 127.0.0.1 (bounded start and stop)."""
    with ScriptedAPI() as api:
        yield api


@pytest.fixture
def claude_project(tmp_path: Path, scripted_api: ScriptedAPI) -> ClaudeProject:
    """A git repository with `br init` done and its MCP servers approved, for `claude`."""
    return ClaudeProject.create(tmp_path, scripted_api, claude_binary())

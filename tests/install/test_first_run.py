"""A new user's first five minutes, as the README's quickstart says them: the built wheel
installed with `uv tool install`, then in a fresh repository `br init`, `pre-commit install`, a
blocked secret, a clean commit, `br mcp serve` answering a real MCP client over stdio, and
`br doctor` green. Nothing comes from this checkout's venv: PATH holds only the tool dir."""

from __future__ import annotations

import os
import random
import shutil
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from tests.conftest import GIT_ENV
from tests.data.secrets_corpus import rand
from tests.install.conftest import Dist, run, uv, uv_env


def _user_env(base: Path) -> dict[str, str]:
    """A fresh user: their own HOME and BR_HOME, uv's tool bin dir first on PATH, then only the
    system's directories (git), never this checkout's venv."""
    system = [d for d in ("/usr/local/bin", "/usr/bin", "/bin") if Path(d).is_dir()]
    git_dir = str(Path(shutil.which("git") or "/usr/bin/git").parent)
    env = uv_env(base, HOME=str(base / "home"), BR_HOME=str(base / "br-home"))
    env["PATH"] = os.pathsep.join([str(base / "bin"), git_dir, *system])
    for var in ("CLAUDE_CONFIG_DIR", "ANTHROPIC_API_KEY", "PYTHONPATH", "PRE_COMMIT_HOME"):
        env.pop(var, None)
    return env | GIT_ENV


def _mcp_round_trip(repo: Path, env: dict[str, str]) -> dict[str, Any]:
    """The server exactly as .mcp.json starts it, through the SDK's real stdio client."""
    import json

    server = json.loads((repo / ".mcp.json").read_text())["mcpServers"]["br"]
    command = shutil.which(server["command"], path=env["PATH"])
    assert command is not None and command.startswith(env["PATH"].split(os.pathsep)[0])
    params = StdioServerParameters(command=command, args=server["args"], env=env, cwd=str(repo))

    async def body() -> dict[str, Any]:
        with anyio.fail_after(60):
            async with Client(params) as client:
                tools = await client.list_tools()
                added = await client.call_tool("add_tasks", {"tasks": [{"id": "a", "title": "A"}]})
                listed = await client.call_tool("list_tasks", {})
                return {"tools": tools, "added": added, "listed": listed}

    out: dict[str, Any] = anyio.run(body)
    return out


@pytest.mark.slow
def test_from_the_built_wheel_to_a_blocked_secret_a_clean_commit_and_a_working_server(
    dist: Dist, tmp_path: Path
) -> None:
    env = _user_env(tmp_path)
    (tmp_path / "home").mkdir()
    for tool in (str(dist.wheel), "pre-commit"):  # the README's two installs
        installed = run([uv(), "tool", "install", "--quiet", tool], env=env, timeout=600)
        assert installed.returncode == 0, installed.stderr[-3000:]
    for script in ("br", "br-secrets", "br-claude-hook", "pre-commit"):
        assert shutil.which(script, path=env["PATH"]), f"{script} not on PATH"

    repo = tmp_path / "project"
    repo.mkdir()
    assert run(["git", "init", "-q", "-b", "main"], cwd=repo, env=env).returncode == 0

    def sh(*args: str) -> Any:
        return run(list(args), cwd=repo, env=env)

    init = sh("br", "init")
    assert init.returncode == 0, init.stderr
    assert "repo: local" in (repo / ".pre-commit-config.yaml").read_text()
    hooks = sh("pre-commit", "install")
    assert hooks.returncode == 0, hooks.stderr

    token = "gh" + "p_" + rand(random.Random(21), "alnum", 36)
    (repo / "config.py").write_text(f'TOKEN = "{token}"\n', encoding="utf-8")
    sh("git", "add", "-A")
    blocked = sh("git", "commit", "-m", "with a key")
    said = blocked.stdout + blocked.stderr  # git passes the hooks' output on to stderr
    assert blocked.returncode != 0 and "github-token" in said and "Failed" in said, said
    assert token not in said

    (repo / "config.py").write_text('import os\n\nTOKEN = os.environ["TOKEN"]\n')
    sh("git", "add", "-A")
    clean = sh("git", "commit", "-m", "first commit")
    assert clean.returncode == 0, clean.stdout + clean.stderr

    out = _mcp_round_trip(repo, env)
    assert "claim_task" in {t.name for t in out["tools"].tools}
    assert not out["added"].is_error and not out["listed"].is_error
    assert out["listed"].structured_content["tasks"][0]["id"] == "a"

    doctor = sh("br", "doctor")
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr
    assert "✗" not in doctor.stdout and doctor.stdout.strip().endswith("all good")

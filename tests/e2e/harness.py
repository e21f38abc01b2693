"""The real Claude Code in a temporary project, against the scripted Anthropic API.

`ClaudeProject` is what the `claude_project` fixture (tests/e2e/conftest.py) yields: a git
repository where `br init` has run and the project's MCP servers are approved, a HOME and
CLAUDE_CONFIG_DIR of its own, BR_HOME from the test, and `run_claude(prompt, script, *args)`,
which plays `script` on the scripted API while `claude -p` runs. Later features (routing outcomes
from SubagentStop, two sessions in two worktrees sharing the queue) build on the same object.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import GIT_ENV, REPO_ROOT, git
from tests.e2e.scripted_api import Script, ScriptedAPI, Turn

NODE_PIN = REPO_ROOT / "tests" / "e2e" / "node" / "package.json"
CLAUDE_BIN = REPO_ROOT / ".cache" / "npm" / "node_modules" / ".bin" / "claude"
CLAUDE_TIMEOUT = 90.0  # one `claude -p` session; the slowest seen takes about 8 s
BR_BIN = Path(sys.executable).parent  # `br`, `br-claude-hook` (what .mcp.json and hooks run)


def pinned_version() -> str:
    """The Claude Code version tests/e2e/node/package.json pins."""
    data = json.loads(NODE_PIN.read_text(encoding="utf-8"))
    return str(data["dependencies"]["@anthropic-ai/claude-code"])


def claude_binary() -> Path:
    """The installed Claude Code; skips without node/npm, fails when `make` did not install it."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("Claude Code end-to-end: node and npm not found; install Node.js 18+ with npm")
    if not CLAUDE_BIN.exists():
        pytest.fail(
            f"Claude Code end-to-end: {CLAUDE_BIN.relative_to(REPO_ROOT)} is missing; "
            "run `make claude-code` (`make test` does it)"
        )
    return CLAUDE_BIN


Completed = subprocess.CompletedProcess[str]


@dataclass
class ClaudeRun:
    """One finished `claude -p --output-format json` session."""

    returncode: int
    stdout: str
    stderr: str
    result: dict[str, Any]

    @property
    def total_cost_usd(self) -> float:
        return float(self.result["total_cost_usd"])

    @property
    def session_id(self) -> str:
        return str(self.result["session_id"])


def _frontmatter_body(text: str) -> str:
    """The text of an agent or command file after its `---` frontmatter."""
    match = re.match(r"\A---\n.*?\n---\n", text, re.S)
    return text[match.end() :] if match else text


class ClaudeProject:
    """A project with `br init` done, and the real `claude` to run in it."""

    def __init__(self, root: Path, home: Path, api: ScriptedAPI, binary: Path) -> None:
        self.root = root
        self.home = home
        self.config_dir = home / ".claude"
        self.api = api
        self.binary = binary

    # --- set-up -----------------------------------------------------------------------------

    @classmethod
    def create(cls, base: Path, api: ScriptedAPI, binary: Path) -> ClaudeProject:
        root, home = base / "project", base / "home"
        root.mkdir()
        (home / ".claude").mkdir(parents=True)
        project = cls(root, home, api, binary)
        git(root, "init", "-q", "-b", "main")
        (root / "README.md").write_text("# Demo project\n", encoding="utf-8")
        # Claude Code keeps this file out of git itself when it writes it
        (root / ".gitignore").write_text(".claude/settings.local.json\n", encoding="utf-8")
        init = project.br("init")
        assert init.returncode == 0, init.stdout + init.stderr
        git(root, "add", "-A")
        git(root, "commit", "-q", "-m", "initial, with br init's files")
        project.approve_mcp_servers()
        return project

    def worktree(self, name: str) -> ClaudeProject:
        """A second worktree of this repository (branch NAME), same HOME and API: the same
        BuildRunner project, for parallel sessions that share one queue."""
        path = self.root.parent / name
        git(self.root, "worktree", "add", "-q", "-b", name, str(path))
        other = ClaudeProject(path, self.home, self.api, self.binary)
        other.approve_mcp_servers()  # settings.local.json is not committed: each tree has its own
        return other

    def approve_mcp_servers(self) -> None:
        """What a user does once: trust the folder, approve the servers of .mcp.json.

        `enableAllProjectMcpServers` in .claude/settings.local.json approves them; Claude Code
        reads a project's local settings once the folder is trusted, which the first interactive
        `claude` asks for and records in CLAUDE_CONFIG_DIR/.claude.json.
        """
        local = self.root / ".claude" / "settings.local.json"
        local.write_text(json.dumps({"enableAllProjectMcpServers": True}) + "\n", "utf-8")
        state = self.config_dir / ".claude.json"
        data = json.loads(state.read_text("utf-8")) if state.exists() else {}
        data.setdefault("projects", {})[str(self.root)] = {"hasTrustDialogAccepted": True}
        state.write_text(json.dumps(data, indent=2) + "\n", "utf-8")

    # --- what br init installed ---------------------------------------------------------------

    def agent_markers(self) -> dict[str, str]:
        """Subagent name -> the first line of its prompt, which its system prompt carries."""
        markers = {}
        for path in sorted((self.root / ".claude" / "agents").glob("*.md")):
            body = _frontmatter_body(path.read_text("utf-8"))
            first = next((line.strip() for line in body.splitlines() if line.strip()), "")
            markers[path.stem] = first
        return markers

    def installed_commands(self) -> dict[str, Path]:
        """Slash command name -> its file: .claude/commands/*.md and .claude/skills/*/SKILL.md."""
        claude = self.root / ".claude"
        found = {p.stem: p for p in sorted((claude / "commands").glob("**/*.md"))}
        found.update({p.parent.name: p for p in sorted((claude / "skills").glob("*/SKILL.md"))})
        return found

    def script(self, *turns: Turn) -> Script:
        """A Script whose subagent lanes are recognised by the installed agents' prompts."""
        return Script(turns=turns, agents=self.agent_markers())

    # --- running things -----------------------------------------------------------------------

    @property
    def env(self) -> dict[str, str]:
        keep = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "CLAUDE"))}
        return {
            **keep,
            **GIT_ENV,
            "PATH": f"{BR_BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "HOME": str(self.home),
            "CLAUDE_CONFIG_DIR": str(self.config_dir),
            "ANTHROPIC_BASE_URL": self.api.base_url,
            "ANTHROPIC_API_KEY": "test-key-for-the-scripted-api",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "DISABLE_AUTOUPDATER": "1",
            # `claude -p` waits about 5 s for MCP servers, then starts without them; on a busy
            # machine `br mcp serve` can take longer, so wait for it (bounded: 30 s)
            "MCP_CONNECTION_NONBLOCKING": "false",
            "MCP_CONNECT_TIMEOUT_MS": "30000",
            "MCP_TIMEOUT": "30000",
            "TZ": "UTC",
        }

    def claude(self, *args: str, timeout: float = CLAUDE_TIMEOUT) -> Completed:
        """`claude ARGS` in the project, bounded: on timeout its whole process group is killed."""
        return _bounded([str(self.binary), *args], self.root, self.env, timeout)

    def run_claude(self, prompt: str, script: Script, *args: str) -> ClaudeRun:
        """`claude -p PROMPT --output-format json ARGS` while the API plays `script`."""
        self.api.reset(script)
        proc = self.claude("-p", prompt, "--output-format", "json", *args)
        assert proc.returncode == 0, f"claude exited {proc.returncode}: {proc.stderr[-2000:]}"
        lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
        assert lines, f"claude printed no JSON result: {proc.stdout[-2000:]}"
        return ClaudeRun(proc.returncode, proc.stdout, proc.stderr, json.loads(lines[-1]))

    def br(self, *args: str) -> subprocess.CompletedProcess[str]:
        """The `br` CLI in the project, with the same HOME, BR_HOME and CLAUDE_CONFIG_DIR."""
        return _bounded([str(BR_BIN / "br"), *args], self.root, self.env, 60.0)

    def br_json(self, *args: str) -> Any:
        proc = self.br(*args, "--json")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        return json.loads(proc.stdout)

    def events(self, kind: str | None = None) -> list[dict[str, Any]]:
        """Telemetry events stored in BR_HOME's database (the `data` column, decoded)."""
        db = Path(os.environ["BR_HOME"]) / "buildrunner.sqlite3"
        conn = sqlite3.connect(db)
        try:
            rows = conn.execute("SELECT type, data FROM events ORDER BY id").fetchall()
        finally:
            conn.close()
        return [json.loads(data) for k, data in rows if kind is None or k == kind]


def _bounded(
    argv: list[str], cwd: Path, env: dict[str, str], timeout: float
) -> subprocess.CompletedProcess[str]:
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its MCP server and hooks share the group, and go with it
    )
    try:
        out, err = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate()
        pytest.fail(f"{Path(argv[0]).name} {argv[1]}: no answer in {timeout:.0f}s; {err[-1000:]}")
    return subprocess.CompletedProcess(argv, proc.returncode, out, err)

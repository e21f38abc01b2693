"""What `br init` installs for Claude Code, in the formats Claude Code documents today.

- Skills (.claude/skills/br-*/SKILL.md): custom slash commands were merged into skills; the
  commands an older `br init` wrote are removed when still ours, kept when the user edited them.
- The skills and the MCP prompts are one set, rendered from the same workflows.
- The committed .claude/settings.json hook fails soft (exit 0, no output) for a teammate without
  BuildRunner: the exact command string from the written file runs under /bin/sh and bash.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
import yaml

from br_cli.init import LEGACY_COMMANDS, SKILLS, init_repository
from br_core.store.paths import db_path
from br_mcp.prompts import PROMPTS, WORKFLOWS

PAYLOAD = json.dumps(
    {"hook_event_name": "PostToolUse", "session_id": "s1", "tool_name": "Edit", "cwd": "."}
)


def _legacy(name: str) -> str:
    path = resources.files("br_cli").joinpath("templates", "legacy", "commands", f"{name}.md")
    return path.read_text(encoding="utf-8")


def test_skills_and_prompts_are_one_set() -> None:
    assert set(SKILLS) == {f"br-{name}" for name in PROMPTS} == {f"br-{n}" for n in WORKFLOWS}
    for name, workflow in WORKFLOWS.items():
        skill = workflow.skill()
        meta = yaml.safe_load(skill.split("---")[1])
        assert meta["name"] == f"br-{name}" and meta["disable-model-invocation"] is True
        body = skill.split("---\n", 2)[2]
        # the same text as the MCP prompt, with the argument where $ARGUMENTS stands
        filled = body.replace("$ARGUMENTS", "X").split(" (if empty:")[0]
        assert PROMPTS[name]("X").startswith(filled.split("\n")[0]), name
        assert body.split("\n", 1)[1] == PROMPTS[name]("X").split("\n", 1)[1] + "\n", name


def test_commands_an_older_init_wrote_become_skills(git_repo: Path) -> None:
    commands = git_repo / ".claude/commands"
    commands.mkdir(parents=True)
    for name in LEGACY_COMMANDS:
        (commands / f"{name}.md").write_text(_legacy(name), encoding="utf-8")
    edited = commands / "br-route.md"
    edited.write_text(_legacy("br-route") + "Always prefer haiku.\n", encoding="utf-8")
    (commands / "deploy.md").write_text("the user's own command\n", encoding="utf-8")

    first = {c.path: (c.action, c.note) for c in init_repository(git_repo)}
    for name in LEGACY_COMMANDS:
        rel = f".claude/commands/{name}.md"
        if name == "br-route":
            assert first[rel][0] == "kept" and edited.exists()  # the user's edit stays
        else:
            assert first[rel][0] == "removed" and not (git_repo / rel).exists()
    assert "no longer shipped" in first[".claude/commands/br-debug.md"][1]
    assert (commands / "deploy.md").exists() and ".claude/commands/deploy.md" not in first
    for name in SKILLS:
        assert first[f".claude/skills/{name}/SKILL.md"][0] == "created"

    second = {c.path: c.action for c in init_repository(git_repo)}
    assert set(second.values()) <= {"unchanged", "kept"}, second  # idempotent


def test_dry_run_removes_nothing(git_repo: Path) -> None:
    commands = git_repo / ".claude/commands"
    commands.mkdir(parents=True)
    (commands / "br-next.md").write_text(_legacy("br-next"), encoding="utf-8")
    changes = {c.path: c.action for c in init_repository(git_repo, dry_run=True)}
    assert changes[".claude/commands/br-next.md"] == "removed"
    assert (commands / "br-next.md").exists()


def _hook_command(root: Path) -> str:
    settings = json.loads((root / ".claude/settings.json").read_text(encoding="utf-8"))
    [group] = settings["hooks"]["PostToolUse"]
    [hook] = group["hooks"]
    assert isinstance(hook["command"], str)
    return hook["command"]


def _session_events() -> int:
    if not db_path().exists():
        return 0
    with sqlite3.connect(db_path()) as conn:
        return conn.execute("SELECT count(*) FROM events WHERE type = 'session'").fetchone()[0]


@pytest.mark.parametrize("shell", ["/bin/sh", "bash"])
def test_the_written_hook_command_fails_soft_without_br(git_repo: Path, shell: str) -> None:
    init_repository(git_repo)
    command = _hook_command(git_repo)
    bare_path = "/usr/bin:/bin"
    assert shutil.which("br-claude-hook", path=bare_path) is None
    env = {**os.environ, "PATH": bare_path}
    proc = subprocess.run(
        [shutil.which(shell) or shell, "-c", command],
        input=PAYLOAD, env=env, cwd=git_repo, capture_output=True, text=True, timeout=30,
    )  # fmt: skip
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert _session_events() == 0


def test_the_written_hook_command_records_when_br_is_installed(git_repo: Path) -> None:
    init_repository(git_repo)
    command = _hook_command(git_repo)
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    proc = subprocess.run(
        ["/bin/sh", "-c", command],
        input=PAYLOAD, env=env, cwd=git_repo, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert (proc.returncode, proc.stderr) == (0, "")
    assert _session_events() == 1

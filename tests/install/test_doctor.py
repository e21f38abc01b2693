"""`br doctor`: every check green on a real setup and red, with what to do, when its part is
broken. Real repositories, the real pre-commit install, a real SQLite store."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from br_cli.app import main
from br_cli.init import init_repository
from br_core import doctor
from br_core.store.db import open_db
from br_core.store.migrations import MIGRATIONS
from br_core.store.paths import db_path
from tests.conftest import git

SCRIPTS = str(Path(sys.executable).parent)  # this venv's br, br-secrets, br-claude-hook...


@pytest.fixture
def set_up(git_repo: Path) -> Path:
    """A repository after `br init` and `pre-commit install`, as the quickstart leaves it."""
    init_repository(git_repo, hooks_repo="local")
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"],
        cwd=git_repo, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    return git_repo


def _status(check: doctor.Check) -> tuple[str, str]:
    return check.status, check.name


def test_a_quickstart_setup_is_all_green(
    set_up: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", os.pathsep.join([SCRIPTS, os.environ["PATH"]]))
    checks = doctor.repository_checks(set_up, os.environ["PATH"])
    assert [c.status for c in checks] == ["ok"] * 5, checks
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert "✗" not in out and out.rstrip().endswith("br doctor: all good")
    assert out.count("✓") >= 9  # PATH, 5 repository checks, 3 store checks


def test_a_bare_repository_lists_each_fix_and_exits_1(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", "/usr/bin:/bin")
    assert main(["doctor"]) == 1
    out = capsys.readouterr().out
    lines = out.strip().splitlines()
    fixes = [line for line in lines if line.startswith("✗")]
    assert len(fixes) == 5, out  # PATH, hooks config, git hooks, .mcp.json, .claude
    assert all("; " in line for line in fixes)  # each says what to do
    assert "run `br init` here" in out and "run `pre-commit install` here" in out
    assert lines[-1] == "br doctor: 5 to fix"


def test_outside_a_repository_says_where_to_run_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["doctor"]) == 1
    assert "not inside a git repository" in capsys.readouterr().out


def test_path_check_finds_the_scripts_claude_code_starts(tmp_path: Path) -> None:
    assert _status(doctor.check_claude_path(SCRIPTS, None))[0] == "ok"
    red = doctor.check_claude_path(str(tmp_path), Path("/opt/br/bin"))
    assert red.status == "fix" and "br, br-claude-hook" in red.detail
    assert "add /opt/br/bin to PATH" in red.fix


def _write(root: Path, rel: str, text: str) -> None:
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_text(text, encoding="utf-8")


PRE_COMMIT_CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "missing": (lambda r: (r / ".pre-commit-config.yaml").unlink(), "missing"),
    "invalid YAML": (lambda r: _write(r, ".pre-commit-config.yaml", "repos: [\n"), "unreadable"),
    "no hooks of ours": (
        lambda r: _write(r, ".pre-commit-config.yaml", "repos: []\n"),
        "no br-* hooks",
    ),
    "the never-published default": (
        lambda r: _write(
            r,
            ".pre-commit-config.yaml",
            "repos:\n  - repo: https://github.com/buildrunner/buildrunner\n    rev: v0.1.0\n"
            "    hooks:\n      - id: br-secrets\n",
        ),
        "never published",
    ),
}


@pytest.mark.parametrize("case", sorted(PRE_COMMIT_CASES))
def test_pre_commit_config_check_red(set_up: Path, case: str) -> None:
    breaks, said = PRE_COMMIT_CASES[case]
    breaks(set_up)
    check = doctor.check_pre_commit_config(set_up, SCRIPTS)
    assert check.status == "fix" and said in check.detail and check.fix


def test_local_hooks_whose_scripts_are_not_on_path_are_red(set_up: Path, tmp_path: Path) -> None:
    assert doctor.check_pre_commit_config(set_up, SCRIPTS).status == "ok"
    red = doctor.check_pre_commit_config(set_up, str(tmp_path))
    assert red.status == "fix" and "br-secrets" in red.detail and "PATH" in red.detail


def test_git_hooks_check_is_green_in_a_worktree_and_red_when_missing_or_stale(
    set_up: Path, tmp_path: Path
) -> None:
    assert doctor.check_git_hooks(set_up, SCRIPTS).status == "ok"
    git(set_up, "add", "-A")
    git(set_up, "-c", "core.hooksPath=/dev/null", "commit", "-q", "-m", "setup")
    worktree = tmp_path / "wt"
    git(set_up, "worktree", "add", "-q", str(worktree))
    assert doctor.check_git_hooks(worktree, SCRIPTS).status == "ok"  # hooks live in the common dir

    hook = set_up / ".git" / "hooks" / "pre-commit"
    text = hook.read_text()
    stale = "\n".join(
        "INSTALL_PYTHON=/nonexistent/python" if line.startswith("INSTALL_PYTHON=") else line
        for line in text.splitlines()
    )
    hook.write_text(stale)
    red = doctor.check_git_hooks(set_up, str(tmp_path))  # no pre-commit on this PATH either
    assert red.status == "fix" and "pre-commit is gone" in red.detail
    hook.unlink()
    red = doctor.check_git_hooks(worktree, SCRIPTS)
    assert red.status == "fix" and "pre-commit" in red.detail
    assert red.fix == "run `pre-commit install` here"


MCP_CASES = {
    "missing": (None, "missing"),
    "invalid JSON": ("{", "invalid JSON"),
    "not an object": ("[]", "not a JSON object"),
    "no br entry": ('{"mcpServers": {}}', "no `br` entry"),
    "no args": ('{"mcpServers": {"br": {"command": "br"}}}', "args list"),
    "command not found": (
        '{"mcpServers": {"br": {"command": "br-nowhere", "args": []}}}',
        "not on PATH",
    ),
}


@pytest.mark.parametrize("case", sorted(MCP_CASES))
def test_mcp_json_check_red(set_up: Path, case: str) -> None:
    assert doctor.check_mcp_json(set_up, SCRIPTS).status == "ok"
    text, said = MCP_CASES[case]
    if text is None:
        (set_up / ".mcp.json").unlink()
    else:
        _write(set_up, ".mcp.json", text)
    check = doctor.check_mcp_json(set_up, SCRIPTS)
    assert check.status == "fix" and said in check.detail and check.fix


CLAUDE_CASES: dict[str, tuple[Callable[[Path], None], str]] = {
    "settings missing": (lambda r: (r / ".claude/settings.json").unlink(), "missing"),
    "settings invalid": (lambda r: _write(r, ".claude/settings.json", "{,}"), "invalid JSON"),
    "no hook": (lambda r: _write(r, ".claude/settings.json", '{"hooks": {}}'), "br-claude-hook"),
    "agent missing": (lambda r: (r / ".claude/agents/br-opus.md").unlink(), "br-opus"),
}


@pytest.mark.parametrize("case", sorted(CLAUDE_CASES))
def test_claude_files_check_red(set_up: Path, case: str) -> None:
    assert doctor.check_claude_files(set_up).status == "ok"
    breaks, said = CLAUDE_CASES[case]
    breaks(set_up)
    check = doctor.check_claude_files(set_up)
    assert check.status == "fix" and said in check.detail


def test_store_checks_green_then_red_for_a_newer_schema_and_loose_modes(br_home: Path) -> None:
    path = db_path()
    with open_db(path) as conn:
        checks = doctor.check_store(conn, path, len(MIGRATIONS))
    assert [c.status for c in checks] == ["ok", "ok", "ok"]
    raw = sqlite3.connect(path)
    raw.execute(f"PRAGMA user_version = {len(MIGRATIONS) + 1}")
    raw.close()
    path.chmod(0o644)
    conn = sqlite3.connect(path)
    try:
        checks = doctor.check_store(conn, path, len(MIGRATIONS))
    finally:
        conn.close()
    by_name = {c.name: c for c in checks}
    assert by_name["store schema"].status == "fix" and "newer" in by_name["store schema"].detail
    perms = by_name["store permissions"]
    assert perms.status == "fix" and "0644" in perms.detail and "chmod 600" in perms.fix


def test_an_unreachable_store_is_one_red_line(
    set_up: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("BR_HOME", str(blocker / "home"))
    monkeypatch.setenv("PATH", os.pathsep.join([SCRIPTS, os.environ["PATH"]]))
    assert main(["doctor"]) == 1
    [line] = [x for x in capsys.readouterr().out.splitlines() if x.startswith("✗")]
    assert line.startswith("✗ store reachable:") and str(blocker) in line


def test_transcripts_found_or_a_note_that_does_not_fail(tmp_path: Path) -> None:
    projects = tmp_path / "projects"
    assert doctor.check_transcripts([projects], [projects]).status == "ok"
    note = doctor.check_transcripts([], [projects])
    assert (
        note.status == "note" and str(projects) in note.detail and "CLAUDE_CONFIG_DIR" in note.fix
    )
    assert not doctor.needs_fixing([note])


@pytest.mark.parametrize(
    ("text", "said"),
    [
        ("[routing\n", "invalid TOML"),
        ("[coverage]\nminimum = 'high'\n", "minimum"),
        ("coverage = 3\n", "[coverage] must be a table"),
    ],
    ids=["syntax", "bad value", "not a table"],
)
def test_config_check_red(set_up: Path, text: str, said: str) -> None:
    assert doctor.check_config(set_up).status == "ok"
    _write(set_up, ".buildrunner/config.toml", text)
    check = doctor.check_config(set_up)
    assert check.status == "fix" and said in check.detail


def test_no_config_is_a_note(git_repo: Path) -> None:
    assert doctor.check_config(git_repo).status == "note"

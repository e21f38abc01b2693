"""`br-telemetry`: parsing, stage detection, and real commits through the pre-commit framework."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from pathlib import Path

import pytest

from br_core.store.paths import db_path
from br_core.telemetry.git_stages import conventional_type, detect_stage, parse_shortstat, push_data
from br_hooks.telemetry import main
from tests.conftest import GIT_ENV, git, run_pre_commit, write_pre_commit_config

# The hook always writes the local SQLite store (psycopg never loads on a hook's path).
pytestmark = pytest.mark.sqlite_file


@pytest.mark.parametrize(
    ("subject", "expected"),
    [
        ("feat: add login", ("feat", None, False)),
        ("fix(api): handle 404", ("fix", "api", False)),
        ("refactor(core)!: drop v1", ("refactor", "core", True)),
        ("Feat: capitalised", ("feat", None, False)),
        ("Add login page", ("other", None, False)),
        ("feat add login", ("other", None, False)),
        ("", ("other", None, False)),
    ],
)
def test_conventional_type(subject: str, expected: tuple[str, str | None, bool]) -> None:
    assert conventional_type(subject) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (" 3 files changed, 10 insertions(+), 2 deletions(-)", (3, 10, 2)),
        (" 1 file changed, 1 insertion(+)", (1, 1, 0)),
        (" 2 files changed, 5 deletions(-)", (2, 0, 5)),
        ("", (0, 0, 0)),
    ],
)
def test_parse_shortstat(text: str, expected: tuple[int, int, int]) -> None:
    got = parse_shortstat(text)
    assert (got["files_changed"], got["insertions"], got["deletions"]) == expected


@pytest.mark.parametrize(
    ("env", "stage"),
    [
        ({}, "post-commit"),
        ({"PRE_COMMIT_REMOTE_NAME": "origin"}, "pre-push"),
        ({"PRE_COMMIT_TO_REF": "abc"}, "pre-push"),
        ({"PRE_COMMIT_IS_SQUASH_MERGE": "0"}, "post-merge"),
    ],
)
def test_detect_stage(env: dict[str, str], stage: str) -> None:
    assert detect_stage(env) == stage


def _events(kind: str) -> list[dict[str, object]]:
    conn = sqlite3.connect(db_path())
    rows = conn.execute("SELECT data FROM events WHERE type = ? ORDER BY id", (kind,))
    return [json.loads(r[0]) for r in rows]


def test_push_data_never_keeps_the_remote_url(git_repo: Path) -> None:
    env = {
        "PRE_COMMIT_REMOTE_NAME": "origin",
        "PRE_COMMIT_REMOTE_URL": "https://user:" + "tok" * 8 + "@example.invalid/r.git",
        "PRE_COMMIT_LOCAL_BRANCH": "refs/heads/main",
        "PRE_COMMIT_REMOTE_BRANCH": "refs/heads/main",
        "PRE_COMMIT_FROM_REF": "0" * 40,
        "PRE_COMMIT_TO_REF": git(git_repo, "rev-parse", "HEAD").strip(),
    }
    data = push_data(git_repo, env, "main")
    assert data == {"remote": "origin", "branch": "main", "remote_branch": "main"}


def test_main_records_commit_push_and_merge(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (git_repo / "a.txt").write_text("one\ntwo\n")
    git(git_repo, "add", "a.txt")
    git(git_repo, "commit", "-q", "-m", "feat(x): add a")
    assert main([]) == 0
    [commit] = _events("commit")
    assert commit["commit_type"] == "feat" and commit["scope"] == "x"
    assert (commit["files_changed"], commit["insertions"], commit["branch"]) == (1, 2, "main")
    assert commit["hash"] == git(git_repo, "rev-parse", "HEAD").strip()
    monkeypatch.setenv("PRE_COMMIT_REMOTE_NAME", "origin")
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", git(git_repo, "rev-parse", "HEAD~1").strip())
    monkeypatch.setenv("PRE_COMMIT_TO_REF", git(git_repo, "rev-parse", "HEAD").strip())
    assert main([]) == 0
    assert _events("push")[0]["commits"] == 1
    assert main(["--stage", "post-merge"]) == 0
    assert _events("merge")[0]["squash"] is False


def test_internal_error_prints_one_line_and_exits_zero(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db_path().parent.mkdir(parents=True, exist_ok=True)
    db_path().write_bytes(b"not a database " * 100)
    assert main([]) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("br-telemetry: warning:")
    assert "br db check" in err


def _hook_env(home: Path) -> dict[str, str]:
    return {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home)}


def _config(repo: Path, hook_repo: tuple[str, str]) -> None:
    # No `verbose:` here: the manifest's own setting must make the warning visible.
    write_pre_commit_config(repo, hook_repo, ["br-telemetry"])


def _install(repo: Path, home: Path) -> None:
    proc = run_pre_commit(repo, home, "install", "--hook-type", "post-commit")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    warm = run_pre_commit(repo, home, "install-hooks")
    assert warm.returncode == 0, warm.stdout + warm.stderr


@pytest.mark.slow
def test_real_commit_through_pre_commit_records_an_event(
    git_repo: Path, hook_repo: tuple[str, str], pre_commit_home: Path
) -> None:
    _config(git_repo, hook_repo)
    git(git_repo, "add", ".pre-commit-config.yaml")
    git(git_repo, "commit", "-q", "-m", "chore: add hooks")
    _install(git_repo, pre_commit_home)
    (git_repo / "b.py").write_text("x = 1\n")
    git(git_repo, "add", "b.py")
    proc = subprocess.run(
        ["git", "commit", "-m", "fix(core): b"],
        cwd=git_repo,
        env=_hook_env(pre_commit_home),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    [event] = _events("commit")
    assert event["commit_type"] == "fix" and event["scope"] == "core"
    assert event["hash"] == git(git_repo, "rev-parse", "HEAD").strip()


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["garbage", "home-is-a-file"])
def test_commit_succeeds_with_unreadable_store_and_warns(
    git_repo: Path,
    hook_repo: tuple[str, str],
    pre_commit_home: Path,
    tmp_path: Path,
    damage: str,
) -> None:
    _config(git_repo, hook_repo)
    git(git_repo, "add", ".pre-commit-config.yaml")
    git(git_repo, "commit", "-q", "-m", "chore: hooks")
    _install(git_repo, pre_commit_home)
    env = _hook_env(pre_commit_home)
    if damage == "garbage":
        db_path().parent.mkdir(parents=True, exist_ok=True)
        db_path().write_bytes(b"\x00\x01 definitely not sqlite " * 200)
    else:
        blocker = tmp_path / "not-a-dir"
        blocker.write_text("x")
        env["BR_HOME"] = str(blocker / "home")
    (git_repo / "c.txt").write_text("c\n")
    git(git_repo, "add", "c.txt")
    proc = subprocess.run(
        ["git", "commit", "-m", "docs: c"],
        cwd=git_repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert git(git_repo, "log", "-1", "--format=%s").strip() == "docs: c"
    output = proc.stdout + proc.stderr
    warnings = [line for line in output.splitlines() if "br-telemetry: warning:" in line]
    assert len(warnings) == 1, output
    assert "Traceback" not in output


@pytest.mark.parametrize(
    ("argv", "needle"), [(["--stage", "bogus"], "bad arguments"), (["--help"], "")]
)
def test_bad_arguments_never_block(
    git_repo: Path, capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    assert main(argv) == 0
    assert needle in capsys.readouterr().err


def test_locked_store_warns_quickly(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import time

    from br_core.store.db import open_db

    holder = open_db()
    holder.execute("BEGIN IMMEDIATE")
    try:
        start = time.monotonic()
        assert main([]) == 0
        waited = time.monotonic() - start
    finally:
        holder.execute("ROLLBACK")
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "locked" in err and str(db_path()) in err
    assert waited < 8  # the hook's own short lock wait, not the store's 10 s default

"""The hooks' events reach the store in use: written locally by the hook, forwarded once by the
`br telemetry` commands that read them (br_core/telemetry/forward.py). On both stores: on SQLite
the local file is the store in use and nothing moves."""

from __future__ import annotations

import json
import os
import random
import string
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from br_cli.app import main
from br_core.git import project_id
from br_core.store.db import open_db, transaction
from tests.conftest import GIT_ENV, git

BIN = Path(sys.executable).parent


def _token() -> str:
    """A credential-shaped value built at run time (none sits in the source)."""
    alphabet = string.ascii_letters + string.digits
    return "gh" + "p_" + "".join(random.SystemRandom().choice(alphabet) for _ in range(36))


def _hook_commit(repo: Path, name: str) -> None:
    """A real commit, then the real `br-telemetry` hook as pre-commit runs it."""
    (repo / name).write_text(name, encoding="utf-8")
    git(repo, "add", name)
    git(repo, "commit", "-q", "-m", f"feat: {name}")
    proc = subprocess.run(
        [str(BIN / "br-telemetry"), "--stage", "post-commit"],
        cwd=repo, env={**os.environ, **GIT_ENV}, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr


def _commits(local: bool) -> list[tuple[str, str]]:
    conn = open_db(local=local)
    try:
        rows = conn.execute("SELECT project_id, data FROM events WHERE type = 'commit'").fetchall()
    finally:
        conn.close()
    return [(str(r[0]), str(r[1])) for r in rows]


def _status(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    assert main(["telemetry", "status", "--json"]) == 0
    data: dict[str, Any] = json.loads(capsys.readouterr().out)
    return data


def _commits_seen(capsys: pytest.CaptureFixture[str]) -> int:
    """Commit events of this project, as `br telemetry status` reports them (each `br` command
    also records a build event of its own)."""
    return int(_status(capsys)["project_events"].get("commit", 0))


def test_hook_events_reach_the_store_in_use_exactly_once(
    git_repo: Path, store_backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _hook_commit(git_repo, "a.txt")
    assert len(_commits(local=True)) == 1  # the hook wrote the local file, whatever the store
    shared = store_backend == "postgresql"
    assert len(_commits(local=False)) == (0 if shared else 1)  # nothing forwarded yet

    first = _status(capsys)
    assert first["project_events"]["commit"] == 1
    _hook_commit(git_repo, "b.txt")
    assert _commits_seen(capsys) == 2
    assert _commits_seen(capsys) == 2  # read again: nothing copied twice
    rows = _commits(local=False)
    assert len(rows) == 2
    assert {pid for pid, _ in rows} == {project_id(git_repo)}  # the root-commit id on a server
    assert len(_commits(local=True)) == 2  # the local rows stay, as the hooks' own record
    where = str(first["database"])
    assert ("postgresql://" in where) is shared and "password" not in where


def test_forwarded_events_are_masked_again(
    git_repo: Path, store_backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """A row an older version wrote unmasked into the local file is masked on its way."""
    token = _token()
    pid = project_id(git_repo)
    local = open_db(local=True)
    try:
        with transaction(local):
            local.execute(
                "INSERT INTO events (project_id, type, ts, data) VALUES (?, 'commit', 1.0, ?)",
                (pid, json.dumps({"branch": f"feat/{token}", "files_changed": 1})),
            )
    finally:
        local.close()
    assert main(["telemetry", "stats", "--json"]) == 0
    capsys.readouterr()
    [(_, data)] = _commits(local=False)
    if store_backend == "postgresql":
        assert token[4:13] not in data and json.loads(data)["files_changed"] == 1
        assert json.loads(data)["branch"].startswith("feat/")
    else:  # the local file is the store in use: nothing is copied, nothing rewritten
        assert token in data


@pytest.mark.postgresql_only
def test_migrate_to_and_forwarding_share_one_mark(
    git_repo: Path, store_backend: str, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Forwarded events are not copied again by `br db migrate-to`, nor the reverse."""
    _hook_commit(git_repo, "a.txt")
    _status(capsys)
    assert main(["db", "migrate-to", pg_url]) == 0
    out = capsys.readouterr().out
    assert any(
        line.split()[:1] == ["events"] and "copied       0" in line for line in out.splitlines()
    )
    _hook_commit(git_repo, "b.txt")
    assert main(["db", "migrate-to", pg_url]) == 0
    capsys.readouterr()
    assert _commits_seen(capsys) == 2

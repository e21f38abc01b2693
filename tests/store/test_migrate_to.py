"""`br db migrate-to`, `br db status` and `br doctor` with a shared PostgreSQL store."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Any

import pytest

from br_cli.app import main
from br_core.queue.models import NewTask
from br_core.queue.task_queue import TaskQueue
from br_core.store.db import open_db
from br_core.store.dialect import to_postgres
from br_core.store.migrations import MIGRATIONS
from br_core.store.migrations_pg import PG_MIGRATIONS
from br_core.store.paths import db_path
from br_core.store.pg import open_pg
from br_core.telemetry.events import record_event


def test_every_migration_has_a_postgresql_twin() -> None:
    assert [name for name, _ in MIGRATIONS] == list(PG_MIGRATIONS)


def test_the_server_side_functions_take_the_store_lock_every_writer_takes() -> None:
    from br_core.store.dialect import STORE_LOCK_KEY

    lock = f"pg_advisory_xact_lock_shared({STORE_LOCK_KEY})"
    assert lock in PG_MIGRATIONS["0011_claim_function"]
    held = PG_MIGRATIONS["0013_held_task_functions"]
    for function in ("br_heartbeat", "br_done", "br_fail"):  # each takes it before any write
        body = held.split(f"CREATE FUNCTION {function}(")[1].split("$$")[1]
        assert body.index(lock) < body.index("UPDATE") and body.count(lock) == 1


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT a FROM t INDEXED BY i WHERE x = ?", "SELECT a FROM t WHERE x = %s"),
        ("SELECT max(a) FROM t", "SELECT max(a) FROM t"),  # the aggregate stays
        ("UPDATE t SET u = max(u - 1, 0)", "UPDATE t SET u = GREATEST(u - 1, 0)"),
        ("SELECT 'a?%' FROM t WHERE b LIKE ?", "SELECT 'a?%%' FROM t WHERE b LIKE %s"),
        (
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('k', ?)",
            "INSERT INTO meta (key, value) VALUES ('k', %s) ON CONFLICT DO NOTHING",
        ),
        (
            "INSERT OR REPLACE INTO output_cache (key, generation, deps, output, created) "
            "VALUES (?, ?, ?, ?, ?)",
            "INSERT INTO output_cache (key, generation, deps, output, created) VALUES "
            "(%s, %s, %s, %s, %s) ON CONFLICT (key) DO UPDATE SET generation = "
            "excluded.generation, deps = excluded.deps, output = excluded.output, "
            "created = excluded.created",
        ),
        (
            "SELECT CAST(ts / 86400 AS INTEGER) FROM usage",
            "SELECT CAST(trunc(ts / 86400) AS BIGINT) FROM usage",
        ),
        ("SELECT CAST(value AS INTEGER) FROM meta", "SELECT CAST(value AS INTEGER) FROM meta"),
        ("SELECT a FROM events WHERE 1 AND b = ?", "SELECT a FROM events WHERE TRUE AND b = %s"),
        ("SELECT a FROM t WHERE 1 = 1", "SELECT a FROM t WHERE 1 = 1"),
        ("PRAGMA busy_timeout = 500", "SET lock_timeout = 500"),
    ],
)
def test_dialect_rules(sql: str, expected: str) -> None:
    assert to_postgres(sql)[0] == expected


def test_insert_into_a_log_returns_its_id() -> None:
    text, returns = to_postgres("INSERT INTO events (project_id, type, ts) VALUES (?, ?, ?)")
    assert returns and text.endswith("RETURNING id")
    assert not to_postgres("INSERT INTO tasks (id) VALUES (?)")[1]  # not a log: no id


def _local_store(repo: Path) -> None:
    conn = open_db(db_path())
    try:
        from br_core.git import repo_context

        queue = TaskQueue(conn, repo_context(repo).project_id, root=repo)
        queue.add_tasks([NewTask(id="a", title="a"), NewTask(id="b", title="b", depends_on=["a"])])
        claim = queue.claim("me")
        assert claim is not None
        queue.complete(claim.task.id, claim.token)
        record_event(
            conn, "build", {"command": "test", "duration_ms": 3, "success": True}, root=repo
        )
    finally:
        conn.close()


def test_migrate_to_copies_once_verifies_and_maps_the_project(
    git_repo: Path, pg_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _local_store(git_repo)
    assert main(["db", "migrate-to", pg_url]) == 0
    first = capsys.readouterr().out
    assert "br-test-pw" not in first and "MISSING" not in first
    assert "tasks" in first and "1 projects mapped" in first
    assert main(["db", "migrate-to", pg_url]) == 0  # again: nothing new, nothing doubled
    second = capsys.readouterr().out
    for line in second.splitlines()[1:]:  # (the first run's own `build` event is new)
        assert "copied       0" in line or line.split()[0] == "events", line

    shared = open_pg(pg_url)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("BR_STORE", pg_url)
        from br_core.git import project_id

        pid = project_id(git_repo)
        assert (
            pid != sqlite3.connect(db_path()).execute("SELECT project_id FROM tasks").fetchone()[0]
        )
        queue = TaskQueue(shared, pid)  # type: ignore[arg-type]
        assert queue.summary().by_status == {"done": 1, "ready": 1}
        assert queue.claim("them") is not None  # the shared queue goes on where it was
    rows = shared.execute("SELECT data FROM events WHERE type = 'build'").fetchall()
    commands = sorted(json.loads(r[0])["command"] for r in rows)
    assert commands == ["db migrate-to", "test"]  # each once: the second run's is still local


def test_migrate_to_maps_a_named_repository_to_its_name(
    git_repo: Path, pg_url: str, br_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from br_core.project_name import name_project_id

    _local_store(git_repo)
    (br_home / "config.toml").write_text(f'[projects]\n"{git_repo}" = "named-repo"\n')
    assert main(["db", "migrate-to", pg_url]) == 0
    assert "1 projects mapped" in capsys.readouterr().out
    shared = open_pg(pg_url)
    owners = {r[0] for r in shared.execute("SELECT DISTINCT project_id FROM tasks").fetchall()}
    assert owners == {name_project_id("named-repo")}


def test_db_status_and_doctor_name_the_backend(
    git_repo: Path, pg_url: str, capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    assert main(["db", "status"]) == 0
    assert "backend:  sqlite" in capsys.readouterr().out
    monkeypatch.setenv("BR_STORE", pg_url)
    assert main(["db", "status"]) == 0
    out = capsys.readouterr().out
    assert "backend:  postgresql postgresql://br:***@" in out and "br-test-pw" not in out
    assert "PostgreSQL 1" in out
    main(["doctor"])
    report = capsys.readouterr().out
    assert "postgresql postgresql://br:***@" in report and "br-test-pw" not in report


def test_user_config_chooses_the_store_but_a_repository_config_never_does(
    git_repo: Path, pg_url: str, br_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = git_repo / ".buildrunner" / "config.toml"
    config.parent.mkdir()
    config.write_text(f'[store]\nurl = "{pg_url}"\n')
    assert main(["db", "status"]) == 0
    assert "backend:  sqlite" in capsys.readouterr().out
    (br_home / "config.toml").write_text(f'[store]\nurl = "{pg_url}"\n')
    assert main(["db", "status"]) == 0
    assert "backend:  postgresql" in capsys.readouterr().out
    (br_home / "config.toml").write_text("[store]\nurl = 5\n")
    assert main(["db", "status"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "[store] url must be a string" in err


def test_missing_team_extra_is_one_line(
    monkeypatch: Any, pg_url: str, git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import sys

    monkeypatch.setitem(sys.modules, "psycopg", None)  # as if the extra were not installed
    monkeypatch.setenv("BR_STORE", pg_url)
    assert main(["tasks", "list"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "buildrunner[team]" in err

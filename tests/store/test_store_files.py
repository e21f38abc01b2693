"""Store files are private (0600 files in a 0700 directory), and a database deleted or replaced
under a running process makes its next write fail loudly instead of vanishing."""

from __future__ import annotations

import os
import sqlite3
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest

from br_cli.app import main
from br_core.errors import StoreError
from br_core.store.db import backup, open_db, transaction
from br_core.store.paths import db_path


@pytest.fixture(autouse=True)
def loose_umask() -> Iterator[None]:
    # The usual umask: without our own care, SQLite creates files 0644.
    old = os.umask(0o022)
    yield
    os.umask(old)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _store_files(path: Path) -> list[Path]:
    return [p for p in path.parent.iterdir() if p.name.startswith(path.name)]


def test_new_store_is_private(br_home: Path) -> None:
    home = br_home / "fresh"
    os.environ["BR_HOME"] = str(home)  # the autouse fixture restores it
    conn = open_db()
    with transaction(conn):
        conn.execute("INSERT INTO events (project_id, type, ts) VALUES ('p', 'build', 1)")
    files = _store_files(db_path())
    assert {p.name.removeprefix(db_path().name) for p in files} >= {"", "-wal", "-shm"}
    assert {p.name: _mode(p) for p in files} == {p.name: 0o600 for p in files}
    assert _mode(home) == 0o700
    conn.close()


def test_existing_loose_store_is_tightened_on_open(br_home: Path) -> None:
    conn = open_db()
    conn.execute("INSERT INTO events (project_id, type, ts) VALUES ('p', 'build', 1)")
    files = _store_files(db_path())
    for path in files:
        path.chmod(0o644)
    br_home.chmod(0o755)
    other = open_db()
    assert {p.name: _mode(p) for p in files} == {p.name: 0o600 for p in files}
    assert _mode(br_home) == 0o700
    other.close()
    conn.close()


def test_a_shared_sticky_directory_is_left_alone(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    conn = open_db(shared / "x.db")
    assert _mode(shared) == 0o1777  # like /tmp: not ours to close
    assert _mode(shared / "x.db") == 0o600
    conn.close()


def test_backup_is_private(conn: sqlite3.Connection, tmp_path: Path) -> None:
    dest = tmp_path / "copy.db"
    assert backup(dest) > 0
    assert _mode(dest) == 0o600


def test_telemetry_export_is_private(
    git_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    dest = tmp_path / "events.jsonl"
    assert main(["telemetry", "export", str(dest)]) == 0
    assert _mode(dest) == 0o600


def test_db_status_shows_the_modes(
    git_repo: Path, br_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["db", "status"]) == 0
    out = capsys.readouterr().out
    assert f"home:     {br_home} (mode 0700, private)" in out
    assert f"file:     {db_path().name} " in out and "mode 0600" in out
    assert "readable by others" not in out


def test_db_status_says_when_files_are_not_private(
    git_repo: Path, br_home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o1777)
    os.environ["BR_HOME"] = str(shared)
    assert main(["db", "status"]) == 0
    out = capsys.readouterr().out
    assert f"home:     {shared} (mode 1777, readable by others" in out


# -- the file under a running process -------------------------------------------------------


def test_write_after_the_database_was_deleted_fails_loudly(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    conn = open_db(path)
    for p in _store_files(path):
        p.unlink()
    with pytest.raises(StoreError) as caught, transaction(conn):
        conn.execute("INSERT INTO events (project_id, type, ts) VALUES ('p', 'build', 1)")
    message = caught.value.message
    assert str(path) in message and "deleted" in message and "\n" not in message
    assert caught.value.exit_code == 2
    conn.close()


def test_write_after_the_database_was_replaced_fails_loudly(tmp_path: Path) -> None:
    path = tmp_path / "q.db"
    conn = open_db(path)
    fresh = open_db(tmp_path / "other.db")
    fresh.close()
    os.replace(tmp_path / "other.db", path)
    with pytest.raises(StoreError) as caught, transaction(conn):
        conn.execute("INSERT INTO events (project_id, type, ts) VALUES ('p', 'build', 1)")
    assert str(path) in caught.value.message and "replaced" in caught.value.message
    conn.close()
    reopened = open_db(path)  # a new session opens the new file and writes normally
    with transaction(reopened):
        reopened.execute("INSERT INTO events (project_id, type, ts) VALUES ('p', 'build', 1)")
    reopened.close()


def test_unchanged_file_writes_normally_and_memory_is_unaffected(tmp_path: Path) -> None:
    conn = open_db(tmp_path / "q.db")
    for i in range(3):
        with transaction(conn):
            conn.execute("INSERT INTO events (project_id, type, ts) VALUES ('p', 'build', ?)", (i,))
    assert conn.execute("SELECT count(*) FROM events").fetchone()[0] == 3
    memory = open_db(Path(":memory:"))
    with transaction(memory):
        memory.execute("INSERT INTO events (project_id, type, ts) VALUES ('p', 'build', 1)")
    conn.close()

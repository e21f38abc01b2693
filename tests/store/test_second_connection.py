"""A second connection in one process must not drop the first one's SQLite locks.

Closing any descriptor of a file drops every POSIX lock the process holds on it. When opening a
connection opened and closed the database file, a second connection (a worker's heartbeat
thread, an MCP tool's worker thread) dropped the first one's shared lock: another process that
closed its connection then took the database for unused, deleted the WAL, and the first
connection's next commit went to the deleted file and was lost. `br worker` hit it under load.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from br_core.store.db import open_db

READ = "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute({sql!r}).fetchone()[0])"


def _other_process(path: Path, sql: str) -> str:
    proc = subprocess.run(
        [sys.executable, "-c", READ.format(sql=sql), str(path)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return proc.stdout.strip()


def test_a_commit_after_a_second_connection_is_not_lost(tmp_path: Path) -> None:
    path = tmp_path / "store.sqlite3"
    first = open_db(path)
    first.execute("CREATE TABLE t (x)")
    first.execute("INSERT INTO t VALUES (1)")
    second = open_db(path)  # as a heartbeat thread does, while `first` stays open
    try:
        _other_process(path, "SELECT count(*) FROM t")  # opens and closes its connection
        assert Path(f"{path}-wal").exists()  # it did not take the database for unused
        first.execute("INSERT INTO t VALUES (2)")
        assert _other_process(path, "SELECT count(*) FROM t") == "2"
    finally:
        second.close()
        first.close()

"""The per-user SQLite store: WAL, busy_timeout, explicit BEGIN IMMEDIATE, named migrations.

One `open_db()` for every caller. Connections are in autocommit mode; every read-then-write runs
inside `transaction(conn)`, which takes the write lock up front so two processes never interleave.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal, TypeVar, cast, overload

from br_core.errors import StoreError
from br_core.store.connection import Connection
from br_core.store.files import create_private, private_dir, private_store_file
from br_core.store.migrations import EARLIER_NAMES, MIGRATIONS
from br_core.store.paths import db_path

BUSY_TIMEOUT_MS = 10_000


def _recovery_hint(path: Path) -> str:
    return f"run `br db check`, or restore a copy made with `br db backup` to {path}"


def store_error(path: Path, exc: sqlite3.Error) -> StoreError:
    """Turn a sqlite3 error into a one-line message naming the file and the recovery."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        # (no wait figure: hooks wait far less than BUSY_TIMEOUT_MS, and some lock errors
        # come at once, without the busy handler)
        return StoreError(
            f"{path}: database is locked by another process; retry when it finishes, and if "
            "no br process is running, run `br db check`"
        )
    if isinstance(exc, sqlite3.DatabaseError) and (
        "not a database" in text or "malformed" in text or "corrupt" in text
    ):
        return StoreError(f"{path}: database is corrupt ({text}); {_recovery_hint(path)}")
    if "unable to open" in text or "readonly" in text or "read-only" in text:
        return StoreError(
            f"{path}: cannot open the database ({text}); check the file's permissions"
        )
    return StoreError(f"{path}: database error ({text}); {_recovery_hint(path)}")


class StoreConnection(sqlite3.Connection):
    """A connection that remembers which file it opened: (path, device, inode)."""

    opened: tuple[Path, int, int] | None = None


def check_same_file(conn: Connection) -> None:
    """Fail loudly if the database file was deleted or replaced since `conn` opened it.

    SQLite keeps writing to the file it opened: after `rm` or a copy over it, every commit
    succeeds into a file nobody will open again, and new sessions see an empty store.
    """
    opened = getattr(conn, "opened", None)
    if opened is None:
        return
    path, device, inode = opened
    try:
        st = os.stat(path)
    except FileNotFoundError:
        what = "deleted"
    else:
        if (st.st_dev, st.st_ino) == (device, inode):
            return
        what = "replaced by another file"
    raise StoreError(
        f"{path}: the database was {what} while this process had it open; nothing was "
        "written (it would have been lost); restart this command or the MCP server so it "
        "opens the current file, and restore a `br db backup` copy if data is missing"
    )


AnyConnection = TypeVar("AnyConnection", bound=Connection)


@contextmanager
def transaction(conn: AnyConnection) -> Iterator[AnyConnection]:
    """BEGIN IMMEDIATE ... COMMIT, rolled back on any exception; refused on a vanished file.

    A write lock not granted within the busy timeout is a one-line StoreError for every writer.
    """
    try:
        conn.execute("BEGIN IMMEDIATE")
    except sqlite3.OperationalError as exc:
        opened = getattr(conn, "opened", None)
        raise store_error(opened[0] if opened else Path("<memory>"), exc) from exc
    try:
        check_same_file(conn)
        yield conn
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")


def apply_migrations(conn: sqlite3.Connection) -> int:
    """Apply every migration not yet recorded; return how many ran. Safe under concurrency."""
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    if version == len(MIGRATIONS):
        return 0
    conn.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at REAL NOT NULL)"
    )
    applied = 0
    for index, (name, sql) in enumerate(MIGRATIONS, start=1):
        with transaction(conn):
            names = (name, *EARLIER_NAMES.get(name, ()))
            marks = ", ".join("?" * len(names))
            done = conn.execute(
                f"SELECT 1 FROM _migrations WHERE name IN ({marks})", names
            ).fetchone()
            if not done:
                for statement in _statements(sql):
                    conn.execute(statement)
                conn.execute(
                    "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", (name, time.time())
                )
                applied += 1
            conn.execute(f"PRAGMA user_version = {index}")
    return applied


def _statements(sql: str) -> list[str]:
    # executescript() would COMMIT our transaction, so split on ';' ourselves. A piece is
    # joined with the next until SQLite calls it complete: a trigger body (`BEGIN ...; END`)
    # stays whole.
    statements: list[str] = []
    pending = ""
    for piece in sql.split(";"):
        pending = f"{pending};{piece}" if pending else piece
        if sqlite3.complete_statement(pending + ";"):
            if pending.strip():
                statements.append(pending.strip())
            pending = ""
    if pending.strip():
        statements.append(pending.strip())
    return statements


def _switch_to_wal(conn: sqlite3.Connection, timeout_ms: int) -> None:
    """`PRAGMA journal_mode = WAL`, retried within the busy timeout.

    Switching a new file to WAL needs its exclusive lock, and when several processes open a
    fresh store at once SQLite answers "database is locked" at once, without calling the busy
    handler (each holds a shared lock the other waits for). Once the file is in WAL mode the
    statement is a no-op, so a few retries are all the first openers need.
    """
    deadline = time.monotonic() + timeout_ms / 1000
    pause = 0.002
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() + pause > deadline:
                raise
        time.sleep(pause)
        pause = min(pause * 2, 0.1)


def connect(path: Path, *, timeout_ms: int = BUSY_TIMEOUT_MS) -> sqlite3.Connection:
    """A configured connection without migrations (for `br db check` on a damaged file).

    The directory is made 0700 and the file created 0600 before SQLite opens it (SQLite gives
    the -wal and -shm files the database's own mode).
    """
    memory = str(path) == ":memory:"
    identity = None
    if not memory:
        path = path.absolute()
        private_dir(path.parent)
        identity = private_store_file(path)
    try:
        conn = sqlite3.connect(
            path, isolation_level=None, timeout=timeout_ms / 1000, factory=StoreConnection
        )
        conn.execute(f"PRAGMA busy_timeout = {int(timeout_ms)}")
        _switch_to_wal(conn, timeout_ms)
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.Error as exc:
        raise store_error(path, exc) from exc
    if identity is not None:
        conn.opened = (path, *identity)
    return conn


@overload
def open_db(path: Path, *, timeout_ms: int = ..., local: bool = ...) -> sqlite3.Connection: ...
@overload
def open_db(
    path: None = None, *, timeout_ms: int = ..., local: Literal[True]
) -> sqlite3.Connection: ...
@overload
def open_db(path: None = None, *, timeout_ms: int = ..., local: bool = ...) -> Connection: ...
def open_db(
    path: Path | None = None, *, timeout_ms: int = BUSY_TIMEOUT_MS, local: bool = False
) -> Connection:
    """Open (creating if needed) the store and bring its schema up to date.

    Without a `path`, the store the user configured (br_core/store/backend.py): the local SQLite
    file, or the team's PostgreSQL server, typed as the Connection protocol both offer
    (br_core/store/connection.py). A `path`, or `local=True` (the hooks: psycopg never loads on
    their path), opens the local file: a sqlite3.Connection.
    """
    if path is None and not local:
        from br_core.store.backend import configured_backend

        chosen = configured_backend()
        if chosen.url is not None:
            from br_core.store.pg import open_pg

            return open_pg(chosen.url)
    target = path if path is not None else db_path()
    conn = connect(target, timeout_ms=timeout_ms)
    try:
        apply_migrations(conn)
    except sqlite3.Error as exc:
        conn.close()
        raise store_error(target, exc) from exc
    return conn


def backend_of(conn: Connection) -> str:
    """ "sqlite" or "postgresql": which store `conn` talks to."""
    return str(getattr(conn, "backend", "sqlite"))


def schema_version(conn: Connection) -> int:
    if backend_of(conn) == "postgresql":
        from br_core.store.pg import PgConnection, pg_schema_version

        return pg_schema_version(cast(PgConnection, conn))
    (version,) = conn.execute("PRAGMA user_version").fetchone()
    return int(version)


def integrity_check(path: Path | None = None) -> list[str]:
    """SQLite's own integrity check: [] when the file is sound, else SQLite's complaints."""
    target = path if path is not None else db_path()
    if not target.exists():
        raise StoreError(f"{target}: no database yet; any `br` command creates it")
    try:
        conn = sqlite3.connect(f"{target.as_uri()}?mode=ro", uri=True, isolation_level=None)
        try:
            rows = conn.execute("PRAGMA integrity_check").fetchall()
        finally:
            conn.close()
    except sqlite3.OperationalError as exc:  # locked or unopenable: not a verdict on the data
        raise store_error(target, exc) from exc
    except sqlite3.DatabaseError as exc:  # so damaged that the check itself cannot run
        return [str(exc)]
    problems = [str(row[0]) for row in rows]
    return [] if problems == ["ok"] else problems


def backup(dest: Path, path: Path | None = None) -> int:
    """Copy the live database to `dest` with SQLite's online backup; return its size in bytes.

    The backup API copies a consistent snapshot even while other processes write.
    """
    source_path = path if path is not None else db_path()
    if dest.exists():
        raise StoreError(f"{dest}: already exists; choose a new file name or remove it first")
    if not dest.parent.is_dir():
        raise StoreError(f"{dest.parent}: no such directory; create it or pick another path")
    conn = open_db(source_path)
    try:
        create_private(dest)  # 0600 before SQLite writes a byte of the copy
        try:
            target = sqlite3.connect(dest)
        except sqlite3.Error as exc:
            dest.unlink(missing_ok=True)
            raise StoreError(f"{dest}: cannot write the backup ({exc}); pick another path") from exc
        try:
            conn.backup(target)
        except sqlite3.Error as exc:
            dest.unlink(missing_ok=True)  # never leave a half-written copy that looks usable
            raise store_error(source_path, exc) from exc
        finally:
            target.close()
    finally:
        conn.close()
    return dest.stat().st_size


def table_sizes(conn: Connection) -> dict[str, int]:
    """Row counts of the store's tables (cheap tables only: events use the maintained counters)."""
    names = [
        str(r[0])
        for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
            "ORDER BY name"
        )
    ]
    sizes: dict[str, int] = {}
    for name in names:
        if name == "events":
            row = conn.execute("SELECT coalesce(sum(n), 0) FROM event_counts").fetchone()
        else:
            row = conn.execute(f'SELECT count(*) FROM "{name}"').fetchone()
        sizes[name] = int(row[0])
    return sizes

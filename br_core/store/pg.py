"""The shared store on PostgreSQL: a connection the domains use as they use sqlite3's.

The domains take "a connection" and call `execute`, `executemany`, `fetchone`/`fetchall`,
`rowcount` and `lastrowid` on it, and run read-then-write work inside `transaction(conn)`. This
class gives them exactly that over psycopg 3, with their SQL rewritten by `dialect.to_postgres`.
A team store is chosen by user configuration only (br_core/store/backend.py); psycopg comes
with the `buildrunner[team]` extra and is imported here, never on a hook's path.

Connection loss: outside a transaction a statement reconnects once and runs again (a server
restart costs one retry, not an error); inside one the work is rolled back by the server and the
caller gets a one-line StoreError, so nothing half-done is ever acknowledged.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

from br_core.errors import StoreError
from br_core.store.dialect import to_postgres
from br_core.store.migrations import MIGRATIONS
from br_core.store.migrations_pg import PG_MIGRATIONS

if TYPE_CHECKING:
    import psycopg

CONNECT_TIMEOUT_S = 5
# Statements never wait for a lock or a query longer than this: a stuck holder is an error.
STATEMENT_TIMEOUT_MS = 30_000
LOCK_TIMEOUT_MS = 10_000
EXTRA_HINT = "install the team extra: pip install 'buildrunner[team]'"


def redact(url: str) -> str:
    """`url` without its password, for every message and every status line."""
    return re.sub(r"(://[^:/@]*):[^@]*@", r"\1:***@", url)


def _psycopg() -> Any:
    try:
        import psycopg
    except ImportError:
        raise StoreError(
            f"a PostgreSQL store is configured but psycopg is not installed; {EXTRA_HINT}"
        ) from None
    return psycopg


def pg_error(url: str, exc: Exception) -> StoreError:
    """One line naming the server, what went wrong and what to do."""
    where = redact(url)
    text = " ".join(str(exc).split())
    lowered = text.lower()
    if "password authentication failed" in lowered or "no password supplied" in lowered:
        return StoreError(
            f"{where}: the server refused the password; fix the user or password in BR_STORE "
            "or [store] url in the user config"
        )
    if (
        "connection refused" in lowered
        or "could not connect" in lowered
        or ("timeout expired" in lowered)
    ):
        return StoreError(
            f"{where}: no PostgreSQL server answers there ({text[:160]}); start it or fix "
            "BR_STORE / [store] url"
        )
    if "does not exist" in lowered and "database" in lowered:
        return StoreError(f"{where}: {text[:160]}; create it (createdb) or fix the URL")
    if (
        "server closed the connection" in lowered
        or "terminating connection" in lowered
        or ("consuming input failed" in lowered or "connection is lost" in lowered)
    ):
        return StoreError(
            f"{where}: the connection to the server was lost ({text[:120]}); nothing of the "
            "interrupted change was kept; retry when the server is back"
        )
    if "lock timeout" in lowered or "statement timeout" in lowered:
        return StoreError(
            f"{where}: waited too long for a lock held by another client ({text[:120]}); retry"
        )
    return StoreError(f"{where}: database error ({text[:200]})")


class PgCursor:
    """What the domains read from `conn.execute(...)`: rows, rowcount, lastrowid."""

    def __init__(self, rows: list[tuple[Any, ...]], rowcount: int, lastrowid: int | None):
        self._rows = rows
        self._next = 0
        self.rowcount = rowcount
        self.lastrowid = lastrowid

    def fetchone(self) -> tuple[Any, ...] | None:
        if self._next >= len(self._rows):
            return None
        self._next += 1
        return self._rows[self._next - 1]

    def fetchall(self) -> list[tuple[Any, ...]]:
        rows, self._next = self._rows[self._next :], len(self._rows)
        return rows

    def __iter__(self) -> Iterator[tuple[Any, ...]]:
        while (row := self.fetchone()) is not None:
            yield row


def _params(params: Sequence[Any] | None) -> tuple[Any, ...]:
    # SQLite stores Python booleans as 0/1 in INTEGER columns; PostgreSQL would refuse them.
    if not params:
        return ()
    return tuple(int(p) if isinstance(p, bool) else p for p in params)


class PgConnection:
    """One psycopg connection in autocommit mode, speaking the domains' SQLite dialect."""

    backend = "postgresql"
    opened = None  # no file to check (see db.check_same_file)

    def __init__(self, url: str, *, connect_timeout: float = CONNECT_TIMEOUT_S) -> None:
        self.url = url
        self.connect_timeout = connect_timeout
        self._in_transaction = False
        self._raw: psycopg.Connection[Any] | None = None
        self._raw = self._connect()

    def _connect(self) -> psycopg.Connection[Any]:
        pg = _psycopg()
        try:
            raw = pg.connect(
                self.url,
                autocommit=True,
                connect_timeout=max(1, int(self.connect_timeout)),
                options=f"-c lock_timeout={LOCK_TIMEOUT_MS} "
                f"-c statement_timeout={STATEMENT_TIMEOUT_MS}",
                application_name="buildrunner",
            )
        except pg.Error as exc:
            raise pg_error(self.url, exc) from None
        except ValueError as exc:  # a malformed URL: psycopg's own parser says what
            raise StoreError(f"{redact(self.url)}: not a usable PostgreSQL URL ({exc})") from None
        _numeric_as_number(raw)
        return cast("psycopg.Connection[Any]", raw)

    @property
    def raw(self) -> psycopg.Connection[Any]:
        if self._raw is None:
            raise StoreError(f"{redact(self.url)}: the connection is closed")
        return self._raw

    def close(self) -> None:
        if self._raw is not None:
            self._raw.close()
            self._raw = None

    def __enter__(self) -> PgConnection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def execute(self, sql: str, params: Sequence[Any] | None = None) -> PgCursor:
        text, returns_id = to_postgres(sql)
        upper = text.lstrip()[:8].upper()
        if upper.startswith("BEGIN"):
            self._begin(text)
            return PgCursor([], -1, None)
        if upper.startswith(("COMMIT", "ROLLBACK")):
            return self._end(text)
        cur = self._run(lambda raw: raw.execute(text, _params(params)))
        rows = cur.fetchall() if cur.description is not None else []
        lastrowid = int(rows[0][0]) if returns_id and rows else None
        return PgCursor([] if returns_id else rows, cur.rowcount, lastrowid)

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]]) -> PgCursor:
        text, _ = to_postgres(sql, True)
        batch = [_params(p) for p in seq]
        if not batch:
            return PgCursor([], 0, None)

        def run_all(raw: psycopg.Connection[Any]) -> int:
            cur = raw.cursor()
            cur.executemany(text, batch)
            return int(cur.rowcount)

        return PgCursor([], self._run(run_all), None)

    def _begin(self, text: str) -> None:
        for attempt in (1, 2):
            try:
                self.raw.execute(text)
                self._in_transaction = True
                return
            except _psycopg().OperationalError as exc:
                if attempt == 2 or not self._reconnectable():
                    raise pg_error(self.url, exc) from None
                self._reconnect()
            except _psycopg().Error as exc:
                raise pg_error(self.url, exc) from None

    def _end(self, text: str) -> PgCursor:
        self._in_transaction = False
        if text.upper().startswith("ROLLBACK") and self._reconnectable():
            return PgCursor([], -1, None)  # the connection died: the server rolled back
        try:
            self.raw.execute(text)
        except _psycopg().Error as exc:
            raise pg_error(self.url, exc) from None
        return PgCursor([], -1, None)

    def _run(self, call: Any) -> Any:
        psycopg = _psycopg()
        for attempt in (1, 2):
            try:
                return call(self.raw)
            except psycopg.OperationalError as exc:
                # Outside a transaction a lost connection is retried once on a new one.
                if self._in_transaction or attempt == 2 or not self._reconnectable():
                    raise pg_error(self.url, exc) from None
                self._reconnect()
            except psycopg.Error as exc:
                raise pg_error(self.url, exc) from None
        raise AssertionError("unreachable")  # pragma: no cover

    def _reconnectable(self) -> bool:
        return self._raw is None or self._raw.closed or self._raw.broken

    def _reconnect(self) -> None:
        if self._raw is not None:
            self._raw.close()
        self._raw = None
        deadline = time.monotonic() + self.connect_timeout
        while True:
            try:
                self._raw = self._connect()
                return
            except StoreError:
                if time.monotonic() >= deadline:
                    raise
                time.sleep(0.2)


def _numeric_as_number(raw: psycopg.Connection[Any]) -> None:
    """sum()/avg() of integers are NUMERIC in PostgreSQL: load them as int or float, as SQLite
    returns them, not as Decimal."""
    from psycopg.adapt import Loader

    class NumberLoader(Loader):
        def load(self, data: Any) -> int | float:
            text = bytes(data).decode()
            try:
                return int(text)
            except ValueError:
                return float(text)

    raw.adapters.register_loader("numeric", NumberLoader)


def apply_pg_migrations(conn: PgConnection) -> int:
    """Apply every named migration not yet recorded, under the store lock so clients never race.

    (Its own BEGIN/COMMIT rather than db.transaction: db opens this module, not the reverse.)
    """
    applied = 0
    conn.execute("BEGIN IMMEDIATE")
    try:
        conn.execute(
            "CREATE TABLE IF NOT EXISTS _migrations "
            "(name TEXT PRIMARY KEY, applied_at DOUBLE PRECISION NOT NULL)"
        )
        done = {r[0] for r in conn.execute("SELECT name FROM _migrations").fetchall()}
        for name, _ in MIGRATIONS:
            if name in done:
                continue
            ddl = PG_MIGRATIONS[name]
            conn._run(lambda raw, ddl=ddl: raw.execute(ddl))  # errors as one StoreError line
            conn.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)", (name, time.time())
            )
            applied += 1
    except BaseException:
        conn.execute("ROLLBACK")
        raise
    else:
        conn.execute("COMMIT")
    return applied


def pg_schema_version(conn: PgConnection) -> int:
    (n,) = conn.execute("SELECT count(*) FROM _migrations").fetchone() or (0,)
    return int(n)


def open_pg(url: str, *, connect_timeout: float = CONNECT_TIMEOUT_S) -> PgConnection:
    conn = PgConnection(url, connect_timeout=connect_timeout)
    try:
        apply_pg_migrations(conn)
    except BaseException:
        conn.close()
        raise
    return conn

"""What domain code may call on a store connection: the part SQLite and PostgreSQL both offer.

`open_db()` returns the user's store: a sqlite3.Connection, or a PgConnection (store/pg.py) that
speaks the same SQL dialect. Domain functions take this Protocol, so the type checker holds them
to the calls both backends answer (execute, executemany, close; rows, rowcount, lastrowid) and
code that needs SQLite itself (backups, PRAGMAs, the file checks) says so with sqlite3.Connection.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Protocol


class Cursor(Protocol):
    """The result of `execute`: rows as tuples, and what a write changed."""

    @property
    def rowcount(self) -> int: ...

    @property
    def lastrowid(self) -> int | None: ...

    def fetchone(self) -> Any: ...

    def fetchall(self) -> list[Any]: ...

    def __iter__(self) -> Iterator[Any]: ...


class Connection(Protocol):
    """A store connection as the domains use it (sqlite3.Connection and PgConnection both are)."""

    def execute(self, sql: str, params: Sequence[Any] = ..., /) -> Cursor: ...

    def executemany(self, sql: str, seq: Iterable[Sequence[Any]], /) -> Cursor: ...

    def close(self) -> None: ...

"""TinyDB over SQLite: one row per document in the `documents` table, safe across processes.

TinyDB's own storages read and rewrite the whole database on every change, which loses writes as
soon as two processes share a file. Here every TinyDB write runs as one `BEGIN IMMEDIATE`
transaction: the table is read inside it, TinyDB's updater runs, and only the rows that changed
are written back. New ids come from a per-table high-water mark kept in `meta` and bumped in the
same transaction, so two processes never hand out the same id, and a deleted id is never reused.

Use it for document-shaped, low-volume records (alert state, settings, suggestions). Queries
scan the table in Python, as TinyDB always does; hot data belongs in real SQL tables.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

from tinydb import TinyDB
from tinydb.storages import Storage
from tinydb.table import Document, Table

from br_core.store.connection import Connection
from br_core.store.db import store_error, transaction
from br_core.store.paths import db_path

_HIGH_WATER = "docstore:last_id:"


def _dump(doc: Mapping[str, Any]) -> str:
    # Canonical text: an unchanged document serialises to the same string, so it is not rewritten.
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


class SQLiteStorage(Storage):
    """A TinyDB storage over the `documents` table.

    TinyDB calls read()/write() with the whole database only for database-level operations
    (`tables()`, `drop_table()`, `drop_tables()`); `DocTable` does row-level work itself.
    """

    def __init__(self, conn: Connection, path: Path | None = None) -> None:
        self.conn = conn
        self.path = path if path is not None else db_path()  # named in store errors

    def read(self) -> dict[str, dict[str, Any]] | None:
        try:
            rows = self.conn.execute("SELECT tbl, doc_id, data FROM documents").fetchall()
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from exc
        if not rows:
            return None
        data: dict[str, dict[str, Any]] = {}
        for tbl, doc_id, text in rows:
            data.setdefault(str(tbl), {})[str(doc_id)] = json.loads(text)
        return data

    def write(self, data: dict[str, dict[str, Any]]) -> None:
        try:
            with transaction(self.conn):
                listed = self.conn.execute("SELECT DISTINCT tbl FROM documents")
                stored = {str(r[0]) for r in listed}
                for name in stored - set(data):
                    self.conn.execute("DELETE FROM documents WHERE tbl = ?", (name,))
                for name, docs in data.items():
                    _write_changes(self.conn, name, _load(self.conn, name), docs)
        except sqlite3.Error as exc:
            raise store_error(self.path, exc) from exc

    def close(self) -> None:
        """Nothing to release: the connection belongs to whoever opened it."""


def _load(conn: Connection, name: str) -> dict[int, str]:
    rows = conn.execute("SELECT doc_id, data FROM documents WHERE tbl = ?", (name,))
    return {int(doc_id): str(text) for doc_id, text in rows}


def _write_changes(
    conn: Connection, name: str, before: dict[int, str], after: Mapping[Any, Any]
) -> None:
    """Write only the rows that differ between `before` (stored text) and `after` (documents)."""
    after_ids = {int(k) for k in after}
    gone = [(name, doc_id) for doc_id in before if doc_id not in after_ids]
    if gone:
        conn.executemany("DELETE FROM documents WHERE tbl = ? AND doc_id = ?", gone)
    changed = []
    for key, doc in after.items():
        text = _dump(doc)
        if before.get(int(key)) != text:
            changed.append((name, int(key), text))
    if changed:
        conn.executemany(
            "INSERT INTO documents (tbl, doc_id, data) VALUES (?, ?, ?) "
            "ON CONFLICT (tbl, doc_id) DO UPDATE SET data = excluded.data",
            changed,
        )
    if after_ids:
        _raise_high_water(conn, name, max(after_ids))


def _high_water(conn: Connection, name: str) -> int:
    row = conn.execute("SELECT value FROM meta WHERE key = ?", (_HIGH_WATER + name,)).fetchone()
    top = conn.execute("SELECT max(doc_id) FROM documents WHERE tbl = ?", (name,)).fetchone()
    return max(int(row[0]) if row else 0, int(top[0] or 0))


def _raise_high_water(conn: Connection, name: str, doc_id: int) -> None:
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET "
        "value = CAST(max(CAST(meta.value AS INTEGER), CAST(excluded.value AS INTEGER)) AS TEXT)",
        (_HIGH_WATER + name, str(doc_id)),
    )


class DocTable(Table):
    """A TinyDB `Table` whose documents are rows; every write is one IMMEDIATE transaction.

    `cache_size` and `persist_empty` are accepted for TinyDB's signature and ignored: the query
    cache is always off, and a table exists exactly when it has documents.
    """

    # Another process may change the table at any time, so cached query results would go stale.
    default_query_cache_capacity = 0

    def __init__(
        self, storage: Storage, name: str, cache_size: int = 0, persist_empty: bool = False
    ) -> None:
        if not isinstance(storage, SQLiteStorage):
            raise TypeError("DocTable needs a SQLiteStorage")
        self._sql = storage
        super().__init__(storage, name, cache_size=0, persist_empty=False)

    @property
    def _conn(self) -> Connection:
        return self._sql.conn

    def _read_table(self) -> dict[str, Mapping[Any, Any]]:
        try:
            rows = self._conn.execute(
                "SELECT doc_id, data FROM documents WHERE tbl = ? ORDER BY doc_id", (self.name,)
            ).fetchall()
        except sqlite3.Error as exc:
            raise store_error(self._sql.path, exc) from exc
        return {str(doc_id): json.loads(text) for doc_id, text in rows}

    def _update_table(self, updater: Callable[[dict[int, Mapping[Any, Any]]], None]) -> None:
        try:
            with transaction(self._conn):
                before = _load(self._conn, self.name)
                table: dict[int, Mapping[Any, Any]] = {k: json.loads(v) for k, v in before.items()}
                updater(table)
                _write_changes(self._conn, self.name, before, table)
        except sqlite3.Error as exc:
            raise store_error(self._sql.path, exc) from exc
        self.clear_cache()

    def _get_next_id(self) -> int:
        # TinyDB asks for an id before it opens its write; ours are allocated in insert() instead.
        raise RuntimeError("DocTable allocates ids inside the write transaction; use insert()")

    def insert(self, document: Mapping[Any, Any]) -> int:
        return self.insert_multiple([document])[0]

    def insert_multiple(self, documents: Iterable[Mapping[Any, Any]]) -> list[int]:
        docs = list(documents)
        for doc in docs:
            if not isinstance(doc, Mapping):
                raise ValueError("Document is not a Mapping")
        try:
            with transaction(self._conn):
                ids = self._insert_locked(docs)
        except sqlite3.Error as exc:
            raise store_error(self._sql.path, exc) from exc
        self.clear_cache()
        return ids

    def insert_unless(self, cond: Any, document: Mapping[Any, Any]) -> int | None:
        """Insert `document` unless a document matches `cond`, atomically; its id, or None.

        TinyDB's upsert is an update then an insert in two steps: two processes can both miss
        and both insert. Here the check and the insert share one write transaction.
        """
        try:
            with transaction(self._conn):
                for text in _load(self._conn, self.name).values():
                    if cond(json.loads(text)):
                        return None
                [doc_id] = self._insert_locked([document])
        except sqlite3.Error as exc:
            raise store_error(self._sql.path, exc) from exc
        self.clear_cache()
        return doc_id

    def _insert_locked(self, docs: list[Mapping[Any, Any]]) -> list[int]:
        """Insert under the write lock: ids are max(high-water, max id) + 1, never reused."""
        next_id = _high_water(self._conn, self.name) + 1
        rows: list[tuple[str, int, str]] = []
        for doc in docs:
            if isinstance(doc, Document):
                doc_id = int(doc.doc_id)
                exists = self._conn.execute(
                    "SELECT 1 FROM documents WHERE tbl = ? AND doc_id = ?", (self.name, doc_id)
                ).fetchone()
                if exists or any(r[1] == doc_id for r in rows):
                    raise ValueError(f"Document with ID {doc_id} already exists")
                next_id = max(next_id, doc_id + 1)
            else:
                doc_id = next_id
                next_id += 1
            rows.append((self.name, doc_id, _dump(dict(doc))))
        self._conn.executemany("INSERT INTO documents (tbl, doc_id, data) VALUES (?, ?, ?)", rows)
        if rows:
            _raise_high_water(self._conn, self.name, max(r[1] for r in rows))
        return [r[1] for r in rows]

    def __len__(self) -> int:
        row = self._conn.execute(
            "SELECT count(*) FROM documents WHERE tbl = ?", (self.name,)
        ).fetchone()
        return int(row[0])

    def __iter__(self) -> Iterator[Document]:
        for doc_id, doc in self._read_table().items():
            yield Document(doc, int(doc_id))


class DocumentDB(TinyDB):
    """`TinyDB` whose tables are `DocTable`s in the BuildRunner store.

    `DocumentDB(conn)` works on the caller's connection, which the caller opens and closes.
    """

    table_class = DocTable

    def __init__(self, conn: Connection, path: Path | None = None) -> None:
        super().__init__(conn=conn, path=path, storage=SQLiteStorage)


def document_table(conn: Connection, name: str) -> DocTable:
    """The TinyDB table `name` in the store, on the caller's connection."""
    table = DocumentDB(conn).table(name)
    assert isinstance(table, DocTable)
    return table

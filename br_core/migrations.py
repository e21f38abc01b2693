"""Append-only, named schema migrations. Never edit or reorder an entry: add a new one.

Each migration runs in its own transaction and is recorded in `_migrations`.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_events",
        """
        CREATE TABLE projects (
            project_id TEXT PRIMARY KEY,
            root       TEXT NOT NULL,
            first_seen REAL NOT NULL,
            last_seen  REAL NOT NULL
        );
        CREATE TABLE events (
            id         INTEGER PRIMARY KEY,
            project_id TEXT NOT NULL,
            type       TEXT NOT NULL,
            ts         REAL NOT NULL,
            git_hash   TEXT,
            user_hash  TEXT,
            data       TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX events_project_type_ts ON events (project_id, type, ts);
        CREATE INDEX events_ts ON events (ts);
        """,
    ),
    (
        "0002_documents",
        """
        CREATE TABLE documents (
            tbl    TEXT NOT NULL,
            doc_id INTEGER NOT NULL,
            data   TEXT NOT NULL,
            PRIMARY KEY (tbl, doc_id)
        ) WITHOUT ROWID;
        """,
    ),
]

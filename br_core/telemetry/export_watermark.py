"""How far each OTLP stream has been sent: one row in `meta` per (endpoint, stream).

A stream is rows of one table in id order: `events` (sent as logs), `usage` (sent twice: as logs
and as the token histogram, each with its own mark, so a failure of one request never resends or
loses the other). A mark moves only after the collector acknowledged the batch, in the same
transaction that reads nothing else: nothing is sent twice and nothing is skipped.

SQLite gives a new row max(id) + 1, so ids are reused only after the newest rows are deleted;
`clamp_marks` runs after every delete of events (clear, prune) and pulls the marks down to the
newest surviving id, so a reused id is above its mark and is sent. Plain SQL, stdlib only.
"""

from __future__ import annotations

from br_core.store.connection import Connection

PREFIX = "otlp_exported:"
STREAMS = ("events", "usage_logs", "usage_metrics")
TABLE_OF = {"events": "events", "usage_logs": "usage", "usage_metrics": "usage"}


def mark_key(target_key: str, stream: str) -> str:
    return f"{target_key}:{stream}"


def read_mark(conn: Connection, target_key: str, stream: str) -> int:
    row = conn.execute(
        "SELECT value FROM meta WHERE key = ?", (mark_key(target_key, stream),)
    ).fetchone()
    try:
        return int(row[0]) if row else 0
    except ValueError:  # a hand-edited value: send everything again rather than skip rows
        return 0


def write_mark(conn: Connection, target_key: str, stream: str, last_id: int) -> None:
    """Record `last_id` as sent; the caller holds the transaction."""
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?, ?) "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        (mark_key(target_key, stream), str(last_id)),
    )


def clamp_marks(conn: Connection, table: str) -> None:
    """After deleting rows of `table`: no mark above its newest surviving id. Caller holds the
    transaction."""
    newest = int(conn.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0])
    streams = [s for s, t in TABLE_OF.items() if t == table]
    for key, value in conn.execute(
        "SELECT key, value FROM meta WHERE key LIKE ?", (PREFIX + "%",)
    ).fetchall():
        if str(key).rsplit(":", 1)[-1] in streams and value.isdigit() and int(value) > newest:
            conn.execute("UPDATE meta SET value = ? WHERE key = ?", (str(newest), key))

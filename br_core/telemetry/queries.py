"""Reading and deleting telemetry: counters, export, clear, prune.

Counts come from `event_counts`, kept exact by triggers on `events` (migration 0005), so status
and threshold checks cost the same at a thousand events as at a million.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import NamedTuple

from br_core.store.connection import Connection
from br_core.telemetry.export_watermark import clamp_marks


class TypeCount(NamedTuple):
    project_id: str
    type: str
    n: int
    first_ts: float
    last_ts: float


def type_counts(conn: Connection, project_id: str | None = None) -> list[TypeCount]:
    """Per (project, type) counters; one project's when `project_id` is given."""
    sql = "SELECT project_id, type, n, first_ts, last_ts FROM event_counts WHERE n > 0"
    params: tuple[str, ...] = ()
    if project_id is not None:
        sql += " AND project_id = ?"
        params = (project_id,)
    rows = conn.execute(sql + " ORDER BY project_id, type", params).fetchall()
    return [TypeCount(str(p), str(t), int(n), float(a), float(b)) for p, t, n, a, b in rows]


def export_rows(
    conn: Connection, since: float | None = None, until: float | None = None
) -> Iterator[dict[str, object]]:
    """Every event in [since, until) as a plain dict, oldest first (streamed, not loaded)."""
    sql = "SELECT id, project_id, type, ts, git_hash, user_hash, data FROM events WHERE 1"
    params: list[float] = []
    if since is not None:
        sql += " AND ts >= ?"
        params.append(since)
    if until is not None:
        sql += " AND ts < ?"
        params.append(until)
    for row in conn.execute(sql + " ORDER BY ts, id", params):
        yield {
            "id": row[0],
            "project_id": row[1],
            "type": row[2],
            "ts": row[3],
            "git_hash": row[4],
            "user_hash": row[5],
            "data": json.loads(row[6]),
        }


def _refresh_counts(conn: Connection) -> None:
    # The delete trigger keeps n exact; the first timestamp moves when old rows go.
    conn.execute("DELETE FROM event_counts WHERE n <= 0")
    conn.execute(
        "UPDATE event_counts SET first_ts = (SELECT min(ts) FROM events e "
        "WHERE e.project_id = event_counts.project_id AND e.type = event_counts.type)"
    )


def clear_events(conn: Connection, project_id: str | None = None) -> int:
    """Delete every event (of one project when given); return how many. Caller holds the txn."""
    if project_id is None:
        deleted = conn.execute("DELETE FROM events").rowcount
        conn.execute("DELETE FROM event_counts")
        conn.execute("DELETE FROM projects")
        clamp_marks(conn, "events")  # ids start again at 1: those rows were never sent
        return int(deleted)
    deleted = conn.execute("DELETE FROM events WHERE project_id = ?", (project_id,)).rowcount
    conn.execute("DELETE FROM event_counts WHERE project_id = ?", (project_id,))
    conn.execute("DELETE FROM projects WHERE project_id = ?", (project_id,))
    clamp_marks(conn, "events")
    return int(deleted)


def prune_events(conn: Connection, before_ts: float) -> int:
    """Delete events older than `before_ts`; return how many. Caller holds the transaction."""
    deleted = int(conn.execute("DELETE FROM events WHERE ts < ?", (before_ts,)).rowcount)
    if deleted:
        _refresh_counts(conn)
        clamp_marks(conn, "events")
    return deleted


def feature_rows(
    conn: Connection, project_ids: list[str]
) -> list[tuple[str, str, str, float, float | None]]:
    """(project, action, feature_id, ts, duration_hours) of feature events, through the index."""
    rows: list[tuple[str, str, str, float, float | None]] = []
    for pid in project_ids:
        for ts, data in conn.execute(
            "SELECT ts, data FROM events WHERE project_id = ? AND type = 'feature' ORDER BY ts",
            (pid,),
        ):
            doc = json.loads(data)
            hours = doc.get("duration_hours")
            rows.append(
                (
                    pid,
                    str(doc.get("action", "")),
                    str(doc.get("feature_id", "")),
                    float(ts),
                    float(hours) if isinstance(hours, int | float) else None,
                )
            )
    return rows

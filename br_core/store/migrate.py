"""`br db migrate-to`: copy the local SQLite store into a team's PostgreSQL store.

Idempotent: run it twice and the second run copies nothing. Rows with a natural key (tasks,
edges, features, routing decisions, usage by its dedup key, projects) go in with ON CONFLICT DO
NOTHING; append-only logs without one (events, task events, route outcomes) are copied past a
high-water mark kept in the target's `meta` under this source store's own id, in the same
transaction as the rows. Project ids are mapped: a local row carries the path-based id, the
shared store the repository's root-commit id (br_core/git.py), for every project whose
repository the caller names. What stays local: transcript offsets (paths on this machine), the
output cache, alerts (documents) and this store's own meta (the user hash salt).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

from br_core.store.connection import Connection
from br_core.store.db import transaction

# table -> (columns, key columns). A keyed table is copied with ON CONFLICT DO NOTHING.
KEYED: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "projects": (("project_id", "root", "first_seen", "last_seen"), ("project_id",)),
    "features": (("project_id", "id", "title", "position", "completed_at"), ("project_id", "id")),
    "tasks": (
        (
            "project_id",
            "id",
            "feature",
            "title",
            "description",
            "files",
            "priority",
            "estimate_min",
            "status",
            "stream",
            "owner",
            "lease_expires",
            "token",
            "attempts",
            "max_attempts",
            "depth",
            "unmet",
            "source",
            "created_at",
            "updated_at",
        ),
        ("project_id", "id"),
    ),
    "task_deps": (("project_id", "task_id", "depends_on"), ("project_id", "task_id", "depends_on")),
    "routing_decisions": (
        (
            "id",
            "project_id",
            "ts",
            "area",
            "features",
            "tier",
            "greedy_tier",
            "explored",
            "source",
            "objective",
            "cost_weight",
            "p_success",
            "estimate_usd",
            "task_id",
            "session",
            "resolved",
            "cost_usd",
            "tokens",
            "duration_s",
            "notes",
            "outcome_source",
            "outcome_ts",
            "cost_source",
        ),
        ("id",),
    ),
    "usage": (
        (
            "dedup_key",
            "source",
            "project_id",
            "project_dir",
            "session_id",
            "ts",
            "model",
            "input_tokens",
            "output_tokens",
            "cache_write_5m_tokens",
            "cache_write_1h_tokens",
            "cache_read_tokens",
            "fast",
            "is_sidechain",
            "task_type",
            "duration_ms",
            "message_id",
        ),
        ("dedup_key",),
    ),
}
# Append-only logs: copied past a per-source high-water mark of their local id.
LOGS: dict[str, tuple[str, ...]] = {
    "events": ("project_id", "type", "ts", "git_hash", "user_hash", "data"),
    "task_events": ("project_id", "task_id", "ts", "kind", "owner", "token", "data"),
    "route_outcomes": (
        "project_id",
        "ts",
        "task_kind",
        "complexity",
        "tier",
        "model",
        "success",
        "cost_usd",
        "duration_ms",
    ),
}
BATCH = 500


class TableCopy(NamedTuple):
    table: str
    source: int  # rows in the local store
    copied: int  # rows this run added to the shared store
    present: int  # of the local rows, how many the shared store now holds (== source: verified)


def source_id(local: Connection) -> str:
    """This local store's own id (made once), naming its high-water marks in shared stores."""
    with transaction(local):
        local.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('store_id', ?)", (uuid.uuid4().hex,)
        )
        row = local.execute("SELECT value FROM meta WHERE key = 'store_id'").fetchone()
    return str(row[0])


def copy_store(
    local: Connection, shared: Connection, project_map: Mapping[str, str]
) -> list[TableCopy]:
    """Copy every shared table; each table in one transaction of the shared store."""
    me = source_id(local)
    report = [_copy_keyed(local, shared, t, project_map) for t in KEYED]
    report += [_copy_log(local, shared, t, me, project_map) for t in LOGS]
    return report


def _mapped(
    row: tuple[Any, ...], columns: tuple[str, ...], ids: Mapping[str, str]
) -> tuple[Any, ...]:
    if "project_id" not in columns:
        return row
    i = columns.index("project_id")
    return (*row[:i], ids.get(row[i], row[i]), *row[i + 1 :])


def _copy_keyed(
    local: Connection, shared: Connection, table: str, ids: Mapping[str, str]
) -> TableCopy:
    columns, key = KEYED[table]
    names = ", ".join(f'"{c}"' for c in columns)
    rows = [_mapped(tuple(r), columns, ids) for r in local.execute(f"SELECT {names} FROM {table}")]
    marks = ", ".join("?" * len(columns))
    insert = f"INSERT INTO {table} ({names}) VALUES ({marks}) ON CONFLICT DO NOTHING"
    where = " AND ".join(f'"{k}" = ?' for k in key)
    key_at = [columns.index(k) for k in key]
    copied = present = 0
    with transaction(shared):
        for row in rows:
            copied += max(shared.execute(insert, row).rowcount, 0)
            keys = tuple(row[i] for i in key_at)
            present += shared.execute(
                f"SELECT count(*) FROM {table} WHERE {where}", keys
            ).fetchone()[0]
    return TableCopy(table, len(rows), copied, int(present))


def copy_events(
    local: Connection,
    shared: Connection,
    project_map: Mapping[str, str],
    clean: Callable[[tuple[Any, ...]], tuple[Any, ...]],
) -> TableCopy:
    """Copy the local events not copied yet (the hooks' telemetry): the same mark as
    `copy_store`, so `br db migrate-to` and forwarding never copy an event twice; each row
    passes through `clean` (the caller's masking) on its way."""
    return _copy_log(local, shared, "events", source_id(local), project_map, clean)


def _copy_log(
    local: Connection,
    shared: Connection,
    table: str,
    me: str,
    ids: Mapping[str, str],
    clean: Callable[[tuple[Any, ...]], tuple[Any, ...]] | None = None,
) -> TableCopy:
    columns = LOGS[table]
    names = ", ".join(columns)
    mark_key = f"migrated:{me}:{table}"
    (total,) = local.execute(f"SELECT count(*) FROM {table}").fetchone()
    copied = 0
    with transaction(shared):
        row = shared.execute("SELECT value FROM meta WHERE key = ?", (mark_key,)).fetchone()
        high, done = (int(x) for x in row[0].split(":")) if row else (0, 0)
        rows = local.execute(
            f"SELECT id, {names} FROM {table} WHERE id > ? ORDER BY id", (high,)
        ).fetchall()
        marks = ", ".join("?" * len(columns))
        batch = [_mapped(tuple(r[1:]), columns, ids) for r in rows]
        if clean is not None:
            batch = [clean(r) for r in batch]
        shared.executemany(f"INSERT INTO {table} ({names}) VALUES ({marks})", batch)
        copied = len(batch)
        if rows:
            high = int(rows[-1][0])
        done += copied
        shared.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            (mark_key, f"{high}:{done}"),
        )
    return TableCopy(table, int(total), copied, done)

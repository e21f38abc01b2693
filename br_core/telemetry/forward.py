"""The hooks' events, forwarded to the store in use.

A pre-commit hook writes its event to the local SQLite file even when the user's store is a
team's PostgreSQL server: a commit never waits on the network, and a hook never loads psycopg.
The doors that read telemetry from the shared store (`br telemetry` reports and `push`) first
forward what the hooks wrote since the last time, as `br telemetry push` first reads new
transcript bytes: the work happens after the hook, in a process that has the connection anyway.

Exactly once: the rows go in past a high-water mark of their local event id that the shared store
keeps for this local store, in the same transaction as the rows (br_core/store/migrate.py, the
mark `br db migrate-to` uses, so the two never copy an event twice). Every text is masked again
on the way, as the OTLP export does, so rows written by older versions leave masked too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from br_core.store.connection import Connection
from br_core.store.migrate import LOGS, copy_events
from br_core.telemetry.events import clean_text

DATA_AT = LOGS["events"].index("data")


def forward_hook_events(
    local: Connection, shared: Connection, project_map: Mapping[str, str]
) -> int:
    """Copy the local events the shared store has not received; how many were copied."""
    return copy_events(local, shared, project_map, _masked).copied


def _masked(row: tuple[Any, ...]) -> tuple[Any, ...]:
    try:
        data = json.loads(row[DATA_AT])
    except (TypeError, ValueError):
        data = {}  # an unreadable payload is dropped, never copied as it stands
    if not isinstance(data, dict):
        data = {}
    masked = {k: clean_text(v) if isinstance(v, str) else v for k, v in data.items()}
    text = json.dumps(masked, separators=(",", ":"), ensure_ascii=False)
    return (*row[:DATA_AT], text, *row[DATA_AT + 1 :])

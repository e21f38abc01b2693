"""The writes behind a parallel build: stream rows, the decisions log, merge-queue entries.

Each function is one short `BEGIN IMMEDIATE` transaction on the caller's connection. Text from
outside (a decision, a check's output) is masked before it is stored: a decision that quotes a key
must not put it in the log every brief copies.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass

from br_core.errors import UsageError
from br_core.orchestration.model import MERGE_STATES, Decision
from br_core.secrets.masking import sanitize_text
from br_core.store.connection import Connection
from br_core.store.db import transaction

STREAM_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,59}")
MAX_DECISION_CHARS = 2000
OUTPUT_TAIL_LINES = 20


class OrchestrationError(UsageError):
    """An expected failure of a parallel build (bad stream name, dirty tree...): exit 2."""


def check_stream_name(name: str) -> str:
    """`name` if it can be a branch suffix and a file name; else one line with the rule."""
    if not STREAM_NAME.fullmatch(name) or name.endswith((".lock", ".")) or ".." in name:
        shown = name[:60] + ("..." if len(name) > 60 else "")
        raise OrchestrationError(
            f"stream {shown!r}: not a usable stream name; use 1-60 letters, digits, '.', '_' "
            "or '-', starting with a letter or digit"
        )
    return name


@dataclass(frozen=True)
class StreamRow:
    """What `br orchestrate start` records per stream."""

    name: str
    branch: str
    worktree: str
    batch: int
    decisions_seen: int


def upsert_stream(
    conn: Connection, project_id: str, name: str, branch: str, worktree: str
) -> StreamRow:
    """Record (or keep) a started stream; a new row starts at batch 0 and status idle."""
    now = time.time()
    with transaction(conn):
        conn.execute(
            "INSERT INTO streams (project_id, name, branch, worktree, status, started_at, "
            "updated_at) VALUES (?, ?, ?, ?, 'idle', ?, ?) ON CONFLICT (project_id, name) "
            "DO UPDATE SET branch = excluded.branch, worktree = excluded.worktree",
            (project_id, name, branch, worktree, now, now),
        )
    row = stream_row(conn, project_id, name)
    assert row is not None  # just written
    return row


def stream_row(conn: Connection, project_id: str, name: str) -> StreamRow | None:
    row = conn.execute(
        "SELECT name, branch, worktree, batch, decisions_seen FROM streams "
        "WHERE project_id = ? AND name = ?",
        (project_id, name),
    ).fetchone()
    return None if row is None else StreamRow(*row)


def next_batch(
    conn: Connection, project_id: str, name: str, decisions_seen: int, at_least: int = 0
) -> int:
    """Open the stream's next batch and return its number: one more than the last, or the
    plan's batch number (`at_least`) when that is higher, so a stream whose first tasks wait a
    level shows batch 2 in its brief as in the plan. `decisions_seen` is the last decision the
    brief carries."""
    with transaction(conn):
        row = conn.execute(
            "UPDATE streams SET batch = max(batch + 1, ?), decisions_seen = ?, updated_at = ? "
            "WHERE project_id = ? AND name = ? RETURNING batch",
            (at_least, decisions_seen, time.time(), project_id, name),
        ).fetchone()
    if row is None:
        raise OrchestrationError(f"stream {name}: not started; run `br orchestrate start` first")
    return int(row[0])


def report_status(
    conn: Connection,
    project_id: str,
    name: str,
    *,
    status: str,
    owner: str | None,
    current_task: str | None,
    head: str | None,
    heartbeat: bool = True,
    branch: str | None = None,
) -> None:
    """A worker's report: what it is doing now. A stream nobody started is recorded on the fly
    (a session may work a stream of the queue without `br orchestrate start`)."""
    now = time.time()
    with transaction(conn):
        conn.execute(
            "INSERT INTO streams (project_id, name, branch, status, owner, current_task, head, "
            "heartbeat_at, started_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
            "ON CONFLICT (project_id, name) DO UPDATE SET status = excluded.status, "
            "owner = excluded.owner, current_task = excluded.current_task, "
            "head = coalesce(excluded.head, head), "
            "heartbeat_at = coalesce(excluded.heartbeat_at, heartbeat_at), "
            "updated_at = excluded.updated_at",
            (
                project_id,
                name,
                branch or f"stream/{name}",
                status,
                owner,
                current_task,
                head,
                now if heartbeat else None,
                now,
                now,
            ),
        )


def set_stream_state(conn: Connection, project_id: str, name: str, status: str) -> None:
    """The merge queue's verdict on a stream (merged, conflict, failed)."""
    with transaction(conn):
        conn.execute(
            "UPDATE streams SET status = ?, updated_at = ? WHERE project_id = ? AND name = ?",
            (status, time.time(), project_id, name),
        )


def add_decision(
    conn: Connection, project_id: str, text: str, *, who: str, stream: str = ""
) -> Decision:
    """Append one decision to the project's log (masked, one paragraph of at most 2000 chars)."""
    clean = sanitize_text(" ".join(_utf8(text).split()))
    if not clean:
        raise OrchestrationError(
            'decision: empty text; say what was decided, e.g. `br decide "use UTC everywhere"`'
        )
    if len(clean) > MAX_DECISION_CHARS:
        raise OrchestrationError(
            f"decision: {len(clean)} characters; keep it under {MAX_DECISION_CHARS} and link to "
            "a document for the details"
        )
    if stream:
        check_stream_name(stream)
    now = time.time()
    who = sanitize_text(" ".join(_utf8(who).split()))[:80] or "someone"
    with transaction(conn):
        (decision_id,) = conn.execute(
            "INSERT INTO decisions (project_id, ts, who, stream, text) VALUES (?, ?, ?, ?, ?) "
            "RETURNING id",
            (project_id, now, who, stream, clean),
        ).fetchone()
    return Decision(id=int(decision_id), at=now, who=who, stream=stream, text=clean)


def _utf8(text: str) -> str:
    """`text` as SQLite can store it: a lone surrogate (from a mangled argument) becomes '?'."""
    return text.encode("utf-8", "replace").decode("utf-8")


def tail(output: str, lines: int = OUTPUT_TAIL_LINES) -> str:
    """The last `lines` lines of a check's output, masked: what a person needs to see why."""
    return sanitize_text("\n".join(output.rstrip().splitlines()[-lines:]))


def add_merge_entry(
    conn: Connection,
    project_id: str,
    stream: str,
    target: str,
    state: str,
    *,
    files: Sequence[str] = (),
    other_stream: str | None = None,
    output_tail: str = "",
    merged_commit: str | None = None,
) -> int:
    """Append one merge-queue entry; return its id (a later state is written by update)."""
    _check_state(state)
    with transaction(conn):
        (entry_id,) = conn.execute(
            "INSERT INTO merge_queue (project_id, stream, target, state, files, other_stream, "
            "output_tail, merged_commit, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                project_id,
                stream,
                target,
                state,
                json.dumps(list(files)),
                other_stream,
                output_tail,
                merged_commit,
                time.time(),
            ),
        ).fetchone()
    return int(entry_id)


def update_merge_entry(
    conn: Connection,
    entry_id: int,
    state: str,
    *,
    files: Sequence[str] | None = None,
    other_stream: str | None = None,
    output_tail: str | None = None,
    merged_commit: str | None = None,
) -> None:
    _check_state(state)
    with transaction(conn):
        conn.execute(
            "UPDATE merge_queue SET state = ?, files = coalesce(?, files), "
            "other_stream = coalesce(?, other_stream), output_tail = coalesce(?, output_tail), "
            "merged_commit = coalesce(?, merged_commit), at = ? WHERE id = ?",
            (
                state,
                None if files is None else json.dumps(list(files)),
                other_stream,
                output_tail,
                merged_commit,
                time.time(),
                entry_id,
            ),
        )


def _check_state(state: str) -> None:
    if state not in MERGE_STATES:  # a bug in our code, not the user's input
        raise ValueError(f"merge state {state!r} is not one of {', '.join(MERGE_STATES)}")

"""The records of a parallel build, and the read functions every viewer goes through.

`streams()`, `decisions()` and `merge_queue()` are the whole read contract: `br dashboard`, the
MCP resources and `br orchestrate status` read the build only through them, so where the state
lives (the store's `streams`, `decisions` and `merge_queue` tables, joined with the queue's
`tasks`) can change without touching a viewer. Each takes the caller's connection and a project id
(br_core.git.project_id) and returns plain frozen dataclasses (`to_dict()` for JSON).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from br_core.store.connection import Connection

StreamState = Literal["planned", "idle", "working", "finished", "merged", "conflict", "failed"]
MergeState = Literal["waiting", "checking", "merged", "conflict", "failed"]
MERGE_STATES: tuple[MergeState, ...] = ("waiting", "checking", "merged", "conflict", "failed")

# A worker heartbeats every HEARTBEAT_SECONDS while it works; one that missed this many seconds
# of them shows as stale (its task still returns only when its lease runs out).
HEARTBEAT_SECONDS = 30.0
STALE_AFTER_SECONDS = 3 * HEARTBEAT_SECONDS


@dataclass(frozen=True)
class StreamStatus:
    """One stream as a person watching the build sees it."""

    stream: str
    status: str  # a StreamState, or "stale" when a working stream stopped heartbeating
    batch: int
    branch: str
    worktree: str
    head: str | None
    owner: str | None
    current_task: str | None
    lease_left: float | None  # seconds until the current task's lease runs out (<0: ran out)
    last_heartbeat: float | None  # unix time
    stale: bool
    completed: tuple[str, ...]  # task ids done, in completion order
    tasks_total: int
    tasks_by_status: dict[str, int] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["completed"] = list(self.completed)
        return data


@dataclass(frozen=True)
class Decision:
    """One line of the project's shared decisions log."""

    id: int
    at: float
    who: str
    stream: str
    text: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class MergeEntry:
    """One stream's latest pass through the merge queue."""

    id: int
    stream: str
    target: str
    state: str  # a MergeState
    files: tuple[str, ...]  # the conflicting files, or the files the merge changed
    other_stream: str | None  # the stream whose merged work it conflicts with
    output_tail: str  # the last lines of the failing check (already masked)
    merged_commit: str | None
    at: float

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["files"] = list(self.files)
        return data


def streams(conn: Connection, project_id: str, *, now: float | None = None) -> list[StreamStatus]:
    """Every stream of the project: the started ones and any the queue's tasks name, by name."""
    now = time.time() if now is None else now
    rows = {
        r[0]: r
        for r in conn.execute(
            "SELECT name, branch, worktree, batch, status, owner, current_task, head, "
            "heartbeat_at FROM streams WHERE project_id = ?",
            (project_id,),
        )
    }
    counts: dict[str, dict[str, int]] = {}
    for stream, status, n in conn.execute(
        "SELECT stream, status, count(*) FROM tasks WHERE project_id = ? AND stream != '' "
        "GROUP BY 1, 2",
        (project_id,),
    ):
        counts.setdefault(stream, {})[status] = n
    claimed = _claimed_tasks(conn, project_id)
    done = _completed_tasks(conn, project_id)
    result = []
    for name in sorted(set(rows) | set(counts)):
        row = rows.get(name)
        by_status = counts.get(name, {})
        held = claimed.get(name)
        heartbeat = row[8] if row else None
        status = row[4] if row else ("working" if held else "idle")
        lease_left = held[2] - now if held and held[2] is not None else None
        stale = status == "working" and (
            (heartbeat is not None and now - heartbeat > STALE_AFTER_SECONDS)
            or (lease_left is not None and lease_left < 0)
        )
        result.append(
            StreamStatus(
                stream=name,
                status="stale" if stale else status,
                batch=row[3] if row else 0,
                branch=row[1] if row else f"stream/{name}",
                worktree=row[2] if row else "",
                head=row[7] if row else None,
                owner=held[1] if held else (row[5] if row else None),
                current_task=held[0] if held else (row[6] if row else None),
                lease_left=lease_left,
                last_heartbeat=heartbeat,
                stale=stale,
                completed=tuple(done.get(name, ())),
                tasks_total=sum(by_status.values()),
                tasks_by_status=by_status,
            )
        )
    return result


def _claimed_tasks(
    conn: Connection, project_id: str
) -> dict[str, tuple[str, str | None, float | None]]:
    """stream -> (task id, owner, lease expiry) of a task its worker holds now."""
    held: dict[str, tuple[str, str | None, float | None]] = {}
    for stream, task_id, owner, lease in conn.execute(
        "SELECT stream, id, owner, lease_expires FROM tasks "
        "WHERE project_id = ? AND status = 'claimed' AND stream != '' ORDER BY updated_at",
        (project_id,),
    ):
        held[stream] = (task_id, owner, lease)
    return held


def _completed_tasks(conn: Connection, project_id: str) -> dict[str, list[str]]:
    done: dict[str, list[str]] = {}
    for stream, task_id in conn.execute(
        "SELECT stream, id FROM tasks WHERE project_id = ? AND status = 'done' AND stream != '' "
        "ORDER BY updated_at, seq",
        (project_id,),
    ):
        done.setdefault(stream, []).append(task_id)
    return done


def decisions(conn: Connection, project_id: str, since: int | None = None) -> list[Decision]:
    """The project's decisions in the order they were made; `since` (a decision id) keeps the
    later ones only, which is what a worker has not seen yet."""
    rows = conn.execute(
        "SELECT id, ts, who, stream, text FROM decisions WHERE project_id = ? AND id > ? "
        "ORDER BY id",
        (project_id, since or 0),
    )
    return [Decision(id=r[0], at=r[1], who=r[2], stream=r[3], text=r[4]) for r in rows]


def merge_queue(conn: Connection, project_id: str) -> list[MergeEntry]:
    """Each stream's latest merge-queue entry, oldest first (a stream merged twice shows once)."""
    rows = conn.execute(
        "SELECT id, stream, target, state, files, other_stream, output_tail, merged_commit, at "
        "FROM merge_queue WHERE id IN (SELECT max(id) FROM merge_queue WHERE project_id = ? "
        "GROUP BY stream) ORDER BY id",
        (project_id,),
    )
    return [
        MergeEntry(
            id=r[0],
            stream=r[1],
            target=r[2],
            state=r[3],
            files=tuple(json.loads(r[4])),
            other_stream=r[5],
            output_tail=r[6],
            merged_commit=r[7],
            at=r[8],
        )
        for r in rows
    ]

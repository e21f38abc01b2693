"""The shared task queue: atomic claims with leases and fencing tokens, over the per-user store.

Every parallel session (any worktree of one repository) opens the same SQLite file and the same
`project_id`, so they share one queue. A claim is ONE `BEGIN IMMEDIATE` transaction that returns
expired leases to the queue, picks the next ready task (priority, then dependency depth, then
insertion order) through an index, and hands it out with a new fencing token. Heartbeat, done and
fail are accepted only with the current token, so a worker whose lease ran out cannot overwrite
the result of the worker that took the task over.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from br_core.queue import graph as queue_graph
from br_core.queue import on_server
from br_core.queue.models import (
    TASK_COLUMNS,
    Claim,
    FeatureIn,
    NewTask,
    QueueError,
    QueueSummary,
    StaleTokenError,
    SyncReport,
    Task,
    TaskBrief,
    TaskEvent,
    check_lease,
    finite_in_range,
    int_in_range,
    task_from_row,
)
from br_core.queue.writes import Writes, feature_completed
from br_core.store import lock as file_lock
from br_core.store.connection import Connection
from br_core.store.db import BUSY_TIMEOUT_MS, backend_of, store_error, transaction
from br_core.store.dialect import STORE_LOCK_KEY

DEFAULT_LEASE_SECONDS = 600.0
# As long as SQLite's own busy wait: then a stopped or hung holder is named, not waited on.
DEFAULT_LOCK_WAIT = BUSY_TIMEOUT_MS / 1000
DEFAULT_MAX_ATTEMPTS = 3
_NEXT = (
    f"SELECT seq, {TASK_COLUMNS} FROM tasks INDEXED BY tasks_next "
    "WHERE project_id = ? AND status = 'ready' ORDER BY priority, depth, seq LIMIT 1"
)
_NEXT_IN_STREAM = (
    f"SELECT seq, {TASK_COLUMNS} FROM tasks INDEXED BY tasks_next_stream "
    "WHERE project_id = ? AND stream = ? AND status = 'ready' ORDER BY priority, depth, seq LIMIT 1"
)
# On PostgreSQL claims run side by side: each takes the first ready row nobody else has locked.
_SKIP_LOCKED = " FOR UPDATE SKIP LOCKED"


class TaskQueue:
    """One project's queue on one connection. Cheap to create; not shared across threads."""

    def __init__(
        self,
        conn: Connection,
        project_id: str,
        *,
        root: Path | None = None,
        lease_seconds: float = DEFAULT_LEASE_SECONDS,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        clock: Callable[[], float] = time.time,
        lock_wait: float = DEFAULT_LOCK_WAIT,
    ) -> None:
        self.conn = conn
        self.project_id = project_id
        self.root = root
        self.lease_seconds = check_lease(lease_seconds)
        self.max_attempts = int_in_range("max_attempts", max_attempts, 1, 1000)
        self.lock_wait = finite_in_range("lock_wait", lock_wait, 0.001, 3600, " seconds")
        self.clock = clock
        # SQLite: one writer at a time (a bounded flock, then BEGIN IMMEDIATE). PostgreSQL:
        # claims and the lifecycle of held tasks share the store lock and lock only their rows
        # (SKIP LOCKED); changes to the graph take the store lock alone, as on SQLite.
        self.shared = backend_of(conn) == "postgresql"
        self._db_file = None if self.shared else _main_db_file(conn)
        self._lock_path = None if self._db_file is None else Path(f"{self._db_file}.queue-lock")
        self._lock_fd: int | None = None
        self._writes = Writes(conn, project_id, clock, row_locks=self.shared)

    def close(self) -> None:
        """Close the writer lock file; the connection belongs to whoever opened it."""
        if self._lock_fd is not None:
            os.close(self._lock_fd)
            self._lock_fd = None

    # -- writes -------------------------------------------------------------------------------

    @contextmanager
    def _held(self, task_id: str, token: int) -> Iterator[Connection]:
        """A write on a held task; a stale token is rejected and the rejection logged."""
        try:
            with self._write(rows_only=True) as conn:
                yield conn
        except StaleTokenError:
            with self._write(rows_only=True):
                self._writes.log(task_id, "rejected", data={"token": token})
            raise

    @contextmanager
    def _write(self, *, rows_only: bool = False) -> Iterator[Connection]:
        """An OS lock (bounded wait) around BEGIN IMMEDIATE ... COMMIT. On PostgreSQL a write
        that touches only the rows it locks (`rows_only`) shares the store lock instead."""
        if self.shared and rows_only:
            with self._shared_transaction() as conn:
                yield conn
            return
        fd = self._lock()
        try:
            with transaction(self.conn) as conn:
                yield conn
        except sqlite3.Error as exc:
            raise store_error(self._db_file or Path("<memory>"), exc) from exc
        finally:
            if fd is not None:
                file_lock.release(fd)

    @contextmanager
    def _shared_transaction(self) -> Iterator[Connection]:
        # one round trip: claims are short, and each trip is a context switch on a busy host
        self.conn.execute(f"BEGIN; SELECT pg_advisory_xact_lock_shared({STORE_LOCK_KEY})")
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        else:
            self.conn.execute("COMMIT")

    def _lock(self) -> int | None:
        if not file_lock.AVAILABLE or self._lock_path is None:
            return None
        if self._lock_fd is None:
            self._lock_fd = file_lock.open_lock_file(self._lock_path)
        file_lock.acquire(self._lock_fd, self._lock_path, self.lock_wait)
        return self._lock_fd

    def add_tasks(self, tasks: Sequence[NewTask], *, source: str = "manual") -> list[str]:
        """Insert or update tasks (by id) with their dependencies, in one transaction."""
        with self._write():
            ids = self._writes.upsert(tasks, source=source, max_attempts=self.max_attempts)
            self._writes.apply_changes(queue_graph.refresh(self.conn, self.project_id))
        return ids

    def sync_spec(
        self,
        features: Sequence[FeatureIn],
        tasks: Sequence[NewTask],
        done_ids: Sequence[str] = (),
        *,
        source: str = "spec",
    ) -> SyncReport:
        """Make the queue match a parsed spec: upsert by stable id, drop waiting tasks it lost."""
        wanted = {t.id for t in tasks}
        with self._write() as conn:
            for feature in features:
                self._writes.ensure_feature(feature.id, feature.title, feature.position)
            self._writes.upsert(tasks, source=source, max_attempts=self.max_attempts)
            outcomes = dict(self._writes.outcomes)
            gone = conn.execute(
                "SELECT id, status FROM tasks WHERE project_id = ? AND source = ? ORDER BY seq",
                (self.project_id, source),
            ).fetchall()
            lost = [(i, s) for i, s in gone if i not in wanted]
            removable = [i for i, s in lost if s in ("pending", "ready", "blocked")]
            self._writes.remove_tasks(removable)
            marked = self._writes.mark_done(sorted(done_ids), source)
            self._writes.apply_changes(queue_graph.refresh(conn, self.project_id))
        return SyncReport(
            added=[i for i, o in outcomes.items() if o == "added"],
            updated=[i for i, o in outcomes.items() if o == "updated"],
            unchanged=sum(1 for o in outcomes.values() if o == "unchanged"),
            removed=removable,
            kept=[i for i, _ in lost if i not in removable],
            marked_done=marked,
        )

    def add_dependency(self, task_id: str, depends_on: str) -> None:
        """Add the edge `task_id` depends on `depends_on`; a cycle is rejected and named."""
        with self._write():
            self._writes.require(task_id)
            self._writes.require(depends_on)
            self._writes.add_edge(
                task_id, depends_on, queue_graph.load_deps(self.conn, self.project_id)
            )
            self._writes.apply_changes(queue_graph.refresh(self.conn, self.project_id))

    def claim(
        self, owner: str, *, stream: str | None = None, lease_seconds: float | None = None
    ) -> Claim | None:
        """Atomically take the next ready task for `owner`; None when nothing is ready."""
        lease = check_lease(lease_seconds) if lease_seconds is not None else self.lease_seconds
        if self.shared:
            expired, claimed = on_server.claim(self._writes, owner, stream, self.clock(), lease)
            if not expired:
                return claimed
        lock = _SKIP_LOCKED if self.shared else ""
        with self._write(rows_only=True) as conn:
            now = self.clock()
            self._writes.expire(now)
            if stream is None:
                row = conn.execute(_NEXT + lock, (self.project_id,)).fetchone()
            else:
                row = conn.execute(_NEXT_IN_STREAM + lock, (self.project_id, stream)).fetchone()
            if row is None:
                return None
            seq, token = row[0], row[-1] + 1
            expires = now + lease
            conn.execute(
                "UPDATE tasks SET status = 'claimed', owner = ?, lease_expires = ?, token = ?, "
                "attempts = attempts + 1, updated_at = ? WHERE seq = ?",
                (owner, expires, token, now, seq),
            )
            self._writes.log(row[1], "claimed", owner, token, {"lease_expires": expires})
            task = task_from_row(row[1:], self._deps_of(row[1]))
        task.status, task.owner, task.lease_expires = "claimed", owner, expires
        task.attempts += 1
        return Claim(task=task, token=token, lease_expires=expires)

    def heartbeat(self, task_id: str, token: int, *, lease_seconds: float | None = None) -> Task:
        """Extend the lease of a task the caller still holds."""
        lease = check_lease(lease_seconds) if lease_seconds is not None else self.lease_seconds
        if self.shared:
            return on_server.heartbeat(self._writes, task_id, token, self.clock(), lease).task
        with self._held(task_id, token) as conn:
            now = self.clock()
            owner = self._writes.check_token(task_id, token, now)
            conn.execute(
                "UPDATE tasks SET lease_expires = ?, updated_at = ? "
                "WHERE project_id = ? AND id = ?",
                (now + lease, now, self.project_id, task_id),
            )
            self._writes.log(task_id, "heartbeat", owner, token, {"lease_expires": now + lease})
        return self.get(task_id)

    def complete(
        self, task_id: str, token: int, *, note: str = "", cost_usd: float | None = None
    ) -> Task:
        """Mark a held task done; dependents whose last dependency this was become ready. A
        routed task's open routing decision records the outcome (resolved, `cost_usd`)."""
        if self.shared:
            return self._complete_on_server(task_id, token, note, cost_usd)
        with self._held(task_id, token):
            now = self.clock()
            owner = self._writes.check_token(task_id, token, now)
            feature_done = self._writes.finish(task_id, owner, token, note, now)
        if feature_done is not None:
            self._record_feature(feature_done)
        self._routing_outcome(task_id, True, cost_usd)
        return self.get(task_id)

    def _complete_on_server(
        self, task_id: str, token: int, note: str, cost_usd: float | None
    ) -> Task:
        now = self.clock()
        held = on_server.done(self._writes, task_id, token, note, now)
        feature = held.feature_done()
        if feature is not None:
            self._record_feature(feature_completed(*feature, now))
        self._decision_outcome(held.decision, True, cost_usd)
        return held.task

    def fail(
        self,
        task_id: str,
        token: int,
        *,
        reason: str = "",
        retry: bool = True,
        cost_usd: float | None = None,
    ) -> Task:
        """Give a held task back: retried until its attempts run out (then dead), or failed.
        A routed task's open routing decision records the failed attempt."""
        if self.shared:
            held = on_server.fail(self._writes, task_id, token, reason, retry, self.clock())
            self._decision_outcome(held.decision, False, cost_usd)
            return held.task
        with self._held(task_id, token):
            now = self.clock()
            owner = self._writes.check_token(task_id, token, now)
            self._writes.give_back(task_id, owner, token, reason, retry=retry)
        self._routing_outcome(task_id, False, cost_usd)
        return self.get(task_id)

    def _routing_outcome(self, task_id: str, resolved: bool, cost_usd: float | None) -> None:
        from br_core.routing.decisions import record_task_outcome

        record_task_outcome(self.conn, self.project_id, task_id, resolved, cost_usd)

    def _decision_outcome(self, decision: str | None, resolved: bool, cost: float | None) -> None:
        """The server named the task's open routing decision (None: it was not routed)."""
        if decision is None:
            return
        from br_core.routing.decisions import record_outcome

        record_outcome(self.conn, self.project_id, decision, resolved, cost, source="queue")

    def reap_expired(self) -> int:
        """Return tasks whose lease ran out to the queue (claims do this too); return how many."""
        with self._write(rows_only=True):
            return self._writes.expire(self.clock())

    # -- reads --------------------------------------------------------------------------------

    def get(self, task_id: str) -> Task:
        row = self.conn.execute(
            f"SELECT {TASK_COLUMNS} FROM tasks WHERE project_id = ? AND id = ?",
            (self.project_id, task_id),
        ).fetchone()
        if row is None:
            raise QueueError(f"task {task_id}: not in this project's queue; see `br tasks list`")
        return task_from_row(row, self._deps_of(task_id))

    def _deps_of(self, task_id: str) -> list[str]:
        rows = self.conn.execute(
            "SELECT depends_on FROM task_deps WHERE project_id = ? AND task_id = ? ORDER BY 1",
            (self.project_id, task_id),
        )
        return [r[0] for r in rows]

    def next_ready(self, stream: str | None = None) -> Task | None:
        """The task a claim would take now, without claiming it."""
        if stream is None:
            row = self.conn.execute(_NEXT, (self.project_id,)).fetchone()
        else:
            row = self.conn.execute(_NEXT_IN_STREAM, (self.project_id, stream)).fetchone()
        return None if row is None else task_from_row(row[1:], self._deps_of(row[1]))

    def list_tasks(
        self,
        *,
        status: str | None = None,
        feature: str | None = None,
        stream: str | None = None,
        limit: int = 50,
        offset: int = 0,
    ) -> tuple[list[TaskBrief], int]:
        """A page of tasks in claim order, and the total that match the filters."""
        int_in_range("limit", limit, 1)
        int_in_range("offset", offset, 0)
        where, params = ["project_id = ?"], [self.project_id]
        for column, value in (("status", status), ("feature", feature), ("stream", stream)):
            if value is not None:
                where.append(f"{column} = ?")
                params.append(value)
        clause = " AND ".join(where)
        (total,) = self.conn.execute(
            f"SELECT count(*) FROM tasks WHERE {clause}", params
        ).fetchone()
        rows = self.conn.execute(
            f"SELECT id, title, status, priority, feature, owner FROM tasks WHERE {clause} "
            "ORDER BY priority, depth, seq LIMIT ? OFFSET ?",
            [*params, limit, offset],
        ).fetchall()
        briefs = [
            TaskBrief(id=r[0], title=r[1], status=r[2], priority=r[3], feature=r[4], owner=r[5])
            for r in rows
        ]
        return briefs, int(total)

    def events(self, task_id: str) -> list[TaskEvent]:
        rows = self.conn.execute(
            "SELECT ts, kind, owner, token, data FROM task_events "
            "WHERE project_id = ? AND task_id = ? ORDER BY id",
            (self.project_id, task_id),
        )
        return [
            TaskEvent(ts=r[0], kind=r[1], owner=r[2], token=r[3], data=json.loads(r[4]))
            for r in rows
        ]

    def edges(self) -> list[tuple[str, str]]:
        rows = self.conn.execute(
            "SELECT task_id, depends_on FROM task_deps WHERE project_id = ? ORDER BY 1, 2",
            (self.project_id,),
        )
        return [(r[0], r[1]) for r in rows]

    def summary(self) -> QueueSummary:
        by_status: dict[str, int] = {}
        features: dict[str, dict[str, int]] = {}
        rows = self.conn.execute(
            "SELECT feature, status, count(*) FROM tasks WHERE project_id = ? GROUP BY 1, 2",
            (self.project_id,),
        )
        for feature, status, count in rows:
            by_status[status] = by_status.get(status, 0) + count
            features.setdefault(feature or "(none)", {})[status] = count
        return QueueSummary(
            project_id=self.project_id,
            total=sum(by_status.values()),
            by_status=by_status,
            features=features,
        )

    def _record_feature(self, data: dict[str, object]) -> None:
        # Only a queue that knows its repository records: the event's project comes from there.
        if self.root is None:
            return
        # Telemetry never breaks the queue: the task is already committed as done.
        from br_core.telemetry.events import record_event

        try:
            record_event(self.conn, "feature", data, root=self.root)
        except Exception as exc:  # pragma: no cover - depends on the telemetry store's state
            import logging

            logging.getLogger(__name__).warning("feature event not recorded: %s", exc)


def _main_db_file(conn: Connection) -> Path | None:
    for _, name, file in conn.execute("PRAGMA database_list"):
        if name == "main" and file:
            return Path(file)
    return None


__all__ = ["Claim", "NewTask", "QueueError", "StaleTokenError", "Task", "TaskQueue"]

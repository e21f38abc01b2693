"""The statements behind each queue change. Every method runs inside the caller's write transaction.

Kept apart from `queue.py` so the transaction boundaries (there) read separately from the row
changes (here). Every change appends to `task_events`; nothing here deletes history.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence

from br_core.queue import graph as queue_graph
from br_core.queue.models import NewTask, QueueError, StaleTokenError, slugify
from br_core.secrets.masking import sanitize_text
from br_core.store.connection import Connection

# Events that give a held task back (see give_back): the last one says who let it go.
STATUS_EVENTS = ("ready", "pending", "failed", "dead")


class Writes:
    def __init__(
        self,
        conn: Connection,
        project_id: str,
        clock: Callable[[], float],
        *,
        row_locks: bool = False,
    ):
        self.conn = conn
        self.project_id = project_id
        self.clock = clock
        # PostgreSQL: returning expired leases runs beside claims, so it skips rows others hold.
        # (Heartbeat, done and fail run on the server there: br_core/queue/on_server.py.)
        self._skip_locked = " FOR UPDATE SKIP LOCKED" if row_locks else ""
        self.outcomes: dict[str, str] = {}

    def log(
        self,
        task_id: str,
        kind: str,
        owner: str | None = None,
        token: int | None = None,
        data: dict[str, object] | None = None,
    ) -> None:
        self.conn.execute(
            "INSERT INTO task_events (project_id, task_id, ts, kind, owner, token, data) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (self.project_id, task_id, self.clock(), kind, owner, token, json.dumps(data or {})),
        )

    def require(self, task_id: str) -> None:
        row = self.conn.execute(
            "SELECT 1 FROM tasks WHERE project_id = ? AND id = ?", (self.project_id, task_id)
        ).fetchone()
        if row is None:
            raise QueueError(f"task {task_id}: not in this project's queue; see `br tasks list`")

    # -- adding -------------------------------------------------------------------------------

    def ensure_feature(self, feature_id: str, title: str, position: int = 0) -> None:
        self.conn.execute(
            "INSERT INTO features (project_id, id, title, position) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (project_id, id) DO UPDATE SET title = excluded.title, "
            "position = excluded.position",
            (self.project_id, feature_id, sanitize_text(title), position),
        )

    def _new_id(self, task: NewTask) -> str:
        base = f"{slugify(task.feature, 20)}/{slugify(task.title)}" if task.feature else None
        if base is None:
            (n,) = self.conn.execute(
                "SELECT count(*) FROM tasks WHERE project_id = ?", (self.project_id,)
            ).fetchone()
            base = f"t{n + 1}"
        candidate, n = base, 1
        while self.conn.execute(
            "SELECT 1 FROM tasks WHERE project_id = ? AND id = ?", (self.project_id, candidate)
        ).fetchone():
            n += 1
            candidate = f"{base}-{n}"
        return candidate

    def upsert(self, tasks: Sequence[NewTask], *, source: str, max_attempts: int) -> list[str]:
        self.outcomes = {}
        tasks = [_masked(t) for t in tasks]  # before ids: a generated id is a slug of the title
        ids = [t.id or self._new_id(t) for t in tasks]
        # ids generated in this batch must not collide with each other either
        seen: set[str] = set()
        for i, task_id in enumerate(ids):
            if task_id in seen:
                if tasks[i].id:
                    raise QueueError(f"task {task_id}: listed twice in one batch; keep one")
                ids[i] = f"{task_id}-{i + 1}"
            seen.add(ids[i])
        for task_id, task in zip(ids, tasks, strict=True):
            self._upsert_one(task_id, task, source, max_attempts)
        deps = queue_graph.load_deps(self.conn, self.project_id)
        added: list[tuple[str, str]] = []
        for task_id, task in zip(ids, tasks, strict=True):
            added += self._replace_edges(task_id, task.depends_on, deps)
        # One topological pass over the batch and the existing graph, not a walk per edge
        # (10,000 tasks in deep chains took minutes); the transaction rolls back on a cycle.
        queue_graph.check_acyclic(deps, added)
        return ids

    def _upsert_one(self, task_id: str, task: NewTask, source: str, max_attempts: int) -> None:
        now = self.clock()
        if task.feature:
            exists = self.conn.execute(
                "SELECT 1 FROM features WHERE project_id = ? AND id = ?",
                (self.project_id, task.feature),
            ).fetchone()
            if not exists:
                self.ensure_feature(task.feature, task.feature)
        fields = (
            task.feature,
            task.title,
            task.description,
            json.dumps(task.files),
            task.priority,
            task.estimate_minutes,
            task.stream,
        )
        old = self.conn.execute(
            "SELECT feature, title, description, files, priority, estimate_min, stream FROM tasks "
            "WHERE project_id = ? AND id = ?",
            (self.project_id, task_id),
        ).fetchone()
        if old is None:
            self.conn.execute(
                "INSERT INTO tasks (project_id, id, feature, title, description, files, priority, "
                "estimate_min, stream, max_attempts, source, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (self.project_id, task_id, *fields, max_attempts, source, now, now),
            )
            self.log(task_id, "added", data={"title": task.title, "source": source})
            self.outcomes[task_id] = "added"
        elif tuple(old) != fields:
            self.outcomes[task_id] = "updated"
            self.conn.execute(
                "UPDATE tasks SET feature = ?, title = ?, description = ?, files = ?, "
                "priority = ?, estimate_min = ?, stream = ?, updated_at = ? "
                "WHERE project_id = ? AND id = ?",
                (*fields, now, self.project_id, task_id),
            )
            self.log(task_id, "updated", data={"title": task.title})
        else:
            self.outcomes[task_id] = "unchanged"

    def _replace_edges(
        self, task_id: str, wanted: list[str], deps: queue_graph.Deps
    ) -> list[tuple[str, str]]:
        """Make `task_id`'s edges `wanted`, unchecked for cycles (the caller checks the batch
        at once); return the edges added."""
        current = deps.get(task_id, set())
        for gone in sorted(current - set(wanted)):
            self.conn.execute(
                "DELETE FROM task_deps WHERE project_id = ? AND task_id = ? AND depends_on = ?",
                (self.project_id, task_id, gone),
            )
            current.discard(gone)
            self.log(task_id, "dep_removed", data={"depends_on": gone})
        added = []
        for dep in wanted:
            if dep not in deps.get(task_id, set()):
                self.require(dep)
                self._insert_edge(task_id, dep, deps)
                added.append((task_id, dep))
        return added

    def add_edge(self, task_id: str, depends_on: str, deps: queue_graph.Deps) -> None:
        """Add one edge, rejecting it (named) when it would close a cycle."""
        if depends_on in deps.get(task_id, set()):
            return
        queue_graph.check_edge(deps, task_id, depends_on)
        self._insert_edge(task_id, depends_on, deps)

    def _insert_edge(self, task_id: str, depends_on: str, deps: queue_graph.Deps) -> None:
        self.conn.execute(
            "INSERT INTO task_deps (project_id, task_id, depends_on) VALUES (?, ?, ?)",
            (self.project_id, task_id, depends_on),
        )
        deps.setdefault(task_id, set()).add(depends_on)
        self.log(task_id, "dep_added", data={"depends_on": depends_on})

    def remove_tasks(self, task_ids: Sequence[str]) -> None:
        """Drop waiting tasks (a spec no longer lists them); their history stays in the log."""
        for task_id in task_ids:
            self.conn.execute(
                "DELETE FROM task_deps WHERE project_id = ? AND (task_id = ? OR depends_on = ?)",
                (self.project_id, task_id, task_id),
            )
            self.conn.execute(
                "DELETE FROM tasks WHERE project_id = ? AND id = ?", (self.project_id, task_id)
            )
            self.log(task_id, "removed", data={"reason": "no longer in the spec"})

    def mark_done(self, task_ids: Sequence[str], why: str) -> list[str]:
        """Waiting tasks that the spec already checks off become done."""
        marked = []
        for task_id in task_ids:
            row = self.conn.execute(
                "UPDATE tasks SET status = 'done', updated_at = ? WHERE project_id = ? AND id = ? "
                "AND status IN ('pending', 'ready', 'blocked') RETURNING id",
                (self.clock(), self.project_id, task_id),
            ).fetchone()
            if row is not None:
                self.log(task_id, "done", data={"by": why})
                marked.append(task_id)
        return marked

    def apply_changes(self, changes: list[tuple[str, str, str]]) -> None:
        for task_id, old, new in changes:
            self.log(task_id, new, data={"from": old})

    # -- the lifecycle ------------------------------------------------------------------------

    def check_token(self, task_id: str, token: int, now: float) -> str:
        """The owner of a held task, if `token` is the current one; else StaleTokenError."""
        row = self.conn.execute(
            "SELECT status, token, owner FROM tasks WHERE project_id = ? AND id = ?",
            (self.project_id, task_id),
        ).fetchone()
        if row is None:
            raise QueueError(f"task {task_id}: not in this project's queue; see `br tasks list`")
        status, current, owner = row
        if status != "claimed" or current != token:
            raise StaleTokenError(self.why_stale(task_id, token, status, current))
        return str(owner)

    def why_stale(self, task_id: str, token: int, status: str, current: int) -> str:
        """What became of a task since `token` was handed out: what, by whom, when."""
        kinds = ("claimed",) if status == "claimed" else ("done", "expired", *STATUS_EVENTS)
        last = self.conn.execute(
            "SELECT ts, kind, owner, token, data FROM task_events WHERE project_id = ? "
            f"AND task_id = ? AND kind IN ({', '.join('?' * len(kinds))}) "
            "ORDER BY id DESC LIMIT 1",
            (self.project_id, task_id, *kinds),
        ).fetchone()
        head = f"task {task_id}: token {token} is not current"
        again = "claim a task again and use the token it returns"
        if last is None:
            return f"{head} (status {status}, current token {current}); {again}"
        ts, kind, by, by_token, data = last
        when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(ts))
        who = by or json.loads(data).get("by") or "someone"
        with_token = f" with token {by_token}" if by_token is not None else ""
        if status == "done":
            return f"task {task_id}: already done by {who} at {when}{with_token}; nothing to do"
        if status in ("failed", "dead"):
            return (
                f"task {task_id}: already {status} ({kind} by {who} at {when}{with_token}); "
                f"token {token} can no longer change it; see `br tasks show {task_id}`"
            )
        if status == "claimed":
            why = "your lease ran out" if token < current else "that token was never issued"
            return f"{head}: {who} claimed it at {when} with token {current} ({why}); {again}"
        if kind == "expired":
            return (
                f"{head}: the lease of {who}{with_token} ran out at {when} and the task went "
                f"back to the queue ({status}); {again}"
            )
        return f"{head}: {who} gave it back at {when}{with_token} ({status}); {again}"

    def finish(
        self, task_id: str, owner: str, token: int, note: str, now: float
    ) -> dict[str, object] | None:
        """Mark done, release dependents; the feature's completion record if this was its last."""
        self.conn.execute(
            "UPDATE tasks SET status = 'done', lease_expires = NULL, updated_at = ? "
            "WHERE project_id = ? AND id = ?",
            (now, self.project_id, task_id),
        )
        self.log(task_id, "done", owner, token, {"note": stored_note(note)} if note else None)
        dependents = [
            r[0]
            for r in self.conn.execute(
                # in one order, so two completions that release the same tasks never deadlock
                "SELECT task_id FROM task_deps WHERE project_id = ? AND depends_on = ? "
                "ORDER BY task_id",
                (self.project_id, task_id),
            )
        ]
        for dep in dependents:
            row = self.conn.execute(
                "UPDATE tasks SET unmet = max(unmet - 1, 0), "
                "status = CASE WHEN status = 'pending' AND unmet <= 1 THEN 'ready' ELSE status END "
                "WHERE project_id = ? AND id = ? RETURNING status",
                (self.project_id, dep),
            ).fetchone()
            if row is not None and row[0] == "ready":
                self.log(dep, "ready", data={"after": task_id})
        return self._feature_completion(task_id, now)

    def _feature_completion(self, task_id: str, now: float) -> dict[str, object] | None:
        (feature,) = self.conn.execute(
            "SELECT feature FROM tasks WHERE project_id = ? AND id = ?", (self.project_id, task_id)
        ).fetchone()
        if not feature:
            return None
        left = self.conn.execute(
            "SELECT 1 FROM tasks WHERE project_id = ? AND feature = ? AND status != 'done' LIMIT 1",
            (self.project_id, feature),
        ).fetchone()
        if left is not None:
            return None
        row = self.conn.execute(
            "UPDATE features SET completed_at = ? WHERE project_id = ? AND id = ? "
            "AND completed_at IS NULL RETURNING title",
            (now, self.project_id, feature),
        ).fetchone()
        if row is None:
            return None
        (count, started) = self.conn.execute(
            "SELECT count(DISTINCT t.id), min(e.ts) FROM tasks t LEFT JOIN task_events e "
            "ON e.project_id = t.project_id AND e.task_id = t.id AND e.kind = 'claimed' "
            "WHERE t.project_id = ? AND t.feature = ?",
            (self.project_id, feature),
        ).fetchone()
        return feature_completed(feature, row[0], count, started, now)

    def give_back(self, task_id: str, owner: str, token: int, reason: str, *, retry: bool) -> None:
        attempts, max_attempts, unmet = self.conn.execute(
            "SELECT attempts, max_attempts, unmet FROM tasks WHERE project_id = ? AND id = ?",
            (self.project_id, task_id),
        ).fetchone()
        if not retry:
            new = "failed"
        elif attempts >= max_attempts:
            new = "dead"
        else:
            new = "pending" if unmet else "ready"
        self._set_waiting(task_id, new)
        self.log(
            task_id,
            new,
            owner,
            token,
            {"reason": stored_note(reason), "attempts": attempts},
        )
        if new in queue_graph.TERMINAL_BAD:
            self._block_dependents(task_id)

    def _set_waiting(self, task_id: str, status: str) -> None:
        self.conn.execute(
            "UPDATE tasks SET status = ?, owner = NULL, lease_expires = NULL, updated_at = ? "
            "WHERE project_id = ? AND id = ?",
            (status, self.clock(), self.project_id, task_id),
        )

    def _block_dependents(self, task_id: str) -> None:
        frontier = [task_id]
        while frontier:
            below = frontier.pop()
            rows = self.conn.execute(
                "UPDATE tasks SET status = 'blocked' WHERE project_id = ? "
                "AND status IN ('pending', 'ready') AND id IN "
                "(SELECT task_id FROM task_deps WHERE project_id = ? AND depends_on = ?) "
                "RETURNING id",
                (self.project_id, self.project_id, below),
            ).fetchall()
            for (blocked,) in rows:
                self.log(blocked, "blocked", data={"by": task_id})
                frontier.append(blocked)

    def expire(self, now: float) -> int:
        """Leases that ran out go back to the queue (or die once their attempts are spent)."""
        rows = self.conn.execute(
            "SELECT id, owner, token, attempts, max_attempts, unmet "
            "FROM tasks INDEXED BY tasks_lease "
            "WHERE project_id = ? AND status = 'claimed' AND lease_expires < ?" + self._skip_locked,
            (self.project_id, now),
        ).fetchall()
        for task_id, owner, token, attempts, max_attempts, unmet in rows:
            new = "dead" if attempts >= max_attempts else ("pending" if unmet else "ready")
            self._set_waiting(task_id, new)
            self.log(task_id, "expired", owner, token, {"now": new, "attempts": attempts})
            if new == "dead":
                self._block_dependents(task_id)
        return len(rows)


def stored_note(text: str) -> str:
    """A done note or a failure reason as the task log keeps it: short, secrets masked."""
    return sanitize_text(text[:500])


def feature_completed(
    feature: str, title: str, tasks: int, started: float | None, now: float
) -> dict[str, object]:
    """The "feature" telemetry event of a feature whose last task was just done.

    Matches the telemetry schema of "feature" events (br_core.telemetry.events.SCHEMA).
    """
    return {
        "action": "complete",
        "feature_id": feature,
        "title": title,
        "complexity": "simple" if tasks <= 3 else ("medium" if tasks <= 10 else "complex"),
        "duration_hours": round((now - started) / 3600, 3) if started else 0.0,
    }


def _masked(task: NewTask) -> NewTask:
    """The task with secrets in its free text masked, as every stored text field is."""
    title, description = sanitize_text(task.title), sanitize_text(task.description)
    if (title, description) == (task.title, task.description):
        return task
    return task.model_copy(update={"title": title, "description": description})

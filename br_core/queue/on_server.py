"""The queue on PostgreSQL: claim, heartbeat, done and fail as server-side functions.

Each is one statement, so one round trip, where the general path (task_queue.py and writes.py,
which SQLite always takes) sends one per statement: a round trip waits for the server's process
to be scheduled, and on a busy host that wait, not the work, sets the rate. The functions
(migrations 0011_claim_function and 0013_held_task_functions) run writes.py's statements in
the same order; what only the client knows (a note or reason masked, the clock) goes in as
parameters, and what the client does next (a feature's telemetry event, a routing outcome) comes
back in the row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from br_core.queue.models import Claim, QueueError, StaleTokenError, Task, task_from_row
from br_core.queue.writes import Writes, stored_note

# Columns of the functions' rows (the br_held_task type; br_claim's first twelve are the same).
_OK, _TASK, _STATUS, _TOKEN, _DEPS = 0, slice(1, 14), 8, 14, 15
_FEATURE, _FEATURE_TITLE, _FEATURE_TASKS, _FEATURE_STARTED, _DECISION = 2, 16, 17, 18, 19

_CLAIM = "SELECT * FROM br_claim(?, ?, ?, ?, ?)"
_HEARTBEAT = "SELECT * FROM br_heartbeat(?, ?, ?, ?, ?)"
_DONE = "SELECT * FROM br_done(?, ?, ?, ?, ?)"
_FAIL = "SELECT * FROM br_fail(?, ?, ?, ?, ?, ?)"


class HeldRow:
    """What a heartbeat, done or fail on the server returned: the task as it now is, and what
    the caller still has to record."""

    def __init__(self, row: Sequence[Any]) -> None:
        self._row = row
        self.task: Task = task_from_row(row[_TASK], list(row[_DEPS]))
        self.decision: str | None = row[_DECISION]  # the open routing decision, if routed

    def feature_done(self) -> tuple[str, str, int, float | None] | None:
        """(feature, title, its tasks, first claim) when this done completed its feature."""
        if self._row[_FEATURE_TITLE] is None:
            return None
        row = self._row
        return row[_FEATURE], row[_FEATURE_TITLE], row[_FEATURE_TASKS], row[_FEATURE_STARTED]


def claim(
    writes: Writes, owner: str, stream: str | None, now: float, lease: float
) -> tuple[bool, Claim | None]:
    """(whether a lease ran out, the claim). When a lease ran out the server claims nothing and
    the caller's general path returns the expired work (retries, dead tasks and their blocked
    dependents stay in one place)."""
    row = writes.conn.execute(_CLAIM, (writes.project_id, owner, stream, now, lease)).fetchone()
    if row is None:
        return False, None
    if row[0]:
        return True, None
    task = task_from_row(row[_TASK], list(row[_DEPS]))
    return False, Claim(task=task, token=row[_TOKEN], lease_expires=row[11])


def heartbeat(writes: Writes, task_id: str, token: int, now: float, lease: float) -> HeldRow:
    return _held(writes, _HEARTBEAT, task_id, token, now, lease)


def done(writes: Writes, task_id: str, token: int, note: str, now: float) -> HeldRow:
    return _held(writes, _DONE, task_id, token, stored_note(note) if note else None, now)


def fail(writes: Writes, task_id: str, token: int, reason: str, retry: bool, now: float) -> HeldRow:
    return _held(writes, _FAIL, task_id, token, stored_note(reason), retry, now)


def _held(writes: Writes, statement: str, task_id: str, token: int, *args: object) -> HeldRow:
    """Run one function on a held task. A refused token (the server logged the rejection) is
    worded from the task's history as on SQLite: that read happens only on a refusal."""
    row = writes.conn.execute(statement, (writes.project_id, task_id, token, *args)).fetchone()
    if row is None:
        raise QueueError(f"task {task_id}: not in this project's queue; see `br tasks list`")
    if not row[_OK]:
        raise StaleTokenError(writes.why_stale(task_id, token, row[_STATUS], row[_TOKEN]))
    return HeldRow(row)

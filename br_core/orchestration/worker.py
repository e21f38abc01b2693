"""A stream's worker: take the stream's next task, heartbeat while a command works on it, finish.

`br worker --stream NAME --command CMD` runs this loop from a terminal or a script; a Claude Code
session runs the same flow through MCP (claim_task / update_task with the stream), and both report
through `report()`, so the dashboard and `.buildrunner/status/NAME.json` show either the same way.

The heartbeat runs in a thread on a connection of its own (an SQLite connection is not shared
between threads; the door passes a factory for it). A worker that dies stops heartbeating: the
stream shows stale, and its task returns to the queue when its lease runs out.
"""

from __future__ import annotations

import json
import logging
import os
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from br_core.errors import BRError
from br_core.git import read_head, repo_context
from br_core.orchestration import briefs, model, records
from br_core.orchestration.plan import OPEN, build_plan
from br_core.orchestration.start import main_checkout
from br_core.queue.models import Claim, QueueError, StaleTokenError, Task
from br_core.queue.task_queue import TaskQueue
from br_core.store.connection import Connection

Outcome = Literal["done", "failed", "lost", "nothing", "finished"]
DEFAULT_TIMEOUT_SECONDS = 3600.0
OUTPUT_TAIL_CHARS = 2000


@dataclass(frozen=True)
class TaskRun:
    """What became of one pass of the worker."""

    outcome: Outcome
    task_id: str | None = None
    exit_code: int | None = None
    seconds: float = 0.0
    output_tail: str = ""


def head_of(worktree: Path) -> str | None:
    return read_head(repo_context(worktree))[0]


def open_tasks(conn: Connection, project_id: str, stream: str) -> int:
    marks = ", ".join("?" * len(OPEN))
    (n,) = conn.execute(
        f"SELECT count(*) FROM tasks WHERE project_id = ? AND stream = ? AND status IN ({marks})",
        (project_id, stream, *OPEN),
    ).fetchone()
    return int(n)


def report(
    conn: Connection,
    project_id: str,
    worktree: Path,
    stream: str,
    *,
    status: str,
    owner: str | None,
    task_id: str | None,
    heartbeat: bool = True,
) -> None:
    """Record what the stream's worker does now, in the store and in its status file."""
    records.report_status(
        conn,
        project_id,
        stream,
        status=status,
        owner=owner,
        current_task=task_id,
        head=head_of(worktree),
        heartbeat=heartbeat,
    )
    write_status_file(conn, project_id, worktree, stream)


def write_status_file(conn: Connection, project_id: str, worktree: Path, stream: str) -> None:
    """`.buildrunner/status/STREAM.json` in the main checkout, from the same read the dashboard
    uses (so the file and the page never disagree)."""
    main, _ = main_checkout(worktree)
    for status in model.streams(conn, project_id):
        if status.stream == stream:
            briefs.write_json(briefs.status_path(main, stream), briefs.status_document(status))


def after_task(conn: Connection, project_id: str, worktree: Path, stream: str) -> str:
    """The stream's state once a task is finished or given back: finished when nothing of it is
    open any more, else idle; a finished batch opens the next one in the stream's brief."""
    if open_tasks(conn, project_id, stream) == 0:
        return "finished"
    advance_batch(conn, project_id, worktree, stream)
    return "idle"


def advance_batch(conn: Connection, project_id: str, worktree: Path, stream: str) -> bool:
    """When every task of the brief's batch is done and the stream has open tasks, write the
    next batch's brief (with the decisions made since the last one); True when it did."""
    row = records.stream_row(conn, project_id, stream)
    if row is None or open_tasks(conn, project_id, stream) == 0:
        return False
    # The brief lives in the stream's own worktree, wherever this worker runs.
    path = briefs.brief_path(Path(row.worktree) if row.worktree else worktree, stream)
    try:
        current = json.loads(path.read_text(encoding="utf-8"))
        ids = [str(t["id"]) for t in current.get("tasks", [])]
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        ids = []  # no brief or an unreadable one: write a fresh one
    if ids:
        marks = ", ".join("?" * len(ids))
        (left,) = conn.execute(
            f"SELECT count(*) FROM tasks WHERE project_id = ? AND id IN ({marks}) "
            "AND status != 'done'",
            (project_id, *ids),
        ).fetchone()
        if left:
            return False
    (last,) = conn.execute(
        "SELECT coalesce(max(id), 0) FROM decisions WHERE project_id = ?", (project_id,)
    ).fetchone()
    plan = build_plan(conn, project_id)
    batch = records.next_batch(conn, project_id, stream, int(last), plan.first_batch(stream))
    fresh = records.StreamRow(row.name, row.branch, row.worktree, batch, int(last))
    briefs.write_json(path, briefs.brief(conn, project_id, fresh, plan, row.decisions_seen))
    return True


class Heartbeat:
    """Extend the lease of a claimed task every `every` seconds until stopped, on its own
    connection. `lost` is set when the queue refuses the token (the lease ran out and someone
    else took the task): the work must not be reported as done."""

    def __init__(
        self,
        connect: Callable[[], Connection],
        project_id: str,
        claim: Claim,
        stream: str,
        lease_seconds: float,
        every: float,
    ) -> None:
        self._connect = connect
        self._project_id = project_id
        self._claim = claim
        self._stream = stream
        self._lease = lease_seconds
        self._every = every
        self._stop = threading.Event()
        self.lost: str | None = None
        self.beats = 0
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{stream}", daemon=True)

    def __enter__(self) -> Heartbeat:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(timeout=self._every + 15)

    def _run(self) -> None:
        conn = self._connect()
        queue = TaskQueue(conn, self._project_id)
        try:
            while not self._stop.wait(self._every):
                try:
                    queue.heartbeat(
                        self._claim.task.id, self._claim.token, lease_seconds=self._lease
                    )
                    records.report_status(
                        conn,
                        self._project_id,
                        self._stream,
                        status="working",
                        owner=self._claim.task.owner,
                        current_task=self._claim.task.id,
                        head=None,
                    )
                    self.beats += 1
                except StaleTokenError as exc:
                    self.lost = exc.message
                    return
                except QueueError:  # a lock held too long: try again at the next beat
                    continue
        finally:
            queue.close()
            conn.close()


def run_command(
    command: str, worktree: Path, env: dict[str, str], timeout: float
) -> tuple[int, str, float]:
    """`command` through /bin/sh in `worktree`: (exit code, the tail of its output, seconds).
    Past `timeout` its whole process group is killed and the exit code is 124 (as timeout(1))."""
    started = time.monotonic()
    with tempfile.TemporaryFile() as out:
        proc = subprocess.Popen(
            ["/bin/sh", "-c", command],
            cwd=worktree,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            code = proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            code = 124
        except BaseException:  # Ctrl-C: the command runs in its own session, end it too
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            raise
        out.seek(0, os.SEEK_END)
        size = out.tell()
        out.seek(max(0, size - OUTPUT_TAIL_CHARS))
        tail = out.read().decode("utf-8", "replace")
    return code, tail, time.monotonic() - started


@dataclass(frozen=True)
class WorkerOptions:
    owner: str | None = None
    lease_seconds: float = 300.0
    heartbeat_seconds: float = model.HEARTBEAT_SECONDS
    timeout: float = DEFAULT_TIMEOUT_SECONDS


def work_one(
    conn: Connection,
    connect: Callable[[], Connection],
    project_id: str,
    worktree: Path,
    stream: str,
    command: str,
    options: WorkerOptions | None = None,
) -> TaskRun:
    """Claim the stream's next task, run `command` on it with a heartbeat, then done or fail."""
    opts = options or WorkerOptions()
    owner = opts.owner or f"worker-{stream}-{os.getpid()}"
    queue = TaskQueue(conn, project_id, root=worktree)
    try:
        advance_batch(conn, project_id, worktree, stream)  # new tasks since the stream finished
        claim = queue.claim(owner, stream=stream, lease_seconds=opts.lease_seconds)
        if claim is None:
            finished = open_tasks(conn, project_id, stream) == 0
            state = "finished" if finished else "idle"
            report(conn, project_id, worktree, stream, status=state, owner=None, task_id=None)
            return TaskRun("finished" if finished else "nothing")
        task = claim.task
        report(conn, project_id, worktree, stream, status="working", owner=owner, task_id=task.id)
        env = {
            "BR_STREAM": stream,
            "BR_TASK_ID": task.id,
            "BR_TASK_TITLE": task.title,
            "BR_TASK_TOKEN": str(claim.token),
            "BR_WORKER": owner,
        }
        beat = Heartbeat(
            connect, project_id, claim, stream, opts.lease_seconds, opts.heartbeat_seconds
        )
        try:
            with beat:
                code, tail, seconds = run_command(command, worktree, env, opts.timeout)
        except KeyboardInterrupt:
            # Give the task back now rather than when its lease runs out.
            queue.fail(task.id, claim.token, reason="the worker was interrupted")
            report(conn, project_id, worktree, stream, status="idle", owner=None, task_id=None)
            raise
        outcome = _finish(queue, claim, code, tail, beat.lost)
        state = after_task(conn, project_id, worktree, stream)
        report(conn, project_id, worktree, stream, status=state, owner=None, task_id=None)
        return TaskRun(outcome, task.id, code, seconds, records.tail(tail))
    finally:
        queue.close()


def _finish(queue: TaskQueue, claim: Claim, code: int, tail: str, lost: str | None) -> Outcome:
    if lost is not None:
        return "lost"
    try:
        if code == 0:
            queue.complete(claim.task.id, claim.token, note=records.tail(tail, 3))
            return "done"
        reason = f"exit {code}: {records.tail(tail, 5)}"
        queue.fail(claim.task.id, claim.token, reason=reason)
        return "failed"
    except StaleTokenError:
        return "lost"


def stream_worktree(conn: Connection, project_id: str, stream: str, here: Path) -> Path:
    """Where a worker of `stream` runs its command: the stream's own worktree once
    `br orchestrate start` recorded one (a worker started from the main checkout must not commit
    there), else `here`. A recorded worktree that is gone is refused in one line."""
    row = records.stream_row(conn, project_id, stream)
    if row is None or not row.worktree:
        return here
    worktree = Path(row.worktree)
    if not (worktree / ".git").exists():
        raise records.OrchestrationError(
            f"stream {stream}: its worktree {worktree} is gone; run `br orchestrate start` again "
            "to recreate it"
        )
    return worktree


def work_stream(
    conn: Connection,
    connect: Callable[[], Connection],
    project_id: str,
    worktree: Path,
    stream: str,
    command: str,
    options: WorkerOptions | None = None,
    *,
    once: bool = False,
    wait: float = 60.0,
    poll: float = 0.5,
    on_run: Callable[[TaskRun], None] | None = None,
) -> list[TaskRun]:
    """Work the stream until it is finished; nothing ready for `wait` seconds ends the run (its
    tasks wait on other streams or on claims of other workers). `once` stops after one pass."""
    runs: list[TaskRun] = []
    idle_since: float | None = None
    while True:
        run = work_one(conn, connect, project_id, worktree, stream, command, options)
        waiting = run.outcome == "nothing"
        if waiting and not once:
            idle_since = idle_since or time.monotonic()
            if time.monotonic() - idle_since < wait:
                time.sleep(poll)
                continue
        if on_run is not None:
            on_run(run)
        runs.append(run)
        if once or waiting or run.outcome == "finished":
            return runs
        idle_since = None


def session_report(
    conn: Connection, project_id: str, worktree: Path, task: Task, action: str
) -> None:
    """The worker status of a session that works through MCP: claimed/heartbeat show it
    working on `task`, done/fail show what the stream does next. Only tasks of a stream count,
    and a repository the status cannot be written for (no git) is skipped: the queue's answer
    to the session matters more than the dashboard's."""
    if not task.stream:
        return
    try:
        if action == "claimed":
            advance_batch(conn, project_id, worktree, task.stream)
        if action in ("claimed", "heartbeat"):
            report(
                conn,
                project_id,
                worktree,
                task.stream,
                status="working",
                owner=task.owner,
                task_id=task.id,
            )
        else:
            state = after_task(conn, project_id, worktree, task.stream)
            report(conn, project_id, worktree, task.stream, status=state, owner=None, task_id=None)
    except (BRError, OSError) as exc:
        logging.getLogger(__name__).warning("stream status not written: %s", exc)

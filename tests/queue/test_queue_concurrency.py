"""Real OS processes share one queue: no double claims, dependency order, lost workers recover."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from br_core.queue.models import NewTask, StaleTokenError
from br_core.queue.task_queue import TaskQueue
from br_core.store.db import open_db
from tests.conftest import REPO_ROOT

PROJECT = "concurrency-test"
TASKS = 2000
WORKERS = 8


def _worker(db: str, name: str, out: multiprocessing.Queue[list[tuple[str, int]]]) -> None:
    taken: list[tuple[str, int]] = []
    try:
        _work(TaskQueue(open_db(Path(db)), PROJECT), name, taken)
    except Exception as exc:  # report instead of leaving the parent waiting for a result
        taken.append((f"error: {exc}", -1))
    out.put(taken)


def _work(queue: TaskQueue, name: str, taken: list[tuple[str, int]]) -> None:
    idle_since = time.monotonic()
    while time.monotonic() - idle_since < 20:
        claim = queue.claim(name)
        if claim is None:
            left = queue.conn.execute(
                "SELECT count(*) FROM tasks WHERE project_id = ? AND status != 'done'", (PROJECT,)
            ).fetchone()[0]
            if left == 0:
                break
            time.sleep(0.001)  # dependencies still running elsewhere
            continue
        idle_since = time.monotonic()
        taken.append((claim.task.id, claim.token))
        queue.complete(claim.task.id, claim.token)


def _graph() -> list[NewTask]:
    # Layers of 100: each task waits on two tasks of the layer below, so order matters throughout.
    tasks = []
    for i in range(TASKS):
        deps = [] if i < 100 else [f"t{i - 100}", f"t{(i * 7) % 100 + (i // 100 - 1) * 100}"]
        tasks.append(NewTask(id=f"t{i}", title=f"task {i}", priority=i % 3, depends_on=deps))
    return tasks


def test_parallel_workers_take_every_task_once_in_dependency_order(br_home: Path) -> None:
    db = br_home / "q.sqlite3"
    setup = TaskQueue(open_db(db), PROJECT)
    setup.add_tasks(_graph())
    ctx = multiprocessing.get_context("fork")
    out: multiprocessing.Queue[list[tuple[str, int]]] = ctx.Queue()
    procs = [ctx.Process(target=_worker, args=(str(db), f"w{n}", out)) for n in range(WORKERS)]
    started = time.monotonic()
    for proc in procs:
        proc.start()
    results = [out.get(timeout=120) for _ in procs]
    for proc in procs:
        proc.join(timeout=30)
        assert proc.exitcode == 0
    elapsed = time.monotonic() - started

    taken = [task for result in results for task, _ in result]
    assert [t for t in taken if t.startswith("error")] == []
    assert len(taken) == len(set(taken)) == TASKS, "a task was claimed twice or never"
    assert sum(1 for result in results if result) >= 2, "work was not shared between processes"
    done = setup.conn.execute(
        "SELECT count(*) FROM tasks WHERE project_id = ? AND status = 'done'", (PROJECT,)
    ).fetchone()[0]
    assert done == TASKS
    # The event log is in commit order: every claim comes after its dependencies' completion.
    order = {
        (task, kind): event_id
        for event_id, task, kind in setup.conn.execute(
            "SELECT id, task_id, kind FROM task_events WHERE project_id = ? "
            "AND kind IN ('claimed', 'done')",
            (PROJECT,),
        )
    }
    kinds = setup.conn.execute(
        "SELECT kind, count(*) FROM task_events WHERE project_id = ? GROUP BY kind", (PROJECT,)
    ).fetchall()
    assert dict(kinds)["claimed"] == TASKS and dict(kinds)["done"] == TASKS
    for task, dep in setup.edges():
        assert order[(dep, "done")] < order[(task, "claimed")], f"{task} ran before {dep}"
    assert elapsed < 90


_HOLDER = """
import sys, time
from pathlib import Path
from br_core.store.db import open_db
from tests.conftest import REPO_ROOT
from br_core.queue.task_queue import TaskQueue
queue = TaskQueue(open_db(Path(sys.argv[1])), sys.argv[2])
claim = queue.claim("doomed", lease_seconds=float(sys.argv[3]))
print(claim.task.id, claim.token, flush=True)
time.sleep(600)
"""


def test_killed_worker_task_returns_after_lease_and_late_completion_is_rejected(
    br_home: Path,
) -> None:
    db = br_home / "q.sqlite3"
    queue = TaskQueue(open_db(db), PROJECT)
    queue.add_tasks([NewTask(id="only", title="the one task")])
    lease = 2.5  # long enough that a loaded machine still claims before it ends
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLDER, str(db), PROJECT, str(lease)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=REPO_ROOT,
    )
    try:
        assert holder.stdout is not None
        task_id, old_token = holder.stdout.readline().split()
        os.kill(holder.pid, signal.SIGKILL)
        holder.wait(timeout=10)
    finally:
        if holder.poll() is None:  # pragma: no cover - only when readline failed
            holder.kill()
            holder.wait(timeout=10)
    assert holder.returncode == -signal.SIGKILL
    assert queue.claim("survivor") is None, "the lease has not run out yet"
    time.sleep(lease + 0.2)
    again = queue.claim("survivor")
    assert again is not None and again.task.id == task_id
    assert again.token > int(old_token)
    assert again.task.attempts == 2
    with pytest.raises(StaleTokenError, match="not current"):
        queue.complete(task_id, int(old_token))
    assert queue.get(task_id).owner == "survivor"
    assert queue.complete(task_id, again.token).status == "done"
    kinds = [event.kind for event in queue.events(task_id)]
    assert kinds == ["added", "ready", "claimed", "expired", "claimed", "rejected", "done"]

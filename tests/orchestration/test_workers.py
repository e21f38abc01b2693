"""`br worker`: real processes on one queue, heartbeats, status files, a worker that dies."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import time
from collections import Counter
from pathlib import Path

from br_core.git import project_id
from br_core.orchestration import model
from br_core.queue.models import NewTask
from br_core.queue.task_queue import TaskQueue
from tests.orchestration.conftest import BR, br

LOG_LINE = 'echo "$BR_TASK_ID $BR_WORKER" >> "$LOG"'


def _fill(conn: sqlite3.Connection, repo: Path, n: int) -> list[str]:
    """`n` tasks of stream `api`, in layers: each task of a layer waits on one of the last."""
    tasks = [
        NewTask(
            id=f"t{i:03d}",
            title=f"task {i}",
            stream="api",
            depends_on=[f"t{i - 6:03d}"] if i >= 6 else [],
        )
        for i in range(n)
    ]
    queue = TaskQueue(conn, project_id(repo))
    try:
        return queue.add_tasks(tasks)
    finally:
        queue.close()


def test_three_worker_processes_do_each_task_exactly_once(
    git_repo: Path, conn: sqlite3.Connection, tmp_path: Path
) -> None:
    ids = _fill(conn, git_repo, 30)
    log = tmp_path / "work.log"
    env = {**os.environ, "LOG": str(log)}
    workers = [
        subprocess.Popen(
            [
                *BR,
                "worker",
                "--stream",
                "api",
                "--owner",
                f"w{i}",
                "--command",
                f"sleep 0.02; {LOG_LINE}",
                "--heartbeat",
                "0.1",
                "--wait",
                "30",  # only a bound: each worker ends as soon as the stream is finished
            ],
            cwd=git_repo,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for i in range(3)
    ]
    outputs = [w.communicate(timeout=120) for w in workers]
    assert [w.returncode for w in workers] == [0, 0, 0], outputs
    lines = log.read_text(encoding="utf-8").splitlines()
    by_task = Counter(line.split()[0] for line in lines)
    assert set(by_task) == set(ids) and set(by_task.values()) == {1}
    assert len({line.split()[1] for line in lines}) >= 2  # the work really was shared
    done = conn.execute(
        "SELECT task_id, count(*) FROM task_events WHERE kind = 'done' GROUP BY 1"
    ).fetchall()
    assert dict(done) == dict.fromkeys(ids, 1)
    (status,) = model.streams(conn, project_id(git_repo))
    assert status.status == "finished" and len(status.completed) == 30
    document = json.loads((git_repo / ".buildrunner/status/api.json").read_text())
    assert document["status"] == "finished" and document["branch"] == "stream/api"
    assert document["head"] == status.head and len(document["completed"]) == 30


def test_a_failing_command_fails_the_task_and_says_why(
    git_repo: Path, conn: sqlite3.Connection
) -> None:
    _fill(conn, git_repo, 1)
    proc = br(git_repo, "worker", "--stream", "api", "--once", "--command", "echo broke; exit 4")
    assert proc.returncode == 0, proc.stderr
    assert "t000: failed (exit 4" in proc.stdout and "| broke" in proc.stdout
    task = TaskQueue(conn, project_id(git_repo)).get("t000")
    assert task.status == "ready" and task.attempts == 1  # back in the queue for a retry


def test_once_on_a_finished_stream_exits_3_and_bad_options_exit_2(git_repo: Path) -> None:
    assert br(git_repo, "worker", "--stream", "api", "--once", "--command", "true").returncode == 3
    for argv in (
        ["--stream", "api", "--command", "true", "--lease", "nan"],
        ["--stream", "a b", "--command", "true"],
        ["--stream", "api", "--command", " "],
        ["--stream", "api", "--command", "true", "--heartbeat", "400"],  # over half the lease
    ):
        proc = br(git_repo, "worker", *argv)
        assert proc.returncode == 2, (argv, proc.stderr)
        assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_a_killed_worker_shows_stale_and_its_task_returns(
    git_repo: Path, conn: sqlite3.Connection, tmp_path: Path
) -> None:
    _fill(conn, git_repo, 1)
    marker = tmp_path / "started"
    worker = subprocess.Popen(
        [
            *BR,
            "worker",
            "--stream",
            "api",
            "--owner",
            "doomed",
            "--lease",
            "10",
            "--heartbeat",
            "0.2",
            "--command",
            f"sleep 60 & echo $! > {marker}; wait",
        ],
        cwd=git_repo,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while not (marker.exists() and marker.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    child = int(marker.read_text())
    time.sleep(0.5)  # a few heartbeats
    pid = project_id(git_repo)
    (alive,) = model.streams(conn, pid)
    assert alive.status == "working" and alive.owner == "doomed" and not alive.stale
    assert alive.lease_left is not None and alive.lease_left > 9  # renewed by the heartbeat
    os.kill(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)
    os.kill(child, signal.SIGKILL)  # the command it ran lives on in its own session
    (late,) = model.streams(conn, pid, now=time.time() + 11)  # past the lease: stale
    assert late.stale and late.status == "stale" and late.current_task == "t000"
    queue = TaskQueue(conn, pid, clock=lambda: time.time() + 11)
    claim = queue.claim("rescuer", stream="api")
    assert claim is not None and claim.task.id == "t000" and claim.task.attempts == 2


def test_ctrl_c_gives_the_task_back_at_once(
    git_repo: Path, conn: sqlite3.Connection, tmp_path: Path
) -> None:
    _fill(conn, git_repo, 1)
    marker = tmp_path / "child"
    worker = subprocess.Popen(
        [*BR, "worker", "--stream", "api", "--command", f"sleep 30 & echo $! > {marker}; wait"],
        cwd=git_repo,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 30
    while not (marker.exists() and marker.read_text().strip()) and time.monotonic() < deadline:
        time.sleep(0.05)
    child = int(marker.read_text())
    worker.send_signal(signal.SIGINT)
    _, err = worker.communicate(timeout=30)
    assert worker.returncode == 130
    assert err.strip() == "br: worker for api interrupted; its task went back to the queue"
    task = TaskQueue(conn, project_id(git_repo)).get("t000")
    assert task.status == "ready" and task.owner is None
    assert _gone(child), "the command outlived its worker"


def _gone(pid: int) -> bool:
    """True when `pid` has ended (a zombie nobody reaped yet counts: it runs nothing)."""
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


def test_a_worker_started_in_the_main_checkout_runs_in_the_streams_worktree(
    git_repo: Path, conn: sqlite3.Connection, tmp_path: Path
) -> None:
    """`br orchestrate start` recorded the stream's worktree: the command runs there, never in
    the main checkout; a recorded worktree that was removed is refused in one line, exit 2."""
    from br_core.orchestration.records import upsert_stream

    _fill(conn, git_repo, 2)
    worktree = tmp_path / "wt-api"
    subprocess.run(
        ["git", "-C", str(git_repo), "worktree", "add", "-q", "-b", "stream/api", str(worktree)],
        check=True,
    )
    upsert_stream(conn, project_id(git_repo), "api", "stream/api", str(worktree))
    log = tmp_path / "where.log"
    proc = br(git_repo, "worker", "--stream", "api", "--once", "--command", f"pwd > {log}")
    assert proc.returncode == 0, proc.stderr
    assert f"works in its worktree {worktree}" in proc.stdout
    assert Path(log.read_text(encoding="utf-8").strip()).resolve() == worktree.resolve()

    subprocess.run(
        ["git", "-C", str(git_repo), "worktree", "remove", "--force", str(worktree)], check=True
    )
    proc = br(git_repo, "worker", "--stream", "api", "--once", "--command", f"pwd > {log}")
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"br: stream api: its worktree {worktree} is gone; run `br orchestrate start` again "
        "to recreate it"
    ]

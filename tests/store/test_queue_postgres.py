"""The queue on a real PostgreSQL server: many processes on several "machines", kill -9 in the
middle of a claim, a server restart mid-run, and the server's failures as one line, exit 2."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from br_core.errors import StoreError
from br_core.queue.models import NewTask, QueueError, StaleTokenError
from br_core.queue.task_queue import TaskQueue
from br_core.store.db import open_db
from br_core.store.pg import open_pg
from tests.conftest import GIT_ENV, REPO_ROOT, git

MACHINES = 4
PER_MACHINE = 4
TASKS = 2000


def _graph(n: int) -> list[NewTask]:
    # Layers of 100: each task waits on two tasks of the layer below.
    tasks = []
    for i in range(n):
        deps = [] if i < 100 else [f"t{i - 100}", f"t{(i * 7) % 100 + (i // 100 - 1) * 100}"]
        tasks.append(NewTask(id=f"t{i}", title=f"task {i}", priority=i % 3, depends_on=deps))
    return tasks


def _machines(tmp_path: Path, url: str, n: int) -> list[tuple[Path, dict[str, str]]]:
    """n clones of one repository, each with its own BR_HOME: separate machines' users."""
    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "-q", "-b", "main")
    git(origin, "commit", "-q", "--allow-empty", "-m", "root")
    out = []
    for m in range(n):
        clone = tmp_path / f"machine{m}" / "clone"
        home = tmp_path / f"machine{m}" / "home"
        home.mkdir(parents=True)
        subprocess.run(["git", "clone", "-q", str(origin), str(clone)], check=True, timeout=60)
        env = {
            **os.environ, **GIT_ENV, "BR_HOME": str(home), "BR_STORE": url,
            "PYTHONPATH": str(REPO_ROOT),
        }  # fmt: skip
        out.append((clone, env))
    return out


def _start_workers(machines: list[tuple[Path, dict[str, str]]], per: int) -> list[Any]:
    return [
        subprocess.Popen(
            [sys.executable, "-m", "tests.store.pg_worker", f"m{m}w{w}"],
            cwd=clone,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for m, (clone, env) in enumerate(machines)
        for w in range(per)
    ]


def _results(procs: list[Any], timeout: float = 240) -> list[dict[str, Any]]:
    results = []
    for proc in procs:
        out, err = proc.communicate(timeout=timeout)
        assert proc.returncode == 0, err[-2000:]
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results


def _project_of(clone: Path, env: dict[str, str]) -> str:
    code = "from br_core.git import project_id; print(project_id())"
    proc = subprocess.run(
        [sys.executable, "-c", code], cwd=clone, env=env, capture_output=True, text=True,
        check=True, timeout=60,
    )  # fmt: skip
    return proc.stdout.strip()


def _check_done_once_in_order(conn: Any, project: str, n: int) -> None:
    done = Counter(
        r[0]
        for r in conn.execute(
            "SELECT task_id FROM task_events WHERE project_id = ? AND kind = 'done'", (project,)
        )
    )
    assert len(done) == n and set(done.values()) == {1}, "a task was done twice or never"
    first_claim = dict(
        conn.execute(
            "SELECT task_id, min(id) FROM task_events WHERE project_id = ? AND kind = 'claimed' "
            "GROUP BY task_id",
            (project,),
        ).fetchall()
    )
    done_at = dict(
        conn.execute(
            "SELECT task_id, id FROM task_events WHERE project_id = ? AND kind = 'done'",
            (project,),
        ).fetchall()
    )
    for task_id, dep in conn.execute(
        "SELECT task_id, depends_on FROM task_deps WHERE project_id = ?", (project,)
    ):
        assert done_at[dep] < first_claim[task_id], f"{task_id} was claimed before {dep} was done"


@pytest.mark.slow
def test_sixteen_processes_on_four_machines_do_every_task_once(tmp_path: Path, pg_url: str) -> None:
    machines = _machines(tmp_path, pg_url, MACHINES)
    projects = {_project_of(clone, env) for clone, env in machines}
    assert len(projects) == 1, "two clones of one repository must be one project"
    (project,) = projects
    setup = TaskQueue(open_pg(pg_url), project)  # type: ignore[arg-type]
    setup.add_tasks(_graph(TASKS))
    started = time.monotonic()
    results = _results(_start_workers(machines, PER_MACHINE))
    elapsed = time.monotonic() - started

    acked = [task for r in results for task, _ in r["acked"]]
    assert len(acked) == len(set(acked)) == TASKS
    busy_machines = {r["project"] for r in results}
    assert busy_machines == {project}
    per_machine = [sum(len(r["acked"]) for r in results[m * 4 : m * 4 + 4]) for m in range(4)]
    assert all(n > 0 for n in per_machine), f"a machine took no work: {per_machine}"
    _check_done_once_in_order(setup.conn, project, TASKS)
    assert setup.summary().by_status == {"done": TASKS}
    print(f"16 processes, 4 machines: {TASKS} tasks in {elapsed:.1f} s")


@pytest.mark.slow
def test_server_restart_mid_run_loses_no_acknowledged_write(
    tmp_path: Path, pg_server: Any, pg_url: str
) -> None:
    machines = _machines(tmp_path, pg_url, 2)
    project = _project_of(*machines[0])
    setup = TaskQueue(open_pg(pg_url), project, lease_seconds=1)  # type: ignore[arg-type]
    setup.add_tasks(_graph(TASKS))
    stale = setup.claim("before-restart")
    assert stale is not None
    procs = _start_workers(machines, 2)
    while setup.summary().by_status.get("done", 0) < 200:  # mid-run: some done, most not
        time.sleep(0.05)
    setup.conn.close()
    down = time.time()
    pg_server.restart()  # every client's connection drops; the workers ride it out
    up = time.time()
    results = _results(procs)

    conn = open_pg(pg_url)
    acked = [task for r in results for task, _ in r["acked"]]
    assert len(acked) == len(set(acked))
    stamps = [r[0] for r in conn.execute("SELECT ts FROM task_events WHERE kind = 'done'")]
    assert min(stamps) < down and max(stamps) > up, "the restart did not fall mid-run"
    status = dict(conn.execute("SELECT id, status FROM tasks WHERE project_id = ?", (project,)))
    assert all(status[t] == "done" for t in acked), "an acknowledged completion was lost"
    _check_done_once_in_order(conn, project, TASKS)
    queue = TaskQueue(conn, project)  # type: ignore[arg-type]
    with pytest.raises(StaleTokenError, match="already done"):
        queue.complete(stale.task.id, stale.token)  # the pre-restart token is refused


def test_kill_9_inside_a_claim_releases_the_row(pg_url: str) -> None:
    queue = TaskQueue(open_pg(pg_url), "p", lease_seconds=60)  # type: ignore[arg-type]
    queue.add_tasks([NewTask(id="a", title="a"), NewTask(id="b", title="b", priority=3)])
    holder = (
        "import sys, time\n"
        "from br_core.store.pg import open_pg\n"
        "c = open_pg(sys.argv[1])\n"
        "c.execute('BEGIN')\n"
        "c.execute(\"SELECT id FROM tasks WHERE id = 'a' FOR UPDATE\")\n"
        "print('holding', flush=True)\n"
        "time.sleep(600)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", holder, pg_url], stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )  # fmt: skip
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "holding"
        other = queue.claim("other")  # the locked row is skipped, not waited on
        assert other is not None and other.task.id == "b"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
        deadline = time.monotonic() + 10
        claim = queue.claim("after")
        while claim is None and time.monotonic() < deadline:  # the server notices the death
            time.sleep(0.05)
            claim = queue.claim("after")
        assert claim is not None and claim.task.id == "a" and claim.token == 1
    finally:
        proc.kill()
        proc.wait(timeout=30)


def test_a_killed_worker_holding_a_lease_loses_it_and_its_token(pg_url: str) -> None:
    queue = TaskQueue(open_pg(pg_url), "p", lease_seconds=1)  # type: ignore[arg-type]
    queue.add_tasks([NewTask(id="a", title="a")])
    worker = (
        "import sys, time\n"
        "from br_core.store.pg import open_pg\n"
        "from br_core.queue.task_queue import TaskQueue\n"
        "q = TaskQueue(open_pg(sys.argv[1]), 'p', lease_seconds=1)\n"
        "c = q.claim('doomed'); print(c.token, flush=True); time.sleep(600)\n"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", worker, pg_url], stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )  # fmt: skip
    assert proc.stdout is not None
    token = int(proc.stdout.readline())
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    time.sleep(1.2)
    again = queue.claim("rescuer")
    assert again is not None and again.task.id == "a" and again.token == token + 1
    with pytest.raises(StaleTokenError, match="lease"):
        queue.complete("a", token)
    assert queue.complete("a", again.token).status == "done"


def _cli(url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BR_STORE": url}
    return subprocess.run(
        [sys.executable, "-m", "br_cli.entry", *args], capture_output=True, text=True,
        env=env, timeout=60, check=False,
    )  # fmt: skip


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.parametrize(
    ("case", "words"),
    [
        ("refused", "no PostgreSQL server answers"),
        ("password", "refused the password"),
        ("no-database", "does not exist"),
        ("not-a-url", "not a store"),
    ],
)
def test_server_failures_are_one_line_exit_2(
    pg_server: Any, git_repo: Path, case: str, words: str
) -> None:
    url = {
        "refused": f"postgresql://br:pw@127.0.0.1:{_free_port()}/db",
        "password": pg_server.url(password="not-the-password"),
        "no-database": pg_server.url("no_such_db"),
        "not-a-url": "mysql://somewhere/db",
    }[case]
    proc = _cli(url, "tasks", "list")
    assert proc.returncode == 2, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and words in lines[0], proc.stderr
    assert "Traceback" not in proc.stderr and "not-the-password" not in proc.stderr
    assert ":pw@" not in proc.stderr


def test_server_gone_mid_session_is_one_store_error(pg_server: Any, pg_url: str) -> None:
    queue = TaskQueue(open_pg(pg_url), "p")  # type: ignore[arg-type]
    queue.add_tasks([NewTask(id="a", title="a")])
    pid = queue.conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    killer = open_pg(pg_url)
    killer.execute("SELECT pg_terminate_backend(?)", (pid,))
    # Outside a transaction a dropped connection is reopened once: the read still works.
    assert queue.summary().total == 1
    pid = queue.conn.execute("SELECT pg_backend_pid()").fetchone()[0]
    # inside a transaction nothing is silently retried
    with pytest.raises(StoreError) as raised, queue._write() as conn:
        killer.execute("SELECT pg_terminate_backend(?)", (pid,))
        conn.execute("SELECT 1")
    message = str(raised.value)
    assert "\n" not in message and "connection" in message and "br-test-pw" not in message


def test_configured_store_is_the_one_open_db_gives(pg_url: str, monkeypatch: Any) -> None:
    monkeypatch.setenv("BR_STORE", pg_url)
    conn = open_db()
    try:
        assert getattr(conn, "backend", "sqlite") == "postgresql"
    finally:
        conn.close()


def test_a_fencing_token_is_still_refused_after_a_server_restart(
    pg_server: Any, pg_url: str
) -> None:
    now = [1_000_000.0]
    queue = TaskQueue(open_pg(pg_url), "p", lease_seconds=60, clock=lambda: now[0])  # type: ignore[arg-type]
    queue.add_tasks([NewTask(id="t", title="t")])
    first = queue.claim("w1")
    now[0] += 61  # w1's lease runs out; w2 takes the task over with the next token
    second = queue.claim("w2")
    assert first is not None and second is not None and second.token == first.token + 1
    pg_server.restart()  # the queue's connection drops; its next statement reconnects
    with pytest.raises(StaleTokenError, match="your lease ran out"):
        queue.complete("t", first.token)
    assert queue.complete("t", second.token).status == "done"
    with pytest.raises(StaleTokenError, match="already done"):
        queue.heartbeat("t", second.token)


class _CountingConnection:
    """A real PostgreSQL connection that counts the statements it sends: one `execute` is one
    round trip (a BEGIN and its lock go as one, see dialect.to_postgres)."""

    backend = "postgresql"
    opened = None

    def __init__(self, conn: Any) -> None:
        self.conn = conn
        self.sent = 0

    def execute(self, sql: str, params: Any = ()) -> Any:
        self.sent += 1
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, seq: Any) -> Any:
        self.sent += 1
        return self.conn.executemany(sql, seq)

    def close(self) -> None:
        self.conn.close()

    def trips(self, call: Any, *args: Any, **kwargs: Any) -> tuple[int, Any]:
        before = self.sent
        result = call(*args, **kwargs)
        return self.sent - before, result


def test_heartbeat_done_and_fail_take_one_round_trip_each(pg_url: str) -> None:
    conn = _CountingConnection(open_pg(pg_url))
    queue = TaskQueue(conn, "p", lease_seconds=60)  # type: ignore[arg-type]
    queue.add_tasks([NewTask(id="a", title="a"), NewTask(id="b", title="b", depends_on=["a"])])
    claim = queue.claim("w")
    assert claim is not None
    trips, task = conn.trips(queue.heartbeat, "a", claim.token)
    assert trips == 1 and task.status == "claimed" and task.owner == "w"
    trips, task = conn.trips(queue.fail, "a", claim.token, reason="flaky")
    assert trips == 1 and task.status == "ready" and task.owner is None
    again = queue.claim("w")
    assert again is not None and again.token == claim.token + 1
    trips, task = conn.trips(queue.complete, "a", again.token, note="ok")
    assert trips == 1 and task.status == "done" and task.owner == "w"
    assert queue.get("b").status == "ready"  # the done released its dependent
    # A refusal costs one more: the history that explains it is read only then.
    before = conn.sent
    with pytest.raises(StaleTokenError, match="already done by w"):
        queue.heartbeat("a", again.token)
    assert conn.sent - before == 2


def _lifecycle(conn: Any) -> tuple[list[Any], list[Any], list[Any]]:
    """Every branch of heartbeat, done and fail, with refusals between them; what it left."""
    now = [1_000_000.0]
    queue = TaskQueue(conn, "p", lease_seconds=60, max_attempts=2, clock=lambda: now[0])
    queue.add_tasks(
        [
            NewTask(id="a", title="a", feature="f"),
            NewTask(id="b", title="b", feature="f", depends_on=["a"]),
            NewTask(id="c", title="c", depends_on=["a", "b"]),
            NewTask(id="d", title="d", priority=3),
            NewTask(id="e", title="e", depends_on=["d"]),
            NewTask(id="g", title="g", depends_on=["e"]),
        ]
    )
    password = "pw-" + "".join(chr(ord("a") + (i * 7) % 26) for i in range(12)) + "9!Q"
    for note in ("", f"password={password} used"):  # a secret in a note is stored masked
        claim = queue.claim("w1")
        assert claim is not None
        now[0] += 10
        queue.heartbeat(claim.task.id, claim.token, lease_seconds=30)
        now[0] += 31  # the lease ran out: w2 takes it over, w1's done is refused
        over = queue.claim("w2")
        assert over is not None and over.task.id == claim.task.id
        with pytest.raises(StaleTokenError, match="your lease ran out"):
            queue.complete(claim.task.id, claim.token)
        queue.complete(over.task.id, over.token, note=note)  # a, then b: feature f completes
        with pytest.raises(StaleTokenError, match="already done by w2"):
            queue.fail(over.task.id, over.token)
    for retry in (True, True, False):  # c: retried, then dead; d: failed, e and g blocked
        claim = queue.claim("w3")
        assert claim is not None
        now[0] += 1
        queue.fail(claim.task.id, claim.token, reason=f"retry={retry}", retry=retry)
    with pytest.raises(QueueError, match="not in this project's queue"):
        queue.heartbeat("nope", 1)
    return _history(queue)


def _history(queue: TaskQueue) -> tuple[list[Any], list[Any], list[Any]]:
    conn = queue.conn
    events = conn.execute(
        "SELECT task_id, ts, kind, owner, token, data FROM task_events ORDER BY task_id, id"
    ).fetchall()
    tasks = conn.execute(
        "SELECT id, status, owner, lease_expires, token, attempts, unmet, updated_at "
        "FROM tasks ORDER BY id"
    ).fetchall()
    features = conn.execute("SELECT id, completed_at FROM features ORDER BY id").fetchall()
    return (
        [(*e[:5], json.loads(e[5])) for e in events],
        [tuple(t) for t in tasks],
        [tuple(f) for f in features],
    )


def test_the_server_side_lifecycle_writes_what_the_general_path_writes(
    tmp_path: Path, pg_url: str
) -> None:
    """The same heartbeats, dones, fails and refusals on SQLite (the general path) and on
    PostgreSQL (the server-side functions) leave the same tasks, features and history."""
    histories = [_lifecycle(open_db(tmp_path / "q.sqlite3")), _lifecycle(open_pg(pg_url))]
    (events, tasks, features), server = histories
    assert server == (events, tasks, features)
    assert {t[0]: t[1] for t in tasks} == {
        "a": "done", "b": "done", "c": "dead", "d": "failed", "e": "blocked", "g": "blocked",
    }  # fmt: skip
    assert features == [("f", 1_000_082.0)]
    kinds = [e[2] for e in events]
    assert kinds.count("rejected") == 4 and kinds.count("heartbeat") == 2
    notes = [e[5].get("note", "") for e in events if e[2] == "done"]
    assert notes[0] == "" and notes[1].startswith("password=") and "9!Q" not in notes[1]

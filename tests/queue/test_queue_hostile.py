"""The queue under hostile conditions: a stopped lock holder, nonsense numbers, an unopenable
lock file, a database replaced under a running worker, and a task finished twice."""

from __future__ import annotations

import math
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pydantic import ValidationError

from br_cli.app import main
from br_core.errors import StoreError
from br_core.queue.models import NewTask, QueueError, StaleTokenError
from br_core.queue.task_queue import TaskQueue
from br_core.store.db import open_db
from br_core.store.paths import db_path

HOLD_LOCK = """
import sys, time
from pathlib import Path
from br_core.queue.task_queue import TaskQueue
from br_core.store.db import open_db
queue = TaskQueue(open_db(Path(sys.argv[1])), "proj")
with queue._write():
    print("held", flush=True)
    time.sleep(120)
"""

WORKER = """
import sys
from pathlib import Path
from br_core.errors import BRError
from br_core.queue.task_queue import TaskQueue
from br_core.store.db import open_db
queue = TaskQueue(open_db(Path(sys.argv[1])), "proj")
claim = queue.claim("worker")
print("claimed", claim.token, flush=True)
sys.stdin.readline()
try:
    queue.complete(claim.task.id, claim.token)
except BRError as exc:
    print(exc.message, file=sys.stderr)
    sys.exit(exc.exit_code)
print("done")
"""


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


# -- item 9: a stopped lock holder -----------------------------------------------------------


def test_stopped_lock_holder_gives_one_line_naming_the_lock_and_pid(br_home: Path) -> None:
    path = db_path()
    setup = TaskQueue(open_db(path), "proj")
    setup.add_tasks([NewTask(id="a", title="a")])
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(path)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        os.kill(holder.pid, signal.SIGSTOP)
        queue = TaskQueue(open_db(path), "proj", lock_wait=0.5)
        start = time.monotonic()
        with pytest.raises(StoreError) as caught:
            queue.claim("me")
        waited = time.monotonic() - start
        message = caught.value.message
        assert 0.4 < waited < 5, waited
        assert f"{path}.queue-lock" in message and f"pid {holder.pid}" in message
        assert "\n" not in message and caught.value.exit_code == 2
    finally:
        os.kill(holder.pid, signal.SIGCONT)
        holder.kill()
        holder.wait(timeout=30)
    assert queue.claim("me") is not None  # the holder is gone: the lock is free again


def test_lock_wait_must_be_a_sane_number(br_home: Path) -> None:
    for bad in (math.nan, math.inf, 0, -1):
        with pytest.raises(QueueError, match="lock_wait"):
            TaskQueue(open_db(), "proj", lock_wait=bad)


# -- item 10 and 17: numbers ---------------------------------------------------------------


@pytest.mark.parametrize("lease", [math.nan, math.inf, -math.inf, 0.0, -5.0, 10.0**9])
def test_nonsense_lease_is_refused_by_the_engine(br_home: Path, lease: float) -> None:
    queue = TaskQueue(open_db(), "proj", clock=Clock())
    queue.add_tasks([NewTask(id="a", title="a")])
    with pytest.raises(QueueError, match="lease") as caught:
        queue.claim("me", lease_seconds=lease)
    assert caught.value.exit_code == 2 and "\n" not in caught.value.message
    assert queue.get("a").status == "ready"  # nothing claimed
    claim = queue.claim("me", lease_seconds=30)
    assert claim is not None
    with pytest.raises(QueueError, match="lease"):
        queue.heartbeat("a", claim.token, lease_seconds=lease)
    with pytest.raises(QueueError, match="lease"):
        TaskQueue(open_db(), "proj", lease_seconds=lease)


@pytest.mark.parametrize("lease", [1.0, 30.0, 900, 7 * 86400])
def test_sane_leases_are_accepted(br_home: Path, lease: float) -> None:
    clock = Clock()
    queue = TaskQueue(open_db(), "proj", clock=clock)
    queue.add_tasks([NewTask(id="a", title="a")])
    claim = queue.claim("me", lease_seconds=lease)
    assert claim is not None and claim.lease_expires == clock.now + lease


@pytest.mark.parametrize("estimate", [math.nan, math.inf, -1.0])
def test_nonsense_estimate_is_refused(estimate: float) -> None:
    with pytest.raises(ValidationError):
        NewTask(title="x", estimate_minutes=estimate)


@pytest.mark.parametrize(
    "argv",
    [
        ("tasks", "claim", "--lease", "nan"),
        ("tasks", "claim", "--lease", "inf"),
        ("tasks", "add", "x", "--estimate", "nan"),
        ("tasks", "list", "--offset", str(2**63)),
        ("tasks", "list", "--offset", str(10**23)),
        # built at run time: a long digit string after --token looks like a secret to br-secrets
        ("tasks", "done", "a", "--token", str(2**63)),
        ("tasks", "fail", "a", "--token", str(-(2**63) - 1)),
    ],
)
def test_cli_numbers_out_of_range_are_one_line_exit_2(
    git_repo: Path, capsys: pytest.CaptureFixture[str], argv: tuple[str, ...]
) -> None:
    assert _run(capsys, "tasks", "add", "A", "--id", "a")[0] == 0
    code, out, err = _run(capsys, *argv)
    lines = [line for line in err.splitlines() if line.strip()]
    assert code == 2 and len(lines) == 1, (out, err)
    assert "Traceback" not in err
    code, out, _ = _run(capsys, "tasks", "list")
    assert "ready" in out  # nothing was claimed or changed by the refused call


def test_engine_refuses_an_offset_sqlite_cannot_hold(br_home: Path) -> None:
    queue = TaskQueue(open_db(), "proj")
    with pytest.raises(QueueError, match="offset"):
        queue.list_tasks(offset=2**63)
    with pytest.raises(QueueError, match="limit"):
        queue.list_tasks(limit=0)
    assert queue.list_tasks(offset=2**63 - 1) == ([], 0)


# -- item 17: a lock file this user cannot open ----------------------------------------------


def _as_ordinary_user() -> list[str]:
    # Root passes every permission check; without CAP_DAC_OVERRIDE it is held to the mode bits.
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: cannot test a permission refusal")
    return ["setpriv", "--bounding-set", "-dac_override,-dac_read_search"]


ADD = """
import sys
from pathlib import Path
from br_core.errors import BRError
from br_core.queue.models import NewTask
from br_core.queue.task_queue import TaskQueue
from br_core.store.db import open_db
try:
    print(TaskQueue(open_db(Path(sys.argv[1])), "proj").add_tasks([NewTask(title="x")])[0])
except BRError as exc:
    print(exc.message, file=sys.stderr)
    sys.exit(exc.exit_code)
"""


@pytest.mark.parametrize(("mode", "works"), [(0o000, False), (0o444, True)])
def test_unopenable_lock_file_is_one_line_naming_it(br_home: Path, mode: int, works: bool) -> None:
    path = db_path()
    open_db(path).close()
    lock = Path(f"{path}.queue-lock")
    lock.touch()
    lock.chmod(mode)
    proc = subprocess.run(
        [*_as_ordinary_user(), sys.executable, "-c", ADD, str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    if works:  # flock needs no write access: a read-only lock file still serialises writers
        assert proc.returncode == 0 and proc.stdout.strip() == "t1", proc.stderr
        return
    lines = proc.stderr.strip().splitlines()
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr
    assert str(lock) in lines[0] and "chmod 600" in lines[0]


# -- item 13: the database replaced under a running worker -----------------------------------


@pytest.mark.parametrize("how", ["delete", "replace"])
def test_worker_fails_loudly_when_the_database_goes_away(br_home: Path, how: str) -> None:
    path = db_path()
    setup = TaskQueue(open_db(path), "proj")
    setup.add_tasks([NewTask(id="a", title="a")])
    worker = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert worker.stdout is not None and worker.stdout.readline().startswith("claimed")
        for side in ("", "-wal", "-shm"):
            Path(f"{path}{side}").unlink(missing_ok=True)
        if how == "replace":
            fresh = br_home / "fresh.sqlite3"
            open_db(fresh).close()
            os.replace(fresh, path)
        out, err = worker.communicate("go\n", timeout=60)
    finally:
        worker.kill()
    lines = err.strip().splitlines()
    assert worker.returncode == 2 and len(lines) == 1, err
    assert str(path) in lines[0] and ("deleted" if how == "delete" else "replaced") in lines[0]
    assert "done" not in out


# -- item 18: finished twice -----------------------------------------------------------------


def test_done_twice_says_it_is_already_done_by_whom_and_when(br_home: Path) -> None:
    clock = Clock()
    queue = TaskQueue(open_db(), "proj", clock=clock)
    queue.add_tasks([NewTask(id="a", title="a")])
    claim = queue.claim("alice")
    assert claim is not None
    clock.now += 5
    queue.complete("a", claim.token)
    with pytest.raises(StaleTokenError) as caught:
        queue.complete("a", claim.token)
    message = caught.value.message
    when = time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(clock.now))
    assert "already done" in message and "alice" in message and when in message
    assert "is not current" not in message and "\n" not in message


def test_late_token_after_another_claim_says_who_holds_it(br_home: Path) -> None:
    clock = Clock()
    queue = TaskQueue(open_db(), "proj", lease_seconds=10, clock=clock)
    queue.add_tasks([NewTask(id="a", title="a")])
    first = queue.claim("alice")
    assert first is not None
    clock.now += 60  # alice's lease runs out; bob takes the task
    second = queue.claim("bob")
    assert second is not None and second.token == first.token + 1
    with pytest.raises(StaleTokenError) as caught:
        queue.complete("a", first.token)
    message = caught.value.message
    assert f"token {first.token} is not current" in message
    assert "bob" in message and f"token {second.token}" in message and "lease" in message
    queue.complete("a", second.token)
    with pytest.raises(StaleTokenError, match="already done by bob"):
        queue.fail("a", first.token)


def test_cli_done_twice(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "tasks", "add", "A", "--id", "a")[0] == 0
    assert _run(capsys, "tasks", "claim", "--owner", "me")[0] == 0
    assert _run(capsys, "tasks", "done", "a", "--token", "1")[0] == 0
    code, _, err = _run(capsys, "tasks", "done", "a", "--token", "1")
    assert code == 2 and len(err.strip().splitlines()) == 1
    assert "a: already done by me at " in err and "current token 1" not in err

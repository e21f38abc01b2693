"""The queue's rules on one real SQLite file: order, cycles, leases, tokens, retries, history."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path

import pytest

from br_core.errors import StoreError
from br_core.git import project_id
from br_core.queue.models import NewTask, QueueError, StaleTokenError
from br_core.queue.task_queue import TaskQueue
from br_core.store.db import open_db


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def queue(br_home: Path, clock: Clock) -> TaskQueue:
    return TaskQueue(open_db(), "proj", lease_seconds=60, max_attempts=2, clock=clock)


def _drain(queue: TaskQueue) -> list[str]:
    order = []
    while (claim := queue.claim("w")) is not None:
        order.append(claim.task.id)
        queue.complete(claim.task.id, claim.token)
    return order


@pytest.mark.parametrize(
    ("tasks", "expected"),
    [
        # priority first, whatever the insertion order
        ([("a", 3, []), ("b", 1, []), ("c", 2, [])], ["b", "c", "a"]),
        # same priority: insertion order
        ([("x", 2, []), ("y", 2, []), ("z", 2, [])], ["x", "y", "z"]),
        # a dependency runs first even when the dependent is more urgent
        ([("late", 5, []), ("urgent", 0, ["late"])], ["late", "urgent"]),
        # among ready tasks of equal priority, shallower dependency depth first
        ([("r", 2, []), ("s", 2, ["r"]), ("t", 2, [])], ["r", "t", "s"]),
    ],
)
def test_claim_order(
    queue: TaskQueue, tasks: list[tuple[str, int, list[str]]], expected: list[str]
) -> None:
    queue.add_tasks([NewTask(id=i, title=i, priority=p, depends_on=d) for i, p, d in tasks])
    assert _drain(queue) == expected


@pytest.mark.parametrize(
    ("edges", "closing", "cycle"),
    [
        ([], ("a", "a"), "cannot depend on itself"),
        ([("a", "b")], ("b", "a"), "b -> a -> b"),
        ([("a", "b"), ("b", "c")], ("c", "a"), "c -> a -> b -> c"),
        ([("a", "b"), ("b", "c"), ("a", "d")], ("c", "a"), "c -> a -> b -> c"),
    ],
)
def test_edge_closing_a_cycle_is_rejected_and_named(
    queue: TaskQueue, edges: list[tuple[str, str]], closing: tuple[str, str], cycle: str
) -> None:
    queue.add_tasks([NewTask(id=i, title=i) for i in "abcd"])
    for task, dep in edges:
        queue.add_dependency(task, dep)
    with pytest.raises(QueueError, match=cycle):
        queue.add_dependency(*closing)
    assert sorted(queue.edges()) == sorted(edges)


def test_acyclic_edges_are_accepted(queue: TaskQueue) -> None:
    queue.add_tasks([NewTask(id=i, title=i) for i in "abc"])
    queue.add_dependency("a", "b")
    queue.add_dependency("a", "c")
    queue.add_dependency("b", "c")  # a diamond's side, not a cycle
    assert queue.get("a").depends_on == ["b", "c"]
    assert queue.get("a").status == "pending"


def test_unknown_dependency_and_duplicate_ids_are_rejected(queue: TaskQueue) -> None:
    with pytest.raises(QueueError, match="ghost: not in this project's queue"):
        queue.add_tasks([NewTask(id="a", title="a", depends_on=["ghost"])])
    with pytest.raises(QueueError, match="listed twice"):
        queue.add_tasks([NewTask(id="a", title="a"), NewTask(id="a", title="b")])
    assert queue.list_tasks()[1] == 0  # nothing half-written


def test_streams_keep_sessions_apart(queue: TaskQueue) -> None:
    queue.add_tasks(
        [NewTask(id="ui", title="ui", stream="front"), NewTask(id="db", title="db", stream="back")]
    )
    back = queue.claim("w1", stream="back")
    assert back is not None and back.task.id == "db"
    assert queue.claim("w2", stream="back") is None
    front = queue.claim("w2")
    assert front is not None and front.task.id == "ui"


def test_retries_then_dead_and_dependents_blocked(queue: TaskQueue) -> None:
    queue.add_tasks(
        [NewTask(id="flaky", title="f"), NewTask(id="after", title="a", depends_on=["flaky"])]
    )
    first = queue.claim("w")
    assert first is not None
    assert queue.fail("flaky", first.token, reason="boom").status == "ready"
    second = queue.claim("w")
    assert second is not None and second.task.id == "flaky" and second.token > first.token
    assert queue.fail("flaky", second.token, reason="boom again").status == "dead"
    assert queue.get("after").status == "blocked"
    assert queue.claim("w") is None


def test_fail_without_retry_is_failed_at_once(queue: TaskQueue) -> None:
    queue.add_tasks([NewTask(id="t", title="t")])
    claim = queue.claim("w")
    assert claim is not None
    assert queue.fail("t", claim.token, reason="needs a human", retry=False).status == "failed"


def test_heartbeat_keeps_the_lease_and_expiry_returns_the_task(
    queue: TaskQueue, clock: Clock
) -> None:
    queue.add_tasks([NewTask(id="t", title="t")])
    claim = queue.claim("w1")
    assert claim is not None
    clock.now += 50
    assert queue.heartbeat("t", claim.token).lease_expires == clock.now + 60
    clock.now += 50  # past the first lease, inside the extended one
    assert queue.claim("w2") is None
    clock.now += 11
    again = queue.claim("w2")
    assert again is not None and again.task.owner == "w2"
    for call in (queue.heartbeat, queue.complete, queue.fail):
        with pytest.raises(StaleTokenError, match=f"token {claim.token} is not current"):
            call("t", claim.token)
    assert queue.get("t").status == "claimed"


def test_expired_task_on_its_last_attempt_dies(queue: TaskQueue, clock: Clock) -> None:
    queue.add_tasks([NewTask(id="t", title="t")])
    for _ in range(2):
        assert queue.claim("w") is not None
        clock.now += 61
    assert queue.reap_expired() == 1
    assert queue.get("t").status == "dead"


@pytest.mark.parametrize("token", [0, 2, -1])
def test_wrong_token_never_completes(queue: TaskQueue, token: int) -> None:
    queue.add_tasks([NewTask(id="t", title="t")])
    claim = queue.claim("w")
    assert claim is not None and claim.token == 1
    with pytest.raises(StaleTokenError):
        queue.complete("t", token)
    assert [e.kind for e in queue.events("t")][-1] == "rejected"
    assert queue.complete("t", claim.token).status == "done"


def test_unknown_task_is_a_clear_error(queue: TaskQueue) -> None:
    with pytest.raises(QueueError, match="task nope: not in this project's queue"):
        queue.complete("nope", 1)
    with pytest.raises(QueueError, match="task nope"):
        queue.get("nope")


def test_add_is_idempotent_and_updates_in_place(queue: TaskQueue) -> None:
    first = queue.add_tasks([NewTask(id="t", title="old", priority=3)])
    again = queue.add_tasks([NewTask(id="t", title="new", priority=1)])
    assert first == again == ["t"]
    assert queue.list_tasks()[1] == 1
    assert queue.get("t").title == "new"
    assert [e.kind for e in queue.events("t")] == ["added", "ready", "updated"]


def test_generated_ids_are_unique(queue: TaskQueue) -> None:
    ids = queue.add_tasks([NewTask(title="same", feature="f"), NewTask(title="same", feature="f")])
    ids += queue.add_tasks([NewTask(title="no feature")])
    assert len(set(ids)) == 3
    assert ids[0] == "f/same"


def test_list_filters_and_pages(queue: TaskQueue) -> None:
    queue.add_tasks(
        [NewTask(id=f"t{i}", title=f"t{i}", feature="a" if i % 2 else "b") for i in range(7)]
    )
    page, total = queue.list_tasks(feature="a", limit=2, offset=0)
    assert total == 3 and [t.id for t in page] == ["t1", "t3"]
    page, _ = queue.list_tasks(feature="a", limit=2, offset=2)
    assert [t.id for t in page] == ["t5"]
    assert queue.list_tasks(status="done")[1] == 0
    summary = queue.summary()
    assert summary.total == 7 and summary.by_status == {"ready": 7}
    assert summary.features["a"] == {"ready": 3}


def test_projects_do_not_see_each_other(br_home: Path) -> None:
    conn = open_db()
    one, two = TaskQueue(conn, "one"), TaskQueue(conn, "two")
    one.add_tasks([NewTask(id="t", title="t")])
    assert two.claim("w") is None
    assert one.claim("w") is not None


def test_feature_completion_records_a_telemetry_event(git_repo: Path) -> None:
    queue = TaskQueue(open_db(), project_id(git_repo), root=git_repo)
    queue.add_tasks([NewTask(id=f"t{i}", title=f"t{i}", feature="billing") for i in range(2)])
    _drain(queue)
    rows = queue.conn.execute("SELECT data FROM events WHERE type = 'feature'").fetchall()
    assert len(rows) == 1
    data = json.loads(rows[0][0])
    assert data["feature_id"] == "billing" and data["action"] == "complete"
    _drain(queue)  # nothing left: no second event
    assert (
        queue.conn.execute("SELECT count(*) FROM events WHERE type = 'feature'").fetchone()[0] == 1
    )


def test_feature_event_waits_for_the_last_task(git_repo: Path) -> None:
    queue = TaskQueue(open_db(), project_id(git_repo), root=git_repo)
    queue.add_tasks([NewTask(id=f"t{i}", title=f"t{i}", feature="billing") for i in range(2)])
    claim = queue.claim("w")
    assert claim is not None
    queue.complete(claim.task.id, claim.token)
    assert (
        queue.conn.execute("SELECT count(*) FROM events WHERE type = 'feature'").fetchone()[0] == 0
    )


def test_a_queue_without_a_root_records_no_feature_event(git_repo: Path) -> None:
    # Its project id need not be the working directory's: no event under a guessed project.
    conn = open_db()
    queue = TaskQueue(conn, "p")
    queue.add_tasks([NewTask(id="t", title="t", feature="billing")])
    _drain(queue)
    assert conn.execute("SELECT count(*) FROM events WHERE type = 'feature'").fetchone()[0] == 0


def test_close_leaves_the_callers_connection_open(br_home: Path) -> None:
    conn = open_db()
    queue = TaskQueue(conn, "p")
    queue.add_tasks([NewTask(id="t", title="t")])  # takes the writer lock file
    queue.close()
    assert conn.execute("SELECT count(*) FROM tasks").fetchone()[0] == 1
    conn.close()


def test_corrupt_database_is_a_one_line_store_error(br_home: Path) -> None:
    path = br_home / "broken.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError, match=r"broken\.sqlite3: database is corrupt"):
        TaskQueue(open_db(path), "p")


def test_locked_database_is_a_one_line_store_error(br_home: Path) -> None:
    path = br_home / "locked.sqlite3"
    queue = TaskQueue(open_db(path, timeout_ms=50), "p")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        with pytest.raises(StoreError, match=r"locked\.sqlite3: database is locked"):
            queue.add_tasks([NewTask(id="t", title="t")])
    finally:
        holder.execute("ROLLBACK")
    assert queue.add_tasks([NewTask(id="t", title="t")]) == ["t"]


@pytest.mark.parametrize(
    ("batch", "cycle"),
    [
        ([("a", ["b"]), ("b", ["a"])], "b -> a -> b"),
        ([("a", ["a"])], "cannot depend on itself"),
        ([("a", []), ("b", ["a"]), ("c", ["b"]), ("a", ["c"])], "listed twice"),
    ],
)
def test_a_batch_closing_a_cycle_is_rejected_and_nothing_written(
    queue: TaskQueue, batch: list[tuple[str, list[str]]], cycle: str
) -> None:
    queue.add_tasks([NewTask(id="a", title="a"), NewTask(id="b", title="b")])
    with pytest.raises(QueueError, match=cycle):
        queue.add_tasks([NewTask(id=i, title=i, depends_on=d) for i, d in batch])
    assert queue.edges() == []


def test_a_batch_closing_a_cycle_through_existing_edges_is_named(queue: TaskQueue) -> None:
    queue.add_tasks([NewTask(id=i, title=i) for i in "abc"])
    queue.add_dependency("b", "c")
    with pytest.raises(QueueError, match="c -> a -> b -> c"):
        queue.add_tasks(
            [
                NewTask(id="a", title="a", depends_on=["b"]),
                NewTask(id="c", title="c", depends_on=["a"]),
            ]
        )
    assert queue.edges() == [("b", "c")]


def test_deep_chains_in_one_batch_are_added_in_linear_time(queue: TaskQueue) -> None:
    chains, length = 4, 500  # a walk per edge made this quadratic (minutes at 10,000 tasks)
    tasks = [
        NewTask(id=f"c{c}-{i}", title="t", depends_on=[f"c{c}-{i - 1}"] if i else [])
        for c in range(chains)
        for i in range(length)
    ]
    began = time.perf_counter()
    queue.add_tasks(tasks)
    assert time.perf_counter() - began < 60  # generous: quadratic behaviour only
    assert len(queue.edges()) == chains * (length - 1)
    assert [t.id for t in queue.list_tasks(status="ready")[0]] == [f"c{c}-0" for c in range(chains)]
    assert queue.get("c3-499").depends_on == ["c3-498"]


def test_a_claim_when_the_only_ready_task_lease_just_expired(
    queue: TaskQueue, clock: Clock
) -> None:
    queue.add_tasks([NewTask(id="t", title="t")])
    first = queue.claim("w1")
    assert first is not None and queue.claim("w2") is None
    clock.now += 60.001  # just past the lease
    second = queue.claim("w2")
    assert second is not None and second.task.id == "t" and second.token == first.token + 1
    assert second.task.owner == "w2" and second.task.attempts == 2
    assert [e.kind for e in queue.events("t")] == [
        "added",
        "ready",
        "claimed",
        "expired",
        "claimed",
    ]
    with pytest.raises(StaleTokenError, match="your lease ran out"):
        queue.complete("t", first.token)
    assert queue.complete("t", second.token).status == "done"


def test_a_claim_racing_a_done_takes_each_task_once_and_after_its_dependency(
    br_home: Path,
) -> None:
    """One thread completes chain links while another claims: the released link goes to exactly
    one of them, never before the link below it is done."""
    setup = TaskQueue(open_db(), "proj")
    n = 60
    setup.add_tasks(
        [
            NewTask(id=f"t{i:03}", title="t", depends_on=[f"t{i - 1:03}"] if i else [])
            for i in range(n)
        ]
        + [NewTask(id=f"free{i:03}", title="f", priority=3) for i in range(n)]
    )
    taken: dict[str, list[str]] = {"a": [], "b": []}

    def work(name: str) -> None:
        queue = TaskQueue(open_db(), "proj")
        while (claim := queue.claim(name)) is not None:
            for dep in claim.task.depends_on:
                assert queue.get(dep).status == "done", f"{claim.task.id} claimed before {dep}"
            taken[name].append(claim.task.id)
            queue.complete(claim.task.id, claim.token)
        queue.conn.close()

    threads = [threading.Thread(target=work, args=(name,)) for name in taken]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    every = taken["a"] + taken["b"]
    assert len(every) == len(set(every)) == 2 * n
    assert setup.summary().by_status == {"done": 2 * n}
    claims = [e for t in every for e in setup.events(t) if e.kind == "claimed"]
    assert len(claims) == 2 * n

"""The read contract the dashboard builds on: streams, decisions and the merge queue."""

from __future__ import annotations

import sqlite3

import pytest

from br_core.orchestration import model, records
from br_core.queue.models import NewTask
from br_core.queue.task_queue import TaskQueue

PROJECT = "p1"


def _queue(conn: sqlite3.Connection) -> TaskQueue:
    queue = TaskQueue(conn, PROJECT)
    queue.add_tasks(
        [
            NewTask(id="a1", title="api one", stream="api"),
            NewTask(id="a2", title="api two", stream="api", depends_on=["a1"]),
            NewTask(id="w1", title="web one", stream="web"),
            NewTask(id="x", title="no stream"),
        ]
    )
    return queue


def test_streams_join_started_rows_with_the_queue(conn: sqlite3.Connection) -> None:
    queue = _queue(conn)
    records.upsert_stream(conn, PROJECT, "api", "stream/api", "/tmp/r-api")
    claim = queue.claim("worker-api", stream="api", lease_seconds=60)
    assert claim is not None
    records.report_status(
        conn, PROJECT, "api", status="working", owner="worker-api", current_task="a1", head="abc"
    )
    now = claim.lease_expires - 50
    rows = {s.stream: s for s in model.streams(conn, PROJECT, now=now)}
    assert set(rows) == {"api", "web"}  # a stream named only by tasks shows too; "" does not
    api = rows["api"]
    assert (api.status, api.owner, api.current_task, api.head) == (
        "working",
        "worker-api",
        "a1",
        "abc",
    )
    assert api.lease_left == pytest.approx(50)
    assert not api.stale and api.tasks_total == 2 and api.completed == ()
    assert rows["web"].status == "idle" and rows["web"].branch == "stream/web"

    queue.complete("a1", claim.token)
    api = {s.stream: s for s in model.streams(conn, PROJECT)}["api"]
    assert api.completed == ("a1",) and api.tasks_by_status == {"done": 1, "ready": 1}


def test_a_worker_that_stops_heartbeating_shows_stale(conn: sqlite3.Connection) -> None:
    queue = _queue(conn)
    claim = queue.claim("w", stream="web", lease_seconds=600)
    assert claim is not None
    records.report_status(
        conn, PROJECT, "web", status="working", owner="w", current_task="w1", head=None
    )
    (row,) = conn.execute("SELECT heartbeat_at FROM streams WHERE name = 'web'").fetchone()
    fresh = {s.stream: s for s in model.streams(conn, PROJECT, now=row + 5)}["web"]
    late = {
        s.stream: s for s in model.streams(conn, PROJECT, now=row + model.STALE_AFTER_SECONDS + 1)
    }["web"]
    assert not fresh.stale and fresh.status == "working"
    assert late.stale and late.status == "stale"
    expired = {s.stream: s for s in model.streams(conn, PROJECT, now=claim.lease_expires + 1)}[
        "web"
    ]
    assert expired.stale and expired.lease_left is not None and expired.lease_left < 0


def test_decisions_since_a_worker_last_batch(conn: sqlite3.Connection) -> None:
    first = records.add_decision(conn, PROJECT, "use UTC  everywhere", who="alice", stream="api")
    second = records.add_decision(conn, PROJECT, "money in cents", who="bob")
    records.add_decision(conn, "other-project", "not ours", who="eve")
    assert [d.text for d in model.decisions(conn, PROJECT)] == [
        "use UTC everywhere",
        "money in cents",
    ]
    assert model.decisions(conn, PROJECT, since=first.id) == [second]
    assert first.who == "alice" and first.stream == "api"


@pytest.mark.parametrize("text", ["", "   ", "x" * 2001])
def test_a_decision_must_say_something_short(conn: sqlite3.Connection, text: str) -> None:
    with pytest.raises(records.OrchestrationError, match="decision:"):
        records.add_decision(conn, PROJECT, text, who="a")


def test_merge_queue_shows_each_streams_latest_entry(conn: sqlite3.Connection) -> None:
    one = records.add_merge_entry(conn, PROJECT, "api", "main", "checking")
    records.update_merge_entry(conn, one, "merged", merged_commit="c0ffee", files=["a.py"])
    two = records.add_merge_entry(conn, PROJECT, "web", "main", "checking")
    records.update_merge_entry(
        conn, two, "conflict", files=["shared.py"], other_stream="api", output_tail="CONFLICT"
    )
    again = records.add_merge_entry(conn, PROJECT, "web", "main", "waiting")
    entries = model.merge_queue(conn, PROJECT)
    assert [(e.stream, e.state) for e in entries] == [("api", "merged"), ("web", "waiting")]
    assert entries[0].files == ("a.py",) and entries[0].merged_commit == "c0ffee"
    assert entries[1].id == again
    assert entries[0].to_dict()["files"] == ["a.py"]

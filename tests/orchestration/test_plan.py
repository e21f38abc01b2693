"""The plan's estimate: task estimates, corrected by measured claim -> done durations."""

from __future__ import annotations

import sqlite3

import pytest

from br_core.orchestration.plan import build_plan, nearest_rank
from br_core.queue.models import NewTask
from br_core.queue.task_queue import TaskQueue

PROJECT = "p"


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


def _history(conn: sqlite3.Connection, clock: Clock, minutes: list[float]) -> None:
    """Finished tasks estimated at 10 min each that really took `minutes`."""
    queue = TaskQueue(conn, PROJECT, clock=clock)
    queue.add_tasks(
        [NewTask(id=f"old{i}", title="old", estimate_minutes=10) for i in range(len(minutes))]
    )
    for took in minutes:
        claim = queue.claim("w")
        assert claim is not None
        clock.now += took * 60
        queue.complete(claim.task.id, claim.token)


def test_without_history_the_estimate_is_the_sum_and_has_no_interval(
    conn: sqlite3.Connection,
) -> None:
    TaskQueue(conn, PROJECT).add_tasks(
        [
            NewTask(id="a", title="a", stream="api", estimate_minutes=60),
            NewTask(id="b", title="b", stream="api", depends_on=["a"]),
            NewTask(id="c", title="c", stream="web", estimate_minutes=20, depends_on=["a"]),
            NewTask(id="loose", title="no stream"),
        ]
    )
    plan = build_plan(conn, PROJECT)
    api, web = plan.streams
    assert [(b.number, [t.id for t in b.tasks]) for b in api.batches] == [(1, ["a"]), (2, ["b"])]
    # b has no estimate: it counts as the median of the known ones (60, 20 -> 40)
    assert api.estimate.minutes == 100 and api.estimate.low is None
    assert "1 without an estimate counted as 40 min" in api.estimate.basis
    assert web.depends_on == ("api",) and api.depends_on == ()
    assert [t.id for t in plan.unassigned] == ["loose"] and "no stream" in plan.notes[0]


def test_history_scales_the_estimate_and_gives_an_interval(conn: sqlite3.Connection) -> None:
    clock = Clock()
    # ratios actual/estimate: 0.5, 1, 1, 1.5, 2, 2, 3, 4, 1, 1
    _history(conn, clock, [5, 10, 10, 15, 20, 20, 30, 40, 10, 10])
    TaskQueue(conn, PROJECT, clock=clock).add_tasks(
        [NewTask(id="n1", title="n", stream="api", estimate_minutes=30)]
    )
    plan = build_plan(conn, PROJECT)
    (api,) = plan.streams
    assert plan.history == 10 and plan.ratio_quantiles == (0.5, 1.25, 3.0)
    assert api.estimate.minutes == pytest.approx(37.5)
    assert (api.estimate.low, api.estimate.high) == (pytest.approx(15), pytest.approx(90))


def test_a_lost_lease_does_not_count_as_a_slow_task(conn: sqlite3.Connection) -> None:
    clock = Clock()
    queue = TaskQueue(conn, PROJECT, clock=clock, lease_seconds=60)
    queue.add_tasks([NewTask(id="x", title="x", estimate_minutes=10)])
    assert queue.claim("gone") is not None
    clock.now += 3600  # the first worker vanished; its lease ran out long ago
    claim = queue.claim("second")
    assert claim is not None
    clock.now += 600
    queue.complete("x", claim.token)
    from br_core.orchestration.plan import measured_ratios

    assert measured_ratios(conn, PROJECT) == [pytest.approx(1.0)]


@pytest.mark.parametrize(("q", "want"), [(0.1, 1), (0.5, 5), (0.9, 9), (1.0, 10)])
def test_nearest_rank(q: float, want: float) -> None:
    assert nearest_rank([float(i) for i in range(10, 0, -1)], q) == want

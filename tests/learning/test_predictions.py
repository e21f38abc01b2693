"""The predictions where users meet them: route_task (engine, MCP client, `br route`), the plan of
`br orchestrate plan`, and `br cost blocks`; each appears only once enough outcomes exist."""

from __future__ import annotations

import json
import math
import random
import sqlite3
import time
from pathlib import Path

import anyio
import pytest
from mcp import Client

from br_cli.app import main
from br_core.cost.blocks import build_blocks
from br_core.cost.pricing import load_price_table
from br_core.cost.report import record_usage
from br_core.git import project_id
from br_core.learning import predict
from br_core.learning.predict import MIN_SAMPLES
from br_core.orchestration.plan import build_plan
from br_core.queue.models import NewTask
from br_core.queue.task_queue import TaskQueue
from br_core.routing.decisions import record_outcome
from br_core.routing.router import route_task
from br_mcp.server import create_server

TASK = "Fix the crash in export"


def _costs(conn: sqlite3.Connection, tier: str, n: int, seed: int = 1) -> list[float]:
    """n tasks routed to `tier` with measured, lognormal costs around $0.50."""
    rng, paid = random.Random(seed), []
    for _ in range(n):
        got = route_task(conn, Path.cwd(), TASK, override=tier)
        cost = round(0.5 * math.exp(rng.gauss(0, 0.6)), 4)
        record_outcome(conn, project_id(Path.cwd()), got.decision_id, True, cost)
        paid.append(cost)
    return paid


def test_route_task_gives_no_interval_until_enough_costs_and_says_how_many_more(
    conn: sqlite3.Connection, git_repo: Path
) -> None:
    _costs(conn, "sonnet", MIN_SAMPLES - 3)
    got = route_task(conn, Path.cwd(), TASK, override="sonnet")
    assert got.cost_interval_usd is None
    assert "80% interval after 3 more measured costs" in got.cost_basis


def test_route_task_gives_an_80_percent_interval_that_holds_most_costs(
    conn: sqlite3.Connection, git_repo: Path
) -> None:
    paid = _costs(conn, "sonnet", 60)
    got = route_task(conn, Path.cwd(), TASK, override="sonnet")
    assert got.cost_interval_usd is not None
    low, high = got.cost_interval_usd
    assert 0 < low < high
    inside = sum(low <= c <= high for c in paid) / len(paid)
    assert 0.7 <= inside <= 0.95, inside
    # another tier has no measured cost: no interval borrowed from sonnet's
    assert route_task(conn, Path.cwd(), TASK, override="opus").cost_interval_usd is None


def test_route_task_reuses_the_fitted_costs_until_a_new_outcome_arrives(
    conn: sqlite3.Connection, git_repo: Path
) -> None:
    _costs(conn, "sonnet", 30)
    predict.fitted_costs.cache_clear()
    first = route_task(conn, Path.cwd(), TASK, override="sonnet")
    again = route_task(conn, Path.cwd(), TASK, override="sonnet")
    assert predict.fitted_costs.cache_info().hits == 1
    assert again.cost_interval_usd == first.cost_interval_usd
    # a costly outcome is a new store state: refitted, and the interval moves up
    record_outcome(conn, project_id(git_repo), again.decision_id, True, 50.0)
    after = route_task(conn, Path.cwd(), TASK, override="sonnet")
    assert predict.fitted_costs.cache_info().misses == 2
    assert after.cost_interval_usd is not None and first.cost_interval_usd is not None
    assert after.cost_interval_usd[1] > first.cost_interval_usd[1]


def test_route_task_over_the_mcp_client_and_br_route_show_the_interval(
    conn: sqlite3.Connection, git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _costs(conn, "haiku", 30)

    async def body() -> object:
        with anyio.fail_after(60):
            async with Client(create_server(git_repo)) as client:
                return await client.call_tool(
                    "route_task", {"description": TASK, "override": "haiku"}
                )

    result = anyio.run(body)
    content = result.structured_content  # type: ignore[attr-defined]
    low, high = content["cost_interval_usd"]
    assert 0 < low < high
    assert main(["route", TASK, "--tier", "haiku"]) == 0
    out = capsys.readouterr().out
    assert f"80% within ${low:.4f}-${high:.4f}" in out


def _finished(queue: TaskQueue, clock: list[float], stream: str, took: list[float]) -> None:
    """Done tasks of `stream`, estimated at 10 minutes, that took `took` minutes."""
    base = len(queue.list_tasks(limit=1000)[0])
    queue.add_tasks(
        [NewTask(id=f"d{base + i}", title="old", stream=stream, estimate_minutes=10)
         for i in range(len(took))]
    )  # fmt: skip
    for minutes in took:
        claim = queue.claim("w", stream=stream)
        assert claim is not None
        clock[0] += minutes * 60
        queue.complete(claim.task.id, claim.token)


def test_the_plan_uses_the_learned_interval_once_enough_tasks_are_measured(
    conn: sqlite3.Connection,
) -> None:
    clock = [1_000_000.0]
    queue = TaskQueue(conn, "p", clock=lambda: clock[0])
    rng = random.Random(3)
    _finished(queue, clock, "api", [20 * math.exp(rng.gauss(0, 0.3)) for _ in range(30)])
    queue.add_tasks([NewTask(id="next", title="next", stream="api", estimate_minutes=30)])
    api = build_plan(conn, "p").streams[0]
    assert "split conformal" in api.estimate.basis
    # tasks here take about twice their estimate: 30 min estimated -> about 60
    assert 45 < api.estimate.minutes < 80
    assert api.estimate.low is not None and api.estimate.high is not None
    assert api.estimate.low < api.estimate.minutes < api.estimate.high
    direct = predict.task_duration(conn, "p", 30, "api")
    assert direct.ready and direct.point == pytest.approx(api.estimate.minutes)


def _streams(conn: sqlite3.Connection, count: int) -> TaskQueue:
    """`count` finished streams of 4 tasks estimated at 10 minutes, each taking about 20 minutes
    with its own independent noise, then one open stream `next` of 4 such tasks."""
    clock = [1_000_000.0]
    queue = TaskQueue(conn, "p", clock=lambda: clock[0])
    rng = random.Random(5)
    for i in range(count):
        _finished(queue, clock, f"s{i}", [20 * math.exp(rng.gauss(0, 0.4)) for _ in range(4)])
    queue.add_tasks(
        [NewTask(id=f"n{i}", title="next", stream="next", estimate_minutes=10) for i in range(4)]
    )
    return queue


def test_stream_completion_is_calibrated_on_finished_streams_once_there_are_enough(
    conn: sqlite3.Connection,
) -> None:
    """Independent task noise averages out over a stream: the interval learned from finished
    streams' own residuals is narrower than the task-level one, and still holds the typical
    total (4 tasks x 10 min estimated, about twice that taken)."""
    _streams(conn, 14)
    stream = predict.stream_completion(conn, "p", "next", [10, 10, 10, 10])
    task_level = predict.task_duration(conn, "p", 40, "next")
    assert stream.ready and task_level.ready
    assert stream.point == pytest.approx(task_level.point)
    assert stream.low is not None and stream.high is not None
    assert task_level.low is not None and task_level.high is not None
    assert stream.high - stream.low < 0.8 * (task_level.high - task_level.low)
    assert stream.low < 80 < stream.high


def test_stream_completion_keeps_the_task_level_interval_before_nine_finished_streams(
    conn: sqlite3.Connection,
) -> None:
    """Eight finished streams give at most seven residuals (the first has no past to predict
    it from): too few for an 80% interval, so the wider task-level one stays."""
    _streams(conn, 8)
    stream = predict.stream_completion(conn, "p", "next", [10, 10, 10, 10])
    task_level = predict.task_duration(conn, "p", 40, "next")
    assert stream.ready
    assert (stream.low, stream.high) == (task_level.low, task_level.high)


def test_blocks_say_when_the_budget_runs_out_with_its_interval(
    conn: sqlite3.Connection, git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Twelve earlier 5-hour blocks at a steady pace, then an active block burning faster."""
    now = time.time()
    start = now - 12 * 6 * 3600
    for b in range(12):
        for minute in range(0, 240, 4):
            record_usage(conn, git_repo, "claude-sonnet-4-5", 1000, 20_000,
                         ts=start + b * 6 * 3600 + minute * 60)  # fmt: skip
    active_start = now - 3600
    for minute in range(0, 60, 2):  # twice the pace
        record_usage(conn, git_repo, "claude-sonnet-4-5", 1000, 20_000,
                     ts=active_start + minute * 60)  # fmt: skip
    table = load_price_table(git_repo)
    blocks, _, _ = build_blocks(conn, table, "project_id = ?", [project_id(git_repo)], now)
    active = blocks[-1]
    assert active.active and active.budget_usd is not None
    assert active.runout_at is not None and active.runout_earliest is not None
    assert active.runout_earliest <= active.runout_at
    # spent ~1/4 of the costliest block's budget in the first hour at twice the usual pace
    hours = (active.runout_at.timestamp() - now) / 3600
    assert 0.5 < hours < 3.5
    assert main(["cost", "blocks"]) == 0
    assert "runs out:" in capsys.readouterr().out


def test_blocks_before_enough_history_say_how_much_more_is_needed(
    conn: sqlite3.Connection, git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    now = time.time()
    for ts in (now - 8 * 3600, now - 8 * 3600 + 600, now - 1200, now - 60):
        record_usage(conn, git_repo, "claude-sonnet-4-5", 1000, 20_000, ts=ts)
    assert main(["cost", "blocks"]) == 0
    assert "more block-hours of history needed" in capsys.readouterr().out


def test_accuracy_reports_each_prediction_on_this_projects_history(
    conn: sqlite3.Connection, git_repo: Path
) -> None:
    _costs(conn, "sonnet", 40)
    by_name = {a.name: a for a in predict.accuracy(conn, project_id(git_repo))}
    cost = by_name["task_cost"]
    assert cost.samples == 40 and cost.result.predicted > 20
    assert cost.result.coverage is not None and 0.6 < cost.result.coverage <= 1.0
    assert by_name["task_duration"].samples == 0
    assert json.dumps(cost.result.coverage)  # plain numbers for the digest

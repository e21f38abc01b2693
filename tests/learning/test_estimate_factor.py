"""The estimate-bias suggestion: a planning factor from measured claim -> done times, through a
real store and queue, applied to the user's own config and used by `br orchestrate plan`."""

from __future__ import annotations

import json
import math
import random
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest
from mcp import Client

from br_cli.app import main
from br_core.config import read_user_config, user_config_path
from br_core.git import project_id
from br_core.learning.planning import estimate_factor
from br_core.queue.models import NewTask
from br_core.queue.task_queue import TaskQueue
from br_mcp.server import create_server
from tests.conftest import git
from tests.learning.helpers import DAY, now
from tests.mcp.test_mcp import run


class Clock:
    """The queue's clock, walked through the last days (inside `br suggest`'s 90-day window)."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


def _history(conn: sqlite3.Connection, root: Path, bias: float, n: int, start: int = 0) -> None:
    """`n` finished tasks estimated at 10-60 min that took `bias` x their estimate times a
    lognormal noise (sigma 0.3) drawn in +/- pairs, so the log ratios' mean is log(bias)."""
    rng = random.Random(n + start)
    clock = Clock(now() - 20 * DAY + start * 3600)
    queue = TaskQueue(conn, project_id(root), clock=clock)
    estimates = [float(rng.choice([10, 15, 20, 30, 45, 60])) for _ in range(n)]
    queue.add_tasks(
        [
            NewTask(id=f"t{start + i}", title="work", estimate_minutes=e)
            for i, e in enumerate(estimates)
        ]
    )
    noise = [rng.gauss(0, 0.3) for _ in range((n + 1) // 2)]
    logs = [s * e for e in noise for s in (1, -1)][:n]
    for estimate, log_noise in zip(estimates, logs, strict=True):
        claim = queue.claim("w")
        assert claim is not None
        clock.now += estimate * bias * math.exp(log_noise) * 60
        queue.complete(claim.task.id, claim.token)
        clock.now += 600


def _suggestions(capsys: pytest.CaptureFixture[str]) -> list[dict[str, Any]]:
    assert main(["suggest", "--json"]) == 0
    found = json.loads(capsys.readouterr().out)["suggestions"]
    return [s for s in found if s["kind"] == "estimate_factor"]


def _plan_minutes(capsys: pytest.CaptureFixture[str]) -> tuple[float, dict[str, Any]]:
    assert main(["orchestrate", "plan", "--json"]) == 0
    plan = json.loads(capsys.readouterr().out)
    (stream,) = plan["streams"]
    return stream["estimate"]["minutes"], plan


def _open_stream(conn: sqlite3.Connection, root: Path) -> None:
    TaskQueue(conn, project_id(root)).add_tasks(
        [
            NewTask(id="api-a", title="a", stream="api", estimate_minutes=60),
            NewTask(id="api-b", title="b", stream="api", estimate_minutes=30),
        ]
    )


def test_a_clear_bias_suggests_its_factor_with_the_evidence(
    conn: sqlite3.Connection, git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _history(conn, git_repo, bias=1.6, n=30)
    (sug,) = _suggestions(capsys)
    ev = sug["evidence"]
    assert ev["n"] == 30 and ev["ratio"] == pytest.approx(1.6, rel=1e-6)
    assert 1 < ev["low"] < 1.6 < ev["high"] and ev["factor"] == 1.6
    assert ev["median"] > 1 and " .. " in ev["period"]
    assert "30 tasks took 1.60x their estimates" in ev["text"]
    assert sug["action"].startswith("Plan with [planning] estimate_factor = 1.6")
    assert str(user_config_path()) in sug["command"] and "estimate_factor = 1.6" in sug["command"]
    assert not user_config_path().exists()  # listed, not applied
    server = create_server(git_repo)  # the MCP tool: the same engine, the same suggestion

    async def body(client: Client) -> Any:
        return await client.call_tool("suggestions", {})

    listed = run(body, server).structured_content["suggestions"]
    assert [s["id"] for s in listed if s["kind"] == "estimate_factor"] == [sug["id"]]
    subprocess.run(sug["command"], shell=True, check=True)  # the printed command, as shown
    assert estimate_factor(read_user_config()) == 1.6


def test_a_quicker_than_estimated_history_suggests_a_factor_below_one(
    conn: sqlite3.Connection, git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _history(conn, git_repo, bias=0.6, n=24)
    (sug,) = _suggestions(capsys)
    assert sug["evidence"]["factor"] == 0.6 and sug["evidence"]["high"] < 1
    assert "tasks take less than estimated" in sug["action"]


@pytest.mark.parametrize(
    ("bias", "n"),
    [
        (1.0, 40),  # noisy but unbiased: the interval holds 1x
        (1.05, 40),  # a small bias the noise hides (95% interval 0.95-1.16)
        (2.0, 19),  # clearly biased, one task short of the pattern's 20
    ],
)
def test_no_factor_without_a_significant_bias_or_enough_tasks(
    conn: sqlite3.Connection,
    git_repo: Path,
    capsys: pytest.CaptureFixture[str],
    bias: float,
    n: int,
) -> None:
    _history(conn, git_repo, bias=bias, n=n)
    assert _suggestions(capsys) == []


def test_a_dismissed_factor_is_not_suggested_again_however_the_evidence_grows(
    conn: sqlite3.Connection, git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _history(conn, git_repo, bias=1.6, n=24)
    (sug,) = _suggestions(capsys)
    assert main(["suggest", "dismiss", sug["id"], "--reason", "we pad by hand"]) == 0
    capsys.readouterr()
    _history(conn, git_repo, bias=2.5, n=30, start=100)
    assert _suggestions(capsys) == []


def test_an_applied_factor_scales_a_plan_without_history_and_is_not_counted_twice(
    conn: sqlite3.Connection,
    git_repo: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _history(conn, git_repo, bias=1.6, n=30)
    _open_stream(conn, git_repo)
    measured_before, _ = _plan_minutes(capsys)
    fresh = tmp_path / "fresh"  # a new project of the same user: no measured task yet
    fresh.mkdir()
    git(fresh, "init", "-q", "-b", "main")
    git(fresh, "commit", "-q", "--allow-empty", "-m", "initial")
    _open_stream(conn, fresh)
    monkeypatch.chdir(fresh)
    fresh_before, _ = _plan_minutes(capsys)
    assert fresh_before == 90
    monkeypatch.chdir(git_repo)
    (sug,) = _suggestions(capsys)
    assert main(["suggest", "accept", sug["id"], "--apply"]) == 0
    assert f"applied to {user_config_path()}" in capsys.readouterr().out
    assert user_config_path().stat().st_mode & 0o777 == 0o600
    assert _suggestions(capsys) == []  # answered
    measured_after, plan = _plan_minutes(capsys)
    assert measured_after == measured_before  # the measured ratio already holds the bias
    assert any("estimate_factor 1.6 of your config left out" in n for n in plan["notes"])
    monkeypatch.chdir(fresh)
    fresh_after, plan = _plan_minutes(capsys)
    assert fresh_after == pytest.approx(90 * 1.6)
    assert "x estimate_factor 1.6" in plan["streams"][0]["estimate"]["basis"]


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ('"1.5"', "must be a number"),
        ("true", "must be a number"),
        ("nan", "must be a number"),
        ("inf", "must be a number"),
        ("0", "is outside 0.1-10"),
        ("-1.5", "is outside 0.1-10"),
        ("25", "is outside 0.1-10"),
    ],
)
def test_a_bad_factor_is_one_line_and_exit_2(
    git_repo: Path, capsys: pytest.CaptureFixture[str], value: str, problem: str
) -> None:
    user_config_path().parent.mkdir(parents=True, exist_ok=True)
    user_config_path().write_text(f"[planning]\nestimate_factor = {value}\n", encoding="utf-8")
    assert main(["orchestrate", "plan"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert str(user_config_path()) in err and "[planning] estimate_factor" in err
    assert problem in err


def test_an_existing_planning_table_is_refused_with_one_line(
    conn: sqlite3.Connection, git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    user_config_path().parent.mkdir(parents=True, exist_ok=True)
    user_config_path().write_text("[planning]\n", encoding="utf-8")
    _history(conn, git_repo, bias=1.6, n=24)
    (sug,) = _suggestions(capsys)
    assert main(["suggest", "accept", sug["id"], "--apply"]) == 2
    err = capsys.readouterr().err
    assert "already has a [planning] table; set estimate_factor = 1.6 under it by hand" in err
    assert user_config_path().read_text(encoding="utf-8") == "[planning]\n"


def test_routing_cost_pairs_do_not_count_towards_a_planning_factor(
    conn: sqlite3.Connection, git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from br_core.routing.decisions import NewDecision, record_outcome, store_decision

    project = project_id(git_repo)
    for _ in range(10):  # cost estimates 1.5x optimistic: the pattern is ready with 29 pairs
        d = NewDecision(
            project, "", {}, "sonnet", "sonnet", False, "heuristic", "", None, None, 0.10,
            None, None,
        )  # fmt: skip
        record_outcome(conn, project, store_decision(conn, d), True, 0.15)
    _history(conn, git_repo, bias=2.0, n=19)
    assert main(["suggest", "patterns", "--json"]) == 0
    (bias,) = [p for p in json.loads(capsys.readouterr().out) if p["name"] == "estimate_bias"]
    assert bias["ready"] and bias["samples"] == 29
    assert _suggestions(capsys) == []  # 19 task durations: one short of a factor
    _history(conn, git_repo, bias=2.0, n=2, start=100)
    (sug,) = _suggestions(capsys)
    assert sug["evidence"]["n"] == 21 and sug["evidence"]["estimate"] == "task duration"

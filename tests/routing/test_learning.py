"""Decisions joined to outcomes by id, and the learner that routes from those outcomes alone."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest

from br_cli.app import main
from br_core import trust
from br_core.config import read_config
from br_core.errors import ConfigError, UsageError
from br_core.git import project_id
from br_core.routing import bandit
from br_core.routing.bandit import History, Objective, Tally, choose, cost_weights
from br_core.routing.decisions import record_outcome
from br_core.routing.router import route_task


def _config(root: Path, text: str, *, trusted: bool = False) -> None:
    (root / ".buildrunner").mkdir(exist_ok=True)
    (root / ".buildrunner" / "config.toml").write_text(text, encoding="utf-8")
    if trusted:  # as `br config trust` would
        loaded = read_config(root)
        assert loaded.digest is not None
        trust.grant(loaded.path, loaded.digest)


def _teach(conn: sqlite3.Connection, tier: str, resolved: bool, cost: float, n: int) -> None:
    """n decisions forced to `tier` (as a user's override would), each with its outcome."""
    for _ in range(n):
        got = route_task(conn, Path.cwd(), "Fix the crash in export", override=tier)
        record_outcome(conn, project_id(Path.cwd()), got.decision_id, resolved, cost)


def test_every_decision_is_stored_with_its_features(
    conn: sqlite3.Connection, git_repo: Path
) -> None:
    text = 'Fix `parse()`\n```\nTraceback (most recent call last):\n  File "a/b.py"\n```'
    got = route_task(conn, Path.cwd(), text, area="parser", task_id="T-1")
    assert got.decision_id.startswith("rd-") and got.source == "heuristic"
    row = conn.execute(
        "SELECT tier, area, task_id, features, resolved FROM routing_decisions WHERE id = ?",
        (got.decision_id,),
    ).fetchone()
    assert row[:3] == (got.tier, "parser", "T-1") and row[4] is None
    features = json.loads(row[3])
    assert features["traceback"] == 1 and features["code_blocks"] == 1
    assert features["files_mentioned"] == 1 and features["chars"] == len(text)
    again = route_task(conn, Path.cwd(), text)
    assert again.decision_id != got.decision_id


def test_outcome_by_id_replaces_and_refuses_what_is_not_a_decision(
    conn: sqlite3.Connection, git_repo: Path
) -> None:
    project = project_id(Path.cwd())
    got = route_task(conn, Path.cwd(), "Add a flag to the exporter")
    first = record_outcome(conn, project, got.decision_id, False, 0.4, tokens=10, notes="x")
    assert (first.resolved, first.cost_usd, first.replaced, first.learned_from) == (
        False, 0.4, False, 1,
    )  # fmt: skip
    second = record_outcome(conn, project, got.decision_id, True, None)
    assert second.replaced and second.resolved and second.cost_usd == 0.4  # cost kept
    with pytest.raises(UsageError, match="not found in this project"):
        record_outcome(conn, "another-project", got.decision_id, True, 0.1)
    with pytest.raises(UsageError, match="not a decision id"):
        record_outcome(conn, project, "rd-xyz; DROP TABLE", True, 0.1)
    for bad in ({"cost_usd": float("nan")}, {"cost_usd": -1.0}, {"cost_usd": float("inf")}):
        with pytest.raises(UsageError, match="cost_usd"):
            record_outcome(conn, project, got.decision_id, True, bad["cost_usd"])
    with pytest.raises(UsageError, match="duration_s"):
        record_outcome(conn, project, got.decision_id, True, 0.1, duration_s=1e12)
    with pytest.raises(UsageError, match="notes"):
        record_outcome(conn, project, got.decision_id, True, 0.1, notes="n" * 501)


def test_learner_takes_over_after_the_first_outcome_and_follows_the_evidence(
    conn: sqlite3.Connection, git_repo: Path
) -> None:
    _config(git_repo, '[routing]\nobjective = "tradeoff"\ncost_weight = 0.5\nexplore = 0\n',
            trusted=True)  # fmt: skip
    _teach(conn, "haiku", True, 0.2, 12)
    _teach(conn, "opus", True, 0.9, 3)
    rng = random.Random(3)
    tiers = [route_task(conn, Path.cwd(), "Fix it", rng=rng) for _ in range(10)]
    assert {d.source for d in tiers} == {"learned"}
    assert {d.tier for d in tiers} == {"haiku"}  # as good, cheaper
    assert tiers[0].p_success is not None and tiers[0].p_success > 0.8
    assert "learned" in tiers[0].cost_basis and tiers[0].estimated_cost_usd is not None
    # ...and must NOT keep Haiku once it fails where Opus resolves
    _teach(conn, "haiku", False, 0.2, 30)
    _teach(conn, "opus", True, 0.9, 20)
    later = [route_task(conn, Path.cwd(), "Fix it", rng=rng).tier for _ in range(10)]
    assert later == ["opus"] * 10


def test_exploration_is_bounded_and_explained(conn: sqlite3.Connection, git_repo: Path) -> None:
    _config(git_repo, '[routing]\nobjective = "tradeoff"\ncost_weight = 0.3\nexplore = 0.1\n',
            trusted=True)  # fmt: skip
    _teach(conn, "haiku", True, 0.3, 3)
    _teach(conn, "opus", True, 0.7, 2)
    rng = random.Random(0)
    made = [route_task(conn, Path.cwd(), "Fix it", rng=rng) for _ in range(60)]
    explored = [d for d in made if d.explored]
    assert 0 < len(explored) <= 0.1 * 60 + 1  # the cap, measured over the last 50 decisions
    assert all("exploring" in d.explanation and "cap 10%" in d.explanation for d in explored)
    _config(git_repo, '[routing]\nobjective = "tradeoff"\ncost_weight = 0.3\nexplore = 0\n',
            trusted=True)  # fmt: skip
    assert not any(route_task(conn, Path.cwd(), "Fix it", rng=rng).explored for _ in range(30))


def _history(rates: dict[str, tuple[int, int, float]]) -> History:
    h = History()
    for tier, (n, ok, cost) in rates.items():
        h.tallies[("", tier)] = Tally(n, ok, n, cost * n)  # type: ignore[index]
    h.areas[""] = sum(n for n, _, _ in rates.values())
    return h


def test_floor_mixes_haiku_and_opus_to_meet_the_baseline_for_less() -> None:
    # the dev set's shape: Sonnet is dominated by a Haiku/Opus mix
    h = _history({"haiku": (400, 274, 0.32), "sonnet": (400, 286, 0.64), "opus": (400, 314, 0.74)})
    weights = cost_weights(h, "", Objective("floor", "sonnet", 0.01))
    assert 0 < weights.mix < 1 and weights.low < weights.high
    b = bandit.beliefs(h, "")
    mean = {t: b[t].mean for t in bandit.TIERS}
    cost = {t: b[t].cost_usd for t in bandit.TIERS}
    low, high = (
        bandit.best_tier(mean, cost, weights.low),
        bandit.best_tier(mean, cost, weights.high),
    )
    assert (low, high) == ("opus", "haiku")  # never Sonnet
    success = (1 - weights.mix) * mean[low] + weights.mix * mean[high]
    base, safety = bandit._baseline([(1, b)], "sonnet")
    assert success == pytest.approx(base + safety - 0.01, abs=1e-9)  # the floor, met exactly
    spend = (1 - weights.mix) * cost[low] + weights.mix * cost[high]
    assert spend < cost["sonnet"]


def test_budget_objective_spends_the_budget_on_average() -> None:
    h = _history({"haiku": (400, 274, 0.32), "sonnet": (400, 286, 0.64), "opus": (400, 314, 0.74)})
    weights = cost_weights(h, "", Objective("budget", budget_usd=0.5))
    b = bandit.beliefs(h, "")
    mean = {t: b[t].mean for t in bandit.TIERS}
    cost = {t: b[t].cost_usd for t in bandit.TIERS}
    low, high = (
        bandit.best_tier(mean, cost, weights.low),
        bandit.best_tier(mean, cost, weights.high),
    )
    assert (1 - weights.mix) * cost[low] + weights.mix * cost[high] == pytest.approx(0.5)
    tight = cost_weights(h, "", Objective("budget", budget_usd=0.01))
    assert bandit.best_tier(mean, cost, tight.low) == "haiku" and "no tier fits" in tight.why
    rng = random.Random(5)
    picks = [choose(h, "", Objective("budget", budget_usd=0.5, explore=0), rng).tier
             for _ in range(400)]  # fmt: skip
    spent = sum(cost[t] for t in picks) / len(picks)
    assert spent == pytest.approx(0.5, abs=0.03)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('objective = "cheap"', "objective"),
        ('objective = "budget"', "needs budget_usd"),
        ("margin = 2", "margin"),
        ("explore = true", "explore"),
        ('baseline = "gpt"', "not a tier"),
        ('learn = "yes"', "learn"),
    ],
)
def test_bad_objective_config_is_one_line(
    conn: sqlite3.Connection, git_repo: Path, text: str, message: str
) -> None:
    _config(git_repo, f"[routing]\n{text}\n")
    with pytest.raises(ConfigError, match=message) as info:
        route_task(conn, Path.cwd(), "Fix it")
    assert "config.toml" in info.value.message and "\n" not in info.value.message


def test_learning_off_keeps_the_heuristic(conn: sqlite3.Connection, git_repo: Path) -> None:
    _teach(conn, "opus", True, 0.1, 5)
    _config(git_repo, "[routing]\nlearn = false\n")
    got = route_task(conn, Path.cwd(), "Fix a typo in the README", 1, 2)
    assert (got.tier, got.source) == ("haiku", "heuristic")


def test_cli_route_prints_the_decision_and_takes_its_outcome(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["route", "Add a flag to the exporter", "--json"]) == 0
    decision = json.loads(capsys.readouterr().out)["decision_id"]
    assert main(["route", "Add a flag to the exporter"]) == 0
    assert "Decision:   rd-" in capsys.readouterr().out
    assert main(["route", "outcome", decision, "--failed", "--cost", "0.25"]) == 0
    out = capsys.readouterr().out
    assert f"recorded: {decision}" in out and "failed, $0.2500" in out
    assert main(["route", "outcome", decision, "--resolved"]) == 0
    assert "replaced" in capsys.readouterr().out
    for args, error in (
        (["route", "outcome", decision], "--resolved or --failed"),
        (["route", "outcome", "--resolved"], "give the decision id"),
        (["route", "outcome", "rd-0123456789ab", "--resolved"], "not found"),
        (["route", "outcome", decision, "--resolved", "--cost", "-1"], "-1"),
        (["route", "Fix", "it"], "quote the task"),
    ):
        assert main(args) == 2, args
        err = capsys.readouterr().err
        assert error in err and "Traceback" not in err, (args, err)


def test_model_stats_explains_the_learner(
    conn: sqlite3.Connection, git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["model", "stats"]) == 0
    assert "keyword heuristic until the first outcome" in capsys.readouterr().out
    _teach(conn, "haiku", True, 0.3, 4)
    _teach(conn, "haiku", False, 0.3, 1)
    _teach(conn, "opus", True, 0.8, 2)
    assert main(["model", "stats"]) == 0
    out = capsys.readouterr().out
    assert "objective as good as sonnet (within 1%) for less" in out
    assert "7 decisions, 7 with an outcome" in out
    haiku = next(line for line in out.splitlines() if "Haiku" in line and "4/5" in line)
    assert "$0.3000" in haiku and "[" in haiku  # cost per task and the interval
    # Sonnet unmeasured: its prior (71%) plus half an sd is the floor; Opus/Haiku mixed to meet it
    assert "Next decision in (project): opus (" in out and "/ haiku (" in out
    assert "because floor" in out and "for its uncertainty" in out
    assert main(["model", "stats", "--json"]) == 0
    learner = json.loads(capsys.readouterr().out)["learner"]
    [row] = [b for b in learner["beliefs"] if b["tier"] == "haiku"]
    assert (row["tasks"], row["resolved"], row["success_rate"]) == (5, 4, 0.8)
    low, high = row["interval"]
    assert low < row["estimate"] < high


def test_a_committed_objective_that_trades_quality_applies_only_once_trusted(
    conn: sqlite3.Connection, git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _teach(conn, "haiku", True, 0.3, 2)
    _config(git_repo, '[routing]\nobjective = "budget"\nbudget_usd = 0.05\nmargin = 0.2\n')
    got = route_task(conn, Path.cwd(), "Fix it")
    assert "not trusted" in got.warnings[0] and 'objective = "budget"' in got.warnings[0]
    assert "as good as sonnet (within 1%)" in got.explanation  # the default objective still
    assert main(["config", "trust"]) == 0
    capsys.readouterr()
    trusted = route_task(conn, Path.cwd(), "Fix it")
    assert trusted.warnings == [] and "within $0.05 per task" in trusted.explanation


@pytest.mark.parametrize(
    "stricter", ['baseline = "opus"', "margin = 0.0", 'objective = "floor"\nexplore = 0.05']
)
def test_a_stricter_objective_needs_no_trust(
    conn: sqlite3.Connection, git_repo: Path, stricter: str
) -> None:
    _teach(conn, "haiku", True, 0.3, 2)
    _config(git_repo, f"[routing]\n{stricter}\n")
    assert route_task(conn, Path.cwd(), "Fix it").warnings == []


def test_the_old_learners_settings_are_named_as_stale(
    conn: sqlite3.Connection, git_repo: Path
) -> None:
    _config(git_repo, "[routing]\nmin_success_rate = 0.8\nmin_samples = 5\n")
    [warning] = route_task(conn, Path.cwd(), "Fix it").warnings
    assert "min_success_rate and min_samples no longer apply" in warning and "remove" in warning

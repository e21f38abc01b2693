"""Routing: heuristics (cases it must and must not escalate), precedence, budgets, fallbacks,
consensus, and `br route` / `br model stats`. Learning from outcomes: test_learning.py (issue 15
replaced the per-kind 80%-floor learner these tests used to pin)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from br_cli.app import main
from br_core.cost.report import record_usage
from br_core.errors import ConfigError, UsageError
from br_core.routing.router import record_outcome, route_task


def _config(root: Path, text: str) -> None:
    (root / ".buildrunner").mkdir(exist_ok=True)
    (root / ".buildrunner" / "config.toml").write_text(text, encoding="utf-8")


@pytest.mark.parametrize(
    ("task", "files", "lines", "tier"),
    [
        ("Fix a typo in the README", 1, 2, "haiku"),
        ("Rename the variable cnt to count", 1, 4, "haiku"),
        ("Bump the version number", 1, 1, "haiku"),
        # must NOT escalate: security words inside docs work stay cheap
        ("Fix the spelling in the password reset docs", 1, 3, "haiku"),
        ("Add an endpoint to list users with pagination", 3, 150, "sonnet"),
        ("Fix the bug where export crashes on empty input", 2, 30, "sonnet"),
        ("Write unit tests for the invoice formatter", 2, 120, "sonnet"),
        # must NOT be haiku: size alone makes a plain task bigger
        ("Update the handlers", 12, 1200, "sonnet"),
        # must NOT be haiku: "smaller" and "formatter" are not the trivial words small/format
        ("Refactor the report generator into smaller functions", 2, 200, "sonnet"),
        ("Write tests for the date formatter", 2, 120, "sonnet"),
        ("Implement OAuth2 authentication with refresh tokens", 8, 600, "opus"),
        ("Design the architecture for splitting the monolith", 25, 2000, "opus"),
        ("Fix the race condition in the distributed scheduler", 6, 200, "opus"),
        ("Plan the roadmap for the v3 rewrite", 0, 0, "opus"),
        # must NOT be opus: a sensitive subject alone (a password field, a payment class)
        ("Add validation to the signup form: password length >= 12", 3, 70, "sonnet"),
        ("Implement the forgot-password flow with a one-time email link", 5, 200, "sonnet"),
        ("Refactor the PaymentService class into smaller methods", 1, 150, "sonnet"),
        # ...but a bug in it, hard work, or debugging without a repro is
        ("Our JWT validation accepts unsigned tokens; fix the token handling", 6, 120, "opus"),
        ("Investigate intermittent data corruption after failover", 8, 0, "opus"),
        ("The lock-free queue loses items under load; fix the bug", 2, 80, "opus"),
        ("Design zero-downtime schema migrations for a large table", 3, 0, "opus"),
        # must NOT be haiku: no mechanical word and no known-small size, or a bug hunt
        ("Add caching to get_exchange_rates with a 10 minute TTL", 1, 30, "sonnet"),
        ("Handle the 429 responses from the API", 0, 0, "sonnet"),
        ("Fix the off-by-one in the pagination", 1, 5, "sonnet"),
        ("Implement a simple percentage rollout check", 2, 60, "sonnet"),
        ("Users can't upload files with spaces in the name", 1, 10, "sonnet"),
        ("Put the retry count in a config value", 1, 20, "haiku"),
        ("Swap the order of the two tabs", 1, 4, "haiku"),
        # haiku: mechanical work, even when it touches many files
        ("Run black on the src folder and commit the formatting changes", 14, 120, "haiku"),
        ("Update all imports after renaming the package", 9, 30, "haiku"),
        ("Change the timeout in config.yaml from 30 to 60", 1, 1, "haiku"),
    ],
)
def test_heuristic_tiers(
    conn: sqlite3.Connection, git_repo: Path, task: str, files: int, lines: int, tier: str
) -> None:
    decision = route_task(conn, Path.cwd(), task, files, lines)
    assert decision.tier == tier, decision.explanation
    assert decision.subagent == f"br-{tier}" and decision.alias == tier
    assert decision.model.startswith(f"claude-{tier}")
    assert decision.source == "heuristic" and decision.reasons
    assert f"br-{tier}" in decision.how_to_apply and decision.model in decision.how_to_apply


def test_override_and_bad_input(conn: sqlite3.Connection, git_repo: Path) -> None:
    decision = route_task(conn, Path.cwd(), "Fix a typo", override="opus")
    assert (decision.tier, decision.source) == ("opus", "override")
    with pytest.raises(UsageError, match="not a tier"):
        route_task(conn, Path.cwd(), "Fix a typo", override="gpt")
    with pytest.raises(UsageError, match="empty"):
        route_task(conn, Path.cwd(), "   ")
    with pytest.raises(UsageError, match=">= 0"):
        route_task(conn, Path.cwd(), "x", files=-1)


@pytest.mark.parametrize(
    ("task", "files", "expected"),
    [
        ("Redesign the module boundaries (architecture)", 8, ["architecture change"]),
        ("Redesign the module boundaries (architecture)", 3, []),  # <= 5 files: no trigger
        ("Implement password hashing with a modern algorithm", 2, ["security-critical code"]),
        ("Rename the endpoint; a breaking change for clients", 2, ["breaking API change"]),
        ("Add a progress bar to the upload command", 2, []),
    ],
)
def test_consensus_triggers(
    conn: sqlite3.Connection, git_repo: Path, task: str, files: int, expected: list[str]
) -> None:
    decision = route_task(conn, Path.cwd(), task, files, 100)
    assert [r.split(" across")[0] for r in decision.consensus_reasons] == expected
    assert decision.consensus_required is bool(expected)


def test_fallback_chain(conn: sqlite3.Connection, git_repo: Path) -> None:
    decision = route_task(conn, Path.cwd(), "Add an endpoint to list users", 3, 150)
    steps = {step.on: step for step in decision.fallbacks}
    assert set(steps) == {"rate_limit", "context_too_long", "timeout", "unavailable"}
    assert steps["rate_limit"].model == decision.model and steps["rate_limit"].retry_after_seconds
    assert steps["timeout"].model.startswith("claude-haiku")
    assert steps["unavailable"].model.startswith("claude-opus")
    # Sonnet 5.5 already has the largest window (1M): stay, and say how to cope
    assert steps["context_too_long"].model == decision.model
    assert "compact or split" in steps["context_too_long"].action


def test_context_fallback_moves_to_a_larger_window(
    conn: sqlite3.Connection, git_repo: Path
) -> None:
    _config(git_repo, '[routing.models]\nhaiku = "claude-haiku-4-5"\n')  # 200K window
    steps = {s.on: s for s in route_task(conn, Path.cwd(), "Fix a typo in the README").fallbacks}
    assert steps["context_too_long"].model == "claude-sonnet-5-5"  # first tier with 1M


def test_project_rules_and_quality_floor(conn: sqlite3.Connection, git_repo: Path) -> None:
    _config(git_repo, '[routing]\nmin_tier = "sonnet"\n'
            '[[routing.rules]]\nmatch = "migration"\ntier = "opus"\n')  # fmt: skip
    floored = route_task(conn, Path.cwd(), "Fix a typo in the README")
    assert floored.tier == "sonnet" and "quality floor" in floored.explanation
    ruled = route_task(conn, Path.cwd(), "Write the migration for the new column")
    assert (ruled.tier, ruled.source) == ("opus", "rule")
    below = route_task(conn, Path.cwd(), "Fix a typo", override="haiku")
    assert below.tier == "haiku" and "min_tier" in below.warnings[0]


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('[routing]\nmin_tier = "large"\n', "not a tier"),
        ('[routing.tiers]\nhuge = "opus"\n', "unknown complexity"),
        ('[[routing.rules]]\ntier = "opus"\n', "needs `match`"),
        ('[routing]\ndaily_budget_usd = "lots"\n', "must be numbers"),
        ('[routing]\nbudget_action = "panic"\n', "budget_action"),
    ],
)
def test_bad_routing_config(
    conn: sqlite3.Connection, git_repo: Path, config: str, message: str
) -> None:
    _config(git_repo, config)
    with pytest.raises(ConfigError, match=message):
        route_task(conn, Path.cwd(), "Add an endpoint")


@pytest.mark.parametrize(("action", "tier"), [("downgrade", "sonnet"), ("warn", "opus")])
def test_daily_budget(conn: sqlite3.Connection, git_repo: Path, action: str, tier: str) -> None:
    _config(git_repo, f'[routing]\ndaily_budget_usd = 1.0\nbudget_action = "{action}"\n')
    task = "Plan the roadmap for the v3 rewrite"
    assert route_task(conn, Path.cwd(), task).warnings == []
    record_usage(conn, Path.cwd(), "claude-opus-4-6", 100_000, 40_000)  # 0.5 + 1.0 = $1.50 today
    decision = route_task(conn, Path.cwd(), task)
    assert decision.tier == tier
    assert "daily spend $1.50 of $1.00" in decision.warnings[0]


def test_record_outcome_rejects_bad_input(conn: sqlite3.Connection, git_repo: Path) -> None:
    with pytest.raises(UsageError):
        record_outcome(conn, Path.cwd(), "x", "gpt", True)
    with pytest.raises(UsageError):
        record_outcome(conn, Path.cwd(), "x", "haiku", True, cost_usd=-1)


@pytest.mark.parametrize(
    "bad",
    [
        {"cost_usd": float("nan")},
        {"cost_usd": float("inf")},
        {"duration_ms": -1},
        {"duration_ms": 10**12},
    ],
)
def test_record_outcome_refuses_numbers_that_are_not_numbers(
    conn: sqlite3.Connection, git_repo: Path, bad: dict[str, float]
) -> None:
    with pytest.raises(UsageError, match=next(iter(bad))):
        record_outcome(conn, Path.cwd(), "x", "haiku", True, **bad)  # type: ignore[arg-type]
    assert conn.execute("SELECT COUNT(*) FROM route_outcomes").fetchone() == (0,)


def test_cli_route(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["route", "Fix a typo in the README", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["tier"] == "haiku" and data["subagent"] == "br-haiku"
    assert main(["route", "Implement OAuth2 login", "--files", "8", "--lines", "600"]) == 0
    out = capsys.readouterr().out
    assert "Subagent:   br-opus" in out and "Consensus:" in out
    assert main(["route", "x", "--tier", "huge"]) == 2
    assert "not a tier" in capsys.readouterr().err


def test_cli_model_stats(
    conn: sqlite3.Connection, git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record_usage(conn, Path.cwd(), "claude-haiku-4-5", 100_000, 10_000, duration_ms=2000)  # $0.15
    record_usage(conn, Path.cwd(), "claude-opus-4-6", 100_000, 10_000, duration_ms=9000)  # $0.75
    record_outcome(conn, Path.cwd(), "Fix a typo", "haiku", True, cost_usd=0.15)
    assert main(["model", "stats"]) == 0
    out = capsys.readouterr().out
    # all-Sonnet baseline: no Sonnet used, so the `sonnet` alias (Sonnet 5.5, $2/$10):
    # 2 x (0.2 + 0.1) = $0.60 vs $0.90 spent -> $0.30 (50.0%) more than all-Sonnet
    for expected in ("Haiku", "Opus", "$0.1500", "$0.7500", "Total", "$0.9000", "$0.6000",
                     "Extra cost vs all Sonnet: $0.3000 (50.0% more)", "Fastest: haiku",
                     "Slowest: opus", "Routed tasks", "Recommendations"):  # fmt: skip
        assert expected in out, expected
    assert main(["model", "stats", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["savings_usd"] == pytest.approx(-0.30)


def test_model_stats_baseline_prices_each_request_not_the_group(
    conn: sqlite3.Connection, git_repo: Path
) -> None:
    # Three 100K-token Haiku requests sum past 200K, but no single request is long-context:
    # the all-Sonnet baseline (Sonnet 4.5, used here) must use its normal rate, $3/MTok.
    from br_core.cost.model_stats import model_stats

    record_usage(conn, Path.cwd(), "claude-sonnet-4-5", 10, 10)
    for _ in range(3):
        record_usage(conn, Path.cwd(), "claude-haiku-4-5", 100_000, 0)
    stats = model_stats(conn, Path.cwd())
    assert stats.baseline_model == "claude-sonnet-4-5"
    assert stats.all_sonnet_cost_usd == pytest.approx(0.9 + (30 + 150) / 1e6)
    assert stats.cost_usd == pytest.approx(0.3 + (30 + 150) / 1e6)
    assert [t.tier for t in stats.tiers] == ["haiku", "sonnet"]


def test_cli_model_stats_reports_a_saving(
    conn: sqlite3.Connection, git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record_usage(
        conn, Path.cwd(), "claude-haiku-4-5", 100_000, 10_000
    )  # $0.15; all-Sonnet 5.5 would be $0.30
    assert main(["model", "stats"]) == 0
    out = capsys.readouterr().out
    assert "Savings: $0.1500 (50.0%)" in out and "Extra cost" not in out


@pytest.mark.parametrize(
    "task",
    [
        "Design the architecture for splitting the monolith",
        "Find why the cache is intermittently stale",
    ],
)
def test_tier_map_also_governs_deep_reasoning_work(
    conn: sqlite3.Connection, git_repo: Path, task: str
) -> None:
    # complex design/debugging work goes to the *critical* tier, so a project that maps
    # critical to sonnet (no Opus) gets sonnet there too
    assert route_task(conn, Path.cwd(), task, 3, 0).tier == "opus"
    _config(git_repo, '[routing.tiers]\ncritical = "sonnet"\n')
    decision = route_task(conn, Path.cwd(), task, 3, 0)
    assert decision.tier == "sonnet" and "critical tier (sonnet)" in decision.explanation


@pytest.mark.parametrize(
    ("config", "model", "tier", "cost"),
    [
        # a gateway model the bundled table does not know, priced and tiered by the project:
        # 100K x $0.5 + 10K x $2.5
        ('[pricing.models."acme-gateway-fast"]\ninput = 0.5\noutput = 2.5\ntier = "haiku"\n',
         "acme-gateway-fast", "haiku", 0.075),
        # a bundled model moved to another tier and repriced: 100K x $2 + 10K x $10
        ('[pricing.models."claude-haiku-4-5"]\ninput = 2.0\noutput = 10.0\ntier = "sonnet"\n',
         "claude-haiku-4-5", "sonnet", 0.3),
    ],
)  # fmt: skip
def test_cli_model_stats_uses_the_project_price_overrides(
    conn: sqlite3.Connection,
    git_repo: Path, capsys: pytest.CaptureFixture[str], config: str, model: str, tier: str,
    cost: float,
) -> None:  # fmt: skip
    # every figure, durations included, comes from the project's price table, not the bundled one
    _config(git_repo, config)
    record_usage(conn, Path.cwd(), model, 100_000, 10_000, duration_ms=2000)
    record_usage(conn, Path.cwd(), "claude-opus-4-6", 100_000, 10_000, duration_ms=9000)  # $0.75
    assert main(["model", "stats", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    tiers = {t["tier"]: t for t in data["tiers"]}
    assert sorted(tiers) == sorted([tier, "opus"])
    assert tiers[tier]["cost_usd"] == pytest.approx(cost)
    assert tiers[tier]["avg_duration_ms"] == 2000
    assert (data["fastest"], data["slowest"]) == (tier, "opus")
    assert main(["model", "stats"]) == 0
    assert f"Fastest: {tier}   Slowest: opus" in capsys.readouterr().out

"""Patterns from a real history: each waits for its sample size, then shows rates with intervals."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest

from br_core.git import commit_history, parse_numstat_log, project_id
from br_core.learning.patterns import (
    MIN_SAMPLES,
    all_patterns,
    check_blocks,
    coverage_trend,
    estimate_bias,
    fix_hotspots,
    tier_resolution,
)
from br_hooks import secrets as secrets_hook
from tests.conftest import git
from tests.data.secrets_corpus import expand
from tests.learning.helpers import DAY, block, commits, coverage_run, now, teach


def test_every_pattern_says_how_many_more_samples_it_needs(
    conn: sqlite3.Connection, git_repo: Path
) -> None:
    teach(conn, git_repo, "Fix typo in the README docs", "haiku", 3, 0)
    patterns = {p.name: p for p in all_patterns(conn, git_repo)}
    assert set(patterns) == set(MIN_SAMPLES)
    for pattern in patterns.values():
        assert not pattern.ready and pattern.rows == []
    assert patterns["tiers"].note == "needs 27 more routing outcomes (3 of 30)"
    assert patterns["fix_hotspots"].note == "needs 99 more commits (1 of 100)"
    assert patterns["blocks"].note.startswith("needs 15 more hook blocks")


def test_tier_resolution_rates_carry_wilson_intervals(
    conn: sqlite3.Connection, git_repo: Path
) -> None:
    teach(conn, git_repo, "Fix typo in the README docs", "haiku", 19, 1)
    teach(conn, git_repo, "Fix typo in the README docs", "opus", 6, 0)
    teach(conn, git_repo, "Design the distributed cache architecture", "haiku", 1, 3)  # n < 5
    pattern = tier_resolution(conn, project_id(git_repo), now() - 90 * DAY, now())
    assert pattern.ready and pattern.samples == 30
    rows = {(r["group"], r["tier"]): r for r in pattern.rows}
    haiku = rows[("kind:docs", "haiku")]
    assert (haiku["ok"], haiku["n"]) == (19, 20)
    assert haiku["low"] < haiku["rate"] == 0.95 < haiku["high"] <= 1.0
    assert haiku["low"] > 0.75  # Wilson 95% for 19/20: 0.764
    # What it must not show: a group below MIN_GROUP samples.
    assert ("kind:architecture", "haiku") not in rows


def test_estimate_bias_is_a_ratio_with_a_log_scale_interval(
    conn: sqlite3.Connection, git_repo: Path
) -> None:
    from br_core.routing.decisions import NewDecision, record_outcome, store_decision

    rng = random.Random(7)
    project = project_id(git_repo)
    for _ in range(24):
        d = NewDecision(
            project,
            "",
            {},
            "sonnet",
            "sonnet",
            False,
            "heuristic",
            "",
            None,
            None,
            0.10,
            None,
            None,
        )
        decision = store_decision(conn, d)
        record_outcome(conn, project, decision, True, 0.10 * rng.uniform(1.3, 1.7))
    pattern = estimate_bias(conn, project, now() - 90 * DAY, now())
    assert pattern.ready
    (row,) = pattern.rows
    assert row["estimate"] == "routing cost" and row["n"] == 24
    assert 1.3 < row["low"] < row["ratio"] < row["high"] < 1.7


def test_fix_hotspots_from_git_history(git_repo: Path) -> None:
    plan = [("src/billing/invoice.py", "fix rounding of totals")] * 30
    plan += [("src/billing/invoice.py", "add a currency column")] * 10
    plan += [("src/ui/view.py", "add the prefix and fixtures for the debug page")] * 40
    plan += [("docs/guide.md", 'Revert "reword the guide"')] * 5
    plan += [("docs/guide.md", "reword the guide")] * 15
    commits(git_repo, plan)
    history = commit_history(git_repo, now() - 90 * DAY)
    assert len(history) == 101 and history[0].files[0][2] == "docs/guide.md"
    pattern = fix_hotspots(git_repo, now() - 90 * DAY, now())
    assert pattern.ready
    overall = pattern.rows[0]
    assert overall["scope"] == "all" and overall["fix_commits"] == 35
    by_path = {(r["scope"], r.get("path")): r for r in pattern.rows}
    billing = by_path[("area", "src/billing")]
    assert (billing["fix_commits"], billing["n"]) == (30, 40)
    assert billing["low"] > 0.5
    assert by_path[("file", "src/billing/invoice.py")]["churn"] > 0
    assert by_path[("area", "docs")]["fix_commits"] == 5  # a revert is a fix
    # Must not count: "prefix", "fixtures" and "debug" are not fix words.
    assert ("area", "src/ui") not in by_path and ("file", "src/ui/view.py") not in by_path


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", []),
        ("\x1ebr-commit\x1fabc\x1fnotanumber\x1fs\n", []),
        ("\x1ebr-commit\x1fabc\x1f100\x1fs\n\n3\t1\ta.py\n-\t-\tlogo.png\n", [(3, 1), (0, 0)]),
    ],
)
def test_the_numstat_parser_reads_binaries_and_skips_malformed_blocks(
    text: str, expected: list[tuple[int, int]]
) -> None:
    got = parse_numstat_log(text)
    assert [(a, d) for c in got for a, d, _ in c.files] == expected


def test_a_real_br_secrets_block_is_recorded_with_rule_and_directory_only(
    conn: sqlite3.Connection, git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key = expand("AKIA[[upper:16]]", random.Random(3))
    fixture = git_repo / "tests" / "fixtures" / "aws.py"
    fixture.parent.mkdir(parents=True)
    fixture.write_text(f'AWS_ACCESS_KEY_ID = "{key}"\n', encoding="utf-8")
    (git_repo / "clean.py").write_text("x = 1\n", encoding="utf-8")
    assert secrets_hook.main([str(fixture.relative_to(git_repo))]) == 1
    assert secrets_hook.main(["clean.py"]) == 0  # a clean run records nothing
    capsys.readouterr()
    rows = conn.execute("SELECT data FROM events WHERE type = 'check'").fetchall()
    assert len(rows) == 1
    data = json.loads(rows[0][0])
    assert data["hook"] == "br-secrets" and data["blocked"] is True and data["findings"] == 1
    assert data["dirs"] == "tests/fixtures" and data["rules"]
    assert key not in rows[0][0] and key[4:] not in rows[0][0]


def test_blocks_by_hook_and_directory_with_the_weeks_they_fell_in(
    conn: sqlite3.Connection, git_repo: Path
) -> None:
    t = now()
    for week in range(4):
        for i in range(3):
            block(conn, git_repo, "br-secrets", "tests/fixtures", t - week * 7 * DAY - i * 3600)
    for i in range(3):
        block(conn, git_repo, "br-sql-injection", "src/db", t - i * 3600, rules="sqli-python")
    pattern = check_blocks(conn, project_id(git_repo), t - 90 * DAY, t)
    assert pattern.ready and pattern.samples == 15
    first, second = pattern.rows
    assert (first["hook"], first["dir"], first["blocks"], first["weeks"]) == (
        "br-secrets",
        "tests/fixtures",
        12,
        4,
    )
    assert (second["hook"], second["blocks"], second["weeks"]) == ("br-sql-injection", 3, 1)


def test_coverage_trend_per_week_and_its_change(conn: sqlite3.Connection, git_repo: Path) -> None:
    t = now()
    for i in range(20):  # falling from ~90% to ~60% over four weeks
        coverage_run(conn, git_repo, 90 - i * 1.5, t - (28 - i * 1.4) * DAY)
    pattern = coverage_trend(conn, project_id(git_repo), t - 30 * DAY, t)
    assert pattern.ready
    weeks = [r for r in pattern.rows if "week_of" in r]
    assert len(weeks) >= 4 and weeks[0]["mean"] > weeks[-1]["mean"]
    change = pattern.rows[-1]
    assert change["change"] < -10 and change["first_half"] > change["second_half"]
    assert git(git_repo, "status", "--porcelain") == ""  # reading history changes nothing

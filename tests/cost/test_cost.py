"""Cost reports over generated transcripts, record_usage, estimate_cost and `br cost`."""

from __future__ import annotations

import json
import sqlite3
import time
from datetime import date
from pathlib import Path

import pytest

from br_cli.app import main
from br_core.cost.blocks import build_blocks
from br_core.cost.pricing import bundled_table
from br_core.cost.report import cost_report, estimate_cost, record_usage
from br_core.errors import UsageError
from br_core.store.db import open_db
from br_core.store.paths import db_path
from tests.cost.test_transcripts import HAIKU, assistant, build_fixture, write_lines

FIXTURE_COST = 0.00675 + 0.00016 + 0.0007  # hand-computed in tests/cost/test_transcripts.py


pytestmark = pytest.mark.usefixtures("utc_zone")


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "claude"
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(target))
    return target


def test_daily_report_matches_hand_totals(conn: sqlite3.Connection, config_dir: Path) -> None:
    build_fixture(config_dir)
    report = cost_report(conn, Path.cwd(), "daily", all_projects=True)
    assert [row.key for row in report.rows] == ["2026-11-20"]
    totals = report.totals
    assert totals.cost_usd == pytest.approx(FIXTURE_COST)
    assert (totals.input_tokens, totals.output_tokens, totals.cache_read_tokens) == (
        1310, 1170, 2500
    )  # fmt: skip
    assert (totals.cache_write_5m_tokens, totals.cache_write_1h_tokens) == (400, 600)
    assert totals.unpriced_tokens == 2000 and report.unpriced_models == ["claude-mystery-9"]
    assert report.malformed_lines == 2 and totals.requests == 4
    models = {m.model: m for m in report.rows[0].models}
    assert models["claude-mystery-9"].priced is False
    assert models["claude-sonnet-4-5-20250929"].cost_usd == pytest.approx(0.00675)


def test_monthly_and_session_reports(conn: sqlite3.Connection, config_dir: Path) -> None:
    build_fixture(config_dir)
    write_lines(
        config_dir / "projects" / "other" / "s2.jsonl",
        [assistant("m9", "claude-haiku-4-5", HAIKU, ts="2026-10-01T00:30:00Z", session="s2")],
    )
    monthly = cost_report(conn, Path.cwd(), "monthly", all_projects=True)
    assert [(r.key, round(r.cost_usd, 6)) for r in monthly.rows] == [
        ("2026-10", 0.00016), ("2026-11", round(FIXTURE_COST, 6))
    ]  # fmt: skip
    sessions = cost_report(conn, Path.cwd(), "session", all_projects=True)
    assert [(r.key, r.project_dir, r.requests) for r in sessions.rows] == [
        ("s2", "other", 1), ("s1", "-home-dev-proj", 4)  # the subagent counts toward s1
    ]  # fmt: skip


@pytest.mark.parametrize(
    ("since", "until", "expected_days"),
    [
        (None, None, ["2026-11-01", "2026-11-02", "2026-11-03"]),
        (date(2026, 11, 2), None, ["2026-11-02", "2026-11-03"]),
        (None, date(2026, 11, 2), ["2026-11-01", "2026-11-02"]),
        (date(2026, 11, 2), date(2026, 11, 2), ["2026-11-02"]),
        (date(2026, 12, 1), None, []),
    ],
)
def test_since_until(
    conn: sqlite3.Connection,
    config_dir: Path,
    since: date | None,
    until: date | None,
    expected_days: list[str],
) -> None:
    lines = [assistant(f"m{d}", "claude-haiku-4-5", HAIKU, ts=f"2026-11-0{d}T23:59:59.000Z")
             for d in (1, 2, 3)]  # fmt: skip
    write_lines(config_dir / "projects" / "p" / "s.jsonl", lines)
    report = cost_report(conn, Path.cwd(), "daily", since, until, all_projects=True)
    assert [row.key for row in report.rows] == expected_days


def test_since_after_until_is_a_usage_error(conn: sqlite3.Connection, config_dir: Path) -> None:
    with pytest.raises(UsageError, match="swap them"):
        cost_report(conn, Path.cwd(), "daily", date(2026, 11, 5), date(2026, 11, 1))


def test_project_scope(conn: sqlite3.Connection, config_dir: Path, git_repo: Path) -> None:
    (git_repo / "sub").mkdir()
    write_lines(
        config_dir / "projects" / "mixed" / "s.jsonl",
        [assistant("a", "claude-haiku-4-5", HAIKU, cwd=str(git_repo)),
         assistant("b", "claude-haiku-4-5", HAIKU, cwd=str(git_repo / "sub")),
         assistant("c", "claude-haiku-4-5", HAIKU, cwd="/somewhere/else")],
    )  # fmt: skip
    assert cost_report(conn, Path.cwd(), "daily").totals.requests == 2
    assert cost_report(conn, Path.cwd(), "daily", all_projects=True).totals.requests == 3


def test_blocks_burn_rate_and_projection(config_dir: Path) -> None:
    def at(hhmm: str, out: int) -> str:
        return assistant(f"m{hhmm}", "claude-haiku-4-5", {"input_tokens": 0, "output_tokens": out},
                         ts=f"2026-11-20T{hhmm}:00.000Z")  # fmt: skip

    lines = [at("10:10", 1000), at("11:10", 2000), at("17:00", 600), at("17:30", 600)]
    write_lines(config_dir / "projects" / "p" / "s.jsonl", lines)
    conn = open_db()
    cost_report(conn, Path.cwd(), "blocks", all_projects=True)  # ingests
    now = time.mktime((2026, 11, 20, 18, 0, 0, 0, 0, -1))  # block 17:00-22:00 active, 240 min left
    blocks, totals, _ = build_blocks(conn, bundled_table(), "1", [], now=now)
    assert [(b.start.hour, b.end.hour, b.requests, b.active) for b in blocks] == [
        (10, 15, 2, False), (17, 22, 2, True)
    ]  # fmt: skip
    first, active = blocks
    assert first.tokens_per_minute == pytest.approx(3000 / 60)  # 3000 tokens over 60 minutes
    assert active.tokens_per_minute == pytest.approx(1200 / 30)
    assert active.remaining_minutes == 240
    assert active.projected_tokens == 1200 + 40 * 240
    assert active.projected_cost_usd == pytest.approx(0.006 + 0.006 / 30 * 240)
    assert totals.output_tokens == 4200


def test_estimate_cost() -> None:
    known = estimate_cost(
        "sonnet", 1000, 1000, cache_read_tokens=10_000, cache_write_tokens=1000, root=Path.cwd()
    )
    assert known.priced and known.resolved_model == "claude-sonnet-5-5"
    assert known.cost_usd == pytest.approx((1000 * 2 + 1000 * 10 + 10_000 * 0.1 + 1000 * 2.5) / 1e6)
    assert known.batch_cost_usd == pytest.approx(known.cost_usd / 2)  # type: ignore[operator]
    unknown = estimate_cost("gpt-5", 10, 10, root=Path.cwd())
    assert unknown.cost_usd is None and not unknown.priced and "[pricing.models]" in unknown.note
    with pytest.raises(UsageError, match="input_tokens"):
        estimate_cost("sonnet", -1, 0, root=Path.cwd())


def test_record_usage_stores_row_and_event(git_repo: Path, config_dir: Path) -> None:
    db = open_db()
    recorded = record_usage(
        db, Path.cwd(), "claude-haiku-4-5", 1000, 200, task_type="tests", duration_ms=1500
    )
    assert recorded.cost_usd == pytest.approx((1000 + 1000) / 1e6)
    conn = open_db()
    kind, data = conn.execute("SELECT type, data FROM events WHERE id = ?",
                              (recorded.event_id,)).fetchone()  # fmt: skip
    assert kind == "model_usage" and json.loads(data)["tokens"] == 1200
    report = cost_report(db, Path.cwd(), "daily")
    assert report.totals.requests == 1 and report.totals.cost_usd == pytest.approx(0.002)
    unpriced = record_usage(db, Path.cwd(), "claude-mystery-9", 5, 5)
    assert unpriced.cost_usd is None and not unpriced.priced
    with pytest.raises(UsageError, match="model"):
        record_usage(db, Path.cwd(), "  ", 1, 1)


def test_cli_json_and_table(config_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build_fixture(config_dir)
    assert main(["cost", "daily", "--json", "--all-projects", "--since", "20261120"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["totals"]["cost_usd"] == pytest.approx(FIXTURE_COST)
    assert main(["cost", "session", "--all-projects"]) == 0
    out = capsys.readouterr().out
    assert "Total" in out and "claude-mystery-9" in out and "2 malformed" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["cost", "daily", "--since", "yesterday"], "--since 'yesterday': not a date"),
        (["cost", "monthly", "--since", "2026-11-05", "--until", "2026-11-01"], "swap them"),
    ],
)
def test_cli_bad_dates_exit_2(
    config_dir: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


@pytest.mark.sqlite_file
def test_cli_corrupt_database_exit_2(config_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db_path().parent.mkdir(parents=True, exist_ok=True)
    db_path().write_bytes(b"this is not a database" * 100)
    assert main(["cost", "daily"]) == 2
    err = capsys.readouterr().err
    assert "corrupt" in err and "br db check" in err and err.count("\n") == 1


def test_cli_record(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["cost", "record", "--model", "opus", "--input", "1000", "--output", "100"]) == 0
    assert "$0.0060" in capsys.readouterr().out  # 1000*4 + 100*20 = 6000 -> $0.006
    assert main(["cost", "record", "--model", "gpt-x", "--input", "1", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["priced"] is False
    assert main(["cost", "record", "--model", "opus", "--input", "-5"]) == 2

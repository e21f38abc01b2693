"""`br cost` on hostile input (issue 12, item 17): dates at the edge of the calendar and a
transcript line nested deeper than Python's recursion limit."""

from __future__ import annotations

import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from br_cli.app import main
from br_core.cost.transcripts import ingest
from br_core.store.db import open_db
from tests.cost.test_transcripts import HAIKU, assistant


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "claude"
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(target))
    return target


@pytest.fixture(params=["UTC", "Pacific/Kiritimati", "America/Adak"])
def zone(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """Local midnight of the first and last days falls outside the epoch range in some zones."""
    monkeypatch.setenv("TZ", request.param)
    time.tzset()
    yield request.param
    monkeypatch.undo()
    time.tzset()


@pytest.mark.parametrize(
    "argv",
    [
        ["cost", "daily", "--since", "0001-01-01"],
        ["cost", "monthly", "--since", "00010101"],
        ["cost", "daily", "--until", "9999-12-31"],
        ["cost", "session", "--since", "1000-01-01", "--until", "9999-12-31"],
    ],
)
def test_dates_outside_the_supported_range_are_one_line_exit_2(
    config_dir: Path, zone: str, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.startswith("br: --") and "out of range" in err and err.count("\n") == 1


def test_ordinary_dates_at_the_edges_still_work(
    config_dir: Path, zone: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["cost", "daily", "--since", "1970-01-02", "--until", "9999-12-30"]) == 0
    assert "Traceback" not in capsys.readouterr().err


def test_a_deeply_nested_line_is_skipped_and_counted(config_dir: Path) -> None:
    depth = sys.getrecursionlimit() * 4
    nested = '{"message":{"usage":' + "[" * depth + "]" * depth + "}}"
    path = config_dir / "projects" / "p" / "s.jsonl"
    path.parent.mkdir(parents=True)
    good = assistant("ok", "claude-haiku-4-5", HAIKU)
    path.write_text(f"{good}\n{nested}\n{good}\n", encoding="utf-8")
    conn = open_db()
    try:
        stats = ingest(conn)
    finally:
        conn.close()
    assert (stats.usage_lines, stats.malformed_lines) == (2, 1)


def test_br_cost_survives_a_deeply_nested_line(
    config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    depth = sys.getrecursionlimit() * 4
    path = config_dir / "projects" / "p" / "s.jsonl"
    path.parent.mkdir(parents=True)
    path.write_text('{"usage":' + "[" * depth + "]" * depth + "}\n", encoding="utf-8")
    assert main(["cost", "daily", "--all-projects"]) == 0
    assert "1 malformed" in capsys.readouterr().out

"""Learning phases: progress, overrides, the banner shown exactly once, learning_ready.md."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from br_cli.app import main
from br_core.errors import ConfigError
from br_core.store.db import open_db
from br_core.telemetry.alerts import ALERT_FILE, dismiss, refresh_alerts, take_banner
from br_core.telemetry.events import record_event
from br_core.telemetry.thresholds import CAPABILITIES, PHASES, capability, threshold_status

DAY = 86_400.0


def _fill(root: Path, features: int, builds: int, days: float, *, pushes: int = 0) -> None:
    """Events spread over `days`, recorded through the public API with back-dated timestamps."""
    conn = open_db()
    start = time.time() - days * DAY
    for i in range(features):
        ts = start + i
        record_event(conn, "feature", {"action": "add", "feature_id": f"f{i}"}, root=root, ts=ts)
        done = {"action": "complete", "feature_id": f"f{i}", "duration_hours": 1.0 + i % 5}
        record_event(conn, "feature", done, root=root, ts=ts + 10)
    for i in range(builds):
        data = {"command": "test", "success": i % 4 != 0, "duration_ms": 100.0 + i}
        record_event(conn, "build", data, root=root, ts=start + i * 60)
    for _ in range(pushes):
        record_event(conn, "push", {"branch": "main"}, root=root, ts=time.time())
    record_event(conn, "commit", {"insertions": 1}, root=root, ts=time.time())
    conn.close()


def test_nothing_reached_on_an_empty_store(conn: sqlite3.Connection, git_repo: Path) -> None:
    status = threshold_status(conn, git_repo)
    assert [p.reached for p in status.phases] == [False, False, False]
    assert status.next_phase == "analytics_dashboard"
    assert status.capability == CAPABILITIES[0][1]
    json.dumps(status.model_dump())  # serialisable for the MCP server


def test_analytics_dashboard_reached_with_enough_data(
    conn: sqlite3.Connection, git_repo: Path
) -> None:
    _fill(git_repo, features=30, builds=20, days=15, pushes=1)
    status = threshold_status(conn, git_repo)
    first = status.phase("analytics_dashboard")
    assert first.reached and first.progress == 1.0
    assert not status.phase("pattern_recognition").reached
    assert status.next_phase == "pattern_recognition"
    assert status.minimum_samples["spec_to_implementation_cycles"]["have"] == 30
    assert status.minimum_samples["full_lifecycle_completions"]["have"] == 30
    assert status.minimum_samples["deployments"]["have"] == 1


@pytest.mark.parametrize(
    ("features", "builds", "days", "reached"),
    [(29, 20, 15, False), (30, 19, 15, False), (30, 20, 13, False), (30, 20, 14.5, True)],
)
def test_each_criterion_is_required(
    conn: sqlite3.Connection, git_repo: Path, features: int, builds: int, days: float, reached: bool
) -> None:
    _fill(git_repo, features, builds, days)
    assert threshold_status(conn, git_repo).phase("analytics_dashboard").reached is reached


def test_multi_project_phase_counts_every_project(
    conn: sqlite3.Connection, git_repo: Path, tmp_path: Path
) -> None:
    overrides = "[thresholds.pattern_recognition]\nfeatures = 3\nbuilds = 3\ndays = 1\n"
    (git_repo / ".buildrunner").mkdir()
    (git_repo / ".buildrunner" / "config.toml").write_text(overrides)
    _fill(git_repo, 1, 1, 2)
    assert not threshold_status(conn, git_repo).phase("pattern_recognition").reached
    for name in ("p2", "p3"):
        (tmp_path / name).mkdir()
        _fill(tmp_path / name, 1, 1, 2)
    phase = threshold_status(conn, git_repo).phase("pattern_recognition")
    assert {c.name: c.value for c in phase.criteria}["projects"] == 3
    assert phase.reached


@pytest.mark.parametrize(
    ("toml", "message"),
    [
        ("[thresholds.nope]\nfeatures = 1\n", "not a phase"),
        ("[thresholds.analytics_dashboard]\nlines = 1\n", "must be one of"),
        ("[thresholds.analytics_dashboard]\nfeatures = -1\n", "whole number"),
        ("[thresholds.analytics_dashboard]\nfeatures = 'ten'\n", "whole number"),
        ("thresholds = 3\n", "must be a table"),
    ],
)
def test_bad_overrides_are_config_errors(
    conn: sqlite3.Connection, git_repo: Path, toml: str, message: str
) -> None:
    (git_repo / ".buildrunner").mkdir()
    (git_repo / ".buildrunner" / "config.toml").write_text(toml)
    with pytest.raises(ConfigError, match=message) as caught:
        threshold_status(conn, git_repo)
    assert "config.toml" in caught.value.message


@pytest.mark.parametrize(
    ("features", "index"), [(0, 0), (9, 0), (10, 1), (30, 2), (100, 3), (500, 4)]
)
def test_capability_table(features: int, index: int) -> None:
    assert capability(features) == CAPABILITIES[index][1]


def _small_phase(repo: Path) -> None:
    (repo / ".buildrunner").mkdir(exist_ok=True)
    (repo / ".buildrunner" / "config.toml").write_text(
        "[thresholds.analytics_dashboard]\nfeatures = 2\nbuilds = 1\ndays = 0\n"
    )


def test_banner_once_through_br_and_alert_file(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _small_phase(git_repo)
    assert main(["telemetry", "status"]) == 0
    assert "enough data" not in capsys.readouterr().err
    _fill(git_repo, features=2, builds=1, days=0.1)
    assert main(["features", "list"]) == 0
    first = capsys.readouterr().err
    assert first.count("enough data for analytics dashboard") == 1
    for _ in range(2):
        assert main(["features", "list"]) == 0
        assert "enough data" not in capsys.readouterr().err
    text = (git_repo / ALERT_FILE).read_text()
    for heading in ("## The data", "## What it is worth", "Estimated build time", "## Next steps"):
        assert heading in text
    assert main(["telemetry", "alerts"]) == 0
    assert "analytics_dashboard: reached" in capsys.readouterr().out


def test_dismissed_phase_never_shows(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _small_phase(git_repo)
    assert main(["telemetry", "dismiss", "analytics_dashboard"]) == 0
    _fill(git_repo, features=2, builds=1, days=0.1)
    for _ in range(2):
        assert main(["telemetry", "status"]) == 0
        assert "enough data" not in capsys.readouterr().err
    assert main(["telemetry", "dismiss", "nope"]) == 2
    assert "unknown phase" in capsys.readouterr().err


def test_banner_not_shown_when_telemetry_is_off(
    conn: sqlite3.Connection,
    git_repo: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _small_phase(git_repo)
    _fill(git_repo, features=2, builds=1, days=0.1)
    monkeypatch.setenv("BR_TELEMETRY", "0")
    assert main(["telemetry", "status"]) == 0
    assert "enough data" not in capsys.readouterr().err
    status = threshold_status(conn, git_repo)
    refresh_alerts(conn, status, git_repo)
    assert take_banner(conn, status.project_id) is not None  # still pending for later


CLAIM = (
    "import sys, time\n"
    "from pathlib import Path\n"
    "from br_core.store.db import open_db\n"
    "from br_core.telemetry.alerts import refresh_alerts, take_banner\n"
    "from br_core.telemetry.thresholds import threshold_status\n"
    "go = Path(sys.argv[2])\n"
    "while not go.exists():\n"
    "    time.sleep(0.005)\n"
    "conn = open_db()\n"
    "status = threshold_status(conn, Path.cwd())\n"
    "refresh_alerts(conn, status, Path.cwd())\n"
    "print('WON' if take_banner(conn, status.project_id) else 'lost')\n"
)


@pytest.mark.slow
def test_concurrent_commands_show_the_banner_once(
    conn: sqlite3.Connection, git_repo: Path, tmp_path: Path
) -> None:
    _small_phase(git_repo)
    _fill(git_repo, features=2, builds=1, days=0.1)
    status = threshold_status(conn, git_repo)
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CLAIM, status.project_id, str(go)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for _ in range(4)
    ]
    go.touch()
    outputs = [p.communicate(timeout=60)[0].strip() for p in procs]
    assert sorted(outputs) == ["WON", "lost", "lost", "lost"]
    assert refresh_alerts(conn, status, git_repo) == []  # recorded once, by one of them


def test_phase_names_are_the_spec_names(conn: sqlite3.Connection) -> None:
    assert list(PHASES) == ["analytics_dashboard", "pattern_recognition", "predictive_intelligence"]
    assert PHASES["pattern_recognition"] == {
        "features": 100,
        "builds": 50,
        "projects": 3,
        "days": 60,
    }
    dismiss(conn, "p", "predictive_intelligence")

"""`br telemetry`, `br features` and the build event every `br` command records."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from br_cli.app import main, root_command
from br_cli.capture import command_path
from br_core.store.db import open_db
from br_core.store.paths import db_path
from br_core.telemetry.events import record_event
from br_core.telemetry.settings import marker_path


def _br(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _events(kind: str) -> list[dict[str, object]]:
    conn = open_db()
    rows = conn.execute("SELECT data FROM events WHERE type = ? ORDER BY id", (kind,))
    return [json.loads(r[0]) for r in rows]


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["telemetry", "status", "--json"], "telemetry status"),
        (["features", "add", "secret-name"], "features add"),
        (["db"], "db"),
        (["--help"], ""),
        (["nonsense", "x"], ""),
        (["route", "fix the login bug", "--json"], "route"),
    ],
)
def test_command_path_keeps_names_not_values(args: list[str], expected: str) -> None:
    assert command_path(root_command(), args) == expected


def test_every_command_records_a_build_event(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _br(capsys, "features", "add", "login-page")[0] == 0
    assert _br(capsys, "telemetry", "ready", "no_such_phase")[0] == 2
    builds = _events("build")
    assert [b["command"] for b in builds] == ["features add", "telemetry ready"]
    assert [b["success"] for b in builds] == [True, False]
    assert builds[1]["exit_code"] == 2 and float(str(builds[0]["duration_ms"])) > 0
    assert "login-page" not in json.dumps(builds)


@pytest.mark.sqlite_file
def test_build_event_failure_never_breaks_the_command(
    git_repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, out, _ = _br(capsys, "telemetry", "status")
    assert code == 0
    db_path().write_bytes(b"broken " * 100)
    monkeypatch.setenv("BR_DEBUG", "")
    code, out, err = _br(capsys, "telemetry", "disable")
    assert code == 0 and "disabled" in out and err == ""


@pytest.mark.sqlite_file
def test_status_json_and_text(
    conn: sqlite3.Connection, git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record_event(conn, "commit", {"insertions": 1}, root=Path.cwd())
    code, out, _ = _br(capsys, "telemetry", "status", "--json")
    data = json.loads(out)
    assert code == 0 and data["enabled"] is True and data["project_events"] == {"commit": 1}
    assert data["retention_days"] == 365
    code, out, _ = _br(capsys, "telemetry", "status")
    assert "telemetry: on" in out and str(db_path()) in out


def test_disable_enable(
    conn: sqlite3.Connection, git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _br(capsys, "telemetry", "disable")[0] == 0
    assert marker_path().exists()
    assert record_event(conn, "build", {"command": "x"}, root=Path.cwd()) is None
    code, out, _ = _br(capsys, "telemetry", "status", "--json")
    assert code == 0 and json.loads(out)["enabled"] is False
    code, out, _ = _br(capsys, "telemetry", "enable")
    assert code == 0 and "telemetry: on" in out
    assert record_event(conn, "build", {"command": "x"}, root=Path.cwd()) is not None


def test_clear_asks_first(
    conn: sqlite3.Connection, git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record_event(conn, "commit", {"insertions": 1}, root=Path.cwd())
    proc = subprocess.run(
        [sys.executable, "-m", "br_cli.app", "telemetry", "clear"],
        input="n\n",
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1 and "nothing deleted" in proc.stdout
    assert len(_events("commit")) == 1
    code, out, _ = _br(capsys, "telemetry", "clear", "--yes")
    assert code == 0 and "deleted" in out and _events("commit") == []
    conn = open_db()
    assert (
        conn.execute("SELECT count(*) FROM event_counts WHERE type = 'commit'").fetchone()[0] == 0
    )


def test_export_with_since_and_until(
    conn: sqlite3.Connection, git_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for day in ("2026-01-01", "2026-01-02", "2026-01-03"):
        ts = time.mktime(time.strptime(day + " 12", "%Y-%m-%d %H")) - time.timezone
        record_event(conn, "commit", {"insertions": 1}, ts=ts, root=Path.cwd())
    out = tmp_path / "e.jsonl"
    code, _, _ = _br(
        capsys, "telemetry", "export", str(out), "--since", "2026-01-02", "--until", "2026-01-03"
    )
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert code == 0 and len(rows) == 1 and rows[0]["type"] == "commit"
    assert set(rows[0]) == {"id", "project_id", "type", "ts", "git_hash", "user_hash", "data"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "yesterday"], "not a date"),
        (["--until", "2026-13-01"], "not a date"),
    ],
)
def test_export_bad_dates_are_usage_errors(
    git_repo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    args: list[str],
    message: str,
) -> None:
    code, _, err = _br(capsys, "telemetry", "export", str(tmp_path / "x.jsonl"), *args)
    assert code == 2 and message in err and err.count("\n") == 1


def test_export_to_missing_directory(
    git_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _br(capsys, "telemetry", "export", str(tmp_path / "no" / "x.jsonl"))
    assert code == 2 and "no such directory" in err


def test_prune_keeps_recent_events(
    conn: sqlite3.Connection, git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record_event(conn, "commit", {"insertions": 1}, ts=time.time() - 400 * 86_400, root=Path.cwd())
    record_event(conn, "commit", {"insertions": 2}, ts=time.time() - 10, root=Path.cwd())
    code, out, _ = _br(capsys, "telemetry", "prune")
    assert code == 0 and "deleted 1 events older than 365 days" in out
    assert [e["insertions"] for e in _events("commit")] == [2]
    conn = open_db()
    first = conn.execute("SELECT first_ts FROM event_counts WHERE type = 'commit'").fetchone()[0]
    assert first > time.time() - 60
    (git_repo / ".buildrunner").mkdir()
    (git_repo / ".buildrunner" / "config.toml").write_text("[telemetry]\nretention_days = 0\n")
    code, _, err = _br(capsys, "telemetry", "prune")
    assert code == 2 and "retention_days" in err


def test_stats_below_and_above_the_minimum(
    conn: sqlite3.Connection, git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for i in range(9):
        record_event(
            conn,
            "feature",
            {"action": "complete", "feature_id": f"f{i}", "duration_hours": i},
            root=Path.cwd(),
        )
    code, out, _ = _br(capsys, "telemetry", "stats")
    assert code == 0 and "descriptive statistics start at 10" in out and "95% CI" not in out
    record_event(
        conn,
        "feature",
        {"action": "complete", "feature_id": "f9", "duration_hours": 9},
        root=Path.cwd(),
    )
    for i in range(12):
        record_event(
            conn,
            "build",
            {"command": "t", "success": i % 3 != 0, "duration_ms": 10 + i},
            root=Path.cwd(),
        )
    code, out, _ = _br(capsys, "telemetry", "stats", "--json")
    data = json.loads(out)
    assert data["descriptive"] is True
    rate = data["rates"]["build_success"]
    assert rate["n"] >= 12 and rate["low"] < rate["estimate"] < rate["high"]
    assert data["means"]["feature_duration_hours"]["estimate"] == pytest.approx(4.5)
    assert data["means"]["quality_score"]["note"].startswith("needs at least")
    code, out, _ = _br(capsys, "telemetry", "stats")
    assert "95% CI" in out and "weekly counts" in out


def test_features_add_complete_list(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        _br(capsys, "features", "add", "login", "--title", "Login", "--complexity", "simple")[0]
        == 0
    )
    assert _br(capsys, "features", "add", "search")[0] == 0
    assert _br(capsys, "features", "complete", "login")[0] == 0
    code, out, _ = _br(capsys, "features", "list")
    assert out.splitlines() == ["open  search", "done  login"]
    done = [e for e in _events("feature") if e["action"] == "complete"]
    assert "duration_hours" in done[0]
    code, _, err = _br(capsys, "features", "add", "x", "--complexity", "huge")
    assert code == 2 and "complexity" in err


# The console script `br init` writes into .claude/settings.json (installed beside this
# interpreter), and the CLI command older settings files still call.
LIGHT_HOOK = [str(Path(sys.executable).with_name("br-claude-hook"))]
CLI_HOOK = [sys.executable, "-m", "br_cli.app", "telemetry", "claude-hook"]


def _claude(
    payload: str, cwd: Path, command: list[str] = LIGHT_HOOK
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        command,
        input=payload,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        env={**os.environ},
    )


@pytest.mark.sqlite_file
@pytest.mark.parametrize(
    ("payload", "expected"),
    [
        ({"hook_event_name": "SessionStart", "source": "startup"}, {"source": "startup"}),
        ({"hook_event_name": "Stop", "stop_hook_active": False}, {}),
        (
            {"hook_event_name": "SubagentStop", "agent_type": "haiku-worker"},
            {"agent_type": "haiku-worker"},
        ),
        ({"hook_event_name": "SessionEnd", "reason": "logout"}, {"reason": "logout"}),
        (
            {
                "hook_event_name": "PostToolUse",
                "tool_name": "Write",
                "tool_input": {"file_path": "app.py", "content": "password = 'hunter2hunter2'"},
                "tool_response": {"success": True},
            },
            {"tool_name": "Write"},
        ),
    ],
)
def test_claude_hook_records_sessions_without_content(
    git_repo: Path, payload: dict[str, object], expected: dict[str, str]
) -> None:
    """The installed `br-claude-hook` process, fed a real payload, stores names only."""
    full = {"session_id": "0f6c1a2e-1111-4222-8333-944445555666", "cwd": str(git_repo), **payload}
    proc = _claude(json.dumps(full), git_repo)
    assert proc.returncode == 0 and proc.stdout == "" and proc.stderr == ""
    [event] = _events("session")
    assert event["event"] == payload["hook_event_name"]
    for key, value in expected.items():
        assert event[key] == value
    assert len(str(event["session"])) == 12 and "0f6c1a2e" not in json.dumps(event)
    assert "hunter2" not in db_path().read_bytes().decode("latin-1")
    assert _events("build") == []  # the hook itself is not a build


@pytest.mark.sqlite_file
def test_claude_hook_with_telemetry_off_does_not_open_the_store(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from br_cli.claude_hook import record_claude_payload

    monkeypatch.setenv("BR_TELEMETRY", "0")
    payload = {"hook_event_name": "Stop", "cwd": str(git_repo)}
    assert record_claude_payload(json.dumps(payload)) is None
    assert not db_path().exists()


@pytest.mark.parametrize("payload", ["", "not json", "[1, 2]", '{"hook_event_name": 5}'])
@pytest.mark.parametrize("command", [LIGHT_HOOK, CLI_HOOK], ids=["br-claude-hook", "br-telemetry"])
def test_claude_hook_bad_input_still_exits_zero(
    git_repo: Path, payload: str, command: list[str]
) -> None:
    proc = _claude(payload, git_repo, command)
    assert proc.returncode == 0 and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") <= 1


def test_the_cli_command_still_records_for_older_settings_files(git_repo: Path) -> None:
    payload = {"hook_event_name": "PostToolUse", "tool_name": "Bash", "cwd": str(git_repo)}
    proc = _claude(json.dumps({"session_id": "s-old", **payload}), git_repo, CLI_HOOK)
    assert (proc.returncode, proc.stdout) == (0, "")
    [event] = _events("session")
    assert (event["event"], event["tool_name"]) == ("PostToolUse", "Bash")


@pytest.mark.parametrize(
    ("command", "needs_thresholds"),
    [("status", False), ("disable", False), ("export -", False), ("ready", True)],
)
def test_telemetry_commands_import_only_what_they_run(
    git_repo: Path, command: str, needs_thresholds: bool
) -> None:
    """`br telemetry status` must not pay for the thresholds and alerts `ready` needs."""
    code = (
        "import sys\n"
        "from br_cli.app import main\n"
        "code = main(['telemetry', *sys.argv[1:]])\n"
        "print('loaded:', *sorted(m for m in sys.modules if m.startswith('br_core.telemetry.')))\n"
        "raise SystemExit(code)\n"
    )
    # BR_TELEMETRY=0: the build event after the command (br_cli.capture) would load the
    # thresholds too
    proc = subprocess.run(
        [sys.executable, "-c", code, *command.split()],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=git_repo,
        env={**os.environ, "BR_TELEMETRY": "0"},
    )
    assert proc.returncode == 0, proc.stderr
    [line] = [x for x in proc.stdout.splitlines() if x.startswith("loaded:")]
    loaded = line.split()[1:]
    assert ("br_core.telemetry.thresholds" in loaded) is needs_thresholds
    assert "br_core.telemetry.alerts" not in loaded


def test_ready_text_and_json(
    conn: sqlite3.Connection, git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record_event(conn, "build", {"command": "t", "success": True}, root=Path.cwd())
    code, out, _ = _br(capsys, "telemetry", "ready")
    assert code == 0 and "analytics_dashboard: 0%" in out and "[ ] builds: 1 / 20" in out
    assert "minimum samples" in out
    code, out, _ = _br(capsys, "telemetry", "ready", "pattern_recognition", "--json")
    data = json.loads(out)
    assert [p["name"] for p in data["phases"]] == ["pattern_recognition"]
    code, out, _ = _br(capsys, "telemetry", "ready", "pattern_recognition")
    assert "predictive" not in out and "minimum samples" not in out


def test_alerts_empty_and_json(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _br(capsys, "telemetry", "alerts")
    assert code == 0 and "no learning-phase alerts yet" in out
    _br(capsys, "telemetry", "dismiss", "pattern_recognition")
    code, out, _ = _br(capsys, "telemetry", "alerts", "--json")
    [alert] = json.loads(out)
    assert alert["phase"] == "pattern_recognition" and alert["dismissed_at"]


def test_claude_hook_in_process(
    git_repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    import io

    payload = {"hook_event_name": "SessionEnd", "reason": "clear", "cwd": "/nonexistent/dir"}
    monkeypatch.setattr(sys, "stdin", io.StringIO(json.dumps(payload)))
    code, out, err = _br(capsys, "telemetry", "claude-hook")
    assert (code, out, err) == (0, "", "")
    assert _events("session")[0]["reason"] == "clear"
    monkeypatch.setattr(sys, "stdin", io.StringIO("{broken"))
    code, out, err = _br(capsys, "telemetry", "claude-hook")
    assert code == 0 and out == "" and err.startswith("br telemetry claude-hook: warning")


def test_export_to_stdout(
    conn: sqlite3.Connection, git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    record_event(conn, "commit", {"insertions": 4}, root=Path.cwd())
    code, out, _ = _br(capsys, "telemetry", "export", "-")
    rows = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and rows[0]["data"] == {"insertions": 4}


@pytest.mark.sqlite_file
def test_locked_store_is_one_line_for_any_command(
    conn: sqlite3.Connection,
    git_repo: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import functools

    import br_cli.telemetry as cli

    record_event(conn, "commit", {"insertions": 1}, root=Path.cwd())
    monkeypatch.setattr(cli, "open_db", functools.partial(open_db, timeout_ms=100))
    holder = open_db()
    holder.execute("BEGIN IMMEDIATE")
    try:
        code, _, err = _br(capsys, "telemetry", "clear", "--yes")
    finally:
        holder.execute("ROLLBACK")
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "locked" in lines[0], err
    assert str(db_path()) in lines[0] and "Traceback" not in err
    assert len(_events("commit")) == 1  # nothing lost


def test_light_claude_hook_module_skips_the_cli_start_up(git_repo: Path) -> None:
    code = (
        "import sys, br_cli.claude_hook\n"
        "heavy = sorted(m for m in sys.modules if m.split('.')[0] in "
        "('typer', 'rich', 'pydantic', 'mcp', 'click'))\n"
        "print(','.join(heavy))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""
    payload = json.dumps({"hook_event_name": "Stop", "session_id": "s1", "cwd": str(git_repo)})
    proc = subprocess.run(
        [sys.executable, "-m", "br_cli.claude_hook"],
        input=payload,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    assert _events("session")[0]["event"] == "Stop"

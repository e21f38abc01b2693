"""Events: schema, sanitising, opt-out switches, repository context, concurrent processes."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import string
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from br_core.errors import ConfigError, UsageError
from br_core.git import project_id, read_head, repo_context
from br_core.store.db import open_db
from br_core.store.paths import db_path
from br_core.telemetry.events import SCHEMA, clean_data, clean_text, record_event
from br_core.telemetry.settings import set_enabled, telemetry_state
from tests.conftest import git

RNG = random.Random(20261121)
ALNUM = string.ascii_letters + string.digits


def _rand(n: int, alphabet: str = ALNUM) -> str:
    return "".join(RNG.choice(alphabet) for _ in range(n))


def fake_secrets() -> dict[str, str]:
    """Realistic-looking credentials, built at runtime so none sits in the source."""
    return {
        "github": "gh" + "p_" + _rand(36),
        "anthropic": "sk-" + "ant-api03-" + _rand(93, ALNUM + "-_") + "AA",
        "aws": "AK" + "IA" + _rand(16, string.ascii_uppercase + string.digits),
        "aws_secret": _rand(40, ALNUM + "/+"),
        "stripe": "sk_" + "live_" + _rand(24),
        "slack": "xo"
        + "xb-"
        + _rand(11, string.digits)
        + "-"
        + _rand(12, string.digits)
        + "-"
        + _rand(24),
    }


def _rows() -> list[tuple[str, str]]:
    conn = open_db()
    return [(str(t), str(d)) for t, d in conn.execute("SELECT type, data FROM events ORDER BY id")]


@pytest.mark.parametrize(
    ("event_type", "data", "expected"),
    [
        ("build", {"command": "lint", "duration_ms": "12.5", "success": True}, None),
        ("commit", {"hash": "ABCDEF1234567", "insertions": "3"}, None),
        ("feature", {"action": "add", "feature_id": "x", "duration_hours": None}, None),
        ("build", {"command": "x", "success": "yes"}, "must be bool"),
        ("build", {"exit_code": True}, "must be int"),
        ("commit", {"hash": "not-a-sha"}, "must be hex"),
        ("build", {"source_code": "print(1)"}, "unknown field"),
        ("deploy", {}, "unknown event type"),
    ],
)
def test_schema_validation(event_type: str, data: dict[str, object], expected: str | None) -> None:
    if expected is None:
        cleaned = clean_data(event_type, data)
        assert set(cleaned) <= set(SCHEMA[event_type])
        assert all(v is not None for v in cleaned.values())
    else:
        with pytest.raises(UsageError, match=expected):
            clean_data(event_type, data)


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        ("completed", "complete"),
        ("Done", "complete"),
        ("added", "add"),
        ("add", "add"),
        ("started", "started"),
    ],
)
def test_feature_actions_are_normalised(given: str, stored: str) -> None:
    assert clean_data("feature", {"action": given})["action"] == stored


@pytest.mark.parametrize(
    "command",
    ["Deploy TOKEN=" + "Ab3" * 10, "cost " + "x" * 70, "cost  daily", "cost daily2", "rm -rf /"],
)
def test_a_name_field_that_is_not_lowercase_words_is_cleaned_as_text(command: str) -> None:
    assert clean_data("build", {"command": command})["command"] == clean_text(command)
    assert "Ab3" * 10 not in clean_text("Deploy TOKEN=" + "Ab3" * 10)


def test_command_names_are_stored_without_loading_the_secret_rules() -> None:
    code = (
        "import sys; from br_core.telemetry.events import clean_data; "
        "print(clean_data('build', {'command': 'security install-hooks'})['command']); "
        "print('br_core.secrets.rules' in sys.modules)"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.splitlines() == ["security install-hooks", "False"]


@pytest.mark.parametrize(
    ("text", "kept", "gone"),
    [
        ("cat config/.env.production now", "cat [env file] now", ".env.production"),
        ("edit ./.env", "edit [env file]", ".env"),
        ("C:\\app\\.env.local", "C:[env file]", ".env"),
        ("branch feature/add-login-page-v2", "branch feature/add-login-page-v2", None),
        ("environment variables", "environment variables", None),
        ("my.envoy.yaml", "my.envoy.yaml", None),
        ("x" * 500, "x" * 200, None),
    ],
)
def test_clean_text(text: str, kept: str, gone: str | None) -> None:
    cleaned = clean_text(text)
    assert cleaned == kept
    if gone:
        assert gone not in cleaned


def test_clean_text_masks_random_tokens_and_keeps_words() -> None:
    token = _rand(30)
    cleaned = clean_text(f"deploy {token} done")
    assert token not in cleaned and cleaned.startswith(f"deploy {token[:4]}…{token[-4:]}")
    for text in (
        "refactor-authentication-middleware-2024",
        "feature/JIRA-1234-add-login",
        "MyFeatureBranchName2024",
        "src/Components/Button2.tsx",
        "0123456789abcdef0123456789abcdef01234567",
    ):
        assert clean_text(text) == text


def test_record_and_read_back(conn: sqlite3.Connection, git_repo: Path) -> None:
    row = record_event(
        conn, "build", {"command": "test", "duration_ms": 5, "success": True}, root=Path.cwd()
    )
    assert row is not None
    conn = open_db()
    pid, kind, ghash, user, data = conn.execute(
        "SELECT project_id, type, git_hash, user_hash, data FROM events WHERE id = ?", (row,)
    ).fetchone()
    assert pid == project_id(git_repo) and kind == "build"
    assert ghash == git(git_repo, "rev-parse", "HEAD").strip()
    assert len(user) == 16 and os.environ.get("USER", "root") not in user
    assert json.loads(data) == {"command": "test", "duration_ms": 5.0, "success": True}


def test_worktrees_share_the_project(git_repo: Path, tmp_path: Path) -> None:
    other = tmp_path / "wt"
    git(git_repo, "worktree", "add", "-q", str(other), "-b", "side")
    assert repo_context(str(other)).project_id == repo_context(str(git_repo)).project_id
    assert repo_context(str(other)).project_id == project_id(other)
    head, branch = read_head(repo_context(str(other)))
    assert branch == "side" and head == git(other, "rev-parse", "HEAD").strip()


def test_outside_git_the_directory_is_the_project(tmp_path: Path) -> None:
    ctx = repo_context(str(tmp_path))
    assert ctx.root is None and ctx.project_id == project_id(tmp_path)
    assert read_head(ctx) == (None, None)


@pytest.mark.parametrize("layout", ["loose", "packed", "detached", "unborn"])
def test_read_head_matches_git(
    tmp_path: Path, layout: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.conftest import GIT_ENV

    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    repo = tmp_path / layout
    repo.mkdir()
    git(repo, "init", "-q", "-b", "trunk")
    if layout != "unborn":
        git(repo, "commit", "-q", "--allow-empty", "-m", "one")
    if layout == "packed":
        git(repo, "pack-refs", "--all")
    if layout == "detached":
        git(repo, "checkout", "-q", "--detach")
    head, branch = read_head(repo_context(str(repo)))
    expected = None if layout == "unborn" else git(repo, "rev-parse", "HEAD").strip()
    assert head == expected
    assert branch == (None if layout == "detached" else "trunk")


@pytest.mark.parametrize(
    ("switch", "reason"),
    [
        ("DO_NOT_TRACK=1", "DO_NOT_TRACK"),
        ("BR_TELEMETRY=0", "BR_TELEMETRY"),
        ("BR_TELEMETRY=off", "BR_TELEMETRY"),
        ("marker", "br telemetry disable"),
        ("config", "enabled = false"),
    ],
)
def test_every_opt_out_switch_stops_recording(
    conn: sqlite3.Connection,
    git_repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    switch: str,
    reason: str,
) -> None:
    if "=" in switch:
        name, value = switch.split("=")
        monkeypatch.setenv(name, value)
    elif switch == "marker":
        set_enabled(False)
    else:
        (git_repo / ".buildrunner").mkdir()
        (git_repo / ".buildrunner" / "config.toml").write_text("[telemetry]\nenabled = false\n")
    assert reason in telemetry_state(git_repo).reason
    assert record_event(conn, "build", {"command": "x"}, root=Path.cwd()) is None
    assert not db_path().exists() or _rows() == []


@pytest.mark.parametrize("value", ["DO_NOT_TRACK=0", "BR_TELEMETRY=1", "DO_NOT_TRACK="])
def test_switches_that_do_not_opt_out(
    conn: sqlite3.Connection, git_repo: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    name, _, setting = value.partition("=")
    monkeypatch.setenv(name, setting)
    set_enabled(False)
    set_enabled(True)
    assert record_event(conn, "build", {"command": "x"}, root=Path.cwd()) is not None


def test_malformed_config_is_a_config_error(conn: sqlite3.Connection, git_repo: Path) -> None:
    (git_repo / ".buildrunner").mkdir()
    (git_repo / ".buildrunner" / "config.toml").write_text("[telemetry\n")
    with pytest.raises(ConfigError, match=r"config\.toml"):
        record_event(conn, "build", {"command": "x"}, root=Path.cwd())


@pytest.mark.sqlite_file
def test_privacy_no_secret_survives_in_db_or_export(
    conn: sqlite3.Connection, git_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from br_cli.app import main

    planted = fake_secrets()
    values = list(planted.values())
    for event_type, fields in SCHEMA.items():
        for index, secret in enumerate(values):
            data: dict[str, object] = {
                name: f"value {secret} (.env at /srv/app/.env.{index})"
                for name, kind in fields.items()
                if kind in ("text", "name")
            }
            record_event(conn, event_type, data, root=Path.cwd())
    out = tmp_path / "export.jsonl"
    assert main(["telemetry", "export", str(out)]) == 0
    capsys.readouterr()
    stored = "\n".join(d for _, d in _rows())
    raw = db_path().read_bytes() + b"".join(p.read_bytes() for p in db_path().parent.glob("*-wal"))
    exported = out.read_text(encoding="utf-8")
    assert exported.count("\n") >= len(SCHEMA) * len(values)
    for name, secret in planted.items():
        for where, text in (("db", stored), ("export", exported)):
            assert secret not in text, f"{name} leaked into {where}"
            # nothing beyond the 4+4 mask: no 9-character window of the secret's middle survives
            middle = secret[4:-4]
            windows = {middle[i : i + 9] for i in range(len(middle) - 8)}
            assert not [w for w in windows if w in text], f"{name} partly leaked into {where}"
        assert secret.encode() not in raw
    assert "/srv/app/.env" not in stored and "[env file]" in stored


WORKER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from br_core.store.db import open_db
    from br_core.telemetry.events import record_event
    worker, count, go = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    while not go.exists():
        time.sleep(0.005)
    for i in range(count):
        conn = open_db()
        record_event(conn, "build", {"command": f"w{worker}-{i}", "success": True}, root=Path.cwd())
        conn.close()
    """
)


@pytest.mark.slow
def test_eight_processes_recording_lose_nothing(git_repo: Path, tmp_path: Path) -> None:
    workers, count = 8, 40
    go = tmp_path / "go"
    procs = [
        subprocess.Popen([sys.executable, "-c", WORKER, str(w), str(count), str(go)])
        for w in range(workers)
    ]
    go.touch()
    for proc in procs:
        assert proc.wait(timeout=120) == 0
    commands = [json.loads(d)["command"] for _, d in _rows()]
    assert sorted(commands) == sorted(f"w{w}-{i}" for w in range(workers) for i in range(count))
    conn = open_db()
    assert conn.execute("SELECT n FROM event_counts WHERE type = 'build'").fetchone()[0] == 320

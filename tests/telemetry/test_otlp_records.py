"""What a stored row may become on the way out: the closed list, whatever the store holds."""

from __future__ import annotations

import json
import sqlite3
import time
from pathlib import Path

import pytest

from br_core.telemetry.export_records import event_record_attributes, scrub
from br_core.telemetry.export_watermark import clamp_marks, read_mark, write_mark
from br_core.telemetry.queries import prune_events

PID = "0123456789abcdef"


B, V, S, F = "buildrunner.build.", "vcs.ref.head.", "buildrunner.session.", "buildrunner.feature."


@pytest.mark.parametrize(
    ("event_type", "git_hash", "data", "expected"),
    [
        # a hand-edited or older row: fields outside the schema never leave
        ("build", None, '{"command": "x y", "argv": "--token abc"}', {B + "command": "x y"}),
        # a git hash that is not hex is dropped, not sent
        ("commit", "HEAD; rm -rf", '{"hash": "zz"}', {}),
        (
            "commit",
            "a" * 40,
            '{"branch": "main"}',
            {V + "revision": "a" * 40, V + "name": "main", V + "type": "branch"},
        ),
        # data that is not JSON, or not an object: the common attributes only
        ("quality", None, "{not json", {}),
        ("quality", None, "[1, 2]", {}),
        # a session field that is not the 12-hex hash (a raw id) is not sent
        ("session", None, '{"session": "5f0c1e2a-raw-id", "event": "Stop"}', {S + "event": "Stop"}),
        # a wrong type for a field's kind is dropped
        ("merge", None, '{"squash": "yes", "insertions": {"a": 1}}', {}),
        ("feature", None, '{"title": "see /srv/app/config.py"}', {F + "title": "see [path]"}),
    ],
)
def test_stored_rows_map_to_the_closed_list(
    event_type: str, git_hash: str | None, data: str, expected: dict[str, object]
) -> None:
    attrs = event_record_attributes(event_type, PID, git_hash, "u" * 16, data)
    assert attrs == {"buildrunner.project.id": PID, "user.hash": "u" * 16, **expected}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("fix the login bug", "fix the login bug"),  # what must NOT change
        ("ratio 3/4 and a/b/c", "ratio 3/4 and a/b/c"),  # relative paths stay
        ("https://example.com/a/b", "https://example.com/a/b"),
        ("/v1", "/v1"),
        ("open /etc/passwd now", "open [path] now"),
        ("~/notes.txt", "[path]"),
        (r"C:\Users\bob\x.txt", "[path]"),
    ],
)
def test_scrub_cuts_paths_and_keeps_the_rest(text: str, expected: str) -> None:
    assert scrub(text) == expected


def test_scrub_replaces_the_home_directory(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HOME", str(tmp_path / "alice"))
    assert str(tmp_path) not in scrub(f"in {tmp_path}/alice/work")


def test_marks_survive_odd_values_and_follow_deletes(conn: sqlite3.Connection) -> None:
    conn.execute("INSERT INTO meta (key, value) VALUES ('otlp_exported:k:events', 'garbage')")
    assert read_mark(conn, "otlp_exported:k", "events") == 0  # resend rather than skip
    now = time.time()
    for i in range(5):
        conn.execute(
            "INSERT INTO events (project_id, type, ts, data) VALUES (?, 'build', ?, ?)",
            (PID, now - 86_400 * (10 - i), json.dumps({"command": "x"})),
        )
    write_mark(conn, "otlp_exported:k", "events", 5)
    write_mark(conn, "otlp_exported:k", "usage_logs", 7)
    assert prune_events(conn, now - 86_400 * 6) == 4  # ids 1-4 go, 5 stays: the mark stays
    assert read_mark(conn, "otlp_exported:k", "events") == 5
    assert prune_events(conn, now) == 1  # the newest goes: the mark falls to 0
    assert read_mark(conn, "otlp_exported:k", "events") == 0
    assert read_mark(conn, "otlp_exported:k", "usage_logs") == 7  # another table's mark
    clamp_marks(conn, "usage")
    assert read_mark(conn, "otlp_exported:k", "usage_logs") == 0  # no usage rows at all

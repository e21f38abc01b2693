"""Fuzzing what parallel builds read from outside: stream names, decisions, briefs on disk and
the `[orchestrate]` table of a committed config.

Property: a value, or the project's own error in one line; never a traceback.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from br_core.errors import BRError
from br_core.orchestration import model, records
from br_core.orchestration.checks import configured_checks
from br_core.orchestration.worker import advance_batch
from br_core.queue.models import NewTask
from br_core.queue.task_queue import TaskQueue
from br_core.store.db import open_db
from tests.fuzz.strategies import expected_or_value, json_values, mutate, text

_names = st.one_of(
    text,
    st.from_regex(r"[A-Za-z0-9][A-Za-z0-9._-]{0,70}", fullmatch=True),
    st.sampled_from(["a.lock", "a.", "a..b", "-x", ".x", "x/y", "@{", "HEAD", "a" * 61, "api"]),
)


@given(name=_names)
def test_a_stream_name_is_a_valid_branch_or_one_line(name: str) -> None:
    got = expected_or_value(lambda: records.check_stream_name(name))
    if isinstance(got, BRError):
        return
    proc = subprocess.run(
        ["git", "check-ref-format", "--branch", f"stream/{got}"], capture_output=True, check=False
    )
    assert proc.returncode == 0, got
    assert "/" not in got and got not in (".", "..")


def _db() -> sqlite3.Connection:
    return open_db(Path(tempfile.mkdtemp()) / "db.sqlite3")


@given(body=st.one_of(text, st.text(max_size=3000)), who=text, stream=_names)
def test_a_decision_is_stored_as_one_masked_paragraph_or_refused(
    body: str, who: str, stream: str
) -> None:
    conn = _db()
    try:
        got = expected_or_value(
            lambda: records.add_decision(conn, "p", body, who=who, stream=stream)
        )
        if isinstance(got, BRError):
            assert model.decisions(conn, "p") == []
            return
        (stored,) = model.decisions(conn, "p")
        assert stored == got and "\n" not in stored.text and stored.text.strip()
        assert len(stored.text) <= records.MAX_DECISION_CHARS and stored.who
    finally:
        conn.close()


_brief = st.one_of(
    json_values.map(json.dumps),
    mutate('{"stream": "api", "batch": 1, "tasks": [{"id": "a"}]}'),
    text,
)


@given(content=_brief)
def test_a_damaged_brief_never_stops_the_worker(content: str) -> None:
    conn = _db()
    worktree = Path(tempfile.mkdtemp())
    try:
        records.upsert_stream(conn, "p", "api", "stream/api", str(worktree))
        TaskQueue(conn, "p").add_tasks([NewTask(id="a", title="a", stream="api")])
        path = worktree / ".buildrunner/commands/api.json"
        path.parent.mkdir(parents=True)
        path.write_bytes(content.encode("utf-8", "surrogatepass"))  # invalid UTF-8 too
        advance_batch(conn, "p", worktree, "api")
        # an unreadable brief, or one whose tasks are done, makes way for a fresh one
        brief = json.loads(path.read_text(encoding="utf-8"))
        assert isinstance(brief, dict) or content == path.read_text(encoding="utf-8")
    finally:
        conn.close()


_values = st.one_of(
    st.sampled_from(['"make test"', '""', "1", "[1]", "{a = 1}", '"\\u0000"', "true"]),
    text.map(json.dumps),
)


@given(value=_values, shape=st.sampled_from(["table", "scalar"]))
def test_the_orchestrate_table_gives_checks_or_one_line(value: str, shape: str) -> None:
    root = Path(tempfile.mkdtemp())
    (root / ".buildrunner").mkdir()
    body = (
        f"[orchestrate]\ntest_command = {value}\n"
        if shape == "table"
        else f"orchestrate = {value}\n"
    )
    (root / ".buildrunner/config.toml").write_text(body, encoding="utf-8")
    got = expected_or_value(lambda: configured_checks(root))
    if not isinstance(got, BRError):
        checks, notices = got
        assert checks == []  # never trusted here: nothing runs
        assert len(notices) <= 1 and all("\n" not in n for n in notices)

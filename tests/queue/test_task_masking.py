"""Secrets in task text are masked where the text enters the queue (issue 12, item 5).

Every door (`br tasks add`, the MCP add_tasks tool, a parsed spec) ends in the queue's writes,
so the test covers the engine call both doors make and the CLI end to end.
"""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from br_cli.app import main
from br_core.queue.models import NewTask
from br_core.queue.task_queue import TaskQueue
from br_core.store.db import open_db
from tests.data.secrets_corpus import rand


def _token(seed: int) -> str:
    return "ghp_" + rand(random.Random(seed), "alnum", 36)


def _stored_text(conn_path_home: Path) -> str:
    conn = open_db()
    try:
        rows = conn.execute("SELECT title, description FROM tasks").fetchall()
        events = conn.execute("SELECT data FROM task_events").fetchall()
        return json.dumps([list(r) for r in rows] + [list(e) for e in events])
    finally:
        conn.close()


def test_add_tasks_masks_title_description_and_notes(br_home: Path) -> None:
    token = _token(5)
    conn = open_db()
    queue = TaskQueue(conn, "p")
    (task_id,) = queue.add_tasks(
        [NewTask(title=f"Rotate {token}", description=f"old: {token}", feature="ops")]
    )
    assert token[4:].lower() not in task_id
    task = queue.get(task_id)
    assert task.title.startswith("Rotate ghp_") and token not in task.title
    assert task.description.startswith("old: ghp_") and token not in task.description
    claim = queue.claim("w")
    assert claim is not None
    queue.complete(task_id, claim.token, note=f"revoked {token}")
    (again,) = queue.add_tasks([NewTask(title=f"Check {token}")])
    claim = queue.claim("w")
    assert claim is not None
    queue.fail(again, claim.token, reason=f"still valid: {token}")
    conn.close()
    stored = _stored_text(br_home)
    assert token not in stored and "revoked ghp_" in stored and "still valid: ghp_" in stored


def test_plain_titles_are_stored_as_given(br_home: Path) -> None:
    conn = open_db()
    queue = TaskQueue(conn, "p")
    title = "Add password reset form (uses token_expiry = 3600)"
    (task_id,) = queue.add_tasks([NewTask(title=title, description="see docs/auth.md")])
    assert (queue.get(task_id).title, queue.get(task_id).description) == (
        title,
        "see docs/auth.md",
    )
    conn.close()


def test_br_tasks_add_and_list_never_show_the_secret(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    token = _token(6)
    assert main(["tasks", "add", f"Use {token}", "--description", f"key {token}"]) == 0
    assert main(["tasks", "list"]) == 0
    assert main(["tasks", "list", "--json"]) == 0
    out = capsys.readouterr()
    assert token not in out.out + out.err
    assert "Use ghp_" in out.out

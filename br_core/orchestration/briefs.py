"""The files a parallel build leaves for people and sessions to read.

- `.buildrunner/commands/NAME.json` in a stream's worktree: the worker's brief (its batch, the
  tasks of that batch, what the stream already finished, the decisions made since its last
  batch, and how to take the next task).
- `.buildrunner/status/NAME.json` in the main checkout: what the stream's worker is doing now.

Both are written atomically (temp file + rename) and kept out of git through the repository's
`info/exclude`, so they never make a tree dirty or end up in a commit.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from br_core.orchestration import model
from br_core.orchestration.plan import Plan
from br_core.orchestration.records import StreamRow
from br_core.store.connection import Connection

COMMANDS_DIR = Path(".buildrunner") / "commands"
STATUS_DIR = Path(".buildrunner") / "status"
EXCLUDED = ("/.buildrunner/commands/", "/.buildrunner/status/")


def brief_path(worktree: Path, stream: str) -> Path:
    return worktree / COMMANDS_DIR / f"{stream}.json"


def status_path(main_root: Path, stream: str) -> Path:
    return main_root / STATUS_DIR / f"{stream}.json"


def write_json(path: Path, data: dict[str, Any]) -> None:
    """Write `data` so a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def exclude_from_git(common_dir: Path) -> None:
    """Add the brief and status folders to the repository's info/exclude (once)."""
    exclude = common_dir / "info" / "exclude"
    try:
        text = exclude.read_text(encoding="utf-8")
    except FileNotFoundError:
        text = ""
    missing = [line for line in EXCLUDED if line not in text.splitlines()]
    if missing:
        exclude.parent.mkdir(parents=True, exist_ok=True)
        head = text if not text or text.endswith("\n") else text + "\n"
        body = "# BuildRunner: per-stream briefs and status (br orchestrate)\n" if missing else ""
        exclude.write_text(head + body + "\n".join(missing) + "\n", encoding="utf-8")


def completed_context(conn: Connection, project_id: str, stream: str) -> list[dict[str, Any]]:
    """The stream's finished tasks with the note each was closed with: what the next batch
    builds on."""
    rows = conn.execute(
        "SELECT t.id, t.title, (SELECT e.data FROM task_events e WHERE e.project_id = t.project_id "
        "AND e.task_id = t.id AND e.kind = 'done' ORDER BY e.id DESC LIMIT 1) FROM tasks t "
        "WHERE t.project_id = ? AND t.stream = ? AND t.status = 'done' "
        "ORDER BY t.updated_at, t.seq",
        (project_id, stream),
    )
    done = []
    for task_id, title, data in rows:
        note = json.loads(data).get("note", "") if data else ""
        done.append({"id": task_id, "title": title, "note": note})
    return done


def brief(
    conn: Connection,
    project_id: str,
    row: StreamRow,
    plan: Plan,
    decisions_since: int,
) -> dict[str, Any]:
    """The brief of `row`'s current batch: the stream's next open batch in `plan`."""
    stream_plan = next((s for s in plan.streams if s.stream == row.name), None)
    batch = stream_plan.batches[0] if stream_plan and stream_plan.batches else None
    tasks = [
        {"id": t.id, "title": t.title, "status": t.status, "estimate_minutes": t.estimate_minutes}
        for t in (batch.tasks if batch else ())
    ]
    return {
        "stream": row.name,
        "batch": row.batch,
        "branch": row.branch,
        "worktree": row.worktree,
        "tasks": tasks,
        "completed": completed_context(conn, project_id, row.name),
        "decisions": [
            d.to_dict() for d in model.decisions(conn, project_id, since=decisions_since)
        ],
        "how": (
            f"claim_task with owner={row.name} and stream={row.name}; heartbeat with update_task "
            "while you work; finish with update_task action=done (or fail) and the token; "
            f"record a choice others must follow with record_decision (stream={row.name})"
        ),
    }


def status_document(status: model.StreamStatus) -> dict[str, Any]:
    """What `.buildrunner/status/NAME.json` holds."""
    return {
        "stream": status.stream,
        "status": status.status,
        "batch": status.batch,
        "completed": list(status.completed),
        "branch": status.branch,
        "head": status.head,
        "owner": status.owner,
        "current_task": status.current_task,
        "last_heartbeat": status.last_heartbeat,
        "stale": status.stale,
    }

"""A three-stream build in a real repository: worktrees, a queue, claims, transcripts.

The pieces are the real ones: git worktrees on `stream/NAME` branches, the queue's own claims
and completions, the orchestration records a worker writes, and Claude Code transcript files
(JSONL) that the dashboard ingests itself. One stream's worker stopped heartbeating two
minutes ago (the only value written straight to the store: waiting 90 s would prove nothing
more).
"""

from __future__ import annotations

import json
import random
import sqlite3
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from br_core.git import project_id
from br_core.orchestration.records import report_status, upsert_stream
from br_core.queue.models import NewTask
from br_core.queue.task_queue import TaskQueue
from tests.conftest import git
from tests.data.secrets_corpus import rand

STREAMS = {
    "api": ["schema", "endpoints", "auth", "pagination"],
    "ui": ["layout", "forms", "charts", "polish"],
    "db": ["migrations", "indexes", "backups"],
}
CROSS = [("ui-forms", "api-endpoints"), ("api-endpoints", "db-migrations")]
MODELS = {"api": "claude-sonnet-4-5", "ui": "claude-haiku-4-5", "db": "claude-opus-4-1"}


@dataclass
class Build:
    root: Path
    project: str
    worktrees: dict[str, Path]
    claims: dict[str, tuple[str, int]] = field(default_factory=dict)  # stream -> (task, token)
    secret: str = ""  # a secret-shaped value inside one task title


def claude_dir(path: Path) -> str:
    return "".join(c if c.isalnum() else "-" for c in str(path))


def make_build(repo: Path, conn: sqlite3.Connection, transcripts: Path) -> Build:
    """Three streams, eleven tasks, one claim per stream, two tasks done; usage in transcripts."""
    project = project_id(repo)
    worktrees = {}
    for name in STREAMS:
        path = repo.parent / f"{repo.name}-{name}"
        git(repo, "worktree", "add", "-q", str(path), "-b", f"stream/{name}")
        worktrees[name] = path
        upsert_stream(conn, project, name, f"stream/{name}", str(path))
    secret = "ghp_" + rand(random.Random(16), "alnum", 36)
    tasks = []
    for stream, names in STREAMS.items():
        for i, name in enumerate(names):
            task_id = f"{stream}-{name}"
            deps = [f"{stream}-{names[i - 1]}"] if i else []
            deps += [b for a, b in CROSS if a == task_id]
            title = f"{stream} {name}"
            if task_id == "api-auth":
                title = f"rotate the token {secret} in auth"
            tasks.append(
                NewTask(id=task_id, title=title, stream=stream, depends_on=deps, priority=i % 3)
            )
    queue = TaskQueue(conn, project, root=repo)
    try:
        queue.add_tasks(tasks)
        build = Build(repo, project, worktrees, secret=secret)
        for stream in ("db", "db", "api"):
            claim = queue.claim(f"worker-{stream}", stream=stream)
            assert claim is not None
            queue.complete(claim.task.id, claim.token)
        for stream in STREAMS:
            claim = queue.claim(f"worker-{stream}", stream=stream)
            assert claim is not None, stream
            build.claims[stream] = (claim.task.id, claim.token)
            report_status(
                conn, project, stream, status="working", owner=f"worker-{stream}",
                current_task=claim.task.id, head=None,
            )  # fmt: skip
    finally:
        queue.close()
    conn.execute(
        "UPDATE streams SET heartbeat_at = ? WHERE project_id = ? AND name = 'ui'",
        (time.time() - 120, project),
    )
    write_transcripts(transcripts, worktrees)
    return build


def write_transcripts(root: Path, worktrees: dict[str, Path], requests: int = 12) -> None:
    """Claude Code-shaped transcripts, one session per stream, spread over the last 50 minutes."""
    now = time.time()
    for stream, path in worktrees.items():
        folder = root / claude_dir(path)
        folder.mkdir(parents=True, exist_ok=True)
        lines = []
        for i in range(requests):
            stamp = datetime.fromtimestamp(now - 3000 + i * 240 + len(stream), UTC)
            lines.append(
                json.dumps(
                    {
                        "type": "assistant",
                        "timestamp": stamp.isoformat().replace("+00:00", "Z"),
                        "sessionId": f"session-{stream}",
                        "requestId": f"req-{stream}-{i}",
                        "cwd": str(path),
                        "message": {
                            "id": f"msg-{stream}-{i}",
                            "model": MODELS[stream],
                            "usage": {"input_tokens": 2000 + 500 * i, "output_tokens": 800},
                        },
                    }
                )
            )
        (folder / f"session-{stream}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")

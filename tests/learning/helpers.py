"""Histories for the learning tests, written through the engine's own writers (routing outcomes,
telemetry events, real git commits), never by hand-made rows."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from br_core.routing.router import record_outcome
from br_core.telemetry.events import record_event
from tests.conftest import git

DAY = 86_400.0


def teach(conn: sqlite3.Connection, root: Path, task: str, tier: str, ok: int, failed: int) -> None:
    for i in range(ok + failed):
        record_outcome(conn, root, task, tier, i < ok, 0.01 if tier == "haiku" else 0.2)


def block(
    conn: sqlite3.Connection, root: Path, hook: str, dirs: str, ts: float, rules: str = "aws"
) -> None:
    data: dict[str, object] = {
        "hook": hook,
        "blocked": True,
        "findings": 1,
        "rules": rules,
        "dirs": dirs,
    }
    record_event(conn, "check", data, root=root, ts=ts)


def coverage_run(conn: sqlite3.Connection, root: Path, percent: float, ts: float) -> None:
    data: dict[str, object] = {
        "hook": "br-coverage",
        "blocked": percent < 80,
        "percent": percent,
        "covered": int(percent),
        "measured": 100,
    }
    record_event(conn, "check", data, root=root, ts=ts)


def commits(repo: Path, plan: list[tuple[str, str]]) -> None:
    """One real commit per (path, subject) on top of HEAD, each changing `path` (through
    `git fast-import`: a hundred commits in one process)."""
    parent = git(repo, "rev-parse", "HEAD").strip()
    stamp = int(time.time()) - len(plan) * 60
    lines: list[str] = []
    for i, (path, subject) in enumerate(plan):
        body = f"version {i}\n" * (i % 7 + 1)
        message = subject.encode()
        lines += [
            "commit refs/heads/main",
            f"committer Test <test@example.invalid> {stamp + i * 60} +0000",
            f"data {len(message)}",
            subject,
            *([f"from {parent}"] if i == 0 else []),
            f"M 100644 inline {path}",
            f"data {len(body.encode())}",
            body,
        ]
    import subprocess

    subprocess.run(
        ["git", "fast-import", "--quiet", "--force"],
        cwd=repo,
        check=True,
        input="\n".join(lines) + "\n",
        text=True,
    )
    git(repo, "reset", "-q", "--hard", "main")


def now() -> float:
    return time.time()

"""`br merge`: the merge queue; the target branch only moves to a merge whose checks passed."""

from __future__ import annotations

import json
import math
import sys
from typing import Annotated

import typer

from br_core.errors import UsageError
from br_core.git import project_id, project_root
from br_core.orchestration.checks import Check
from br_core.orchestration.merge import MergeRun, StreamMerge
from br_core.store.db import open_db

EXIT_STOPPED = 1


def hook_checks() -> list[Check]:
    """Our hooks, run on the files a merge changes (the same entry points pre-commit runs)."""
    return [
        Check("br-secrets", (sys.executable, "-m", "br_hooks.secrets"), files=True),
        Check("br-sql-injection", (sys.executable, "-m", "br_hooks.sql_injection"), files=True),
    ]


def _echo(result: StreamMerge) -> None:
    checks = ", ".join(f"{c.name} {c.seconds:.1f} s" for c in result.checks)
    tail = f" [{checks}]" if checks else ""
    if result.state == "merged":
        typer.echo(f"{result.stream}: merged as {result.merged_commit or ''}{tail}"[:200])
    else:
        queued = f"; queued task {result.resolve_task}" if result.resolve_task else ""
        typer.echo(f"{result.stream}: {result.state}: {result.reason}{queued}{tail}")
    for notice in result.notices:
        typer.echo(f"  note: {notice}")


def merge_command(
    streams: Annotated[
        str | None,
        typer.Option("--streams", help="comma-separated streams (default: every finished one)"),
    ] = None,
    into: Annotated[str, typer.Option("--into", help="the branch to merge into")] = "main",
    check_timeout: Annotated[float, typer.Option(help="seconds each check may run")] = 1800.0,
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
) -> None:
    """Merge finished streams in dependency order; the target moves only to checked merges.

    Each merge is predicted with `git merge-tree`, checked in a temporary worktree (our hooks
    on the changed files, then \\[orchestrate] test_command of a trusted config), and the
    target moves only when the checks pass. A conflict or red check stops that stream and
    queues a resolve task for it (exit 1).
    """
    if not (math.isfinite(check_timeout) and 1 <= check_timeout <= 86400):
        raise UsageError(f"--check-timeout {check_timeout!r}: must be from 1 to 86400 seconds")
    names = None if streams is None else [s.strip() for s in streams.split(",") if s.strip()]
    root = project_root()
    conn = open_db()
    try:
        run = MergeRun(
            conn,
            project_id(root),
            root,
            target=into,
            checks=hook_checks(),
            check_timeout=check_timeout,
            on_progress=None if as_json else lambda line: typer.echo(f"  {line}", err=True),
        )
        results = run.run(names)
    finally:
        conn.close()
    if as_json:
        typer.echo(json.dumps([r.to_dict() for r in results], indent=2))
    else:
        if not results:
            typer.echo("nothing to merge: no stream has finished work")
        for result in results:
            _echo(result)
    if any(r.state in ("conflict", "failed") for r in results):
        raise typer.Exit(EXIT_STOPPED)

"""`br orchestrate`: plan the streams of a parallel build, start them, show where they are."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from br_core.config import load_config, read_user_config, section
from br_core.errors import ConfigError
from br_core.git import project_id, project_root
from br_core.learning.planning import estimate_factor
from br_core.orchestration import model
from br_core.orchestration.plan import Plan, build_plan
from br_core.orchestration.start import start_streams
from br_core.store.db import open_db

app = typer.Typer(help="Parallel builds: plan the streams, start one worktree per stream.")

JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]


def _split(streams: str | None) -> list[str] | None:
    if streams is None:
        return None
    return [s.strip() for s in streams.split(",") if s.strip()]


def _minutes(value: float) -> str:
    return f"{value / 60:.1f} h" if value >= 90 else f"{value:.0f} min"


def _echo_plan(plan: Plan) -> None:
    if not plan.streams:
        typer.echo("no streams: no task has a stream; give features a `Stream:` line")
    for stream in plan.streams:
        est = stream.estimate
        interval = (
            f" (80%: {_minutes(est.low)}-{_minutes(est.high)})"
            if est.low is not None and est.high is not None
            else ""
        )
        after = f", after {', '.join(stream.depends_on)}" if stream.depends_on else ""
        open_count = sum(len(b.tasks) for b in stream.batches)
        typer.echo(
            f"{stream.stream}: {open_count} open, {stream.done} done, "
            f"estimate {_minutes(est.minutes)}{interval}{after}"
        )
        for batch in stream.batches:
            typer.echo(f"  batch {batch.number}: {', '.join(t.id for t in batch.tasks)}")
        typer.echo(f"  ({est.basis})")
    for note in plan.notes:
        typer.echo(f"note: {note}")


@app.command("plan")
def plan_command(
    spec: Annotated[
        Path | None, typer.Argument(help="a markdown spec to parse into the queue first")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Batches per stream by dependency depth, with an estimate per stream.

    The estimate sums the tasks' estimates (times [planning] estimate_factor of your own config
    while the project has no measured tasks); once 5 finished tasks have measured durations it
    is scaled by their median actual/estimated ratio instead, with a 10th-90th percentile
    interval.
    """
    root = project_root()
    factor = estimate_factor(read_user_config())  # a bad value stops before the queue changes
    conn = open_db()
    try:
        if spec is not None:
            from br_core.queue.spec_parser import parse_spec_file
            from br_core.queue.task_queue import TaskQueue

            parsed = parse_spec_file(spec, root=root)
            queue = TaskQueue(conn, project_id(root), root=root)
            try:
                queue.sync_spec(
                    parsed.features, parsed.tasks, sorted(parsed.done_ids), source=parsed.source
                )
            finally:
                queue.close()
        plan = build_plan(conn, project_id(root), factor)
    finally:
        conn.close()
    if as_json:
        typer.echo(json.dumps(plan.to_dict(), indent=2))
    else:
        _echo_plan(plan)


def _worktree_dir(root: Path) -> Path | None:
    from br_core.config import config_path

    values = section(load_config(root), "orchestrate", config_path(root))
    value = values.get("worktree_dir")
    if value is None:
        return None
    if not isinstance(value, str) or not value.strip():
        raise ConfigError(
            f"{config_path(root)}: [orchestrate] worktree_dir must be a folder path as a string, "
            'e.g. worktree_dir = "../worktrees"'
        )
    return Path(value)


@app.command("start")
def start_command(
    streams: Annotated[
        str | None, typer.Option("--streams", help="comma-separated streams (default: all)")
    ] = None,
    base: Annotated[str, typer.Option(help="the commit the stream branches start from")] = "HEAD",
    as_json: JsonOpt = False,
) -> None:
    """One worktree and branch (stream/NAME) per stream, with a brief and a session command.

    The brief is .buildrunner/commands/NAME.json in the stream's worktree; the printed command
    starts Claude Code there with /br-next NAME. Safe to rerun: what exists is kept. Refuses
    over uncommitted changes to tracked files (exit 2).
    """
    root = project_root()
    conn = open_db()
    try:
        pid = project_id(root)
        plan = build_plan(conn, pid)
        started = start_streams(
            conn,
            pid,
            root,
            plan,
            streams=_split(streams),
            worktree_dir=_worktree_dir(root),
            base=base,
        )
    finally:
        conn.close()
    if as_json:
        rows = [
            {
                "stream": s.stream,
                "branch": s.branch,
                "worktree": str(s.worktree),
                "brief": str(s.brief),
                "batch": s.batch,
                "command": s.command,
                "created": list(s.created),
            }
            for s in started
        ]
        typer.echo(json.dumps(rows, indent=2))
        return
    for s in started:
        made = f"made {', '.join(s.created)}" if s.created else "already started, kept"
        typer.echo(f"{s.stream}: {s.branch} at {s.worktree} (batch {s.batch}; {made})")
        typer.echo(f"  {s.command}")


@app.command("status")
def status_command(as_json: JsonOpt = False) -> None:
    """Each stream's worker, task, lease and heartbeat, and the merge queue."""
    conn = open_db()
    try:
        pid = project_id(project_root())
        rows = model.streams(conn, pid)
        entries = model.merge_queue(conn, pid)
    finally:
        conn.close()
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "streams": [r.to_dict() for r in rows],
                    "merge_queue": [e.to_dict() for e in entries],
                },
                indent=2,
            )
        )
        return
    for r in rows:
        task = f" on {r.current_task} ({r.owner})" if r.current_task else ""
        lease = f", lease {r.lease_left:.0f} s" if r.lease_left is not None else ""
        typer.echo(
            f"{r.stream}: {r.status}{task}{lease}; {len(r.completed)}/{r.tasks_total} done; "
            f"batch {r.batch}; {r.branch}"
        )
    for e in entries:
        other = f" (with {e.other_stream})" if e.other_stream else ""
        typer.echo(f"merge {e.stream} -> {e.target}: {e.state}{other} {', '.join(e.files[:3])}")

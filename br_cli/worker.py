"""`br worker --stream NAME --command CMD`: work a stream's tasks from a terminal or a script."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

import typer

from br_core.errors import UsageError
from br_core.git import project_id, project_root
from br_core.orchestration.records import check_stream_name
from br_core.orchestration.worker import TaskRun, WorkerOptions, stream_worktree, work_stream
from br_core.store.connection import Connection
from br_core.store.db import open_db

EXIT_WAIT, EXIT_FINISHED, EXIT_INTERRUPTED = 1, 3, 130


def _seconds(name: str, value: float, low: float, high: float) -> float:
    if not (math.isfinite(value) and low <= value <= high):
        raise UsageError(f"{name} {value!r}: must be a number of seconds from {low:g} to {high:g}")
    return value


def _echo(run: TaskRun) -> None:
    if run.outcome == "finished":
        typer.echo("stream finished: no open task left")
    elif run.outcome == "nothing":
        typer.echo("nothing ready: the stream's open tasks wait on dependencies or other workers")
    else:
        typer.echo(f"{run.task_id}: {run.outcome} (exit {run.exit_code}, {run.seconds:.1f} s)")
        if run.outcome != "done" and run.output_tail:
            for line in run.output_tail.splitlines()[-5:]:
                typer.echo(f"  | {line}")


def worker_command(
    stream: Annotated[str, typer.Option("--stream", help="the stream to work on")],
    command: Annotated[
        str,
        typer.Option(
            "--command",
            help="run for each task in this worktree (via /bin/sh; BR_TASK_ID, BR_TASK_TITLE, "
            "BR_STREAM are set); exit 0 marks the task done, anything else fails it",
        ),
    ],
    once: Annotated[bool, typer.Option("--once", help="one task, then stop")] = False,
    owner: Annotated[
        str | None, typer.Option(help="owner name (default: worker-STREAM-PID)")
    ] = None,
    lease: Annotated[float, typer.Option(help="lease seconds; heartbeats renew it")] = 300.0,
    heartbeat: Annotated[float, typer.Option(help="seconds between heartbeats")] = 30.0,
    timeout: Annotated[float, typer.Option(help="seconds a command may run")] = 3600.0,
    wait: Annotated[
        float, typer.Option(help="seconds to wait for a task to become ready before stopping")
    ] = 60.0,
) -> None:
    """Work a stream: take its next task, heartbeat while CMD runs, mark it done or failed.

    Repeats until the stream is finished. Exit 0 when finished (or --once did a task), 1 when
    nothing became ready within --wait, 3 when --once found the stream already finished, 130
    on Ctrl-C (the task goes back to the queue at once).
    """
    check_stream_name(stream)
    options = WorkerOptions(
        owner=owner,
        lease_seconds=_seconds("--lease", lease, 10, 7 * 86400),
        heartbeat_seconds=_seconds("--heartbeat", heartbeat, 0.05, lease / 2),
        timeout=_seconds("--timeout", timeout, 1, 7 * 86400),
    )
    _seconds("--wait", wait, 0, 86400)
    root = project_root()
    if not command.strip():
        raise UsageError('--command: empty; pass what works on a task, e.g. --command "make task"')
    conn = open_db()
    try:
        runs = _work(conn, root, stream, command, options, once, wait)
    finally:
        conn.close()
    last = runs[-1].outcome if runs else "nothing"
    if last == "nothing":
        raise typer.Exit(EXIT_WAIT)
    if once and last == "finished" and len(runs) == 1:
        raise typer.Exit(EXIT_FINISHED)


def _work(
    conn: Connection,
    root: Path,
    stream: str,
    command: str,
    options: WorkerOptions,
    once: bool,
    wait: float,
) -> list[TaskRun]:
    project = project_id(root)
    worktree = stream_worktree(conn, project, stream, Path(root))
    if worktree.resolve() != Path(root).resolve():
        typer.echo(f"br: stream {stream} works in its worktree {worktree}")
    try:
        return work_stream(
            conn,
            open_db,
            project,
            worktree,
            stream,
            command,
            options,
            once=once,
            wait=wait,
            on_run=_echo,
        )
    except KeyboardInterrupt:
        typer.echo(
            f"br: worker for {stream} interrupted; its task went back to the queue", err=True
        )
        raise typer.Exit(EXIT_INTERRUPTED) from None

"""`br tasks`: the shared task queue from a terminal (the same queue the MCP tools use)."""

from __future__ import annotations

import json
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from br_core.errors import UsageError
from br_core.git import project_id, project_root
from br_core.queue.models import STATUSES, NewTask, Task
from br_core.queue.task_queue import TaskQueue
from br_core.store.db import open_db

app = typer.Typer(help="The task queue shared by parallel sessions of this repository.")

OwnerOpt = Annotated[str, typer.Option("--owner", help="who holds the task (e.g. a session name)")]
JsonOpt = Annotated[bool, typer.Option("--json", help="print JSON")]


@contextmanager
def _queue() -> Iterator[TaskQueue]:
    """The queue of the repository containing the working directory, on a connection of its own."""
    root = Path.cwd()
    conn = open_db()
    queue = TaskQueue(conn, project_id(root), root=root)
    try:
        yield queue
    finally:
        queue.close()
        conn.close()


def _echo_task(task: Task) -> None:
    typer.echo(f"{task.id}  [{task.status}]  P{task.priority}  {task.title}")
    if task.feature:
        typer.echo(f"  feature: {task.feature}")
    if task.stream:
        typer.echo(f"  stream: {task.stream}")
    if task.estimate_minutes is not None:
        typer.echo(f"  estimate: {task.estimate_minutes:g} min")
    if task.depends_on:
        typer.echo(f"  depends on: {', '.join(task.depends_on)}")
    if task.files:
        typer.echo(f"  files: {', '.join(task.files)}")
    if task.owner:
        typer.echo(f"  owner: {task.owner} (attempt {task.attempts}/{task.max_attempts})")
    if task.description:
        for line in task.description.splitlines():
            typer.echo(f"  | {line}")


@app.command("parse")
def parse(
    spec: Annotated[Path, typer.Argument(help="the markdown spec, e.g. PROJECT_SPEC.md")],
    as_json: JsonOpt = False,
) -> None:
    """Turn a spec into features and tasks; re-running updates them in place by stable id."""
    from br_core.queue.spec_parser import SPEC_FORMAT_EXAMPLE, parse_spec_file

    parsed = parse_spec_file(spec, root=project_root())
    if not parsed.tasks:
        # Syncing an empty parse would drop the spec's waiting tasks: say what a task looks like.
        typer.echo(
            f"br tasks parse: {spec}: no tasks found, the queue is unchanged; write tasks as "
            "checklist items under `## Feature:` headings, for example:\n"
            + textwrap.indent(SPEC_FORMAT_EXAMPLE, "  "),
            err=True,
        )
        raise typer.Exit(2)
    with _queue() as queue:
        report = queue.sync_spec(
            parsed.features, parsed.tasks, sorted(parsed.done_ids), source=parsed.source
        )
    if as_json:
        typer.echo(report.model_dump_json(indent=2))
        return
    typer.echo(
        f"{spec}: {len(parsed.features)} features, {len(parsed.tasks)} tasks: "
        f"{len(report.added)} added, {len(report.updated)} updated, {report.unchanged} unchanged, "
        f"{len(report.removed)} removed"
    )
    for task_id in report.kept:
        typer.echo(f"  kept {task_id}: no longer in the spec, but already claimed or finished")


@app.command("list")
def list_tasks(
    status: Annotated[str | None, typer.Option(help=f"one of {', '.join(STATUSES)}")] = None,
    feature: Annotated[str | None, typer.Option(help="feature id")] = None,
    stream: Annotated[str | None, typer.Option(help="stream name")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000)] = 50,
    offset: Annotated[int, typer.Option(min=0)] = 0,
    as_json: JsonOpt = False,
) -> None:
    """Tasks in claim order (priority, dependency depth, insertion)."""
    if status is not None and status not in STATUSES:
        raise UsageError(f"--status {status}: unknown status; use one of {', '.join(STATUSES)}")
    with _queue() as queue:
        rows, total = queue.list_tasks(
            status=status, feature=feature, stream=stream, limit=limit, offset=offset
        )
    if as_json:
        payload = {"total": total, "tasks": [r.model_dump() for r in rows]}
        typer.echo(json.dumps(payload, indent=2))
        return
    for row in rows:
        owner = f"  ({row.owner})" if row.owner else ""
        typer.echo(f"{row.status:8} P{row.priority}  {row.id}  {row.title}{owner}")
    typer.echo(f"{len(rows)} of {total} tasks")


@app.command("show")
def show(task_id: str, as_json: JsonOpt = False) -> None:
    """One task with its dependencies and history."""
    with _queue() as queue:
        task = queue.get(task_id)
        events = queue.events(task_id)
    if as_json:
        payload = {"task": task.model_dump(), "events": [e.model_dump() for e in events]}
        typer.echo(json.dumps(payload, indent=2))
        return
    _echo_task(task)
    for event in events:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(event.ts))
        who = f" by {event.owner}" if event.owner else ""
        typer.echo(f"  {stamp} {event.kind}{who}")


EXIT_WAIT = 1  # nothing ready now, but open tasks remain: retry shortly
EXIT_FINISHED = 3  # nothing left to claim: every task is done, failed or dead


def _nothing_ready(queue: TaskQueue, stream: str | None) -> typer.Exit:
    """Say why nothing was claimed and what to do: wait (exit 1) or stop (exit 3)."""
    from br_core.git import repo_context
    from br_core.queue.claim_reason import nothing_to_claim

    why = nothing_to_claim(queue.summary(), stream)
    where = ""
    if repo_context(Path.cwd()).root is None:
        where = (
            f" ({Path.cwd()} is not inside a git repository, so this is its own queue; "
            "run br in your repository, or `git init` here)"
        )
    if why.empty:
        typer.echo(
            f"nothing to claim: {why.reason}{where}; add tasks with "
            "`br tasks parse PROJECT_SPEC.md` or `br tasks add TITLE`"
        )
        return typer.Exit(EXIT_FINISHED)
    if not why.finished:
        typer.echo(f"{why.reason}; retry shortly (`br tasks list` shows them)")
        return typer.Exit(EXIT_WAIT)
    typer.echo(f"nothing to claim: {why.reason}{where}; `br tasks list` shows them")
    return typer.Exit(EXIT_FINISHED)


@app.command("next")
def next_task(stream: Annotated[str | None, typer.Option()] = None) -> None:
    """The task a claim would take now (nothing is claimed). Exit 1: wait; 3: queue finished."""
    with _queue() as queue:
        task = queue.next_ready(stream)
        if task is None:
            raise _nothing_ready(queue, stream)
    _echo_task(task)


@app.command("claim")
def claim(
    owner: OwnerOpt = "cli",
    stream: Annotated[str | None, typer.Option()] = None,
    lease: Annotated[float, typer.Option(help="lease in seconds", min=1)] = 900,
    as_json: JsonOpt = False,
) -> None:
    """Atomically claim the next ready task; prints the token that done/fail need.

    Exit 1 when nothing is ready yet but open tasks remain (retry shortly); exit 3 when the
    queue is finished.
    """
    with _queue() as queue:
        got = queue.claim(owner, stream=stream, lease_seconds=lease)
        if got is None:
            raise _nothing_ready(queue, stream)
    if as_json:
        typer.echo(got.model_dump_json(indent=2))
        return
    _echo_task(got.task)
    typer.echo(f"token: {got.token}  (br tasks done {got.task.id} --token {got.token})")


TokenOpt = Annotated[int, typer.Option("--token", help="the token printed by `br tasks claim`")]


@app.command("done")
def done(task_id: str, token: TokenOpt, note: str = "") -> None:
    """Mark a claimed task done (only with its current token)."""
    with _queue() as queue:
        task = queue.complete(task_id, token, note=note)
    typer.echo(f"{task.id}: {task.status}")


@app.command("fail")
def fail(
    task_id: str,
    token: TokenOpt,
    reason: str = "",
    retry: Annotated[bool, typer.Option(help="return it to the queue if attempts remain")] = True,
) -> None:
    """Give a claimed task back: retried until attempts run out, then dead."""
    with _queue() as queue:
        task = queue.fail(task_id, token, reason=reason, retry=retry)
    typer.echo(f"{task.id}: {task.status} (attempt {task.attempts}/{task.max_attempts})")


@app.command("add")
def add(
    title: str,
    task_id: Annotated[
        str | None, typer.Option("--id", help="stable id (default: generated)")
    ] = None,
    feature: str = "",
    description: str = "",
    priority: Annotated[int, typer.Option(min=0, max=9, help="0 is most urgent")] = 2,
    estimate: Annotated[float | None, typer.Option(help="minutes")] = None,
    stream: str = "",
    depends_on: Annotated[list[str] | None, typer.Option("--depends-on")] = None,
    files: Annotated[list[str] | None, typer.Option("--file")] = None,
) -> None:
    """Add one task (or update it in place when --id exists)."""
    try:
        new = NewTask(
            id=task_id,
            title=title,
            feature=feature,
            description=description,
            priority=priority,
            estimate_minutes=estimate,
            stream=stream,
            depends_on=depends_on or [],
            files=files or [],
        )
    except ValueError as exc:
        first = str(exc).splitlines()
        raise UsageError(
            f"br tasks add: invalid task ({' '.join(first[1:3])}); fix the option"
        ) from exc
    with _queue() as queue:
        (added,) = queue.add_tasks([new])
    typer.echo(added)


@app.command("deps")
def deps(
    task_id: str,
    add: Annotated[list[str] | None, typer.Option("--add", help="a task it must wait for")] = None,
) -> None:
    """Show a task's dependencies, or add some (an edge closing a cycle is refused)."""
    with _queue() as queue:
        for dep in add or []:
            queue.add_dependency(task_id, dep)
        task = queue.get(task_id)
    typer.echo(f"{task.id} depends on: {', '.join(task.depends_on) or '(nothing)'}")


@app.command("graph")
def graph(
    fmt: Annotated[str, typer.Option("--format", help="mermaid or dot")] = "mermaid",
) -> None:
    """The dependency graph as Mermaid (paste into markdown) or Graphviz dot."""
    if fmt not in ("mermaid", "dot"):
        raise UsageError(f"--format {fmt}: unknown format; use mermaid or dot")
    with _queue() as queue:
        rows, _ = queue.list_tasks(limit=100_000)
        edges = queue.edges()
    node = {row.id: f"n{i}" for i, row in enumerate(rows)}
    if fmt == "mermaid":
        typer.echo("graph TD")
        for row in rows:
            label = f"{row.id} [{row.status}]".replace('"', "'")
            typer.echo(f'  {node[row.id]}["{label}"]')
        for task, dep in edges:
            typer.echo(f"  {node[dep]} --> {node[task]}")
        return
    typer.echo("digraph tasks {")
    for row in rows:
        typer.echo(f"  {json.dumps(row.id)} [label={json.dumps(f'{row.id} [{row.status}]')}];")
    for task, dep in edges:
        typer.echo(f"  {json.dumps(dep)} -> {json.dumps(task)};")
    typer.echo("}")

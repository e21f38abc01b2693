"""The shared task queue's tools and resource: async, calling SQLite inline.

Each call is well under a millisecond, and one connection per process avoids a thread hop per
call. Reading a file (the spec) is different: it runs in a worker thread with a bounded
wait. `server.TOOLS` names and describes them for clients.
"""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server.mcpserver.exceptions import ResourceError
from pydantic import Field

from br_core.errors import BRError
from br_core.queue.models import Compact, NewTask, SyncReport, Task, TaskBrief
from br_core.routing.signals import Tier
from br_mcp.orchestration_tools import report_session
from br_mcp.state import ServerState, State, as_tool_error, off_loop

Status = Literal["pending", "ready", "claimed", "done", "failed", "blocked", "dead"]


class ClaimResult(Compact):
    claimed: bool
    token: int | None = None
    lease_expires: float | None = None
    task: Task | None = None


class TaskPage(Compact):
    total: int
    next_offset: int | None
    tasks: list[TaskBrief]
    detail: Task | None = None


class TaskState(Compact):
    id: str
    status: str
    owner: str | None
    lease_expires: float | None
    attempts: int


class AddResult(Compact):
    ids: list[str]


async def plan_from_spec(state: State, path: str = "PROJECT_SPEC.md") -> SyncReport:
    from br_core.queue.spec_parser import parse_spec_file

    # The read runs off the event loop (a FIFO or slow mount must not stall the other tools);
    # the queue's connection stays on the loop's thread.
    spec = await off_loop(path, parse_spec_file, state.path(path), state.root)
    with as_tool_error():
        return state.queue.sync_spec(
            spec.features, spec.tasks, sorted(spec.done_ids), source=spec.source
        )


async def add_tasks(
    state: State,
    tasks: Annotated[list[NewTask], Field(min_length=1, max_length=200)],
) -> AddResult:
    with as_tool_error():
        return AddResult(ids=state.queue.add_tasks(tasks))


async def claim_task(
    state: State,
    owner: Annotated[str, Field(min_length=1, max_length=80)],
    stream: str | None = None,
    lease_seconds: Annotated[int, Field(ge=10, le=86400)] = 900,
) -> ClaimResult:
    with as_tool_error():
        claim = state.queue.claim(owner, stream=stream, lease_seconds=lease_seconds)
    if claim is None:
        return ClaimResult(claimed=False)
    report_session(state, claim.task, "claimed")
    return ClaimResult(
        claimed=True, token=claim.token, lease_expires=claim.lease_expires, task=claim.task
    )


async def update_task(
    state: State,
    task_id: str,
    token: int,
    action: Literal["heartbeat", "done", "fail"],
    note: Annotated[str, Field(max_length=500)] = "",
    retry: bool = True,
    tier: Tier | None = None,
    cost_usd: Annotated[float, Field(ge=0)] | None = None,
) -> TaskState:
    with as_tool_error():
        if action == "heartbeat":
            task = state.queue.heartbeat(task_id, token)
        elif action == "done":
            task = state.queue.complete(task_id, token, note=note)
        else:
            task = state.queue.fail(task_id, token, reason=note, retry=retry)
        report_session(state, task, action)
        if tier is not None and action != "heartbeat":
            # The routing outcome: later routes of this kind of task learn from it.
            from br_core.routing.router import record_outcome

            record_outcome(
                state.queue.conn,
                state.root,
                f"{task.title}. {task.description}",
                tier,
                action == "done",
                cost_usd,
                files=len(task.files),
            )
    return TaskState(
        id=task.id,
        status=task.status,
        owner=task.owner,
        lease_expires=task.lease_expires,
        attempts=task.attempts,
    )


async def list_tasks(
    state: State,
    status: Status | None = None,
    feature: str | None = None,
    stream: str | None = None,
    task_id: str | None = None,
    limit: Annotated[int, Field(ge=1, le=100)] = 20,
    offset: Annotated[int, Field(ge=0)] = 0,
) -> TaskPage:
    with as_tool_error():
        rows, total = state.queue.list_tasks(
            status=status, feature=feature, stream=stream, limit=limit, offset=offset
        )
        detail = state.queue.get(task_id) if task_id else None
    more = offset + len(rows) < total
    return TaskPage(
        total=total, next_offset=offset + len(rows) if more else None, tasks=rows, detail=detail
    )


async def queue_summary(state: ServerState) -> str:
    """The `br://queue/summary` resource: task counts by status and feature, as JSON."""
    try:
        return state.queue.summary().model_dump_json()
    except BRError as exc:
        raise ResourceError(exc.message) from exc

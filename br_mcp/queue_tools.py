"""The shared task queue's tools and resource: async, with the queue work off the event loop.

One connection per process, on the queue's own thread (`ServerState.in_queue`): a call is well
under a millisecond, but one waiting on a stopped lock holder must not stall the other tools.
Reading a file (the spec) runs in a worker thread too, with a bounded wait. `server.TOOLS`
names and describes them for clients.
"""

from __future__ import annotations

from functools import partial
from typing import Annotated, Literal

from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from pydantic import Field

from br_core.queue.claim_reason import NothingToClaim, nothing_to_claim
from br_core.queue.models import Claim, Compact, NewTask, SyncReport, Task, TaskBrief
from br_core.queue.task_queue import TaskQueue
from br_core.routing.signals import Tier
from br_mcp.orchestration_tools import report_session
from br_mcp.state import ServerState, State, off_loop

Status = Literal["pending", "ready", "claimed", "done", "failed", "blocked", "dead"]


class ClaimResult(Compact):
    claimed: bool
    token: int | None = None
    lease_expires: float | None = None
    task: Task | None = None
    reason: str | None = None  # when nothing was claimed: why, and what to do


def _advice(why: NothingToClaim) -> str:
    """The reason, with what a model can do about it through the tools."""
    if why.empty:
        return f"{why.reason}: add tasks with plan_from_spec or add_tasks"
    if not why.finished:
        return f"{why.reason}; claim again later (list_tasks shows them)"
    return f"{why.reason}; nothing left to do"


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


async def plan_from_spec(
    state: State,
    path: Annotated[str, Field(description="spec path in the repo")] = ("PROJECT_SPEC.md"),
) -> SyncReport:
    from br_core.queue.spec_parser import parse_spec_file

    # The read runs off the event loop (a FIFO or slow mount must not stall the other tools),
    # in a worker thread; the queue's connection stays on its own thread (state.in_queue).
    read = partial(parse_spec_file, confined=True)  # opened beneath the root: see state.path
    spec = await off_loop(path, read, state.path(path), state.root)
    if not spec.tasks:  # syncing nothing would drop the spec's waiting tasks
        raise ToolError(
            f"{path}: no tasks found, the queue is unchanged; write tasks as checklist items "
            "(`- [ ] Title (2h)`) under `## Feature: Name` headings"
        )
    return await state.in_queue(
        "plan_from_spec",
        lambda queue: queue.sync_spec(
            spec.features, spec.tasks, sorted(spec.done_ids), source=spec.source
        ),
    )


async def add_tasks(
    state: State,
    tasks: Annotated[
        list[NewTask], Field(min_length=1, max_length=200, description="same id updates")
    ],
) -> AddResult:
    return AddResult(ids=await state.in_queue("add_tasks", lambda queue: queue.add_tasks(tasks)))


async def claim_task(
    state: State,
    owner: Annotated[str, Field(min_length=1, max_length=80, description="your session name")],
    stream: Annotated[str | None, Field(description="only tasks of this stream")] = None,
    lease_seconds: Annotated[
        int, Field(ge=10, le=86400, description="seconds; heartbeat renews")
    ] = 900,
) -> ClaimResult:
    def take(queue: TaskQueue) -> tuple[Claim | None, NothingToClaim | None]:
        got = queue.claim(owner, stream=stream, lease_seconds=lease_seconds)
        if got is None:
            return None, nothing_to_claim(queue.summary(), stream)
        report_session(state, got.task, "claimed")
        return got, None

    claim, why = await state.in_queue("claim_task", take)
    if claim is None:
        assert why is not None
        return ClaimResult(claimed=False, reason=_advice(why))
    return ClaimResult(
        claimed=True, token=claim.token, lease_expires=claim.lease_expires, task=claim.task
    )


def _routed(queue: TaskQueue, task_id: str) -> bool:
    from br_core.routing.decisions import task_was_routed

    return task_was_routed(queue.conn, queue.project_id, task_id)


async def update_task(
    state: State,
    task_id: Annotated[str, Field(description="claimed task id")],
    token: Annotated[int, Field(description="from claim_task")],
    action: Annotated[
        Literal["heartbeat", "done", "fail"], Field(description="heartbeat renews lease")
    ],
    note: Annotated[str, Field(max_length=500, description="outcome or failure")] = "",
    retry: Annotated[bool, Field(description="requeue on fail")] = True,
    tier: Annotated[Tier | None, Field(description="tier that worked")] = None,
    cost_usd: Annotated[float | None, Field(ge=0, description="its cost")] = None,
) -> TaskState:
    def update(queue: TaskQueue) -> Task:
        if action == "heartbeat":
            task = queue.heartbeat(task_id, token)
        elif action == "done":
            task = queue.complete(task_id, token, note=note, cost_usd=cost_usd)
        else:
            task = queue.fail(task_id, token, reason=note, retry=retry, cost_usd=cost_usd)
        report_session(state, task, action)
        if tier is not None and action != "heartbeat" and not _routed(queue, task_id):
            # The routing outcome of a task routed outside the queue: later routes of this kind
            # of task learn from it. A routed task's decision already has it (queue.complete).
            from br_core.routing.router import record_outcome

            record_outcome(
                queue.conn,
                state.root,
                f"{task.title}. {task.description}",
                tier,
                action == "done",
                cost_usd,
                files=len(task.files),
            )
        return task

    task = await state.in_queue("update_task", update)
    return TaskState(
        id=task.id,
        status=task.status,
        owner=task.owner,
        lease_expires=task.lease_expires,
        attempts=task.attempts,
    )


async def list_tasks(
    state: State,
    status: Annotated[Status | None, Field(description="filter")] = None,
    feature: Annotated[str | None, Field(description="filter")] = None,
    stream: Annotated[str | None, Field(description="filter")] = None,
    task_id: Annotated[str | None, Field(description="add its detail")] = None,
    limit: Annotated[int, Field(ge=1, le=100, description="page size")] = 20,
    offset: Annotated[int, Field(ge=0, description="from next_offset")] = 0,
) -> TaskPage:
    def page(queue: TaskQueue) -> tuple[list[TaskBrief], int, Task | None]:
        rows, total = queue.list_tasks(
            status=status, feature=feature, stream=stream, limit=limit, offset=offset
        )
        return rows, total, queue.get(task_id) if task_id else None

    rows, total, detail = await state.in_queue("list_tasks", page)
    more = offset + len(rows) < total
    return TaskPage(
        total=total, next_offset=offset + len(rows) if more else None, tasks=rows, detail=detail
    )


async def queue_summary(state: ServerState) -> str:
    """The `br://queue/summary` resource: task counts by status and feature, as JSON."""
    try:
        summary = await state.in_queue("br://queue/summary", lambda queue: queue.summary())
    except ToolError as exc:
        raise ResourceError(str(exc)) from exc
    return summary.model_dump_json()

"""Parallel builds over MCP: the shared decisions log (a tool and a resource), and the worker
status a session's claims and updates write (called from `queue_tools`).

They use the queue's connection, so they run on its thread (`ServerState.in_queue`), like the
queue's tools; `report_session` is called from inside those calls.
"""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from pydantic import Field

from br_core.errors import BRError
from br_core.orchestration import model, records
from br_core.queue.models import Compact, Task
from br_core.queue.task_queue import TaskQueue
from br_mcp.state import ServerState, State


class DecisionRecorded(Compact):
    id: int
    text: str  # as stored: whitespace folded, anything secret-shaped masked


async def record_decision(
    state: State,
    text: Annotated[
        str,
        Field(
            min_length=1,
            max_length=2000,
            description="one paragraph, e.g. 'money in integer cents'",
        ),
    ],
    stream: Annotated[
        str | None,
        Field(max_length=60, description="stream it was made in, if any"),
    ] = None,
    who: Annotated[
        str,
        Field(min_length=1, max_length=80, description="your claim_task owner"),
    ] = "claude",
) -> DecisionRecorded:
    decision = await state.in_queue(
        "record_decision",
        lambda queue: records.add_decision(
            queue.conn, queue.project_id, text, who=who, stream=stream or ""
        ),
    )
    return DecisionRecorded(id=decision.id, text=decision.text)


async def stream_decisions(state: ServerState, stream: str) -> str:
    """`br://decisions/{stream}`: the decisions made since that stream's current brief was
    written (what its worker has not seen), as JSON."""
    import json

    def read(queue: TaskQueue) -> tuple[int, list[model.Decision]]:
        row = records.stream_row(queue.conn, queue.project_id, stream)
        since = row.decisions_seen if row is not None else 0
        return since, model.decisions(queue.conn, queue.project_id, since=since)

    try:
        records.check_stream_name(stream)
    except BRError as exc:
        raise ResourceError(exc.message) from exc
    try:
        since, found = await state.in_queue("decisions", read)
    except ToolError as exc:
        raise ResourceError(str(exc)) from exc
    return json.dumps({"stream": stream, "since": since, "decisions": [d.to_dict() for d in found]})


def report_session(state: ServerState, task: Task, action: str) -> None:
    """Write the stream status of a task a session claimed or updated (see session_report)."""
    from br_core.orchestration.worker import session_report

    session_report(state.queue.conn, state.queue.project_id, state.root, task, action)

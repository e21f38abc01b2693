"""The BuildRunner MCP server: the only module that imports the mcp SDK.

Tools are thin wrappers over plain typed functions (queue, routing, cost, thresholds, scanners).
Queue tools are `async` and call SQLite inline: each call is well under a millisecond, and one
connection per process avoids a thread hop per call. Tools that read many files (cost report,
security scan) stay sync, so the SDK runs them in a worker thread. Logs go to stderr: stdout is
the JSON-RPC channel.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.types import ToolAnnotations
from pydantic import BaseModel, Field

from br_core.errors import BRError
from br_core.queue.models import Compact, NewTask, SyncReport, Task, TaskBrief
from br_core.queue.task_queue import TaskQueue
from br_mcp import prompts

log = logging.getLogger("br.mcp")

READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True)
WRITES = ToolAnnotations(read_only_hint=False, destructive_hint=False, idempotent_hint=False)
UPSERTS = ToolAnnotations(read_only_hint=False, destructive_hint=True, idempotent_hint=True)
LOCAL = ToolAnnotations(open_world_hint=False)
Tier = Literal["haiku", "sonnet", "opus"]
MAX_SCAN_PATHS = 500


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


class ScanResult(Compact):
    files: int
    findings: list[dict[str, Any]]


def _merge(*parts: ToolAnnotations) -> ToolAnnotations:
    merged: dict[str, Any] = {}
    for part in parts:
        merged.update(part.model_dump(exclude_none=True))
    return ToolAnnotations(**merged)


class _Tools:
    """The server's state: the repository root and one queue connection, opened on first use."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._queue: TaskQueue | None = None

    @property
    def queue(self) -> TaskQueue:
        if self._queue is None:
            self._queue = TaskQueue.open(self.root)
        return self._queue

    def path(self, raw: str) -> Path:
        path = Path(raw)
        return path if path.is_absolute() else self.root / path


@contextmanager
def _as_tool_error() -> Iterator[None]:
    """Expected failures keep their one-line message and reach the model as a tool error."""
    try:
        yield
    except BRError as exc:
        raise ToolError(exc.message) from exc


def _dump(value: Any) -> dict[str, Any]:
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    dumped = value.model_dump()
    return json.loads(json.dumps(dumped, default=str))  # type: ignore[no-any-return]


def create_server(root: Path | None = None) -> MCPServer:
    """The server for the repository at `root` (default: the current directory)."""
    state = _Tools((root or Path.cwd()).resolve())
    server = MCPServer(
        "br",
        instructions=(
            "BuildRunner: a task queue shared by parallel sessions, model routing, cost and "
            "security checks. Workflow: claim_task, heartbeat with update_task, then done/fail."
        ),
        log_level="WARNING",
    )
    _queue_tools(server, state)
    _other_tools(server, state)
    _prompts(server)
    _resources(server, state)
    return server


def _queue_tools(server: MCPServer, state: _Tools) -> None:
    @server.tool(
        description="Parse a markdown spec into queued tasks (re-run updates in place).",
        annotations=_merge(UPSERTS, LOCAL),
    )
    async def plan_from_spec(path: str = "PROJECT_SPEC.md") -> SyncReport:
        from br_core.queue.spec_parser import parse_spec_file

        with _as_tool_error():
            spec = parse_spec_file(state.path(path))
            return state.queue.sync_spec(
                spec.features, spec.tasks, sorted(spec.done_ids), source=f"spec:{Path(path).name}"
            )

    @server.tool(
        description="Add or update tasks (upsert by id) with dependencies.",
        annotations=_merge(UPSERTS, LOCAL),
    )
    async def add_tasks(
        tasks: Annotated[list[NewTask], Field(min_length=1, max_length=200)],
    ) -> AddResult:
        with _as_tool_error():
            return AddResult(ids=state.queue.add_tasks(tasks))

    @server.tool(
        description="Atomically claim the next ready task; keep the token.",
        annotations=_merge(WRITES, LOCAL),
    )
    async def claim_task(
        owner: Annotated[str, Field(min_length=1, max_length=80)],
        stream: str | None = None,
        lease_seconds: Annotated[int, Field(ge=10, le=86400)] = 900,
    ) -> ClaimResult:
        with _as_tool_error():
            claim = state.queue.claim(owner, stream=stream, lease_seconds=lease_seconds)
        if claim is None:
            return ClaimResult(claimed=False)
        return ClaimResult(
            claimed=True, token=claim.token, lease_expires=claim.lease_expires, task=claim.task
        )

    @server.tool(
        description=(
            "heartbeat, done or fail a claimed task, with its token; "
            "tier and cost_usd record the routing outcome."
        ),
        annotations=_merge(WRITES, LOCAL),
    )
    async def update_task(
        task_id: str,
        token: int,
        action: Literal["heartbeat", "done", "fail"],
        note: Annotated[str, Field(max_length=500)] = "",
        retry: bool = True,
        tier: Tier | None = None,
        cost_usd: Annotated[float, Field(ge=0)] | None = None,
    ) -> TaskState:
        with _as_tool_error():
            if action == "heartbeat":
                task = state.queue.heartbeat(task_id, token)
            elif action == "done":
                task = state.queue.complete(task_id, token, note=note)
            else:
                task = state.queue.fail(task_id, token, reason=note, retry=retry)
            if tier is not None and action != "heartbeat":
                # The routing outcome: later routes of this kind of task learn from it.
                from br_core.routing.router import record_outcome

                record_outcome(
                    f"{task.title}. {task.description}",
                    tier,
                    action == "done",
                    cost_usd,
                    files=len(task.files),
                    root=state.root,
                    conn=state.queue.conn,
                )
        return TaskState(
            id=task.id,
            status=task.status,
            owner=task.owner,
            lease_expires=task.lease_expires,
            attempts=task.attempts,
        )

    @server.tool(
        description="List tasks in claim order (paged); task_id adds its detail.",
        annotations=_merge(READ_ONLY, LOCAL),
    )
    async def list_tasks(
        status: Literal["pending", "ready", "claimed", "done", "failed", "blocked", "dead"]
        | None = None,
        feature: str | None = None,
        stream: str | None = None,
        task_id: str | None = None,
        limit: Annotated[int, Field(ge=1, le=100)] = 20,
        offset: Annotated[int, Field(ge=0)] = 0,
    ) -> TaskPage:
        with _as_tool_error():
            rows, total = state.queue.list_tasks(
                status=status, feature=feature, stream=stream, limit=limit, offset=offset
            )
            detail = state.queue.get(task_id) if task_id else None
        more = offset + len(rows) < total
        return TaskPage(
            total=total, next_offset=offset + len(rows) if more else None, tasks=rows, detail=detail
        )


def _other_tools(server: MCPServer, state: _Tools) -> None:
    @server.tool(
        description="Pick haiku/sonnet/opus for a task, with reason, cost and subagent.",
        annotations=_merge(READ_ONLY, LOCAL),
    )
    def route_task(
        description: Annotated[str, Field(min_length=1, max_length=8000)],
        files: Annotated[int, Field(ge=0)] = 0,
        lines: Annotated[int, Field(ge=0)] = 0,
        override: Tier | None = None,
    ) -> dict[str, Any]:
        from br_core.routing.router import route_task as route

        with _as_tool_error():
            return _dump(route(description, files, lines, override, root=state.root))

    @server.tool(
        description="List-price USD cost of one request.", annotations=_merge(READ_ONLY, LOCAL)
    )
    def estimate_cost(
        model: str,
        input_tokens: Annotated[int, Field(ge=0)],
        output_tokens: Annotated[int, Field(ge=0)],
        cache_read_tokens: Annotated[int, Field(ge=0)] = 0,
        cache_write_tokens: Annotated[int, Field(ge=0)] = 0,
    ) -> dict[str, Any]:
        from br_core.cost.report import estimate_cost as estimate

        with _as_tool_error():
            return _dump(
                estimate(model, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens)
            )

    @server.tool(
        description="Real spend from Claude Code transcripts (daily/monthly/session/blocks).",
        annotations=_merge(READ_ONLY, LOCAL),
    )
    def cost_report(
        kind: Literal["daily", "monthly", "session", "blocks"] = "daily",
        since: date | None = None,
        until: date | None = None,
        all_projects: bool = False,
    ) -> dict[str, Any]:
        from br_core.cost.report import cost_report as report

        with _as_tool_error():
            return _dump(report(kind, since, until, all_projects, cwd=state.root))

    @server.tool(
        description="Learning-phase progress of this project's telemetry.",
        annotations=_merge(READ_ONLY, LOCAL),
    )
    def threshold_status() -> dict[str, Any]:
        from br_core.telemetry.thresholds import threshold_status as status

        with _as_tool_error():
            return _dump(status(state.root))

    @server.tool(
        description="Scan files for secrets and SQL injection (masked findings).",
        annotations=_merge(READ_ONLY, LOCAL),
    )
    def security_scan(
        paths: Annotated[list[str], Field(min_length=1, max_length=MAX_SCAN_PATHS)],
    ) -> ScanResult:
        return _scan(state, paths)


def _scan(state: _Tools, paths: list[str]) -> ScanResult:
    from br_core.scan.report.json import finding_record
    from br_core.secrets import scanner
    from br_core.sqli import scan as sqli_scan

    resolved = [state.path(p) for p in paths]
    missing = [str(p) for p in resolved if not p.exists()]
    if missing:
        raise ToolError(f"{missing[0]}: no such file; pass paths relative to {state.root}")
    with _as_tool_error():
        found = [
            *scanner.scan_paths(resolved, state.root),
            *sqli_scan.scan_paths(resolved, state.root),
        ]
    return ScanResult(
        files=len(resolved), findings=[{"kind": f.kind, **finding_record(f)} for f in found]
    )


def _prompts(server: MCPServer) -> None:
    for name, fn in prompts.PROMPTS.items():
        server.prompt(name=name, description=_PROMPT_HELP[name])(fn)


_PROMPT_HELP = {
    "design": "Design a feature and split it into queued tasks.",
    "analyze": "Security scan and review of files.",
    "debug": "Reproduce, hypothesise, test, fix.",
    "plan": "Turn PROJECT_SPEC.md into the task queue.",
    "next_task": "Claim, work, heartbeat and finish the next queued task.",
    "route": "Pick the model tier and delegate to its subagent.",
}


def _resources(server: MCPServer, state: _Tools) -> None:
    @server.resource(
        "br://queue/summary",
        name="queue-summary",
        mime_type="application/json",
        description="Task counts by status and feature.",
    )
    async def queue_summary() -> str:
        try:
            return state.queue.summary().model_dump_json()
        except BRError as exc:
            raise ResourceError(exc.message) from exc

    @server.resource(
        "br://thresholds",
        name="threshold-status",
        mime_type="application/json",
        description="Learning-phase thresholds and progress.",
    )
    def thresholds() -> str:
        from br_core.telemetry.thresholds import threshold_status

        try:
            return json.dumps(_dump(threshold_status(state.root)))
        except BRError as exc:
            raise ResourceError(exc.message) from exc


def serve(*, root: Path | None = None, http: bool = False, port: int = 8765) -> None:
    """Run until the client disconnects: stdio by default, streamable HTTP on 127.0.0.1."""
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="br-mcp: %(message)s")
    server = create_server(root)
    if http:
        server.run("streamable-http", host="127.0.0.1", port=port)
    else:
        server.run("stdio")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="br-mcp", description="BuildRunner MCP server.")
    parser.add_argument("--http", action="store_true", help="streamable HTTP on 127.0.0.1")
    parser.add_argument("--port", type=int, default=8765, help="HTTP port (default 8765)")
    parser.add_argument("--root", type=Path, default=None, help="repository (default: cwd)")
    args = parser.parse_args(argv)
    try:
        serve(root=args.root, http=args.http, port=args.port)
    except BRError as exc:
        print(f"br-mcp: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 0
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The BuildRunner MCP server: tables of tools, prompts and resources, registered in a loop.

The tools are plain typed functions in `queue_tools` (async, SQLite inline) and `project_tools`
(sync: the SDK runs them in a worker thread). Each takes the server's `ServerState`, which the
server opens as its lifespan and closes at shutdown. Logs go to stderr: stdout is the JSON-RPC
channel.
"""

from __future__ import annotations

import argparse
import inspect
import logging
import sys
import typing
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError, UnexpectedToolError
from mcp.shared.exceptions import MCPError
from mcp.types import INVALID_PARAMS, ToolAnnotations
from pydantic import AnyHttpUrl, ValidationError

from br_core.errors import BRError
from br_mcp import learning_tools, orchestration_tools, project_tools, prompts, queue_tools
from br_mcp.errors import invalid_arguments, prompt_argument_problem
from br_mcp.state import ServerState

# Every tool works on this repository only (open_world_hint=False).
READ_ONLY = ToolAnnotations(
    read_only_hint=True, destructive_hint=False, idempotent_hint=True, open_world_hint=False
)
WRITES = ToolAnnotations(
    read_only_hint=False, destructive_hint=False, idempotent_hint=False, open_world_hint=False
)
UPSERTS = ToolAnnotations(
    read_only_hint=False, destructive_hint=True, idempotent_hint=True, open_world_hint=False
)


@dataclass(frozen=True)
class ToolEntry:
    fn: Callable[..., Any]
    name: str
    description: str
    annotations: ToolAnnotations


TOOLS = (
    ToolEntry(
        queue_tools.plan_from_spec,
        "plan_from_spec",
        "Parse a markdown spec into queued tasks (re-run updates in place).",
        UPSERTS,
    ),
    ToolEntry(
        queue_tools.add_tasks,
        "add_tasks",
        "Add or update tasks (upsert by id) with dependencies.",
        UPSERTS,
    ),
    ToolEntry(
        queue_tools.claim_task,
        "claim_task",
        "Claim the next ready task; keep the token. If none, says why.",
        WRITES,
    ),
    ToolEntry(
        queue_tools.update_task,
        "update_task",
        "Heartbeat, finish or fail a claimed task; tier and cost_usd teach routing.",
        WRITES,
    ),
    ToolEntry(
        queue_tools.list_tasks,
        "list_tasks",
        "Tasks in claim order, paged.",
        READ_ONLY,
    ),
    ToolEntry(
        orchestration_tools.record_decision,
        "record_decision",
        "Log a decision all parallel sessions must follow.",
        WRITES,
    ),
    ToolEntry(
        project_tools.route_task,
        "route_task",
        "Pick haiku/sonnet/opus for a task: reason, cost with 80% interval, subagent, decision_id.",
        WRITES,
    ),
    ToolEntry(
        project_tools.record_outcome,
        "record_outcome",
        "Report a routed task's outcome by decision_id; routing learns from it.",
        UPSERTS,
    ),
    ToolEntry(
        project_tools.estimate_cost,
        "estimate_cost",
        "List-price USD cost of one request.",
        READ_ONLY,
    ),
    ToolEntry(
        project_tools.cost_report,
        "cost_report",
        "Real spend from Claude Code transcripts (daily/monthly/session/blocks).",
        READ_ONLY,
    ),
    ToolEntry(
        project_tools.threshold_status,
        "threshold_status",
        "Learning-phase progress of this project's telemetry.",
        READ_ONLY,
    ),
    ToolEntry(
        project_tools.security_scan,
        "security_scan",
        "Scan files for secrets and SQL injection (masked findings).",
        READ_ONLY,
    ),
    ToolEntry(
        learning_tools.suggestions,
        "suggestions",
        "Suggestions from this repo's history with evidence; accept/dismiss by id.",
        WRITES,
    ),
)


@dataclass(frozen=True)
class ResourceEntry:
    fn: Callable[..., Any]
    uri: str
    name: str
    description: str


# The SDK gives no Context to a static resource, so each reader is bound to the state here.
RESOURCES = (
    ResourceEntry(
        queue_tools.queue_summary,
        "br://queue/summary",
        "queue-summary",
        "Task counts by status and feature.",
    ),
    ResourceEntry(
        orchestration_tools.stream_decisions,
        "br://decisions/{stream}",
        "stream-decisions",
        "Decisions made since that stream's current brief.",
    ),
    ResourceEntry(
        project_tools.thresholds,
        "br://thresholds",
        "threshold-status",
        "Learning-phase thresholds and progress.",
    ),
)


def _bound(fn: Callable[..., Any], state: ServerState) -> Callable[..., Any]:
    """`fn` with the state bound: a resource reader with only its URI parameters (the SDK reads
    a template's parameters from the signature and needs a named function)."""
    bound = partial(fn, state)

    async def read(**params: Any) -> Any:
        result = bound(**params)
        return await result if inspect.isawaitable(result) else result

    hints = typing.get_type_hints(fn)
    params = [
        p.replace(annotation=hints.get(p.name, p.annotation))
        for p in inspect.signature(bound).parameters.values()
    ]
    read.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    read.__annotations__ = {p.name: p.annotation for p in params}
    read.__name__ = getattr(fn, "__name__", "resource")
    read.__doc__ = fn.__doc__
    return read


class BRServer(MCPServer[ServerState]):
    """The SDK's server, with argument errors told in one sentence (see `br_mcp.errors`)."""

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[ServerState, Any] | None = None
    ) -> Any:
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as exc:
            cause = exc.__cause__
            if isinstance(cause, ValidationError) and not isinstance(exc, UnexpectedToolError):
                raise ToolError(invalid_arguments(name, cause)) from cause
            raise

    async def get_prompt(
        self,
        name: str,
        arguments: dict[str, Any] | None = None,
        context: Context[ServerState, Any] | None = None,
    ) -> Any:
        # Checked here: the SDK reports these as an internal error with a server traceback.
        declared = {p.name: p for p in await self.list_prompts()}
        if name not in declared:
            known = ", ".join(sorted(declared))
            raise MCPError(
                INVALID_PARAMS, f"no prompt named {name[:80]!r}; the prompts are {known}"
            )
        args = {a.name: bool(a.required) for a in declared[name].arguments or []}
        problem = prompt_argument_problem(name, args, arguments)
        if problem is not None:
            raise MCPError(INVALID_PARAMS, problem)
        return await super().get_prompt(name, arguments, context)


def create_server(root: Path | None = None, *, bearer_token: str | None = None) -> BRServer:
    """The server for the repository at `root` (default: the current directory).

    With `bearer_token`, HTTP requests without `Authorization: Bearer <token>` get 401 (the SDK's
    own bearer middleware; no OAuth endpoints are published).
    """
    state = ServerState((root or Path.cwd()).resolve())
    auth: dict[str, Any] = {}
    if bearer_token is not None:
        from mcp.server.auth.settings import AuthSettings

        from br_mcp.auth import StaticTokenVerifier

        auth = {
            "auth": AuthSettings(
                issuer_url=AnyHttpUrl("http://127.0.0.1"), resource_server_url=None
            ),
            "token_verifier": StaticTokenVerifier(bearer_token),
        }
    server = BRServer(
        "br",
        instructions=(
            "BuildRunner: a task queue shared by parallel sessions, model routing, cost and "
            "security checks. Workflow: claim_task, heartbeat with update_task, then done/fail."
        ),
        log_level="WARNING",
        lifespan=state.lifespan,
        **auth,
    )
    for tool in TOOLS:
        server.add_tool(
            tool.fn, name=tool.name, description=tool.description, annotations=tool.annotations
        )
    for name, fn in prompts.PROMPTS.items():
        server.prompt(name=name, description=prompts.WORKFLOWS[name].description)(fn)
    for resource in RESOURCES:
        server.resource(
            resource.uri,
            name=resource.name,
            mime_type="application/json",
            description=resource.description,
        )(_bound(resource.fn, state))
    return server


def serve(*, root: Path | None = None, http: bool = False, port: int = 8765) -> None:
    """Run until the client disconnects: stdio by default, streamable HTTP on 127.0.0.1.

    HTTP mode requires the bearer token stored under BR_HOME; it is made, and printed (once, to
    stderr), the first time.
    """
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="br-mcp: %(message)s")
    if not http:
        create_server(root).run("stdio")
        return
    from br_mcp.auth import connect_hint, load_or_create_token, token_path

    path = token_path()
    token, created = load_or_create_token(path)
    made = f"made a bearer token for HTTP mode in {path} (0600)" if created else "HTTP mode"
    print(
        f"br-mcp: {made}; requests need it. Connect Claude Code with:\n"
        f"  {connect_hint(path, port)}",
        file=sys.stderr,
        flush=True,
    )
    create_server(root, bearer_token=token).run("streamable-http", host="127.0.0.1", port=port)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="br-mcp", description="BuildRunner MCP server.")
    parser.add_argument(
        "--http", action="store_true", help="streamable HTTP on 127.0.0.1 (bearer token required)"
    )
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

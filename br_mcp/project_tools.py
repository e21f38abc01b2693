"""Routing, cost, thresholds and the security scan: sync tools over the engine's functions.

They read many files (transcripts, sources, settings), so they stay sync and the SDK runs them in
a worker thread, off the event loop. A tool that reads the store opens its own connection for the
call and closes it: the queue's connection belongs to the event loop's thread. `server.TOOLS`
names and describes them for clients.
"""

from __future__ import annotations

import json
from contextlib import closing
from datetime import date
from typing import Annotated, Any, Literal

from mcp.server.mcpserver.exceptions import ResourceError
from pydantic import Field

from br_core.errors import BRError
from br_core.queue.models import Compact
from br_core.routing.signals import Tier
from br_mcp.state import ServerState, State, as_tool_error, json_dict

MAX_SCAN_PATHS = 500


class ScanResult(Compact):
    files: int
    findings: list[dict[str, Any]]


# A long real issue (tracebacks, logs) runs past 10,000 characters; 40,000 takes it whole.
MAX_TASK_CHARS = 40_000


def route_task(
    state: State,
    description: Annotated[
        str, Field(min_length=1, max_length=MAX_TASK_CHARS, description="the task")
    ],
    files: Annotated[int, Field(ge=0, description="files touched")] = 0,
    lines: Annotated[int, Field(ge=0, description="lines changed")] = 0,
    override: Annotated[Tier | None, Field(description="force a tier")] = None,
    task_id: Annotated[
        str | None, Field(max_length=200, description="queue task whose done/fail is the outcome")
    ] = None,
    area: Annotated[str, Field(max_length=100, description="component or package")] = "",
) -> dict[str, Any]:
    from br_core.routing.router import route_task as route
    from br_core.store.db import open_db

    with as_tool_error(), closing(open_db()) as conn:
        return json_dict(
            route(conn, state.root, description, files, lines, override, area=area, task_id=task_id)
        )


def record_outcome(
    state: State,
    decision_id: Annotated[str, Field(max_length=40, description="From route_task.")],
    resolved: Annotated[bool, Field(description="Task resolved (tests pass)?")],
    cost_usd: Annotated[
        float | None,
        Field(ge=0, description="USD spent."),
    ] = None,
    tokens: Annotated[int | None, Field(ge=0, description="Tokens used.")] = None,
    duration_s: Annotated[float | None, Field(ge=0, description="Seconds taken.")] = None,
    notes: Annotated[str | None, Field(max_length=500, description="Short note.")] = None,
) -> dict[str, Any]:
    from br_core.git import project_id
    from br_core.routing.decisions import record_outcome as record
    from br_core.store.db import open_db

    with as_tool_error(), closing(open_db()) as conn:
        return json_dict(
            record(
                conn,
                project_id(state.root),
                decision_id,
                resolved,
                cost_usd,
                tokens=tokens,
                duration_s=duration_s,
                notes=notes,
                source="mcp",
            )
        )


def estimate_cost(
    state: State,
    model: Annotated[str, Field(description="id or alias")],
    input_tokens: Annotated[int, Field(ge=0, description="input tokens")],
    output_tokens: Annotated[int, Field(ge=0, description="output tokens")],
    cache_read_tokens: Annotated[int, Field(ge=0, description="cache reads")] = 0,
    cache_write_tokens: Annotated[int, Field(ge=0, description="cache writes (5m)")] = 0,
) -> dict[str, Any]:
    from br_core.cost.report import estimate_cost as estimate

    with as_tool_error():
        return json_dict(
            estimate(
                model,
                input_tokens,
                output_tokens,
                cache_read_tokens,
                cache_write_tokens,
                root=state.root,
            )
        )


def cost_report(
    state: State,
    kind: Annotated[
        Literal["daily", "monthly", "session", "blocks"], Field(description="grouping")
    ] = "daily",
    since: Annotated[date | None, Field(description="first day")] = None,
    until: Annotated[date | None, Field(description="last day")] = None,
    all_projects: Annotated[bool, Field(description="all repos")] = False,
) -> dict[str, Any]:
    from br_core.cost.report import cost_report as report
    from br_core.store.db import open_db

    with as_tool_error(), closing(open_db()) as conn:
        return json_dict(report(conn, state.root, kind, since, until, all_projects))


def threshold_status(state: State) -> dict[str, Any]:
    from br_core.store.db import open_db
    from br_core.telemetry.thresholds import threshold_status as status

    with as_tool_error(), closing(open_db()) as conn:
        return json_dict(status(conn, state.root))


def security_scan(
    state: State,
    paths: Annotated[
        list[str],
        Field(min_length=1, max_length=MAX_SCAN_PATHS, description="paths in the repo"),
    ],
) -> ScanResult:
    return _scan(state, paths)


def _scan(state: ServerState, paths: list[str]) -> ScanResult:
    from br_core.scan.report.json import finding_record
    from br_core.secrets import scanner
    from br_core.sqli import scan as sqli_scan

    resolved = [state.path(p) for p in paths]  # confined to the project, symlinks resolved
    with as_tool_error():
        found = [
            # confined: opened beneath the root, so a symlink swapped in after the check fails
            *scanner.scan_paths(resolved, state.root, confined=True),
            *sqli_scan.scan_paths(resolved, state.root, confined=True),
        ]
    return ScanResult(
        files=len(resolved), findings=[{"kind": f.kind, **finding_record(f)} for f in found]
    )


def thresholds(state: ServerState) -> str:
    """The `br://thresholds` resource: learning-phase thresholds and progress, as JSON."""
    from br_core.store.db import open_db
    from br_core.telemetry.thresholds import threshold_status as status

    try:
        with closing(open_db()) as conn:
            return json.dumps(json_dict(status(conn, state.root)))
    except BRError as exc:
        raise ResourceError(exc.message) from exc

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


def route_task(
    state: State,
    description: Annotated[str, Field(min_length=1, max_length=8000)],
    files: Annotated[int, Field(ge=0)] = 0,
    lines: Annotated[int, Field(ge=0)] = 0,
    override: Tier | None = None,
) -> dict[str, Any]:
    from br_core.routing.router import route_task as route
    from br_core.store.db import open_db

    with as_tool_error(), closing(open_db()) as conn:
        return json_dict(route(conn, state.root, description, files, lines, override))


def estimate_cost(
    state: State,
    model: str,
    input_tokens: Annotated[int, Field(ge=0)],
    output_tokens: Annotated[int, Field(ge=0)],
    cache_read_tokens: Annotated[int, Field(ge=0)] = 0,
    cache_write_tokens: Annotated[int, Field(ge=0)] = 0,
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
    kind: Literal["daily", "monthly", "session", "blocks"] = "daily",
    since: date | None = None,
    until: date | None = None,
    all_projects: bool = False,
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
    paths: Annotated[list[str], Field(min_length=1, max_length=MAX_SCAN_PATHS)],
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

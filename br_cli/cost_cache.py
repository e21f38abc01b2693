"""Repeated `br cost daily|monthly|session` runs, answered from the store without typer or pydantic.

The full command (br_cli/cost.py) keeps what it printed, as a run that read nothing new would
have printed it, under a key made of the request, the project and the time zone. br_cli/entry.py
hands `br cost KIND [options]` to `lookup` first: when no transcript has unread bytes and the
stored output is still current (br_core/store/output_cache.py), that output is printed and the
command's imports (~0.2 s of typer, pydantic and the report code) are never paid. Anything
else, including any argument this parser does not know, goes to the full command.
`blocks` is never cached: its active window depends on the clock.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import NamedTuple

from br_core.cost.transcripts import has_unread
from br_core.errors import BRError
from br_core.store.db import open_db
from br_core.store.output_cache import cached_output, generation, store_output
from br_core.telemetry.events import repo_context

CACHED_KINDS = ("daily", "monthly", "session")
FLAGS = {"--json": "as_json", "--all-projects": "all_projects"}  # the options of br_cli/cost.py
VALUES = {"--since": "since", "--until": "until"}
LOOKUP_WAIT_MS = 500  # a busy store is not worth waiting for: the full command will wait
_CODE = ("br_core", "br_mcp", "br_cli", "pydantic")  # packages whose code shapes the output


class CostRequest(NamedTuple):
    kind: str
    as_json: bool = False
    since: str | None = None
    until: str | None = None
    all_projects: bool = False


def parse(args: Sequence[str]) -> CostRequest | None:
    """The request when `args` is `cost KIND` with known options only; None otherwise."""
    if len(args) < 2 or args[0] != "cost" or args[1] not in CACHED_KINDS:
        return None
    values: dict[str, str | bool] = {}
    rest = list(args[2:])
    while rest:
        arg = rest.pop(0)
        name, eq, value = arg.partition("=")
        if arg in FLAGS:
            values[FLAGS[arg]] = True
        elif name in VALUES and (eq or rest):
            values[VALUES[name]] = value if eq else rest.pop(0)
        else:
            return None  # --help, a typo, a missing value: the full command explains
    return CostRequest(args[1], **values)  # type: ignore[arg-type]


def project() -> tuple[Path, str]:
    """Root and id of the repository the command runs in (its config prices the report), else
    of the directory."""
    here = os.path.realpath(os.getcwd())
    context = repo_context(here)
    return context.root or Path(here), context.project_id


def project_root() -> Path:
    """Where the report is scoped and priced from."""
    return project()[0]


def cache_key(request: CostRequest) -> str:
    """The request, where it runs (the repository decides scope and price overrides), the zone."""
    root, project_id = project()
    zone = [os.environ.get("TZ"), *time.tzname, time.timezone, time.altzone, time.strftime("%Z")]
    return json.dumps(["cost", *request, str(root), project_id, zone])


def lookup(request: CostRequest) -> str | None:
    """The stored output for `request` if it is current; None on a miss or any store trouble."""
    try:
        conn = open_db(timeout_ms=LOOKUP_WAIT_MS)
    except BRError:
        return None
    try:
        if has_unread(conn):
            return None
        return cached_output(conn, cache_key(request))
    except (sqlite3.Error, OSError, ValueError):
        return None  # the full command reports store trouble properly
    finally:
        conn.close()


def remember(
    conn: sqlite3.Connection, request: CostRequest, at: str, output: str, files: Iterable[str]
) -> None:
    """Keep the output computed at data generation `at` (never failing the command)."""
    code = [
        str(module.__file__)
        for name, module in list(sys.modules.items())
        if name.partition(".")[0] in _CODE and getattr(module, "__file__", None)
    ]
    try:
        conn.execute(f"PRAGMA busy_timeout = {LOOKUP_WAIT_MS}")
        store_output(conn, cache_key(request), at, output, [*files, *code])
        conn.execute("DELETE FROM output_cache WHERE generation <> ?", (generation(conn),))
    except sqlite3.Error:
        pass  # not kept: the next run computes again

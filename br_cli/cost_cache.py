"""Repeated `br cost daily|monthly|session` runs, answered from the store without typer or pydantic.

The command's arguments have one definition, the typer options in br_cli/cost.py; this module
never interprets them. Once typer has parsed and validated an invocation, the full command keeps
what it printed, as a run that read nothing new would have printed it, under a key made of the
words after `cost` exactly as typed, the project and the time zone. br_cli/entry.py looks those
same words up first: when no transcript has unread bytes and the stored output is still current
(br_core/store/output_cache.py), that output is printed and the command's imports (~0.2 s of
typer, pydantic and the report code) are never paid. Another spelling of the same request
(`--since=X` for `--since X`, options in another order) is computed once and kept beside it;
an invocation typer rejects, and `--help`, end before the command body and are never stored.
`blocks` is never cached: its active window depends on the clock.
"""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import time
from collections.abc import Iterable, Sequence

from br_core.cost.transcripts import has_unread
from br_core.errors import BRError
from br_core.git import project_id, project_root
from br_core.store.connection import Connection
from br_core.store.db import open_db
from br_core.store.output_cache import cached_output, generation, store_output

CACHED_KINDS = ("daily", "monthly", "session")
LOOKUP_WAIT_MS = 500  # a busy store is not worth waiting for: the full command will wait
_CODE = ("br_core", "br_mcp", "br_cli", "pydantic")  # packages whose code shapes the output


def cached_request(argv: Sequence[str]) -> list[str] | None:
    """The words after `cost`, as typed, when the command line after `br` asks for a report
    whose output is kept; None otherwise. Only the first two words are looked at."""
    if len(argv) > 1 and argv[0] == "cost" and argv[1] in CACHED_KINDS:
        return list(argv[1:])
    return None


def cache_key(request: Sequence[str]) -> str:
    """The request, where it runs (the repository decides scope and price overrides), the zone."""
    zone = [os.environ.get("TZ"), *time.tzname, time.timezone, time.altzone, time.strftime("%Z")]
    return json.dumps(["cost", list(request), str(project_root()), project_id(), zone])


def lookup(request: Sequence[str]) -> str | None:
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
    conn: Connection, request: Sequence[str], at: str, output: str, files: Iterable[str]
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

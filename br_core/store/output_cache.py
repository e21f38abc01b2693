"""Rendered command output, kept in the store and served while nothing it was built from changed.

An entry is valid while (1) the store's data generation is the one the output was computed at
(the newest usage row id, plus a counter that triggers bump on every other write to the usage
and transcript_offsets tables, see migration 0007), and (2) each file it depends on (code,
prices, config) has the size and modification time it had. Callers add what the store cannot
see (new transcript bytes, the time zone) to the key or check it themselves. Stdlib only: a
cache hit must not pay for the imports of the code that computes.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterable

from br_core.store.connection import Connection

Stamp = list[int] | None  # [size, mtime_ns] of a file, None while it does not exist


def generation(conn: Connection) -> str:
    """The data generation now; read it before the data an output is computed from."""
    row = conn.execute(
        "SELECT (SELECT value FROM meta WHERE key = 'output_generation'), "
        "(SELECT MAX(id) FROM usage)"
    ).fetchone()
    return f"{row[0] or 0}:{row[1] or 0}"


def _stamp(path: str) -> Stamp:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns]


def cached_output(conn: Connection, key: str) -> str | None:
    """The output stored under `key`, or None when there is none or it may be stale."""
    row = conn.execute(
        "SELECT generation, deps, output FROM output_cache WHERE key = ?", (key,)
    ).fetchone()
    if row is None or row[0] != generation(conn):
        return None
    deps: dict[str, Stamp] = json.loads(row[1])
    if any(_stamp(path) != stamp for path, stamp in deps.items()):
        return None
    return str(row[2])


def store_output(
    conn: Connection, key: str, at_generation: str, output: str, deps: Iterable[str]
) -> None:
    """Keep `output`, computed from the data of `at_generation` and the files `deps`."""
    stamps = {path: _stamp(path) for path in sorted(set(deps))}
    conn.execute(
        "INSERT OR REPLACE INTO output_cache (key, generation, deps, output, created) "
        "VALUES (?, ?, ?, ?, ?)",
        (key, at_generation, json.dumps(stamps), output, time.time()),
    )

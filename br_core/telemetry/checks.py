"""Check-hook outcomes as telemetry `check` events: which hook blocked, on which rules, where.

Only rule ids and the directories of the findings are stored (sanitised like every text field),
never a finding's text; the learning layer (br_core/learning/patterns.py) reads them back.
Stdlib only: this sits on the hooks' path, and only runs once a hook has decided.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable
from pathlib import Path

from br_core.store.connection import Connection
from br_core.telemetry.events import TEXT_LIMIT, record_event

HOOK_LOCK_WAIT_MS = 2_000


def finding_dirs(paths: Iterable[str]) -> str:
    """The distinct parent directories of `paths`, `.` for the root, comma-separated, capped."""
    # Each distinct path once: a file dense with findings names the same path 50,000 times.
    dirs = sorted({posixpath.dirname(p.replace("\\", "/")) or "." for p in set(paths)})
    return _joined(dirs)


def _joined(items: list[str]) -> str:
    out = ""
    for item in items:
        nxt = f"{out},{item}" if out else item
        if len(nxt) > TEXT_LIMIT:
            break
        out = nxt
    return out


def record_block(
    conn: Connection, root: Path, hook: str, rules: Iterable[str], paths: Iterable[str],
    findings: int,
) -> int | None:  # fmt: skip
    """One `check` event for a hook that blocked a commit on `findings` findings."""
    data: dict[str, object] = {
        "hook": hook,
        "blocked": True,
        "findings": findings,
        "rules": _joined(sorted(set(rules))),
        "dirs": finding_dirs(paths),
    }
    return record_event(conn, "check", data, root=root)


def record_coverage(
    conn: Connection, root: Path, blocked: bool, percent: float, covered: int,
    measured: int,
) -> int | None:  # fmt: skip
    """One `check` event for a br-coverage run that measured changed lines."""
    data: dict[str, object] = {
        "hook": "br-coverage",
        "blocked": blocked,
        "percent": percent,
        "covered": covered,
        "measured": measured,
    }
    return record_event(conn, "check", data, root=root)

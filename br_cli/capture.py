"""Every `br` command records a build event and may show a learning-phase banner, once.

Both run after the command, cost a few milliseconds, and can never change its outcome: any
failure here is swallowed (set BR_DEBUG=1 to see it on stderr).
"""

from __future__ import annotations

import os
import sqlite3
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

# Commands that must not count as builds: the Claude Code hook fires on every tool call, and
# its stderr is never seen by a person, so a banner there would be "shown" to no one.
_QUIET = {"telemetry claude-hook"}
CAPTURE_LOCK_WAIT_MS = 500


def command_path(root: Any, args: Sequence[str]) -> str:
    """`telemetry status` for `br telemetry status --json`: names only, never argument values.

    Walks the click groups' command tables; a word that is not a command name ends the path.
    """
    words: list[str] = []
    current: Any = root
    for arg in args:
        commands = getattr(current, "commands", None)
        if commands is None or arg.startswith("-") or arg not in commands:
            break
        words.append(arg)
        current = commands[arg]
    return " ".join(words)


def run_captured(run: Callable[[list[str] | None], int], root: Any, argv: list[str] | None) -> int:
    """Run the command, then record it and show a pending banner (never failing the command)."""
    args = list(sys.argv[1:] if argv is None else argv)
    start = time.perf_counter()
    code = 1
    try:
        code = run(argv)
    except sqlite3.Error as exc:  # safety net: any command's raw store error becomes one line
        from br_core.store.db import store_error
        from br_core.store.paths import db_path

        print(f"br: {store_error(db_path(), exc).message}", file=sys.stderr)
        code = 2
    finally:
        record_command(command_path(root, args), code, start)
    return code


def record_command(command: str, code: int, start: float) -> None:
    """The build event and banner of a command started at `start` (perf_counter); never raises."""
    elapsed_ms = (time.perf_counter() - start) * 1000
    try:
        after_command(command, code, elapsed_ms)
    except Exception as exc:  # telemetry must never break a command
        if os.environ.get("BR_DEBUG"):
            print(f"br: telemetry: {type(exc).__name__}: {exc}", file=sys.stderr)


def after_command(command: str, code: int, elapsed_ms: float) -> None:
    if command in _QUIET:
        return
    from br_core.git import repo_context
    from br_core.store.db import open_db
    from br_core.telemetry.events import record_event
    from br_core.telemetry.settings import telemetry_state

    root = Path.cwd()
    if not telemetry_state(repo_context(root).root).enabled:
        return  # off: nothing recorded, no new phase, and not even the store is opened
    # One connection for the event, the thresholds and the alerts. A short lock wait: when
    # another process holds the store, losing one build event beats delaying the command.
    conn = open_db(timeout_ms=CAPTURE_LOCK_WAIT_MS)
    try:
        data: dict[str, object] = {
            "command": command or "br",
            "duration_ms": round(elapsed_ms, 2),
            "success": code == 0,
            "exit_code": code,
        }
        record_event(conn, "build", data, root=root)
        from br_core.telemetry.alerts import refresh_alerts, take_banner
        from br_core.telemetry.thresholds import threshold_status

        status = threshold_status(conn, root)
        refresh_alerts(conn, status, root)
        text = take_banner(conn, status.project_id)
    finally:
        conn.close()
    if text:
        print(text, file=sys.stderr)

"""`br-claude-hook`: one Claude Code hook payload on stdin becomes a session event.

Claude Code runs the hook on every tool call, so this module imports no typer, rich or pydantic.
`br init` writes the `br-claude-hook` console script (this module's `run`) into
.claude/settings.json; `br telemetry claude-hook` and `python -m br_cli.claude_hook` run the same
handler, the first after the `br` CLI's start-up (kept for settings written by older versions).

A SubagentStop of a routing subagent (br-haiku, br-sonnet, br-opus) also puts that run's cost,
from the subagent's own transcript, on the routing decision it ran for (br_core/routing/subagent).
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
import time
from pathlib import Path

from br_core.errors import UsageError
from br_core.git import repo_context
from br_core.routing.subagent import SUBAGENTS
from br_core.store.db import open_db
from br_core.telemetry.events import record_event
from br_core.telemetry.settings import telemetry_state

PAYLOAD_LIMIT = 1_000_000
# Claude Code 2.1.197 fires SubagentStop before it has written the subagent's last response to
# the transcript (often missing, sometimes the whole file): wait for it, bounded (hook: 10 s).
TRANSCRIPT_WAIT_S = 3.0
TRANSCRIPT_TAIL = 256 << 10
FIELDS = ("tool_name", "source", "reason", "agent_type")


def record_claude_payload(text: str) -> int | None:
    """Only names are kept: the event, tool, source/reason, agent type and a session hash.

    Tool inputs and outputs (code, commands, prompts) are never read into the event.
    """
    try:
        payload = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"stdin: not a JSON hook payload ({exc.msg})") from exc
    except ValueError as exc:  # a number past int()'s 4300-digit limit
        raise UsageError("stdin: the hook payload holds a number too long to read") from exc
    except RecursionError as exc:  # json recurses once per nested array or object
        raise UsageError("stdin: the hook payload is nested too deeply to read") from exc
    if not isinstance(payload, dict):
        raise UsageError("stdin: the hook payload must be a JSON object")
    data: dict[str, object] = {"event": _storable(str(payload.get("hook_event_name") or "unknown"))}
    session = payload.get("session_id")
    if session:
        digest = hashlib.sha256(str(session).encode("utf-8", "surrogatepass")).hexdigest()
        data["session"] = digest[:12]
    for key in FIELDS:
        if isinstance(payload.get(key), str):
            data[key] = _storable(payload[key])
    cwd = payload.get("cwd")
    root = Path(cwd) if isinstance(cwd, str) and os.path.isdir(cwd) else Path.cwd()
    if data["event"] == "SubagentStop" and data.get("agent_type") in SUBAGENTS:
        record_routed_subagent(payload, root)
    if not telemetry_state(repo_context(root).root).enabled:
        return None  # off: the store is not even opened
    conn = open_db()
    try:
        return record_event(conn, "session", data, root=root)
    finally:
        conn.close()


def record_routed_subagent(payload: dict[str, object], root: Path) -> str | None:
    """The routing outcome's cost half: the decision id it went on, or None (no open decision).
    Routing is not telemetry, so this runs whether telemetry is on or off."""
    from br_core.cost.pricing import load_price_table
    from br_core.routing.subagent import record_subagent_run

    context = repo_context(root)
    transcript = payload.get("agent_transcript_path")
    # (a NUL byte names no file: the OS refuses it, so such a path is no transcript at all)
    path = None
    if isinstance(transcript, str) and transcript and "\0" not in transcript:
        path = Path(transcript)
    if path is not None:
        last = payload.get("last_assistant_message")
        wait_for_transcript(path, last if isinstance(last, str) else "")
    conn = open_db()
    try:
        got = record_subagent_run(
            conn,
            context.project_id,
            str(payload.get("agent_type")),
            str(payload.get("session_id") or ""),
            path,
            load_price_table(context.root),
        )
    finally:
        conn.close()
    return None if got is None else got[0]


def wait_for_transcript(path: Path, last_message: str, timeout: float = TRANSCRIPT_WAIT_S) -> bool:
    """True once `path` exists and its end holds the subagent's last message (as the payload
    gives it, JSON-escaped as in the file); False when `timeout` passed first (then whatever the
    file holds is priced)."""
    lines = last_message.strip().splitlines()
    try:
        needle = json.dumps(lines[-1][-200:], ensure_ascii=False)[1:-1].encode() if lines else b""
    except UnicodeEncodeError:  # a lone surrogate: nothing to look for
        needle = b""
    deadline = time.monotonic() + timeout
    while True:
        try:
            with path.open("rb") as handle:
                handle.seek(max(0, os.fstat(handle.fileno()).st_size - TRANSCRIPT_TAIL))
                if needle in handle.read():
                    return True
        except OSError:
            pass  # not written yet
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def _storable(text: str) -> str:
    """JSON's `\\ud800` escapes decode to lone surrogates, which no UTF-8 store can hold."""
    return text if text.isascii() else text.encode("utf-8", "replace").decode("utf-8")


def run() -> int:
    """Read stdin, record, and return 0 whatever happens (one warning line on failure)."""
    try:
        record_claude_payload(sys.stdin.read(PAYLOAD_LIMIT))
    except Exception as exc:  # a telemetry failure must never disturb a Claude Code session
        message = " ".join(str(getattr(exc, "message", None) or exc).split())
        print(f"br telemetry claude-hook: warning: not recorded: {message}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(run())

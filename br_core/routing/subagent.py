"""What a br-haiku/sonnet/opus subagent's run cost, from its own transcript, put on the routing
decision it ran for. Called by the Claude Code SubagentStop hook, so nothing heavy is imported
(no pydantic): the hook runs inside every Claude Code session.

Claude Code's SubagentStop payload names the subagent (`agent_type`) and its transcript
(`agent_transcript_path`), not whether the work resolved the task: this records the cost,
tokens and duration; whether it resolved comes by `record_outcome`, `br route outcome` or the
queue task's done/fail, which keep this measured cost when they give none of their own.
"""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from br_core.store.connection import Connection
from br_core.store.db import transaction

if TYPE_CHECKING:  # imported when a routing subagent stops, not on every hook call
    from br_core.cost.pricing import PriceTable, TokenUsage

# Spelled out, not imported from signals.py: its word patterns compile at import, and this
# module runs in every Claude Code hook call.
SUBAGENTS: dict[str, str] = {"br-haiku": "haiku", "br-sonnet": "sonnet", "br-opus": "opus"}
MAX_TRANSCRIPT_BYTES = 64 << 20  # a subagent's run; a bigger file is read up to here
OPEN_DECISION_HOURS = 6.0


@dataclass(frozen=True)
class RunCost:
    cost_usd: float
    tokens: int
    duration_s: float | None
    requests: int
    unpriced: int  # requests whose model the price table does not know


def _int(value: object) -> int:
    return value if type(value) is int and 0 < value < 2**62 else 0


Line = tuple[float | None, str, str, "TokenUsage | None"]


def _read_line(raw: bytes, number: int) -> Line | None:
    """(timestamp, response key, model, usage) of one transcript line; None for a torn or
    foreign line (skipped, never fatal)."""
    from br_core.cost.pricing import TokenUsage

    try:
        obj = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    if not isinstance(obj, dict):
        return None
    stamp, when = obj.get("timestamp"), None
    if isinstance(stamp, str):
        with contextlib.suppress(ValueError):
            when = datetime.fromisoformat(stamp).timestamp()
    message = obj.get("message")
    usage = message.get("usage") if isinstance(message, dict) else None
    if not isinstance(message, dict) or not isinstance(usage, dict):
        return when, "", "", None
    written = _int(usage.get("cache_creation_input_tokens"))
    split = usage.get("cache_creation")
    hour = min(_int(split.get("ephemeral_1h_input_tokens")) if isinstance(split, dict) else 0,
               written)  # fmt: skip
    got = TokenUsage(
        input=_int(usage.get("input_tokens")),
        output=_int(usage.get("output_tokens")),
        cache_write_5m=written - hour,
        cache_write_1h=hour,
        cache_read=_int(usage.get("cache_read_input_tokens")),
    )
    key = f"{message.get('id')}:{obj.get('requestId')}" if message.get("id") else str(number)
    model = message.get("model")
    return when, key, model if isinstance(model, str) else "", got


def transcript_cost(path: Path, table: PriceTable) -> RunCost:
    """Cost of every API response in one transcript file, each response counted once (its
    lines repeat the same usage: keyed by message id + request id, the larger usage wins)."""
    from br_core.cost.pricing import price_usage

    seen: dict[str, tuple[str, TokenUsage]] = {}
    stamps: list[float] = []
    with path.open("rb") as handle:
        data = handle.read(MAX_TRANSCRIPT_BYTES)
    for number, raw in enumerate(data.splitlines()):
        line = _read_line(raw, number)
        if line is None:
            continue
        when, key, model, got = line
        if when is not None:
            stamps.append(when)
        if got is not None and (key not in seen or _total(got) > _total(seen[key][1])):
            seen[key] = (model, got)
    cost, tokens, unpriced = 0.0, 0, 0
    for model, usage in seen.values():
        tokens += _total(usage)
        price = table.resolve(model) if model else None
        if price is None:
            unpriced += 1
            continue
        cost += price_usage(price, usage)
    duration = max(stamps) - min(stamps) if len(stamps) > 1 else None
    return RunCost(round(cost, 6), tokens, duration, len(seen), unpriced)


def _total(usage: TokenUsage) -> int:
    return usage.prompt + usage.output


def open_decision_for(
    conn: Connection, project: str, session: str, tier: str, now: float | None = None
) -> str | None:
    """The latest decision of `tier` in this Claude Code session with nothing recorded yet.
    The MCP server is not told the session, so a decision that names none counts for any
    session of the project (the latest of the last `OPEN_DECISION_HOURS` hours)."""
    since = (now if now is not None else time.time()) - OPEN_DECISION_HOURS * 3600
    row = conn.execute(
        "SELECT id FROM routing_decisions WHERE project_id = ? AND tier = ?"
        " AND resolved IS NULL AND outcome_source IS NULL"
        " AND (session = ? OR session IS NULL) AND ts >= ?"
        " ORDER BY session IS NULL, ts DESC LIMIT 1",
        (project, tier, session, since),
    ).fetchone()
    return None if row is None else str(row[0])


def record_subagent_run(
    conn: Connection,
    project: str,
    agent_type: str,
    session: str,
    transcript: Path | None,
    table: PriceTable,
) -> tuple[str, RunCost | None] | None:
    """Put a finished br-* subagent's cost on its open decision: (decision id, cost), or None
    when the agent is not a routing subagent or no decision is open for it."""
    tier = SUBAGENTS.get(agent_type)
    if tier is None:
        return None
    session = session.encode("utf-8", "replace").decode("utf-8")  # lone surrogates from JSON
    decision = open_decision_for(conn, project, session, tier)
    if decision is None:
        return None
    run = transcript_cost(transcript, table) if transcript and transcript.is_file() else None
    with transaction(conn):
        conn.execute(
            "UPDATE routing_decisions SET cost_usd = ?, tokens = ?, duration_s = ?,"
            " outcome_source = 'subagent', outcome_ts = ?, cost_source = ?"
            " WHERE id = ? AND resolved IS NULL",
            (run.cost_usd if run else None, run.tokens if run else None,
             run.duration_s if run else None, time.time(), "subagent" if run else None,
             decision),
        )  # fmt: skip
    return decision, run

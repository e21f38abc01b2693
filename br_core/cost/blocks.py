"""5-hour billing blocks with burn rate and projection (the windows ccusage calls blocks).

A block starts at the hour of its first request and lasts 5 hours; a request more than 5 hours
after the block's start, or after the previous request, opens a new block. The active block's
burn rate (tokens per minute, USD per hour, over its first-to-last request) projects its total
at the block's end, and the time the block's budget (the costliest earlier block, ccusage's
"max") runs out at that rate, with an 80% interval learned from the earlier blocks
(br_core/learning/runout.py).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import datetime

from br_core.cost.models import Block, TokenTotals
from br_core.cost.pricing import PriceTable, TokenUsage
from br_core.cost.spend import Totals, request_cost
from br_core.store.connection import Connection

BLOCK_SECONDS = 5 * 3600


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts).astimezone()


@dataclass
class _Open:
    """The block being filled: plain numbers, turned into a Block when it closes."""

    start: float
    first: float
    last: float
    totals: Totals = field(default_factory=Totals)
    models: list[str] = field(default_factory=list)
    requests: list[tuple[float, float]] = field(default_factory=list)  # (ts, usd): the run-out


def build_blocks(
    conn: Connection,
    table: PriceTable,
    where: str,
    params: list[object],
    now: float | None = None,
) -> tuple[list[Block], TokenTotals, set[str]]:
    sql = (
        "SELECT ts, model, fast, input_tokens, output_tokens, cache_write_5m_tokens,"
        f" cache_write_1h_tokens, cache_read_tokens FROM usage WHERE {where} ORDER BY ts"
    )
    clock = time.time() if now is None else now
    blocks: list[Block] = []
    spends: list[list[tuple[float, float]]] = []
    totals, unpriced = Totals(), set()
    current: _Open | None = None
    for ts, model, fast, *tokens in conn.execute(sql, params):
        usage = TokenUsage(*tokens)
        cost = request_cost(table.resolve(model), usage, bool(fast))  # one request: its own band
        if cost is None:
            unpriced.add(model)
        if (
            current is None
            or ts - current.start > BLOCK_SECONDS
            or ts - current.last > BLOCK_SECONDS
        ):
            if current is not None:
                blocks.append(_finish(current, clock))
                spends.append(current.requests)
            current = _Open(start=ts - ts % 3600, first=ts, last=ts)
        current.requests.append((ts, cost or 0.0))
        current.totals.add(usage, cost, 1)
        totals.add(usage, cost, 1)
        if model not in current.models:
            current.models.append(model)
        current.last = ts
    if current is not None:
        blocks.append(_finish(current, clock))
        if blocks[-1].active:
            _runout(blocks[-1], spends, current, clock)
    return blocks, totals.build(TokenTotals), unpriced


def _runout(block: Block, history: list[list[tuple[float, float]]], current: _Open,
            clock: float) -> None:  # fmt: skip
    """Attach when the active block's budget runs out (the learning room does the prediction)."""
    from br_core.learning.runout import block_runout

    budget = max((sum(c for _, c in requests) for requests in history), default=0.0)
    if budget <= 0:
        block.runout_note = "no earlier block to take a budget from"
        return
    found = block_runout(history, current.requests, budget, clock, current.start + BLOCK_SECONDS)
    block.budget_usd = budget
    block.runout_at, block.runout_earliest, block.runout_latest = (
        _dt(t) if t is not None else None for t in (found.at, found.low, found.high)
    )
    block.runout_note = found.note or None


def _finish(block: _Open, clock: float) -> Block:
    end = block.start + BLOCK_SECONDS
    active = clock - block.last < BLOCK_SECONDS and clock < end
    rates: dict[str, object] = {}
    minutes = (block.last - block.first) / 60
    tokens, cost = block.totals.total_tokens, block.totals.cost
    if minutes > 0:
        per_minute, per_hour = tokens / minutes, cost / minutes * 60
        rates = {"tokens_per_minute": per_minute, "cost_per_hour": per_hour}
        if active:
            remaining = max(0.0, (end - clock) / 60)
            rates |= {
                "remaining_minutes": round(remaining),
                "projected_tokens": round(tokens + per_minute * remaining),
                "projected_cost_usd": cost + per_hour / 60 * remaining,
            }
    return block.totals.build(
        Block, start=_dt(block.start), end=_dt(end), last_activity=_dt(block.last),
        active=active, models=block.models, **rates,
    )  # fmt: skip

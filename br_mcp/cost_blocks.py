"""5-hour billing blocks with burn rate and projection (the windows ccusage calls blocks).

A block starts at the hour of its first request and lasts 5 hours; a request more than 5 hours
after the block's start, or after the previous request, opens a new block. The active block's
burn rate (tokens per minute, USD per hour, over its first-to-last request) projects its total
at the block's end.
"""

from __future__ import annotations

import sqlite3
import time
from datetime import datetime

from br_core.pricing import PriceTable, TokenUsage, price_usage
from br_mcp.cost_models import Block, TokenTotals

BLOCK_SECONDS = 5 * 3600


def _dt(ts: float) -> datetime:
    return datetime.fromtimestamp(ts).astimezone()


def build_blocks(
    conn: sqlite3.Connection,
    table: PriceTable,
    where: str,
    params: list[object],
    now: float | None = None,
) -> tuple[list[Block], TokenTotals, set[str]]:
    sql = (
        "SELECT ts, model, fast, input_tokens, output_tokens, cache_write_5m_tokens,"
        f" cache_write_1h_tokens, cache_read_tokens FROM usage WHERE {where} ORDER BY ts"
    )
    blocks: list[Block] = []
    totals, unpriced = TokenTotals(), set()
    current: Block | None = None
    first = last = 0.0
    for ts, model, fast, *tokens in conn.execute(sql, params):
        usage = TokenUsage(*tokens)
        price = table.resolve(model)
        cost = None if price is None else price_usage(price, usage, 0.0, bool(fast))
        if cost is None:
            unpriced.add(model)
        if (
            current is None
            or ts - current.start.timestamp() > BLOCK_SECONDS
            or ts - last > BLOCK_SECONDS
        ):
            if current is not None:
                blocks.append(_finish(current, first, last, now))
            start = ts - ts % 3600
            current = Block(start=_dt(start), end=_dt(start + BLOCK_SECONDS), last_activity=_dt(ts),
                            active=False, models=[])  # fmt: skip
            first = ts
        current.add(usage, cost, 1)
        totals.add(usage, cost, 1)
        if model not in current.models:
            current.models.append(model)
        last = ts
    if current is not None:
        blocks.append(_finish(current, first, last, now))
    return blocks, totals, unpriced


def _finish(block: Block, first: float, last: float, now: float | None) -> Block:
    clock = time.time() if now is None else now
    block.last_activity = _dt(last)
    block.active = clock - last < BLOCK_SECONDS and clock < block.end.timestamp()
    minutes = (last - first) / 60
    if minutes > 0:
        block.tokens_per_minute = block.total_tokens / minutes
        block.cost_per_hour = block.cost_usd / minutes * 60
        if block.active:
            remaining = max(0.0, (block.end.timestamp() - clock) / 60)
            block.remaining_minutes = round(remaining)
            block.projected_tokens = round(block.total_tokens + block.tokens_per_minute * remaining)
            block.projected_cost_usd = block.cost_usd + block.cost_per_hour / 60 * remaining
    return block

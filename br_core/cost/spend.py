"""Spend from the `usage` table: one SQL GROUP BY, each group priced by one rule.

Cost reports, `br model stats` and the routing budgets all price usage here, so the project's
price table, the long-context band and the fast flag apply alike everywhere. Totals add up in
`Totals`, a plain accumulator: pydantic models are slow to mutate row by row, so callers build
them once at the end.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import NamedTuple, TypeVar

from pydantic import BaseModel

from br_core.cost.pricing import ModelPrice, PriceTable, TokenUsage, load_price_table, price_usage
from br_core.errors import UsageError
from br_core.git import project_id
from br_core.store.connection import Connection

_SUMS = (
    "SUM(input_tokens), SUM(output_tokens), SUM(cache_write_5m_tokens), "
    "SUM(cache_write_1h_tokens), SUM(cache_read_tokens)"
)
_PROMPT = "(input_tokens + cache_write_5m_tokens + cache_write_1h_tokens + cache_read_tokens)"

M = TypeVar("M", bound=BaseModel)


@dataclass
class Scope:
    """Which usage rows a figure covers (a WHERE clause) and the prices to apply."""

    conn: Connection
    table: PriceTable
    where: str
    params: list[object]


def _epoch(day: date) -> float:
    return datetime.combine(day, datetime.min.time()).timestamp()  # local midnight


def usage_scope(
    conn: Connection,
    root: Path,
    since: date | None,
    until: date | None,
    all_projects: bool,
    table: PriceTable | None = None,
) -> Scope:
    """Rows of the project at `root` (or every project) from `since` to `until`, local days;
    priced with `table`, by default the project's (bundled prices plus its overrides)."""
    if since and until and since > until:
        raise UsageError(f"--since {since} is after --until {until}; swap them")
    clauses: list[str] = []
    params: list[object] = []
    if not all_projects:
        clauses.append("project_id = ?")
        params.append(project_id(root))
    if since:
        clauses.append("ts >= ?")
        params.append(_epoch(since))
    if until:
        clauses.append("ts < ?")
        params.append(_epoch(until + timedelta(days=1)))
    where = " AND ".join(clauses) or "1"
    return Scope(conn, table if table is not None else load_price_table(root), where, params)


def _band_sql(table: PriceTable) -> str:
    """A CASE giving, per row, the highest long-context threshold its prompt exceeds."""
    limits = sorted(
        {p.long_context_threshold or 0 for p in table.models.values() if p.long_rates} - {0}
    )
    cases = " ".join(f"WHEN {_PROMPT} > {n} THEN {n}" for n in reversed(limits))
    return f"CASE {cases} ELSE 0 END" if cases else "0"


def long_context_for(price: ModelPrice | None, band: int) -> bool:
    """Whether requests in a long-context band (see _band_sql) pay `price`'s long rates."""
    limit = price.long_context_threshold if price is not None else None
    return bool(price and price.long_rates and band and limit and band >= limit)


def request_cost(
    price: ModelPrice | None, usage: TokenUsage, fast: bool, long_context: bool | None = None
) -> float | None:
    """USD at list price (no batch discount); None when unpriced. `long_context` None: decide
    from `usage` itself, which must then be one request."""
    return None if price is None else price_usage(price, usage, 0.0, fast, long_context)


class Group(NamedTuple):
    """Requests that share a key, a model, the fast flag and a long-context band."""

    key: object
    model: str
    price: ModelPrice | None
    requests: int
    usage: TokenUsage
    fast: bool
    band: int
    cost: float | None


def grouped_spend(scope: Scope, key_sql: str = "0") -> Iterator[Group]:
    """Usage summed per (`key_sql`, model, fast, band) group, each group priced.

    A group is priced as a whole: every request in it pays the same rates, because the band
    (per request, in SQL) decides long-context rates, not the group's summed prompt.
    """
    sql = (
        f"SELECT {key_sql}, model, fast, {_band_sql(scope.table)} AS band, COUNT(*), {_SUMS} "
        f"FROM usage WHERE {scope.where} GROUP BY 1, 2, 3, 4"
    )
    for key, model, fast, band, count, *tokens in scope.conn.execute(sql, scope.params):
        price = scope.table.resolve(model)
        usage = TokenUsage(*tokens)
        cost = request_cost(price, usage, bool(fast), long_context_for(price, band))
        yield Group(key, model, price, count, usage, bool(fast), band, cost)


def spend_usd(scope: Scope) -> float:
    """Priced spend of the scope's rows (unpriced models add nothing)."""
    return sum(g.cost for g in grouped_spend(scope) if g.cost is not None)


class Totals:
    """Tokens, requests and cost added up in plain ints and floats (see the module docstring)."""

    __slots__ = ("cost", "requests", "tokens", "unpriced")

    def __init__(self) -> None:
        self.tokens = [0, 0, 0, 0, 0]
        self.cost = 0.0
        self.unpriced = 0
        self.requests = 0

    def add(self, usage: TokenUsage, cost: float | None, requests: int) -> None:
        t = self.tokens
        t[0] += usage.input
        t[1] += usage.output
        t[2] += usage.cache_write_5m
        t[3] += usage.cache_write_1h
        t[4] += usage.cache_read
        self.requests += requests
        if cost is None:
            self.unpriced += usage.total
        else:
            self.cost += cost

    @property
    def total_tokens(self) -> int:
        return sum(self.tokens)

    def build(self, model: type[M], /, **extra: object) -> M:
        """`model` (TokenTotals or a subclass) with these totals and the `extra` fields."""
        t = self.tokens
        return model(
            input_tokens=t[0], output_tokens=t[1], cache_write_5m_tokens=t[2],
            cache_write_1h_tokens=t[3], cache_read_tokens=t[4], total_tokens=sum(t),
            cost_usd=self.cost, unpriced_tokens=self.unpriced, requests=self.requests, **extra,
        )  # fmt: skip

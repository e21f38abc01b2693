"""Cost tracking: estimates, recorded usage, and reports over Claude Code transcripts.

Usage rows live in the `usage` table (transcripts, read incrementally; plus `record_usage`).
Costs are computed at report time from the price table, so a price override applies to past
usage too. Tokens of a model the table does not know are reported as unpriced, never as $0.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from br_core.errors import UsageError
from br_core.git import GitError, project_id, repo_root
from br_core.paths import db_path
from br_core.pricing import PriceTable, TokenUsage, load_price_table, price_usage
from br_core.store import open_db, store_error
from br_mcp.transcripts import IngestStats, ingest, malformed_total

ReportKind = Literal["daily", "monthly", "session", "blocks"]
_TOKEN_COLS = (
    "input_tokens, output_tokens, cache_write_5m_tokens, cache_write_1h_tokens, cache_read_tokens"
)
_SUMS = ", ".join(f"SUM({c.strip()})" for c in _TOKEN_COLS.split(","))
_PROMPT = "(input_tokens + cache_write_5m_tokens + cache_write_1h_tokens + cache_read_tokens)"


class TokenTotals(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_5m_tokens: int = 0
    cache_write_1h_tokens: int = 0
    cache_read_tokens: int = 0
    total_tokens: int = 0
    cost_usd: float = 0.0
    unpriced_tokens: int = Field(
        default=0, description="tokens of models without a price (not in cost)"
    )
    requests: int = 0

    def add(self, usage: TokenUsage, cost: float | None, requests: int) -> None:
        self.input_tokens += usage.input
        self.output_tokens += usage.output
        self.cache_write_5m_tokens += usage.cache_write_5m
        self.cache_write_1h_tokens += usage.cache_write_1h
        self.cache_read_tokens += usage.cache_read
        self.total_tokens += usage.total
        self.requests += requests
        if cost is None:
            self.unpriced_tokens += usage.total
        else:
            self.cost_usd += cost


class ModelBreakdown(TokenTotals):
    model: str
    priced: bool = True


class ReportRow(TokenTotals):
    key: str = Field(description="date (daily), YYYY-MM (monthly) or session id (session)")
    project_dir: str | None = None
    last_activity: datetime | None = None
    models: list[ModelBreakdown] = Field(default_factory=list)


class Block(TokenTotals):
    start: datetime
    end: datetime
    last_activity: datetime
    active: bool
    models: list[str]
    tokens_per_minute: float | None = None
    cost_per_hour: float | None = None
    projected_cost_usd: float | None = None
    projected_tokens: int | None = None
    remaining_minutes: int | None = None


class CostReport(BaseModel):
    kind: ReportKind
    scope: Literal["project", "all"]
    project_id: str | None
    since: date | None
    until: date | None
    timezone: str
    rows: list[ReportRow] = Field(default_factory=list)
    blocks: list[Block] = Field(default_factory=list)
    totals: TokenTotals
    unpriced_models: list[str] = Field(default_factory=list)
    price_version: str
    files_read: int = 0
    bytes_read: int = 0
    malformed_lines: int = Field(
        default=0, description="transcript lines skipped as malformed, all time"
    )


class CostEstimate(BaseModel):
    model: str
    resolved_model: str | None
    priced: bool
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    cost_usd: float | None
    batch_cost_usd: float | None
    long_context: bool
    price_version: str
    note: str


class RecordedUsage(BaseModel):
    usage_id: int
    event_id: int | None
    model: str
    cost_usd: float | None
    priced: bool


def _check_tokens(**counts: int) -> None:
    for name, value in counts.items():
        if value < 0:
            raise UsageError(f"{name}: must be >= 0, got {value}; pass a token count")


def estimate_cost(
    model: str,
    input_tokens: int,
    output_tokens: int,
    cache_read_tokens: int = 0,
    cache_write_tokens: int = 0,
) -> CostEstimate:
    """The list-price cost of one request; cache writes at the default 5-minute rate."""
    _check_tokens(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read_tokens=cache_read_tokens,
        cache_write_tokens=cache_write_tokens,
    )
    table = load_price_table(_project_root())
    usage = TokenUsage(input_tokens, output_tokens, cache_write_tokens, 0, cache_read_tokens)
    price = table.resolve(model)
    if price is None:
        return CostEstimate(
            model=model, resolved_model=None, priced=False, input_tokens=input_tokens,
            output_tokens=output_tokens, cache_read_tokens=cache_read_tokens,
            cache_write_tokens=cache_write_tokens, cost_usd=None, batch_cost_usd=None,
            long_context=False, price_version=table.version,
            note=f"{model!r} is not in the price table; add it under [pricing.models] "
            "in .buildrunner/config.toml",
        )  # fmt: skip
    long_ctx = price.is_long(usage)
    return CostEstimate(
        model=model, resolved_model=price.model, priced=True, input_tokens=input_tokens,
        output_tokens=output_tokens, cache_read_tokens=cache_read_tokens,
        cache_write_tokens=cache_write_tokens, cost_usd=price_usage(price, usage),
        batch_cost_usd=price_usage(price, usage, table.batch_discount), long_context=long_ctx,
        price_version=table.version,
        note=("long-context rates: the prompt exceeds " f"{price.long_context_threshold:,} tokens"
              if long_ctx else f"priced as {price.model} ({price.source})"),
    )  # fmt: skip


def _project_root(cwd: Path | None = None) -> Path:
    where = cwd or Path.cwd()
    try:
        return repo_root(where)
    except GitError:
        return where


@dataclass
class _Scope:
    conn: sqlite3.Connection
    table: PriceTable
    where: str
    params: list[object]


def _epoch(day: date) -> float:
    return datetime.combine(day, datetime.min.time()).timestamp()  # local midnight


def _scope(
    conn: sqlite3.Connection, root: Path, since: date | None, until: date | None, all_projects: bool
) -> _Scope:
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
    return _Scope(conn, load_price_table(root), where, params)


def _band_sql(table: PriceTable) -> tuple[str, list[int]]:
    """A CASE giving, per row, the highest long-context threshold its prompt exceeds."""
    limits = sorted(
        {p.long_context_threshold or 0 for p in table.models.values() if p.long_rates} - {0}
    )
    cases = " ".join(f"WHEN {_PROMPT} > {n} THEN {n}" for n in reversed(limits))
    return (f"CASE {cases} ELSE 0 END" if cases else "0"), limits


def _grouped(scope: _Scope, key_sql: str) -> Iterable[tuple[str, str, int, TokenUsage, int, bool]]:
    band, _ = _band_sql(scope.table)
    sql = (
        f"SELECT {key_sql}, model, fast, {band} AS band, COUNT(*), {_SUMS} FROM usage "
        f"WHERE {scope.where} GROUP BY 1, 2, 3, 4 ORDER BY 1"
    )
    for key, model, fast, band_value, count, *tokens in scope.conn.execute(sql, scope.params):
        price = scope.table.resolve(model)
        long_ctx = bool(price and price.long_rates and band_value and
                        band_value >= (price.long_context_threshold or 0))  # fmt: skip
        yield str(key), model, count, TokenUsage(*tokens), int(fast), long_ctx


def _cost(
    table: PriceTable, model: str, usage: TokenUsage, fast: int, long_ctx: bool
) -> float | None:
    price = table.resolve(model)
    return None if price is None else price_usage(price, usage, 0.0, bool(fast), long_ctx)


def _rows(scope: _Scope, kind: ReportKind) -> tuple[list[ReportRow], TokenTotals, set[str]]:
    key_sql = {
        "daily": "strftime('%Y-%m-%d', ts, 'unixepoch', 'localtime')",
        "monthly": "strftime('%Y-%m', ts, 'unixepoch', 'localtime')",
        "session": "session_id",
    }[kind]
    rows: dict[str, ReportRow] = {}
    models: dict[tuple[str, str], ModelBreakdown] = {}
    totals, unpriced = TokenTotals(), set()
    for key, model, count, usage, fast, long_ctx in _grouped(scope, key_sql):
        cost = _cost(scope.table, model, usage, fast, long_ctx)
        row = rows.setdefault(key, ReportRow(key=key))
        row.add(usage, cost, count)
        totals.add(usage, cost, count)
        crumb = models.get((key, model))
        if crumb is None:
            crumb = models[(key, model)] = ModelBreakdown(model=model, priced=cost is not None)
            row.models.append(crumb)
        crumb.add(usage, cost, count)
        if cost is None:
            unpriced.add(model)
    if kind == "session":
        sql = (
            f"SELECT session_id, MAX(ts), MAX(project_dir) FROM usage WHERE {scope.where} "
            "GROUP BY session_id"
        )
        for sid, last, pdir in scope.conn.execute(sql, scope.params):
            if sid in rows:
                rows[sid].last_activity = datetime.fromtimestamp(last).astimezone()
                rows[sid].project_dir = pdir or None
        ordered = sorted(rows.values(), key=lambda r: r.last_activity or datetime.min.astimezone())
        return ordered, totals, unpriced
    return list(rows.values()), totals, unpriced


def cost_report(
    kind: ReportKind = "daily",
    since: date | None = None,
    until: date | None = None,
    all_projects: bool = False,
    *,
    cwd: Path | None = None,
    roots: list[Path] | None = None,
    conn: sqlite3.Connection | None = None,
) -> CostReport:
    """Read new transcript bytes, then report usage and cost per day, month, session or block."""
    if kind not in ("daily", "monthly", "session", "blocks"):
        raise UsageError(f"report kind {kind!r}: use daily, monthly, session or blocks")
    root = _project_root(cwd)
    db = conn or open_db()
    try:
        stats: IngestStats = ingest(db, roots)
        scope = _scope(db, root, since, until, all_projects)
        report = CostReport(
            kind=kind, scope="all" if all_projects else "project",
            project_id=None if all_projects else project_id(root), since=since, until=until,
            timezone=time.strftime("%Z") or "local", totals=TokenTotals(),
            price_version=scope.table.version, files_read=stats.files_read,
            bytes_read=stats.bytes_read, malformed_lines=malformed_total(db),
        )  # fmt: skip
        if kind == "blocks":
            from br_mcp.cost_blocks import build_blocks

            blocks = build_blocks(scope.conn, scope.table, scope.where, scope.params)
            report.blocks, report.totals, unpriced = blocks
        else:
            report.rows, report.totals, unpriced = _rows(scope, kind)
        report.unpriced_models = sorted(unpriced)
        return report
    except sqlite3.Error as exc:
        raise store_error(db_path(), exc) from exc
    finally:
        if conn is None:
            db.close()


def record_usage(
    model: str,
    input_tokens: int,
    output_tokens: int,
    cache_read_tokens: int = 0,
    cache_write_tokens: int = 0,
    *,
    cache_write_1h_tokens: int = 0,
    task_type: str | None = None,
    duration_ms: int | None = None,
    session_id: str = "",
    ts: float | None = None,
    root: Path | None = None,
    conn: sqlite3.Connection | None = None,
) -> RecordedUsage:
    """Store usage from another source: a `usage` row for reports and a model_usage event."""
    _check_tokens(
        input_tokens=input_tokens, output_tokens=output_tokens,
        cache_read_tokens=cache_read_tokens, cache_write_tokens=cache_write_tokens,
        cache_write_1h_tokens=cache_write_1h_tokens,
    )  # fmt: skip
    if not model.strip():
        raise UsageError("model: empty; pass a model id such as claude-sonnet-4-5")
    from br_core.events import record_event

    where = _project_root(root)
    table = load_price_table(where)
    usage = TokenUsage(
        input_tokens, output_tokens, cache_write_tokens, cache_write_1h_tokens, cache_read_tokens
    )
    cost = table.cost(model, usage)
    price = table.resolve(model)
    stamp = time.time() if ts is None else ts
    db = conn or open_db()
    try:
        cur = db.execute(
            "INSERT INTO usage (dedup_key, source, project_id, session_id, ts, model, input_tokens,"
            " output_tokens, cache_write_5m_tokens, cache_write_1h_tokens, cache_read_tokens,"
            " task_type, duration_ms) VALUES (?, 'record', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (f"record:{uuid.uuid4().hex}", project_id(where), session_id, stamp, model,
             input_tokens, output_tokens, cache_write_tokens, cache_write_1h_tokens,
             cache_read_tokens, task_type, duration_ms),
        )  # fmt: skip
        event = {
            "model": model, "task_type": task_type, "tokens": usage.total,
            "input_tokens": input_tokens, "output_tokens": output_tokens, "cost": cost,
            "duration_ms": duration_ms, "tier": price.tier if price else None,
        }  # fmt: skip
        event_id = record_event("model_usage", dict(event), root=where, conn=db)
        return RecordedUsage(
            usage_id=int(cur.lastrowid or 0), event_id=event_id, model=model, cost_usd=cost,
            priced=cost is not None,
        )  # fmt: skip
    except sqlite3.Error as exc:
        raise store_error(db_path(), exc) from exc
    finally:
        if conn is None:
            db.close()

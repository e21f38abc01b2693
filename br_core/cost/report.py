"""Cost tracking: estimates, recorded usage, and reports over Claude Code transcripts.

Usage rows live in the `usage` table (transcripts, read incrementally; plus `record_usage`).
Costs are computed at report time from the price table, so a price override applies to past
usage too. Tokens of a model the table does not know are reported as unpriced, never as $0.
"""

from __future__ import annotations

import sqlite3
import time
import uuid
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

from br_core.cost.models import (
    Block,
    CostEstimate,
    CostReport,
    ModelBreakdown,
    RecordedUsage,
    ReportKind,
    ReportRow,
    TokenTotals,
)
from br_core.cost.pricing import PriceTable, TokenUsage, load_price_table, price_usage
from br_core.cost.spend import Scope, Totals, grouped_spend, usage_scope
from br_core.cost.transcripts import IngestStats, ingest, malformed_total
from br_core.errors import UsageError
from br_core.git import project_id, project_root
from br_core.store.connection import Connection
from br_core.store.db import store_error, transaction
from br_core.store.paths import db_path

__all__ = [
    "Block",
    "CostEstimate",
    "CostReport",
    "ModelBreakdown",
    "RecordedUsage",
    "ReportRow",
    "TokenTotals",
    "cost_report",
    "estimate_cost",
    "record_usage",
]


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
    *,
    root: Path,
) -> CostEstimate:
    """The list-price cost of one request, priced by the table of the project at `root`;
    cache writes at the default 5-minute rate."""
    _check_tokens(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        cache_read_tokens=cache_read_tokens,
        cache_write_tokens=cache_write_tokens,
    )
    table = load_price_table(project_root(root))
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


def _bucket_seconds() -> int:
    # Group by UTC hour in SQL (cheap integer math) and map hours to local dates in Python;
    # zones with half- or quarter-hour offsets need 15-minute buckets.
    whole_hours = time.timezone % 3600 == 0 and time.altzone % 3600 == 0
    return 3600 if whole_hours else 900


def _key_function(kind: ReportKind) -> tuple[str, Callable[[object], str]]:
    if kind == "session":
        return "session_id", str
    seconds = _bucket_seconds()
    fmt = "%Y-%m-%d" if kind == "daily" else "%Y-%m"
    cache: dict[object, str] = {}

    def local(bucket: object) -> str:
        if bucket not in cache:
            cache[bucket] = datetime.fromtimestamp(int(bucket) * seconds).strftime(fmt)  # type: ignore[call-overload]
        return cache[bucket]

    return f"CAST(ts / {seconds} AS INTEGER)", local


def _rows(scope: Scope, kind: ReportKind) -> tuple[list[ReportRow], TokenTotals, set[str]]:
    key_sql, to_key = _key_function(kind)
    rows: dict[str, Totals] = {}
    models: dict[str, dict[str, Totals]] = {}
    totals, unpriced = Totals(), set()
    for group in grouped_spend(scope, key_sql):
        key = to_key(group.key)
        usage, cost, count = group.usage, group.cost, group.requests
        if key not in rows:
            rows[key], models[key] = Totals(), {}
        rows[key].add(usage, cost, count)
        totals.add(usage, cost, count)
        models[key].setdefault(group.model, Totals()).add(usage, cost, count)
        if cost is None:
            unpriced.add(group.model)
    out = {
        key: acc.build(ReportRow, key=key, models=[
            macc.build(ModelBreakdown, model=m, priced=m not in unpriced)
            for m, macc in sorted(models[key].items())
        ])
        for key, acc in rows.items()
    }  # fmt: skip
    if kind != "session":
        return sorted(out.values(), key=lambda r: r.key), totals.build(TokenTotals), unpriced
    sql = (
        f"SELECT session_id, MAX(ts), MAX(project_dir) FROM usage WHERE {scope.where} "
        "GROUP BY session_id"
    )
    for sid, last, pdir in scope.conn.execute(sql, scope.params):
        if sid in out:
            out[sid].last_activity = datetime.fromtimestamp(last).astimezone()
            out[sid].project_dir = pdir or None
    ordered = sorted(out.values(), key=lambda r: r.last_activity or datetime.min.astimezone())
    return ordered, totals.build(TokenTotals), unpriced


# Reports turn a day into its local midnight (and the day after `until`): outside these days
# that has no epoch time in some zone, so such a day is refused up front, for every door.
FIRST_DAY, LAST_DAY = date(1970, 1, 2), date(9999, 12, 30)


def check_day(day: date | None, name: str, shown: str | None = None) -> None:
    """One line naming `name` (as the user wrote it: `shown`) when `day` is out of range."""
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise UsageError(
            f"{name} {shown or day}: out of range; give a day from {FIRST_DAY} to {LAST_DAY}"
        )


def cost_report(
    conn: Connection,
    root: Path,
    kind: ReportKind = "daily",
    since: date | None = None,
    until: date | None = None,
    all_projects: bool = False,
    *,
    roots: list[Path] | None = None,
    ingested: IngestStats | None = None,
    prices: PriceTable | None = None,
) -> CostReport:
    """Read new transcript bytes, then report usage and cost per day, month, session or block.

    `root` is any directory of the project. A caller that has already run `ingest` on `conn`
    passes its stats as `ingested`; one that has loaded the project's price table passes it
    as `prices`.
    """
    if kind not in ("daily", "monthly", "session", "blocks"):
        raise UsageError(f"report kind {kind!r}: use daily, monthly, session or blocks")
    check_day(since, "since")
    check_day(until, "until")
    root = project_root(root)
    try:
        stats = ingested if ingested is not None else ingest(conn, roots)
        scope = usage_scope(conn, root, since, until, all_projects, prices)
        report = CostReport(
            kind=kind, scope="all" if all_projects else "project",
            project_id=None if all_projects else project_id(root), since=since, until=until,
            timezone=time.strftime("%Z") or "local", totals=TokenTotals(),
            price_version=scope.table.version, files_read=stats.files_read,
            bytes_read=stats.bytes_read, malformed_lines=malformed_total(conn),
        )  # fmt: skip
        if kind == "blocks":
            from br_core.cost.blocks import build_blocks

            blocks = build_blocks(scope.conn, scope.table, scope.where, scope.params)
            report.blocks, report.totals, unpriced = blocks
        else:
            report.rows, report.totals, unpriced = _rows(scope, kind)
        report.unpriced_models = sorted(unpriced)
        return report
    except sqlite3.Error as exc:
        raise store_error(db_path(), exc) from exc


def record_usage(
    conn: Connection,
    root: Path,
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
) -> RecordedUsage:
    """Store usage from another source: a `usage` row for reports and a model_usage event.

    `root` is any directory of the project the usage belongs to.
    """
    _check_tokens(
        input_tokens=input_tokens, output_tokens=output_tokens,
        cache_read_tokens=cache_read_tokens, cache_write_tokens=cache_write_tokens,
        cache_write_1h_tokens=cache_write_1h_tokens,
    )  # fmt: skip
    if not model.strip():
        raise UsageError("model: empty; pass a model id such as claude-sonnet-4-5")
    from br_core.telemetry.events import record_event

    where = project_root(root)
    table = load_price_table(where)
    usage = TokenUsage(
        input_tokens, output_tokens, cache_write_tokens, cache_write_1h_tokens, cache_read_tokens
    )
    cost = table.cost(model, usage)
    price = table.resolve(model)
    stamp = time.time() if ts is None else ts
    try:
        with transaction(conn):  # refused, not lost, if the store file was replaced meanwhile
            cur = conn.execute(
                "INSERT INTO usage (dedup_key, source, project_id, session_id, ts, model,"
                " input_tokens, output_tokens, cache_write_5m_tokens, cache_write_1h_tokens,"
                " cache_read_tokens, task_type, duration_ms)"
                " VALUES (?, 'record', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (f"record:{uuid.uuid4().hex}", project_id(where), session_id, stamp, model,
                 input_tokens, output_tokens, cache_write_tokens, cache_write_1h_tokens,
                 cache_read_tokens, task_type, duration_ms),
            )  # fmt: skip
        event = {
            "model": model, "task_type": task_type, "tokens": usage.total,
            "input_tokens": input_tokens, "output_tokens": output_tokens, "cost": cost,
            "duration_ms": duration_ms, "tier": price.tier if price else None,
        }  # fmt: skip
        event_id = record_event(conn, "model_usage", dict(event), root=where)
        return RecordedUsage(
            usage_id=int(cur.lastrowid or 0), event_id=event_id, model=model, cost_usd=cost,
            priced=cost is not None,
        )  # fmt: skip
    except sqlite3.Error as exc:
        raise store_error(db_path(), exc) from exc

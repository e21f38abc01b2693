"""`br model stats`: spend per model tier, the all-Sonnet baseline, and routed-task outcomes."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

from pydantic import BaseModel, Field

from br_core.cost.pricing import ModelPrice, PriceTable
from br_core.cost.spend import (
    Group,
    Scope,
    grouped_spend,
    long_context_for,
    request_cost,
    usage_scope,
)
from br_core.cost.transcripts import ingest
from br_core.git import project_root
from br_core.store.connection import Connection

TIER_ORDER = ("haiku", "sonnet", "opus", "fable", "none", "unknown")


class TierStats(BaseModel):
    tier: str
    requests: int
    share: float = Field(description="share of requests, 0..1")
    cost_usd: float
    unpriced_tokens: int
    avg_cost_per_request: float | None
    avg_duration_ms: float | None = Field(description="mean recorded duration, when recorded")


class OutcomeStats(BaseModel):
    tier: str
    tasks: int
    succeeded: int
    success_rate: float
    cost_per_success_usd: float | None
    avg_duration_ms: float | None


class ModelStats(BaseModel):
    since: date
    until: date
    scope: str
    tiers: list[TierStats]
    requests: int
    cost_usd: float
    baseline_model: str
    all_sonnet_cost_usd: float
    savings_usd: float
    savings_pct: float | None
    avg_cost_per_request: float | None
    fastest: str | None
    slowest: str | None
    outcomes: list[OutcomeStats]
    recommendations: list[str]


def model_stats(
    conn: Connection, root: Path, days: int = 30, all_projects: bool = False, *,
    roots: list[Path] | None = None,
) -> ModelStats:  # fmt: skip
    """Spend per tier over the last `days` days for the project at `root` (any of its
    directories), or for every project."""
    ingest(conn, roots)
    until = date.today()
    since = until - timedelta(days=days - 1)
    scope = usage_scope(conn, project_root(root), since, until, all_projects)
    groups = list(grouped_spend(scope))
    baseline = _baseline_model(scope.table, [g.model for g in groups])
    per_tier, all_sonnet = _per_tier(groups, scope.table.resolve(baseline))
    durations = _durations(scope)
    return _assemble(since, until, all_projects, per_tier, durations, baseline, all_sonnet,
                     _outcomes(conn, scope.params[0] if not all_projects else None))  # fmt: skip


def _baseline_model(table: PriceTable, models: list[str]) -> str:
    for model in models:
        price = table.resolve(model)
        if price is not None and price.tier == "sonnet":
            return price.model  # the Sonnet this project actually used
    price = table.resolve("sonnet")
    return price.model if price else "sonnet"


def _per_tier(
    groups: list[Group], base_price: ModelPrice | None
) -> tuple[dict[str, list[float]], float]:
    """[requests, cost, unpriced tokens] per tier, and the cost of it all on `base_price`."""
    per_tier: dict[str, list[float]] = {}
    all_sonnet = 0.0
    for g in groups:
        tier = g.price.tier if g.price else "unknown"
        if tier == "none":
            continue  # `<synthetic>`: Claude Code's own messages, not API calls
        acc = per_tier.setdefault(tier, [0, 0.0, 0])
        acc[0] += g.requests
        if g.cost is None:
            acc[2] += g.usage.total
            continue
        acc[1] += g.cost
        # the same requests on the baseline: its own long-context rule, never the fast rate
        base = request_cost(base_price, g.usage, False, long_context_for(base_price, g.band))
        all_sonnet += base or 0.0
    return per_tier, all_sonnet


def _durations(scope: Scope) -> dict[str, float]:
    """Mean recorded duration per tier (the mean of its models' means), tiers by the project's
    price table like every other figure here."""
    sql = (
        f"SELECT model, AVG(duration_ms) FROM usage WHERE {scope.where}"
        " AND duration_ms IS NOT NULL GROUP BY model"
    )
    out: dict[str, list[float]] = {}
    for model, avg in scope.conn.execute(sql, scope.params):
        price = scope.table.resolve(model)
        out.setdefault(price.tier if price else "unknown", []).append(float(avg))
    return {tier: sum(v) / len(v) for tier, v in out.items()}


def _outcomes(conn: Connection, project: object) -> list[OutcomeStats]:
    clause, params = ("WHERE project_id = ?", [project]) if project is not None else ("", [])
    rows = conn.execute(
        "SELECT tier, COUNT(*), SUM(success), SUM(cost_usd), COUNT(cost_usd), AVG(duration_ms)"
        f" FROM route_outcomes {clause} GROUP BY tier",
        params,
    )
    stats = []
    for tier, n, ok, cost, priced, duration in rows:
        ok = int(ok or 0)
        per = cost / ok if cost is not None and ok and priced == n else None
        stats.append(OutcomeStats(tier=tier, tasks=n, succeeded=ok, success_rate=ok / n,
                                  cost_per_success_usd=per, avg_duration_ms=duration))  # fmt: skip
    return sorted(stats, key=lambda s: TIER_ORDER.index(s.tier) if s.tier in TIER_ORDER else 9)


def _assemble(
    since: date, until: date, all_projects: bool, per_tier: dict[str, list[float]],
    durations: dict[str, float], baseline: str, all_sonnet: float, outcomes: list[OutcomeStats],
) -> ModelStats:  # fmt: skip
    requests = int(sum(v[0] for v in per_tier.values()))
    cost = sum(v[1] for v in per_tier.values())
    tiers = [
        TierStats(
            tier=tier,
            requests=int(v[0]),
            share=v[0] / requests if requests else 0.0,
            cost_usd=v[1],
            unpriced_tokens=int(v[2]),
            avg_cost_per_request=v[1] / v[0] if v[0] else None,
            avg_duration_ms=durations.get(tier),
        )
        for tier, v in sorted(per_tier.items(), key=lambda kv: TIER_ORDER.index(kv[0]))
    ]
    timed = sorted((t.avg_duration_ms, t.tier) for t in tiers if t.avg_duration_ms is not None)
    timed += sorted((o.avg_duration_ms, o.tier) for o in outcomes
                    if o.avg_duration_ms is not None and o.tier not in durations)  # fmt: skip
    timed.sort()
    savings = all_sonnet - cost
    return ModelStats(
        since=since, until=until, scope="all projects" if all_projects else "this project",
        tiers=tiers, requests=requests, cost_usd=cost, baseline_model=baseline,
        all_sonnet_cost_usd=all_sonnet, savings_usd=savings,
        savings_pct=savings / all_sonnet if all_sonnet else None,
        avg_cost_per_request=cost / requests if requests else None,
        fastest=timed[0][1] if timed else None, slowest=timed[-1][1] if len(timed) > 1 else None,
        outcomes=outcomes, recommendations=_recommend(tiers, outcomes, cost),
    )  # fmt: skip


def _recommend(tiers: list[TierStats], outcomes: list[OutcomeStats], cost: float) -> list[str]:
    tips = []
    by_tier = {t.tier: t for t in tiers}
    opus = by_tier.get("opus")
    if opus and cost and opus.cost_usd / cost > 0.5:
        tips.append(f"Opus is {opus.cost_usd / cost:.0%} of spend: keep it for planning, "
                    "architecture and security-critical work (`br route` says when).")  # fmt: skip
    haiku = by_tier.get("haiku")
    if (haiku is None or haiku.share < 0.1) and sum(t.requests for t in tiers) >= 20:
        tips.append("Under 10% of requests use Haiku: delegate simple edits (typos, renames, "
                    "formatting, small tests) to the br-haiku subagent.")  # fmt: skip
    for o in outcomes:
        if o.tasks >= 5 and o.success_rate < 0.8:
            tips.append(f"{o.tier} succeeded on {o.success_rate:.0%} of {o.tasks} routed tasks: "
                        "the router will prefer a tier that meets the floor.")  # fmt: skip
    if any(t.unpriced_tokens for t in tiers):
        tips.append("Some usage is unpriced: add its model under [pricing.models].")
    return tips or ["No change suggested: not enough signal yet."]

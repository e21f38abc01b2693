"""What the learner knows and why its next decision would be what it is (`br model stats`)."""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from br_core.git import project_id, project_root
from br_core.routing.bandit import History, Objective, beliefs, best_tier, cost_weights
from br_core.routing.decisions import load_history
from br_core.routing.router import load_routing_config
from br_core.routing.signals import TIERS
from br_core.store.connection import Connection


class TierBelief(BaseModel):
    area: str
    tier: str
    tasks: int
    resolved: int
    success_rate: float | None
    estimate: float
    interval: tuple[float, float]
    cost_per_task_usd: float | None
    expected_cost_usd: float


class NextDecision(BaseModel):
    area: str
    tier: str
    why: str


class LearnerStats(BaseModel):
    objective: str
    learning: bool
    by_area: bool
    decisions: int
    outcomes: int
    pending: int
    explored_recent: str
    beliefs: list[TierBelief]
    next: list[NextDecision]


def _next(history: History, area: str, objective: Objective) -> NextDecision:
    belief = beliefs(history, area)
    weights = cost_weights(history, area, objective)
    cost = {t: belief[t].cost_usd for t in TIERS}
    low = best_tier({t: belief[t].mean for t in TIERS}, cost, weights.low)
    high = best_tier({t: belief[t].mean for t in TIERS}, cost, weights.high)
    utility = ", ".join(
        f"{t} {belief[t].mean:.0%} - {weights.low:.2f} x ${cost[t]:.2f}"
        f" = {belief[t].mean - weights.low * cost[t]:+.3f}"
        for t in TIERS
    )
    tier: str = low
    if low == high or weights.mix == 0:
        why = f"{weights.why}; success - weight x cost: {utility}"
    else:
        tier = f"{low} ({1 - weights.mix:.0%}) / {high} ({weights.mix:.0%})"
        why = f"{weights.why}; at the lower weight: {utility}"
    return NextDecision(area=area or "(project)", tier=tier, why=why)


def learner_stats(conn: Connection, root: Path) -> LearnerStats:
    """Per tier (and area, when learned per area): outcomes, success rate with a 90% interval,
    cost per task; and the next decision in each area with its reason."""
    top = project_root(root)
    config = load_routing_config(top)
    project = project_id(top)
    history = load_history(conn, project, config.by_area)
    decisions, outcomes = conn.execute(
        "SELECT COUNT(*), COUNT(resolved) FROM routing_decisions WHERE project_id = ?",
        (project,),
    ).fetchone()
    rows: list[TierBelief] = []
    areas = sorted(history.areas) or [""]
    for area in areas:
        belief = beliefs(history, area)
        for tier in TIERS:
            tally = history.tallies.get((area, tier))
            n = tally.n if tally else 0
            ok = tally.resolved if tally else 0
            per_task = tally.cost_usd / tally.priced if tally and tally.priced else None
            rows.append(TierBelief(
                area=area or "(project)", tier=tier, tasks=n, resolved=ok,
                success_rate=ok / n if n else None, estimate=belief[tier].mean,
                interval=belief[tier].interval(), cost_per_task_usd=per_task,
                expected_cost_usd=belief[tier].cost_usd,
            ))  # fmt: skip
    nxt = [_next(history, area, config.objective) for area in areas] if history.tallies else []
    return LearnerStats(
        objective=config.objective.describe(),
        learning=config.learn,
        by_area=config.by_area,
        decisions=decisions,
        outcomes=outcomes,
        pending=decisions - outcomes,
        explored_recent=f"{history.recent_explored} of the last {history.recent} learned "
        f"decisions explored (cap {config.objective.explore:.0%})",
        beliefs=rows,
        next=nxt,
    )

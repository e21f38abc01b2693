"""Learning from recorded outcomes: the cheapest tier that has proved good enough.

Per project and task kind: a tier qualifies once it has `min_samples` outcomes and a success
rate at or above the floor. Among qualifying tiers the router prefers the lowest measured cost
per successful task (all attempts' cost divided by successes: cheaper models often need more
attempts, so list-price ratios mislead); without cost data, the lowest tier.
"""

from __future__ import annotations

import sqlite3

from br_core.routing.signals import TIERS, Tier


def _stats(
    conn: sqlite3.Connection, project: str, kind: str
) -> dict[str, tuple[int, int, float | None, int]]:
    rows = conn.execute(
        "SELECT tier, COUNT(*), SUM(success), SUM(cost_usd), COUNT(cost_usd) FROM route_outcomes"
        " WHERE project_id = ? AND task_kind = ? GROUP BY tier",
        (project, kind),
    )
    return {tier: (n, int(ok or 0), cost, priced) for tier, n, ok, cost, priced in rows}


def learned_tier(
    conn: sqlite3.Connection, project: str, kind: str, floor: float, min_samples: int
) -> tuple[Tier | None, str] | None:
    """(tier or None, explanation); None when this kind has no outcomes at all."""
    stats = _stats(conn, project, kind)
    if not stats:
        return None
    qualifying: list[tuple[float, int, Tier, str]] = []
    seen = []
    for tier in TIERS:
        if tier not in stats:
            continue
        n, ok, cost, priced = stats[tier]
        rate = ok / n
        seen.append(f"{tier} {ok}/{n} ({rate:.0%})")
        if n < min_samples or rate < floor:
            continue
        per_success = cost / ok if cost is not None and priced == n and ok else None
        label = f"${per_success:.4f} per success" if per_success is not None else "no cost data"
        qualifying.append((per_success if per_success is not None else float("inf"),
                           TIERS.index(tier), tier, label))  # fmt: skip
    history = ", ".join(seen)
    if not qualifying:
        return None, (
            f"outcomes for {kind} tasks ({history}) do not yet show a tier with "
            f">= {min_samples} tasks at >= {floor:.0%} success; kept the heuristic"
        )
    qualifying.sort()
    _, _, tier, label = qualifying[0]
    return tier, (f"learned: {tier} is the cheapest tier meeting {floor:.0%} success on {kind} "
                  f"tasks here ({history}; {label})")  # fmt: skip


def measured_cost(
    conn: sqlite3.Connection, project: str, kind: str, tier: str
) -> tuple[float, int] | None:
    """Mean cost per successful task of this kind on this tier, when every outcome has a cost."""
    n, ok, cost, priced = _stats(conn, project, kind).get(tier, (0, 0, None, 0))
    if not n or not ok or cost is None or priced != n:
        return None
    return cost / ok, n

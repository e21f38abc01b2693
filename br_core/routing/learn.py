"""Cost per task kind from the outcomes recorded by description (`br model outcome`, the queue's
`update_task` with a tier): the heuristic route's measured estimate.

The router learns from decisions and their outcomes by id (bandit.py, decisions.py); these
description-keyed outcomes are kept for `br model stats` and the heuristic's cost estimate.
"""

from __future__ import annotations

from br_core.store.connection import Connection


def _stats(
    conn: Connection, project: str, kind: str
) -> dict[str, tuple[int, int, float | None, int]]:
    rows = conn.execute(
        "SELECT tier, COUNT(*), SUM(success), SUM(cost_usd), COUNT(cost_usd) FROM route_outcomes"
        " WHERE project_id = ? AND task_kind = ? GROUP BY tier",
        (project, kind),
    )
    return {tier: (n, int(ok or 0), cost, priced) for tier, n, ok, cost, priced in rows}


def measured_cost(conn: Connection, project: str, kind: str, tier: str) -> tuple[float, int] | None:
    """Mean cost per successful task of this kind on this tier, when every outcome has a cost."""
    n, ok, cost, priced = _stats(conn, project, kind).get(tier, (0, 0, None, 0))
    if not n or not ok or cost is None or priced != n:
        return None
    return cost / ok, n

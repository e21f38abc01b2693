"""Routing decisions and their outcomes, joined by id, in the `routing_decisions` table.

A decision is stored when it is made (the features it was made from, the tier, the estimate);
its outcome arrives later by id (`record_outcome`), by the queue task it was routed for, or by
the Claude Code subagent that ran it. The learner reads the decisions that have an outcome.
"""

from __future__ import annotations

import json
import math
import re
import time
import uuid
from dataclasses import dataclass

from pydantic import BaseModel

from br_core.errors import UsageError
from br_core.routing.bandit import History, Tally
from br_core.routing.signals import TIERS, Tier
from br_core.store.connection import Connection
from br_core.store.db import transaction

RECENT_DECISIONS = 50  # the window the exploration cap is measured over
MAX_NOTES = 500
MAX_AREA = 100
_MAX_DURATION_S = 7 * 24 * 3600.0  # a week: longer is a unit mistake, not a task
_MAX_COST_USD = 100_000.0
_ID = re.compile(r"rd-[0-9a-f]{12}")

_FILE = re.compile(r"[\w./-]+\.(?:py|pyi|js|ts|tsx|rs|go|java|c|h|cpp|rb|rst|md|toml|cfg|txt)\b")
_IDENT = re.compile(r"\b[a-z]+_[a-z_]+\b|\b[a-z]+[A-Z]\w*\b")


def task_features(text: str, keyword_score: int) -> dict[str, int]:
    """The features stored with a decision (their ROC AUCs on the dev set are in
    docs/MULTI_MODEL_ROUTING.md; none predicts the outcome well enough to route on)."""
    return {
        "chars": len(text),
        "lines": text.count("\n") + 1,
        "code_blocks": text.count("```") // 2,
        "traceback": int("Traceback (most recent call last)" in text),
        "files_mentioned": len(set(_FILE.findall(text))),
        "identifiers": len(set(_IDENT.findall(text))),
        "keyword_score": keyword_score,
    }


def storable(value: str | None) -> str | None:
    """JSON's `\\ud800` escapes decode to lone surrogates, which no UTF-8 store can hold."""
    if value is None or value.isascii():
        return value
    return value.encode("utf-8", "replace").decode("utf-8")


def new_decision_id() -> str:
    return f"rd-{uuid.uuid4().hex[:12]}"


@dataclass(frozen=True)
class NewDecision:
    project: str
    area: str
    features: dict[str, int]
    tier: Tier
    greedy_tier: Tier
    explored: bool
    source: str
    objective: str
    cost_weight: float | None
    p_success: float | None
    estimate_usd: float | None
    task_id: str | None
    session: str | None


def store_decision(conn: Connection, d: NewDecision) -> str:
    decision_id = new_decision_id()
    with transaction(conn):
        conn.execute(
            "INSERT INTO routing_decisions (id, project_id, ts, area, features, tier, greedy_tier,"
            " explored, source, objective, cost_weight, p_success, estimate_usd, task_id,"
            " session) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (decision_id, d.project, time.time(), storable(d.area), json.dumps(d.features),
             d.tier, d.greedy_tier, int(d.explored), d.source, d.objective, d.cost_weight,
             d.p_success, d.estimate_usd, storable(d.task_id), storable(d.session)),
        )  # fmt: skip
    return decision_id


def load_history(conn: Connection, project: str, by_area: bool) -> History:
    """Outcome tallies per (area, tier) and decisions per area for one project. Without
    `by_area` every decision counts under one area, ''."""
    area = "area" if by_area else "''"
    history = History()
    rows = conn.execute(
        f"SELECT {area}, tier, COUNT(*), SUM(resolved), COUNT(cost_usd), TOTAL(cost_usd)"
        " FROM routing_decisions WHERE project_id = ? AND resolved IS NOT NULL"
        " GROUP BY 1, 2",  # by position: PostgreSQL refuses a constant ('') in GROUP BY
        (project,),
    )
    for name, tier, n, ok, priced, cost in rows:
        if tier in TIERS:
            history.tallies[(name, tier)] = Tally(n, int(ok or 0), priced, float(cost))
    for name, n in conn.execute(
        f"SELECT {area}, COUNT(*) FROM routing_decisions WHERE project_id = ? GROUP BY 1",
        (project,),
    ):
        history.areas[name] = n
    recent = conn.execute(
        "SELECT COUNT(*), TOTAL(explored) FROM (SELECT explored FROM routing_decisions"
        " WHERE project_id = ? AND source = 'learned' ORDER BY ts DESC LIMIT ?)",
        (project, RECENT_DECISIONS),
    ).fetchone()
    history.recent, history.recent_explored = int(recent[0]), int(recent[1])
    return history


class OutcomeRecorded(BaseModel):
    decision_id: str
    tier: Tier
    resolved: bool
    cost_usd: float | None
    replaced: bool
    learned_from: int


def _checked(cost_usd: float | None, tokens: int | None, duration_s: float | None,
             notes: str | None) -> None:  # fmt: skip
    if cost_usd is not None and not (math.isfinite(cost_usd) and 0 <= cost_usd <= _MAX_COST_USD):
        raise UsageError(f"cost_usd {cost_usd!r}: must be a number from 0 to {_MAX_COST_USD:g}")
    if tokens is not None and not 0 <= tokens < 2**63:
        raise UsageError(f"tokens {tokens!r}: must be a whole number >= 0")
    if duration_s is not None and not (
        math.isfinite(duration_s) and 0 <= duration_s <= _MAX_DURATION_S
    ):
        raise UsageError(f"duration_s {duration_s!r}: must be from 0 to {_MAX_DURATION_S:g}")
    if notes is not None and len(notes) > MAX_NOTES:
        raise UsageError(f"notes: {len(notes)} characters; keep them under {MAX_NOTES}")


def record_outcome(
    conn: Connection,
    project: str,
    decision_id: str,
    resolved: bool,
    cost_usd: float | None,
    *,
    tokens: int | None = None,
    duration_s: float | None = None,
    notes: str | None = None,
    source: str = "manual",
) -> OutcomeRecorded:
    """Attach an outcome to a decision of this project; a later outcome replaces an earlier one
    (the learner keeps one outcome per decision)."""
    if not _ID.fullmatch(decision_id):
        shown = decision_id[:40]
        raise UsageError(f"decision id {shown!r}: not a decision id (rd- and 12 hex digits, as "
                         "route_task / `br route` printed it)")  # fmt: skip
    _checked(cost_usd, tokens, duration_s, notes)
    with transaction(conn):
        row = conn.execute(
            "SELECT tier, resolved FROM routing_decisions WHERE id = ? AND project_id = ?",
            (decision_id, project),
        ).fetchone()
        if row is None:
            raise UsageError(
                f"decision {decision_id}: not found in this project; route the task first "
                "(route_task / `br route`) and use its decision_id"
            )
        conn.execute(
            # a cost measured earlier (the subagent's transcript) stays unless a new one is given
            "UPDATE routing_decisions SET resolved = ?, cost_usd = COALESCE(?, cost_usd),"
            " tokens = COALESCE(?, tokens), duration_s = COALESCE(?, duration_s), notes = ?,"
            " outcome_source = ?, outcome_ts = ?, cost_source = COALESCE(?, cost_source)"
            " WHERE id = ?",
            (int(resolved), cost_usd, tokens, duration_s, storable(notes), source, time.time(),
             source if cost_usd is not None else None, decision_id),
        )  # fmt: skip
        (learned,) = conn.execute(
            "SELECT COUNT(*) FROM routing_decisions WHERE project_id = ? AND resolved IS NOT NULL",
            (project,),
        ).fetchone()
        (cost,) = conn.execute(
            "SELECT cost_usd FROM routing_decisions WHERE id = ?", (decision_id,)
        ).fetchone()
    return OutcomeRecorded(decision_id=decision_id, tier=row[0], resolved=resolved,
                           cost_usd=cost, replaced=row[1] is not None,
                           learned_from=int(learned))  # fmt: skip


def task_was_routed(conn: Connection, project: str, task_id: str) -> bool:
    """Whether a routing decision names this queue task: its outcome and cost then live on the
    decision (the queue closes it), so a second record of them would count the task twice."""
    row = conn.execute(
        "SELECT 1 FROM routing_decisions WHERE project_id = ? AND task_id = ? LIMIT 1",
        (project, task_id),
    ).fetchone()
    return row is not None


def record_task_outcome(
    conn: Connection, project: str, task_id: str, resolved: bool,
    cost_usd: float | None = None,
) -> OutcomeRecorded | None:  # fmt: skip
    """A queue task finished (done or failed): the outcome of its latest routing decision
    still open, if it was routed; None when it was not."""
    row = conn.execute(
        "SELECT id FROM routing_decisions WHERE project_id = ? AND task_id = ?"
        " AND resolved IS NULL ORDER BY ts DESC LIMIT 1",
        (project, task_id),
    ).fetchone()
    if row is None:
        return None
    return record_outcome(conn, project, row[0], resolved, cost_usd, source="queue")

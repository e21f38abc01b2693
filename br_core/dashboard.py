"""What `br dashboard` shows, as plain data: one snapshot of a project's parallel build.

The snapshot joins the orchestration model (streams, decisions, merge queue), the queue (a board
by status and the dependency graph near the work in flight), cost from transcripts (per stream
and per tier over time, the current 5-hour block's burn rate) and telemetry's learning phases.
It is logic, not HTML: any viewer renders it. Every text that came from outside (task titles,
owners, decisions, file names) is masked here, so no viewer can show a secret in full.

Reads stay cheap at 10,000 tasks: the board takes the first cards of each status through the
queue's claim index, the graph takes the unfinished tasks nearest the work in flight (a cap), and
cost is one GROUP BY over the window's usage rows.
"""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, replace
from functools import lru_cache

from br_core.cost.blocks import build_blocks
from br_core.cost.pricing import PriceTable
from br_core.cost.spend import Scope, grouped_spend
from br_core.orchestration.model import (
    Decision,
    MergeEntry,
    StreamStatus,
    decisions,
    merge_queue,
    streams,
)
from br_core.secrets.masking import mask_random_tokens, sanitize_text
from br_core.store.connection import Connection
from br_core.telemetry.alerts import list_alerts
from br_core.telemetry.thresholds import ThresholdStatus

BOARD_STATUSES = ("ready", "claimed", "done", "pending", "blocked", "failed", "dead")
CARDS_PER_COLUMN = 30
GRAPH_NODES = 120
COST_WINDOW_SECONDS = 24 * 3600
COST_BUCKETS = 24
BUCKET_STEPS = (60, 300, 900, 3600)
SPEND_SECONDS = 30
MAIN = "(main)"  # usage from outside every stream's worktree
_NOT_ALNUM = re.compile(r"[^A-Za-z0-9]")


def clean(text: str | None) -> str:
    """`text` with every secret a rule knows, and every random-looking token, masked."""
    return _clean(text or "")


@lru_cache(maxsize=8192)
def _clean(text: str) -> str:
    # The same titles come back on every refresh: masking each once keeps a re-read cheap.
    return mask_random_tokens(sanitize_text(text))


@dataclass(frozen=True)
class Card:
    """One task on the board."""

    id: str
    title: str
    stream: str
    owner: str | None
    priority: int


@dataclass(frozen=True)
class Column:
    status: str
    count: int
    cards: tuple[Card, ...]


@dataclass(frozen=True)
class Graph:
    """The dependency graph near the work in flight: nodes (id, status, stream, depth), edges
    (task, the task it depends on), and how many tasks the project has in all."""

    nodes: tuple[tuple[str, str, str, int], ...]
    edges: tuple[tuple[str, str], ...]
    total: int


@dataclass(frozen=True)
class CostSeries:
    """USD per time bucket, per stream and per tier, over the window before `end`."""

    bucket_seconds: int
    start: float
    end: float
    by_stream: dict[str, tuple[float, ...]]
    by_tier: dict[str, tuple[float, ...]]

    def total(self, series: dict[str, tuple[float, ...]]) -> dict[str, float]:
        return {key: sum(values) for key, values in series.items()}


@dataclass(frozen=True)
class Burn:
    """The current 5-hour block (None fields when no block is active)."""

    active: bool
    cost_usd: float = 0.0
    cost_per_hour: float | None = None
    projected_cost_usd: float | None = None
    remaining_minutes: int | None = None
    tokens_per_minute: float | None = None


@dataclass(frozen=True)
class PhaseView:
    name: str
    reached: bool
    progress: float
    alert: str  # "", "new", "shown" or "dismissed"


@dataclass(frozen=True)
class Snapshot:
    project_id: str
    generated_at: float
    streams: tuple[StreamStatus, ...]
    board: tuple[Column, ...]
    graph: Graph
    cost: CostSeries
    burn: Burn
    phases: tuple[PhaseView, ...]
    capability: str
    decisions: tuple[Decision, ...]
    merges: tuple[MergeEntry, ...]
    task_total: int = 0


def change_marker(conn: Connection) -> int:
    """A number that changes whenever another connection commits to the store (one PRAGMA)."""
    return int(conn.execute("PRAGMA data_version").fetchone()[0])


def claude_dir_name(path: str) -> str:
    """The folder name Claude Code gives a working directory's transcripts."""
    return _NOT_ALNUM.sub("-", path)


def board(conn: Connection, project_id: str) -> tuple[tuple[Column, ...], int]:
    counts = dict(
        conn.execute(
            "SELECT status, count(*) FROM tasks WHERE project_id = ? GROUP BY 1", (project_id,)
        ).fetchall()
    )
    columns = []
    for status in BOARD_STATUSES:
        if status in ("failed", "dead", "blocked") and not counts.get(status):
            continue
        order = "updated_at DESC" if status == "done" else "priority, depth, seq"
        rows = conn.execute(
            "SELECT id, title, stream, owner, priority FROM tasks "
            f"WHERE project_id = ? AND status = ? ORDER BY {order} LIMIT ?",
            (project_id, status, CARDS_PER_COLUMN),
        )
        cards = tuple(Card(r[0], clean(r[1]), r[2], clean(r[3]) or None, r[4]) for r in rows)
        columns.append(Column(status, int(counts.get(status, 0)), cards))
    return tuple(columns), int(sum(counts.values()))


def graph(conn: Connection, project_id: str, total: int) -> Graph:
    """Unfinished tasks, in flight first, then by depth and claim order, up to GRAPH_NODES; the
    done tasks they depend on join them while room remains."""
    rows = conn.execute(
        "SELECT id, status, stream, depth FROM tasks WHERE project_id = ? AND status != 'done' "
        "ORDER BY status != 'claimed', depth, priority, seq LIMIT ?",
        (project_id, GRAPH_NODES),
    ).fetchall()
    nodes = {r[0]: (r[0], r[1], r[2], r[3]) for r in rows}
    edges = _edges_among(conn, project_id, list(nodes))
    missing = sorted({dep for _, dep in edges if dep not in nodes})[: GRAPH_NODES - len(nodes)]
    if missing:
        marks = ",".join("?" * len(missing))
        for r in conn.execute(
            f"SELECT id, status, stream, depth FROM tasks WHERE project_id = ? AND id IN ({marks})",
            (project_id, *missing),
        ):
            nodes[r[0]] = (r[0], r[1], r[2], r[3])
    kept = tuple((a, b) for a, b in edges if a in nodes and b in nodes)
    return Graph(tuple(nodes.values()), kept, total)


def _edges_among(conn: Connection, project_id: str, ids: list[str]) -> list[tuple[str, str]]:
    if not ids:
        return []
    marks = ",".join("?" * len(ids))
    rows = conn.execute(
        f"SELECT task_id, depends_on FROM task_deps WHERE project_id = ? AND task_id IN ({marks}) "
        "ORDER BY 1, 2",
        (project_id, *ids),
    )
    return [(r[0], r[1]) for r in rows]


def _bucket(span: float) -> int:
    for step in BUCKET_STEPS:
        if span / step <= COST_BUCKETS:
            return step
    return BUCKET_STEPS[-1]


def cost_series(
    conn: Connection,
    project_id: str,
    table: PriceTable,
    worktrees: dict[str, str],
    now: float,
) -> CostSeries:
    """Spend per bucket from the project's usage rows of the last day, per stream (by the
    worktree the session ran in) and per tier (from the price table). Bucket width adapts so
    a young build still shows a curve: from 1 minute up to 1 hour."""
    since = now - COST_WINDOW_SECONDS
    first = conn.execute(
        "SELECT min(ts) FROM usage WHERE project_id = ? AND ts >= ?", (project_id, since)
    ).fetchone()[0]
    step = _bucket(now - (first if first is not None else now))
    start = now - step * COST_BUCKETS
    start -= start % step
    stream_of = {claude_dir_name(path): name for name, path in worktrees.items() if path}
    by_stream: dict[str, list[float]] = {}
    by_tier: dict[str, list[float]] = {}
    scope = Scope(conn, table, "project_id = ? AND ts >= ?", [project_id, start])
    # One GROUP BY (bucket, worktree folder, model...), each group priced as cost reports do.
    key = f"CAST((ts - {start!r}) / {step} AS INTEGER) || '|' || coalesce(project_dir, '')"
    for group in grouped_spend(scope, key):
        bucket, _, project_dir = str(group.key).partition("|")
        index = min(int(bucket), COST_BUCKETS)
        stream = stream_of.get(project_dir, MAIN)
        tier = group.price.tier if group.price is not None else "unpriced"
        by_stream.setdefault(stream, [0.0] * (COST_BUCKETS + 1))[index] += group.cost or 0.0
        by_tier.setdefault(tier, [0.0] * (COST_BUCKETS + 1))[index] += group.cost or 0.0
    return CostSeries(
        step,
        start,
        start + step * (COST_BUCKETS + 1),
        {k: tuple(v) for k, v in sorted(by_stream.items())},
        {k: tuple(v) for k, v in sorted(by_tier.items())},
    )


def burn(conn: Connection, project_id: str, table: PriceTable, now: float) -> Burn:
    """The active 5-hour block of the project's usage (its burn rate and projection)."""
    blocks, _, _ = build_blocks(
        conn, table, "project_id = ? AND ts >= ?", [project_id, now - 2 * 5 * 3600], now
    )
    active = [b for b in blocks if b.active]
    if not active:
        return Burn(active=False)
    block = active[-1]
    return Burn(
        active=True,
        cost_usd=block.cost_usd,
        cost_per_hour=block.cost_per_hour,
        projected_cost_usd=block.projected_cost_usd,
        remaining_minutes=block.remaining_minutes,
        tokens_per_minute=block.tokens_per_minute,
    )


@dataclass(frozen=True)
class Spend:
    cost: CostSeries
    burn: Burn


class SpendMemo:
    """The last cost figures, re-read only when usage rows changed, the streams' worktrees
    changed or SPEND_SECONDS passed (the burn rate's projection moves with time). The caller
    keeps one per dashboard: pricing every request of the block is the costliest read."""

    def __init__(self) -> None:
        self._key: object = None
        self._value: Spend | None = None

    def get(
        self,
        conn: Connection,
        project_id: str,
        table: PriceTable,
        worktrees: dict[str, str],
        now: float,
    ) -> Spend:
        marker = conn.execute(
            "SELECT (SELECT max(id) FROM usage), (SELECT value FROM meta "
            "WHERE key = 'output_generation')"
        ).fetchone()
        key = (project_id, tuple(marker), tuple(sorted(worktrees.items())), now // SPEND_SECONDS)
        if self._value is None or key != self._key:
            self._key = key
            self._value = Spend(
                cost_series(conn, project_id, table, worktrees, now),
                burn(conn, project_id, table, now),
            )
        return self._value


def phases(conn: Connection, status: ThresholdStatus) -> tuple[PhaseView, ...]:
    alerts = {a["phase"]: a for a in list_alerts(conn, status.project_id)}
    views = []
    for phase in status.phases:
        alert = alerts.get(phase.name)
        state = ""
        if alert is not None:
            state = (
                "dismissed"
                if alert.get("dismissed_at")
                else "shown"
                if alert.get("shown_at")
                else "new"
            )
        views.append(PhaseView(phase.name, phase.reached, phase.progress, state))
    return tuple(views)


def _clean_stream(s: StreamStatus) -> StreamStatus:
    return replace(s, owner=clean(s.owner) or None, current_task=clean(s.current_task) or None)


def _clean_merge(m: MergeEntry) -> MergeEntry:
    return replace(m, files=tuple(clean(f) for f in m.files), output_tail=clean(m.output_tail))


def snapshot(
    conn: Connection,
    project_id: str,
    table: PriceTable,
    learning: ThresholdStatus | None,
    *,
    now: float | None = None,
    memo: SpendMemo | None = None,
) -> Snapshot:
    """Everything the dashboard shows, read on the caller's connection in one read transaction
    (every panel sees the same moment)."""
    now = time.time() if now is None else now
    conn.execute("BEGIN")
    try:
        stream_list = tuple(_clean_stream(s) for s in streams(conn, project_id, now=now))
        columns, total = board(conn, project_id)
        worktrees = {s.stream: s.worktree for s in stream_list}
        spent = (memo or SpendMemo()).get(conn, project_id, table, worktrees, now)
        result = Snapshot(
            project_id=project_id,
            generated_at=now,
            streams=stream_list,
            board=columns,
            graph=graph(conn, project_id, total),
            cost=spent.cost,
            burn=spent.burn,
            phases=phases(conn, learning) if learning is not None else (),
            capability=learning.capability if learning is not None else "",
            decisions=tuple(
                Decision(d.id, d.at, clean(d.who), d.stream, clean(d.text))
                for d in decisions(conn, project_id)[-8:]
            ),
            merges=tuple(_clean_merge(m) for m in merge_queue(conn, project_id)),
            task_total=total,
        )
    finally:
        conn.execute("COMMIT")
    return result

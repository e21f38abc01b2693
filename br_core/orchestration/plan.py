"""`br orchestrate plan`: the queue cut into streams and batches, with an estimate per stream.

A stream is the `stream` of its tasks (a spec feature's `Stream:` line). Within a stream, batch k
holds the open tasks at dependency depth k (the queue keeps `depth`, the longest chain of
dependencies below a task): every task of batch k can start once the batches below it are done,
whichever stream they belong to.

The estimate of a stream is the sum of its open tasks' estimates (a task without one counts as
the median estimate of those that have one, else DEFAULT_TASK_MINUTES). Where the queue's history
holds at least MIN_HISTORY measured tasks (claim -> done of one token, from `task_events`), the
estimate is corrected by how long tasks really took: each measured task gives a ratio
actual / estimated, and the stream gets `sum x median(ratio)` with the interval
`sum x [q10, q90]` of the ratios (the empirical 10th and 90th percentiles, nearest rank). Applying
one ratio to the whole sum treats a stream's tasks as all over- or all under-running together,
which is what a shared cause (an unfamiliar code base, a slow test suite) does; the interval is
therefore wide rather than falsely tight.

Once the history reaches the learning room's MIN_SAMPLES, the stream's estimate and interval come
from br_core/learning (`stream_completion`: the stream's own median ratio once it has a few
measured tasks, and a split-conformal 80% interval whose coverage bench/predictions.py measures);
the quantiles above back it while the history is shorter.

Before any of that history exists, the user's `[planning] estimate_factor` (br_core/learning/
planning.py) scales the sum: how optimistic this person's estimates were elsewhere. Once the
project measures its own tasks the factor is left out, since the measured ratio already holds
the same bias and both together would count it twice.
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from typing import Any

from br_core.store.connection import Connection

DEFAULT_TASK_MINUTES = 30.0
MIN_HISTORY = 5
OPEN = ("pending", "ready", "claimed", "blocked")
UNASSIGNED = ""


@dataclass(frozen=True)
class PlannedTask:
    id: str
    title: str
    status: str
    depth: int
    estimate_minutes: float | None


@dataclass(frozen=True)
class Batch:
    number: int  # dependency depth + 1: batch 1 holds the tasks that depend on nothing
    tasks: tuple[PlannedTask, ...]


@dataclass(frozen=True)
class Estimate:
    minutes: float  # the point estimate
    low: float | None  # the interval, when there is history to measure it from
    high: float | None
    basis: str  # how it was computed, in words


@dataclass(frozen=True)
class StreamPlan:
    stream: str
    batches: tuple[Batch, ...]
    done: int
    estimate: Estimate
    depends_on: tuple[str, ...]  # streams that hold a dependency of one of its tasks


@dataclass(frozen=True)
class Plan:
    streams: tuple[StreamPlan, ...]
    unassigned: tuple[PlannedTask, ...]  # open tasks without a stream: no worker takes them
    history: int  # measured tasks behind the correction
    ratio_quantiles: tuple[float, float, float] | None = None  # q10, median, q90
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def first_batch(self, stream: str) -> int:
        """The number of the stream's first open batch (0 when it has none)."""
        for plan in self.streams:
            if plan.stream == stream and plan.batches:
                return plan.batches[0].number
        return 0

    def stream_names(self) -> list[str]:
        return [s.stream for s in self.streams]


def build_plan(conn: Connection, project_id: str, factor: float = 1.0) -> Plan:
    """The plan of the project's queue as it stands now; `factor` scales the sums of estimates
    while the project has no measured history (`[planning] estimate_factor`)."""
    rows = conn.execute(
        "SELECT id, title, status, depth, estimate_min, stream FROM tasks "
        "WHERE project_id = ? ORDER BY depth, priority, seq",
        (project_id,),
    ).fetchall()
    stream_of = {r[0]: r[5] for r in rows}
    open_by_stream: dict[str, list[PlannedTask]] = defaultdict(list)
    done: dict[str, int] = defaultdict(int)
    for task_id, title, status, depth, estimate, stream in rows:
        if status == "done":
            done[stream] += 1
        elif status in OPEN:
            open_by_stream[stream].append(PlannedTask(task_id, title, status, depth, estimate))
    deps = _stream_deps(conn, project_id, stream_of)
    known = [t.estimate_minutes for ts in open_by_stream.values() for t in ts]
    fallback = statistics.median([e for e in known if e is not None] or [DEFAULT_TASK_MINUTES])
    ratios = measured_ratios(conn, project_id)
    quantiles = _quantiles(ratios) if len(ratios) >= MIN_HISTORY else None
    plans = []
    for stream in sorted(set(open_by_stream) | set(done)):
        if stream == UNASSIGNED:
            continue
        tasks = open_by_stream.get(stream, [])
        plans.append(
            StreamPlan(
                stream=stream,
                batches=_batches(tasks),
                done=done.get(stream, 0),
                estimate=_learned(conn, project_id, stream, tasks, fallback)
                or _estimate(tasks, fallback, quantiles, len(ratios), factor),
                depends_on=tuple(sorted(deps.get(stream, set()))),
            )
        )
    notes = []
    if factor != 1.0 and len(ratios) >= MIN_HISTORY:
        notes.append(
            f"estimate_factor {factor:g} of your config left out: {len(ratios)} measured tasks "
            "of this project already correct its estimates"
        )
    unassigned = tuple(open_by_stream.get(UNASSIGNED, []))
    if unassigned:
        notes.append(
            f"{len(unassigned)} open tasks have no stream: no stream worker takes them; give "
            "their feature a `Stream:` line or claim them without a stream"
        )
    return Plan(tuple(plans), unassigned, len(ratios), quantiles, tuple(notes))


def _batches(tasks: list[PlannedTask]) -> tuple[Batch, ...]:
    """Open tasks grouped by depth: batch k+1 holds depth k, the same number in every stream,
    so batch 2 of one stream can start once batch 1 of every stream it depends on is done."""
    by_depth: dict[int, list[PlannedTask]] = defaultdict(list)
    for task in tasks:
        by_depth[task.depth].append(task)
    return tuple(Batch(depth + 1, tuple(by_depth[depth])) for depth in sorted(by_depth))


def _stream_deps(
    conn: Connection, project_id: str, stream_of: dict[str, str]
) -> dict[str, set[str]]:
    """stream -> the other streams its tasks depend on (the merge queue's order)."""
    deps: dict[str, set[str]] = defaultdict(set)
    for task_id, depends_on in conn.execute(
        "SELECT task_id, depends_on FROM task_deps WHERE project_id = ?", (project_id,)
    ):
        mine, theirs = stream_of.get(task_id, ""), stream_of.get(depends_on, "")
        if mine and theirs and mine != theirs:
            deps[mine].add(theirs)
    return deps


def measured_ratios(conn: Connection, project_id: str) -> list[float]:
    """actual / estimated minutes of every task done with an estimate, claim to done of the
    token that finished it (a claim whose lease ran out does not count the lost time)."""
    rows = conn.execute(
        "SELECT t.estimate_min, d.ts - c.ts FROM task_events d "
        "JOIN task_events c ON c.project_id = d.project_id AND c.task_id = d.task_id "
        "AND c.kind = 'claimed' AND c.token = d.token "
        "JOIN tasks t ON t.project_id = d.project_id AND t.id = d.task_id "
        "WHERE d.project_id = ? AND d.kind = 'done' AND d.token IS NOT NULL "
        "AND t.estimate_min > 0",
        (project_id,),
    )
    return [(seconds / 60) / estimate for estimate, seconds in rows if seconds >= 0]


def learned_after() -> int:
    from br_core.learning.predict import MIN_SAMPLES

    return MIN_SAMPLES


def nearest_rank(values: list[float], q: float) -> float:
    """The empirical q-quantile (nearest rank) of a non-empty list."""
    ordered = sorted(values)
    rank = max(1, math.ceil(q * len(ordered)))
    return ordered[rank - 1]


def _quantiles(ratios: list[float]) -> tuple[float, float, float]:
    return (nearest_rank(ratios, 0.1), statistics.median(ratios), nearest_rank(ratios, 0.9))


def _learned(
    conn: Connection, project_id: str, stream: str, tasks: list[PlannedTask],
    fallback: float,
) -> Estimate | None:  # fmt: skip
    """The learning room's prediction of the stream's minutes, once it is ready."""
    from br_core.learning.predict import stream_completion

    minutes = [t.estimate_minutes if t.estimate_minutes is not None else fallback for t in tasks]
    found = stream_completion(conn, project_id, stream, minutes)
    if not found.ready or found.point is None:
        return None
    missing = sum(1 for t in tasks if t.estimate_minutes is None)
    guessed = f", {missing} without an estimate counted as {fallback:g} min" if missing else ""
    basis = (f"sum of task estimates{guessed} x the measured actual/estimate ratio of "
             f"{found.samples} tasks; 80% interval: split conformal, docs/LEARNING.md")  # fmt: skip
    return Estimate(found.point, found.low, found.high, basis)


def _estimate(
    tasks: list[PlannedTask],
    fallback: float,
    quantiles: tuple[float, float, float] | None,
    history: int,
    factor: float = 1.0,
) -> Estimate:
    given = [t.estimate_minutes for t in tasks if t.estimate_minutes is not None]
    missing = len(tasks) - len(given)
    total = sum(given) + missing * fallback
    guessed = f", {missing} without an estimate counted as {fallback:g} min" if missing else ""
    if quantiles is None:
        why = f"no history yet ({history} measured tasks, {MIN_HISTORY} needed)"
        scaled = f" x estimate_factor {factor:g}" if factor != 1.0 else ""
        basis = f"sum of task estimates{guessed}{scaled}; {why}"
        return Estimate(total * factor, None, None, basis)
    low, mid, high = quantiles
    return Estimate(
        total * mid,
        total * low,
        total * high,
        f"sum of task estimates{guessed} x median actual/estimate {mid:.2f} of {history} "
        f"measured tasks; interval: their 10th-90th percentiles ({low:.2f}-{high:.2f}); the "
        f"learned 80% interval after {max(0, learned_after() - history)} more",
    )

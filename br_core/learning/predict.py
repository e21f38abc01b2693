"""The four predictions, each with its 80% interval and its backtest on this project's history.

- `task_cost(conn, project, tier)`: dollars per task on a tier, from routing outcomes (decisions
  whose outcome carries a cost, measured by the queue, the tool or the subagent's transcript) and
  the older `route_outcomes` rows.
- `task_duration(conn, project, estimate_min, stream=..., kind=...)`: minutes from claim to done,
  from the task's estimate corrected by measured claim -> done times of the same stream (or kind).
- `stream_completion(...)`: minutes left in a stream: its open tasks' estimates, corrected the same
  way (used by `br orchestrate plan`).
- `block_runout(...)`: when a 5-hour block's budget runs out at the current burn rate (pure: the
  cost domain passes the blocks in).

Each says `ready` only once MIN_SAMPLES outcomes exist; before that `needs` says how many more.
Method and measured coverage: br_core/learning/conformal.py and docs/LEARNING.md.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache

from br_core.learning.conformal import (
    Backtest,
    Batch,
    Forecast,
    OneStep,
    Sample,
    backtest,
    batch_forecast,
    batch_scores,
    fit,
)
from br_core.store.connection import Connection

# Outcomes before a prediction is shown. Conformal 80% needs 9 past residuals; a point needs a few
# samples before the first residual; 20 leaves the interval a little room to settle.
MIN_SAMPLES = 20
METHOD = ("split conformal: the median of the past (per group) as the point, the 10th/90th "
          "order statistics of past one-step-ahead log residuals as the 80% interval")  # fmt: skip


@dataclass(frozen=True)
class Prediction:
    name: str  # task_cost, task_duration, stream_completion, block_runout
    subject: str  # the tier, stream, kind or block it is about
    unit: str  # usd, minutes
    samples: int  # outcomes behind it
    point: float | None = None
    low: float | None = None  # the 80% interval
    high: float | None = None

    @property
    def needs(self) -> int:
        """More outcomes needed before it is shown (0 when ready)."""
        return max(0, MIN_SAMPLES - self.samples)

    @property
    def ready(self) -> bool:
        return self.needs == 0 and self.low is not None and self.high is not None

    def interval(self) -> list[float] | None:
        return [self.low, self.high] if self.ready else None  # type: ignore[list-item]

    def waiting(self) -> str:
        """One line for a prediction not shown yet."""
        return (f"{self.name.replace('_', ' ')} for {self.subject or 'this project'}: "
                f"{self.needs} more outcomes needed ({self.samples} of {MIN_SAMPLES})")  # fmt: skip


@dataclass(frozen=True)
class Accuracy:
    """A prediction's backtest on this project's own history (for `br digest`)."""

    name: str
    samples: int
    result: Backtest


def _prediction(name: str, subject: str, unit: str, forecast: Forecast | None, n: int,
                scale: float = 1.0) -> Prediction:  # fmt: skip
    if forecast is None:
        return Prediction(name, subject, unit, n)
    low = forecast.low * scale if forecast.low is not None else None
    high = forecast.high * scale if forecast.high is not None else None
    return Prediction(name, subject, unit, n, forecast.point * scale, low, high)


# --- cost per task per tier -------------------------------------------------------------------


def cost_samples(conn: Connection, project: str) -> list[Sample]:
    """Measured costs of routed tasks, grouped by tier, in the order their outcomes arrived."""
    rows = conn.execute(
        "SELECT COALESCE(outcome_ts, ts), tier, cost_usd FROM routing_decisions"
        " WHERE project_id = ? AND resolved IS NOT NULL AND cost_usd > 0",
        (project,),
    ).fetchall()
    rows += conn.execute(
        "SELECT ts, tier, cost_usd FROM route_outcomes WHERE project_id = ? AND cost_usd > 0",
        (project,),
    ).fetchall()
    return [Sample(float(ts), str(tier), float(cost)) for ts, tier, cost in rows]


def task_cost(conn: Connection, project: str, tier: str) -> Prediction:
    """Dollars per task on `tier`, with its 80% interval once MIN_SAMPLES costs are measured
    on that tier."""
    samples = cost_samples(conn, project)
    mine = sum(1 for s in samples if s.group == tier)
    walk = fitted_costs(tuple(samples))
    return _prediction("task_cost", tier, "usd", walk.forecast(tier) if mine else None, mine)


@lru_cache(maxsize=8)
def fitted_costs(samples: tuple[Sample, ...]) -> OneStep:
    """The walk over a project's measured costs, fitted once per store state: every route asks
    for it (br_core/routing/router.py) and refitting is quadratic in the outcomes (36-87 ms per
    route at a few hundred). Keyed by the samples themselves, so a new or replaced outcome is a
    new key (never a stale interval); a handful of entries covers the projects of one server.
    Callers only read the walk (`forecast`), never `observe` into it."""
    return fit(samples)


# --- task duration and stream completion ------------------------------------------------------


GroupOf = Callable[[str, str], str]  # (stream, title) -> the group a task's duration counts in


def by_stream(stream: str, title: str) -> str:
    return stream


def duration_samples(conn: Connection, project: str, group_of: GroupOf = by_stream) -> list[Sample]:
    """Claim -> done minutes of done tasks with an estimate, grouped by stream (or, with another
    `group_of`, by task kind: the door passes br_core.routing.signals' kind, so this room imports
    no other domain), the token that finished the task only (time lost to an expired lease does
    not count)."""
    rows = conn.execute(
        "SELECT d.ts, t.stream, t.title, t.estimate_min, d.ts - c.ts FROM task_events d "
        "JOIN task_events c ON c.project_id = d.project_id AND c.task_id = d.task_id "
        "AND c.kind = 'claimed' AND c.token = d.token "
        "JOIN tasks t ON t.project_id = d.project_id AND t.id = d.task_id "
        "WHERE d.project_id = ? AND d.kind = 'done' AND d.token IS NOT NULL "
        "AND t.estimate_min > 0",
        (project,),
    ).fetchall()
    return [
        Sample(float(ts), group_of(stream, title), seconds / 60, float(estimate))
        for ts, stream, title, estimate, seconds in rows
        if seconds > 0
    ]


def task_duration(conn: Connection, project: str, estimate_min: float,
                  group: str = "", group_of: GroupOf = by_stream) -> Prediction:  # fmt: skip
    """Minutes from claim to done of a task estimated at `estimate_min` in `group` (a stream,
    or a kind with a `group_of` that gives kinds)."""
    samples = duration_samples(conn, project, group_of)
    walk = fit(samples)
    return _prediction("task_duration", group, "minutes",
                       walk.forecast(group, estimate_min), walk.n)  # fmt: skip


def finished_streams(conn: Connection, project: str,
                     samples: Sequence[Sample]) -> list[Batch]:  # fmt: skip
    """Streams with no open task left, each as the batch of its measured tasks, begun at its
    first claim (`samples` are `duration_samples`: done time minus minutes is the claim)."""
    open_streams = {
        str(row[0]) for row in conn.execute(
            "SELECT DISTINCT stream FROM tasks WHERE project_id = ? AND status != 'done'",
            (project,),
        )
    }  # fmt: skip
    per_stream: dict[str, list[Sample]] = defaultdict(list)
    for sample in samples:
        if sample.group not in open_streams:
            per_stream[sample.group].append(sample)
    return [
        Batch(stream, min(s.ts - s.actual * 60 for s in done), tuple(done))
        for stream, done in per_stream.items()
    ]


def stream_completion(conn: Connection, project: str, stream: str,
                      estimates_min: Sequence[float]) -> Prediction:  # fmt: skip
    """Minutes until `stream` is done: the sum of its open tasks' estimates, corrected by the
    stream's measured actual/estimate ratio. The interval is split conformal over the finished
    streams' own residuals (each predicted from the tasks done before it began), once
    MIN_SCORES streams are finished; until then the task-level interval applied to the whole
    sum, wider than needed when tasks vary independently, never narrower."""
    total = sum(estimates_min)
    samples = duration_samples(conn, project)
    walk = fit(samples)
    if total <= 0:
        return Prediction("stream_completion", stream, "minutes", walk.n, 0.0, 0.0, 0.0)
    scores = [score for _, score in batch_scores(samples, finished_streams(conn, project, samples))]
    return _prediction("stream_completion", stream, "minutes",
                       batch_forecast(walk, stream, total, scores), walk.n)  # fmt: skip


# --- accuracy on this project's history (the digest's "predictions and their accuracy") ------


def accuracy(conn: Connection, project: str) -> list[Accuracy]:
    """Each prediction's time-ordered backtest on this project's own history."""
    out = []
    for name, samples in (
        ("task_cost", cost_samples(conn, project)),
        ("task_duration", duration_samples(conn, project)),
    ):
        out.append(Accuracy(name, len(samples), backtest(samples)))
    return out


def backtest_samples(samples: Iterable[Sample]) -> Backtest:
    """The backtest of any series (bench/predictions.py, tests)."""
    return backtest(samples)

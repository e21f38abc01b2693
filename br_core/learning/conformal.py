"""One-step-ahead predictions with conformal 80% intervals, and the backtest that measures them.

Method (no numpy: plain order statistics are the whole of it). Samples are walked in time order.
For each sample the point estimate is made from the samples before it only:

- with a prior estimate `base` (a task's estimate, the burn rate so far): base x the median of
  past actual/base ratios (geometric, in logs) of the same group, or of all groups while the group
  has fewer than MIN_GROUP samples;
- without one (cost per task per tier): the median of past actuals of the same group, else of all.

Its nonconformity score is log(actual / point). The interval of the next prediction is
point x exp([s_lo, s_hi]) where s_lo, s_hi are the floor((n+1) a/2)-th and ceil((n+1)(1-a/2))-th
smallest of the last WINDOW scores (a = 0.2): split conformal prediction with equal tails, the
calibration set being the past one-step-ahead residuals (those of points from a group's own
median once it has one: the early pooled ones are not like them), as in sequential/EnbPI-style
conformal for time series; the window follows drift. Under exchangeable scores it covers at
least 80%; the backtest below measures what it covers on time-ordered data, where
exchangeability is only close.

The naive baseline the point estimate is judged against is the mean of all past actuals.
Errors are mean absolute errors (the median is the point that minimises it; say so when quoting).
"""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

NOMINAL = 0.8
WINDOW = 300  # scores kept for the interval: recent enough to follow drift
MIN_GROUP = 10  # a group's own median from this many samples (5 over-covered costs)
MIN_SCORES = 9  # ceil((n+1) * 0.9) <= n first holds at n = 9


@dataclass(frozen=True)
class Sample:
    """One outcome in time order: `group` (a tier, kind or stream), an optional prior `base`
    estimate, and the `actual` value (> 0)."""

    ts: float
    group: str
    actual: float
    base: float | None = None


@dataclass(frozen=True)
class Forecast:
    point: float
    low: float | None  # None until MIN_SCORES past residuals exist
    high: float | None
    n: int  # samples behind it


@dataclass(frozen=True)
class Backtest:
    """Fit on the past, predict the next: what the intervals covered and how the point did."""

    predicted: int  # outcomes predicted with an interval
    covered: int
    mae: float | None  # of the point estimate
    naive_mae: float | None  # of the mean of the past
    nominal: float = NOMINAL

    @property
    def coverage(self) -> float | None:
        return self.covered / self.predicted if self.predicted else None

    @property
    def skill(self) -> float | None:
        """1 - mae / naive_mae: above 0 when the point beats the naive mean."""
        if self.mae is None or not self.naive_mae:
            return None
        return 1 - self.mae / self.naive_mae


def conformal_bounds(
    scores: Sequence[float], coverage: float = NOMINAL
) -> tuple[float, float] | None:
    """The equal-tailed split-conformal quantiles of `scores`; None when too few for `coverage`."""
    n = len(scores)
    tail = (1 - coverage) / 2
    lo_rank = math.floor((n + 1) * tail + 1e-9)  # 1e-9: 1 - 0.8 is 0.19999999999999996
    hi_rank = math.ceil((n + 1) * (1 - tail) - 1e-9)
    if lo_rank < 1 or hi_rank > n:
        return None
    ordered = sorted(scores)
    return ordered[lo_rank - 1], ordered[hi_rank - 1]


class OneStep:
    """The state of the walk: past samples per group, past scores; `forecast` then `observe`."""

    def __init__(self, window: int = WINDOW, coverage: float = NOMINAL) -> None:
        self.window, self.coverage = window, coverage
        self._logs: dict[str, list[float]] = defaultdict(list)  # log actual or log ratio
        self._all: list[float] = []
        self._scores: list[float] = []  # every past residual
        self._mature: list[float] = []  # residuals of points from the group's own median
        self._sum = 0.0
        self.n = 0

    def _own(self, group: str) -> bool:
        return len(self._logs.get(group, ())) >= MIN_GROUP

    def _center(self, group: str) -> float | None:
        pool = self._logs[group] if self._own(group) else self._all
        return statistics.median(pool) if pool else None

    def point(self, group: str, base: float | None) -> float | None:
        center = self._center(group)
        if center is None:
            return None
        return math.exp(center) * (base if base is not None else 1.0)

    def forecast(self, group: str, base: float | None = None) -> Forecast | None:
        point = self.point(group, base)
        if point is None:
            return None
        # A point from the group's own median is judged by residuals of such points: the early
        # residuals of points pooled over unlike groups would widen it for good.
        mature = self._own(group) and len(self._mature) >= MIN_SCORES
        scores = self._mature if mature else self._scores
        bounds = conformal_bounds(scores[-self.window :], self.coverage)
        if bounds is None:
            return Forecast(point, None, None, self.n)
        return Forecast(point, point * math.exp(bounds[0]), point * math.exp(bounds[1]), self.n)

    def naive(self) -> float | None:
        return self._sum / self.n if self.n else None

    def observe(self, sample: Sample) -> None:
        point = self.point(sample.group, sample.base)
        if point is not None:
            score = math.log(sample.actual / point)
            self._scores.append(score)
            if self._own(sample.group):
                self._mature.append(score)
        value = math.log(sample.actual / sample.base if sample.base else sample.actual)
        self._logs[sample.group].append(value)
        self._all.append(value)
        self._sum += sample.actual
        self.n += 1


SANE = (1e-9, 1e12)  # dollars, minutes, dollars per hour: far inside; logs and ratios stay finite


def _sane(value: float) -> bool:
    return SANE[0] <= value <= SANE[1]


def usable(samples: Iterable[Sample]) -> list[Sample]:
    """Outcomes (and bases) in SANE, in time order: a zero cost has no log, a subnormal one
    divides to zero."""
    kept = [
        s for s in samples
        if _sane(s.actual) and (s.base is None or _sane(s.base)) and math.isfinite(s.ts)
    ]  # fmt: skip
    return sorted(kept, key=lambda s: s.ts)


def fit(samples: Iterable[Sample], window: int = WINDOW) -> OneStep:
    walk = OneStep(window)
    for sample in usable(samples):
        walk.observe(sample)
    return walk


def backtest(
    samples: Iterable[Sample], window: int = WINDOW, coverage: float = NOMINAL
) -> Backtest:
    """Walk the samples in time order: each is predicted from the ones before it, then seen."""
    walk = OneStep(window, coverage)
    predicted = covered = 0
    errors: list[float] = []
    naive_errors: list[float] = []
    for sample in usable(samples):
        forecast = walk.forecast(sample.group, sample.base)
        naive = walk.naive()
        if forecast is not None and naive is not None:
            errors.append(abs(sample.actual - forecast.point))
            naive_errors.append(abs(sample.actual - naive))
            if forecast.low is not None and forecast.high is not None:
                predicted += 1
                covered += forecast.low <= sample.actual <= forecast.high
        walk.observe(sample)
    return Backtest(
        predicted, covered,
        statistics.fmean(errors) if errors else None,
        statistics.fmean(naive_errors) if naive_errors else None,
        coverage,
    )  # fmt: skip


# --- totals of several outcomes (a stream's completion) ----------------------------------------


@dataclass(frozen=True)
class Batch:
    """Outcomes of one group whose total was predicted before any of them began (a stream's
    tasks): `start` is when the prediction was made, the samples carry their bases."""

    group: str
    start: float
    samples: tuple[Sample, ...]

    @property
    def end(self) -> float:
        return max(s.ts for s in self.samples)

    @property
    def base(self) -> float:
        return sum(s.base or 0.0 for s in self.samples)

    @property
    def actual(self) -> float:
        return sum(s.actual for s in self.samples)


def batch_scores(history: Iterable[Sample], batches: Iterable[Batch]) -> list[tuple[float, float]]:
    """(end, score) of each finished batch, in the order they finished: the score is
    log(actual total / point), the point made from the outcomes before the batch began only."""
    ordered = usable(history)
    out = []
    for batch in batches:
        if not _sane(batch.actual) or not _sane(batch.base):
            continue
        point = fit(s for s in ordered if s.ts < batch.start).point(batch.group, batch.base)
        if point is not None:
            out.append((batch.end, math.log(batch.actual / point)))
    return sorted(out)


def batch_forecast(
    walk: OneStep, group: str, base: float, scores: Sequence[float], coverage: float = NOMINAL
) -> Forecast | None:
    """A total's forecast: the point from the task-level walk; the interval split conformal
    over the residuals of earlier finished totals (`scores`, time order), which know whether
    the tasks of a batch vary together or independently. Before MIN_SCORES of them, the
    task-level interval applied to the whole total (wider when tasks vary independently)."""
    forecast = walk.forecast(group, base)
    if forecast is None:
        return None
    bounds = conformal_bounds(scores[-walk.window :], coverage)
    if bounds is None:
        return forecast
    low, high = (forecast.point * math.exp(b) for b in bounds)
    return Forecast(forecast.point, low, high, forecast.n)

"""When a 5-hour block's budget runs out at the current burn rate.

The cost domain passes each block's requests as (ts, usd) in time order. The quantity predicted is
the burn rate of the next hour: its prior estimate (`base`) is the block's rate so far, and past
blocks give one sample per CHECKPOINT minutes (rate so far -> rate over the following hour). The
run-out time is now + budget left / rate; the rate's 80% interval (conformal.py) turns into the
run-out interval (a faster rate, an earlier run-out). A rate of zero in the next hour counts as 1%
of the rate so far (a log needs a positive number; it lands below any interval all the same).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from br_core.learning.conformal import Backtest, Sample, backtest, fit
from br_core.learning.predict import MIN_SAMPLES

CHECKPOINT = 30 * 60.0
HORIZON = 3600.0
FIRST = 30 * 60.0  # a rate over less than this is too noisy to project from
BLOCK_SECONDS = 5 * 3600.0

Requests = Sequence[tuple[float, float]]  # (ts, usd) in time order


@dataclass(frozen=True)
class Runout:
    """The block's budget and when it runs out (epoch seconds), with the 80% interval."""

    budget_usd: float
    spent_usd: float
    samples: int
    at: float | None = None  # None: not before the block ends, or not ready
    low: float | None = None  # earliest (the fast end of the rate's interval)
    high: float | None = None  # latest; None means not before the block ends
    note: str = ""

    @property
    def needs(self) -> int:
        return max(0, MIN_SAMPLES - self.samples)


def rate_samples(blocks: Sequence[Requests]) -> list[Sample]:
    """Checkpoints of finished blocks: the rate so far (base) and the next hour's rate."""
    out: list[Sample] = []
    for requests in blocks:
        if not requests:
            continue
        first = requests[0][0]
        end = min(first + BLOCK_SECONDS, requests[-1][0])
        t = first + FIRST
        while t + HORIZON <= end:
            so_far = sum(usd for ts, usd in requests if ts <= t)
            ahead = sum(usd for ts, usd in requests if t < ts <= t + HORIZON)
            base = so_far / ((t - first) / 3600)
            if base > 0:
                out.append(Sample(t, "", max(ahead / (HORIZON / 3600), base * 0.01), base))
            t += CHECKPOINT
    return out


def block_runout(history: Sequence[Requests], current: Requests, budget_usd: float,
                 now: float, block_end: float) -> Runout:  # fmt: skip
    """When `current` (the active block's requests) reaches `budget_usd`, from `history`
    (finished blocks) for the interval."""
    samples = rate_samples(history)
    spent = sum(usd for _, usd in current)
    base = Runout(budget_usd, spent, len(samples))
    if base.needs:
        return Runout(budget_usd, spent, len(samples),
                      note=f"{base.needs} more block-hours of history needed")  # fmt: skip
    if spent >= budget_usd:
        return Runout(budget_usd, spent, len(samples), now, now, now, "budget already spent")
    elapsed = now - current[0][0] if current else 0.0
    if elapsed < FIRST:
        return Runout(budget_usd, spent, len(samples),
                      note="burn rate measured after the block's first 30 minutes")  # fmt: skip
    rate = spent / (elapsed / 3600)
    forecast = fit(samples).forecast("", rate)
    if forecast is None or forecast.low is None or forecast.high is None or forecast.point <= 0:
        return Runout(budget_usd, spent, len(samples), note="no burn rate yet")
    left = budget_usd - spent

    def at(per_hour: float) -> float | None:
        when = now + left / per_hour * 3600 if per_hour > 0 else None
        return when if when is not None and when <= block_end else None

    point, early, late = at(forecast.point), at(forecast.high), at(forecast.low)
    note = "" if point is not None else "not before the block ends at this rate"
    return Runout(budget_usd, spent, len(samples), point, early, late, note)


def runout_backtest(blocks: Sequence[Requests]) -> Backtest:
    """The burn-rate prediction's backtest over finished blocks in time order."""
    return backtest(rate_samples(blocks))

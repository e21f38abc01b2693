"""Generated histories for backtests where no public data exists (bench/predictions.py, tests).

Seeded and shaped like real work: task durations are lognormal around a biased estimate
(estimates are optimistic by a per-stream factor) with a slow drift; costs per tier are lognormal
with tier-specific medians; burn rates wander between hours of a block.
"""

from __future__ import annotations

import math
import random

from br_core.learning.conformal import Sample
from br_core.learning.runout import Requests

STREAM_BIAS = {"api": 1.4, "ui": 1.1, "db": 1.8, "docs": 0.8}
TIER_MEDIAN_USD = {"haiku": 0.25, "sonnet": 0.6, "opus": 0.9}


def durations(seed: int, n: int = 400, sigma: float = 0.5, drift: float = 0.5) -> list[Sample]:
    """Claim -> done minutes of `n` tasks: estimate x stream bias x drift x lognormal noise."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        stream = rng.choice(list(STREAM_BIAS))
        estimate = rng.choice([10, 15, 20, 30, 45, 60, 90, 120, 180])
        trend = 1 + drift * i / n  # the team takes on harder work over time
        actual = estimate * STREAM_BIAS[stream] * trend * math.exp(rng.gauss(0, sigma))
        out.append(Sample(float(i), stream, actual, float(estimate)))
    return out


def costs(seed: int, n: int = 300, sigma: float = 0.7) -> list[Sample]:
    """Dollars per task per tier, lognormal around each tier's median."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        tier = rng.choice(list(TIER_MEDIAN_USD))
        out.append(Sample(float(i), tier, TIER_MEDIAN_USD[tier] * math.exp(rng.gauss(0, sigma))))
    return out


def blocks(seed: int, n: int = 30, start: float = 1_700_000_000.0) -> list[Requests]:
    """`n` 5-hour blocks of requests: a per-block pace that wanders hour to hour."""
    rng = random.Random(seed)
    out: list[Requests] = []
    t0 = start
    for _ in range(n):
        pace = math.exp(rng.gauss(math.log(4.0), 0.5))  # dollars per hour in this block
        hours = rng.uniform(2.5, 5.0)
        requests, t = [], t0
        while t < t0 + hours * 3600:
            if rng.random() < 0.04:  # a new hour's pace
                pace *= math.exp(rng.gauss(0, 0.3))
            gap = rng.expovariate(1 / 60)  # a request a minute on average
            t += gap
            requests.append((t, pace * gap / 3600 * math.exp(rng.gauss(0, 0.3))))
        out.append(requests)
        t0 += 6 * 3600
    return out

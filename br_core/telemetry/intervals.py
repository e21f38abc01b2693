"""Descriptive statistics with honest intervals: Wilson for proportions, Student t for means.

No scipy: the two-sided 95% t quantile comes from a table for small samples and a
Cornish-Fisher expansion beyond it (error below 1e-4 for df > 30).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

Z95 = 1.959963984540054
# t_{0.975, df} for df = 1..30 (standard tables, 3 decimals).
_T975 = (
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201, 2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
)  # fmt: skip


def t_quantile_975(df: int) -> float:
    """The 97.5th percentile of Student's t with `df` degrees of freedom (95% two-sided)."""
    if df < 1:
        raise ValueError("df must be >= 1")
    if df <= len(_T975):
        return _T975[df - 1]
    z = Z95
    g1 = (z**3 + z) / 4
    g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
    g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
    return z + g1 / df + g2 / df**2 + g3 / df**3


class Interval(NamedTuple):
    """An estimate with its 95% interval and the sample size it rests on."""

    estimate: float | None
    low: float | None
    high: float | None
    n: int
    note: str = ""

    def model_dump(self) -> dict[str, Any]:
        return self._asdict()


def wilson(successes: int, n: int, min_n: int = 1) -> Interval:
    """Wilson score interval for a proportion; says so instead of guessing below `min_n`."""
    if n < max(min_n, 1):
        return Interval(None, None, None, n, f"needs at least {max(min_n, 1)} samples")
    if not 0 <= successes <= n:
        raise ValueError("successes must be between 0 and n")
    p = successes / n
    z2 = Z95 * Z95
    centre = (p + z2 / (2 * n)) / (1 + z2 / n)
    half = Z95 * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return Interval(p, max(0.0, centre - half), min(1.0, centre + half), n)


def t_interval(values: Sequence[float], min_n: int = 2) -> Interval:
    """Mean with a Student t interval; at least two values (and `min_n`) are needed."""
    n = len(values)
    if n < max(min_n, 2):
        return Interval(None, None, None, n, f"needs at least {max(min_n, 2)} samples")
    mean = math.fsum(values) / n
    var = math.fsum((v - mean) ** 2 for v in values) / (n - 1)
    half = t_quantile_975(n - 1) * math.sqrt(var / n)
    return Interval(mean, mean - half, mean + half, n)

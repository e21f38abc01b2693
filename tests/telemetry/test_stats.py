"""Wilson and t intervals against published values; small samples say so."""

from __future__ import annotations

import pytest

from br_core.telemetry.intervals import t_interval, t_quantile_975, wilson


@pytest.mark.parametrize(
    ("df", "expected"),
    [(1, 12.706), (2, 4.303), (10, 2.228), (30, 2.042), (40, 2.021), (60, 2.000), (120, 1.980)],
)
def test_t_quantile_matches_tables(df: int, expected: float) -> None:
    assert t_quantile_975(df) == pytest.approx(expected, abs=6e-4)


def test_t_quantile_rejects_zero_df() -> None:
    with pytest.raises(ValueError):
        t_quantile_975(0)


@pytest.mark.parametrize(
    ("k", "n", "low", "high"),
    [
        (8, 10, 0.4902, 0.9433),  # Wilson (1927) as tabulated by Newcombe (1998)
        (0, 10, 0.0, 0.2775),
        (10, 10, 0.7225, 1.0),
        (81, 263, 0.2553, 0.3662),
    ],
)
def test_wilson_interval(k: int, n: int, low: float, high: float) -> None:
    result = wilson(k, n)
    assert result.estimate == pytest.approx(k / n)
    assert result.low == pytest.approx(low, abs=5e-4)
    assert result.high == pytest.approx(high, abs=5e-4)
    assert result.n == n


def test_t_interval_known_sample() -> None:
    # mean 5, sd 2.138 (n = 8): half width 2.365 * 2.138 / sqrt(8) = 1.788
    result = t_interval([2, 4, 4, 4, 5, 5, 7, 9])
    assert result.estimate == pytest.approx(5.0)
    assert result.low == pytest.approx(5 - 1.7875, abs=1e-3)
    assert result.high == pytest.approx(5 + 1.7875, abs=1e-3)


@pytest.mark.parametrize(
    ("call", "n"),
    [(lambda: wilson(0, 0), 0), (lambda: t_interval([1.0]), 1), (lambda: t_interval([], 5), 0)],
)
def test_small_samples_say_so_instead_of_guessing(call: object, n: int) -> None:
    result = call()  # type: ignore[operator]
    assert result.estimate is None and result.low is None and result.n == n
    assert "needs at least" in result.note


def test_wilson_rejects_impossible_counts() -> None:
    with pytest.raises(ValueError):
        wilson(5, 3)

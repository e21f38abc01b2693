"""The interval method and its backtest on seeded generated histories (br_core/learning)."""

from __future__ import annotations

import math

import pytest

from br_core.learning import synth
from br_core.learning.conformal import (
    MIN_GROUP,
    Backtest,
    Sample,
    backtest,
    conformal_bounds,
    fit,
)
from br_core.learning.runout import runout_backtest

TARGET = (0.75, 0.85)  # the target for 80% intervals


def on_target(result: Backtest) -> bool:
    assert result.coverage is not None
    return TARGET[0] <= result.coverage <= TARGET[1]


def test_conformal_bounds_need_nine_scores_and_take_the_order_statistics() -> None:
    assert conformal_bounds([float(i) for i in range(8)]) is None
    assert conformal_bounds([float(i) for i in range(9)]) == (0.0, 8.0)
    # n = 99: ranks floor(100 * 0.1) = 10 and ceil(100 * 0.9) = 90 (1-based)
    assert conformal_bounds([float(i) for i in range(99)]) == (9.0, 89.0)


@pytest.mark.parametrize(
    "name, history",
    [
        ("task duration", synth.durations(7)),
        ("cost per task per tier", synth.costs(7)),
    ],
)
def test_80_percent_intervals_cover_75_to_85_percent_and_the_point_beats_the_mean(
    name: str, history: list[Sample]
) -> None:
    result = backtest(history)
    assert result.predicted > 200, name
    assert on_target(result), (name, result.coverage)
    assert result.skill is not None and result.skill > 0.1, (name, result.skill)


def test_the_burn_rate_interval_covers_75_to_85_percent_of_next_hours() -> None:
    result = runout_backtest(synth.blocks(7, n=100))
    assert result.predicted > 400
    assert on_target(result), result.coverage
    assert result.skill is not None and result.skill > 0


def test_a_mis_specified_interval_fails_the_coverage_check() -> None:
    """The check can fail: a 50% interval presented as an 80% one is caught, and so is an
    interval fitted to scores from a much calmer past (the noise grows fivefold)."""
    history = synth.durations(7)
    assert not on_target(backtest(history, coverage=0.5))
    calm = synth.durations(8, n=300, sigma=0.1)
    wild = [Sample(s.ts + 1000, s.group, s.actual, s.base) for s in synth.durations(9, sigma=0.5)]
    assert not on_target(backtest(calm + wild, window=10_000))


def test_the_point_does_not_beat_the_mean_where_nothing_is_to_learn() -> None:
    """Honesty of the skill figure: on noise with no groups, no bias and no estimate, the median
    does not claim a large gain over the mean."""
    history = [Sample(float(i), "", math.exp(((i * 7919) % 1000) / 1000)) for i in range(300)]
    result = backtest(history)
    assert result.skill is not None and abs(result.skill) < 0.1


def test_zero_negative_and_non_finite_outcomes_are_left_out_not_crashed_on() -> None:
    history = [Sample(float(i), "a", 1.0 + i % 3) for i in range(30)]
    bad = [Sample(100.0, "a", 0.0), Sample(101.0, "a", -1.0), Sample(102.0, "a", math.inf),
           Sample(103.0, "a", 1.0, base=0.0)]  # fmt: skip
    assert fit(history + bad).n == 30


def test_a_group_uses_its_own_median_once_it_has_min_group_samples() -> None:
    history = [Sample(float(i), "slow", 100.0) for i in range(MIN_GROUP)]
    history += [Sample(float(10 + i), "fast", 1.0) for i in range(20)]
    walk = fit(history)
    slow, fast = walk.forecast("slow"), walk.forecast("fast")
    assert slow is not None and fast is not None
    assert slow.point == pytest.approx(100.0) and fast.point == pytest.approx(1.0)
    assert walk.forecast("never seen") is not None  # falls back to every group
    young = fit(history[1:])  # one sample short: the pooled median, pulled towards "fast"
    point = young.point("slow", None)
    assert point is not None and point < 100.0

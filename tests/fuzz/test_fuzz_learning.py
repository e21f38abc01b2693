"""Fuzzing the learning room (br_core/learning): the outcomes it reads come from the store, where
users, tools and transcripts put them.

Properties: the conformal bounds hold at least 80% of their own scores; a backtest or a run-out
prediction over any numbers (zero, negative, infinite, NaN, out of order) returns a result and
never raises; a run-out interval is ordered.
"""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from br_core.learning.conformal import Sample, backtest, conformal_bounds
from br_core.learning.runout import block_runout

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)
anything = st.floats(allow_nan=True, allow_infinity=True)
samples = st.lists(
    st.builds(
        Sample,
        ts=finite,
        group=st.sampled_from(["", "a", "b"]),
        actual=anything,
        base=st.none() | anything,
    ),
    max_size=60,
)
requests = st.lists(st.tuples(st.floats(0, 40_000), st.floats(0, 50)), max_size=80).map(sorted)


@given(st.lists(finite, min_size=9, max_size=200))
def test_conformal_bounds_hold_at_least_80_percent_of_their_scores(scores: list[float]) -> None:
    bounds = conformal_bounds(scores)
    assert bounds is not None
    low, high = bounds
    assert low <= high
    assert sum(low <= s <= high for s in scores) >= 0.8 * len(scores)


@given(samples)
def test_a_backtest_of_any_numbers_returns_a_result(history: list[Sample]) -> None:
    result = backtest(history)
    assert 0 <= result.covered <= result.predicted
    if result.mae is not None:
        assert math.isfinite(result.mae) or math.isinf(result.mae)


@given(st.lists(requests, max_size=6), requests, st.floats(0.01, 1000), st.floats(0, 20_000))
def test_a_runout_of_any_blocks_is_ordered_or_absent(
    history: list[list[tuple[float, float]]], current: list[tuple[float, float]],
    budget: float, elapsed: float,
) -> None:  # fmt: skip
    now = (current[0][0] if current else 0.0) + elapsed
    found = block_runout(history, current, budget, now, now + 5 * 3600)
    if found.low is not None and found.at is not None:
        assert found.low <= found.at
    if found.at is not None and found.high is not None:
        assert found.at <= found.high
    assert found.needs >= 0

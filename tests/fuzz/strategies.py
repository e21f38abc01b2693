"""Shared strategies: JSON values that reach odd corners, text mutations, one-line checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from hypothesis import strategies as st

from br_core.errors import BRError

T = TypeVar("T")

# Integers a parser meets in the wild and the ones that break it: negative, 2**63 and beyond.
ints = st.one_of(
    st.integers(min_value=-10, max_value=10_000),
    st.sampled_from([0, -1, 2**31, 2**63 - 1, 2**63, 2**64, -(2**63) - 1, 10**30]),
    st.integers(),
)
floats = st.one_of(
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from([0.5, 1e308, -1e308, 1e-308]),
)
# Text with the characters that trip encoders and line-based formats.
nasty_chars = st.sampled_from(["\0", "\n", "\r", "\u2028", "\ud800", "\udfff", "\ufeff", "é", "'"])
text = st.one_of(
    st.text(max_size=40),
    st.lists(st.one_of(st.text(max_size=5), nasty_chars), max_size=8).map("".join),
)
scalars = st.one_of(st.none(), st.booleans(), ints, floats, text)
json_values: st.SearchStrategy[Any] = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(text, inner, max_size=4)),
    max_leaves=12,
)


def mutate(base: str) -> st.SearchStrategy[str]:
    """`base` with a slice deleted, duplicated, or replaced by odd text."""

    def apply(args: tuple[int, int, int, str]) -> str:
        kind, i, j, insert = args
        i, j = sorted((i % (len(base) + 1), j % (len(base) + 1)))
        if kind == 0:
            return base[:i] + base[j:]
        if kind == 1:
            return base[:j] + base[i:j] + base[j:]
        return base[:i] + insert + base[j:]

    return st.tuples(st.integers(0, 2), st.integers(0, 10**6), st.integers(0, 10**6), text).map(
        apply
    )


def expected_or_value(call: Callable[[], T]) -> T | BRError:
    """Run `call`: its value, or the project's own error, checked to be one readable line.
    Anything else (a traceback for the user) propagates and fails the property."""
    try:
        return call()
    except BRError as exc:
        assert_one_line(exc.message)
        return exc


def assert_one_line(message: str) -> None:
    assert message.strip(), "an error without a message"
    assert "\n" not in message and "\r" not in message, f"a multi-line error: {message!r}"
    assert "Traceback" not in message, message

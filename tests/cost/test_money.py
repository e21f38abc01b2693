"""`usd`: how every `br` command prints a dollar amount."""

from __future__ import annotations

import pytest

from br_cli.money import usd


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0.0, "$0.0000"),
        (0.00056, "$0.0006"),  # a cheap request must not read as free
        (0.15, "$0.1500"),
        (0.99994, "$0.9999"),
        (1.0, "$1.00"),
        (1234.567, "$1,234.57"),
        (1_416.8385, "$1,416.84"),
        (-0.25, "-$0.2500"),  # a negative saving: the sign before the dollar
        (-1234.5, "-$1,234.50"),
    ],
)
def test_usd(value: float, expected: str) -> None:
    assert usd(value) == expected

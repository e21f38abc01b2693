"""USD amounts as every `br` command prints them."""

from __future__ import annotations


def usd(value: float) -> str:
    """`$1,234.56`; below a dollar four places (`$0.0006`), so that cheap usage does not read
    as free; a negative amount as `-$0.25`."""
    digits = 4 if abs(value) < 1 else 2
    return f"{'-' if value < 0 else ''}${abs(value):,.{digits}f}"

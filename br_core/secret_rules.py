"""Secret rules (data in rules/secrets.toml) and the matcher shared by the hook and masking.

Interim minimal version: replaced by the full rule engine (issue 2).
"""

from __future__ import annotations

import re

_INTERIM = re.compile(r"(?:sk-ant-[A-Za-z0-9_-]{20,}|ghp_[A-Za-z0-9]{36}|AKIA[0-9A-Z]{16})")


def find_secret_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every secret value in `text`, sorted, non-overlapping."""
    return [m.span() for m in _INTERIM.finditer(text)]

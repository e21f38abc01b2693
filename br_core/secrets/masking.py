"""Masking of secrets. Nothing that looks like a credential leaves BuildRunner in full.

`mask_value` shows the first 4 and last 4 characters of a long value (2 and 2 of a shorter
one); `sanitize_text` masks every secret the rules find in free text (telemetry, logs,
messages); `mask_random_tokens` is the backstop for credentials no rule knows: tokens that look
random, 12 characters and up. The detection rules are shared with the secrets hook (see
br_core/secrets/rules.py). Everything here is linear in the text.
"""

from __future__ import annotations

import re
from functools import lru_cache

MASK = "…"
# Backstop for secrets no rule knows. Long tokens (separators allowed) that mix upper, lower and
# digits and switch between those classes often, as random strings do; shorter runs of letters
# and digits when, on top of that, they hold no words (`iPhone15ProMax`, `OAuth2Client` do).
_LONG_TOKEN = re.compile(r"[A-Za-z0-9_+/=\-]{20,}")
_SHORT_TOKEN = re.compile(r"(?<![A-Za-z0-9])[A-Za-z0-9]{12,19}(?![A-Za-z0-9])")
_UPPER, _LOWER, _DIGIT = re.compile("[A-Z]"), re.compile("[a-z]"), re.compile("[0-9]")
_CLASS_RUNS = re.compile(r"[a-z]+|[A-Z]+|[0-9]+|[^A-Za-z0-9]+")
_CASE_SEGMENT = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")


def mask_value(value: str) -> str:
    """`abcd…wxyz` for a value of 20+ characters, `ab…yz` for 12 to 19 (showing four of
    twelve is still masking; eight is not); shorter values are hidden completely."""
    if len(value) < 12:
        return "*" * min(len(value), 8) if value else ""
    if len(value) < 20:
        return f"{value[:2]}{MASK}{value[-2:]}"
    return f"{value[:4]}{MASK}{value[-4:]}"


_REMEMBERED_CHARS = 512  # short texts come back often (a rule's text, a SQL sink): remembered


def sanitize_text(text: str) -> str:
    """`text` with every detected secret masked."""
    if len(text) <= _REMEMBERED_CHARS:
        return _sanitize_short(text)
    return _sanitize(text)


@lru_cache(maxsize=4096)
def _sanitize_short(text: str) -> str:
    return _sanitize(text)


def _sanitize(text: str) -> str:
    from br_core.secrets.rules import find_secret_spans  # local: keeps `import masking` cheap

    spans = find_secret_spans(text)
    if not spans:
        return text
    pieces: list[str] = []
    last = 0
    for start, end in spans:
        if start < last:
            continue
        pieces.append(text[last:start])
        pieces.append(mask_value(text[start:end]))
        last = end
    pieces.append(text[last:])
    return "".join(pieces)


def _mixes_classes(token: str) -> bool:
    """Upper, lower and digits, switching between classes at 40% of adjacent pairs or more.
    (Regexes, not a loop over characters: a 1 MB token costs milliseconds.)"""
    if not (_UPPER.search(token) and _LOWER.search(token) and _DIGIT.search(token)):
        return False
    switches = len(_CLASS_RUNS.findall(token)) - 1
    return switches / (len(token) - 1) >= 0.4


def looks_random(token: str) -> bool:
    """A token that reads like a random string rather than words, a name or a path. Below 20
    characters a token must also be made of short case segments (random `aZ3kQ9xLm2Pq`, 1 to 2
    characters each on average) rather than words and numbers (`iPhone15ProMax`)."""
    if not _mixes_classes(token):
        return False
    if len(token) >= 20:
        return True
    return len(token) / len(_CASE_SEGMENT.findall(token)) < 2.5


def mask_random_tokens(text: str) -> str:
    """`text` with random-looking tokens masked (after `sanitize_text`: for the unknown ones)."""
    text = _LONG_TOKEN.sub(lambda m: mask_value(m[0]) if looks_random(m[0]) else m[0], text)
    return _SHORT_TOKEN.sub(lambda m: mask_value(m[0]) if looks_random(m[0]) else m[0], text)

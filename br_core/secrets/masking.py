"""Masking of secrets. Nothing that looks like a credential leaves BuildRunner in full.

`mask_value` shows the first 4 and last 4 characters; `sanitize_text` masks every secret it
finds in free text (telemetry, logs, messages). The detection rules are shared with the
secrets hook (see br_core/secrets/rules.py).
"""

from __future__ import annotations

MASK = "…"


def mask_value(value: str) -> str:
    """`abcd…wxyz` for a value of 12+ characters; shorter values are hidden completely."""
    if len(value) < 12:
        return "*" * min(len(value), 8) if value else ""
    return f"{value[:4]}{MASK}{value[-4:]}"


def sanitize_text(text: str) -> str:
    """`text` with every detected secret masked."""
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

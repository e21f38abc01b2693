"""Seeded generator of fake secrets and of the labeled corpus (nothing realistic is committed).

`expand(template, rng)` replaces `[[charset:N]]` with N random characters from the charset, so
rule examples and corpus samples carry realistic-looking values built only at run time.
"""

from __future__ import annotations

import random
import re
import string

CHARSETS = {
    "alnum": string.ascii_letters + string.digits,
    "upper": string.ascii_uppercase,
    "lower": string.ascii_lowercase,
    "hex": "0123456789abcdef",
    "HEX": "0123456789ABCDEF",
    "digits": string.digits,
    "b64": string.ascii_letters + string.digits + "+/",
    "url": string.ascii_letters + string.digits + "_-",
    "updig": string.ascii_uppercase + string.digits,
}
_SLOT = re.compile(r"\[\[(\w+):(\d+)\]\]")


def rand(rng: random.Random, charset: str, length: int) -> str:
    alphabet = CHARSETS[charset]
    return "".join(rng.choice(alphabet) for _ in range(length))


def expand(template: str, rng: random.Random) -> str:
    """`template` with every `[[charset:N]]` slot filled from `rng`."""
    return _SLOT.sub(lambda m: rand(rng, m.group(1), int(m.group(2))), template)

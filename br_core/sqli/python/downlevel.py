"""Rewrite Python 3.12-only syntax into 3.11 syntax, keeping every line where it was.

A file that the running interpreter cannot parse would otherwise get only the token-level check
(no def-use, so weaker in both directions). Most 3.12-only files differ in a few spots: PEP 701
f-strings that reuse the outer quote inside a field (`f"{row["id"]}"`), `type X = ...` aliases and
PEP 695 generic parameters (`def first[T](...)`, `class Box[T]:`). Rewriting those (swapping the
inner quote, dropping the type parameters) gives the AST analysis a file it can read; positions
are unchanged because each rewrite keeps the line's newlines. Anything else still fails to parse
and falls back to the token-level check.
"""

from __future__ import annotations

import re

_TYPE_ALIAS = re.compile(
    r"^(?P<indent>[ \t]*)type[ \t]+(?P<name>\w+)[ \t]*(?:\[[^\]\n]*\])?[ \t]*=", re.M
)
_GENERIC = re.compile(
    r"^(?P<head>[ \t]*(?:async[ \t]+)?(?:def|class)[ \t]+\w+)\[[^\]\n]*\](?=[ \t]*[(:])", re.M
)
_STRING_START = re.compile(r"(?i)([rbuf]{0,2})('''|\"\"\"|'|\")")
_OTHER = {"'": '"', '"': "'"}


class _GiveUp(Exception):
    """The rewrite cannot keep the file's meaning; use the token-level check."""


def downlevel(src: str) -> str:
    """`src` with 3.12-only syntax rewritten for 3.11; raises ValueError when it cannot."""
    src = _TYPE_ALIAS.sub(lambda m: f"{m.group('indent')}{m.group('name')} =", src)
    src = _GENERIC.sub(lambda m: m.group("head"), src)
    try:
        return _rewrite_strings(src)
    except _GiveUp as exc:
        raise ValueError(str(exc)) from exc


def _rewrite_strings(src: str) -> str:
    out: list[str] = []
    i = 0
    while i < len(src):
        ch = src[i]
        if ch == "#":
            end = src.find("\n", i)
            end = len(src) if end < 0 else end
            out.append(src[i:end])
            i = end
            continue
        m = _STRING_START.match(src, i) if ch in "'\"rbufRBUF" else None
        if m and (i == 0 or not (src[i - 1].isalnum() or src[i - 1] == "_")):
            end, text = _string(src, i, None)
            out.append(text)
            i = end
            continue
        # ch and what follows up to the next character that can open a comment or a literal,
        # copied at once (character by character, this loop was most of the rewrite's time)
        end = _PLAIN_CODE.match(src, i + 1).end()  # type: ignore[union-attr]
        out.append(src[i:end])
        i = end
    return "".join(out)


# Up to a comment, a quote, or one or two prefix letters right before a quote (`f"`, `rb'`).
_PLAIN_CODE = re.compile(r"(?:(?![rbufRBUF]{1,2}['\"])[^#'\"])*")


def _string(src: str, i: int, outer: str | None) -> tuple[int, str]:
    """The literal starting at `i`: (end, its text with nested quotes made 3.11-legal).
    `outer` is the enclosing f-string's quote when this literal sits inside one of its fields."""
    m = _STRING_START.match(src, i)
    if m is None:
        raise _GiveUp("not a string")
    prefix, quote = m.group(1), m.group(2)
    new_quote = quote
    if outer is not None and quote == outer:
        if len(quote) == 3:
            raise _GiveUp("nested triple quote")
        new_quote = _OTHER[quote]
    fstring, raw = "f" in prefix.lower(), "r" in prefix.lower()
    parts = [prefix, new_quote]
    j = m.end()
    while j < len(src):
        if src.startswith(quote, j):
            parts.append(new_quote)
            return j + len(quote), "".join(parts)
        ch = src[j]
        if ch == "\n" and len(quote) == 1:
            raise _GiveUp("unterminated string")
        if ch == "\\" and not raw:
            parts.append(src[j : j + 2])
            j += 2
            continue
        if new_quote != quote and ch == new_quote:
            raise _GiveUp("the other quote is used inside")
        if fstring and ch == "{":
            if src.startswith("{{", j):
                parts.append("{{")
                j += 2
                continue
            j = _field(src, j, quote, parts)
            continue
        end = _PLAIN_TEXT.match(src, j + 1).end()  # type: ignore[union-attr]
        parts.append(src[j:end])  # ch and the characters after it that need no decision
        j = end
    raise _GiveUp("unterminated string")


_PLAIN_TEXT = re.compile(r"[^'\"\\{\n]*")


def _field(src: str, j: int, quote: str, parts: list[str]) -> int:
    """Copy one `{...}` replacement field starting at `j`; returns the index after it."""
    depth = 0
    while j < len(src):
        ch = src[j]
        if ch in "{[(":
            depth += 1
        elif ch in "}])":
            depth -= 1
            if depth == 0:
                parts.append(ch)
                return j + 1
        elif ch in "'\"" or (ch in "rbufRBUF" and _STRING_START.match(src, j)):
            if ch in "'\"" or not (src[j - 1].isalnum() or src[j - 1] == "_"):
                end, text = _string(src, j, quote if len(quote) == 1 else None)
                parts.append(text)
                j = end
                continue
        elif ch == "\n" and len(quote) == 1:
            raise _GiveUp("newline in a field")
        parts.append(ch)
        j += 1
    raise _GiveUp("unterminated field")

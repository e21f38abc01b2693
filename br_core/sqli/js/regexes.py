"""When a regular expression test validates a value for SQL (issue 17).

`if (!/^[a-z_]+$/.test(sort)) return` lets only words through; `/[A-Z]{2}/.test(code)` passes
`"US' OR 1=1 --"`, since an unanchored pattern matches a part of the value. A pattern validates
the whole value when every top-level alternative is anchored at both ends (`^…$`, and no `m`
flag: with it `^` and `$` hold at each line), and what it can consume holds none of the
characters that leave a quoted literal or end a statement: a quote, a backtick, a backslash,
a `;`. So `.`, `\\S`, `\\W`, `\\D`, a negated class that lets one of them through, or a range
that spans one (`[ -~]`) each fail it. Lookarounds consume nothing and are not read.
"""

from __future__ import annotations

import re

_DANGER = frozenset("'\"`\\;")
_SAFE_ESCAPES = frozenset("dwsbBntrvf0")  # classes and controls that hold no dangerous char
_UNSAFE_ESCAPES = frozenset("DWSP")  # `\D`, `\W`, `\S`, `\P{…}`: everything but a few
_LITERAL = re.compile(r"/(?P<body>(?:\\.|\[(?:\\.|[^\]\\])*\]|[^/\\\[\n])+)/(?P<flags>[a-z]*)")


def validates(literal: str) -> bool:
    """The regex literal `/body/flags` holds only for values that are safe in SQL as written."""
    m = _LITERAL.fullmatch(literal)
    if m is None or "m" in m.group("flags"):
        return False
    return whole_pattern(m.group("body"))


def whole_pattern(body: str) -> bool:
    """`body` (a pattern's source) is anchored at both ends and consumes no dangerous char."""
    alternatives = _top_level(body)
    if alternatives is None:
        return False
    return all(_anchored(alt) for alt in alternatives) and _consumes_safely(body)


def _top_level(body: str) -> list[str] | None:
    """`body` split at its top-level `|`; None when its brackets do not balance."""
    parts, depth, start, i, n = [], 0, 0, 0, len(body)
    while i < n:
        ch = body[i]
        if ch == "\\":
            i += 2
            continue
        if ch == "[":
            close = _class_end(body, i)
            if close < 0:
                return None
            i = close + 1
            continue
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                return None
        elif ch == "|" and depth == 0:
            parts.append(body[start:i])
            start = i + 1
        i += 1
    parts.append(body[start:])
    return parts if depth == 0 else None


def _anchored(alt: str) -> bool:
    if not alt.startswith("^") or not alt.endswith("$"):
        return False
    backslashes = len(alt[:-1]) - len(alt[:-1].rstrip("\\"))
    return backslashes % 2 == 0  # `\$` is a literal dollar sign, not the end


def _class_end(body: str, i: int) -> int:
    """The index of the `]` closing the class opened at `body[i]`, -1 when none."""
    j = i + 1
    if j < len(body) and body[j] == "^":
        j += 1
    if j < len(body) and body[j] == "]":
        j += 1  # `[]…]` in some dialects; in JS `[]` is empty, and a `]` here ends it
        return j - 1
    while j < len(body):
        if body[j] == "\\":
            j += 2
            continue
        if body[j] == "]":
            return j
        j += 1
    return -1


def _consumes_safely(body: str) -> bool:
    i, n = 0, len(body)
    while i < n:
        ch = body[i]
        if ch == "\\":
            if not _escape_safe(body[i + 1 : i + 2]):
                return False
            i += 2
        elif ch == "[":
            end = _class_end(body, i)
            if end < 0 or not _class_safe(body[i + 1 : end]):
                return False
            i = end + 1
        elif body.startswith(("(?=", "(?!", "(?<=", "(?<!"), i):
            i = _group_end(body, i) + 1  # a lookaround consumes nothing
        elif ch == "." or ch in _DANGER:
            return False
        else:
            i += 1
    return True


def _escape_safe(nxt: str) -> bool:
    if nxt in _UNSAFE_ESCAPES or nxt in {"x", "u", "c"}:
        return False  # `\x27` and `\u0027` are quotes; not worth decoding
    return nxt in _SAFE_ESCAPES or nxt.isdigit() or nxt == "p" or nxt not in _DANGER


def _group_end(body: str, i: int) -> int:
    depth, j = 0, i
    while j < len(body):
        ch = body[j]
        if ch == "\\":
            j += 2
            continue
        if ch == "[":
            j = max(_class_end(body, j), j) + 1
            continue
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0:
            return j
        j += 1
    return len(body)


def _class_safe(members: str) -> bool:
    """A character class holds no dangerous char: a negated one must exclude them all."""
    negated = members.startswith("^")
    chars: set[str] = set()
    wide = False  # `\W`, `\S`, `\D`: holds every dangerous char
    unknown = False  # `\x27`, `\u0027`, `\P{…}`: not decoded
    items = members[1:] if negated else members
    i, n = 0, len(items)
    while i < n:
        if items[i] == "\\":
            nxt = items[i + 1 : i + 2]
            if nxt in {"W", "S", "D"}:
                wide = True
            elif nxt in {"P", "x", "u", "c"}:
                unknown = True
            elif nxt not in _SAFE_ESCAPES and not nxt.isalnum():
                chars.add(nxt)
            i += 2
            continue
        if i + 2 < n and items[i + 1] == "-" and items[i + 2] != "\\":
            low, high = ord(items[i]), ord(items[i + 2])
            chars.update(c for c in _DANGER if low <= ord(c) <= high)
            i += 3
            continue
        chars.add(items[i])
        i += 1
    if negated:  # `[^'";\\`]` or `[^\W]`: what it excludes covers every dangerous char
        return (wide or chars >= _DANGER) and not unknown
    return not (wide or unknown or chars & _DANGER)

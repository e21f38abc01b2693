"""Loop variables, for br_core/sqli/js/names.py: `for (const c of COLUMNS) { … }` binds `c` to
each element of COLUMNS in turn, `for (const k in ORDER)` to each key of ORDER.

So a variable set from `c` inside the loop holds one of COLUMNS' elements: constant when all of
them are, untrusted when any is. Found from the token index: the file's `for (const|let|var …
of|in …)` heads, once, by the names they declare (alone or inside a destructuring pattern); a
name is a loop's variable where the loop's body encloses the sink. Its value is read by the
`evaluate` passed in (as in names.py).
"""

from __future__ import annotations

from dataclasses import dataclass

from br_core.sqli.js.calls import elements
from br_core.sqli.js.objects import object_keys
from br_core.sqli.js.scope import Ctx, Evaluate, Index
from br_core.sqli.js.tokens import Tok, until_end
from br_core.sqli.values import Val

_DECLARE = frozenset({"const", "let", "var"})


@dataclass(frozen=True)
class Loop:
    """What a loop variable stands for: an element (`of`) or a key (`in`) of `iterable`,
    read through a destructuring pattern (`[k, v]`, `{ id }`) when `pattern`."""

    iterable: list[Tok]
    keyword: str  # "of" or "in"
    pattern: bool
    at: int  # the head's `(`: where the iterable is read
    body: tuple[int, int]  # the first and last token of the body


def loop_binding(ctx: Ctx, name: str) -> Loop | None:
    """The innermost `for (… of|in …)` loop that declares `name` and whose body encloses
    the sink."""
    sink = ctx.sink
    inside = [
        loop for loop in _loops(ctx.index).get(name, ()) if loop.body[0] <= sink <= loop.body[1]
    ]
    return max(inside, key=lambda loop: loop.at, default=None)


def _loops(index: Index) -> dict[str, list[Loop]]:
    """Every `for (const|let|var … of|in …)` loop of the file by the names its head declares,
    found once: a sink's names are looked up, not searched for."""
    key = ("loops", "by name")
    found = index.memo.get(key)
    if isinstance(found, dict):
        return found
    toks, ends = index.toks, index.ends
    loops: dict[str, list[Loop]] = {}
    for k in index.where.get("for", []):
        paren = k + 2 if k + 1 < len(toks) and toks[k + 1].text == "await" else k + 1
        if (
            paren + 3 >= len(toks)
            or toks[paren].text != "("
            or toks[paren + 1].text not in _DECLARE
        ):
            continue
        start, close = paren + 2, ends[paren]
        pattern = toks[start].text in {"[", "{"}
        end = ends[start] if pattern else start
        if not 0 < end + 1 < close or toks[end + 1].text not in {"of", "in"}:
            continue  # `for (let i = 0; …)`
        body = (close + 1, _body_end(toks, ends, close))
        loop = Loop(toks[end + 2 : close], toks[end + 1].text, pattern, paren, body)
        for name in _bound(toks[start : end + 1]):
            loops.setdefault(name, []).append(loop)
    index.memo[key] = loops
    return loops


def _bound(binder: list[Tok]) -> list[str]:
    """The names a binding declares: `c`, `[k, v]`, `{ id, name: alias = 'x' }` (not keys,
    not what a default reads)."""
    return [
        t.text
        for j, t in enumerate(binder)
        if t.kind == "ident"
        and (j == 0 or binder[j - 1].text in {"[", "{", ",", ":", "..."})
        and (j + 1 == len(binder) or binder[j + 1].text != ":")
    ]


def _body_end(toks: list[Tok], ends: list[int], close: int) -> int:
    """The last token of the loop's body: its block's `}`, or the end of its one statement."""
    if close + 1 >= len(toks):
        return close
    if toks[close + 1].text == "{":
        return ends[close + 1]
    return close + len(until_end(toks, close + 1, ends))


def loop_values(evaluate: Evaluate, ctx: Ctx, name: str, depth: int) -> list[Val]:
    """`for (const c of COLUMNS)`: any element of COLUMNS; `for (const k in ORDER)`: any key
    of ORDER; through a pattern (`const [key, value] of Object.entries(o)`), any part of one.
    Empty when no loop around the sink declares `name`."""
    loop = loop_binding(ctx, name)
    if loop is None:
        return []
    here = Ctx(ctx.src, ctx.toks, ctx.toks[loop.at].pos, ctx.index)
    if loop.keyword == "in":
        keys = object_keys(evaluate, here, loop.iterable, depth + 1)
        if keys is not None:
            return [keys]
        return [elements(evaluate(here, loop.iterable, depth + 1))]  # `in req.query`
    element = elements(evaluate(here, loop.iterable, depth + 1))
    return [elements(element) if loop.pattern else element]

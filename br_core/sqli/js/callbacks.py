"""Parameters of callbacks, for br_core/sqli/js/names.py: `ids.map(id => …)`,
`fetchName().then(name => …)`, `rows.forEach(function (row) { … })`.

A callback's parameter holds what its receiver yields: an element of the array, the value of
the promise. Found from the token index: the nearest occurrence of the name before the sink
that is the first parameter of a function passed to one of these methods, whose call still
encloses the sink.
"""

from __future__ import annotations

import bisect
import re

from br_core.sqli.js.scope import Ctx
from br_core.sqli.js.tokens import Tok

# methods whose callback's first parameter is an element of the receiver (or its value)
ELEMENT_METHODS = frozenset(
    {"map", "flatMap", "forEach", "filter", "find", "some", "every", "then", "finally"}
)
_LOOKBACK = 50  # occurrences of the name examined before one sink


def callback_receiver(ctx: Ctx, name: str) -> tuple[str, list[Tok], int | None] | None:
    """(method, receiver tokens, slot) when `name` at the sink is the first parameter of a
    callback passed to `<receiver>.<method>(…)` that encloses the sink, or (slot: its
    position) a name of the array pattern that parameter is (`([key, value]) =>`); else
    None."""
    index, toks = ctx.index, ctx.toks
    if not _first_parameter(ctx, name):
        return None
    sink = ctx.sink
    for k in ctx.nearest_before(name, _LOOKBACK):
        pattern = _in_pattern(toks, k, index.ends)
        call = _callback_call(toks, pattern[0] if pattern else k, index.ends)
        if call is None or index.ends[call] < sink:
            continue
        method = toks[call - 1].text
        if method not in ELEMENT_METHODS or call < 3 or toks[call - 2].text not in {".", "?."}:
            return None
        return method, _receiver(toks, call - 2, index.ends), pattern[1] if pattern else None
    return None


_PATTERN_NAMES = 16  # tokens an array pattern of names is read back for, at most


def _in_pattern(toks: list[Tok], k: int, ends: list[int]) -> tuple[int, int] | None:
    """(the `[` token, the position) when token k is a plain name of an array pattern
    (`[key, , value]`, holes counted) that stands first in a parameter list; else None."""
    position = 0
    j = k - 1
    while j >= max(0, k - _PATTERN_NAMES):
        text = toks[j].text
        if text == "[":
            first = j > 0 and toks[j - 1].text == "("
            return (j, position) if first and ends[j] > k else None
        if text == ",":
            position += 1
        elif toks[j].kind != "ident":
            return None  # a default, a nested pattern, a rest element: not read here
        j -= 1
    return None


# array methods whose callback's second parameter is the element's position, a number
_POSITION_METHODS = frozenset(
    {"map", "flatMap", "forEach", "filter", "find", "findIndex", "some", "every"}
)


def position_parameter(ctx: Ctx, name: str) -> bool:
    """`name` at the sink is the second parameter of a callback passed to an array method
    (`ids.map((_, i) => '$' + (i + 1))`): the element's index, a number whatever the array
    holds."""
    index, toks = ctx.index, ctx.toks
    places = _second_parameters(ctx, name)
    if not places:
        return False
    sink = ctx.sink
    for k in reversed(places[max(0, bisect.bisect_left(places, sink) - _LOOKBACK) :]):
        if k >= sink:
            continue
        first = k - 2 if toks[k - 2].kind == "ident" else index.opener(k - 2)
        call = _callback_call(toks, first, index.ends) if first is not None else None
        if call is None or index.ends[call] < sink:
            continue
        return toks[call - 1].text in _POSITION_METHODS and toks[call - 2].text in {".", "?."}
    return False


def _second_parameters(ctx: Ctx, name: str) -> list[int]:
    """Where `name` stands second in a callback's parameter list, `(a, name) =>`,
    `([k, v], name) =>` or `function (a, name)`, found once per name: most names a sink
    reads never do."""
    key = ("position", name)
    found = ctx.index.memo.get(key)
    if not isinstance(found, list):
        toks = ctx.toks
        last = len(toks) - 1
        found = [
            k
            for k in ctx.index.where.get(name, ())
            if 4 <= k < last - 1
            and toks[k - 1].text == ","
            and toks[k + 1].text == ")"
            and (
                (toks[k - 2].kind == "ident" and toks[k - 3].text == "(")
                or toks[k - 2].text in {"]", "}"}  # `([key], i) =>`, `({ id }, i) =>`
            )
            and (toks[k + 2].text == "=>" or toks[k - 4].text == "function")
        ]
        ctx.index.memo[key] = found
    return found


def ignores_element(fn: list[Tok]) -> bool:
    """The function literal `fn` passed to `map` never reads its first parameter (`() => '?'`,
    `(_, i) => '$' + (i + 1)`, `function (row, n) { return `$${n + 1}`; }`): what it returns
    is made without the array's elements."""
    head = fn[1:] if fn and fn[0].text == "async" else fn
    if head and head[0].text == "function":
        head = head[2:] if len(head) > 1 and head[1].kind == "ident" else head[1:]
    if not head:
        return False
    if head[0].text == "(":
        close = next((j for j, t in enumerate(head) if t.text == ")"), -1)
        params, body = head[1:close], head[close + 1 :]
        first = params[0] if params else None
        if first is not None and first.kind != "ident":
            return False  # `({ id }) =>`, `([k, v]) =>`: a pattern reads the element
    elif head[0].kind == "ident" and len(head) > 1 and head[1].text == "=>":
        first, body = head[0], head[1:]
    else:
        return False
    return first is None or not _reads(body, first.text)


def _reads(body: list[Tok], name: str) -> bool:
    """`name` occurs in `body`, in a template's `${…}` too."""
    word = re.compile(rf"(?<![\w$.]){re.escape(name)}(?![\w$])")
    return any(
        (t.kind == "ident" and t.text == name)
        or (t.kind == "tmpl" and any(word.search(e) for e in t.exprs))
        for t in body
    )


def _first_parameter(ctx: Ctx, name: str) -> bool:
    """`name` is right after `(`, before `=>` or in a list (an array pattern's names are)
    somewhere in the file, answered once per name
    from its occurrences: a name never there is no callback's parameter, and most names a sink
    reads are not (a pass over every token of the file for this took 0.1 s on 1 MB)."""
    key = ("callbacks", name)
    found = ctx.index.memo.get(key)
    if not isinstance(found, bool):
        toks = ctx.toks
        last = len(toks) - 1
        found = any(
            0 < k < last and (toks[k + 1].text in {"=>", "]", ","} or toks[k - 1].text == "(")
            for k in ctx.index.where.get(name, ())
        )
        ctx.index.memo[key] = found
    return found


def _callback_call(toks: list[Tok], k: int, ends: list[int]) -> int | None:
    """The `(` of the call whose first argument's first parameter is token k:
    `(name =>`, `((name, i) =>`, `(function (name) {`, `(async name =>`."""
    j = k - 1
    if k + 1 < len(toks) and toks[k + 1].text == "=>":
        pass  # `name =>`: j is the call's `(`
    elif j >= 0 and toks[j].text == "(":
        close = ends[j]
        if not (0 <= close < len(toks) - 1 and toks[close + 1].text in {"=>", "{", ":"}):
            return None  # `f(name)`: a call, not a parameter list
        j -= 1  # `(name, i) =>` or `function (name)`: step over the parameter list's `(`
        if j >= 0 and toks[j].kind == "ident" and toks[j].text not in {"async", "function"}:
            j -= 1  # `function name(`
        if j >= 0 and toks[j].text == "function":
            j -= 1
    else:
        return None
    if j >= 0 and toks[j].text == "async":
        j -= 1
    return j if j >= 0 and toks[j].text == "(" else None


def _receiver(toks: list[Tok], dot: int, ends: list[int]) -> list[Tok]:
    """The member-and-call chain that ends just before token `dot`: `req.query.ids`,
    `db.load(id)`, `Promise.resolve(x)`."""
    openers = {end: k for k, end in _bracket_pairs(toks, dot, ends)}
    j = dot - 1
    while j >= 0:
        tok = toks[j]
        if tok.text in {")", "]"}:
            if j not in openers:
                return []
            j = openers[j]
            if j and (toks[j - 1].kind == "ident" or toks[j - 1].text in {")", "]"}):
                j -= 1  # `f(x)`, `a[0]`: a call or an index in the chain
                continue
            break  # `[a, b]`, `(x)`: the chain starts at this bracket
        if tok.kind == "ident" and j > 1 and toks[j - 1].text in {".", "?."}:
            j -= 2
        elif tok.kind in {"ident", "str", "tmpl"}:
            break
        else:
            return []
    return toks[max(j, 0) : dot]


def _bracket_pairs(toks: list[Tok], dot: int, ends: list[int]) -> list[tuple[int, int]]:
    """(opening, closing) for brackets that close in the 400 tokens before `dot`."""
    low = max(0, dot - 400)
    return [(k, ends[k]) for k in range(low, dot) if ends[k] >= 0 and ends[k] < dot]

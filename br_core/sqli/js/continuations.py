"""Parameters of a callback a private function of the file calls back, for expressions.py.

`checkSpecies(req.query.species, (err, species) => { db.all(`… '${species}'`) })` where the
file declares `function checkSpecies(s, cb) { if (!SPECIES.has(s)) return cb(err); cb(null,
s); }`: `species` holds what checkSpecies passes back in that position, read where it calls
`cb` (there `s` is guarded, and `s` is what checkSpecies's callers give it). Conservative:
the called function is private to the file and only ever called (callers.py), declared once
with a plain parameter in the callback's position, and that parameter is only called in its
body (passed on, `cb.call(…)` or stored, the values it gets are not known).
"""

from __future__ import annotations

from br_core.sqli.js.callers import private_calls
from br_core.sqli.js.scope import Ctx, Index
from br_core.sqli.js.tokens import Tok, slots, split_top, until_close

Sites = list[tuple[int, list[Tok]]]  # (the call back's token, what it passes: [] when nothing)
_BACK = 400  # tokens read back from a callback for the call it is an argument of


def callback_sites(ctx: Ctx, name: str) -> tuple[str, Sites] | None:
    """(a key naming the callback's parameter, each call back with what it passes there) when
    `name` at the sink is a parameter of a function literal passed to a private function of
    the file that calls it back; None otherwise."""
    index = ctx.index
    scopes = index.bindings()
    scope = scopes.resolve(name, min(ctx.sink, len(index.toks) - 1))
    if (scope, name) not in scopes.params:
        return None
    key = ("called back", f"{scope}:{name}")
    if key not in index.memo:
        index.memo[key] = _sites_uncached(index, scope, name)
    found = index.memo[key]
    return (key[1], found) if isinstance(found, list) else None


def _sites_uncached(index: Index, brace: int, name: str) -> Sites | None:
    literal = function_literal(index, brace)
    if literal is None:
        return None
    start, params = literal
    position = next((j for j, p in enumerate(params) if p and p[0].text == name), -1)
    passed = argument_of(index, start) if position >= 0 else None
    toks = index.toks
    if passed is None or passed[0] < 1 or toks[passed[0] - 1].kind != "ident":
        return None
    paren, slot = passed
    if paren >= 2 and toks[paren - 2].text in {".", "?.", "new"}:
        return None  # `lib.check(…)`, `new Check(…)`: not a function of this file
    fn = toks[paren - 1].text
    calls = private_calls(index, fn)
    body = _declared_body(index, fn, slot) if calls is not None else None
    if body is None:
        return None
    cb, opening, close = body
    sites: Sites = []
    for k in index.where.get(cb, []):
        if not opening < k < close:
            continue
        if toks[k - 1].text in {".", "?."}:
            continue  # `obj.cb`: another name
        if toks[k + 1].text != "(":
            return None  # passed on or stored: called back with values not seen here
        args = split_top(until_close(toks, k + 2, index.ends), {","})
        sites.append((k, args[position] if position < len(args) else []))
    return sites or None


def function_literal(index: Index, brace: int) -> tuple[int, list[list[Tok]]] | None:
    """(its first token, its parameters) of the function literal whose body opens at
    `brace`: `(a, b) => {`, `async (a) => {`, `function (a, b) {`; None for another."""
    toks = index.toks
    close = brace - 2 if toks[brace - 1].text == "=>" else brace - 1
    if close < 0 or toks[close].text != ")":
        return None
    opening = _opening(index, close)
    if opening is None or opening < 1:
        return None
    start = opening
    if toks[brace - 1].text != "=>":
        if toks[opening - 1].text != "function":
            return None  # a named function or a method: not a literal passed along
        start = opening - 1
    if start > 0 and toks[start - 1].text == "async":
        start -= 1
    return start, slots(toks[opening + 1 : close])


_PARAMS = 64  # tokens a parameter list is read back for, at most


def _opening(index: Index, close: int) -> int | None:
    """The `(` of the parameter list that closes at token `close`, read back a short way (the
    index's map of every bracket is built for the whole file: a cost the first sink that is
    no callback's parameter should not pay)."""
    for j in range(close - 1, max(-1, close - _PARAMS), -1):
        if index.ends[j] == close:
            return j
    return None


def argument_of(index: Index, start: int) -> tuple[int, int] | None:
    """(the `(` of the call, the argument's position) when the expression starting at token
    `start` is an argument of a call (`fn(…)`, `app.get(…)`)."""
    toks = index.toks
    depth, commas = 0, 0
    for j in range(start - 1, max(-1, start - _BACK), -1):
        text = toks[j].text if toks[j].kind == "punct" else ""
        if text in {")", "]", "}"}:
            depth += 1
        elif text in {"(", "[", "{"}:
            if depth == 0:
                return (j, commas) if text == "(" else None
            depth -= 1
        elif text == "," and depth == 0:
            commas += 1
        elif text == ";" and depth == 0:
            return None
    return None


def _declared_body(index: Index, fn: str, slot: int) -> tuple[str, int, int] | None:
    """(the parameter's name, the body's `{`, its `}`) of `function fn(…) {` or `const fn =
    (…) => {` for the parameter at `slot`, when it is a plain name."""
    toks = index.toks
    for k in index.where.get(fn, []):
        prev = toks[k - 1].text if k else ""
        if prev == "function":
            opening = k + 1
        elif prev in {"const", "let", "var"} and k + 2 < len(toks) and toks[k + 1].text == "=":
            opening = k + 3 if toks[k + 2].text == "async" else k + 2
        else:
            continue
        if opening >= len(toks) or toks[opening].text != "(":
            return None
        close = index.ends[opening]
        brace = close + 2 if close + 1 < len(toks) and toks[close + 1].text == "=>" else close + 1
        if close < 0 or brace >= len(toks) or toks[brace].text != "{":
            return None
        params = slots(toks[opening + 1 : close])
        param = params[slot] if slot < len(params) else []
        typed = len(param) > 1 and param[1].text in {":", "?"}  # `next: (n: number) => void`
        if not param or param[0].kind != "ident" or not (len(param) == 1 or typed):
            return None
        return param[0].text, brace, index.ends[brace]
    return None

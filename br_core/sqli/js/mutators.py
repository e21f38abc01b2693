"""Local helpers that write to the object passed in, for br_core/sqli/js/names.py.

`function applyFilters(target, query) { target.status = query.status; }` called as
`applyFilters(f, req.query)` sets `f.status` from the request: the write happens inside the
helper, at the call. Found from the token index: an occurrence of the object's name before the
sink that is a whole argument of a call to a function declared once in this file
(`function name(…) {…}`, `const name = (…) => {…}`, `const name = function (…) {…}`), and the
writes that helper's body makes to the parameter in that position (`t.a = x`, `t[k] = x`,
`Object.assign(t, x)`, as br_core/sqli/js/fields.py reads them).
"""

from __future__ import annotations

import bisect

from br_core.sqli.js.fields import Write, write_at
from br_core.sqli.js.fold import dead_at
from br_core.sqli.js.scope import Ctx, Index
from br_core.sqli.js.tokens import Tok, slots, split_top, until_close

# (the call's token, the write inside the helper, the call's arguments)
HelperWrite = tuple[int, Write, list[list[Tok]]]
Helper = tuple[list[str], int]  # parameter names by position ("" for a pattern), body `{`
_LOOKBACK = 200  # occurrences of the object's name examined before one sink
_ARGS_BACK = 100  # tokens walked back from an argument to its call's `(`
_HEAD = 40  # tokens between a parameter list's `)` and the body's `{` (a return type)


def helper_writes(ctx: Ctx, name: str, path: list[str]) -> list[HelperWrite]:
    """The writes local helpers make to `name.<path>` at calls before the sink that pass
    `name` itself, in file order."""
    index, toks = ctx.index, ctx.toks
    if name == "this":
        return []
    where = index.where.get(name, [])
    sink = ctx.sink
    hi = bisect.bisect_left(where, sink)
    scopes = index.bindings()
    target = scopes.resolve(name, max(sink - 1, 0))
    out: list[HelperWrite] = []
    for k in where[max(0, hi - _LOOKBACK) : hi]:
        if not (0 < k < len(toks) - 1 and toks[k - 1].text in {"(", ","}):
            continue
        if toks[k + 1].text not in {",", ")"}:
            continue  # `f(o.id)`, `f(o + x)`: not the object itself
        found = _call_of(toks, k)
        if found is None:
            continue
        opening, position = found
        helper = local_helper(index, toks[opening - 1].text) if opening else None
        if helper is None or position >= len(helper[0]) or not helper[0][position]:
            continue
        if dead_at(index, toks[k].pos) or scopes.resolve(name, k) != target:
            continue
        args = split_top(until_close(toks, opening + 1, index.ends), {","})
        out.extend((k, w, args) for w in _writes_to(index, helper, position, path))
    return out


def _call_of(toks: list[Tok], k: int) -> tuple[int, int] | None:
    """(the `(` of the call whose argument token k is, k's position among the arguments);
    None when token k is not directly inside a call's parentheses."""
    depth = 0
    commas = 0
    for j in range(k - 1, max(-1, k - _ARGS_BACK), -1):
        text = toks[j].text if toks[j].kind == "punct" else ""
        if text in {")", "]", "}"}:
            depth += 1
        elif text in {"(", "[", "{"}:
            if depth == 0:
                callee = j > 0 and toks[j - 1].kind == "ident"
                dotted = j > 1 and toks[j - 2].text in {".", "?."}
                return (j, commas) if text == "(" and callee and not dotted else None
            depth -= 1
        elif text == "," and depth == 0:
            commas += 1
    return None


def local_helper(index: Index, name: str) -> Helper | None:
    """The parameters and body of the one function declared as `name` in this file; None for
    anything else (a method, an import, two declarations, an expression-bodied arrow)."""
    key = ("helper", name)
    if key not in index.memo:
        index.memo[key] = _local_helper(index, name)
    found = index.memo[key]
    return found if isinstance(found, tuple) else None


def _local_helper(index: Index, name: str) -> Helper | None:
    toks = index.toks
    decls = [
        k
        for k in index.where.get(name, [])
        if k and toks[k - 1].text in {"function", "const", "let", "var"}
    ]
    if len(decls) != 1:
        return None
    k = decls[0]
    opening = k + 1
    if toks[k - 1].text != "function":  # `const name = [async] [function [name]] (`
        opening = k + 2 if k + 2 < len(toks) and toks[k + 1].text == "=" else len(toks)
        for word in ("async", "function"):
            if opening < len(toks) and toks[opening].text == word:
                opening += 1
        if opening < len(toks) and toks[opening].kind == "ident":
            opening += 1  # `function inner(`
    if opening >= len(toks) or toks[opening].text != "(" or index.ends[opening] < 0:
        return None
    close = index.ends[opening]
    brace = next(
        (j for j in range(close + 1, min(close + _HEAD, len(toks))) if toks[j].text == "{"), -1
    )
    if brace < 0 or index.bindings().function_of.get(brace) != brace:
        return None
    names = [p[0].text if len(p) >= 1 and p[0].kind == "ident" else "" for p in slots(
        toks[opening + 1 : close]
    )]  # fmt: skip
    return names, brace


def _writes_to(index: Index, helper: Helper, position: int, path: list[str]) -> list[Write]:
    """The writes the helper's body makes to `<parameter>.<path>`."""
    params, brace = helper
    param = params[position]
    toks, ends = index.toks, index.ends
    scopes = index.bindings()
    where = index.where.get(param, [])
    out: list[Write] = []
    lo, hi = bisect.bisect_right(where, brace), bisect.bisect_left(where, ends[brace])
    for j in where[lo:hi]:
        if toks[j - 1].text in {".", "?."} or scopes.resolve(param, j) != brace:
            continue  # another object's field, or a local that hides the parameter
        found = write_at(toks, j, path, ends)
        if found is not None and not dead_at(index, toks[j].pos):
            out.extend(found)
    return out

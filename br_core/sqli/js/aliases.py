"""Writes through an alias, for br_core/sqli/js/names.py.

Objects and arrays are references: after `const r = rows[0]; r.val = req.query.x`,
`rows[0].val` (and `rows.map((o) => o.val)`) holds the request's text, and after
`const inner = cfg.inner; inner.col = x`, so does `cfg.inner.col`. An alias is a declaration
`const|let|var A = name<path>` (`path` of `.key` and `[i]` reads, possibly empty) or
`A = name.find(…)` (`at`, `findLast`: one element). What the writes to `A`'s fields put there
(br_core/sqli/js/fields.py) is part of `name` under `path` and the write's own keys.
"""

from __future__ import annotations

import bisect

from br_core.sqli.js.calls import nested
from br_core.sqli.js.fields import ANY, field_writes, member_path
from br_core.sqli.js.scope import Ctx, Evaluate
from br_core.sqli.js.tokens import Tok, split_top, until_close, until_end
from br_core.sqli.values import Val, merge

_DECLARES = frozenset({"const", "let", "var"})
_PICKS = frozenset({"find", "findLast", "at"})  # one element of the array
_ADDS = frozenset({"push", "unshift"})
_FILE = ("aliases", "file")  # the memo key of the file's aliases, per name
_LOOKBACK = 200  # occurrences of an alias read after its declaration
_TYPE_TOKENS = 12  # a type annotation read between an alias's name and its `=`
# (the token of `name` in the alias's value, the alias, the keys it points at in `name`)
Alias = tuple[int, str, list[str]]
_NONE: list[Alias] = []  # (never written to: what a name without aliases gets)


def aliases(ctx: Ctx, name: str) -> list[Alias]:
    """The aliases of `name` the file declares, each with the keys (`ANY` for an element not
    known) it points at in `name`, in file order."""
    found = ctx.index.memo.get(_FILE)
    if not isinstance(found, dict):
        found = ctx.index.memo[_FILE] = _all_aliases(ctx)
    return found.get(name, _NONE)


def _all_aliases(ctx: Ctx) -> dict[str, list[Alias]]:
    """Per name, its aliases: one pass over the declarations of the file (most names have
    none, and each identifier read asks)."""
    toks, ends = ctx.toks, ctx.index.ends
    out: dict[str, list[Alias]] = {}
    for word in _DECLARES:
        for d in ctx.index.where.get(word, []):
            k = _value_start(toks, d)  # `const A = name…`, `const A: T = name…`
            if k is None or toks[k].kind != "ident":
                continue
            if toks[d + 1].kind != "ident" or toks[d + 1].text == toks[k].text:
                continue
            keys = _keys(toks, k, until_end(toks, k, ends), ends)
            if keys is not None:
                out.setdefault(toks[k].text, []).append((k, toks[d + 1].text, keys))
    for found in out.values():
        found.sort()
    return out


def _reassigned(ctx: Ctx, alias: str, at: int) -> bool:
    """`alias = …` after its declaration (token `at`) and before the sink: from there it names
    another object. The nearest occurrences are read, at most `_LOOKBACK`."""
    toks, where = ctx.toks, ctx.index.where.get(alias, [])
    lo, hi = bisect.bisect_right(where, at), bisect.bisect_left(where, ctx.sink)
    return any(
        toks[k + 1].text == "=" and toks[k - 1].text != "."
        for k in where[lo : min(hi, lo + _LOOKBACK)]
        if k + 1 < len(toks)
    )


def _value_start(toks: list[Tok], d: int) -> int | None:
    """The first token of the value `const A = …` (token d is `const`) declares, past a
    type annotation (`const r: Row = …`); None for a pattern or no value."""
    j = d + 2
    if j < len(toks) and toks[j].text == ":":
        for j in range(d + 3, min(len(toks), d + _TYPE_TOKENS)):
            if toks[j].text in {"=", ";", ",", "{", ")"} and toks[j].kind == "punct":
                break
            if toks[j].text == "(":
                return None  # a function type: not read
    return j + 1 if j + 1 < len(toks) and toks[j].text == "=" else None


def _keys(toks: list[Tok], k: int, value: list[Tok], ends: list[int]) -> list[str] | None:
    """Where in the object named at token k the whole expression `value` points: `rows[0]`
    at ["0"], `cfg.a.b` at ["a", "b"], `rows.find(…)` at an element not known; None for any
    other expression."""
    keys, j = member_path(toks, k + 1, ends)
    end = k + len(value)
    if j == end:
        return keys
    if keys and keys[-1] in _PICKS and j < end and toks[j].text == "(" and ends[j] == end - 1:
        return [*keys[:-1], ANY]
    return None


def aliased(evaluate: Evaluate, ctx: Ctx, name: str, path: list[str], depth: int) -> Val | None:
    """What writes through aliases declared before the sink may put in `name.<path>` (`r.val
    = x` of `r = rows[0]` puts x in `rows[0].val`, and `Val(elems=x)` in `rows[0]`); None
    when no alias writes anything untrusted there."""
    found = aliases(ctx, name)
    if not found:
        return None
    vals = []
    sink = ctx.sink
    for at, alias, keys in found:
        if at >= sink:
            break
        if _reassigned(ctx, alias, at):
            continue
        for k, kind, rhs in field_writes(ctx, alias, []):
            if k <= at:
                continue  # a write to an earlier variable of that name
            own, _ = member_path(ctx.toks, k + 1, ctx.index.ends)
            if own and own[-1] in _ADDS:
                own = [*own[:-1], ANY]  # `r.tags.push(x)`: x is one of `r.tags`'s elements
            full = keys + own
            if any(a != b and ANY not in (a, b) for a, b in zip(full, path, strict=False)):
                continue  # `r.limit = …` says nothing of `rows[0].val`
            here = Ctx(ctx.src, ctx.toks, ctx.toks[k].pos, ctx.index)
            if kind == "elements":
                parts = [p for p in split_top(rhs, {","}) if p]
                val = merge(*(evaluate(here, p, depth + 1) for p in parts))
            else:  # a field's value, or (`Object.assign(r, x)`) x's fields as r's own
                val = evaluate(here, rhs, depth + 1)
            for _ in range(len(full) - len(path)):
                val = Val(elems=val)
            vals.append(nested(val, len(path) - len(full)))
        vals += _added(evaluate, ctx, alias, at, keys, path, depth)
    untrusted = [v for v in vals if _untrusted(v)]
    return merge(*untrusted) if untrusted else None


def _untrusted(val: Val) -> bool:
    return bool(val.taint) or (val.elems is not None and _untrusted(val.elems))


def _added(
    evaluate: Evaluate, ctx: Ctx, alias: str, at: int, keys: list[str], path: list[str], depth: int
) -> list[Val]:
    """`A.push(x)` / `A.unshift(x)` on the alias itself, after it is declared and before the
    sink: x is one more element of `name.<keys>`."""
    toks, sink = ctx.toks, ctx.sink
    full = [*keys, ANY]
    if any(a != b and ANY not in (a, b) for a, b in zip(full, path, strict=False)):
        return []
    vals = []
    for k in ctx.index.where.get(alias, []):
        if not at < k < sink or k + 3 >= len(toks) or toks[k - 1].text in {".", "?."}:
            continue
        if toks[k + 1].text != "." or toks[k + 2].text not in _ADDS or toks[k + 3].text != "(":
            continue
        here = Ctx(ctx.src, toks, toks[k].pos, ctx.index)
        args = [a for a in split_top(until_close(toks, k + 4, ctx.index.ends), {","}) if a]
        val = merge(*(evaluate(here, a, depth + 1) for a in args))
        for _ in range(len(full) - len(path)):
            val = Val(elems=val)
        vals.append(nested(val, len(path) - len(full)))
    return vals

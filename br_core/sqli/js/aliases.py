"""Writes through an alias, for br_core/sqli/js/names.py.

Objects and arrays are references: after `const r = rows[0]; r.val = req.query.x`,
`rows[0].val` (and `rows.map((o) => o.val)`) holds the request's text, and after
`const inner = cfg.inner; inner.col = x`, so does `cfg.inner.col`. An alias is a declaration
`const|let|var A = name<path>` (`path` of `.key` and `[i]` reads, possibly empty) or
`A = name.find(…)` (`at`, `findLast`: one element). What the writes to `A`'s fields put there
(br_core/sqli/js/fields.py) is part of `name` under `path` and the write's own keys.
"""

from __future__ import annotations

from br_core.sqli.js.calls import nested
from br_core.sqli.js.fields import ANY, field_writes, member_path
from br_core.sqli.js.scope import Ctx, Evaluate
from br_core.sqli.js.tokens import Tok, split_top, until_end
from br_core.sqli.values import Val, merge

_DECLARES = frozenset({"const", "let", "var"})
_PICKS = frozenset({"find", "findLast", "at"})  # one element of the array
_ADDS = frozenset({"push", "unshift"})
# (the token of `name` in the alias's value, the alias, the keys it points at in `name`)
Alias = tuple[int, str, list[str]]


def aliases(ctx: Ctx, name: str) -> list[Alias]:
    """The aliases of `name` the file declares, each with the keys (`ANY` for an element not
    known) it points at in `name`, in file order."""
    found = ctx.index.memo.get(("aliases", "file"))
    if not isinstance(found, dict):
        found = _all_aliases(ctx)
        ctx.index.memo[("aliases", "file")] = found
    return found.get(name, [])


def _all_aliases(ctx: Ctx) -> dict[str, list[Alias]]:
    """Per name, its aliases: one pass over the declarations of the file (most names have
    none, and each identifier read asks)."""
    toks, ends = ctx.toks, ctx.index.ends
    out: dict[str, list[Alias]] = {}
    for word in _DECLARES:
        for d in ctx.index.where.get(word, []):
            k = d + 3  # `const A = name…`
            if k >= len(toks) or toks[d + 2].text != "=" or toks[k].kind != "ident":
                continue
            if toks[d + 1].kind != "ident" or toks[d + 1].text == toks[k].text:
                continue
            keys = _keys(toks, k, until_end(toks, k, ends), ends)
            if keys is not None:
                out.setdefault(toks[k].text, []).append((k, toks[d + 1].text, keys))
    for found in out.values():
        found.sort()
    return out


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
    untrusted = [v for v in vals if _untrusted(v)]
    return merge(*untrusted) if untrusted else None


def _untrusted(val: Val) -> bool:
    return bool(val.taint) or (val.elems is not None and _untrusted(val.elems))

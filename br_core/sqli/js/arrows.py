"""Parameters of arrow functions with an expression body, for br_core/sqli/js/names.py.

`const count = (region) => conn.query(`… ${region}`)` opens no block, so the scopes of
br_core/sqli/js/bindings.py do not see that `region` there is the parameter, not an outer
`const region = req.query.region`. Found from the token index: the nearest occurrence of the
name before the sink that is a parameter of `(…) =>` or `name =>` whose expression body holds
the sink; the arrow's name (`const count = …`) lets the analyzer read its call sites.
"""

from __future__ import annotations

from br_core.sqli.js.scope import Ctx
from br_core.sqli.js.tokens import Tok, slots, split_top, until_end

_LOOKBACK = 50  # occurrences of the name examined before one sink
_PARAMS = 40  # tokens a parameter list may take after the name


def arrow_parameter(ctx: Ctx, name: str) -> tuple[str, int] | None:
    """(the arrow's const name or "", the parameter's position) when `name` at the sink is a
    parameter of an expression-bodied arrow that encloses the sink; else None."""
    found = _parameter_of_arrow(ctx, name)
    return None if found is None else found[:2]


def arrow_default(ctx: Ctx, name: str) -> list[Tok]:
    """The default value's tokens of `name`, a parameter of an expression-bodied arrow that
    encloses the sink (`(topic = req.query.topic) => …`); [] when it has none."""
    found = _parameter_of_arrow(ctx, name)
    return [] if found is None else found[2]


def _parameter_of_arrow(ctx: Ctx, name: str) -> tuple[str, int, list[Tok]] | None:
    """`arrow_parameter`'s answer and the parameter's default value (its tokens, or [])."""
    index, toks = ctx.index, ctx.toks
    sink = ctx.sink
    known = _arrows_seen(ctx)
    for k in ctx.nearest_before(name, _LOOKBACK):
        found = known[k] if k in known else known.setdefault(k, _arrow_of(toks, k, index.ends))
        if found is None:
            continue
        opening, arrow = found
        body = until_end(toks, arrow + 1, index.ends) if toks[arrow + 1].text != "{" else []
        if not (arrow < sink <= arrow + len(body)):
            continue  # a block body (bindings.py) or an arrow the sink is not inside
        params = slots(toks[opening + 1 : arrow - 1]) if opening != k else [[toks[k]]]
        position = next((j for j, p in enumerate(params) if p and p[0].text == name), 0)
        param = params[position] if position < len(params) else []
        default = split_top(param, {"="})  # `topic: string = String(req.query.topic)`
        given = default[1] if len(default) == 2 else []
        return _bound_name(toks, opening), position, given
    return None


def _arrows_seen(ctx: Ctx) -> dict[int, tuple[int, int] | None]:
    """`_arrow_of` per token already asked, for the file: consecutive sinks look back over
    mostly the same occurrences of a name (a parameter in every function of a bundle)."""
    key = ("arrows", "seen")
    seen = ctx.index.memo.get(key)
    if not isinstance(seen, dict):
        seen = {}
        ctx.index.memo[key] = seen
    return seen


def _arrow_of(toks: list[Tok], k: int, ends: list[int]) -> tuple[int, int] | None:
    """(the `(` of the parameter list, or k itself for `name =>`; the `=>`) when token k is
    a parameter name of an arrow function."""
    if k + 1 < len(toks) and toks[k + 1].text == "=>":
        return k, k + 1
    if not k or toks[k - 1].text not in {"(", ","} or toks[k + 1].text not in {",", ")", ":", "="}:
        return None
    for j in range(k - 1, max(-1, k - _PARAMS), -1):
        if toks[j].text == "(" and ends[j] > k:
            close = ends[j]
            if close + 1 < len(toks) and toks[close + 1].text == "=>":
                return j, close + 1
            return None
    return None


def _bound_name(toks: list[Tok], opening: int) -> str:
    """`const count = (…) =>` or `const count = async (…) =>`: "count"; else ""."""
    j = opening - 1
    if j >= 0 and toks[j].text == "async":
        j -= 1
    declared = j >= 2 and toks[j - 2].text in {"const", "let", "var"}
    if declared and toks[j].text == "=" and toks[j - 1].kind == "ident":
        return toks[j - 1].text
    return ""

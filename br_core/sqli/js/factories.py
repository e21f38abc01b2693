"""Functions made by a call to a function of this file (closure factories), for names.py.

`function makeBuilder(prefix) { return (suffix) => `… '${prefix}${suffix}'`; }` then
`const build = makeBuilder(req.query.dir); pool.query(build('%'))`: the SQL `build` returns
is the inner function's, made from its own parameters and from the factory's it captured:
as untrusted as the arguments of either call (names.py applies them, as to any local
function's result).
"""

from __future__ import annotations

import bisect

from br_core.sqli.js.assignments import last_declaration
from br_core.sqli.js.promises import own_returns
from br_core.sqli.js.scope import Ctx, Evaluate
from br_core.sqli.js.tokens import Tok, until_end
from br_core.sqli.values import Val, merge


def made_function_result(
    evaluate: Evaluate, ctx: Ctx, name: str, depth: int
) -> tuple[Val, int] | None:
    """(what calling `name` returns, the token where the factory is called) when `name` is
    bound (last, before the sink) to `factory(…)` and the factory, a function of this file,
    returns a function literal; None otherwise."""
    found = _factory_of(ctx, name)
    if found is None:
        return None
    m = last_declaration(ctx, ctx.toks[found].text)
    if m is None:
        return None
    index = ctx.index
    if "=>" in m.group(0) and not m.group("brace"):  # `(prefix) => (suffix) => …`
        first = bisect.bisect_right(index.pos, m.end() - 1)
        made = [until_end(ctx.toks, first, index.ends)]
    else:
        made = [expr for _, expr in own_returns(index, bisect.bisect_left(index.pos, m.end() - 1))]
    vals = [v for expr in made if (v := _called(evaluate, ctx, expr, depth)) is not None]
    return (merge(*vals), found) if vals and len(vals) == len(made) else None


def _factory_of(ctx: Ctx, name: str) -> int | None:
    """The token of `f` when the last declaration of `name` before the sink is
    `const name = f(…)`."""
    toks, last = ctx.toks, len(ctx.toks) - 4
    for k in ctx.nearest_before(name, 8):
        if 0 < k < last and toks[k - 1].text in {"const", "let", "var"}:
            called = toks[k + 1].text == "=" and toks[k + 3].text == "("
            return k + 2 if called and toks[k + 2].kind == "ident" else None
    return None


def _called(evaluate: Evaluate, ctx: Ctx, expr: list[Tok], depth: int) -> Val | None:
    """What the function literal `expr` (`(a) => …`, `a => {…}`, `function (a) {…}`)
    returns when called; None when `expr` is no function literal."""
    if not expr:
        return None
    index, toks = ctx.index, ctx.toks
    k = bisect.bisect_left(index.pos, expr[0].pos)
    k += 1 if toks[k].text == "async" else 0
    function = toks[k].text == "function"
    if function:
        k += 2 if toks[k + 1].kind == "ident" else 1
    if toks[k].kind == "ident" and toks[k + 1].text == "=>" and not function:
        body = k + 2
    elif toks[k].text == "(" and index.ends[k] > k:
        # past a TypeScript return type (`): string {`, `): Row[] =>`) to the body
        after = _after_head(toks, index.ends[k] + 1, "{" if function else "=>")
        if after < 0:
            return None
        body = after if function else after + 1
    else:
        return None
    if body >= len(toks):
        return None
    if toks[body].text == "{":
        vals = []
        for _, ret in own_returns(index, body):
            here = Ctx(ctx.src, toks, ret[0].pos, index)
            vals.append(evaluate(here, ret, depth + 1))
        return merge(*vals)
    here = Ctx(ctx.src, toks, toks[body].pos, index)
    return evaluate(here, until_end(toks, body, index.ends), depth + 1)


_RETURN_TYPE = 24  # tokens a return type may take between `)` and the body


def _after_head(toks: list[Tok], k: int, opener: str) -> int:
    """Where `opener` (`{` of a function, `=>` of an arrow) stands at token k or after a
    return type (`: string`) that starts there; -1 when it does not."""
    if k < len(toks) and toks[k].text == opener:
        return k
    if k >= len(toks) or toks[k].text != ":":
        return -1
    for j in range(k + 1, min(len(toks), k + _RETURN_TYPE)):
        if toks[j].text == opener:
            return j
        if toks[j].text in {";", "=>", "{", "}", "="}:
            return -1
    return -1

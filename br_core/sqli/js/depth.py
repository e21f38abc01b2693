"""How deep the evaluator follows a value, and what a value beyond that depth is.

Each step from an expression to the expressions it is made of (an operand, a name's assigned
value, a field, a call's return) costs one level. Beyond `MAX_DEPTH` the analysis has not shown
the value constant, so it is not called constant: it is unresolved (a medium-confidence
source, issue 17 item 3), weak beside a known source found another way (`TOO_DEEP`). The same
holds for a value met after the file spent its evaluation budget (scope.BUDGET: `OVER_BUDGET`)."""

from __future__ import annotations

from br_core.sqli.js.scope import Ctx
from br_core.sqli.js.tokens import Tok
from br_core.sqli.values import TOO_DEEP, Val, literal

MAX_DEPTH = 8
_CONSTANT_WORDS = frozenset({"true", "false", "null", "undefined"})
_NUMERIC_PREFIX = frozenset({"+", "-", "!"})


def beyond_depth(ctx: Ctx, toks: list[Tok], why: str = TOO_DEEP) -> Val:
    """The value of `toks` reached past `MAX_DEPTH` (or the budget, `why`): a lone literal is
    still itself."""
    if len(toks) == 1:
        tok = toks[0]
        if tok.kind == "str":
            return literal(tok.parts[0])
        if tok.kind == "num" or (tok.kind == "ident" and tok.text in _CONSTANT_WORDS):
            return Val()
    if toks[0].kind == "num" or (toks[0].kind == "punct" and toks[0].text in _NUMERIC_PREFIX):
        return Val()  # `-1`, `!x`, `+n`: a number or a boolean, as the evaluator has them
    start, last = toks[0].pos, toks[-1]
    return Val(taint=f"`{ctx.src[start : min(last.pos + len(last.text), start + 40)]}`{why}")

"""How deep the evaluator follows a value, and what a value beyond that depth is.

Each step from an expression to the expressions it is made of (an operand, a name's assigned
value, a field, a call's return) costs one level. Beyond `MAX_DEPTH` the analysis has not shown
the value constant, so it is not called constant: it is unresolved (a medium-confidence
source, issue 17 item 3), weak beside a known source found another way (`TOO_DEEP`)."""

from __future__ import annotations

from br_core.sqli.js.scope import Ctx, text_of
from br_core.sqli.js.tokens import Tok
from br_core.sqli.values import TOO_DEEP, Val, literal

MAX_DEPTH = 8
_CONSTANT_WORDS = frozenset({"true", "false", "null", "undefined"})
_NUMERIC_PREFIX = frozenset({"+", "-", "!"})


def beyond_depth(ctx: Ctx, toks: list[Tok]) -> Val:
    """The value of `toks` reached past `MAX_DEPTH`: a lone literal is still itself."""
    if len(toks) == 1:
        tok = toks[0]
        if tok.kind == "str":
            return literal(tok.parts[0])
        if tok.kind == "num" or (tok.kind == "ident" and tok.text in _CONSTANT_WORDS):
            return Val()
    if toks[0].kind == "num" or (toks[0].kind == "punct" and toks[0].text in _NUMERIC_PREFIX):
        return Val()  # `-1`, `!x`, `+n`: a number or a boolean, as the evaluator has them
    return Val(taint=f"`{text_of(ctx, toks)[:40]}`{TOO_DEEP}")

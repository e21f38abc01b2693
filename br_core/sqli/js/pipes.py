"""NestJS parameters a converting pipe has already checked, for br_core/sqli/js/expressions.py.

`one(@Param('id', ParseIntPipe) id: number)`: Nest runs the pipe before the handler and
rejects the request (400) when the text is not an integer, so inside the handler `id` is a
number. The same holds for `ParseFloatPipe`, `ParseBoolPipe`, `ParseUUIDPipe`,
`ParseEnumPipe` (one of the enum's values) and `new ParseIntPipe({...})`. Conservative: the
pipe must be the decorator's last argument (a pipe after it may turn the value back into
text), and a DTO's `ValidationPipe` is not read as a check here (its rules live in classes
the file may not show).
"""

from __future__ import annotations

from br_core.sqli.js.assignments import reaching_assignments
from br_core.sqli.js.scope import Ctx, Index
from br_core.sqli.js.tokens import split_top

CONVERTING = frozenset(
    {"ParseIntPipe", "ParseFloatPipe", "ParseBoolPipe", "ParseUUIDPipe", "ParseEnumPipe"}
)
_MODIFIERS = frozenset({"readonly", "private", "public", "protected"})
_AFTER = frozenset({":", ",", ")", "?", "="})  # what may follow a parameter's name
_DECORATOR_SPAN = 60  # tokens a parameter decorator may take: `@Query('page', new P({...}))`


def converted_parameter(ctx: Ctx, name: str) -> bool:
    """`name`, read at the sink, is a parameter whose decorator ends in a converting pipe
    and that nothing assigns since."""
    index = ctx.index
    key = ("pipes", "file")
    if key not in index.memo:  # once per file: a search of the source per read is quadratic
        index.memo[key] = any(pipe in index.where for pipe in CONVERTING)
    if not index.memo[key]:
        return False
    scopes = index.bindings()
    at = min(ctx.sink, len(index.toks) - 1)
    body = scopes.resolve(name, at)
    if (body, name) not in scopes.params or reaching_assignments(ctx, name):
        return False  # not that parameter, or it was given another value since
    # the parameter's own token: the last occurrence of the name before the body opens
    before = [k for k in index.where.get(name, []) if k < body]
    return bool(before) and _piped(index, before[-1])


def _piped(index: Index, k: int) -> bool:
    toks = index.toks
    if k + 1 >= len(toks) or toks[k + 1].text not in _AFTER:
        return False
    j = k - 1
    while j >= 0 and toks[j].text in _MODIFIERS:
        j -= 1
    if j < 0 or toks[j].text != ")" or toks[j].kind != "punct":
        return False
    opener = index.opener(j)
    if opener is None or j - opener >= _DECORATOR_SPAN:
        return False
    if opener < 2 or toks[opener - 1].kind != "ident" or toks[opener - 2].text != "@":
        return False
    args = split_top(toks[opener + 1 : j], {","})
    last = args[-1] if args else []
    if last and last[0].text == "new":
        last = last[1:]
    return bool(last) and last[0].text in CONVERTING and (len(last) == 1 or last[1].text == "(")

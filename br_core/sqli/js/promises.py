"""What a function hands back, for br_core/sqli/js/expressions.py (issue 17): the returned
expressions of a function body, and the callback of a promise's `.then(…)`.

`getUser(req).then((u) => 'SELECT … ' + u.id)` settles to what the arrow returns, and
`async function build(id) { if (!id) return null; return 'SELECT … ' + id; }` returns either
of its `return`s. A `return` inside a nested function is that function's, not this one's.
The analyser evaluates the expressions found here where they stand in the file.
"""

from __future__ import annotations

import bisect

from br_core.sqli.js.fold import dead_at
from br_core.sqli.js.scope import Index
from br_core.sqli.js.tokens import Tok, split_top, until_end

_MAX_RETURNS = 20  # returns of one function read, at most: a generated dispatcher stays cheap


def own_returns(index: Index, brace: int) -> list[tuple[int, list[Tok]]]:
    """(token, expression) of each `return <expr>` that belongs to the function whose body
    opens at token `brace`, outside dead code, in file order. A bare `return;` is omitted
    (it returns undefined)."""
    toks, ends = index.toks, index.ends
    end = ends[brace] if 0 <= brace < len(toks) else -1
    if end < 0:
        return []
    functions = index.bindings().function_of
    found: list[tuple[int, list[Tok]]] = []
    for k in range(brace + 1, end):
        if toks[k].text != "return" or toks[k].kind != "ident":
            continue
        if functions.get(index.block[k]) != brace or dead_at(index, toks[k].pos):
            continue
        expr = until_end(toks, k + 1, ends) if k + 1 < end else []
        if expr and expr[0].text not in {";", "}"}:
            found.append((k, expr))
        if len(found) >= _MAX_RETURNS:
            break
    return found


def callback_result(index: Index, fn: list[Tok]) -> list[Tok] | int | None:
    """What the function expression `fn` (`(x) => expr`, `async x => { … }`,
    `function (x) { … }`) returns: its expression body's tokens, or the file token index of
    its body's `{` (-1 when not found). None for anything else (a name, a call)."""
    if not fn:
        return None
    arrow = next((j for j, t in enumerate(fn) if t.text == "=>"), -1)
    if arrow > 0 and len(split_top(fn[:arrow], {","})) == 1:
        body = fn[arrow + 1 :]
        if not body:
            return None
        if body[0].text == "{" and body[-1].text == "}":
            return _file_token(index, body[0])
        return body
    head = fn[1:] if fn[0].text == "async" else fn
    if head and head[0].text == "function" and fn[-1].text == "}":
        brace = next((t for t in head if t.text == "{"), None)
        return _file_token(index, brace) if brace is not None else None
    return None


def _file_token(index: Index, tok: Tok) -> int:
    """The index in the file's tokens of `tok` (which may come from a re-tokenized span)."""
    k = bisect.bisect_left(index.pos, tok.pos)
    return k if k < len(index.toks) and index.toks[k].pos == tok.pos else -1

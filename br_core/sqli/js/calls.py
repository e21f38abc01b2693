"""The shape of a call, read from its tokens: `<receiver>.<method>(<args>)`, an array literal's
items, a `.map()` whose callback escapes, `util.format`'s numeric specifiers. Nothing here
evaluates a value (br_core/sqli/js/expressions.py does)."""

from __future__ import annotations

import re

from br_core.sqli.js.promises import callback_result, own_returns
from br_core.sqli.js.scope import Ctx, text_of
from br_core.sqli.js.tokens import Tok, closers, slots, split_top, ternary
from br_core.sqli.values import SAFE, Val

SAFE_CALLS = re.compile(
    r"^(?:Number|Number\.\w+|parseInt|parseFloat|Boolean|Math\.\w+|(?:\w+\.)*escape(?:Id|Identifier|Literal)?"
    r"|(?:\w+\.)?format\.(?:ident|literal)|(?:\w+\.)?(?:ident|literal)|String\(Number|uuidv4"
    r"|\w+\.escape|(?:\w+\.)+quote(?:[A-Z]\w*)?)\s*\("
)
# a receiver's quote method: the driver's (`knex.client.quoteIdentifier`) or a class's own
# (`this.quoteTable`, `this.quoteIdentifier`): any name `quote` or `quoteXxx`
_QUOTE_METHOD = re.compile(r"^(?:[\w$]+\.)+(quote(?:[A-Z]\w*)?)\s*\(")
_ESCAPES = re.compile(
    r"\.\s*(?:replace|replaceAll|split)\s*\(|\b(?:quote|escape)(?:[A-Z]\w*)?\s*\(|^\s*throw\b"
)


def sanitizing_call(ctx: Ctx, text: str) -> bool:
    """`text` starts with a call that makes its argument safe SQL (`SAFE_CALLS`). A quote
    method this file defines itself counts only when its body escapes (a `replace` or `split`
    of the quote character, another quote or escape call, or a body that only throws: an
    abstract method a dialect implements); one that only wraps the value in quotes does not.
    Defined elsewhere, the driver's or an inherited one, its name is what is known."""
    if not SAFE_CALLS.match(text):
        return False
    quote = _QUOTE_METHOD.match(text)
    return quote is None or _quote_escapes(ctx, quote.group(1))


def _quote_escapes(ctx: Ctx, method: str) -> bool:
    key = ("quote escapes", method)
    if key not in ctx.index.memo:
        bodies = _method_bodies(ctx, method)
        ctx.index.memo[key] = all(_ESCAPES.search(b) for b in bodies)
    return bool(ctx.index.memo[key])


def _method_bodies(ctx: Ctx, method: str) -> list[str]:
    """The text of each body this file gives `method`: a class method `method(…) {…}`, a
    `function method(…) {…}`, or `method = (…) => {…}` / `method: function (…) {…}`."""
    index, toks = ctx.index, ctx.toks
    bodies = []
    for k in index.where.get(method, []):
        if k and toks[k - 1].text in {".", "?."}:
            continue  # a call or a read: `this.quoteTable(…)`
        j = k + 1
        if j < len(toks) and toks[j].text in {"=", ":"}:
            j += 1
            while j < len(toks) and toks[j].text in {"function", "async"}:
                j += 1
        if j >= len(toks) or toks[j].text != "(" or index.ends[j] <= j:
            continue
        j = index.ends[j] + 1
        if j < len(toks) and toks[j].text == "=>":
            j += 1
        if j < len(toks) and toks[j].text == "{" and index.ends[j] > j:
            bodies.append(text_of(ctx, toks[j + 1 : index.ends[j]]))
    return bodies


_UTIL_IMPORT = re.compile(r"""\bformat\b[^;\n]*(?:require\(\s*|from\s+)['"](?:node:)?util['"]""")


def array_items(array: list[Tok]) -> list[list[Tok]] | None:
    """The items of an array literal without spreads (a hole is an empty list); None for any
    other expression."""
    if len(array) < 2 or array[0].text != "[" or array[-1].text != "]":
        return None
    items = slots(array[1:-1])
    return None if any(p and p[0].text == "..." for p in items) else items


def maps_to_escaped(ctx: Ctx, toks: list[Tok]) -> bool:
    """`xs.map((x) => escape(x))`, `xs.map(h => mysql.escape(String(h)))`, `ts.map((t) => {
    return Array.isArray(t) ? this.quoteTable(t[0]) : this.quoteTable(t); })`: every element
    is the result of a sanitizing call (`sanitizing_call`): each value the callback returns
    (each branch of a ternary) is one such call, whole."""
    call = trailing_call(toks)
    if call is None or call[1] != "map" or len(call[2]) != 1:
        return False
    body = callback_result(ctx.index, call[2][0])
    if body is None or (isinstance(body, int) and body < 0):
        return False
    returned = [body] if isinstance(body, list) else [e for _, e in own_returns(ctx.index, body)]
    return bool(returned) and all(_escaped(ctx, e) for e in returned)


def _escaped(ctx: Ctx, expr: list[Tok]) -> bool:
    """`expr` is a sanitizing call, or a ternary both of whose branches are."""
    if len(expr) > 2 and expr[0].text == "(" and closers(expr)[0] == len(expr) - 1:
        expr = expr[1:-1]  # `(c) => (c.a ? quote(c.a) : quote(c))`
    branches = ternary(expr)
    if branches is not None:
        return _escaped(ctx, branches[1]) and _escaped(ctx, branches[2])
    inner = trailing_call(expr)
    if inner is None or not sanitizing_call(ctx, text_of(ctx, expr)):
        return False
    # `Number(h) + x.escape(h)` ends in a safe call but is not one
    return all(t.kind == "ident" or t.text == "." for t in inner[0])


def numbers_formatted(args: list[list[Tok]], vals: list[Val]) -> list[Val]:
    """`util.format('… id = %d', x)`: `%d`, `%i` and `%f` turn their argument into a number,
    so it is no longer the caller's text."""
    fmt = args[0] if args else []
    if len(fmt) != 1 or fmt[0].kind != "str" or len(vals) != len(args):
        return vals
    specs = [spec for spec in re.findall(r"%([sdifjoOc%])", fmt[0].parts[0]) if spec != "%"]
    numeric = [spec in "dif" for spec in specs]
    return [vals[0]] + [
        SAFE if j < len(numeric) and numeric[j] else v for j, v in enumerate(vals[1:])
    ]


def imports_format(ctx: Ctx) -> bool:
    key = ("import", "util.format")
    if key not in ctx.index.memo:
        ctx.index.memo[key] = bool(_UTIL_IMPORT.search(ctx.src))
    return bool(ctx.index.memo[key])


def trailing_call(toks: list[Tok]) -> tuple[list[Tok], str, list[list[Tok]]] | None:
    """`<receiver>.<method>(<args>)` or `<name>(<args>)` as the whole expression:
    (receiver tokens, possibly empty; the method or function name; the arguments)."""
    if len(toks) < 3 or toks[-1].text != ")":
        return None
    depth = 0
    for k in range(len(toks) - 1, -1, -1):
        tok = toks[k]
        if tok.kind == "punct" and tok.text in ")]}":
            depth += 1
        elif tok.kind == "punct" and tok.text in "([{":
            depth -= 1
            if depth == 0:
                break
    else:
        return None
    if tok.text != "(" or k < 1 or toks[k - 1].kind != "ident":
        return None
    name = toks[k - 1].text
    args = split_top(toks[k + 1 : -1], {","})
    if k >= 3 and toks[k - 2].text in {".", "?."}:
        return toks[: k - 2], name, args
    return ([], name, args) if k == 1 else None


def elements(v: Val) -> Val:
    """What an element of `v` may be: `v`'s elements, or `v` itself when it is untrusted as a
    whole (`req.query.id || []` may be the request's array)."""
    return v.elems if v.elems is not None and not v.taint else v


def nested(v: Val, levels: int) -> Val:
    """What a value `levels` containers deep in `v` may be (`rows[i].val` is two deep): an
    element of an element, each level as `elements` reads it."""
    for _ in range(levels):
        v = elements(v)
    return v

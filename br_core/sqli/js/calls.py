"""The shape of a call, read from its tokens: `<receiver>.<method>(<args>)`, an array literal's
items, a `.map()` whose callback escapes, `util.format`'s numeric specifiers. Nothing here
evaluates a value (br_core/sqli/js/expressions.py does)."""

from __future__ import annotations

import re

from br_core.sqli.js.scope import Ctx, text_of
from br_core.sqli.js.tokens import Tok, slots, split_top
from br_core.sqli.values import SAFE, Val

SAFE_CALLS = re.compile(
    r"^(?:Number|Number\.\w+|parseInt|parseFloat|Boolean|Math\.\w+|(?:\w+\.)*escape(?:Id|Identifier|Literal)?"
    r"|(?:\w+\.)?format\.(?:ident|literal)|(?:\w+\.)?(?:ident|literal)|String\(Number|uuidv4"
    r"|\w+\.escape|(?:\w+\.)+quote(?:Id|Ident|Identifier|Literal|Name)?)\s*\("
)


_UTIL_IMPORT = re.compile(r"""\bformat\b[^;\n]*(?:require\(\s*|from\s+)['"](?:node:)?util['"]""")


def array_items(array: list[Tok]) -> list[list[Tok]] | None:
    """The items of an array literal without spreads (a hole is an empty list); None for any
    other expression."""
    if len(array) < 2 or array[0].text != "[" or array[-1].text != "]":
        return None
    items = slots(array[1:-1])
    return None if any(p and p[0].text == "..." for p in items) else items


def maps_to_escaped(ctx: Ctx, toks: list[Tok]) -> bool:
    """`xs.map((x) => escape(x))`, `xs.map(h => mysql.escape(String(h)))`: every element is
    the result of a sanitizing call (`SAFE_CALLS`) that is the callback's whole body."""
    call = trailing_call(toks)
    if call is None or call[1] != "map" or len(call[2]) != 1:
        return False
    fn = call[2][0]
    arrow = next((j for j, t in enumerate(fn) if t.text == "=>"), -1)
    body = fn[arrow + 1 :] if arrow > 0 else []
    inner = trailing_call(body)
    if inner is None or not SAFE_CALLS.match(text_of(ctx, body)):
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

"""Objects as whole values, for br_core/sqli/js/expressions.py and names.py: an object literal,
its keys, the expressions it may hold under one key, and `Object.keys/values/entries/freeze`.

An object literal stands for any of its fields (`Val.elems`, as an array stands for any of its
elements), its spreads' fields included at any depth: `{ ...{ ...req.query } }` holds the
request. `Object.values(o)` is an array of those fields, `Object.keys(o)` of its keys: the
literal's own keys are constants, a computed key `[k]` is what `k` is, a spread adds the keys of
what it spreads. Each value is evaluated by the `evaluate` passed in (the evaluator calls these
and they call it back: passed, not imported, as in names.py).
"""

from __future__ import annotations

import bisect
from dataclasses import replace

from br_core.sqli.js.assignments import mutated, reaching_assignments
from br_core.sqli.js.calls import elements
from br_core.sqli.js.fields import ANY, field_writes
from br_core.sqli.js.scope import Ctx, Evaluate, Index, const_object, text_of
from br_core.sqli.js.tokens import Tok, closers, split_top
from br_core.sqli.values import SAFE, Val, merge

_OBJECT_CALLS = frozenset({"keys", "values", "entries", "freeze"})


def is_object_literal(toks: list[Tok]) -> bool:
    return len(toks) >= 2 and toks[0].text == "{" and toks[-1].text == "}"


def assign_literal(toks: list[Tok]) -> list[Tok] | None:
    """`Object.assign(target, a, b)` read as the literal `{ ...target, ...a, ...b }` it
    returns: each source's fields written over the ones before it, so that a later source
    that surely has a key (`Object.assign({}, req.query, DEFAULTS)`) decides that key. None
    for any other expression."""
    if len(toks) < 6 or [t.text for t in toks[:4]] != ["Object", ".", "assign", "("]:
        return None
    if closers(toks)[3] != len(toks) - 1:
        return None  # `Object.assign(a, b).x`: not the object itself
    out = [replace(toks[3], text="{", kind="punct")]
    for part in split_top(toks[4:-1], {","}):
        if part and part[0].text == "...":
            return None  # `Object.assign({}, ...list)`: sources not written out
        if len(out) > 1:
            out.append(replace(part[0], text=",", kind="punct"))
        out += [replace(part[0], text="...", kind="punct"), *part]
    return [*out, replace(toks[-1], text="}", kind="punct")]


def object_value(evaluate: Evaluate, ctx: Ctx, toks: list[Tok], depth: int) -> Val:
    """The object literal `toks` as a whole: any of its fields (methods aside), and each
    field by name when every key is written out (`{ where, values: [] }`), so that
    `const { where } = build()` reads that field alone."""
    vals = []
    named: dict[object, Val] | None = {}
    for part in split_top(toks[1:-1], {","}):
        if part and part[0].text == "...":
            vals.append(elements(evaluate(ctx, part[1:], depth + 1)))
            named = None  # a spread adds keys not written here
            continue
        colon = _colon(part)
        if colon is not None:
            vals.append(evaluate(ctx, part[colon + 1 :], depth + 1))
            key = _key(part[:colon])
            if named is not None and key != ANY:
                named[key] = vals[-1]
            else:
                named = None
        elif len(part) == 1:
            vals.append(evaluate(ctx, part, depth + 1))  # shorthand `{ id }`
            if named is not None:
                named[part[0].text] = vals[-1]
        elif part:
            named = None  # a method, a getter: not followed
    keys = tuple(named.items()) if named else None
    return Val(elems=merge(*vals), keys=keys)


def object_call(
    evaluate: Evaluate,
    ctx: Ctx,
    receiver: list[Tok],
    method: str,
    args: list[list[Tok]],
    depth: int,
) -> Val | None:
    """`Object.freeze(x)` is x; `Object.values(o)`, `Object.keys(o)` and `Object.entries(o)`
    of an object the analysis knows (a literal, or a name bound only to literals): the array
    of its fields, its keys, or its [key, field] pairs. None otherwise: the caller's rules
    decide, as for any call."""
    if method not in _OBJECT_CALLS or not args or not args[0] or text_of(ctx, receiver) != "Object":
        return None
    whole = evaluate(ctx, args[0], depth + 1)
    if method == "freeze":
        return whole
    if whole.taint or whole.elems is None:
        return None  # `Object.keys(req.body)`: not an object this file wrote
    if method == "values":
        return Val(elems=whole.elems)
    keys = object_keys(evaluate, ctx, args[0], depth)
    if keys is None:
        return None
    if method == "keys":
        return Val(elems=keys)
    return Val(elems=Val(elems=merge(keys, whole.elems)))  # a pair: either may be read


def object_keys(evaluate: Evaluate, ctx: Ctx, toks: list[Tok], depth: int) -> Val | None:
    """What a key of the object `toks` may be: constants for a literal's own keys, a computed
    key's value, a spread's keys. A name counts when every assignment that reaches here is an
    object literal and no write by a computed key or `Object.assign` adds keys later. None when
    the keys are not known."""
    if is_object_literal(toks):
        return _literal_keys(evaluate, ctx, toks, depth)
    if len(toks) != 1 or toks[0].kind != "ident":
        return None
    name = toks[0].text
    if mutated(ctx, name) or any(kind == "object" for _, kind, _ in field_writes(ctx, name, [""])):
        return None  # `o[k] = v`, `Object.assign(o, req.body)`: keys added later
    if const_object(ctx, name):
        return SAFE  # `const ORDER = { newest: 'created_at DESC' }`
    assignments = reaching_assignments(ctx, name)
    if not assignments:
        return None
    keys = []
    for k, op, rhs in assignments:
        if op != "=" or not is_object_literal(rhs):
            return None
        here = Ctx(ctx.src, ctx.toks, ctx.toks[k].pos, ctx.index)
        found = _literal_keys(evaluate, here, rhs, depth + 1)
        if found is None:
            return None
        keys.append(found)
    return merge(*keys)


def _literal_keys(evaluate: Evaluate, ctx: Ctx, toks: list[Tok], depth: int) -> Val | None:
    """The keys of the object literal `toks` (None when a spread's keys are not known)."""
    keys = [SAFE]
    for part in split_top(toks[1:-1], {","}):
        if part and part[0].text == "...":
            spread = object_keys(evaluate, ctx, part[1:], depth + 1)
            if spread is None:
                spread = evaluate(ctx, part[1:], depth + 1)  # `...req.query`: its keys too
                if not spread.taint:
                    return None
            keys.append(spread)
        elif part and part[0].text == "[":
            keys.append(evaluate(ctx, part[1 : closers(part)[0]], depth + 1))  # `[k]: v`
    return merge(*keys)


def literal_entries(toks: list[Tok], key: str) -> list[tuple[bool, list[Tok]]]:
    """The expressions the object literal `toks` may hold under `key`, in order: (False, v)
    for a property's value, (True, s) for a spread that may hold that key. A property written
    later replaces what came before it (`{ ...req.query, lang: 'en' }`); a spread or a
    computed key `[k]: v` may replace it. Any key (`ANY`, as in `o[k]`) is any of them."""
    found: list[tuple[bool, list[Tok]]] = []
    for part in split_top(toks[1:-1], {","}):
        if part and part[0].text == "...":
            found.append((True, part[1:]))
            continue
        colon = _colon(part)
        if colon is None and len(part) == 1 and part[0].kind == "ident":
            named, value = part[0].text, part  # shorthand `{ city }`
        elif colon is None and is_getter(part):
            named, value = part[1].text, part  # `get code() {…}`: what its body returns
        elif colon is None:
            continue  # a method: code, not a value the sink reads
        else:
            named, value = _key(part[:colon]), part[colon + 1 :]
        if key == ANY or named == ANY:
            found.append((False, value))
        elif named == key:
            found = [(False, value)]
    return found


def is_getter(part: list[Tok]) -> bool:
    """`get key() {…}`: an object literal's getter (not `get: v` nor `get(x)`)."""
    return (
        len(part) > 4 and part[0].text == "get" and part[1].kind == "ident" and part[2].text == "("
    )


def getter_brace(index: Index, part: list[Tok]) -> int | None:
    """The token (in the file) of the body `{` of the getter `part`."""
    close = closers(part)[2]
    if not 0 < close < len(part) - 1 or part[close + 1].text != "{":
        return None
    return bisect.bisect_left(index.pos, part[close + 1].pos)


def method_object(index: Index, at: int) -> int | None:
    """The `{` of the object literal whose method or getter (`get code() {…}`, `code() {…}`)
    holds token `at` directly, there `this` is that object; None elsewhere (a class's method,
    a function, an arrow: another `this`)."""
    body = index.block[at] if 0 <= at < len(index.block) else -1
    toks = index.toks
    if body < 2 or toks[body - 1].text != ")":
        return None
    paren = index.opener(body - 1)
    if paren is None or paren < 2 or toks[paren - 1].kind != "ident":
        return None
    before = toks[paren - 2]
    if before.text == "get" and paren >= 3:
        before = toks[paren - 3]
    if before.text not in {"{", ","} or toks[paren - 1].text in {"function", "if", "for", "while"}:
        return None
    literal = index.parent.get(body, -1)
    if (
        literal < 1
        or toks[literal - 1].text in {")", "=>"}
        or "class" in {t.text for t in toks[max(literal - 4, 0) : literal]}
    ):
        return None  # a block or a class body, not an object literal
    return literal


def _key(toks: list[Tok]) -> str:
    """The name of a property's key (`city`, `'city'`, `1`, `['city']`); `ANY` for a
    computed key that is not a literal (`[k]`)."""
    computed = len(toks) == 3 and toks[0].text == "["
    one = toks[1] if computed else toks[0] if len(toks) == 1 else None
    if one is None:
        return ANY
    if one.kind == "str":
        return one.parts[0] if one.parts else ANY
    if one.kind == "num" or (one.kind == "ident" and not computed):
        return one.text
    return ANY


def _colon(part: list[Tok]) -> int | None:
    """Where the `:` after a property's key stands (`key: v`, `'k': v`, `[k]: v`); None for a
    shorthand, a spread or a method."""
    if len(part) > 2 and part[1].text == ":":
        return 1
    if part and part[0].text == "[":
        end = closers(part)[0]
        if 0 < end < len(part) - 1 and part[end + 1].text == ":":
            return end + 1
    return None

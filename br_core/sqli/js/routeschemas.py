"""Request fields a Fastify route's JSON schema validates, for br_core/sqli/js/expressions.py.

`fastify.get('/teams', { schema: { querystring: { properties: { sort: { enum: ['name',
'created_at'] } } } } }, async (request) => { … request.query.sort … })`: Fastify validates
the request against the route's schema (Ajv) before the handler runs and answers 400 when it
does not match, so in the handler `request.query.sort` is one of those values. A field is
validated when its schema only passes values that carry no SQL: `enum` or `const` of
literals, or `type` `integer`, `number` or `boolean` (Ajv coerces the query string's text to
that type). `type: 'string'` alone passes any text. Conservative: the handler is a function
literal passed to `<app>.get|post|…(url, options, handler)` or under `handler` in
`<app>.route({ … })`; the options and each schema level are object literals written out, or
names of constants bound to one; `attachValidation: true` (the handler runs on a failed
validation too) validates nothing; the request parameter is not assigned.
"""

from __future__ import annotations

import bisect

from br_core.sqli.js.assignments import reaching_assignments
from br_core.sqli.js.continuations import argument_of, function_literal
from br_core.sqli.js.objects import is_object_literal, literal_entries
from br_core.sqli.js.scope import Ctx
from br_core.sqli.js.tokens import Tok, split_top

_VERBS = frozenset({"get", "post", "put", "patch", "delete", "head", "options", "all"})
# where Fastify's schema describes each part of the request
_PARTS = {"query": ("querystring", "query"), "params": ("params",), "body": ("body",)}
_CLOSED_TYPES = frozenset({"integer", "number", "boolean"})


def schema_validated(ctx: Ctx, toks: list[Tok]) -> bool:
    """`request.<part>.<key>` (`toks`) read in a Fastify handler whose route schema allows
    that field only values that carry no SQL."""
    if len(toks) != 5 or toks[0].kind != "ident" or toks[2].text not in _PARTS:
        return False
    if toks[1].text not in {".", "?."} or toks[3].text not in {".", "?."}:
        return False
    index = ctx.index
    gate = ("fastify", "file")
    if gate not in index.memo:  # once per file: most are no Fastify app
        index.memo[gate] = "fastify" in index.src and "schema" in index.where
    if not index.memo[gate]:
        return False
    name = toks[0].text
    scopes = index.bindings()
    body = scopes.resolve(name, min(ctx.sink, len(index.toks) - 1))
    if (body, name) not in scopes.params or reaching_assignments(ctx, name):
        return False
    literal = function_literal(index, body)
    params = literal[1] if literal is not None else []
    if literal is None or not params or not params[0] or params[0][0].text != name:
        return False  # the request is the handler's first parameter
    options = _route_options(ctx, literal[0])
    if options is None:
        return False
    field = _field_schema(ctx, options, toks[2].text, toks[4].text)
    return field is not None and _closed(ctx, field)


def _route_options(ctx: Ctx, start: int) -> list[Tok] | None:
    """The route's options object when the handler literal at token `start` is the last
    argument of `<app>.<verb>(url, options, handler)` or the `handler` of `<app>.route({…})`."""
    toks = ctx.toks
    if start >= 2 and toks[start - 1].text == ":" and toks[start - 2].text == "handler":
        opening = _enclosing_brace(ctx, start - 2)
        if opening is None:
            return None
        passed = argument_of(ctx.index, opening)
        method = _method(toks, passed[0]) if passed is not None else ""
        return toks[opening : ctx.index.ends[opening] + 1] if method == "route" else None
    passed = argument_of(ctx.index, start)
    if passed is None or passed[1] < 2 or _method(toks, passed[0]) not in _VERBS:
        return None
    args = split_top(toks[passed[0] + 1 : ctx.index.ends[passed[0]]], {","})
    return _object(ctx, args[passed[1] - 1])


def _method(toks: list[Tok], paren: int) -> str:
    """`get` of `app.get(`: the called method's name, "" for a plain call."""
    return toks[paren - 1].text if paren >= 2 and toks[paren - 2].text in {".", "?."} else ""


def _enclosing_brace(ctx: Ctx, k: int) -> int | None:
    """The `{` of the object literal whose top level holds token k."""
    opening = ctx.index.block[k]
    return opening if opening >= 0 and ctx.toks[opening].text == "{" else None


def _object(ctx: Ctx, toks: list[Tok]) -> list[Tok] | None:
    """`toks` when an object literal, or the literal a constant name is bound to."""
    if is_object_literal(toks):
        return toks
    if len(toks) != 1 or toks[0].kind != "ident":
        return None
    here = Ctx(ctx.src, ctx.toks, toks[0].pos, ctx.index)
    found = reaching_assignments(here, toks[0].text)
    if len(found) != 1 or found[0][1] != "=" or not found[0][2] or found[0][2][0].text != "{":
        return None
    opening = bisect.bisect_left(ctx.index.pos, found[0][2][0].pos)
    return ctx.toks[opening : ctx.index.ends[opening] + 1]  # the literal, to its closing `}`


def _entry(ctx: Ctx, obj: list[Tok] | None, key: str) -> list[Tok] | None:
    """The object literal `obj` holds under `key`, written out with no spread that may
    replace it (a name of a constant object followed)."""
    if obj is None:
        return None
    entries = literal_entries(obj, key)
    if len(entries) != 1 or entries[0][0]:
        return None
    return _object(ctx, entries[0][1])


def _field_schema(ctx: Ctx, options: list[Tok], part: str, key: str) -> list[Tok] | None:
    attach = literal_entries(options, "attachValidation")
    if attach and not (len(attach) == 1 and [t.text for t in attach[0][1]] == ["false"]):
        return None  # the handler runs on a failed validation too
    schema = _entry(ctx, options, "schema")
    for name in _PARTS[part]:
        described = _entry(ctx, schema, name)
        if described is not None:
            return _entry(ctx, _entry(ctx, described, "properties"), key)
    return None


def _closed(ctx: Ctx, field: list[Tok]) -> bool:
    """The property schema `field` passes only literals of a list, or numbers or booleans."""
    for key in ("enum", "const"):
        entries = literal_entries(field, key)
        if len(entries) == 1 and not entries[0][0]:
            value = entries[0][1]
            if key == "const":
                return len(value) == 1 and value[0].kind in {"str", "num"}
            items = [p for p in split_top(value[1:-1], {","}) if p] if value[0].text == "[" else []
            return bool(items) and all(len(p) == 1 and p[0].kind in {"str", "num"} for p in items)
    entries = literal_entries(field, "type")
    if len(entries) != 1 or entries[0][0]:
        return False
    value = entries[0][1]
    texts = [t.parts[0] for t in value if t.kind == "str" and t.parts]
    strings = [t for t in value if t.kind == "str"]
    named = set(texts) - {"null"}  # `type: ['integer', 'null']`
    return bool(named) and len(texts) == len(strings) and named <= _CLOSED_TYPES

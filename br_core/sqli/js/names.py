"""What a name in an expression stands for, for br_core/sqli/js/expressions.py: its
declarations and assignments, a field of an object, a Map's entry, an array's slot, a
callback's or an arrow's parameter, what a local helper returns. Each value found is
evaluated by the `evaluate` passed in (the evaluator calls these and they call it back: passed,
not imported, so the two modules form no import cycle)."""

from __future__ import annotations

import bisect
import re
from dataclasses import replace

from br_core.sqli.js.aliases import aliased
from br_core.sqli.js.arrays import array_slots, read_at
from br_core.sqli.js.arrows import arrow_default, arrow_parameter
from br_core.sqli.js.assignments import element_at, last_declaration, mutated, reaching_assignments
from br_core.sqli.js.callbacks import callback_receiver, position_parameter
from br_core.sqli.js.calls import elements, nested, trailing_call
from br_core.sqli.js.classes import class_field
from br_core.sqli.js.depth import MAX_DEPTH, beyond_depth
from br_core.sqli.js.factories import made_function_result
from br_core.sqli.js.fields import ANY, destructured, field_writes, member_path
from br_core.sqli.js.instances import (
    Field,
    class_body,
    enclosing_class,
    getter_body,
    in_constructor,
    instance_of,
    method_body,
    subclasses,
)
from br_core.sqli.js.instances import class_field as class_field_of
from br_core.sqli.js.loops import loop_values
from br_core.sqli.js.maps import initial_entries, is_new_map, map_sets
from br_core.sqli.js.mutators import helper_writes
from br_core.sqli.js.objects import (
    assign_literal,
    getter_brace,
    is_getter,
    is_object_literal,
    literal_entries,
    method_object,
)
from br_core.sqli.js.order import dominates, replaces
from br_core.sqli.js.promises import callback_result, own_returns
from br_core.sqli.js.scope import (
    NUMBERS_MAP,
    Ctx,
    Evaluate,
    const_object,
    guarded,
    is_enum,
    parameter_at,
    text_of,
)
from br_core.sqli.js.sources import THROUGH, from_source, unresolved
from br_core.sqli.js.tokens import Tok, closers, slots, split_top, until_close, until_end
from br_core.sqli.js.zodschemas import zod_parsed
from br_core.sqli.values import SAFE, Val, merge, splice

# array methods whose result holds the receiver's elements (or values made from them)
_MAPS_TO_FIELD = re.compile(
    r"\s*\??\.\s*map\(\s*\(?\s*(?P<p>[\w$]+)\s*\)?\s*=>\s*(?P=p)"
    r"(?P<path>(?:\s*\??\.\s*[\w$]+)+)\s*\)\s*"
)
_PARSE_CALL = re.compile(r"\s*\??\.\s*parse(?:Async)?\s*\(")
_ARRAY_KEEPS = re.compile(r"\s*\??\.\s*(?:map|filter|slice|concat|flat|flatMap|sort|reverse)\(")


def returns_of(evaluate: Evaluate, ctx: Ctx, brace: int, depth: int) -> Val:
    """Any value the function whose body opens at token `brace` returns (undefined: SAFE)."""
    vals = []
    for _, expr in own_returns(ctx.index, brace):
        # read after the `return` keyword, inside the body: a `return` that opens the body
        # would otherwise be read from its `{`, where the function's parameters are not bound
        here = Ctx(ctx.src, ctx.toks, expr[0].pos, ctx.index)
        vals.append(evaluate(here, expr, depth + 1))
    return merge(*vals)


def identifier(evaluate: Evaluate, ctx: Ctx, toks: list[Tok], text: str, depth: int) -> Val:
    name = toks[0].text
    rest = text[len(name) :]
    through = aliased(evaluate, ctx, name, [], depth)  # `r.val = x` of `const r = rows[0]`
    if (
        re.match(r"\s*\[", rest)
        and const_object(ctx, name)
        and not mutated(ctx, name)
        and through is None
    ):
        return SAFE  # ORDER_MAP[dir]: a lookup in a fixed table of literals
    if guarded(ctx, name):
        return SAFE
    if NUMBERS_MAP.match(rest) or (re.match(r"\s*\.\s*\w+\s*$", rest) and is_enum(ctx, name)):
        return SAFE  # ids.map(Number).join(','); Status.Open of a TypeScript enum in this file
    parsed = zod_parsed(evaluate, ctx, toks, depth) if re.match(_PARSE_CALL, rest) else None
    if parsed is not None:
        return parsed  # `Query.parse(req.query)` of a zod object schema: its keys, checked
    if re.match(r"\s*\(", rest):
        made = _new_member(evaluate, ctx, name, toks, depth)
        if made is not None:
            return made
        called = _local_function(evaluate, ctx, name, toks, depth)
        if called is not None:
            return called
    if name != "this" and len(toks) > 3 and toks[1].text in {".", "?."} and toks[3].text == "(":
        called = _instance_call(evaluate, ctx, name, toks[2:], depth)
        if called is not None:
            return called  # `q.sql()` of `const q = new Query(req)`
    if name == "this" and len(toks) > 3 and toks[1].text == "." and toks[3].text == "(":
        called = _local_function(evaluate, ctx, toks[2].text, toks[2:], depth, method=True)
        if called is not None:
            return called  # this.sqlFor(name): a method of this class in the same file
    got = _MAP_GET.match(rest)
    if got:
        value = _map_value(evaluate, ctx, name, got.group("key") if got.group(1) else None, depth)
        if value is not None:
            return value
    path, end = member_path(toks, 1, closers(toks)) if len(toks) > 1 else ([], 1)
    if path and end == len(toks):
        field = member(evaluate, ctx, name, path, depth)
        if field is not None:
            held = aliased(evaluate, ctx, name, path, depth) if through else None
            return merge(field, held) if held else field
    if not re.match(r"\s*\(", rest):
        # `rows.map((name) => …)` shadows `name`
        element = _callback_value(evaluate, ctx, name, depth)
        if element is not None:
            return element
        if position_parameter(ctx, name):
            return SAFE  # `(_, i) => '$' + (i + 1)`: the element's index
        param = _parameter_value(evaluate, ctx, name, depth)  # `(name) => db.query(…name…)` too
        if param is not None:
            return param
    decls = _declarations(evaluate, ctx, name, depth)
    if not decls:
        decls = _destructured(evaluate, ctx, name, depth)
    mapped = _mapped_slots(evaluate, ctx, toks, decls, depth) if decls else None
    if mapped is not None:
        return mapped
    picked = _MAPS_TO_FIELD.fullmatch(rest)
    if decls and picked:
        # `rows.map((r) => r.val)`: each element is that field of an element of `rows`
        element = elements(merge(*decls))
        read = re.findall(r"[\w$]+", picked.group("path"))
        held = aliased(evaluate, ctx, name, [ANY, *read], depth) if through else None
        mapped = _named_field([element], read) or nested(element, len(read))
        return Val(elems=merge(mapped, held) if held else mapped)
    if decls and through is not None:
        decls.append(through)
    if decls and _ARRAY_KEEPS.match(rest):
        return merge(*decls)  # `ids.filter(Boolean).slice(0, 5)`: the same elements
    if rest.startswith(".join("):
        elems = merge(*(elements(v) for v in decls)) if decls else Val(taint=f"`{name}`")
        return splice("join", [elems])
    if decls and not rest.strip():
        return _with_field_writes(evaluate, ctx, name, merge(*decls), depth)
    if decls and rest.startswith((".trim(", ".toLowerCase(", ".toUpperCase(", ".toString(")):
        return merge(*decls)
    keyed = _named_field(decls, path) if decls and path and end == len(toks) else None
    if keyed is not None:
        return keyed  # `w.clause` of `const w = whereFor(…)`: that field, not any field
    if (
        decls
        and path
        and end == len(toks)
        and (_INDEXED.match(rest) or all(not v.taint for v in decls))
    ):
        # `tags[i]`, `list[0]` when its slots are not known, `rows[i].val`, `o.a.b` when the
        # object is not a literal: any element's (any field's) value at that depth
        return nested(merge(*decls), len(path))
    if decls and all(not v.taint for v in decls) and not re.match(r"\s*\(", rest):
        return SAFE if not rest.strip() else Val(taint=None)
    traced = next((v.taint for v in decls if v.taint and from_source(v.taint)), None)
    if traced is not None:
        # `url.searchParams.get('c')` of `url = new URL(req.url)`, `cfg.table` of `cfg =
        # JSON.parse(...argv...)`: what is read from a value traced to a source is that source's
        return Val(taint=traced)
    if name[:1].isupper() and name.isupper() and not parameter_at(ctx.index, name, ctx.sink):
        # upper-case constants from other modules are configuration (a parameter so named is
        # what its callers pass, not configuration); a call on such a name is
        # a constructor or a namespace (`new URL(req.url)`, `JSON.parse(text)`): its result is
        # as untrusted as its arguments
        return _unknown_call(evaluate, ctx, toks, depth) or SAFE
    return _unknown_call(evaluate, ctx, toks, depth) or Val(taint=unresolved(ctx, name, text))


def _mapped_slots(
    evaluate: Evaluate, ctx: Ctx, toks: list[Tok], decls: list[Val], depth: int
) -> Val | None:
    """`pairs.map(([k], i) => …)` over an array whose elements' slots are known (br_core/
    sqli/js/expressions.py's allowed entries): an array of what the callback returns, its
    pattern's names read from those slots. None for any other call or array."""
    if len(toks) < 6 or toks[1].text != "." or toks[2].text != "map" or toks[3].text != "(":
        return None
    if closers(toks)[3] != len(toks) - 1 or toks[4].text != "(" or toks[5].text != "[":
        return None  # `.map(fn).x`, `.map(fn, this)`, a plain parameter: the usual rules
    if any(v.taint or v.elems is None or v.elems.items is None for v in decls):
        return None
    body = callback_result(ctx.index, toks[4:-1])
    if isinstance(body, int):
        returned = returns_of(evaluate, ctx, body, depth) if body >= 0 else None
    elif body:
        returned = evaluate(Ctx(ctx.src, ctx.toks, body[0].pos, ctx.index), body, depth + 1)
    else:
        returned = None
    return Val(elems=returned) if returned is not None else None


def _named_field(decls: list[Val], path: list[str]) -> Val | None:
    """Field `path[0]` (and below it, any element) of values that are each an object whose
    every key is known (`{ clause: '…', values: [v] }` returned by a local helper): what each
    holds under that key; None when any of them may hold other keys or is untrusted whole."""
    found = []
    for v in decls:
        fields = dict(v.keys) if v.keys is not None and not v.taint else None
        if fields is None or path[0] not in fields:
            return None
        found.append(fields[path[0]])
    return nested(merge(*found), len(path) - 1)


def _unknown_call(evaluate: Evaluate, ctx: Ctx, toks: list[Tok], depth: int) -> Val | None:
    """A call this file does not define (`getUser(req)`, `lookup(req.query.id)`): its result
    is as untrusted as its arguments, so one traced to a known source carries that source
    (high confidence) rather than "not a constant". None otherwise."""
    for call in (trailing_call(toks), _head_call(toks)):
        if call is None:
            continue
        vals = [evaluate(ctx, a, depth + 1) for a in call[2] if _may_taint(a)]
        traced = [v.taint for v in vals if v.taint and from_source(v.taint)]
        if traced:
            return Val(taint=f"{traced[0]}{THROUGH}`{call[1]}()`")
    return None


def _head_call(toks: list[Tok]) -> tuple[list[Tok], str, list[list[Tok]]] | None:
    """The call a chain starts with, when more follows it: `url.parse(req.url, true).query.id`,
    `new URL(req.url, base).searchParams.get('id')`. What is read from the result of a call
    this file does not define is as untrusted as that call's arguments (only the first call's:
    `createHash('md5').update(x).digest('hex')` is not read as `update`'s text)."""
    k = 1
    while k + 1 < len(toks) and toks[k].text in {".", "?."} and toks[k + 1].kind == "ident":
        k += 2
    if k + 1 >= len(toks) or toks[k].text != "(" or toks[0].kind != "ident":
        return None
    end = closers(toks[k:])[0] + k
    if end <= k or end + 1 >= len(toks) or toks[end + 1].text not in {".", "?.", "["}:
        return None
    return toks[: max(k - 2, 0)], toks[k - 1].text, split_top(toks[k + 1 : end], {","})


def _may_taint(arg: list[Tok]) -> bool:
    """An argument whose own value may be untrusted: not an object literal, whose fields are
    its elements, never its value (only a call argument's own taint passes to the result)."""
    return bool(arg) and not is_object_literal(arg)


# `.get('name')` (a literal key) or `.get(k)` (a key not known)
_MAP_GET = re.compile(
    r"""\s*\.\s*get\(\s*(?:(['"])(?P<key>[^'"\\]*)\1|[^'"()]+|[\w.]+\([^()]*\))\s*\)\s*$"""
)


def _map_value(evaluate: Evaluate, ctx: Ctx, name: str, key: str | None, depth: int) -> Val | None:
    """`m.get('keyA')` (key None: `m.get(k)`, a key not known) of a Map this file makes with
    `new Map(…)`: what it started with and what `m.set(k, v)` calls before the sink put under a
    key that may be 'keyA' (br_core/sqli/js/maps.py). None when `m` is not only ever a
    `new Map(…)`: the caller reads `m` itself."""
    decls = reaching_assignments(ctx, name)
    if not decls or not all(is_new_map(rhs) for _, _, rhs in decls):
        return None
    found = map_sets(ctx, name, key)
    if found is None:
        return None
    sets, replaced = found
    entries = [] if replaced else [e for k, _, rhs in decls for e in initial_entries(k, rhs, key)]
    vals: list[Val] = []
    for k, value, whole in entries + sets:
        here = Ctx(ctx.src, ctx.toks, ctx.toks[k].pos, ctx.index)
        val = evaluate(here, value, depth + 1)
        vals.append(merge(val, val.elems) if whole else val)
    return merge(*vals) if vals else SAFE


_INDEXED = re.compile(r"\s*\[")


def _destructured(evaluate: Evaluate, ctx: Ctx, name: str, depth: int) -> list[Val]:
    """`const [name] = rhs`: an element of rhs; `const { name } = rhs`: a field of rhs."""
    found = destructured(ctx, name)
    if found is None:
        return []
    bracket, rhs, at = found
    if not rhs:
        return []
    here = Ctx(ctx.src, ctx.toks, ctx.toks[at].pos, ctx.index)
    element = element_at(ctx, name, at, rhs) if bracket == "[" else None
    if element is not None:
        return [evaluate(here, element, depth + 1)]
    if bracket == "{":
        known = _pattern_field(evaluate, here, name, at, rhs, depth)
        if known is not None:
            return [known]
    val = (
        elements(_any_field(evaluate, here, rhs, depth))
        if bracket == "{"
        else elements(evaluate(here, rhs, depth + 1))
    )
    if val.taint or rhs[0].text in {"[", "{"}:
        return [val]
    return []  # `const { searchParams } = new URL(…)`: unknown, not proven constant


def _pattern_field(
    evaluate: Evaluate, ctx: Ctx, name: str, at: int, rhs: list[Tok], depth: int
) -> Val | None:
    """`const { sort: column } = opts`: the field `sort` of `opts` when what `opts` holds
    under it is known (its literal, its spreads, its writes), or of what an expression
    (`build(filters)`) gives when its fields are known by name; None otherwise."""
    if not rhs or (len(rhs) == 1 and rhs[0].kind != "ident"):
        return None
    toks = ctx.toks
    pattern = toks[at + 1 : ctx.index.ends[at]]
    for part in split_top(pattern, {","}):
        if len(part) >= 3 and part[1].text == ":" and part[2].text == name:
            key = part[0].parts[0] if part[0].kind == "str" and part[0].parts else part[0].text
            break
        if part and part[0].text == name and (len(part) == 1 or part[1].text == "="):
            key = name
            break
    else:
        return None
    if is_object_literal(rhs):
        # `const { table, login } = { ...DEFAULTS, login: req.body.login }`: each name is its
        # own key's value (a spread's included), not any of the literal's fields
        return _literal_field(evaluate, ctx, rhs, [key], depth)
    if len(rhs) > 1:
        whole = evaluate(ctx, rhs, depth)  # the same depth as reading `rhs.key` itself
        fields = dict(whole.keys) if whole.keys is not None and not whole.taint else {}
        return fields.get(key)
    return member(evaluate, ctx, rhs[0].text, [key], depth + 1)


def _callback_value(evaluate: Evaluate, ctx: Ctx, name: str, depth: int) -> Val | None:
    """A callback's parameter (br_core/sqli/js/callbacks.py): an element of the array it
    walks, or the value of the promise it waits on (`Promise.resolve(x)` holds x)."""
    found = callback_receiver(ctx, name)
    if found is None or not found[1]:
        return None
    method, receiver, slot = found
    call = trailing_call(receiver)
    if call and call[1] == "resolve" and text_of(ctx, call[0]) == "Promise" and call[2]:
        receiver = call[2][0]
    here = Ctx(ctx.src, ctx.toks, receiver[0].pos, ctx.index)
    val = evaluate(here, receiver, depth + 1)
    if val.taint or val.elems is None or method == "then":
        return val  # `(req.body.roles || []).map(…)`: the request's array, tainted throughout
    items = val.elems.items
    if slot is not None and items is not None and slot < len(items):
        return items[slot]  # `([key]) =>` over [key, value] pairs whose slots are known
    return val.elems


def _parameter_value(evaluate: Evaluate, ctx: Ctx, name: str, depth: int) -> Val | None:
    """A parameter of an expression-bodied arrow around the sink (br_core/sqli/js/arrows.py):
    what the arrow's call sites pass in that position; not a constant when the arrow is
    unnamed or its name is used other than by calling it."""
    found = arrow_parameter(ctx, name)
    if found is None:
        return None
    fn, position = found
    unknown = Val(taint=f"`{name}` (a parameter)")
    default = arrow_default(ctx, name)  # what a call that leaves the argument out passes
    toks, index = ctx.toks, ctx.index
    uses = [
        k
        for k in index.where.get(fn, [])
        if toks[k - 1].text not in {"const", "let", "var"} and not _object_key(toks, k)
    ]
    if not fn or not uses:
        return unknown
    vals: list[Val] = []
    for k in uses:
        if k + 1 >= len(toks) or toks[k + 1].text != "(" or toks[k - 1].text in {".", "?."}:
            return unknown  # `rows.forEach(count)`: called with values we do not see
        args = split_top(until_close(toks, k + 2, index.ends), {","})
        if position >= len(args) or not args[position]:
            # `undefined`, or the default, read where it stands (in the enclosing scope)
            here = Ctx(ctx.src, toks, default[0].pos, index) if default else ctx
            vals.append(evaluate(here, default, depth + 1) if default else SAFE)
            continue
        here = Ctx(ctx.src, toks, toks[k].pos, index)
        vals.append(evaluate(here, args[position], depth + 1))
    return merge(*vals)


def _object_key(toks: list[Tok], k: int) -> bool:
    """Token k is a key of an object literal (`{ lookup: lookup() }`), not a use of a name."""
    return toks[k - 1].text in {"{", ","} and k + 1 < len(toks) and toks[k + 1].text == ":"


def _local_function(
    evaluate: Evaluate, ctx: Ctx, name: str, toks: list[Tok], depth: int, method: bool = False
) -> Val | None:
    """A call to `function name(...) { return <expr>; }` (or to a class method of that name)
    in this file: what it returns, tainted by the call's arguments when it splices them."""
    key = ("method" if method else "function", name)
    if key not in ctx.index.memo and method:
        ctx.index.memo[key] = re.search(
            rf"^[ \t]*(?:(?:public|private|protected|static|async|override)\s+)*"
            rf"{re.escape(name)}\s*\(([^)]*)\)[^{{;=]*\{{",
            ctx.src,
            re.M,
        )
    if key not in ctx.index.memo and name not in ctx.index.introduced:
        ctx.index.memo[key] = None  # no `function name` nor `const name =` anywhere
    if key not in ctx.index.memo:
        # declarations are hoisted and the last of two same-named ones is the one called
        ctx.index.memo[key] = last_declaration(ctx, name)
    m = ctx.index.memo[key]
    if not isinstance(m, re.Match):
        return None if method else _made_function(evaluate, ctx, name, toks, depth)
    result_key = ("returns", f"{key[0]}:{name}")
    if result_key not in ctx.index.memo:
        ctx.index.memo[result_key] = SAFE  # recursion sees nothing
        if "=>" in m.group(0) and not m.group("brace"):
            body_at = m.end() - 1  # an arrow's expression body starts right after `=>`
            inner = Ctx(ctx.src, ctx.toks, body_at, ctx.index)
            first = bisect.bisect_right(ctx.index.pos, body_at)  # not a list per call: linear
            returned = evaluate(inner, until_end(ctx.toks, first, ctx.index.ends), depth + 1)
        else:  # every `return` of the body: `if (!id) return null;` is not the only one
            brace = bisect.bisect_left(ctx.index.pos, m.end() - 1)
            returned = returns_of(evaluate, ctx, brace, depth)
        ctx.index.memo[result_key] = returned
    result = ctx.index.memo[result_key]
    assert isinstance(result, Val)
    return _through_call(result, _call_taint(evaluate, ctx, toks, depth))


def _made_function(
    evaluate: Evaluate, ctx: Ctx, name: str, toks: list[Tok], depth: int
) -> Val | None:
    """`build(…)` of `const build = makeBuilder(…)` (factories.py): what the made function
    returns, as untrusted as the arguments of this call or of the factory's, whose parameters
    it captured."""
    made = made_function_result(evaluate, ctx, name, depth)
    if made is None:
        return None
    result, at = made
    factory_call = until_end(ctx.toks, at, ctx.index.ends)
    here = Ctx(ctx.src, ctx.toks, ctx.toks[at].pos, ctx.index)
    taint = _call_taint(evaluate, ctx, toks, depth) or _call_taint(
        evaluate, here, factory_call, depth
    )
    return _through_call(result, taint)


def _call_taint(evaluate: Evaluate, ctx: Ctx, toks: list[Tok], depth: int) -> str | None:
    """The taint of the first untrusted argument of the call `toks` (`name(…)`), or None."""
    call_args = split_top(until_close(toks, 2), {","}) if len(toks) > 2 else []
    arg_vals = [evaluate(ctx, a, depth + 1) for a in call_args if _may_taint(a)]
    return next((a.taint for a in arg_vals if a.taint), None)


def _through_call(result: Val, taint: str | None) -> Val:
    """What a local helper's `result` is at a call whose arguments carry `taint` (None:
    constants): the request the helper reads itself stays; a value made from its parameters
    is as untrusted as the arguments. The same holds for each element and named field of an
    array or object it returns."""
    if result.taint and from_source(result.taint):
        return result  # the helper reads the request itself: `currentUser()`
    elems = _through_call(result.elems, taint) if result.elems is not None else None
    keys = (
        tuple((k, _through_call(v, taint)) for k, v in result.keys)
        if result.keys is not None
        else None
    )
    if not result.taint or not taint:
        return Val(text=result.text, is_str=result.is_str, elems=elems, keys=keys)
    return Val(
        taint=taint,
        built=result.built,
        text=result.text,
        is_str=result.is_str,
        elems=elems,
        keys=keys,
    )


def _declarations(evaluate: Evaluate, ctx: Ctx, name: str, depth: int) -> list[Val]:
    """Values assigned to `name` before the sink: declarations, `=`, `+=`, `.push()`."""
    key = (name, ctx.limit)
    if key not in ctx.index.decls:
        ctx.index.decls[key] = []  # a self-reference (`x = x + 1`) sees no declaration
        ctx.index.decls[key] = _declarations_uncached(evaluate, ctx, name, depth)
    return ctx.index.decls[key]


def _declarations_uncached(evaluate: Evaluate, ctx: Ctx, name: str, depth: int) -> list[Val]:
    remaining = _remaining_slots(evaluate, ctx, name, depth)
    if remaining is not None:
        return [remaining]
    vals: list[Val] = loop_values(evaluate, ctx, name, depth)
    default = False  # `const { sort: column = 'id' } = opts`: the default is one value
    for k, op, rhs in reaching_assignments(ctx, name):
        default = default or ctx.toks[k - 1].text in _PATTERN_PREV
        # the right-hand side is read where it stands: `x = x + 1` sees the earlier `x`
        here = Ctx(ctx.src, ctx.toks, ctx.toks[k].pos, ctx.index)
        if op == "push":
            args = split_top(rhs, {","})
            vals.append(Val(elems=merge(*(evaluate(here, a, depth + 1) for a in args if a))))
            continue
        val = evaluate(here, rhs, depth + 1)
        if op == "+=" and vals:
            val = splice("+", [merge(*vals), val])
        vals.append(val)
    return vals + _destructured(evaluate, ctx, name, depth) if default else vals


_PATTERN_PREV = frozenset({"{", "[", ",", ":"})  # before a name a pattern may give a default


def _remaining_slots(evaluate: Evaluate, ctx: Ctx, name: str, depth: int) -> Val | None:
    """`const cols = [req.query.col, 'id']; cols.shift();`: the array holds only the elements
    its slots keep at the sink (arrays.py), not every element it was ever given. None when an
    array literal's slots are not known there, or the file takes no element out anywhere
    (then its declarations and pushes are the elements: no need to follow the slots)."""
    where = ctx.index.where
    if "shift" not in where and "pop" not in where and "splice" not in where:
        return None
    found = array_slots(ctx, name)
    if found is None:
        return None
    return Val(elems=merge(*(evaluate(at, e, depth + 1) for at, e in found)))


def member(evaluate: Evaluate, ctx: Ctx, name: str, path: list[str], depth: int) -> Val | None:
    """`o.a.b`: what the object held when created (`_field`, a class field's initialiser) or,
    failing that, the object as a whole, and every later write that may set that field
    (br_core/sqli/js/fields.py), a local helper's included (mutators.py). A plain write that
    runs on every path to the sink replaces what came before it (order.py). None when
    nothing is known about `o`'s fields: the caller reads `o` itself."""
    if name == "this" and len(path) == 1:
        body = enclosing_class(ctx.index, ctx.sink)
        own = (
            _class_member(evaluate, ctx, body, path[0], depth)
            if body is not None and not in_constructor(ctx.index, body, ctx.sink)
            else None
        )
        if own is not None:
            return own  # `this.key` in a method: what the class puts there (instances.py)
        literal = method_object(ctx.index, ctx.sink) if body is None else None
        if literal is not None and not field_writes(ctx, name, path):
            # `get code() { return this._raw; }`: the object literal's own field
            toks = ctx.toks[literal : ctx.index.ends[literal] + 1]
            here = Ctx(ctx.src, ctx.toks, ctx.toks[literal].pos, ctx.index)
            return _literal_field(evaluate, here, toks, path, depth + 1)
    writes = field_writes(ctx, name, path)
    helpers = helper_writes(ctx, name, path)
    base = _known_field(evaluate, ctx, name, path, depth)
    if base is None and name != "this" and len(path) == 1:
        base = _instance_member(evaluate, ctx, name, path[0], depth)
    if not writes and not helpers:
        return base
    if base is None and name != "this":
        base = merge(*_declarations(evaluate, ctx, name, depth))
    index, sink = ctx.index, ctx.sink
    last = -1  # the last write that replaces the field on every path to the sink
    if name != "this":
        last = max(
            (k for k, _, _ in writes if replaces(index, k, path) and dominates(index, k, sink)),
            default=-1,
        )
    vals = [base] if last < 0 else []
    for k, kind, rhs in writes:
        if k >= last:
            here = Ctx(ctx.src, ctx.toks, ctx.toks[k].pos, index)
            vals.append(written(evaluate, here, kind, rhs, depth))
    vals += [
        _helper_write(evaluate, ctx, call, write, args, depth)
        for call, write, args in helpers
        if call > last
    ]
    return merge(*vals)


def _helper_write(
    evaluate: Evaluate,
    ctx: Ctx,
    call: int,
    write: tuple[int, str, list[Tok]],
    args: list[list[Tok]],
    depth: int,
) -> Val:
    """What a local helper's write at the call (token `call`) puts in the field: read inside
    the helper; a value made from its parameters is as untrusted as the call's arguments."""
    k, kind, rhs = write
    here = Ctx(ctx.src, ctx.toks, ctx.toks[k].pos, ctx.index)
    val = written(evaluate, here, kind, rhs, depth)
    if not val.taint or from_source(val.taint):
        return val  # a constant, or the request read inside the helper itself
    at = Ctx(ctx.src, ctx.toks, ctx.toks[call].pos, ctx.index)
    taint = next(
        (v.taint for v in (evaluate(at, a, depth + 1) for a in args if a) if v.taint), None
    )
    return Val(taint=taint, built=val.built if taint else None, text=val.text, is_str=val.is_str)


def _with_field_writes(evaluate: Evaluate, ctx: Ctx, name: str, whole: Val, depth: int) -> Val:
    """An object read whole (`buildQuery(spec)`) holds what the file wrote to its fields
    before the read (`spec.order = req.query.order`), under that key when it is one level
    deep, besides what it was created with: a write may not run, so it adds, never
    replaces."""
    if whole.elems is None or whole.taint:
        return whole  # not a container, or untrusted already
    writes = field_writes(ctx, name, [])
    helpers = helper_writes(ctx, name, [])  # `setOrder(spec, req.query.order)`
    if not writes and not helpers:
        return whole
    toks, index = ctx.toks, ctx.index
    vals = [_helper_write(evaluate, ctx, call, write, args, depth) for call, write, args in helpers]
    keys = dict(whole.keys) if whole.keys is not None and not helpers else None
    for k, kind, rhs in writes:
        val = written(evaluate, Ctx(ctx.src, toks, toks[k].pos, index), kind, rhs, depth)
        vals.append(val)
        one_level = k + 3 < len(toks) and toks[k + 1].text == "." and toks[k + 3].text == "="
        if keys is not None and one_level:
            key = toks[k + 2].text
            keys[key] = merge(keys[key], val) if key in keys else val
        else:
            keys = None
    return replace(
        whole,
        elems=merge(whole.elems, *vals),
        keys=tuple(keys.items()) if keys is not None else None,
    )


def written(evaluate: Evaluate, ctx: Ctx, kind: str, rhs: list[Tok], depth: int) -> Val:
    """What a write (br_core/sqli/js/fields.py) may put in the field read: rhs itself, any
    field of rhs, or (`o.list.push(a, ...b)`) more elements."""
    if kind == "field":
        return evaluate(ctx, rhs, depth + 1)
    if kind == "elements":
        added = [
            elements(evaluate(ctx, a[1:], depth + 1))
            if a[0].text == "..."
            else evaluate(ctx, a, depth + 1)
            for a in split_top(rhs, {","})
            if a
        ]
        return Val(elems=merge(*added))
    return _any_field(evaluate, ctx, rhs, depth)


def _constructions(ctx: Ctx, name: str) -> list[tuple[Ctx, int, list[Tok]]] | None:
    """Where every assignment to `name` that reaches the sink is `new C(…)` of a class this
    file declares: per assignment, the context at it, the class body and the constructor's
    argument tokens (`instance_of`). None when any assignment is something else."""
    assignments = reaching_assignments(ctx, name)
    made = [instance_of(rhs, ctx.index) if op == "=" else None for _, op, rhs in assignments]
    if not made:
        return None
    found: list[tuple[Ctx, int, list[Tok]]] = []
    for (k, _, _), m in zip(assignments, made, strict=True):
        if m is None:
            return None
        found.append((Ctx(ctx.src, ctx.toks, ctx.toks[k].pos, ctx.index), m[0], m[1]))
    return found


def _instance_member(evaluate: Evaluate, ctx: Ctx, name: str, key: str, depth: int) -> Val | None:
    """`lookup.clause` where every assignment to `lookup` that reaches the sink is `new
    Lookup(…)` of a class this file declares: that member (`_class_member`), as untrusted as
    the constructor's arguments where it is made of the constructor's parameters."""
    vals: list[Val] = []
    for here, body, args in _constructions(ctx, name) or []:
        val = _constructed(evaluate, here, body, args, key, depth)
        if val is None:
            return None
        vals.append(val)
    return merge(*vals) if vals else None


def _instance_call(
    evaluate: Evaluate, ctx: Ctx, name: str, call: list[Tok], depth: int
) -> Val | None:
    """`q.method(…)` where every assignment to `q` that reaches the sink is `new C(…)` of a
    class this file declares: what that method returns there (`_constructed_call`)."""
    if name not in ctx.index.introduced or call[0].kind != "ident":
        return None
    vals: list[Val] = []
    for here, body, args in _constructions(ctx, name) or []:
        val = _constructed_call(evaluate, ctx, body, args, call, depth, here)
        if val is None:
            return None
        vals.append(val)
    return merge(*vals) if vals else None


def _new_member(evaluate: Evaluate, ctx: Ctx, name: str, toks: list[Tok], depth: int) -> Val | None:
    """`new Query(name).name` (the `new` already dropped): member `name` of an instance of a
    class this file declares; None for anything else."""
    body = class_body(ctx.index, name)
    if body is None or len(toks) < 5:
        return None
    close = closers(toks)[1]
    rest = toks[close + 1 :] if close > 0 else []
    if len(rest) < 2 or rest[0].text not in {".", "?."} or rest[1].kind != "ident":
        return None
    if len(rest) == 2:
        return _constructed(evaluate, ctx, body, toks[2:close], rest[1].text, depth)
    return _constructed_call(evaluate, ctx, body, toks[2:close], rest[1:], depth)


def _constructed_call(
    evaluate: Evaluate,
    ctx: Ctx,
    body: int,
    args: list[Tok],
    call: list[Tok],
    depth: int,
    made: Ctx | None = None,
) -> Val | None:
    """`new C(args).method(…)` (`call` from the method's name on) of a class this file
    declares: what the method returns, its `this.<field>` read from the class (the
    constructor's writes included); a value made from a parameter (of the constructor or
    of the method) is as untrusted as the arguments of both calls (the constructor's read
    where the instance was `made`, by default at the call)."""
    if len(call) < 3 or call[1].text != "(" or closers(call)[1] != len(call) - 1:
        return None  # `new C(x).run().rows`: not the method's result itself
    brace = method_body(ctx.index, body, call[0].text)
    if brace is None:
        return None
    memo = ("method returns", str(brace))
    if memo not in ctx.index.memo:
        ctx.index.memo[memo] = SAFE  # a method that calls itself sees nothing
        ctx.index.memo[memo] = returns_of(evaluate, ctx, brace, depth)
    result = ctx.index.memo[memo]
    assert isinstance(result, Val)
    passed = [(made or ctx, a) for a in split_top(args, {","})]
    passed += [(ctx, a) for a in split_top(call[2:-1], {","})]
    vals = [evaluate(at, a, depth + 1) for at, a in passed if a and _may_taint(a)]
    return _through_call(result, next((v.taint for v in vals if v.taint), None))


def _constructed(
    evaluate: Evaluate, ctx: Ctx, body: int, args: list[Tok], key: str, depth: int
) -> Val | None:
    """Member `key` of `new C(args)` (C's body at token `body`): the class's own value; one
    made from a parameter takes the taint of the arguments passed (as for a local helper)."""
    val = _class_member(evaluate, ctx, body, key, depth)
    if val is None or not val.taint or from_source(val.taint):
        return val
    passed = [evaluate(ctx, a, depth + 1) for a in split_top(args, {","}) if _may_taint(a)]
    taint = next((v.taint for v in passed if v.taint), None)
    return Val(taint=taint, built=val.built, text=val.text, is_str=val.is_str) if taint else val


def _class_member(evaluate: Evaluate, ctx: Ctx, body: int, key: str, depth: int) -> Val | None:
    """Member `key` of an instance of the class whose body opens at `body`
    (br_core/sqli/js/instances.py): what its getter returns, or what its initialiser and the
    writes that may reach a read put in the field. None when the class does not say."""
    memo = ("class member", f"{body}:{key}")
    if memo in ctx.index.memo:
        found = ctx.index.memo[memo]
        return found if isinstance(found, Val) else None
    ctx.index.memo[memo] = SAFE  # a getter that reads itself sees nothing
    index = ctx.index
    # the instance may be a subclass's: its getter overrides, its writes add
    vals = [_own_member(evaluate, ctx, b, key, depth) for b in [body, *subclasses(index, body)]]
    val = merge(*vals) if vals[0] is not None else None
    ctx.index.memo[memo] = val
    return val


def _own_member(evaluate: Evaluate, ctx: Ctx, body: int, key: str, depth: int) -> Val | None:
    """What the class body at `body` itself says of member `key`: its getter's returns, or
    its field's initialiser and writes; None when it says nothing."""
    getter = getter_body(ctx.index, body, key)
    if getter is not None:
        return returns_of(evaluate, ctx, getter, depth + 1)
    field = class_field_of(ctx.index, body, key)
    return _field_value(evaluate, ctx, field, depth) if field is not None else None


def _field_value(evaluate: Evaluate, ctx: Ctx, field: Field, depth: int) -> Val:
    """Any value a class's initialiser and writes (instances.py's `Field`) put in a field."""
    vals = []
    if field.initialiser is not None:
        k, init = field.initialiser
        here = Ctx(ctx.src, ctx.toks, ctx.toks[k].pos, ctx.index)
        vals.append(evaluate(here, init, depth + 1))
    for k, kind, rhs in field.writes:
        here = Ctx(ctx.src, ctx.toks, ctx.toks[k].pos, ctx.index)
        vals.append(written(evaluate, here, kind, rhs, depth))
    return merge(*vals)


def _class_field(evaluate: Evaluate, ctx: Ctx, key: str, depth: int) -> Val | None:
    """`this.key` where the class declares `key = <initialiser>` (br_core/sqli/js/classes.py)."""
    found = class_field(ctx.index, key, ctx.sink)
    if found is None or not found[1]:
        return None
    k, init = found
    return evaluate(Ctx(ctx.src, ctx.toks, ctx.toks[k].pos, ctx.index), init, depth + 1)


def _any_field(evaluate: Evaluate, ctx: Ctx, rhs: list[Tok], depth: int) -> Val:
    """Any field of the object `rhs` (`{ id: req.query.id }`, `{ ...req.body }`, `req.body`)."""
    if len(rhs) < 2 or rhs[0].text != "{" or rhs[-1].text != "}":
        return evaluate(ctx, rhs, depth + 1)
    vals = []
    for part in split_top(rhs[1:-1], {","}):
        if part and part[0].text == "...":
            vals.append(elements(evaluate(ctx, part[1:], depth + 1)))  # `{ ...base }`
        elif len(part) > 2 and part[1].text == ":":
            vals.append(evaluate(ctx, part[2:], depth + 1))
        elif len(part) == 1:
            vals.append(evaluate(ctx, part, depth + 1))  # shorthand `{ id }`
    return merge(*vals)


def _known_field(
    evaluate: Evaluate, ctx: Ctx, name: str, path: list[str], depth: int
) -> Val | None:
    """What `name.<path>` held as created: a class field's initialiser (`this.key`), the slot
    of an array the statements before the sink moved it to (`list[0]` after `list.shift()`,
    `rows[1].val`; arrays.py), an object literal's field at any depth (`opts.filter.city`).
    None when the object is none of these."""
    if name == "this":
        return _class_field(evaluate, ctx, path[0], depth) if len(path) == 1 else None
    found = array_slots(ctx, name) if path[0].isdigit() or path[0] == ANY else None
    picked = read_at(found, path[0]) if found is not None else None
    if picked is not None:
        return merge(*(_value_field(evaluate, at, e, path[1:], depth) for at, e in picked))
    return _field(evaluate, ctx, name, path, depth)


def _field(evaluate: Evaluate, ctx: Ctx, name: str, path: list[str], depth: int) -> Val | None:
    """`q.name` (or `q.filter.city`) where every assignment to `q` is an object literal
    (`{ name: req.query.name }`, shorthand `{ name }`): the value of that field; None when
    `q` is anything else."""
    found: list[Val] = []
    assignments = reaching_assignments(ctx, name)
    for k, op, rhs in assignments:
        rhs = assign_literal(rhs) or rhs
        if op != "=" or not is_object_literal(rhs):
            return None
        here = Ctx(ctx.src, ctx.toks, ctx.toks[k].pos, ctx.index)
        found.append(_literal_field(evaluate, here, rhs, path, depth))
    return merge(*found) if assignments else None


def _literal_field(
    evaluate: Evaluate, ctx: Ctx, toks: list[Tok], path: list[str], depth: int
) -> Val:
    """What the object literal `toks` holds under `path`: the value its key was given last,
    and any spread that may replace it, followed down the rest of the path (`{ ...defaults,
    filter: { ...defaults.filter, ...req.query } }` holds the request under `filter.city`)."""
    if depth > MAX_DEPTH:
        return beyond_depth(ctx, toks)
    entries = literal_entries(toks, path[0])
    # `{ ...req.query, ...DEFAULTS }`: a later spread that surely writes the key replaces
    # whatever the earlier entries put there
    last = max(
        (j for j, (spread, value) in enumerate(entries) if spread and _sets(ctx, value, path[0])),
        default=0,
    )
    # reading a key's value is this one step: the depth was counted on the way here (a
    # path or a literal that shrinks at each turn bounds the recursion)
    vals = [
        _getter_field(evaluate, ctx, value, path[1:], depth)
        if not spread and is_getter(value)
        else _value_field(evaluate, ctx, value, path if spread else path[1:], depth)
        for spread, value in entries[last:]
    ]
    return merge(*vals)


def _getter_field(
    evaluate: Evaluate, ctx: Ctx, getter: list[Tok], path: list[str], depth: int
) -> Val:
    """What the literal's getter `get key() {…}` returns, followed down the rest of `path`."""
    brace = getter_brace(ctx.index, getter)
    if brace is None:
        return Val(taint=f"`{getter[1].text}` (a getter)")
    val = returns_of(evaluate, ctx, brace, depth + 1)
    return nested(val, len(path)) if path else val


def _sets(ctx: Ctx, spread: list[Tok], key: str) -> bool:
    """The spread object surely has `key`: an object literal that writes it, or a constant
    (`const DEFAULTS = { sort: 'id' }`, literals only) whose literal names it and that no
    `delete` nor method call may change; a spread of anything else may or may not have it."""
    if key == ANY:
        return False
    if is_object_literal(spread):
        return any(not inner for inner, _ in literal_entries(spread, key))
    if len(spread) != 1 or spread[0].kind != "ident":
        return False
    name = spread[0].text
    if not const_object(ctx, name) or mutated(ctx, name):
        return False
    toks = ctx.toks
    if any(k and toks[k - 1].text == "delete" for k in ctx.index.where.get(name, [])):
        return False
    assignments = reaching_assignments(ctx, name)
    return bool(assignments) and all(
        op == "=" and is_object_literal(rhs) and _sets(ctx, rhs, key) for _, op, rhs in assignments
    )


def _value_field(evaluate: Evaluate, ctx: Ctx, toks: list[Tok], path: list[str], depth: int) -> Val:
    """What the expression `toks` holds under `path` (the value itself for no path): an
    object or array literal's entry, a field of a name whose fields are known, else any
    element at that depth (`{ ...req.body }`: the request under any key)."""
    if not path:
        return evaluate(ctx, toks, depth + 1)
    if is_object_literal(toks):
        return _literal_field(evaluate, ctx, toks, path, depth)
    if len(toks) >= 2 and toks[0].text == "[" and toks[-1].text == "]" and depth <= MAX_DEPTH:
        items = slots(toks[1:-1])
        if (path[0].isdigit() or path[0] == ANY) and not any(
            p and p[0].text == "..." for p in items
        ):
            n = int(path[0]) if path[0] != ANY else 0
            picked = items if path[0] == ANY else items[n : n + 1]
            return merge(*(_value_field(evaluate, ctx, p, path[1:], depth + 1) for p in picked))
    if toks and toks[0].kind == "ident" and depth <= MAX_DEPTH:
        keys, end = member_path(toks, 1, closers(toks))
        if end == len(toks):
            found = member(evaluate, ctx, toks[0].text, keys + path, depth + 1)
            if found is not None:
                return found
    return nested(evaluate(ctx, toks, depth + 1), len(path))

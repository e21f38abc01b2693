"""The abstract value of a JavaScript expression given as tokens (`evaluate`): literals,
templates, `+` and `||`, calls that build strings (`util.format`, pg-format, `concat`, `join`,
`JSON.stringify`, promises), with a budget and a depth bound. A name is resolved by
br_core/sqli/js/names.py, which is handed `evaluate` for the values it finds."""

from __future__ import annotations

import re

from br_core.sqli.js.arrays import array_slots
from br_core.sqli.js.callbacks import ignores_element
from br_core.sqli.js.callers import FIELD_MARK, parameter_sites
from br_core.sqli.js.calls import (
    array_items,
    elements,
    imports_format,
    maps_to_escaped,
    numbers_formatted,
    sanitizing_call,
    trailing_call,
)
from br_core.sqli.js.continuations import callback_sites
from br_core.sqli.js.depth import MAX_DEPTH, beyond_depth
from br_core.sqli.js.dtos import validated_field
from br_core.sqli.js.fold import truth
from br_core.sqli.js.middleware import set_by_file
from br_core.sqli.js.names import identifier, returns_of, written
from br_core.sqli.js.objects import is_object_literal, object_call, object_value
from br_core.sqli.js.pgformat import format_names, raw_arguments
from br_core.sqli.js.pipes import converted_parameter
from br_core.sqli.js.predicates import checked_names
from br_core.sqli.js.promises import callback_result
from br_core.sqli.js.routeschemas import schema_validated
from br_core.sqli.js.scope import (
    NUMBERS_MAP,
    Ctx,
    fixed_list,
    guard_names,
    only,
    text_of,
)
from br_core.sqli.js.sources import ANY_SOURCE, SOURCES, from_source, shadowed
from br_core.sqli.js.tokens import Tok, split_top, ternary, tokenize
from br_core.sqli.values import OVER_BUDGET, SAFE, Val, literal, merge, splice

# new Array(n).fill('?'), '?, '.repeat(n): a run of one constant placeholder
_PLACEHOLDER_FILL = re.compile(
    r"\.fill\(\s*(['\"])[?%s:$@\w]{1,4}\1\s*\)|^(['\"])[?%s,\s]{1,6}\2\s*\.repeat\("
)


# the same with a block body: `.map((r, i) => { values.push(r.x); return `($${i + 1})`; })`
_PLACEHOLDER_BLOCK = re.compile(
    r"\.map\(\s*\(?\s*(?P<a>\w*)\s*(?:,\s*(?P<i>\w+)\s*)?\)?\s*=>\s*\{[^{}]*?\breturn\s+"
    r"(?P<body>`[^`]*`|'[^']*'|\"[^\"]*\")\s*;?\s*\}\s*\)"
)
_PLACEHOLDER_MAP = re.compile(
    r"\.map\(\s*\(?\s*(?P<a>\w*)\s*(?:,\s*(?P<i>\w+)\s*)?\)?\s*=>\s*(?P<body>[^()]*?|\([^()]*\))\s*\)"
)


def evaluate(ctx: Ctx, toks: list[Tok], depth: int = 0) -> Val:
    """The abstract value of an expression given as tokens."""
    ctx.index.budget -= 1
    if not toks:
        return SAFE
    if toks[0].text in _UNWRAPPED and depth < 20:  # (most expressions start otherwise)
        toks = _unwrapped(toks)
        if not toks:
            return SAFE
    if ctx.index.budget < 0:
        return _past_budget(ctx, toks, depth)
    if depth > MAX_DEPTH:
        return beyond_depth(ctx, toks)
    return _compound(ctx, toks, depth)


_UNWRAPPED = frozenset({"await", "new", "(", "typeof"})


def _unwrapped(toks: list[Tok]) -> list[Tok]:
    """`toks` without the parentheses around the whole and the `await`, `new` or `typeof` it
    starts with."""
    for _ in range(20):  # `((((x))))`: unwrapping without a bound was quadratic
        if not (toks and toks[0].text in _UNWRAPPED):
            break
        if toks[0].text == "(" and toks[-1].text == ")" and len(split_top(toks[1:-1], {","})) == 1:
            toks = toks[1:-1]
        elif toks[0].text == "(":
            break
        else:
            toks = toks[1:]
    return toks


def _past_budget(ctx: Ctx, toks: list[Tok], depth: int) -> Val:
    """The value of `toks` once the file has spent its evaluation budget: the expression's own
    shape (a template, a `+` or `||` chain, a ternary's branches) is read, nothing it names is
    followed. An operand is a literal, a number, a known source as written (`req.query.id`,
    high), or else unresolved (medium), never constant by default (issue 17 item 3). Each step
    reads fewer tokens, so a big file stays linear."""
    if depth > MAX_DEPTH:
        return beyond_depth(ctx, toks, OVER_BUDGET)
    first = toks[0]
    if first.kind == "tmpl" and len(toks) == 1:
        if first.tagged:
            return Val(text=" ".join(first.parts), is_str=True)
        vals = [literal(p) for p in first.parts]
        vals += [
            evaluate(ctx, expr_tokens(ctx, first, j), depth + 1) for j in range(len(first.exprs))
        ]
        return splice("template", vals)
    if len(toks) == 1 and first.kind != "ident":
        return beyond_depth(ctx, toks, OVER_BUDGET)  # a literal is itself
    top = _top_operators(toks)
    tern = ternary(toks) if "?" in top else None
    if tern is not None:
        return merge(evaluate(ctx, tern[1], depth + 1), evaluate(ctx, tern[2], depth + 1))
    for ops in _SHAPE_SPLITS:
        parts = split_top(toks, ops) if top & ops else []
        if len(parts) > 1:
            vals = [evaluate(ctx, p, depth + 1) for p in parts]
            return splice("+", vals) if "+" in ops and any(v.is_str for v in vals) else merge(*vals)
    # an operand's start and end only: one that never closes (`f(a + f(a + …`) runs to the end
    # of the arguments, and each sink after the budget must cost no more than its own shape
    start, last = toks[0].pos, toks[-1]
    end = last.pos + len(last.text)
    head, tail = ctx.src[start : min(end, start + 200)], ctx.src[max(start, end - 300) : end]
    if sanitizing_call(ctx, head) or _NUMBER_TAIL.search(tail) or _NUMBERS_TAIL.search(tail):
        return SAFE
    source = (
        next((s for p, s in SOURCES if p.match(head)), None) if ANY_SOURCE.match(head) else None
    )
    return (
        Val(taint=f"{source} (`{head[:40]}`)") if source else beyond_depth(ctx, toks, OVER_BUDGET)
    )


_SHAPE_OPERATORS = frozenset({"?", "||", "??", "+"})
_SHAPE_SPLITS = (frozenset({"||", "??"}), frozenset({"+"}))  # alternatives, then a `+` chain
_OPENING, _CLOSING = frozenset("([{"), frozenset(")]}")


def _top_operators(toks: list[Tok]) -> set[str]:
    """Which of `?`, `||`, `??` and `+` occur outside brackets in `toks`: one pass, where
    trying the ternary and each split in turn read an operand's tokens three times."""
    found: set[str] = set()
    depth = 0
    for tok in toks:
        if tok.kind == "punct":
            text = tok.text
            if text in _OPENING:
                depth += 1
            elif text in _CLOSING:
                depth -= 1
            elif depth == 0 and text in _SHAPE_OPERATORS:
                found.add(text)
    return found


def _compound(ctx: Ctx, toks: list[Tok], depth: int) -> Val:
    """A ternary, `||`/`??` alternatives or a `+` chain, else a single operand."""
    tern = ternary(toks)
    if tern is not None:
        cond, yes, no = tern
        holds = truth(ctx.index, cond)
        if holds is not None:  # `1 > 2 ? a : b` is b: the other branch never runs
            return evaluate(ctx, yes if holds else no, depth + 1)
        guarded = guard_names(ctx, text_of(ctx, cond)) | checked_names(ctx, cond)
        return merge(evaluate(ctx, yes, depth + 1, ) if not only(ctx, yes, guarded) else SAFE,
                     evaluate(ctx, no, depth + 1))  # fmt: skip
    for ops in ({"||", "??"}, {"+"}):
        parts = split_top(toks, ops)
        if len(parts) > 1:
            vals = [evaluate(ctx, p, depth + 1) for p in parts]
            if "+" in ops and any(v.is_str for v in vals):
                return splice("+", vals)
            return merge(*vals)
    return _operand(ctx, toks, depth)


def expr_tokens(ctx: Ctx, tmpl: Tok, index: int) -> list[Tok]:
    start = tmpl.expr_pos[index]
    line = tmpl.line + ctx.src.count("\n", tmpl.pos, start)
    return tokenize(ctx.src, start, start + len(tmpl.exprs[index]), line)


def template_values(ctx: Ctx, tmpl: Tok, depth: int) -> list[Val]:
    """The value of each `${}` of the template `tmpl` read at the sink, at `depth`: found once,
    for the sink's value and again for its fix (analyzer.py), which evaluated them twice."""
    key = (tmpl.pos, ctx.limit, depth)
    found = ctx.index.spliced.get(key)
    if found is None:
        found = [evaluate(ctx, expr_tokens(ctx, tmpl, j), depth) for j in range(len(tmpl.exprs))]
        ctx.index.spliced[key] = found
    return found


def _operand(ctx: Ctx, toks: list[Tok], depth: int) -> Val:
    first = toks[0]
    if first.kind == "str" and len(toks) == 1:
        return literal(first.parts[0])
    if first.kind == "num" or (first.text in {"+", "-", "!"} and first.kind == "punct"):
        return SAFE
    if first.kind == "tmpl" and len(toks) == 1:
        if first.tagged:
            return Val(text=" ".join(first.parts), is_str=True)
        vals: list[Val] = [literal(p) for p in first.parts]
        return splice("template", vals + template_values(ctx, first, depth + 1))
    text = text_of(ctx, toks)
    if first.kind == "ident" and first.text in {"true", "false", "null", "undefined"}:
        return SAFE
    built = _builder_call(ctx, toks, text, depth)
    if built is not None:
        return built
    if sanitizing_call(ctx, text) or _NUMBER_TAIL.search(text):
        return SAFE
    if first.text == "[":
        inner = split_top(toks[1:-1], {","})
        return Val(elems=merge(*(_item(ctx, p, depth) for p in inner if p)))
    if is_object_literal(toks):
        return object_value(evaluate, ctx, toks, depth)
    placeholder = _PLACEHOLDER_MAP.search(text) or _PLACEHOLDER_BLOCK.search(text)
    if (placeholder and _placeholder_body(placeholder)) or _PLACEHOLDER_FILL.search(text):
        return Val(is_str=True, text="?")
    allowed = _ALLOW_FILTER.search(text)
    if allowed and fixed_list(ctx, allowed.group("table")):
        return SAFE  # `Object.keys(req.body).filter((k) => EDITABLE.includes(k))`
    entries = _allowed_entries(ctx, toks, text, depth)
    if entries is not None:
        return entries
    if _NUMBERS_TAIL.search(text):
        return SAFE  # `req.query.ids.map(Number).filter(…)`: numbers, whatever the request held
    if maps_to_escaped(ctx, toks):
        return Val(elems=SAFE)  # `hosts.map((h) => mysql.escape(h))`: escaped, each of them
    if len(toks) == 3 and toks[1].text in {".", "?."} and validated_field(ctx, toks):
        return SAFE  # `dto.id` of `@Body() dto: CreateDto` whose `id` is `@IsInt()`
    spelled = ANY_SOURCE.match(text)
    if spelled and first.kind == "ident" and shadowed(ctx, first.text):
        # `JOBS.forEach((req) => …)`: this `req` is an element, not the request. A binding
        # whose value is not resolved (`let body = ''` filled by a stream's callbacks) keeps
        # the name's spelling as the better guess.
        bound = identifier(evaluate, ctx, toks, text, depth)
        if not bound.taint or from_source(bound.taint):
            return bound
    for pattern, source in SOURCES if spelled else ():
        if pattern.match(text):
            if schema_validated(ctx, toks):
                return SAFE  # `request.query.sort` a Fastify route's schema lists the values of
            own = _set_by_middleware(ctx, toks, depth)
            if own is not None:
                return own
            fed = _fed_by_callers(ctx, toks, depth) if first.kind == "ident" else None
            return fed or Val(taint=f"{source} (`{text[:40]}`)")
    if first.kind != "ident":
        return SAFE
    if len(toks) == 5 and toks[2].text == "locals":
        own = _set_by_middleware(ctx, toks, depth)
        if own is not None:
            return own  # `res.locals.tenantId` that only this file's middleware writes
    val = identifier(evaluate, ctx, toks, text, depth)
    if len(toks) == 1 and val.taint and converted_parameter(ctx, text):
        return SAFE  # `@Param('id', ParseIntPipe) id: number`: Nest made it a number
    if len(toks) == 1 and val.taint == f"parameter `{text}`":
        # `function finder(column) {…}` called only as `finder('email')` in this file; a
        # callback's `(err, name) =>` that a function of this file calls back
        return _fed_by_callers(ctx, toks, depth) or _called_back(ctx, text, depth) or val
    if len(toks) == 3 and toks[1].text in {".", "?."} and val.taint and not from_source(val.taint):
        # `spec.order` of `function build(spec)` called only as `build(spec)`: that field
        return _fed_by_callers(ctx, toks, depth) or val
    return val


def _called_back(ctx: Ctx, name: str, depth: int) -> Val | None:
    """The callback parameter `name` (br_core/sqli/js/continuations.py): what the function
    it is passed to gives it, read where that function calls it back; None when not known."""
    found = callback_sites(ctx, name)
    if found is None:
        return None
    key = ("called back value", found[0])
    if key not in ctx.index.memo:
        ctx.index.memo[key] = None  # a call back inside the callback itself: not known
        vals = []
        for k, arg in found[1]:
            here = Ctx(ctx.src, ctx.toks, ctx.toks[k].pos, ctx.index)
            vals.append(evaluate(here, arg, depth + 1) if arg else SAFE)
        ctx.index.memo[key] = merge(*vals)
    given = ctx.index.memo[key]
    return given if isinstance(given, Val) else None


def _set_by_middleware(ctx: Ctx, toks: list[Tok], depth: int) -> Val | None:
    """`req.tenant` that only this file's own writes set (br_core/sqli/js/middleware.py): what
    they put there, when the first comes before the read and none is untrusted; None when the
    request's own value (or an unknown one) may be read."""
    writes = set_by_file(ctx.index, toks)
    if not writes or writes[0][0] >= ctx.sink:
        return None
    vals = []
    for k, kind, rhs in writes:
        here = Ctx(ctx.src, ctx.toks, ctx.toks[k].pos, ctx.index)
        vals.append(written(evaluate, here, kind, rhs, depth))
    val = merge(*vals)
    return None if _untrusted(val) else val


def _fed_by_callers(ctx: Ctx, toks: list[Tok], depth: int) -> Val | None:
    """`req` in `function clause(req) {…}` (any parameter, not only one named like the
    request) when the function is private to the file and every call passes a constant there
    (br_core/sqli/js/callers.py): what those calls pass (`req`) or a constant (`req.query.x`
    of constants); None when any call may pass untrusted text."""
    found = parameter_sites(ctx, toks[0].text)
    if found is None:
        return None
    key = ("fed", found[0])
    if key not in ctx.index.memo:
        ctx.index.memo[key] = None  # a call inside the function passing it on: not constant
        vals = []
        for k, arg in found[1]:
            here = Ctx(ctx.src, ctx.toks, ctx.toks[k].pos, ctx.index)
            vals.append(_deep(here, arg, depth) if arg else SAFE)
        ctx.index.memo[key] = merge(*vals)
    given = ctx.index.memo[key]
    if not isinstance(given, Val):
        return None
    field = _field_passed(given, toks)
    if field is not None:
        return field  # `spec.order` where every call passes an object whose keys are known
    if _untrusted(given):
        if FIELD_MARK in found[0] and len(toks) == 1:
            return given  # `function f({ sort })` called as `f(opts)`: that field of each
        field_read = len(toks) == 3 and toks[1].text in {".", "?."}
        if field_read and not given.taint and given.elems is not None:
            return given.elems  # any field of the container every call passes
        return None
    return given if len(toks) == 1 else SAFE


def _field_passed(given: Val, toks: list[Tok]) -> Val | None:
    """`p.key` read of the value every call passes for `p`, when its keys are all known (an
    object literal, the fields written to it after): what is under that key, or undefined."""
    if given.keys is None or given.taint or len(toks) != 3 or toks[1].text not in {".", "?."}:
        return None
    return dict(given.keys).get(toks[2].text, SAFE)


def _deep(ctx: Ctx, toks: list[Tok], depth: int) -> Val:
    """The value of `toks`, an object literal standing for any of its fields, however nested
    (`{ query: { id: req.query.id } }` is as untrusted as the request)."""
    if len(toks) < 2 or toks[0].text != "{" or toks[-1].text != "}" or depth > MAX_DEPTH:
        return evaluate(ctx, toks, depth + 1)
    vals = []
    for part in split_top(toks[1:-1], {","}):
        if part and part[0].text == "...":
            vals.append(_deep(ctx, part[1:], depth + 1))
        elif len(part) > 2 and part[1].text == ":":
            vals.append(_deep(ctx, part[2:], depth + 1))
        elif part:
            vals.append(evaluate(ctx, part, depth + 1))  # shorthand `{ id }`, a method
    return merge(*vals)


def _untrusted(val: Val) -> bool:
    """Untrusted or unknown text anywhere in the value, its elements included."""
    return bool(val.taint) or (val.elems is not None and _untrusted(val.elems))


def _item(ctx: Ctx, part: list[Tok], depth: int) -> Val:
    """An array literal's item: `...xs` adds the elements of xs, anything else itself."""
    if part[0].text == "..." and len(part) > 1:
        return elements(evaluate(ctx, part[1:], depth + 1))
    return evaluate(ctx, part, depth + 1)


_NUMBER_TAIL = re.compile(r"\.length\s*$|\.toFixed\(")
_ALLOW_FILTER = re.compile(
    r"\.filter\(\s*\(?\s*(?P<x>[\w$]+)\s*\)?\s*=>\s*(?P<table>[\w$]+)\s*\.\s*(?:includes|has)"
    r"\(\s*(?P=x)\s*\)\s*\)\s*$"
)
# `Object.entries(o).filter(([k]) => COLS.has(k))`, `(([key, value]) => COLS.includes(key))`
_ENTRIES_FILTER = re.compile(
    r"^Object\s*\.\s*entries\s*\(.*\)\s*\.\s*filter\(\s*\(\s*\[\s*(?P<x>[\w$]+)\s*(?:,[\w$\s]*)?\]"
    r"\s*\)\s*=>\s*(?P<table>[\w$.]+)\s*\.\s*(?:includes|has)\(\s*(?P=x)\s*\)\s*\)\s*$",
    re.S,
)


def _allowed_entries(ctx: Ctx, toks: list[Tok], text: str, depth: int) -> Val | None:
    """`Object.entries(o).filter(([k]) => COLS.has(k))` with COLS a list the file fixes: the
    [key, value] pairs whose key is one of COLS. Each pair is as untrusted as `o`'s entries
    (any reader of a whole pair sees that), but its first slot, the key, is a constant."""
    m = _ENTRIES_FILTER.match(text)
    call = trailing_call(toks) if m else None
    if m is None or call is None or not fixed_list(ctx, m.group("table")):
        return None
    pair = elements(evaluate(ctx, call[0], depth + 1))
    value = pair.items[1] if pair.items is not None and len(pair.items) > 1 else pair
    return Val(elems=Val(taint=pair.taint, text=pair.text, is_str=pair.is_str, elems=pair.elems,
                         items=(SAFE, value)))  # fmt: skip


# `.map(Number)`, then calls that only keep, drop or reorder those numbers (one level of
# nested parentheses in their arguments: `.filter((n) => n > 0)`, `.slice(0, 10)`).
_NUMBERS_TAIL = re.compile(
    NUMBERS_MAP.pattern
    + r"(?:\s*\??\.\s*(?:filter|slice|sort|reverse)\((?:[^()]|\([^()]*\))*\))*\s*$"
)
_FORMAT = re.compile(r"^(?:(?:util|node_util)\s*\.\s*)?format\s*\(")
_STRINGIFY = re.compile(r"^(?:JSON\s*\.\s*stringify|String|encodeURIComponent|escapeHTML)\s*\(")
_BUILDERS = {"format", "concat", "join", "stringify", "String", "encodeURIComponent", "escapeHTML"}


def _builder_call(ctx: Ctx, toks: list[Tok], text: str, depth: int) -> Val | None:
    """Strings built by a call: `util.format(fmt, ...)` and a `format` imported from util,
    `a.concat(b, c)`, `parts.join(' ')` on any array expression, `JSON.stringify(x)` and
    `String(x)` (the argument's taint, as a string). None for any other expression."""
    call = trailing_call(toks)
    if call is None:
        return None
    receiver, method, args = call
    pg = _pg_format(ctx, receiver, method, args, depth)
    if pg is not None:
        return pg
    settled = _settled(ctx, receiver, method, args, depth)
    if settled is not None:
        return settled
    known = object_call(evaluate, ctx, receiver, method, args, depth)
    if known is None and receiver and method in _FROM_ELEMENTS:
        known = _from_elements(ctx, receiver, method, args, depth)
    if known is None and receiver and method == "map" and args and ignores_element(args[0]):
        # `ids.map((_, i) => '$' + (i + 1))`: each element is what the callback makes of its
        # position, whatever the array holds
        mapped = _returned_by(ctx, args[0], depth)
        known = Val(elems=mapped) if mapped is not None else None
    if known is not None:
        return known
    if method not in _BUILDERS:
        return None  # any other call: the caller's rules (local helpers, sanitizers) decide
    vals = [evaluate(ctx, a, depth + 1) for a in args if a]
    if not receiver and _FORMAT.match(text) and (method != "format" or imports_format(ctx)):
        return splice("format", numbers_formatted(args, vals))
    if receiver and method == "format" and receiver[-1].text == "util":
        return splice("format", numbers_formatted(args, vals))
    if not receiver or _STRINGIFY.match(text):
        if _STRINGIFY.match(text) and vals:
            # `JSON.stringify({ theme: req.query.theme })`: the object's fields are in the text
            # (it escapes `"`, not `'`: inside SQL quotes it still injects)
            v = _deep(ctx, args[0], depth) if args[0][0].text == "{" else vals[0]
            inner = v.elems if v.elems is not None and not v.taint else v
            return Val(taint=inner.taint, built=inner.built, text=inner.text, is_str=True)
        return None
    if method == "concat":
        before = evaluate(ctx, receiver, depth + 1)
        if before.elems is not None:  # an array's concat: more elements
            return Val(elems=merge(before.elems, *(elements(v) for v in vals)))
        return splice("+", [before, *vals])
    if method == "join" and (receiver[-1].text in {"]", ")"} or len(receiver) > 1):
        # `(Array.isArray(x) ? x : []).map(…).join(',')`: an array that may be the request's
        # own is untrusted throughout, whatever the other branch's elements are
        return splice("join", [elements(evaluate(ctx, receiver, depth + 1))])
    return None


# array methods whose result is one element of the receiver (`find`) or some of them (`filter`)
_PICKS_ONE = frozenset({"find", "findLast", "at", "pop", "shift"})
_FROM_ELEMENTS = _PICKS_ONE | {"filter", "slice", "sort", "reverse", "toSorted", "toReversed"}
_POSITIONAL = frozenset({"at", "pop", "shift"})  # the element at one end, or at an index


def _from_elements(
    ctx: Ctx, receiver: list[Tok], method: str, args: list[list[Tok]], depth: int
) -> Val | None:
    """`Object.values(SORTS).find(…)`, `[...COLS].filter(…)`: one or some of the elements of
    an array the analysis knows. None for another receiver (`req.query.ids.find(…)`,
    `users.find(…)`): the caller's rules decide, as for any call."""
    if method in _POSITIONAL and len(receiver) == 1 and receiver[0].kind == "ident":
        slot = _slot_taken(ctx, receiver[0].text, method, args, depth)
        if slot is not None:
            return slot
    array = evaluate(ctx, receiver, depth + 1)
    if array.taint or array.elems is None:
        return None
    return array.elems if method in _PICKS_ONE else array


def _slot_taken(ctx: Ctx, name: str, method: str, args: list[list[Tok]], depth: int) -> Val | None:
    """`list.pop()`, `list.shift()`, `list.at(-1)` of an array whose slots are known where
    the call stands (arrays.py): the one slot it takes, not any element. None otherwise."""
    found = array_slots(ctx, name)
    if found is None:
        return None
    if method == "at":
        arg = args[0] if len(args) == 1 else []
        text = "".join(t.text for t in arg)
        if not re.fullmatch(r"-?\d+", text):
            return None
        position = int(text)
        picked = found[position : position + 1 or None] if position >= -len(found) else []
    else:
        picked = found[-1:] if method == "pop" else found[:1]
    if not picked:
        return SAFE  # an empty array: undefined
    at, expr = picked[0]
    return evaluate(at, expr, depth + 1) if expr else SAFE


def _settled(
    ctx: Ctx, receiver: list[Tok], method: str, args: list[list[Tok]], depth: int
) -> Val | None:
    """What a promise settles to (br_core/sqli/js/promises.py): `p.then(cb)` is what `cb`
    returns, `p.catch(cb)` that or `p`'s value, `p.finally(cb)` and `Promise.resolve(x)` the
    value they were given. None for another call, or a handler that is not a function literal
    (`.then(build)`): the caller's rules decide."""
    if not receiver or not args or not args[0]:
        return None
    if method == "resolve" and text_of(ctx, receiver) == "Promise":
        return evaluate(ctx, args[0], depth + 1)
    if method not in {"then", "catch", "finally"}:
        return None
    if method == "finally":
        return evaluate(ctx, receiver, depth + 1)
    returned = _returned_by(ctx, args[0], depth)
    if returned is None:
        return None
    return merge(evaluate(ctx, receiver, depth + 1), returned) if method == "catch" else returned


def _returned_by(ctx: Ctx, fn: list[Tok], depth: int) -> Val | None:
    """What the function literal `fn` returns, read where it stands; None for another
    expression."""
    body = callback_result(ctx.index, fn)
    if body is None:
        return None
    if isinstance(body, list):
        here = Ctx(ctx.src, ctx.toks, body[0].pos, ctx.index)
        return evaluate(here, body, depth + 1)
    return returns_of(evaluate, ctx, body, depth + 1) if body >= 0 else None


def _pg_format(
    ctx: Ctx, receiver: list[Tok], method: str, args: list[list[Tok]], depth: int
) -> Val | None:
    """pg-format's `format(fmt, …)` and `format.withArray(fmt, [...])` (br_core/sqli/js/
    pgformat.py): the text with each argument a `%s` splices raw; `%I`/`%L` quote theirs.
    None when the call is not pg-format's."""
    names = format_names(ctx.index)
    if not names or not args or not args[0]:
        return None
    if receiver and (
        method != "withArray" or len(args) != 2 or text_of(ctx, receiver) not in names
    ):
        return None
    if not receiver and method not in names:
        return None
    fmt = evaluate(ctx, args[0], depth + 1)
    text = fmt.const if fmt.has_const and isinstance(fmt.const, str) else None
    if text is None and len(args[0]) == 1 and args[0][0].kind == "tmpl" and not args[0][0].exprs:
        text = args[0][0].parts[0] if args[0][0].parts else ""
    parts = args[1:] if not receiver else array_items(args[1])
    if parts is None:  # `withArray(fmt, rows)`: any element may fill any specifier
        element = elements(evaluate(ctx, args[1], depth + 1))
        spliced = text is None or any(raw_arguments(ctx.index, text, _PG_MAX_ARGS))
        return splice("format", [fmt, element] if spliced else [fmt])
    values = [evaluate(ctx, p, depth + 1) if p else SAFE for p in parts]
    # a format string we cannot read (chosen at run time, built): any `%s` may be there
    raw = raw_arguments(ctx.index, text, len(values)) if text is not None else [True] * len(values)
    return splice("format", [fmt, *(v for v, spliced in zip(values, raw, strict=True) if spliced)])


_PG_MAX_ARGS = 100  # specifiers read in a format string whose arguments are one unknown array


def _placeholder_body(m: re.Match[str]) -> bool:
    """`ids.map(() => '?')`, `rows.map((r, i) => `($${i * 2 + 1}, $${i * 2 + 2})`)`:
    placeholders, not values: the result uses no name but the index."""
    body = re.sub(r"(['\"])[^'\"]*\1", "", m.group("body"))
    # `'${id}'` in a template: the quotes are SQL text, the `${}` still splices the value
    spliced = " ".join(re.findall(r"\$\{([^}]*)\}", m.group("body")))
    names = set(re.findall(r"[A-Za-z_]\w*", body + " " + spliced))
    return names <= {m.group("i") or ""} and not re.search(r"[^`$?:@{}()+\-*,\s\w]", body)

"""JavaScript/TypeScript SQL-injection check over tokens (no JS parser in the standard library).

Sinks: `query/execute/raw` on drivers and query builders, Prisma `$queryRawUnsafe`/
`$executeRawUnsafe`, `sequelize.query`, knex `raw`/`whereRaw`/..., sqlite `run/all/get/exec`.
The first argument is resolved through `const/let/var` declarations, `+=` and `.push()` earlier
in the file. Untagged template literals with `${}` and `+` concatenation are *built*; tagged
templates (sql`...`, Prisma.sql`...`) and parameter arrays are safe. A spliced part is untrusted
unless it is a literal, a constant bound to literals, a number (`Number()`, `parseInt()`,
`.length`), escaped (`escape()`, `escapeId()`), an allow-listed value, or a placeholder list.
"""

from __future__ import annotations

import bisect
import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from itertools import chain

from br_core.sqli.js.arrows import arrow_parameter
from br_core.sqli.js.callbacks import callback_receiver
from br_core.sqli.js.fields import destructured, field_writes, member_path
from br_core.sqli.js.fix import driver_of, fix_for
from br_core.sqli.js.fold import dead_at, truth
from br_core.sqli.js.scope import (
    NUMBERS_MAP,
    Ctx,
    Index,
    const_object,
    guard_names,
    guarded,
    is_enum,
    only,
    text_of,
)
from br_core.sqli.js.tokens import (
    Tok,
    closers,
    slots,
    split_top,
    ternary,
    tokenize,
    until_close,
    until_end,
)
from br_core.sqli.values import (
    SAFE,
    RawFinding,
    Val,
    literal,
    looks_like_clause,
    looks_like_sql,
    merge,
    splice,
)

_UNSAFE = {
    "$queryRawUnsafe", "$executeRawUnsafe", "raw", "whereRaw", "havingRaw", "orderByRaw",
    "joinRaw", "fromRaw", "selectRaw", "groupByRaw", "unsafe", "literal", "executescript",
}  # fmt: skip
# TypeORM's query builder pastes these arguments into the SQL as written (no quoting).
_BUILDER_RAW = {"orderBy", "addOrderBy", "groupBy", "addGroupBy", "select", "addSelect"}
_GENERIC = {
    "query", "execute", "run", "all", "get", "exec", "each", "prepare", "sql", "one", "many",
    "none", "any", "oneOrNone", "manyOrNone", "result",
}  # fmt: skip
_DB_RECEIVER = re.compile(
    r"(?i)(?:db|pool|conn|connection|client|sequelize|knex|prisma|sql|database|tx|trx|pg|mysql)$"
)
_PREFILTER = re.compile(
    r"(?i)\b(?:select|insert|update|delete|drop|create|alter|truncate|pragma)\b|Raw\w*\(|\.raw\("
    r"|\.unsafe\(|createQueryBuilder|\bliteral\(|\.(?:query|execute|where|andWhere|orWhere|having)\("
)
# new Array(n).fill('?'), '?, '.repeat(n): a run of one constant placeholder
_PLACEHOLDER_FILL = re.compile(
    r"\.fill\(\s*(['\"])[?%s:$@\w]{1,4}\1\s*\)|^(['\"])[?%s,\s]{1,6}\2\s*\.repeat\("
)
_RETURN = re.compile(r"\breturn\b")
_CLAUSE = {"where", "andWhere", "orWhere", "having", "andHaving", "orHaving"}
_SINK_NAMES = _UNSAFE | _BUILDER_RAW | _GENERIC | _CLAUSE  # what a sink's name may be
_SAFE_CALLS = re.compile(
    r"^(?:Number|Number\.\w+|parseInt|parseFloat|Boolean|Math\.\w+|(?:\w+\.)*escape(?:Id|Identifier|Literal)?"
    r"|(?:\w+\.)?format\.(?:ident|literal)|(?:\w+\.)?(?:ident|literal)|String\(Number|uuidv4"
    r"|\w+\.escape)\s*\("
)
_SOURCES = (
    (re.compile(r"^(?:req|request|ctx|context|event|body)\b"), "the web request"),
    (re.compile(r"^process\.env\b"), "environment variables"),
    (re.compile(r"^process\.argv\b"), "command-line arguments"),
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
    if ctx.index.budget < 0:
        return SAFE
    for _ in range(20):  # `((((x))))`: unwrapping without a bound was quadratic
        if not (toks and toks[0].text in {"await", "new", "(", "typeof"} and depth < 20):
            break
        if toks[0].text == "(" and toks[-1].text == ")" and len(split_top(toks[1:-1], {","})) == 1:
            toks = toks[1:-1]
        elif toks[0].text == "(":
            break
        else:
            toks = toks[1:]
    if not toks or depth > 8:
        return SAFE
    tern = ternary(toks)
    if tern is not None:
        cond, yes, no = tern
        holds = truth(ctx.index, cond)
        if holds is not None:  # `1 > 2 ? a : b` is b: the other branch never runs
            return evaluate(ctx, yes if holds else no, depth + 1)
        guarded = guard_names(text_of(ctx, cond))
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


def _expr_tokens(ctx: Ctx, tmpl: Tok, index: int) -> list[Tok]:
    start = tmpl.expr_pos[index]
    line = tmpl.line + ctx.src.count("\n", tmpl.pos, start)
    return tokenize(ctx.src, start, start + len(tmpl.exprs[index]), line)


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
        vals += [
            evaluate(ctx, _expr_tokens(ctx, first, j), depth + 1) for j in range(len(first.exprs))
        ]
        return splice("template", vals)
    text = text_of(ctx, toks)
    if first.kind == "ident" and first.text in {"true", "false", "null", "undefined"}:
        return SAFE
    built = _builder_call(ctx, toks, text, depth)
    if built is not None:
        return built
    if _SAFE_CALLS.match(text) or re.search(r"\.length\s*$|\.toFixed\(", text):
        return SAFE
    if first.text == "[":
        inner = split_top(toks[1:-1], {","})
        return Val(elems=merge(*(_item(ctx, p, depth) for p in inner if p)))
    placeholder = _PLACEHOLDER_MAP.search(text) or _PLACEHOLDER_BLOCK.search(text)
    if (placeholder and _placeholder_body(placeholder)) or _PLACEHOLDER_FILL.search(text):
        return Val(is_str=True, text="?")
    allowed = _ALLOW_FILTER.search(text)
    if allowed and const_object(ctx, allowed.group("table")):
        return SAFE  # `Object.keys(req.body).filter((k) => EDITABLE.includes(k))`
    if _NUMBERS_TAIL.search(text):
        return SAFE  # `req.query.ids.map(Number)`: numbers, whatever the request held
    if _maps_to_escaped(ctx, toks):
        return Val(elems=SAFE)  # `hosts.map((h) => mysql.escape(h))`: escaped, each of them
    for pattern, source in _SOURCES:
        if pattern.match(text):
            return Val(taint=f"{source} (`{text[:40]}`)")
    if first.kind != "ident":
        return SAFE
    return _identifier(ctx, toks, text, depth)


def _item(ctx: Ctx, part: list[Tok], depth: int) -> Val:
    """An array literal's item: `...xs` adds the elements of xs, anything else itself."""
    if part[0].text == "..." and len(part) > 1:
        return _elements(evaluate(ctx, part[1:], depth + 1))
    return evaluate(ctx, part, depth + 1)


# array methods whose result holds the receiver's elements (or values made from them)
_ARRAY_KEEPS = re.compile(r"\s*\??\.\s*(?:map|filter|slice|concat|flat|flatMap|sort|reverse)\(")
_ALLOW_FILTER = re.compile(
    r"\.filter\(\s*\(?\s*(?P<x>[\w$]+)\s*\)?\s*=>\s*(?P<table>[\w$]+)\s*\.\s*(?:includes|has)"
    r"\(\s*(?P=x)\s*\)\s*\)\s*$"
)
_NUMBERS_TAIL = re.compile(NUMBERS_MAP.pattern + r"\s*$")
_FORMAT = re.compile(r"^(?:(?:util|node_util)\s*\.\s*)?format\s*\(")
_STRINGIFY = re.compile(r"^(?:JSON\s*\.\s*stringify|String|encodeURIComponent|escapeHTML)\s*\(")
_BUILDERS = {"format", "concat", "join", "stringify", "String", "encodeURIComponent", "escapeHTML"}
_UTIL_IMPORT = re.compile(r"""\bformat\b[^;\n]*(?:require\(\s*|from\s+)['"](?:node:)?util['"]""")


def _builder_call(ctx: Ctx, toks: list[Tok], text: str, depth: int) -> Val | None:
    """Strings built by a call: `util.format(fmt, ...)` and a `format` imported from util,
    `a.concat(b, c)`, `parts.join(' ')` on any array expression, `JSON.stringify(x)` and
    `String(x)` (the argument's taint, as a string). None for any other expression."""
    call = _trailing_call(toks)
    if call is None:
        return None
    receiver, method, args = call
    if method not in _BUILDERS:
        return None  # any other call: the caller's rules (local helpers, sanitizers) decide
    vals = [evaluate(ctx, a, depth + 1) for a in args if a]
    if not receiver and _FORMAT.match(text) and (method != "format" or _imports_format(ctx)):
        return splice("format", _numbers_formatted(args, vals))
    if receiver and method == "format" and receiver[-1].text == "util":
        return splice("format", _numbers_formatted(args, vals))
    if not receiver or _STRINGIFY.match(text):
        if _STRINGIFY.match(text) and vals:
            v = vals[0]
            inner = v.elems if v.elems is not None and not v.taint else v
            return Val(taint=inner.taint, built=inner.built, text=inner.text, is_str=True)
        return None
    if method == "concat":
        before = evaluate(ctx, receiver, depth + 1)
        if before.elems is not None:  # an array's concat: more elements
            return Val(elems=merge(before.elems, *(_elements(v) for v in vals)))
        return splice("+", [before, *vals])
    if method == "join" and (receiver[-1].text in {"]", ")"} or len(receiver) > 1):
        before = evaluate(ctx, receiver, depth + 1)
        return splice("join", [before.elems or before])
    return None


def _maps_to_escaped(ctx: Ctx, toks: list[Tok]) -> bool:
    """`xs.map((x) => escape(x))`, `xs.map(h => mysql.escape(String(h)))`: every element is
    the result of a sanitizing call (`_SAFE_CALLS`) that is the callback's whole body."""
    call = _trailing_call(toks)
    if call is None or call[1] != "map" or len(call[2]) != 1:
        return False
    fn = call[2][0]
    arrow = next((j for j, t in enumerate(fn) if t.text == "=>"), -1)
    body = fn[arrow + 1 :] if arrow > 0 else []
    inner = _trailing_call(body)
    if inner is None or not _SAFE_CALLS.match(text_of(ctx, body)):
        return False
    # `Number(h) + x.escape(h)` ends in a safe call but is not one
    return all(t.kind == "ident" or t.text == "." for t in inner[0])


def _numbers_formatted(args: list[list[Tok]], vals: list[Val]) -> list[Val]:
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


def _elements(v: Val) -> Val:
    """What an element of `v` may be: `v`'s elements, or `v` itself when it is untrusted as a
    whole (`req.query.id || []` may be the request's array)."""
    return v.elems if v.elems is not None and not v.taint else v


def _imports_format(ctx: Ctx) -> bool:
    key = ("import", "util.format")
    if key not in ctx.index.memo:
        ctx.index.memo[key] = bool(_UTIL_IMPORT.search(ctx.src))
    return bool(ctx.index.memo[key])


def _trailing_call(toks: list[Tok]) -> tuple[list[Tok], str, list[list[Tok]]] | None:
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


def _placeholder_body(m: re.Match[str]) -> bool:
    """`ids.map(() => '?')`, `rows.map((r, i) => `($${i * 2 + 1}, $${i * 2 + 2})`)`:
    placeholders, not values: the result uses no name but the index."""
    body = re.sub(r"(['\"])[^'\"]*\1", "", m.group("body"))
    # `'${id}'` in a template: the quotes are SQL text, the `${}` still splices the value
    spliced = " ".join(re.findall(r"\$\{([^}]*)\}", m.group("body")))
    names = set(re.findall(r"[A-Za-z_]\w*", body + " " + spliced))
    return names <= {m.group("i") or ""} and not re.search(r"[^`$?:@{}()+\-*,\s\w]", body)


def _identifier(ctx: Ctx, toks: list[Tok], text: str, depth: int) -> Val:
    name = toks[0].text
    rest = text[len(name) :]
    if re.match(r"\s*\[", rest) and const_object(ctx, name) and not _mutated(ctx, name):
        return SAFE  # ORDER_MAP[dir]: a lookup in a fixed table of literals
    if guarded(ctx, name):
        return SAFE
    if NUMBERS_MAP.match(rest) or (re.match(r"\s*\.\s*\w+\s*$", rest) and is_enum(ctx, name)):
        return SAFE  # ids.map(Number).join(','); Status.Open of a TypeScript enum in this file
    if re.match(r"\s*\(", rest):
        called = _local_function(ctx, name, toks, depth)
        if called is not None:
            return called
    if name == "this" and len(toks) > 3 and toks[1].text == "." and toks[3].text == "(":
        called = _local_function(ctx, toks[2].text, toks[2:], depth, method=True)
        if called is not None:
            return called  # this.sqlFor(name): a method of this class in the same file
    got = _MAP_GET.match(rest)
    if got:
        value = _map_value(ctx, name, got.group("key"), depth)
        if value is not None:
            return value
    path, end = member_path(toks, 1, closers(toks)) if len(toks) > 1 else ([], 1)
    if path and end == len(toks):
        field = _member(ctx, name, path, depth)
        if field is not None:
            return field
    if not re.match(r"\s*\(", rest):
        element = _callback_value(ctx, name, depth)  # `rows.map((name) => …)` shadows `name`
        if element is not None:
            return element
        param = _parameter_value(ctx, name, depth)  # `(name) => db.query(…name…)` too
        if param is not None:
            return param
    decls = _declarations(ctx, name, depth)
    if not decls:
        decls = _destructured(ctx, name, depth)
    if decls and _ARRAY_KEEPS.match(rest):
        return merge(*decls)  # `ids.filter(Boolean).slice(0, 5)`: the same elements
    if rest.startswith(".join("):
        elems = merge(*(_elements(v) for v in decls)) if decls else Val(taint=f"`{name}`")
        return splice("join", [elems])
    if decls and not rest.strip():
        return merge(*decls)
    if decls and rest.startswith((".trim(", ".toLowerCase(", ".toUpperCase(", ".toString(")):
        return merge(*decls)
    position = _INDEX.match(rest)
    if decls and position:  # `list[0]`: the element at that slot, else any element
        slots = _array_slots(ctx, name, depth)
        if slots is not None:
            n = int(position.group(1))
            return slots[n] if n < len(slots) else SAFE
        return merge(*(_elements(v) for v in decls))
    if decls and all(not v.taint for v in decls) and not re.match(r"\s*\(", rest):
        return SAFE if not rest.strip() else Val(taint=None)
    if name[:1].isupper() and name.isupper():
        return SAFE  # upper-case constants from other modules are configuration
    return Val(taint=f"`{text[:40]}` (not a constant)")


_MAP_GET = re.compile(r"""\s*\.\s*get\(\s*(['"])(?P<key>[^'"\\]*)\1\s*\)\s*$""")


def _map_value(ctx: Ctx, name: str, key: str, depth: int) -> Val | None:
    """`m.get('keyA')` of `const m = new Map()`: the values of the `m.set(k, v)` calls before
    the sink whose key may be 'keyA' (a literal 'keyA' or a key not known). None when `m` is
    not only ever an empty `new Map()`: the caller reads `m` itself."""
    decls = _assignments(ctx, name)
    if not decls or any([t.text for t in rhs] != ["new", "Map", "(", ")"] for _, _, rhs in decls):
        return None
    toks, index = ctx.toks, ctx.index
    sink = ctx.sink
    scopes = index.bindings()
    target = scopes.resolve(name, max(sink - 1, 0))
    vals: list[Val] = []
    for k in index.where.get(name, []):
        if k >= sink - 3 or toks[k + 2].text != "set" or toks[k + 1].text != ".":
            continue
        if (
            toks[k + 3].text != "("
            or scopes.resolve(name, k) != target
            or dead_at(index, toks[k].pos)
        ):
            continue
        args = split_top(until_close(toks, k + 4, index.ends), {","})
        if len(args) != 2 or not args[0]:
            return None
        first = args[0][0] if len(args[0]) == 1 else None
        if first is None or first.kind != "str" or (first.parts[0] if first.parts else "") == key:
            here = Ctx(ctx.src, toks, toks[k].pos, index)
            vals.append(evaluate(here, args[1], depth + 1))
    return merge(*vals) if vals else SAFE


_MUTATORS = {"push", "unshift", "splice", "fill", "set", "copyWithin"}


def _mutated(ctx: Ctx, name: str) -> bool:
    """`const list = ['safe']; list.push(req.query.v)`: the literal table is not what it
    holds later (a method that adds to it, or a write by index)."""
    key = ("mutated", name)
    if key not in ctx.index.memo:
        toks, ends = ctx.toks, ctx.index.ends
        found = False
        for k in ctx.index.where.get(name, []):
            nxt = toks[k + 1].text if k + 2 < len(toks) else ""
            if nxt == "." and toks[k + 2].text in _MUTATORS:
                found = True
            elif nxt == "[" and 0 < ends[k + 1] + 1 < len(toks):
                found = found or toks[ends[k + 1] + 1].text in {"=", "+="}
        ctx.index.memo[key] = found
    return bool(ctx.index.memo[key])


_INDEX = re.compile(r"\s*\[\s*(\d+)\s*\]\s*$")
# array methods whose effect on the slots is followed; any other use of the name after the
# literal (a call with it, `list[i] = x`) and the slots are not known
_SLOT_OPS = {"push", "unshift", "shift", "pop", "splice"}


def _array_slots(ctx: Ctx, name: str, depth: int) -> list[Val] | None:
    """`const list = ['a']; list.push(x); list.shift()`: the value in each slot at the sink,
    when the array literal (no spread) and then only push/unshift/shift/pop/splice statements
    of the same block, outside dead code, touch it before the sink. None otherwise."""
    toks, index = ctx.toks, ctx.index
    sink = ctx.sink
    scopes = index.bindings()
    target = scopes.resolve(name, max(sink - 1, 0))
    mine = [
        k
        for k in index.where.get(name, [])
        if k < sink
        and (k == 0 or toks[k - 1].text not in {".", "?."})
        and scopes.resolve(name, k) == target
        and not dead_at(index, toks[k].pos)
    ]
    if not mine or toks[mine[0] - 1].text not in {"const", "let", "var"}:
        return None
    decl = mine[0]
    rhs = until_end(toks, decl + 2, index.ends) if toks[decl + 1].text == "=" else []
    if len(rhs) < 2 or rhs[0].text != "[" or rhs[-1].text != "]":
        return None
    here = Ctx(ctx.src, toks, toks[decl].pos, index)
    items = slots(rhs[1:-1])
    if items and not items[-1]:
        items.pop()  # `['a', 'b',]`: a trailing comma adds no slot
    if any(p and p[0].text == "..." for p in items):
        return None
    values = [evaluate(here, p, depth + 1) if p else SAFE for p in items]  # a hole: undefined
    for k in mine[1:]:
        op = toks[k + 2].text if k + 3 < len(toks) and toks[k + 1].text == "." else ""
        if op not in _SLOT_OPS or toks[k + 3].text != "(" or index.block[k] != index.block[decl]:
            return None  # passed somewhere, written by index, or changed conditionally
        if toks[k - 1].text not in {";", "{", "}"}:
            return None  # `for (…) list.push(x)`, `xs.forEach(x => list.push(x))`: repeated
        args = [a for a in split_top(until_close(toks, k + 4, index.ends), {","}) if a]
        at = Ctx(ctx.src, toks, toks[k].pos, index)
        new = [evaluate(at, a, depth + 1) for a in args]
        if op == "splice":
            after = _spliced(values, args, new)
            if after is None:
                return None
            values = after
        elif op == "push":
            values += new
        elif op == "unshift":
            values = new + values
        elif values:
            values = values[1:] if op == "shift" else values[:-1]
    return values


def _spliced(values: list[Val], args: list[list[Tok]], new: list[Val]) -> list[Val] | None:
    """`list.splice(1, 1, x)` with literal numbers: the slots after it; None otherwise."""
    if len(args) < 2 or any(len(a) != 1 or not a[0].text.isdigit() for a in args[:2]):
        return None
    start, count = int(args[0][0].text), int(args[1][0].text)
    return values[:start] + new[2:] + values[start + count :]


def _destructured(ctx: Ctx, name: str, depth: int) -> list[Val]:
    """`const [name] = rhs`: an element of rhs; `const { name } = rhs`: a field of rhs."""
    found = destructured(ctx, name)
    if found is None:
        return []
    bracket, rhs, at = found
    if not rhs:
        return []
    here = Ctx(ctx.src, ctx.toks, ctx.toks[at].pos, ctx.index)
    element = _element_at(ctx, name, at, rhs) if bracket == "[" else None
    if element is not None:
        return [evaluate(here, element, depth + 1)]
    val = (
        _any_field(here, rhs, depth)
        if bracket == "{"
        else _elements(evaluate(here, rhs, depth + 1))
    )
    if val.taint or rhs[0].text in {"[", "{"}:
        return [val]
    return []  # `const { searchParams } = new URL(…)`: unknown, not proven constant


def _element_at(ctx: Ctx, name: str, at: int, rhs: list[Tok]) -> list[Tok] | None:
    """`const [table, who] = ['audit', req.query.who]`: `table` is the array literal's first
    element, not any of them. None when the pattern or the array has a spread or a hole the
    position cannot be read through."""
    if len(rhs) < 2 or rhs[0].text != "[" or rhs[-1].text != "]":
        return None
    pattern = slots(ctx.toks[at + 1 : ctx.index.ends[at]])
    position = next(
        (j for j, part in enumerate(pattern) if len(part) == 1 and part[0].text == name), None
    )
    elements = slots(rhs[1:-1])
    if position is None or any(p and p[0].text == "..." for p in [*pattern, *elements]):
        return None
    if position >= len(elements) or not elements[position]:
        return None
    return elements[position]


def _callback_value(ctx: Ctx, name: str, depth: int) -> Val | None:
    """A callback's parameter (br_core/sqli/js/callbacks.py): an element of the array it
    walks, or the value of the promise it waits on (`Promise.resolve(x)` holds x)."""
    found = callback_receiver(ctx, name)
    if found is None or not found[1]:
        return None
    method, receiver = found
    call = _trailing_call(receiver)
    if call and call[1] == "resolve" and text_of(ctx, call[0]) == "Promise" and call[2]:
        receiver = call[2][0]
    here = Ctx(ctx.src, ctx.toks, receiver[0].pos, ctx.index)
    val = evaluate(here, receiver, depth + 1)
    if val.taint or val.elems is None or method == "then":
        return val  # `(req.body.roles || []).map(…)`: the request's array, tainted throughout
    return val.elems


def _parameter_value(ctx: Ctx, name: str, depth: int) -> Val | None:
    """A parameter of an expression-bodied arrow around the sink (br_core/sqli/js/arrows.py):
    what the arrow's call sites pass in that position; not a constant when the arrow is
    unnamed or its name is used other than by calling it."""
    found = arrow_parameter(ctx, name)
    if found is None:
        return None
    fn, position = found
    unknown = Val(taint=f"`{name}` (a parameter)")
    toks, index = ctx.toks, ctx.index
    uses = [k for k in index.where.get(fn, []) if toks[k - 1].text not in {"const", "let", "var"}]
    if not fn or not uses:
        return unknown
    vals: list[Val] = []
    for k in uses:
        if k + 1 >= len(toks) or toks[k + 1].text != "(" or toks[k - 1].text in {".", "?."}:
            return unknown  # `rows.forEach(count)`: called with values we do not see
        args = split_top(until_close(toks, k + 2, index.ends), {","})
        if position >= len(args) or not args[position]:
            vals.append(SAFE)  # `undefined`
            continue
        here = Ctx(ctx.src, toks, toks[k].pos, index)
        vals.append(evaluate(here, args[position], depth + 1))
    return merge(*vals)


def _local_function(
    ctx: Ctx, name: str, toks: list[Tok], depth: int, method: bool = False
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
        ctx.index.memo[key] = _last_declaration(ctx, name)
    m = ctx.index.memo[key]
    if not isinstance(m, re.Match):
        return None
    if "=>" in m.group(0) and not m.group("brace"):
        body_at = m.end() - 1  # an arrow's expression body starts right after `=>`
    else:
        ret = _RETURN.search(ctx.src, m.end())
        if not ret:
            return None
        body_at = ret.start()
    result_key = ("returns", f"{key[0]}:{name}")
    if result_key not in ctx.index.memo:
        ctx.index.memo[result_key] = SAFE  # recursion sees nothing
        inner = Ctx(ctx.src, ctx.toks, body_at, ctx.index)
        first = bisect.bisect_right(ctx.index.pos, body_at)  # not a list per call: linear
        ctx.index.memo[result_key] = evaluate(
            inner, until_end(ctx.toks, first, ctx.index.ends), depth + 1
        )
    result = ctx.index.memo[result_key]
    assert isinstance(result, Val)
    call_args = split_top(until_close(toks, 2), {","}) if len(toks) > 2 else []
    arg_vals = [evaluate(ctx, a, depth + 1) for a in call_args if a]
    taint = next((a.taint for a in arg_vals if a.taint), None)
    if result.taint and _from_source(result.taint):
        return result  # the helper reads the request itself: `currentUser()`
    if not result.taint or not taint:
        return Val(text=result.text, is_str=result.is_str)
    return Val(taint=taint, built=result.built, text=result.text, is_str=result.is_str)


_DECLARES = re.compile(r"(?=\b(?:function|const|let|var)\s+([\w$]+))")


def _last_declaration(ctx: Ctx, name: str) -> re.Match[str] | None:
    """The last of `function name(…) {` and `const name = (…) =>` in the file, as
    `re.finditer` of that pattern would find them (left to right, never overlapping). It is
    tried only where `_DECLARES` saw the name after one of those words, as a match can start
    nowhere else: a bundle calls hundreds of names, and a search of the whole file for each
    took 2 of swagger-ui's 5 s."""
    key = ("declares", "")
    starts = ctx.index.memo.get(key)
    if not isinstance(starts, dict):
        seen: dict[str, list[int]] = {}
        for m in _DECLARES.finditer(ctx.src):
            seen.setdefault(m.group(1), []).append(m.start())
        ctx.index.memo[key] = starts = seen
    n = re.escape(name)
    pattern = re.compile(
        rf"\bfunction\s+{n}\s*\(([^)]*)\)[^{{]*\{{"
        rf"|\b(?:const|let|var)\s+{n}\s*=\s*(?:async\s*)?(?:\([^)]*\)|\w+)\s*=>\s*(?P<brace>\{{)?"
    )
    found: re.Match[str] | None = None
    after = 0
    for start in starts.get(name, ()):
        here = pattern.match(ctx.src, start) if start >= after else None
        if here:
            found, after = here, here.end()
    return found


def _from_source(taint: str) -> bool:
    """The taint names a known source (the request, the environment), not an unknown name."""
    return any(taint.startswith(label) for _, label in _SOURCES)


_LOOKBACK = 500  # occurrences of a name examined before one sink


def _declarations(ctx: Ctx, name: str, depth: int) -> list[Val]:
    """Values assigned to `name` before the sink: declarations, `=`, `+=`, `.push()`."""
    key = (name, ctx.limit)
    if key not in ctx.index.decls:
        ctx.index.decls[key] = []  # a self-reference (`x = x + 1`) sees no declaration
        ctx.index.decls[key] = _declarations_uncached(ctx, name, depth)
    return ctx.index.decls[key]


def _declarations_uncached(ctx: Ctx, name: str, depth: int) -> list[Val]:
    vals: list[Val] = []
    for k, op, rhs in _assignments(ctx, name):
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
    return vals


def _assignments(ctx: Ctx, name: str) -> list[tuple[int, str, list[Tok]]]:
    """The assignments to `name` that reach the sink, nearest 20, in file order: (token, `=` |
    `+=` | `push`, right-hand side). Only those to the variable the sink sees: a same-named
    local of another function, block or parameter list is another variable
    (br_core/sqli/js/bindings.py)."""
    out: list[tuple[int, str, list[Tok]]] = []
    toks = ctx.toks
    # Among the `_LOOKBACK` occurrences nearest before the sink, the 20 nearest that may assign
    # it, in file order: walking every occurrence of a common name for every sink was quadratic
    # in the file, and walking the 500 nearest of a parameter used everywhere was waste.
    first_after = ctx.sink
    where = ctx.index.where.get(name, [])
    hi = bisect.bisect_left(where, first_after)
    ranks = ctx.index.assigns.get(name, [])  # the occurrences that may assign, by rank
    top = bisect.bisect_left(ranks, hi)
    low = bisect.bisect_left(ranks, max(hi - _LOOKBACK, 0))
    # the nearest assignments are the ones that reach the sink
    before = [where[r] for r in ranks[max(low, top - 20) : top]]
    if not before:
        return out
    scopes = ctx.index.bindings()
    target = scopes.resolve(name, max(first_after - 1, 0))
    for k in before:
        if k + 1 >= len(toks):
            continue
        nxt = toks[k + 1]
        prev = toks[k - 1].text if k else ""
        if prev == "." or scopes.resolve(name, k) != target or dead_at(ctx.index, toks[k].pos):
            continue
        start = k + 1
        if nxt.text == ":" and prev in {"const", "let", "var"}:
            while start < len(toks) and toks[start].text not in {"=", ";"}:
                start += 1
            nxt = toks[start] if start < len(toks) else nxt
        if nxt.text in {"=", "+="}:
            out.append((k, nxt.text, until_end(toks, start + 1, ctx.index.ends)))
        elif nxt.text == "." and k + 3 < len(toks) and toks[k + 2].text in {"push", "unshift"}:
            out.append((k, "push", until_close(toks, k + 4, ctx.index.ends)))
    return out


def _member(ctx: Ctx, name: str, path: list[str], depth: int) -> Val | None:
    """`o.a.b`: what the object held when created (`_field`) or, failing that, the object as a
    whole, and every later write that may set that field (br_core/sqli/js/fields.py). None
    when nothing is known about `o`'s fields: the caller reads `o` itself."""
    writes = field_writes(ctx, name, path)
    base = _field(ctx, name, path[0], depth) if len(path) == 1 else None
    if not writes:
        return base
    if base is None and name != "this":
        base = merge(*_declarations(ctx, name, depth))
    vals = [base]
    for k, kind, rhs in writes:
        here = Ctx(ctx.src, ctx.toks, ctx.toks[k].pos, ctx.index)
        vals.append(
            evaluate(here, rhs, depth + 1) if kind == "field" else _any_field(here, rhs, depth)
        )
    return merge(*vals)


def _any_field(ctx: Ctx, rhs: list[Tok], depth: int) -> Val:
    """Any field of the object `rhs` (`{ id: req.query.id }`, `{ ...req.body }`, `req.body`)."""
    if len(rhs) < 2 or rhs[0].text != "{" or rhs[-1].text != "}":
        return evaluate(ctx, rhs, depth + 1)
    vals = []
    for part in split_top(rhs[1:-1], {","}):
        if part and part[0].text == "...":
            vals.append(evaluate(ctx, part[1:], depth + 1))
        elif len(part) > 2 and part[1].text == ":":
            vals.append(evaluate(ctx, part[2:], depth + 1))
        elif len(part) == 1:
            vals.append(evaluate(ctx, part, depth + 1))  # shorthand `{ id }`
    return merge(*vals)


def _field(ctx: Ctx, name: str, key: str, depth: int) -> Val | None:
    """`q.name` where every assignment to `q` is an object literal (`{ name: req.query.name }`,
    shorthand `{ name }`): the value of that field; None when `q` is anything else."""
    found: list[Val] = []
    assignments = _assignments(ctx, name)
    for k, op, rhs in assignments:
        if op != "=" or len(rhs) < 2 or rhs[0].text != "{" or rhs[-1].text != "}":
            return None
        here = Ctx(ctx.src, ctx.toks, ctx.toks[k].pos, ctx.index)
        mine: list[Val] = []  # what this literal may hold under `key`, later entries winning
        for part in split_top(rhs[1:-1], {","}):
            if part and part[0].text == key and (len(part) == 1 or part[1].text == ":"):
                # `{ ...req.query, lang: 'en' }`: the key written last replaces what came before
                mine = [evaluate(here, part[2:] if len(part) > 1 else part, depth + 1)]
            elif part and part[0].text == "...":
                mine.append(evaluate(here, part[1:], depth + 1))  # `{ ...req.body }`
        found.extend(mine)
    return merge(*found) if assignments else None


def _config_variable(ctx: Ctx, name: str) -> Val | None:
    """`const query = { name: 'q', text: "… " + x }; pool.query(query)`: the SQL under the
    config object's `text` (pg) or `sql` (mysql) key, when built."""
    for key in ("text", "sql"):
        val = _member(ctx, name, [key], 0)
        if val is not None and val.built:
            return val
    return None


_DB_MODULES = r"sequelize|knex|typeorm|@prisma/client|postgres|pg|mysql2?|better-sqlite3|sqlite3?"
_NAMED_IMPORT = re.compile(
    r"\b(?:const|let|var|import)\s*(?:type\s*)?\{(?P<names>[^{}]*)\}\s*(?:=\s*require\(\s*|from\s+)"
    rf"['\"](?:{_DB_MODULES})(?:/[\w/]*)?['\"]"
)


def _imported(index: Index) -> set[str]:
    """Names this file takes by name from a database library (`const { literal } =
    require('sequelize')`): a bare call to one of them is that library's call."""
    key = ("import", "db names")
    if key not in index.memo:
        names: set[str] = set()
        for m in _NAMED_IMPORT.finditer(index.src):
            for part in m.group("names").split(","):
                original = re.split(r"\s*(?::|\bas\b)\s*", part.strip())[0]
                names.add(original.strip())
        index.memo[key] = names
    found = index.memo[key]
    assert isinstance(found, set)
    return found


def _config_text(arg: list[Tok]) -> list[Tok]:
    """pg's `query({ text: ..., values })` and mysql's `query({ sql: ... })`: the SQL is a key."""
    if len(arg) < 2 or arg[0].text != "{" or arg[-1].text != "}":
        return arg
    for part in split_top(arg[1:-1], {","}):
        if len(part) > 2 and part[0].text in {"text", "sql"} and part[1].text == ":":
            return part[2:]
    return arg


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off for one file's analysis, back on after if it was on.
    A 1 MB file is some 440,000 tokens, each an object the collector tracks: its passes over
    them took a third of the analysis, and they find nothing, as the analysis makes no
    reference cycles; whatever it allocates is freed by reference counting as usual."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def analyze_js(src: str) -> list[RawFinding]:
    """Findings for JavaScript or TypeScript source."""
    if not _PREFILTER.search(src):
        return []  # no call that could run SQL anywhere in the file
    with _collector_paused():
        return _analyze(src)


def _analyze(src: str) -> list[RawFinding]:
    toks = tokenize(src)
    index = Index(src, toks)
    driver = driver_of(src)
    unsafe = _UNSAFE | _BUILDER_RAW if "createQueryBuilder" in src else _UNSAFE
    findings: list[RawFinding] = []
    streams = [toks]
    while streams:  # the file's tokens, then those inside each template's `${...}`
        stream = streams.pop()
        for tok in index.templates if stream is toks else stream:
            if tok.kind == "tmpl" and tok.exprs:
                ctx = Ctx(src, toks, tok.pos, index)
                streams.extend(_expr_tokens(ctx, tok, j) for j in range(len(tok.exprs)))
        findings.extend(_scan_stream(index, stream, driver, unsafe))
    return sorted(findings, key=lambda f: f.line)


def _sink_names(index: Index, stream: list[Tok]) -> list[int]:
    """Where in `stream` (its last token aside) a name a sink may have occurs, in order. For
    the file's own tokens these come from the index, not from a walk over every token."""
    last = len(stream) - 1
    if stream is index.toks:
        where = index.where
        found = sorted(chain.from_iterable(where[name] for name in _SINK_NAMES if name in where))
        return [k for k in found if k < last]
    return [
        k
        for k, tok in enumerate(stream)
        if k < last and tok.kind == "ident" and tok.text in _SINK_NAMES
    ]


def _scan_stream(
    index: Index, stream: list[Tok], driver: str, unsafe: set[str]
) -> list[RawFinding]:
    src, toks = index.src, index.toks
    findings: list[RawFinding] = []
    ends = index.ends if stream is toks else closers(stream)  # one pass: no call is re-read
    for k in _sink_names(index, stream):
        tok = stream[k]
        if stream[k + 1].text != "(" or dead_at(index, tok.pos):
            continue
        name = tok.text
        method = k > 0 and stream[k - 1].text in {".", "?."}
        clause = method and name in _CLAUSE
        bare = not method and name in unsafe and name in _imported(index)
        if not (name in unsafe and (method or bare or name.startswith("$"))) and not (
            method and (name in _GENERIC or clause)
        ):
            continue
        args = split_top(until_close(stream, k + 2, ends), {","})
        if not args or not args[0]:
            continue
        args[0] = _config_text(args[0])
        ctx = Ctx(src, toks, tok.pos, index)
        val = evaluate(ctx, args[0])
        if not val.built and len(args[0]) == 1 and args[0][0].kind == "ident":
            val = _config_variable(ctx, args[0][0].text) or val
        receiver = stream[k - 2].text if method and k >= 2 else ""
        if val.taint and not val.built and val.taint.startswith("the web request"):
            if (not _DB_RECEIVER.search(receiver) and name not in unsafe) or clause:
                continue
            val = Val(taint=val.taint, built="raw", text="SELECT * FROM t")  # client-written SQL
        if not (val.taint and val.built):
            continue
        shaped = looks_like_clause(val.text) if clause else looks_like_sql(val.text)
        if name not in unsafe and not shaped:
            continue
        sink = f"{receiver}.{name}" if receiver else name
        rule = {"template": "sqli-js-template", "join": "sqli-js-join", "raw": "sqli-js-raw"}.get(
            val.built or "", "sqli-js-concat"
        )
        tmpl = args[0][0] if len(args[0]) == 1 and args[0][0].kind == "tmpl" else None
        untrusted = (
            [
                bool(evaluate(ctx, _expr_tokens(ctx, tmpl, j), 1).taint)
                for j in range(len(tmpl.exprs))
            ]
            if tmpl is not None
            else []
        )
        fix = fix_for(sink, args[0], driver, untrusted)
        findings.append(
            RawFinding(tok.line, tok.line, rule, sink, val.taint or "", val.built or "", fix)
        )
    return findings

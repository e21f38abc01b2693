"""Writes to an object's fields after it was created, for br_core/sqli/js/names.py.

`const o = {}; o.id = req.query.id` makes `o.id` as tainted as the request, `o.limit = 10`
keeps `o.limit` constant. Found per object name from the file's token index: `o.a.b = x`,
`o['a'] = x` (a constant key), `o[key] = x` (a key the analysis cannot name: any field may be
`x`), `Object.assign(o, x)` (any field may be one of `x`'s), `o.list.push(x)` (x is one of the
array's elements), and `this.a = x` anywhere in the file (a constructor sets what another
method reads).
"""

from __future__ import annotations

import bisect
from typing import Literal

from br_core.sqli.js.fold import dead_at
from br_core.sqli.js.scope import Ctx
from br_core.sqli.js.tokens import Tok, split_top, until_close, until_end

# "field": the value read may be rhs itself; "object": any field of rhs; "elements": rhs is the
# argument list of `o.list.push(…)`, each argument one more element of what is read
Write = tuple[int, Literal["field", "object", "elements"], list[Tok]]
_ADDS = frozenset({"push", "unshift"})  # array methods that add their arguments as elements
_LOOKBACK = 200  # occurrences of the object's name examined before one sink
ANY = ""  # a key the analysis cannot name (`o[key]`)
_PATTERN_PREV = frozenset({"[", "{", ",", ":", "..."})  # around a name a pattern binds
_PATTERN_NEXT = frozenset({",", "]", "}", "="})


def member_path(toks: list[Tok], start: int, ends: list[int]) -> tuple[list[str], int]:
    """The keys of `.a?.b['c'][k]` starting at token `start` (`ANY` for a key that is not a
    constant) and the index of the token after them."""
    keys: list[str] = []
    j = start
    while j + 1 < len(toks):
        tok = toks[j]
        if tok.text in {".", "?."} and toks[j + 1].kind == "ident":
            keys.append(toks[j + 1].text)
            j += 2
        elif tok.text == "[" and (k := ends[j]) > j:
            inner = toks[j + 1 : k]
            one = inner[0] if len(inner) == 1 else None
            if one is not None and one.kind == "str":
                keys.append(one.parts[0] if one.parts else "")
            elif one is not None and one.kind == "num":
                keys.append(one.text)
            else:
                keys.append(ANY)
            j = k + 1
        else:
            break
    return keys, j


def field_writes(ctx: Ctx, name: str, path: list[str]) -> list[Write]:
    """The writes that may set `name.<path>` before the sink: ("field", rhs) when the value
    read may be rhs itself, ("object", rhs) when it may be any field of rhs."""
    index, toks = ctx.index, ctx.toks
    where = index.where.get(name, [])
    sink = ctx.sink
    this = name == "this"
    hi = len(where) if this else bisect.bisect_left(where, sink)
    out: list[Write] = []
    for k in where[max(0, hi - _LOOKBACK) : hi]:
        if k and toks[k - 1].text in {".", "?."}:
            continue  # `x.o`: another object's field
        write = write_at(toks, k, path, index.ends)
        if write is None or dead_at(index, toks[k].pos):
            continue
        if not (this or _same_binding(ctx, name, k, sink)):
            continue
        out.extend(write)
    return out


def write_at(toks: list[Tok], k: int, path: list[str], ends: list[int]) -> list[Write] | None:
    """The writes to the object named at token k that may reach `path`, or None."""
    if k >= 4 and toks[k - 1].text == "(" and _is_object_assign(toks, k):
        args = split_top(until_close(toks, k, ends), {","})
        if args and len(args[0]) == 1:
            return [(k, "object", a) for a in args[1:] if a]
        return None
    keys, j = member_path(toks, k + 1, ends)
    if len(keys) >= 2 and keys[-1] in _ADDS and j < len(toks) and toks[j].text == "(":
        keys = keys[:-1]  # `this.filters.push(x)`: x is one more element of `this.filters`
        if any(a != b and ANY not in (a, b) for a, b in zip(keys, path, strict=False)):
            return None
        pushed = until_close(toks, j + 1, ends)
        if len(path) <= len(keys):
            return [(k, "elements", pushed)]
        # `o.list[0]` read: one of the arguments itself (a spread: any element of it)
        parts = [p for p in split_top(pushed, {","}) if p]
        return [(k, "object", p[1:]) if p[0].text == "..." else (k, "field", p) for p in parts]
    if not keys or j >= len(toks) or toks[j].text not in {"=", "+=", "??=", "||="}:
        return None
    if any(a != b and ANY not in (a, b) for a, b in zip(keys, path, strict=False)):
        return None  # `o.limit = …` says nothing about `o.id`
    rhs = until_end(toks, j + 1, ends)
    # `o.where.id = x` read as `o.where.id` or `o.where`: x itself; `o.where = {…}` read
    # as `o.where.id`: any field of the object written
    return [(k, "field" if len(keys) >= len(path) else "object", rhs)]


def _same_binding(ctx: Ctx, name: str, k: int, sink: int) -> bool:
    """Token k names the same variable as `name` just before the sink (scopes are built on
    the first write found: most names have none)."""
    scopes = ctx.index.bindings()
    return scopes.resolve(name, k) == scopes.resolve(name, max(sink - 1, 0))


def _is_object_assign(toks: list[Tok], k: int) -> bool:
    """`Object.assign(` right before token k."""
    return toks[k - 2].text == "assign" and toks[k - 3].text == "." and toks[k - 4].text == "Object"


def destructured(ctx: Ctx, name: str) -> tuple[str, list[Tok], int] | None:
    """`const [name] = rhs` or `const { name } = rhs` (also `{ key: name }`) nearest before the
    sink: ("[" or "{", rhs tokens, the token of the pattern's bracket); None if `name` is
    not bound that way."""
    index, toks = ctx.index, ctx.toks
    if name not in _pattern_names(ctx):
        return None
    sink = ctx.sink
    last = len(toks) - 1
    for k in ctx.nearest_before(name, _LOOKBACK):
        if not (0 < k < last and toks[k + 1].text in _PATTERN_NEXT):
            continue  # `{ key: alias }`: `key` names the field, the binding is the alias
        if toks[k - 1].text not in _PATTERN_PREV:
            continue  # most uses: nothing like a pattern around the name
        opener = _outer_pattern(toks, _pattern_opener(toks, k))
        if opener is None:
            continue
        if not _same_binding(ctx, name, k, sink):
            continue
        end = index.ends[opener]
        declares = opener > 0 and toks[opener - 1].text in {"const", "let", "var"}
        if declares and 0 <= end < last - 1 and toks[end + 1].text == "=":
            return toks[opener].text, until_end(toks, end + 2, index.ends), opener
    return None


def _pattern_names(ctx: Ctx) -> set[str]:
    """Every name inside a `const|let|var [ … ]` or `{ … }` pattern in the file, found once:
    the names a sink reads are mostly not among them."""
    key = ("fields", "patterns")
    found = ctx.index.memo.get(key)
    if isinstance(found, set):
        return found
    toks, ends, where = ctx.toks, ctx.index.ends, ctx.index.where
    names: set[str] = set()
    for k in where.get("const", []) + where.get("let", []) + where.get("var", []):
        if k + 1 < len(toks) and toks[k + 1].text in {"[", "{"} and ends[k + 1] > k:
            inner = toks[k + 2 : min(ends[k + 1], k + 200)]
            names.update(t.text for t in inner if t.kind == "ident")
    ctx.index.memo[key] = names
    return names


_NESTING = 4  # patterns inside patterns followed outwards, at most


def _outer_pattern(toks: list[Tok], opener: int | None) -> int | None:
    """The outermost pattern around a nested one (`const { user: { name } = {} } = body`
    binds `name` from `body`, not from the inner default `{}`): climbed while the pattern is
    a field's (`key: {`) or an element's (`[a, [b]]`) of an enclosing pattern."""
    for _ in range(_NESTING):
        if opener is None or opener == 0 or toks[opener - 1].text in {"const", "let", "var"}:
            return opener
        if toks[opener - 1].text not in {":", ",", "[", "{"}:
            return opener  # not inside a pattern: the caller finds no declaration there
        opener = _pattern_opener(toks, opener)
    return opener


def _pattern_opener(toks: list[Tok], k: int) -> int | None:
    """The `[` or `{` of the flat destructuring pattern that holds token k, if any."""
    j = k - 1
    while j >= max(0, k - 100):
        text = toks[j].text
        if text in {"[", "{"} and toks[j].kind == "punct":
            return j
        if toks[j].kind == "punct" and text not in {",", ":", "..."}:
            return None
        j -= 1
    return None

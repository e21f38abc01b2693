"""What `m.get(key)` may return for a `Map` made in this file, for br_core/sqli/js/names.py.

`const ALLOWED = new Map([['name', 'users.name'], ['date', 'created_at']])` read as
`ALLOWED.get('name')` is the constant 'users.name'; `ALLOWED.get(req.query.k)` is one of the
constants (or undefined). `new Map(Object.entries(req.query))` starts with the request under
every key, and `filters.set('table', 'cars')` on every path to the sink (br_core/sqli/js/
order.py) replaces whatever was under 'table' before: `filters.get('table')` is then 'cars'.
These functions find the tokens; the analyzer evaluates them.
"""

from __future__ import annotations

from br_core.sqli.js.fold import dead_at
from br_core.sqli.js.order import dominates
from br_core.sqli.js.scope import Ctx
from br_core.sqli.js.tokens import Tok, slots, split_top, until_close

# (the token to read it at, the value's tokens, whether it stands for its elements: the
# entries of an iterable `new Map(x)` was given)
Entry = tuple[int, list[Tok], bool]


def is_new_map(rhs: list[Tok]) -> bool:
    """`new Map(…)` as the whole right-hand side."""
    return (
        len(rhs) >= 4 and [t.text for t in rhs[:3]] == ["new", "Map", "("] and rhs[-1].text == ")"
    )


def initial_entries(at: int, rhs: list[Tok], key: str | None) -> list[Entry]:
    """The values `new Map(…)` at token `at` starts with that may sit under `key` (None: a
    key not known)."""
    args = split_top(rhs[3:-1], {","})
    if not args or not args[0]:
        return []
    given = args[0]
    if given[0].text != "[" or given[-1].text != "]":
        return [(at, given, True)]  # `new Map(Object.entries(req.query))`: any key, any value
    out: list[Entry] = []
    for pair in slots(given[1:-1]):
        if not pair:
            continue
        if pair[0].text != "[" or pair[-1].text != "]" or pair[0].text == "...":
            out.append((at, pair, True))  # `...other`, a pair we cannot read
            continue
        kv = slots(pair[1:-1])
        if len(kv) != 2 or not kv[1]:
            continue
        if key is None or not _literal_other_than(kv[0], key):
            out.append((at, kv[1], False))
    return out


def map_sets(ctx: Ctx, name: str, key: str | None) -> tuple[list[Entry], bool] | None:
    """The `name.set(k, v)` calls before the sink whose key may be `key`, in file order, and
    whether the last of them replaces every value before it (a `set` of that very literal key
    on every path to the sink). None when a `set` call cannot be read."""
    toks, index = ctx.toks, ctx.index
    sink = ctx.sink
    scopes = index.bindings()
    target = scopes.resolve(name, max(sink - 1, 0))
    out: list[Entry] = []
    replaced = False
    for k in index.where.get(name, []):
        if k >= sink - 3 or toks[k + 1].text != "." or toks[k + 2].text != "set":
            continue
        if toks[k + 3].text != "(" or scopes.resolve(name, k) != target:
            continue
        if dead_at(index, toks[k].pos):
            continue
        args = split_top(until_close(toks, k + 4, index.ends), {","})
        if len(args) != 2 or not args[0]:
            return None
        if key is not None and _literal_other_than(args[0], key):
            continue
        if key is not None and _literal(args[0]) == key and dominates(index, k, sink):
            out, replaced = [], True  # `m.set('table', 'cars')` always runs: it is 'cars' now
        out.append((k, args[1], False))
    return out, replaced


def _literal(key_toks: list[Tok]) -> str | None:
    """The key when it is one string literal."""
    first = key_toks[0] if len(key_toks) == 1 else None
    if first is None or first.kind != "str":
        return None
    return first.parts[0] if first.parts else ""


def _literal_other_than(key_toks: list[Tok], key: str) -> bool:
    """The key is a string literal, and not `key`."""
    found = _literal(key_toks)
    return found is not None and found != key

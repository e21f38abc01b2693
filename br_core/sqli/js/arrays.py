"""An array's slots by position, for br_core/sqli/js/names.py.

`const list = ['safe', req.get('x')]; list.shift(); list[0]` reads the request's value: the
shift moved it to index 0. The slots are followed from the array literal through the
push/unshift/shift/pop/splice statements of the same block before the sink; any other use of
the array (passed to a call, written by index, changed in a loop or a branch) and its slots are
not known. Each slot is kept as its expression and where it is read, not as a value: a reader
evaluates only the slot it reads (`list[1]`) or a field of it (`rows[1].val`).
"""

from __future__ import annotations

from typing import TypeVar

from br_core.sqli.js.fields import ANY
from br_core.sqli.js.fold import dead_at
from br_core.sqli.js.scope import Ctx
from br_core.sqli.js.tokens import Tok, slots, split_top, until_close, until_end

Slot = tuple[Ctx, list[Tok]]  # an element's expression and where it is read (`[]`: undefined)

# array methods whose effect on the slots is followed; any other use of the name after the
# literal (a call with it, `list[i] = x`) and the slots are not known
_SLOT_OPS = frozenset({"push", "unshift", "shift", "pop", "splice"})
_STATEMENT_START = frozenset({";", "{", "}"})
_DECLARE = frozenset({"const", "let", "var"})


def array_slots(ctx: Ctx, name: str) -> list[Slot] | None:
    """`const list = ['a']; list.push(x); list.shift()`: the expression in each slot at the
    sink, when the array literal (no spread) and then only push/unshift/shift/pop/splice
    statements of the same block, outside dead code, touch it before the sink. None
    otherwise."""
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
    if not mine or toks[mine[0] - 1].text not in _DECLARE:
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
    values: list[Slot] = [(here, p) for p in items]  # a hole: undefined
    for k in mine[1:]:
        if _read(toks, k, index.ends):
            continue  # `list.length`, `list[i]`: read, not changed
        op = toks[k + 2].text if k + 3 < len(toks) and toks[k + 1].text == "." else ""
        if op not in _SLOT_OPS or toks[k + 3].text != "(" or index.block[k] != index.block[decl]:
            return None  # passed somewhere, written by index, or changed conditionally
        if not _statement(toks, k):
            return None  # `for (…) list.push(x)`, `xs.forEach(x => list.push(x))`: repeated
        args = [a for a in split_top(until_close(toks, k + 4, index.ends), {","}) if a]
        at = Ctx(ctx.src, toks, toks[k].pos, index)
        new: list[Slot] = [(at, a) for a in args]
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


T = TypeVar("T")


def read_at(items: list[T], key: str) -> list[T] | None:
    """The items a read by `key` may see: the one at a literal position (none past the end:
    undefined), every one for a position not known (`ANY`); None for a named key."""
    if key == ANY:
        return items
    if not key.isdigit():
        return None
    return items[int(key) : int(key) + 1]


def _read(toks: list[Tok], k: int, ends: list[int]) -> bool:
    """The array named at token k is only read there: `list.length`, `list[i]` (not
    `list[i] = x`, `list[i]++`, `list.length = 0`)."""
    last = len(toks) - 1
    after = -1
    if k + 2 <= last and toks[k + 1].text in {".", "?."} and toks[k + 2].text == "length":
        after = k + 3
    elif k < last and toks[k + 1].text == "[" and ends[k + 1] > k:
        after = ends[k + 1] + 1
    if after < 0 or toks[k - 1].text in {"++", "--"}:
        return False
    return after > last or toks[after].text not in _WRITES


_WRITES = frozenset(
    {"=", "+=", "-=", "*=", "/=", "%=", "**=", "??=", "||=", "&&=", "++", "--"}
    | {"<<=", ">>=", ">>>=", "&=", "|=", "^="}
)


def _statement(toks: list[Tok], k: int) -> bool:
    """The call on the array named at token k runs once where it stands: a statement of its
    own (`list.shift();`) or the value of a declaration (`const first = list.shift();`)."""
    if toks[k - 1].text in _STATEMENT_START:
        return True
    return (
        k >= 3
        and toks[k - 1].text == "="
        and toks[k - 2].kind == "ident"
        and toks[k - 3].text in _DECLARE
        and (k == 3 or toks[k - 4].text in _STATEMENT_START)
    )


def _spliced(values: list[Slot], args: list[list[Tok]], new: list[Slot]) -> list[Slot] | None:
    """`list.splice(1, 1, x)` with literal numbers: the slots after it; None otherwise."""
    if len(args) < 2 or any(len(a) != 1 or not a[0].text.isdigit() for a in args[:2]):
        return None
    start, count = int(args[0][0].text), int(args[1][0].text)
    return values[:start] + new[2:] + values[start + count :]

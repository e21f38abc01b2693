"""Members of a class declared in this file, for br_core/sqli/js/names.py (issue 17, round 7).

`new Filter(req.query.s).sql`, `lookup.clause` (with `const lookup = new Lookup(…)`) and
`this.where` inside a method read a member of a class this file declares:

- a getter (`get sql() {…}`) is read like a method: it is what its body returns;
- a field is what the class leaves in it. The constructor runs first and in order: a plain
  `this.name = …` that runs on every path through it replaces the field's initialiser and the
  constructor's earlier writes (br_core/sqli/js/order.py), unless the constructor calls a
  method or hands `this` out first (that code may read the earlier value), and not for a read
  inside the constructor itself. Any other method may run before the read, so its writes
  (`this.filters.push(…)` included, br_core/sqli/js/fields.py) all stay, and so do those of
  the classes in the file that extend it (an instance may be one of theirs).

Found from the token index; names.py evaluates what is found. A class declared twice, a
member that is `static`, or a field some other object's `x.name = …` may set (unless it is
`readonly`) is not read here: the caller falls back on its other rules.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

from br_core.sqli.js.bindings import GLOBAL
from br_core.sqli.js.classes import field_declaration, is_class_body, written_from_outside
from br_core.sqli.js.fields import Write, member_path, write_at
from br_core.sqli.js.fold import dead_at
from br_core.sqli.js.order import dominates, replaces
from br_core.sqli.js.scope import Index
from br_core.sqli.js.tokens import Tok, closers

_CLASS_HEAD = 30  # tokens between a class's name and its body's `{`: `<T> extends B implements C`
_HEAD = 40  # tokens between a member's `)` and its body's `{` (a return type)
_MAX_SUBCLASSES = 20  # classes read as extending one class: a generated hierarchy stays cheap
_ADDS = frozenset({"push", "unshift"})  # `this.list.push(x)`: no code of the class runs
_MEMBER_START = frozenset({"{", "}", ";", "public", "private", "protected", "override", "async"})


@dataclass(frozen=True)
class Field:
    """What may be in field `key` of an instance: the declaration's initialiser (token, value)
    unless the constructor replaces it, and the writes that may reach a read."""

    initialiser: tuple[int, list[Tok]] | None
    writes: list[Write]


def class_body(index: Index, name: str) -> int | None:
    """The `{` of `class name … {` when this file declares class `name` exactly once."""
    key = ("class", name)
    if key not in index.memo:
        toks = index.toks
        heads = [
            k for k in index.where.get(name, []) if k and toks[k - 1].text == "class"
        ]  # fmt: skip
        found: int | None = None
        if len(heads) == 1:
            k = heads[0]
            found = next(
                (j for j in range(k + 1, min(k + _CLASS_HEAD, len(toks))) if toks[j].text == "{"),
                None,
            )
        index.memo[key] = found
    body = index.memo[key]
    return body if isinstance(body, int) else None


def subclasses(index: Index, body: int) -> list[int]:
    """The bodies of the classes in this file that extend the class whose body opens at
    `body`, at any depth: their constructors and methods write the same instance's fields,
    and their getters override its own."""
    key = ("subclasses", str(body))
    if key not in index.memo:
        found: list[int] = []
        todo = [body]
        while todo and len(found) < _MAX_SUBCLASSES:
            name = _class_name(index, todo.pop())
            for k in index.where.get(name, []) if name else []:
                if k and index.toks[k - 1].text == "extends":
                    sub = next(
                        (j for j in range(k + 1, min(k + _CLASS_HEAD, len(index.toks)))
                         if index.toks[j].text == "{"),
                        None,
                    )  # fmt: skip
                    if sub is not None and sub not in found and sub != body:
                        found.append(sub)
                        todo.append(sub)
        index.memo[key] = found
    subs = index.memo[key]
    return subs if isinstance(subs, list) else []


def _class_name(index: Index, body: int) -> str | None:
    """The name in `class Name … {` for the body opening at `body`."""
    toks = index.toks
    for j in range(body - 1, max(-1, body - _CLASS_HEAD), -1):
        if toks[j].text == "class" and j + 1 < body and toks[j + 1].kind == "ident":
            return toks[j + 1].text if toks[j + 1].text != "extends" else None
    return None


def enclosing_class(index: Index, at: int) -> int | None:
    """The body `{` of the innermost class whose body holds token `at`, if any."""
    scope = index.block[at] if 0 <= at < len(index.block) else GLOBAL
    while scope != GLOBAL:
        if is_class_body(index, scope):
            return scope
        scope = index.parent.get(scope, GLOBAL)
    return None


def instance_of(rhs: list[Tok], index: Index) -> tuple[int, list[Tok]] | None:
    """(the class body, the constructor call's argument tokens) when `rhs` is exactly
    `new Name(…)` of a class this file declares; None otherwise."""
    if len(rhs) < 4 or rhs[0].text != "new" or rhs[1].kind != "ident" or rhs[2].text != "(":
        return None
    if closers(rhs)[2] != len(rhs) - 1:
        return None  # `new Repo().status(x)`: the value of a call on the instance
    body = class_body(index, rhs[1].text)
    return (body, rhs[3:-1]) if body is not None else None


def getter_body(index: Index, body: int, key: str) -> int | None:
    """The `{` of `get key() {…}` declared directly in the class body (not `static`)."""
    return _member_at(index, body, key, getter=True)


def method_body(index: Index, body: int, key: str) -> int | None:
    """The `{` of method `key(…) {…}` declared directly in the class body opening at `body`
    (not a getter, a setter or a `static` one); looked for in the classes that extend it
    first, since an instance may be one of theirs, in which case None (it is not known which
    of them runs)."""
    if any(_member_at(index, sub, key) is not None for sub in subclasses(index, body)):
        return None
    return _member_at(index, body, key)


def _member_at(index: Index, body: int, key: str, *, getter: bool = False) -> int | None:
    """The `{` of member `key(…) {…}` declared directly in the class body opening at `body`:
    a getter (`get key()`) when `getter`, else a plain method (not a getter, a setter or a
    `static` one, nor a use inside another member)."""
    toks, ends = index.toks, index.ends
    before = 2 if getter else 1  # the tokens a member start needs before `key`
    for k in index.where.get(key, []):
        if not (body < k < ends[body]) or index.block[k] != body or k < before:
            continue
        if getter and toks[k - 1].text != "get":
            continue
        if toks[k - before].text not in _MEMBER_START:
            continue
        if k + 1 >= len(toks) or toks[k + 1].text != "(" or ends[k + 1] < 0:
            continue
        close = ends[k + 1]
        return next(
            (j for j in range(close + 1, min(close + _HEAD, len(toks))) if toks[j].text == "{"),
            None,
        )
    return None


def class_field(index: Index, body: int, key: str) -> Field | None:
    """What the class whose body opens at `body` may hold in field `key`, read from outside
    the constructor; None when something outside the class may set it, or nothing in the
    class says what it holds."""
    declared = field_declaration(index, body, key)
    readonly = declared is not None and "readonly" in declared[0]
    if not readonly and written_from_outside(index, key):
        return None
    initialiser = declared[1] if declared is not None else None
    writes = _this_writes(index, body, key)
    if initialiser is None and not writes:
        return None
    constructor = _constructor(index, body)
    if constructor is not None and not _calls_out(index, constructor):
        end = index.ends[constructor]
        mine = [k for k, _, _ in writes if constructor < k < end]
        last = max(
            (k for k in mine if replaces(index, k, [key]) and dominates(index, k, end)),
            default=-1,
        )
        if last >= 0:
            initialiser = None
            writes = [w for w in writes if not constructor < w[0] < last]
    return Field(initialiser, writes)


def _this_writes(index: Index, body: int, key: str) -> list[Write]:
    """Every write to `this.key` in the class body, outside dead code, in file order."""
    toks, ends = index.toks, index.ends
    where = index.where.get("this", [])
    out: list[Write] = []
    for k in where[bisect.bisect_right(where, body) : bisect.bisect_left(where, ends[body])]:
        found = write_at(toks, k, [key], ends)
        if found is not None and not dead_at(index, toks[k].pos):
            out.extend(found)
    return out


def in_constructor(index: Index, body: int, at: int) -> bool:
    """Token `at` lies in the constructor of the class whose body opens at `body`: a read
    there may come before the constructor's last write."""
    constructor = _constructor(index, body)
    return constructor is not None and constructor < at < index.ends[constructor]


def _calls_out(index: Index, constructor: int) -> bool:
    """The constructor calls a method on `this` or hands `this` to other code (`this.load()`,
    `register(this)`): that code may read a field before the constructor's last write."""
    toks, ends = index.toks, index.ends
    where = index.where.get("this", [])
    lo, hi = bisect.bisect_right(where, constructor), bisect.bisect_left(where, ends[constructor])
    for k in where[lo:hi]:
        if k + 1 >= len(toks) or toks[k + 1].text not in {".", "?."}:
            return True  # `this` itself passed, returned or stored
        keys, j = member_path(toks, k + 1, ends)
        if j < len(toks) and toks[j].text == "(" and not (keys and keys[-1] in _ADDS):
            return True  # `this.load()`; `this.list.push(x)` only adds an element
    return False


def _constructor(index: Index, body: int) -> int | None:
    """The `{` of the class's `constructor(…) {…}`."""
    toks, ends = index.toks, index.ends
    for k in index.where.get("constructor", []):
        if index.block[k] != body or k + 1 >= len(toks) or toks[k + 1].text != "(":
            continue
        close = ends[k + 1]
        if close < 0:
            return None
        return next(
            (j for j in range(close + 1, min(close + _HEAD, len(toks))) if toks[j].text == "{"),
            None,
        )
    return None

"""Class field initialisers, for `this.<field>` in br_core/sqli/js/names.py.

`class Q { private readonly table = 'sales_daily'; run() { … FROM ${this.table} … } }`: the
field starts as its initialiser, and a TypeScript `readonly` field can be changed by nothing
but the constructor (whose `this.table = …` writes br_core/sqli/js/fields.py already reads).
A field that is not `readonly` may also be set from outside (`q.table = req.query.t`): it is
read from its initialiser only when no `<other>.table = …` appears anywhere in the file.
"""

from __future__ import annotations

from br_core.sqli.js.bindings import GLOBAL
from br_core.sqli.js.scope import Index
from br_core.sqli.js.tokens import Tok, until_end

_MODIFIERS = frozenset({"readonly", "private", "public", "protected", "declare", "override"})
_CLASS_HEAD = 30  # tokens between `class` and its body's `{`: `class A<T> extends B implements C`


def class_field(index: Index, key: str, sink: int) -> tuple[int, list[Tok]] | None:
    """(the field's token, its initialiser) for field `key` of the class whose body holds
    token `sink`, when its declaration has an initialiser and nothing outside the class can
    have replaced it; None otherwise."""
    for k in index.where.get(key, []):
        body = index.block[k]
        if body == GLOBAL or not is_class_body(index, body) or not _encloses(index, body, sink):
            continue
        declared = field_declaration(index, body, key)
        if declared is None:
            continue
        modifiers, initialiser = declared
        if initialiser is None:
            return None  # `private region: string;`: set elsewhere (the constructor)
        if "readonly" not in modifiers and written_from_outside(index, key):
            return None
        return initialiser
    return None


def field_declaration(
    index: Index, body: int, key: str
) -> tuple[set[str], tuple[int, list[Tok]] | None] | None:
    """(its modifiers, (its token, its initialiser) or None) for the declaration of field
    `key` directly in the class body opening at `body`; None when the class declares no such
    (non-`static`) field."""
    toks = index.toks
    for k in index.where.get(key, []):
        if index.block[k] != body:
            continue
        modifiers = _modifiers_before(toks, k)
        if modifiers is None:
            continue  # `run() {…}`, a use inside a method: not a field declaration
        if k + 1 < len(toks) and toks[k + 1].text == "(":
            continue  # `key() {…}`: a method of that name
        eq = _initialiser_at(toks, k)
        return modifiers, (k, until_end(toks, eq + 1, index.ends)) if eq is not None else None
    return None


def is_class_body(index: Index, brace: int) -> bool:
    key = ("class body", str(brace))
    if key not in index.memo:
        toks = index.toks
        found = False
        for j in range(brace - 1, max(-1, brace - _CLASS_HEAD), -1):
            if toks[j].text in {"{", "}", ";", "=>"}:
                break
            if toks[j].text == "class" and (j == 0 or toks[j - 1].text != "."):
                found = True
                break
        index.memo[key] = found
    return bool(index.memo[key])


def _encloses(index: Index, block: int, at: int) -> bool:
    scope = index.block[at] if at < len(index.block) else GLOBAL
    while scope != GLOBAL:
        if scope == block:
            return True
        scope = index.parent.get(scope, GLOBAL)
    return False


def _modifiers_before(toks: list[Tok], k: int) -> set[str] | None:
    """The modifiers before a field declaration at token k (`private readonly`), or None when
    token k does not start a member of the class body (or the member is `static`)."""
    found: set[str] = set()
    j = k - 1
    while j >= 0 and toks[j].text in _MODIFIERS:
        found.add(toks[j].text)
        j -= 1
    if j >= 0 and toks[j].text not in {"{", ";", "}"}:
        return None
    return found


def _initialiser_at(toks: list[Tok], k: int) -> int | None:
    """The `=` of `name = …`, `name: T = …`, `name!: T = …`, `name?: T = …` at token k."""
    j = k + 1
    if j < len(toks) and toks[j].text in {"!", "?"}:
        j += 1
    if j < len(toks) and toks[j].text == ":":
        while j < len(toks) and toks[j].text not in {"=", ";", "}", "(", "{"}:
            j += 1
    return j if j < len(toks) and toks[j].text == "=" else None


def written_from_outside(index: Index, key: str) -> bool:
    """`x.key = …` on anything but `this` somewhere in the file."""
    toks = index.toks
    return any(
        k >= 2
        and k + 1 < len(toks)
        and toks[k - 1].text in {".", "?."}
        and toks[k - 2].text != "this"
        and toks[k + 1].text in {"=", "+="}
        for k in index.where.get(key, [])
    )

"""Units behind js_arrays.cases (issue 17, tag M): values kept in containers. An
array's slots after shift/unshift/pop/push/splice (arrays.py), fields of object literals at
any depth through nested spreads (objects.py `literal_entries`, names.py), objects stored in
arrays read back by index then field, and array literals holding a call, which are not
constant tables (scope.py)."""

from __future__ import annotations

import pytest

from br_core.sqli.js.arrays import array_slots, read_at
from br_core.sqli.js.expressions import evaluate
from br_core.sqli.js.fields import ANY
from br_core.sqli.js.objects import literal_entries
from br_core.sqli.js.scope import Ctx, Index, const_object
from br_core.sqli.js.tokens import tokenize


def _ctx(src: str, at: int) -> Ctx:
    toks = tokenize(src)
    return Ctx(src, toks, at, Index(src, toks))


def _taint(src: str, expr: str) -> str | None:
    """The taint of `expr` read at the end of `src`."""
    full = f"{src}\n{expr};\n"
    ctx = _ctx(full, len(src) + 1)
    first = next(j for j, t in enumerate(ctx.toks) if t.pos >= ctx.limit)
    return evaluate(ctx, ctx.toks[first:-1]).taint


@pytest.mark.parametrize(
    ("src", "expr", "tainted"),
    [
        # a call inside the literal: the array is not a table of constants
        ("const l = ['a', req.get('x-id'), 'b']; l.shift();", "l[0]", True),
        ("const l = [req.get('x-id'), 'a', 'b']; l.shift();", "l[0]", False),
        ("const l = ['a', req.get('x-id')];", "l[k]", True),
        # a shift kept in a declaration still moves the slots
        ("const l = [req.query.a, 'b'];\nconst first = l.shift();", "l[0]", False),
        ("const l = ['b', req.query.a];\nconst first = l.shift();", "l[0]", True),
        # reads of the array between the changes keep the slots known
        ("const l = [req.query.a, 'b', 'c']; l.shift(); n = l.length; l[0];", "l[k]", False),
        ("const l = ['b', 'c']; l[0] = req.query.a;", "l[k]", True),
        ("const l = ['b', 'c']; l.length = 0; l.push(req.query.a);", "l[0]", True),
        # nested spreads and nested literals
        ("const o = { ...{ ...req.query } };", "o.city", True),
        ("const o = { f: { ...req.query } };", "o.f.city", True),
        ("const o = { f: { ...req.query, city: 'x' } };", "o.f.city", False),
        ("const o = { a: { b: { c: req.body.c, d: 'x' } } };", "o.a.b.c", True),
        ("const o = { a: { b: { c: req.body.c, d: 'x' } } };", "o.a.b.d", False),
        ("const D = { f: { city: 'x' } };\nconst o = { ...D, f: { ...D.f } };", "o.f.city", False),
        (
            "const D = { f: { city: 'x' } };\nconst o = { f: { ...D.f, ...req.query } };",
            "o.f.city",
            True,
        ),
        ("const o = { f: { ...input } };", "o.f.city", True),
        ("const o = { 'f': { 'city': req.query.c } };", "o.f.city", True),
        # objects in arrays, arrays in objects
        ("const r = [{ k: 'a', v: 'b' }, { k: 'c', v: req.query.v }];", "r[1].v", True),
        ("const r = [{ k: 'a', v: 'b' }, { k: 'c', v: req.query.v }];", "r[1].k", False),
        ("const r = [{ k: 'a', v: 'b' }, { k: 'c', v: req.query.v }];", "r[0].v", False),
        ("const r = [{ k: 'a', v: 'b' }, { k: 'c', v: req.query.v }];", "r[i].v", True),
        ("const r = [{ k: 'a', v: 'b' }, { k: 'c', v: req.query.v }];", "r[i].k", False),
        ("const r = []; r.push({ k: 'a', v: req.query.v });", "r[0].v", True),
        ("const r = []; r.push({ k: 'a', v: req.query.v });", "r[0].k", False),
        ("const r = [{ v: req.query.v }]; keep(r);", "r[0].v", True),
        ("const o = { cols: ['id', req.query.c] };", "o.cols[1]", True),
        ("const o = { cols: ['id', req.query.c] };", "o.cols[0]", False),
        # a key not known: any field
        ("const o = { a: 'x', b: req.query.b };", "o[k]", True),
        ("const o = { a: 'x', b: Number(req.query.b) };", "o[k]", False),
        ("const o = { [k]: req.query.b };", "o.a", True),
    ],
)
def test_container_flows(src: str, expr: str, tainted: bool) -> None:
    assert bool(_taint(src, expr)) is tainted


def _entries(obj: str, key: str) -> list[tuple[bool, str]]:
    toks = tokenize(obj)
    return [
        (spread, " ".join(t.text for t in value)) for spread, value in literal_entries(toks, key)
    ]


@pytest.mark.parametrize(
    ("obj", "key", "expected"),
    [
        ("{ a: x, b: y }", "a", [(False, "x")]),
        ("{ a: x, ...s }", "a", [(False, "x"), (True, "s")]),
        ("{ ...s, a: x }", "a", [(False, "x")]),
        ("{ a: x, a: y }", "a", [(False, "y")]),
        ("{ a }", "a", [(False, "a")]),
        ("{ 'a': x, ['b']: y }", "b", [(False, "y")]),
        ("{ [k]: x, b: y }", "b", [(False, "y")]),
        ("{ b: y, [k]: x }", "b", [(False, "y"), (False, "x")]),
        ("{ a: x, m() { return z; } }", ANY, [(False, "x")]),
        ("{ a: x, ...s }", ANY, [(False, "x"), (True, "s")]),
        ("{ a: x }", "b", []),
    ],
)
def test_literal_entries(obj: str, key: str, expected: list[tuple[bool, str]]) -> None:
    assert _entries(obj, key) == expected


def test_array_slots_follow_the_statements() -> None:
    src = "const l = ['a', b, 'c'];\nl.shift();\nconst last = l.pop();\nl.unshift(d);\nSINK"
    found = array_slots(_ctx(src, src.index("SINK")), "l")
    assert found is not None
    assert [" ".join(t.text for t in toks) for _, toks in found] == ["d", "b"]


@pytest.mark.parametrize(
    "changes",
    ["if (x) l.shift();", "for (;;) l.push(y);", "keep(l);", "l[0] = y;", "l.length = 0;"],
)
def test_array_slots_unknown_after_other_changes(changes: str) -> None:
    src = f"const l = ['a', 'b'];\n{changes}\nSINK"
    assert array_slots(_ctx(src, src.index("SINK")), "l") is None


def test_read_at() -> None:
    assert read_at(["a", "b"], "1") == ["b"]
    assert read_at(["a", "b"], "2") == []
    assert read_at(["a", "b"], ANY) == ["a", "b"]
    assert read_at(["a", "b"], "name") is None


@pytest.mark.parametrize(
    ("decl", "constant"),
    [
        ("const T = ['a', 'b'];", True),
        ("const T = { a: 'x', b: 2 };", True),
        ("const T = ['a', req.get('x-id')];", False),
        ("const T = { a: String(req.query.a) };", False),
    ],
)
def test_const_object_has_no_call(decl: str, constant: bool) -> None:
    src = f"{decl}\nSINK"
    assert const_object(_ctx(src, src.index("SINK")), "T") is constant

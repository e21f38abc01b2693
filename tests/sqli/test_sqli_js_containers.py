"""Constant slots of JS/TS containers and arrow parameters (issue 17): array destructuring by
position, object keys written after a spread, `Map` get/set with constant keys, and the
parameter of an expression-bodied arrow that hides an outer name."""

from __future__ import annotations

import pytest

from br_core.sqli.js.arrows import arrow_parameter
from br_core.sqli.js.expressions import evaluate
from br_core.sqli.js.scope import Ctx, Index
from br_core.sqli.js.tokens import slots, tokenize


def _taint(src: str, expr: str) -> str | None:
    """The taint of `expr` read at the end of `src`."""
    full = f"{src}\n{expr};\n"
    toks = tokenize(full)
    index = Index(full, toks)
    at = len(src) + 1
    first = next(j for j, t in enumerate(toks) if t.pos >= at)
    return evaluate(Ctx(full, toks, at, index), toks[first:-1]).taint


@pytest.mark.parametrize(
    ("src", "expr", "tainted"),
    [
        ("const [a, b] = ['x', req.query.b];", "a", False),
        ("const [a, b] = ['x', req.query.b];", "b", True),
        ("const [, b] = [req.query.a, 'y'];", "b", False),
        ("const [a] = [...req.query.list, 'y'];", "a", True),
        ("const [a] = req.query.list;", "a", True),
        ("const o = { ...req.query, k: 'v' };", "o.k", False),
        ("const o = { k: 'v', ...req.query };", "o.k", True),
        ("const o = { k: req.query.k, k: 'v' };", "o.k", False),
        ("const m = new Map(); m.set('a', 'x'); m.set('b', req.query.b);", "m.get('a')", False),
        ("const m = new Map(); m.set('a', 'x'); m.set('b', req.query.b);", "m.get('b')", True),
        ("const m = new Map(); m.set(req.query.k, req.query.v);", "m.get('a')", True),
        ("const m = new Map(req.query.entries);", "m.get('a')", True),
        (
            "const m = new Map(); m.set('a', 'x'); if (false) m.set('a', req.query.v);",
            "m.get('a')",
            False,
        ),
        ("const l = ['a']; l.push(req.query.v); l.shift();", "l[0]", True),
        ("const l = ['a']; l.push(req.query.v); l.push('b'); l.shift();", "l[1]", False),
        ("const l = ['a', req.query.v, 'b']; l.splice(1, 1);", "l[1]", False),
        ("const l = ['a', 'b']; l.splice(1, 0, req.query.v);", "l[1]", True),
        ("const l = ['a', 'b']; l.unshift(req.query.v);", "l[2]", False),
        ("const l = ['a']; if (x) l.unshift(req.query.v);", "l[0]", True),
        ("const l = ['a']; keep(l); l.push('b');", "l[0]", False),
        ("const l = [req.query.v]; keep(l);", "l[0]", True),
        ("const T = ['id']; T.push(req.query.c);", "T[1]", True),
    ],
)
def test_container_slots(src: str, expr: str, tainted: bool) -> None:
    assert bool(_taint(src, expr)) is tainted


def _param(src: str, name: str) -> tuple[str, int] | None:
    toks = tokenize(src)
    index = Index(src, toks)
    sink = src.rindex("SINK")
    return arrow_parameter(Ctx(src, toks, sink, index), name)


@pytest.mark.parametrize(
    ("src", "name", "expected"),
    [
        ("const f = (a, b) => q(a + b + SINK);", "b", ("f", 1)),
        ("const f = async (a) => q(a + SINK);", "a", ("f", 0)),
        ("const f = a => q(a + SINK);", "a", ("f", 0)),
        ("xs.forEach((a) => q(a + SINK));", "a", ("", 0)),
        # not a parameter of an arrow around the sink
        ("const f = (a) => q(a);\nq(a + SINK);", "a", None),
        ("const f = (a) => { return q(a + SINK); };", "a", None),
        ("g(a, b);\nq(a + SINK);", "a", None),
    ],
)
def test_arrow_parameter(src: str, name: str, expected: tuple[str, int] | None) -> None:
    assert _param(src, name) == expected


def test_slots_keep_holes() -> None:
    assert [[t.text for t in s] for s in slots(tokenize(", b, , [c, d]"))] == [
        [],
        ["b"],
        [],
        ["[", "c", ",", "d", "]"],
    ]

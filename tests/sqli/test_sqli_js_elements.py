"""Units behind js_elements.cases (issue 17): arrays and objects read element by element.
Loop variables (br_core/sqli/js/loops.py), objects as whole values and `Object.keys/values/
entries/freeze` (objects.py), array methods that pick elements, spreads at any depth and
destructuring with renames and defaults, each read from a real tokenized file."""

from __future__ import annotations

import pytest

from br_core.sqli.js.expressions import evaluate
from br_core.sqli.js.loops import loop_binding
from br_core.sqli.js.objects import object_keys
from br_core.sqli.js.scope import Ctx, Index
from br_core.sqli.js.tokens import Tok, tokenize
from br_core.sqli.values import Val


def _ctx(src: str, before: str = "SINK") -> Ctx:
    """The file's context just before the first `before` (where the sink would be)."""
    toks = tokenize(src)
    return Ctx(src, toks, src.index(before), Index(src, toks))


def _texts(toks: list[Tok]) -> str:
    return " ".join(t.text for t in toks)


def _value(prelude: str, expr: str) -> Val:
    """What the evaluator makes of `expr` read right after `prelude`."""
    src = f"{prelude}\nSINK({expr});\n"
    ctx = _ctx(src)
    start = src.index("SINK(") + len("SINK(")
    return evaluate(ctx, tokenize(src, start, start + len(expr)))


def _tainted(val: Val | None) -> bool:
    """Untrusted text anywhere in the value, its elements included."""
    return val is not None and (bool(val.taint) or _tainted(val.elems))


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("for (const c of COLS) { SINK(c); }", ("of", "COLS", False)),
        ("for (let c of [a, b]) SINK(c);", ("of", "[ a , b ]", False)),
        ("for (const [c, v] of entries(O)) { SINK(c); }", ("of", "entries ( O )", True)),
        ("for (const { c = 'x' } of rows) { SINK(c); }", ("of", "rows", True)),
        ("for (var c in O) { SINK(c); }", ("in", "O", False)),
        ("async function f() { for await (const c of s) { SINK(c); } }", ("of", "s", False)),
    ],
)  # fmt: skip
def test_loop_binding(src: str, expected: tuple[str, str, bool]) -> None:
    loop = loop_binding(_ctx(src), "c")
    assert loop is not None
    assert (loop.keyword, _texts(loop.iterable), loop.pattern) == expected


@pytest.mark.parametrize(
    "src",
    [
        "for (const c of COLS) { log(c); }\nSINK(c);",  # the loop ended before the sink
        "for (const c of COLS) log(c);\nSINK(c);",
        "for (let c = 0; c < n; c++) { SINK(c); }",  # a counting loop
        "for (c of COLS) { SINK(c); }",  # an outer variable assigned: not a declaration here
        "for (const x of c) { SINK(c); }",  # `c` is the iterable, not the variable
        "const c = f(); SINK(c);",
    ],
)
def test_loop_binding_is_none_when_no_loop_declares_the_name_around_the_sink(src: str) -> None:
    assert loop_binding(_ctx(src), "c") is None


@pytest.mark.parametrize(
    ("prelude", "expr", "tainted"),
    [
        ("", "{ a: 'x', ...{ b: 'y' } }", False),
        ("", "{ ...{ ...req.query } }", True),  # spreads at any depth keep their fields
        ("const base = { ...req.query };", "{ ...base, limit: 10 }", True),
        ("const base = { a: 'x' };", "{ ...base, limit: 10 }", False),
        ("", "{ [req.query.k]: 'x' }", False),  # a computed key: the key, not a field
        ("", "[...[...req.query.cols]]", True),
        ("const BASE = ['id'];", "[...[...BASE], 'name']", False),
    ],
)
def test_object_and_array_literals_stand_for_their_fields(
    prelude: str, expr: str, tainted: bool
) -> None:
    val = _value(prelude, expr)
    assert val.elems is not None and not val.taint
    assert _tainted(val) is tainted


@pytest.mark.parametrize(
    ("prelude", "expr", "tainted"),
    [
        ("const O = { a: 'x', b: 'y' };", "Object.keys(O)", False),
        ("const O = { a: 'x', b: 'y' };", "Object.values(O)", False),
        ("const O = { a: 'x' };", "Object.entries(O)", False),
        ("const o = { a: req.query.a };", "Object.keys(o)", False),  # constant keys
        ("const o = { a: req.query.a };", "Object.values(o)", True),
        ("const o = { a: 'x' };", "Object.entries({ ...o, [req.query.k]: 1 })", True),
        ("const o = { ...req.query };", "Object.keys(o)", True),  # the request's keys
        ("", "Object.freeze(['a', 'b'])", False),
        ("", "Object.freeze(['a', req.query.b])", True),
        ("const O = { a: 'x' };", "Object.values(O).find((v) => v === req.query.v)", False),
        ("const C = ['a'];", "[...C].filter((v) => v === req.query.v)", False),
    ],
)
def test_object_calls(prelude: str, expr: str, tainted: bool) -> None:
    assert _tainted(_value(prelude, expr)) is tainted


@pytest.mark.parametrize(
    ("prelude", "tainted"),
    [
        ("const o = { a: 1 }; o[req.query.k] = 2;", None),  # a key added by a write
        ("const o = { a: 1 }; Object.assign(o, req.body);", None),  # the body's keys
        ("let o = { a: 1 }; o = { b: 2 };", False),  # both literals: constant keys
        ("let o = { a: 1 }; o = make();", None),
    ],
)
def test_object_keys_of_a_name(prelude: str, tainted: bool | None) -> None:
    src = f"{prelude}\nSINK(o);\n"
    ctx = _ctx(src)
    keys = object_keys(evaluate, ctx, tokenize("o"), 0)
    assert (None if keys is None else _tainted(keys)) == tainted


@pytest.mark.parametrize(
    ("prelude", "tainted"),
    [
        ("const o = { ...req.query };\nconst { sort: col = 'id' } = o;", True),
        ("const o = { ...req.query, sort: 'x' };\nconst { sort: col = 'id' } = o;", False),
        ("const o = { sort: 'x', by: req.query.by };\nconst { sort: col } = o;", False),
        ("const o = { sort: req.query.s };\nconst { 'sort': col } = o;", True),
        ("const [col = req.query.c] = [];", True),
        ("const [col = 'id'] = ['name'];", False),
    ],
)
def test_destructuring_with_renames_and_defaults(prelude: str, tainted: bool) -> None:
    assert _tainted(_value(prelude, "col")) is tainted


def test_loop_variable_takes_the_elements_of_its_iterable() -> None:
    constant = "const C = ['a', 'b'];\nfor (const c of C) {"
    assert not _tainted(_value(constant, "c"))
    pushed = "const C = ['a'];\nC.push(req.query.c);\nfor (const c of C) {"
    assert _tainted(_value(pushed, "c"))
    entries = "const O = { a: 'x' };\nfor (const [k, v] of Object.entries(O)) {"
    assert not _tainted(_value(entries, "k")) and not _tainted(_value(entries, "v"))
    keys = "for (const k in req.body) {"
    assert _tainted(_value(keys, "k"))

"""Units behind js_flows.cases: field writes, destructuring and callback parameters, read from
a real tokenized file (br_core/sqli/js/fields.py, callbacks.py)."""

from __future__ import annotations

import time

import pytest

from br_core.sqli.js.analyzer import analyze_js
from br_core.sqli.js.callbacks import callback_receiver
from br_core.sqli.js.fields import destructured, field_writes, member_path
from br_core.sqli.js.scope import Ctx, Index
from br_core.sqli.js.tokens import closers, tokenize


def _ctx(src: str, before: str) -> Ctx:
    """The file's context just before the first `before` (where the sink would be)."""
    toks = tokenize(src)
    return Ctx(src, toks, src.index(before), Index(src, toks))


@pytest.mark.parametrize(
    ("expr", "keys"),
    [
        ("o.a.b", ["a", "b"]),
        ("o?.a['b'][0]", ["a", "b", "0"]),
        ("o[key].c", ["", "c"]),  # a key the analysis cannot name
        ("o", []),
    ],
)
def test_member_path(expr: str, keys: list[str]) -> None:
    toks = tokenize(expr)
    assert member_path(toks, 1, closers(toks)) == (keys, len(toks))


def test_field_writes_keep_only_writes_that_reach_the_field() -> None:
    src = (
        "function f(req) { const o = {}; o.limit = 10; o.id = req.query.id; o[k] = v;"
        " Object.assign(o, req.body); const p = {}; p.id = 1; SINK(o.id); }"
    )
    writes = field_writes(_ctx(src, "SINK"), "o", ["id"])
    texts = [(kind, " ".join(t.text for t in rhs)) for _, kind, rhs in writes]
    # not `o.limit` (another field) nor `p.id` (another object)
    assert texts == [("field", "req . query . id"), ("field", "v"), ("object", "req . body")]


def test_field_writes_respect_scope() -> None:
    src = (
        "function a(req) { const o = {}; o.id = req.query.id; }"
        " function b() { const o = {}; SINK(o.id); }"
    )
    assert field_writes(_ctx(src, "SINK"), "o", ["id"]) == []


def test_destructured_finds_array_and_object_patterns_only() -> None:
    src = "const [first, second] = rows; const { id: alias } = req.body; f(first, id); SINK();"
    ctx = _ctx(src, "SINK")
    found = destructured(ctx, "second")
    assert found is not None and found[0] == "[" and [t.text for t in found[1]] == ["rows"]
    alias = destructured(ctx, "alias")
    assert alias is not None and alias[0] == "{"
    assert destructured(ctx, "id") is None  # `id:` names the field, `alias` is bound


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("ids.map((id) => SINK(id))", ("map", "ids")),
        ("req.body.rows.forEach(function (id) { SINK(id) })", ("forEach", "req . body . rows")),
        ("Promise.resolve(x).then(async id => SINK(id))", ("then", "Promise . resolve ( x )")),
        ("[1, 2].filter((id, i) => SINK(id))", ("filter", "[ 1 , 2 ]")),
    ],
)
def test_callback_receiver(src: str, expected: tuple[str, str]) -> None:
    found = callback_receiver(_ctx(src, "SINK"), "id")
    assert found is not None
    assert (found[0], " ".join(t.text for t in found[1])) == expected


@pytest.mark.parametrize(
    "src",
    [
        "function g(id) { SINK(id) }",  # a function's parameter, not a callback's
        "ids.map(run(id), SINK(id))",  # `run(id)`: a call, not a parameter list
        "reduce((acc, id) => SINK(id))",  # not an element method on a receiver
    ],
)
def test_callback_receiver_is_none_elsewhere(src: str) -> None:
    assert callback_receiver(_ctx(src, "SINK"), "id") is None


def test_a_long_file_of_field_reads_stays_quick() -> None:
    """A generous bound against quadratic behaviour: 3,000 handlers each reading a field."""
    one = (
        "function h(req) { const o = {}; o.id = req.query.id;"
        " db.query('SELECT * FROM t WHERE id = ' + o.id); }\n"
    )
    started = time.process_time()
    findings = analyze_js(one * 3000)
    assert time.process_time() - started < 20  # about 3 s on a loaded machine; quadratic: minutes
    assert len(findings) > 0 and all(f.source.startswith("the web request") for f in findings)

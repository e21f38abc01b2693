"""Identifiers quoted by the driver or by a class's own quote methods (issue 17 item 6,
br_core/sqli/js/calls.py): any `x.quote` / `x.quoteXxx(…)` call quotes by its name, unless
this file defines that method with a body that does not escape; and a map whose callback
returns such a call on every path makes escaped elements. Labelled end-to-end cases:
tests/data/sqli_cases/js_round9_s9-jsmore.cases."""

from __future__ import annotations

import pytest

from br_core.sqli.js.analyzer import analyze_js

_CLASS = "class Dialect {\n  %s(name) {\n    %s\n  }\n}\nconst dialect = new Dialect();\n"
_SINK = "function h(req) {\n  db.query(`SELECT * FROM ${%s}`);\n}\n"


@pytest.mark.parametrize("method", ["quoteTable", "quoteIdentifier", "quoteColumn", "quote"])
def test_a_quote_method_defined_elsewhere_quotes(method: str) -> None:
    assert analyze_js(_SINK % f"dialect.{method}(req.query.t)") == []


@pytest.mark.parametrize(
    ("body", "escapes"),
    [
        ("return '\"' + String(name).replace(/\"/g, '\"\"') + '\"';", True),
        ("return `${this.quoteIdentifier(name.schema)}.${this.quoteIdentifier(name.t)}`;", True),
        ("throw new Error('not implemented');", True),  # abstract: a dialect implements it
        ("return '\"' + name + '\"';", False),
        ('return `"${name}"`;', False),
    ],
)
def test_a_quote_method_this_file_defines_quotes_only_when_it_escapes(
    body: str, escapes: bool
) -> None:
    for method in ("quoteTable", "quoteIdentifier"):
        src = _CLASS % (method, body) + _SINK % f"dialect.{method}(req.query.t)"
        assert bool(analyze_js(src)) is not escapes, method


@pytest.mark.parametrize(
    ("callback", "escaped"),
    [
        ("(c) => { return k.quoteIdentifier(c); }", True),
        ("function (c) { return c.a ? k.quoteIdentifier(c.a) : k.quoteIdentifier(c); }", True),
        ("(c) => (c.a ? k.quoteIdentifier(c.a) : k.escapeId(c))", True),
        ("(c) => { if (c.a) return c.a; return k.quoteIdentifier(c); }", False),
        ("(c) => c.a ? c : k.quoteIdentifier(c)", False),
    ],
)
def test_a_map_escapes_when_every_value_it_returns_is_quoted(callback: str, escaped: bool) -> None:
    src = _SINK.replace("{\n", f"{{\n  const list = req.query.cols.map({callback});\n", 1)
    src %= "list.join(', ')"
    assert bool(analyze_js(src)) is not escaped

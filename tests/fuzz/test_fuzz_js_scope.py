# ruff: noqa: E501  (the snippets read best one per line)
"""Fuzzing the JS/TS scope resolution and taint steps (br_core/sqli/js/bindings.py, analyzer):
whatever the source, the analysis returns findings on real lines and every name resolves to
the file's global scope or to a `{` that opens a block."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from br_core.sqli.js.analyzer import analyze_js
from br_core.sqli.js.bindings import GLOBAL
from br_core.sqli.js.scope import Index
from br_core.sqli.js.tokens import tokenize
from tests.fuzz.strategies import mutate, text

_SNIPPETS = st.sampled_from(
    [
        "function f(a, {b, c: d}, ...e) { var x = a; let y = b; db.query('SELECT ' + x); }",
        "app.get('/', (req, res) => { g = req.query.q; });\nfunction h(db) { db.query('SELECT ' + g); }",
        "const q = { name: req.query.name, ...req.body }; db.query(`SELECT ${q.name}`);",
        "db.query(util.format('SELECT %s', req.query.x).concat([1, 2].join(',')));",
        "async function f(x: string): Promise<Row[]> { return pool.query('SELECT ' + JSON.stringify(x)); }",
        "for (let i = 0; i < n; i++) { if (x) { var s = i; } } catch (e) { s = e; }",
    ]
)
sources = st.one_of(
    text, _SNIPPETS, _SNIPPETS.flatmap(mutate), st.lists(_SNIPPETS, max_size=4).map("\n".join)
)


@given(sources)
@example("function (" * 200 + "{" * 200)
@example("x => { " * 300)
def test_js_analysis_never_raises_and_scopes_are_blocks(src: str) -> None:
    lines = src.count("\n") + 1
    for finding in analyze_js(src):
        assert 1 <= finding.line <= lines
    toks = tokenize(src)
    scopes = Index(src, toks).bindings()
    for k, tok in enumerate(toks[:200]):
        if tok.kind == "ident":
            scope = scopes.resolve(tok.text, k)
            assert scope == GLOBAL or toks[scope].text == "{"

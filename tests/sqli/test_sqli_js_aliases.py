"""Writes through an alias reach the container (issue 17 item 6, br_core/sqli/js/aliases.py):
objects are references, so `r.val = x` after `const r = rows[0]` sets `rows[0].val`, and a
map that reads one field (`rows.map((o) => o.val)`) reads that field of each element.
Labelled end-to-end cases: tests/data/sqli_cases/js_round9_s9-jsmore.cases."""

from __future__ import annotations

import pytest

from br_core.sqli.js.aliases import aliases
from br_core.sqli.js.analyzer import analyze_js
from br_core.sqli.js.fields import ANY
from br_core.sqli.js.scope import Ctx, Index
from br_core.sqli.js.tokens import tokenize

_ROWS = "function h(req) {\n  const rows = [{ val: 'a', n: 1 }];\n  %s\n  %s\n}\n"


@pytest.mark.parametrize(
    ("alias", "read"),
    [
        (
            "const r = rows[0];\n  r.val = req.query.x;",
            "db.query('SELECT * FROM t WHERE c = ' + rows[0].val);",
        ),
        (
            "const r = rows[0];\n  r.val = req.query.x;",
            "db.query('SELECT * FROM t WHERE c = ' + rows[i].val);",
        ),
        (
            "const r = rows.find((o) => o.n === 1);\n  r.val = req.query.x;",
            "db.query('SELECT * FROM t WHERE c = ' + rows.map((o) => o.val).join(','));",
        ),
        (
            "const r = rows.at(-1);\n  Object.assign(r, req.body);",
            "db.query('SELECT * FROM t WHERE c = ' + rows[0].val);",
        ),
    ],
)
def test_a_write_through_an_alias_reaches_the_container(alias: str, read: str) -> None:
    assert [f.source[:15] for f in analyze_js(_ROWS % (alias, read))] == ["the web request"]


@pytest.mark.parametrize(
    ("alias", "read"),
    [
        # a constant written, or the request's value kept apart from the field read
        (
            "const r = rows[0];\n  r.val = 'b';",
            "db.query('SELECT * FROM t WHERE c = ' + rows[0].val);",
        ),
        (
            "const r = rows[0];\n  r.val = req.query.x;",
            "db.query('SELECT * FROM t WHERE c = ' + rows[1].val);",
        ),
        (
            "const r = rows[0];\n  r.val = req.query.x;",
            "db.query('SELECT * FROM t WHERE c = ' + rows[0].n);",
        ),
        (
            "const r = { ...rows[0] };\n  r.val = req.query.x;",
            "db.query('SELECT * FROM t WHERE c = ' + rows[0].val);",
        ),
        (
            "const r = rows[0];\n  r.val = req.query.x;",
            "db.query('SELECT * FROM t WHERE c = ' + rows.map((o) => o.n).join(','));",
        ),
    ],
)
def test_no_alias_no_taint(alias: str, read: str) -> None:
    assert analyze_js(_ROWS % (alias, read)) == []


def test_aliases_reads_where_each_points() -> None:
    src = "const a = cfg;\nconst b = cfg.x.y;\nconst c = cfg.list.find(f);\nconst d = cfg.x + 1;\n"
    index = Index(src, tokenize(src))
    found = aliases(Ctx(src, index.toks, len(src), index), "cfg")
    assert [(name, keys) for _, name, keys in found] == [
        ("a", []),
        ("b", ["x", "y"]),
        ("c", ["list", ANY]),
    ]


@pytest.mark.parametrize(
    ("alias", "tainted"),
    [
        ("const c: string[] = cfg.cols;\n  c.push(req.query.c);", True),
        ("let c = cfg.cols;\n  c.unshift(req.query.c);", True),
        ("let c = cfg.cols;\n  c = [];\n  c.push(req.query.c);", False),  # another list
        ("const c = cfg.cols;\n  c.push('name');", False),
    ],
)
def test_a_push_through_an_alias_adds_an_element(alias: str, tainted: bool) -> None:
    src = (
        f"function h(req) {{\n  const cfg = {{ cols: ['id'] }};\n  {alias}\n"
        "  db.query('SELECT ' + cfg.cols.join(',') + ' FROM u');\n}\n"
    )
    assert bool(analyze_js(src)) is tainted

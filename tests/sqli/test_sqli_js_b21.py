"""Units behind js_b21.cases (issue 17, blind21's misses): a sort or group key passed whole
to a sink that pastes it in (knex `orderByRaw`, TypeORM's `orderBy`), maintenance statements
read as SQL (`REFRESH MATERIALIZED VIEW`), and `*`/`/`/`%` in constant conditions."""

from __future__ import annotations

import pytest

from br_core.sqli.js.analyzer import analyze_js
from br_core.sqli.values import looks_like_sql

_TYPEORM = "import { Repository } from 'typeorm';\n"


@pytest.mark.parametrize(
    ("src", "sink"),
    [
        ("function f(knex, s) { return knex('t').orderByRaw(s); }", ").orderByRaw"),
        ("function f(knex, g) { return knex('t').groupByRaw(g); }", ").groupByRaw"),
        ("app.get('/', (req, res) => knex('t').orderByRaw(req.query.sort));", ").orderByRaw"),
        (_TYPEORM + "function f(repo, s) { return repo.createQueryBuilder('u').orderBy(s); }",
         ").orderBy"),
        (_TYPEORM + "function f(qb, s) { repo.createQueryBuilder('u'); return qb.addOrderBy(s); }",
         "qb.addOrderBy"),
    ],
)  # fmt: skip
def test_an_unknown_sort_key_passed_whole_is_flagged(src: str, sink: str) -> None:
    findings = analyze_js(src)
    assert [(f.sink, f.rule) for f in findings] == [(sink, "sqli-js-raw")]


@pytest.mark.parametrize(
    "src",
    [
        # a constant key, or one chosen from constants
        "const S = 'name ASC';\nfunction f(knex) { return knex('t').orderByRaw(S); }",
        "function f(knex, s) {\n  const k = s === 'n' ? 'name' : 'id';\n"
        "  return knex('t').orderByRaw(k);\n}",
        # the file's own helper returns the key: normally a mapping onto fixed columns
        "class M { list(qb, o) { return qb.orderByRaw(this.orderToString(o)); } }",
        # knex's own orderBy quotes the column: only TypeORM's query builder pastes it in
        "function f(knex, s) { return knex('t').orderBy(s); }",
        # a condition fragment passed whole is SQL written elsewhere, with its binds
        "function f(knex, cond, binds) { return knex('t').whereRaw(cond, binds); }",
        # the bindings argument is not the key
        "function f(knex, v) { return knex('t').orderByRaw('name ?', [v]); }",
    ],
)
def test_a_known_key_or_a_quoting_sink_is_not_flagged(src: str) -> None:
    assert analyze_js(src) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("REFRESH MATERIALIZED VIEW ", True),
        ("refresh materialized view concurrently ", True),
        ("CREATE MATERIALIZED VIEW IF NOT EXISTS ", True),
        ("DROP MATERIALIZED VIEW ", True),
        ("REINDEX TABLE ", True),
        # prose
        ("refresh the view in a minute: ", False),
        ("reindex the search cache for ", False),
        ("materialized view of ", False),
    ],
)
def test_maintenance_statements_read_as_sql(text: str, expected: bool) -> None:
    assert looks_like_sql(text) is expected


def test_an_undeclared_view_name_in_a_refresh_is_flagged() -> None:
    src = "function f(client) { return client.query('REFRESH MATERIALIZED VIEW ' + viewName); }"
    findings = analyze_js(src)
    assert [(f.sink, f.confidence) for f in findings] == [("client.query", "medium")]
    assert "never defined" in (findings[0].source or "")


def test_a_refresh_of_a_constant_view_is_not_flagged() -> None:
    src = (
        "const VIEW = 'daily_totals';\n"
        "function f(client) { return client.query('REFRESH MATERIALIZED VIEW ' + VIEW); }"
    )
    assert analyze_js(src) == []

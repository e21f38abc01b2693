"""Issue 17's remaining JS/TS capabilities, piece by piece: dead code after `break`/`continue`
and cases that do not fall through (br_core/sqli/js/fold.py), pg-format's specifiers
(pgformat.py), what functions and promise handlers return (promises.py), and the confidence of
a finding built from what the analysis cannot resolve, as a user sees it in each format.
Labelled end-to-end cases: tests/data/sqli_cases/js_round5.cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from br_core import trust
from br_core.config import config_path
from br_core.scan.finding import SQL_INJECTION
from br_core.scan.report import render
from br_core.sqli.js.analyzer import analyze_js
from br_core.sqli.js.fold import dead_at, exclusive
from br_core.sqli.js.pgformat import format_names, raw_arguments
from br_core.sqli.js.promises import callback_result, own_returns
from br_core.sqli.js.scope import Index
from br_core.sqli.js.tokens import Tok, tokenize
from br_core.sqli.scan import scan_files


def _index(src: str) -> Index:
    return Index(src, tokenize(src))


def _text(src: str, toks: list[Tok]) -> str:
    return src[toks[0].pos : toks[-1].pos + len(toks[-1].text)]


def _dead_lines(src: str) -> set[int]:
    index = _index(src)
    firsts: dict[int, int] = {}
    for tok in index.toks:
        firsts.setdefault(tok.line, tok.pos)
    return {line for line, pos in firsts.items() if dead_at(index, pos)}


@pytest.mark.parametrize(
    ("src", "dead"),
    [
        ("for (;;) {\n  break;\n  a();\n}\nb();\n", {3}),
        ("while (x) {\n  continue;\n  a();\n}\n", {3}),
        ("for (;;) {\n  if (x) break;\n  a();\n}\n", set()),
        ("for (;;) {\n  if (x) { break; }\n  a();\n}\n", set()),
        ("outer: for (;;) {\n  break outer;\n  a();\n}\n", {3}),
        ("switch (x) {\n  case 1:\n    break;\n    a();\n  case 2:\n    b();\n}\n", {4}),
        # `break` as an object key or property is not a statement
        ("const o = {\n  break: 1,\n  a: f(),\n};\n", set()),
        ("x.continue = 1;\na();\n", set()),
    ],
)
def test_code_after_break_or_continue_never_runs(src: str, dead: set[int]) -> None:
    assert _dead_lines(src) == dead


def _apart(src: str) -> bool:
    """Whether the assignment `sql =` reaches `sink(` across the switch in `src`."""
    index = _index(src)
    toks = index.toks
    k = next(j for j, t in enumerate(toks) if t.text == "sql" and toks[j + 1].text == "=")
    sink = next(j for j, t in enumerate(toks) if t.text == "sink")
    scope = index.bindings().resolve("sql", sink)
    return exclusive(index, k, sink, scope)


_SWITCH = "function f(m) {{\n  let sql;\n  {head}switch (m) {{\n{cases}\n  }}{tail}\n}}\n"


@pytest.mark.parametrize(
    ("cases", "head", "tail", "apart"),
    [
        ("case 1: sql = a; break;\ncase 2: sink(sql);", "", "", True),
        ("case 1: sql = a; return;\ndefault: sink(sql);", "", "", True),
        ("case 1: sql = a;\ncase 2: sink(sql);", "", "", False),  # falls through
        ("case 1: sql = a; if (x) break;\ncase 2: sink(sql);", "", "", False),
        ("case 1: sql = a;\ncase 2: b(); break;\ncase 3: sink(sql);", "", "", True),
        ("case 1: sql = a; sink(sql); break;", "", "", False),  # one case
        # a loop around the switch may run the assigning case first
        ("case 1: sql = a; break;\ncase 2: sink(sql);", "for (;;) {\n", "\n}", False),
        ("case 1: sql = a; break;\ncase 2: sink(sql);", "while (x) ", "", False),
    ],
)
def test_a_case_that_leaves_does_not_reach_a_later_case(
    cases: str, head: str, tail: str, apart: bool
) -> None:
    assert _apart(_SWITCH.format(cases=cases, head=head, tail=tail)) is apart


_IF = "function f(m) {{\n  let sql;\n  {head}{body}{tail}\n}}\n"


@pytest.mark.parametrize(
    ("body", "head", "tail", "apart"),
    [
        ("if (m) { sql = a; } else { sink(sql); }", "", "", True),
        ("if (m) { sql = a; } else if (n) { sink(sql); }", "", "", True),
        ("if (m) { if (n) { sql = a; } } else { g(); sink(sql); }", "", "", True),
        ("if (m) { sql = a; }\nsink(sql);", "", "", False),  # after the if: both paths
        ("if (m) { sql = a; } else { g(); }\nsink(sql);", "", "", False),
        ("if (m) { sql = a; sink(sql); }", "", "", False),
        ("if (m) { sql = a; } else { sink(sql); }", "for (;;) {\n", "\n}", False),
    ],
)
def test_an_if_block_does_not_reach_its_else(body: str, head: str, tail: str, apart: bool) -> None:
    assert _apart(_IF.format(body=body, head=head, tail=tail)) is apart


def test_a_variable_outside_the_function_is_shared_between_calls() -> None:
    src = "let sql;\nfunction f(m) {\n  switch (m) {\n    case 1: sql = a; break;\n"
    src += "    case 2: sink(sql);\n  }\n}\n"
    assert _apart(src) is False


@pytest.mark.parametrize(
    ("fmt", "count", "raw"),
    [
        ("SELECT * FROM %I WHERE a = %L", 2, [False, False]),
        ("SELECT * FROM t WHERE a = %s", 1, [True]),
        ("SELECT * FROM %I WHERE a = %s", 2, [False, True]),
        ("a = %2$L AND b = %1$s", 2, [True, False]),
        ("a = %1$L AND b = %s", 2, [False, True]),  # continues after the numbered one
        ("LIKE 'a%%' AND b = %L", 1, [False]),
        ("a = %L", 3, [False, False, False]),  # arguments no specifier uses
        ("a = %s AND b = %s", 1, [True]),  # too few arguments: pg-format throws
    ],
)
def test_pg_format_specifiers(fmt: str, count: int, raw: list[bool]) -> None:
    index = _index("const format = require('pg-format');\n")
    assert raw_arguments(index, fmt, count) == raw


def test_pg_format_names_and_a_renamed_pattern() -> None:
    src = "const pgf = require('pg-format');\nimport fmt from 'pg-format';\n"
    assert format_names(_index(src)) == {"pgf", "fmt"}
    assert format_names(_index("const format = require('util').format;\n")) == set()
    renamed = _index(src + "pgf.config({ pattern: { literal: 'A' } });\n")
    assert raw_arguments(renamed, "a = %L", 1) == [True]  # the letters changed: trust none


_PG = "const format = require('pg-format');\napp.get('/a', (req) => pool.query({call}));\n"


@pytest.mark.parametrize(
    ("call", "flagged"),
    [
        ("format.withArray('SELECT * FROM t WHERE a IN (%L)', req.body.ids)", 0),
        ("format.withArray('SELECT * FROM t WHERE a IN (%s)', req.body.ids)", 1),
        ("format.withArray('SELECT * FROM t WHERE a = %L AND b = %s', [req.query.a, 'x'])", 0),
        ("format(`SELECT * FROM %I`, req.query.t)", 0),  # a template literal with no `${}`
        ("format(`SELECT * FROM ${req.query.t} WHERE a = %L`, 1)", 1),  # built before pg-format
        ("format('SELECT * FROM t WHERE a = %L', req.query.a) + ' AND b = ' + req.query.b", 1),
    ],
)
def test_pg_format_calls(call: str, flagged: int) -> None:
    assert len(analyze_js(_PG.format(call=call))) == flagged


def test_another_format_is_not_pg_format() -> None:
    """A `format` that is not bound to pg-format (a date library's) splices nothing known."""
    src = "const { format } = require('date-fns');\n"
    src += (
        "app.get('/a', (req) => pool.query(format('SELECT * FROM t WHERE a = %L', req.query.a)));\n"
    )
    assert analyze_js(src) == []


def _returns(src: str) -> list[str]:
    index = _index(src)
    brace = next(j for j, t in enumerate(index.toks) if t.text == "{")
    return [_text(src, expr) for _, expr in own_returns(index, brace)]


def test_own_returns_skip_nested_functions_bare_returns_and_dead_code() -> None:
    src = (
        "async function f(id) {\n  if (!id) return null;\n  if (x) return;\n"
        "  rows.map((r) => { return r.id; });\n  return 'a' + id;\n  return 'dead';\n}\n"
    )
    assert _returns(src) == ["null", "'a' + id"]


@pytest.mark.parametrize(
    ("fn", "expected"),
    [
        ("(u) => 'a' + u.id", "'a' + u.id"),
        ("async u => u", "u"),
        ("(a, b) => a", "a"),
        ("function (u) { return u; }", "block"),
        ("async function named(u) { return u; }", "block"),
        ("build", None),
        ("make()", None),
    ],
)
def test_callback_result(fn: str, expected: str | None) -> None:
    src = f"p.then({fn});\n"
    index = _index(src)
    toks = index.toks
    found = callback_result(index, toks[4 : index.ends[3]])
    if isinstance(found, int):
        assert expected == "block" and toks[found].text == "{"
    else:
        assert (None if found is None else _text(src, found)) == expected


@pytest.mark.parametrize(
    ("code", "flagged"),
    [
        # the handler's value flows to the next `.then`
        ("p(req).then((id) => 'SELECT * FROM t WHERE id = ' + id).then((s) => db.query(s));", 1),
        ("p(req).then(() => 'SELECT * FROM t WHERE id = 1').then((s) => db.query(s));", 0),
        # `.finally` passes the value on; its handler's return is ignored
        (
            "Promise.resolve(req.query.q).finally(() => 1)"
            ".then((q) => db.query('SELECT * FROM t WHERE q = ' + q));",
            1,
        ),
        # a handler we cannot read: the value is not a constant, as before
        ("p().then(build).then((s) => db.query('SELECT * FROM t WHERE a = ' + s));", 1),
    ],
)
def test_promise_chains(code: str, flagged: int) -> None:
    assert len(analyze_js(code + "\n")) == flagged


JS_MEDIUM = (
    "export function find(db, name) {\n"
    '  return db.query("SELECT * FROM t WHERE n = \'" + name + "\'");\n}\n'
)
JS_HIGH = "app.get('/a', (req) => db.query('SELECT * FROM t WHERE id = ' + req.query.id));\n"


@pytest.mark.parametrize(
    ("code", "confidence", "source"),
    [
        (JS_HIGH, "high", "the web request (`req.query.id`)"),
        (JS_MEDIUM, "medium", "parameter `name`"),
        ("db.query(`SELECT * FROM t WHERE r = '${region}'`);\n", "medium",
         "`region`, never defined in this file"),
        (
            "import { region } from './ctx';\ndb.query(`SELECT * FROM t WHERE r = '${region}'`);\n",
            "medium",
            "`region` (from another module)",
        ),
        # a call this file does not define keeps its argument's source
        ("app.get('/a', (req) => db.query('SELECT * FROM t WHERE id = ' + lookup(req.query.id)))",
         "high", "the web request (`req.query.id`), through `lookup()`"),
    ],
)  # fmt: skip
def test_js_confidence_in_every_format(
    tmp_path: Path, code: str, confidence: str, source: str
) -> None:
    (tmp_path / "a.js").write_text(code, encoding="utf-8")
    result = scan_files([tmp_path / "a.js"], tmp_path)
    [finding] = result.findings
    assert (finding.confidence, finding.source) == (confidence, source)
    [record] = json.loads(render(result, SQL_INJECTION, "json", tool="x"))["findings"]
    assert record["confidence"] == confidence
    sarif = json.loads(render(result, SQL_INJECTION, "sarif", tool="x"))
    [res] = sarif["runs"][0]["results"]
    assert res["properties"] == {"confidence": confidence}
    assert res["rank"] == (90 if confidence == "high" else 50)
    text = render(result, SQL_INJECTION, "text", tool="x")
    assert ("[medium confidence: not traced to a known source]" in text) == (confidence == "medium")


def test_a_trusted_high_floor_hides_medium_js_findings(tmp_path: Path) -> None:
    (tmp_path / "high.js").write_text(JS_HIGH, encoding="utf-8")
    (tmp_path / "medium.ts").write_text(JS_MEDIUM, encoding="utf-8")
    paths = [tmp_path / "high.js", tmp_path / "medium.ts"]
    assert sorted(f.confidence for f in scan_files(paths, tmp_path).findings) == [
        "high",
        "medium",
    ]
    config = config_path(tmp_path)
    config.parent.mkdir(parents=True, exist_ok=True)
    config.write_text('[sqli]\nmin_confidence = "high"\n', encoding="utf-8")
    trust.grant(config, trust.content_digest(config.read_bytes()))
    result = scan_files(paths, tmp_path)
    assert [f.path for f in result.findings] == ["high.js"] and result.suppressed == 1
    assert any("hides 1 finding(s) of lower confidence" in n for n in result.notices)


def test_a_call_made_from_the_request_is_not_the_request_passed_whole() -> None:
    """`knex.raw(req.query.sort)` lets the client write SQL; `knex.raw(build(req.body))` runs
    what `build` made, which may well be a constant statement: not the raw rule."""
    assert [f.rule for f in analyze_js("knex.raw(req.query.sort);\n")] == ["sqli-js-raw"]
    assert analyze_js("knex.raw(build(req.body));\n") == []

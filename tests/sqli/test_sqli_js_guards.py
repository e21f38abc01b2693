"""Issue 17, tags A and S (round 7): validation that really holds in JS/TS. A failed check
leaves when a block of plain statements ends in `process.exit(…)` or `next(err)`; a
membership check looks in a list the file fixes; a local predicate that tests a prefix, a
suffix or a substring validates nothing (br_core/sqli/js/scope.py). Placeholders made from a
map callback's position (callbacks.py), fields read by name from what a local helper returns
(objects.py, names.py) and parameters of a private function fed only constants
(expressions.py). Labelled end-to-end cases: tests/data/sqli_cases/js_guards.cases."""

from __future__ import annotations

import pytest

from br_core.sqli.js.analyzer import analyze_js
from br_core.sqli.js.callbacks import ignores_element
from br_core.sqli.js.scope import Ctx, Index, guarded, partial_predicate
from br_core.sqli.js.tokens import tokenize

_SINK = "\ndb.query(`SELECT * FROM t ORDER BY ${col}`);\n"


def _guarded(src: str, name: str = "col") -> bool:
    src += _SINK
    index = Index(src, tokenize(src))
    return guarded(Ctx(src, index.toks, src.index("db.query"), index), name)


FIXED = "const COLS = new Set(['a', 'b']);\nconst col = process.argv[2];\n"


@pytest.mark.parametrize(
    ("src", "holds"),
    [
        # a block of plain statements that ends the process or hands an error to Express
        (
            FIXED + "if (!COLS.has(col)) {\n  console.error(`bad ${col}`);\n  process.exit(2);\n}",
            True,
        ),
        (FIXED + "if (!COLS.has(col)) process.exit(1);", True),
        (FIXED + "if (!COLS.has(col)) {\n  next(new Error('bad'));\n  return;\n}", True),
        (FIXED + "if (!COLS.has(col)) {\n  next(new Error('bad'));\n}", True),
        # a block that only reports and goes on guards nothing
        (FIXED + "if (!COLS.has(col)) {\n  console.warn(`odd ${col}`);\n}", False),
        (FIXED + "if (!COLS.has(col)) {\n  next();\n}", False),
        # `in` a frozen object, `indexOf` in an array literal
        ("const L = Object.freeze({ a: 'A' });\nif (!(col in L)) return;", True),
        ("const L = ['a', 'b'];\nif (L.indexOf(col) === -1) throw new Error('x');", True),
        # a list the client sent, or one holding a variable, is not an allow-list
        ("const allowed = req.query.cols.split(',');\nif (!allowed.includes(col)) return;", False),
        ("const L = ['a', req.query.extra];\nif (!L.includes(col)) return;", False),
        # an upper-case list from another module is configuration
        ("const { COLUMNS } = require('./config');\nif (!COLUMNS.includes(col)) return;", True),
    ],
)
def test_a_membership_check_that_leaves_guards_the_value(src: str, holds: bool) -> None:
    assert _guarded(src) is holds


def _inside(src: str, name: str = "col") -> bool:
    """`name` read inside the block `{ use(col); }` that `src` opens."""
    src += "\n  use(col);\n}\nuse(col);\n"
    index = Index(src, tokenize(src))
    inside = Ctx(src, index.toks, src.index("use(col)"), index)
    after = Ctx(src, index.toks, src.rindex("use(col)"), index)
    return guarded(inside, name) and not guarded(after, name)


@pytest.mark.parametrize(
    ("src", "holds"),
    [
        (FIXED + "if (COLS.has(col)) {", True),
        ("const L = ['a'];\nif (L.indexOf(col) !== -1) {", True),
        ("const L = { a: 1 };\nif (col in L) {", True),
        ("const L = req.query.cols.split(',');\nif (L.includes(col)) {", False),
    ],
)
def test_a_block_that_runs_only_when_the_check_passed(src: str, holds: bool) -> None:
    assert _inside(src) is holds


@pytest.mark.parametrize(
    ("predicate", "partial"),
    [
        ("function ok(v) { return COLS.some((c) => String(v).startsWith(c)); }", True),
        ("const ok = (v) => COLS.some((c) => v.endsWith(c));", True),
        ("function ok(v) { return COLS.some((c) => v.includes(c)); }", True),
        ("function ok(v) { return COLS.some((c) => String(v).indexOf(c) >= 0); }", True),
        ("function ok(v) { return COLS.includes(v); }", False),
        ("function ok(v) { return COLS.some((c) => c === v); }", False),
        ("const ok = (v) => /^[a-z_]+$/.test(v);", False),
    ],
)
def test_a_predicate_that_tests_part_of_the_value_validates_nothing(
    predicate: str, partial: bool
) -> None:
    src = "const COLS = ['a', 'b'];\n" + predicate + "\nif (!ok(col)) return;"
    index = Index(src, tokenize(src))
    assert partial_predicate(index, "ok") is partial
    assert _guarded("const col = req.query.c;\n" + src) is not partial


@pytest.mark.parametrize(
    ("fn", "ignores"),
    [
        ("(_, i) => '$' + (i + 1)", True),
        ("() => '?'", True),
        ("function (row, n) { return `$${n + 1}`; }", True),
        ("(id) => `'${id}'`", False),
        ("(id, i) => id + i", False),
        ("({ id }, i) => '$' + i", False),
        ("x => x.trim()", False),
    ],
)
def test_a_map_callback_that_never_reads_its_element(fn: str, ignores: bool) -> None:
    assert ignores_element(tokenize(fn)) is ignores


def _flagged(src: str) -> bool:
    return bool(analyze_js(src))


def test_placeholders_made_from_the_position_are_constant() -> None:
    safe = (
        "exports.find = (pool, ids) => {\n"
        "  const marks = ids.map((_, i) => '$' + (i + 1)).join(', ');\n"
        "  return pool.query(`SELECT * FROM t WHERE id IN (${marks})`, ids);\n};\n"
    )
    assert not _flagged(safe)
    assert _flagged(safe.replace("(_, i) => '$' + (i + 1)", "(id, i) => id + i"))


def test_a_field_read_by_name_from_a_helper_result() -> None:
    src = (
        "function clause(col) {\n  return { order: `ORDER BY ${COL}`, limit: col };\n}\n"
        "app.get('/x', async (req, res) => {\n"
        "  const { order, limit } = clause(req.query.col);\n"
        "  await pool.query(`SELECT * FROM t ${order}`, [limit]);\n});\n"
    )
    assert not _flagged(src.replace("${COL}", "name"))
    assert _flagged(src.replace("${COL}", "${col}"))


def test_a_private_function_given_only_constants() -> None:
    src = (
        "function finder(column) {\n"
        "  return (v) => db.query(`SELECT id FROM m WHERE ${column} = ?`, [v]);\n}\n"
        "const byEmail = finder(ARG);\n"
    )
    assert not _flagged(src.replace("ARG", "'email'"))
    assert _flagged(src.replace("ARG", "process.argv[2]"))
    assert _flagged("export " + src.replace("ARG", "'email'"))  # other modules call it too

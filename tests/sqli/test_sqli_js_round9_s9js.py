"""Units behind js_round9_s9-js.cases (issue 17, round 9): which regex tests validate a value
for SQL (regexes.py); methods called on an instance of a class this file declares
(instances.py's `method_body`, names.py); upper-case names that are parameters, which are not
configuration (scope.py's `parameter_at`); `pop`, `shift` and `at` of an array whose slots
are known take one slot (expressions.py, arrays.py); `Object.entries(o)` filtered by its key
against a fixed list, read through array-pattern callback parameters (callbacks.py)."""

from __future__ import annotations

import pytest

from br_core.sqli.js.analyzer import analyze_js
from br_core.sqli.js.callbacks import callback_receiver, position_parameter
from br_core.sqli.js.instances import class_body, method_body
from br_core.sqli.js.regexes import validates
from br_core.sqli.js.scope import Ctx, Index, parameter_at, partial_predicate
from br_core.sqli.js.tokens import tokenize


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        (r"/^[a-z_]+$/", True),
        (r"/^\d+$/", True),
        (r"/^[\w-]+$/i", True),
        (r"/^(?:asc|desc)$/i", True),
        (r"/^\d{4}$|^HQ$/", True),
        (r"/^[^\W]+$/", True),  # a negated non-word class: word characters
        (r"/^(?!.*--)[\w-]+$/", True),  # a lookahead consumes nothing
        (r"/^[^'\"\\;`]+$/", True),  # excludes every character that leaves a literal
        (r"/[A-Z]{2}/", False),  # unanchored: a match anywhere in the value
        (r"/^[a-z]+/", False),
        (r"/[a-z]+$/", False),
        (r"/^a|b$/", False),  # each alternative anchored at one end only
        (r"/^[a-z]+$/m", False),  # multiline: anchored at each line
        (r"/^.+$/", False),
        (r"/^\S+$/", False),
        (r"/^[\w ']+$/", False),  # admits a quote
        (r"/^[^']+$/", False),  # admits a backslash and a double quote
        (r"/^[ -~]+$/", False),  # a range spanning the quotes
        (r"/^\d+\$/", False),  # an escaped dollar is no end anchor
        (r"/^[\x20-\x7e]+$/", False),  # escapes not decoded: not trusted
    ],
)
def test_regex_validates_only_whole_safe_values(literal: str, expected: bool) -> None:
    assert validates(literal) is expected


_ROUTE = """
{decl}
app.get('/c', (req, res) => {{
  const code = req.query.code;
  if (!{test}.test(code)) return res.sendStatus(400);
  db.all(`SELECT * FROM t WHERE code = '${{code}}'`, (e, r) => res.json(r));
}});
"""


@pytest.mark.parametrize(
    ("decl", "test", "flagged"),
    [
        ("", "/[A-Z]{2}/", True),
        ("", "/^[A-Z]{2}$/", False),
        ("const CODE = /[A-Z]{2}/;", "CODE", True),
        ("const CODE = /^[A-Z]{2}$/;", "CODE", False),
    ],
)
def test_regex_guard_counts_only_when_it_validates(decl: str, test: str, flagged: bool) -> None:
    assert bool(analyze_js(_ROUTE.format(decl=decl, test=test))) is flagged


@pytest.mark.parametrize(
    ("body", "partial"),
    [
        ("return /^[a-z]+/.test(v);", True),
        ("return /^[a-z]+$/.test(v);", False),
        ("return TAG.test(v);", True),
        ("return /[a-z]+/.test(other);", False),  # not the parameter
    ],
)
def test_predicate_with_a_loose_regex_tests_part_of_its_argument(body: str, partial: bool) -> None:
    src = f"const TAG = /[a-z]/;\nfunction isTag(v) {{ {body} }}\n"
    assert partial_predicate(Index(src, tokenize(src)), "isTag") is partial


_CLASS = """
class Query {
  constructor(value) { this.value = value; this.table = 'items'; }
  get label() { return 'q'; }
  static build() { return new Query('x'); }
  text() { return `SELECT * FROM ${this.table} WHERE v = '${this.value}'`; }
  bound() { return `SELECT * FROM ${this.table} WHERE v = $1`; }
}
"""


@pytest.mark.parametrize(
    ("name", "found"), [("text", True), ("bound", True), ("label", False), ("build", False)]
)
def test_method_body_is_a_plain_method_of_the_class(name: str, found: bool) -> None:
    index = Index(_CLASS, tokenize(_CLASS))
    body = class_body(index, "Query")
    assert body is not None
    brace = method_body(index, body, name)
    assert (brace is not None) is found
    if brace is not None:
        assert index.toks[brace].text == "{" and index.toks[brace - 3].text == name


@pytest.mark.parametrize(
    ("use", "flagged"),
    [
        ("db.query(new Query(req.query.v).text())", True),
        ("db.query(new Query(req.query.v).bound(), [req.query.v])", False),
        ("const q = new Query(req.query.v);\n  db.query(q.text())", True),
        ("const q = new Query(req.query.v);\n  db.query(q.bound(), [q.value])", False),
        ("const q = new Query('fixed');\n  db.query(q.text())", False),
    ],
)
def test_method_of_an_instance_is_what_it_returns(use: str, flagged: bool) -> None:
    src = f"{_CLASS}app.get('/q', (req, res) => {{\n  {use};\n}});\n"
    assert bool(analyze_js(src)) is flagged


_SHADOW = """
const LIMIT = 10;
function page(LIMIT) {
  return LIMIT;
}
const use = LIMIT;
run((SORT) => { return SORT; });
"""


@pytest.mark.parametrize(
    ("name", "occurrence", "expected"),
    [("LIMIT", 0, False), ("LIMIT", 2, True), ("LIMIT", 3, False), ("SORT", 1, True)],
)
def test_parameter_at_sees_which_binding_a_name_has(
    name: str, occurrence: int, expected: bool
) -> None:
    toks = tokenize(_SHADOW)
    index = Index(_SHADOW, toks)
    at = [k for k, t in enumerate(toks) if t.text == name][occurrence]
    assert parameter_at(index, name, at + 1) is expected


@pytest.mark.parametrize(
    ("head", "flagged"),
    [
        ("(DEFAULT_SORT) => {", True),  # the callback's parameter: what the caller passes
        ("(value) => {", False),  # the module's constant, closed over
    ],
)
def test_constant_case_parameter_is_not_configuration(head: str, flagged: bool) -> None:
    src = (
        "const DEFAULT_SORT = 'price';\n"
        "app.post('/l', (req, res) => {\n"
        f"  apply({head}\n"
        "    db.query('SELECT * FROM items ORDER BY ' + DEFAULT_SORT, (e, r) => res.json(r));\n"
        "  }, req.body.sort);\n"
        "});\n"
    )
    assert bool(analyze_js(src)) is flagged


@pytest.mark.parametrize(
    ("ops", "take", "flagged"),
    [
        ("list.unshift(req.query.s);", "list.pop()", False),  # the constant was last
        ("list.unshift(req.query.s);", "list.shift()", True),
        ("list.push(req.query.s);", "list.shift()", False),
        ("list.push(req.query.s);", "list.pop()", True),
        ("list.push(req.query.s);", "list.at(-1)", True),
        ("list.push(req.query.s);", "list.at(0)", False),
        ("list.push(req.query.s);", "list.at(i)", True),  # a position not known: any slot
        ("list.push(req.query.s); list.pop();", "list.pop()", False),
    ],
)
def test_pop_shift_at_take_one_known_slot(ops: str, take: str, flagged: bool) -> None:
    src = (
        "app.get('/s', (req, res) => {\n"
        "  const i = Number(req.query.i);\n"
        "  const list = ['active'];\n"
        f"  {ops}\n"
        f"  const state = {take};\n"
        '  db.all("SELECT * FROM t WHERE s = \'" + state + "\'", (e, r) => res.json(r));\n'
        "});\n"
    )
    assert bool(analyze_js(src)) is flagged


@pytest.mark.parametrize(
    ("params", "name", "slot"),
    [("([key, value])", "key", 0), ("([key, value])", "value", 1), ("([, value], i)", "value", 1)],
)
def test_array_pattern_parameter_names_its_slot(params: str, name: str, slot: int) -> None:
    src = f"pairs.map({params} => SINK({name}));\n"
    toks = tokenize(src)
    ctx = Ctx(src, toks, src.index("SINK"), Index(src, toks))
    found = callback_receiver(ctx, name)
    assert found is not None
    assert (found[0], [t.text for t in found[1]], found[2]) == ("map", ["pairs"], slot)


def test_second_parameter_after_an_array_pattern_is_the_position() -> None:
    src = "pairs.map(([key], i) => SINK(i));\n"
    toks = tokenize(src)
    assert position_parameter(Ctx(src, toks, src.index("SINK"), Index(src, toks)), "i")


@pytest.mark.parametrize(
    ("check", "spliced", "flagged"),
    [
        ("COLS.has(k)", "`${k} = $${i + 1}`", False),  # keys from a fixed list
        ("COLS.has(k)", "`${k} = '${v}'`", True),  # the value spliced too
        ("COLS.has(v)", "`${k} = $${i + 1}`", True),  # the value checked, not the key
        ("k.length < 20", "`${k} = $${i + 1}`", True),  # no allow-list
    ],
)
def test_entries_filtered_by_key_keep_constant_keys(
    check: str, spliced: str, flagged: bool
) -> None:
    src = (
        "const COLS = new Set(['name', 'email']);\n"
        "app.patch('/u', async (req, res) => {\n"
        f"  const pairs = Object.entries(req.body).filter(([k, v]) => {check});\n"
        f"  const sets = pairs.map(([k, v], i) => {spliced}).join(', ');\n"
        "  await pool.query(`UPDATE users SET ${sets}`, pairs.map(([, v]) => v));\n"
        "});\n"
    )
    assert bool(analyze_js(src)) is flagged

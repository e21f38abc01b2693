"""Units behind js_round11_s11-js.cases (issue 17, round 11): `Object.assign(t, a, b)` read
as the literal `{ ...t, ...a, ...b }` it returns (objects.py's `assign_literal`), so that a
later source that surely has a key decides it; a name bound by a function's object pattern
parameter (`function f({ paging: { sort } })`) is that field of what each call passes
(callers.py's `_pattern_sites`); `res.locals.key` holds what the file's own middleware
writes there (middleware.py); an object literal's getter returns what its body does, `this`
being the literal (objects.py's `method_object`), and a trailing comma no longer ends a
multi-line literal early (tokens.py's `until_end`)."""

from __future__ import annotations

import pytest

from br_core.sqli.js.analyzer import analyze_js
from br_core.sqli.js.objects import assign_literal
from br_core.sqli.js.tokens import closers, tokenize, until_end


def test_assign_reads_as_a_literal_of_spreads() -> None:
    found = assign_literal(tokenize("Object.assign({}, req.query, DEFAULTS)"))
    assert found is not None
    assert " ".join(t.text for t in found) == "{ ... { } , ... req . query , ... DEFAULTS }"


@pytest.mark.parametrize(
    "src", ["Object.assign({}, a).x", "Object.assign({}, ...list)", "Object.keys(a)"]
)
def test_assign_literal_is_only_the_whole_call(src: str) -> None:
    assert assign_literal(tokenize(src)) is None


_ASSIGN = """
const DEFAULTS = {{ region: 'eu' }};
app.get('/a', async (req, res) => {{
  const opts = Object.assign({{}}, {sources});
  await pool.query(`SELECT id FROM accounts WHERE region = '${{opts.region}}'`);
}});
"""


@pytest.mark.parametrize(
    ("sources", "flagged"),
    [
        ("req.query, DEFAULTS", False),
        ("DEFAULTS, req.query", True),
        ("req.query, { tier: 'free' }", True),
        ("req.query, { region: 'us' }", False),
    ],
)
def test_a_later_source_that_has_the_key_decides_it(sources: str, flagged: bool) -> None:
    assert bool(analyze_js(_ASSIGN.format(sources=sources))) is flagged


_PATTERN = """
function sqlFor({{ paging: {{ sort }} }}) {{
  return `SELECT id FROM projects ORDER BY ${{sort}}`;
}}
app.get('/p', async (req, res) => {{
  const opts = {{ paging: {opts} }};
  await knex.raw(sqlFor(opts));
}});
"""


@pytest.mark.parametrize(
    ("opts", "flagged"),
    [
        ("{ sort: 'name', ...req.query }", True),
        ("{ sort: req.query.sort }", True),
        ("{ ...req.query, sort: 'name' }", False),
        ("{ sort: 'name', q: req.query.q }", False),
    ],
)
def test_a_pattern_parameter_is_that_field_of_the_argument(opts: str, flagged: bool) -> None:
    assert bool(analyze_js(_PATTERN.format(opts=opts))) is flagged


_LOCALS = """
app.use((req, res, next) => {{
  res.locals.region = {value};
  next();
}});
app.get('/s', async (req, res) => {{
  await db.query(`SELECT id FROM stores WHERE region = '${{res.locals.region}}'`);
}});
"""


@pytest.mark.parametrize(
    ("value", "flagged"),
    [
        ("REGIONS[req.headers['x-region']]", False),
        ("'eu'", False),
        ("req.headers['x-region']", True),
        ("'eu';\n  Object.assign(res.locals, req.query)", True),
    ],
)
def test_res_locals_holds_what_the_file_writes(value: str, flagged: bool) -> None:
    src = "const REGIONS = { europe: 'eu' };\n" + _LOCALS.format(value=value)
    assert bool(analyze_js(src)) is flagged


_GETTER = """
app.get('/a', async (req, res) => {{
  const filter = {{
    country: req.query.country,
    table: 'airports',
    get clause() {{
      return {returned};
    }},
  }};
  await db.query('SELECT code FROM airports WHERE ' + filter.clause);
}});
"""


@pytest.mark.parametrize(
    ("returned", "flagged"),
    [
        ("`country = '${this.country}'`", True),
        ("this.country.toUpperCase()", True),
        ("`${this.table}.country = $1`", False),
    ],
)
def test_a_literal_getter_returns_the_literal_fields(returned: str, flagged: bool) -> None:
    assert bool(analyze_js(_GETTER.format(returned=returned))) is flagged


def test_a_trailing_comma_does_not_end_a_multiline_literal() -> None:
    toks = tokenize("const o = {\n  a: 1,\n  b: 2,\n};\nnext();\n")
    rhs = until_end(toks, 3, closers(toks))
    assert (rhs[0].text, rhs[-1].text, len(rhs)) == ("{", "}", 10)

"""Units behind js_round10_s10-js1.cases (issue 17, round 10): names bound inside nested
destructuring patterns (fields.py's `destructured`)."""

from __future__ import annotations

import pytest

from br_core.sqli.js.analyzer import analyze_js
from br_core.sqli.js.fields import destructured
from br_core.sqli.js.scope import Ctx, Index
from br_core.sqli.js.tokens import tokenize


def _ctx_at_end(src: str) -> Ctx:
    toks = tokenize(src)
    return Ctx(src, toks, len(src), Index(src, toks))


@pytest.mark.parametrize(
    "pattern",
    [
        "const { user: { name: login = 'x' } = {} } = req.body;",
        "const { user: { login } } = req.body;",
        "const [first, [login]] = req.body.pairs;",
        "let { a: { b: { c: login } } } = req.body;",
    ],
)
def test_nested_pattern_binds_from_the_declaration(pattern: str) -> None:
    found = destructured(_ctx_at_end(f"{pattern}\nlogin;\n"), "login")
    assert found is not None
    _, rhs, _ = found
    assert [t.text for t in rhs][:3] == ["req", ".", "body"]


_NESTED = """
app.post('/h', async (req, res) => {{
  const {{ user: {{ name: login = 'guest' }} = {{}} }} = {rhs};
  await pool.query("SELECT * FROM logins WHERE login = '" + login + "'");
}});
"""


@pytest.mark.parametrize(
    ("rhs", "flagged"),
    [("req.body", True), ("{ user: { name: 'admin' } }", False)],
)
def test_default_of_a_nested_pattern_is_one_value_of_many(rhs: str, flagged: bool) -> None:
    assert bool(analyze_js(_NESTED.format(rhs=rhs))) is flagged

"""Units behind js_round10_s10-js2.cases (issue 17, round 10): an array that may be the
request's own is untrusted throughout when joined (expressions.py)."""

from __future__ import annotations

import pytest

from br_core.sqli.js.analyzer import analyze_js

_JOINED = """
const {{ Pool }} = require('pg');
const pool = new Pool();
async function f(req) {{
  const xs = {array};
  const list = xs.map({callback}).join(',');
  return pool.query(`SELECT * FROM t WHERE a IN (${{list}})`);
}}
"""


@pytest.mark.parametrize(
    ("array", "callback", "flagged"),
    [
        ("Array.isArray(req.body.xs) ? req.body.xs : []", "(x) => `'${x}'`", True),
        ("req.body.xs || []", "(x) => `'${x}'`", True),
        ("req.body.xs", "(x) => `'${x}'`", True),
        ("Array.isArray(req.body.xs) ? req.body.xs : []", "Number", False),
        ("Array.isArray(req.body.xs) ? req.body.xs : []", "() => '?'", False),
        ("['a', 'b']", "(x) => `'${x}'`", False),
    ],
)
def test_joined_array_that_may_be_the_requests(array: str, callback: str, flagged: bool) -> None:
    assert bool(analyze_js(_JOINED.format(array=array, callback=callback))) is flagged

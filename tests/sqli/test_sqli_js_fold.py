"""Constant conditions and dead code in JS/TS (br_core/sqli/js/fold.py): what is folded, and
what must stay live because its value is only known when the program runs."""

from __future__ import annotations

import pytest

from br_core.sqli.js.fold import dead_at
from br_core.sqli.js.scope import Index
from br_core.sqli.js.tokens import tokenize
from tests.sqli.js_probe import fold_condition


@pytest.mark.parametrize(
    ("prelude", "cond", "expected"),
    [
        ("", "false", False),
        ("", "!false", True),
        ("", "1 > 2", False),
        ("", "(2 - 1) >= 1", True),
        ("", "'a' === 'b'", False),
        ("", "'a' !== 'b'", True),
        ("", "null", False),
        ("", "0 || ''", False),
        ("const MODE = 'prod';", "MODE === 'debug'", False),
        ("const ON = true;", "ON", True),
        ("const OFF = false;", "OFF && req.query.q", False),
        ("const ON = true;", "ON || req.query.q", True),
        ("const num = 106;", "(7 * 18) + num > 200", True),
        ("const num = 106;", "(7 * 18) + num < 200", False),
        ("", "10 / 4 === 2.5", True),
        ("", "-7 % 3 === -1", True),  # JavaScript's remainder keeps the dividend's sign
        ("", "2 + 3 * 4 === 14", True),  # `*` binds tighter than `+`
        ("const G = 'ABC';", "G.charAt(1) === 'B'", True),
        ("const G = 'ABC';", "G[0] === 'B'", False),
        ("const G = 'ABC';", "G.length > 2", True),
        # not constants: the branch depends on the running program
        ("", "req.query.q", None),
        ("const OFF = false;", "OFF || req.query.q", None),
        ("let OFF = false;", "OFF", None),
        ("const A = 1; function f() { const A = 2; }", "A === 1", None),
        ("const A = 1;\nfunction f(A) {", "A === 1", None),  # the parameter hides it
        ("", "1 == '1'", None),
        ("", "'a' + 1 === 'a1'", None),
        ("", "f()", None),
        ("", "'3' * 2 === 6", None),  # a string multiplied coerces
        ("", "1 / 0 > 1", None),  # Infinity: not folded
        ("", "req.query.n * 2 > 1", None),
        ("const G = 'ABC';", "G.charAt(9) === ''", None),  # out of range: not folded
        ("const G = 'ABC';", "G.toLowerCase() === 'abc'", None),
        ("let G = 'ABC';", "G.charAt(0) === 'A'", None),
        ("", "req.query.s.charAt(0) === 'A'", None),
        ("const N = x;", "N", None),
    ],
)
def test_fold_condition(prelude: str, cond: str, expected: bool | None) -> None:
    assert fold_condition(prelude, cond) is expected


def _dead_lines(src: str) -> set[int]:
    """The lines whose first token is in dead code."""
    toks = tokenize(src)
    index = Index(src, toks)
    firsts: dict[int, int] = {}
    for tok in toks:
        firsts.setdefault(tok.line, tok.pos)
    return {line for line, pos in firsts.items() if dead_at(index, pos)}


@pytest.mark.parametrize(
    ("src", "dead"),
    [
        ("if (false) {\n  a();\n}\nb();\n", {2, 3}),
        ("if (true) {\n  a();\n} else {\n  b();\n}\nc();\n", {4, 5}),
        ("if (x) {\n  a();\n} else {\n  b();\n}\n", set()),
        ("if (0) a();\nelse if (x) b();\nelse c();\nd();\n", set()),
        ("function f() {\n  return 1;\n  a();\n}\nb();\n", {3}),
        ("function f() {\n  if (x) return 1;\n  a();\n}\n", set()),
        ("function f() {\n  return g();\n  function g() {\n    a();\n  }\n}\n", set()),
        (
            "switch (2) {\n  case 1:\n    a();\n    break;\n  case 2:\n    b();\n}\n",
            {2, 3, 4},
        ),
        ("switch (1) {\n  case 1:\n    a();\n  case 2:\n    b();\n}\n", set()),
        ("switch (x) {\n  case 1:\n    a();\n    break;\n  default:\n    b();\n}\n", set()),
        ("switch (3) {\n  case 1:\n    a();\n    break;\n  default:\n    b();\n}\n", {2, 3, 4}),
    ],
)
def test_dead_code(src: str, dead: set[int]) -> None:
    assert _dead_lines(src) == dead

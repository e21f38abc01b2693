"""The constant folder (br_core/sqli/python/fold.py) and the branches it decides, as tables."""

from __future__ import annotations

import ast

import pytest

from br_core.sqli.python.analyzer import analyze_source
from br_core.sqli.python.fold import fold_boolop, fold_str_method, fold_unary
from br_core.sqli.values import SAFE, Val, literal

TAINTED = Val(taint="the web request")


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        (ast.Not(), 0, True),
        (ast.Not(), "x", False),
        (ast.USub(), 3, -3),
        (ast.UAdd(), 2.5, 2.5),
        (ast.Invert(), 5, -6),
    ],
)
def test_unary_operators_of_constants_fold(
    op: ast.unaryop, value: object, expected: object
) -> None:
    assert fold_unary(op, literal(value)).const == expected


@pytest.mark.parametrize(
    ("op", "value"), [(ast.USub(), "text"), (ast.Invert(), 1.5), (ast.Not(), None)]
)
def test_unary_operators_that_do_not_apply_leave_no_text(op: ast.unaryop, value: object) -> None:
    result = fold_unary(op, literal(value))
    assert result == SAFE or result.const is True  # `not None` is True; the rest give up


def test_unary_of_an_unknown_is_no_constant() -> None:
    assert fold_unary(ast.Not(), TAINTED) == SAFE


@pytest.mark.parametrize(
    ("op", "values", "const", "tainted"),
    [
        (ast.Or(), [literal(""), TAINTED], None, True),  # "" or x -> x
        (ast.Or(), [literal("id"), TAINTED], "id", False),  # "id" or x -> "id"
        (ast.And(), [literal(0), TAINTED], 0, False),  # 0 and x -> 0
        (ast.And(), [literal(1), TAINTED], None, True),  # 1 and x -> x
        (ast.And(), [TAINTED, literal(1)], None, True),  # x and 1 -> x or 1
    ],
)
def test_and_or_take_what_python_would(
    op: ast.boolop, values: list[Val], const: object, tainted: bool
) -> None:
    result = fold_boolop(op, values)
    assert bool(result.taint) == tainted
    if const is not None:
        assert result.const == const


@pytest.mark.parametrize(
    ("receiver", "name", "args", "expected"),
    [
        ("archive", "startswith", ["arch"], True),
        ("ABC", "lower", [], "abc"),
        ("a,b", "count", [","], 1),
        ("x", "isdigit", [], False),
    ],
)
def test_string_methods_of_constants_fold(
    receiver: str, name: str, args: list[object], expected: object
) -> None:
    folded = fold_str_method(literal(receiver), name, [literal(a) for a in args], [])
    assert folded is not None and folded.const == expected


@pytest.mark.parametrize(
    ("receiver", "name", "args"),
    [
        (literal("a"), "join", [literal("b")]),  # not a pure method of the list
        (literal("a"), "startswith", [TAINTED]),  # an argument is not constant
        (TAINTED, "lower", []),  # the receiver is not constant
        (literal("a"), "startswith", [literal(1)]),  # raises TypeError in Python
    ],
)
def test_string_methods_that_cannot_fold_give_none(
    receiver: Val, name: str, args: list[Val]
) -> None:
    assert fold_str_method(receiver, name, args, []) is None


def _finds(body: str) -> bool:
    code = (
        "import sqlite3\nfrom flask import request\ndb = sqlite3.connect('a.db')\n"
        "def f():\n    p = request.args['p']\n" + body
    )
    return bool(analyze_source(code))


@pytest.mark.parametrize(
    ("body", "found"),
    [
        ("    match 3:\n        case 1 | 2:\n            v = p\n        case _:\n"
         "            v = 'x'\n", False),
        ("    match 2:\n        case 1 | 2:\n            v = p\n        case _:\n"
         "            v = 'x'\n", True),
        ("    match 'a':\n        case 'a' if 1 > 2:\n            v = p\n        case _:\n"
         "            v = 'x'\n", False),
        ("    match None:\n        case None:\n            v = 'x'\n        case _:\n"
         "            v = p\n", False),
        ("    match -1:\n        case -1:\n            v = 'x'\n        case _:\n"
         "            v = p\n", True),  # a negative pattern is not read: both cases stay
        ("    v = 'x'\n    while 2 < 1:\n        v = p\n", False),
        ("    v = p if 2 ** 70 > 1 else 'x'\n", True),
        ("    v = 'x' if 1 / 0 else p\n", True),  # no fold on an error: both branches
    ],
)  # fmt: skip
def test_branches_a_constant_decides(body: str, found: bool) -> None:
    sink = "    db.execute(f\"SELECT * FROM t WHERE a = '{v}'\")\n"
    assert _finds(body + sink) == found

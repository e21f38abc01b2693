"""Issue 17, round 5: one object under two names (`b = a`), copies that keep a container's
shape, constant splits, and values that are not provably constant (attributes set outside
`__init__`, attributes a class never sets, `getattr`, `global`, loops over another module's
iterable): each must be reported, and its constant twin must not."""

from __future__ import annotations

import pytest

from br_core.sqli.python.analyzer import analyze_source
from br_core.sqli.python.fold import fold_split
from br_core.sqli.values import Val, literal

HANDLER = """\
import copy
import sqlite3
from flask import request
def handler(conn: sqlite3.Connection):
    param = request.args["p"]
{body}    conn.execute("SELECT * FROM t WHERE a = '" + bar + "'")
"""


def _flagged(body: str) -> list[str]:
    return [f.confidence for f in analyze_source(HANDLER.format(body=body))]


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("    a = {'k': 'x'}\n    b = a\n    b['k'] = param\n    bar = a['k']\n", ["high"]),
        ("    a = {'k': 'x'}\n    b = a\n    b['j'] = param\n    bar = a['k']\n", []),
        ("    a = []\n    b = a\n    a.append(param)\n    bar = b[0]\n", ["high"]),
        # rebinding ends the alias: the write goes to the new object only
        ("    a = {'k': 'x'}\n    b = a\n    b = {}\n    b['k'] = param\n    bar = a['k']\n", []),
        # a may-alias (one branch) is a weak update: a holds what b may have received
        (
            "    a = {'k': 'x'}\n    b = {}\n    if param:\n        b = a\n"
            "    b['k'] = param\n    bar = a['k']\n",
            ["high"],
        ),
        (
            "    a = {'k': 'x'}\n    b = copy.deepcopy(a)\n    b['k'] = param\n    bar = a['k']\n",
            [],
        ),
        ("    a = ['x', param]\n    bar = [*a][0] + {**{'k': param}, 'k': 'y'}['k']\n", []),
        ("    a = ['x', param]\n    bar = [*a][1]\n", ["high"]),
        # `del` of a constant position or key drops just that one
        ("    a = ['x', 'y', param]\n    del a[0]\n    bar = a[0]\n", []),
        ("    a = ['x', 'y', param]\n    del a[0]\n    bar = a[1]\n", ["high"]),
        ("    a = {'k': 'x', 'j': param}\n    del a['j']\n    bar = a['k']\n", []),
    ],
)
def test_aliases_and_copies(body: str, expected: list[str]) -> None:
    assert _flagged(body) == expected


def test_split_of_a_constant_has_known_positions_and_nothing_else_folds() -> None:
    parts = fold_split(literal("a b"), "split", [literal(" ")], [])
    assert parts is not None and parts.items == (literal("a"), literal("b"))
    assert fold_split(Val(taint="the web request"), "split", [], []) is None
    assert fold_split(literal("a b"), "split", [Val(taint="x")], []) is None
    assert fold_split(literal("a" * 600), "split", [literal("")], []) is None  # ValueError


SINK = '    return conn.execute(f"SELECT * FROM {x} WHERE id = 1")\n'


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        # attributes: set from a parameter in any method, from the request, never set at all
        (
            "class R:\n  def use(self, t):\n    self.x = t.strip()\n  def q(self, conn):\n"
            "    x = self.x\n" + SINK,
            "self.x (set from parameter `t`)",
        ),
        (
            "from flask import request\nclass R:\n  def use(self):\n"
            "    self.x = request.args['t']\n  def q(self, conn):\n    x = self.x\n" + SINK,
            "self.x (set from the web request)",
        ),
        (
            "class R:\n  def q(self, conn):\n    x = self.x\n" + SINK,
            "`self.x`, never set in class `R`",
        ),
        ("class R:\n  x = 'users'\n  def q(self, conn):\n    x = self.x\n" + SINK, None),
        # a base class (or a decorator, setattr) may set it: not guessed
        (
            "from base import Base\nclass R(Base):\n  def q(self, conn):\n    x = self.x\n" + SINK,
            None,
        ),
        (
            "class R:\n  def __init__(self, **kw):\n    for k in kw:\n      setattr(self, k, 'v')\n"
            "  def q(self, conn):\n    x = self.x\n" + SINK,
            None,
        ),
        # global: a function's write reaches every reader of the module name
        (
            "x = 'a'\ndef set_(v):\n  global x\n  x = v\ndef q(conn):\n" + SINK,
            "`x`, also set by `set_()` through `global`",
        ),
        ("x = 'a'\ndef set_():\n  global x\n  x = 'b'\ndef q(conn):\n" + SINK, None),
        # getattr: a constant name is the attribute; a computed one is not provably constant
        (
            "import cfg\ndef q(conn):\n    x = getattr(cfg, 'table')\n" + SINK,
            "`cfg.table` (from another module)",
        ),
        (
            "class C:\n  table = 'users'\ndef q(conn, n):\n    x = getattr(C, n.kind, 'users')\n"
            + SINK,
            "`getattr()` of a name known only at run time",
        ),
        ("class C:\n  table = 'users'\ndef q(conn):\n    x = getattr(C, 'table')\n" + SINK, None),
        # a bare lower-case name from another module; its upper-case constants are trusted
        (
            "from app.ctx import tenant\ndef q(conn):\n    x = tenant\n" + SINK,
            "`tenant` (from another module)",
        ),
        ("import settings\ndef q(conn):\n    x = settings.TABLE\n" + SINK, None),
        # loops over another module's iterable
        (
            "from app import registry\ndef q(conn):\n  for x in registry:\n  " + SINK,
            "`registry` (from another module)",
        ),
        ("TABLES = ('a', 'b')\ndef q(conn):\n  for x in TABLES:\n  " + SINK, None),
    ],
)
def test_values_not_provably_constant_are_reported(source: str, expected: str | None) -> None:
    findings = analyze_source("import sqlite3\n" + source)
    if expected is None:
        assert findings == []
    else:
        [finding] = findings
        traced = "the web request" in expected  # a known source stays high through `self`
        assert (finding.source, finding.confidence) == (expected, "high" if traced else "medium")

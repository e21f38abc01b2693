"""Round 10 (blind25's Python cases, issue 17): a helper's `*args`/`**kwargs` hold what a call
collects into them; a reference inside a branch whose test is false by its literals alone does not
make a private function reachable; a marshmallow field limited by `validate.OneOf` holds one of the
program's choices; a dict filled under keys that are not one constant (a loop over fixed names)
still yields only those names when iterated.
Labelled end-to-end cases: tests/data/sqli_cases/py_round10_s10-py.cases."""

from __future__ import annotations

import ast

import pytest

from br_core.sqli.python import containers
from br_core.sqli.python.analyzer import analyze_source
from br_core.sqli.python.callers import application_defs, static_truth, unreachable_defs
from br_core.sqli.python.models import schema_fields
from br_core.sqli.values import Val, literal, merge

HELPER = """\
import sqlite3
from flask import request


def fill(tpl, *rest, **values):
    return tpl.format(*rest, **values)


def view():
    con = sqlite3.connect("x.db")
    return con.execute(fill("SELECT * FROM t WHERE a = '{a}' AND b = '{}'", {args})).fetchall()
"""


@pytest.mark.parametrize(
    ("args", "flagged"),
    [
        ("request.args['b'], a=1", True),  # collected by *rest
        ("'x', a=request.args['a']", True),  # collected by **values
        ("'x', a=1", False),
    ],
)
def test_a_collecting_parameter_holds_what_the_call_collects(args: str, flagged: bool) -> None:
    assert bool(analyze_source(HELPER.replace("{args}", args))) is flagged


@pytest.mark.parametrize(
    ("test", "truth"),
    [
        ("False", False),
        ("0", False),
        ("not True", False),
        ("__name__ == '__main__' and False", False),
        ("DEBUG or 1", True),
        ("True and 1", True),
        ("__name__ == '__main__'", None),
        ("DEBUG and True", None),
    ],
)
def test_static_truth_reads_literals_only(test: str, truth: bool | None) -> None:
    assert static_truth(ast.parse(test, mode="eval").body) is truth


DEAD = """\
def _dump(con, t):
    return con.execute("SELECT * FROM " + t)


{guard}:
    _dump(None, "x")
"""


@pytest.mark.parametrize(
    ("guard", "dead"),
    [
        ("if __name__ == '__main__' and False", True),
        ("if 0", True),
        ("while False", True),
        ("if __name__ == '__main__'", False),
        ("if True", False),
        ("if DEBUG and False:\n    pass\nelse", False),  # the else branch always runs
    ],
)
def test_a_call_in_a_branch_that_never_runs_keeps_a_private_function_dead(
    guard: str, dead: bool
) -> None:
    found = unreachable_defs(ast.parse(DEAD.replace("{guard}", guard)))
    assert [fn.name for fn in found] == (["_dump"] if dead else [])


SCHEMA = """\
from marshmallow import Schema, fields, validate


class Args(Schema):
    group = fields.Str(validate={validate})
"""


@pytest.mark.parametrize(
    ("validate", "converted"),
    [
        ("validate.OneOf(['region', 'month'])", True),
        ("[validate.Length(max=9), validate.OneOf(CHOICES)]", True),
        ("validate.Length(max=9)", False),
        ("validate.Regexp('.*')", False),
    ],
)
def test_a_schema_field_limited_by_one_of_is_converted(validate: str, converted: bool) -> None:
    cls = ast.parse(SCHEMA.replace("{validate}", validate)).body[1]
    assert isinstance(cls, ast.ClassDef)
    qualified = {"Schema": "marshmallow.Schema"}
    assert schema_fields(cls, lambda n: qualified.get(n, n)) == {"group": converted}


def test_a_store_under_a_key_that_is_not_one_constant_keeps_what_the_keys_may_be() -> None:
    client = Val(taint="the web request")
    started = containers.make_dict([("a", literal(1))])
    either = merge(literal("b"), literal("c"))
    wide = containers.store_any_key(started, either, client)
    assert wide.keys is None and wide.elems is not None and wide.elems.taint
    assert not containers.key_of(wide).suspect  # "a", "b" or "c"
    assert containers.store_any_key(wide, client, literal(2)).dict_keys == merge(
        containers.key_of(wide), client
    )
    assert containers.store_any_key(Val(), either, client).dict_keys is None  # not a dict
    # dicts whose constant keys differ (a loop that may or may not store one) merge to a dict
    # of unknown shape whose keys are still known
    merged = merge(started, containers.store_key(started, "b", client))
    assert merged.keys is None and merged.dict_keys is not None
    assert not merged.dict_keys.suspect


DICT_LOOP = """\
import sqlite3
from flask import request


def search():
    found = {}
    for key in {keys}:
        found[key] = request.args[key]
    where = " AND ".join(f"{k} = :{k}" for k in {iterate})
    return sqlite3.connect("x.db").execute("SELECT * FROM t WHERE " + where, found).fetchall()
"""


@pytest.mark.parametrize(
    ("keys", "iterate", "flagged"),
    [
        ("('a', 'b')", "found", False),
        ("('a', 'b')", "found.keys()", False),
        ("('a', 'b')", "found.values()", True),
        ("request.args", "found", True),  # the client names the keys
    ],
)
def test_iterating_a_dict_filled_in_a_loop_yields_its_keys(
    keys: str, iterate: str, flagged: bool
) -> None:
    code = DICT_LOOP.replace("{keys}", keys).replace("{iterate}", iterate)
    assert bool(analyze_source(code)) is flagged


REQUEST_GLOBAL = """\
import sqlite3
from flask import Flask, g, request

app = Flask(__name__)


@app.before_request
def load():
    g.team = {stored}


@app.get("/r")
def report():
    return sqlite3.connect("r.db").execute(f"SELECT * FROM r WHERE team = {g.team}").fetchall()
"""


@pytest.mark.parametrize(
    ("stored", "confidence"),
    [
        ("request.headers['X-Team']", "high"),  # the hook stores the client's text
        ("current_team()", "medium"),  # a function this file does not define
        ("int(request.headers['X-Team'])", None),  # a number whatever the client sent
        ("TEAMS.get(request.headers['X-Team'], 0)\nTEAMS = {'a': 1}", None),
    ],
)
def test_flask_g_holds_what_this_file_stores_in_it(stored: str, confidence: str | None) -> None:
    found = analyze_source(REQUEST_GLOBAL.replace("{stored}", stored))
    assert [f.confidence for f in found] == ([confidence] if confidence else [])


def test_flask_g_never_stored_here_stays_unresolved() -> None:
    code = REQUEST_GLOBAL.replace("    g.team = {stored}", "    pass")
    assert [f.confidence for f in analyze_source(code)] == ["medium"]


@pytest.mark.parametrize(
    ("header", "application"),
    [
        ("from flask import Flask\n\napp = Flask(__name__)\n", True),
        ("import fastapi\n\napi = fastapi.FastAPI()\n", True),
        ("from aiohttp import web\n\napp = web.Application()\n", True),
        # round 12: a blueprint or a router is a part of the app its routes register on
        ("from flask import Blueprint\n\nbp = Blueprint('b', __name__)\n", True),
        ("from fastapi import APIRouter\n\nrouter = APIRouter()\n", True),
        ("from bottle import route\n\n\n@route('/n')\ndef n():\n    return 1\n", True),
        ("import sqlite3\n", False),  # a library module
        ("from flask import Flask\n\n\ndef make():\n    return Flask(__name__)\n", False),
    ],
)
def test_only_the_module_that_makes_the_app_owns_its_public_functions(
    header: str, application: bool
) -> None:
    tree = ast.parse(header + "\n\ndef count(table):\n    return table\n")
    imports = {
        "Flask": "flask.Flask",
        "fastapi": "fastapi",
        "web": "aiohttp.web",
        "Blueprint": "flask.Blueprint",
        "APIRouter": "fastapi.APIRouter",
        "route": "bottle.route",
    }

    def qualified(name: str) -> str:
        root, dot, rest = name.partition(".")
        return f"{imports[root]}{dot}{rest}" if root in imports else name

    owned = {fn.name for fn in tree.body if id(fn) in application_defs(tree, qualified)}
    assert owned - {"n"} == ({"count"} if application else set())


APP_HELPER = """\
import sqlite3
from flask import Flask, request

app = Flask(__name__)


def recent(con, table="posts", limit=10):
    return con.execute(f"SELECT * FROM {table} ORDER BY id DESC LIMIT {limit}").fetchall()


@app.route("/recent")
def view():
    con = sqlite3.connect("b.db")
    return str(recent(con, {arg}) + recent(con))
"""


@pytest.mark.parametrize(
    ("arg", "flagged"),
    [("'pages', 5", False), ("request.args['t']", True), ("limit=request.args['n']", True)],
)
def test_an_app_helper_is_judged_by_its_callers(arg: str, flagged: bool) -> None:
    assert bool(analyze_source(APP_HELPER.replace("{arg}", arg))) is flagged
    library = APP_HELPER.replace("app = Flask(__name__)", "").replace('@app.route("/recent")', "")
    assert analyze_source(library.replace("{arg}", arg))  # a library's function stays flagged

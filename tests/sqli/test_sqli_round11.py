"""Round 11 (blind26's Python cases, issue 17): `.values(...)` of a SQLAlchemy Core statement
(`insert(t)`, `sa.update(t).where(...)`, a table's `t.insert()`) binds what it is given.
Labelled end-to-end cases: tests/data/sqli_cases/py_round11_s11-py.cases."""

from __future__ import annotations

import ast

import pytest

from br_core.sqli.python.analyzer import analyze_source
from br_core.sqli.python.sinks import core_statement

CORE = """\
{imports}
import sqlalchemy
from flask import Flask, request

app = Flask(__name__)
engine = sqlalchemy.create_engine("sqlite:///app.db")
t = sqlalchemy.Table("t", sqlalchemy.MetaData())


@app.route("/add", methods=["POST"])
def add():
    with engine.begin() as conn:
        conn.execute({stmt})
"""


@pytest.mark.parametrize(
    ("imports", "stmt", "flagged"),
    [
        ("from sqlalchemy import insert", "insert(t).values(name=request.form['n'])", False),
        (
            "import sqlalchemy as sa",
            "sa.update(t).where(t.c.id == 1).values(n=request.args['n'])",
            False,
        ),
        ("import sqlalchemy as sa", "t.insert().values({'n': request.form['n']})", False),
        # not SQLAlchemy's insert, or not a statement at all: the request text still reaches it
        ("from mylib import insert", "insert(t).values(name=request.form['n'])", True),
        ("import sqlite3", "t.insert(0, 1).values(request.form['n'])", True),
        ("from sqlalchemy import insert", "make(t).values(request.form['n'])", True),
    ],
)
def test_core_statement_values_are_bound(imports: str, stmt: str, flagged: bool) -> None:
    src = CORE.format(imports=imports, stmt=stmt)
    assert bool(analyze_source(src)) is flagged


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        ("insert(t)", True),
        ("insert(t).where(x).returning(t.c.id)", True),
        ("items.insert(0, x)", False),
        ("build(t)", False),
    ],
)
def test_core_statement_reads_the_chain(expr: str, expected: bool) -> None:
    node = ast.parse(expr, mode="eval").body
    assert core_statement(node, {"insert": "sqlalchemy.insert", "sa": "sqlalchemy"}) is expected


HELPER = """\
import asyncpg

SQL = {template!r}


def render(tmpl, **kw):
    return tmpl.format(**kw)


async def view(request):
    con = await asyncpg.connect("postgresql://app@db/app")
    return await {receiver}.fetch(render(SQL, team=request.query_params["t"]))
"""


@pytest.mark.parametrize(
    ("template", "receiver", "flagged"),
    [
        # the helper's result holds the SQL template its caller passed: a generic sink reads it
        ("SELECT id FROM users WHERE team = '{team}'", "con", True),
        # a cache key is no SQL text: `fetch` of anything is not a sink by its name alone
        ("members:{team}", "cache", False),
    ],
)
def test_a_helper_result_holds_the_text_passed_to_it(
    template: str, receiver: str, flagged: bool
) -> None:
    src = HELPER.format(template=template, receiver=receiver)
    assert bool(analyze_source(src)) is flagged


LOOP = """\
import sqlite3
from flask import request


def view():
    db = sqlite3.connect("x.db")
    for _ in {iterable}:
        db.execute("SELECT * FROM t WHERE a = '" + request.args["a"] + "'")
"""


@pytest.mark.parametrize(
    ("iterable", "flagged"),
    [
        ("()", False),
        ("[]", False),
        ("{}", False),
        ("''", False),
        ("(1,)", True),
        ("rows", True),  # a name bound to an empty list may be filled first
        ("range(3)", True),
    ],
)
def test_a_loop_over_an_empty_literal_never_runs(iterable: str, flagged: bool) -> None:
    assert bool(analyze_source(LOOP.format(iterable=iterable))) is flagged

"""Issue 17, blind21: raw SQL fragments (`order_by(text(x))`, `sql.SQL(x)` composed by
`.format`) are injection where an untrusted value reaches them unchanged, while a whole-query
helper (`def run(q): return text(q)`) leaves the question to its callers; and maintenance
statements (REFRESH MATERIALIZED VIEW, REINDEX, LOCK TABLE, COMMENT ON) read as SQL."""

from __future__ import annotations

import pytest

from br_core.sqli.python.analyzer import analyze_source
from br_core.sqli.values import looks_like_sql

ORDER_BY = """\
from sqlalchemy import text
def listing(session, Product, key):
    return session.query(Product).order_by({arg}).all()
"""
COMPOSED = """\
from psycopg2 import sql
def totals(cur, column):
    cur.execute(sql.SQL("SELECT sum({{}}) FROM sales").format({arg}))
"""


@pytest.mark.parametrize(
    ("template", "arg", "flagged"),
    [
        (ORDER_BY, "text(key)", True),
        (ORDER_BY, "text(key.strip())", True),
        (ORDER_BY, 'text("created_at DESC")', False),
        (ORDER_BY, "text(int(key) and 'id' or 'name')", False),
        (ORDER_BY, "key", False),  # a column object or name: SQLAlchemy quotes or rejects it
        (COMPOSED, "sql.SQL(column)", True),
        (COMPOSED, "sql.Identifier(column)", False),
        (COMPOSED, 'sql.SQL("total")', False),
        (COMPOSED, "sql.Literal(column)", False),
    ],
)
def test_fragment(template: str, arg: str, flagged: bool) -> None:
    found = analyze_source(template.format(arg=arg))
    assert [f.how for f in found] == (["fragment"] if flagged else [])
    if flagged:
        assert found[0].line == 3 and found[0].rule == "sqli-py-raw"
        assert "allow-list" in found[0].fix and found[0].confidence == "medium"


def test_whole_query_helper_is_judged_at_its_callers() -> None:
    helper = """\
from flask import request
from sqlalchemy import text
def run(session, statement):
    return session.execute(text(statement)).all()
def constant(session):
    return run(session, "SELECT id FROM users")
def tainted(session):
    return run(session, "SELECT id FROM users WHERE name = '" + request.args["n"] + "'")
"""
    assert [f.line for f in analyze_source(helper)] == [8]


def test_fragment_from_a_request_is_one_high_confidence_finding() -> None:
    """The request's own rule (a whole statement from the client) met it first: once, high."""
    code = ORDER_BY.replace("key):", "key):\n    from flask import request").format(
        arg='text(request.args["sort"])'
    )
    found = analyze_source(code)
    assert [(f.line, f.confidence) for f in found] == [(4, "high")]


@pytest.mark.parametrize(
    ("text", "is_sql"),
    [
        ("REFRESH MATERIALIZED VIEW daily", True),
        ("REINDEX TABLE events", True),
        ("LOCK TABLE accounts IN EXCLUSIVE MODE", True),
        ("COMMENT ON COLUMN users.name IS 'x'", True),
        ("refresh the materialized cache", False),
        ("lock the table before you leave", False),
        ("reindex when the search is slow", False),
        ("a comment on the review", False),
    ],
)
def test_maintenance_statements_read_as_sql(text: str, is_sql: bool) -> None:
    assert looks_like_sql(text) is is_sql


JOB = """\
import os
class Job:
    def __init__(self):
        self.table = {value}
    def statement(self):
        return "DELETE FROM " + self.table + " WHERE old = 1"
    def run(self, cur):
        cur.execute(self.statement())
{entry}
"""


@pytest.mark.parametrize("entry", ["", 'if __name__ == "__main__":\n    Job().run(None)'])
@pytest.mark.parametrize(
    ("value", "flagged"), [('os.environ["T"]', True), ('"events"', False), ("'x' * 2", False)]
)
def test_entry_point_runs_after_init_stores(entry: str, value: str, flagged: bool) -> None:
    """A class's methods called from `if __name__ == "__main__":` see what `__init__` stored."""
    found = analyze_source(JOB.format(value=value, entry=entry))
    assert [(f.built_line, f.line) for f in found] == ([(6, 8)] if flagged else [])

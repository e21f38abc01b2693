"""Every rewrite shape the SQL-injection fixer produces is run against a real driver.

Each case is a vulnerable call; the test scans it, takes the suggested rewrite, executes it with
a benign value against a real database table and checks it returns what the vulnerable call
returns for that value. A suggestion that raises ("Incorrect number of bindings"), or quietly
matches other rows, fails here.

Drivers: sqlite3 (qmark `?`), and psycopg (format `%s`) against the real PostgreSQL server the
tests start (tests/store/pgserver.py), on the same table of cases; the `%s` placeholder
arithmetic is also checked without a server.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from br_core.sqli.scan import scan_paths

ROWS = [(1, "bob"), (2, "rob"), (3, "alice"), (4, "o'brien")]
ADVICE = "; `"  # where a runnable rewrite ends and the identifier advice begins

# (id, the vulnerable query expression, the benign value of `v` (and `w`), rows it returns)
CASES: list[tuple[str, str, dict[str, object]]] = [
    ("fstring-quoted", "f\"SELECT id FROM users WHERE name = '{v}'\"", {"v": "bob"}),
    ("fstring-number", 'f"SELECT id FROM users WHERE id = {v}"', {"v": 2}),
    ("fstring-like-both", "f\"SELECT id FROM users WHERE name LIKE '%{v}%'\"", {"v": "ob"}),
    ("fstring-like-prefix", "f\"SELECT id FROM users WHERE name LIKE '{v}%'\"", {"v": "ro"}),
    ("fstring-two-in-one-literal", "f\"SELECT id FROM users WHERE name = '{v}{w}'\"",
     {"v": "al", "w": "ice"}),
    ("fstring-two-values", "f\"SELECT id FROM users WHERE name = '{v}' OR id = {w}\"",
     {"v": "bob", "w": 3}),
    ("fstring-in-list", 'f"SELECT id FROM users WHERE id IN ({v})"', {"v": 1}),
    ("fstring-escaped-quote", "f\"SELECT id FROM users WHERE name = 'o''{v}'\"", {"v": "brien"}),
    ("concat-quoted", "\"SELECT id FROM users WHERE name = '\" + v + \"'\"", {"v": "rob"}),
    ("concat-number", '"SELECT id FROM users WHERE id = " + v', {"v": "3"}),
    ("concat-like", "\"SELECT id FROM users WHERE name LIKE '%\" + v + \"%'\"", {"v": "li"}),
    ("percent-quoted", "\"SELECT id FROM users WHERE name = '%s'\" % v", {"v": "bob"}),
    ("percent-like", "\"SELECT id FROM users WHERE name LIKE '%%%s%%'\" % v", {"v": "ob"}),
    ("percent-like-prefix", "\"SELECT id FROM users WHERE name LIKE '%s%%'\" % (v,)", {"v": "b"}),
    ("percent-tuple", "\"SELECT id FROM users WHERE name = '%s' OR id = %s\" % (v, w)",
     {"v": "rob", "w": 1}),
    ("percent-dict", "\"SELECT id FROM users WHERE name = '%(n)s'\" % {'n': v}", {"v": "alice"}),
    ("format-positional", "\"SELECT id FROM users WHERE name = '{}'\".format(v)", {"v": "bob"}),
    ("format-indexed", "\"SELECT id FROM users WHERE id = {0} OR id = {1}\".format(v, w)",
     {"v": 1, "w": 2}),
    ("format-named", "\"SELECT id FROM users WHERE name = '{n}'\".format(n=v)", {"v": "rob"}),
    ("format-like", "\"SELECT id FROM users WHERE name LIKE '%{}%'\".format(v)", {"v": "ic"}),
    ("format-escaped-brace", "\"SELECT id FROM users WHERE name <> '{{x}}' AND id = {}\".format(v)",
     {"v": 2}),
    ("identifier-and-value", "f\"SELECT id FROM {t} WHERE name = '{v}'\"",
     {"t": "users", "v": "bob"}),
    ("trusted-constant-kept", "f\"SELECT id FROM users WHERE name = '{v}' AND id > {LOW}\"",
     {"v": "bob"}),
]  # fmt: skip

SOURCE = """\
import sqlite3

LOW = 0


def find(cur, v, w, t):
    {call}
"""


@pytest.fixture
def sqlite_cursor() -> Iterator[sqlite3.Cursor]:
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
    conn.executemany("INSERT INTO users VALUES (?, ?)", ROWS)
    try:
        yield conn.cursor()
    finally:
        conn.close()


def _suggestion(tmp_path: Path, call: str) -> str:
    path = tmp_path / "app.py"
    path.write_text(SOURCE.format(call=call), encoding="utf-8")
    [finding] = scan_paths([path], tmp_path)
    assert finding.fix
    return finding.fix


def _run(code: str, cur: Any, values: dict[str, object]) -> list[tuple[Any, ...]]:
    namespace: dict[str, object] = {"cur": cur, "LOW": 0, "v": None, "w": None, "t": None}
    namespace.update(values)
    exec(code, namespace)  # the vulnerable call, or the suggestion, as the user would run it
    return sorted(cur.fetchall())


@pytest.mark.parametrize(("case", "query", "values"), CASES, ids=[c[0] for c in CASES])
def test_each_suggested_rewrite_runs_on_sqlite3(
    tmp_path: Path, sqlite_cursor: sqlite3.Cursor, case: str, query: str, values: dict[str, object]
) -> None:
    fix = _suggestion(tmp_path, f"cur.execute({query})")
    runnable = fix.split(ADVICE)[0]
    assert runnable.startswith("cur.execute("), fix
    assert "'?" not in runnable and "?'" not in runnable, f"{case}: placeholder inside quotes"
    expected = _run(f"cur.execute({query})", sqlite_cursor, values)
    assert expected, f"{case}: the benign value must select something"
    assert _run(runnable, sqlite_cursor, values) == expected, fix


def test_the_like_rewrite_from_the_issue(tmp_path: Path, sqlite_cursor: sqlite3.Cursor) -> None:
    call = "cur.execute(\"SELECT id FROM users WHERE name LIKE '%%%s%%'\" % v)"
    fix = _suggestion(tmp_path, call)
    assert fix == "cur.execute(\"SELECT id FROM users WHERE name LIKE ?\", (f'%{v}%',))"
    assert _run(fix, sqlite_cursor, {"v": "ob"}) == [(1,), (2,)]


def test_executescript_is_rewritten_to_execute(
    tmp_path: Path, sqlite_cursor: sqlite3.Cursor
) -> None:
    fix = _suggestion(tmp_path, "cur.executescript(f\"SELECT id FROM users WHERE name = '{v}'\")")
    assert "executescript cannot bind parameters" in fix
    assert _run(fix.split(" (executescript")[0], sqlite_cursor, {"v": "rob"}) == [(2,)]


@pytest.mark.parametrize(
    "call",
    [
        "cur.execute(f\"SELECT id FROM users WHERE name = '{v}' AND id > ?\", (w,))",
        "cur.executemany(f\"INSERT INTO users (name, id) VALUES ('{v}', ?)\", [(w,)])",
        "cur.execute(f\"SELECT id FROM users WHERE name = '{v}'\", parameters=())",
    ],
)
def test_calls_that_already_bind_get_advice_not_a_broken_rewrite(tmp_path: Path, call: str) -> None:
    """Merging into parameters the call already passes needs their order: say so instead."""
    fix = _suggestion(tmp_path, call)
    assert "already passes parameters" in fix and "cur." not in fix


def test_an_identifier_alone_gets_advice_only(tmp_path: Path) -> None:
    fix = _suggestion(tmp_path, 'cur.execute(f"SELECT id FROM users ORDER BY {v}")')
    assert "allow-list" in fix and "cur.execute" not in fix


@pytest.mark.parametrize(
    "call",
    [
        'cur.execute("SELECT id FROM users WHERE " + v)',
        'cur.execute(f"SELECT id FROM users WHERE id > 0 AND {v}")',
    ],
)
def test_a_whole_condition_gets_advice_not_a_bound_placeholder(tmp_path: Path, call: str) -> None:
    """`WHERE ?` would run but compare nothing: the condition has to be rebuilt in the code."""
    fix = _suggestion(tmp_path, call)
    assert "whole SQL condition" in fix and "cur.execute" not in fix


FORMAT_SOURCE = SOURCE.replace("import sqlite3", "import psycopg")


@pytest.mark.parametrize(("case", "query", "values"), CASES, ids=[c[0] for c in CASES])
def test_format_style_suggestions_bind_every_placeholder(
    tmp_path: Path, case: str, query: str, values: dict[str, object]
) -> None:
    """psycopg's `%s` rewrites: every `%s` gets a value and a literal `%` is written `%%` (what
    the driver's own `query % params` step needs), checked without the server."""
    path = tmp_path / "app.py"
    path.write_text(FORMAT_SOURCE.format(call=f"cur.execute({query})"), encoding="utf-8")
    [finding] = scan_paths([path], tmp_path)
    runnable = (finding.fix or "").split(ADVICE)[0]
    seen: list[tuple[str, tuple[object, ...]]] = []

    class Recorder:
        def execute(self, sql: str, params: tuple[object, ...]) -> None:
            seen.append((sql, params))

    _exec_only(runnable, Recorder(), values)
    [(sql, params)] = seen
    placeholders = sql.count("%s")
    assert placeholders == len(params), runnable
    assert "%" not in sql.replace("%%", "").replace("%s", ""), runnable
    assert (sql % tuple("x" for _ in params)).count("'") % 2 == 0


def _exec_only(code: str, cur: object, values: dict[str, object]) -> None:
    namespace: dict[str, object] = {"cur": cur, "LOW": 0, "v": None, "w": None, "t": None}
    namespace.update(values)
    exec(code, namespace)


@pytest.fixture
def psycopg_cursor(pg_url: str) -> Iterator[Any]:
    """A cursor on a fresh database of the real PostgreSQL server the tests start (tests/store)."""
    import psycopg

    with psycopg.connect(pg_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO users VALUES (%s, %s)", ROWS)
            yield cur


@pytest.mark.parametrize(("case", "query", "values"), CASES, ids=[c[0] for c in CASES])
def test_each_format_style_rewrite_runs_on_psycopg(
    tmp_path: Path, psycopg_cursor: Any, case: str, query: str, values: dict[str, object]
) -> None:
    """The `%s` suggestions for a psycopg file, run by psycopg against PostgreSQL: the same rows
    as the vulnerable call with the benign value."""
    path = tmp_path / "app.py"
    path.write_text(FORMAT_SOURCE.format(call=f"cur.execute({query})"), encoding="utf-8")
    [finding] = scan_paths([path], tmp_path)
    runnable = (finding.fix or "").split(ADVICE)[0]
    assert runnable.startswith("cur.execute("), finding.fix
    expected = _run(f"cur.execute({query})", psycopg_cursor, values)
    assert expected, f"{case}: the benign value must select something"
    assert _run(runnable, psycopg_cursor, values) == expected, finding.fix


# JavaScript: node evaluates the suggested call (the values are JS expressions, template literals
# included) against a recording `db`; the SQL and values it passes then run in sqlite3.
JS_CASES = [
    ("template-quoted", "`SELECT id FROM users WHERE name = '${req.query.v}'`", "bob"),
    ("template-number", "`SELECT id FROM users WHERE id = ${req.query.v}`", "2"),
    ("template-like", "`SELECT id FROM users WHERE name LIKE '%${req.query.v}%'`", "ob"),
    ("template-prefix", "`SELECT id FROM users WHERE name LIKE '${req.query.v}%'`", "al"),
    ("template-trusted-kept", "`SELECT id FROM ${TABLE} WHERE name = '${req.query.v}'`", "rob"),
]
JS_HARNESS = """
const TABLE = "users";
const req = {{ query: {{ v: {value} }} }};
const db = {{ all: (sql, params) => process.stdout.write(JSON.stringify([sql, params])) }};
{call};
"""


@pytest.mark.parametrize(("case", "query", "value"), JS_CASES, ids=[c[0] for c in JS_CASES])
def test_each_js_rewrite_runs_on_sqlite3(
    tmp_path: Path, sqlite_cursor: sqlite3.Cursor, case: str, query: str, value: str
) -> None:
    import json
    import shutil
    import subprocess

    node = shutil.which("node")
    if node is None:  # pragma: no cover - node is part of the dev image
        pytest.skip("node is not installed")
    path = tmp_path / "app.js"
    path.write_text(f"const TABLE = 'users';\nfunction find(req) {{ db.all({query}); }}\n")
    [finding] = scan_paths([path], tmp_path)
    assert finding.fix and finding.fix.startswith("db.all("), finding.fix

    def run_js(call: str) -> tuple[str, list[object]]:
        script = JS_HARNESS.format(value=json.dumps(value), call=call)
        out = subprocess.run(
            [node, "-e", script], capture_output=True, text=True, timeout=30, check=True
        ).stdout
        sql, params = json.loads(out)
        return sql, params or []

    expected = sqlite_cursor.execute(*run_js(f"db.all({query})")).fetchall()
    assert expected, f"{case}: the benign value must select something"
    sql, params = run_js(finding.fix)
    assert "'?" not in sql and "?'" not in sql, finding.fix
    assert sqlite_cursor.execute(sql, params).fetchall() == expected, finding.fix

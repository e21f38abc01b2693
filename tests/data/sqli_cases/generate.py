"""Write tests/data/sqli_cases/py_<driver>.cases: each query shape rendered through each driver's API.

Run `python tests/data/sqli_cases/generate.py` after editing a shape or a driver. A shape's label
says whether the code is exploitable (attacker text can change the SQL), decided per shape and
independent of any tool: `vuln` shapes splice untrusted text into SQL, `safe` shapes bind it,
coerce it, check it against a fixed allow-list, or never let it in. Hand-written cases for
shapes that do not fit this grid (ORM filters, Django extra/RawSQL, helpers, classes, JS/TS,
Python 3.12 syntax) live in the other *.cases files.
"""

# ruff: noqa: E501  (tables of code snippets read better unwrapped)
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Driver:
    name: str
    imports: str
    handle: str  # lines that open the handle (may end with an `async with` / `with` block)
    run_tpl: str  # e.g. "cur.execute({q})" ; {q} query, {p} params
    runp_tpl: str
    style: str  # qmark | format | numeric | named
    is_async: bool = False
    handle_param: str = ""

    def ph(self, i: int, name: str) -> str:
        return {"qmark": "?", "format": "%s", "numeric": f"${i}", "named": f":{name}"}[self.style]

    def params(self, values: list[tuple[str, str]]) -> str:
        if self.style == "named":
            return "{" + ", ".join(f'"{n}": {v}' for n, v in values) + "}"
        if self.style == "numeric":
            return ", ".join(v for _, v in values)
        return "(" + ", ".join(v for _, v in values) + ("," if len(values) == 1 else "") + ")"

    def run(self, q: str) -> str:
        return self.run_tpl.format(q=q)

    def runp(self, sql: str, values: list[tuple[str, str]]) -> str:
        slots = [self.ph(i, n) for i, (n, _) in enumerate(values, 1)]
        return self.runp_tpl.format(q=repr_sql(sql.format(*slots)), p=self.params(values))


def repr_sql(sql: str) -> str:
    return '"' + sql.replace('"', '\\"') + '"'


DRIVERS = [
    Driver("sqlite3", "import sqlite3", 'conn = sqlite3.connect("app.db")\ncur = conn.cursor()',
           "cur.execute({q})", "cur.execute({q}, {p})", "qmark"),
    Driver("psycopg2", 'import psycopg2\n\nDSN = "dbname=app"', "conn = psycopg2.connect(DSN)\n"
           "cur = conn.cursor()", "cur.execute({q})", "cur.execute({q}, {p})", "format"),
    Driver("psycopg", 'import psycopg\n\nDSN = "dbname=app"', "conn = psycopg.connect(DSN)",
           "conn.execute({q})", "conn.execute({q}, {p})", "format"),
    Driver("pymysql", "import pymysql", 'conn = pymysql.connect(host="db", user="app")\n'
           "cursor = conn.cursor()", "cursor.execute({q})", "cursor.execute({q}, {p})", "format"),
    Driver("mysql_connector", "import mysql.connector", 'cnx = mysql.connector.connect(user="app")'
           "\ncursor = cnx.cursor()", "cursor.execute({q})", "cursor.execute({q}, {p})", "format"),
    Driver("pg8000", "import pg8000.dbapi", 'conn = pg8000.dbapi.connect(user="app")\n'
           "cursor = conn.cursor()", "cursor.execute({q})", "cursor.execute({q}, {p})", "format"),
    Driver("aiopg", 'import aiopg\n\nDSN = "dbname=app"', "async with aiopg.connect(DSN) as conn:\n"
           "    async with conn.cursor() as cur:", "await cur.execute({q})",
           "await cur.execute({q}, {p})", "format", is_async=True),
    Driver("asyncpg", 'import asyncpg\n\nDSN = "postgresql://app@db/app"',
           "conn = await asyncpg.connect(DSN)", "await conn.fetch({q})", "await conn.fetch({q}, {p})",
           "numeric", is_async=True),
    Driver("sqlalchemy_text", "from sqlalchemy import text\nfrom sqlalchemy.orm import Session", "",
           "session.execute(text({q}))", "session.execute(text({q}), {p})", "named",
           handle_param="session: Session"),
    Driver("sqlalchemy_engine", 'import sqlalchemy as sa\n\nengine = sa.create_engine("sqlite://")',
           "with engine.connect() as conn:", "conn.execute(sa.text({q}))",
           "conn.execute(sa.text({q}), {p})", "named"),
    Driver("django_cursor", "from django.db import connection", "with connection.cursor() as cursor:",
           "cursor.execute({q})", "cursor.execute({q}, {p})", "format"),
    Driver("django_raw", "from shop.models import User", "", "list(User.objects.raw({q}))",
           "list(User.objects.raw({q}, {p}))", "format"),
    Driver("pandas", "import sqlite3\n\nimport pandas as pd", 'conn = sqlite3.connect("app.db")',
           "pd.read_sql_query({q}, conn)", "pd.read_sql_query({q}, conn, params={p})", "qmark"),
]  # fmt: skip


MARKS_LIST = {
    "qmark": '",".join(["?"] * len(ids))',
    "format": '", ".join(["%s"] * len(ids))',
    "numeric": '", ".join([f"${i}" for i in range(1, len(ids) + 1)])',
    "named": '", ".join([f":id{i}" for i in range(len(ids))])',
}
MARKS_GEN = {
    "qmark": '",".join("?" * len(ids))',
    "format": '", ".join("%s" for _ in ids)',
    "numeric": '", ".join("$" + str(i + 1) for i in range(len(ids)))',
    "named": '", ".join(":id" + str(i) for i, _ in enumerate(ids))',
}
BOUND = {
    "qmark": "tuple(ids)",
    "format": "tuple(ids)",
    "numeric": "*ids",
    "named": '{f"id{i}": value for i, value in enumerate(ids)}',
}


@dataclass(frozen=True)
class Shape:
    label: str  # vuln | safe
    title: str
    params: str  # the function's own parameters
    body: Callable[[Driver], str]
    extra_imports: str = ""
    module: str = ""  # module-level lines after the imports


def _s(label: str, title: str, params: str, body: Callable[[Driver], str], **kw: str) -> Shape:
    return Shape(label, title, params, body, **kw)


SHAPES = [
    _s("vuln", "f-string with a parameter in WHERE", "name",
       lambda d: d.run("f\"SELECT * FROM users WHERE name = '{name}'\"")),
    _s("vuln", "% formatting with a parameter", "name",
       lambda d: d.run("\"SELECT * FROM users WHERE name = '%s'\" % name")),
    _s("vuln", "str.format with a parameter", "name",
       lambda d: d.run("\"SELECT * FROM users WHERE name = '{}'\".format(name)")),
    _s("vuln", "+ concatenation with a parameter", "name",
       lambda d: d.run("\"SELECT * FROM users WHERE name = '\" + name + \"'\"")),
    _s("vuln", "query built in a variable, executed later", "user_id",
       lambda d: "query = f\"DELETE FROM sessions WHERE user_id = {user_id}\"\n" + d.run("query")),
    _s("vuln", "conditional += on a base query", "name, email",
       lambda d: 'sql = "SELECT * FROM users WHERE 1 = 1"\nif name:\n'
       "    sql += \" AND name = '\" + name + \"'\"\nif email:\n    sql += \" AND email = %s\"\n"
       + d.run("sql")),
    _s("vuln", "conditions collected in a list and joined", "filters",
       lambda d: "clauses = []\nfor column, value in filters.items():\n"
       "    clauses.append(f\"{column} = '{value}'\")\n"
       "where = \" AND \".join(clauses)\n" + d.run("\"SELECT * FROM users WHERE \" + where")),
    _s("vuln", "Flask request argument", "",
       lambda d: 'term = request.args.get("q", "")\n'
       + d.run("f\"SELECT * FROM products WHERE title LIKE '%{term}%'\""),
       extra_imports="from flask import request"),
    _s("vuln", "input() in a script", "",
       lambda d: 'table = input("table: ")\n' + d.run('f"DROP TABLE {table}"')),
    _s("vuln", "environment variable", "",
       lambda d: 'schema = os.environ.get("APP_SCHEMA", "public")\n'
       + d.run('f"SET search_path TO {schema}"'), extra_imports="import os"),
    _s("vuln", "ORDER BY column from a parameter without a check", "sort",
       lambda d: d.run('f"SELECT id, name FROM users ORDER BY {sort}"')),
    _s("vuln", "numeric id interpolated without int()", "order_id",
       lambda d: d.run('"SELECT * FROM orders WHERE id = " + str(order_id)')),
    _s("vuln", "two values with % and a tuple", "first, last",
       lambda d: d.run("\"SELECT * FROM people WHERE first = '%s' AND last = '%s'\" % (first, last)")),
    _s("vuln", "value cleaned with strip/lower only", "email",
       lambda d: "email = email.strip().lower()\n"
       + d.run("f\"SELECT id FROM users WHERE email = '{email}'\"")),
    _s("vuln", "slice of a parameter is still attacker text", "name",
       lambda d: "short = name[:32]\n" + d.run("f\"SELECT * FROM users WHERE name = '{short}'\"")),
    _s("vuln", "dict from the request body", "payload",
       lambda d: d.run("\"UPDATE users SET bio = '{}' WHERE id = {}\".format(payload['bio'], "
                       "payload['id'])")),
    _s("vuln", "ternary where one branch is the parameter", "status",
       lambda d: 'state = status if status else "active"\n'
       + d.run("f\"SELECT * FROM accounts WHERE state = '{state}'\"")),
    _s("vuln", "loop over caller-supplied table names", "tables",
       lambda d: "for table in tables:\n    " + d.run('f"TRUNCATE TABLE {table}"')),
    _s("vuln", "named % mapping", "name",
       lambda d: d.run("\"SELECT * FROM users WHERE name = '%(name)s'\" % {\"name\": name}")),
    _s("vuln", "file contents", "path",
       lambda d: "with open(path) as handle:\n    wanted = handle.read().strip()\n"
       + d.run("f\"SELECT * FROM jobs WHERE queue = '{wanted}'\"")),
    _s("vuln", "command-line argument", "",
       lambda d: d.run("f\"SELECT * FROM logs WHERE day = '{sys.argv[1]}'\""),
       extra_imports="import sys"),
    _s("vuln", "IN list spliced from values, not placeholders", "ids",
       lambda d: 'id_list = ", ".join(str(i) for i in ids)\n'
       + d.run('f"SELECT * FROM items WHERE id IN ({id_list})"')),
    # safe shapes
    _s("safe", "placeholder and a parameter tuple", "name",
       lambda d: d.runp("SELECT * FROM users WHERE name = {}", [("name", "name")])),
    _s("safe", "two bound values", "first, last",
       lambda d: d.runp("SELECT * FROM people WHERE first = {} AND last = {}",
                        [("first", "first"), ("last", "last")])),
    _s("safe", "f-string without fields", "",
       lambda d: d.run('f"SELECT COUNT(*) FROM users"')),
    _s("safe", "f-string with a module constant", "",
       lambda d: d.run('f"SELECT * FROM {TABLE} WHERE active = 1"'), module='TABLE = "users"'),
    _s("safe", "local name bound only to a literal", "",
       lambda d: 'table = "audit_log"\n' + d.run('f"SELECT * FROM {table} ORDER BY id DESC"')),
    _s("safe", "int() coercion", "user_id",
       lambda d: d.run('f"SELECT * FROM users WHERE id = {int(user_id)}"')),
    _s("safe", "float() and bool() coercion", "price, active",
       lambda d: d.run('"SELECT * FROM items WHERE price < %s AND active = %s" '
                       "% (float(price), bool(active))")),
    _s("safe", "allow-list check that raises", "sort",
       lambda d: 'if sort not in ("name", "created_at", "id"):\n'
       '    raise ValueError(f"bad sort column: {sort}")\n'
       + d.run('f"SELECT * FROM users ORDER BY {sort}"')),
    _s("safe", "allow-list membership guards the branch", "column",
       lambda d: "if column in ALLOWED_COLUMNS:\n    "
       + d.run('f"SELECT {column} FROM users"'), module='ALLOWED_COLUMNS = {"name", "email"}'),
    _s("safe", "direction mapped through a fixed dict", "direction",
       lambda d: 'order = {"asc": "ASC", "desc": "DESC"}.get(direction, "ASC")\n'
       + d.run('f"SELECT * FROM users ORDER BY name {order}"')),
    _s("safe", "ternary of two literals", "descending",
       lambda d: 'order = "DESC" if descending else "ASC"\n'
       + d.run('"SELECT * FROM posts ORDER BY created " + order')),
    _s("safe", "placeholder list from the number of values", "ids",
       lambda d: f"marks = {MARKS_LIST[d.style]}\n"
       + d.runp_tpl.format(q='f"SELECT * FROM items WHERE id IN ({marks})"', p=BOUND[d.style])),
    _s("safe", "placeholders generated per value", "ids",
       lambda d: f"marks = {MARKS_GEN[d.style]}\nsql = f\"DELETE FROM cart WHERE id IN ({{marks}})\"\n"
       + d.runp_tpl.format(q="sql", p=BOUND[d.style])),
    _s("safe", "branch made dead by a constant", "name",
       lambda d: "if False:\n    " + d.run("f\"SELECT * FROM users WHERE name = '{name}'\"")
       + "\n" + d.runp("SELECT * FROM users WHERE name = {}", [("name", "name")])),
    _s("safe", "constant-only concatenation", "",
       lambda d: d.run('"SELECT id, name " + "FROM users " + "WHERE deleted = 0"')),
    _s("safe", "loop over literal table names", "",
       lambda d: 'for table in ("sessions", "tokens"):\n    ' + d.run('f"DELETE FROM {table}"')),
    _s("safe", "isdigit() check before use", "page",
       lambda d: 'if not page.isdigit():\n    raise ValueError("page must be a number")\n'
       + d.run('f"SELECT * FROM posts LIMIT 20 OFFSET {page}"')),
    _s("safe", "numeric format spec", "limit",
       lambda d: d.run('f"SELECT * FROM events ORDER BY id LIMIT {limit:d}"')),
    _s("safe", "len() of caller data", "items",
       lambda d: d.run('f"SELECT * FROM stock LIMIT {len(items)}"')),
    _s("safe", "prose with select ... from in a log message", "name",
       lambda d: 'print(f"Please select a file from {name} and try again")\n'
       + d.runp("SELECT * FROM files WHERE owner = {}", [("name", "name")])),
    _s("safe", "error message mentioning SQL", "table",
       lambda d: "if not table:\n    raise ValueError(f\"select from {table!r}: no table\")\n"
       + d.runp("SELECT * FROM jobs WHERE queue = {}", [("table", "table")])),
    _s("safe", ".format with constant columns", "",
       lambda d: d.run('"SELECT {cols} FROM users".format(cols=", ".join(COLUMNS))'),
       module='COLUMNS = ("id", "name", "email")'),
    _s("safe", "request value bound as a parameter", "",
       lambda d: 'term = request.args.get("q", "")\n'
       + d.runp("SELECT * FROM products WHERE title = {}", [("term", "term")]),
       extra_imports="from flask import request"),
    _s("safe", "environment value used as a bound parameter", "",
       lambda d: 'tenant = os.environ["TENANT"]\n'
       + d.runp("SELECT * FROM settings WHERE tenant = {}", [("tenant", "tenant")]),
       extra_imports="import os"),
]  # fmt: skip


def render(driver: Driver, shape: Shape) -> str:
    imports = driver.imports + ("\n" + shape.extra_imports if shape.extra_imports else "")
    header = imports + ("\n\n" + shape.module if shape.module else "")
    params = ", ".join(p for p in (driver.handle_param, shape.params) if p)
    kind = "async def" if driver.is_async else "def"
    lines = [f"{kind} handler({params}):"]
    indent = "    "
    for line in driver.handle.splitlines():
        lines.append(indent + line)
    if driver.handle.rstrip().endswith(":"):
        indent = "    " * (2 + driver.handle.count(":\n"))
    for line in shape.body(driver).splitlines():
        lines.append(indent + line)
    return header + "\n\n\n" + "\n".join(lines) + "\n"


def main() -> None:
    for driver in DRIVERS:
        blocks = []
        for shape in SHAPES:
            code = render(driver, shape)
            compile(code, f"{driver.name}:{shape.title}", "exec")  # every case must parse
            blocks.append(f"### {shape.label} | {driver.name}: {shape.title}\n{code}")
        (HERE / f"py_{driver.name}.cases").write_text("\n".join(blocks), encoding="utf-8")
    print(f"{len(DRIVERS)} drivers x {len(SHAPES)} shapes = {len(DRIVERS) * len(SHAPES)} cases")


if __name__ == "__main__":
    main()

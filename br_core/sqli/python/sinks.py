"""Which Python calls are SQL sinks, which argument holds the query, and the driver in use.

Sinks are matched by shape (method name, receiver, argument) because a hook sees one file at a
time without types. Generic names (`execute`, `query`, `raw`, `fetch`) count only when the
receiver looks like a database handle or the query text reads as SQL, so `executor.execute(job)`
and `df.query("a > 1")` are not sinks.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from br_core.sqli.python.guards import dotted, last_name
from br_core.sqli.values import Val, looks_like_clause

# Methods that run one SQL string given as the first argument.
_DB_METHODS = {
    "execute", "executemany", "executescript", "exec_driver_sql", "fetch", "fetchrow",
    "fetchval", "fetch_all", "fetch_one", "fetch_val", "iterate", "prepare", "copy_expert",
    "copy_from_query",
    "query", "raw", "cursor", "read_sql", "read_sql_query", "mogrify", "execute_sql",
    "execute_query", "execute_query_dict", "sql", "run",
}  # fmt: skip
# Names specific enough that the receiver need not look like a database.
_SPECIFIC = {
    "execute_values", "execute_batch", "execute_sql", "execute_query", "execute_query_dict",
    "executescript", "exec_driver_sql", "fetchrow", "fetchval", "copy_expert", "read_sql",
    "read_sql_query", "executemany", "mogrify", "copy_from_query",
}  # fmt: skip
_TEXT_FUNCS = {"text", "literal_column", "SQL", "RawSQL", "read_sql", "read_sql_query"}
_CLAUSE_METHODS = {"filter", "where", "having", "order_by", "group_by", "distinct"}
# Pony ORM's raw-SQL methods of a `Database` beside `execute` (`db.select("SELECT ...")`):
# sinks only in a file that imports pony (SQLAlchemy's `select(...)` builds, never parses).
_PONY_METHODS = {"select"}
# Every name `find_sinks` looks for.
SINK_NAMES = {"execute_values", "execute_batch", "extra", *_DB_METHODS, *_TEXT_FUNCS,
               *_CLAUSE_METHODS, *_PONY_METHODS}  # fmt: skip
_ORM_MODULES = ("sqlalchemy", "sqlmodel", "flask_sqlalchemy")
# QuerySet.extra(select, where, params, tables, order_by, select_params): every argument but
# the two bound-value lists holds SQL text, by keyword or by position.
_EXTRA_SQL = {"where", "select", "tables", "order_by"}
_EXTRA_POSITIONS = (0, 1, 3, 4)
_QUERY_KWARGS = ("sql", "query", "operation", "statement", "stmt", "q", "querystring")
_DB_RECEIVER = re.compile(
    r"(?i)(?:^|[._])(?:cur|cursor|cursor\(\)|curs|conn|connection|connection\(\)|cnx|con|db|dbh"
    r"|database|session|engine|pool|tx|txn|transaction|sqlite\w*|pg|mysql|postgres|c"
    r"|connect\(\)|get_db\(\)|db\(\)|objects|manager|queryset|\w*_db|\w*_conn|\w*_cursor)\d*$"
)
_TEXT_MODULES = {
    "text": ("sqlalchemy", "sqlmodel", "flask_sqlalchemy"),
    "literal_column": ("sqlalchemy", "sqlmodel"),
    "SQL": ("psycopg", "psycopg2", "peewee"),
    "RawSQL": ("django", "tortoise"),
}
_TEXT_ALIASES = {"sa", "sqlalchemy", "db", "sql", "expression", "expressions", "sqlmodel", "models"}


@dataclass(frozen=True)
class SinkSite:
    """One call that executes SQL: the sink's display name and the query argument."""

    name: str
    query: ast.expr
    kind: str  # "db" (run SQL), "text" (compose raw SQL), "clause" (raw WHERE text),
    # "orm" (a SQLAlchemy clause method: any string is raw SQL)


def find_sinks(node: ast.Call, imports: dict[str, str]) -> list[SinkSite]:
    """The SQL sinks `node` is, with the argument holding SQL text."""
    func = node.func
    short = last_name(func)
    if short not in SINK_NAMES:
        return []  # nearly every call: no name below, no need to render it
    display = (dotted(func) or short or "call").replace("()", "(…)")
    query = _query_arg(node)
    if short in _PONY_METHODS:
        pony = any(m.startswith("pony") for m in imports.values())
        raw = pony and isinstance(func, ast.Attribute) and query is not None
        return [SinkSite(display, query, "db")] if raw and query is not None else []
    if short in {"execute_values", "execute_batch"} and len(node.args) >= 2:
        return [SinkSite(display, node.args[1], "db")]  # psycopg2.extras(cur, sql, rows)
    is_text = short in _TEXT_FUNCS and (isinstance(func, ast.Name) or _text_attr(func, short))
    if is_text and query is not None and _text_origin_ok(func, short, imports):
        return [SinkSite(display, query, "text")]
    if isinstance(func, ast.Attribute):
        if short in _DB_METHODS and query is not None:
            return [SinkSite(display, query, "db")]
        if short == "extra":
            sql_args = [a for i, a in enumerate(node.args) if i in _EXTRA_POSITIONS]
            sql_args += [kw.value for kw in node.keywords if kw.arg in _EXTRA_SQL]
            return [SinkSite(display, a, "db") for a in sql_args]
        if short in _CLAUSE_METHODS:
            # A string given to SQLAlchemy's clause methods is raw SQL whatever its shape
            # (`order_by(f"{col} desc")`), also where the file reaches SQLAlchemy through its
            # app's `db`; with Django (filter/order_by take field names) or without any ORM
            # import, only text that reads as a condition counts.
            modules = imports.values()
            orm = any(m.startswith(_ORM_MODULES) for m in modules) or (
                "db" in imports and not any(m.startswith(("django", "pandas")) for m in modules)
            )
            kind = "orm" if orm else "clause"
            return [SinkSite(display, a, kind) for a in node.args if _may_be_text(a)]
    return []


def raw_fragments(node: ast.Call, imports: dict[str, str]) -> list[ast.Call]:
    """The raw-text calls (`text(x)`, `sql.SQL(x)`) that `node` splices into a larger statement:
    `order_by(text(x))`, `sql.SQL("SELECT {} FROM t").format(sql.SQL(x))`. Such a call is a
    fragment, not a whole-query helper, so an untrusted value in it unchanged is injection
    there and then, where `def run(q): return text(q)` only hands the question to its callers."""
    func = node.func
    if not isinstance(func, ast.Attribute):
        return []
    composes = func.attr in _CLAUSE_METHODS or (
        func.attr in {"format", "join"}
        and isinstance(func.value, ast.Call)
        and any(s.kind == "text" for s in find_sinks(func.value, imports))
    )
    if not composes:
        return []
    parts = [*node.args, *(kw.value for kw in node.keywords)]
    return [
        p
        for p in parts
        if isinstance(p, ast.Call) and any(s.kind == "text" for s in find_sinks(p, imports))
    ]


def sink_applies(site: SinkSite, node: ast.Call, val: Val) -> bool:
    """Whether a built, tainted `val` at `site` is SQL injection rather than another API."""
    if site.kind == "clause":
        return looks_like_clause(val.text)
    if site.kind == "orm":  # a string, not an expression object (`field.ilike(v + "%")`)
        return val.is_str
    if site.kind == "text":
        return True
    short = last_name(node.func)
    if short in _SPECIFIC or val.sql:
        return True
    if short == "extra" and looks_like_clause(val.text):
        # Django's QuerySet.extra(where=[...]) on any receiver: a custom QuerySet's own
        # `self.extra(...)`, `Article.published.extra(...)`; the text reads as a condition.
        return True
    if short in {"raw", "cursor", "prepare", "query", "fetch", "iterate", "sql", "run"}:
        return False
    receiver = dotted(node.func.value) if isinstance(node.func, ast.Attribute) else None
    return bool(receiver and _DB_RECEIVER.search(receiver))


def _query_arg(node: ast.Call) -> ast.expr | None:
    if node.args and not isinstance(node.args[0], ast.Starred):
        return node.args[0]
    for kw in node.keywords:
        if kw.arg in _QUERY_KWARGS:
            return kw.value
    return None


def _text_attr(func: ast.expr, short: str) -> bool:
    if not isinstance(func, ast.Attribute):
        return False
    base = dotted(func.value) or ""
    return short in {"read_sql", "read_sql_query"} or base.split(".")[-1] in _TEXT_ALIASES


def _text_origin_ok(func: ast.expr, short: str, imports: dict[str, str]) -> bool:
    """`text(...)` is SQLAlchemy's only when imported from it (or spelled `sa.text`)."""
    if short not in _TEXT_MODULES:
        return True
    if isinstance(func, ast.Attribute):
        return True
    origin = imports.get(short, "")
    if origin:
        return origin.startswith(_TEXT_MODULES[short])
    return short in {"SQL", "RawSQL"}


# SQLAlchemy Core's statement constructors, and the methods that chain one statement into the
# next. `.values(...)` of such a statement binds every value it is given (`insert(t).values(
# name=x)` sends `x` apart from the SQL text), as `text(...).bindparams(x=...)` does.
_CORE_STATEMENTS = {"insert", "update", "delete", "select"}
_CORE_CHAIN = {
    "where", "filter", "filter_by", "returning", "prefix_with", "inline", "order_by", "limit",
    "offset", "execution_options", "with_dialect_options",
}  # fmt: skip


def core_statement(node: ast.expr, imports: dict[str, str]) -> bool:
    """`node` is a SQLAlchemy Core statement: `insert(t)` (imported from sqlalchemy, or
    `sa.insert(t)`), a table's `t.insert()` in a file that imports sqlalchemy, or either
    followed by chained statement methods (`update(t).where(...)`)."""
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        if node.func.attr not in _CORE_CHAIN:
            break
        node = node.func.value
    if not isinstance(node, ast.Call):
        return False
    func, short = node.func, last_name(node.func)
    if short not in _CORE_STATEMENTS:
        return False
    if isinstance(func, ast.Name):
        return imports.get(short, "").startswith(_ORM_MODULES)
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        root = imports.get(func.value.id, "")
        if root:  # `sa.insert(t)`; `insert` of any other module is not SQLAlchemy's
            return root.startswith(_ORM_MODULES)
        # `users.insert()`: a Table's method takes no positional argument (`list.insert` takes
        # two), and only counts in a file that uses SQLAlchemy.
        return not node.args and any(m.startswith(_ORM_MODULES) for m in imports.values())
    return False


def _may_be_text(arg: ast.expr) -> bool:
    return isinstance(arg, ast.JoinedStr | ast.BinOp | ast.Name | ast.Call)


def driver_style(imports: dict[str, str], site: SinkSite) -> str:
    """The placeholder style to suggest: qmark `?`, format `%s`, numeric `$1`, named `:name`."""
    if site.kind == "text" and site.name.split(".")[-1] in {"text", "literal_column"}:
        return "named"
    modules = set(imports.values())
    if any(m.startswith("asyncpg") for m in modules):
        return "numeric"
    if any(m.startswith(("sqlite3", "aiosqlite", "pyodbc", "duckdb")) for m in modules):
        return "qmark"
    if any(m.startswith(("oracledb", "cx_Oracle")) for m in modules):
        return "named"
    if any(m.startswith(("sqlalchemy", "sqlmodel", "flask_sqlalchemy")) for m in modules) and (
        site.name.split(".")[-1] in {"execute", "exec_driver_sql"}
        and not any(m.startswith(("psycopg", "pymysql", "MySQLdb", "mysql")) for m in modules)
    ):
        return "named"
    return "format"

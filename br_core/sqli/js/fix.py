"""Parameterized rewrites for JavaScript/TypeScript findings, in the library's own style."""

from __future__ import annotations

import re

from br_core.sqli.js.tokens import Tok

_DRIVERS = (
    (re.compile(r"['\"]@prisma/client['\"]"), "prisma"),
    (
        re.compile(
            r"['\"](?:pg|pg-promise|postgres|@vercel/postgres|@neondatabase/serverless)['\"]"
        ),
        "pg",
    ),
    (re.compile(r"['\"]sequelize['\"]"), "sequelize"),
    (re.compile(r"['\"]knex['\"]"), "knex"),
)
# knex-style raw helpers bind `?` whatever the database
_BIND_QMARK = {
    "raw", "whereRaw", "havingRaw", "orderByRaw", "joinRaw", "fromRaw", "selectRaw", "groupByRaw",
    "literal", "executescript",
}  # fmt: skip

# TypeORM builder methods that take column names, not values
_IDENTIFIERS = {"orderBy", "addOrderBy", "groupBy", "addGroupBy", "select", "addSelect"}


def driver_of(src: str) -> str:
    """The placeholder dialect the file's imports suggest."""
    for pattern, name in _DRIVERS:
        if pattern.search(src):
            return name
    return "qmark"


def fix_for(sink: str, arg: list[Tok], driver: str, untrusted: list[bool]) -> str:
    """A parameterized rewrite of the sink call; `untrusted[j]`: is `${}` number j untrusted."""
    if sink.split(".")[-1] in _IDENTIFIERS:
        return (
            "a column name cannot be a bound parameter: map the request value through a fixed"
            " object of allowed columns (`SORTS[key] ?? 'p.id'`) and pass only that"
        )
    if sink.split(".")[-1] in _BIND_QMARK:
        driver = "qmark"  # knex and friends bind `?` whatever the database
    if len(arg) == 1 and arg[0].kind == "tmpl" and arg[0].exprs:
        tmpl = arg[0]
        text, values = tmpl.parts[0], []
        for j, (expr, after) in enumerate(zip(tmpl.exprs, tmpl.parts[1:], strict=False)):
            if not untrusted[j]:
                text += "${" + expr + "}" + after
                continue
            values.append(expr.strip())
            n = len(values)
            mark = f"${n}" if driver == "pg" else f":p{n}" if driver == "sequelize" else "?"
            if text.endswith(("'", '"')) and after.startswith(("'", '"')):
                text, after = text[:-1], after[1:]
            text += mark + after
        if driver == "prisma":
            return f"use the tagged form: $queryRaw`{tmpl.text[1:-1]}` (values become parameters)"
        if sink.endswith("Unsafe"):
            return f'{sink}("{text}", {", ".join(values)})'
        if driver == "sequelize":
            binds = ", ".join(f"p{i}: {v}" for i, v in enumerate(values, 1))
            return f'{sink}("{text}", {{ replacements: {{ {binds} }} }})'
        return f'{sink}("{text}", [{", ".join(values)}])'
    mark = "$1" if driver == "pg" else "?"
    return (
        f'keep the SQL constant and pass values separately: {sink}("... WHERE id = {mark}", [id])'
    )

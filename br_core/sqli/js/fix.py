"""Parameterized rewrites for JavaScript/TypeScript findings, in the library's own style."""

from __future__ import annotations

import re
from collections.abc import Sequence

from br_core.sqli.js.tokens import Tok

# (a word each match holds, looked for first: a search for it is 20 times quicker than the regex)
_DRIVERS = (
    (("@prisma/client",), re.compile(r"['\"]@prisma/client['\"]"), "prisma"),
    (
        ("pg", "postgres", "serverless"),
        re.compile(
            r"['\"](?:pg|pg-promise|postgres|@vercel/postgres|@neondatabase/serverless)['\"]"
        ),
        "pg",
    ),
    (("sequelize",), re.compile(r"['\"]sequelize['\"]"), "sequelize"),
    (("knex",), re.compile(r"['\"]knex['\"]"), "knex"),
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
    for words, pattern, name in _DRIVERS:
        if any(word in src for word in words) and pattern.search(src):
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
        if driver == "prisma":
            return f"use the tagged form: $queryRaw`{tmpl.text[1:-1]}` (values become parameters)"
        text, values, kept = _bind(tmpl.parts, tmpl.exprs, untrusted, driver)
        # a trusted `${x}` stays interpolated, so the SQL stays a template literal
        sql = f"`{text}`" if kept else '"' + text.replace('"', '\\"') + '"'
        if sink.endswith("Unsafe"):
            return f"{sink}({sql}, {', '.join(values)})"
        if driver == "sequelize":
            binds = ", ".join(f"p{i}: {v}" for i, v in enumerate(values, 1))
            return f"{sink}({sql}, {{ replacements: {{ {binds} }} }})"
        return f"{sink}({sql}, [{', '.join(values)}])"
    mark = "$1" if driver == "pg" else "?"
    return (
        f'keep the SQL constant and pass values separately: {sink}("... WHERE id = {mark}", [id])'
    )


def _mark(driver: str, n: int) -> str:
    return f"${n}" if driver == "pg" else f":p{n}" if driver == "sequelize" else "?"


def _bind(
    parts: Sequence[str], exprs: Sequence[str], untrusted: list[bool], driver: str
) -> tuple[str, list[str], bool]:
    """The template's SQL with placeholders, the bound values, and whether a trusted `${}` was
    kept. A value inside a quoted SQL literal takes the literal with it: `'%${q}%'` becomes a
    placeholder bound to `` `%${q}%` `` (a placeholder inside quotes would be text)."""
    text, values, kept = "", [], False
    literal: list[str] | None = None  # the open '...' literal's template source, when in one
    has_value = False
    for j, part in enumerate(parts):
        i = 0
        while i < len(part):
            quote = part.find("'", i)
            if literal is None:
                if quote < 0:
                    text += part[i:]
                    break
                text += part[i:quote]
                literal, has_value, i = [], False, quote + 1
                continue
            if quote < 0:
                literal.append(part[i:])
                break
            literal.append(part[i:quote])
            if has_value:
                values.append("`" + "".join(literal) + "`")
                text += _mark(driver, len(values))
            else:
                text += "'" + "".join(literal) + "'"
                kept = kept or "${" in "".join(literal)
            literal, i = None, quote + 1
        if j >= len(exprs):
            break
        expr = exprs[j].strip()
        if literal is not None:
            literal.append("${" + expr + "}")
            has_value = has_value or untrusted[j]
        elif untrusted[j]:
            values.append(expr)
            text += _mark(driver, len(values))
        else:
            text += "${" + expr + "}"
            kept = True
    if literal is not None:  # an unclosed literal: keep it as written
        text += "'" + "".join(literal)
        kept = kept or "${" in "".join(literal)
    values = [v[3:-2] if v.startswith("`${") and v.endswith("}`") and v.count("${") == 1 else v
              for v in values]  # fmt: skip
    return text, values, kept

"""pg-format for the JS/TS SQL-injection check (issue 17): which arguments a format string
quotes.

`format('SELECT * FROM %I WHERE name = %L', table, name)` quotes both values (`%I` as an
identifier, `%L` as a literal), so neither can change the statement; `%s` splices its argument
as written, which is injection when the argument is untrusted. `format.withArray(fmt, [a, b])`
takes the same arguments as one array. Only names bound to the module count
(`const format = require('pg-format')`, `import pgFormat from 'pg-format'`): another `format`
(util's, a date library's) is not this one.
"""

from __future__ import annotations

import re

from br_core.sqli.js.scope import Index

_IMPORT = re.compile(
    r"\b(?:(?:const|let|var)\s+(?P<required>[\w$]+)\s*=\s*require\(\s*"
    r"|import\s+(?:\*\s+as\s+)?(?P<imported>[\w$]+)\s+from\s+)['\"]pg-format['\"]"
)
# `%%` is a literal percent; `%2$L` names its argument; `%I`, `%L`, `%s` take the next one
_SPEC = re.compile(r"%(?:%|(?:(?P<n>\d+)\$)?(?P<kind>[ILs]))")


def format_names(index: Index) -> set[str]:
    """The names this file binds to pg-format, once per file."""
    key = ("import", "pg-format")
    found = index.memo.get(key)
    if not isinstance(found, set):
        found = (
            {m.group("required") or m.group("imported") for m in _IMPORT.finditer(index.src)}
            if "pg-format" in index.src
            else set()
        )
        index.memo[key] = found
    return found


def raw_arguments(index: Index, fmt: str, count: int) -> list[bool]:
    """For each of `count` arguments after the format string: whether a `%s` splices it raw.
    An argument only `%I`/`%L` use is quoted; one no specifier uses is not in the text. A file
    that renames the specifiers (`format.config({ pattern })`) gets every argument raw."""
    if any(
        re.search(rf"\b{re.escape(name)}\s*\.\s*config\(", index.src)
        for name in format_names(index)
    ):
        return [True] * count
    raw = [False] * count
    position = 0
    for m in _SPEC.finditer(fmt):
        if m.group(0) == "%%":
            continue
        # pg-format: a numbered specifier sets the position the next plain one continues from
        n = int(m.group("n")) - 1 if m.group("n") else position
        position = n + 1
        if m.group("kind") == "s" and 0 <= n < count:
            raw[n] = True
    return raw

"""SQL written as a template: Jinja2 renders values into the text, JinjaSQL binds them.

- Jinja2 `template.render(team=t)` splices every value into the text it returns, exactly as
  `str.format` does: rendering a SQL template with untrusted values builds an injectable query.
  The template is known to be SQL when its text is in the file (`Template("SELECT ...")`,
  `env.from_string(...)`) or when the file it is loaded from is named as SQL
  (`env.get_template("by_team.sql.j2")`). Other templates (HTML pages) are left as they were.
- JinjaSQL `JinjaSql().prepare_query(template, data)` returns the template with a placeholder
  for each value and the values apart, to be bound by the driver: the query is as constant as
  the template. Its `sqlsafe` filter inlines a value raw, so a template using it is a splice.
"""

from __future__ import annotations

import ast
import re

from br_core.sqli.python.guards import last_name
from br_core.sqli.values import SAFE, Val, literal, merge, opaque, splice

_LOADERS = {"get_template", "select_template", "get_or_select_template"}
_INLINE = {"from_string", "Template"}
_SQL_FILE = re.compile(r"(?i)\.(?:sql|ddl|dml)(?:\.|$)")
# What a template file named as SQL is taken to hold: its text is not in this file.
_SQL_FILE_TEXT = "SELECT … FROM … (a SQL template file)"


def jinja_text(node: ast.expr, imports: dict[str, str]) -> str | None:
    """The text of the Jinja2 template `node` makes, when it is known to be SQL, else None."""
    if not any(origin.split(".")[0] == "jinja2" for origin in imports.values()):
        return None
    if not (isinstance(node, ast.Call) and node.args):
        return None
    first, short = node.args[0], last_name(node.func)
    if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
        return None
    if short in _LOADERS:
        return _SQL_FILE_TEXT if _SQL_FILE.search(first.value) else None
    return first.value if short in _INLINE else None


def rendered(text: str, args: list[Val], kwargs: list[Val], line: int) -> Val:
    """What `render(...)` returns: the template with every value spliced in."""
    values = [opaque(merge(v, v.elems)) if v.elems is not None else v for v in [*args, *kwargs]]
    return splice(".format", [literal(text), *values], line)


def jinjasql_prepared(receiver: ast.expr, imports: dict[str, str]) -> bool:
    """`receiver` is a JinjaSql object (or the call making one) of a file importing jinjasql."""
    if not any(origin.split(".")[0] == "jinjasql" for origin in imports.values()):
        return False
    return not isinstance(receiver, ast.Constant)


def prepared_query(template: Val, data: list[Val], line: int) -> Val:
    """`(query, params)` from `prepare_query(template, data)`: the query keeps the template's
    text with placeholders, unless `sqlsafe` inlines a value."""
    values = merge(SAFE, *(opaque(merge(d, d.elems)) if d.elems is not None else d for d in data))
    inlines = "sqlsafe" in template.text or template.suspect
    query = splice(".format", [template, values], line) if inlines else template
    return Val(items=(query, opaque(values)), elems=merge(query, opaque(values)))

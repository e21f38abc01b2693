"""A concrete parameterized rewrite for a Python finding, in the driver's placeholder style.

The rewrite is built from the expression that spliced the query: constant text stays, each
untrusted part becomes a placeholder (`?`, `%s`, `$1`, `:name`) and moves to the parameters.
Quotes around a value go too, since the driver quotes bound values itself. Identifiers (table and
column names) cannot be bound, so those parts get an allow-list hint instead.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

_IDENT_BEFORE = re.compile(
    r"(?is)(?:\bfrom|\bjoin|\binto|\bupdate|\btable|\bby|\bselect|\bexists|,|\.|\")\s*[`\"\[]?$"
)
_PERCENT = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?[sdifr]")
_BRACE = re.compile(r"\{(\w*)(?:![rsa])?(?::[^{}]*)?\}")

Piece = str | ast.expr


def suggest(
    sink: str, call: ast.Call, query: ast.expr, style: str, untrusted: Callable[[ast.expr], str]
) -> str:
    """The sink call rewritten with bound parameters, or advice when the shape is not simple."""
    pieces = _pieces(query)
    if pieces is None:
        return _generic(sink, style)
    text: list[str] = []
    params: list[ast.expr] = []
    idents: list[str] = []
    for piece in pieces:
        if isinstance(piece, str):
            text.append(piece)
            continue
        kind = untrusted(piece)
        if kind == "built":
            return _generic(sink, style)
        if not kind:
            text.append("{" + ast.unparse(piece) + "}")
            continue
        before = "".join(text)
        if _IDENT_BEFORE.search(before):
            idents.append(ast.unparse(piece))
            text.append("{" + ast.unparse(piece) + "}")
            continue
        if before.endswith(("'", '"')):
            text[-1] = text[-1][:-1]
            params.append(piece)
            text.append("\x00" + str(len(params)) + "\x00'")
        else:
            params.append(piece)
            text.append("\x00" + str(len(params)) + "\x00")
    if not params:
        return _identifier_advice(idents)
    sql = _close_quotes("".join(text))
    rendered = _render(sink, call, sql, params, style)
    if idents:
        rendered += "; " + _identifier_advice(idents)
    return rendered


def _pieces(node: ast.expr) -> list[Piece] | None:
    """The query as constant text and expressions, for f-strings, `+`, `%` and `.format`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        out: list[Piece] = []
        for value in node.values:
            if isinstance(value, ast.FormattedValue):
                out.append(value.value)
            elif isinstance(value, ast.Constant):
                out.append(str(value.value))
        return out
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _pieces(node.left), _pieces(node.right)
        left = left if left is not None else [node.left]
        right = right if right is not None else [node.right]
        return left + right
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        fmt = node.left
        if isinstance(fmt, ast.Constant) and isinstance(fmt.value, str):
            args = node.right.elts if isinstance(node.right, ast.Tuple) else [node.right]
            return _split(fmt.value, _PERCENT, args, node.right)
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
        and isinstance(node.func.value, ast.Constant)
        and isinstance(node.func.value.value, str)
    ):
        named = {kw.arg: kw.value for kw in node.keywords if kw.arg}
        return _split(node.func.value.value, _BRACE, list(node.args), named)
    return None


def _split(
    fmt: str, pattern: re.Pattern[str], args: list[ast.expr], named: object
) -> list[Piece] | None:
    out: list[Piece] = []
    last = 0
    index = 0
    for match in pattern.finditer(fmt):
        out.append(fmt[last : match.start()])
        key = match.group(1)
        if key and not key.isdigit():
            if isinstance(named, dict) and key in named:
                out.append(named[key])
            elif isinstance(named, ast.Dict):
                values = {
                    k.value: v
                    for k, v in zip(named.keys, named.values, strict=False)
                    if isinstance(k, ast.Constant)
                }
                if key not in values:
                    return None
                out.append(values[key])
            else:
                return None
        else:
            position = int(key) if key else index
            if position >= len(args):
                return None
            out.append(args[position])
            index += 1
        last = match.end()
    out.append(fmt[last:])
    return out


def _close_quotes(sql: str) -> str:
    """Drop the closing quote that matched an opening quote removed before a placeholder."""
    return re.sub(r"(\x00\d+\x00)'['\"]", r"\1", sql)


def _render(sink: str, call: ast.Call, sql: str, params: list[ast.expr], style: str) -> str:
    names = [_param_name(p, i) for i, p in enumerate(params, 1)]

    def placeholder(match: re.Match[str]) -> str:
        i = int(match.group(1))
        return {"qmark": "?", "numeric": f"${i}", "named": f":{names[i - 1]}"}.get(style, "%s")

    sql_text = " ".join(re.sub(r"\x00(\d+)\x00'?", placeholder, sql).split())
    quoted = '"' + sql_text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    literal = quoted if "{" not in sql_text else "f" + quoted
    values = [ast.unparse(p) for p in params]
    short = sink.split(".")[-1]
    if style == "named":
        bound = "{" + ", ".join(f'"{n}": {v}' for n, v in zip(names, values, strict=True)) + "}"
        if short in {"text", "literal_column"}:
            return f"{sink}({literal}).bindparams(**{bound})"
        return f"{sink}(text({literal}), {bound})"
    if style == "numeric":
        return f"{sink}({literal}, {', '.join(values)})"
    seq = "(" + ", ".join(values) + ("," if len(values) == 1 else "") + ")"
    if short in {"raw", "RawSQL"}:
        seq = "[" + ", ".join(values) + "]"
    if short in {"read_sql", "read_sql_query"}:
        return f"{sink}({literal}, con, params={seq})"
    return f"{sink}({literal}, {seq})"


def _param_name(node: ast.expr, index: int) -> str:
    text = ast.unparse(node)
    name = re.sub(r"\W+", "_", text.split("(")[-1].split("[")[-1]).strip("_").split("_")[-1]
    return name if name.isidentifier() and not name[0].isdigit() else f"p{index}"


def _identifier_advice(idents: list[str]) -> str:
    names = ", ".join(f"`{i}`" for i in idents)
    return (
        f"{names} names a table or column, which cannot be bound: check it against a fixed "
        "allow-list (`if x not in ALLOWED: raise ValueError`) or quote it with the driver "
        "(psycopg `sql.Identifier`)"
    )


def _generic(sink: str, style: str) -> str:
    example = {
        "qmark": f'{sink}("SELECT * FROM t WHERE name = ?", (name,))',
        "numeric": f'{sink}("SELECT * FROM t WHERE name = $1", name)',
        "named": f'{sink}(text("SELECT * FROM t WHERE name = :name"), {{"name": name}})',
    }.get(style, f'{sink}("SELECT * FROM t WHERE name = %s", (name,))')
    return f"keep the SQL constant and pass values as parameters, e.g. {example}"

"""A concrete parameterized rewrite for a Python finding, in the driver's placeholder style.

The rewrite is built from the expression that spliced the query: constant text stays, each
untrusted part becomes a placeholder (`?`, `%s`, `$1`, `:name`) and moves to the parameters.
A value inside a quoted SQL literal takes the whole literal with it: `LIKE '%{q}%'` becomes
`LIKE ?` with the parameter `f"%{q}%"` (a placeholder inside quotes is text, not a
placeholder, and the driver quotes bound values itself). Identifiers (table and column names)
cannot be bound, so those parts get an allow-list hint instead. Every rewrite this module can
produce is executed against a real driver in tests/sqli/test_sqli_fix_runs.py.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field

_IDENT_BEFORE = re.compile(
    r"(?is)(?:\bfrom|\bjoin|\binto|\bupdate|\btable|\bview|\bindex|\bby|\bselect|\bexists"
    r"|,|\.|\")\s*[`\"\[]?$"
)
# A value spliced straight after WHERE/AND/OR/ON/HAVING is a whole condition, not a value:
# binding it (`WHERE ?`) would run but compare nothing.
_CONDITION_BEFORE = re.compile(r"(?is)\b(?:where|and|or|on|having|not)\s*\(?\s*$")
# `%%` and `{{`/`}}` are escapes for one literal character: matched first, kept as text.
_PERCENT = re.compile(r"%%|%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?[sdifr]")
_BRACE = re.compile(r"\{\{|\}\}|\{(\w*)(?:![rsa])?(?::[^{}]*)?\}")
_ESCAPES = {"%%": "%", "{{": "{", "}}": "}"}

Piece = str | ast.expr


class _NotRunnable(Exception):
    """The query's shape leaves no rewrite that would run (e.g. a value in an unclosed quote)."""


@dataclass
class _Query:
    """The rewritten query as it is built: SQL segments, bound parameters, the open quote.

    A segment is ("text", s), ("expr", e) for a trusted value kept in an f-string, or
    ("param", i) for the i-th parameter's placeholder.
    """

    segments: list[tuple[str, object]] = field(default_factory=list)
    params: list[ast.expr] = field(default_factory=list)
    leads: list[ast.expr] = field(default_factory=list)  # names each parameter (named style)
    quoted: list[Piece] | None = None  # the open quoted literal's pieces, None when outside
    quoted_value: ast.expr | None = None  # its first untrusted value, if any

    def text(self, s: str) -> None:
        i = 0
        while i < len(s):
            if self.quoted is None:
                j = s.find("'", i)
                if j < 0:
                    self.segments.append(("text", s[i:]))
                    return
                self.segments.append(("text", s[i:j]))
                self.quoted, self.quoted_value = [], None
                i = j + 1
                continue
            j = s.find("'", i)
            if j < 0:
                self.quoted.append(s[i:])
                return
            if s[j + 1 : j + 2] == "'":  # '' is a quote inside an SQL literal
                self.quoted.append(s[i:j] + "'")
                i = j + 2
                continue
            self.quoted.append(s[i:j])
            self._close()
            i = j + 1

    def trusted(self, expr: ast.expr) -> None:
        if self.quoted is not None:
            self.quoted.append(expr)
        else:
            self.segments.append(("expr", expr))

    def value(self, expr: ast.expr) -> None:
        if self.quoted is not None:
            self.quoted.append(expr)
            self.quoted_value = self.quoted_value or expr
            return
        self.params.append(expr)
        self.leads.append(expr)
        self.segments.append(("param", len(self.params)))

    def sql_so_far(self) -> str:
        return "".join(v if isinstance(v, str) else "?" for _, v in self.segments)

    def finish(self) -> None:
        if self.quoted is not None:
            if self.quoted_value is not None:
                raise _NotRunnable  # the literal never closes in this expression
            self.segments.append(("text", "'"))
            self._flush_literal(self.quoted)

    def _close(self) -> None:
        pieces, lead = self.quoted or [], self.quoted_value
        self.quoted, self.quoted_value = None, None
        if lead is None:  # no untrusted value: the literal stays as it was
            self.segments.append(("text", "'"))
            self._flush_literal(pieces)
            self.segments.append(("text", "'"))
            return
        parts = [p for p in pieces if not (isinstance(p, str) and not p)]
        param = parts[0] if len(parts) == 1 and isinstance(parts[0], ast.expr) else _fstring(parts)
        self.params.append(param)
        self.leads.append(lead)
        self.segments.append(("param", len(self.params)))

    def _flush_literal(self, pieces: list[Piece]) -> None:
        for piece in pieces:
            if isinstance(piece, str):
                self.segments.append(("text", piece.replace("'", "''")))
            else:
                self.segments.append(("expr", piece))


def _fstring(parts: list[Piece]) -> ast.expr:
    values: list[ast.expr] = [
        ast.Constant(p) if isinstance(p, str) else ast.FormattedValue(p, -1, None) for p in parts
    ]
    return ast.JoinedStr(values)


def suggest(
    sink: str, call: ast.Call, query: ast.expr, style: str, untrusted: Callable[[ast.expr], str]
) -> str:
    """The sink call rewritten with bound parameters, or advice when the shape is not simple."""
    pieces = _pieces(query)
    if pieces is None:
        return _generic(sink, style)
    if _binds_already(sink, call):
        return (
            "keep the SQL constant: this call already passes parameters, so replace each spliced "
            f"value with a {_PLACEHOLDER.get(style, '%s')} placeholder and add the value to "
            "those parameters in placeholder order"
        )
    built = _Query()
    idents: list[str] = []
    try:
        for piece in pieces:
            if isinstance(piece, str):
                built.text(piece)
                continue
            kind = untrusted(piece)
            if kind == "built":
                return _generic(sink, style)
            if not kind:
                built.trusted(piece)
            elif built.quoted is None and _CONDITION_BEFORE.search(built.sql_so_far()):
                return _condition_advice(ast.unparse(piece))
            elif built.quoted is None and _IDENT_BEFORE.search(built.sql_so_far()):
                idents.append(ast.unparse(piece))
                built.trusted(piece)
            else:
                built.value(piece)
        built.finish()
    except _NotRunnable:
        return _generic(sink, style)
    if not built.params:
        return _identifier_advice(idents)
    short = sink.split(".")[-1]
    if short == "executescript":  # it binds nothing: the statement moves to execute()
        rendered = _render(sink[: -len(short)] + "execute", call, built, style)
        rendered += " (executescript cannot bind parameters)"
    else:
        rendered = _render(sink, call, built, style)
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
                if value.conversion != -1 or value.format_spec is not None:
                    return None  # `{v!r}` or `{v:>8}`: the value is not passed as it is
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
        last = match.end()
        if match.group(0) in _ESCAPES:
            out.append(_ESCAPES[match.group(0)])
            continue
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
    out.append(fmt[last:])
    return out


_PLACEHOLDER = {"qmark": "?", "numeric": "$1", "named": ":name"}
_PARAM_KEYWORDS = {"parameters", "params", "args", "vars", "seq_of_parameters"}


def _binds_already(sink: str, call: ast.Call) -> bool:
    """Does the call pass parameters of its own? A rewrite cannot know their order then."""
    short = sink.split(".")[-1]
    if any(kw.arg in _PARAM_KEYWORDS for kw in call.keywords):
        return True
    if short in {"read_sql", "read_sql_query", "text", "literal_column", "SQL"}:
        return False  # the second argument is the connection (pandas), or there is none
    return len(call.args) > 1 or short == "executemany"


def _connection_arg(call: ast.Call) -> str:
    """pandas' `con`: the call's own argument when it passes one."""
    if len(call.args) > 1:
        return ast.unparse(call.args[1])
    found = [kw.value for kw in call.keywords if kw.arg == "con"]
    return ast.unparse(found[0]) if found else "con"


def _render(sink: str, call: ast.Call, built: _Query, style: str) -> str:
    names = _unique([_param_name(p, i) for i, p in enumerate(built.leads, 1)])
    fstring = any(kind == "expr" for kind, _ in built.segments)
    sql = ""
    for kind, value in built.segments:
        if kind == "param":
            assert isinstance(value, int)
            sql += {"qmark": "?", "numeric": f"${value}", "named": f":{names[value - 1]}"}.get(
                style, "%s"
            )
        elif kind == "expr":
            assert isinstance(value, ast.expr)
            sql += "{" + ast.unparse(value) + "}"
        else:
            text = str(value)
            if style == "format":
                text = text.replace("%", "%%")  # with parameters, format-style drivers read %%
            if fstring:
                text = text.replace("{", "{{").replace("}", "}}")
            sql += text
    sql_text = " ".join(sql.split())
    quoted = '"' + sql_text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    literal = "f" + quoted if fstring else quoted
    values = [_source(p) for p in built.params]
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
        return f"{sink}({literal}, {_connection_arg(call)}, params={seq})"
    return f"{sink}({literal}, {seq})"


def _unique(names: list[str]) -> list[str]:
    """`:name` placeholders must differ: a repeated name gets a number."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}_{seen[name]}")
    return out


def _source(node: ast.expr) -> str:
    """`ast.unparse(node)`; a bare name (most spliced values) is its own text, without the
    unparser object `ast.unparse` makes for every call (one or two per finding)."""
    return node.id if type(node) is ast.Name else ast.unparse(node)


def _param_name(node: ast.expr, index: int) -> str:
    text = _source(node)
    name = re.sub(r"\W+", "_", text.split("(")[-1].split("[")[-1]).strip("_").split("_")[-1]
    return name if name.isidentifier() and not name[0].isdigit() else f"p{index}"


def _identifier_advice(idents: list[str]) -> str:
    names = ", ".join(f"`{i}`" for i in idents)
    return (
        f"{names} names a table or column, which cannot be bound: check it against a fixed "
        "allow-list (`if x not in ALLOWED: raise ValueError`) or quote it with the driver "
        "(psycopg `sql.Identifier`)"
    )


def _condition_advice(condition: str) -> str:
    return (
        f"`{condition}` is a whole SQL condition, which cannot be bound: build the condition "
        "from fixed column names and operators in the code and pass only its values as "
        "parameters (`WHERE status = ?`)"
    )


def _generic(sink: str, style: str) -> str:
    example = {
        "qmark": f'{sink}("SELECT * FROM t WHERE name = ?", (name,))',
        "numeric": f'{sink}("SELECT * FROM t WHERE name = $1", name)',
        "named": f'{sink}(text("SELECT * FROM t WHERE name = :name"), {{"name": name}})',
    }.get(style, f'{sink}("SELECT * FROM t WHERE name = %s", (name,))')
    return f"keep the SQL constant and pass values as parameters, e.g. {example}"

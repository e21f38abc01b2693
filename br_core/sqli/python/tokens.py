"""Token-level SQL-injection check for Python files the running interpreter cannot parse.

Used, with a notice, for files such as Python 3.12 f-strings that reuse the outer quote
(`f"{row["id"]}"`) under 3.11. Without an AST there is no def-use: a field or operand counts as
untrusted unless it is a literal, a number, a name the file binds only to a literal, or wrapped
in `int()`/`float()`/`bool()`. Strings are scanned by hand so nested 3.12 quotes do not derail.
"""

from __future__ import annotations

import bisect
import re

from br_core.sqli.values import RawFinding, looks_like_sql

_SINK = re.compile(
    r"(?:\.(?P<m>execute|executemany|executescript|exec_driver_sql|fetch|fetchrow|fetchval|raw"
    r"|read_sql|read_sql_query)|\b(?P<f>text|RawSQL|SQL|read_sql|read_sql_query))\s*\("
)
_ASSIGN = re.compile(r"^\s*(?P<name>[A-Za-z_]\w*)\s*(?P<op>\+?=)\s*(?P<rhs>.*)$")
_CONST_ASSIGN = re.compile(
    r"^\s*(?P<name>[A-Za-z_]\w*)\s*(?::\s*[\w\[\], ]+)?=\s*(?:[rRbBuU]?(['\"]).*\2|-?\d[\d_.]*"
    r"|True|False|None|\(\s*(?:['\"][^'\"]*['\"]\s*(?:,\s*)?)*\)|\[\s*(?:['\"][^'\"]*['\"]\s*(?:,\s*)?)*\])\s*$"
)
_PREFIX = re.compile(r"(?i)(?<![\w])([rbuf]{0,2})(['\"])")
_SAFE_FIELD = re.compile(
    r"^\s*(?:int|float|bool|len|round|abs)\s*\(|^\s*-?\d+\s*$|:[<>^]?\d*[df]\s*$"
)
_IDENT = re.compile(r"[A-Za-z_]\w*")
_KEYWORDS = {"for", "in", "if", "else", "and", "or", "not", "is", "None", "True", "False", "join"}


def _scan_string(text: str, i: int) -> tuple[int, str, list[str]] | None:
    """At a string literal: (end, literal text, f-string field expressions)."""
    m = _PREFIX.match(text, i)
    if not m:
        return None
    prefix, quote = m.group(1).lower(), m.group(2)
    j = m.end()
    if text.startswith(quote * 3, j - 1):
        quote, j = quote * 3, j + 2
    literal: list[str] = []
    fields: list[str] = []
    fstring = "f" in prefix
    while j < len(text):
        if text.startswith(quote, j):
            return j + len(quote), "".join(literal), fields
        ch = text[j]
        if ch == "\\" and "r" not in prefix:
            literal.append(text[j : j + 2])
            j += 2
            continue
        if fstring and ch == "{":
            if text.startswith("{{", j):
                literal.append("{")
                j += 2
                continue
            depth, k = 1, j + 1
            while k < len(text) and depth:
                depth += {"{": 1, "}": -1}.get(text[k], 0)
                k += 1
            fields.append(text[j + 1 : k - 1])
            j = k
            continue
        if ch == "\n" and len(quote) == 1:
            break
        # ch and the plain characters after it, at once (a run stops at every character the
        # loop treats specially: quotes, backslash, braces, newline)
        k = _PLAIN.match(text, j + 1).end()  # type: ignore[union-attr]
        literal.append(text[j:k])
        j = k
    return None


_PLAIN = re.compile(r"[^'\"\\{}\n]*")


def _untrusted(expr: str, constants: set[str]) -> str | None:
    """The first name in `expr` that is not a known constant, unless `expr` is coerced."""
    if _SAFE_FIELD.search(expr):
        return None
    stripped = _QUOTED.sub("", expr)
    names: list[str] = _IDENT.findall(stripped)
    return next(
        (n for n in names if n not in constants and n not in _KEYWORDS and not n.isupper()), None
    )


def _built(arg: str, constants: set[str]) -> tuple[str, str, str] | None:
    """(how, untrusted name, sql text) when `arg` splices a non-constant into SQL text."""
    pos = 0
    literal_text: list[str] = []
    how, culprit = "", ""
    while (start := _STRING_OPENER.search(arg, pos)) is not None:
        pos = start.start()  # nothing before it can open a literal
        if pos and (arg[pos - 1].isalnum() or arg[pos - 1] == "_"):
            pos += 1  # inside a word (`execute`): not a literal's prefix
            continue
        scanned = _scan_string(arg, pos)
        if scanned is None:
            pos += 1
            continue
        end, text, fields = scanned
        literal_text.append(text)
        for expr in fields:
            name = _untrusted(expr.split("!")[0] if ":" not in expr else expr, constants)
            if name and not culprit:
                how, culprit = "f-string", name
        pos = end
    rest = _QUOTED.sub("''", arg)
    for op, pattern in _SPLICES:
        m = pattern.search(rest)
        if m and not culprit:
            name = _untrusted(m.group(1), constants)
            if name:
                how, culprit = op, name
    sql = " ".join(literal_text)
    return (how, culprit, sql) if culprit and looks_like_sql(sql) else None


_STRING_OPENER = re.compile(r"['\"]|[fFrRbBuU]{1,2}['\"]")  # a quote, or a prefix and a quote
_QUOTED = re.compile(r"(['\"]).*?\1")
_SPLICES = (
    ("%", re.compile(r"%\s*\(?([^)]*)")),
    (".format", re.compile(r"\.format\((.*)")),
    ("+", re.compile(r"\+\s*(.+)")),
)
_ARGS_MAX = 20_000  # a call's first argument is read this far at most


_BRACKET_OR_QUOTE = re.compile(r"['\"()]")


def _closers(text: str) -> dict[int, int]:
    """Each `(` outside a string literal, mapped to its `)` in one pass over `text`. A `(` that
    never closes maps to where the next such `(` opens (or the end): its arguments run to the
    end of the file, and reading them again for every unclosed sink was quadratic."""
    ends: dict[int, int] = {}
    stack: list[int] = []
    i, n = 0, len(text)
    while True:
        found = _BRACKET_OR_QUOTE.search(text, i)  # every other character is stepped over
        if found is None:
            break
        i = found.start()
        ch = text[i]
        if ch in "'\"":
            scanned = _scan_string(text, i)
            if scanned:
                i = scanned[0]
                continue
        elif ch == "(":
            stack.append(i)
        elif ch == ")" and stack:
            ends[stack.pop()] = i
        i += 1
    for here, after in zip(stack, [*stack[1:], n], strict=False):
        ends[here] = after
    return ends


def _call_args(text: str, start: int, ends: dict[int, int]) -> str:
    """The first argument of the call whose `(` is at `start - 1`; empty for a `(` inside a
    string literal (the text of a string, not a call)."""
    args = text[start : min(ends.get(start - 1, start), start + _ARGS_MAX)]
    if "," not in args:
        return args
    depth = 0
    for m in _COMMA_OR_BRACKET.finditer(args):  # first top-level argument only
        ch = m.group()
        if ch == "," and depth == 0:
            return args[: m.start()]
        depth += _DEPTH.get(ch, 0)
    return args


_COMMA_OR_BRACKET = re.compile(r"[,()\[\]{}]")
_DEPTH = {"(": 1, "[": 1, "{": 1, ")": -1, "]": -1, "}": -1}


def analyze_tokens(source: str) -> list[RawFinding]:
    """Findings from a line- and token-level reading of Python `source`."""
    lines = source.splitlines()
    constants = {m.group("name") for line in lines if (m := _CONST_ASSIGN.match(line))}
    built_names: dict[str, tuple[str, str, str]] = {}
    for line in lines:
        m = _ASSIGN.match(line)
        if m and m.group("name") not in constants:
            found = _built(m.group("rhs"), constants)
            if found:
                built_names[m.group("name")] = found
    offsets = [0]
    for text_line in lines:
        offsets.append(offsets[-1] + len(text_line) + 1)
    text = "\n".join(lines)
    findings: list[RawFinding] = []
    ends = _closers(text)
    for m in _SINK.finditer(text):
        arg = _call_args(text, m.end(), ends).strip()
        found = _built(arg, constants) or built_names.get(arg)
        if not found:
            continue
        line_no = bisect.bisect_right(offsets, m.start())  # a scan per sink was quadratic
        sink = m.group("m") or m.group("f") or "execute"
        how, culprit, _ = found
        findings.append(
            RawFinding(
                line=line_no,
                end_line=line_no,
                rule="sqli-py-token",
                sink=sink,
                source=f"`{culprit}` (not a literal)",
                how=how,
                fix=f"keep the SQL constant and pass `{culprit}` as a bound parameter "
                "(`?` sqlite3, `%s` psycopg/mysql, `$1` asyncpg, `:name` SQLAlchemy text())",
            )
        )
    return findings

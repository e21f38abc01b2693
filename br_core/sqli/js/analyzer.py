"""JavaScript/TypeScript SQL-injection check over tokens (no JS parser in the standard library).

Sinks: `query/execute/raw` on drivers and query builders, Prisma `$queryRawUnsafe`/
`$executeRawUnsafe`, `sequelize.query`, knex `raw`/`whereRaw`/..., sqlite `run/all/get/exec`.
The first argument is resolved through `const/let/var` declarations, `+=` and `.push()` earlier
in the file. Untagged template literals with `${}` and `+` concatenation are *built*; tagged
templates (sql`...`, Prisma.sql`...`) and parameter arrays are safe. A spliced part is untrusted
unless it is a literal, a constant bound to literals, a number (`Number()`, `parseInt()`,
`.length`), escaped (`escape()`, `escapeId()`), an allow-listed value, or a placeholder list.
"""

from __future__ import annotations

import re
from itertools import chain

from br_core.sqli.collector import collector_paused
from br_core.sqli.js.expressions import evaluate, expr_tokens, template_values
from br_core.sqli.js.fix import driver_of, fix_for
from br_core.sqli.js.fold import dead_at
from br_core.sqli.js.names import member
from br_core.sqli.js.pgformat import format_names
from br_core.sqli.js.scope import Ctx, Index
from br_core.sqli.js.sources import from_source, request_itself
from br_core.sqli.js.tokens import Tok, closers, split_top, tokenize, until_close
from br_core.sqli.values import RawFinding, Val, looks_like_clause, looks_like_sql

_UNSAFE = {
    "$queryRawUnsafe", "$executeRawUnsafe", "raw", "whereRaw", "havingRaw", "orderByRaw",
    "joinRaw", "fromRaw", "selectRaw", "groupByRaw", "unsafe", "literal", "executescript",
}  # fmt: skip
# TypeORM's query builder pastes these arguments into the SQL as written (no quoting).
_BUILDER_RAW = {"orderBy", "addOrderBy", "groupBy", "addGroupBy", "select", "addSelect"}
_GENERIC = {
    "query", "execute", "run", "all", "get", "exec", "each", "prepare", "sql", "one", "many",
    "none", "any", "oneOrNone", "manyOrNone", "result",
}  # fmt: skip
_DB_RECEIVER = re.compile(
    r"(?i)(?:db|pool|conn|connection|client|sequelize|knex|prisma|sql|database|tx|trx|pg|mysql)$"
)
_PREFILTER = re.compile(
    r"(?i)\b(?:select|insert|update|delete|drop|create|alter|truncate|pragma)\b|Raw\w*\(|\.raw\("
    r"|\.unsafe\(|createQueryBuilder|\bliteral\(|\.(?:query|execute|where|andWhere|orWhere|having)\("
)
_CLAUSE = {"where", "andWhere", "orWhere", "having", "andHaving", "orHaving"}
# Sinks whose argument is a sort or group key pasted in as written: callers take that key from
# the request (`?sort=`), so an unknown value passed whole is as untrusted as one spliced in.
# A `whereRaw(cond, bindings)` fragment passed whole is usually SQL built elsewhere with binds.
_KEY_SINKS = {"orderByRaw", "groupByRaw", "orderBy", "addOrderBy", "groupBy", "addGroupBy"}
_SINK_NAMES = _UNSAFE | _BUILDER_RAW | _GENERIC | _CLAUSE  # what a sink's name may be


def _passed_in(taint: str | None) -> bool:
    """The value is the request's or the caller's as given (a known source, a parameter), not
    the result of the file's own code: a helper that returns a sort key (`this.orderToString(
    order)`) normally maps the caller's choice onto fixed columns."""
    return taint is not None and (from_source(taint) or taint.startswith("parameter `"))


def _config_variable(ctx: Ctx, name: str) -> Val | None:
    """`const query = { name: 'q', text: "… " + x }; pool.query(query)`: the SQL under the
    config object's `text` (pg) or `sql` (mysql) key, when built."""
    for key in ("text", "sql"):
        val = member(evaluate, ctx, name, [key], 0)
        if val is not None and val.built:
            return val
    return None


_DB_MODULES = r"sequelize|knex|typeorm|@prisma/client|postgres|pg|mysql2?|better-sqlite3|sqlite3?"
_NAMED_IMPORT = re.compile(
    r"\b(?:const|let|var|import)\s*(?:type\s*)?\{(?P<names>[^{}]*)\}\s*(?:=\s*require\(\s*|from\s+)"
    rf"['\"](?:{_DB_MODULES})(?:/[\w/]*)?['\"]"
)


def _imported(index: Index) -> set[str]:
    """Names this file takes by name from a database library (`const { literal } =
    require('sequelize')`): a bare call to one of them is that library's call."""
    key = ("import", "db names")
    if key not in index.memo:
        names: set[str] = set()
        for m in _NAMED_IMPORT.finditer(index.src):
            for part in m.group("names").split(","):
                original = re.split(r"\s*(?::|\bas\b)\s*", part.strip())[0]
                names.add(original.strip())
        index.memo[key] = names
    found = index.memo[key]
    assert isinstance(found, set)
    return found


def _config_text(arg: list[Tok]) -> list[Tok]:
    """pg's `query({ text: ..., values })` and mysql's `query({ sql: ... })`: the SQL is a key."""
    if len(arg) < 2 or arg[0].text != "{" or arg[-1].text != "}":
        return arg
    for part in split_top(arg[1:-1], {","}):
        if len(part) > 2 and part[0].text in {"text", "sql"} and part[1].text == ":":
            return part[2:]
    return arg


def analyze_js(src: str) -> list[RawFinding]:
    """Findings for JavaScript or TypeScript source."""
    if not _PREFILTER.search(src):
        return []  # no call that could run SQL anywhere in the file
    with collector_paused():
        return _analyze(src)


def _analyze(src: str) -> list[RawFinding]:
    toks = tokenize(src)
    index = Index(src, toks)
    driver = driver_of(src)
    unsafe = _UNSAFE | _BUILDER_RAW if "createQueryBuilder" in src else _UNSAFE
    findings: list[RawFinding] = []
    streams = [toks]
    while streams:  # the file's tokens, then those inside each template's `${...}`
        stream = streams.pop()
        for tok in index.templates if stream is toks else stream:
            if tok.kind == "tmpl" and tok.exprs:
                ctx = Ctx(src, toks, tok.pos, index)
                streams.extend(expr_tokens(ctx, tok, j) for j in range(len(tok.exprs)))
        findings.extend(_scan_stream(index, stream, driver, unsafe))
    return sorted(findings, key=lambda f: f.line)


def _sink_names(index: Index, stream: list[Tok]) -> list[int]:
    """Where in `stream` (its last token aside) a name a sink may have occurs, in order. For
    the file's own tokens these come from the index, not from a walk over every token."""
    last = len(stream) - 1
    if stream is index.toks:
        where = index.where
        found = sorted(chain.from_iterable(where[name] for name in _SINK_NAMES if name in where))
        return [k for k in found if k < last]
    return [
        k
        for k, tok in enumerate(stream)
        if k < last and tok.kind == "ident" and tok.text in _SINK_NAMES
    ]


_TYPE_ARGS = 64  # tokens a TypeScript type argument list is read for, at most
_ANGLES = {"<": 1, ">": -1, ">>": -2, ">>>": -3}
# operators of expressions that no type argument list holds (types join with `|` and `&`)
_NOT_IN_TYPES = frozenset(
    {";", ")", "]", "}", "=", "=>", "&&", "||", "??", "==", "===", "!=", "!==", "<=", ">="}
    | {"+", "-", "*", "/", "%", "!"}
)


def _call_paren(stream: list[Tok], i: int, ends: list[int]) -> int:
    """Where the `(` of a call whose name ends just before `i` stands: at `i`, or after
    TypeScript type arguments (`prisma.$queryRawUnsafe<Row[]>(sql)`); -1 when no call."""
    if stream[i].text == "(":
        return i
    if stream[i].text != "<":
        return -1
    depth, k, stop = 0, i, min(len(stream), i + _TYPE_ARGS)
    while k < stop:
        text = stream[k].text
        if text in {"(", "[", "{"} and ends[k] > k:
            k = ends[k]  # `{ id: number }[]`: an object or tuple type, skipped whole
        elif text in _NOT_IN_TYPES or stream[k].kind in {"str", "tmpl"}:
            return -1  # not a type: a comparison (`a.get < b && c > (d)`), a statement's end
        elif stream[k].kind == "punct" and text in _ANGLES:
            depth += _ANGLES[text]
            if depth <= 0:
                called = depth == 0 and k + 1 < len(stream) and stream[k + 1].text == "("
                return k + 1 if called else -1
        k += 1
    return -1


_RULES = {"template": "sqli-js-template", "join": "sqli-js-join", "raw": "sqli-js-raw"}


def _scan_stream(
    index: Index, stream: list[Tok], driver: str, unsafe: set[str]
) -> list[RawFinding]:
    src, toks = index.src, index.toks
    findings: list[RawFinding] = []
    ends = index.ends if stream is toks else closers(stream)  # one pass: no call is re-read
    for k in _sink_names(index, stream):
        tok = stream[k]
        call = _call_paren(stream, k + 1, ends)
        if call < 0 or dead_at(index, tok.pos):
            continue
        name = tok.text
        method = k > 0 and stream[k - 1].text in {".", "?."}
        clause = method and name in _CLAUSE
        bare = not method and name in unsafe and name in _imported(index)
        if not (name in unsafe and (method or bare or name.startswith("$"))) and not (
            method and (name in _GENERIC or clause)
        ):
            continue
        if method and k >= 2 and stream[k - 2].text in format_names(index):
            continue  # pg-format's `format.literal(x)` quotes; it is not Sequelize's literal
        args = split_top(until_close(stream, call + 1, ends), {","})
        if not args or not args[0]:
            continue
        args[0] = _config_text(args[0])
        ctx = Ctx(src, toks, tok.pos, index)
        val = evaluate(ctx, args[0])
        if not val.built and len(args[0]) == 1 and args[0][0].kind == "ident":
            val = _config_variable(ctx, args[0][0].text) or val
        receiver = stream[k - 2].text if method and k >= 2 else ""
        if val.taint and not val.built and request_itself(val.taint):
            if (not _DB_RECEIVER.search(receiver) and name not in unsafe) or clause:
                continue
            val = Val(taint=val.taint, built="raw", text="SELECT * FROM t")  # client-written SQL
        elif not val.built and name in unsafe and name in _KEY_SINKS and _passed_in(val.taint):
            val = Val(taint=val.taint, built="raw", text="ORDER BY key")  # the whole sort key
        if not (val.taint and val.built):
            continue
        shaped = looks_like_clause(val.text) if clause else looks_like_sql(val.text)
        if name not in unsafe and not shaped:
            continue
        sink = f"{receiver}.{name}" if receiver else name
        rule = _RULES.get(val.built or "", "sqli-js-concat")
        tmpl = args[0][0] if len(args[0]) == 1 and args[0][0].kind == "tmpl" else None
        untrusted = (
            [bool(v.taint) for v in template_values(ctx, tmpl, 1)] if tmpl is not None else []
        )
        fix = fix_for(sink, args[0], driver, untrusted)
        # high: traced to a known source; medium: a parameter, a name the file never defines,
        # an imported value or another module's result, not provably constant (issue 17)
        confidence = "high" if from_source(val.taint) else "medium"
        findings.append(
            RawFinding(tok.line, tok.line, rule, sink, val.taint, val.built, fix, confidence)
        )
    return findings

"""Units behind js_validation.cases (issue 17, blind23's false alarms): a later spread
that surely writes a field replaces it (names.py), a helper's returned object read by field
name, a `return` that opens a body read with the function's parameters bound, allow-list
predicates in a ternary (predicates.py), NestJS converting pipes (pipes.py) and decorated
parameters (bindings.py)."""

from __future__ import annotations

import pytest

from br_core.sqli.js.analyzer import analyze_js
from br_core.sqli.js.bindings import _param_names
from br_core.sqli.js.expressions import evaluate
from br_core.sqli.js.pipes import converted_parameter
from br_core.sqli.js.predicates import allow_predicate
from br_core.sqli.js.scope import Ctx, Index
from br_core.sqli.js.tokens import tokenize
from br_core.sqli.values import Val


def _ctx(src: str, before: str) -> Ctx:
    toks = tokenize(src)
    return Ctx(src, toks, src.index(before), Index(src, toks))


def _val(src: str, expr: str) -> Val:
    """The value of `expr` as written at its last occurrence in `src` (the sink's line)."""
    ctx = _ctx(src, "SINK")
    at = src.rindex(expr)
    toks = [t for t in ctx.toks if at <= t.pos < at + len(expr)]
    return evaluate(ctx, toks)


def _value(src: str, expr: str) -> str | None:
    return _val(src, expr).taint


_SPREAD = "const D = { sort: 'id' };\nfunction h(req) {\n  const o = { %s };\n  SINK(o.sort);\n}\n"


@pytest.mark.parametrize(
    ("entries", "tainted"),
    [
        ("...req.query, ...D", False),  # the constant names `sort` and comes last
        ("...D, ...req.query", True),
        ("...req.query, ...{ sort: 'id' }", False),
        ("...req.query, ...{ limit: 5 }", True),  # says nothing of `sort`
        ("...req.query, ...D, ...req.body", True),
        ("sort: 'x', ...req.query", True),
    ],
)
def test_later_spread_replaces_field(entries: str, tainted: bool) -> None:
    assert bool(_value(_SPREAD % entries, "o.sort")) is tainted


def test_spread_of_a_constant_a_delete_may_empty_is_not_trusted() -> None:
    src = _SPREAD % "...req.query, ...D"
    src = src.replace("function h", "if (x) delete D.sort;\nfunction h")
    assert _value(src, "o.sort")


_HELPER = (
    "function where(col, v) {\n  return { clause: `${col} = $1`, values: [v] };\n}\n"
    "function h(req) {\n  const w = where(%s, req.query.v);\n  SINK(w.clause, w.values);\n}\n"
)


@pytest.mark.parametrize(("column", "tainted"), [("'owner'", False), ("req.query.c", True)])
def test_helper_object_read_by_field(column: str, tainted: bool) -> None:
    src = _HELPER % column
    assert bool(_value(src, "w.clause")) is tainted
    values = _val(src, "w.values").elems  # the values array holds the request either way
    assert values is not None and values.taint


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        (
            "const S = ['a', 'b'] as const;\nfunction isS(v: unknown): v is S {\n"
            "  return typeof v === 'string' && (S as readonly string[]).includes(v);\n}\n",
            True,
        ),
        (
            "const S = ['a'];\nconst isS = (v: unknown): v is string => S.includes(v as string);\n",
            False,
        ),  # the value tested is `v as string`, not the parameter as written
        ("const S = new Set(['a']);\nconst isS = (v) => S.has(v);\n", True),
        (
            "const S = ['a'];\nfunction isS(v) {\n  return S.includes(v) || v.length < 3;\n}\n",
            False,
        ),
        ("function isS(v, list) {\n  return list.includes(v);\n}\n", False),  # not fixed
        (
            "const S = ['a'];\nfunction isS(v) {\n  log(v);\n  return S.includes(v);\n}\n",
            False,
        ),  # more than one statement
    ],
)
def test_allow_predicate(src: str, expected: bool) -> None:
    assert allow_predicate(_ctx(src + "SINK", "SINK"), "isS") is expected


def test_predicate_in_ternary_checks_only_its_argument() -> None:
    src = (
        "const S = ['a', 'b'];\nfunction isS(v) { return S.includes(v); }\n"
        "function h(req) {\n  const a = isS(req.query.s) ? req.query.s : 'a';\n"
        "  const b = isS(req.query.s) ? req.query.t : 'a';\n  SINK(a, b);\n}\n"
    )
    assert not _value(src, "a")
    assert _value(src, "b")


@pytest.mark.parametrize(
    ("decorator", "expected"),
    [
        ("@Param('id', ParseIntPipe)", True),
        (
            "@Query('id', new DefaultValuePipe(1), new ParseIntPipe({ errorHttpStatusCode: 400 }))",
            True,
        ),
        ("@Param('id', new ParseEnumPipe(Kind))", True),
        ("@Param('id')", False),
        ("@Param('id', ParseIntPipe, TrimPipe)", False),  # the last pipe may return text
        ("@Param('id', new DefaultValuePipe(1))", False),
    ],
)
def test_converted_parameter(decorator: str, expected: bool) -> None:
    src = f"class C {{\n  one({decorator} id: number) {{\n    SINK(id);\n  }}\n}}\n"
    src = "import { ParseIntPipe } from '@nestjs/common';\n" + src
    assert converted_parameter(_ctx(src, "SINK"), "id") is expected


def test_converted_parameter_reassigned_is_not_trusted() -> None:
    src = (
        "import { ParseIntPipe } from '@nestjs/common';\nclass C {\n"
        "  one(@Param('id', ParseIntPipe) id: number, @Query('q') q: string) {\n"
        "    id = q as any;\n    SINK(id);\n  }\n}\n"
    )
    assert not converted_parameter(_ctx(src, "SINK"), "id")


def test_decorated_and_modified_parameters_are_bound() -> None:
    toks = tokenize(
        "@Param('id', ParseIntPipe) id: number, @Query() q?: string, private readonly db: Pool"
    )
    # (a decorator's own arguments may be read as names too: harmless, they are not read)
    assert {"id", "q", "db"} <= set(_param_names(toks))


def test_nest_handler_end_to_end() -> None:
    src = (
        "import { Controller, Get, Param, ParseIntPipe } from '@nestjs/common';\n"
        "@Controller('r')\nexport class R {\n  constructor(private readonly ds: DataSource) {}\n"
        "  @Get(':id')\n  one(@Param('id', ParseIntPipe) id: number, @Param('t') t: string) {\n"
        "    return this.ds.query(`SELECT * FROM review WHERE id = ${id}`);\n  }\n"
        "  two(@Param('t') t: string) {\n"
        "    return this.ds.query(`SELECT * FROM review WHERE t = '${t}'`);\n  }\n}\n"
    )
    assert [f.line for f in analyze_js(src)] == [10]

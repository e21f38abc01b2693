"""Units behind js_sources.cases (issue 17): a call on an upper-case name
(`new URL(req.url)`, `JSON.parse(text)`) is as untrusted as its arguments, what is read from a
value traced to a source keeps that source, and a sink called with TypeScript type arguments
(`prisma.$queryRawUnsafe<Row[]>(sql)`) is still a sink."""

from __future__ import annotations

import pytest

from br_core.sqli.js.analyzer import _call_paren, analyze_js
from br_core.sqli.js.scope import Index
from br_core.sqli.js.tokens import tokenize

_PARSE = ", through `parse()`"
_SINK = "  db.query(`SELECT a FROM t WHERE c = ${v.x}`);\n"


def _sources(src: str) -> list[tuple[str, str]]:
    return [(f.source, f.confidence) for f in analyze_js(src)]


@pytest.mark.parametrize(
    ("made", "expected"),
    [
        ("new URL(req.url, 'http://x')", "the web request (`req.url`), through `URL()`"),
        ("JSON.parse(process.argv[2])", "command-line arguments (`process.argv[2]`)" + _PARSE),
    ],
)
def test_call_on_an_upper_case_name_carries_its_arguments_source(made: str, expected: str) -> None:
    src = f"function h(req) {{\n  const v = {made};\n{_SINK}}}\n"
    assert _sources(src) == [(expected, "high")]


def test_read_through_a_method_of_a_traced_value_keeps_the_source() -> None:
    src = (
        "function h(req) {\n  const url = new URL(req.url);\n"
        "  const code = url.searchParams.get('c');\n"
        "  db.query(`SELECT a FROM t WHERE c = '${code}'`);\n}\n"
    )
    assert _sources(src) == [("the web request (`req.url`), through `URL()`", "high")]


@pytest.mark.parametrize(
    "made",
    ['JSON.parse(\'{"c": "name"}\')', "CONFIG", "URL_PREFIX"],
)
def test_upper_case_constants_and_their_calls_on_constants_stay_safe(made: str) -> None:
    src = f"const v = {made};\ndb.query(`SELECT ${{v.c}} FROM t`);\n"
    assert _sources(src) == []


@pytest.mark.parametrize(
    ("call", "opens"),
    [
        ("db.query(sql)", "("),
        ("prisma.$queryRawUnsafe<{ id: number }[]>(sql)", "("),
        ("pool.query<Array<Row>>(sql)", "("),
        ("pool.query<Map<string, Array<Row>>>(sql)", "("),
    ],
)
def test_call_paren_skips_type_arguments(call: str, opens: str) -> None:
    toks = tokenize(call)
    name = next(k for k, t in enumerate(toks) if t.text in {"query", "$queryRawUnsafe"})
    at = _call_paren(toks, name + 1, Index(call, toks).ends)
    assert at > name and toks[at].text == opens and toks[at + 1].text == "sql"


@pytest.mark.parametrize(
    "expr", ["q.query < limit && n > (limit)", "q.query < 3; f(x)", "q.query + 1"]
)
def test_call_paren_refuses_a_comparison(expr: str) -> None:
    toks = tokenize(expr + " ")
    at = _call_paren(toks, 3, Index(expr, toks).ends)
    assert at == -1


def test_sink_with_type_arguments_is_checked() -> None:
    src = (
        "export async function f(req) {\n"
        "  return prisma.$queryRawUnsafe<{ id: number }[]>("
        "'SELECT id FROM m WHERE t = ' + req.query.t);\n}\n"
    )
    assert _sources(src) == [("the web request (`req.query.t`)", "high")]


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        (
            "app.get('/b', async (c) => {\n  const a = c.req.query('a');\n"
            "  return db.query(`SELECT t FROM b WHERE a = '${a}'`);\n});\n",
            "the web request (`c.req.query('a')`)",
        ),
        (
            "const v = fs.readFileSync(process.env.LIST || 'x.txt', 'utf8').trim();\n"
            "db.query(`DELETE FROM ${v}`);\n",
            "a file read (`fs.readFileSync(process.env.LIST || 'x.t`)",  # (40 characters)
        ),
        (
            "async function f() {\n  const v = await fs.promises.readFile('x.txt', 'utf8');\n"
            "  db.query(`DELETE FROM ${v}`);\n}\n",
            "a file read (`fs.promises.readFile('x.txt', 'utf8')`)",
        ),
        (
            "const v = process.stdin.read();\ndb.query(`DELETE FROM ${v}`);\n",
            "standard input (`process.stdin.read()`)",
        ),
    ],
)
def test_framework_context_files_and_stdin_are_sources(src: str, expected: str) -> None:
    assert _sources(src) == [(expected, "high")]


_HANDLER_SINK = "  return prisma.$queryRawUnsafe(`SELECT id FROM t WHERE s = '${params.s}'`);\n}\n"


@pytest.mark.parametrize(
    ("head", "confidence"),
    [
        ("export async function GET(_r: Request, { params }: { params: { s: string } }) {", "high"),
        ("export const PATCH = async (_r, { params }) => {", "high"),
        ("export function POST(_r: Request, { params }): Promise<Response> {", "high"),
        # not a route handler: an exported helper's parameters come from unknown callers
        ("export async function lookup(_r: Request, { params }) {", "medium"),
        ("async function GET(_r: Request, { params }: { params: { s: string } }) {", "medium"),
    ],
)  # fmt: skip
def test_next_route_handler_parameters_are_the_request(head: str, confidence: str) -> None:
    found = analyze_js(head + "\n" + _HANDLER_SINK)
    assert [f.confidence for f in found] == [confidence]
    assert found[0].source.startswith("the web request") == (confidence == "high")


@pytest.mark.parametrize(
    ("read", "expected"),
    [
        ("url.parse(req.url, true).query.id", "the web request (`req.url`)" + _PARSE),
        ("querystring.parse(req.body).id", "the web request (`req.body`)" + _PARSE),
        (
            "new URL(req.url, base).searchParams.get('id')",
            "the web request (`req.url`), through `URL()`",
        ),
        (
            "new URLSearchParams(req.body).get('id')",
            "the web request (`req.body`), through `URLSearchParams()`",
        ),
    ],
)
def test_what_a_chain_reads_from_a_call_keeps_its_arguments_source(
    read: str, expected: str
) -> None:
    src = f"function h(req) {{\n  const id = {read};\n{_SINK.replace('v.x', 'id')}}}\n"
    assert _sources(src) == [(expected, "high")]


def test_a_chain_reads_only_its_first_call_s_arguments() -> None:
    # a digest is hex, whatever `update` was given: not the request's text
    src = (
        "function h(req) {\n"
        "  const d = crypto.createHash('md5').update(req.body.t).digest('hex');\n"
        "  db.query('SELECT a FROM t WHERE c = ' + d);\n}\n"
    )
    assert all(confidence == "medium" for _, confidence in _sources(src))

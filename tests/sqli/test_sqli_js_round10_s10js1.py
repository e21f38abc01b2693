"""Units behind js_round10_s10-js1.cases (issue 17, round 10): names bound inside nested
destructuring patterns (fields.py's `destructured`); parameters of a connected client's socket
handlers, client input (sockets.py); names spelled like the request that the file binds
itself (sources.py's `shadowed`); functions made by a local factory (factories.py); defaults
of parameters a call leaves out (arrows.py, callers.py); objects passed whole with the fields
written to them (names.py, expressions.py)."""

from __future__ import annotations

import pytest

from br_core.sqli.js.analyzer import analyze_js
from br_core.sqli.js.fields import destructured
from br_core.sqli.js.scope import Ctx, Index
from br_core.sqli.js.sockets import socket_handlers
from br_core.sqli.js.sources import CLIENT_MESSAGE, shadowed
from br_core.sqli.js.tokens import tokenize


def _ctx_at_end(src: str) -> Ctx:
    toks = tokenize(src)
    return Ctx(src, toks, len(src), Index(src, toks))


@pytest.mark.parametrize(
    "pattern",
    [
        "const { user: { name: login = 'x' } = {} } = req.body;",
        "const { user: { login } } = req.body;",
        "const [first, [login]] = req.body.pairs;",
        "let { a: { b: { c: login } } } = req.body;",
    ],
)
def test_nested_pattern_binds_from_the_declaration(pattern: str) -> None:
    found = destructured(_ctx_at_end(f"{pattern}\nlogin;\n"), "login")
    assert found is not None
    _, rhs, _ = found
    assert [t.text for t in rhs][:3] == ["req", ".", "body"]


_NESTED = """
app.post('/h', async (req, res) => {{
  const {{ user: {{ name: login = 'guest' }} = {{}} }} = {rhs};
  await pool.query("SELECT * FROM logins WHERE login = '" + login + "'");
}});
"""


@pytest.mark.parametrize(
    ("rhs", "flagged"),
    [("req.body", True), ("{ user: { name: 'admin' } }", False)],
)
def test_default_of_a_nested_pattern_is_one_value_of_many(rhs: str, flagged: bool) -> None:
    assert bool(analyze_js(_NESTED.format(rhs=rhs))) is flagged


_SOCKET = """
const db = require('./db');
{connect}(ws) => {{
  ws.on('{event}', (data) => {{
    db.all(`SELECT text FROM messages WHERE room = '${{JSON.parse(data).room}}'`, () => {{}});
  }});
}});
"""


@pytest.mark.parametrize(
    ("connect", "event", "client"),
    [
        ("wss.on('connection', ", "message", True),  # ws
        ("io.on('connect', ", "search", True),  # socket.io: any event the client emits
        ("wss.on('connection', ", "error", False),  # the socket's own life cycle
        ("bus.on('ready', ", "message", False),  # not a connection: no client socket
    ],
)
def test_socket_event_payload_is_client_input(connect: str, event: str, client: bool) -> None:
    src = _SOCKET.format(connect=connect, event=event)
    toks = tokenize(src)
    index = Index(src, toks)
    handler = next(k for k in index.where["data"] if toks[k + 2].text == "=>") + 3
    assert (handler in socket_handlers(index)) is client
    # what an unknown caller passes, read through `JSON.parse`, is not reported; the client's is
    findings = analyze_js(src)
    assert [(f.source or "").startswith(CLIENT_MESSAGE) for f in findings] == [True] * client


@pytest.mark.parametrize(
    ("body", "shadows"),
    [
        ("JOBS.forEach((req) => {\n  req;\n});", True),  # an element of the array walked
        ("if (warm) {\n  const req = { query: {} };\n  req;\n}", True),  # a block's own
        ("req;", False),  # the handler's parameter: the request
        ("items.forEach((item) => {\n  req;\n});", False),  # another name's callback
    ],
)
def test_a_source_name_bound_by_the_file_is_shadowed(body: str, shadows: bool) -> None:
    src = f"app.get('/w', (req, res) => {{\n{body}\n}});\n"
    toks = tokenize(src)
    index = Index(src, toks)
    last = max(index.where["req"])
    assert shadowed(Ctx(src, toks, toks[last].pos + 3, index), "req") is shadows


def test_shadowed_request_name_reads_the_binding() -> None:
    src = (
        "const JOBS = [{ query: { genre: 'poetry' } }];\n"
        "app.get('/w', (req, res) => {\n"
        "  {walked}.forEach((req) => {\n"
        "    db.all(`SELECT id FROM books WHERE genre = '${req.query.genre}'`, () => {});\n"
        "  });\n"
        "});\n"
    )
    assert analyze_js(src.replace("{walked}", "req.body.jobs"))
    assert not analyze_js(src.replace("{walked}", "JOBS"))


_FACTORY = """
{factory}
app.get('/files', async (req, res) => {{
  const build = makeBuilder({given});
  const {{ rows }} = await pool.query(build({arg}));
}});
"""
_FACTORIES = [
    "function makeBuilder(prefix) {\n"
    "  return (suffix) => `SELECT id FROM files WHERE path LIKE '${prefix}${suffix}'`;\n}",
    "const makeBuilder = (prefix) => function (suffix) {\n"
    "  return `SELECT id FROM files WHERE path LIKE '${prefix}${suffix}'`;\n};",
    "const makeBuilder = (prefix: string) => (suffix: string): string =>\n"
    "  `SELECT id FROM files WHERE path LIKE '${prefix}${suffix}'`;",
]


@pytest.mark.parametrize("factory", _FACTORIES)
@pytest.mark.parametrize(
    ("given", "arg", "flagged"),
    [
        ("req.query.dir || '/'", "'%'", True),  # the factory's argument, captured
        ("'/srv/'", "req.query.name", True),  # the made function's own argument
        ("'/srv/'", "'%'", False),
        ("'/srv/'", "Number(req.query.n)", False),
    ],
)
def test_a_function_made_by_a_factory_carries_both_calls_arguments(
    factory: str, given: str, arg: str, flagged: bool
) -> None:
    src = _FACTORY.format(factory=factory, given=given, arg=arg)
    assert bool(analyze_js(src)) is flagged


@pytest.mark.parametrize(
    "helper",
    [
        "const lookup = (topic = {default}) =>\n"
        "  db.all(`SELECT id FROM kb WHERE topic = '${{topic}}'`);",
        "const lookup = (topic: string = {default}) => {{\n"
        "  return db.all(`SELECT id FROM kb WHERE topic = '${{topic}}'`);\n}};",
        "function lookup(topic = {default}) {{\n"
        "  return db.all(`SELECT id FROM kb WHERE topic = '${{topic}}'`);\n}}",
    ],
)
@pytest.mark.parametrize(
    ("default", "flagged"), [("String(req.query.topic)", True), ("'news'", False)]
)
def test_a_call_that_leaves_an_argument_out_passes_the_default(
    helper: str, default: str, flagged: bool
) -> None:
    src = (
        "app.get('/kb', (req, res) => {\n"
        f"  {helper.format(default=default)}\n"
        "  res.json({ lookup: lookup() });\n"  # a key spelled like the helper is no use of it
        "});\n"
    )
    assert bool(analyze_js(src)) is flagged


_OPTIONS = """
function sqlFor(opts) {{
  return `SELECT id FROM ${{opts.table}} ORDER BY ${{opts.{read}}}`;
}}
app.get('/list', async (req, res) => {{
  const opts = {{ table: 'vendors', order: 'id', name: '' }};
  {write}
  await pool.query(sqlFor(opts), [opts.name]);
}});
"""


@pytest.mark.parametrize(
    ("write", "read", "flagged"),
    [
        ("opts.order = req.query.order;", "order", True),  # written after creation
        ("if (req.query.order) opts.order = req.query.order;", "order", True),
        ("opts.name = req.query.name;", "order", False),  # another field: bound, not spliced
        ("opts.order = 'name';", "order", False),
        ("", "order", False),
    ],
)
def test_an_object_passed_whole_holds_the_fields_written_to_it(
    write: str, read: str, flagged: bool
) -> None:
    assert bool(analyze_js(_OPTIONS.format(write=write, read=read))) is flagged


def test_a_field_of_an_object_literal_every_caller_passes_is_that_field() -> None:
    src = _OPTIONS.replace("'id'", "req.query.order").format(write="", read="{read}")
    assert analyze_js(src.replace("{read}", "order"))
    assert not analyze_js(src.replace("{read}", "table"))


_BODY_STREAM = """
http.createServer((req, res) => {{
  {stream}
}});
"""


@pytest.mark.parametrize(
    ("stream", "source"),
    [
        # the request's body stream hands over the body itself
        (
            "req.on('data', (chunk) => {\n"
            "  const d = JSON.parse(chunk);\n"
            "  db.all(`SELECT * FROM t WHERE a = '${d.a}'`);\n});",
            "the web request (`chunk`)",
        ),
        # a local `body` filled by the stream's callbacks is not resolved: its spelling stands
        (
            "let body = '';\nreq.on('data', (c) => { body += c; });\n"
            "req.on('end', () => {\n"
            "  const d = JSON.parse(body);\n"
            "  db.all(`SELECT * FROM t WHERE a = '${d.a}'`);\n});",
            "the web request (`body`)",
        ),
    ],
)
def test_the_request_body_stream_is_the_request(stream: str, source: str) -> None:
    findings = analyze_js(_BODY_STREAM.format(stream=stream))
    assert [(f.source or "").split(",")[0] for f in findings] == [source]


def test_a_helper_that_writes_a_field_of_the_object_passed_whole() -> None:
    helper = "function setOrder(o, v) {\n  o.order = v;\n}\n"
    src = helper + _OPTIONS.format(write="setOrder(opts, {given});", read="order")
    assert analyze_js(src.replace("{given}", "req.query.order"))
    assert not analyze_js(src.replace("{given}", "'name'"))

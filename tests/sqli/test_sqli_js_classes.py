"""Units behind js_classes.cases (issue 17): members of a class this file
declares (getters, private `#fields`, the constructor's writes in flow order, writes from other
methods, instances made with `new`), elements pushed into a field, and request fields only the
file's own middleware sets. Each is read from a real tokenized file."""

from __future__ import annotations

import pytest

from br_core.sqli.js.analyzer import analyze_js
from br_core.sqli.js.fields import write_at
from br_core.sqli.js.instances import (
    class_body,
    class_field,
    enclosing_class,
    getter_body,
    in_constructor,
    instance_of,
    subclasses,
)
from br_core.sqli.js.middleware import set_by_file
from br_core.sqli.js.scope import Index
from br_core.sqli.js.tokens import tokenize


def _index(src: str) -> Index:
    return Index(src, tokenize(src))


def _at(index: Index, needle: str) -> int:
    """The token that starts at the first `needle` in the source."""
    pos = index.src.index(needle)
    return next(k for k, t in enumerate(index.toks) if t.pos == pos)


def _texts(toks: list) -> str:  # type: ignore[type-arg]
    return " ".join(t.text for t in toks)


def test_private_name_is_one_token() -> None:
    assert [t.text for t in tokenize("this.#status = s")] == ["this", ".", "#status", "=", "s"]
    assert [t.text for t in tokenize("a # b")] == ["a", "#", "b"]  # a lone `#` stays punctuation


_CLASS = """
class Q {
  #kind = 'a';
  table = 'posts';
  constructor(opts) {
    this.order = opts.order;
    this.order = 'id';
    this.#kind = opts.kind;
  }
  get clause() { return 'ORDER BY ' + this.order; }
  static get other() { return 1; }
  add(x) { this.cols.push(x, 'b'); }
}
"""


def test_class_body_getter_and_enclosing_class() -> None:
    index = _index(_CLASS)
    body = class_body(index, "Q")
    assert body == _at(index, "{\n  #kind")
    assert class_body(index, "R") is None
    getter = getter_body(index, body, "clause")
    assert getter is not None and index.toks[getter].text == "{"
    assert getter_body(index, body, "other") is None  # static: not an instance's member
    assert getter_body(index, body, "order") is None
    assert enclosing_class(index, _at(index, "'ORDER BY")) == body
    assert enclosing_class(index, 0) is None
    assert in_constructor(index, body, _at(index, "this.order = 'id'"))
    assert not in_constructor(index, body, _at(index, "'ORDER BY"))


def test_constructor_write_on_every_path_replaces_earlier_ones() -> None:
    index = _index(_CLASS)
    body = class_body(index, "Q")
    assert body is not None
    order = class_field(index, body, "order")
    assert order is not None and order.initialiser is None
    assert [_texts(rhs) for _, _, rhs in order.writes] == ["'id'"]
    kind = class_field(index, body, "#kind")
    assert kind is not None and kind.initialiser is None  # replaced by the constructor
    assert [_texts(rhs) for _, _, rhs in kind.writes] == ["opts . kind"]
    table = class_field(index, body, "table")
    assert table is not None and table.initialiser is not None and not table.writes
    cols = class_field(index, body, "cols")
    assert cols is not None and [(kind, _texts(r)) for _, kind, r in cols.writes] == [
        ("elements", "x , 'b'")
    ]
    assert class_field(index, body, "missing") is None


@pytest.mark.parametrize(
    "constructor",
    [
        "this.order = opts.order; if (!opts.order) { this.order = 'id'; }",  # not every path
        "this.order = opts.order; this.load(); this.order = 'id';",  # load() may read it first
        "this.order = opts.order; register(this); this.order = 'id';",  # so may register()
    ],
)
def test_constructor_write_that_may_be_read_first_keeps_earlier_ones(constructor: str) -> None:
    index = _index(f"class Q {{ constructor(opts) {{ {constructor} }} load() {{}} }}")
    body = class_body(index, "Q")
    assert body is not None
    order = class_field(index, body, "order")
    assert order is not None
    assert [_texts(rhs) for _, _, rhs in order.writes] == ["opts . order", "'id'"]


def test_field_written_from_outside_is_not_the_class_alone() -> None:
    src = "class Q { constructor() { this.order = 'id'; } }\nconst q = new Q(); q.order = x;"
    index = _index(src)
    body = class_body(index, "Q")
    assert body is not None and class_field(index, body, "order") is None


def test_instance_of_new_of_a_local_class() -> None:
    index = _index("class Q {}\nconst a = new Q(req.query.x, 1);")
    found = instance_of(tokenize("new Q(req.query.x, 1)"), index)
    assert found is not None and _texts(found[1]) == "req . query . x , 1"
    assert instance_of(tokenize("new Q().where(x)"), index) is None  # a call's result
    assert instance_of(tokenize("new Map()"), index) is None  # not declared here


def test_push_into_a_field_is_an_elements_write() -> None:
    toks = tokenize("o.list.push(a, ...b); o.other.push(c); o.list = d;")
    index = _index("o.list.push(a, ...b); o.other.push(c); o.list = d;")
    ends = index.ends
    pushed = write_at(toks, 0, ["list"], ends)
    assert pushed is not None and [(k, _texts(r)) for _, k, r in pushed] == [
        ("elements", "a , ... b")
    ]
    assert write_at(toks, _at(index, "o.other"), ["list"], ends) is None
    # read as `o.list[0]`: an argument itself, or any element of a spread one
    element = write_at(toks, 0, ["list", "0"], ends)
    assert element is not None and [(k, _texts(r)) for _, k, r in element] == [
        ("field", "a"),
        ("object", "b"),
    ]


def test_request_fields_set_by_the_file() -> None:
    src = (
        "app.use((req, res, next) => { req.tenant = T[req.get('t')] || 'public'; next(); });\n"
        "app.get('/', (request) => { request.tenant = 'x'; q(req.tenant, req.query.id); });"
    )
    index = _index(src)
    writes = set_by_file(index, tokenize("req.tenant"))
    assert writes is not None and [_texts(rhs) for _, _, rhs in writes] == [
        "T [ req . get ( 't' ) ] || 'public'"
    ]
    assert set_by_file(index, tokenize("req.query")) is None  # the framework fills it
    assert set_by_file(index, tokenize("req.other")) is None  # never written here
    assigned = _index("app.use((req) => { req.tenant = 'a'; Object.assign(req, req.body); });")
    assert set_by_file(assigned, tokenize("req.tenant")) is None
    # only a default for an empty field: another module is what sets it
    default = _index("app.use((req, res, next) => { if (!req.tenant) req.tenant = 'a'; next(); });")
    assert set_by_file(default, tokenize("req.tenant")) is None
    fallback = _index("app.use((req, res, next) => { req.tenant ||= 'a'; next(); });")
    assert set_by_file(fallback, tokenize("req.tenant")) is None


_MIDDLEWARE = """
const CODES = { eu: 'eu', us: 'us' };
function pick(req, res, next) { req.region = CODES[req.query.r] || 'eu'; next(); }
app.use(pick);
app.get('/a', (req, res) => pool.query('SELECT * FROM t WHERE r = ' + req.region));
"""


def test_request_field_trusted_only_after_constant_writes() -> None:
    assert analyze_js(_MIDDLEWARE) == []
    tainted = _MIDDLEWARE.replace("CODES[req.query.r] || 'eu'", "req.query.r || 'eu'")
    assert [f.source for f in analyze_js(tainted)] == ["the web request (`req.region`)"]
    # a read before the first write: the file's middleware is not known to have run
    before = _MIDDLEWARE.replace("function pick", "app.get('/b', (req) => "
                                 "pool.query('SELECT * FROM t WHERE r = ' + req.region));\n"
                                 "function pick")  # fmt: skip
    assert [f.line for f in analyze_js(before)] == [3]


_GETTER = """
const SORTS = { new: 'created_at', old: 'created_at DESC' };
class Sort {
  constructor(key) { this.key = key; }
  get sql() { return 'ORDER BY ' + (SORTS[this.key] || 'id'); }
  get raw() { return 'ORDER BY ' + this.key; }
}
app.get('/', (req, res) => {
  const s = new Sort(req.query.sort);
  pool.query('SELECT * FROM posts ' + s.sql);
  pool.query('SELECT * FROM posts ' + new Sort(req.query.sort).raw);
});
"""


def test_getter_read_like_a_method_tainted_by_the_constructor_arguments() -> None:
    found = analyze_js(_GETTER)
    assert [(f.line, f.source, f.confidence) for f in found] == [
        (11, "the web request (`req.query.sort`)", "high")
    ]


def test_subclasses_in_the_file_at_any_depth() -> None:
    index = _index("class A {}\nclass B extends A {}\nclass C extends B {}\nclass D {}")
    bodies = {name: class_body(index, name) for name in "ABCD"}
    assert subclasses(index, bodies["A"]) == [bodies["B"], bodies["C"]]  # type: ignore[arg-type]
    assert subclasses(index, bodies["D"]) == []  # type: ignore[arg-type]


def test_getter_overridden_by_a_subclass_is_read_from_both() -> None:
    src = (
        "class A { get where() { return 'id = 1'; } run() { pool.query('SELECT 1 WHERE ' + "
        "this.where); } }\nclass B extends A { get where() { return 'id = ' + this.raw; } }"
    )
    assert [f.line for f in analyze_js(src)] == [1]
    assert analyze_js(src.replace("this.raw", "2")) == []

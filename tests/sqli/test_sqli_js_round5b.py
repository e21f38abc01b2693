"""Units behind js_round5b.cases (issue 17, round 5b), each read from a real tokenized file:
flow-ordered field and Map writes (order.py, maps.py), helpers that write to their argument
(mutators.py), class field initialisers (classes.py), closures called after a reassignment
(closures.py), parameters every caller fills with a constant (callers.py), TypeScript syntax
and constant ternaries in the folder (fold.py), and JSON.stringify of an object literal."""

from __future__ import annotations

import time

import pytest

from br_core.sqli.js.analyzer import analyze_js
from br_core.sqli.js.callers import parameter_sites
from br_core.sqli.js.classes import class_field
from br_core.sqli.js.closures import late_window
from br_core.sqli.js.fold import dead_at
from br_core.sqli.js.maps import initial_entries, map_sets
from br_core.sqli.js.mutators import helper_writes
from br_core.sqli.js.order import dominates, replaces
from br_core.sqli.js.scope import Ctx, Index, const_object
from br_core.sqli.js.tokens import tokenize
from tests.sqli.js_probe import fold_condition


def _ctx(src: str, before: str) -> Ctx:
    """The file's context just before the first `before` (where the sink would be)."""
    toks = tokenize(src)
    return Ctx(src, toks, src.index(before), Index(src, toks))


def _at(ctx: Ctx, needle: str) -> int:
    """The token that starts at the first `needle` in the source."""
    pos = ctx.src.index(needle)
    return next(k for k, t in enumerate(ctx.toks) if t.pos == pos)


def _texts(toks: list) -> str:  # type: ignore[type-arg]
    return " ".join(t.text for t in toks)


@pytest.mark.parametrize(
    ("src", "write", "expected"),
    [
        ("function f() { o.a = 1; SINK(); }", "o.a = 1", True),
        ("function f() { if (x) { o.a = 1; } SINK(); }", "o.a = 1", False),  # in an if
        ("function f() { if (x) o.a = 1; SINK(); }", "o.a = 1", False),  # an if's arm
        ("function f() { x && (o.a = 1); SINK(); }", "o.a = 1", False),
        ("function f() { o.a = 1; { SINK(); } }", "o.a = 1", True),  # an inner block
        ("o.a = 1; function f() { SINK(); }", "o.a = 1", False),  # f may run before it
        ("switch (m) { case 1: f(); o.a = 1; case 2: SINK(); }", "o.a = 1", False),
        ("function f() { if (false) { o.a = 1; } SINK(); }", "o.a = 1", False),
    ],
)
def test_dominates(src: str, write: str, expected: bool) -> None:
    ctx = _ctx(src, "SINK")
    assert dominates(ctx.index, _at(ctx, write), ctx.sink) is expected


@pytest.mark.parametrize(
    ("write", "path", "expected"),
    [
        ("o.a = 1;", ["a"], True),
        ("o['a'] = 1;", ["a"], True),
        ("o.a += 'x';", ["a"], False),  # keeps what was there
        ("o[k] = 1;", ["a"], False),  # may be another field
        ("o.a.b = 1;", ["a"], False),  # one part of `o.a`
        ("o.b = 1;", ["a"], False),
    ],
)
def test_replaces(write: str, path: list[str], expected: bool) -> None:
    ctx = _ctx(write + " SINK();", "SINK")
    assert replaces(ctx.index, 0, path) is expected


def test_helper_writes_follow_the_argument_into_the_helper() -> None:
    src = (
        "function fill(t, src) { t.id = src.id; t.kind = 'x'; other.id = 1; }\n"
        "const notHelper = 3;\n"
        "function h(req) { const o = {}; fill(o, req.query); log(o); o.fill(o); SINK(o.id); }"
    )
    writes = helper_writes(_ctx(src, "SINK"), "o", ["id"])
    # only `t.id` of the helper: not `t.kind` (another field), not `other.id` (another
    # object), and neither `log(o)` (not declared here) nor `o.fill(o)` (a method)
    assert [(_texts(rhs), len(args)) for _, (_, _, rhs), args in writes] == [("src . id", 2)]


def test_helper_writes_skip_calls_that_pass_something_else() -> None:
    src = "function fill(t, v) { t.id = v; }\nfunction h(o) { fill(o.inner, 1); SINK(o.id); }"
    assert helper_writes(_ctx(src, "SINK"), "o", ["id"]) == []


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("private readonly table = 'audit';", "'audit'"),
        ("readonly table: string = 'audit';", "'audit'"),
        ("table = 'audit';", "'audit'"),  # nothing outside the class writes it
        ("private table: string;", None),  # no initialiser
        ("static table = 'audit';", None),  # `Q.table`, not `this.table`
    ],
)
def test_class_field(body: str, expected: str | None) -> None:
    src = f"class Q {{\n  {body}\n  run() {{ SINK(this.table); }}\n}}"
    ctx = _ctx(src, "SINK")
    found = class_field(ctx.index, "table", ctx.sink)
    assert (_texts(found[1]) if found else None) == expected


def test_class_field_written_from_outside_is_not_read_from_its_initialiser() -> None:
    src = "class Q { table = 'a'; run() { SINK(this.table); } }\nconst q = new Q(); q.table = t;"
    ctx = _ctx(src, "SINK")
    assert class_field(ctx.index, "table", ctx.sink) is None
    readonly = src.replace("{ table", "{ readonly table")  # TypeScript rejects `q.table =`
    ctx = _ctx(readonly, "SINK")
    assert class_field(ctx.index, "table", ctx.sink) is not None


@pytest.mark.parametrize(
    ("src", "until"),
    [
        ("let v = 1;\nconst run = () => SINK(v);\nv = 2;\nrun();\nv = 3;", "run();"),
        ("let v = 1;\nfunction run() { SINK(v); }\nv = 2;\nrun();\nv = 3;", "run();"),
        ("let v = 1;\nconst run = function () { SINK(v); };\nv = 2;\nrun();", "run();"),
        ("let v = 1;\nconst run = () => SINK(v);\nv = 2;\nsetTimeout(run);", None),  # any time
    ],
)
def test_late_window_reaches_the_last_call(src: str, until: str | None) -> None:
    ctx = _ctx(src, "SINK")
    window = late_window(ctx.index, ctx.sink)
    assert window is not None
    end = len(ctx.toks) if until is None else _at(ctx, until)
    assert window[2] == end


@pytest.mark.parametrize(
    "src",
    [
        "let v = 1;\napp.get('/', (req, res) => SINK(v));\nv = 2;",  # unnamed: a handler
        "let v = 1;\nSINK(v);\nv = 2;",  # no function at all
    ],
)
def test_late_window_is_none_without_a_later_call(src: str) -> None:
    ctx = _ctx(src, "SINK")
    assert late_window(ctx.index, ctx.sink) is None


def test_late_window_starts_at_the_first_use() -> None:
    src = "let v = 1;\nfunction run() { SINK(v); }\nv = 2;\nlater(run);\nrun();"
    ctx = _ctx(src, "SINK")
    window = late_window(ctx.index, ctx.sink)
    assert window is not None and window[1] == _at(ctx, "run);") and window[2] == len(ctx.toks)


def test_late_window_ends_at_the_last_call() -> None:
    ctx = _ctx("let v = 1;\nconst run = () => SINK(v);\nrun();\nv = 2;", "SINK")
    window = late_window(ctx.index, ctx.sink)
    assert window is not None and window[1] == window[2] == _at(ctx, "run();") < _at(ctx, "v = 2")


@pytest.mark.parametrize(
    ("src", "sites"),
    [
        ("function f(req) { SINK(req); }\nf('a');\nf();", ["'a'", ""]),
        ("const f = (req) => SINK(req);\nf('a');", ["'a'"]),
        ("const f = async (x, req) => { SINK(req); };\nf(1, 'b');", ["'b'"]),
        # other modules or callers we do not see
        ("export function f(req) { SINK(req); }\nf('a');", None),
        ("export async function f(req) { SINK(req); }\nf('a');", None),
        ("function f(req) { SINK(req); }\nf('a');\nmodule.exports = { f };", None),
        ("function f(req) { SINK(req); }\n[1].forEach(f);", None),
        ("function f(req) { SINK(req); }\nf(...args);", None),
        ("function f(req) { SINK(req); }", None),  # never called here
        ("app.get('/', (req, res) => { SINK(req); });", None),  # unnamed
    ],
)
def test_parameter_sites(src: str, sites: list[str] | None) -> None:
    found = parameter_sites(_ctx(src, "SINK"), "req")
    assert (None if found is None else [_texts(arg) for _, arg in found[1]]) == sites


def test_initial_entries_of_a_map_literal_by_key() -> None:
    src = "const m = new Map([['a', 'x'], ['b', req.q], [k, 'z']]); SINK();"
    ctx = _ctx(src, "SINK")
    rhs = ctx.toks[_at(ctx, "new") : _at(ctx, "; SINK")]
    # 'a' holds 'x', and the key we cannot name may be 'a' too
    assert [_texts(v) for _, v, _ in initial_entries(0, rhs, "a")] == ["'x'", "'z'"]
    assert len(initial_entries(0, rhs, None)) == 3
    whole = initial_entries(0, tokenize("new Map(Object.entries(req.query))"), "a")
    assert [(_texts(v), stands_for_elements) for _, v, stands_for_elements in whole] == [
        ("Object . entries ( req . query )", True)
    ]


def test_map_sets_a_set_on_every_path_replaces_what_came_before() -> None:
    src = (
        "function h(m) { m.set('a', req.q); if (x) { m.set('a', 'y'); } m.set(k, 'u');"
        " m.set('a', 'z'); m.set('b', req.q); SINK(m.get('a')); }"
    )
    found = map_sets(_ctx(src, "SINK"), "m", "a")
    assert found is not None
    sets, replaced = found
    assert replaced and [_texts(v) for _, v, _ in sets] == ["'z'"]
    # without it: the first `set` still replaces what the Map started with, then the
    # conditional one and the one under a key we cannot name may each have run
    found = map_sets(_ctx(src.replace("m.set('a', 'z');", ""), "SINK"), "m", "a")
    assert found is not None and found[1]
    assert [_texts(v) for _, v, _ in found[0]] == ["req . q", "'y'", "'u'"]
    found = map_sets(_ctx(src.replace("m.set('a', req.q);", ""), "SINK"), "m", "a")
    assert found is not None and found[1]


@pytest.mark.parametrize(
    ("prelude", "cond", "expected"),
    [
        ("const ON = true as const;", "ON", True),
        ("const ON: boolean = false;", "ON", False),
        ("const MODE: Mode = 'a' as Mode;", "MODE === 'a'", True),
        ("const N = 3;", "N! > 2", True),
        ("const M = 'a';", "(M as string) === 'b'", False),
        ("const ON = true;", "!ON", False),
        # still not constants
        ("const ON = flag as boolean;", "ON", None),
        ("let ON = true as const;", "ON", None),
        ("const ON: boolean = f();", "ON", None),
    ],
)
def test_truth_reads_through_typescript_syntax(
    prelude: str, cond: str, expected: bool | None
) -> None:
    assert fold_condition(prelude, cond) is expected


def _dead_calls(src: str) -> set[str]:
    """The names called in dead code."""
    toks = tokenize(src)
    index = Index(src, toks)
    return {
        t.text
        for k, t in enumerate(toks[:-1])
        if toks[k + 1].text == "(" and t.kind == "ident" and dead_at(index, t.pos)
    }


@pytest.mark.parametrize(
    ("src", "dead"),
    [
        ("const ON = true;\nconst r = ON\n  ? a()\n  : b();\nc();\n", {"b"}),
        ("const ON = false;\nconst r = ON ? a() : b();\nc();\n", {"a"}),
        ("const M = 'x' as const;\nf(M === 'y'\n  ? a()\n  : b());\n", {"a"}),
        ("const ON = true;\nconst r = ON || x ? a() : b(), c();\n", {"b"}),
        ("const r = flag ? a() : b();\n", set()),  # not a constant
        ("const ON = true;\nconst r = x ? ON ? a() : b() : c();\n", set()),  # nested
        ("const ON = true;\ntype T = { a?: string };\nconst r = ON ? a() : b();\n", {"b"}),
    ],
)
def test_dead_ternary_arms(src: str, dead: set[str]) -> None:
    assert _dead_calls(src) == dead


@pytest.mark.parametrize(
    ("src", "expected"),
    [
        ("const T = ['a', 'b'];", True),
        ("const T = { a: 'x' } as const;", True),
        ("const T = { a: 'x' } // the allowed columns", True),
        ("const T = ['a'], U = 2;", True),
        ("const T = [].concat(req.query.tag);", False),  # an array literal, then a call
        ("const T = {}\n  .constructor;", False),
    ],
)
def test_const_object_is_the_whole_value(src: str, expected: bool) -> None:
    ctx = _ctx(src + "\nSINK(T[k]);", "SINK")
    assert const_object(ctx, "T") is expected


def test_json_stringify_of_an_object_literal_keeps_its_fields_taint() -> None:
    built = "const w = JSON.stringify({ a: 1, b: { c: req.query.c } });\n"
    sink = "db.query(`SELECT id FROM t WHERE d @> '${w}'`);\n"
    assert [f.source for f in analyze_js(built + sink)] == ["the web request (`req.query.c`)"]
    assert analyze_js(built.replace("req.query.c", "'c'") + sink) == []


def test_many_closures_and_ternaries_stay_quick() -> None:
    unit = (
        "let v{i} = 'a';\nconst run{i} = () => db.query(`SELECT * FROM t WHERE a = '${{v{i}}}'`);\n"
        "const r{i} = FLAG ? run{i}() : null;\nv{i} = req.query.a;\nrun{i}();\n"
    )
    src = "const FLAG = true;\n" + "".join(unit.format(i=i) for i in range(400))
    started = time.process_time()
    found = analyze_js(src)
    assert len(found) == 400  # every closure sees its later reassignment
    assert time.process_time() - started < 20  # generous: a quadratic walk took minutes


@pytest.mark.parametrize(
    ("between", "flagged"),
    [
        ("g = 'all';", False),  # replaced on every path before the call
        ("if (x) { g = 'all'; }", True),  # maybe not
        ("g += '';", True),  # keeps the request
        ("", True),
    ],
)
def test_a_closure_sees_the_value_at_its_call(between: str, flagged: bool) -> None:
    src = (
        "function h(req) {\n  let g = req.query.g;\n"
        '  const run = () => db.query("SELECT * FROM t WHERE g = \'" + g + "\'");\n'
        f"  {between}\n  run();\n}}\n"
    )
    assert bool(analyze_js(src)) is flagged

"""Issue 17 item 3 at the evaluator's depth bound (br_core/sqli/js/depth.py): a value followed
past the bound is not called constant. It is unresolved (medium), and weak beside a known source
found on another path, which keeps its high confidence."""

from __future__ import annotations

from br_core.sqli.js.analyzer import analyze_js
from br_core.sqli.js.depth import MAX_DEPTH, beyond_depth
from br_core.sqli.js.scope import Ctx, Index
from br_core.sqli.js.tokens import tokenize
from br_core.sqli.values import SAFE, Val, merge, weak_source

_HOPS = MAX_DEPTH + 2  # more assignments than the bound follows


def _chain(first: str, last: str = "v{n}") -> str:
    """A handler that copies `first` through more names than the depth bound follows."""
    lines = [f"  const v0 = {first};"]
    lines += [f"  const v{i} = v{i - 1};" for i in range(1, _HOPS)]
    tail = last.format(n=_HOPS - 1)
    return (
        "app.get('/u', (req, res) => {\n" + "\n".join(lines) + "\n"
        f"  const w = {tail};\n"
        "  db.query('SELECT * FROM users WHERE name = ' + w, (e, r) => res.json(r));\n});\n"
    )


def test_a_request_value_deeper_than_the_bound_is_still_a_finding() -> None:
    findings = analyze_js(_chain("req.query.name"))
    assert [(f.line, f.confidence) for f in findings] == [(_HOPS + 3, "medium")]
    assert "followed too deep" in (findings[0].source or "")


def test_a_short_chain_keeps_its_source() -> None:
    src = _chain("req.query.name").replace(f"const w = v{_HOPS - 1}", "const w = v2")
    assert [(f.confidence, f.source) for f in analyze_js(src)] == [
        ("high", "the web request (`req.query.name`)")
    ]


def test_a_known_source_on_another_path_stays_high() -> None:
    # the deep branch comes first: its unresolved label must not replace the request's
    src = _chain("lookup()", "req.query.flag ? v{n} : req.query.name")
    assert [(f.confidence, f.source) for f in analyze_js(src)] == [
        ("high", "the web request (`req.query.name`)")
    ]


def test_past_the_bound_a_literal_is_itself_and_anything_else_unresolved() -> None:
    src = "x('users', -1, true, a.b + c)"
    toks = tokenize(src)
    ctx = Ctx(src, toks, len(src), Index(src, toks))
    assert beyond_depth(ctx, toks[2:3]).const == "users"
    assert beyond_depth(ctx, toks[4:6]) == SAFE and beyond_depth(ctx, toks[7:8]) == SAFE
    deep = beyond_depth(ctx, toks[9:14])
    assert deep.taint is not None and deep.taint.startswith("`a.b + c`")
    assert weak_source(deep.taint)
    request = Val(taint="the web request (`req.query.id`)")
    assert merge(deep, request).taint == request.taint  # whichever comes first

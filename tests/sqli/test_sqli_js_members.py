"""Membership tests as allow-lists (issue 17 item 6, br_core/sqli/js/members.py): every way
real code asks whether a value is a key or member of a fixed collection passes only that
collection's members, and the same test against a collection the request built, or one the
file adds keys to at run time, validates nothing. Labelled end-to-end cases:
tests/data/sqli_cases/js_round9_s9-jsmore.cases."""

from __future__ import annotations

import pytest

from br_core.sqli.js.analyzer import analyze_js
from br_core.sqli.js.members import membership, rewritten

_FIXED = "const SORTS = { name: 'u.name', age: 'u.age' };\n"
_HANDLER = (
    "function h(req) {\n  const k = req.query.sort;\n  %s\n"
    "  db.query('SELECT * FROM u ORDER BY ' + k);\n}\n"
)

_TESTS = [
    "Object.prototype.hasOwnProperty.call(SORTS, k)",
    "{}.hasOwnProperty.call(SORTS, k)",
    "Object.hasOwn(SORTS, k)",
    "SORTS.hasOwnProperty(k)",
    "Object.keys(SORTS).includes(k)",
    "(k in SORTS)",
]


@pytest.mark.parametrize("test", _TESTS)
def test_a_failed_membership_test_in_a_fixed_map_that_leaves_guards(test: str) -> None:
    src = _FIXED + _HANDLER % f"if (!{test}) return;"
    assert analyze_js(src) == []


@pytest.mark.parametrize("test", _TESTS)
def test_the_same_test_in_a_request_built_object_guards_nothing(test: str) -> None:
    src = _HANDLER.replace("{\n", "{\n  const SORTS = req.body.allowed;\n", 1) % (
        f"if (!{test}) return;"
    )
    assert len(analyze_js(src)) == 1


@pytest.mark.parametrize("test", _TESTS)
def test_a_fixed_map_the_file_adds_request_keys_to_guards_nothing(test: str) -> None:
    src = (
        _FIXED
        + "function add(req) { SORTS[req.body.k] = 1; }\n"
        + _HANDLER % (f"if (!{test}) return;")
    )
    assert len(analyze_js(src)) == 1


@pytest.mark.parametrize("test", _TESTS)
def test_a_passed_test_guards_its_block_and_a_ternary_branch(test: str) -> None:
    block = _FIXED + (
        f"function h(req) {{\n  const k = req.query.sort;\n  if ({test}) {{\n"
        "    db.query('SELECT * FROM u ORDER BY ' + k);\n  }\n}\n"
    )
    assert analyze_js(block) == []
    ternary = _FIXED + (
        f"function h(req) {{\n  const k = req.query.sort;\n  const s = {test} ? k : 'name';\n"
        "  db.query('SELECT * FROM u ORDER BY ' + s);\n}\n"
    )
    assert analyze_js(ternary) == []
    assert len(analyze_js(ternary.replace(" ? k : 'name'", " ? 'name' : k"))) == 1


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Object.prototype.hasOwnProperty.call(M, q.k)", ("M", "q.k")),
        ("Object.values(M).includes(v)", ("M", "v")),
        ("v in cfg.MAP", ("cfg.MAP", "v")),
        ("M.has(String(v))", ("M", "String(v)")),
        ("M.hasOwnProperty(v) && ok", None),  # not one test: the caller splits `&&`
        ("M.indexOf(v)", None),
    ],
)
def test_membership_reads_the_collection_and_the_value(
    text: str, found: tuple[str, str] | None
) -> None:
    assert membership(text) == found


@pytest.mark.parametrize(
    ("code", "grows"),
    [
        ("M[req.body.k] = true;", True),
        ("M[key] = 1;", True),
        ("Object.assign(M, req.body);", True),
        ("M.push(req.query.c);", True),
        ("M.add(String(x));", True),
        ("M['extra'] = 1; M.push('a', 2);", False),
        ("if (M[k] === 1) {}", False),
        ("OTHER_M[k] = 1;", False),
    ],
)
def test_a_collection_the_file_adds_members_to(code: str, grows: bool) -> None:
    assert rewritten("const M = { a: 1 };\n" + code, "M") is grows

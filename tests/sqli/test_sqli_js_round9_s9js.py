"""Units behind js_round9_s9-js.cases (issue 17, round 9): which regex tests validate a value
for SQL (regexes.py)."""

from __future__ import annotations

import pytest

from br_core.sqli.js.analyzer import analyze_js
from br_core.sqli.js.regexes import validates
from br_core.sqli.js.scope import Index, partial_predicate
from br_core.sqli.js.tokens import tokenize


@pytest.mark.parametrize(
    ("literal", "expected"),
    [
        (r"/^[a-z_]+$/", True),
        (r"/^\d+$/", True),
        (r"/^[\w-]+$/i", True),
        (r"/^(?:asc|desc)$/i", True),
        (r"/^\d{4}$|^HQ$/", True),
        (r"/^[^\W]+$/", True),  # a negated non-word class: word characters
        (r"/^(?!.*--)[\w-]+$/", True),  # a lookahead consumes nothing
        (r"/^[^'\"\\;`]+$/", True),  # excludes every character that leaves a literal
        (r"/[A-Z]{2}/", False),  # unanchored: a match anywhere in the value
        (r"/^[a-z]+/", False),
        (r"/[a-z]+$/", False),
        (r"/^a|b$/", False),  # each alternative anchored at one end only
        (r"/^[a-z]+$/m", False),  # multiline: anchored at each line
        (r"/^.+$/", False),
        (r"/^\S+$/", False),
        (r"/^[\w ']+$/", False),  # admits a quote
        (r"/^[^']+$/", False),  # admits a backslash and a double quote
        (r"/^[ -~]+$/", False),  # a range spanning the quotes
        (r"/^\d+\$/", False),  # an escaped dollar is no end anchor
        (r"/^[\x20-\x7e]+$/", False),  # escapes not decoded: not trusted
    ],
)
def test_regex_validates_only_whole_safe_values(literal: str, expected: bool) -> None:
    assert validates(literal) is expected


_ROUTE = """
{decl}
app.get('/c', (req, res) => {{
  const code = req.query.code;
  if (!{test}.test(code)) return res.sendStatus(400);
  db.all(`SELECT * FROM t WHERE code = '${{code}}'`, (e, r) => res.json(r));
}});
"""


@pytest.mark.parametrize(
    ("decl", "test", "flagged"),
    [
        ("", "/[A-Z]{2}/", True),
        ("", "/^[A-Z]{2}$/", False),
        ("const CODE = /[A-Z]{2}/;", "CODE", True),
        ("const CODE = /^[A-Z]{2}$/;", "CODE", False),
    ],
)
def test_regex_guard_counts_only_when_it_validates(decl: str, test: str, flagged: bool) -> None:
    assert bool(analyze_js(_ROUTE.format(decl=decl, test=test))) is flagged


@pytest.mark.parametrize(
    ("body", "partial"),
    [
        ("return /^[a-z]+/.test(v);", True),
        ("return /^[a-z]+$/.test(v);", False),
        ("return TAG.test(v);", True),
        ("return /[a-z]+/.test(other);", False),  # not the parameter
    ],
)
def test_predicate_with_a_loose_regex_tests_part_of_its_argument(body: str, partial: bool) -> None:
    src = f"const TAG = /[a-z]/;\nfunction isTag(v) {{ {body} }}\n"
    assert partial_predicate(Index(src, tokenize(src)), "isTag") is partial

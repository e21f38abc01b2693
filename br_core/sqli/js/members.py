"""Membership tests, for the allow-list guards of br_core/sqli/js/scope.py.

Real code asks whether a value is one of a fixed set in several ways, and each passes only
that set's members: `COLS.includes(v)`, `COLS.has(v)`, `SORTS.hasOwnProperty(v)`,
`Object.prototype.hasOwnProperty.call(SORTS, v)` (or `{}.hasOwnProperty.call`),
`Object.hasOwn(SORTS, v)`, `Object.keys(SORTS).includes(v)` (`Object.values` too) and
`v in SORTS`. `membership` reads any of them as (the collection, the value tested); whether
the collection is fixed is scope.py's `fixed_list`, which asks `rewritten` here whether the
file adds members to it at run time (`SORTS[req.body.k] = true` makes any key a member).
"""

from __future__ import annotations

import re

_LIST = r"[\w$.]+"
_ARG = r"(?:String\(\s*[\w$.]+\s*\)|[\w$.]+)"  # `String(x)` too, read whole
_OWN = (
    r"(?:Object\s*\.\s*hasOwn"
    r"|(?:Object\s*\.\s*prototype|\{\s*\})\s*\.\s*hasOwnProperty\s*\.\s*call)"
)
# the forms that are a call: `!` in front negates them whole
_CALL_FORMS = (
    rf"(?P<list>{_LIST})\s*\.\s*(?:includes|has|hasOwnProperty)\(\s*(?P<arg>{_ARG})\s*\)",
    rf"Object\s*\.\s*(?:keys|values)\(\s*(?P<list>{_LIST})\s*\)\s*\.\s*includes\(\s*(?P<arg>{_ARG})\s*\)",
    rf"{_OWN}\(\s*(?P<list>{_LIST})\s*,\s*(?P<arg>{_ARG})\s*\)",
)
# `v in SORTS` (`!v in SORTS` is `(!v) in SORTS`: negated only inside parentheses)
_IN_FORM = rf"(?P<arg>{_ARG})\s+in\s+(?P<list>{_LIST})"
_FORMS = [re.compile(f) for f in (*_CALL_FORMS, _IN_FORM)]


def _bare(form: str) -> str:
    return re.sub(r"\?P<\w+>", "?:", form)  # a form without its groups, to embed in a larger regex


CALL_MEMBER = "(?:" + "|".join(_bare(f) for f in _CALL_FORMS) + ")"
ANY_MEMBER = "(?:" + "|".join(_bare(f) for f in (*_CALL_FORMS, _IN_FORM)) + ")"


def membership(text: str) -> tuple[str, str] | None:
    """(the collection, the value tested) when `text` is exactly one membership test."""
    text = text.strip()
    for form in _FORMS:
        m = form.fullmatch(text)
        if m:
            return m.group("list"), m.group("arg")
    return None


_LITERAL = r"(?:'[^'\n]*'|\"[^\"\n]*\"|\d+)"
_LITERAL_KEY = re.compile(rf"\s*{_LITERAL}\s*")
_LITERAL_ARGS = re.compile(rf"\s*(?:{_LITERAL}\s*(?:,\s*{_LITERAL}\s*)*)?\)")


def rewritten(src: str, name: str) -> bool:
    """The file adds members to the collection `name` from values it does not fix: a write
    under a computed key (`name[k] = …`), `Object.assign(name, …)`, or a `push`, `unshift`,
    `add`, `set` or `splice` whose arguments are not all literals."""
    n = re.escape(name)
    for m in re.finditer(rf"(?<![\w$.]){n}\s*\[([^\]\n]*)\]\s*=(?!=)", src):
        if not _LITERAL_KEY.fullmatch(m.group(1)):
            return True
    if re.search(rf"Object\s*\.\s*assign\(\s*{n}\s*,", src):
        return True
    grows = re.finditer(rf"(?<![\w$.]){n}\s*\.\s*(?:push|unshift|add|set|splice)\(", src)
    return any(not _LITERAL_ARGS.match(src, m.end()) for m in grows)

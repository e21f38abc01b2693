"""Allow-list predicates, for the ternary in br_core/sqli/js/expressions.py.

`function isSortKey(v: unknown): v is SortKey { return typeof v === 'string' &&
SORT_KEYS.includes(v); }` (a TypeScript type guard, or any plain predicate) passes only the
values of a list the file fixes, so `isSortKey(q.sort) ? q.sort : 'name'` is one of them.
Conservative: the predicate is declared in this file, its body is that one `return` (or an
arrow's expression), and the expression is a conjunction (`&&`) one of whose terms is the
membership test of its parameter in a fixed list; an `||`, `??` or `?:` may let other values
through.
"""

from __future__ import annotations

import bisect
import re

from br_core.sqli.js.assignments import last_declaration
from br_core.sqli.js.scope import Ctx, fixed_list, text_of
from br_core.sqli.js.tokens import Tok, split_top, until_end

# `LIST.includes(v)`, `(LIST as readonly string[]).includes(v)`, `LIST.has(v)`
_MEMBER = re.compile(
    r"\(?\s*(?P<list>[\w$.]+)(?:\s+as\s+[^()]*\))?\s*\.\s*(?:includes|has)\(\s*(?P<arg>[\w$]+)\s*\)"
)
_PARAM = re.compile(r"(?:^|,)\s*(?:\.\.\.)?([\w$]+)")


def checked_names(ctx: Ctx, cond: list[Tok]) -> set[str]:
    """The values the condition `cond` checks with an allow-list predicate of this file
    (`isSortKey(req.query.sort)` names `req.query.sort`), each term of an `&&` counted."""
    if len(split_top(cond, {"||", "??"})) > 1:
        return set()
    names = set()
    for term in split_top(cond, {"&&"}):
        if (
            len(term) >= 4
            and term[0].kind == "ident"
            and term[1].text == "("
            and term[-1].text == ")"
            and len(split_top(term[2:-1], {","})) == 1
            and allow_predicate(ctx, term[0].text)
        ):
            names.add(re.sub(r"\s+", "", text_of(ctx, term[2:-1])))
    return names


def allow_predicate(ctx: Ctx, fn: str) -> bool:
    """`fn` is a predicate this file declares that holds only for members of a fixed list."""
    key = ("allow predicate", fn)
    if key not in ctx.index.memo:
        ctx.index.memo[key] = fn in ctx.index.introduced and _allow_uncached(ctx, fn)
    return bool(ctx.index.memo[key])


def _declaration(ctx: Ctx, fn: str) -> tuple[str, str, int] | None:
    """(the declaration's text up to its body, its parameters' text, where the body starts)
    of the last declaration of `fn`: a function, or an arrow whose return type is written
    (`(v: unknown): v is Sort =>`, which assignments.py's declarations do not read)."""
    m = last_declaration(ctx, fn)
    arrows = re.finditer(
        rf"\b(?:const|let|var)\s+{re.escape(fn)}\s*(?::[^=;]*)?=\s*(?:async\s*)?"
        r"\(([^)]*)\)\s*(?::[^=;{]*)?=>\s*\{?",
        ctx.src,
    )
    typed = None
    for typed in arrows:  # noqa: B007 (the last one is the one called)
        continue
    if typed is not None and (m is None or typed.start() > m.start()):
        return typed.group(0), typed.group(1), typed.end()
    if m is None:
        return None
    params_text = m.group(1) or m.group(2)
    if params_text is None:  # an arrow: `(v) =>` or `v =>`
        arrow = re.search(r"=\s*(?:async\s*)?(?:\(([^)]*)\)|([\w$]+))\s*=>", m.group(0))
        params_text = (arrow.group(1) or arrow.group(2) or "") if arrow else ""
    return m.group(0), params_text, m.end()


def _allow_uncached(ctx: Ctx, fn: str) -> bool:
    found = _declaration(ctx, fn)
    if found is None:
        return False
    head, params_text, body_at = found
    params = set(_PARAM.findall(params_text))
    index, toks = ctx.index, ctx.toks
    first = bisect.bisect_left(index.pos, body_at - 1 if head.endswith("{") else body_at)
    if head.endswith("{"):
        end = index.ends[first] if first < len(toks) else -1
        if end <= first or toks[first + 1].text != "return":
            return False
        expr = until_end(toks, first + 2, index.ends)
        rest = toks[first + 2 + len(expr) : end]
        if [t.text for t in rest] not in ([], [";"]):
            return False  # more than the one `return`
    else:
        expr = until_end(toks, first, index.ends)
    if not expr or len(split_top(expr, {"||", "??", "?"})) > 1:
        return False
    for term in split_top(expr, {"&&"}):
        test = _MEMBER.fullmatch(text_of(ctx, term).strip())
        if test and test.group("arg") in params and fixed_list(ctx, test.group("list")):
            return True
    return False

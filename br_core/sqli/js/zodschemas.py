"""What a zod object schema's `parse` gives, for br_core/sqli/js/names.py.

`const Query = z.object({ group: z.enum(['day', 'week']) }); … Query.parse(req.query).group`:
`parse` throws unless the input matches, and returns an object of the schema's keys only
(zod strips the others), so `group` is 'day' or 'week' whatever the request held. A field is
closed when its schema passes no SQL text: `z.enum([...literals])`, `z.literal(…)`,
`z.nativeEnum(E)`, `z.number()`, `z.bigint()`, `z.boolean()`, `z.date()` (their `z.coerce`
forms too) or `z.string().uuid()`, refined only by checks that keep the value (`.int()`,
`.min(1)`, `.optional()`, `.default(<literal>)`, …). Any other field is as untrusted as the
parsed input. Conservative: the file imports zod, the schema is a constant bound once to
`z.object({…})` written out (optionally `.strict()`/`.strip()`), and anything that may
change values or keep unknown keys (`.transform`, `.passthrough`, a spread) is not read.
"""

from __future__ import annotations

import bisect
import re

from br_core.sqli.js.assignments import reaching_assignments
from br_core.sqli.js.objects import is_object_literal
from br_core.sqli.js.scope import Ctx, Evaluate, text_of
from br_core.sqli.js.sources import THROUGH
from br_core.sqli.js.tokens import Tok, split_top
from br_core.sqli.values import SAFE, Val, merge

_IMPORTS_ZOD = re.compile(r"""(?:from\s*|require\(\s*)['"]zod['"]""")
_PARSE = frozenset({"parse", "parseAsync"})
_OBJECT_TAIL = re.compile(r"(?:\s*\.\s*(?:strict|strip)\(\s*\))*")
# a base schema whose values carry no SQL, then checks that keep the value
_BASE = (
    r"z\s*\.\s*(?:coerce\s*\.\s*)?(?:number|bigint|boolean|date)\(\s*\)"
    r"|z\s*\.\s*enum\(\s*\[\s*(?:(?:'[^'\\\n]*'|\"[^\"\\\n]*\")\s*,?\s*)+\]\s*\)"
    r"|z\s*\.\s*literal\(\s*(?:'[^'\\\n]*'|\"[^\"\\\n]*\"|-?\d+(?:\.\d+)?|true|false)\s*\)"
    r"|z\s*\.\s*nativeEnum\(\s*[\w$.]+\s*\)"
    r"|z\s*\.\s*string\(\s*\)\s*\.\s*uuid\(\s*\)"
)
_KEEPS = (
    r"int|positive|nonnegative|negative|nonpositive|finite|safe|optional|nullable|nullish"
    r"|min|max|gt|gte|lt|lte|multipleOf|length|describe|uuid"
)
_LITERAL = r"'[^'\\\n]*'|\"[^\"\\\n]*\"|-?\d+(?:\.\d+)?|true|false|null"
_CLOSED = re.compile(
    rf"(?:{_BASE})(?:\s*\.\s*(?:(?:{_KEEPS})\(\s*(?:-?\d+(?:\.\d+)?|'[^'\\\n]*'|\"[^\"\\\n]*\")?"
    rf"\s*(?:,\s*\{{[^{{}}]*\}})?\s*\)|default\(\s*(?:{_LITERAL})\s*\)))*"
)


def zod_parsed(evaluate: Evaluate, ctx: Ctx, toks: list[Tok], depth: int) -> Val | None:
    """`Schema.parse(x)` (`toks`, the whole call) of a zod object schema this file declares:
    an object of the schema's keys, closed fields constant, the others as untrusted as x. None
    for any other expression."""
    if len(toks) < 5 or toks[0].kind != "ident" or toks[1].text not in {".", "?."}:
        return None
    if toks[2].text not in _PARSE or toks[3].text != "(" or toks[-1].text != ")":
        return None
    index = ctx.index
    gate = ("zod", "file")
    if gate not in index.memo:
        index.memo[gate] = bool(_IMPORTS_ZOD.search(index.src))
    if not index.memo[gate]:
        return None
    args = split_top(toks[4:-1], {","})
    if len(args) != 1 or not args[0]:
        return None
    shape = _object_shape(ctx, toks[0].text)
    if shape is None:
        return None
    given = evaluate(ctx, args[0], depth + 1)
    taint = given.taint
    if taint and THROUGH not in taint:
        taint = f"{taint}{THROUGH}`{toks[2].text}()`"  # a field of the request, not the request
    other = Val(taint=taint, unknown=given.unknown) if taint else SAFE
    fields = tuple((key, SAFE if closed else other) for key, closed in shape)
    return Val(elems=merge(*(v for _, v in fields)), keys=fields)


def _object_shape(ctx: Ctx, name: str) -> list[tuple[str, bool]] | None:
    """(key, closed) for each key of `const name = z.object({…})`; None when `name` is not
    bound once to such a schema written out."""
    found = reaching_assignments(ctx, name)
    if len(found) != 1 or found[0][1] != "=":
        return None
    rhs = found[0][2]
    if len(rhs) < 5 or rhs[3].text != "(":
        return None
    if re.sub(r"\s+", "", text_of(ctx, rhs[:3])) != "z.object":
        return None
    toks, index = ctx.toks, ctx.index
    paren = bisect.bisect_left(index.pos, rhs[3].pos)
    close = index.ends[paren]
    if close <= paren:
        return None
    after = toks[close].pos + 1
    end = rhs[-1].pos + len(rhs[-1].text)
    if rhs[-1].pos > toks[close].pos and not _OBJECT_TAIL.fullmatch(ctx.src[after:end]):
        return None  # `.passthrough()`, `.transform(…)`: keys or values not the schema's
    literal = toks[paren + 1 : close]
    if not is_object_literal(literal):
        return None
    shape = []
    for part in split_top(literal[1:-1], {","}):
        if not part:
            continue
        if len(part) < 3 or part[1].text != ":" or part[0].kind not in {"ident", "str"}:
            return None  # a spread, a computed key: the keys are not known
        key = part[0].parts[0] if part[0].kind == "str" and part[0].parts else part[0].text
        shape.append((key, bool(_CLOSED.fullmatch(text_of(ctx, part[2:]).strip()))))
    return shape

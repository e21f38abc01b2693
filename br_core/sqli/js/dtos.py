"""NestJS DTO fields class-validator has checked, for br_core/sqli/js/expressions.py.

`create(@Body() dto: CreateDto)` where this file declares `class CreateDto { @IsInt() id:
number; }`: Nest's ValidationPipe (which apps install globally: `app.useGlobalPipes(new
ValidationPipe())`) rejects the request (400) unless `id` is an integer, so `dto.id` inside
the handler is one. A field is validated when one of its decorators only passes values that
carry no SQL: a number, a boolean, a UUID, a date, letters and digits, a member of a literal
list (`@IsIn(['a', 'b'])`) or of an enum (`@IsEnum(E)`), or a full match of a pattern that
allows no quote, space or punctuation but `-`, `_` and `.` (`@Matches(/^[a-z_]+$/)`).
`@IsString()` alone passes any text. Conservative: the parameter is decorated and typed with
a class this file declares (a field inherited from elsewhere is not read), nothing assigns
the parameter since, and a field under `@ValidateIf(…)` (validated only sometimes) is not
validated.
"""

from __future__ import annotations

import re

from br_core.sqli.js.assignments import reaching_assignments
from br_core.sqli.js.scope import Ctx, Index, fixed_list, text_of
from br_core.sqli.js.tokens import Tok, split_top

# validators whose passing values are never SQL text
_CLOSED = frozenset(
    {
        "IsInt", "IsNumber", "IsNumberString", "IsDecimal", "IsPositive", "IsNegative",
        "IsBoolean", "IsBooleanString", "IsDate", "IsDateString", "IsISO8601", "IsUUID",
        "IsMongoId", "IsAlpha", "IsAlphanumeric", "IsHexadecimal", "IsEnum", "IsPort",
    }
)  # fmt: skip
_MODIFIERS = frozenset({"readonly", "private", "public", "protected", "declare"})
_LITERALS = re.compile(r"\[\s*(?:(?:'[^'\n]*'|\"[^\"\n]*\"|-?\d+(?:\.\d+)?)\s*(?:,\s*|(?=\])))*\]")
# a full match (`^…$`) of characters that carry no SQL: word characters, digits, `-`, `.`
_SAFE_PATTERN = re.compile(
    r"/\^(?:[\w\-{},+*?]|\\[dw.\-]|\[(?!\^)(?:[\w\-.]|\\[dw.\-])+\])+\$/\w*"
)  # (a `.` outside a class is any character)


def validated_field(ctx: Ctx, toks: list[Tok]) -> bool:
    """`name.key` (`toks`, three of them), read at the sink, is a field of a decorated NestJS
    parameter whose DTO class (declared in this file) validates that field with a closed
    validator."""
    if toks[0].kind != "ident":
        return False
    name, key = toks[0].text, toks[2].text
    index = ctx.index
    gate = ("dto", "file")
    if gate not in index.memo:  # once per file: most declare no decorated class
        index.memo[gate] = "class" in index.where and "@" in index.src
    if not index.memo[gate]:
        return False
    scopes = index.bindings()
    at = min(ctx.sink, len(index.toks) - 1)
    body = scopes.resolve(name, at)
    if (body, name) not in scopes.params or reaching_assignments(ctx, name):
        return False
    before = [k for k in index.where.get(name, []) if k < body]
    dto = _dto_class(index, before[-1]) if before else None
    return dto is not None and _validates(ctx, dto, key)


def _dto_class(index: Index, k: int) -> str | None:
    """The class a decorated parameter (its name at token k) is typed with: `@Body() dto:
    CreateDto`."""
    toks = index.toks
    if k + 3 >= len(toks) or toks[k + 1].text != ":" or toks[k + 2].kind != "ident":
        return None
    if toks[k + 3].text not in {",", ")", "="}:
        return None  # `CreateDto[]`, `Partial<CreateDto>`: not one object of that class
    j = k - 1
    while j >= 0 and toks[j].text in _MODIFIERS:
        j -= 1
    opener = index.opener(j) if j >= 0 and toks[j].text == ")" else None
    if opener is None or opener < 2 or toks[opener - 2].text != "@":
        return None
    return toks[k + 2].text


def _validates(ctx: Ctx, dto: str, key: str) -> bool:
    memo = ("dto", f"{dto}.{key}")
    if memo not in ctx.index.memo:
        decorators = _field_decorators(ctx.index, dto, key)
        ctx.index.memo[memo] = decorators is not None and _closed(ctx, decorators)
    return bool(ctx.index.memo[memo])


def _field_decorators(index: Index, dto: str, key: str) -> list[tuple[str, list[Tok]]] | None:
    """(name, argument tokens) of each decorator of field `key` in `class dto {…}`, the one
    class of that name the file declares; None when there is no such class or field."""
    toks, ends = index.toks, index.ends
    heads = [k for k in index.where.get(dto, []) if k and toks[k - 1].text == "class"]
    if len(heads) != 1:
        return None
    brace = next(
        (j for j in range(heads[0], min(len(toks), heads[0] + 40)) if toks[j].text == "{"), -1
    )
    if brace < 0 or ends[brace] <= brace:
        return None
    for k in index.where.get(key, []):
        if not brace < k < ends[brace] or index.block[k] != brace:
            continue
        if k + 1 < len(toks) and toks[k + 1].text in {":", "?", "!", ";"}:
            return _decorators_before(index, k)
    return None


def _decorators_before(index: Index, k: int) -> list[tuple[str, list[Tok]]]:
    toks = index.toks
    found = []
    j = k - 1
    while j >= 0 and toks[j].text in _MODIFIERS:
        j -= 1
    while j >= 2 and toks[j].text == ")":
        opener = index.opener(j)
        if opener is None or opener < 2 or toks[opener - 2].text != "@":
            break
        found.append((toks[opener - 1].text, toks[opener + 1 : j]))
        j = opener - 3
    return found


def _closed(ctx: Ctx, decorators: list[tuple[str, list[Tok]]]) -> bool:
    if any(name == "ValidateIf" for name, _ in decorators):
        return False
    for name, args in decorators:
        if name in _CLOSED:
            return True
        first = text_of(ctx, split_top(args, {","})[0]).strip() if args else ""
        if name == "IsIn" and (
            _LITERALS.fullmatch(first)
            or (re.fullmatch(r"[\w$.]+", first) and fixed_list(ctx, first))
        ):
            return True
        if name == "Matches" and args and args[0].kind == "regex":
            return bool(_SAFE_PATTERN.fullmatch(args[0].text))
    return False

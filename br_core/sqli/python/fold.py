"""Constant folding for the Python SQL-injection analysis (issue 17 item 1).

`num = 106; bar = "safe" if (7 * 42) - num > 200 else param` never uses `param`: arithmetic,
comparisons, `not` and `and`/`or` of constants are evaluated so `if`, ternaries, `while` and
`match` drop the branch that cannot run. Only small, exact work is done: numbers up to 256 bits,
strings up to `MAX_TEXT` characters, no call ever made, so a hostile file cannot make the fold
slow or large. Anything else gives None (not a constant) and the analysis merges both branches.
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable
from typing import Any

from br_core.sqli.python.containers import make_list
from br_core.sqli.values import MAX_TEXT, SAFE, Val, literal, merge

_SCALARS = (bool, int, float, str, type(None))
_MAX_BITS = 256
_MAX_PARTS = 256  # pieces of a folded split(): a constant is at most MAX_TEXT characters anyway
_BINOPS: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
    ast.BitAnd: operator.and_,
    ast.BitOr: operator.or_,
    ast.BitXor: operator.xor,
    ast.LShift: operator.lshift,
    ast.RShift: operator.rshift,
}
_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.Is: operator.is_,
    ast.IsNot: operator.is_not,
    ast.In: lambda a, b: operator.contains(b, a),
    ast.NotIn: lambda a, b: not operator.contains(b, a),
}


def _const(val: Val) -> bool:
    return val.has_const and isinstance(val.const, _SCALARS)


def _small(value: object) -> bool:
    if isinstance(value, bool) or value is None:
        return True
    if isinstance(value, int):
        return value.bit_length() <= _MAX_BITS
    if isinstance(value, float):
        return True
    return isinstance(value, str) and len(value) <= MAX_TEXT


def _bounded(op: ast.operator, a: object, b: object) -> bool:
    """Whether computing `a op b` stays small before it is computed."""
    if isinstance(a, str) or isinstance(b, str):
        if isinstance(op, ast.Mod):
            return False  # "%s" % x is formatting: the splice logic owns it
        if isinstance(op, ast.Mult):
            count = b if isinstance(a, str) else a
            text = a if isinstance(a, str) else b
            fits = isinstance(count, int) and isinstance(text, str)
            return fits and count * len(text) <= MAX_TEXT  # type: ignore[operator,arg-type]
        return isinstance(op, ast.Add)
    if isinstance(op, ast.Pow):
        numbers = isinstance(a, int | float) and isinstance(b, int | float)  # not None ** 0
        return numbers and abs(b) <= 64 and abs(a) <= 2**32  # type: ignore[arg-type]
    if isinstance(op, ast.LShift):
        return isinstance(b, int) and 0 <= b <= 64
    return True


def fold_binop(op: ast.operator, left: Val, right: Val) -> Val | None:
    """`left op right` when both are constants and the result is small; else None."""
    if not (_const(left) and _const(right)) or type(op) not in _BINOPS:
        return None
    a, b = left.const, right.const
    if not _bounded(op, a, b):
        return None
    try:
        result = _BINOPS[type(op)](a, b)
    except (ArithmeticError, TypeError, ValueError):
        return None
    return literal(result) if _small(result) else None


def fold_compare(ops: list[ast.cmpop], vals: list[Val]) -> Val:
    """A chained comparison of constants as a constant bool; SAFE (no text) otherwise."""
    if not all(_const(v) or _member_of(op, v) for op, v in zip([None, *ops], vals, strict=True)):
        return SAFE
    try:
        for op, a, b in zip(ops, vals, vals[1:], strict=False):
            if not _COMPARE[type(op)](a.const, b.const):
                return literal(False)
    except (TypeError, ValueError):
        return SAFE
    return literal(True)


def _member_of(op: ast.cmpop | None, val: Val) -> bool:
    """A constant tuple on the right of `in`/`not in` (`mode in ("a", "b")`)."""
    return isinstance(op, ast.In | ast.NotIn) and val.has_const and isinstance(val.const, tuple)


def fold_unary(op: ast.unaryop, val: Val) -> Val:
    """`not`, `-`, `+`, `~` of a constant; SAFE otherwise (the result is no text)."""
    if not _const(val):
        return SAFE
    try:
        if isinstance(op, ast.Not):
            return literal(not val.const)
        if isinstance(val.const, str):
            return SAFE
        if isinstance(op, ast.USub):
            return literal(-val.const)  # type: ignore[operator]
        if isinstance(op, ast.UAdd):
            return literal(+val.const)  # type: ignore[operator]
        if isinstance(op, ast.Invert) and isinstance(val.const, int):
            return literal(~val.const)
    except TypeError:
        return SAFE
    return SAFE


def fold_boolop(op: ast.boolop, vals: list[Val]) -> Val:
    """`a and b` / `a or b` as Python evaluates them: a constant operand that decides the result
    drops what follows it; operands that may be taken are merged."""
    taken: list[Val] = []
    for index, val in enumerate(vals):
        last = index == len(vals) - 1
        if not last and _const(val):
            if bool(val.const) == isinstance(op, ast.Or):
                taken.append(val)  # `x or ...` with x truthy, `x and ...` with x falsy: stops
                break
            continue  # a constant that lets evaluation go on is never the result
        taken.append(val)
    return merge(*taken)


# String methods with no side effect whose result is no longer than the string: safe to run.
_STR_METHODS = {
    "startswith", "endswith", "lower", "upper", "casefold", "strip", "lstrip", "rstrip",
    "isdigit", "isalpha", "isalnum", "isnumeric", "isdecimal", "isidentifier", "isspace",
    "islower", "isupper", "find", "rfind", "count", "title", "capitalize", "swapcase",
}  # fmt: skip


def fold_str_method(receiver: Val, name: str, args: list[Val], kwargs: list[Val]) -> Val | None:
    """`"abc".startswith("a")` and the like on constant strings; None when not a constant."""
    if (
        name not in _STR_METHODS
        or kwargs
        or not (_const(receiver) and isinstance(receiver.const, str))
    ):
        return None
    if not all(_const(a) for a in args) or len(args) > 3:
        return None
    try:
        result = getattr(receiver.const, name)(*(a.const for a in args))
    except (TypeError, ValueError):
        return None
    return literal(result) if _small(result) else None


def fold_split(receiver: Val, name: str, args: list[Val], kwargs: list[Val]) -> Val | None:
    """`"safe more".split(" ")` of a constant: a list whose positions are known, so
    `parts[0]` is the constant it is; None when the string or a separator is not constant."""
    if name not in {"split", "rsplit"} or kwargs or len(args) > 2:
        return None
    if not (_const(receiver) and isinstance(receiver.const, str)):
        return None
    if not all(_const(a) for a in args):
        return None
    try:
        parts = getattr(receiver.const, name)(*(a.const for a in args))
    except (TypeError, ValueError):
        return None
    return make_list(tuple(literal(p) for p in parts)) if len(parts) <= _MAX_PARTS else None

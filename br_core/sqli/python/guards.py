"""Conditions in the Python SQL-injection analysis: constant truth and allow-list refinement.

`if x not in ALLOWED: raise`, `if x in {...}:`, `assert`, `x.isdigit()`, `isinstance(x, int)` and
`re.fullmatch(r"[a-z_]+", x)` (or a compiled constant pattern) prove `x` safe on one branch.
"""

from __future__ import annotations

import ast
import re

from br_core.sqli.values import SAFE, Val

Env = dict[str, Val]

_SAFE_PATTERN = re.compile(
    r"\^?(?:\[(?:[\w\-]|\\[wd.])+\][+*]?(?:\{\d+(?:,\d*)?\})?|\\[wd][+*]?)+\$?"
)


def dotted(node: ast.expr) -> str | None:
    """`a.b.c` for a chain of names and attributes (calls inside become `()`), else None."""
    if isinstance(node, ast.Name):
        return node.id  # most callees and receivers: a bare name, nothing to join
    parts: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            parts.append("()")
            node = node.func
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            return ".".join(reversed(parts)).replace(".()", "()")
        else:
            return None


def _key(node: ast.expr) -> str | None:
    """The name a tested value is read by afterwards: `(limit := q.get("n")).isdigit()` proves
    `limit`, the walrus target, as `limit.isdigit()` would."""
    if isinstance(node, ast.NamedExpr):
        return node.target.id
    return dotted(node)


def last_name(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return ""


def safe_regex(pattern: object) -> bool:
    """An anchored pattern made only of word-like character classes: no quotes, no spaces."""
    return isinstance(pattern, str) and bool(_SAFE_PATTERN.fullmatch(pattern))


_SCALARS = (bool, int, float, str, type(None))
_NORMALIZERS = {"lower", "upper", "casefold", "strip", "lstrip", "rstrip"}


class Guards:
    """Mixin for the evaluator: `value()` and `regexes` come from the class that uses it."""

    regexes: dict[str, str]

    def value(self, node: ast.expr | None, env: Env) -> Val:  # pragma: no cover - overridden
        raise NotImplementedError

    def proven_by_helper(self, test: ast.Call) -> list[str]:
        """Keys a local validator proves safe; the interpreter looks into local helpers."""
        return []

    def module_def(self, name: str) -> ast.expr | None:
        """The expression a module name was last assigned; the interpreter keeps them."""
        return None

    # conditions: constant truth and allow-list refinement
    def constant_truth(self, test: ast.expr, env: Env, val: Val | None = None) -> bool | None:
        """True/False when `test` (whose value `val` the caller already has) is a constant."""
        if val is not None and val.has_const and isinstance(val.const, _SCALARS):
            return bool(val.const)
        if isinstance(test, ast.Constant):
            return bool(test.value)
        if isinstance(test, ast.Name) and test.id in env and env[test.id].has_const:
            return bool(env[test.id].const)
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            inner = self.constant_truth(test.operand, env)
            return None if inner is None else not inner
        return None

    def refined(self, test: ast.expr, env: Env, truth: bool) -> Env:
        """`env` where the test being `truth` proves some names safe (allow-lists, digits)."""
        cleaned = self._proven_safe(test, env, truth)
        if not cleaned:
            return env
        out = dict(env)
        for key in cleaned:
            out[key] = out.get(key, SAFE).untainted()
        return out

    def _proven_safe(self, test: ast.expr, env: Env, truth: bool) -> list[str]:
        if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
            return self._proven_safe(test.operand, env, not truth)
        if isinstance(test, ast.BoolOp):
            if isinstance(test.op, ast.And) == truth:
                return [k for v in test.values for k in self._proven_safe(v, env, truth)]
            return []
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            left = test.left
            if (
                isinstance(left, ast.Call)
                and isinstance(left.func, ast.Attribute)
                and left.func.attr in _NORMALIZERS
            ):
                left = left.func.value  # `d.lower() in ("asc", "desc")`: d is one of them, any case
            key = _key(left)
            op, right = test.ops[0], test.comparators[0]
            if key is None:
                return []
            if isinstance(op, ast.In | ast.NotIn) and self._fixed_collection(right, env):
                return [key] if isinstance(op, ast.In) == truth else []
            if isinstance(op, ast.Eq | ast.NotEq) and isinstance(right, ast.Constant):
                return [key] if isinstance(op, ast.Eq) == truth else []
            return []
        if isinstance(test, ast.Call) and truth:
            return self._proven_by_call(test)
        return []

    def _proven_by_call(self, test: ast.Call) -> list[str]:
        short = last_name(test.func)
        if isinstance(test.func, ast.Attribute) and short in {
            "isdigit", "isnumeric", "isdecimal", "isalnum", "isidentifier", "isalpha",
        }:  # fmt: skip
            key = _key(test.func.value)
            return [key] if key else []
        if short == "isinstance" and len(test.args) == 2:
            kinds = ast.unparse(test.args[1])
            if not re.search(r"\bstr\b|\bbytes\b|\bobject\b", kinds):
                key = _key(test.args[0])
                return [key] if key else []
        compiled = dotted(test.func.value) if isinstance(test.func, ast.Attribute) else None
        if short in {"match", "fullmatch"} and compiled in self.regexes and test.args:
            pattern_text = self.regexes[compiled]
            if (short == "fullmatch" or pattern_text.endswith("$")) and safe_regex(pattern_text):
                key = _key(test.args[0])
                return [key] if key else []
        if short in {"match", "fullmatch"} and len(test.args) >= 2:
            pattern = test.args[0]
            anchored = short == "fullmatch" or (
                isinstance(pattern, ast.Constant) and str(pattern.value).endswith("$")
            )
            if isinstance(pattern, ast.Constant) and anchored and safe_regex(pattern.value):
                key = _key(test.args[1])
                return [key] if key else []
        return self.proven_by_helper(test)

    def _literal_type(self, hint: ast.expr) -> bool:
        """`Literal["info", "error"]`, or a module name assigned one: `typing.get_args` of it is
        the tuple of those constants, so `x in get_args(Level)` is an allow-list check."""
        if isinstance(hint, ast.Name):
            hint = self.module_def(hint.id) or hint
        if not (isinstance(hint, ast.Subscript) and last_name(hint.value) == "Literal"):
            return False
        inner = hint.slice.elts if isinstance(hint.slice, ast.Tuple) else [hint.slice]
        return all(isinstance(e, ast.Constant) for e in inner)

    def _fixed_collection(self, node: ast.expr, env: Env) -> bool:
        """A literal collection, or a name/attribute/.keys() of one, holding only constants."""
        if isinstance(node, ast.Call) and last_name(node.func) in {"keys", "values"}:
            node = node.func.value if isinstance(node.func, ast.Attribute) else node
        if isinstance(node, ast.List | ast.Tuple | ast.Set):
            return all(isinstance(e, ast.Constant) for e in node.elts)
        if isinstance(node, ast.Call) and last_name(node.func) == "get_args" and node.args:
            return self._literal_type(node.args[0])
        if isinstance(node, ast.Dict):
            return True
        val = self.value(node, env)
        if val.elems is not None and not val.taint and not val.elems.taint:
            return True
        # Upper-case module constants imported from elsewhere are configuration, not input.
        name = dotted(node) or ""
        return name.split(".")[-1].isupper() and not val.taint

"""Command-line options that argparse (or optparse) converts before the program reads them.

`parser.parse_args()` is a source: the command line is whoever runs the program. But argparse
applies an option's `type` and checks its `choices` before `parse_args()` returns, and exits on
anything else, so `args.days` after `add_argument("--days", type=int)` is an int, not text, and
`args.fmt` after `choices=["csv", "json"]` is one of those constants. An option is trusted only
when every `add_argument` of the file that fills its destination converts it (parsers and
subparsers share the namespace), and its default, if any, is a constant; a destination the file
cannot name (`add_argument(*flags)`) trusts nothing.
"""

from __future__ import annotations

import ast

from br_core.sqli.python.guards import last_name

# `type=` callables whose result cannot carry SQL text (argparse), and optparse's type names.
CONVERTERS = {"int", "float", "complex", "Decimal", "Fraction", "UUID"}
OPTPARSE_TYPES = {"int", "float", "long", "complex"}
# Actions that store no command-line text: a flag, a count, or a constant given in the code.
_NO_TEXT = {"store_true", "store_false", "count", "help", "version"}
_CONST = {"store_const", "append_const"}
_STORING = {"store", "append", "extend"}


def converted_options(tree: ast.Module) -> set[str]:
    """Destinations every option of the file converts to a number, a UUID or a fixed choice."""
    safe: dict[str, bool] = {}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not isinstance(node.func, ast.Attribute):
            continue
        if node.func.attr in {"add_argument", "add_option"}:
            dest = _dest(node)
            if dest is None:
                return set()  # an option whose destination is unknown may fill any of them
            safe[dest] = safe.get(dest, True) and _converts(node)
        elif node.func.attr == "set_defaults":
            for kw in node.keywords:
                if kw.arg is None:
                    return set()
                if not _constant(kw.value):
                    safe[kw.arg] = False
    return {dest for dest, ok in safe.items() if ok}


def _dest(node: ast.Call) -> str | None:
    """Where argparse stores the option: `dest=`, else the first long option with dashes made
    underscores, else the first short one, else a positional's own name."""
    keywords = {kw.arg: kw.value for kw in node.keywords}
    if None in keywords:
        return None
    if "dest" in keywords:
        return _text(keywords["dest"])
    names = [_text(a) for a in node.args]
    flags = [n for n in names if n is not None]
    if not flags or len(flags) < len(names):
        return None
    if not flags[0].startswith("-"):
        return flags[0]
    longs = [n for n in flags if n.startswith("--")]
    return (longs or flags)[0].lstrip("-").replace("-", "_") or None


def _converts(node: ast.Call) -> bool:
    keywords = {kw.arg: kw.value for kw in node.keywords if kw.arg}
    action = keywords.get("action")
    name = action.value if isinstance(action, ast.Constant) else None if action else "store"
    if name in _NO_TEXT:
        return True
    if name in _CONST:
        return _constant(keywords.get("const"))
    if name not in _STORING or not _constant(keywords.get("default")):
        return False  # a custom Action class stores what it likes
    if _fixed_choices(keywords.get("choices")):
        return True
    kind = keywords.get("type")
    if isinstance(kind, ast.Constant):  # optparse: type="int"
        return kind.value in OPTPARSE_TYPES
    return kind is not None and last_name(kind) in CONVERTERS


def _fixed_choices(choices: ast.expr | None) -> bool:
    """`choices=["csv", "json"]`, a tuple or set of literals, or `range(1, 10)`."""
    if isinstance(choices, ast.List | ast.Tuple | ast.Set):
        return bool(choices.elts) and all(_constant(e) for e in choices.elts)
    if isinstance(choices, ast.Call) and isinstance(choices.func, ast.Name):
        return choices.func.id == "range" and all(_constant(a) for a in choices.args)
    return False


def _constant(node: ast.expr | None) -> bool:
    """Absent, a literal, or a list/tuple of literals (a default for `nargs`)."""
    if node is None or isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.List | ast.Tuple):
        return all(isinstance(e, ast.Constant) for e in node.elts)
    return isinstance(node, ast.UnaryOp) and isinstance(node.operand, ast.Constant)  # -1


def _text(node: ast.expr) -> str | None:
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None

"""Handler parameters a web or command-line framework converts or restricts before the handler
runs, as the file declares them.

- Django `path("invoices/<int:pk>/", view)`: the URL resolver matches `pk` as digits (or a UUID)
  and passes an int (a `uuid.UUID`); any other text answers 404. A view's parameter counts when
  every `path()` of the file that names the view converts it.
- An `Enum` annotation on a FastAPI route or a typer command (`kind: Kind`): the framework
  answers 422 (or exits) unless the value is one of the members, so `kind.value` is one of the
  class's constants. Only an Enum class of this file whose members are all literals counts.
- FastAPI `Query(..., pattern=r"^[a-z_]+$")` (`regex=` before 0.100), and `Path`, `Header`,
  `Cookie`, `Form` alike, as a default or inside `Annotated[...]`: pydantic searches the pattern
  anywhere in the value, so only a pattern anchored at both ends, made of word-like character
  classes, leaves no quote or space.
- click `@click.option("--table", type=click.Choice([...]))` (or `type=int`, `click.INT`,
  `click.IntRange(...)`, `click.UUID`...) and `@click.argument` alike: click converts the value
  and exits on anything else; the default must be a literal too.
"""

from __future__ import annotations

import ast
import re

from br_core.sqli.python.guards import last_name, safe_regex

Def = ast.FunctionDef | ast.AsyncFunctionDef

_ROUTES = {"get", "post", "put", "delete", "patch", "route", "api_route", "websocket"}
_DJANGO_CONVERTED = re.compile(r"<(?:int|uuid):(\w+)>")
_PARAM_MAKERS = {"Query", "Path", "Header", "Cookie", "Form"}
_CLICK_TYPES = {"INT", "FLOAT", "BOOL", "UUID", "IntRange", "FloatRange", "DateTime"}
_CLICK_BUILTINS = {"int", "float", "bool"}


def django_routes(tree: ast.Module) -> dict[str, set[str] | None]:
    """View name -> the URL parameters every `path()` of the file naming it converts (None
    when some `path()` names it with a route the file does not spell as a literal)."""
    found: dict[str, set[str] | None] = {}
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and last_name(node.func) == "path"):
            continue
        if len(node.args) < 2 or not isinstance(node.args[1], ast.Name):
            continue
        view, route = node.args[1].id, node.args[0]
        text = route.value if isinstance(route, ast.Constant) else None
        converted = set(_DJANGO_CONVERTED.findall(text)) if isinstance(text, str) else None
        if view not in found:
            found[view] = converted
        else:
            old = found[view]
            found[view] = None if old is None or converted is None else old & converted
    return found


def constant_enums(classes: list[ast.ClassDef]) -> set[str]:
    """Enum classes of the file whose members are all literals (`pageviews = "pageviews"`)."""
    found: set[str] = set()
    for cls in classes:
        if not any(last_name(b).endswith("Enum") for b in cls.bases):
            continue
        members = [s for s in cls.body if isinstance(s, ast.Assign)]
        if members and all(isinstance(s.value, ast.Constant) for s in members):
            found.add(cls.name)
    return found


def framework_converted(
    fn: Def, enums: set[str], routes: dict[str, set[str] | None], imports: dict[str, str]
) -> set[str]:
    """Parameters of `fn` a framework converts or restricts before `fn` runs."""
    found = set(routes.get(fn.name) or ())
    modules = {origin.split(".")[0] for origin in imports.values()}
    handler = _is_handler(fn, modules)
    defaults = _defaults(fn)
    for arg in fn.args.posonlyargs + fn.args.args + fn.args.kwonlyargs if handler else []:
        hint, default = arg.annotation, defaults.get(arg.arg)
        if hint is not None and (_enum_hint(hint, enums) or _pattern_hint(hint)):
            found.add(arg.arg)
        if default is not None and _checked_param(default):
            found.add(arg.arg)
    return found | _click_converted(fn) if "click" in modules else found


def _is_handler(fn: Def, modules: set[str]) -> bool:
    """A FastAPI route or a typer command: both parse parameters by their annotations (Flask's
    routes and click's commands do not)."""
    for deco in fn.decorator_list:
        name = last_name(deco.func if isinstance(deco, ast.Call) else deco)
        if (name in _ROUTES and "fastapi" in modules) or (name == "command" and "typer" in modules):
            return True
    return False


def _defaults(fn: Def) -> dict[str, ast.expr]:
    positional = fn.args.posonlyargs + fn.args.args
    defaulted = positional[len(positional) - len(fn.args.defaults) :]
    found = {a.arg: d for a, d in zip(defaulted, fn.args.defaults, strict=True)}
    for arg, kw_default in zip(fn.args.kwonlyargs, fn.args.kw_defaults, strict=True):
        if kw_default is not None:
            found[arg.arg] = kw_default
    return found


def _enum_hint(hint: ast.expr, enums: set[str]) -> bool:
    """`Kind`, `Kind | None`, `Optional[Kind]`, `Annotated[Kind, ...]`."""
    if isinstance(hint, ast.BinOp) and isinstance(hint.op, ast.BitOr):
        return _enum_or_none(hint.left, enums) and _enum_or_none(hint.right, enums)
    if isinstance(hint, ast.Subscript) and last_name(hint.value) in {"Optional", "Annotated"}:
        inner = hint.slice.elts[0] if isinstance(hint.slice, ast.Tuple) else hint.slice
        return _enum_hint(inner, enums)
    return isinstance(hint, ast.Name) and hint.id in enums


def _enum_or_none(hint: ast.expr, enums: set[str]) -> bool:
    return (isinstance(hint, ast.Constant) and hint.value is None) or _enum_hint(hint, enums)


def _pattern_hint(hint: ast.expr) -> bool:
    """`Annotated[str, Query(pattern=r"^[a-z_]+$")]`."""
    if not (isinstance(hint, ast.Subscript) and last_name(hint.value) == "Annotated"):
        return False
    extras = hint.slice.elts[1:] if isinstance(hint.slice, ast.Tuple) else []
    return any(_checked_param(e) for e in extras)


def _checked_param(node: ast.expr) -> bool:
    """`Query("region", pattern=r"^[a-z_]{1,30}$")`: anchored at both ends, word-like."""
    if not (isinstance(node, ast.Call) and last_name(node.func) in _PARAM_MAKERS):
        return False
    for kw in node.keywords:
        if kw.arg in {"pattern", "regex"} and isinstance(kw.value, ast.Constant):
            text = kw.value.value
            anchored = isinstance(text, str) and text.startswith("^") and text.endswith("$")
            return anchored and safe_regex(text)
    return False


def _click_converted(fn: Def) -> set[str]:
    """Parameters a click option or argument decorating `fn` converts or restricts."""
    found: set[str] = set()
    for deco in fn.decorator_list:
        if not isinstance(deco, ast.Call) or last_name(deco.func) not in {"option", "argument"}:
            continue
        name = _click_name(deco)
        if name is None:
            continue
        keywords = {kw.arg: kw.value for kw in deco.keywords}
        default = keywords.get("default")
        literal_default = default is None or isinstance(default, ast.Constant)
        if None not in keywords and literal_default and _click_type(keywords.get("type")):
            found.add(name)
    return found


def _click_name(deco: ast.Call) -> str | None:
    """The parameter click fills: a declaration that is an identifier, else the longest
    option name without its dashes (`--max-rows` -> `max_rows`)."""
    decls = [a.value for a in deco.args if isinstance(a, ast.Constant) and isinstance(a.value, str)]
    if len(decls) != len(deco.args) or not decls:
        return None
    plain = [d for d in decls if d.isidentifier()]
    if plain:
        return plain[0]
    longest = max(decls, key=lambda d: len(d) - len(d.lstrip("-")))
    name = longest.lstrip("-").replace("-", "_").lower()
    return name or None


def _click_type(kind: ast.expr | None) -> bool:
    if kind is None:
        return False
    if isinstance(kind, ast.Name) and kind.id in _CLICK_BUILTINS:
        return True
    target = kind.func if isinstance(kind, ast.Call) else kind
    name = last_name(target)
    if name == "Choice" and isinstance(kind, ast.Call) and kind.args:
        choices = kind.args[0]
        return isinstance(choices, ast.List | ast.Tuple | ast.Set) and all(
            isinstance(e, ast.Constant) for e in choices.elts
        )
    return name in _CLICK_TYPES

"""What a Python module and its functions declare: imports, parameters, stored attributes.

Helpers for br_core/sqli/python/analyzer.py, kept apart so the interpreter reads as statements only.
"""

from __future__ import annotations

import ast
import builtins
import re
from collections import deque
from collections.abc import Iterator

from br_core.sqli.python.guards import last_name

_ROUTES = {"get", "post", "put", "delete", "patch", "route", "api_route", "websocket"}
_VALIDATED = {"int", "float", "bool", "UUID", "date", "datetime", "Decimal"}
_NUMERIC_CONVERTERS = "(?:int|float|uuid)"


def stored_params(cls: ast.ClassDef) -> dict[str, str]:
    """Attributes a method sets straight from one of its parameters (`self.x = x`)."""
    stored: dict[str, str] = {}
    for method in cls.body:
        if not isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        params = {a.arg for a in all_args(method)} - {"self", "cls"}
        for node in statements_of(method):  # an assignment is a statement: no expression walk
            if (
                isinstance(node, ast.Assign)
                and len(node.targets) == 1
                and isinstance(node.targets[0], ast.Attribute)
                and isinstance(node.targets[0].value, ast.Name)
                and node.targets[0].value.id == "self"
                and isinstance(node.value, ast.Name)
                and node.value.id in params
            ):
                attr = node.targets[0].attr
                stored[attr] = f"self.{attr} (set from parameter `{node.value.id}`)"
    return stored


def attributes_set(cls: ast.ClassDef) -> set[str] | None:
    """Every attribute `cls` gives its instances (class-body names, `self.x = ...` anywhere in
    its methods), or None when they may come from elsewhere: a base class, `setattr`,
    `__dict__`, `__getattr__`, `__slots__`, or a decorator (dataclasses, attrs). Statements
    and their targets only, not every expression: this runs once per class that meets one."""
    if cls.decorator_list or any(last_name(b) != "object" for b in cls.bases) or cls.keywords:
        return None
    found: set[str] = set()
    for stmt in _own_statements(cls, into_defs=True):
        if isinstance(stmt, ast.Expr) and sets_by_name(stmt.value):
            return None
        targets = _targets(stmt)
        for node in (n for t in targets for n in ast.walk(t)):
            if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store | ast.Del):
                found.add(node.attr)
    for stmt in cls.body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            found.add(stmt.name)
        else:
            found.update(bound_names(stmt, into_defs=False))
    return None if found & {"__getattr__", "__getattribute__", "__slots__"} else found


def _targets(stmt: ast.AST) -> list[ast.expr]:
    if isinstance(stmt, ast.Assign | ast.Delete):
        return stmt.targets
    if isinstance(stmt, ast.AugAssign | ast.AnnAssign | ast.For | ast.AsyncFor):
        return [stmt.target]
    if isinstance(stmt, ast.With | ast.AsyncWith):
        return [i.optional_vars for i in stmt.items if i.optional_vars is not None]
    return []


def sets_by_name(call: ast.expr) -> bool:
    """`setattr(self, ...)`, `vars(self).update(...)`, `self.__dict__.update(...)`: attributes
    set by name at run time."""
    if not isinstance(call, ast.Call):
        return False
    func = call.func
    if isinstance(func, ast.Name):
        return func.id == "setattr"
    receiver = func.value if isinstance(func, ast.Attribute) else None
    if isinstance(receiver, ast.Attribute) and receiver.attr == "__dict__":
        return True
    return isinstance(receiver, ast.Call) and last_name(receiver.func) == "vars"


def global_assignments(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[tuple[str, ast.expr]]:
    """(name, value) for each `name = value` where `fn` declares `name` global: what the
    function writes into the module's scope. Only `fn`'s own statements are visited (this runs
    for every function of every file, and nearly none has a `global`)."""
    statements = _own_statements(fn)
    declared = {n for s in statements if isinstance(s, ast.Global) for n in s.names}
    if not declared:
        return []
    found: list[tuple[str, ast.expr]] = []
    for node in statements:
        if isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign) and node.value:
            targets: list[ast.expr] = (
                node.targets if isinstance(node, ast.Assign) else [node.target]
            )
            found += [(n, node.value) for n in _target_names(targets) if n in declared]
    return found


def _own_statements(node: ast.AST, into_defs: bool = False) -> list[ast.AST]:
    """The statements of `node`'s body, nested blocks included; nested definitions only with
    `into_defs` (a class's methods)."""
    found: list[ast.AST] = []
    todo: list[ast.AST] = list(getattr(node, "body", ()))
    while todo:
        stmt = todo.pop()
        found.append(stmt)
        if not into_defs and isinstance(
            stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
        ):
            continue
        for name in _BLOCKS:
            todo.extend(v for v in getattr(stmt, name, ()) if isinstance(v, _HOLDERS))
    return found


def compiled_pattern(value: ast.expr) -> str | None:
    if (
        isinstance(value, ast.Call)
        and last_name(value.func) == "compile"
        and value.args
        and isinstance(value.args[0], ast.Constant)
        and isinstance(value.args[0].value, str)
    ):
        return value.args[0].value
    return None


def all_args(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[ast.arg]:
    a = fn.args
    extra = [x for x in (a.vararg, a.kwarg) if x is not None]
    return [*a.posonlyargs, *a.args, *a.kwonlyargs, *extra]


def param_names(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    return [a.arg for a in (*fn.args.posonlyargs, *fn.args.args)]


def route_validated(fn: ast.FunctionDef | ast.AsyncFunctionDef, arg: ast.arg) -> bool:
    """FastAPI-style routes convert annotated parameters: `item_id: int` is a number there;
    so do URL converters in the route's path (Flask `<int:day>`, Starlette `{day:int}`)."""
    if any(_converted_in_path(d, arg.arg) for d in fn.decorator_list):
        return True
    if arg.annotation is None:
        return False
    if not any(
        last_name(deco.func if isinstance(deco, ast.Call) else deco) in _ROUTES
        for deco in fn.decorator_list
    ):
        return False  # most functions: not a route, no annotation to unparse
    hint = ast.unparse(arg.annotation)
    return hint in _VALIDATED or hint.startswith(("Literal[", "typing.Literal["))


def _converted_in_path(decorator: ast.expr, name: str) -> bool:
    """`@app.route("/events/<int:day>")`: the framework matches `day` as a number or a UUID
    (or answers 404), so the handler never receives other text in it."""
    if not (isinstance(decorator, ast.Call) and last_name(decorator.func) in _ROUTES):
        return False
    path = decorator.args[0] if decorator.args else None
    if not (isinstance(path, ast.Constant) and isinstance(path.value, str)):
        return False
    flask = f"<{_NUMERIC_CONVERTERS}:{name}>"
    starlette = f"{{{name}:{_NUMERIC_CONVERTERS}}}"
    return bool(re.search(flask, path.value) or re.search(starlette, path.value))


def module_imports(
    tree: ast.Module,
    defs: list[ast.FunctionDef | ast.AsyncFunctionDef],
    globals_: list[ast.Global] | None = None,
) -> dict[str, str]:
    """Local name -> imported module path; every function definition is appended to `defs`
    (and every `global` statement to `globals_`) on the same walk (one pass, not three)."""
    found: dict[str, str] = {}
    for node in statements_of(tree):
        if type(node) not in _DECLARING:
            continue  # most statements: one set lookup, not four isinstance() tests
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            defs.append(node)
        elif isinstance(node, ast.Global) and globals_ is not None:
            globals_.append(node)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                found[alias.asname or alias.name.split(".")[0]] = alias.name
        elif isinstance(node, ast.ImportFrom):
            # `from . import settings`, `from ..conf import TABLE`: the leading dots stay, so a
            # relative module is never mistaken for the standard library's or a driver's.
            module = "." * node.level + (node.module or "")
            for alias in node.names:
                found[alias.asname or alias.name] = f"{module.rstrip('.')}.{alias.name}"
    return found


# The statement types module_imports reads (ast.parse makes exact types, never subclasses).
_DECLARING = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.Global, ast.Import,
                        ast.ImportFrom})  # fmt: skip
_BLOCKS = {"body", "orelse", "finalbody", "handlers", "cases"}
_HOLDERS = (ast.stmt, ast.excepthandler, ast.match_case)


def statements_of(tree: ast.AST) -> Iterator[ast.AST]:
    """`ast.walk(tree)`'s nodes in its order, but only `tree` and the statements (and the
    handlers and cases that hold them): definitions, imports and assignments are statements,
    and walking every expression node of the file cost a third of the whole check. (No
    statement sits inside an expression, so the order among statements is `ast.walk`'s.)"""
    todo: deque[ast.AST] = deque([tree])
    while todo:
        node = todo.popleft()
        for name in _blocks(type(node)):
            todo.extend(v for v in getattr(node, name) if isinstance(v, _HOLDERS))
        yield node


_BLOCKS_OF: dict[type[ast.AST], tuple[str, ...]] = {}


def _blocks(kind: type[ast.AST]) -> tuple[str, ...]:
    """The fields of a node type that hold statements, in `_fields` order: most statements
    have none, and asking each node for all five names was a tenth of the check's time."""
    found = _BLOCKS_OF.get(kind)
    if found is None:
        found = _BLOCKS_OF[kind] = tuple(f for f in kind._fields if f in _BLOCKS)
    return found


_BUILTINS = frozenset(dir(builtins)) | {"__file__", "__name__", "__doc__", "__spec__", "__path__"}


def is_route(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Decorated as a web route (`@app.route`, `@router.get`): its parameters come from the URL."""
    return any(
        last_name(d.func if isinstance(d, ast.Call) else d) in _ROUTES for d in fn.decorator_list
    )


def module_names(tree: ast.Module) -> set[str]:
    """Names bound in the module's own scope (anywhere in it, later lines included) and the
    builtins. Function bodies are not read (a name a function declares `global` counts in that
    function only): this runs once per file that meets a free name, so it stays a short walk."""
    # One walk of the module's statements, stopping at definitions (their names count), not
    # one bound_names() per top-level statement: a minified file is one long line of them.
    return bound_names(tree, into_defs=False) | _BUILTINS


def bound_names(tree: ast.AST, into_defs: bool = True) -> set[str]:
    """Every name `tree` binds: assignment and loop targets, parameters, imports, definitions,
    `global`, handlers, match captures (comprehension and walrus names are bound as the
    interpreter meets them). With `into_defs` False, not inside nested functions or classes.
    Only statements and their targets are visited, not every expression: this runs per
    function that meets a free name, and walking every node cost a tenth of the whole check."""
    names: set[str] = set()
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        kind = type(node)
        if kind is ast.Assign:  # most statements that bind; it holds no statements
            targets = node.targets  # type: ignore[attr-defined]
            if len(targets) == 1 and type(targets[0]) is ast.Name:
                names.add(targets[0].id)
            else:
                names.update(_target_names(targets))
            continue
        if kind not in _BINDING:  # a call, a return, an `if`: one test, not eight isinstance()
            pass
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
            if node is not tree and not into_defs:
                continue
            if not isinstance(node, ast.ClassDef):
                names.update(a.arg for a in all_args(node))
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign | ast.For | ast.AsyncFor):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(_target_names(targets))
        elif isinstance(node, ast.With | ast.AsyncWith):
            names.update(_target_names([i.optional_vars for i in node.items if i.optional_vars]))
        elif isinstance(node, ast.Import | ast.ImportFrom):
            names.update(a.asname or a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            names.update(node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.match_case):
            names.update(_capture_names(node.pattern))
        for name in _blocks(kind):
            todo.extend(v for v in getattr(node, name) if isinstance(v, _HOLDERS))
    return names


# The node types bound_names reads a name from (ast.parse makes exact types, never subclasses).
_BINDING = frozenset({
    ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AugAssign, ast.AnnAssign,
    ast.For, ast.AsyncFor, ast.With, ast.AsyncWith, ast.Import, ast.ImportFrom, ast.Global,
    ast.Nonlocal, ast.ExceptHandler, ast.match_case,
})  # fmt: skip


def _target_names(targets: list[ast.expr]) -> list[str]:
    if len(targets) == 1 and type(targets[0]) is ast.Name:  # `x = ...`: most targets
        return [targets[0].id]
    if all(isinstance(t, ast.Name) for t in targets):  # `x = y = ...`: no walk needed
        return [t.id for t in targets if isinstance(t, ast.Name)]
    return [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]


def _capture_names(pattern: ast.pattern) -> list[str]:
    found: list[str] = []
    for node in ast.walk(pattern):
        if isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
            found.append(node.name)
        elif isinstance(node, ast.MatchMapping) and node.rest:
            found.append(node.rest)
    return found

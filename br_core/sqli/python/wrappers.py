"""Decorators of the same file that set a handler's keyword argument before calling it.

```
def int_arg(name):
    def wrap(view):
        @functools.wraps(view)
        def inner(*args, **kwargs):
            kwargs[name] = int(request.args[name])
            return view(*args, **kwargs)
        return inner
    return wrap

@int_arg("warehouse")
def stock(warehouse): ...
```

`stock` never sees what the framework or a caller passed as `warehouse`: the wrapper replaced it
with a number. The interpreter judges the assigned value; this module only reads the shape.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

from br_core.sqli.python.guards import last_name
from br_core.sqli.python.scope import param_names

Def = ast.FunctionDef | ast.AsyncFunctionDef
_EXITS = {"abort", "exit", "_exit", "quit", "fail"}


def set_by_decorators(
    fn: Def, functions: dict[str, Def], safe: Callable[[ast.expr], bool]
) -> set[str]:
    """Keyword arguments of `fn` that a decorator defined in this file sets, on every path that
    calls `fn`, to a value `safe` accepts."""
    found: set[str] = set()
    for decorator in fn.decorator_list:
        wrapper = _wrapper(decorator, functions)
        if wrapper is None:
            continue
        deco, bindings = wrapper
        inner = _returned_def(deco)
        found |= _keywords_passed(inner, deco, safe) if inner is not None else set()
        kwargs = inner.args.kwarg.arg if inner is not None and inner.args.kwarg else None
        if inner is None or kwargs is None or not _calls_wrapped(inner, deco, kwargs):
            continue
        if _updated(inner, kwargs):
            continue
        sure = {_key_name(k, bindings) for k, _ in _kwarg_writes(inner, kwargs)}
        writes = [
            (_key_name(n.targets[0].slice, bindings), n.value)
            for n in ast.walk(inner)
            if isinstance(n, ast.Assign)
            and any(isinstance(t, ast.Subscript) and _is_name(t.value, kwargs) for t in n.targets)
            and isinstance(n.targets[0], ast.Subscript)
        ]
        for name in sure - {None}:
            # every write of that key, branches included, stores a value `safe` accepts
            if all(key is not None and (key != name or safe(v)) for key, v in writes):
                found.add(str(name))
    return found


def _wrapper(
    decorator: ast.expr, functions: dict[str, Def]
) -> tuple[Def, dict[str, ast.expr]] | None:
    """The function that receives the handler, and the factory's arguments by parameter: `@deco`
    is `deco` itself, `@factory("x")` the function `factory` returns."""
    if isinstance(decorator, ast.Name) and decorator.id in functions:
        return functions[decorator.id], {}
    if not (
        isinstance(decorator, ast.Call)
        and isinstance(decorator.func, ast.Name)
        and decorator.func.id in functions
        and not decorator.keywords
    ):
        return None
    factory = functions[decorator.func.id]
    deco = _returned_def(factory)
    if deco is None:
        return None
    return deco, dict(zip(param_names(factory), decorator.args, strict=False))


def _returned_def(fn: Def) -> Def | None:
    """The function `fn` defines in its own body and returns by name (`return inner`)."""
    defs = {s.name: s for s in fn.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)}
    returned = [
        s.value.id
        for s in fn.body
        if isinstance(s, ast.Return) and isinstance(s.value, ast.Name) and s.value.id in defs
    ]
    return defs[returned[0]] if len(returned) == 1 else None


def _calls_wrapped(inner: Def, deco: Def, kwargs: str) -> bool:
    """`inner` calls the handler (`deco`'s only parameter) passing `**kwargs` on."""
    params = param_names(deco)
    if len(params) != 1:
        return False
    return any(
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == params[0]
        and any(kw.arg is None and _is_name(kw.value, kwargs) for kw in node.keywords)
        for node in ast.walk(inner)
    )


def _keywords_passed(inner: Def, deco: Def, safe: Callable[[ast.expr], bool]) -> set[str]:
    """Keywords every call of the handler in `inner` spells out with a value `safe` accepts:
    `fn(*args, page=page, **kwargs)` after `page = int(request.args["page"])`. A keyword given
    by name wins over the same key in `**kwargs` (Python refuses both), so the handler's
    parameter holds that value."""
    params = param_names(deco)
    calls = [
        node
        for node in ast.walk(inner)
        if isinstance(node, ast.Call) and len(params) == 1 and _is_name(node.func, params[0])
    ]
    passed: set[str] | None = None
    for call in calls:
        names = {kw.arg for kw in call.keywords if kw.arg and _safe_local(kw.value, inner, safe)}
        passed = names if passed is None else passed & names
    return passed or set()


def _safe_local(value: ast.expr, inner: Def, safe: Callable[[ast.expr], bool]) -> bool:
    """`value` is safe, or a local name of `inner` whose every binding is a plain assignment of
    a safe value (read before any of them, a local raises UnboundLocalError: no text)."""
    if not isinstance(value, ast.Name):
        return safe(value)
    if value.id in {a.arg for a in (inner.args.vararg, inner.args.kwarg) if a is not None}:
        return False
    if value.id in param_names(inner):
        return False
    stores = [
        n
        for n in ast.walk(inner)
        if isinstance(n, ast.Name) and n.id == value.id and isinstance(n.ctx, ast.Store)
    ]
    assigned = [
        n.value
        for n in ast.walk(inner)
        if isinstance(n, ast.Assign) and len(n.targets) == 1 and _is_name(n.targets[0], value.id)
    ]
    return bool(assigned) and len(assigned) == len(stores) and all(safe(v) for v in assigned)


def _kwarg_writes(inner: Def, kwargs: str) -> Iterator[tuple[ast.expr, ast.expr]]:
    """`kwargs[key] = value` run on every path through `inner`: in its body, or in the body of
    a `try` whose every handler leaves (raises, returns or aborts)."""
    for stmt in inner.body:
        body = [stmt]
        if isinstance(stmt, ast.Try) and all(_leaves(h.body) for h in stmt.handlers):
            body = stmt.body
        for inner_stmt in body:
            if (
                isinstance(inner_stmt, ast.Assign)
                and len(inner_stmt.targets) == 1
                and isinstance(target := inner_stmt.targets[0], ast.Subscript)
                and _is_name(target.value, kwargs)
            ):
                yield target.slice, inner_stmt.value


def _updated(inner: Def, kwargs: str) -> bool:
    """`kwargs.update(...)`, `kwargs.setdefault(...)`: writes whose keys are not read here."""
    return any(
        isinstance(n, ast.Call)
        and isinstance(n.func, ast.Attribute)
        and _is_name(n.func.value, kwargs)
        and n.func.attr in {"update", "setdefault", "__setitem__", "__ior__"}
        for n in ast.walk(inner)
    )


def _leaves(body: list[ast.stmt]) -> bool:
    last = body[-1] if body else None
    if isinstance(last, ast.Raise | ast.Return):
        return True
    return (
        isinstance(last, ast.Expr)
        and isinstance(last.value, ast.Call)
        and last_name(last.value.func) in _EXITS
    )


def _key_name(key: ast.expr, bindings: dict[str, ast.expr]) -> str | None:
    """The parameter name a subscript key spells: a literal, or the factory's parameter bound
    to a literal by the decorator's call."""
    if isinstance(key, ast.Name):
        bound = bindings.get(key.id)
        key = bound if bound is not None else key
    if isinstance(key, ast.Constant) and isinstance(key.value, str):
        return key.value
    return None


def _is_name(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name

"""`functools.partial` of a function of this file, bound once at module level.

```
count_events = partial(count_by, "events")
...
count_events(column, value)        # is count_by("events", column, value)
```

When the name is bound only there and every use of it is a call, each call is rewritten to call
the function itself with the fixed arguments first, and the binding is dropped: the analysis then
sees what the function receives at every call (a constant table here), as for a direct call. A
partial with keywords, unpacking, non-literal fixed arguments, or a name used any other way (passed
as a callback, rebound) is left alone.
"""

from __future__ import annotations

import ast


def inline_partials(tree: ast.Module) -> ast.Module:
    """`tree`, with calls through module-level partials of its functions rewritten in place."""
    partials = _partials(tree)
    if not partials:
        return tree  # nearly every file
    stores: dict[str, int] = {}
    loads: dict[str, int] = {}
    calls: list[tuple[ast.Call, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in partials:
            counts = stores if isinstance(node.ctx, ast.Store) else loads
            counts[node.id] = counts.get(node.id, 0) + 1
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in partials
        ):
            calls.append((node, node.func.id))
    called = {name: sum(n == name for _, n in calls) for name in partials}
    kept = {n for n in partials if stores.get(n) == 1 and loads.get(n, 0) == called[n]}
    for call, name in calls:
        if name in kept:
            _, fn, fixed = partials[name]
            call.func = ast.copy_location(ast.Name(id=fn, ctx=ast.Load()), call.func)
            call.args = [*fixed, *call.args]
    dropped = {id(partials[n][0]) for n in kept}
    tree.body = [
        ast.copy_location(ast.Pass(), stmt) if id(stmt) in dropped else stmt for stmt in tree.body
    ]
    return tree


def _partials(tree: ast.Module) -> dict[str, tuple[ast.Assign, str, list[ast.expr]]]:
    """Name -> (its binding, the function of this file, the literal fixed arguments)."""
    partial_names = _partial_names(tree)
    if not partial_names:
        return {}
    defs = {s.name for s in tree.body if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef)}
    found: dict[str, tuple[ast.Assign, str, list[ast.expr]]] = {}
    for stmt in tree.body:
        if not (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1):
            continue
        target, value = stmt.targets[0], stmt.value
        if not (isinstance(target, ast.Name) and isinstance(value, ast.Call)):
            continue
        func = ast.unparse(value.func)
        if func not in partial_names or value.keywords or not value.args:
            continue
        fn, *fixed = value.args
        literal = all(isinstance(a, ast.Constant) for a in fixed)
        if isinstance(fn, ast.Name) and fn.id in defs and literal:
            found[target.id] = (stmt, fn.id, fixed)
    return found


def _partial_names(tree: ast.Module) -> set[str]:
    """How this module spells `functools.partial`."""
    names: set[str] = set()
    for stmt in tree.body:
        if isinstance(stmt, ast.ImportFrom) and stmt.module == "functools" and not stmt.level:
            names |= {a.asname or a.name for a in stmt.names if a.name == "partial"}
        elif isinstance(stmt, ast.Import):
            names |= {f"{a.asname or a.name}.partial" for a in stmt.names if a.name == "functools"}
    return names

"""Objects of a class defined in the same file: what their construction fixes.

`q = Query("documents")` then `q.sql()`: `sql()` reads `self.table`, which `__init__` stored
from its parameter, so at this call it holds "documents" and not whatever a caller might pass.
A method that only ever `return self` (a fluent builder's `where()`) hands back the same object,
so `Query("books").where(...).sql()` and `q = q.where(...)` keep what the constructor fixed.
These are AST questions only; the interpreter evaluates the arguments.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Mapping

from br_core.sqli.python.scope import param_names, sets_by_name


def attribute_stores(tree: ast.Module) -> Counter[str] | None:
    """How many statements in the file assign each attribute name, on any object; None when
    the file also sets attributes by a name known only at run time (`setattr`, `__dict__`)."""
    stores: Counter[str] = Counter()
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store | ast.Del):
            stores[node.attr] += 1
        elif isinstance(node, ast.Call) and sets_by_name(node):
            return None
    return stores


def constructor_attrs(cls: ast.ClassDef, stores: Counter[str] | None) -> dict[str, str]:
    """`attr -> parameter` for each `self.attr = parameter` in `cls.__init__` that is the only
    assignment of that attribute name in the file: nothing else (another method, a caller's
    `obj.attr = ...`, a base class's code in this file) can change it after construction."""
    init = next(
        (
            s
            for s in cls.body
            if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef) and s.name == "__init__"
        ),
        None,
    )
    if init is None or stores is None:
        return {}
    rebound = {
        n.id for n in ast.walk(init) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)
    }
    params = set(param_names(init)[1:]) - rebound  # `table = table or request.args["t"]`
    found: dict[str, str] = {}
    for stmt in init.body:  # straight-line statements of `__init__`, not inside a branch
        if (
            isinstance(stmt, ast.Assign)
            and len(stmt.targets) == 1
            and isinstance(target := stmt.targets[0], ast.Attribute)
            and isinstance(target.value, ast.Name)
            and target.value.id == "self"
            and isinstance(stmt.value, ast.Name)
            and stmt.value.id in params
            and stores[target.attr] == 1
        ):
            found[target.attr] = stmt.value.id
    return found


def constructor_args(
    init: ast.FunctionDef | ast.AsyncFunctionDef, call: ast.Call
) -> dict[str, ast.expr]:
    """The argument (or default) each `__init__` parameter gets from the call `Cls(...)`;
    empty when the call unpacks `*args` or `**kw` (which one fills what is not known)."""
    if any(isinstance(a, ast.Starred) for a in call.args) or any(
        kw.arg is None for kw in call.keywords
    ):
        return {}
    names = param_names(init)
    defaults = dict(zip(reversed(names), reversed(init.args.defaults), strict=False))
    bound = {p: d for p, d in defaults.items() if p != names[0]}  # `self` has none
    bound.update(zip(names[1:], call.args, strict=False))
    bound.update({kw.arg: kw.value for kw in call.keywords if kw.arg})
    return bound


def unbound_params(
    fn: ast.FunctionDef | ast.AsyncFunctionDef, bound: Mapping[str, object]
) -> dict[str, ast.expr | None]:
    """`fn`'s parameters (but `self`) a call did not fill, each with its default expression;
    None for `*args`, `**kw` and a parameter with no default."""
    a = fn.args
    positional = [*a.posonlyargs, *a.args]
    defaults: dict[str, ast.expr | None] = dict(
        zip([p.arg for p in reversed(positional)], reversed(a.defaults), strict=False)
    )
    defaults.update(zip([p.arg for p in a.kwonlyargs], a.kw_defaults, strict=True))
    names = [p.arg for p in positional[1:]] + [p.arg for p in a.kwonlyargs]
    names += [x.arg for x in (a.vararg, a.kwarg) if x is not None]
    return {n: defaults.get(n) for n in names if n not in bound}


def escaping_names(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
    """Names `fn` hands on as a whole: call arguments (`configure(q)`), the value of another
    name or attribute (`self.q = q`), elements of a literal container. Their object's methods
    may run elsewhere, on arguments this function does not see."""
    found: set[str] = set()
    for node in ast.walk(fn):
        if isinstance(node, ast.Call):
            parts = [*node.args, *(kw.value for kw in node.keywords)]
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.NamedExpr):
            parts = [node.value] if node.value is not None else []
        elif isinstance(node, ast.List | ast.Tuple | ast.Set):
            parts = list(node.elts)
        elif isinstance(node, ast.Dict):
            parts = [v for v in node.values if v is not None]
        else:
            continue
        for part in parts:
            inner = part.value if isinstance(part, ast.Starred) else part
            if isinstance(inner, ast.Name):
                found.add(inner.id)
    return found


def returns_self(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Every `return` of `fn` (nested functions aside) is `return self`, and there is one."""
    returns: list[ast.Return] = []
    todo: list[ast.AST] = list(fn.body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef | ast.Lambda):
            continue
        if isinstance(node, ast.Return):
            returns.append(node)
        todo.extend(ast.iter_child_nodes(node))
    return bool(returns) and all(
        isinstance(r.value, ast.Name) and r.value.id == "self" for r in returns
    )


def method_of(cls: ast.ClassDef, name: str) -> ast.FunctionDef | ast.AsyncFunctionDef | None:
    return next(
        (
            s
            for s in cls.body
            if isinstance(s, ast.FunctionDef | ast.AsyncFunctionDef) and s.name == name
        ),
        None,
    )

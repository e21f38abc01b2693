"""Parameters that every caller in the file fills with a constant.

"Parameters count as untrusted" is right for a function others may call, but a helper whose only
callers are in this file, each passing a literal or a constant, cannot receive attacker text:
`def _count(cur, table): cur.execute(f"SELECT COUNT(*) FROM {table}")` used only as
`_count(cur, "users")`. A finding whose source is such a parameter is dropped, for functions
other modules are not meant to call: private names (`_count`), functions nested in another, and
the module-level functions of the module that makes the web application (`app = Flask(...)`).
The check is conservative: a decorated function (a route, a task: the framework calls it), a
name used other than by direct calls (passed as a callback, exported in a list), or a call with
`*args`/`**kw` keeps the finding.
"""

from __future__ import annotations

import ast
from collections import Counter
from collections.abc import Callable, Iterable

from br_core.sqli.python.guards import dotted
from br_core.sqli.python.scope import all_args
from br_core.sqli.values import Val

UNKNOWN = "*"  # a call site whose arguments cannot be matched to parameters


def usage_counts(tree: ast.Module) -> tuple[Counter[str], Counter[str]]:
    """How often each name is referenced at all, and how often it is called directly."""
    refs: Counter[str] = Counter()
    calls: Counter[str] = Counter()
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name):
                calls[func.id] += 1
            elif (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id in {"self", "cls"}
            ):
                calls[func.attr] += 1
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load):
            refs[node.id] += 1
        elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            refs[node.attr] += 1
    return refs, calls


def site_args(node: ast.Call, bound: dict[str, Val]) -> dict[str, Val]:
    """What one call passes, by parameter name; UNKNOWN when it unpacks `*args`/`**kw`."""
    if any(isinstance(a, ast.Starred) for a in node.args) or any(
        kw.arg is None for kw in node.keywords
    ):
        return {UNKNOWN: Val(taint="unpacked arguments")}
    return bound


def public_defs(tree: ast.Module) -> set[int]:
    """id() of functions another module may call: module-level and class-level public names."""
    found: set[int] = set()
    bodies = [tree.body, *(c.body for c in tree.body if isinstance(c, ast.ClassDef))]
    for body in bodies:
        for node in body:
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and (
                not node.name.startswith("_") or node.name.startswith("__")
            ):
                found.add(id(node))
    return found


# Constructors of a web application object (or of a part of one that routes register on: a
# blueprint, a router): a module that makes one at its top level is the application itself,
# which its own routes call into, not a library others import helpers from.
APP_MAKERS = {
    "flask.Flask", "quart.Quart", "fastapi.FastAPI", "starlette.applications.Starlette",
    "sanic.Sanic", "bottle.Bottle", "aiohttp.web.Application", "litestar.Litestar",
    "flask.Blueprint", "quart.Blueprint", "fastapi.APIRouter", "sanic.Blueprint",
}  # fmt: skip
# Route decorators of a framework's default application: a module that registers its functions
# with them is the application as much as one that makes the app object.
DEFAULT_APP_ROUTES = {
    f"bottle.{verb}" for verb in ("route", "get", "post", "put", "delete", "patch")
}


def application_defs(tree: ast.Module, qualified: Callable[[str], str]) -> set[int]:
    """id() of the module-level functions of a module that makes the web application object
    (`app = Flask(__name__)`): public by name, yet called by this module's own routes, so a
    parameter every call here fills with a constant holds a constant. Empty for any other
    module: a library's public function is an entry point whatever its callers here pass."""
    makes_app = any(
        isinstance(stmt, ast.Assign)
        and isinstance(stmt.value, ast.Call)
        and qualified(dotted(stmt.value.func) or "") in APP_MAKERS
        for stmt in tree.body
    ) or any(
        qualified(dotted(deco.func if isinstance(deco, ast.Call) else deco) or "")
        in DEFAULT_APP_ROUTES
        for stmt in tree.body
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef)
        for deco in stmt.decorator_list
    )
    if not makes_app:
        return set()
    return {id(n) for n in tree.body if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}


def constant_only(
    fn: ast.FunctionDef | ast.AsyncFunctionDef,
    sites: dict[int, dict[str, Val]],
    refs: Counter[str],
    calls: Counter[str],
) -> set[str]:
    """Parameters of `fn` (private or nested) that no call in the file fills with untrusted text."""
    if fn.decorator_list or not sites or any(UNKNOWN in s for s in sites.values()):
        return set()
    if refs[fn.name] != calls[fn.name] or len(sites) != calls[fn.name]:
        return set()  # used some other way, or some call was never evaluated
    params = {a.arg for a in all_args(fn)} - {"self", "cls"}
    return {p for p in params if not any(_tainted(s[p]) for s in sites.values() if p in s)}


def _tainted(val: Val) -> bool:
    """Untrusted text anywhere in the value, containers included."""
    if val.taint:
        return True
    if val.elems is not None and _tainted(val.elems):
        return True
    return any(_tainted(i) for i in val.items or ())


# Names whose use reaches a module's functions by a name computed at run time.
_DYNAMIC = {"globals", "locals", "vars", "eval", "exec", "__import__"}


def unreachable_defs(tree: ast.Module) -> list[ast.FunctionDef | ast.AsyncFunctionDef]:
    """Module-level private functions nothing can call: a leading underscore (not another
    module's to call), no decorator (no framework registers it), and no reference from any code
    that can run, nor from a string (`__all__`, `getattr(mod, "_name")`, an entry point). Code
    that can run is every other top-level statement except such functions themselves, so two
    dead helpers calling each other stay dead. A file that looks names up at run time
    (`globals()[name]`) keeps them all."""
    candidates = {
        node.name: node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.name.startswith("_")
        and not node.name.startswith("__")
        and not node.decorator_list
    }
    if not candidates:
        return []
    used = [_names_used(stmt, candidates) for stmt in tree.body]
    if any(names & _DYNAMIC for names in used):
        return []
    dead = set(candidates)
    changed = True
    while changed:
        live = set().union(*(n for s, n in zip(tree.body, used, strict=True) if _runs(s, dead)))
        changed = bool(dead & live)
        dead -= live
    return [candidates[name] for name in sorted(dead)]


def uncalled_nested(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[int]:
    """id() of the functions defined inside `fn` that nothing in `fn` names (outside their own
    body) and no decorator registers: never called nor handed on, dead like a constant-false
    branch. A name spelled in a string, or a run-time lookup (`locals()`), keeps them."""
    nodes = list(ast.walk(fn))
    nested = [
        n
        for n in nodes
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)
        and n is not fn
        and not n.decorator_list
    ]
    if not nested:
        return set()
    names = {n.id for n in nodes if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    if names & _DYNAMIC:
        return set()
    dead: set[int] = set()
    for inner in nested:
        own = {id(n) for n in ast.walk(inner)}
        named = any(
            id(n) not in own
            and (
                (isinstance(n, ast.Name) and n.id == inner.name)
                or (isinstance(n, ast.Attribute) and n.attr == inner.name)
                or (isinstance(n, ast.Constant) and n.value == inner.name)
            )
            for n in nodes
        )
        if not named:
            dead.add(id(inner))
    return dead


def _runs(stmt: ast.stmt, dead: set[str]) -> bool:
    return not (isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name in dead)


def _names_used(stmt: ast.stmt, candidates: Iterable[str]) -> set[str]:
    """Names `stmt` reads or mentions: names, attributes, and candidates named in a string."""
    found: set[str] = set()
    for node in _live_nodes(stmt):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            found.update(name for name in candidates if name in node.value)
    return found


def _live_nodes(root: ast.AST) -> list[ast.AST]:
    """The nodes under `root` (itself included) outside branches that can never run."""
    found: list[ast.AST] = []
    todo = [root]
    while todo:
        node = todo.pop()
        found.append(node)
        if isinstance(node, ast.If | ast.While | ast.IfExp):
            truth = static_truth(node.test)
            body = node.body if isinstance(node.body, list) else [node.body]
            orelse = node.orelse if isinstance(node.orelse, list) else [node.orelse]
            todo.append(node.test)
            todo.extend(body if truth is not False else [])
            todo.extend(orelse if truth is not True or isinstance(node, ast.While) else [])
        else:
            todo.extend(ast.iter_child_nodes(node))
    return found


def static_truth(test: ast.expr) -> bool | None:
    """True or False when `test` is decided by its literals alone (`0`, `not True`,
    `__name__ == "__main__" and False`), else None."""
    if isinstance(test, ast.Constant):
        return bool(test.value)
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        inner = static_truth(test.operand)
        return None if inner is None else not inner
    if isinstance(test, ast.BoolOp):
        truths = [static_truth(v) for v in test.values]
        decisive = isinstance(test.op, ast.Or)  # `or`: any True decides; `and`: any False
        if decisive in truths:
            return decisive
        return (not decisive) if all(t is not None for t in truths) else None
    return None

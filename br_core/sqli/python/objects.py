"""Objects of a class defined in the file, followed through the methods run on them.

`q = Query("docs")`, `q.where("author", value)`, `conn.execute(q.sql(), q.params)`: each method
called on an object the function made (and keeps to itself) runs, quietly, with that call's
arguments and the attributes the construction fixed (instances.py) or earlier methods left;
what it leaves in `self.<attr>` is the object's state for the next method, and for `q.params`
read from outside. Anything else (an object handed on, a module-level one, a method reached
through itself, the budget spent) takes the class-wide summary, as a method always did.
"""

from __future__ import annotations

import ast
from collections import Counter

from br_core.sqli.python.expr import Env
from br_core.sqli.python.instances import (
    attribute_stores,
    constructor_args,
    constructor_attrs,
    escaping_names,
    method_of,
    returns_self,
    unbound_params,
)
from br_core.sqli.python.scope import param_names
from br_core.sqli.python.stmts import Frame, StatementInterpreter
from br_core.sqli.values import SAFE, Val, literal, merge


class ObjectModel(StatementInterpreter):
    """The interpreter's object model; `PythonAnalyzer` supplies the rest of the state."""

    tree: ast.Module
    classes: list[ast.ClassDef]
    class_of: dict[int, ast.ClassDef]
    class_attrs: dict[int, dict[str, str]]
    class_queries: dict[int, dict[str, Val]]
    module_env: Env
    quiet: int
    call_sites: dict[int, dict[int, dict[str, Val]]]
    all_defs: list[ast.FunctionDef | ast.AsyncFunctionDef]
    defs_by_id: dict[int, ast.FunctionDef | ast.AsyncFunctionDef] | None

    def __init__(self, imports: dict[str, str], tree: ast.Module) -> None:
        super().__init__(imports)
        self.attr_stores: Counter[str] | None = None  # attribute name -> assignments in file
        self.attr_stores_read = False
        self.objects: dict[int, dict[str, Val]] = {}  # construction -> attributes methods set
        self.running: set[tuple[int, int]] = set()  # (method, construction) being run
        self.escaping: dict[int, set[str]] = {}  # function id -> names it hands on whole
        last = tree.body[-1] if tree.body else None
        self.object_budget = ((last.end_lineno or 0) if last is not None else 0) + 100

    def _names_in(self, owner: int) -> set[str]:  # pragma: no cover
        """Names the function `owner` binds (the interpreter)."""
        raise NotImplementedError

    def _quiet_run(
        self,
        fn: ast.FunctionDef | ast.AsyncFunctionDef,
        env: Env,
        attrs: dict[str, Val],
        report: bool = False,
    ) -> Frame:
        """Run `fn`'s body from `env` (`self.<attr>` reading `attrs` when `env` lacks it) and
        keep only its frame: no findings (unless `report`: the caller holds them apart), and
        the call sites it meets are restored."""
        frame = Frame(params=param_names(fn), owner=id(fn))
        sites = {k: dict(v) for k, v in self.call_sites.items()}
        outer_attrs, outer_queries = self.self_attrs, self.self_queries
        outer_seen, self.unresolved_seen = self.unresolved_seen, {}  # a new scope
        outer_free, self.free_seen = self.free_seen, {}
        outer_calls, self.calls_seen = self.calls_seen, {}
        self.self_attrs = self.class_attrs.get(id(fn), outer_attrs)
        self.self_queries = dict(self.class_queries.get(id(fn), outer_queries))
        self.self_queries.update(attrs)
        self.frames.append(frame)
        quiet = 0 if report else 1
        self.quiet += quiet
        try:
            if not self.exec_block(fn.body, env):
                frame.exits.append(env)
        finally:
            self.quiet -= quiet
            self.frames.pop()
            self.call_sites = sites
            self.self_attrs, self.self_queries = outer_attrs, outer_queries
            self.unresolved_seen, self.free_seen = outer_seen, outer_free
            self.calls_seen = outer_calls
        return frame

    def _class_named(self, func: ast.expr) -> ast.ClassDef | None:
        if not isinstance(func, ast.Name):
            return None
        return next((c for c in self.classes if c.name == func.id), None)

    def _construction(self, node: ast.expr, depth: int = 0) -> ast.Call | None:
        """The `Cls(...)` call of a class of this file that made the object `node` holds,
        through methods that return `self` (`Query("t").where(...)`), or None."""
        if isinstance(node, ast.Name):
            made = self.frames[-1].defs.get(node.id) or self.frames[0].defs.get(node.id)
            node = made if made is not None else node
        if not isinstance(node, ast.Call):
            return None
        if self._class_named(node.func) is not None:
            return node
        if not isinstance(node.func, ast.Attribute) or depth > 4:
            return None
        inner = self._construction(node.func.value, depth + 1)
        cls = self._class_named(inner.func) if inner is not None else None
        method = method_of(cls, node.func.attr) if cls is not None else None
        return inner if method is not None and returns_self(method) else None

    def keeps_object(self, call: ast.Call) -> bool:
        """`q = q.where(...)` with a `where` that returns `self`: `q` is the object it was."""
        return self._construction(call) is not None

    def _fixed_attrs(self, made: ast.Call) -> dict[str, Val]:
        """The attributes the construction `made` fixes to a constant: a literal argument (or
        default), or a module-level name no function rebinds, stored by `__init__`."""
        cls = self._class_named(made.func)
        init = method_of(cls, "__init__") if cls is not None else None
        if cls is None or init is None:
            return {}
        if not self.attr_stores_read:  # a walk of the whole file: only once, when it can help
            self.attr_stores, self.attr_stores_read = attribute_stores(self.tree), True
        args = constructor_args(init, made)
        fixed: dict[str, Val] = {}
        for attr, param in constructor_attrs(cls, self.attr_stores).items():
            arg = args.get(param)
            if isinstance(arg, ast.Constant):
                fixed[attr] = literal(arg.value)
            elif (
                isinstance(arg, ast.Name)
                and arg.id in self.module_env
                and not any(arg.id in self._names_in(f.owner) for f in self.frames[1:])
            ):
                val = self.module_env[arg.id]
                if not val.suspect:
                    fixed[attr] = val
        return fixed

    def object_attribute(self, node: ast.Attribute) -> Val | None:
        """`q.params` after `q.where(...)` appended to `self.params`: what the methods left."""
        if not self.objects:
            return None  # nearly every file: no method ran on an object of a local class
        made = self._own_object(node.value)
        return self.objects.get(id(made), {}).get(node.attr) if made is not None else None

    def _quiet_value(self, node: ast.expr) -> Val:
        """A parameter default's value (read in the module's scope), reporting nothing."""
        self.quiet += 1
        try:
            return self.value(node, dict(self.module_env))
        finally:
            self.quiet -= 1

    def _receiver_made(
        self, fn: ast.FunctionDef | ast.AsyncFunctionDef, node: ast.Call
    ) -> ast.Call | None:
        """The construction of the object a method call `obj.m(...)` is made on, when `m` is
        a method of a class of this file and the file shows `obj = Cls(...)`."""
        if fn.name == "__init__" or id(fn) not in self.class_of:
            return None
        return self._own_object(node.func.value) if isinstance(node.func, ast.Attribute) else None

    def _own_object(self, receiver: ast.expr) -> ast.Call | None:
        """The construction of `receiver` when the function being read made that object and
        keeps it to itself: a chain (`Query("t").where(...)`), or a local name never passed
        on (a module-level object, or one handed to another function, may change there)."""
        if isinstance(receiver, ast.Call):
            return self._construction(receiver)
        frame = self.frames[-1]
        if not isinstance(receiver, ast.Name) or not frame.owner or receiver.id not in frame.defs:
            return None
        escaping = self.escaping.get(frame.owner)
        if escaping is None:
            if self.defs_by_id is None:
                self.defs_by_id = {id(f): f for f in self.all_defs}
            fn = self.defs_by_id.get(frame.owner)
            escaping = self.escaping[frame.owner] = escaping_names(fn) if fn else set()
        return None if receiver.id in escaping else self._construction(receiver)

    def _object_call(
        self, fn: ast.FunctionDef | ast.AsyncFunctionDef, made: ast.Call, bound: dict[str, Val]
    ) -> Val | None:
        """What method `fn` returns on the object `made` built, with this call's arguments,
        and what it leaves in the object's attributes for its next methods: the `where()` of
        a query builder appends to `self.conds`, its `sql()` joins them. Quiet: the method's
        own sinks are judged once, in its summary. None: use the class-wide summary."""
        key = (id(fn), id(made))
        cost = (fn.end_lineno or fn.lineno) - fn.lineno + 1
        if key in self.running or cost > self.object_budget:
            # A method reached again through itself, or the file has run methods on objects
            # for as many lines as it has: the class-wide summary, so the check
            # stays linear in the file however many calls it makes.
            return None
        self.object_budget -= cost
        state = self.objects.setdefault(id(made), {})
        env = dict(self.module_env)
        for param, default in unbound_params(fn, bound).items():
            # a default's value, or what `*args`/`**kw` collect: every argument of the call
            env[param] = (
                self._quiet_value(default)
                if default is not None
                else merge(*(Val(elems=v) for v in bound.values()))
            )
        env.update(bound)
        env.update({f"self.{attr}": val for attr, val in state.items()})
        self.running.add(key)
        try:
            frame = self._quiet_run(fn, env, self._fixed_attrs(made))
        finally:
            self.running.discard(key)
        left: dict[str, list[Val]] = {}
        for exit_env in frame.exits:
            for name, val in exit_env.items():
                attr = name[5:] if name.startswith("self.") else ""
                if attr and "." not in attr:
                    left.setdefault(attr, []).append(val)
        state.update({attr: merge(*vals) for attr, vals in left.items()})
        return merge(*frame.returns) if frame.returns else SAFE

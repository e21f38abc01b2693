"""Python SQL-injection analysis on the AST: sink-anchored, intra-procedural def-use.

Each function body is interpreted once, in order, over abstract values (`sqli_values.Val`):
assignments, `+=`, containers, loops (twice, to see accumulation), branches (merged; a branch
that raises or returns does not flow on; a constant-false branch is dead), and allow-list checks
that prove a name safe. Parameters, the web request, `input()`, the environment, files and the
network are sources. Small helpers in the same file are summarised: what they return, and which
parameter reaches a sink unchanged (so `query_db(f"... {name}")` is caught at the call).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from br_core.sqli.collector import collector_paused
from br_core.sqli.python.callers import (
    application_defs,
    constant_only,
    public_defs,
    site_args,
    uncalled_nested,
    unreachable_defs,
    usage_counts,
)
from br_core.sqli.python.cli import converted_options
from br_core.sqli.python.containers import make_dict
from br_core.sqli.python.expr import PARAM_PREFIX, QUOTING, Env
from br_core.sqli.python.frameworks import constant_enums, django_routes, framework_converted
from br_core.sqli.python.guards import dotted, last_name
from br_core.sqli.python.instances import attribute_stores
from br_core.sqli.python.models import (
    constructor_conversions,
    model_fields,
    model_of,
    schema_fields,
)
from br_core.sqli.python.objects import ObjectModel
from br_core.sqli.python.partials import inline_partials
from br_core.sqli.python.rewrite import suggest
from br_core.sqli.python.scope import (
    all_args,
    attributes_set,
    bound_names,
    compiled_pattern,
    global_assignments,
    is_route,
    module_imports,
    module_names,
    param_names,
    route_validated,
    statements_of,
    stored_params,
)
from br_core.sqli.python.sinks import (
    SinkSite,
    driver_style,
    find_sinks,
    raw_fragments,
    sink_applies,
)
from br_core.sqli.python.stmts import Frame
from br_core.sqli.python.wrappers import set_by_decorators
from br_core.sqli.values import (
    SAFE,
    RawFinding,
    Val,
    is_setting,
    literal,
    merge,
    opaque,
    strongest,
    weak_source,
)

_PREFILTER = re.compile(
    r"\.(?:execute\w*|exec_driver_sql|fetch\w*|iterate|prepare|copy_expert|copy_from_query"
    r"|query|raw|cursor|select"
    r"|read_sql\w*|mogrify|extra|filter|where|having|order_by|group_by|sql|run)\s*\("
    r"|\b(?:text|literal_column|SQL|RawSQL|read_sql\w*|execute_values|execute_batch)\s*\("
)
# Per-request namespaces the application itself fills (flask's `g`, and Quart's).
REQUEST_GLOBALS = {"flask.g", "quart.g"}
RULES = {
    "f-string": "fstring",
    "%": "percent",
    ".format": "format",
    "+": "concat",
    "join": "join",
    "raw": "raw",
    "fragment": "raw",
}


@dataclass
class Summary:
    ret: Val = SAFE
    sink_params: dict[str, str] = field(default_factory=dict)
    validated: set[str] = field(default_factory=set)  # safe whenever the function returns
    predicate: set[str] = field(default_factory=set)  # safe when the function returns true
    exits: list[Env] = field(default_factory=list)  # the environments it ends with


class PythonAnalyzer(ObjectModel):
    """Interpret one module; `findings` holds the result of `run()`."""

    def __init__(self, tree: ast.Module) -> None:
        self.all_defs: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        self.globals: list[ast.Global] = []
        super().__init__(module_imports(tree, self.all_defs, self.globals), tree)
        self.tree = tree
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.methods: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.summaries: dict[int, Summary] = {}
        self.ret_params: dict[int, set[str]] = {}  # see _ret_params
        self.lambdas: dict[str, ast.Lambda | None] = {}  # module names bound to a lambda once
        self.findings: dict[tuple[int, int], RawFinding] = {}
        self.frames: list[Frame] = [Frame(params=[])]
        self.module_env: Env = {}
        self.quiet = 0
        self.class_attrs: dict[int, dict[str, str]] = {}
        self.class_queries: dict[int, dict[str, Val]] = {}
        self.class_of: dict[int, ast.ClassDef] = {}  # method id -> its class
        self.class_sets: dict[int, set[str] | None] = {}  # class id -> attributes it sets
        self.current_class: ast.ClassDef | None = None
        self.classes: list[ast.ClassDef] = []
        self.call_sites: dict[int, dict[int, dict[str, Val]]] = {}  # callee -> call -> args
        self.finding_params: dict[tuple[int, int], tuple[int, str]] = {}  # -> (function, param)
        self.module_names: set[str] | None = None  # names bound at module level, when needed
        self.local_names: dict[int, set[str]] = {}  # function id -> names bound inside it
        self.defs_by_id: dict[int, ast.FunctionDef | ast.AsyncFunctionDef] | None = None
        self.sinks_of: dict[int, list[SinkSite]] = {}  # id() of a call -> its sinks
        self.cli_options: set[str] | None = None  # see converted_options
        self.models: dict[str, set[str]] | None = None  # see converted_fields
        self.uncalled: set[int] = set()  # nested defs their function never uses
        self.uncalled_in: set[int] = set()  # functions whose nested defs were looked at
        self.framework: tuple[dict[str, set[str] | None], set[str]] | None = None  # see below

    def run(self) -> list[RawFinding]:
        self._collect(self.tree.body, in_class=False)
        body, entry = _split_entry_point(self.tree.body)
        self.exec_block(body, self.module_env)
        self._global_writes()
        self._request_globals()
        for cls in self.classes:  # methods that store a query on `self` first: others read it
            for method in cls.body:
                if isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef) and _sets_self(
                    method
                ):
                    self.summary(method)
        # `if __name__ == "__main__": Job().run()` last: the methods it reaches read what
        # `__init__` stored, known only now (a summary taken earlier would miss it).
        self.exec_block(entry, self.module_env)
        for fn in [*self.functions.values(), *self.methods.values()]:
            self.summary(fn)
        for node in self.all_defs:  # defs under module-level `if`/`try`, nested classes
            if id(node) not in self.uncalled:
                self.summary(node)
        self._drop_constant_callers()
        self._drop_unreachable()
        return sorted(self.findings.values(), key=lambda f: (f.built_line or f.line, f.line))

    def _drop_constant_callers(self) -> None:
        """A finding from a parameter that every caller in the file fills with a constant."""
        if not self.finding_params:
            return
        public = public_defs(self.tree) - application_defs(self.tree, self.qualified)
        defs = {id(fn): fn for fn in self.all_defs if id(fn) not in public}
        if not any(owner in defs for owner, _ in self.finding_params.values()):
            return  # every finding is in a public function: no need to count usages
        refs, calls = usage_counts(self.tree)  # a walk of the whole tree: only when it can help
        rerun: dict[int, set[tuple[int, int]]] = {}
        for key, (owner, param) in self.finding_params.items():
            fn = defs.get(owner)
            sites = self.call_sites.get(owner, {})
            constant = constant_only(fn, sites, refs, calls) if fn is not None else set()
            if fn is None or param not in constant:
                continue
            # A finding names one parameter; another one some caller fills with untrusted
            # text may reach the same query: it is dropped only when it is gone once every
            # constant-only parameter holds a constant.
            if owner not in rerun:
                rerun[owner] = self._findings_with_constants(fn, constant)
            if key not in rerun[owner]:
                self.findings.pop(key, None)

    def _findings_with_constants(
        self, fn: ast.FunctionDef | ast.AsyncFunctionDef, constant: set[str]
    ) -> set[tuple[int, int]]:
        """Where `fn` reports a finding when the parameters in `constant` hold constants."""
        env = self._param_env(fn, dict(self.module_env))
        env.update(dict.fromkeys(constant, SAFE))
        kept, kept_params = self.findings, self.finding_params
        self.findings, self.finding_params = {}, {}
        try:
            self._quiet_run(fn, env, {}, report=True)
            return set(self.findings)
        finally:
            self.findings, self.finding_params = kept, kept_params

    def _drop_unreachable(self) -> None:
        """Findings inside a private module function nothing in the file can call: dead code,
        like a constant-false branch (issue 17 item 1). A public one stays: others may call it."""
        private = [
            node
            for node in self.tree.body
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name[:1] == "_"
        ]
        spans = [(fn.lineno, fn.end_lineno or fn.lineno) for fn in private]
        if not any(a <= f.line <= b for f in self.findings.values() for a, b in spans):
            return  # nearly every file: no finding in a private function, nothing to walk
        for fn in unreachable_defs(self.tree):
            start, end = fn.lineno, fn.end_lineno or fn.lineno
            for key in [k for k, f in self.findings.items() if start <= f.line <= end]:
                del self.findings[key]

    def _global_writes(self) -> None:
        """A module name a function rebinds through `global` holds what that function stores
        too: a constant stays a constant, anything else is not provably constant."""
        if not self.globals:
            return  # nearly every file: no function writes a module name
        for fn in self.all_defs:
            for name, value in global_assignments(fn):
                old = self.module_env.get(name, SAFE)
                if isinstance(value, ast.Constant):
                    self.module_env[name] = merge(old, literal(value.value))
                else:
                    why = f"`{name}`, also set by `{fn.name}()` through `global`"
                    self.module_env[name] = merge(old, Val(unknown=why))

    def _request_globals(self) -> None:
        """`g.tenant = ...` in a `before_request` hook, read by a view: flask's `g` is the
        app's own per-request namespace (a client writes nothing there directly), so `g.<attr>`
        holds what the functions of this file store in it. Those functions are read first and
        every other function starts from their stores; an attribute no function here stores
        stays unresolved (medium)."""
        names = {name for name, origin in self.imports.items() if origin in REQUEST_GLOBALS}
        if not names:
            return  # nearly every file: no request globals imported
        stores: dict[str, list[Val]] = {}
        for fn in self.all_defs:
            attrs = _attributes_stored(fn, names)
            if not attrs:
                continue
            self.summary(fn)
            for env in self.summaries[id(fn)].exits:
                for attr in attrs & env.keys():
                    stores.setdefault(attr, []).append(env[attr])
        for attr, vals in stores.items():
            self.module_env[attr] = merge(*vals)

    def never_set(self, attr: str) -> str | None:
        """Why `self.<attr>` is not provably constant when its class, with no base class to
        inherit it from, never sets it (someone outside the class does)."""
        cls = self.current_class
        if cls is None:
            return None
        if id(cls) not in self.class_sets:
            self.class_sets[id(cls)] = attributes_set(cls)
        known = self.class_sets[id(cls)]
        if known is None or attr in known:
            return None
        return f"`self.{attr}`, never set in class `{cls.name}`"

    def _collect(self, body: list[ast.stmt], in_class: bool) -> None:
        for stmt in body:
            if isinstance(stmt, ast.Assign):  # most statements: tested first
                self._collect_assign(stmt, in_class)
            elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                (self.methods if in_class else self.functions).setdefault(stmt.name, stmt)
            elif isinstance(stmt, ast.ClassDef):
                self._collect(stmt.body, in_class=True)
                attrs = stored_params(stmt)
                queries: dict[str, Val] = {}
                self.classes.append(stmt)
                if any(last_name(b).endswith(("Enum", "Flag")) for b in stmt.bases):
                    self.enums.add(stmt.name)
                for method in stmt.body:
                    self.class_attrs[id(method)] = attrs
                    self.class_queries[id(method)] = queries
                    self.class_of[id(method)] = stmt

    def _collect_assign(self, stmt: ast.Assign, in_class: bool) -> None:
        if len(stmt.targets) != 1:
            return
        target = stmt.targets[0]
        if type(target) is not ast.Name:
            return
        pattern = compiled_pattern(stmt.value) if type(stmt.value) is ast.Call else None
        if pattern is not None:
            self.regexes[target.id] = pattern
        if not in_class:
            # `quote = lambda s: "'" + s + "'"`: a helper like a def, while bound once.
            lam = stmt.value if type(stmt.value) is ast.Lambda else None
            self.lambdas[target.id] = None if target.id in self.lambdas else lam

    # functions and summaries
    def summary(
        self, fn: ast.FunctionDef | ast.AsyncFunctionDef, closure: Env | None = None
    ) -> Summary:
        key = id(fn)
        if key in self.summaries:
            return self.summaries[key]
        self.summaries[key] = Summary()  # recursion guard: a recursive call learns nothing
        env = self._param_env(fn, dict(self.module_env if closure is None else closure))
        params = param_names(fn)
        frame = Frame(params=params, owner=key)
        self.frames.append(frame)
        outer_attrs, outer_queries = self.self_attrs, self.self_queries
        outer_aliases, self.aliases = self.aliases, {}
        outer_class, self.current_class = self.current_class, self.class_of.get(key)
        outer_seen, self.unresolved_seen = self.unresolved_seen, {}  # a new scope
        outer_free, self.free_seen = self.free_seen, {}
        outer_calls, self.calls_seen = self.calls_seen, {}
        self.self_attrs = self.class_attrs.get(key, outer_attrs)
        self.self_queries = self.class_queries.get(key, outer_queries)
        try:
            if not self.exec_block(fn.body, env):
                frame.exits.append(env)
            _store_queries(frame.exits, self.self_queries)
        finally:
            self.frames.pop()
            self.self_attrs, self.self_queries = outer_attrs, outer_queries
            self.aliases = outer_aliases
            self.current_class = outer_class
            self.unresolved_seen, self.free_seen = outer_seen, outer_free
            self.calls_seen = outer_calls
        result = Summary(ret=merge(*frame.returns) if frame.returns else SAFE)
        result.sink_params = frame.sink_params
        result.exits = frame.exits
        tainted = [p for p in params if env.get(p) is not None]
        result.validated = {
            p for p in tainted if frame.exits and all(not e.get(p, SAFE).taint for e in frame.exits)
        }
        result.predicate = self._predicate_params(fn, params)
        self.summaries[key] = result
        return result

    def _param_env(self, fn: ast.FunctionDef | ast.AsyncFunctionDef, env: Env) -> Env:
        """`env` with `fn`'s parameters bound to what they may hold when `fn` is called."""
        wrapped = self._set_by_decorators(fn) if fn.decorator_list else set()
        wrapped |= self._framework_converted(fn)
        for arg in all_args(fn):
            if arg.arg in {"self", "cls"}:
                continue
            if route_validated(fn, arg) or arg.arg in wrapped:
                env[arg.arg] = SAFE
            elif arg.arg in {"request", "req"} or _request_type(arg):
                env[arg.arg] = Val(taint=f"the web request (parameter `{arg.arg}`)")
            elif is_route(fn):  # `@app.route("/u/<name>")`: the framework fills it from the URL
                env[arg.arg] = Val(taint=f"the web request (route parameter `{arg.arg}`)")
            else:
                env[arg.arg] = Val(taint=f"{PARAM_PREFIX}{arg.arg}`")
        return env

    def _framework_converted(self, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
        """Parameters a web or CLI framework converts before `fn` runs (frameworks.py)."""
        if self.framework is None:
            urls = any(origin.startswith("django.urls") for origin in self.imports.values())
            routes = django_routes(self.tree) if urls else {}
            self.framework = routes, constant_enums(self.classes) if self.enums else set()
        routes, enums = self.framework
        if not fn.decorator_list and fn.name not in routes:
            return set()  # most functions: nothing declares how their parameters are filled
        return framework_converted(fn, enums, routes, self.imports)

    def _set_by_decorators(self, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
        """Parameters a decorator of this file overwrites with a safe value (`int(...)`)."""

        def safe(value: ast.expr) -> bool:
            sites = {k: dict(v) for k, v in self.call_sites.items()}
            self.quiet += 1
            try:
                return not self.value(value, dict(self.module_env)).suspect
            finally:
                self.quiet -= 1
                self.call_sites = sites

        return set_by_decorators(fn, self.functions, safe)

    def _lambda_call(self, lam: ast.Lambda, args: list[Val]) -> Val:
        """What a module-level lambda returns for these positional arguments."""
        env = dict(self.module_env)
        names = [a.arg for a in [*lam.args.posonlyargs, *lam.args.args, *lam.args.kwonlyargs]]
        for i, name in enumerate(names):
            env[name] = args[i] if i < len(args) else Val(taint=f"{PARAM_PREFIX}{name}`")
        return self.value(lam.body, env)

    def _reaching(
        self, fn: ast.FunctionDef | ast.AsyncFunctionDef, ret: Val, bound: dict[str, Val]
    ) -> Val:
        """`ret` naming the parameter whose argument at this call is untrusted, when the one the
        summary names gets a constant here and another parameter reaches the return too."""
        param = ret.taint[len(PARAM_PREFIX) : -1] if ret.taint else ""
        live = [v for v in bound.values() if v.suspect and not is_setting(v)]
        if not (param and ret.taint and ret.taint.startswith(PARAM_PREFIX) and live):
            return ret
        if bound.get(param, SAFE).suspect and not is_setting(bound[param]):
            return ret
        reaching = [(p, bound[p]) for p in self._ret_params(fn) if p in bound]
        taint = strongest([v for _, v in reaching if v.suspect and not is_setting(v)])
        other = next((p for p, v in reaching if taint and v.taint == taint), None)
        return replace(ret, taint=f"{PARAM_PREFIX}{other}`") if other is not None else ret

    def _ret_params(self, fn: ast.FunctionDef | ast.AsyncFunctionDef) -> set[str]:
        """Every parameter whose text reaches `fn`'s return value. A value names one source, so
        the summary names one parameter (`field` in `"{} = '{}'".format(field, value)`); each
        further quiet run holds the ones found safe and looks again. Run only for a call that
        passes untrusted text to some other parameter, and cached."""
        found = self.ret_params.get(id(fn))
        if found is not None:
            return found
        found = self.ret_params[id(fn)] = set()
        ret = self.summary(fn).ret
        while ret.taint and ret.taint.startswith(PARAM_PREFIX):
            param = ret.taint[len(PARAM_PREFIX) : -1]
            if param in found:
                break
            found.add(param)
            ret = self._quiet_return(fn, found)
        return found

    def _quiet_return(self, fn: ast.FunctionDef | ast.AsyncFunctionDef, safe: set[str]) -> Val:
        """`fn`'s return value with the parameters in `safe` holding constants. Nothing of the
        run is kept: no findings (quiet), and the call sites it meets are restored."""
        env = self._param_env(fn, dict(self.module_env))
        env.update(dict.fromkeys(safe, SAFE))
        frame = self._quiet_run(fn, env, {})
        return merge(*frame.returns) if frame.returns else SAFE

    def _predicate_params(
        self, fn: ast.FunctionDef | ast.AsyncFunctionDef, params: list[str]
    ) -> set[str]:
        """`def allowed(c): return c in COLUMNS`: a true result proves `c` safe."""
        body = [s for s in fn.body if not isinstance(s, ast.Expr)]  # skip a docstring
        if len(body) != 1 or not isinstance(body[0], ast.Return) or body[0].value is None:
            return set()
        return set(self._proven_safe(body[0].value, dict(self.module_env), True)) & set(params)

    def proven_by_helper(self, test: ast.Call) -> list[str]:
        """Keys a local validator call proves safe when it returns true."""
        callee = self._local_callee(test)
        if callee is None:
            return []
        fn, skip = callee
        predicate = self.summary(fn).predicate
        nodes = dict(zip(param_names(fn)[skip:], test.args, strict=False))
        return [k for p, n in nodes.items() if p in predicate and (k := dotted(n)) is not None]

    def apply_validators(self, node: ast.Call, env: Env) -> None:
        """After `check_column(col)` returns, `col` passed a check that raises otherwise."""
        callee = self._local_callee(node)
        if callee is None:
            return
        fn, skip = callee
        validated = self.summary(fn).validated
        nodes = dict(zip(param_names(fn)[skip:], node.args, strict=False))
        for param, arg in nodes.items():
            key = dotted(arg)
            if param in validated and key is not None and key in env:
                env[key] = env[key].untainted()

    def converted_options(self) -> set[str]:
        if self.cli_options is None:  # only once a parsed command line's attribute is read
            self.cli_options = converted_options(self.tree)
        return self.cli_options

    def converted_fields(self, name: str) -> set[str]:
        if not self.classes:
            return set()  # most files: no class, no model
        if self.models is None:
            self.models = model_fields(self.classes, self.qualified)
        frame = self.frames[-1]
        made = frame.defs.get(name)
        annotation = None
        if made is None and frame.owner:  # a parameter never rebound: its annotation
            if self.defs_by_id is None:
                self.defs_by_id = {id(f): f for f in self.all_defs}
            fn = self.defs_by_id.get(frame.owner)
            args = all_args(fn) if fn is not None else []
            annotation = next((a.annotation for a in args if a.arg == name), None)
        model = model_of(made, annotation)
        if model is None:
            return set()
        if model not in self.models:  # a plain class or a dataclass: what its constructor made
            cls = next((c for c in self.classes if c.name == model), None)
            if not self.attr_stores_read:
                self.attr_stores, self.attr_stores_read = attribute_stores(self.tree), True
            found = constructor_conversions(cls, self.attr_stores) if cls is not None else set()
            self.models[model] = found
        return self.models[model]

    def undefined(self, name: str) -> bool:
        """Bound neither in the module's own scope nor in the function being read or those
        around it (a name that is only another function's parameter is undefined here)."""
        if name in {"self", "cls"}:
            return False  # a method's own object: never in the environment, always bound
        if self.module_names is None:
            self.module_names = module_names(self.tree)
        if name in self.module_names:
            return False
        return not any(name in self._names_in(f.owner) for f in self.frames[1:])

    def _names_in(self, owner: int) -> set[str]:
        names = self.local_names.get(owner)
        if names is None:
            if self.defs_by_id is None:  # a dict, not a scan of every def per free name
                self.defs_by_id = {id(f): f for f in self.all_defs}
            fn = self.defs_by_id.get(owner)
            names = self.local_names[owner] = bound_names(fn) if fn is not None else set()
        return names

    def local_callable(self, name: str) -> bool:
        return name in self.functions or self.lambdas.get(name) is not None or name in self.enums

    def analyze_nested(self, fn: ast.FunctionDef | ast.AsyncFunctionDef, env: Env) -> None:
        owner = self.frames[-1].owner
        if owner not in self.uncalled_in:  # the first nested def of that function
            if self.defs_by_id is None:
                self.defs_by_id = {id(f): f for f in self.all_defs}
            outer = self.defs_by_id.get(owner)
            dead = uncalled_nested(outer) if outer is not None else set()
            self.uncalled_in.add(owner)
            self.uncalled |= dead
        if id(fn) not in self.uncalled:
            self.summary(fn, closure=env)

    def _local_callee(
        self, node: ast.Call
    ) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef, int] | None:
        """The function of this file `node` calls and how many leading parameters the call
        does not fill (1 for a method's `self`), or None: asked several times per call, so an
        answer rather than an exception."""
        func = node.func
        if isinstance(func, ast.Name):  # most calls: one lookup
            fn = self.functions.get(func.id)
            return None if fn is None else (fn, 0)
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in {"self", "cls"}
            and func.attr in self.methods
        ):
            return self.methods[func.attr], 1
        if isinstance(func, ast.Attribute):  # `Helper().clean(x)`, `h = Helper(); h.clean(x)`
            cls = self._local_class_of(func.value)
            for method in cls.body if cls is not None else []:
                if isinstance(method, ast.FunctionDef | ast.AsyncFunctionDef) and (
                    method.name == func.attr
                ):
                    static = any(last_name(d) == "staticmethod" for d in method.decorator_list)
                    return method, 0 if static else 1
        return None

    def _local_class_of(self, node: ast.expr) -> ast.ClassDef | None:
        """The class of this file that `node` is an instance of, when the file shows it."""
        made = self._construction(node)
        return self._class_named(made.func) if made is not None else None

    def _bound_args(self, node: ast.Call, env: Env, args: list[Val]) -> dict[str, Val]:
        callee = self._local_callee(node)
        if callee is None:
            return {}
        fn, skip = callee
        names = param_names(fn)[skip:]
        bound = dict(zip(names, args, strict=False))
        # `def fill(tpl, *parts, **values)`: the summary reads each collecting parameter as
        # one value, so the call binds it to whatever the arguments it collects may hold.
        if fn.args.vararg is not None:
            bound[fn.args.vararg.arg] = opaque(merge(SAFE, *args[len(names) :]))
        named = {a.arg for a in all_args(fn)}
        extra = [SAFE]
        for kw in node.keywords:
            if kw.arg:
                bound[kw.arg] = self.value(kw.value, env)
                extra += [] if kw.arg in named else [bound[kw.arg]]
        if fn.args.kwarg is not None:
            bound[fn.args.kwarg.arg] = opaque(merge(*extra))
        return bound

    def call_summary(self, node: ast.Call, env: Env, args: list[Val]) -> Val | None:
        if self._sinks(node):
            return SAFE  # a query's result is rows or a statement object, not the query text
        lam = self.lambdas.get(node.func.id) if isinstance(node.func, ast.Name) else None
        if lam is not None:
            return self._lambda_call(lam, args)
        loaded = self._schema_load(node, args) if self.classes else None
        if loaded is not None:
            return loaded
        callee = self._local_callee(node)
        if callee is None:
            return None
        fn, _ = callee
        if QUOTING.fullmatch(fn.name):
            return SAFE  # a local quote_ident()/escape_literal(): trust the name like a library's
        bound = self._bound_args(node, env, args)
        made = self._receiver_made(fn, node)
        on_object = self._object_call(fn, made, bound) if made is not None else None
        if on_object is not None:
            return on_object  # the arguments themselves were bound: nothing to rebind
        ret = self._reaching(fn, self.summary(fn).ret, bound)
        result = _rebind(ret, {a.arg for a in all_args(fn)}, bound)
        if result.taint and result.built and not result.sql:
            return self._with_passed_text(fn, result, bound)
        return result

    def _with_passed_text(
        self, fn: ast.FunctionDef | ast.AsyncFunctionDef, result: Val, bound: dict[str, Val]
    ) -> Val:
        """`render(TEMPLATE, team=t)` where `def render(tmpl, **kw): return tmpl.format(**kw)`:
        the helper's result holds the text its caller passed in (the SQL template), so a
        generic sink (`conn.fetch`) reads it as SQL just as it would `TEMPLATE.format(team=t)`.
        Only parameters whose text reaches the return count."""
        texts = [bound[p].text for p in sorted(self._ret_params(fn)) if p in bound]
        passed = " ".join(t for t in texts if t)
        return replace(result, text=f"{result.text} {passed}") if passed else result

    def _schema_load(self, node: ast.Call, args: list[Val]) -> Val | None:
        """`OrderSchema().load(data)` for a marshmallow schema of this file (models.py): a
        dict of its declared fields, the converted ones safe, the others as `data` is."""
        func = node.func
        if not (isinstance(func, ast.Attribute) and func.attr == "load") or len(args) != 1:
            return None
        made = self.frames[-1].defs.get(func.value.id) if isinstance(func.value, ast.Name) else None
        made = func.value if isinstance(func.value, ast.Call) else made
        if node.keywords or not isinstance(made, ast.Call) or made.args or made.keywords:
            return None  # load(unknown=INCLUDE), Schema(many=True, partial=...): other shapes
        cls = self._class_named(made.func)
        fields = schema_fields(cls, self.qualified) if cls is not None else None
        if fields is None:
            return None
        data = args[0]
        text = opaque(merge(data, data.elems) if data.elems is not None else data)
        return make_dict(
            [(name, SAFE if converted else text) for name, converted in fields.items()]
        )

    # sinks
    def _sinks(self, node: ast.Call) -> list[SinkSite]:
        """`find_sinks` once per call node: every call asks twice, and loops run twice."""
        found = self.sinks_of.get(id(node))
        if found is None:
            found = self.sinks_of[id(node)] = find_sinks(node, self.imports)
        return found

    def on_call(self, node: ast.Call, env: Env, args: list[Val]) -> None:
        self._record_site(node, env, args)
        if self.quiet:
            return
        for site in self._sinks(node):
            self._check_site(node, site, env, args)
        for fragment in raw_fragments(node, self.imports):
            self._check_fragment(fragment, env)
        callee = self._local_callee(node)
        if callee is None:
            return
        fn, _ = callee
        sink_params = self.summary(fn).sink_params
        nodes = self._bound_nodes(node, callee)
        for name, val in self._bound_args(node, env, args).items():
            if name in sink_params and name in nodes:
                label = f"{last_name(node.func)}() → {sink_params[name]}"
                self._judge(node, SinkSite(label, nodes[name], "db"), val, env, raw_param_ok=True)

    def _record_site(self, node: ast.Call, env: Env, args: list[Val]) -> None:
        callee = self._local_callee(node)
        if callee is None:
            return
        fn, _ = callee
        bound = site_args(node, self._bound_args(node, env, args))
        sites = self.call_sites.setdefault(id(fn), {})
        old = sites.get(id(node), {})
        sites[id(node)] = {k: merge(old.get(k), v) for k, v in bound.items()}

    def _bound_nodes(
        self, node: ast.Call, callee: tuple[ast.FunctionDef | ast.AsyncFunctionDef, int]
    ) -> dict[str, ast.expr]:
        fn, skip = callee
        names = param_names(fn)[skip:]
        bound = dict(zip(names, node.args, strict=False))
        bound.update({kw.arg: kw.value for kw in node.keywords if kw.arg})
        return bound

    def _check_site(self, node: ast.Call, site: SinkSite, env: Env, args: list[Val]) -> None:
        if node.args and site.query is node.args[0]:
            val = args[0]
        else:
            self.quiet += 1
            val = self.value(site.query, env)
            self.quiet -= 1
        if val.elems is not None and not val.built:
            val = merge(val.elems, opaque(val))
        if val.taint and val.built and sink_applies(site, node, val):
            self._report(node, site, val, env)
        elif not val.taint and val.unknown and val.built and _reads_as_sql(site, node, val):
            # Built from something this file cannot resolve: not provably constant (medium).
            self._report(node, site, val, env)
        elif (
            val.taint
            and not val.built
            and val.taint.startswith(PARAM_PREFIX)
            and (site.kind == "text" or sink_applies(site, node, Val(text="SELECT x FROM t")))
        ):
            # The parameter reaches the sink unchanged: callers that splice into it are caught.
            self.frames[-1].sink_params.setdefault(val.taint[len(PARAM_PREFIX) : -1], site.name)
        elif (
            val.taint
            and val.taint.startswith("the web request")
            and site.kind not in {"clause", "orm"}  # a name passed whole to order_by is no text
            and sink_applies(site, node, Val())
        ):
            # A whole statement taken from the request: the client writes the SQL.
            self._report(node, site, Val(taint=val.taint, built="raw"), env)

    def _check_fragment(self, fragment: ast.Call, env: Env) -> None:
        """Raw SQL text spliced into a larger statement (`order_by(text(col))`): an untrusted
        value there unchanged is injection even when nothing formatted it (issue 17)."""
        for site in self._sinks(fragment):
            self.quiet += 1
            val = self.value(site.query, env)
            self.quiet -= 1
            if site.kind == "text" and val.taint and not val.built:
                name = ast.unparse(site.query)
                fix = (
                    f"`{name}` is spliced into the statement as SQL text, which cannot be bound: "
                    "map it through a fixed allow-list (`if x not in ALLOWED: raise ValueError`) "
                    "or quote a name with the driver (psycopg `sql.Identifier`, SQLAlchemy "
                    "`column()`)"
                )
                self._report(fragment, site, Val(taint=val.taint, built="fragment"), env, fix)

    def _judge(
        self, node: ast.Call, site: SinkSite, val: Val, env: Env, raw_param_ok: bool
    ) -> None:
        if val.built and (val.taint or (val.unknown and _reads_as_sql(site, node, val))):
            self._report(node, site, val, env)
        elif raw_param_ok and val.taint and val.taint.startswith(PARAM_PREFIX):
            self.frames[-1].sink_params.setdefault(val.taint[len(PARAM_PREFIX) : -1], site.name)

    def _report(
        self, node: ast.Call, site: SinkSite, val: Val, env: Env, fix: str | None = None
    ) -> None:
        key = (node.lineno, node.col_offset)
        if key in self.findings:
            return
        query = site.query
        if isinstance(query, ast.Name) and query.id in self.frames[-1].defs:
            query = self.frames[-1].defs[query.id]
        call_name = site.name.split("() →")[0] if "() →" in site.name else site.name
        if fix is None:
            style = driver_style(self.imports, site)
            fix = suggest(call_name, node, query, style, self._untrusted(env))
        taint = val.taint or ""
        if taint.startswith(PARAM_PREFIX) and self.frames[-1].owner:
            self.finding_params[key] = (self.frames[-1].owner, taint[len(PARAM_PREFIX) : -1])
        self.findings[key] = RawFinding(
            line=node.lineno,
            end_line=node.end_lineno or node.lineno,
            rule="sqli-py-" + RULES.get(val.built or "", "concat"),
            sink=site.name,
            source=val.taint or val.unknown or "",
            how=val.built or "",
            fix=fix,
            confidence="high" if val.taint and not weak_source(val.taint) else "medium",
            built_line=val.line if val.line and val.built != "raw" else node.lineno,
        )

    def _untrusted(self, env: Env) -> Callable[[ast.expr], str]:
        def check(expr: ast.expr) -> str:
            self.quiet += 1
            try:
                val = self.value(expr, env)
            finally:
                self.quiet -= 1
            return "" if not val.suspect else "built" if val.built else "value"

        return check

    # statements


def _request_type(arg: ast.arg) -> bool:
    """`r: Request`, `req: HttpRequest`, `request: web.Request`: a framework's request object."""
    hint = arg.annotation
    name = last_name(hint) if hint is not None else ""
    return name.endswith("Request") and name not in {"PreparedRequest"}


def _reads_as_sql(site: SinkSite, node: ast.Call, val: Val) -> bool:
    """A medium finding needs the sink and SQL-shaped text: a value nobody traced to a source,
    spliced into a string that does not read as SQL, is too weak a lead to raise."""
    if site.kind == "db":
        return val.sql and sink_applies(site, node, val)
    return sink_applies(site, node, val)


def _split_entry_point(body: list[ast.stmt]) -> tuple[list[ast.stmt], list[ast.stmt]]:
    """The module body without its trailing `if __name__ == "__main__":` blocks, and those."""
    cut = len(body)
    while cut and _is_entry_point(body[cut - 1]):
        cut -= 1
    return body[:cut], body[cut:]


def _is_entry_point(stmt: ast.stmt) -> bool:
    test = stmt.test if isinstance(stmt, ast.If) else None
    return (
        isinstance(test, ast.Compare)
        and isinstance(test.left, ast.Name)
        and test.left.id == "__name__"
        and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)
    )


def _attributes_stored(fn: ast.FunctionDef | ast.AsyncFunctionDef, roots: set[str]) -> set[str]:
    """`g.tenant` for each `g.tenant = ...` in `fn` whose root is one of `roots`."""
    found: set[str] = set()
    for node in statements_of(fn):
        for target in node.targets if isinstance(node, ast.Assign) else []:
            key = dotted(target) if isinstance(target, ast.Attribute) else None
            if key is not None and key.count(".") == 1 and key.split(".")[0] in roots:
                found.add(key)
    return found


def _sets_self(fn: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    # Asked of every method of every class: statements only, not an `ast.walk` of each.
    return any(
        type(node) is ast.Assign
        and any((dotted(t) or "").startswith("self.") for t in node.targets)
        for node in statements_of(fn)
    )


def _store_queries(exits: list[Env], stored: dict[str, Val]) -> None:
    """`self.sql = "... %s" % region` in one method is the query another method runs, and
    `self.order = request.args["o"]` (or `name.strip()`, or another module's value) set in any
    method is what every other method reads."""
    for env in exits:
        for key, val in env.items():
            attr = key[5:] if key.startswith("self.") else ""
            if not attr or "." in attr or attr in stored or not val.suspect:
                continue
            how = "built" if val.built else "set"
            if val.taint:
                taint = f"self.{attr} ({how} from {val.taint})"
                stored[attr] = Val(taint=taint, built=val.built, text=val.text, line=val.line)
            else:
                why = f"`self.{attr}` ({how} from {val.unknown})"
                stored[attr] = Val(unknown=why, built=val.built, text=val.text, line=val.line)


def _rebind(ret: Val, params: set[str], bound: dict[str, Val]) -> Val:
    """A helper's result at one call: its parameters' taint becomes the arguments' taint."""
    elems = _rebind(ret.elems, params, bound) if ret.elems is not None else None
    items = tuple(_rebind(i, params, bound) for i in ret.items) if ret.items is not None else None
    param = ret.taint[len(PARAM_PREFIX) : -1] if ret.taint else ""
    if not (ret.taint and ret.taint.startswith(PARAM_PREFIX) and param in params):
        return replace(ret, elems=elems, items=items)
    arg = bound.get(param)
    # A setting handed to a helper: where the helper splices it is not known here, and a
    # configured table name passed down (`count(TABLE)`) is the common case.
    if arg is None or not arg.suspect or is_setting(arg):
        return replace(ret, taint=None, built=None, line=0, elems=elems, items=items)
    return Val(
        taint=arg.taint,
        unknown=None if arg.taint else arg.unknown,
        built=ret.built or arg.built,
        line=ret.line if ret.built else arg.line,
        text=ret.text,
        is_str=ret.is_str,
        elems=elems,
        items=items,
    )


def analyze_source(source: str, filename: str = "<string>") -> list[RawFinding]:
    """Findings for Python `source`; raises SyntaxError when this interpreter cannot parse it."""
    if not _PREFILTER.search(source):
        return []  # no call that could run SQL: nothing to parse or interpret
    with collector_paused():
        # One expression, no local: a `tree` name kept alive past run() cost 10% (bench/linear).
        return PythonAnalyzer(inline_partials(ast.parse(source, filename=filename))).run()

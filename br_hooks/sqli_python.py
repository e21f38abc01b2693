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
from dataclasses import dataclass, field

from br_hooks.sqli_pyexpr import PARAM_PREFIX, QUOTING, Env, ExprEval
from br_hooks.sqli_pyguards import dotted, last_name
from br_hooks.sqli_pyscope import (
    all_args,
    compiled_pattern,
    module_imports,
    param_names,
    route_validated,
    stored_params,
)
from br_hooks.sqli_pysinks import SinkSite, driver_style, find_sinks, sink_applies
from br_hooks.sqli_rewrite import suggest
from br_hooks.sqli_values import SAFE, Val, merge

_PREFILTER = re.compile(
    r"\.(?:execute\w*|exec_driver_sql|fetch\w*|iterate|prepare|copy_expert|query|raw|cursor"
    r"|read_sql\w*|mogrify|extra|filter|where|having|order_by|group_by|sql)\s*\("
    r"|\b(?:text|literal_column|SQL|RawSQL|read_sql\w*|execute_values|execute_batch)\s*\("
)
RULES = {
    "f-string": "fstring",
    "%": "percent",
    ".format": "format",
    "+": "concat",
    "join": "join",
    "raw": "raw",
}
_EXITS = {"abort", "exit", "_exit", "quit", "fail", "skip", "raise_for_status"}
_MUTATORS = {"append", "extend", "insert", "add", "update", "appendleft"}


@dataclass(frozen=True)
class RawFinding:
    line: int
    end_line: int
    rule: str
    sink: str
    source: str
    how: str
    fix: str


@dataclass
class Summary:
    ret: Val = SAFE
    sink_params: dict[str, str] = field(default_factory=dict)


@dataclass
class _Frame:
    params: list[str]
    returns: list[Val] = field(default_factory=list)
    sink_params: dict[str, str] = field(default_factory=dict)
    defs: dict[str, ast.expr] = field(default_factory=dict)


class PythonAnalyzer(ExprEval):
    """Interpret one module; `findings` holds the result of `run()`."""

    def __init__(self, tree: ast.Module) -> None:
        self.all_defs: list[ast.FunctionDef | ast.AsyncFunctionDef] = []
        super().__init__(module_imports(tree, self.all_defs))
        self.tree = tree
        self.functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.methods: dict[str, ast.FunctionDef | ast.AsyncFunctionDef] = {}
        self.summaries: dict[int, Summary] = {}
        self.findings: dict[tuple[int, int], RawFinding] = {}
        self.frames: list[_Frame] = [_Frame(params=[])]
        self.module_env: Env = {}
        self.quiet = 0
        self.class_attrs: dict[int, dict[str, str]] = {}

    def run(self) -> list[RawFinding]:
        self._collect(self.tree.body, in_class=False)
        self.exec_block(self.tree.body, self.module_env)
        for fn in [*self.functions.values(), *self.methods.values()]:
            self.summary(fn)
        for node in self.all_defs:  # defs under module-level `if`/`try`, nested classes
            self.summary(node)
        return sorted(self.findings.values(), key=lambda f: f.line)

    def _collect(self, body: list[ast.stmt], in_class: bool) -> None:
        for stmt in body:
            if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                (self.methods if in_class else self.functions).setdefault(stmt.name, stmt)
            elif isinstance(stmt, ast.ClassDef):
                self._collect(stmt.body, in_class=True)
                attrs = stored_params(stmt)
                for method in stmt.body:
                    self.class_attrs[id(method)] = attrs
            elif isinstance(stmt, ast.Assign) and len(stmt.targets) == 1:
                pattern = compiled_pattern(stmt.value)
                if pattern is not None and isinstance(stmt.targets[0], ast.Name):
                    self.regexes[stmt.targets[0].id] = pattern

    # functions and summaries
    def summary(
        self, fn: ast.FunctionDef | ast.AsyncFunctionDef, closure: Env | None = None
    ) -> Summary:
        key = id(fn)
        if key in self.summaries:
            return self.summaries[key]
        self.summaries[key] = Summary()  # recursion guard: a recursive call learns nothing
        env = dict(self.module_env if closure is None else closure)
        params = param_names(fn)
        for arg in all_args(fn):
            if arg.arg in {"self", "cls"}:
                continue
            if route_validated(fn, arg):
                env[arg.arg] = SAFE
            elif arg.arg in {"request", "req"}:
                env[arg.arg] = Val(taint=f"the web request (parameter `{arg.arg}`)")
            else:
                env[arg.arg] = Val(taint=f"{PARAM_PREFIX}{arg.arg}`")
        frame = _Frame(params=params)
        self.frames.append(frame)
        outer_attrs = self.self_attrs
        self.self_attrs = self.class_attrs.get(key, outer_attrs)
        try:
            self.exec_block(fn.body, env)
        finally:
            self.frames.pop()
            self.self_attrs = outer_attrs
        result = Summary(ret=merge(*frame.returns) if frame.returns else SAFE)
        result.sink_params = frame.sink_params
        self.summaries[key] = result
        return result

    def _local_callee(self, node: ast.Call) -> tuple[ast.FunctionDef | ast.AsyncFunctionDef, int]:
        func = node.func
        if isinstance(func, ast.Name) and func.id in self.functions:
            return self.functions[func.id], 0
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in {"self", "cls"}
            and func.attr in self.methods
        ):
            return self.methods[func.attr], 1
        raise LookupError

    def _bound_args(self, node: ast.Call, env: Env, args: list[Val]) -> dict[str, Val]:
        try:
            fn, skip = self._local_callee(node)
        except LookupError:
            return {}
        names = param_names(fn)[skip:]
        bound = dict(zip(names, args, strict=False))
        for kw in node.keywords:
            if kw.arg:
                bound[kw.arg] = self.value(kw.value, env)
        return bound

    def call_summary(self, node: ast.Call, env: Env, args: list[Val]) -> Val | None:
        if find_sinks(node, self.imports):
            return SAFE  # a query's result is rows or a statement object, not the query text
        try:
            fn, _ = self._local_callee(node)
        except LookupError:
            return None
        if QUOTING.match(fn.name):
            return SAFE  # a local quote_ident()/escape_literal(): trust the name like a library's
        ret = self.summary(fn).ret
        param = ret.taint[len(PARAM_PREFIX) : -1] if ret.taint else ""
        if (
            ret.taint
            and ret.taint.startswith(PARAM_PREFIX)
            and param in {a.arg for a in all_args(fn)}
        ):
            arg = self._bound_args(node, env, args).get(param)
            if arg is None or not arg.taint:
                return ret.untainted()
            return Val(taint=arg.taint, built=ret.built or arg.built, text=ret.text, is_str=True)
        return ret

    # sinks
    def on_call(self, node: ast.Call, env: Env, args: list[Val]) -> None:
        if self.quiet:
            return
        for site in find_sinks(node, self.imports):
            self._check_site(node, site, env, args)
        try:
            fn, _ = self._local_callee(node)
        except LookupError:
            return
        sink_params = self.summary(fn).sink_params
        nodes = self._bound_nodes(node)
        for name, val in self._bound_args(node, env, args).items():
            if name in sink_params and name in nodes:
                label = f"{last_name(node.func)}() → {sink_params[name]}"
                self._judge(node, SinkSite(label, nodes[name], "db"), val, env, raw_param_ok=True)

    def _bound_nodes(self, node: ast.Call) -> dict[str, ast.expr]:
        fn, skip = self._local_callee(node)
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
            val = merge(val.elems, Val(taint=val.taint))
        if val.taint and val.built and sink_applies(site, node, val):
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
            and site.kind != "clause"
            and sink_applies(site, node, Val())
        ):
            # A whole statement taken from the request: the client writes the SQL.
            self._report(node, site, Val(taint=val.taint, built="raw"), env)

    def _judge(
        self, node: ast.Call, site: SinkSite, val: Val, env: Env, raw_param_ok: bool
    ) -> None:
        if val.taint and val.built:
            self._report(node, site, val, env)
        elif raw_param_ok and val.taint and val.taint.startswith(PARAM_PREFIX):
            self.frames[-1].sink_params.setdefault(val.taint[len(PARAM_PREFIX) : -1], site.name)

    def _report(self, node: ast.Call, site: SinkSite, val: Val, env: Env) -> None:
        key = (node.lineno, node.col_offset)
        if key in self.findings:
            return
        query = site.query
        if isinstance(query, ast.Name) and query.id in self.frames[-1].defs:
            query = self.frames[-1].defs[query.id]
        call_name = site.name.split("() →")[0] if "() →" in site.name else site.name
        style = driver_style(self.imports, site)
        fix = suggest(call_name, node, query, style, self._untrusted(env))
        self.findings[key] = RawFinding(
            line=node.lineno,
            end_line=node.end_lineno or node.lineno,
            rule="sqli-py-" + RULES.get(val.built or "", "concat"),
            sink=site.name,
            source=val.taint or "",
            how=val.built or "",
            fix=fix,
        )

    def _untrusted(self, env: Env) -> Callable[[ast.expr], str]:
        def check(expr: ast.expr) -> str:
            self.quiet += 1
            try:
                val = self.value(expr, env)
            finally:
                self.quiet -= 1
            return "" if not val.taint else "built" if val.built else "value"

        return check

    # statements
    def exec_block(self, body: list[ast.stmt], env: Env) -> bool:
        """Interpret `body`; True when it always leaves (return, raise, continue, break)."""
        return any(self.exec_stmt(stmt, env) for stmt in body)

    def exec_stmt(self, stmt: ast.stmt, env: Env) -> bool:
        handler = getattr(self, "_s_" + type(stmt).__name__, None)
        if handler is not None:
            return bool(handler(stmt, env))
        for child in ast.iter_child_nodes(stmt):
            if isinstance(child, ast.expr):
                self.value(child, env)
        return isinstance(stmt, ast.Return | ast.Raise | ast.Continue | ast.Break)

    def _s_Assign(self, stmt: ast.Assign, env: Env) -> bool:
        val = self.value(stmt.value, env)
        for target in stmt.targets:
            self.bind(target, val, env)
            if isinstance(target, ast.Name):
                self.frames[-1].defs[target.id] = stmt.value
        return False

    def _s_AnnAssign(self, stmt: ast.AnnAssign, env: Env) -> bool:
        if stmt.value is not None:
            self.bind(stmt.target, self.value(stmt.value, env), env)
            if isinstance(stmt.target, ast.Name):
                self.frames[-1].defs[stmt.target.id] = stmt.value
        return False

    def _s_AugAssign(self, stmt: ast.AugAssign, env: Env) -> bool:
        load = ast.Name(id=stmt.target.id) if isinstance(stmt.target, ast.Name) else stmt.target
        combined = ast.BinOp(left=load, op=stmt.op, right=stmt.value)
        ast.copy_location(combined, stmt)
        self.bind(stmt.target, self.value(combined, env), env)
        if isinstance(stmt.target, ast.Name):
            self.frames[-1].defs.pop(stmt.target.id, None)
        return False

    def _s_Expr(self, stmt: ast.Expr, env: Env) -> bool:
        val = self.value(stmt.value, env)
        call = stmt.value.value if isinstance(stmt.value, ast.Await) else stmt.value
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute):
            key = dotted(call.func.value)
            if call.func.attr in _MUTATORS and key is not None:
                old = env.get(key, SAFE)
                added = [self.value(a, env) for a in call.args]
                if call.func.attr == "extend":
                    added = [a.elems if a.elems is not None else a for a in added]
                env[key] = Val(taint=old.taint, elems=merge(old.elems, *added))
        del val
        return isinstance(call, ast.Call) and last_name(call.func) in _EXITS

    def _s_Return(self, stmt: ast.Return, env: Env) -> bool:
        self.frames[-1].returns.append(self.value(stmt.value, env))
        return True

    def _s_Assert(self, stmt: ast.Assert, env: Env) -> bool:
        self.value(stmt.test, env)
        env.update(self.refined(stmt.test, env, True))
        return False

    def _s_If(self, stmt: ast.If, env: Env) -> bool:
        self.value(stmt.test, env)
        truth = self.constant_truth(stmt.test, env)
        branches: list[tuple[list[ast.stmt], Env]] = []
        if truth is not False:
            branches.append((stmt.body, dict(self.refined(stmt.test, env, True))))
        if truth is not True:
            branches.append((stmt.orelse, dict(self.refined(stmt.test, env, False))))
        return self._branches(branches, env)

    def _branches(self, branches: list[tuple[list[ast.stmt], Env]], env: Env) -> bool:
        live = [benv for body, benv in branches if not self.exec_block(body, benv)]
        if not live:
            return bool(branches)
        env.clear()
        env.update(_merge_envs(live))
        return False

    def _loop(self, body: list[ast.stmt], env: Env, loop: ast.For | ast.AsyncFor | None) -> None:
        source = self.value(loop.iter, env) if loop is not None else SAFE
        for _ in range(2):  # twice: a value accumulated by `+=` reaches the sink on round two
            inner = dict(env)
            if loop is not None:
                self.bind_iter(loop.target, loop.iter, source, inner)
            self.exec_block(body, inner)
            merged = _merge_envs([env, inner])
            env.clear()
            env.update(merged)

    def _s_For(self, stmt: ast.For | ast.AsyncFor, env: Env) -> bool:
        self._loop(stmt.body, env, stmt)
        self.exec_block(stmt.orelse, env)
        return False

    _s_AsyncFor = _s_For

    def _s_While(self, stmt: ast.While, env: Env) -> bool:
        self.value(stmt.test, env)
        if self.constant_truth(stmt.test, env) is not False:
            self._loop(stmt.body, env, None)
        self.exec_block(stmt.orelse, env)
        return False

    def _s_With(self, stmt: ast.With | ast.AsyncWith, env: Env) -> bool:
        for item in stmt.items:
            val = self.value(item.context_expr, env)
            if item.optional_vars is not None:
                self.bind(item.optional_vars, val, env)
        return self.exec_block(stmt.body, env)

    _s_AsyncWith = _s_With

    def _s_Try(self, stmt: ast.Try, env: Env) -> bool:
        body_env = dict(env)
        left = self.exec_block(stmt.body, body_env)
        if not left:
            self.exec_block(stmt.orelse, body_env)
        branches = [(h.body, _merge_envs([env, body_env])) for h in stmt.handlers]
        live = [] if left else [body_env]
        live += [benv for body, benv in branches if not self.exec_block(body, benv)]
        env.clear()
        env.update(_merge_envs(live) if live else body_env)
        self.exec_block(stmt.finalbody, env)
        return not live

    _s_TryStar = _s_Try

    def _s_Match(self, stmt: ast.Match, env: Env) -> bool:
        self.value(stmt.subject, env)
        branches = [(case.body, dict(env)) for case in stmt.cases]
        branches.append(([], dict(env)))
        return self._branches(branches, env)

    def _s_FunctionDef(self, stmt: ast.FunctionDef | ast.AsyncFunctionDef, env: Env) -> bool:
        if len(self.frames) > 1:  # nested: sees the enclosing function's names
            self.functions.setdefault(stmt.name, stmt)
            self.summary(stmt, closure=env)
        return False

    _s_AsyncFunctionDef = _s_FunctionDef

    def _s_ClassDef(self, stmt: ast.ClassDef, env: Env) -> bool:
        self.exec_block([s for s in stmt.body if not isinstance(s, ast.FunctionDef)], dict(env))
        return False


def _merge_envs(envs: list[Env]) -> Env:
    if len(envs) == 1:
        return envs[0]
    first = envs[0]
    out = dict(first)
    for other in envs[1:]:
        for key, val in other.items():
            mine = out.get(key)
            if mine is not val:  # most names are untouched by a branch: same object, no merge
                out[key] = val if mine is None else merge(mine, val)
    return out


def analyze_source(source: str, filename: str = "<string>") -> list[RawFinding]:
    """Findings for Python `source`; raises SyntaxError when this interpreter cannot parse it."""
    if not _PREFILTER.search(source):
        return []  # no call that could run SQL: nothing to parse or interpret
    tree = ast.parse(source, filename=filename)
    return PythonAnalyzer(tree).run()

"""Statements for the Python SQL-injection analysis: assignments, branches, loops, try, match.

A block is interpreted in order over an environment of abstract values; the result says whether
it always leaves (return, raise, continue, break, abort()). Branches are merged, a branch that
leaves does not flow on, a constant-false branch is dead, and loops run twice so a value built up
by `+=` reaches the sink on the second round.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeGuard

from br_core.sqli.python import containers
from br_core.sqli.python.expr import Env, ExprEval
from br_core.sqli.python.guards import dotted, last_name
from br_core.sqli.values import SAFE, Val, merge

_EXITS = {"abort", "exit", "_exit", "quit", "fail", "skip", "raise_for_status"}
_MUTATORS = {"append", "extend", "insert", "add", "update", "appendleft"}


@dataclass
class Frame:
    params: list[str]
    returns: list[Val] = field(default_factory=list)
    sink_params: dict[str, str] = field(default_factory=dict)
    defs: dict[str, ast.expr] = field(default_factory=dict)
    exits: list[Env] = field(default_factory=list)  # names as they stand at each return
    owner: int = 0  # id() of the function being interpreted (0: the module body)


class StatementInterpreter(ExprEval):
    """Runs statements; the subclass supplies function summaries and sink checks."""

    frames: list[Frame]
    functions: dict[str, ast.FunctionDef | ast.AsyncFunctionDef]
    _statements: dict[type, Callable[[StatementInterpreter, ast.stmt, Env], object] | None]

    def __init__(self, imports: dict[str, str]) -> None:
        super().__init__(imports)
        self._statements = {}

    def module_def(self, name: str) -> ast.expr | None:
        return self.frames[0].defs.get(name)

    def apply_validators(self, node: ast.Call, env: Env) -> None:  # pragma: no cover
        """After a local validator returns, its checked argument is safe (subclass)."""

    def keeps_object(self, call: ast.Call) -> bool:  # pragma: no cover
        """`q = q.where(...)` rebinds `q` to the object it held already (subclass)."""
        return False

    def analyze_nested(self, fn: ast.FunctionDef | ast.AsyncFunctionDef, env: Env) -> None:
        """A function defined inside another sees the enclosing names (subclass)."""

    def exec_block(self, body: list[ast.stmt], env: Env) -> bool:
        """Interpret `body`; True when it always leaves (return, raise, continue, break)."""
        for stmt in body:  # noqa: SIM110 (not any() over a generator: every statement passes here)
            if self.exec_stmt(stmt, env):
                return True
        return False

    def exec_stmt(self, stmt: ast.stmt, env: Env) -> bool:
        kind = type(stmt)
        try:
            handler = self._statements[kind]
        except KeyError:  # once per statement type, as `value` does for expressions
            handler = self._statements[kind] = getattr(type(self), "_s_" + kind.__name__, None)
        if handler is not None:
            return bool(handler(self, stmt, env))
        for child in ast.iter_child_nodes(stmt):
            if isinstance(child, ast.expr):
                self.value(child, env)
        return isinstance(stmt, ast.Return | ast.Raise | ast.Continue | ast.Break)

    def _s_Assign(self, stmt: ast.Assign, env: Env) -> bool:
        val = self.value(stmt.value, env)
        kind = type(stmt.value)
        if kind is not ast.Name and kind is not ast.Attribute:
            if len(stmt.targets) == 1 and type(stmt.targets[0]) is ast.Name:
                self._bind_name(stmt.targets[0].id, stmt.value, val, env)  # most assignments
                return False
            source = None
        else:
            source = dotted(stmt.value)
        shared = source in env and (val.elems is not None or containers.precise(val))
        for target in stmt.targets:
            self.bind(target, val, env)
            if isinstance(target, ast.Name):
                if not (_method_of_itself(stmt.value, target.id) and self.keeps_object(stmt.value)):
                    self.frames[-1].defs[target.id] = stmt.value
                if shared and source is not None and source != target.id:
                    self.alias(target.id, source)  # `b = a`: one list, two names
        return False

    def local_def(self, name: str) -> ast.expr | None:
        return self.frames[-1].defs.get(name)

    def _bind_name(self, name: str, value: ast.expr, val: Val, env: Env) -> None:
        """`name = value` (not a name or attribute: nothing to alias), as the loop of
        `_s_Assign` binds it, without its tests for other targets."""
        if self.aliases:
            self.unalias(name)
        env[name] = val
        if not (_method_of_itself(value, name) and self.keeps_object(value)):
            self.frames[-1].defs[name] = value

    def made_by(self, key: str) -> str:
        made = self.frames[-1].defs.get(key)
        return self.qualified(dotted(made.func) or "") if isinstance(made, ast.Call) else ""

    def interpolating(self, key: str) -> bool:
        made = self.frames[-1].defs.get(key)
        return (
            isinstance(made, ast.Call)
            and self.made_by(key) in containers.INTERPOLATING
            and not any(kw.arg == "interpolation" for kw in made.keywords)
        )

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
        if isinstance(stmt.value, ast.Yield | ast.YieldFrom):
            # a generator "returns" what it yields, as the elements of an iterable
            yielded = self.value(stmt.value.value, env)
            whole = yielded if isinstance(stmt.value, ast.YieldFrom) else Val(elems=yielded)
            self.frames[-1].returns.append(whole)
            return False
        call = stmt.value.value if isinstance(stmt.value, ast.Await) else stmt.value
        shaped = _shaped(call, env)  # its own methods were followed while evaluating the call
        val = self.value(stmt.value, env)
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) and not shaped:
            key = dotted(call.func.value)
            if call.func.attr in _MUTATORS and key is not None:
                old = env.get(key, SAFE)
                added = [self.value(a, env) for a in call.args]
                if call.func.attr == "extend":
                    added = [a.elems if a.elems is not None else a for a in added]
                self.store(env, key, Val(taint=old.taint, elems=merge(old.elems, *added)))
        del val
        if isinstance(call, ast.Call):
            self.apply_validators(call, env)
        return isinstance(call, ast.Call) and last_name(call.func) in _EXITS

    def _s_Delete(self, stmt: ast.Delete, env: Env) -> bool:
        """`del values[0]`, `del values[1:]`, `del m["k"]` with constants: that entry goes and
        later positions shift; any other `del` makes the container's shape unknown."""
        for target in stmt.targets:
            if isinstance(target, ast.Subscript):
                key = dotted(target.value)
                if key is not None and key in env and containers.precise(env[key]):
                    after = self._deleted(env[key], target.slice, env)
                    self.store(env, key, after if after is not None else containers.widen(env[key]))
            self.value(target, env)
        return False

    def _deleted(self, old: Val, index: ast.expr, env: Env) -> Val | None:
        """The container after `del old[index]`, or None when `index` is not constant."""
        if isinstance(index, ast.Slice):
            bounds = self.slice_bounds(index, env)
            return containers.delete_slice(old, *bounds) if bounds is not None else None
        constant = containers.constant_of(self.value(index, env))
        return containers.delete_key(old, constant) if constant is not None else None

    def _s_Return(self, stmt: ast.Return, env: Env) -> bool:
        self.frames[-1].returns.append(self.value(stmt.value, env))
        self.frames[-1].exits.append(dict(env))
        return True

    def _s_Assert(self, stmt: ast.Assert, env: Env) -> bool:
        self.value(stmt.test, env)
        env.update(self.refined(stmt.test, env, True))
        return False

    def _s_If(self, stmt: ast.If, env: Env) -> bool:
        truth = self.constant_truth(stmt.test, env, self.value(stmt.test, env))
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
        env.update(merge_envs(live))
        return False

    def _loop(self, body: list[ast.stmt], env: Env, loop: ast.For | ast.AsyncFor | None) -> None:
        source = self.value(loop.iter, env) if loop is not None else SAFE
        for _ in range(2):  # twice: a value accumulated by `+=` reaches the sink on round two
            inner = dict(env)
            if loop is not None:
                self.bind_iter(loop.target, loop.iter, source, inner)
            self.exec_block(body, inner)
            merged = merge_envs([env, inner])
            env.clear()
            env.update(merged)

    def _s_For(self, stmt: ast.For | ast.AsyncFor, env: Env) -> bool:
        if not _empty_display(stmt.iter):  # `for _ in ():` never runs its body (issue 17)
            self._loop(stmt.body, env, stmt)
        self.exec_block(stmt.orelse, env)
        return False

    _s_AsyncFor = _s_For

    def _s_While(self, stmt: ast.While, env: Env) -> bool:
        if self.constant_truth(stmt.test, env, self.value(stmt.test, env)) is not False:
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
        branches = [(h.body, merge_envs([env, body_env])) for h in stmt.handlers]
        live = [] if left else [body_env]
        live += [benv for body, benv in branches if not self.exec_block(body, benv)]
        env.clear()
        env.update(merge_envs(live) if live else body_env)
        self.exec_block(stmt.finalbody, env)
        return not live

    _s_TryStar = _s_Try

    def _s_Match(self, stmt: ast.Match, env: Env) -> bool:
        subject = self.value(stmt.subject, env)
        key = dotted(stmt.subject)
        branches = []
        for case in stmt.cases:
            # A constant subject decides literal patterns: cases that cannot match are dead,
            # and one that surely matches (with no guard) ends the search (issue 17 item 1).
            matches = _constant_match(case.pattern, subject)
            if matches is False:
                continue
            inner = dict(env)
            if key is not None and key in env and _literal_pattern(case.pattern):
                inner[key] = env[key].untainted()  # `case "users" | "orders":` fixes the value
            for name, whole in _captures(case.pattern, top=True):
                # `case other:` binds the subject itself; a capture inside a sequence, mapping
                # or class pattern binds a part of it, text of the subject all the same.
                inner[name] = subject if whole else merge(subject, subject.elems or SAFE)
                if whole and _literal_pattern(case.pattern):
                    inner[name] = subject.untainted()  # `case "day" | "week" as unit:`
            if case.guard is not None:
                guard = self.constant_truth(case.guard, inner, self.value(case.guard, inner))
                if guard is False:
                    continue
                matches = matches and guard
            branches.append((case.body, inner))
            if matches is True:
                return self._branches(branches, env)
        branches.append(([], dict(env)))
        return self._branches(branches, env)

    def _s_FunctionDef(self, stmt: ast.FunctionDef | ast.AsyncFunctionDef, env: Env) -> bool:
        if len(self.frames) > 1:  # nested: sees the enclosing function's names
            self.functions.setdefault(stmt.name, stmt)
            self.analyze_nested(stmt, env)
        return False

    _s_AsyncFunctionDef = _s_FunctionDef

    def _s_ClassDef(self, stmt: ast.ClassDef, env: Env) -> bool:
        self.exec_block([s for s in stmt.body if not isinstance(s, ast.FunctionDef)], dict(env))
        return False


def _captures(pattern: ast.pattern, top: bool) -> list[tuple[str, bool]]:
    """Names a pattern binds, each with whether it holds the whole subject (`case x:`,
    `case str() as x:`, `case "a" | "b" as x:` at the top) or a part of it."""
    found: list[tuple[str, bool]] = []
    if isinstance(pattern, ast.MatchAs | ast.MatchStar) and pattern.name:
        found.append((pattern.name, top and isinstance(pattern, ast.MatchAs)))
    if isinstance(pattern, ast.MatchMapping) and pattern.rest:
        found.append((pattern.rest, False))
    for child in ast.iter_child_nodes(pattern):
        if isinstance(child, ast.pattern):
            found += _captures(child, top=top and isinstance(pattern, ast.MatchAs | ast.MatchOr))
    return found


def _literal_pattern(pattern: ast.pattern) -> bool:
    if isinstance(pattern, ast.MatchAs) and pattern.pattern is not None:
        return _literal_pattern(pattern.pattern)
    if isinstance(pattern, ast.MatchOr):
        return all(_literal_pattern(p) for p in pattern.patterns)
    return isinstance(pattern, ast.MatchSingleton) or (
        isinstance(pattern, ast.MatchValue) and isinstance(pattern.value, ast.Constant)
    )


def _constant_match(pattern: ast.pattern, subject: Val) -> bool | None:
    """Whether `pattern` matches a constant `subject`: True, False, or None (not known)."""
    if isinstance(pattern, ast.MatchAs) and pattern.pattern is None:
        return True  # `case _:` and `case name:` match anything
    if not (subject.has_const and isinstance(subject.const, bool | int | float | str | None)):
        return None
    if isinstance(pattern, ast.MatchOr):
        results = [_constant_match(p, subject) for p in pattern.patterns]
        return True if True in results else None if None in results else False
    if isinstance(pattern, ast.MatchSingleton):
        return pattern.value is subject.const
    if isinstance(pattern, ast.MatchValue) and isinstance(pattern.value, ast.Constant):
        return bool(pattern.value.value == subject.const)
    return None


def merge_envs(envs: list[Env]) -> Env:
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


def _shaped(call: ast.expr, env: Env) -> bool:
    """Whether `call` is a method of a container whose keys or positions are known."""
    if not isinstance(call, ast.Call) or not isinstance(call.func, ast.Attribute):
        return False
    key = dotted(call.func.value)
    return key is not None and key in env and containers.precise(env[key])


def _method_of_itself(value: ast.expr, name: str) -> TypeGuard[ast.Call]:
    """`q = q.where(...)`: a name rebound to what a method of its own object returns."""
    return (
        isinstance(value, ast.Call)
        and isinstance(value.func, ast.Attribute)
        and isinstance(value.func.value, ast.Name)
        and value.func.value.id == name
    )


def _empty_display(node: ast.expr) -> bool:
    """An iterable written as an empty literal (`()`, `[]`, `{}`, `""`): a loop over it runs
    its body zero times, whatever the body holds. Only the literal itself counts: a name bound
    to `[]` may be filled before the loop runs."""
    if isinstance(node, ast.Tuple | ast.List | ast.Set):
        return not node.elts
    if isinstance(node, ast.Dict):
        return not node.keys
    return isinstance(node, ast.Constant) and node.value in ("", b"")

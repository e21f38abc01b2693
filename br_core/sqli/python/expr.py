"""Expression evaluation for the Python SQL-injection analysis: sources, sanitizers, splicing.

`ExprEval.value(node, env)` maps an expression to a `Val` given the names bound so far in the
function. Subclasses hook `on_call` to check sinks and `call_summary` to look into small local
helpers. Everything here is per-expression and cheap: no fixpoints, no imports beyond `ast`/`re`.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Callable
from dataclasses import replace

from br_core.sqli.python import containers, templates
from br_core.sqli.python.fold import (
    fold_binop,
    fold_boolop,
    fold_compare,
    fold_split,
    fold_str_method,
    fold_unary,
)
from br_core.sqli.python.guards import Guards, dotted, last_name
from br_core.sqli.python.sinks import SINK_NAMES, core_statement
from br_core.sqli.python.sources import (
    BINDERS,
    CONTAINER_GETS,
    DB_READS,
    ENCODER_METHODS,
    ENCODER_MODULES,
    LOOKUPS,
    MODULE_SOURCES,
    NETWORK_MODULES,
    PATH_CHECKS,
    SANITIZERS,
    SOURCE_ATTRS,
    SOURCE_CALLS,
    SOURCE_NAMES,
    STR_METHODS,
    STRIP_PATTERN,
)
from br_core.sqli.values import (
    SAFE,
    Val,
    is_setting,
    literal,
    merge,
    opaque,
    setting,
    splice,
    strongest,
    suspicion,
)

Env = dict[str, Val]

PARAM_PREFIX = "parameter `"
CLI_ARGUMENTS = SOURCE_CALLS["parse_args"]
# ("source", "path", "network" or "", the source, the module's own encoder, an encoder, a
# sanitizer): see _callee_kind
_CalleeKind = tuple[str, str, bool, bool, bool]


class ExprEval(Guards):
    """Evaluate expressions to `Val`s. `imports` maps local names to the modules they came from."""

    def __init__(self, imports: dict[str, str]) -> None:
        self.imports = imports
        self.regexes: dict[str, str] = {}  # module names bound to re.compile("literal")
        self.self_attrs: dict[str, str] = {}  # `self.x` stored from a parameter, in this class
        self.self_queries: dict[str, Val] = {}  # `self.x` built from untrusted text, in this class
        self.enums: set[str] = set()  # local Enum classes: `Status(x)` is one of their values
        self.aliases: dict[str, set[str]] = {}  # `b = a`: names of one container, per function
        self.unresolved_seen: dict[tuple[str, bool], str | None] = {}
        self.free_seen: dict[str, Val] = {}
        # A bare-name call's last arguments and result (see _v_Call), per scope like the two
        # above: the interpreter gives each function being read its own.
        self.calls_seen: dict[str, tuple[list[Val], Val]] = {}
        self._handlers: dict[type, Callable[[ExprEval, ast.expr, Env], Val] | None] = {}
        self._callees: dict[tuple[str, str, bool], _CalleeKind] = {}  # see _callee_kind
        self._plain_names: dict[str, bool] = {}  # see _plain_callee

    # hooks for the interpreter
    def on_call(self, node: ast.Call, env: Env, args: list[Val]) -> None:  # pragma: no cover
        """Check sinks; overridden by the interpreter."""

    def call_summary(self, node: ast.Call, env: Env, args: list[Val]) -> Val | None:
        """The result of calling a local helper, when known; overridden by the interpreter."""
        return None

    def never_set(self, attr: str) -> str | None:
        """Why `self.<attr>` is not provably constant, when the class never sets it (the
        interpreter knows the class)."""
        return None

    def object_attribute(self, node: ast.Attribute) -> Val | None:
        """What methods of a local class left in `obj.<attr>` (the interpreter runs them)."""
        return None

    def converted_options(self) -> set[str]:
        """Command-line options argparse converts before the program reads them (cli.py); the
        interpreter has the module."""
        return set()

    def converted_fields(self, name: str) -> set[str]:
        """Fields a validating model converts, when `name` holds one (models.py); the
        interpreter knows the classes and the function."""
        return set()

    def undefined(self, name: str) -> bool:
        """Whether `name` is bound nowhere in the file (nor a builtin); the interpreter knows."""
        return False

    def external(self, root: str) -> str | None:
        """The module a name was imported from when it is not the standard library's."""
        origin = self.imports.get(root)
        if origin is None or origin.split(".")[0] in sys.stdlib_module_names:
            return None
        return origin

    def unresolved(self, name: str, call: bool = False) -> str | None:
        """Why the value of a dotted name (or of calling it) cannot be known here, or None:
        what cannot be resolved is not trusted (issue 17 item 3). Asked for most names a
        function reads, and the answer only changes with the scope: the interpreter gives each
        function being read its own `unresolved_seen`."""
        try:
            return self.unresolved_seen[name, call]
        except KeyError:
            why = self.unresolved_seen[name, call] = self._unresolved(name, call)
            return why

    def _unresolved(self, name: str, call: bool) -> str | None:
        if "()" in name:
            return None  # an attribute of a call's result: the call was judged already
        root = name.split(".")[0]
        last = name.split(".")[-1]
        shown = f"`{name}()`" if call else f"`{name}`"
        undefined = self.undefined(root)
        if not call and last.isupper() and (undefined or self.external(root)):
            # COLUMNS (a star import), settings.TABLE, `from settings import TABLE`: judged
            # where it is spliced (values.splice): a name there, a value or condition not.
            return setting(name)
        if undefined and not root.isupper():
            if root == name and not call:
                return f"{shown}, never defined in this file"
            return f"{shown} (`{root}` is never defined in this file)"
        if (
            self.external(root)  # `from .context import tenant_filter` too: a bare name
            and not last.isupper()  # settings.TABLE: configuration
            and (call or not root[:1].isupper())  # User.__table__: a class's own metadata
        ):
            # `settings.table`, `from .context import tenant_filter`, `current_tenant()`.
            return f"{shown} (from another module)"
        return None

    def qualified(self, name: str) -> str:
        """`name` with its root replaced by the module it was imported from (`deque` ->
        `collections.deque`, `path.exists` -> `os.path.exists`)."""
        root, dot, rest = name.partition(".")
        origin = self.imports.get(root)
        return f"{origin}{dot}{rest}" if origin else name

    def made_by(self, key: str) -> str:
        """The qualified name of the call that made the value `key` holds, when the
        interpreter knows (`conf = configparser.ConfigParser()`); overridden there."""
        return ""

    def local_def(self, name: str) -> ast.expr | None:
        """The expression the function being read last assigned to `name`; the interpreter
        keeps them."""
        return None

    def interpolating(self, key: str) -> bool:
        """Whether the ConfigParser `key` holds interpolates `%(name)s` on `get`; overridden
        by the interpreter, which knows the call that made it."""
        return False

    def store(self, env: Env, key: str, new: Val) -> None:
        """`env[key] = new` for a change made *through* `key` to the object it names (an item
        stored, a method called): names bound to the same object (`b = a`) see it too."""
        old = env.get(key)
        env[key] = new
        for other in self.aliases.get(key, ()):
            if other in env:  # the very same object: strongly; a may-alias (branches): merged
                env[other] = new if env[other] is old else merge(env[other], new)

    def alias(self, target: str, source: str) -> None:
        """`target = source` for a container: a write through either is seen through both."""
        group = self.aliases.get(source, set()) | {source}
        for member in group:
            self.aliases.setdefault(member, set()).add(target)
        self.aliases[target] = group

    def unalias(self, name: str) -> None:
        """`name` now names another object."""
        for member in self.aliases.pop(name, ()):
            self.aliases.get(member, set()).discard(name)

    def value(self, node: ast.expr | None, env: Env) -> Val:
        if node is None:
            return SAFE
        kind = type(node)
        try:
            method = self._handlers[kind]
        except KeyError:  # once per node type: not a getattr and a new string per node
            method = self._handlers[kind] = getattr(type(self), "_v_" + kind.__name__, None)
        if method is None:
            # Anything else (lambdas, comparisons of unknown kind): evaluate children for sinks.
            for child in ast.iter_child_nodes(node):
                if isinstance(child, ast.expr):
                    self.value(child, env)
            return SAFE
        result: Val = method(self, node, env)
        return result

    def _v_Constant(self, node: ast.Constant, env: Env) -> Val:
        return literal(node.value)

    def _v_Name(self, node: ast.Name, env: Env) -> Val:
        if node.id in env:
            return env[node.id]
        try:  # like `unresolved`, a free name's value only changes with the scope
            return self.free_seen[node.id]
        except KeyError:
            val = self.free_seen[node.id] = self._free_name(node)
            return val

    def _free_name(self, node: ast.Name) -> Val:
        """A name the function has not bound: a source, a web framework's object, or unknown."""
        if node.id in SOURCE_NAMES and node.id not in self.imports:
            return Val(taint=SOURCE_NAMES[node.id])
        origin = self.imports.get(node.id, "")
        source = _module_source(origin)  # `from flask import request as req` too
        if source:
            return Val(taint=source)
        if origin.startswith(("flask", "bottle", "quart")):
            return Val(taint="the web request") if node.id == "request" else SAFE
        why = self.unresolved(node.id)
        return Val(unknown=why) if why else SAFE

    def _v_Attribute(self, node: ast.Attribute, env: Env) -> Val:
        name = dotted(node)
        if name is not None:
            if name in env:
                return env[name]
            for prefix, source in SOURCE_ATTRS.items():
                if name == prefix or name.startswith(prefix + "."):
                    return Val(taint=source)
            root, _, rest = name.partition(".")
            origin = self.imports.get(root)
            qualified = _module_source(f"{origin}.{rest}") if origin else None
            if qualified:  # `flask.request.args`, `import flask.request as r`: module-qualified
                return Val(taint=qualified)
            parts = name.split(".")
            if parts[0] == "self" and len(parts) == 2 and parts[1] in self.self_queries:
                return self.self_queries[parts[1]]
            if parts[0] in {"self", "cls"} and parts[1] in self.self_attrs:
                # `self.region` is the stored text; `self.connection.ops` is a handle's member.
                return Val(taint=self.self_attrs[parts[1]]) if len(parts) == 2 else SAFE
            unset = self.never_set(parts[1]) if parts[0] == "self" and len(parts) == 2 else None
            if unset:
                return Val(unknown=unset)
            if root in self.imports and root not in env:
                # `settings.TABLE`: the attribute is judged, not the module it hangs on.
                why = self.unresolved(name)
                return Val(unknown=why) if why else SAFE
        base = self.value(node.value, env)
        if base.taint == CLI_ARGUMENTS and node.attr in self.converted_options():
            return SAFE  # `args.days` after `add_argument("--days", type=int)`: cli.py
        if (
            base.suspect
            and isinstance(node.value, ast.Name)
            and node.attr in self.converted_fields(node.value.id)
        ):
            return SAFE  # `order.quantity` of a pydantic model with `quantity: int`
        held = self.object_attribute(node) if isinstance(node.value, ast.Name) else None
        if held is not None:
            return merge(held, opaque(base))
        if base.suspect or name is None or name.split(".")[0] in env:
            return opaque(base)  # the object is known here: its attribute is as safe as it
        why = self.unresolved(name)
        return Val(unknown=why) if why else SAFE

    def _v_Subscript(self, node: ast.Subscript, env: Env) -> Val:
        base = self.value(node.value, env)
        index = self.value(node.slice, env)
        if base.has_const and isinstance(base.const, str) and index.has_const:
            try:  # `"ABC"[1]`: a constant subject for a `match` or a comparison
                return literal(base.const[index.const])  # type: ignore[index]
            except (IndexError, TypeError, ValueError):
                pass
        known = self._known_part(base, node.slice, index, env)
        if known is not None:
            return known
        if isinstance(node.slice, ast.Slice):
            return base
        if base.elems is not None:
            return base.elems if not base.suspect else merge(base.elems, opaque(base))
        return replace(opaque(base), is_str=base.is_str) if base.suspect else SAFE

    def _v_JoinedStr(self, node: ast.JoinedStr, env: Env) -> Val:
        parts: list[Val] = []
        for piece in node.values:
            if isinstance(piece, ast.FormattedValue):
                val = self.value(piece.value, env)
                if _numeric_spec(piece.format_spec):
                    val = val.untainted()
                parts.append(val)
            else:
                parts.append(self.value(piece, env))
        return splice("f-string", parts, node.lineno)

    def _v_BinOp(self, node: ast.BinOp, env: Env) -> Val:
        left, right = self.value(node.left, env), self.value(node.right, env)
        folded = fold_binop(node.op, left, right)
        if folded is not None:
            return folded
        if isinstance(node.op, ast.Add):
            if left.is_str or right.is_str:
                return splice("+", [left, right], node.lineno)
            if left.elems is not None or right.elems is not None:
                return Val(
                    taint=strongest([left, right]),
                    unknown=left.unknown or right.unknown,
                    elems=merge(left.elems, right.elems),
                )
            return merge(left, right)
        if isinstance(node.op, ast.Mod):
            if left.is_str or left.text:
                if _numeric_conversions(node.left, node.right):
                    return Val(text=left.text, is_str=True)  # %d/%f raise unless given numbers
                args = right.elems if right.elems is not None else right
                return splice("%", [left, merge(args, opaque(right))], node.lineno)
            return SAFE if not left.suspect else left
        if isinstance(node.op, ast.Mult):
            # "?" * n and ["%s"] * n repeat a constant: the count cannot inject text.
            for side in (left, right):
                if side.is_str or side.elems is not None:
                    return side
            return SAFE
        return SAFE  # arithmetic yields numbers

    def _v_BoolOp(self, node: ast.BoolOp, env: Env) -> Val:
        return fold_boolop(node.op, [self.value(v, env) for v in node.values])

    def _v_IfExp(self, node: ast.IfExp, env: Env) -> Val:
        truth = self.constant_truth(node.test, env, self.value(node.test, env))
        body = self.value(node.body, self.refined(node.test, env, True))
        orelse = self.value(node.orelse, self.refined(node.test, env, False))
        if truth is True:
            return body
        if truth is False:
            return orelse
        return merge(body, orelse)

    def _v_Compare(self, node: ast.Compare, env: Env) -> Val:
        left = self.value(node.left, env)
        rights = [self.value(comp, env) for comp in node.comparators]
        return fold_compare(node.ops, [left, *rights])

    def _v_UnaryOp(self, node: ast.UnaryOp, env: Env) -> Val:
        return fold_unary(node.op, self.value(node.operand, env))

    def _container(self, elts: list[ast.expr], env: Env) -> Val:
        vals = [self.value(e, env) for e in elts]
        return _any_of([isinstance(e, ast.Starred) for e in elts], vals)

    def _v_List(self, node: ast.List, env: Env) -> Val:
        vals = [self.value(e, env) for e in node.elts]
        items: list[Val] = []
        for elt, val in zip(node.elts, vals, strict=True):
            if not isinstance(elt, ast.Starred):
                items.append(val)
            elif val.items is not None:  # `[*a, x]` with `a`'s positions known
                items.extend(val.items)
            else:
                return _any_of([isinstance(e, ast.Starred) for e in node.elts], vals)
        return containers.make_list(tuple(items))

    def _known_part(self, base: Val, index: ast.expr, key: Val, env: Env) -> Val | None:
        """`m["k"]`, `values[-1]`, `values[1:]` when the container's shape is known."""
        if not containers.precise(base):
            return None
        if isinstance(index, ast.Slice):
            bounds = self.slice_bounds(index, env)
            return containers.read_slice(base, *bounds) if bounds is not None else None
        constant = containers.constant_of(key)
        return containers.read_key(base, constant) if constant is not None else None

    def slice_bounds(self, index: ast.Slice, env: Env) -> list[object | None] | None:
        """`[lower, upper, step]` of a slice whose given bounds are all constants (an absent
        one is None), or None when one is not."""
        bounds = [self.value(b, env) if b is not None else None for b in
                  (index.lower, index.upper, index.step)]  # fmt: skip
        if any(b is not None and containers.constant_of(b) is None for b in bounds):
            return None
        return [containers.constant_of(b) if b is not None else None for b in bounds]

    def _v_Tuple(self, node: ast.Tuple, env: Env) -> Val:
        if any(isinstance(e, ast.Starred) for e in node.elts):
            return self._container(node.elts, env)
        vals = tuple(self.value(e, env) for e in node.elts)  # immutable: positions stay known
        consts = all(v.has_const and isinstance(v.const, str | int | float) for v in vals)
        const = tuple(v.const for v in vals) if consts else None  # `x in (1, 7)` can fold
        return Val(elems=merge(*vals) if vals else SAFE, items=vals, const=const, has_const=consts)

    _v_Set = _v_List

    def _v_Dict(self, node: ast.Dict, env: Env) -> Val:
        vals = [self.value(v, env) for v in node.values]
        entries: list[tuple[object, Val]] = []
        for key, val in zip(node.keys, vals, strict=True):
            const = containers.constant_of(self.value(key, env)) if key is not None else None
            if key is None and val.keys is not None:  # `{**a, "k": v}`: a's entries, in order
                entries.extend(val.keys)
            elif const is not None:  # every key a literal: entries stay apart
                entries.append((const, val))
            else:
                return _any_of([k is None for k in node.keys], vals)
        return containers.make_dict(entries)

    def _v_Lambda(self, node: ast.Lambda, env: Env) -> Val:
        self._lambda_result(node, None, env)  # sinks inside; the function object is no text
        return SAFE

    def _lambda_result(self, node: ast.Lambda, arg: Val | None, env: Env) -> Val:
        """The body's value; parameters are `arg` (map's elements) or untrusted like a def's."""
        inner = dict(env)
        for a in [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]:
            inner[a.arg] = arg if arg is not None else Val(taint=f"{PARAM_PREFIX}{a.arg}`")
        return self.value(node.body, inner)

    def _v_Starred(self, node: ast.Starred, env: Env) -> Val:
        return self.value(node.value, env)

    def _v_Await(self, node: ast.Await, env: Env) -> Val:
        return self.value(node.value, env)

    def _v_NamedExpr(self, node: ast.NamedExpr, env: Env) -> Val:
        val = self.value(node.value, env)
        env[node.target.id] = val
        return val

    def _comprehension(self, gens: list[ast.comprehension], env: Env) -> Env:
        inner = dict(env)
        for gen in gens:
            source = self.value(gen.iter, inner)
            self.bind_iter(gen.target, gen.iter, source, inner)
            for cond in gen.ifs:
                inner = self.refined(cond, inner, True)
        return inner

    def _v_ListComp(self, node: ast.ListComp, env: Env) -> Val:
        inner = self._comprehension(node.generators, env)
        return Val(elems=self.value(node.elt, inner))

    _v_SetComp = _v_ListComp
    _v_GeneratorExp = _v_ListComp

    def _v_DictComp(self, node: ast.DictComp, env: Env) -> Val:
        inner = self._comprehension(node.generators, env)
        self.value(node.key, inner)
        return Val(elems=self.value(node.value, inner))

    def bind_iter(self, target: ast.expr, iterable: ast.expr, source: Val, env: Env) -> None:
        """Bind a loop target; `enumerate()` yields a harmless index first."""
        if (
            isinstance(iterable, ast.Call)
            and last_name(iterable.func) == "enumerate"
            and isinstance(target, ast.Tuple)
            and len(target.elts) == 2
            and iterable.args
        ):
            self.bind(target.elts[0], SAFE, env)
            inner = self.value(iterable.args[0], env)
            self.bind(target.elts[1], iter_element(inner, iterable.args[0]), env)
            return
        self.bind(target, iter_element(source, iterable), env)

    def bind(self, target: ast.expr, val: Val, env: Env) -> None:
        """Assign `val` to `target` (names, tuples, attributes, subscripts)."""
        if isinstance(target, ast.Name):
            if self.aliases:
                self.unalias(target.id)
            env[target.id] = val
        elif (
            isinstance(target, ast.Tuple | ast.List)
            and val.items is not None
            and len(val.items) == len(target.elts)
            and not any(isinstance(e, ast.Starred) for e in target.elts)
        ):
            for sub, item in zip(target.elts, val.items, strict=True):
                self.bind(sub, item, env)  # `sql, params = build(x)`: each keeps its own value
        elif isinstance(target, ast.Tuple | ast.List):
            elem = val.elems if val.elems is not None else val
            for sub in target.elts:
                self.bind(sub, elem, env)
        elif isinstance(target, ast.Attribute):
            key = dotted(target)
            if key is not None:
                env[key] = val
        elif isinstance(target, ast.Subscript):
            key = dotted(target.value)
            if key is not None and key in env:
                old = env[key]
                index = None
                if containers.precise(old) and not isinstance(target.slice, ast.Slice):
                    index = containers.constant_of(self.value(target.slice, env))
                if index is not None:
                    self.store(env, key, containers.store_key(old, index, val))
                elif isinstance(target.slice, ast.Slice):
                    self.store(env, key, containers.widen(old, val))
                else:
                    at = self.value(target.slice, env)
                    self.store(env, key, containers.store_any_key(old, at, val))
        elif isinstance(target, ast.Starred):
            self.bind(target.value, Val(elems=val), env)

    def _v_Call(self, node: ast.Call, env: Env) -> Val:
        args: list[Val] = []
        for a in node.args:
            if type(a) is ast.Name and a.id in env:  # `_v_Name`'s first case, inline
                args.append(env[a.id])
                continue
            v = self.value(a, env)
            args.append(_unpacked(v) if type(a) is ast.Starred else v)
        kwargs: dict[str | None, Val] = {}
        if node.keywords:  # most calls have none: no comprehension to run
            kwargs = {kw.arg: self.value(kw.value, env) for kw in node.keywords}
            if None in kwargs:  # **mapping: its values are what the callee sees
                kwargs[None] = _unpacked(kwargs[None])
        func = node.func
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.NamedExpr):
            self.value(func.value, env)  # `(n := q.get("n")).isdigit()` binds `n` all the same
        if type(func) is ast.Name and self._plain_callee(func.id):
            # Most calls: a function of another module (or none) that no rule below names.
            # Every step after this would pass it by: no container made or changed, no sink,
            # no helper of this file; what goes in may come out (call_result's last line).
            self._widen_passed(node, env)
            passed = [*args, *kwargs.values()]
            # `compute(a, b)` twenty times over: the same arguments (the very same values)
            # give the same result, within one scope (as `unresolved_seen`).
            seen = self.calls_seen.get(func.id)
            if seen is not None and _same_vals(seen[0], passed):
                return seen[1]
            result = self._unknown_call(func.id, _propagate(passed))
            self.calls_seen[func.id] = (passed, result)
            return result
        if (
            isinstance(func, ast.Name)
            and func.id == "dict"
            and not node.args
            and None not in kwargs
        ):
            return containers.make_dict(list(kwargs.items()))
        made = self._constructed(node, args, kwargs)
        if made is not None:
            return made
        if isinstance(func, ast.Name) and func.id == "getattr" and func.id not in self.imports:
            return self._getattr(node, env, args)
        method = self._container_method(node, env, args, kwargs)
        if method is not None:
            return method
        self._widen_passed(node, env)
        self.on_call(node, env, args)
        summary = self.call_summary(node, env, args)
        if summary is not None:
            return summary
        return self.call_result(node, env, args, list(kwargs.values()))

    def _container_method(
        self, node: ast.Call, env: Env, args: list[Val], kwargs: dict[str | None, Val]
    ) -> Val | None:
        """`m.get("k")`, `values.pop(0)`...: the container's new shape and the result, when
        modelled; any other method of a container of known shape makes its shape unknown."""
        func = node.func
        key = dotted(func.value) if isinstance(func, ast.Attribute) else None
        if key is None or key not in env or not containers.precise(env[key]):
            return None
        assert isinstance(func, ast.Attribute)
        config = self.made_by(key) in containers.CONFIG_PARSERS
        # `conf.get(s, o, raw=True, fallback=x)`: `raw` changes no stored text, and `fallback`
        # is what a missing option reads as.
        named = {k: v for k, v in kwargs.items() if not config or k not in {"raw", "fallback"}}
        modelled = not named and not any(isinstance(a, ast.Starred) for a in node.args)
        if func.attr == "update" and not node.args and kwargs and None not in kwargs:
            args, modelled = [containers.make_dict(list(kwargs.items()))], True  # m.update(k=v)
        consts = [containers.constant_of(a) for a in args]
        model = containers.config_method if config else containers.call_method
        done = model(env[key], func.attr, args, consts) if modelled else None
        if done is None:
            if func.attr not in containers.READERS:
                self.store(env, key, containers.widen(env[key], *args, *kwargs.values()))
            return None
        if done[0] is not env[key]:
            self.store(env, key, done[0])
        result = done[1]
        section = consts[0] if consts else None
        if config and func.attr == "get" and isinstance(section, str) and self.interpolating(key):
            raw = kwargs.get("raw")
            if not (raw is not None and raw.has_const and raw.const):  # raw=True: as stored
                result = containers.interpolated(env[key], section, result, node.lineno)
        return merge(result, kwargs["fallback"]) if config and "fallback" in kwargs else result

    def _constructed(
        self, node: ast.Call, args: list[Val], kwargs: dict[str | None, Val]
    ) -> Val | None:
        """Containers a call makes with a known shape: a copy of one (`list(a)`, `dict(a)`,
        `copy.deepcopy(a)`), an empty or copied `collections.deque`, a `ConfigParser`."""
        if last_name(node.func) not in _MAKERS:
            return None  # most calls: no name to resolve
        name = self.qualified(dotted(node.func) or "")
        if name in containers.CONFIG_PARSERS and not args and "defaults" not in kwargs:
            return containers.make_dict([])  # its sections' options: config_method
        if name == "collections.deque" and not args and not kwargs:
            return containers.make_list(())
        into = _COPIES.get(name)
        if into is None or len(args) != 1 or kwargs or isinstance(node.args[0], ast.Starred):
            return None
        return containers.copied(args[0], into)

    def _getattr(self, node: ast.Call, env: Env, args: list[Val]) -> Val:
        """`getattr(obj, "name")` is `obj.name`; with a name known only at run time, the value
        is not provably constant (issue 17: a medium finding when spliced into SQL)."""
        if len(node.args) not in {2, 3} or node.keywords:
            return _propagate(args)
        default = args[2] if len(args) == 3 else SAFE
        attr = containers.constant_of(args[1])
        if isinstance(attr, str) and attr.isidentifier():
            read = ast.copy_location(ast.Attribute(value=node.args[0], attr=attr), node)
            return (
                merge(self.value(read, env), default) if len(args) == 3 else self.value(read, env)
            )
        why = "`getattr()` of a name known only at run time"
        return merge(opaque(args[0]), Val(unknown=why), default)

    def _widen_passed(self, node: ast.Call, env: Env) -> None:
        """A container handed to a function may be changed there: its shape becomes unknown."""
        if isinstance(node.func, ast.Name) and node.func.id in containers.PURE_CALLS:
            return
        passed = [*node.args, *(kw.value for kw in node.keywords)] if node.keywords else node.args
        for arg in passed:
            inner = arg.value if isinstance(arg, ast.Starred) else arg
            if isinstance(inner, ast.Name):  # most arguments: no need for dotted()'s walk
                key: str | None = inner.id
            else:
                key = dotted(inner) if isinstance(inner, ast.Attribute) else None
            if key is not None and key in env and containers.precise(env[key]):
                self.store(env, key, containers.widen(env[key]))

    def call_result(self, node: ast.Call, env: Env, args: list[Val], kwargs: list[Val]) -> Val:
        """What a call returns: sources taint, sanitizers clean, string methods propagate."""
        func = node.func
        name = dotted(func) or ""
        short = last_name(func)
        attribute = isinstance(func, ast.Attribute)
        try:
            kind = self._callees[name, short, attribute]
        except KeyError:
            kind = self._callees[name, short, attribute] = self._callee_kind(name, short, attribute)
        reads, source, in_encoder, encoder, cleans = kind
        if reads == "source":
            return Val(taint=source, is_str=True)
        if reads == "path":
            return SAFE  # os.path.exists(p): a bool or a number, whatever p holds
        if reads == "network":
            return Val(taint="the network")
        if not encoder and (
            cleans
            or (short == "str" and args and _is_sanitized(args[0]))
            or (isinstance(func, ast.Name) and func.id in self.enums)
        ):
            return SAFE
        if short == "Template" and args:  # string.Template: substitute() splices like format()
            return replace(args[0], is_str=True, elems=None, items=None, has_const=False)
        if short == "sub" and name.startswith("re.") and len(node.args) >= 3:
            pattern, repl = node.args[0], node.args[1]
            if (
                isinstance(pattern, ast.Constant)
                and isinstance(pattern.value, str)
                and STRIP_PATTERN.fullmatch(pattern.value)
                and isinstance(repl, ast.Constant)
                and repl.value == ""
            ):
                return Val(is_str=True)
        if isinstance(func, ast.Attribute) and not in_encoder:
            return self._method_result(func, env, short, args, kwargs)
        if short in {"str", "repr", "ascii", "format"} and args:
            return replace(args[0], is_str=True, elems=None, items=None, has_const=False)
        if short in {"list", "tuple", "set", "frozenset", "sorted", "reversed", "dict"} and args:
            return Val(taint=args[0].taint, elems=iter_element(args[0], node.args[0]))
        if short == "map" and len(node.args) == 2 and isinstance(node.args[0], ast.Lambda):
            return Val(elems=self._lambda_result(node.args[0], iter_element(args[1], None), env))
        if short in {"enumerate", "zip", "range", "map", "filter"}:
            return Val(elems=merge(*(iter_element(a, None) for a in args)))
        # An unknown function: what goes in may come out; an unresolved one may return anything.
        return self._unknown_call(name, _propagate(args + kwargs))

    def _plain_callee(self, name: str) -> bool:
        """Whether a call of the bare name `name` is one no rule of `_v_Call` names: not a
        container maker, `getattr`, a sink, a source, a sanitizer, an encoder, a builtin with
        its own rule, nor (asked each time: nested definitions add some) a function, lambda
        or enum of this file."""
        try:
            plain = self._plain_names[name]
        except KeyError:
            plain = self._plain_names[name] = name not in _RULED_CALLS and not any(
                self._callee_kind(name, name, False)
            )
        return plain and not self.local_callable(name)

    def local_callable(self, name: str) -> bool:
        """Whether `name` is a function (or lambda, or enum) of this file, whose calls the
        interpreter follows; overridden there."""
        return name in self.enums

    def _callee_kind(self, name: str, short: str, attribute: bool) -> _CalleeKind:
        """What a callee's name alone (and the file's imports) says of its result: a source
        (which), a path check or the network; whether it is a (module's own) encoder, and
        whether it cleans. One table per file: most files call a few names many times."""
        reads, source = "", ""
        if name in SOURCE_CALLS or short in SOURCE_CALLS:
            reads, source = "source", SOURCE_CALLS.get(name) or SOURCE_CALLS[short]
        elif self.qualified(name) in PATH_CHECKS:
            reads = "path"
        elif name.split(".")[0] in NETWORK_MODULES or self.imports.get(name.split(".")[0], "") in (
            NETWORK_MODULES
        ):
            reads = "network"
        in_encoder = self._encoder(name)  # base64.b64encode(x): the module's own function
        encoder = in_encoder or (attribute and short in ENCODER_METHODS)
        cleans = not encoder and bool(short in SANITIZERS or QUOTING.fullmatch(short))
        return reads, source, in_encoder, encoder, cleans

    def _unknown_call(self, name: str, result: Val) -> Val:
        """`result`, or unknown when it is constant but the callee cannot be resolved here. What
        another module's function makes of a setting is no longer that setting."""
        if (result.suspect and not is_setting(result)) or not name or "()" in name:
            return result
        why = self.unresolved(name, call=True)
        return Val(unknown=why) if why else result

    def _encoder(self, name: str) -> bool:
        """base64, codecs, json, urllib.parse.quote...: reversible, so never a sanitizer."""
        if "()" in name:
            return False  # `base64.b64decode(x).decode()`: a method of the result
        root = name.split(".")[0]
        module = (self.imports.get(root) or (root if "." in name else "")).split(".")[0]
        return module in ENCODER_MODULES

    def _method_result(
        self, func: ast.Attribute, env: Env, short: str, args: list[Val], kwargs: list[Val]
    ) -> Val:
        receiver = self.value(func.value, env)
        folded = fold_str_method(receiver, short, args, kwargs)
        if folded is not None:
            return folded  # `"abc".startswith("a")`: a constant decides a branch
        if short in {"render", "prepare_query"}:
            templated = self._templated(func, short, receiver, args, kwargs)
            if templated is not None:
                return templated
        if _is_stored_handle(func.value, self.self_attrs) and short not in STR_METHODS:
            receiver = SAFE  # self.conn.cursor(): a method of a stored object, not its text
        if short == "join":
            elems = [iter_element(a, None) for a in args]
            return splice("join", [receiver, *elems], func.end_lineno or func.lineno)
        if short in {"format", "format_map", "substitute", "safe_substitute"}:
            return splice(".format", [receiver, *args, *kwargs], func.end_lineno or func.lineno)
        if short in STR_METHODS:
            return merge(receiver, *(a for a in args if a.taint))
        parts = fold_split(receiver, short, args, kwargs)
        if parts is not None:
            return parts  # `"a b".split(" ")`: constant pieces at known positions
        if short in {"split", "splitlines", "rsplit", "partition"}:
            return replace(opaque(receiver), elems=replace(opaque(receiver), is_str=True))
        if short in CONTAINER_GETS and receiver.elems is not None:
            default = args[1:] if short in {"get", "pop", "setdefault"} else []
            if short == "keys" and receiver.dict_keys is not None and not args:
                return Val(taint=receiver.taint, elems=receiver.dict_keys)
            if short in {"items", "values", "keys", "copy"}:
                return Val(taint=receiver.taint, elems=receiver.elems)
            return merge(receiver.elems, *default, Val(taint=receiver.taint))
        if short in BINDERS or (
            short == "values" and (args or kwargs) and core_statement(func.value, self.imports)
        ):
            return receiver
        if short in DB_READS and (receiver.taint or "").startswith(PARAM_PREFIX):
            return SAFE  # rows from a cursor passed in: second-order flows are not tracked
        if receiver.taint:
            return Val(taint=receiver.taint)
        if short in LOOKUPS:
            return SAFE  # User.query.get(uid), cur.fetchone(): rows, not the caller's text
        result = _propagate(args + kwargs)
        if receiver.unknown and not result.suspect:
            return Val(unknown=receiver.unknown)
        return self._unknown_call(dotted(func) or "", result)

    def _templated(
        self, func: ast.Attribute, short: str, receiver: Val, args: list[Val], kwargs: list[Val]
    ) -> Val | None:
        """A Jinja2 SQL template rendered, or a JinjaSQL query prepared (templates.py)."""
        line = func.end_lineno or func.lineno
        if short == "prepare_query":
            if args and templates.jinjasql_prepared(func.value, self.imports):
                return templates.prepared_query(args[0], [*args[1:], *kwargs], line)
            return None
        target = func.value
        if isinstance(target, ast.Name):
            target = self.local_def(target.id) or target
        text = templates.jinja_text(target, self.imports)
        return None if text is None else templates.rendered(text, args, kwargs, line)


def iter_element(val: Val, node: ast.expr | None) -> Val:
    """What iterating over `val` yields: a dict's keys, constants when all are known."""
    if (val.keys is not None or val.dict_keys is not None) and not val.suspect:
        return containers.key_of(val)
    if val.elems is not None:
        return merge(val.elems, opaque(val)) if val.suspect else val.elems
    if isinstance(node, ast.Call) and last_name(node.func) == "range":
        return SAFE
    return replace(opaque(val), is_str=val.is_str) if val.suspect else SAFE


def _numeric_spec(spec: ast.expr | None) -> bool:
    """`{x:d}`, `{x:.2f}`: formatting that raises unless the value is a number."""
    if not isinstance(spec, ast.JoinedStr) or len(spec.values) != 1:
        return False
    piece = spec.values[0]
    return (
        isinstance(piece, ast.Constant)
        and isinstance(piece.value, str)
        and bool(re.fullmatch(r"[<>=^]?[+\- ]?,?0?\d*(?:\.\d+)?[bdoxXeEfFgGn%]", piece.value))
    )


_CONVERSION = re.compile(r"%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?([a-zA-Z%])")


def _numeric_conversions(fmt: ast.expr, args: ast.expr) -> bool:
    """`"... %d" % x` and `"%d, %f" % (a, b)` where every non-literal argument meets a number
    conversion: the formatting raises on text, so nothing can be injected."""
    if not isinstance(fmt, ast.Constant) or not isinstance(fmt.value, str):
        return False
    kinds = [k for k in _CONVERSION.findall(fmt.value) if k != "%"]
    values = args.elts if isinstance(args, ast.Tuple) else [args]
    if len(kinds) != len(values) or isinstance(args, ast.Dict):
        return False
    return all(
        kind in "diouxXeEfFgG" or isinstance(value, ast.Constant)
        for kind, value in zip(kinds, values, strict=True)
    )


# Calls that copy a container: "list" lists a dict's keys, "dict" copies only a dict.
_COPIES = {"list": "list", "tuple": "list", "dict": "dict", "copy.copy": "", "copy.deepcopy": "",
           "collections.deque": "list"}  # fmt: skip

# The last part of every name above: a call named otherwise makes no container of known shape.
_MAKERS = {n.rsplit(".", 1)[-1] for n in [*_COPIES, *containers.CONFIG_PARSERS]}

# Bare names `_v_Call` and `call_result` give a rule of their own (sink names: see
# `_plain_callee`'s use of sinks.SINK_NAMES).
_RULED_CALLS = frozenset({
    "dict", "getattr", *_MAKERS, *SINK_NAMES, "str", "repr", "ascii", "format", "Template",
    "sub", "list", "tuple", "set", "frozenset", "sorted", "reversed", "map", "enumerate", "zip",
    "range", "filter",
})  # fmt: skip

# Matched whole: `quote`, `quote_ident`, `_quote_free_identifiers`, `escapeString`; not the
# participle of a helper that merely wraps values in quotes (`quoted_list`, `escaped`).
QUOTING = re.compile(r"_*(?:quote|escape)(?:[_A-Z]\w*)?")


def _is_stored_handle(node: ast.expr, stored: dict[str, str]) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id in {"self", "cls"}
        and node.attr in stored
    )


def _flat(val: Val) -> Val:
    """`val` with what its elements may hold folded in (bounded: elements of elements once)."""
    if val.taint or val.unknown or (val.elems is None and val.items is None):
        return val  # (`val.suspect`, without a property call: every argument of a call asks)
    inner = [val.elems] if val.elems is not None else list(val.items or ())
    inner += [i.elems for i in list(inner) if i.elems is not None]
    return merge(val, *(v for v in inner if v.suspect)) if any(v.suspect for v in inner) else val


def _any_of(starred: list[bool], vals: list[Val]) -> Val:
    """A container of unknown shape holding `vals`; a starred one (`[*a]`, `{**a}`) adds
    `a`'s elements, not `a` itself."""
    held = [_unpacked(v) if s else v for s, v in zip(starred, vals, strict=True)]
    return Val(elems=merge(*held) if held else SAFE)


def _unpacked(val: Val) -> Val:
    return merge(val.elems, opaque(val)) if val.elems is not None else val


def _is_sanitized(val: Val) -> bool:
    return not val.taint


def _same_vals(old: list[Val], new: list[Val]) -> bool:
    """The very same values (identity: a Val holds no mutable state, and equality would
    compare every field)."""
    return len(old) == len(new) and all(a is b for a, b in zip(old, new, strict=True))


def _propagate(vals: list[Val]) -> Val:
    """A call's result: as untrusted (or unknown) as its arguments, containers' elements
    included (`json.dumps({"k": param})`), built where they were."""
    present: list[Val] = []
    for v in vals:  # the suspect ones (one loop, no comprehension: every call passes here)
        if v.taint or v.unknown:
            present.append(v)
        elif v.elems is not None or v.items is not None:
            flat = _flat(v)
            if flat.taint or flat.unknown:
                present.append(flat)
    return suspicion(present) if present else SAFE


def _module_source(path: str) -> str | None:
    """The source a fully qualified name is (`flask.request.args` -> the web request)."""
    if not path:
        return None  # a name that was not imported: most of them
    for prefix, source in MODULE_SOURCES.items():
        if path == prefix or path.startswith(prefix + "."):
            return source
    return None

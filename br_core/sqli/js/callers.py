"""Parameters that every caller in the file fills itself, for br_core/sqli/js/expressions.py.

`function statusClause(req) { return "status = '" + req + "'"; }` names its parameter like the
web request, but when the function is private to the module (not `export`ed, never passed on
nor put in `module.exports`) and every call in the file is a direct `statusClause('open')`,
the parameter holds what those calls pass, not a request; a call that leaves it out passes
its default (`function lookup(topic = req.query.topic)`). The model is
br_core/sqli/python/callers.py. Conservative: a function used other than by calling it, a call
with a spread argument, or no call at all keeps the parameter a source.
"""

from __future__ import annotations

import bisect
from dataclasses import replace

from br_core.sqli.js.arrows import arrow_default, arrow_parameter
from br_core.sqli.js.closures import named_function
from br_core.sqli.js.fold import dead_at
from br_core.sqli.js.scope import Ctx, Index
from br_core.sqli.js.tokens import Tok, slots, split_top, until_close

Sites = list[tuple[int, list[Tok]]]  # (the call's token, the argument: [] when not passed)
Fed = tuple[str, Sites]  # a key naming the function and position, its call sites


def parameter_sites(ctx: Ctx, name: str) -> Fed | None:
    """Every call of the private function whose parameter `name` is at the sink, with what it
    passes in that position (and a key naming both); None when `name` is not such a
    parameter."""
    index = ctx.index
    scopes = index.bindings()
    scope = scopes.resolve(name, min(ctx.sink, len(index.toks) - 1))
    if (scope, name) in scopes.params:
        # the same for every sink in that function: found once per file
        key = ("sites", f"{scope}:{name}")
        if key not in index.memo:
            index.memo[key] = _block_parameter_sites(index, scope, name)
        found = index.memo[key]
        return found if isinstance(found, tuple) else None
    arrow = arrow_parameter(ctx, name)  # `const clause = (req) => …`: no block
    if arrow is None or not arrow[0]:
        return None
    fn, position = arrow
    sites = _sites(index, fn, position, arrow_default(ctx, name)) if position >= 0 else None
    return (f"{fn}:{position}", sites) if sites is not None else None


def _block_parameter_sites(index: Index, scope: int, name: str) -> Fed | None:
    """`parameter_sites` for the parameter `name` of the function whose body opens at token
    `scope`."""
    found = named_function(index, scope)
    if found is None:
        return None
    fn, opening = found
    if _calls(index, fn) is None:
        return None  # checked once per function, before its parameter list is read
    params = (
        [[index.toks[opening]]]
        if index.toks[opening].kind == "ident"
        else slots(index.toks[opening + 1 : index.ends[opening]])
    )
    position = next((j for j, p in enumerate(params) if p and p[0].text == name), -1)
    if position < 0:
        return _pattern_sites(index, fn, params, name)
    given = split_top(params[position], {"="})  # `topic = req.query.topic`: its default
    sites = _sites(index, fn, position, given[1] if len(given) == 2 else [])
    return (f"{fn}:{position}", sites) if sites is not None else None


FIELD_MARK = "#"  # in a site key: the parameter is a field the pattern takes from the argument


def _pattern_sites(index: Index, fn: str, params: list[list[Tok]], name: str) -> Fed | None:
    """`function build({ paging: { sort } })`: `sort` is the field `paging.sort` of what each
    call passes there, read as `arg.paging.sort` where the argument is a name or a member
    (`build(opts)`); None for any other argument, a default on the way, or a name that is
    not in an object pattern."""
    for position, param in enumerate(params):
        path = _pattern_path(param, name)
        if path is None:
            continue
        calls = _calls(index, fn)
        if calls is None:
            return None
        sites: Sites = []
        for k, args in calls:
            given = args[position] if position < len(args) else []
            if not given or any(t.kind != "ident" and t.text not in {".", "?."} for t in given):
                return None  # `build({ … })`, `build()`: not read as a field here
            dots = [replace(given[-1], text=".", kind="punct")] * len(path)
            sites.append((k, [*given, *(t for pair in zip(dots, path, strict=True) for t in pair)]))
        return (f"{fn}:{position}{FIELD_MARK}{'.'.join(t.text for t in path)}", sites)
    return None


def _pattern_path(pattern: list[Tok], name: str) -> list[Tok] | None:
    """The keys leading to `name` in the object pattern `pattern` (`{ paging: { sort } }`:
    `paging`, `sort`); None when `name` is not bound there by plain keys without a default."""
    if len(pattern) < 3 or pattern[0].text != "{" or pattern[-1].text != "}":
        return None
    for part in split_top(pattern[1:-1], {","}):
        if len(part) == 1 and part[0].text == name and part[0].kind == "ident":
            return [part[0]]
        if len(part) < 3 or part[1].text != ":" or part[0].kind != "ident":
            continue
        value = part[2:]
        if len(value) == 1 and value[0].text == name:
            return [part[0]]
        inner = _pattern_path(value, name)
        if inner is not None:
            return [part[0], *inner]
    return None


def _sites(index: Index, fn: str, position: int, default: list[Tok]) -> Sites | None:
    """Each call's argument in that position; where a call leaves it out, the parameter's
    `default` (read where it stands: the site is its first token), else []."""
    calls = _calls(index, fn)
    if calls is None:
        return None
    at = bisect.bisect_left(index.pos, default[0].pos) if default else -1
    sites: Sites = []
    for k, args in calls:
        given = args[position] if position < len(args) else []
        sites.append((k, given) if given or not default else (at, default))
    return sites


def private_calls(index: Index, fn: str) -> list[tuple[int, list[list[Tok]]]] | None:
    """Each call of `fn` in the file with its arguments, when `fn` is private to the file and
    only ever called (continuations.py reads the callbacks these calls pass)."""
    return _calls(index, fn)


def _calls(index: Index, fn: str) -> list[tuple[int, list[list[Tok]]]] | None:
    """Each call of `fn` in the file with its arguments; None when `fn` is not private to
    the file or is used other than by calling it (found once per name)."""
    key = ("callers", fn)
    if key not in index.memo:
        index.memo[key] = _calls_uncached(index, fn)
    found = index.memo[key]
    return found if isinstance(found, list) else None


def _calls_uncached(index: Index, fn: str) -> list[tuple[int, list[list[Tok]]]] | None:
    toks = index.toks
    calls: list[tuple[int, list[list[Tok]]]] = []
    declared = 0
    for k in index.where.get(fn, []):
        prev = toks[k - 1].text if k else ""
        if prev in {"function", "const", "let", "var"}:
            declared += 1
            before = k - 3 if k >= 3 and toks[k - 2].text == "async" else k - 2
            if before >= 0 and toks[before].text in {"export", "default"}:
                return None  # `export function f`, `export const f`: other modules call it
            continue
        if prev in {"{", ","} and k + 1 < len(toks) and toks[k + 1].text == ":":
            continue  # `{ unread: unread() }`: a key spelled like the function, no use of it
        if prev in {".", "?.", "new"} or k + 1 >= len(toks) or toks[k + 1].text != "(":
            return None  # `obj.f`, `new f(…)`, or passed on: callers we do not see
        if dead_at(index, toks[k].pos):
            continue
        args = split_top(until_close(toks, k + 2, index.ends), {","})
        if any(a and a[0].text == "..." for a in args):
            return None
        calls.append((k, args))
    return calls if calls and declared == 1 else None

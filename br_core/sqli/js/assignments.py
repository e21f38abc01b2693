"""Which writes of a name reach a sink, read from tokens: its assignments (`=`, `+=`, `.push()`)
in the sink's scope and path, whether a literal table is changed later, a destructured element's
position, the last declaration of a function. Values are evaluated by the caller
(br_core/sqli/js/expressions.py)."""

from __future__ import annotations

import bisect
import re

from br_core.sqli.js.closures import late_window
from br_core.sqli.js.fold import dead_at, exclusive
from br_core.sqli.js.order import dominates
from br_core.sqli.js.scope import Ctx, Index
from br_core.sqli.js.tokens import Tok, slots, until_close, until_end

_LOOKBACK = 500  # occurrences of a name examined before one sink


def reaching_assignments(ctx: Ctx, name: str) -> list[tuple[int, str, list[Tok]]]:
    """The assignments to `name` that reach the sink, nearest 20, in file order: (token, `=` |
    `+=` | `push`, right-hand side). Only those to the variable the sink sees: a same-named
    local of another function, block or parameter list is another variable
    (br_core/sqli/js/bindings.py)."""
    out: list[tuple[int, str, list[Tok]]] = []
    toks = ctx.toks
    # Among the `_LOOKBACK` occurrences nearest before the sink, the 20 nearest that may assign
    # it, in file order: walking every occurrence of a common name for every sink was quadratic
    # in the file, and walking the 500 nearest of a parameter used everywhere was waste.
    first_after = ctx.sink
    where = ctx.index.where.get(name, [])
    hi = bisect.bisect_left(where, first_after)
    ranks = ctx.index.assigns.get(name, [])  # the occurrences that may assign, by rank
    top = bisect.bisect_left(ranks, hi)
    low = bisect.bisect_left(ranks, max(hi - _LOOKBACK, 0))
    # the nearest assignments are the ones that reach the sink
    before = [where[r] for r in ranks[max(low, top - 20) : top]]
    window = late_window(ctx.index, first_after) if top < len(ranks) else None
    if window is not None:  # a closure called later sees what is assigned before the call
        before = _called_later(ctx.index, before, _late(where, ranks, window), window[1])
    if not before:
        return out
    scopes = ctx.index.bindings()
    target = scopes.resolve(name, max(first_after - 1, 0))
    for k in before:
        if k + 1 >= len(toks):
            continue
        nxt = toks[k + 1]
        prev = toks[k - 1].text if k else ""
        if prev == "." or scopes.resolve(name, k) != target or dead_at(ctx.index, toks[k].pos):
            continue
        if exclusive(ctx.index, k, first_after, target):
            continue  # `case 'a': sql = …; break;` or an `if` block: not the sink's path
        start = k + 1
        if nxt.text == ":" and prev in {"const", "let", "var"}:
            while start < len(toks) and toks[start].text not in {"=", ";"}:
                start += 1
            nxt = toks[start] if start < len(toks) else nxt
        if nxt.text in {"=", "+="}:
            out.append((k, nxt.text, until_end(toks, start + 1, ctx.index.ends)))
        elif nxt.text == "." and k + 3 < len(toks) and toks[k + 2].text in {"push", "unshift"}:
            out.append((k, "push", until_close(toks, k + 4, ctx.index.ends)))
    return out


def _late(where: list[int], ranks: list[int], window: tuple[int, int, int]) -> list[int]:
    """The occurrences that may assign the name after the closure's end and before its last
    call (20 at most)."""
    lo = bisect.bisect_left(ranks, bisect.bisect_right(where, window[0]))
    hi = bisect.bisect_left(ranks, bisect.bisect_left(where, window[2]))
    return [where[r] for r in ranks[lo : min(hi, lo + 20)]]


def _called_later(index: Index, before: list[int], late: list[int], first_use: int) -> list[int]:
    """The assignments a closure sees when called: those before it and `late` ones, from the
    last plain `name = …` that runs on every path to the closure's first use (order.py):
    `let g = req.query.g; const run = () => …g…; g = 'all'; run()` sees only 'all'."""
    toks = index.toks
    cut = max(
        (k for k in late if toks[k + 1].text == "=" and dominates(index, k, first_use)),
        default=-1,
    )
    return [k for k in before + late if k >= cut]


_MUTATORS = {"push", "unshift", "splice", "fill", "set", "copyWithin"}


def mutated(ctx: Ctx, name: str) -> bool:
    """`const list = ['safe']; list.push(req.query.v)`: the literal table is not what it
    holds later (a method that adds to it, or a write by index)."""
    key = ("mutated", name)
    if key not in ctx.index.memo:
        toks, ends = ctx.toks, ctx.index.ends
        found = False
        for k in ctx.index.where.get(name, []):
            nxt = toks[k + 1].text if k + 2 < len(toks) else ""
            if nxt == "." and toks[k + 2].text in _MUTATORS:
                found = True
            elif nxt == "[" and 0 < ends[k + 1] + 1 < len(toks):
                found = found or toks[ends[k + 1] + 1].text in {"=", "+="}
        ctx.index.memo[key] = found
    return bool(ctx.index.memo[key])


def element_at(ctx: Ctx, name: str, at: int, rhs: list[Tok]) -> list[Tok] | None:
    """`const [table, who] = ['audit', req.query.who]`: `table` is the array literal's first
    element, not any of them (with a default too: `[table = 'logs', who]`). None when the
    pattern or the array has a spread or a hole the position cannot be read through."""
    if len(rhs) < 2 or rhs[0].text != "[" or rhs[-1].text != "]":
        return None
    pattern = slots(ctx.toks[at + 1 : ctx.index.ends[at]])
    position = next(
        (
            j
            for j, part in enumerate(pattern)
            if part and part[0].text == name and (len(part) == 1 or part[1].text == "=")
        ),
        None,
    )  # `[table = 'audit']`: the default is another assignment the caller reads
    elements = slots(rhs[1:-1])
    if position is None or any(p and p[0].text == "..." for p in [*pattern, *elements]):
        return None
    if position >= len(elements) or not elements[position]:
        return None
    return elements[position]


_DECLARES = re.compile(r"(?=\b(?:function|const|let|var)\s+([\w$]+))")


def last_declaration(ctx: Ctx, name: str) -> re.Match[str] | None:
    """The last of `function name(…) {`, `const name = [async] function (…) {` and
    `const name = (…) =>` in the file, as
    `re.finditer` of that pattern would find them (left to right, never overlapping). It is
    tried only where `_DECLARES` saw the name after one of those words, as a match can start
    nowhere else: a bundle calls hundreds of names, and a search of the whole file for each
    took 2 of swagger-ui's 5 s."""
    key = ("declares", "")
    starts = ctx.index.memo.get(key)
    if not isinstance(starts, dict):
        seen: dict[str, list[int]] = {}
        for m in _DECLARES.finditer(ctx.src):
            seen.setdefault(m.group(1), []).append(m.start())
        ctx.index.memo[key] = starts = seen
    n = re.escape(name)
    pattern = re.compile(
        rf"\bfunction\s+{n}\s*\(([^)]*)\)[^{{]*\{{"
        rf"|\b(?:const|let|var)\s+{n}\s*=\s*(?:async\s+)?function\b[^(]*\(([^)]*)\)[^{{]*\{{"
        rf"|\b(?:const|let|var)\s+{n}\s*=\s*(?:async\s*)?(?:\([^)]*\)|\w+)\s*=>\s*(?P<brace>\{{)?"
    )
    found: re.Match[str] | None = None
    after = 0
    for start in starts.get(name, ()):
        here = pattern.match(ctx.src, start) if start >= after else None
        if here:
            found, after = here, here.end()
    return found

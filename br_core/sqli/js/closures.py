"""A closure reads a captured variable when it is called, for br_core/sqli/js/assignments.py.

`let name = 'everyone'; const run = () => db.all(`… ${name} …`); name = req.query.name;
run();`: the query runs at `run()`, after the reassignment, so that assignment reaches the sink
though it comes later in the file. For a sink inside a named function (`const run = (…) =>`,
`const run = function (…) {…}`, `function run(…) {…}`), assignments after the function's end
and before its last call reach it; when the name is used other than by calling it (passed as a
callback, returned), the call may come at any later time: every later assignment reaches it.
A sink in an unnamed function (a route handler) or at the top level sees only what precedes it.
"""

from __future__ import annotations

from br_core.sqli.js.bindings import GLOBAL
from br_core.sqli.js.fold import dead_at
from br_core.sqli.js.scope import Index
from br_core.sqli.js.tokens import Tok, until_end

_BACK = 200  # tokens walked back from a sink to an enclosing expression-bodied arrow
_DECLARE = frozenset({"const", "let", "var"})


def late_window(index: Index, sink: int) -> tuple[int, int, int] | None:
    """(the end of the named function around token `sink`, its first use after that end, its
    last call or the end of the file): assignments to a captured variable strictly between
    the end and the last call reach the sink. None when the sink is in no named function, or
    nothing uses it after its end."""
    key = ("closure", str(sink))
    if key not in index.memo:
        index.memo[key] = _late_window(index, sink)
    found = index.memo[key]
    return found if isinstance(found, tuple) else None


def _late_window(index: Index, sink: int) -> tuple[int, int, int] | None:
    found = _enclosing_function(index, sink)
    if found is None:
        return None
    name, end = found
    toks = index.toks
    first = last = -1
    for k in index.where.get(name, []):
        if k <= end or dead_at(index, toks[k].pos):
            continue
        if toks[k - 1].text in {".", "?."}:
            continue  # `obj.run`: another object's member
        first = k if first < 0 else first
        if k + 1 < len(toks) and toks[k + 1].text == "(":
            last = k
        else:
            last = len(toks)  # passed on or returned: called at some later time
            break
    return (end, first, last) if last > end else None


def _enclosing_function(index: Index, sink: int) -> tuple[str, int] | None:
    """(name, the token that ends it) of the innermost function around token `sink`, when
    that function is bound to a name."""
    toks = index.toks
    arrow = _arrow_around(index, sink)
    if arrow is not None:
        opening, end = arrow
        name = _bound_name(toks, opening)
        return (name, end) if name else None
    brace = index.bindings().function_of.get(index.block[sink] if sink < len(toks) else GLOBAL)
    if brace is None or brace == GLOBAL:
        return None
    found = named_function(index, brace)
    return (found[0], index.ends[brace]) if found else None


def named_function(index: Index, brace: int) -> tuple[str, int] | None:
    """(its name, the first token of its parameters) for the function whose body opens at
    token `brace`, when that function is bound to a name."""
    toks = index.toks
    head = brace - 1
    if head < 1:
        return None
    if toks[head].text == "=>":
        head -= 1
    opening = head if toks[head].kind == "ident" else _opener(toks, head)  # `x => {`
    if opening is None:
        return None
    name = _bound_name(toks, opening)
    return (name, opening) if name else None


def _arrow_around(index: Index, sink: int) -> tuple[int, int] | None:
    """(the first token of its parameters, the token after its body) of the expression-bodied
    arrow whose body holds token `sink`, within its block."""
    toks = index.toks
    depth = 0
    home = index.block[sink] if sink < len(toks) else GLOBAL
    for j in range(sink - 1, max(home, sink - _BACK, -1), -1):
        text = toks[j].text if toks[j].kind == "punct" else ""
        if text in {")", "]", "}"}:
            depth += 1
        elif text in {"(", "[", "{"}:
            depth -= 1
        elif text == ";" and depth <= 0:
            return None
        elif text == "=>" and depth <= 0 and j + 1 < len(toks) and toks[j + 1].text != "{":
            end = j + 1 + len(until_end(toks, j + 1, index.ends))
            if end <= sink:
                continue  # an arrow that ended before the sink: `(x) => x, db.all(…)`
            if toks[j - 1].kind == "ident":
                return j - 1, end
            opening = _opener(toks, j - 1)
            return (opening, end) if opening is not None else None
    return None


def _opener(toks: list[Tok], close: int) -> int | None:
    """The `(` matching the `)` at token `close`."""
    if toks[close].text != ")":
        return None
    depth = 0
    for j in range(close, max(close - _BACK, -1), -1):
        if toks[j].text == ")" and toks[j].kind == "punct":
            depth += 1
        elif toks[j].text == "(" and toks[j].kind == "punct":
            depth -= 1
            if depth == 0:
                return j
    return None


def _bound_name(toks: list[Tok], opening: int) -> str:
    """The name a function whose parameters start at token `opening` is bound to:
    `function run(`, `const run = (`, `const run = async (`, `const run = function (`."""
    j = opening - 1
    if j >= 1 and toks[j].kind == "ident" and toks[j - 1].text == "function":
        return toks[j].text  # `function run(`
    if j >= 0 and toks[j].text == "function":
        j -= 1
    if j >= 0 and toks[j].text == "async":
        j -= 1
    if j >= 2 and toks[j].text == "=" and toks[j - 1].kind == "ident":
        return toks[j - 1].text if toks[j - 2].text in _DECLARE else ""
    return ""

"""Writes that always run before a sink, for flow-ordered reads (issue 17, round 5b).

`o.kind = req.query.kind; o.kind = 'member'; db.query(… o.kind …)`: the second write replaces
the first on every path to the sink, so only it (and what comes after it) reaches the sink. A
write *dominates* the sink when it is a statement of its own (not the arm of an `if`, a `? :`
or a `&&`), outside dead code, in the sink's block or one enclosing it within the same
function, with no `case` label between them (a `switch` may jump past it). Anything less and
the earlier values stay possible: the analysis merges them, as before.
"""

from __future__ import annotations

import bisect

from br_core.sqli.js.bindings import GLOBAL
from br_core.sqli.js.fields import member_path
from br_core.sqli.js.fold import dead_at
from br_core.sqli.js.scope import Index

_STATEMENT_START = frozenset({";", "{", "}"})


def dominates(index: Index, k: int, sink: int) -> bool:
    """The statement starting at token k runs on every path from its block's start to the
    sink (token `sink`), and k comes before the sink."""
    toks = index.toks
    if not 0 <= k < sink <= len(toks) or (k and toks[k - 1].text not in _STATEMENT_START):
        return False
    if dead_at(index, toks[k].pos):
        return False
    home = index.block[k]
    at = index.block[sink] if sink < len(toks) else GLOBAL
    functions = index.bindings().function_of
    if functions.get(home, GLOBAL) != functions.get(at, GLOBAL):
        return False  # the sink is in a function that may run before the write
    scope = at
    while scope != home:
        if scope == GLOBAL:
            return False  # the write sits in a block the sink is not in: an `if`, a loop
        scope = index.parent.get(scope, GLOBAL)
    return not _label_between(index, home, k, sink)


def _label_between(index: Index, block: int, k: int, sink: int) -> bool:
    """A `case`/`default` label of `block` between tokens k and `sink`: a jump target."""
    for label in ("case", "default"):
        where = index.where.get(label, [])
        for j in where[bisect.bisect_right(where, k) : bisect.bisect_left(where, sink)]:
            if index.block[j] == block:
                return True
    return False


def replaces(index: Index, k: int, path: list[str]) -> bool:
    """Token k starts `name.<path> = …`: a plain assignment to exactly that field (not `+=`,
    not `o[key] =` with a key the analysis cannot name, not a field of it)."""
    toks = index.toks
    keys, j = member_path(toks, k + 1, index.ends)
    return keys == path and "" not in keys and j < len(toks) and toks[j].text == "="

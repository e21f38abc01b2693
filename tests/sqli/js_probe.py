"""Probes into the JS/TS analyser's parts, shared by its unit tests."""

from __future__ import annotations

from br_core.sqli.js.fold import truth
from br_core.sqli.js.scope import Index
from br_core.sqli.js.tokens import tokenize


def fold_condition(prelude: str, cond: str) -> bool | None:
    """What the folder makes of `if (cond)` after the declarations in `prelude`."""
    src = f"{prelude}\nif ({cond}) {{}}\n"
    toks = tokenize(src)
    index = Index(src, toks)
    k = max(j for j, t in enumerate(toks) if t.text == "if")
    return truth(index, toks[k + 2 : index.ends[k + 1]])

"""Which declaration a JS/TS name refers to at a token: scope per function and per block.

`var` is hoisted to its function's body, `let`/`const` belong to their block, a function's
parameters to its body; a name declared nowhere on the way out is an implicit global (one
binding for the whole file). So `filter = req.query.filter` in one handler and
`var filter = '…'` in another are two variables, while an undeclared `lastSearch` assigned from
the request in one function is the same global another function reads.

Built once per file from the token stream (one pass to find function bodies and declarations);
each question walks the block chain from the token outwards.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from br_core.sqli.js.tokens import Tok

GLOBAL = -1  # the binding of an undeclared name: the file's implicit global
_DECLARE = {"var", "let", "const"}
_NOT_FUNCTIONS = {"if", "for", "while", "switch", "with", "return", "typeof", "await"}
_MODIFIERS = frozenset({"readonly", "private", "public", "protected", "override"})
_AFTER_PARAM = frozenset({":", ",", "?", "="})  # what follows a parameter's name
_LOOKBACK = 40  # tokens between `)` and `{` a return type may take: `): Promise<Row[]> {`


@dataclass(eq=False)
class Bindings:
    """Per-file scopes: `block[k]` is token k's innermost `{` (or -1), `parent` a block's
    enclosing block, as in br_core/sqli/js/scope.py's `Index`."""

    toks: list[Tok]
    block: list[int]
    parent: dict[int, int]  # (its keys: every `{` of the file, in order)
    ends: list[int]
    where: dict[str, list[int]]  # each name's occurrences (token indices), as in `Index`
    function_of: dict[int, int] = field(default_factory=dict)  # block -> its function body
    declared: set[tuple[int, str]] = field(default_factory=set)  # (scope block, name)
    params: set[tuple[int, str]] = field(default_factory=set)  # (function body, parameter)

    def __post_init__(self) -> None:
        # each closing bracket's opening one (built in C: every token not an opening bracket
        # maps to -1, and the end of the file stands for "never closes"; both are dropped)
        starts = dict(zip(self.ends, range(len(self.ends)), strict=True))
        starts.pop(-1, None)
        starts.pop(len(self.toks), None)
        # the braces and the declaring words from the index, not a walk over every token
        bodies: set[int] = set()
        for k in self.parent:
            params = self._params_of_body(k, starts)
            if params is not None:
                bodies.add(k)
                self.params.update((k, name) for name in params)
        for k, up in self.parent.items():
            self.function_of[k] = k if k in bodies else self.function_of.get(up, GLOBAL)
        self.declared |= self.params
        for word in _DECLARE:
            for k in self.where.get(word, ()):
                home = self.block[k]
                if word == "var":
                    home = self.function_of.get(home, GLOBAL)
                self.declared.update((home, name) for name in self._declared_names(k + 1))

    def resolve(self, name: str, at: int) -> int:
        """The scope whose declaration of `name` is visible at token `at` (GLOBAL if none)."""
        scope = self.block[at] if 0 <= at < len(self.block) else GLOBAL
        while scope != GLOBAL:
            if (scope, name) in self.declared:
                return scope
            scope = self.parent.get(scope, GLOBAL)
        return GLOBAL

    def _declared_names(self, k: int) -> list[str]:
        """Names bound by `const name`, `let {a, b: c}`, `var [x, y]` starting at token k."""
        if k >= len(self.toks):
            return []
        tok = self.toks[k]
        if tok.kind == "ident":
            return [tok.text]
        end = self.ends[k] if tok.text in "{[" else -1
        if end < 0:
            return []
        inner = self.toks[k + 1 : min(end, k + 200)]
        return [
            t.text
            for j, t in enumerate(inner)
            if t.kind == "ident"
            and (j == 0 or inner[j - 1].text not in {".", "="})
            and (j + 1 == len(inner) or inner[j + 1].text != ":")
        ]

    def _params_of_body(self, brace: int, starts: dict[int, int]) -> list[str] | None:
        """The parameter names when the `{` at `brace` opens a function body, else None."""
        toks = self.toks
        before = brace - 1
        if before < 0:
            return None
        if toks[before].text == "=>":
            if before and toks[before - 1].kind == "ident":
                return [toks[before - 1].text]  # `x => {`
            before -= 1
        elif toks[before].text != ")":
            # `): Promise<Row[]> {` (a TypeScript return type): find the `)` before the `:`
            k = before
            while k > max(0, brace - _LOOKBACK) and toks[k].text not in {")", ";", "{", "}"}:
                k -= 1
            if toks[k].text != ")" or k + 1 >= brace or toks[k + 1].text != ":":
                return None
            before = k
        if toks[before].text != ")" or before not in starts:
            return None
        opening = starts[before]
        head = toks[opening - 1] if opening else None
        arrow = toks[brace - 1].text == "=>"
        # `function f(a) {`, `function (a) {`, a method `name(a) {`; not `if (x) {`
        if not arrow and (head is None or head.kind != "ident" or head.text in _NOT_FUNCTIONS):
            return None
        return _param_names(toks[opening + 1 : before])


def _param_names(inner: list[Tok]) -> list[str]:
    """`a, b = 1, ...rest`, `a: string`, `{ id, name: alias }`, `[x, y]`: the names bound."""
    names: list[str] = []
    depth = 0  # inside `{…}` / `[…]` destructuring patterns (and default values' brackets)
    for j, tok in enumerate(inner):
        if tok.text in "{[(":
            depth += 1
            continue
        if tok.text in "}])":
            depth -= 1
            continue
        if tok.kind != "ident":
            continue
        prev = inner[j - 1].text if j else ","
        nxt = inner[j + 1].text if j + 1 < len(inner) else ","
        if depth == 0 and prev in {",", "..."}:
            names.append(tok.text)  # `a`, `a: T`, `a = 1`, `...rest`
        elif depth == 0 and (prev == ")" or prev in _MODIFIERS) and nxt in _AFTER_PARAM:
            # TypeScript: `@Query('id') id: string`, `private readonly db: Pool`
            names.append(tok.text)
        elif depth > 0 and prev in {"{", "[", ",", ":", "..."} and nxt != ":":
            names.append(tok.text)  # `{ id }`, `{ name: alias }` binds alias
    return names

"""Constant conditions and dead code for the JS/TS SQL-injection check (issue 17).

`if (false) { sql = "…" + req.query.cat }`, `1 > 2 ? built : fixed`,
`switch (MODE) { case 'legacy': … }` with `const MODE = 'safe'`, and statements after a
`return`, `throw`, `break` or `continue` never run: a sink or an assignment there is no flow.
A `case` that ends in `break` does not fall through, and an `if` block and its `else` are
exclusive: what one assigns does not reach a sink in the other (`exclusive`). The model is
br_core/sqli/python/fold.py: literals, `const` names bound to one literal, `!`, comparisons,
`&&`/`||`, `+`/`-` and `*`/`/`/`%` on numbers are evaluated; anything else (a call, a `let`,
mixed types under `==`) is not a constant, and both branches stay live. Dead code is found
once per file as spans of source offsets.
"""

from __future__ import annotations

import bisect
import math
import operator
from collections.abc import Callable
from itertools import chain
from typing import Any

from br_core.sqli.js.scope import Index
from br_core.sqli.js.tokens import Tok, split_top, ternary, until_end

Const = bool | int | float | str | None
_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    "<": operator.lt,
    ">": operator.gt,
    "<=": operator.le,
    ">=": operator.ge,
}
# JavaScript's `%` keeps the dividend's sign (`-7 % 3` is -1), as math.fmod does; a division
# by zero (Infinity or NaN in JavaScript) raises here and leaves the expression unknown.
_ARITH: dict[str, Callable[[Any, Any], int | float]] = {
    "*": operator.mul,
    "/": operator.truediv,
    "%": lambda a, b: int(math.fmod(a, b)) if isinstance(a + b, int) else math.fmod(a, b),
}
_ATOMS: dict[str, Const] = {"true": True, "false": False, "null": None, "undefined": None}
_ENDS_FLOW = {"return", "throw", "break", "continue"}
_STATEMENT_START = {";", "{", "}", ":"}
_DEPTH = 30  # nested `if … else if …` followed, at most
_TYPE_TOKENS = 30  # tokens a `const NAME: Type =` annotation may take
_COND_TOKENS = 60  # tokens a ternary's condition may take
_COND_STOP = frozenset({"=", "+=", "-=", "(", "[", "{", "}", ",", ";", "=>", "??=", "||=", "&&=",
                        "...", "return", "case", "throw", "yield"})  # fmt: skip


class _NotConst(Exception):
    """The expression's value is not known before the program runs."""


def fold(index: Index, toks: list[Tok]) -> Const | _NotConst:
    """The value of a condition's tokens, or a `_NotConst` instance when it is not a constant."""
    parser = _Parser(index, toks)
    try:
        value = parser.either()
        if parser.at < len(toks):
            raise _NotConst
    except (_NotConst, TypeError, RecursionError, ZeroDivisionError, ValueError):
        return _NotConst()
    return value


def truth(index: Index, toks: list[Tok]) -> bool | None:
    """Whether a condition always holds (True), never holds (False), or depends (None).
    `FLAG && req.query.q` with a false `FLAG` never holds, whatever the request holds."""
    for op, decides in (("||", True), ("&&", False)):
        parts = split_top(toks, {op})
        if len(parts) > 1:
            known = [truth(index, part) for part in parts]
            if decides in known:
                return decides
            return None if None in known else not decides
    value = fold(index, toks)
    return None if isinstance(value, _NotConst) else bool(value)


class _Parser:
    """Precedence climbing over `||`, `&&`, equality, order, `+`/`-`, `*`/`/`/`%`, `!`/unary `-`."""

    def __init__(self, index: Index, toks: list[Tok]) -> None:
        self.index, self.toks, self.at = index, toks, 0

    def _peek(self) -> str:
        return self.toks[self.at].text if self.at < len(self.toks) else ""

    def either(self) -> Const:
        left = self.both()
        while self._peek() == "||":
            self.at += 1
            right = self.both()
            left = left or right
        return left

    def both(self) -> Const:
        left = self.equal()
        while self._peek() == "&&":
            self.at += 1
            right = self.equal()
            left = left and right
        return left

    def equal(self) -> Const:
        left = self.order()
        while (op := self._peek()) in {"===", "!==", "==", "!="}:
            self.at += 1
            right = self.order()
            if op in {"==", "!="} and type(left) is not type(right):
                raise _NotConst  # `1 == '1'` coerces: JavaScript's rules, not Python's
            left = (left == right) == (op in {"===", "=="})
        return left

    def order(self) -> Const:
        left = self.sum()
        while (op := self._peek()) in _ORDER:
            self.at += 1
            right = self.sum()
            if isinstance(left, str) != isinstance(right, str):
                raise _NotConst
            left = _ORDER[op](left, right)
        return left

    def sum(self) -> Const:
        left = self.product()
        while (op := self._peek()) in {"+", "-"}:
            self.at += 1
            right = self.product()
            if isinstance(left, bool | None) or isinstance(right, bool | None):
                raise _NotConst
            if isinstance(left, str) != isinstance(right, str):
                raise _NotConst  # `'a' + 1` is 'a1' in JavaScript
            left = left + right if op == "+" else left - right  # type: ignore[operator]
        return left

    def product(self) -> Const:
        left = self.unary()
        while (op := self._peek()) in _ARITH:
            self.at += 1
            right = self.unary()
            if not (_is_number(left) and _is_number(right)):
                raise _NotConst  # `'3' * 2` coerces: JavaScript's rules, not Python's
            left = _ARITH[op](left, right)
        return left

    def unary(self) -> Const:
        op = self._peek()
        if op == "!":
            self.at += 1
            return not self.unary()
        if op == "-":
            self.at += 1
            value = self.unary()
            if not isinstance(value, int | float) or isinstance(value, bool):
                raise _NotConst
            return -value
        return self.atom()

    def atom(self) -> Const:
        if self.at >= len(self.toks):
            raise _NotConst
        tok = self.toks[self.at]
        self.at += 1
        value = self._operand(tok)
        self.at = _after_type(self.toks, self.at)
        return self._postfix(value)

    def _postfix(self, value: Const) -> Const:
        """`s.charAt(1)`, `s[1]` and `s.length` of a constant string (`switch (guess.charAt(1))`
        picks a case as surely as a literal does); any other member or call is not a constant."""
        while (op := self._peek()) in {".", "["}:
            name = self.toks[self.at + 1].text if self.at + 1 < len(self.toks) else ""
            if op == "." and name == "length" and isinstance(value, str):
                self.at += 2
                value = len(value)
                continue
            if op == "." and name == "charAt" and self.toks[self.at + 2 : self.at + 3]:
                self.at += 2
                op = self.toks[self.at].text
            closer = {"[": "]", "(": ")"}.get(op, "")
            if not closer:
                raise _NotConst
            self.at += 1
            key = self.either()
            if self._peek() != closer:
                raise _NotConst
            self.at += 1
            value = _char_at(value, key)
        return value

    def _operand(self, tok: Tok) -> Const:
        if tok.text == "(":
            value = self.either()
            if self._peek() != ")":
                raise _NotConst
            self.at += 1
            return value
        if tok.kind == "num":
            return _number(tok.text)
        if tok.kind == "str" or (tok.kind == "tmpl" and not tok.exprs and not tok.tagged):
            return tok.parts[0] if tok.parts else ""
        if tok.kind == "ident" and tok.text in _ATOMS:
            return _ATOMS[tok.text]
        if tok.kind == "ident":
            return _const_name(self.index, tok)
        raise _NotConst


# after `!` (TypeScript's non-null assertion, not a negation): where an operand has ended
_ENDS_OPERAND = frozenset({"", ")", "]", "}", ",", ";", "?", ":", "&&", "||", "??", "===",
                           "!==", "==", "!=", "<", ">", "<=", ">=", "+", "-", "*", "/", "%",
                           "as"})  # fmt: skip


def _after_type(toks: list[Tok], at: int) -> int:
    """The token after TypeScript's postfix syntax at `at`, which changes no value:
    `x!`, `x as const`, `x as Mode`, `x as Array<string>`, `x satisfies Config`."""
    while at < len(toks):
        text = toks[at].text
        nxt = toks[at + 1].text if at + 1 < len(toks) else ""
        if text == "!" and nxt in _ENDS_OPERAND:
            at += 1
        elif text in {"as", "satisfies"} and toks[at].kind == "ident" and nxt:
            at += 2  # the type's name: `const`, `boolean`, `Mode`
            while at + 1 < len(toks) and toks[at].text == "." and toks[at + 1].kind == "ident":
                at += 2  # `Config.Mode`
            if at < len(toks) and toks[at].text == "<":
                close = next((j for j in range(at, len(toks)) if toks[j].text == ">"), at)
                at = close + 1  # `Array<string>`
        else:
            return at
    return at


def _char_at(text: Const, at: Const) -> str:
    """One character of a constant string; out of range is not folded (`charAt` gives '',
    indexing gives undefined)."""
    if not isinstance(text, str) or isinstance(at, bool) or not isinstance(at, int):
        raise _NotConst
    if not 0 <= at < len(text):
        raise _NotConst
    return text[at]


def _is_number(value: Const) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _number(text: str) -> int | float:
    try:
        return (
            int(text, 0)
            if text.isdigit() or text[:2].lower() in {"0x", "0o", "0b"}
            else float(text)
        )
    except ValueError:
        raise _NotConst from None


def _declared_at(index: Index, name: str) -> list[int]:
    """Where `const/let/var/function name` declares it, once per name and file: in a minified
    bundle `e` occurs tens of thousands of times, and walking them all again for every
    condition that reads `e` took most of the time (14 of 18 s CPU for swagger-ui's)."""
    key = ("declared", name)
    found = index.memo.get(key)
    if not isinstance(found, list):
        toks = index.toks
        found = [
            k
            for k in index.where.get(name, [])
            if k and toks[k - 1].text in {"const", "let", "var", "function"}
        ]
        index.memo[key] = found
    return found


def _const_name(index: Index, use: Tok) -> Const:
    """`const NAME = <literal>` declared once in the file and not hidden where it is used (by
    a parameter `NAME` of the enclosing function, say): its literal."""
    toks, name = index.toks, use.text
    decls = _declared_at(index, name)
    if len(decls) != 1 or toks[decls[0] - 1].text != "const":
        raise _NotConst  # a `let` may change; two declarations may be two variables
    k = decls[0]
    scopes = index.bindings()
    at = min(bisect.bisect_left(index.pos, use.pos), len(toks) - 1)
    if scopes.resolve(name, at) != scopes.resolve(name, k):
        raise _NotConst
    rhs = _initialiser(index, k)
    if len(rhs) != 1 or (rhs[0].kind == "ident" and rhs[0].text not in _ATOMS):
        raise _NotConst
    value = fold(index, rhs)
    if isinstance(value, _NotConst):
        raise _NotConst
    return value


def _initialiser(index: Index, k: int) -> list[Tok]:
    """The value of `const NAME = …` at token k, TypeScript's `: Type` before the `=` and
    `as const` / `as T` / `!` after the value left out: `const ON: boolean = true as const`."""
    toks = index.toks
    eq = k + 1
    if eq < len(toks) and toks[eq].text == ":":
        while eq < min(len(toks), k + _TYPE_TOKENS) and toks[eq].text not in {"=", ";", "{"}:
            eq += 1
    if eq + 1 >= len(toks) or toks[eq].text != "=":
        return []
    rhs = until_end(toks, eq + 1, index.ends)
    if rhs and _after_type(rhs, 1) == len(rhs):
        return rhs[:1]  # one token, then only type syntax
    return rhs


def dead_at(index: Index, pos: int) -> bool:
    """The source offset `pos` lies in code that never runs."""
    key = ("fold", "dead")
    spans = index.memo.get(key)
    if not isinstance(spans, list):
        spans = _merge(_dead_spans(index))
        index.memo[key] = spans
    j = bisect.bisect_right(spans, (pos, len(index.src) + 1)) - 1
    return j >= 0 and spans[j][0] <= pos < spans[j][1]


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if out and start <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def _dead_spans(index: Index) -> list[tuple[int, int]]:
    """Token ranges that never run, as source offsets: untaken `if` branches, unselected
    `switch` cases, statements after an unconditional `return`/`throw`/`break`/`continue` in
    the same block."""
    toks = index.toks
    spans = _dead_arms(index)
    covered: dict[int, int] = {}  # block -> token its dead tail already reaches
    where = index.where
    starts = sorted(chain.from_iterable(where.get(w, ()) for w in ("if", "switch", *_ENDS_FLOW)))
    for k in starts:  # in file order, as `covered` needs; never every token of the file
        tok = toks[k]
        if k + 1 >= len(toks):
            continue
        if tok.text == "if" and toks[k + 1].text == "(":
            spans.extend(_dead_if(index, k))
        elif tok.text == "switch" and toks[k + 1].text == "(":
            spans.extend(_dead_cases(index, k))
        elif _ends_block(index, k, covered):
            tail = _dead_after(index, k)
            spans.extend(tail)
            covered[index.block[k]] = max((end for _, end in tail), default=k)
    n = len(toks)
    return [
        (toks[a].pos, toks[b].pos if b < n else len(index.src)) for a, b in spans if a < min(b, n)
    ]


def _ends_block(index: Index, k: int, covered: dict[int, int]) -> bool:
    """Token k is an unconditional `return`/`throw`/`break`/`continue` not already inside a
    dead tail of its block (`return a; return b;` walks the block once, not once per
    statement)."""
    toks = index.toks
    if toks[k].text not in _ENDS_FLOW or not _leaves_here(toks, k):  # the test inlined: hot
        return False
    return k >= covered.get(index.block[k], -1)


def _leaves_here(toks: list[Tok], k: int) -> bool:
    """Token k starts a statement that leaves its block unconditionally: `return …`,
    `throw …`, `break;`, `continue label;`; not `if (x) break;` nor the key of `{ break: 1 }`."""
    text = toks[k].text
    if text not in _ENDS_FLOW or (k and toks[k - 1].text not in _STATEMENT_START):
        return False
    if text in {"break", "continue"} and k + 1 < len(toks):
        return toks[k + 1].text not in {":", ".", "(", "=", ","}
    return True


def _dead_if(index: Index, k: int) -> list[tuple[int, int]]:
    close = index.ends[k + 1]
    if close < 0:
        return []
    holds = truth(index, index.toks[k + 2 : close])
    if holds is None:
        return []
    body_end = _statement_end(index, close + 1, 0)
    has_else = body_end < len(index.toks) and index.toks[body_end].text == "else"
    if not holds:
        return [(close + 1, body_end)]
    return [(body_end, _statement_end(index, body_end + 1, 0))] if has_else else []


def _statement_end(index: Index, b: int, depth: int) -> int:
    """The token after the statement starting at token b: a block, an `if … else …` chain or
    an expression statement up to its `;`."""
    toks = index.toks
    if b >= len(toks) or depth > _DEPTH:
        return len(toks)
    if toks[b].text == "{" and index.ends[b] > b:
        return index.ends[b] + 1
    if toks[b].text == "if" and b + 1 < len(toks) and index.ends[b + 1] > b:
        end = _statement_end(index, index.ends[b + 1] + 1, depth + 1)
        if end < len(toks) and toks[end].text == "else":
            return _statement_end(index, end + 1, depth + 1)
        return end
    end = b + max(len(until_end(toks, b, index.ends)), 1)
    return end + 1 if end < len(toks) and toks[end].text == ";" else end


def _dead_arms(index: Index) -> list[tuple[int, int]]:
    """The arm a constant condition never selects: `USE_BINDINGS ? bound : built` with
    `const USE_BINDINGS = true` runs `bound` only, so a sink in `built` never runs."""
    toks = index.toks
    spans: list[tuple[int, int]] = []
    for k in index.questions:  # not every token of the file
        start = _condition_start(toks, k)
        if start is None:
            continue
        holds = truth(index, toks[start:k])  # first: most conditions are not constants
        if holds is None:
            continue
        arms = ternary(until_end(toks, start, index.ends))
        if arms is None or len(arms[0]) != k - start or not arms[1] or not arms[2]:
            continue  # `name?: T`, or not one whole `? :` from this condition
        yes = k + 1
        no = yes + len(arms[1]) + 1
        spans.append((no, no + len(arms[2])) if holds else (yes, no - 1))
    return spans


def _condition_start(toks: list[Tok], q: int) -> int | None:
    """The first token of the condition before the `?` at token q: the ternary binds looser
    than every operator but assignment, `,`, `=>` and `...`. None inside another ternary's
    arm (its `: …` would be read as this one's) or past `_COND_TOKENS`."""
    depth = 0
    for j in range(q - 1, max(-1, q - _COND_TOKENS), -1):
        text = toks[j].text
        if toks[j].kind == "punct" and text in {")", "]", "}"}:
            depth += 1
        elif toks[j].kind == "punct" and text in {"(", "[", "{"} and depth:
            depth -= 1
        elif depth == 0 and text in {"?", ":"}:
            return None
        elif depth == 0 and text in _COND_STOP:
            return j + 1 if j + 1 < q else None
    return None


def _dead_cases(index: Index, k: int) -> list[tuple[int, int]]:
    toks, ends = index.toks, index.ends
    close = ends[k + 1]
    if close < 0 or close + 1 >= len(toks) or toks[close + 1].text != "{":
        return []
    subject = fold(index, toks[k + 2 : close])
    brace = close + 1
    end = ends[brace]
    if isinstance(subject, _NotConst) or end < 0:
        return []
    labels = [
        j
        for j in range(brace + 1, end)
        if index.block[j] == brace and toks[j].text in {"case", "default"}
    ]
    chosen = None
    for j in labels:
        if toks[j].text == "default":
            continue
        colon = next(
            (c for c in range(j + 1, end) if toks[c].text == ":" and index.block[c] == brace), end
        )
        value = fold(index, toks[j + 1 : colon])
        if isinstance(value, _NotConst):
            return []  # a case we cannot read might be the one taken
        if chosen is None and type(value) is type(subject) and value == subject:
            chosen = j
    if chosen is None:
        chosen = next((j for j in labels if toks[j].text == "default"), None)
    bounds = [*labels, end]
    live: set[int] = set()
    for n, j in enumerate(labels):
        if j == chosen or (
            live and labels[n - 1] in live and not _leaves(index, brace, labels[n - 1], j)
        ):
            live.add(j)
    return [(j, bounds[n + 1]) for n, j in enumerate(labels) if j not in live]


def _leaves(index: Index, brace: int, start: int, end: int) -> bool:
    """The case between tokens start and end leaves the switch (no fall-through): an
    unconditional `break`/`return`/`throw`/`continue` among its own statements."""
    return any(index.block[j] == brace and _leaves_here(index.toks, j) for j in range(start, end))


def _dead_after(index: Index, k: int) -> list[tuple[int, int]]:
    """After `return …;` the rest of its block, up to a `case` label or a hoisted `function`."""
    toks = index.toks
    block = index.block[k]
    if block < 0 or index.ends[block] < 0:
        return []
    start = _statement_end(index, k + 1, 0) if toks[k + 1].text != ";" else k + 2
    end = index.ends[block]
    for j in range(start, end):
        if index.block[j] == block and toks[j].text in {"case", "default", "function"}:
            end = j
            break
    return [(start, end)]


def exclusive(index: Index, k: int, sink: int, scope: int) -> bool:
    """Token k (an assignment to a variable declared in block `scope`) never reaches token
    `sink` because one run takes only one of the two paths: k in an `if` block and the sink in
    its `else` (or `else if` chain), or k and the sink in different cases of one `switch` where
    k's case, or one between, leaves (`case 'a': sql = …; break; case 'b': db.query(sql)`).
    Not when a loop around them in the same function may run both in turn, nor for a
    variable of an enclosing function or the file (another call may have assigned it)."""
    if scope < 0:
        return False
    functions = index.bindings().function_of
    ends, parent = index.ends, index.parent
    brace = index.block[k]
    while brace >= 0:
        if brace < sink < ends[brace] and _is_switch_body(index, brace):
            labels = _case_labels(index, brace)
            mine = bisect.bisect_left(labels, k) - 1
            theirs = bisect.bisect_left(labels, sink) - 1
            if mine < 0 or theirs <= mine:
                return False  # the same case (or before the first label): one flow
            if _looped(index, brace) or functions.get(scope) != functions.get(brace):
                return False
            bounds = [*labels, ends[brace]]
            return any(_leaves(index, brace, labels[n], bounds[n + 1]) for n in range(mine, theirs))
        if ends[brace] < sink and _in_else(index, brace, sink):
            return not _looped(index, brace) and functions.get(scope) == functions.get(brace)
        brace = parent.get(brace, -1)
    return False  # no branch separates them


def _in_else(index: Index, brace: int, sink: int) -> bool:
    """The `{` at `brace` is an `if`'s block and token `sink` lies in its `else` part."""
    opening = _opener(index, brace - 1)
    if opening is None or opening < 1 or index.toks[opening - 1].text != "if":
        return False
    after = index.ends[brace] + 1
    if after >= len(index.toks) or index.toks[after].text != "else":
        return False
    return sink < _statement_end(index, after + 1, 0)


def _is_switch_body(index: Index, brace: int) -> bool:
    opening = _opener(index, brace - 1)
    return opening is not None and opening > 0 and index.toks[opening - 1].text == "switch"


def _case_labels(index: Index, brace: int) -> list[int]:
    key = ("switch", str(brace))
    labels = index.memo.get(key)
    if not isinstance(labels, list):
        labels = [
            j
            for j in range(brace + 1, index.ends[brace])
            if index.block[j] == brace and index.toks[j].text in {"case", "default"}
        ]
        index.memo[key] = labels
    return labels


def _opener(index: Index, close: int) -> int | None:
    """The `(` whose partner is the `)` at token `close`, or None."""
    if close < 0 or index.toks[close].text != ")":
        return None
    return index.opener(close)


def _looped(index: Index, brace: int) -> bool:
    """A `for`/`while`/`do` loop encloses the switch whose body is the `{` at `brace`,
    inside the switch's own function (a loop outside it calls a fresh function each time)."""
    toks = index.toks
    home = index.bindings().function_of.get(brace, -1)
    keyword = (_opener(index, brace - 1) or 1) - 1  # the `switch` token
    before = keyword - 1  # `for (…) switch (x) {…}`: a loop without braces
    if before >= 0 and (toks[before].text == "do" or _heads_loop(index, before)):
        return True
    block = index.block[keyword]
    while block >= 0 and block != home:
        if _loop_head(index, block):
            return True
        block = index.parent.get(block, -1)
    return False


def _heads_loop(index: Index, close: int) -> bool:
    """The `)` at token `close` ends a `for (…)` or `while (…)` head."""
    opening = _opener(index, close)
    return opening is not None and opening > 0 and index.toks[opening - 1].text in {"for", "while"}


def _loop_head(index: Index, brace: int) -> bool:
    """The `{` at `brace` is a loop's body: `for (…) {`, `while (…) {`, `do {`."""
    return brace > 0 and (index.toks[brace - 1].text == "do" or _heads_loop(index, brace - 1))

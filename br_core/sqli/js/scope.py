"""Per-file lookups for the JS/TS SQL-injection check: token index, guards, constant tables.

Helpers for the evaluator (expressions.py, names.py): each answers a question about the whole
file once (where an identifier occurs, which names an allow-list check protects, which objects
hold only literals) and caches it on the file's `Index`.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter

from br_core.sqli.js.bindings import Bindings
from br_core.sqli.js.members import ANY_MEMBER, CALL_MEMBER, membership, rewritten
from br_core.sqli.js.regexes import validates
from br_core.sqli.js.tokens import Tok, closers
from br_core.sqli.values import Val

_INTRODUCERS = frozenset({"enum", "const", "let", "var", "function"})
_ASSIGNS = frozenset({"=", "+=", ":", "."})  # after a name: `name =`, `name: T =`, `name.push(`
_POS = attrgetter("pos")
# Evaluations per file: big vendored bundles stay linear. Past it a value is not followed, and
# so not called constant either (br_core/sqli/js/depth.py).
BUDGET = 20_000


@dataclass(eq=False)
class Index:
    """Per-file lookups computed once: where each identifier occurs, cached regex answers."""

    src: str
    toks: list[Tok]
    where: dict[str, list[int]] = field(default_factory=dict)
    memo: dict[tuple[str, str], object] = field(default_factory=dict)
    decls: dict[tuple[str, int], list[Val]] = field(default_factory=dict)
    # each `${}` value of a template, per (template offset, sink offset, depth): a sink's
    # template is read for its value and again for its fix (expressions.template_values)
    spliced: dict[tuple[int, int, int], list[Val]] = field(default_factory=dict)
    budget: int = BUDGET
    guards: dict[str, list[int]] | None = None
    pos: list[int] = field(default_factory=list)  # each token's offset, for bisect
    block: list[int] = field(default_factory=list)  # each token's innermost `{` (token index)
    parent: dict[int, int] = field(default_factory=dict)  # a `{`'s enclosing `{`, -1 at top
    ends: list[int] = field(default_factory=list)  # each opening bracket's partner: `closers`
    # per name, which of its occurrences (ranks in `where[name]`) may assign it: `name =`,
    # `name +=`, `name: T =`, `name.push(`; each sink looks back over these, not every use
    assigns: dict[str, list[int]] = field(default_factory=dict)
    _bindings: Bindings | None = None
    # names right after `enum`, `const`, `let`, `var` or `function`: the per-name regexes over the
    # whole source (enums, constant tables, local helpers) run only for these, so a bundle with
    # thousands of called names is not searched once per name
    introduced: set[str] = field(default_factory=set)
    templates: list[Tok] = field(default_factory=list)  # the template literals with a `${}`
    questions: list[int] = field(default_factory=list)  # each `?` (token index): the ternaries
    _openers: dict[int, int] | None = None  # `ends` reversed, built on the first `opener`

    def __post_init__(self) -> None:
        toks = self.toks
        self.ends = closers(toks)
        self.pos = list(map(_POS, toks))
        where, assigns, parent, block = self.where, self.assigns, self.parent, self.block
        last = len(toks) - 1
        stack = [-1]
        top = -1  # stack[-1], kept in a local: this loop visits every token of the file
        for k, tok in enumerate(toks):
            block.append(top)
            kind = tok.kind
            if kind == "ident":
                text = tok.text
                if k and toks[k - 1].text in _INTRODUCERS:
                    self.introduced.add(text)
                seen = where.get(text)
                if seen is None:
                    seen = where[text] = []
                if (
                    k < last
                    and toks[k + 1].text in _ASSIGNS
                    and (k == 0 or toks[k - 1].text != ".")
                ):
                    assigns.setdefault(text, []).append(len(seen))
                seen.append(k)
            elif kind == "punct":
                text = tok.text
                if text == "{":
                    parent[k] = top
                    stack.append(k)
                    top = k
                elif text == "}" and len(stack) > 1:
                    stack.pop()
                    top = stack[-1]
                elif text == "?":
                    self.questions.append(k)
            elif kind == "tmpl" and tok.exprs:
                self.templates.append(tok)

    def opener(self, close: int) -> int | None:
        """The opening bracket whose partner is the closing one at token `close`, or None."""
        if self._openers is None:
            self._openers = {end: k for k, end in enumerate(self.ends) if end >= 0}
        return self._openers.get(close)

    def bindings(self) -> Bindings:
        """Scopes per function and block (built on the first lookup of a name's values)."""
        if self._bindings is None:
            self._bindings = Bindings(self.toks, self.block, self.parent, self.ends, self.where)
        return self._bindings


@dataclass
class Ctx:
    src: str
    toks: list[Tok]
    limit: int  # analyse only what the file says before the sink
    index: Index

    @property
    def sink(self) -> int:
        """The first token at or after the sink: the file before it is what the analysis reads."""
        return bisect.bisect_left(self.index.pos, self.limit)

    def nearest_before(self, name: str, most: int) -> list[int]:
        """Up to `most` occurrences of `name` before the sink, the nearest first."""
        where = self.index.where.get(name, [])
        hi = bisect.bisect_left(where, self.sink)
        return where[max(0, hi - most) : hi][::-1]


Evaluate = Callable[[Ctx, list[Tok], int], Val]  # expressions.evaluate, passed to its helpers


def text_of(ctx: Ctx, toks: list[Tok]) -> str:
    if not toks:
        return ""
    last = toks[-1]
    return ctx.src[toks[0].pos : last.pos + len(last.text)]


def only(ctx: Ctx, toks: list[Tok], names: set[str]) -> bool:
    """The ternary's branch is exactly the value its condition checked."""
    return bool(names) and re.sub(r"\s+", "", text_of(ctx, toks)) in names


def guard_names(ctx: Ctx, cond: str) -> set[str]:
    """The values a ternary's condition checks: a membership test in a collection the file
    fixes (br_core/sqli/js/members.py's forms) or an equality with a string literal."""
    names = set()
    for term in cond.split("&&") if not re.search(r"\|\||\?\?", cond) else [cond]:
        term = term.strip()
        member = membership(term) or (membership(term[1:-1]) if term[:1] == "(" else None)
        if member is not None and fixed_list(ctx, member[0]):
            names.add(re.sub(r"\s+", "", member[1]))
    if names:
        return names
    m = re.search(r"([\w.]+)\s*===?\s*['\"]", cond)  # `x === 'asc'`
    return {m.group(1)} if m else set()


NUMBERS_MAP = re.compile(r"\s*\.map\(\s*(?:Number|parseInt|parseFloat|BigInt)\s*\)")


def is_enum(ctx: Ctx, name: str) -> bool:
    key = ("enum", name)
    if key not in ctx.index.memo:
        ctx.index.memo[key] = name in ctx.index.introduced and bool(
            re.search(rf"\benum\s+{re.escape(name)}\s*\{{", ctx.src)
        )
    return bool(ctx.index.memo[key])


# A failed check leaves: `return`, `throw`, `continue`, `break`, `process.exit(…)` or
# `next(err)` (Express: the route after the middleware never runs) right after the condition,
# or ending a block of a few plain statements (`{ console.error(…); process.exit(2); }`).
_EXIT = r"(?:throw|return|continue|break)\b|process\s*\.\s*exit\s*\(|next\s*\(\s*[\w$]"
_STATEMENT = r"(?:[^{};\n$]|\$\{[^{}]*\}|\$(?!\{)){0,200}[;\n]"  # `${x}` of a template too
_LEAVES = rf"\s*\)\s*(?:\{{(?:{_STATEMENT}){{0,8}}?\s*)?(?:{_EXIT})"
_GUARDS = re.compile(
    rf"if\s*\(\s*!\s*(?:(?P<a>{CALL_MEMBER})|\(\s*(?P<g>{ANY_MEMBER})\s*\))" + _LEAVES
    + r"|if\s*\(\s*!\s*(?P<lb>/[^/\n]+/\w*)\.test\(\s*(?P<b>[\w$]+)\s*\)" + _LEAVES
    + r"|if\s*\(\s*(?P<lc>[\w.]+)\.indexOf\(\s*(?P<c>[\w$]+)\s*\)\s*(?:===?|<)\s*(?:-1|0)"
    + _LEAVES
    + r"|\b(?P<d>[\w$]+)\s*=\s*(?:Number|parseInt|parseFloat)\("
    # a failed check that leaves: isNaN(x), !Number.isInteger(x), !validator.isUUID(x)
    + r"|if\s*\(\s*(?:Number\.)?isNaN\(\s*(?P<e>[\w$]+)\s*\)" + _LEAVES
    + r"|if\s*\(\s*!\s*(?P<lf>[\w.]+)\(\s*(?P<f>[\w$]+)\s*\)" + _LEAVES
)  # fmt: skip
_GUARD_WORDS = ("if", "Number(", "parseInt(", "parseFloat(")  # each match holds one of them
_CHECKED = ("a", "b", "c", "g", "d", "e", "f")  # the groups naming the checked value
_MEMBERS = ("a", "g")  # a membership test, whole (members.py reads it)


def guarded(ctx: Ctx, name: str) -> bool:
    """An allow-list, regex or number check on `name` shortly before the sink that leaves."""
    if ctx.index.guards is None:
        found: dict[str, list[int]] = {}
        # one pass per file, not one regex per name; and none in a file without a word every
        # guard has (the regex tries each position of the file: 50 ms per MB)
        if any(word in ctx.src for word in _GUARD_WORDS):
            for m in _GUARDS.finditer(ctx.src):
                group = next(g for g in _CHECKED if m.group(g))
                checked = _validated(ctx, m, group)
                if checked:
                    found.setdefault(checked, []).append(m.start())
        ctx.index.guards = found
    if any(ctx.limit - 3000 <= pos < ctx.limit for pos in ctx.index.guards.get(name, [])):
        return True
    return any(start < ctx.limit < end for start, end in _checked_blocks(ctx).get(name, []))


# `if (COLS.includes(x)) { … }`, `if (COLS.indexOf(x) !== -1) {`, `if (x in MAP) {`: inside
# the block the check passed
_PASSED = re.compile(
    rf"if\s*\(\s*(?P<p>\(\s*)?(?P<a>{ANY_MEMBER})(?(p)\s*\))\s*\)\s*\{{"
    r"|if\s*\(\s*(?P<lc>[\w.]+)\.indexOf\(\s*(?P<c>[\w$]+)\s*\)\s*(?:!==?\s*-1|>=\s*0|>\s*-1)"
    r"\s*\)\s*\{"
)


def _checked_blocks(ctx: Ctx) -> dict[str, list[tuple[int, int]]]:
    """Per name, the (start, end) offsets of each block that runs only when a membership
    check of that name against a fixed list passed; found once per file."""
    key = ("guards", "blocks")
    found = ctx.index.memo.get(key)
    if isinstance(found, dict):
        return found
    blocks: dict[str, list[tuple[int, int]]] = {}
    index = ctx.index
    if "if" in ctx.src:
        for m in _PASSED.finditer(ctx.src):
            checked = _validated(ctx, m, "a" if m.group("a") else "c")
            if not checked:
                continue
            k = bisect.bisect_left(index.pos, m.end() - 1)
            end = index.ends[k] if k < len(index.toks) else -1
            if end > k:
                blocks.setdefault(checked, []).append((m.end(), index.toks[end].pos))
    index.memo[key] = blocks
    return blocks


def _validated(ctx: Ctx, m: re.Match[str], group: str) -> str | None:
    """The value a guard checks, when the check can only pass known values: a membership
    test looks in a collection the file fixes (a literal, a `new Set([...])` of literals, an
    upper-case constant), a regex test holds for whole values safe in SQL (regexes.py), and a
    predicate of this file does not test only part of the value (`startsWith`)."""
    if group in _MEMBERS:
        member = membership(m.group(group))
        return member[1] if member and fixed_list(ctx, member[0]) else None
    if group == "c" and not fixed_list(ctx, m.group("lc")):
        return None
    if group == "b" and not validates(m.group("lb")):
        return None
    if group == "f":
        pattern = regex_named(ctx.index, m.group("lf").removesuffix(".test"))
        if m.group("lf").endswith(".test") and pattern is not None:
            # `if (!SLUG.test(x))`, `const SLUG = /^…$/`
            return m.group(group) if validates(pattern) else None
        if partial_predicate(ctx.index, m.group("lf")):
            return None
    return m.group(group)


def fixed_list(ctx: Ctx, name: str) -> bool:
    """`name` holds constants the file fixes: an array or object literal of literals, a
    `new Set([...])`/`new Map([...])` of them, or an upper-case configuration constant
    (`config.SORT_COLUMNS`, an imported `ALLOWED`) this file does not declare and that is no
    parameter."""
    last = name.rsplit(".", 1)[-1]
    if _rewritten(ctx, name):
        return False  # `SORTS[req.body.k] = true`: any key may be a member
    if "." not in name and const_object(ctx, name):
        return True
    if "." not in name and name in ctx.index.introduced and _literal_collection(ctx, name):
        return True
    if "." not in name and parameter_at(ctx.index, name, ctx.sink):
        return False  # `function pick(ALLOWED, v)`: what the callers pass, not configuration
    return last.isupper() and ("." in name or name not in ctx.index.introduced)


def parameter_at(index: Index, name: str, at: int) -> bool:
    """`name` at token `at` is a parameter of an enclosing function with a `{…}` body."""
    scopes = index.bindings()
    return (scopes.resolve(name, max(at - 1, 0)), name) in scopes.params


def _rewritten(ctx: Ctx, name: str) -> bool:
    key = ("rewritten", name)
    if key not in ctx.index.memo:
        ctx.index.memo[key] = rewritten(ctx.src, name)
    return bool(ctx.index.memo[key])


def _literal_collection(ctx: Ctx, name: str) -> bool:
    """`const NAME = new Set([...])` (or `Object.freeze(...)`, `new Map([...])`) of literals."""
    key = ("collection", name)
    if key not in ctx.index.memo:
        m = re.search(
            rf"\bconst\s+{re.escape(name)}\s*(?::[^=]+)?=\s*(?:Object\.freeze\(\s*)?"
            r"(?:new\s+(?:Set|Map)\s*(?:<[^>]*>)?\(\s*)?"
            r"(\{[^{}]*\}|\[[^\[\]]*(?:\[[^\[\]]*\][^\[\]]*)*\])",
            ctx.src,
        )
        ctx.index.memo[key] = m is not None and _only_literals(m.group(1))
    return bool(ctx.index.memo[key])


def _only_literals(body: str) -> bool:
    """The text of an array or object literal holds literals only (keys aside)."""
    body = re.sub(r"(['\"])(?:\\.|(?!\1).)*\1", "", body)
    if _CALL.search(body):
        return False  # `['a', req.get('x-id')]`: a value computed at run time, not a literal
    return not re.search(r"[A-Za-z_$][\w$]*\s*(?:[,}\]]|$)", re.sub(r"[\w$]+\s*:", "", body))


# a test of part of a value: `v.startsWith(col)`, `String(v).endsWith(s)`, `v.includes(s)`
_PART_TESTS = frozenset({"startsWith", "endsWith"})
_SUBSTRING_TESTS = frozenset({"includes", "indexOf", "search", "match"})


def partial_predicate(index: Index, fn: str) -> bool:
    """`fn` is a function declared in this file whose body tests only part of its argument:
    a prefix or suffix (`startsWith`, `endsWith`) or a substring of it (`v.includes(x)` on
    the parameter itself), or with a regex that does not validate it whole (`/^[a-z]+/`,
    regexes.py): `isSortable('full_name; DROP …')` passes such a check."""
    key = ("partial", fn)
    if key not in index.memo:
        index.memo[key] = "." not in fn and _partial_uncached(index, fn)
    return bool(index.memo[key])


def _partial_uncached(index: Index, fn: str) -> bool:
    toks, ends = index.toks, index.ends
    for k in index.where.get(fn, []):
        if not k or toks[k - 1].text not in {"function", "const", "let", "var"}:
            continue
        end = _body_end(toks, ends, k)
        params = _parameters(toks, ends, k)
        for j in range(k + 1, end):
            word = toks[j].text
            if toks[j - 1].text not in {".", "?."} or j + 1 >= end or toks[j + 1].text != "(":
                continue
            if word in _PART_TESTS:
                return True
            before = toks[j - 2]
            if word == "test" and loose_test(index, before, toks[j + 2 : ends[j + 1]], params):
                return True  # `/[a-z]/.test(v)`: a match somewhere in the value
            if word in _SUBSTRING_TESTS and before.text == ")" and ends[j - 2] < 0:
                found = index.opener(j - 2)
                opener = found if found is not None and found > k else k
                inner = {t.text for t in toks[opener : j - 2] if t.kind == "ident"}
                if inner & params:
                    return True  # `String(value).includes(x)`
            elif (
                word in _SUBSTRING_TESTS
                and before.kind == "ident"
                and before.text in params
                and toks[j - 3].text not in {".", "?."}
            ):
                return True  # `value.includes(x)`
    return False


def _parameters(toks: list[Tok], ends: list[int], k: int) -> set[str]:
    """The parameter names of the function declared at token k: `function f(a, b)`,
    `const f = (a, b) =>`, `const f = a =>`, `const f = function (a) {`."""
    j = k + 1
    while j < len(toks) and toks[j].text in {"=", "async", "function"}:
        j += 1
    if j < len(toks) and toks[j].text == "(" and ends[j] > j:
        return {t.text for t in toks[j + 1 : ends[j]] if t.kind == "ident"}
    return {toks[j].text} if j < len(toks) and toks[j].kind == "ident" else set()


def _body_end(toks: list[Tok], ends: list[int], k: int) -> int:
    """The token after the function declared at token k: its `{…}` body, or an arrow's
    expression up to the end of its statement (at most 200 tokens: a predicate is short)."""
    stop = min(len(toks), k + 200)
    for j in range(k + 1, stop):
        if toks[j].text == "{" and ends[j] > j:
            return min(ends[j] + 1, len(toks))
        if toks[j].text in {";"}:
            return j
    return stop


def const_object(ctx: Ctx, name: str) -> bool:
    key = ("const", name)
    if key not in ctx.index.memo:
        ctx.index.memo[key] = name in ctx.index.introduced and const_object_uncached(ctx, name)
    return bool(ctx.index.memo[key])


def const_object_uncached(ctx: Ctx, name: str) -> bool:
    m = re.search(
        rf"\bconst\s+{re.escape(name)}\s*(?::[^=]+)?=\s*(\{{[^{{}}]*\}}|\[[^\[\]]*\])"
        # the literal is the whole value: not `[].concat(req.query.tag)`
        r"(?=[ \t]*(?:[;,}]|//|/\*|\r?\n(?!\s*[.?])|$|as\s+const\b))",
        ctx.src,
    )
    if not m:
        return False
    return _only_literals(m.group(1))


_CALL = re.compile(r"[A-Za-z_$][\w$]*\s*\(")  # (the literal has no braces: no method bodies)


def regex_named(index: Index, name: str) -> str | None:
    """The regex literal `name` is bound to (`const SLUG = /^[a-z-]+$/;`), None when it is
    not a constant of this file bound to one."""
    key = ("regex", name)
    if key not in index.memo:
        found = None
        if name in index.introduced:
            for k in index.where.get(name, []):
                toks = index.toks
                if (
                    0 < k < len(toks) - 2
                    and toks[k - 1].text == "const"
                    and toks[k + 1].text == "="
                    and toks[k + 2].kind == "regex"
                    and (k + 3 == len(toks) or toks[k + 3].text in {";", ","}
                         or toks[k + 3].line > toks[k + 2].line)
                ):  # fmt: skip
                    found = toks[k + 2].text
        index.memo[key] = found
    pattern = index.memo[key]
    return pattern if isinstance(pattern, str) else None


def loose_test(index: Index, pattern: Tok, arg: list[Tok], params: set[str]) -> bool:
    """`pattern.test(arg)` tests a parameter with a regex that does not validate it whole."""
    if not any(t.kind == "ident" and t.text in params for t in arg):
        return False
    literal = pattern.text if pattern.kind == "regex" else None
    if pattern.kind == "ident":
        literal = regex_named(index, pattern.text)
    return literal is not None and not validates(literal)

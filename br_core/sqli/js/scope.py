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
from br_core.sqli.js.tokens import Tok, closers
from br_core.sqli.values import Val

_INTRODUCERS = frozenset({"enum", "const", "let", "var", "function"})
_ASSIGNS = frozenset({"=", "+=", ":", "."})  # after a name: `name =`, `name: T =`, `name.push(`
_POS = attrgetter("pos")


@dataclass(eq=False)
class Index:
    """Per-file lookups computed once: where each identifier occurs, cached regex answers."""

    src: str
    toks: list[Tok]
    where: dict[str, list[int]] = field(default_factory=dict)
    memo: dict[tuple[str, str], object] = field(default_factory=dict)
    decls: dict[tuple[str, int], list[Val]] = field(default_factory=dict)
    budget: int = 20_000  # evaluations per file: big vendored bundles stay linear
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


def guard_names(cond: str) -> set[str]:
    # `COLS.includes(x)`, `COLS.has(String(x))`, `x in MAP`, `x === 'asc'`
    m = re.search(
        r"\.(?:includes|has)\(\s*([\w.]+(?:\(\s*[\w.]+\s*\))?)\s*\)|([\w.]+)\s+in\s+\w+"
        r"|([\w.]+)\s*===?\s*['\"]",
        cond,
    )
    return {re.sub(r"\s+", "", g) for g in m.groups() if g} if m else set()


NUMBERS_MAP = re.compile(r"\s*\.map\(\s*(?:Number|parseInt|parseFloat|BigInt)\s*\)")


def is_enum(ctx: Ctx, name: str) -> bool:
    key = ("enum", name)
    if key not in ctx.index.memo:
        ctx.index.memo[key] = name in ctx.index.introduced and bool(
            re.search(rf"\benum\s+{re.escape(name)}\s*\{{", ctx.src)
        )
    return bool(ctx.index.memo[key])


_LEAVES = r"\s*\)\s*\{?\s*(?:throw|return|continue|break)\b"
_GUARDS = re.compile(
    r"if\s*\(\s*!\s*[\w.]+\.(?:includes|has)\(\s*(?P<a>[\w$]+)\s*\)" + _LEAVES
    + r"|if\s*\(\s*!\s*/[^/\n]+/\w*\.test\(\s*(?P<b>[\w$]+)\s*\)" + _LEAVES
    + r"|if\s*\(\s*[\w.]+\.indexOf\(\s*(?P<c>[\w$]+)\s*\)\s*(?:===?|<)\s*(?:-1|0)" + _LEAVES
    + r"|\b(?P<d>[\w$]+)\s*=\s*(?:Number|parseInt|parseFloat)\("
    # a failed check that leaves: isNaN(x), !Number.isInteger(x), !validator.isUUID(x)
    + r"|if\s*\(\s*(?:Number\.)?isNaN\(\s*(?P<e>[\w$]+)\s*\)" + _LEAVES
    + r"|if\s*\(\s*!\s*[\w.]+\(\s*(?P<f>[\w$]+)\s*\)" + _LEAVES
)  # fmt: skip
_GUARD_WORDS = ("if", "Number(", "parseInt(", "parseFloat(")  # each match holds one of them


def guarded(ctx: Ctx, name: str) -> bool:
    """An allow-list, regex or number check on `name` shortly before the sink that leaves."""
    if ctx.index.guards is None:
        found: dict[str, list[int]] = {}
        # one pass per file, not one regex per name; and none in a file without a word every
        # guard has (the regex tries each position of the file: 50 ms per MB)
        if any(word in ctx.src for word in _GUARD_WORDS):
            for m in _GUARDS.finditer(ctx.src):
                guarded = next(g for g in m.groups() if g)
                found.setdefault(guarded, []).append(m.start())
        ctx.index.guards = found
    return any(ctx.limit - 3000 <= pos < ctx.limit for pos in ctx.index.guards.get(name, []))


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
    body = re.sub(r"(['\"])(?:\\.|(?!\1).)*\1", "", m.group(1))
    if _CALL.search(body):
        return False  # `['a', req.get('x-id')]`: a value computed at run time, not a literal
    return not re.search(r"[A-Za-z_$][\w$]*\s*(?:[,}\]]|$)", re.sub(r"[\w$]+\s*:", "", body))


_CALL = re.compile(r"[A-Za-z_$][\w$]*\s*\(")  # (the literal has no braces: no method bodies)

"""The abstract values the Python SQL-injection analysis tracks, and SQL-shape tests on text.

A `Val` answers three questions about an expression: can attacker-controlled text be in it
(`taint`, naming the source), was such text spliced into a string template (`built`, naming the
operation: f-string, %, .format, +, join), and do its constant pieces look like SQL (`sql`).
A sink is reported only when the query is *built* from a tainted part: passing an untrusted
value through unchanged, or as a bound parameter, is not injection at that call.
"""

from __future__ import annotations

import re
from dataclasses import MISSING, dataclass, fields, replace

# A statement keyword followed by the word that makes it a statement, so prose like
# "select a file" does not count while "SELECT name FROM users" does.
_STATEMENT = re.compile(
    r"(?is)\b(?:select\b.{0,400}?\bfrom\b|select\s+(?:\*|count\(|distinct\b|1\b|[\w.]+\s*,)"
    r"|insert\s+(?:or\s+\w+\s+)?into\b|update\s+[\w.\"`\[\]]+\s+set\b|delete\s+from\b"
    r"|replace\s+into\b|merge\s+into\b|upsert\b"
    r"|(?:create|drop|alter|truncate)\s+(?:or\s+replace\s+)?(?:temp\w*\s+|materialized\s+)?"
    r"(?:table|index|view|database|schema|trigger|function|procedure|sequence|unique|user|role)\b"
    r"|pragma\s+\w+|grant\s+\w+|revoke\s+\w+|(?:exec|execute|call)\s+[\w.]+\s*\(?"
    r"|vacuum\b|refresh\s+materialized\s+view\b|reindex\s+(?:table|index|schema|database)\b"
    r"|lock\s+table\b|comment\s+on\s+(?:table|column)\b"
    r"|with\s+\w+\s+as\s*\(|set\s+(?:search_path|session|role)\b"
    r"|\bwhere\s+[\w.\"`]+\s*(?:=|<|>|!=|<>|\blike\b|\bin\b|\bis\b)"
    r"|\border\s+by\b|\bgroup\s+by\b|\bvalues\s*\()"
)
# A WHERE-style fragment: what SQLAlchemy's filter()/where() would have coerced into text.
_CLAUSE = re.compile(
    r"(?i)(?:[\w.\"`]\s*(?:=|<>|!=|<=|>=|<|>)\s*['\"\w:%?$]|\b(?:like|ilike|between|is\s+(?:not\s+)?null"
    r"|in\s*\()|\b(?:and|or)\b\s+[\w.\"`]+\s*(?:=|<|>))"
)


def looks_like_sql(text: str) -> bool:
    """True when `text` reads as a SQL statement or a WHERE/ORDER BY fragment of one."""
    return bool(_STATEMENT.search(text))


def looks_like_clause(text: str) -> bool:
    """True when `text` reads as a condition (`name = '...'`, `x LIKE`, `id IN (`)."""
    return bool(_CLAUSE.search(text)) or looks_like_sql(text)


@dataclass(frozen=True, slots=True)
class Val:
    """What the analysis knows about one value. The default is a harmless unknown."""

    taint: str | None = None  # where untrusted text comes from ("parameter `name`", "input()")
    built: str | None = None  # how it was spliced into a string ("f-string", "%", "+", ...)
    text: str = ""  # constant fragments, joined (capped), for SQL-shape tests
    is_str: bool = False  # known to be a string
    elems: Val | None = None  # for containers: what any element may be
    const: object = None  # the literal value when the expression is a literal
    has_const: bool = False
    sink: str | None = None  # set on a function summary: param reaches this sink unchanged
    items: tuple[Val, ...] | None = None  # a tuple's elements by position: `sql, args = ...`
    # Not provably constant, though no known source reaches it: a name never defined in the
    # file, a module attribute, an imported function's result. A query built from it is a
    # medium-confidence finding (issue 17 item 3).
    unknown: str | None = None
    line: int = 0  # where untrusted or unknown text was spliced in (`built`): the flaw's line
    # A dict's entries under constant keys, in insertion order (containers.py).
    keys: tuple[tuple[object, Val], ...] | None = None
    # A dict of unknown shape: what any of its keys may be, when every store under a key
    # that is not one constant (`d[k] = v` in a loop) was seen; None when not known.
    dict_keys: Val | None = None

    @property
    def sql(self) -> bool:
        return looks_like_sql(self.text)

    def untainted(self) -> Val:
        """The same value after a sanitizer or an allow-list check."""
        elems = self.elems.untainted() if self.elems is not None else None
        items = tuple(i.untainted() for i in self.items) if self.items is not None else None
        keys = tuple((k, v.untainted()) for k, v in self.keys) if self.keys is not None else None
        seen = self.dict_keys.untainted() if self.dict_keys is not None else None
        return replace(
            self,
            taint=None,
            built=None,
            elems=elems,
            items=items,
            keys=keys,
            unknown=None,
            line=0,
            dict_keys=seen,
        )

    @property
    def suspect(self) -> bool:
        """Untrusted or at least not provably constant."""
        return bool(self.taint or self.unknown)


def _init_by_slots(cls: type) -> None:
    """Give the frozen, slotted dataclass `cls` an `__init__` that stores each field through its
    slot's descriptor. The generated one calls `object.__setattr__` per field (it is frozen),
    which looks each name up on the class again; the analysers make a value per operand, tens
    of thousands per MB, and that was a tenth of the JS/TS check's CPU on a file dense with
    queries. Same parameters and defaults; setting a field afterwards still raises."""
    scope: dict[str, object] = {}
    params, body = [], []
    for f in fields(cls):
        if f.default is MISSING or f.default_factory is not MISSING or not f.init:
            raise TypeError(f"{cls.__name__}.{f.name}: only plain defaults are supported")
        scope[f"_default_{f.name}"] = f.default
        scope[f"_set_{f.name}"] = cls.__dict__[f.name].__set__
        params.append(f"{f.name}=_default_{f.name}")
        body.append(f"    _set_{f.name}(self, {f.name})")
    if hasattr(cls, "__post_init__"):
        raise TypeError(f"{cls.__name__}: a __post_init__ would be skipped")
    exec(f"def __init__(self, {', '.join(params)}):\n" + "\n".join(body), scope)
    init = scope["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"  # type: ignore[attr-defined]
    setattr(cls, "__init__", init)  # noqa: B010


_init_by_slots(Val)
SAFE = Val()
MAX_TEXT = 2000


def literal(value: object) -> Val:
    """The value of a literal: strings keep their text for SQL-shape tests."""
    if isinstance(value, str):
        return Val(text=value[:MAX_TEXT], is_str=True, const=value, has_const=True)
    return Val(const=value, has_const=True)


def merge(*vals: Val | None) -> Val:
    """A value that may be any of `vals` (branches, ternaries, containers)."""
    present = [v for v in vals if v is not None]
    if not present:
        return SAFE
    if len(present) == 1:
        return present[0]
    first = present[0]
    same_const = all(v.has_const and v.const == first.const for v in present)
    elem_vals = [v.elems for v in present if v.elems is not None]
    items = None
    if all(v.items is not None and len(v.items) == len(present[0].items or ()) for v in present):
        items = tuple(
            merge(*group) for group in zip(*(v.items or () for v in present), strict=True)
        )
    taint = strongest(present)
    unknown = None if taint else next((v.unknown for v in present if v.unknown), None)
    maker = _maker(present, taint)
    keys = _merged_keys(present)
    return Val(
        taint=taint,
        built=maker.built if maker else None,
        line=maker.line if maker else 0,
        unknown=unknown,
        text=" ".join(v.text for v in present if v.text)[:MAX_TEXT],
        is_str=any(v.is_str for v in present),
        elems=merge(*elem_vals) if elem_vals else None,
        const=first.const if same_const else None,
        has_const=same_const,
        sink=next((v.sink for v in present if v.sink), None),
        items=items,
        keys=keys,
        dict_keys=_merged_dict_keys(present) if keys is None else None,
    )


def _merged_dict_keys(vals: list[Val]) -> Val | None:
    """What any key of a dict that may be any of `vals` may be, when each one says (dicts
    whose constant keys differ, or of unknown shape with every key seen)."""
    if all(v.dict_keys is None and v.keys is None for v in vals):
        return None  # nearly every merge: no dict at all
    found: list[Val] = []
    for v in vals:
        if v.dict_keys is not None:
            found.append(v.dict_keys)
        elif v.keys is not None:
            found.extend(literal(k) for k, _ in v.keys)
        else:
            return None
    return merge(*found)


def _merged_keys(vals: list[Val]) -> tuple[tuple[object, Val], ...] | None:
    """A dict's entries when every value it may be has the same constant keys, else unknown."""
    first = vals[0].keys
    if first is None or any(v.keys is None or len(v.keys) != len(first) for v in vals):
        return None
    tables = [dict(v.keys or ()) for v in vals]
    if any(t.keys() != tables[0].keys() for t in tables):
        return None
    return tuple((k, merge(*(t[k] for t in tables))) for k, _ in first)


def suspicion(vals: list[Val]) -> Val:
    """The taint, unknown and splice of `merge(*vals)` alone: a call's result keeps nothing
    else, and skipping the text, elements and constants of a full merge halves its cost."""
    if len(vals) == 1:
        only = vals[0]
        return Val(taint=only.taint, built=only.built, line=only.line, unknown=only.unknown)
    # strongest() and the first unknown on one pass; _maker only when some value was built
    # (a call's arguments nearly never are): every call of an unknown function comes here.
    strong = first = unknown = None
    built = False
    for v in vals:
        if v.taint:
            first = first or v.taint
            if strong is None and not weak_source(v.taint):
                strong = v.taint
        elif v.unknown and unknown is None:
            unknown = v.unknown
        built = built or v.built is not None
    taint = strong or first
    if not built:
        return Val(taint=taint, unknown=None if taint else unknown)
    maker = _maker(vals, taint)
    return Val(
        taint=taint,
        built=maker.built if maker else None,
        line=maker.line if maker else 0,
        unknown=None if taint else next((v.unknown for v in vals if v.unknown), None),
    )


def opaque(val: Val) -> Val:
    """What is left of `val` through an operation the analysis does not model (an attribute,
    an item, a method): whether it is untrusted or unknown, nothing else."""
    if not val.suspect:
        return SAFE
    return Val(taint=val.taint, unknown=None if val.taint else val.unknown)


def strongest(vals: list[Val]) -> str | None:
    """The taint to report among `vals`: a known source before a function's parameter."""
    taints = [v.taint for v in vals if v.taint]
    if not taints:
        return None  # most calls' arguments: nothing untrusted, no generator to start
    return next((t for t in taints if not weak_source(t)), taints[0] if taints else None)


# A value the JS/TS evaluator reached past its depth bound, or after the file spent its
# evaluation budget (br_core/sqli/js/depth.py): unresolved, not constant.
TOO_DEEP = " (followed too deep to resolve)"
OVER_BUDGET = " (past the file's evaluation budget)"


def weak_source(taint: str) -> bool:
    """A function's own parameter (or what a class stored from one), or a value followed too
    deep (or past the budget) to resolve: untrusted by assumption, not traced to a source such
    as the web request."""
    if taint.endswith((TOO_DEEP, OVER_BUDGET)):
        return True
    if taint.startswith("self."):  # `self.x (set from parameter ...)`, `(built from ...)`
        return "from parameter `" in taint or "from self." in taint
    return taint.startswith(("parameter `", "unpacked arguments"))


def _maker(vals: list[Val], taint: str | None) -> Val | None:
    """The value whose splice made the result `built`: the tainted one first, else unknown."""
    if taint:
        return next((v for v in vals if v.built and v.taint == taint), None) or next(
            (v for v in vals if v.built and v.taint), None
        )
    return next((v for v in vals if v.built and v.unknown), None)


SETTING = "an upper-case setting from another module"
# The SQL before a splice point that makes the spliced text a value or a condition: inside a
# quoted literal (checked apart), after a comparison or arithmetic operator, or after a keyword
# that takes an expression. After FROM/JOIN/INTO/SELECT/BY or at the start, it is a name or a
# statement of its own.
_VALUE_SLOT = re.compile(
    r"(?is)(?:\b(?:where|and|or|not|having|on|when|then|else|like|ilike|between|limit|offset"
    r"|is|in|values|set|interval)\s*\(?|=|<|>|\+|-|\*|/|\|\|)\s*$"
)
_PLACEHOLDER = re.compile(r"%%|%(?:\(\w+\))?[-#0 +]*\d*(?:\.\d+)?[sr]|\{\{|\{[^{}]*\}")


def setting(name: str) -> str:
    """The `unknown` of an upper-case name from another module (`from settings import TABLE`,
    `settings.TABLE`, or a star import): configuration where SQL takes a name, not elsewhere."""
    return f"`{name}` ({SETTING})"


def is_setting(val: Val) -> bool:
    """The setting itself, not yet spliced (a string built from one was judged already)."""
    return bool(
        val.unknown and not val.taint and not val.built and val.unknown.endswith(f"({SETTING})")
    )


def value_slot(before: str) -> bool:
    """Whether text spliced after the SQL `before` is a value or a condition: an open quote, an
    operator, or a keyword that takes an expression (`WHERE `, `= `, `LIMIT `, `IN (`)."""
    tail = before[-200:]
    return tail.count("'") % 2 == 1 or bool(_VALUE_SLOT.search(tail))


def _template_slot(template: str) -> bool:
    """Whether any `%s`/`{}` placeholder of a `%` or `.format` template is a value slot."""
    return any(
        not m.group().startswith(("%%", "{{")) and value_slot(template[: m.start()])
        for m in _PLACEHOLDER.finditer(template)
    )


def _settings_as_names(op: str, parts: list[Val]) -> list[Val]:
    """`parts` with each setting spliced where SQL takes a name (a configured table, a query
    constant) made constant: a setting is configuration there, and data in a value slot."""
    if not any(is_setting(p) for p in parts):
        return parts
    if op in {"%", ".format"}:
        slot = _template_slot(parts[0].text)
        return [SAFE if is_setting(p) and not slot and i else p for i, p in enumerate(parts)]
    if op == "join":  # the separator stands before every element but the first
        slot = value_slot(parts[0].text)
        return [SAFE if is_setting(p) and not slot and i else p for i, p in enumerate(parts)]
    kept: list[Val] = []
    before = ""
    for part in parts:
        kept.append(SAFE if is_setting(part) and not value_slot(before) else part)
        before += part.text
    return kept


def splice(op: str, parts: list[Val], line: int = 0) -> Val:
    """A string built by `op` from `parts` on `line`: untrusted (or unknown) parts make the
    result `built`; a part built earlier keeps its own operation and line."""
    parts = _settings_as_names(op, parts)
    taint = strongest(parts)
    unknown = None if taint else next((p.unknown for p in parts if p.unknown), None)
    inner = _maker(parts, taint)
    suspect = taint or unknown
    return Val(
        taint=taint,
        built=(inner.built if inner else op) if suspect else None,
        line=(inner.line if inner else line) if suspect else 0,
        unknown=unknown,
        text=" ".join(p.text for p in parts if p.text)[:MAX_TEXT],
        is_str=True,
    )


@dataclass(frozen=True)
class RawFinding:
    """A finding before it is tied to a file: shared by the Python and JS/TS analysers."""

    line: int
    end_line: int
    rule: str
    sink: str
    source: str
    how: str
    fix: str
    confidence: str = "high"  # "high": traced to a known source; "medium": not provably constant
    built_line: int = 0  # where the query is built from the untrusted value (0: the sink line)

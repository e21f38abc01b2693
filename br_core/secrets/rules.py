"""Secret rules (data in rules.toml beside it) and the matcher shared by the hook and masking.

Rules are loaded and compiled once, on first use. A rule's regex runs only when one of its
keywords occurs in the (lowercased) text, so typical text costs a few substring checks.
When two rules match overlapping text the earlier rule in the file wins, so a provider format
(`ghp_…`) is reported as such rather than as a generic assignment.
"""

from __future__ import annotations

import operator
import re
import tomllib
from bisect import bisect_right
from dataclasses import dataclass
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, NamedTuple

from br_core.errors import ConfigError
from br_core.secrets import filters as f
from br_core.secrets.generic import GenericConfig, find_assignments, find_pairs
from br_core.secrets.prose import find_prose_passwords
from br_core.secrets.syntax import CODE, SYNTAXES, TEXT, YAML
from br_core.secrets.tables import find_table_secrets

RULES_FILE = Path(__file__).with_name("rules.toml")
_INTERPOLATION_START = re.compile(r"\{[A-Za-z_][\w.]*[(}\[]")
_KNOWN_FILTERS = frozenset(
    {"placeholder", "password", "url-dev-default", "jwt-public", "pem-body", "basic-auth"}
)


@dataclass(frozen=True)
class Rule:
    id: str
    description: str
    kind: str  # "regex", "assignment" or "prose"
    pattern: str
    where: str
    not_after: re.Pattern[str] | None
    secret_group: int
    entropy: float
    keywords: tuple[str, ...]
    prefilter: bool
    allowlist: tuple[re.Pattern[str], ...]
    filters: frozenset[str]
    syntaxes: frozenset[str]  # the file syntaxes the rule runs on; empty: every file
    tp: tuple[str, ...]
    fp: tuple[str, ...]

    @cached_property
    def regex(self) -> re.Pattern[str]:
        """Compiled on first use: a hook run compiles only the rules whose keywords occur.

        A keyword-filtered rule gets its `not_after` boundary as a lookbehind, so a start glued
        to a longer token is refused at once instead of after scanning it: `eyJeyJeyJ…` or
        `sk-ant-sk-ant-…` on one line would otherwise cost a scan per start (quadratic). Rules
        without the prefilter keep the check outside: their literal prefix is their fast filter
        and their bodies are bounded."""
        pattern = self.pattern
        if self.not_after is not None and self.prefilter and self.keywords:
            flags = "(?i)" if pattern.startswith("(?i)") else ""
            body = pattern[len(flags) :]
            pattern = f"{flags}(?<!{self.not_after.pattern})(?:{body})"
        return _compile(pattern, self.where)

    @cached_property
    def context(self) -> re.Pattern[str]:
        """A prose rule's keywords as one pattern: the mentions its window opens at. Short ones
        (`pw`, `pwd`) must stand alone: `…ISpWDK7a…` in a certificate line mentions nothing.
        The word stands alone, not what follows the keyword's own `:` or blank (`pw for …`)."""
        return re.compile("|".join(map(_mention, self.keywords)))


def _mention(keyword: str) -> str:
    word = keyword.rstrip(": ")
    if len(word) >= 5:
        return re.escape(keyword)
    # The look behind follows the first letter: every alternative opens with a literal, so the
    # search skips the positions where none can start.
    first = re.escape(word[0])
    rest = re.escape(word[1:])
    return rf"{first}(?<![a-z0-9]{first}){rest}(?![a-z]){re.escape(keyword[len(word) :])}"


class SecretMatch(NamedTuple):
    """One secret in a text: the rule, the secret's span, its value, and the 1-based line where
    the secret starts (a private key's BEGIN line, not its body's). A named tuple, not a frozen
    dataclass: one is made per finding, and a file dense with findings makes 50,000."""

    rule_id: str
    description: str
    start: int
    end: int
    line: int
    secret: str


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    generic: GenericConfig
    skip_paths: tuple[str, ...]
    provider_placeholders: tuple[str, ...]
    dev_defaults: frozenset[str]

    @cached_property
    def _keyword_finder(self) -> tuple[re.Pattern[str], dict[str, frozenset[str]]] | None:
        words = sorted({k for rule in self.rules for k in rule.keywords if k}, key=len)[::-1]
        if not words:
            return None
        # At each position the longest keyword starting there; the shorter ones inside it
        # (`pass` in `password`) come from `within`, so none is missed.
        finder = re.compile("(?=(" + "|".join(map(re.escape, words)) + "))")
        return finder, {w: frozenset(k for k in words if k in w) for w in words}

    def keywords_in(self, lowered: str) -> set[str]:
        """Every rule keyword occurring in `lowered`, in one pass (short texts: a finding's
        message, a task title), instead of one substring search per keyword."""
        found: set[str] = set()
        if self._keyword_finder is not None:
            finder, within = self._keyword_finder
            for word in set(finder.findall(lowered)):
                found |= within[word]
        return found


def _compile(pattern: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise ConfigError(f"{where}: invalid regex ({exc}); fix the pattern") from exc


def _rule(raw: dict[str, Any], source: str) -> Rule:
    rule_id = str(raw.get("id", ""))
    where = f"{source}: rule {rule_id or '?'}"
    if not rule_id or "description" not in raw:
        raise ConfigError(f"{where}: every rule needs `id` and `description`; add them")
    kind = str(raw.get("kind", "regex"))
    filters = frozenset(raw.get("filters", ["placeholder"]))
    syntaxes = frozenset(str(s) for s in raw.get("syntaxes", []))
    if kind not in ("regex", "assignment", "prose") or not filters <= _KNOWN_FILTERS:
        raise ConfigError(
            f"{where}: unknown kind or filter; use regex/assignment/prose and known filters"
        )
    if not syntaxes <= SYNTAXES or (kind == "prose" and not raw.get("keywords")):
        raise ConfigError(f"{where}: unknown syntax, or a prose rule without keywords; fix it")
    return Rule(
        id=rule_id,
        description=str(raw["description"]),
        kind=kind,
        pattern=str(raw.get("regex", "")),
        where=where,
        not_after=_compile(f"[{raw['not_after']}]", where) if raw.get("not_after") else None,
        secret_group=int(raw.get("secret_group", 0)),
        entropy=float(raw.get("entropy", 0.0)),
        keywords=tuple(str(k).lower() for k in raw.get("keywords", [])),
        prefilter=bool(raw.get("prefilter", True)),
        allowlist=tuple(_compile(str(p), where) for p in raw.get("allowlist", [])),
        filters=filters,
        syntaxes=syntaxes,
        tp=tuple(str(x) for x in raw.get("tp", [])),
        fp=tuple(str(x) for x in raw.get("fp", [])),
    )


def parse_rules(
    data: dict[str, Any], source: str = str(RULES_FILE), *, validate: bool = False
) -> RuleSet:
    """A RuleSet from parsed TOML; ConfigError names the rule that is malformed.

    Regexes compile lazily; `validate=True` compiles them all now (tests, rule authoring).
    """
    glob = data.get("global", {})
    gen = data.get("generic", {})
    rules = tuple(_rule(raw, source) for raw in data.get("rules", []))
    assignment = next((r for r in rules if r.kind == "assignment"), None)
    keywords = assignment.keywords if assignment else ("password",)
    placeholder_words = tuple(str(w).lower() for w in glob.get("placeholder_words", []))
    dev_defaults = frozenset(str(w).lower() for w in glob.get("dev_defaults", []))
    generic = GenericConfig(
        secret_words=frozenset(gen.get("secret_words", [])),
        password_words=frozenset(gen.get("password_words", [])),
        key_qualifiers=frozenset(gen.get("key_qualifiers", [])),
        generic_qualifiers=frozenset(gen.get("generic_qualifiers", [])),
        exclude_words=frozenset(gen.get("exclude_words", [])),
        prefix_exclude_words=frozenset(gen.get("prefix_exclude_words", [])),
        uuid_key_owners=frozenset(str(w).lower() for w in gen.get("uuid_key_owners", [])),
        placeholders=f.placeholder_matcher(placeholder_words),
        dev_defaults=dev_defaults,
        keywords=re.compile("|".join(map(re.escape, keywords))),
        min_length=int(gen.get("min_length", 8)),
        entropy=float(assignment.entropy if assignment else gen.get("entropy", 2.9)),
        entropy_ratio=float(gen.get("entropy_ratio", 0.75)),
    )
    if validate:
        for rule in rules:
            if rule.kind == "regex":
                rule.regex  # noqa: B018 - compiling is the check
    return RuleSet(
        rules=rules,
        generic=generic,
        skip_paths=tuple(glob.get("skip_paths", [])),
        provider_placeholders=tuple(
            str(w).lower() for w in glob.get("provider_placeholder_words", [])
        ),
        dev_defaults=dev_defaults,
    )


@lru_cache(maxsize=4)
def load_rules(path: Path = RULES_FILE) -> RuleSet:
    """The rules in `path` (the packaged file by default), parsed and compiled once."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(
            f"{path}: cannot load secret rules ({exc}); reinstall buildrunner"
        ) from exc
    return parse_rules(data, str(path))


def _is_password_placeholder(secret: str, rules: RuleSet) -> bool:
    """The placeholder check for a password: `{`, `<`, `$` are symbols a password may hold, so
    only a well-formed template (`{{ db_pw }}`, `<password>`, `${PW}`) or the start of an
    f-string interpolation (`{user}:{make_pw(rng, 16)}` cut at the blank) excuses one."""
    words = (w for w in rules.provider_placeholders if len(w) > 1 or w.isalnum())
    return (
        _INTERPOLATION_START.match(secret) is not None
        or f.contains_any(secret, tuple(words))
        or f.is_templated(secret, bare=False)
        or f.is_low_variety(secret)
        or f.is_placeholder_token(secret)
    )


def _keep(rule: Rule, match: re.Match[str], secret: str, rules: RuleSet) -> bool:
    """Apply the rule's entropy floor, allowlist and named filters to one regex match."""
    if f.shannon_entropy(secret) < rule.entropy:
        return False
    if any(allow.search(secret) for allow in rule.allowlist):
        return False
    if secret.lower() in rules.dev_defaults or f.is_documented_example(secret):
        return False
    if "placeholder" in rule.filters and (
        f.contains_any(secret, rules.provider_placeholders)
        or f.is_low_variety(secret)
        or f.is_placeholder_token(secret)
    ):
        return False
    if "password" in rule.filters and _is_password_placeholder(secret, rules):
        return False
    if "jwt-public" in rule.filters and f.is_public_jwt(secret):
        return False
    if "pem-body" in rule.filters and not f.pem_body_is_key(secret):
        return False
    if "basic-auth" in rule.filters and f.is_placeholder_basic(
        secret, rules.dev_defaults, rules.generic.placeholders
    ):
        return False
    if "url-dev-default" in rule.filters:
        host = match.group(3) or ""  # a DSN over a unix socket or the default address: local
        return not f.is_dev_default_url(match.group(1), secret, host, rules.dev_defaults)
    return True


# `'sk_live_' + '…'`: a literal ending in `_` or `-` (a provider's prefix) joined to another
# (backticks too, though only `_' +`, `_" +`, `-' +` and `-" +` make a text worth searching).
_JOINED_TOKEN = re.compile(
    r"""(["'`])(?P<prefix>(?:[A-Za-z0-9]{1,10}[_-]){1,3})\1[ \t]*\+[ \t]*"""
    r"""(["'`])(?P<body>[A-Za-z0-9_-]{8,300})\3"""
)
_SHORT_TEXT = 4096  # up to this, one pass finds every keyword; beyond, substring searches


def _raw_spans(
    text: str, rules: RuleSet, syntax: str, test_file: bool = False
) -> list[tuple[int, int, Rule, int]]:
    lowered = text.lower()
    present = rules.keywords_in(lowered) if len(lowered) <= _SHORT_TEXT else None
    found: list[tuple[int, int, Rule, int]] = []
    for rule in rules.rules:
        if rule.syntaxes and syntax not in rule.syntaxes:
            continue
        if rule.prefilter and rule.keywords:
            if present is not None:
                if present.isdisjoint(rule.keywords):
                    continue
            elif not any(k in lowered for k in rule.keywords):
                continue
        if rule.kind == "assignment":
            found.extend(
                (c.start, c.end, rule, c.start)
                for c in find_assignments(text, rules.generic, lowered, syntax)
                if not (test_file and f.is_fixture_value(c.value, rules.generic.secret_words))
            )
            found.extend((c.start, c.end, rule, c.start) for c in find_pairs(text, rules.generic))
            if "chpasswd" in text:
                from br_core.secrets.chpasswd import find_chpasswd_secrets  # local: rarely used

                found.extend(
                    (c.start, c.end, rule, c.start)
                    for c in find_chpasswd_secrets(text, rules.generic)
                )
            if syntax == TEXT and ("|" in text or "==" in text):
                found.extend(
                    (c.start, c.end, rule, c.start) for c in find_table_secrets(text, rules.generic)
                )
            continue
        if rule.kind == "prose":
            found.extend(
                (c.start, c.end, rule, c.start)
                for c in find_prose_passwords(text, lowered, rule.context, rules.generic)
            )
            continue
        for match in rule.regex.finditer(text):
            if rule.not_after and match.start() and rule.not_after.match(text, match.start() - 1):
                continue  # glued to a longer token: not this format
            start, end = match.span(rule.secret_group)
            secret = text[start:end]
            stripped = secret.strip()
            if stripped != secret:
                start += len(secret) - len(secret.lstrip())
                end = start + len(stripped)
            if stripped and _keep(rule, match, stripped, rules):
                # A one-line secret is reported on its own line, even when the match began on
                # an earlier one (`mysql … \` then `-p'…'`); a key block on its BEGIN line.
                anchor = match.start() if "\n" in stripped else start
                found.append((start, end, rule, anchor))
    return found


def _joins_a_prefix(text: str) -> bool:
    """`_' +`, `_" +`, `-' +` or `-" +` somewhere in `text`: one pass over its ` +`, where four
    substring searches read every file four times (2% of `bench/secrets_cpu.py`)."""
    at = text.find(" +", 2)
    while at >= 0:
        if text[at - 1] in "'\"" and text[at - 2] in "_-":
            return True
        at = text.find(" +", at + 2)
    return False


def _joined_token_spans(text: str, rules: RuleSet) -> list[tuple[int, int, Rule, int]]:
    """A provider's prefix written as its own literal and joined to the rest,
    `require('stripe')('sk_live_' + '…')`: the joined token is matched against the format
    rules, each whole (a prefix joined to a word is no token)."""
    found = []
    for joined in _JOINED_TOKEN.finditer(text):
        token = joined.group("prefix") + joined.group("body")
        lowered = token.lower()
        for rule in rules.rules:
            if rule.kind != "regex" or not any(k in lowered for k in rule.keywords):
                continue
            match = rule.regex.fullmatch(token)
            if match and _keep(rule, match, match.group(rule.secret_group), rules):
                start = joined.start("prefix")
                found.append((start, joined.end("body"), rule, start))
                break
    return found


def _secret_data_spans(text: str, rules: RuleSet) -> list[tuple[int, int, Rule, int]]:
    """Base64 values of a Kubernetes Secret's `data:` whose decoded `name: text` line holds a
    secret: the first rule that finds one names the finding, which covers the base64 value."""
    from br_core.secrets.kubernetes import secret_data  # local: few files are manifests

    by_id = {rule.id: rule for rule in rules.rules}
    found = []
    for entry in secret_data(text):
        inner = scan_text(f"{entry.name}: {entry.decoded}\n", rules, YAML)
        if inner:
            found.append((entry.start, entry.end, by_id[inner[0].rule_id], entry.start))
    return found


def scan_text(
    text: str, rules: RuleSet | None = None, syntax: str = CODE, *, test_file: bool = False
) -> list[SecretMatch]:
    """Every secret in `text`, in order; overlapping matches keep the earlier rule's. `syntax`
    is the file's (br_core/secrets/syntax.py `syntax_of`): where unquoted values end.
    `test_file` (`scan.testpaths.is_test_path`): a word-built value assigned there is a fixture."""
    kept = _kept_spans(text, rules if rules is not None else load_rules(), syntax, test_file)
    lines = _line_numbers(text, sorted({anchor for *_, anchor in kept}))
    return [
        SecretMatch(rule.id, rule.description, start, end, lines[anchor], text[start:end])
        for start, end, rule, anchor in kept
    ]


def _kept_spans(
    text: str, ruleset: RuleSet, syntax: str, test_file: bool = False
) -> list[tuple[int, int, Rule, int]]:
    """The spans `scan_text` reports, sorted: of overlapping ones, the earlier rule's."""
    raw = _raw_spans(text, ruleset, syntax, test_file)
    if _joins_a_prefix(text):
        raw += _joined_token_spans(text, ruleset)
    if syntax == YAML and "kind:" in text and "data:" in text:
        raw += _secret_data_spans(text, ruleset)
    if not raw:
        return []
    in_place = sorted(raw, key=_PLACE)
    if _disjoint(in_place):
        return in_place  # nothing overlaps: every span is kept, and no rule's order matters
    order = {rule.id: index for index, rule in enumerate(ruleset.rules)}
    raw.sort(key=lambda item: (order[item[2].id], item[0]))
    starts: list[int] = []  # the kept spans, sorted and non-overlapping: (starts[k], ends[k])
    ends: list[int] = []
    kept: list[tuple[int, int, Rule, int]] = []
    for start, end, rule, anchor in raw:
        k = bisect_right(starts, start)
        if (k and ends[k - 1] > start) or (k < len(starts) and starts[k] < end):
            continue  # overlaps the span before or after it
        starts.insert(k, start)
        ends.insert(k, end)
        kept.append((start, end, rule, anchor))
    kept.sort(key=lambda item: item[0])
    return kept


_PLACE = operator.itemgetter(0, 1)  # a span's (start, end): its place in the text


def _disjoint(spans: list[tuple[int, int, Rule, int]]) -> bool:
    """No two of `spans` (sorted by place, none empty) overlap: a file dense with one rule's
    findings, where keeping the earlier rule's of overlapping spans would ask 50,000 times to
    drop none. Sorted once, by place, for this and for the answer: no sort by rule first."""
    if any(start >= end for start, end, *_ in spans):
        return False
    ends = [span[1] for span in spans[:-1]]
    return all(map(operator.le, ends, [span[0] for span in spans[1:]]))


def _line_numbers(text: str, offsets: list[int]) -> dict[int, int]:
    """The 1-based line of each offset (sorted): one pass over the text, however many."""
    lines, line, previous = {}, 1, 0
    for offset in offsets:
        line += text.count("\n", previous, offset)
        lines[offset], previous = line, offset
    return lines


def find_secret_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of every secret value in `text`, sorted, non-overlapping. Masking needs
    no line numbers or values: a text dense with secrets skips making them."""
    return [(start, end) for start, end, *_ in _kept_spans(text, load_rules(), CODE)]

"""The assignment rule: `<secret-ish name> <op> <literal value>` in any language or config format.

Covers `password = "…"` (Python, Ruby, Terraform, TOML, INI), `apiKey: "…"` (JS/TS, YAML, JSON),
`String secret = "…";` (Java, C#, Kotlin), `token := "…"` (Go), `DB_PASSWORD=…` (.env, shell,
Dockerfile `ENV`), `--password …` (command lines), `put("password", "…")` (maps, properties) and
`Password=…;` (connection strings). The name must say "secret"; the value must be a literal that
looks random (entropy, character classes) and is not a placeholder, reference or known non-secret.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from br_core.secrets import filters as f
from br_core.secrets.syntax import (
    CODE,
    ENV,
    INI,
    NETRC,
    PROSE,
    TEXT,
    YAML,
    bare_value,
    connection_field,
)

_IDENT_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
# Name and value given as a pair: XML elements, Kubernetes env entries, Postman-style key/value.
_PAIRS = (
    ("</", re.compile(r"<(?P<name>[\w.:-]{2,60})>(?P<value>[^<\s]{1,500})</(?P=name)>")),
    (
        "name:",
        re.compile(
            r"""-[ \t]*name:[ \t]*["']?(?P<name>[A-Za-z_][\w.-]{1,80})["']?[ \t]*\r?\n"""
            r"""[ \t]+value:[ \t]*(?:"(?P<dq>[^"\n]*)"|'(?P<sq>[^'\n]*)'|(?P<value>\S+))"""
        ),
    ),
    (
        "variable",
        re.compile(
            r'variable\s+"(?P<name>[\w-]{1,80})"\s*\{[^}]{0,300}?\bdefault\s*=\s*'
            r'"(?P<dq>[^"\n]{1,500})"'
        ),
    ),
    (
        "value=",
        re.compile(
            r"""key=["'](?P<name>[^"'\n]{1,80})["']\s+value=["'](?P<value>[^"'\n]{1,500})["']"""
        ),
    ),
    (
        "value",
        re.compile(
            r"""key["']?\s*:\s*["'](?P<name>[^"'\n]{1,80})["']\s*,\s*"""
            r"""["']?value["']?\s*:\s*["'](?P<value>[^"'\n]{1,500})["']"""
        ),
    ),
)
# Setter and builder calls with one literal: `ds.setPassword("…")`, `.withApiKey('…')`.
_SETTER = re.compile(r"(?:^|\.)(?:set|with)_?(?=[A-Z_])(?P<rest>\w+)$")
_CALL_LITERAL = re.compile(
    r"""\([ \t]*(?:"(?P<dq>[^"\\\n]{0,501}+)"|'(?P<sq>[^'\\\n]{0,501}+)')[ \t]*\)"""
)
_FALLBACK = re.compile(r"(?::-|:)(?P<bare>[^\s}$\"'`]{1,200})\}")
_PASSWORD_SYMBOLS = frozenset("!#%&*?+=@^~$")
# Compiled character tests (`\s` is exactly `str.isspace`): a value's checks run in C, not one
# generator step per character, which a file dense with findings pays for every value.
_WHITESPACE = re.compile(r"\s")
_HEX_DIGITS = re.compile(r"[0-9a-fA-F]+")
_CODE_AFTER = re.compile(r"[ \t]*(?:\||,|\)|\]|=(?!=)|->)")
_WORD_SPLIT = re.compile(r"[_.\-\s]+|(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
# Values longer than 500 characters are never secrets (`value_is_secret`), so every value group
# stops at 501: each keyword hit costs a bounded scan and a line of `password=password=…` stays
# linear. `_BOUND` is how far back a line's start is looked for, for the same reason.
_VALUE_MAX = 501
_BOUND = 256
_PIECES_MAX = 16  # literals joined into one value (`"…" + "…"`)
# A string literal concatenated to the one before it: ` + "…"` (most languages), ` . '…'` (PHP).
_CONCATENATED = re.compile(
    r"""[ \t]*[+.][ \t]*(?:"(?P<dq>(?:[^"\\\n]|\\.){0,501}+)"|'(?P<sq>(?:[^'\\\n]|\\.){0,501}+)')"""
)
# In .env and INI files a value runs to the end of the line whatever its first character, so
# `password = ,rkQ*…` is a value there; `_ASSIGN` cannot start a bare value at `,;)}]` (code).
_PUNCT_VALUE = re.compile(r"(?P<close>)[ \t]*(?P<op>[=:])[ \t]*(?P<bare>[,;)}\]]\S{0,500})")
# Files where an unquoted value is a plain string, never a name, tag or expression.
_STRING_SYNTAXES = (ENV, INI, NETRC)
# A YAML block scalar holding one line: `smtp_password: >-` and the value indented below.
_BLOCK_INDICATORS = frozenset({"|", ">", "|-", ">-", "|+", ">+"})
_BLOCK_LINE = re.compile(r"[ \t]*\r?\n(?P<indent>[ \t]+)(?P<bare>\S{1,500})[ \t]*\r?(?:\n|$)")
# `RUN echo "machine host login user password …"`: a .netrc line written from another file.
_NETRC_INLINE = re.compile(r"(?:^|[\s\"'])machine\s+\S+\s+login\s+\S+$")
# A commit message names a secret in prose: `pw: …`, `secret …`, `new password is "…"`. The
# value is the next blank-separated word (its quotes aside).
_PROSE_VALUE = re.compile(
    r"""(?P<close>)(?P<op>[ \t]*[:=][ \t]*|[ \t]+(?:(?:is|was|now)[ \t]+){0,2})"""
    r"""["'`]?(?P<bare>[^\s"'`]{1,501}+)"""
)
# In a document, a sentence (`the password is …`, `token was …`) is read by the prose rule; `:`
# and `=` are read as code, which follows quotes (`{"password": "…"}` in a fenced block).
_PROSE_VERB = re.compile(r"[ \t]+(?:is|was|now)[ \t]")
_ASSIGN = re.compile(
    r"""(?P<close>["'`]?)\]?[ \t]*
    (?P<op>:=|=>|<-|\?=|\|\|=?|\?\?=?|(?<![=!<>])=(?![>~])
        |:(?![:/])[ \t]*(?:[A-Za-z_][\w.\[\]|&' ]{0,30}?[ \t]+=(?!=))?
        |[ \t]+(?:string|String|str)[ \t]*=|,|[ \t])
    [ \t]*(?:\r?\n[ \t]*(?=[rbfuRBFU]{0,2}["'`]))?  # `NAME =` then a quoted value on the next line
    (?:(?P<prefix>[rbfuRBFU]{0,2})
       (?:"{3}(?P<tdq>[^"\n]{1,501}+)"{3}|'{3}(?P<tsq>[^'\n]{1,501}+)'{3}  # one-line triple quotes
         |"(?P<dq>(?:[^"\\\n]|\\.){0,501}+)"|'(?P<sq>(?:[^'\\\n]|\\.){0,501}+)'|`(?P<bq>[^`\n]{0,501}+)`)
      |(?P<bare>[^\s"'`,;)}\]]{1,501}+))""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class GenericConfig:
    secret_words: frozenset[str]
    key_qualifiers: frozenset[str]
    exclude_words: frozenset[str]
    prefix_exclude_words: frozenset[str]
    placeholders: re.Pattern[str]
    dev_defaults: frozenset[str]
    keywords: re.Pattern[str]
    min_length: int
    entropy: float  # the floor for long values (bits per character)
    entropy_ratio: float  # shorter values: ratio * log2(length), since they cannot reach the cap
    name_cache: dict[str, bool] = field(default_factory=dict, compare=False, hash=False)
    # Verdicts on values already judged: a file repeating one value (`password="…"` 100,000
    # times, a generated fixture) judges it once. Bounded: cleared when full.
    value_cache: dict[tuple[str, bool, bool], bool] = field(
        default_factory=dict, compare=False, hash=False
    )


_VALUE_CACHE_MAX = 4096


class Candidate(NamedTuple):
    """A secret value found by the assignment rule: its span in the text. (A named tuple: one
    is made per finding, and a tuple costs a fraction of a frozen dataclass.)"""

    start: int
    end: int
    value: str


def name_words(name: str) -> list[str]:
    return [w.lower() for w in _WORD_SPLIT.split(name.strip("-_.$@:")) if w]


def _secret_word_at(words: list[str], config: GenericConfig) -> int | None:
    """Index of the first word that makes the name a secret's, or None."""
    for index, word in enumerate(words):
        if word in config.secret_words:
            return index
        if word in ("key", "keys") and index and words[index - 1] in config.key_qualifiers:
            return index
        if word.endswith(("key", "keys")) and word.rstrip("s")[:-3] in config.key_qualifiers:
            return index
        if word.endswith(("apikey", "secretkey", "accesskey", "privatekey", "authtoken")):
            return index
        if word.endswith(("password", "passwd", "secret", "token")):
            return index
    return None


def _classify_name(name: str, config: GenericConfig) -> bool:
    # `options.Password`, `spring.datasource.password`, `mailgun.api.key`: the last two dotted
    # parts decide (earlier parts are objects and namespaces).
    words = name_words(".".join(name.strip(".").split(".")[-2:]))
    at = _secret_word_at(words, config)
    if at is None:
        return False
    # Qualifiers after the secret word change its meaning (`password_file`, `token_url`);
    # before it only a few do (`public_key`, `max_tokens`, `is_secret`).
    if any(word in config.exclude_words for word in words[at + 1 :]):
        return False
    return not any(word in config.prefix_exclude_words for word in words[:at])


def is_secret_name(name: str, config: GenericConfig) -> bool:
    """True when an identifier names a secret (`db_password`, `apiKey`, `X-Api-Key`)."""
    known = config.name_cache.get(name)
    if known is None:
        known = config.name_cache[name] = _classify_name(name, config)
    return known


def value_is_secret(
    value: str, bare: bool, config: GenericConfig, literal_line: bool = False
) -> bool:
    """True when a literal assigned to a secret name looks like a real credential."""
    key = (value, bare, literal_line)
    known = config.value_cache.get(key)
    if known is None:
        if len(config.value_cache) >= _VALUE_CACHE_MAX:
            config.value_cache.clear()
        known = config.value_cache[key] = _judge_value(value, bare, config, literal_line)
    return known


def _judge_value(value: str, bare: bool, config: GenericConfig, literal_line: bool) -> bool:
    if len(value) < config.min_length or len(value) > 500 or _WHITESPACE.search(value):
        return False
    if f.is_templated(value, bare) or f.is_known_non_secret(value) or f.is_low_variety(value):
        return False
    if f.is_typed_run(value) or f.is_placeholder_token(value):
        return False
    lowered = value.lower()
    if lowered in config.dev_defaults or config.placeholders.search(lowered):
        return False
    if value.isdigit() or f.char_classes(value) < 2:
        return False
    if value.startswith(("django-insecure-", "insecure-")) or f.is_word_identifier(value):
        return False
    if bare and not literal_line and f.looks_like_code_reference(value):
        return False
    if f.looks_like_regex(value):
        return False
    # Word-built passwords (`Falcon2291#maple`) join words with digits and a symbol; names and
    # prose (`Ed25519PrivateKey`, `Enter-your-key`, `v2.config_file`) do not use `!#%&*?…`.
    strong = (
        len(value) >= 10
        and any(map(str.isdigit, value))
        and not _PASSWORD_SYMBOLS.isdisjoint(value)
    )
    if not strong and f.wordiness(value) >= (0.7 if bare else 0.8):
        return False
    floor = min(config.entropy, config.entropy_ratio * math.log2(len(value)))
    if strong:
        floor -= 0.5  # digits and a symbol already mark a password, even one repeating a word
    if _HEX_DIGITS.fullmatch(value):
        floor -= 0.5  # a 16-letter alphabet: random hex has less entropy per character
    return f.shannon_entropy(value) >= floor


def _identifier_span(text: str, pos: int, end: int) -> tuple[int, int]:
    start = pos
    limit = max(0, pos - 80)
    while start > limit and text[start - 1] in _IDENT_CHARS:
        start -= 1
    stop = end
    limit = min(len(text), end + 80)
    while stop < limit and text[stop] in _IDENT_CHARS:
        stop += 1
    return start, stop


def _inside_token(text: str, start: int) -> bool:
    """The name is glued to an ARN, URL or path (`…:secret:prod/db`), not a Ruby `:symbol`."""
    if start and (text[start - 1] == "%" or text[max(0, start - 2) : start] == "${"):
        return True  # a template variable: `${DB_PASSWORD:-x}`, `%PASSWORD%` (PHP `$pw =` is fine)
    if not start or text[start - 1] not in ":/@\\":
        return False
    if text[max(0, start - 5) : start].lower() == "$env:":
        return False  # PowerShell `$env:API_KEY = "…"`
    if text[max(0, start - 2) : start] == "/:":
        return False  # .npmrc `//registry.example/:_authToken=…`: a key scoped to a registry
    return not (text[start - 1] == ":" and (start < 2 or text[start - 2] in " \t\n({[,"))


def _line_prefix(text: str, start: int) -> str:
    """The text before `start` on its line, stripped; `_BOUND` characters at most (a longer
    prefix ends with them, which is as good for every check made on it)."""
    floor = max(0, start - _BOUND)
    line_start = text.rfind("\n", floor, start) + 1 or floor
    return text[line_start:start].strip()


def _op_allowed(
    match: re.Match[str], name_start: int, text: str, quoted_name: bool, syntax: str
) -> bool:
    """`,` only between a quoted name and a quoted value (`put("password", "…")`); whitespace
    only for CLI flags, Dockerfile `ENV NAME value` and .netrc lines."""
    op = match.group("op")
    if op == ",":
        # A call (`put("password", "…")`), not a list of strings (`["secret_", "key-"]`).
        floor = max(0, name_start - _BOUND)
        prefix = text[(text.rfind("\n", floor, name_start) + 1 or floor) : name_start]
        in_call = prefix.rfind("(") > max(prefix.rfind("["), prefix.rfind("{"))
        return quoted_name and in_call and bool(match.group("dq") or match.group("sq"))
    if op.strip():
        return True
    if text.startswith("-", name_start) or _in_netrc(text, name_start, syntax):
        return True
    return _line_prefix(text, name_start).upper() in ("ENV", "ARG")  # Dockerfile `ENV NAME value`


def _in_netrc(text: str, name_start: int, syntax: str) -> bool:
    """The name is a .netrc token (`machine host login user password value`): in a .netrc file,
    or on a netrc line another file writes (`RUN echo "machine … password …" >> ~/.netrc`)."""
    if syntax == NETRC:
        return True
    prefix = _line_prefix(text, name_start)
    return bool(_NETRC_INLINE.search(prefix)) or prefix.startswith(
        ("machine ", "login ", "default ")
    )


def _netrc_uuid(
    text: str,
    name_start: int,
    syntax: str,
    match: re.Match[str],
    whole: str | None,
    config: GenericConfig,
) -> Candidate | None:
    """A UUID as a .netrc password: the field is a password whatever its shape (Heroku's API
    key is a UUID), so its 32 hex digits are judged as a hex key is. Elsewhere a UUID is an id."""
    value = whole if whole is not None else match.group("bare")
    if value is None or not f.is_uuid(value) or not _in_netrc(text, name_start, syntax):
        return None
    if not value_is_secret(value.replace("-", ""), False, config, literal_line=True):
        return None
    return Candidate(match.start("bare"), match.start("bare") + len(value), value)


def find_assignments(
    text: str, config: GenericConfig, lowered: str | None = None, syntax: str = CODE
) -> Iterator[Candidate]:
    """Every secret literal assigned to a secret-named variable in `text`.

    `lowered` is `text.lower()` when the caller has it: keyword search on lowercase text is
    several times faster than a case-insensitive regex. `syntax` (br_core/secrets/syntax.py)
    says where an unquoted value ends: at `,`/`;` in code, at the end of the line in .env.
    """
    if lowered is None or len(lowered) != len(text):
        lowered = text.lower()
        if len(lowered) != len(text):  # a few Unicode letters change length when lowered
            lowered = "".join(ch.lower() if len(ch.lower()) == 1 else ch for ch in text)
    seen_ends: set[int] = set()
    covered = 0  # the end of the last bare value read: a keyword inside it is no name
    for hit in config.keywords.finditer(lowered):
        if hit.start() < covered:
            continue
        start, stop = _identifier_span(text, hit.start(), hit.end())
        if stop in seen_ends:
            continue
        seen_ends.add(stop)
        name = text[start:stop].rstrip(".-")
        if start >= 2 and text.startswith("${", start - 2):
            # `${DB_PASSWORD:-literal}` (shell, compose) or `${db.password:literal}` (Spring):
            # a reference whose fallback is still a hard-coded value.
            fallback = _FALLBACK.match(text, start + len(name))
            if fallback and is_secret_name(name, config):
                candidate = _candidate(fallback, config)
                if candidate is not None:
                    yield candidate
            continue
        if _inside_token(text, start):
            continue
        stop = start + len(name)
        if text.startswith("(", stop):
            setter = _setter_candidate(text, name, stop, config)
            if setter is not None:
                yield setter
            continue
        if not is_secret_name(name, config):
            continue
        if syntax == PROSE or (syntax == TEXT and _PROSE_VERB.match(text, stop)):
            candidate = _prose_candidate(text, stop, config)
            if candidate is not None:
                yield candidate
            continue
        match = _ASSIGN.match(text, stop)
        if syntax in (ENV, INI):
            match = _PUNCT_VALUE.match(text, stop) or match
        if match is None:
            continue
        quoted_name = bool(match.group("close")) and start > 0 and text[start - 1] in "\"'`"
        if match.group("close") and not quoted_name:
            continue
        if not _op_allowed(match, start, text, quoted_name, syntax):
            continue
        in_query = start > 0 and text[start - 1] in "?&"
        whole = None
        if match.group("bare") is not None and not in_query:
            floor = max(0, start - _BOUND)
            line_start = text.rfind("\n", floor, start) + 1 or floor
            whole = connection_field(text, start, match.start("bare"))
            if whole is None:
                whole = bare_value(text, match.start("bare"), syntax, line_start)
        if syntax == YAML and whole in _BLOCK_INDICATORS:
            block = _single_line_block(text, match.end("bare"))
            if block is not None:
                candidate = _candidate(block, config, literal_line=True, whole=block.group("bare"))
                if candidate is not None:
                    yield candidate
            continue
        covered = _bare_end(match, in_query, whole)
        # Whether the line is `NAME=value` matters only to a bare value (a quoted one is judged
        # the same either way), and finding it out costs a look back along the line per hit.
        bare = match.group("bare") is not None
        literal = whole is not None or (bare and _is_env_line(text, start, match))
        plain = whole is not None and syntax in _STRING_SYNTAXES
        # A URL query value (`?user=app&password=…`) is text, never a name or an expression.
        candidate = _candidate(match, config, in_query, literal or in_query, whole, plain)
        if candidate is None and match.group("bare") is not None:
            candidate = _netrc_uuid(text, start, syntax, match, whole, config)
        if candidate is not None:
            yield candidate


def _prose_candidate(text: str, stop: int, config: GenericConfig) -> Candidate | None:
    """The word a commit message gives after a secret's name, less the sentence's own closing
    punctuation (`(pw: …)` ends at the `)` that has no `(` of its own in the word)."""
    match = _PROSE_VALUE.match(text, stop)
    if match is None:
        return None
    value = match.group("bare").rstrip(".,;")
    if value.endswith(")") and value.count(")") > value.count("("):
        value = value[:-1]
    return _candidate(match, config, literal_line=True, whole=value)


def _single_line_block(text: str, pos: int) -> re.Match[str] | None:
    """The one indented line of a YAML block scalar opened at `pos`; None when the block runs
    over more lines (prose, certificates, scripts: not a single credential)."""
    line = _BLOCK_LINE.match(text, pos)
    if line is None:
        return None
    indent = line.group("indent")
    after = text[line.end() : line.end() + len(indent) + 1]
    if after.startswith(indent) and after[len(indent) :].strip():
        return None
    return line


def _setter_candidate(text: str, name: str, stop: int, config: GenericConfig) -> Candidate | None:
    """`setPassword("…")`: a setter of a secret-named property called with one literal.
    (`set` alone excludes a name: `set_password = True` is a flag, not a value.)"""
    setter = _SETTER.search(name)
    if setter is None or not is_secret_name(setter.group("rest"), config):
        return None
    call = _CALL_LITERAL.match(text, stop)
    return None if call is None else _candidate(call, config)


def find_pairs(text: str, config: GenericConfig) -> Iterator[Candidate]:
    """Secrets whose name and value are given as a pair (XML, Kubernetes env, key/value)."""
    for trigger, pattern in _PAIRS:
        if trigger not in text:
            continue
        for match in pattern.finditer(text):
            if not is_secret_name(match.group("name"), config):
                continue
            group = next(
                g
                for g in ("dq", "sq", "value")
                if g in pattern.groupindex and match.group(g) is not None
            )
            value = match.group(group)
            if value_is_secret(value, group == "value" and trigger == "name:", config):
                yield Candidate(match.start(group), match.end(group), value)


def _is_env_line(text: str, name_start: int, match: re.Match[str]) -> bool:
    """`NAME=value` opening a line (.env, shell, Dockerfile `ENV`, .properties): the value is a
    literal string there, never a variable (that would be `$NAME`), even when it reads like one."""
    if match.group("op") != "=" or match.start("op") != match.end("close"):
        return False
    if text.startswith((" ", "\t"), match.end("op")):
        return False  # `name = value`: the spacing of code, where a bare word is a variable
    prefix = _line_prefix(text, name_start)
    return prefix in ("", "export", "ENV", "ARG")


def _bare_value(match: re.Match[str], in_query: bool) -> str | None:
    """The bare value `_candidate` reads from `match` (None when the value is quoted)."""
    value = match.group("bare")
    if value is None:
        return None
    value = value.split("\\n")[0].rstrip(".")  # YAML quoted inside code: `pw\n  x: 1`
    return value.split("&")[0] if in_query else value  # `?api_key=…&format=json`


def _bare_end(match: re.Match[str], in_query: bool, whole: str | None = None) -> int:
    """Where the long bare value read from `match` ends (else 0): keyword hits before it are
    inside the value, so `password=password=…` is read once, not once per hit."""
    value = whole if whole is not None else _bare_value(match, in_query)
    if value is None or len(value) <= 64 or "${" in value:
        return 0  # short, or holding references whose fallbacks are read on their own hits
    return match.start("bare") + len(value)


def _candidate(
    match: re.Match[str],
    config: GenericConfig,
    in_query: bool = False,
    literal_line: bool = False,
    whole: str | None = None,
    plain: bool = False,
) -> Candidate | None:
    """The secret in `match`, if any; `whole` is the unquoted value as the file's syntax reads
    it (to the end of the line in .env, YAML, INI), None where code's expression rules apply.
    `plain`: the file has no expressions, tags or anchors (.env, INI), so an unquoted value is
    judged as a quoted string is (`(nF,…` is a password there, not a call)."""
    groups = match.groupdict()
    if "f" in (groups.get("prefix") or "").lower():
        return None  # f-strings interpolate: `{…}` is a reference, never a literal
    for group in ("tdq", "tsq", "dq", "sq", "bq", "bare"):
        value = groups.get(group)
        if value is None:
            continue
        bare = group == "bare"
        cut = len(value) == _VALUE_MAX  # stopped at the bound: what follows is more value
        if bare and whole is not None:
            value = whole
        elif bare and not cut and _CODE_AFTER.match(match.string, match.end(group)):
            return None  # `key: SomeType | None`, `f(token: T, …)`: an annotation, not a value
        elif bare:
            value = _bare_value(match, in_query) or ""
        start = match.start(group)
        end = start + len(value)
        if not bare:
            value, end = _join_literals(match.string, match.end(), value, end)
        if value_is_secret(value, bare and not plain, config, literal_line):
            return Candidate(start, end, value)
        return None
    return None


def _join_literals(text: str, pos: int, value: str, end: int) -> tuple[str, int]:
    """`value` joined with the literals concatenated to it on its line (`"wJal…" + "…KEY"`,
    PHP's `.`), and where the last one ends: the value is judged whole, so a placeholder word
    in any piece counts, and a key split in two is still one key."""
    for _ in range(_PIECES_MAX):  # bounded: a line of `"" + "" + …` costs each hit little
        more = _CONCATENATED.match(text, pos)
        if more is None or len(value) >= _VALUE_MAX:
            break
        piece = more.group("dq") if more.group("dq") is not None else more.group("sq")
        value, end, pos = value + piece, more.end() - 1, more.end()
    return value, end

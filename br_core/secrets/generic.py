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
    SHELL,
    TEXT,
    YAML,
    bare_value,
    connection_field,
    conninfo_value,
)

_IDENT_STR = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-"
_IDENT_CHARS = frozenset(_IDENT_STR)
# Where an XML element's text may wrap: a value alone on the line below its opening tag
# (`<password>` / `  …` / `</password>`), as formatters and people indent it.
_XML_WRAP = r"[ \t]*(?:\r?\n[ \t]*)?"
# An element named by its `name` or `key` attribute (`<property name="password">`, `<entry
# key="db.password">`, `<string name="api_key">`), not closed by `/>`.
_XML_NAMED = (
    r"""<(?P<tag>[\w.:-]{1,60})[ \t][^<>\n]{0,120}?\b(?:name|key)=["'](?P<name>[^"'\n]{1,80})["']"""
    r"[^<>\n]{0,120}?(?<!/)>" + _XML_WRAP
)
# Name and value given as a pair: XML elements and attributes (`<add key=… value=…>`, Spring's
# `<property name=… value=…>`, its `<value>` child, an element's text), Kubernetes env entries,
# Postman-style key/value.
_PAIRS = (
    (
        "</",
        re.compile(
            rf"<(?P<name>[\w.:-]{{2,60}})>{_XML_WRAP}(?P<value>[^<\s]{{1,500}}){_XML_WRAP}</(?P=name)>"
        ),
    ),
    ("</", re.compile(rf"{_XML_NAMED}(?P<value>[^<\s]{{1,500}}){_XML_WRAP}</(?P=tag)>")),
    (
        "<value>",
        re.compile(rf"{_XML_NAMED}<value>{_XML_WRAP}(?P<value>[^<\s]{{1,500}}){_XML_WRAP}</value>"),
    ),
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
            r"""(?:key|name)=["'](?P<name>[^"'\n]{1,80})["']\s+value=["'](?P<value>[^"'\n]{1,500})["']"""
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
_LITERAL = r"""(?:"(?P<dq>(?:[^"\\\n]|\\.){0,501}+)"|'(?P<sq>(?:[^'\\\n]|\\.){0,501}+)')"""
# A string literal concatenated to the one before it: ` + "…"` (most languages), ` . '…'` (PHP),
# the operator at the end of one line or the start of the next (JS, Go, Java, PHP).
_CONCATENATED = re.compile(r"(?:[ \t]*\\?\r?\n)?[ \t]*[+.][ \t]*(?:\\?\r?\n[ \t]*)?" + _LITERAL)
# Python joins adjacent literals: on the next line after a `\`, or on any line inside the
# parentheses the value opened (`KEY = (\n    "…"\n    "…"\n)`).
_CONTINUED = re.compile(r"[ \t]*\\\r?\n[ \t]*" + _LITERAL)
_ADJACENT = re.compile(r"[ \t]*(?:\\?\r?\n[ \t]*)?" + _LITERAL)
# The groups a value is read from (`_candidate`), one per kind of literal.
_VALUE_GROUPS = frozenset({"tdq", "tsq", "dq", "sq", "bq", "bare"})
# Where `_CONCATENATED`, `_CONTINUED` or `_ADJACENT` can start (an empty slice is "in" it).
_JOIN_OPENERS = " \t\\\r\n+.\"'"
_CLOSING_PAREN = re.compile(r"[ \t]*(?:\\?\r?\n[ \t]*)?\)")
# In .env and INI files a value runs to the end of the line whatever its first character, so
# `password = ,rkQ*…` is a value there; `_ASSIGN` cannot start a bare value at `,;)}]` (code),
# nor read `password=~…` as anything but Ruby's and Perl's match operator `=~`.
_PUNCT_VALUE = re.compile(r"(?P<close>)[ \t]*(?P<op>[=:])[ \t]*(?P<bare>[,;)}\]~]\S{0,500})")
# Files where an unquoted value is a plain string, never a name, tag or expression.
_STRING_SYNTAXES = (ENV, INI, NETRC)
# The line opening a member's object (`"Jwt": {`, `jwt:`, PHP's `'jwt' => [` or `=> array(`,
# Ruby's `"jwt" => {`) or section (`[jwt]`).
_OPENS_OBJECT = re.compile(
    r"""["']?(?P<name>[A-Za-z_][\w-]{0,60})["']?[ \t]*(?:=>|[:=])[ \t]*(?:\{|\[|array\()?"""
)
_SECTION = re.compile(r"\[(?P<name>[A-Za-z_][\w.-]{0,60})\]")
_PARENT_LINES = 40
# What a bare `key` must be given before its parent is looked up: 16+ characters of a token.
_KEY_VALUE = re.compile(r"""["']?[ \t]*[:=][ \t]*["'`]?[A-Za-z0-9+/=_.~-]{16}""")
# A YAML block scalar holding one line: `smtp_password: >-` and the value indented below.
_BLOCK_INDICATORS = frozenset({"|", ">", "|-", ">-", "|+", ">+"})
_BLOCK_LINE = re.compile(r"[ \t]*\r?\n(?P<indent>[ \t]+)(?P<bare>\S{1,500})[ \t]*\r?(?:\n|$)")
_COLON_AT_END = re.compile(r"[\"']?[ \t]*:(?=[ \t]*\r?\n)")
# The first word of the line after a shell line continued with `\`; not another flag.
_CONTINUED_WORD = re.compile(r"\r?\n[ \t]*(?P<bare>[^\s\"'`-][^\s\"'`]{0,500})")
# The next item of a YAML list, alone on its line: a quoted or plain scalar, not a flag.
_FLAG_ITEM = re.compile(
    r"""[ \t]*\r?\n(?P<indent>[ \t]*)-[ \t]+"""
    r"""(?:"(?P<dq>[^"\\\n]{1,501}+)"|'(?P<sq>[^'\n]{1,501}+)'"""
    r"""|(?P<bare>[^\s"'#&*!|>-][^\s]{0,500}+))[ \t]*\r?(?:\n|$)"""
)
# `RUN echo "machine host login user password …"`: a .netrc line written from another file.
_NETRC_INLINE = re.compile(r"(?:^|[\s\"'])machine\s+\S+\s+login\s+\S+$")
# A libpq / ODBC-style keyword=value connection string (`host=db port=5432 user=app password=…`):
# its values are plain text, never names, so a dotted password is no attribute access.
# Its fields are separated by blanks alone: `host=cfg.host, user=…` is a call's keywords.
_CONNINFO = re.compile(r"(?:^|[\s\"'`])(?:host|hostaddr|dbname|user|port)=[^\s=\"'`,]+\s")
# What a sentence says the secret belongs to, between its name and its value: `pw for the
# grafana admin is …`, `password of root: …`, `token to use is …`. Four words at most, none
# holding `:` or `=` (that ends the clause as the operator does).
_ABOUT = r"[ \t]+(?:for|of|on|to|at|in|from)(?:[ \t]+[^\s:=]{1,40}){1,4}?"
# A commit message names a secret in prose: `pw: …`, `secret …`, `new password is "…"`, `pw for
# the admin is …`, `set the password to …`. The value is the next blank-separated word (its
# quotes aside).
_PROSE_VALUE = re.compile(
    rf"""(?P<close>)(?P<op>{_ABOUT}(?:[ \t]*[:=][ \t]+|[ \t]+(?:is|was|now)[ \t]+)"""
    r"""|[ \t]*[:=][ \t]*|[ \t]+(?:(?:is|was|now|to)[ \t]+){0,2})"""
    r"""["'`]?(?P<bare>[^\s"'`]{1,501}+)"""
)
# In a document, a sentence (`the password is …`, `token was …`, `set the password to …`, `pw for
# the admin is …` or `…admin: …`) is read by the prose rule; `:` and `=` right after the name are
# read as code, which follows quotes (`{"password": "…"}` in a fenced block).
_PROSE_VERB = re.compile(
    rf"[ \t]+(?:is|was|now|to)[ \t]|{_ABOUT}(?:[ \t]*[:=][ \t]|[ \t]+(?:is|was|now)[ \t])"
)
# A name closed by its own quote before `:` or `=` (`'PASSWORD': '…'`, `"token": "…"`) is code
# quoted in a commit message (a diff's line, a pasted snippet): read as code, which follows
# quotes, not as a sentence.
_QUOTED_KEY = re.compile(r"""["'`][ \t]*(?::(?!:)|=(?!=)|=>)""")
# A value quoted with escaped quotes inside another string: a JAAS line or a DSN in a Java or
# JS literal (`"… password=\"…\";"`), JSON written into a string (`"{\"token\": \"…\"}"`),
# a notebook's code cell (`"login(key=\"…\")\n"`). `close` is the name's own escaped quote.
_ESCAPED_ASSIGN = re.compile(
    r"""(?P<close>\\["']|)[ \t]*(?P<op>[=:])[ \t]*"""
    r"""(?:\\"(?P<dq>[^"\\\n]{1,501}+)\\"|\\'(?P<sq>[^'\\\n]{1,501}+)\\')"""
)
# In a query or conninfo string `=~` is no match operator (Perl, Ruby) but a value starting `~`.
_TILDE_VALUE = re.compile(r"(?P<close>)(?P<op>=)(?P<bare>~[^\s\"'`,;)}\]]{1,500}+)")
_ASSIGN = re.compile(
    r"""(?P<close>["'`]?)\]?[ \t]*
    (?P<op>:=|=>|<-|\?=|\|\|=?|\?\?=?|(?<![=!<>])=(?![>~])
        |:(?![:/])[ \t]*(?:[A-Za-z_][\w.\[\]|&' ]{0,30}?[ \t]+=(?!=))?
        |[ \t]+(?:string|String|str)[ \t]*=|,|[ \t])
    [ \t]*(?:\\?\r?\n[ \t]*(?=[rbfuRBFU]{0,2}["'`])  # `NAME =` (or `= \`), a quoted value below
      |(?P<paren>\()[ \t]*(?:\r?\n[ \t]*)?(?=[rbfuRBFU]{0,2}["'`]))?  # `NAME = (` literals `)`
    (?:(?:\[\]byte|Buffer\.from|bytearray|bytes)\((?=["'`]))?  # a literal made bytes: `[]byte("…")`
    (?:(?P<prefix>[rbfuRBFU]{0,2}|@)  # Python's prefixes; `@"…"` (C# verbatim, Objective-C)
       (?:"{3}(?P<tdq>[^"\n]{1,501}+)"{3}|'{3}(?P<tsq>[^'\n]{1,501}+)'{3}  # one-line triple quotes
         |"(?P<dq>(?:[^"\\\n]|\\.){0,501}+)"|'(?P<sq>(?:[^'\\\n]|\\.){0,501}+)'|`(?P<bq>[^`\n]{0,501}+)`)
      |(?P<bare>[^\s"'`,;)}\]]{1,501}+))""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class GenericConfig:
    secret_words: frozenset[str]
    password_words: frozenset[str]  # the secret words that name a password (a passphrase's key)
    key_qualifiers: frozenset[str]
    generic_qualifiers: frozenset[str]  # words before a secret word that name no owner
    exclude_words: frozenset[str]
    prefix_exclude_words: frozenset[str]
    uuid_key_owners: frozenset[str]  # providers whose keys are UUIDs (`heroku:` `api_key: …`)
    placeholders: re.Pattern[str]
    dev_defaults: frozenset[str]
    keywords: re.Pattern[str]
    min_length: int
    entropy: float  # the floor for long values (bits per character)
    entropy_ratio: float  # shorter values: ratio * log2(length), since they cannot reach the cap
    name_cache: dict[str, bool] = field(default_factory=dict, compare=False, hash=False)
    password_name_cache: dict[str, bool] = field(default_factory=dict, compare=False, hash=False)
    # Verdicts on values already judged: a file repeating one value (`password="…"` 100,000
    # times, a generated fixture) judges it once. Bounded: cleared when full.
    value_cache: dict[tuple[str, bool, bool, bool], bool] = field(
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
    """Index of the first word that makes the name a secret's, or None. A number after the
    word (`DbPassword2`, `apiKey2`, `token_1`) numbers a second secret of the same kind."""
    for index, numbered in enumerate(words):
        word = numbered.rstrip("0123456789") or numbered
        if word in config.secret_words and numbered not in _NUMBERED_NAMES:
            return index
        if word in ("key", "keys") and index and words[index - 1] in config.key_qualifiers:
            return index
        if word.endswith(("key", "keys")) and _qualifies_glued_key(word, config):
            return index
        if word.endswith(("apikey", "secretkey", "accesskey", "privatekey", "authtoken")):
            return index
        if word.endswith(("password", "passwd", "secret", "token")):
            return index
    return None


# `auth0` is a provider's name (`AUTH0_DOMAIN`), not a second `auth`.
_NUMBERED_NAMES = frozenset({"auth0"})
_GLUED_MIN = 3  # a qualifier ends a glued name (`jwtsigningkey`) only when 3+ letters long


def _qualifies_glued_key(word: str, config: GenericConfig) -> bool:
    """`apikey`, and all-lowercase names glued from several words (`jwtsigningkey`,
    `stripesecretkey`: JS object keys, Go and env names written without separators) whose
    last word before `key` qualifies it, as `signing` does `signing_key`; a glued word the
    split would have read as a changing prefix (`publicsigningkey`) still changes it."""
    head = word.rstrip("s")[:-3]
    return head in config.key_qualifiers or any(
        len(qualifier) >= _GLUED_MIN
        and head.endswith(qualifier)
        and not _ends_with_prefix_exclude(head[: -len(qualifier)], config)
        for qualifier in config.key_qualifiers
    )


def _ends_with_prefix_exclude(glued: str, config: GenericConfig) -> bool:
    return any(len(w) >= _GLUED_MIN and glued.endswith(w) for w in config.prefix_exclude_words)


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


def is_password_name(name: str, config: GenericConfig) -> bool:
    """A secret name whose secret word is a password's (`DB_PASSWORD`, `ossrhPassword`,
    `signing.password`), not a key's or a token's: its value may be a word-built passphrase.
    So may a shared secret's whose name says what it signs (`JWT_SECRET`, `SESSION_SECRET`,
    `webhook_secret`): people choose those as they choose passwords. A bare `secret` or one
    named otherwise (`existingSecret`) is as often a stored secret's name (`orders-db-01`)."""
    known = config.password_name_cache.get(name)
    if known is None:
        words = name_words(".".join(name.strip(".").split(".")[-2:]))
        at = _secret_word_at(words, config)
        known = config.password_name_cache[name] = at is not None and (
            any(
                w in config.password_words or w.endswith(("password", "passwd")) for w in words[at:]
            )
            or _names_a_shared_secret(words, at, config)
        )
    return known


def _names_a_shared_secret(words: list[str], at: int, config: GenericConfig) -> bool:
    """`secret` ends the name and the word before it qualifies it as a key's would (`jwt`,
    `session`, `signing`, `client`)."""
    return (
        at == len(words) - 1
        and at > 0
        and words[at] == "secret"
        and words[at - 1] in config.key_qualifiers
    )


def value_is_secret(
    value: str,
    bare: bool,
    config: GenericConfig,
    literal_line: bool = False,
    passphrase: bool = False,
) -> bool:
    """True when a literal assigned to a secret name looks like a real credential;
    `passphrase`: the name is a password's and the value a literal, so words and digits in a
    passphrase's shape count (`FalconLantern3108`)."""
    key = (value, bare, literal_line, passphrase)
    known = config.value_cache.get(key)
    if known is None:
        if len(config.value_cache) >= _VALUE_CACHE_MAX:
            config.value_cache.clear()
        known = config.value_cache[key] = _judge_value(
            value, bare, config, literal_line, passphrase
        )
    return known


def _judge_value(
    value: str, bare: bool, config: GenericConfig, literal_line: bool, passphrase: bool
) -> bool:
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
    if passphrase and f.is_word_password(value, config.secret_words):
        return True  # wordy by design: under a password's name, not a name whatever it reads
    if f.is_word_identifier(value):
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
    return f.shannon_entropy(value) >= floor and not f.is_documented_example(value)


def _identifier_span(text: str, pos: int, end: int) -> tuple[int, int]:
    """The identifier around the keyword at `pos:end`, 80 characters either side at most.
    (Strips of a bounded slice, in C: a character loop costs every keyword hit.)"""
    before = text[max(0, pos - 80) : pos]
    after = text[end : end + 80]
    return (
        pos - len(before) + len(before.rstrip(_IDENT_STR)),
        end + len(after) - len(after.lstrip(_IDENT_STR)),
    )


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
    only for CLI flags, Dockerfile `ENV NAME value`, .netrc lines, a code span after the name in
    a document, and directives opening a line of a config file (`requirepass …` in redis.conf,
    `key value` in .properties): a directive's value is one word there (`bare_value` reads the
    rest of the line, and a value with a blank in it is no secret), so a sentence in a comment
    or a multi-word setting is no value."""
    op = match.group("op")
    if op == ",":
        # A call (`put("password", "…")`), not a list of strings (`["secret_", "key-"]`),
        # unless the list is a command's words and the name a flag before its value
        # (`["redis-server", "--requirepass", "…"]`: exec-form CMD, container args, argv).
        if quoted_name and text.startswith("-", name_start):
            return bool(match.group("dq") or match.group("sq"))
        floor = max(0, name_start - _BOUND)
        prefix = text[(text.rfind("\n", floor, name_start) + 1 or floor) : name_start]
        in_call = prefix.rfind("(") > max(prefix.rfind("["), prefix.rfind("{"))
        return quoted_name and in_call and bool(match.group("dq") or match.group("sq"))
    if op.strip():
        return True
    if text.startswith("-", name_start) or _in_netrc(text, name_start, syntax):
        return True
    if syntax == TEXT and match.group("bq") is not None:
        # A document gives a value as code: ``- user `demo`, password `…` ``. Not the verb
        # (`digits pass `isdigit()``, `pass `--flag``), nor a call shown as code.
        return text[name_start : match.start()].lower() != "pass" and "(" not in match["bq"]
    prefix = _line_prefix(text, name_start)
    # Dockerfile `ENV NAME value`; a directive opening a config file's line, or one whose
    # arguments are a name and its value (Apache `SetEnv DB_PASSWORD …`, `RequestHeader set
    # X-Api-Key …`, nginx `proxy_set_header X-Api-Key …;`, `fastcgi_param DB_PASSWORD …;`).
    return prefix.upper() in ("ENV", "ARG") or (
        syntax == INI and (not prefix or _DIRECTIVE_WORDS.fullmatch(prefix) is not None)
    )


# The words of a config directive before the name it sets: one to three, none a sentence's
# punctuation or a comment's marker.
_DIRECTIVE_WORDS = re.compile(r"[A-Za-z][\w-]{0,40}(?:[ \t]+[A-Za-z][\w-]{0,40}){0,2}")


# An application's salt set as a constant (`NONCE_SALT`, WordPress's eight keys and salts;
# `SECURITY_PASSWORD_SALT`, Flask-Security's; `HASHIDS_SALT`): one value for every user, kept
# secret as a signing key is, and long. A per-record salt is a field (`salt`, `password_salt`)
# of a row or a call, short (16-22 characters of bcrypt or PBKDF2), and no secret.
_CONFIGURED_SALT = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_SALT")
_SALT_MIN = 32

_PAIR_REACH = 200  # characters either side where a key's secret half is looked for


def _key_beside_its_secret(lowered: str, name_start: int, name: str) -> bool:
    """`api_key` given beside `api_secret_key` (`consumer_key` beside `consumer_secret`): in a
    key/secret pair the key is the public half, an app's identifier (Shopify, Pusher,
    Cloudinary, Twitter); the secret beside it is reported on its own line."""
    if "key" not in name.lower():
        return False  # no word of it is `key` (most names: `password`), and no split is made
    words = name_words(name)
    if len(words) < 2 or words[-1] != "key" or "secret" in words:
        return False
    sibling = name[:-3].lower() + "secret"  # the same name with `secret` for `key`
    start = max(0, name_start - _PAIR_REACH)
    at = lowered.find(sibling, start, name_start + len(name) + _PAIR_REACH)
    while at >= 0 and at and lowered[at - 1] in _IDENT_CHARS:
        at = lowered.find(sibling, at + 1, name_start + len(name) + _PAIR_REACH)
    return at >= 0


def _in_conninfo(text: str, name_start: int) -> bool:
    """The name follows `host=…`, `dbname=…`, `user=…` or `port=…` words on its line."""
    prefix = _line_prefix(text, name_start)
    return _CONNINFO.search(prefix + " ") is not None


def _in_field_list(text: str, name_start: int) -> bool:
    """The name is a field of a URL query (`?user=app&password=…`) or a conninfo string
    (`host=db user=app password=…`): plain `name=value` text, with no operator `=~`."""
    before = text[name_start - 1 : name_start]
    return before in ("?", "&") or (before == " " and _in_conninfo(text, name_start))


def _in_netrc(text: str, name_start: int, syntax: str) -> bool:
    """The name is a .netrc token (`machine host login user password value`): in a .netrc file,
    or on a netrc line another file writes (`RUN echo "machine … password …" >> ~/.netrc`)."""
    if syntax == NETRC:
        return True
    prefix = _line_prefix(text, name_start)
    return bool(_NETRC_INLINE.search(prefix)) or prefix.startswith(
        ("machine ", "login ", "default ")
    )


_UUID_LEN = 36


def _uuid_key(
    text: str,
    name: str,
    name_start: int,
    syntax: str,
    match: re.Match[str],
    whole: str | None,
    config: GenericConfig,
) -> Candidate | None:
    """A UUID as a key: a .netrc password (the field is a password whatever its shape), or
    the value of a name saying whose key it is (`HEROKU_API_KEY`, `CODECOV_TOKEN`: Heroku,
    Codecov and others issue UUIDs as keys). Its 32 hex digits are judged as a hex key is.
    Elsewhere a UUID is an id (`api_key = <uuid>` in a fixture, `tenant_id`)."""
    names = match.re.groupindex  # every rejected value comes here: the cheap tests first
    group = next((g for g in ("dq", "sq", "bq", "bare") if g in names and match.group(g)), None)
    if group is None:
        return None
    value = whole if whole is not None and group == "bare" else match.group(group)
    if len(value) != _UUID_LEN or not f.is_uuid(value):
        return None
    if not (
        _in_netrc(text, name_start, syntax)
        or _names_an_owner(name, config)
        or _section_names_an_owner(text, name, name_start, syntax, config)
    ):
        return None
    if not value_is_secret(value.replace("-", ""), False, config, literal_line=True):
        return None
    return Candidate(match.start(group), match.start(group) + len(value), value)


def _section_names_an_owner(
    text: str, name: str, name_start: int, syntax: str, config: GenericConfig
) -> bool:
    """`heroku:` then `  api_key: <uuid>` (YAML, JSON, TOML `[heroku]`): the object or section
    holding the key names a provider that issues UUIDs as keys. Any other parent may be a
    user or tenant of a fixture (`alice:` then `api_key: <uuid>`), whose UUIDs are ids.
    Documents are not read this way: their indentation is prose layout, not nesting."""
    if syntax in (PROSE, TEXT) or not config.uuid_key_owners:
        return False
    parent = _parent_key(text, name_start)
    return parent is not None and not config.uuid_key_owners.isdisjoint(name_words(parent))


def _names_an_owner(name: str, config: GenericConfig) -> bool:
    """A word before the secret word that is not a generic qualifier names the key's owner:
    `heroku` in `heroku_api_key`, `codecov` in `CODECOV_TOKEN`; `api_key` names none. Only
    the last dotted part is read (`self.update_token`: `self` owns nothing)."""
    words = name_words(name.strip(".").rsplit(".", 1)[-1])
    at = _secret_word_at(words, config)
    return at is not None and any(w not in config.generic_qualifiers for w in words[:at])


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
        salt = False
        if not is_secret_name(name, config):
            if _CONFIGURED_SALT.fullmatch(name):
                salt = True
            elif name.lower() != "key":
                continue
            elif syntax in (PROSE, TEXT):
                spelled = _spelled_key_name(text, start, name, config)
                if spelled is None:
                    continue
                name = spelled
            elif text.startswith("=", stop) and _is_login_argument(lowered, start):
                name = "auth_key"
            else:
                parent = _parent_key(text, start) if _KEY_VALUE.match(text, stop) else None
                if parent is None or not is_secret_name(f"{parent}.{name}", config):
                    continue
                name = f"{parent}.{name}"
        if (syntax == PROSE and not _QUOTED_KEY.match(text, stop)) or (
            syntax == TEXT and _PROSE_VERB.match(text, stop)
        ):
            candidate = _prose_candidate(text, stop, config, is_password_name(name, config))
            if candidate is not None:
                yield candidate
            continue
        match = _ASSIGN.match(text, stop)
        if syntax in (ENV, INI):
            match = _PUNCT_VALUE.match(text, stop) or match
        if match is None:
            # One character says which of two rare forms can follow (most names: neither).
            next_char = text[stop : stop + 1]
            if next_char == "\\":  # `\"token\": \"…\"`: no operator after an escaped quote
                escaped = _escaped_candidate(text, start, stop, name, config)
                if escaped is not None and not (salt and len(escaped.value) < _SALT_MIN):
                    if not _key_beside_its_secret(lowered, start, name):
                        yield escaped
                    continue
            elif next_char == "=" and text.startswith("=~", stop) and _in_field_list(text, start):
                match = _TILDE_VALUE.match(text, stop)
        if match is None:
            if syntax == YAML:  # `password:` and the value alone on the line below
                below = _yaml_value_below(text, start, stop, config, name)
                if below is None and text.startswith("-", start):
                    below = _flag_item_value(text, start, stop, config, name)
                if below is not None:
                    yield below
            continue
        quoted_name = bool(match.group("close")) and start > 0 and text[start - 1] in "\"'`"
        if match.group("close") and not quoted_name:
            continue
        if not _op_allowed(match, start, text, quoted_name, syntax):
            continue
        in_query = start > 0 and text[start - 1] in "?&"
        bare_text = match.group("bare")
        bare = bare_text is not None
        whole = None
        conninfo = False
        if bare and not in_query:
            floor = max(0, start - _BOUND)
            line_start = text.rfind("\n", floor, start) + 1 or floor
            # A `host=db user=app password=…` value (looked for only where it can be: a bare
            # value right after `=`, its name after a blank and an `=` before it on the line)
            # is text, never a name or expression, and ends at a blank or the string's quote.
            conninfo = (
                match.group("op") == "="
                and text[start - 1 : start] == " "
                and text.find("=", line_start, start) >= 0
                and _in_conninfo(text, start)
            )
            whole = connection_field(text, start, match.start("bare"))
            if whole is None and conninfo:
                whole = conninfo_value(text, match.start("bare"))
            if whole is None:
                whole = bare_value(text, match.start("bare"), syntax, line_start)
        if (syntax == YAML and whole in _BLOCK_INDICATORS) or (syntax == INI and whole == "\\"):
            # A YAML block scalar, or a .properties value continued on the next line.
            block = _single_line_block(text, match.end("bare"))
            if block is not None:
                candidate = _candidate(
                    block,
                    config,
                    literal_line=True,
                    whole=block.group("bare"),
                    password_name=is_password_name(name, config),
                )
                if candidate is not None:
                    yield candidate
            continue
        if syntax == SHELL and whole == "\\":
            # `--password \` and the value on the next line: the line ends in a continuation.
            continued = _CONTINUED_WORD.match(text, match.end("bare"))
            if continued is not None and text.startswith("-", start):
                after = bare_value(text, continued.start("bare"), SHELL, continued.start("bare"))
                password = is_password_name(name, config)
                candidate = _candidate(
                    continued, config, literal_line=True, whole=after or "", password_name=password
                )
                if candidate is not None:
                    yield candidate
            continue
        covered = _bare_end(match, in_query, whole) if bare else 0
        # Whether the line is `NAME=value` matters only to a bare value (a quoted one is judged
        # the same either way), and finding it out costs a look back along the line per hit.
        literal = whole is not None or (bare and _is_env_line(text, start, match))
        plain = whole is not None and syntax in _STRING_SYNTAXES
        # A URL query value (`?user=app&password=…`) is text, never a name or an expression;
        # so is a password's value in a document (`bind_pw=…` in notes) and a conninfo value.
        password_name = is_password_name(name, config)
        text_value = literal or in_query or (password_name and syntax in (PROSE, TEXT)) or conninfo
        candidate = _candidate(match, config, in_query, text_value, whole, plain, password_name)
        if candidate is None and bare_text == "\\":
            # `password=\"…\"`: `_ASSIGN` read the value up to the backslash.
            candidate = _escaped_candidate(text, start, stop, name, config)
        elif candidate is None and (whole is not None or match.end() - match.start() >= _UUID_LEN):
            # (a UUID is 36 characters: most rejected values are shorter, and skip the call)
            candidate = _uuid_key(text, name, start, syntax, match, whole, config)
        if candidate is None or _key_beside_its_secret(lowered, start, name):
            continue
        if salt and len(candidate.value) < _SALT_MIN:
            continue
        if _is_named_ciphertext(text, start, name, candidate.value, syntax):
            continue
        yield candidate


def _escaped_candidate(
    text: str, start: int, stop: int, name: str, config: GenericConfig
) -> Candidate | None:
    """The secret in escaped quotes after the name at `start:stop` (`_escaped_value`), if any."""
    escaped = _escaped_value(text, start, stop)
    if escaped is None:
        return None
    return _candidate(escaped, config, password_name=is_password_name(name, config))


def _escaped_value(text: str, start: int, stop: int) -> re.Match[str] | None:
    """The value after the name at `start:stop` when both sit inside another string literal and
    the value is quoted with escaped quotes (`password=\\"…\\"`, `\\"token\\": \\"…\\"`): the
    string holds code or config of its own, whose quotes `_ASSIGN` would read as the string's end.
    An escaped quote after the name must close one before it (`\\"token\\"`)."""
    match = _ESCAPED_ASSIGN.match(text, stop)
    if match is None:
        return None
    close = match.group("close")
    return match if not close or text[max(0, start - 2) : start] == close else None


# A blob of 48+ bytes of base64: no password or API key is this long, ciphertext is.
_CIPHERTEXT = re.compile(r"[A-Za-z0-9+/]{64,}={0,2}")


def _is_named_ciphertext(text: str, start: int, name: str, value: str, syntax: str) -> bool:
    """A long base64 value that its name (`encrypted_password`) or, in YAML, its map (a
    Bitnami SealedSecret's `encryptedData:`) says is encrypted: ciphertext only a key kept
    elsewhere opens, meant to be committed. A short or non-base64 value there is no
    ciphertext and is judged as any (`encryption_key` names a key, not ciphertext)."""
    if not _CIPHERTEXT.fullmatch(value):
        return False
    if "encrypted" in name_words(name):
        return True
    if syntax != YAML:
        return False
    line_start = text.rfind("\n", 0, start) + 1
    indent = start - line_start
    # The map's entries are long lines (`_parent_key` reads a bounded line): walk back over
    # them whole, within a bounded window, to the first line indented less.
    window = text[max(0, line_start - _SEALED_REACH) : max(0, line_start - 1)]
    for line in reversed(window.split("\n")):
        stripped = line.lstrip(" \t")
        if not stripped or stripped.startswith("#"):
            continue
        if len(line) - len(stripped) < indent:
            opened = _OPENS_OBJECT.fullmatch(stripped.rstrip())
            return opened is not None and "encrypted" in name_words(opened.group("name"))
    return False


_SEALED_REACH = 32768  # characters looked back for the map's name: a few dozen sealed values


def _parent_key(text: str, start: int) -> str | None:
    """The name of the object or section holding the member at `start`: `Jwt` for `"Key"` in
    `"Jwt": {"Key": "…"}` (JSON, YAML: the nearest line above indented less) or under a
    `[jwt]` header (TOML, INI). Read for a bare `key`, whose parent says whose key it is
    (.NET reads `Jwt:Key`). Looks back a bounded number of lines."""
    floor = max(0, start - _BOUND)  # bounded, as every look back: a long line stays linear
    line_start = text.rfind("\n", floor, start) + 1 or floor
    indent = len(text[line_start:start]) - len(text[line_start:start].lstrip(" \t\"'"))
    end = line_start - 1
    for _ in range(_PARENT_LINES):
        if end <= 0:
            return None
        begin = text.rfind("\n", max(0, end - _BOUND), end) + 1 or max(0, end - _BOUND)
        line = text[begin:end]
        end = begin - 1
        stripped = line.lstrip(" \t")
        if not stripped.strip():
            continue
        header = _SECTION.fullmatch(stripped.rstrip())
        if header:
            return header.group("name").rsplit(".", 1)[-1]
        if len(line) - len(stripped) < indent:
            opened = _OPENS_OBJECT.fullmatch(stripped.rstrip())
            return opened.group("name") if opened else None
    return None


# A call that signs in with what it is given: `wandb.login(key=…)`, `client.authenticate(…)`.
_LOGIN_CALL = re.compile(
    r"(?<!\w)(?:log_?in|sign_?in|authenticate|authori[sz]e|auth)\((?:[^()\n]*,)?[ \t]*$"
)


def _is_login_argument(lowered: str, start: int) -> bool:
    """A bare `key` is an argument of a sign-in call (`wandb.login(key=…)`): the call says the
    key is a credential, as a parent object does for `stripe: key: …`. Elsewhere a `key` is a
    lookup's (`cache.get(key=…)`, `sorted(items, key=…)`)."""
    return _LOGIN_CALL.search(lowered, max(0, start - _BOUND), start) is not None


# The word before a blank-separated `key` in a sentence (`Datadog API key: …`).
_QUALIFIER_WORD = re.compile(r"[A-Za-z][\w-]{0,30}")
_WORD_BEFORE_REACH = 40  # a qualifier is a short word: a bounded look back


def _spelled_key_name(text: str, start: int, name: str, config: GenericConfig) -> str | None:
    """A document writes `api_key` as two words (`the Datadog API key: …`, `signing key is
    …`): the name they spell when the word before `key` qualifies it as in code, else None
    (`the primary key is …`, `press any key`)."""
    window = text[max(0, start - _WORD_BEFORE_REACH) : start]
    words = window.rstrip(" \t")
    if len(words) == len(window) or not words:
        return None  # glued to what comes before (`x.key`), or nothing before it
    word = words.rsplit(None, 1)[-1]
    if not _QUALIFIER_WORD.fullmatch(word) or (len(word) == len(words) and start > len(window)):
        return None  # not a word, or one the window cut: a qualifier is shorter
    spelled = f"{word}_{name}"
    return spelled if is_secret_name(spelled, config) else None


def _prose_candidate(
    text: str, stop: int, config: GenericConfig, password_name: bool
) -> Candidate | None:
    """The word a commit message gives after a secret's name, less the sentence's own closing
    punctuation (`(pw: …)` ends at the `)` that has no `(` of its own in the word). Prose names
    no variable: under a password's name a word-built value is the password."""
    match = _PROSE_VALUE.match(text, stop)
    if match is None:
        return None
    value = match.group("bare").rstrip(".,;")
    if value.endswith(")") and value.count(")") > value.count("("):
        value = value[:-1]
    return _candidate(match, config, literal_line=True, whole=value, password_name=password_name)


def _yaml_value_below(
    text: str, start: int, stop: int, config: GenericConfig, name: str
) -> Candidate | None:
    """`password:` ending its line and the value alone on the line below, indented deeper (a
    plain scalar YAML reads there): not a key opening a mapping (`password:` / `  ref: x`,
    which has a blank) or a list, nor the first line of a scalar that runs on (prose)."""
    colon = _COLON_AT_END.match(text, stop)
    if colon is None:
        return None
    block = _single_line_block(text, colon.end())
    if block is None or block.group("bare").endswith(":") or block.group("bare")[0] in "#-":
        return None
    floor = max(0, start - _BOUND)
    key_indent = start - (text.rfind("\n", floor, start) + 1 or floor)
    if len(block.group("indent")) <= key_indent:
        return None
    password = is_password_name(name, config)
    return _candidate(
        block, config, literal_line=True, whole=block.group("bare"), password_name=password
    )


def _flag_item_value(
    text: str, start: int, stop: int, config: GenericConfig, name: str
) -> Candidate | None:
    """A command's words as a YAML list (compose `command:`, Kubernetes `args:`): the item
    after a flag item (`- --requirepass` / `- "…"`) is the flag's value. Only an item at the
    flag's own indent counts, and not another flag; the flag may be quoted (`- "--password"`)."""
    quote = _line_prefix(text, start)[1:].strip()
    if not _line_prefix(text, start).startswith("-") or quote not in ("", '"', "'"):
        return None
    if quote:
        if not text.startswith(quote, stop):
            return None
        stop += 1
    item = _FLAG_ITEM.match(text, stop)
    if item is None:
        return None
    floor = max(0, start - _BOUND)
    line_start = text.rfind("\n", floor, start) + 1 or floor
    if item.group("indent") != text[line_start:start].split("-", 1)[0]:  # the flag's indent
        return None
    password = is_password_name(name, config)
    return _candidate(
        item, config, literal_line=True, whole=item.group("bare"), password_name=password
    )


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
    password = is_password_name(setter.group("rest"), config)
    return None if call is None else _candidate(call, config, password_name=password)


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
            name = match.group("name")
            bare = group == "value" and trigger == "name:"
            if value_is_secret(value, bare, config, passphrase=is_password_name(name, config)):
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
    password_name: bool = False,
) -> Candidate | None:
    """The secret in `match`, if any; `whole` is the unquoted value as the file's syntax reads
    it (to the end of the line in .env, YAML, INI), None where code's expression rules apply.
    `plain`: the file has no expressions, tags or anchors (.env, INI), so an unquoted value is
    judged as a quoted string is (`(nF,…` is a password there, not a call). `password_name`:
    a passphrase counts, unless the value is a bare word in code (a variable's name)."""
    names = match.re.groupindex
    if "prefix" in names and "f" in (match.group("prefix") or "").lower():
        return None  # f-strings interpolate: `{…}` is a reference, never a literal
    # Every pattern read here gives its value in one of these groups, alternatives of one
    # another and closing last: `lastgroup` names it (no dict of every group per hit).
    group = match.lastgroup
    if group in _VALUE_GROUPS:
        value = match.group(group)
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
            parens = "paren" in names and match.group("paren") is not None
            value, end = _join_literals(match.string, match.end(), value, end, parens)
            if parens and not _CLOSING_PAREN.match(match.string, end + 1):
                return None  # `("user", "…")`, `("…" if x else y)`: a tuple or an expression
        passphrase = password_name and (not bare or literal_line or plain)
        if value_is_secret(value, bare and not plain, config, literal_line, passphrase):
            return Candidate(start, end, value)
        return None
    return None


def _join_literals(
    text: str, pos: int, value: str, end: int, parens: bool = False
) -> tuple[str, int]:
    """`value` joined with the literals concatenated to it (`"wJal…" + "…KEY"`, PHP's `.`,
    Python's adjacent literals after `\\` or inside the value's `parens`), and where the last
    one ends: the value is judged whole, so a placeholder word in any piece counts, and a key
    split in two (or over lines) is still one key."""
    if text[pos : pos + 1] not in _JOIN_OPENERS:
        return value, end  # most values: nothing joined, and no pattern tried
    adjacent = _ADJACENT if parens else _CONTINUED
    for _ in range(_PIECES_MAX):  # bounded: a line of `"" + "" + …` costs each hit little
        more = _CONCATENATED.match(text, pos) or adjacent.match(text, pos)
        if more is None or len(value) >= _VALUE_MAX:
            break
        piece = more.group("dq") if more.group("dq") is not None else more.group("sq")
        value, end, pos = value + piece, more.end() - 1, more.end()
    return value, end

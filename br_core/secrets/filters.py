"""Cheap named heuristics that tell a credential from things shaped like one.

Each filter answers one question about a candidate value (is it templated, a placeholder, a
hash, a UUID, a local-development default...). The rule engine (secret_rules.py) and the
assignment rule (secret_generic.py) combine them; every filter is a pure function.
"""

from __future__ import annotations

import itertools
import math
import operator
import re
from collections import Counter
from functools import lru_cache

_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_PASSWORD_HASH = re.compile(
    r"\$(?:2[abxy]?|argon2(?:id|i|d)|[156]|y|gy|7|scrypt|pbkdf2[-\w]*)\$|"
    r"(?:pbkdf2_sha\d+|bcrypt_sha256|argon2|scrypt)\$|\{(?:SSHA|SHA|SMD5|CRYPT)\}"
)
_DIGEST = re.compile(r"(?i)^(?:sha(?:1|224|256|384|512)|md5)[-:=]")
# Maven's encrypted `<password>{…=}</password>` (settings-security.xml holds the master key):
# base64 in braces, ciphertext meant to be committed.
_MAVEN_ENCRYPTED = re.compile(r"\{[A-Za-z0-9+/]{12,}={0,2}\}")
# Jasypt's `ENC(…)` property values (Spring Boot, jasypt-maven-plugin): base64 of the salt, IV
# and ciphertext, decrypted at start-up with a password kept outside the repository. Its
# plain-text twin `DEC(…)`, which the plugin encrypts later, is no ciphertext.
_JASYPT_ENCRYPTED = re.compile(r"ENC\([A-Za-z0-9+/_-]{16,}={0,2}\)")
# A PowerShell cmdlet (`ConvertTo-SecureString`, `Get-Content`): Verb-Noun in title case, a
# command an unquoted value calls, not a literal.
_CMDLET = re.compile(r"[A-Z][a-z]+(?:[A-Z][a-z]+)?-[A-Z][a-z]+(?:[A-Z][a-z]*)*")
# An address ends in a top-level domain of letters in one case (`.com`, `.IO`): a random key
# holding `@` and `.` (a Django SECRET_KEY) rarely ends so.
_EMAIL = re.compile(r"^[^@\s]+@(?:[A-Za-z0-9-]+\.)+(?:[a-z]{2,24}|[A-Z]{2,24})$")
_DOTTED_IDENTIFIER = re.compile(r"^[A-Za-z_$][\w$]*(?:(?:\.|::|->)[A-Za-z_$][\w$]*)+(?:\(\))?$")
_ENV_NAME = re.compile(r"[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+")
_NAMESPACED = re.compile(r"[A-Za-z_]\w*(?:::[A-Za-z_]\w*){2,}")
# A word (`Schlüssel` too: any lowercase letters after the first), an acronym, or a number.
# Numeronyms (`k8s`, `i18n`, `a11y`) are words too.
_SEGMENT = r"(?:[A-Za-z][^\W\d_A-Z]*[0-9]{0,2}|[a-z][0-9]{1,2}[a-z]{1,2}|[A-Z]{2,5}|[0-9]+)"
_WORDS = re.compile(rf"{_SEGMENT}(?:[-_.:/]{_SEGMENT})+")
_WORD_RUN = re.compile(r"[A-Z][a-z]{2,}|[a-z]{3,}")
_VOWEL = re.compile(r"[aeiouyAEIOUY]")
_CONSONANTS4 = re.compile(r"[b-df-hj-np-tv-xzB-DF-HJ-NP-TV-XZ]{4}")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CAMEL_WORDS = re.compile(r"[A-Za-z][a-z]{1,}(?:[A-Z][a-z]{1,})+[0-9]?")
_NON_SECRET_WORDS = frozenset(
    [
        "true",
        "false",
        "yes",
        "no",
        "on",
        "off",
        "null",
        "none",
        "nil",
        "undefined",
        "required",
        "optional",
        "string",
        "str",
        "int",
        "bool",
        "bytes",
        "secret",
        "password",
        "token",
        "any",
        "object",
    ]
)
_TEMPLATE_MARKERS = (
    "os.environ",
    "getenv",
    "process.env",
    "import.meta.env",
    "env(",
    "env[",
    "environ[",
    "vault:",
    # Azure App Service and Functions resolve these references from Key Vault or App
    # Configuration at run time: the value names where the secret lives.
    "@microsoft.keyvault(",
    "@microsoft.appconfiguration(",
    "ssm:",
    "arn:",
    "secretsmanager",
    "!ref",
    "!sub",
    "!getatt",
    "lookup(",
    "var.",
    "local.",
    "data.",
)
# Template syntax counts only when it is well formed: a random password is full of `{`, `<%`,
# `%(`, `[[` and `$(` pieces, while a template opens and closes (`${X}`, `{{ x }}`, `<% x %>`,
# `%(name)s`, `#{x}`, `$(cmd)`, `[[x]]`, `<token>`, and format fields `{}`, `{0}`, `{name:>8}`).
_TEMPLATE_FORMS = re.compile(
    r"\$\{[^{}]*\}|\{\{.*?\}\}|\{%.*?%\}|<%.*?%>|%\(\w+\)[-#0 +]*\d*[sdrfixXeEgG]"
    r"|#\{[^{}]*\}|\$\([^()]*\)|\[\[.*?\]\]"
)
# `ghp_<token>`, `sk_live_<your key>`, `<YOUR_API_KEY>`: words to fill in. Words carry a digit
# inside them once at most (`oauth2Token`, `base64string`); letters broken by digits twice or
# more (`<DLY5gHzi1e5PIb…>`, part of a random WordPress salt) are random, no fill-in.
_FILL_IN = re.compile(r"<([A-Za-z][\w -]{2,40})>")
_DIGITS_INSIDE = re.compile(r"[A-Za-z]\d+(?=[A-Za-z])")
# A format field (`{}`, `{0}`, `{name!r}`, `{name:>8}`: the conversion is `!r`, `!s` or `!a`)
# counts only in a value whose brackets all pair: a format string is written by a person, while
# a random password's `{}` or `{x}` comes with brackets that do not (`M)4(kVc{}s,`,
# `AJk{D{]L2-E{}({J…`).
_FORMAT_FIELD = re.compile(r"\{[\w.]*(?:![rsa])?(?::[^{}]*)?\}")
_BRACKET_PAIRS = {")": "(", "]": "[", "}": "{"}
_BRACKETS = re.compile(r"\\.|[()\[\]{}]")  # an escaped bracket (`\]` in a pattern) pairs nothing
# A whole value that is one interpolated call or subscript, `"{password(r)}"` or `{cfg["k"]}`
# inside an f-string or a `.format` template: code that builds the value at run time. Anchored,
# so linear.
_INTERPOLATED_CALL = re.compile(r"\{[A-Za-z_][\w.]*(?:\(.*\)|\[.*\])\}")
# The same call cut short by a quote inside it (`f'"{PEM.format("")}…'` read from `"` to `"`):
# an interpolation opened and never closed in the value.
_CUT_INTERPOLATION = re.compile(r"\{[A-Za-z_][\w.]*[(\[][^{}]*")
# Each a string of alternatives searched in one call: one compiled pass per value, not one
# substring search per marker (a file dense with findings checks every value).
_TEMPLATE_MARKER = re.compile("|".join(map(re.escape, _TEMPLATE_MARKERS)))
_TEMPLATE_OPENING = re.compile(r"\$[A-Za-z_{(]|%[A-Za-z_]\w*%(?:$|[\\/;])|<[A-Za-z_ -]+>")
_YAML_NAME = re.compile(r"!?[A-Za-z][\w.-]*")
_TEMPLATE_START = ("$", "<", "{", "!", "*", "&", "@", "[", "(")
# `env:ACCESS_TOKEN`: a value naming the environment variable that holds the secret (the
# `env:` source of config loaders, like `vault:` and `file:` for theirs), not the secret.
_ENV_REFERENCE = re.compile(r"env:[A-Za-z_][A-Za-z0-9_]{0,127}", re.IGNORECASE)
_URL_EXAMPLE_WORDS = (
    "secret", "password", "passwd", "pass", "pwd", "foo", "bar", "baz", "%20", "example",
    "test", "changeme", "xxx", "***", "sample", "dummy",
)  # fmt: skip
_REGEX_MARKERS = ("(?", "\\d", "\\s", "\\w", "\\b", ".*", ".+", "[^", "|(", ")|")
_REGEX_MARKER = re.compile("|".join(map(re.escape, _REGEX_MARKERS)))
_REGEX_CLASS = re.compile(r"\[[^\]]+\][+*{]")
_DRIVE_PATH = re.compile(r"^[A-Za-z]:\\")
_PATH = re.compile(r"^(?:~[\w.-]{0,32}|\.{1,2})?(?:/[\w.@+-]+)+/?$")  # `~user/…` too
_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "0.0.0.0", "::1", "host.docker.internal"})


# SHA-256 of keys printed in providers' public documentation (Stripe's docs test keys, the
# Telegram Bot API's example token): they are in countless tutorials and are not anyone's
# secret. Stored as hashes so this file holds no key, by the key's length: a value of any
# other length (nearly every one a file dense with findings holds) is hashed for nothing.
_DOCUMENTED_EXAMPLES = {
    32: frozenset(
        {
            "2cafc0970149a84f3b9e62eaf169f36f59907a3b3e31f7b82e68c69cd27f7326",
            "f2d6ca16515033e5dce14eba840b979d27b5cbae24bb3e5bf484339667f86397",
        }
    ),
    41: frozenset({"731fa294d036e54f19df879bfcd4fe72d967dc6327800c5f74a48414a3f258c9"}),
}
# jwt.io's example token (`"name": "John Doe"`), whatever key it was re-signed with.
_JWT_IO_EXAMPLE = {"sub": "1234567890", "name": "John Doe", "iat": 1516239022}


def is_documented_example(secret: str) -> bool:
    """A key published in a provider's documentation as an example."""
    digests = _DOCUMENTED_EXAMPLES.get(len(secret))
    return digests is not None and value_digest(secret) in digests


def value_digest(value: str) -> str:
    """SHA-256 of `value` in hex: what a baseline, a whitelist entry and the documented examples
    name a secret by. `surrogatepass`: text from a file holds no surrogate (files are decoded
    with replacement), but text from JSON can (`"\\ud800"`), and a digest must not raise."""
    import hashlib  # local: most scans never get here

    return hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest()


def shannon_entropy(value: str) -> float:
    """Bits per character of `value` (0.0 for the empty string)."""
    if not value:
        return 0.0
    # Counts in first-occurrence order, counted in C: every value a file dense with findings
    # holds pays for this. A short random value repeats no character (nine 1s): no count made.
    if len(set(value)) == len(value):
        return _entropy_of_counts((1,) * len(value), len(value))
    return _entropy_of_counts(tuple(Counter(value).values()), len(value))


@lru_cache(maxsize=1024)
def _entropy_of_counts(counts: tuple[int, ...], length: int) -> float:
    """The entropy of a value from its counts, remembered: values of one length share few
    count sequences (a random 9-character one is mostly nine 1s, or one 2 among 1s), so a file
    dense with findings computes each once. The products are summed in the counts' order, so
    every bit of the result is what the value alone would give."""
    shares = [count / length for count in counts]
    bits: float = sum(map(operator.mul, shares, map(math.log2, shares)))
    return -bits


_ASCII_DIGIT = re.compile("[0-9]")


def char_classes(value: str) -> int:
    """How many of lower, upper, digit and other characters `value` uses."""
    if value.isascii() and value:
        # The same four questions as whole-string calls in C: in ASCII a lower-case letter is
        # what `upper()` changes, a digit is 0-9, and `isalnum` fails only on the others.
        has_lower, has_upper = value.upper() != value, value.lower() != value
        return has_lower + has_upper + bool(_ASCII_DIGIT.search(value)) + (not value.isalnum())
    lower = upper = digit = other = 0
    for ch in value:
        if ch.islower():
            lower = 1
        elif ch.isupper():
            upper = 1
        elif ch.isdigit():
            digit = 1
        else:
            other = 1
    return lower + upper + digit + other


def class_switches(value: str) -> int:
    """Adjacent pairs whose character class differs: high in random strings, low in words."""

    def kind(ch: str) -> int:
        return 0 if ch.islower() else 1 if ch.isupper() else 2 if ch.isdigit() else 3

    kinds = [kind(ch) for ch in value]
    return sum(1 for a, b in itertools.pairwise(kinds) if a != b)


def contains_any(value: str, words: frozenset[str] | tuple[str, ...]) -> bool:
    lowered = value.lower()
    return any(word in lowered for word in words)


def placeholder_matcher(words: tuple[str, ...]) -> re.Pattern[str]:
    """A regex for placeholder words in lowercase text. Short plain words (`todo`, `fake`) must
    stand alone (`fake-key`, `test123`), so random tokens that happen to contain them
    (`…tTOdoQ6…`, `U&Devw`) still count; longer words and symbols (`example`, `****`) match
    anywhere. Only whether it matches is used: the words are written as a trie whose every
    branch opens with a letter (the stand-alone test comes after it), so the engine skips each
    position no word starts at instead of trying every word there: a third of the time per value."""
    plain = {w for w in words if w.isalnum() and len(w) < 5}
    other = {w for w in words if w not in plain}
    # A word holding another is found by the shorter one: only the shortest are searched for.
    other = {w for w in other if not any(o != w and o in w for o in other)}
    parts = [
        f"{re.escape(head)}(?<![a-z0-9]{re.escape(head)}){_trie(rests)}(?![a-z])"
        for head, rests in _by_first_character(plain)
    ]
    parts += [re.escape(head) + _trie(rests) for head, rests in _by_first_character(other)]
    return re.compile("|".join(parts) or "(?!)")


def _by_first_character(words: set[str] | list[str]) -> list[tuple[str, list[str]]]:
    """`words` grouped by their first character (sorted): (character, the rests)."""
    groups: dict[str, list[str]] = {}
    for word in sorted(words):
        groups.setdefault(word[:1], []).append(word[1:])
    return sorted(groups.items())


def _trie(words: list[str]) -> str:
    """A regex matching exactly `words`, one branch per first character."""
    groups = _by_first_character(words)
    ends = bool(groups) and groups[0][0] == ""  # one of `words` is empty: it may end here
    branches = [re.escape(head) + _trie(rests) for head, rests in groups if head]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    return f"(?:{body})?" if ends else body


def is_templated(value: str, bare: bool = True) -> bool:
    """`${X}`, `{{ x }}`, `$VAR`, `%VAR%`, `<your-key>`, env look-ups and secret references.
    YAML anchors, tags and code (`*x`, `!Ref`, `(…)`) count only for unquoted values."""
    if bare and value.startswith(_TEMPLATE_START):
        # `*alias` and `&anchor` are YAML only when the rest is a plain name.
        return value[0] not in "*&!@" or bool(_YAML_NAME.fullmatch(value[1:]))
    if _TEMPLATE_OPENING.match(value) or _TEMPLATE_MARKER.search(value.lower()):
        return True
    if value.isalnum():
        return False  # every form below is written with punctuation: `:`, `$`, `{`, `<`, `%`
    if _ENV_REFERENCE.fullmatch(value):
        return True
    if _TEMPLATE_FORMS.search(value) is not None or _INTERPOLATED_CALL.fullmatch(value):
        return True
    if "<" in value and any(
        len(_DIGITS_INSIDE.findall(inner)) < 2 for inner in _FILL_IN.findall(value)
    ):
        return True
    if _FORMAT_FIELD.search(value) is not None and _brackets_pair(value):
        return True
    return _CUT_INTERPOLATION.fullmatch(value) is not None


def _brackets_pair(value: str) -> bool:
    """Every `(`, `[` and `{` in `value` closed in order by its own kind, and nothing else."""
    opened: list[str] = []
    for bracket in _BRACKETS.findall(value):
        if bracket[0] == "\\":
            continue
        if bracket in "([{":
            opened.append(bracket)
        elif not opened or opened.pop() != _BRACKET_PAIRS[bracket]:
            return False
    return not opened


_FEW_DISTINCT = 16


def is_low_variety(value: str) -> bool:
    """`xxxxxxxx`, `00000000`, `abababab`, or an ascending run like `abcdefgh`/`12345678`.
    A tenth of the length in distinct characters is few for a short value; a long one counts
    no more than hex's 16 (base64 has 65 in all: a 14-line key block is no repetition)."""
    if len(set(value)) <= max(3, min(len(value) // 10, _FEW_DISTINCT)):
        return True
    if len(value) > 1 and not 0 <= ord(value[1]) - ord(value[0]) <= 1:
        return False  # the first step already breaks both runs: most values stop here
    codes = list(map(ord, value))
    steps = set(map(operator.sub, codes[1:], codes))
    return steps <= {1} or steps <= {0, 1}


# A Datadog client token (`pub` and 32 hex digits): made to ship in browser and mobile apps
# (RUM, browser logs), it can only send data, as a Stripe `pk_` or a Mapbox `pk.` key.
_DATADOG_CLIENT_TOKEN = re.compile(r"pub[0-9a-f]{32}")


def is_uuid(value: str) -> bool:
    return _UUID.fullmatch(value) is not None


def is_known_non_secret(value: str) -> bool:
    """UUIDs, password hashes, digests, data URIs, e-mail addresses, paths, URLs, ARNs."""
    lowered = value.lower()
    if lowered in _NON_SECRET_WORDS:
        return True
    if lowered.startswith("pub") and _DATADOG_CLIENT_TOKEN.fullmatch(value):
        return True
    if value.startswith("eyJ") and _is_jwt_header(value):
        return True
    if value.isalnum():
        return False  # every form below holds punctuation: `-`, `$`, `{`, `(`, `:`, `/`, `@`
    if _UUID.fullmatch(value) or _PASSWORD_HASH.match(value) or _DIGEST.match(value):
        return True
    if lowered.startswith(("enc[", "$ansible_vault")) or _MAVEN_ENCRYPTED.fullmatch(value):
        return True  # SOPS / Ansible Vault / Maven ciphertext: encrypted at rest, safe to commit
    if _JASYPT_ENCRYPTED.fullmatch(value):
        return True
    if lowered.startswith(("data:", "arn:", "pk_", "pk.", "file:", "sha256:", "md5:", "ssh-")):
        return True
    if "://" in value and "@" not in value:
        return True
    if _DRIVE_PATH.match(value) or (
        _PATH.match(value) and class_switches(re.sub(r"[/._@+-]", "", value)) < len(value) / 4
    ):
        return True  # a path (`/run/secrets/db`), not base64 that happens to start with `/`
    return bool(_EMAIL.match(value))


def _is_jwt_header(value: str) -> bool:
    """A JWT's first segment alone (`eyJhbGciOiJIUzI1NiIs…J9.`, the token's public header,
    often a constant that code joins to a payload and a signature): no secret in it."""
    header = value.removesuffix(".")
    return "." not in header and len(header) <= 400 and "alg" in (_b64url_json(header) or {})


def looks_like_code_reference(value: str) -> bool:
    """An unquoted value that is an expression, not a literal (`settings.KEY`, `get()`,
    PowerShell's `ConvertTo-SecureString …`)."""
    if any(ch in value for ch in "()[]{}"):
        return True
    if _DOTTED_IDENTIFIER.match(value) or _CMDLET.fullmatch(value):
        return True
    if len(value) >= 16 and all(ch in "0123456789abcdefABCDEF" for ch in value):
        return False  # a hex key, not a name
    if _IDENTIFIER.match(value):
        # Identifiers are words (snake_case, camelCase, UPPER_CASE); random tokens switch
        # character class constantly and usually hold a digit.
        if value.isupper() or (value.islower() and not any(ch.isdigit() for ch in value)):
            return True
        if _CAMEL_WORDS.fullmatch(value):
            return True  # `ScanResult`, `tokenValue`: a type or a variable
        if len(value) >= 12:
            return False  # long and not word-shaped: wordiness() judges it later
        return class_switches(value) < len(value) / 4
    return False


def is_word_identifier(value: str) -> bool:
    """`GITHUB_TOKEN`, `br-sql-injection`, `pkg.module:main`, `Permission`, and a name in three
    or more `::` parts (`AWS::S3::DisableS3ExpressSessionAuth`, `std::env::var`): names."""
    stripped = value.strip("-_.:/")
    if stripped.isalpha() and (stripped.islower() or stripped.isupper() or stripped.istitle()):
        return True
    if "::" in stripped and _NAMESPACED.fullmatch(stripped):
        return True
    return bool(_ENV_NAME.fullmatch(stripped) or _WORDS.fullmatch(stripped))


# Passwords built from words, as generators and people make them: two to six dictionary words
# joined by `-`, `_` or `.` (or run together by their capitals) and then a number, perhaps one
# symbol (`meadow-amber-thunder-pixel19`, `FalconLantern3108!`, `HarborCanyon8594`). Two words
# need two digits or more, as do capitalised words: names and labels rarely end so. Words a
# separator joins may each be capitalised or not (`cobalt_Pepper88`, `Thistle.raven16`):
# generators capitalise one word at random. People join two words with a number and a symbol
# (`Harbor52&lantern7`): no name holds a symbol there.
_WORD_PASSWORD = re.compile(
    r"(?:[A-Za-z][a-z]{2,11}[0-9]{1,4}[!#$%&*+=?@^~][A-Za-z][a-z]{2,11}[0-9]{0,4}"
    r"|[A-Za-z][a-z]{2,11}(?:[-_.][A-Za-z][a-z]{2,11}){2,5}[-_.]?[0-9]{1,6}"
    r"|[A-Za-z][a-z]{2,11}[-_.][A-Za-z][a-z]{2,11}[-_.]?[0-9]{2,6}"
    r"|[A-Z][a-z]{2,11}(?:[-_.]?[A-Z][a-z]{2,11}){1,5}[-_.]?[0-9]{2,6})"
    r"[!#$%&*+.=?@^~]?"
)


def is_word_password(value: str, taken: frozenset[str]) -> bool:
    """Dictionary words and a number in a generated password's shape (`_WORD_PASSWORD`):
    wordy by design, so `wordiness()` must not excuse it. Every run must read as a word (a
    random `Jkrudf` does not), and a word from `taken` (`password`, `secret`:
    `db-password-01`) makes it a label."""
    if not 8 <= len(value) <= 80 or not _WORD_PASSWORD.fullmatch(value):
        return False
    words = [w.lower() for w in _WORD_RUN.findall(value)]
    return all(map(_is_wordlike, words)) and taken.isdisjoint(words)


# The letters people type digits and symbols for (`pa$$w0rd`, `S3cr3t`, `@dmin`).
_UNLEET = str.maketrans("013457$@", "oieastsa")


def is_fixture_value(value: str, taken: frozenset[str]) -> bool:
    """A value a test writes by hand: words once its typed-for letters are read back
    (`pa$$word-fixture`, `Sup3rS3cret!`). A generated passphrase (`is_word_password`) and a
    random value are no fixture's: a real key committed in a test file is still a leak."""
    if is_word_password(value, taken):
        return False
    return wordiness(value.translate(_UNLEET)) >= _FIXTURE_WORDINESS


_FIXTURE_WORDINESS = 0.8


def wordiness(value: str) -> float:
    """Share of `value` made of dictionary-like runs (`Private`, `key`): high for type and
    variable names such as `Ed25519PrivateKey`, low for random tokens."""
    if not value:
        return 0.0
    runs = (run for run in _WORD_RUN.findall(value) if _is_wordlike(run))
    return sum(len(run) for run in runs) / len(value)


def _is_wordlike(run: str) -> bool:
    """English-like letters: vowels make up a quarter or more and no four consonants in a row
    (`Private`, `Key`, `maple`), unlike random runs such as `Jkrudf` or `Wcdpceahzkzdw`."""
    vowels = len(_VOWEL.findall(run))
    return vowels * 4 >= len(run) and not _CONSONANTS4.search(run)


_REGEX_SYNTAX = re.compile(r"[\\\[\]()|^$?{]")
# Escapes, classes (escapes inside them too) and counts: what a written pattern brackets with.
# (A pattern in a string literal's source doubles its backslashes: `[^\\]]` there is `[^\]]`.)
_REGEX_WELL_FORMED = re.compile(r"\\.|\[\^?\]?(?:\\+[^\\]|[^\]\\])*\]|\{\d*,?\d*\}")


def looks_like_regex(value: str) -> bool:
    """A pattern, not a punctuated password: regex syntax that also compiles (a random
    password's `)|`, `[^` or `.*` rarely leaves its brackets balanced)."""
    if not (_REGEX_MARKER.search(value) or _REGEX_CLASS.search(value)):
        return False
    if not _REGEX_SYNTAX.search(value.replace(".*", "").replace(".+", "")):
        return False  # `6CBc…W.*MXh…`: a `.*` a random password holds by chance, and no more
    try:
        re.compile(value)
    except re.error:
        return False
    # Python forgives a stray `]`, `{` or `}` as a literal; a written pattern escapes them or
    # uses them as classes and counts (`[a-z]{2,}`), a random `mF]1>[j…;]{Gq` does not.
    bare = _REGEX_WELL_FORMED.sub("", value)
    return not any(ch in bare for ch in "]{}")


def is_dev_default_url(user: str, password: str, host: str, dev_defaults: frozenset[str]) -> bool:
    """A URL password that is a documented local default (`postgres:postgres@localhost`)."""
    lowered = password.lower()
    if lowered in dev_defaults or lowered == user.lower() or is_templated(password):
        return True
    if contains_any(lowered, _URL_EXAMPLE_WORDS):
        return True
    if host.lower() in _LOCAL_HOSTS or "." not in host:
        # Local and compose-service hosts: only a random-looking password is a real one.
        return len(password) < 10 or shannon_entropy(password) < 3.0
    return False


def pem_body_is_key(body: str) -> bool:
    """The body of a PEM/OpenSSH block holds key material, not `...` or `<your key>`."""
    body = re.sub(r"(?m)^\s*(?:Proc-Type|DEK-Info|Comment|Version|Hash):[^\n]*", "", body)
    # Line breaks may be real, escaped (`\n` in JSON) or string concatenations in code.
    compact = re.sub(r"\\[nr]|[\"'+,;\s\\]", "", body)
    material = re.sub(r"[^A-Za-z0-9+/=]", "", compact)
    if len(material) < 64 or len(material) < 0.95 * len(compact):
        return False
    return shannon_entropy(material) >= 4.0


def _b64url_json(part: str) -> dict[str, object] | None:
    import base64  # local: only JWT findings need it, and the hook's start-up time counts
    import binascii
    import json

    try:
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        value = json.loads(raw.decode("utf-8"))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def base64_text(value: str) -> str | None:
    """`value` decoded as strict base64 when that gives ASCII text (`dXNlcm5hbWU6cGFzc3dvcmQ=`
    is `username:password`), else None."""
    import base64  # local: only basic-auth tokens and prose words that pass every other test

    try:
        return base64.b64decode(value, validate=True).decode("ascii")
    except ValueError:  # binascii.Error and UnicodeDecodeError are ValueErrors
        return None


def is_placeholder_basic(token: str, dev_defaults: frozenset[str], words: re.Pattern[str]) -> bool:
    """`Basic dXNlcm5hbWU6cGFzc3dvcmQ=` is `username:password`: a basic-auth token whose
    decoded password is a documented default or a placeholder word is an example."""
    decoded = base64_text(token)
    if decoded is None:
        return False
    _, colon, password = decoded.partition(":")
    lowered = password.lower()
    return bool(colon) and (lowered in dev_defaults or words.search(lowered) is not None)


def is_public_jwt(token: str) -> bool:
    """Unsigned (`alg: none`) tokens, Supabase-style anonymous keys and jwt.io's example are
    meant to be public."""
    parts = token.split(".")
    if len(parts) != 3:
        return False
    header = _b64url_json(parts[0]) or {}
    payload = _b64url_json(parts[1]) or {}
    if payload == _JWT_IO_EXAMPLE:
        return True
    return str(header.get("alg", "")).lower() == "none" or payload.get("role") == "anon"


# Words that mark a made-up token when written whole in one case inside it
# (`sk_live_TESTKEYDONOTUSE…`, `ghp_example…`). Random tokens hold one by chance about once in
# 10^5 (four given letters in one case at one of ~40 places).
_PLACEHOLDER_TOKEN_WORDS = re.compile(
    r"TEST|EXAMPLE|DUMMY|FAKE|SAMPLE|DONOTUSE|NOTREAL|PLACEHOLDER|INVALID"
    r"|test|example|dummy|fake|sample|donotuse|notreal|placeholder|invalid"
    r"|Test|Example|Dummy|Fake|Sample|DoNotUse|NotReal|Placeholder|Invalid"
)
_ORDER = "0123456789abcdefghijklmnopqrstuvwxyz"
# Every pair of characters one step apart in `_ORDER` or equal, in any case: the links of the
# counting and repeating runs `_made_up_share` measures.
_CLOSE_PAIRS = frozenset(
    a + b
    for i, x in enumerate(_ORDER)
    for y in _ORDER[max(0, i - 1) : i + 2]
    for a in {x, x.upper()}
    for b in {y, y.upper()}
)


def _made_up_at_least(body: str, share: float) -> bool:
    """`_made_up_share(body) >= share`, answered first from bounds counted in C: a run of
    4+ counting characters covers at most 4/3 of its links, and a repeated unit at most twice
    its matches. Random tokens (nearly every value checked) stop at a bound, which keeps a
    file dense with findings cheap per finding (issue 12 item 7). Non-ASCII bodies skip them:
    a few letters lower-case into `_ORDER` (the Kelvin sign into `k`)."""
    if not body.isascii():
        return _made_up_share(body) >= share
    needed = share * len(body)
    links, spare = _made_up_links(body)
    # `spare` characters that repeat an earlier one make at most spare*(spare+1)/2 equal pairs,
    # so at most that many matches: most random values stop here, before the matches are counted.
    if links + spare * (spare + 1) < needed:
        return False
    if links + _repeats(body) * 2 < needed:
        return False
    return _made_up_share(body) >= share


def _periods(length: int) -> range:
    """The unit lengths (2 to 8) whose repeats can cover part of `length` characters: a run
    covers only after `period + 2` matches, which follow the first `period` characters, so
    no period over (length - 2) / 2 covers anything (a 9-character value: 2 and 3, not 2-8)."""
    return range(2, min(8, (length - 2) // 2) + 1)


@lru_cache(maxsize=16)
def _made_up_links(body: str) -> tuple[float, int]:
    """4/3 of the counting links in `body`, and how many of its characters repeat an earlier
    one; remembered: a generic value is asked at two shares (`is_typed_run`, then
    `is_placeholder_token` on the same body)."""
    links = sum(map(_CLOSE_PAIRS.__contains__, map(operator.add, body, body[1:])))
    return links * 4 / 3, len(body) - len(set(body))


@lru_cache(maxsize=16)
def _repeats(body: str) -> int:
    """Characters equal to the one a period before them (only periods that can cover): every
    period's pairs in one `map`, the slices joined, not one generator step per period."""
    periods = _periods(len(body))
    heads = "".join([body[:-period] for period in periods])
    tails = "".join([body[period:] for period in periods])
    return sum(map(operator.eq, heads, tails))


def _made_up_share(body: str) -> float:
    """Share of `body` inside runs of 4+ characters that repeat one character, count up or
    down (`0123`, `abcd`, `9876`, hex's `89ab`), or repeat the 2-8 characters before them
    (`abcdabcd`): runs a random token almost never holds."""
    n = len(body)
    covered = [False] * n
    rank = [_ORDER.find(ch.lower()) for ch in body]
    start, step = 0, None  # the current run: from `start`, each character `step` after the last
    for i in range(1, n + 1):
        here = rank[i] - rank[i - 1] if i < n and min(rank[i], rank[i - 1]) >= 0 else None
        if here is not None and here == step and abs(here) <= 1:
            continue
        if i - start >= 4 and step is not None:
            covered[start:i] = [True] * (i - start)
        start, step = i - 1, here if here is not None and abs(here) <= 1 else None
    for period in _periods(n):  # a unit repeated: `abcdabcd…`, `a1b2a1b2…`
        run = 0
        for i in range(period, n):
            run = run + 1 if body[i] == body[i - period] else 0
            if run >= period + 2:
                covered[i - run - period + 1 : i + 1] = [True] * (run + period)
    return sum(covered) / n if n else 0.0


# A provider's prefix (`sk_live_`, `xoxb-`, `github_pat_`): the rest is the random part.
_TOKEN_PREFIX = re.compile(r"^(?:[A-Za-z0-9]{1,8}[_.-]){1,3}(?=[A-Za-z0-9_.-]{8})")


def is_placeholder_token(token: str) -> bool:
    """A provider token whose random part someone typed: a placeholder word in it, or half of
    it counting and repeated runs (`ghp_0123456789abcdef…`, `sk_live_TESTKEYDONOTUSE00000000`)."""
    prefix = _TOKEN_PREFIX.match(token)
    # A provider's prefix is shorter than the random part it names: a "prefix" as long as
    # what follows is dashed or dotted randomness (`s_P0dm6ig-0H.l71W…`), judged whole.
    body = token[prefix.end() :] if prefix and prefix.end() < len(token) / 2 else token
    if len(body) < 8:
        return False
    return bool(_PLACEHOLDER_TOKEN_WORDS.search(body)) or _made_up_at_least(body, 0.5)


def is_typed_run(value: str) -> bool:
    """A generic value made mostly of counting and repeated runs (`abcd1234abcd1234`): typed,
    not generated. Stricter than for tokens: a weak real password may hold one such run."""
    return len(value) >= 8 and _made_up_at_least(value, 0.75)

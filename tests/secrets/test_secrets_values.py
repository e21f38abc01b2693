"""Placeholders are not live keys (issue 17 item 8); values end where the file's syntax ends
them, and masking covers the whole value (item 9). Secret-shaped values are built at run time."""

from __future__ import annotations

import random
import string
import tomllib
from pathlib import Path

import pytest

from br_core.secrets.filters import (
    _made_up_at_least,
    _made_up_share,
    char_classes,
    is_documented_example,
    is_placeholder_token,
    is_typed_run,
    placeholder_matcher,
    value_digest,
)
from br_core.secrets.masking import mask_value
from br_core.secrets.rules import RULES_FILE, scan_text
from br_core.secrets.scanner import scan_files
from br_core.secrets.syntax import syntax_of
from tests.data.secrets_corpus import rand

R = random.Random(1717)
SEQ = "0123456789abcdef" * 3


def _prefixed(prefix: str, body: str) -> str:
    return prefix + body  # kept apart in the source: no token-shaped literal in the repo


PLACEHOLDERS = [
    (
        "stripe TEST word",
        'STRIPE_KEY = "' + _prefixed("sk_live_", "TESTKEYDONOTUSE" + "0" * 8) + '"',
    ),
    (
        "stripe DUMMY word",
        'stripe.api_key = "' + _prefixed("sk_live_", "DUMMY" + rand(R, "alnum", 20)) + '"',
    ),
    ("github counting hex", 'token = "' + _prefixed("ghp_", SEQ[:36]) + '"'),
    ("github repeated unit", 'token = "' + _prefixed("ghp_", "a1B2" * 9) + '"'),
    ("github Example word", 'GH = "' + _prefixed("ghp_", "Example" + rand(R, "alnum", 29)) + '"'),
    (
        "slack counting parts",
        'SLACK = "' + _prefixed("xoxb-", "1234567890-1234567890-abcdefghijklmnopqrstuvwx") + '"',
    ),
    (
        "openai sample",
        'OPENAI_API_KEY="' + _prefixed("sk-proj-", "SAMPLE" + rand(R, "url", 60)) + '"',
    ),
    ("anthropic fake", 'key = "' + _prefixed("sk-ant-api03-", "FAKE" + rand(R, "url", 91)) + '"'),
    ("generic counting password", 'db_password = "' + "abcd1234" * 2 + '"'),
    ("PEM header constant (JS)", 'const PEM_HEADER = "-----BEGIN ' + 'RSA PRIVATE KEY-----";'),
    (
        "PEM header constant (Python check)",
        'if text.startswith("-----BEGIN '
        + 'OPENSSH PRIVATE KEY-----"):\n    raise ValueError("key")',
    ),
    (
        "PEM header and footer around a variable",
        'pem = "-----BEGIN ' + 'PRIVATE KEY-----\\n" + body + "\\n-----END ' + 'PRIVATE KEY-----"',
    ),
    (
        "PEM regex",
        'PEM_RE = re.compile(r"-----BEGIN '
        + '[A-Z ]+PRIVATE KEY-----(.+?)-----END [A-Z ]+PRIVATE KEY-----", re.S)',
    ),
]

LIVE = [
    (
        "stripe",
        'STRIPE_KEY = "' + _prefixed("sk_live_", rand(R, "alnum", 24)) + '"',
        "stripe-secret-key",
    ),
    (
        "stripe test-mode key (the prefix says test, the body is random)",
        'k = "' + _prefixed("sk_test_", rand(R, "alnum", 24)) + '"',
        "stripe-secret-key",
    ),
    ("github", 'token = "' + _prefixed("ghp_", rand(R, "alnum", 36)) + '"', "github-token"),
    (
        "slack",
        'SLACK = "'
        + _prefixed(
            "xoxb-",
            rand(R, "digits", 11) + "-" + rand(R, "digits", 12) + "-" + rand(R, "alnum", 24),
        )
        + '"',
        "slack-token",
    ),
    ("hex api key", 'api_key = "' + rand(R, "hex", 32) + '"', "generic-secret"),
    (
        "password with a short run",
        'password = "' + "Qx7" + "1234" + rand(R, "pw", 8) + '"',
        "generic-secret",
    ),
]


@pytest.mark.parametrize(("title", "line"), PLACEHOLDERS, ids=[c[0] for c in PLACEHOLDERS])
def test_placeholders_are_not_flagged(title: str, line: str) -> None:
    assert scan_text(line + "\n") == [], title


@pytest.mark.parametrize(("title", "line", "rule"), LIVE, ids=[c[0] for c in LIVE])
def test_random_keys_are_still_flagged(title: str, line: str, rule: str) -> None:
    assert [m.rule_id for m in scan_text(line + "\n")] == [rule], title


def test_random_bodies_are_almost_never_placeholders() -> None:
    """The placeholder test's false-alarm rate on random tokens: below 1 in 2,000."""
    rng = random.Random(5)
    for charset, length in (("alnum", 36), ("hex", 32), ("url", 40), ("updig", 16)):
        hits = sum(is_placeholder_token("tok_" + rand(rng, charset, length)) for _ in range(2000))
        assert hits <= 1, (charset, hits)
        assert not any(is_typed_run(rand(rng, charset, length)) for _ in range(500))


PW = "Xk9" + rand(R, "alnum", 6)  # no `#`, `;` or spaces of its own: the cases add them
BOUNDARIES = [
    (".env", "DB_PASSWORD={a},{b};{c}\n", "{a},{b};{c}"),
    (".env.production", "export API_TOKEN={a};{b}#{c}   # rotated monthly\n", "{a};{b}#{c}"),
    ("settings.env", "SMTP_PASSWORD={a},{b}\n", "{a},{b}"),
    ("config.yaml", "db:\n  host: db\n  password: {a},{b};{c}\n", "{a},{b};{c}"),
    ("config.yml", "password: {a};{b} # from the vault\n", "{a};{b}"),
    ("config.yml", "db: {{password: {a};{b}, user: app}}\n", "{a};{b}"),
    ("app.ini", "[db]\npassword = {a},{b}\n", "{a},{b}"),
    ("app.properties", "spring.datasource.password={a};{b},{c}\n", "{a};{b},{c}"),
    ("settings.json", '{{"password": "{a},\\"{b};{c}"}}\n', '{a},\\"{b};{c}'),
    ("pyproject.toml", '[tool.x]\npassword = "{a};{b}"\n', "{a};{b}"),
    ("deploy.sh", "export DB_PASSWORD={a},{b}; ./run\n", "{a},{b}"),
    ("deploy.sh", "DB_PASSWORD='{a};{b} {c}' ./run\n", None),  # a space: not one credential
    ("app.py", 'password = "{a},{b};{c}"\n', "{a},{b};{c}"),
    ("app.js", "const password = '{a};{b}';\n", "{a};{b}"),
]


@pytest.mark.parametrize(("name", "template", "value"), BOUNDARIES)
def test_values_end_where_the_syntax_ends_them(
    name: str, template: str, value: str | None, tmp_path: Path
) -> None:
    parts = {"a": PW[:5], "b": PW[5:], "c": rand(R, "alnum", 4)}
    path = tmp_path / name
    path.write_text(template.format(**parts), encoding="utf-8")
    result = scan_files([path], tmp_path)
    if value is None:
        assert [f.masked for f in result.findings] in ([], [mask_value(PW[:5])]), name
        return
    whole = value.format(**parts)
    assert [f.masked for f in result.findings] == [mask_value(whole)], name
    assert PW not in "".join(f.message for f in result.findings)


NOT_VALUES = [
    ("app.py", "password = get_password(host, port)\n"),  # code: an expression
    ("app.js", "const password = config.db.password, user = 'app';\n"),
    (".env", "DB_PASSWORD=\nDB_USER=app\n"),  # empty: the next line is not the value
    (".env", "DB_PASSWORD=${VAULT_DB_PASSWORD} # from vault\n"),
    ("config.yml", "password: changeme # set in production\n"),
    ("config.yml", "db: {password: '', user: app}\n"),
    ("deploy.sh", 'export DB_PASSWORD="$1"; ./run\n'),
    ("app.ini", "[db]\npassword = ; set me\n"),
]


@pytest.mark.parametrize(("name", "text"), NOT_VALUES)
def test_what_is_not_a_value_stays_unflagged(name: str, text: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert scan_files([path], tmp_path).findings == []


# Every printable symbol a password generator may use, quotes and backslash aside (the line
# quotes the value): `{`, `}`, `<%`, `%(`, `[[`, `$(`, `)|` and `]*` come up by chance.
PUNCT = "".join(ch for ch in string.punctuation if ch not in "\"'\\`")


def _punctuated(rng: random.Random, length: int) -> str:
    return "".join(rng.choice(string.ascii_letters + string.digits + PUNCT) for _ in range(length))


@pytest.mark.parametrize(
    ("name", "template"),
    [
        ("settings.json", '{{"Password": "{pw}"}}\n'),
        ("pyproject.toml", 'password = "{pw}"\n'),
        ("db.py", 'conn = connect(host="db", password="{pw}")\n'),
        (".env", "SMTP_PASS='{pw}'\n"),
        ("app.ini", '[ldap]\nbind_password = "{pw}"\n'),
    ],
)
def test_punctuated_passwords_are_not_read_as_templates_or_patterns(
    name: str, template: str, tmp_path: Path
) -> None:
    """Random passwords full of symbols (issue 17: one in twenty was dropped as a "template"
    or a "regex" for holding `{…}`, `<%`, `]*` or `)|` by chance): nearly all are found."""
    rng = random.Random(name)
    found = 0
    for index in range(40):
        pw = _punctuated(rng, rng.randint(14, 28))
        path = tmp_path / f"{index}-{name}"
        path.write_text(template.format(pw=pw), encoding="utf-8")
        findings = scan_files([path], tmp_path).findings
        found += [f.masked for f in findings] == [mask_value(pw)]
    assert found >= 38, (name, found)


TEMPLATES_AND_PATTERNS = [
    'password = "{user}:{0}"',
    'password = "%(db_password)s"',
    "db_password = \"<%= ENV.fetch('DB_PW') %>\"",
    "api_token = \"#{ENV['TOKEN']}x9\"",
    'secret = "$(cat /run/secrets/db)"',
    'password = "{{ vault.db_password }}"',
    'password_re = "^[A-Za-z0-9]{12,}$"',
    'token = "[A-Fa-f0-9]+:[A-Za-z]{8}"',
    'secret = "(?P<key>[a-z]+)=(?P<value>.*)"',
]


@pytest.mark.parametrize("line", TEMPLATES_AND_PATTERNS)
def test_well_formed_templates_and_patterns_stay_unflagged(line: str) -> None:
    assert scan_text(line + "\n") == [], line


def test_the_made_up_bound_never_changes_a_verdict() -> None:
    """`_made_up_at_least` answers from a cheap bound first (issue 12 item 7): on random
    bodies, counting runs and repeated units it must agree with the exact share."""
    rng = random.Random(12)
    for _ in range(5000):
        body = rand(rng, rng.choice(["alnum", "hex", "digits", "pw"]), rng.randint(1, 30))
        at = rng.randint(0, len(body))
        body = body[:at] + SEQ[rng.randint(0, 9) :][: rng.randint(0, 8)] + body[at:]
        body += body[: rng.randint(1, 8)] * rng.randint(0, 3)
        for share in (0.5, 0.75):
            assert _made_up_at_least(body, share) == (_made_up_share(body) >= share), body


def _classes_char_by_char(value: str) -> int:
    """What `char_classes` counts, asked of each character in turn."""
    kinds = set()
    for ch in value:
        kinds.add("lower" if ch.islower() else "upper" if ch.isupper() else ch.isdigit())
    return len(kinds)  # True for a digit, False for any other character


def test_char_classes_of_ascii_text_agree_with_each_character() -> None:
    """ASCII values are classed by whole-string calls (issue 12 item 7); every ASCII
    character, and random mixes of them, must be classed as character by character."""
    rng = random.Random(7)
    ascii_chars = [chr(code) for code in range(128)]
    samples = ["", *ascii_chars, "é1", "Kelvin\u212a9"]
    samples += ["".join(rng.choices(ascii_chars, k=rng.randint(1, 12))) for _ in range(20000)]
    for value in samples:
        assert char_classes(value) == _classes_char_by_char(value), repr(value)


_LOWER_DIGITS = frozenset(string.ascii_lowercase + string.digits)


def _has_placeholder_word(words: list[str], text: str) -> bool:
    """What `placeholder_matcher` promises, word by word: a short plain word standing alone
    (no letter or digit before it, no letter after), any other word anywhere."""
    for word in words:
        plain = word.isalnum() and len(word) < 5
        at = text.find(word)
        while at >= 0:
            end = at + len(word)
            alone = (at == 0 or text[at - 1] not in _LOWER_DIGITS) and (
                end == len(text) or text[end] not in string.ascii_lowercase
            )
            if not plain or alone:
                return True
            at = text.find(word, at + 1)
    return False


def test_the_placeholder_trie_matches_exactly_what_the_words_say() -> None:
    """The matcher is written as a trie for speed (issue 12 item 7): on text built from the
    rules' own words, glued to letters, digits and separators and cut short, it must match
    exactly when one of the words is there as the docstring says, and only then."""
    raw = tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))["global"]["placeholder_words"]
    words = [str(w).lower() for w in raw]
    matcher = placeholder_matcher(tuple(words))
    rng = random.Random(7)
    glue = string.ascii_lowercase + string.digits + "-_.*<…"
    unflagged = 0
    for _ in range(20000):
        pieces = [
            rng.choice(words) if rng.random() < 0.4 else "".join(rng.choices(glue, k=5))
            for _ in range(rng.randint(0, 4))
        ]
        text = "".join(pieces)
        if text and rng.random() < 0.4:  # a word cut short is no word
            cut = rng.randrange(len(text))
            text = text[:cut] + text[cut + 1 :]
        expected = _has_placeholder_word(words, text)
        unflagged += not expected
        assert (matcher.search(text) is not None) == expected, text
    assert unflagged > 5000  # the texts that must NOT match were tried too


@pytest.mark.parametrize(
    ("name", "template"),
    [
        (
            "appsettings.json",
            '{{"Default": "Server=sql01;Database=shop;User Id=shop;Password={pw};"}}\n',
        ),
        ("Startup.cs", 'var cs = "Data Source=db; Initial Catalog=app; Password={pw}";\n'),
        (".env", "DB_URL=Driver={{ODBC}};Server=db;Uid=app;Pwd={pw};\n"),
    ],
)
def test_connection_string_fields_end_at_semicolons(
    name: str, template: str, tmp_path: Path
) -> None:
    """`Password=` inside `key=value;` connection strings runs to `;` (issue 17: a `,` in the
    password cut it short and what was left looked harmless)."""
    pw = PW[:4] + ",)" + PW[4:] + "}"
    path = tmp_path / name
    path.write_text(template.format(pw=pw), encoding="utf-8")
    assert [f.masked for f in scan_files([path], tmp_path).findings] == [mask_value(pw)]


@pytest.mark.parametrize(
    "line",
    [
        '"Server=db;Database=app;User Id=app;Password=${DB_PASSWORD};"',
        '"Server=db;Database=app;Integrated Security=true;Password=;"',
        '"Server=db;User Id=app;Password={0};".format(pw)',
        '"Host=db;Username=app;Password=changeme;"',
    ],
)
def test_connection_string_fields_that_are_not_secrets(line: str) -> None:
    assert scan_text("cs = " + line + "\n") == [], line


def _b64url(data: str) -> str:
    import base64

    return base64.urlsafe_b64encode(data.encode()).decode().rstrip("=")


# Found by blind20's first run, in its own generator: a JWT's header alone, and a label with a
# numeronym after a secret-named string, are not secrets; their live twins still are.
HEADER = _b64url('{"alg":"HS256","typ":"JWT"}')


@pytest.mark.parametrize(
    "line",
    [
        f'AUTH_BEARER = "{HEADER}." + payload + "." + signature',
        f'ROWS = [("jwt", "AUTH_BEARER", "{HEADER}." + enc(x))]',
        'EXPECTED = [(6, "secret", "k8s_secret_b64"), (7, "not_secret", "i18n_token_a11y")]',
    ],
)
def test_a_jwt_header_alone_and_numeronym_labels_are_not_flagged(line: str) -> None:
    assert scan_text(line + "\n") == []


def test_a_whole_jwt_and_a_random_label_shaped_value_are_still_flagged() -> None:
    body = _b64url('{"sub":"' + rand(R, "updig", 12) + '","role":"admin"}')
    token = f"{HEADER}.{body}.{rand(R, 'alnum', 43)}"
    assert [m.rule_id for m in scan_text(f'AUTH_BEARER = "{token}"\n')] == ["jwt"]
    value = rand(R, "pw", 6) + "_" + rand(R, "pw", 9) + "_" + rand(R, "pw", 7)
    assert [m.rule_id for m in scan_text(f'secret = "{value}"\n')] == ["generic-secret"]


def test_a_lone_surrogate_from_json_text_is_judged_not_raised() -> None:
    """Found by `make fuzz`: JSON text (a hook payload telemetry cleans) can hold a lone
    surrogate, which no UTF-8 file can; the documented-example check hashed the value with
    `surrogateescape` and raised UnicodeEncodeError."""
    assert not is_documented_example("\ud800Zq8")
    assert len(value_digest("\udfff")) == 64
    found = [m.secret for m in scan_text('password=\ud800"a\\"b,c"\n', None, syntax_of("a.env"))]
    assert found == ['\ud800"a\\"b,c"']


@pytest.mark.parametrize(
    "key",
    [
        _prefixed("sk_test_", "4eC39HqLyjWDarjtT1zdp7dc"),
        _prefixed("sk_test_", "BQokikJOvBiI2HlWgH4olfQ2"),
        _prefixed("123456:", "ABC-DEF1234ghIkl-zyx57W2v1u123ew11"),
    ],
)
def test_documented_examples_are_filed_under_their_length(key: str) -> None:
    """The documented examples' digests are kept by the key's length (a value of another
    length is never hashed): each is found under the length it has."""
    assert is_documented_example(key)
    assert not is_documented_example(key[:-1] + ("x" if key[-1] != "x" else "y"))

"""The rule data: every rule's own examples, the heuristics, masking and the rule loader."""

from __future__ import annotations

import random
import tomllib
import zlib
from pathlib import Path

import pytest

from br_core.errors import ConfigError
from br_core.secrets import filters as f
from br_core.secrets.masking import mask_value, sanitize_text
from br_core.secrets.rules import RULES_FILE, load_rules, parse_rules, scan_text
from br_core.secrets.syntax import CODE
from tests.data.secrets_corpus import expand, make_jwt, make_pem, rand

RULES = load_rules()
EXAMPLES = [
    pytest.param(rule.id, template, positive, id=f"{rule.id}-{'tp' if positive else 'fp'}{i}")
    for rule in RULES.rules
    for positive, templates in ((True, rule.tp), (False, rule.fp))
    for i, template in enumerate(templates)
]


@pytest.mark.parametrize(("rule_id", "template", "positive"), EXAMPLES)
def test_rule_examples(rule_id: str, template: str, positive: bool) -> None:
    # crc32, not hash(): str hashes change per process, which made this test flaky.
    text = expand(template, random.Random(zlib.crc32(template.encode())))
    syntaxes = next(rule.syntaxes for rule in RULES.rules if rule.id == rule_id)
    found = scan_text(text, syntax=min(syntaxes, default=CODE))  # a prose rule: in prose
    if positive:
        assert rule_id in [m.rule_id for m in found], text
    else:
        assert found == [], [(m.rule_id, mask_value(m.secret)) for m in found]


def test_every_rule_has_examples_of_both_kinds() -> None:
    for rule in RULES.rules:
        assert rule.tp, f"{rule.id} has no true-positive example"
        assert rule.fp, f"{rule.id} has no false-positive example"
        assert rule.description and rule.keywords


def test_rules_cover_the_required_providers() -> None:
    ids = {rule.id for rule in RULES.rules}
    required = {
        "aws-access-key-id", "aws-secret-access-key", "github-token", "github-fine-grained-pat",
        "gitlab-token", "slack-token", "slack-webhook", "stripe-secret-key", "google-api-key",
        "private-key", "anthropic-api-key", "anthropic-admin-key", "openai-api-key",
        "openrouter-api-key", "huggingface-token", "jwt", "twilio-api-key", "sendgrid-api-key",
        "npm-token", "pypi-token", "azure-storage-key", "digitalocean-token", "shopify-token",
        "url-password", "bearer-token", "generic-secret",
    }  # fmt: skip
    assert required <= ids


@pytest.mark.parametrize(
    ("text", "rule_id"),
    [
        ('DEFAULT = "ghp_{alnum36}"', "github-token"),
        ('client = Client(api_key="sk-proj-{url120}")', "openai-api-key"),
        ("x = ['AKIA{updig16}']", "aws-access-key-id"),
        ("# rotate: xoxb-{d12}-{d12}-{alnum24}", "slack-token"),
        ("<value>sk_live_{alnum24}</value>", "stripe-secret-key"),
        ("f(ANTH='sk-ant-api03-{url93}AA')", "anthropic-api-key"),
    ],
)
def test_provider_formats_found_behind_neutral_names(text: str, rule_id: str) -> None:
    r = random.Random(7)
    filled = text.format(
        alnum36=rand(r, "alnum", 36), url120=rand(r, "url", 120), updig16=rand(r, "updig", 16),
        d12=rand(r, "digits", 12), alnum24=rand(r, "alnum", 24), url93=rand(r, "url", 93),
    )  # fmt: skip
    assert [m.rule_id for m in scan_text(filled)] == [rule_id]


def test_private_key_block_is_one_finding_at_its_begin_line() -> None:
    r = random.Random(3)
    text = "intro\n" + make_pem(r) + "\nmiddle\n" + make_pem(r, "OPENSSH PRIVATE KEY") + "\n"
    found = scan_text(text)
    assert [(m.rule_id, m.line) for m in found] == [("private-key", 2), ("private-key", 18)]


def test_no_checksum_suffix_is_required() -> None:
    """Tokens whose checksum part is wrong are still reported: we never validate checksums."""
    r = random.Random(11)
    wrong_suffix = "ghp_" + rand(r, "alnum", 30) + "000000"
    assert [m.rule_id for m in scan_text(f'T = "{wrong_suffix}"')] == ["github-token"]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", ""),
        ("short", "*****"),
        ("ghp_abcdefghijklmnop", "ghp_…mnop"),
    ],
)
def test_mask_value(value: str, expected: str) -> None:
    assert mask_value(value) == expected


def test_sanitize_text_masks_every_secret_and_keeps_the_rest() -> None:
    r = random.Random(5)
    jwt = make_jwt(r)
    key = "sk-ant-api03-" + rand(r, "url", 93)
    text = f"calling with {key} and token={jwt} done"
    clean = sanitize_text(text)
    assert key not in clean and jwt not in clean
    assert clean.startswith("calling with sk-a…") and clean.endswith(" done")
    assert sanitize_text("nothing secret here") == "nothing secret here"


@pytest.mark.parametrize(
    ("value", "templated"),
    [
        ("${DB_PASSWORD}", True),
        ("{{ vault_pw }}", True),
        ("$API_KEY", True),
        ("%APPDATA%", True),
        ("<your-api-key>", True),
        ("os.environ['X']", True),
        ("{password(r)}", True),  # an f-string's interpolated call, in code that writes configs
        ('{cfg["db"]}', True),
        ("aB3xY9kLmN2pQ", False),
        ("x{ab(c}9Qz!", False),  # braces and parentheses a random password holds by chance
        ("k{a)b}Lm2", False),
        # A format field counts only where the brackets pair: `{}` and `{x}` in random text
        # come with brackets that do not, and `!3` is no conversion (`!r`, `!s`, `!a` are).
        ("Qe7.v)2(kLr{}p,", False),
        ("Tz4_wQ!p{!8K}w}", False),
        ("user-{}-{0}", True),
        ("{name!r}:{0:>8}", True),
        ("Software\\\\Python\\\\{sys_version}\\\\Modules", True),  # escaped backslashes
    ],
)
def test_is_templated(value: str, templated: bool) -> None:
    assert f.is_templated(value) is templated


@pytest.mark.parametrize(
    ("value", "known"),
    [
        ("123e4567-e89b-12d3-a456-426614174000", True),
        ("$2b$12$" + "a" * 53, True),
        ("sha512-" + "Q" * 86, True),
        ("data:image/png;base64,iVBORw0KGgo", True),
        ("arn:aws:iam::123456789012:role/x", True),
        ("https://example.com/path", True),
        ("/run/secrets/db", True),
        ("x9Kp2LmQ7vR4", False),
    ],
)
def test_is_known_non_secret(value: str, known: bool) -> None:
    assert f.is_known_non_secret(value) is known


@pytest.mark.parametrize(
    ("value", "low"), [("xxxxxxxxxx", True), ("abcdefghij", True), ("x9Kp2LmQ7vR4", False)]
)
def test_is_low_variety(value: str, low: bool) -> None:
    assert f.is_low_variety(value) is low


def test_entropy_orders_random_above_repetitive() -> None:
    assert f.shannon_entropy("") == 0.0
    assert f.shannon_entropy("aaaa") == 0.0
    assert f.shannon_entropy(rand(random.Random(1), "alnum", 40)) > 4.0


def test_pem_body_needs_key_material() -> None:
    assert f.pem_body_is_key(make_pem(random.Random(2)).split("-----")[2])
    assert not f.pem_body_is_key("\n...\n")


def test_rules_file_is_valid_toml_shipped_beside_the_engine() -> None:
    assert RULES_FILE.exists()
    data = tomllib.loads(RULES_FILE.read_text(encoding="utf-8"))
    assert len(parse_rules(data, validate=True).rules) == len(RULES.rules)


@pytest.mark.parametrize(
    ("rules_toml", "problem"),
    [
        ('[[rules]]\nid = "x"\ndescription = "d"\nregex = "(unclosed"\n', "invalid regex"),
        ('[[rules]]\ndescription = "no id"\nregex = "a"\n', "needs `id`"),
        ('[[rules]]\nid = "x"\ndescription = "d"\nregex = "a"\nfilters = ["nope"]\n', "unknown"),
    ],
)
def test_malformed_rules_are_config_errors(rules_toml: str, problem: str) -> None:
    with pytest.raises(ConfigError, match=problem):
        parse_rules(tomllib.loads(rules_toml), "rules.toml", validate=True)


def test_unreadable_rules_file_is_a_config_error(tmp_path: Path) -> None:
    bad = tmp_path / "secrets.toml"
    bad.write_text("[[rules]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="cannot load secret rules"):
        load_rules(bad)


def test_a_value_two_rules_match_is_reported_once_by_the_earlier_rule() -> None:
    rng = random.Random(7)
    token = expand("ghp_[[alnum:36]]", rng)
    other = expand("ghp_[[alnum:36]]", rng)
    text = f'password = "{token}"\nx = 1\nbackup_password = "{other}"  # same line shape\n'
    found = scan_text(text)
    # github-token and generic-secret both match each value: one finding each, the provider rule's
    assert [(m.rule_id, m.line, m.secret) for m in found] == [
        ("github-token", 1, token),
        ("github-token", 3, other),
    ]
    assert [text[m.start : m.end] for m in found] == [token, other]

"""Values of `name=value` fields and URLs that blind25 missed (issue 17): a conninfo or query
password starting with `~` (`password=~…`, which code would read as Perl's or Ruby's `=~`),
and a URL password of dashed and dotted pieces whose first pieces looked like a provider's
prefix, leaving a short tail judged alone; a Postmark token (a UUID) in a PHP or Ruby array
under `'postmark' =>`. Each has look-alikes that must stay unflagged.
Secret-shaped values are built at run time from a seeded RNG."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from br_core.secrets.filters import is_placeholder_token
from br_core.secrets.masking import mask_value
from tests.data.secrets_corpus import rand
from tests.secrets.scanning import findings as _findings

R = random.Random(2571)
TILDE = "~" + rand(R, "alnum", 5) + "." + rand(R, "alnum", 10)
# Pieces joined by `_`, `-`, `.`; the tail counts up (`KLmN`) as a random one can.
DASHED = "s_" + rand(R, "alnum", 7) + "-" + rand(R, "alnum", 2) + ".l71WKLmN"


FOUND = [
    (
        "runbook.md",
        f'`psql "host=db.internal user=orders password={TILDE} dbname=orders"`\n',
        TILDE,
    ),
    ("client.py", f'URL = "https://api.corp.example/v1/export?user=ci&password={TILDE}"\n', TILDE),
    (
        "config.js",
        f'uri: process.env.MONGO_URI || "mongodb+srv://app:{DASHED}@c0.mongodb.net/x",\n',
        DASHED,
    ),
]


@pytest.mark.parametrize(("name", "text", "value"), FOUND, ids=[c[0] for c in FOUND])
def test_field_values_are_found(name: str, text: str, value: str, tmp_path: Path) -> None:
    assert _findings(tmp_path, name, text) == [(1, mask_value(value))]


NOT_FOUND = [
    # `=~` in code is a match operator, whatever follows it.
    ("check.pl", "if ($password =~ /^\\w{8,}$/) { ok() }\n"),
    ("check.rb", "valid = password=~/[A-Z]{3}[0-9]+x/\n"),
    ("check.pl", "die unless $line=~/password=~x/;\n"),
    # A home path after a conninfo `=~` is no password.
    ("runbook.md", '`psql "host=db.internal user=orders passfile=~/.pgpass dbname=orders"`\n'),
    ("runbook.md", '`psql "host=db.internal user=orders password=~/.pgpass dbname=orders"`\n'),
]


@pytest.mark.parametrize(("name", "text"), NOT_FOUND, ids=[c[0] for c in NOT_FOUND])
def test_field_look_alikes_are_not_flagged(name: str, text: str, tmp_path: Path) -> None:
    assert _findings(tmp_path, name, text) == []


def test_a_provider_prefix_is_shorter_than_its_random_part() -> None:
    assert not is_placeholder_token(DASHED)
    assert is_placeholder_token("sk_live_" + "0123456789abcdef" + rand(R, "alnum", 4))
    assert is_placeholder_token("my-app-test-" + rand(R, "alnum", 8))


HEX = rand(R, "hex", 32)
UUID = "-".join((HEX[:8], HEX[8:12], HEX[12:16], HEX[16:20], HEX[20:]))
LARAVEL = "<?php\n\nreturn [\n    '{owner}' => [\n        'token' => {value},\n    ],\n];\n"


UUID_KEYS = [
    ("config/services.php", LARAVEL.format(owner="postmark", value=f"'{UUID}'"), 5),
    (
        "config/mail.php",
        f"return array(\n  'postmark' => array(\n    'token' => '{UUID}',\n",
        3,
    ),
    ("mailer.rb", f'SETTINGS = {{\n  "postmark" => {{\n    "token" => "{UUID}",\n', 3),
    (".env", f"POSTMARK_SERVER_TOKEN={UUID}\n", 1),
]


@pytest.mark.parametrize(("name", "text", "line"), UUID_KEYS, ids=[c[0] for c in UUID_KEYS])
def test_a_uuid_under_a_provider_that_issues_uuid_keys_is_found(
    name: str, text: str, line: int, tmp_path: Path
) -> None:
    assert _findings(tmp_path, name, text) == [(line, mask_value(UUID))]


UUID_IDS = [
    ("config/services.php", LARAVEL.format(owner="tenants", value=f"'{UUID}'")),
    ("config/services.php", LARAVEL.format(owner="postmark", value="env('POSTMARK_TOKEN')")),
    ("config/services.php", LARAVEL.format(owner="alice", value=f"'{UUID}'")),
    ("fixtures.rb", f'USERS = {{\n  "alice" => {{\n    "token" => "{UUID}",\n'),
]


@pytest.mark.parametrize(("name", "text"), UUID_IDS, ids=[c[0] for c in UUID_IDS])
def test_a_uuid_under_any_other_owner_is_an_id(name: str, text: str, tmp_path: Path) -> None:
    assert _findings(tmp_path, name, text) == []

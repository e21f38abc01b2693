"""Secrets in config files that blind25 missed (issue 17 item 9): a passphrase whose words a
separator joins and only some of which are capitalised (`cobalt_Pepper88`) or under a shared
secret's name that says what it signs (`JWT_SECRET`), a .properties or
.env value opening with `~` (read as the match operator `=~`), a server directive whose
arguments are a name and its value (Apache `SetEnv DB_PASSWORD …`, nginx `proxy_set_header
X-Api-Key …;`) and the `Authorization` header set that way. Each form has look-alikes that
must stay unflagged. Values are built at run time from a seeded RNG."""

from __future__ import annotations

import base64
import random
from pathlib import Path

import pytest

from br_core.secrets.masking import mask_value
from tests.data.secrets_corpus import rand
from tests.secrets.scanning import findings_by_rule

R = random.Random(2517)


def _word(rng: random.Random) -> str:
    """A pronounceable word (consonant, vowel, ...): what a passphrase generator draws."""
    return "".join(rng.choice("bdfgklmnprstvz") + rng.choice("aeiou") for _ in range(3))


W1, W2, W3 = (_word(R) for _ in range(3))
DIGITS = rand(R, "digits", 2)
MIXED = f"{W1}_{W2.title()}{DIGITS}"  # `cobalt_Pepper88`
MIXED_DOT = f"{W1.title()}.{W2}{DIGITS}"  # `Thistle.raven16`
MIXED_THREE = f"{W1}-{W2.title()}-{W3}-{DIGITS}"
PHRASE = f"{W1}-{W2}-{W3}-{DIGITS}"  # `thistle-nimbus-orchid-68`
PW = rand(R, "alnum", 9) + "?=" + rand(R, "alnum", 6) + "@" + rand(R, "alnum", 2)
TILDE = "~" + rand(R, "alnum", 21)
HEX = rand(R, "hex", 40)
BASIC = base64.b64encode(f"metrics:{rand(R, 'alnum', 20)}".encode()).decode()
GENERIC = "generic-secret"

FOUND = [
    # Passphrases whose words are capitalised one by one, under a password's name.
    ("config/app.ini", f"[ldap]\nbind_password = {MIXED_DOT}\n", 2, GENERIC, MIXED_DOT),
    ("infra/prod.auto.tfvars", f'db_password = "{MIXED}"\n', 1, GENERIC, MIXED),
    ("ansible/group_vars/all.yml", f'smtp_relay_password: "{MIXED}"\n', 1, GENERIC, MIXED),
    (
        "docker-compose.yml",
        f'    environment:\n      GF_SMTP_PASSWORD: "{MIXED}"\n',
        2,
        GENERIC,
        MIXED,
    ),
    (
        ".mvn/settings.xml",
        f"<server>\n  <password>{MIXED}</password>\n</server>\n",
        2,
        GENERIC,
        MIXED,
    ),
    ("config/extra.conf", f"admin_pass = {MIXED_THREE}\n", 1, GENERIC, MIXED_THREE),
    # A shared secret named for what it signs is chosen as a password is.
    (".env", f"JWT_SECRET='{PHRASE}'\n", 1, GENERIC, PHRASE),
    ("config/app.yml", f"session_secret: {MIXED}\n", 1, GENERIC, MIXED),
    # A value opening with `~` where `=~` is no operator (.properties, INI, .env).
    ("application-prod.properties", f"spring.datasource.password={TILDE}\n", 1, GENERIC, TILDE),
    (".env", f"DB_PASSWORD={TILDE}\n", 1, GENERIC, TILDE),
    # A directive whose arguments are a name and its value.
    (
        "deploy/apache/vhost.conf",
        f'<VirtualHost *:443>\n    SetEnv DB_PASSWORD "{PW}"\n',
        2,
        GENERIC,
        PW,
    ),
    ("deploy/apache/vhost.conf", f"SetEnv DB_PASSWORD {PW}\n", 1, GENERIC, PW),
    ("deploy/apache/vhost.conf", f'RequestHeader set X-Api-Key "{HEX}"\n', 1, GENERIC, HEX),
    (
        "deploy/nginx/app.conf",
        f'  location / {{\n    proxy_set_header X-Api-Key "{HEX}";\n',
        2,
        GENERIC,
        HEX,
    ),
    ("deploy/nginx/app.conf", f"fastcgi_param DB_PASSWORD '{PW}';\n", 1, GENERIC, PW),
    # The Authorization header set by such a directive.
    (
        "deploy/nginx/app.conf",
        f'    proxy_set_header Authorization "Basic {BASIC}";\n',
        1,
        "bearer-token",
        BASIC,
    ),
]


@pytest.mark.parametrize(("name", "text", "line", "rule", "value"), FOUND)
def test_config_lines_are_found(
    name: str, text: str, line: int, rule: str, value: str, tmp_path: Path
) -> None:
    assert findings_by_rule(tmp_path, name, text) == [(line, rule, mask_value(value))]


NOT_FOUND = [
    # Word-built values that are names or labels, not passphrases.
    ("settings.py", f"password = {MIXED}\n"),  # a bare word in code: a variable
    ("app.yml", f"api_token: {MIXED}\n"),  # a token is issued random, not words
    ("app.yml", f"db_password: {W1}_{W2.title()}\n"),  # no digits
    (".env", f"DB_PASSWORD={W1}_Password{DIGITS}\n"),  # a label naming a password
    # A secret's name that does not say what it signs is as often a stored secret's name.
    ("values.yaml", f"postgresql:\n  auth:\n    existingSecret: {PHRASE}\n"),
    ("volume.yaml", f"secret: {MIXED}\n"),
    # `~` opening a path, and Ruby's match operator in code.
    ("application.properties", "spring.datasource.password=~/.config/orders/db.pw\n"),
    ("app.ini", "password = ~deploy/.pgpass\n"),
    ("check.rb", f"ok = password =~ /{TILDE[1:]}/\n"),
    # Directives naming a secret without giving it, or in a comment or a sentence.
    ("vhost.conf", "SetEnv DB_PASSWORD ${DB_PASSWORD}\nPassEnv DB_PASSWORD\n"),
    ("vhost.conf", "SetEnv DB_PASSWORD_FILE /run/secrets/db_password\n"),
    ("vhost.conf", f"# SetEnv DB_PASSWORD {PW}\n"),
    ("app.conf", 'proxy_set_header X-Api-Key $http_x_api_key;\nproxy_set_header X-Api-Key "";\n'),
    ("app.conf", "the admin password must be long\n"),
    # The Authorization header passed on, or built from a variable.
    ("app.conf", "proxy_set_header Authorization $http_authorization;\n"),
    ("app.conf", 'proxy_set_header Authorization "Basic $upstream_credentials";\n'),
]


@pytest.mark.parametrize(("name", "text"), NOT_FOUND)
def test_config_look_alikes_stay_unflagged(name: str, text: str, tmp_path: Path) -> None:
    assert findings_by_rule(tmp_path, name, text) == []

"""WordPress's keys and salts and other application-wide salts (issue 17, blind25's misses):
`define('NONCE_SALT', '…')` and `SECURITY_PASSWORD_SALT = "…"` are secrets, one long value
signing every user's cookies or tokens; a random salt may hold `<…>` that is no fill-in word.
A per-record salt (`salt`, `password_salt`: short, a row's field) and `<YOUR_KEY>` stay
unflagged. Secret-shaped values are built at run time from a seeded RNG."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from br_core.secrets.filters import is_templated
from br_core.secrets.masking import mask_value
from tests.data.secrets_corpus import rand
from tests.secrets.scanning import findings as _findings

R = random.Random(2589)
SALT = rand(R, "alnum", 20) + "!{" + rand(R, "alnum", 20) + "?:" + rand(R, "alnum", 22)
# Random letters broken by digits inside angle brackets, as a generated salt can hold.
ANGLED = rand(R, "alnum", 8) + "<DLY5gHzi1e5PIb" + rand(R, "alnum", 6) + ">!" + rand(R, "alnum", 30)
SHORT = rand(R, "alnum", 22)


APP_SALTS = [
    ("wp-config.php", f"<?php\ndefine( 'NONCE_SALT',       '{SALT}' );\n", 2, SALT),
    ("wp-config.php", f"<?php\ndefine( 'AUTH_KEY',         '{ANGLED}' );\n", 2, ANGLED),
    ("config.py", f'SECURITY_PASSWORD_SALT = "{SALT}"\n', 1, SALT),
    (".env", f"HASHIDS_SALT={SALT}\n", 1, SALT),
]


@pytest.mark.parametrize(
    ("name", "text", "line", "value"), APP_SALTS, ids=[c[0] for c in APP_SALTS]
)
def test_an_application_salt_is_a_secret(
    name: str, text: str, line: int, value: str, tmp_path: Path
) -> None:
    assert _findings(tmp_path, name, text) == [(line, mask_value(value))]


NOT_SALTS = [
    ("hashing.py", f'salt = "{SALT}"\n'),
    ("users.py", f'row = {{"password_salt": "{SALT}"}}\npassword_salt = "{SALT}"\n'),
    ("config.py", f'SECURITY_PASSWORD_SALT = "{SHORT}"\n'),
    ("wp-config.php", "<?php\ndefine( 'NONCE_SALT', 'put your unique phrase here' );\n"),
    ("wp-config.php", "<?php\ndefine( 'NONCE_SALT', getenv('WP_NONCE_SALT') );\n"),
    ("config.py", 'API_KEY = "sk_live_<YOUR_STRIPE_KEY>"\n'),
]


@pytest.mark.parametrize(("name", "text"), NOT_SALTS, ids=[c[0] for c in NOT_SALTS])
def test_a_record_salt_or_a_fill_in_is_not(name: str, text: str, tmp_path: Path) -> None:
    assert _findings(tmp_path, name, text) == []


def test_fill_in_words_are_templated_random_brackets_are_not() -> None:
    for fill_in in ("ghp_<token>", "<YOUR_API_KEY>", "<oauth2Token>", "x<base64string>y"):
        assert is_templated(fill_in, bare=False), fill_in
    assert not is_templated(ANGLED, bare=False)

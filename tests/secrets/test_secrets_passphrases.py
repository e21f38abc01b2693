"""Word-built passwords whose words differ in case (issue 17, blind25's miss): two words joined
by `_`, `-` or `.`, either capitalised, and a number (`winter_Sunset43`) are a passphrase under a
password's name, as `winter_sunset43` already was. Under a token's name, in code as a bare
name, or with no number they stay names and labels. Built at run time from a seeded RNG."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from br_core.secrets.filters import is_word_password
from br_core.secrets.masking import mask_value
from tests.secrets.scanning import findings as _findings

R = random.Random(2543)
WORDS = ("winter", "copper", "harbor", "meadow", "falcon", "sunset", "lantern", "orchid")
FIRST, SECOND = R.sample(WORDS, 2)
MIXED = f"{FIRST}_{SECOND.title()}{R.randint(10, 99)}"
DASHED = f"{FIRST}-{SECOND.title()}{R.randint(10, 99)}"


FOUND = [
    (
        "user-data.yaml",
        f'chpasswd:\n  users:\n    - name: root\n      password: "{MIXED}"\n',
        4,
        MIXED,
    ),
    ("settings.py", f'DB_PASSWORD = "{DASHED}"\n', 1, DASHED),
]


@pytest.mark.parametrize(("name", "text", "line", "value"), FOUND, ids=[c[0] for c in FOUND])
def test_a_mixed_case_passphrase_is_found(
    name: str, text: str, line: int, value: str, tmp_path: Path
) -> None:
    assert _findings(tmp_path, name, text) == [(line, mask_value(value))]


NOT_FOUND = [
    ("settings.py", f'API_TOKEN = "{MIXED}"\n'),
    ("settings.py", f"password = {MIXED}\n"),
    ("settings.py", f'DB_PASSWORD = "{FIRST}_{SECOND.title()}"\n'),
]


@pytest.mark.parametrize(("name", "text"), NOT_FOUND, ids=[c[0] for c in NOT_FOUND])
def test_mixed_case_names_are_not_passwords(name: str, text: str, tmp_path: Path) -> None:
    assert _findings(tmp_path, name, text) == []


def test_the_passphrase_shape_takes_either_case() -> None:
    assert is_word_password(MIXED, frozenset())
    assert is_word_password(DASHED, frozenset())
    assert not is_word_password(f"{FIRST}_{SECOND.title()}", frozenset())
    assert not is_word_password(f"{FIRST}_Password{R.randint(10, 99)}", frozenset({"password"}))

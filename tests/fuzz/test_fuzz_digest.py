"""Fuzzing the digest's and the patterns' readers of outside input: `br digest --since` and
`--email`, the user's `[digest.smtp]` settings (any file bytes, any table), and the
`git log --numstat` output the fix-hotspot pattern parses.

Properties: each returns a valid value or refuses with one readable line (never a traceback); the
log parser never raises and never invents a negative line count.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from br_core.errors import BRError
from br_core.git import parse_numstat_log
from br_core.learning.digest import (
    _validated,
    check_address,
    parse_since,
    smtp_settings,
    user_config_path,
)
from tests.fuzz.strategies import expected_or_value, json_values, mutate, text

SINCE = st.one_of(
    text, mutate("7d"), mutate("12w"), st.from_regex(r"-?\d{0,6}[dwhm]?", fullmatch=True)
)
ADDRESSES = st.one_of(text, mutate("lead@example.org"), st.emails())
SMTP_KEYS = st.sampled_from(
    ["host", "port", "from", "security", "timeout", "username_env", "password_env", "password"]
)
GOOD = (
    '[digest.smtp]\nhost = "smtp.example.org"\nport = 587\nfrom = "br@example.org"\n'
    'security = "starttls"\ntimeout = 10\nusername_env = "U"\npassword_env = "P"\n'
)


@given(SINCE)
def test_since_is_a_period_or_one_line(raw: str) -> None:
    got = expected_or_value(lambda: parse_since(raw))
    assert isinstance(got, BRError) or 1 <= got <= 3650


@given(ADDRESSES)
def test_an_address_is_checked_or_refused_in_one_line(raw: str) -> None:
    got = expected_or_value(lambda: check_address(raw, "--email"))
    assert isinstance(got, BRError) or ("@" in got and got == got.strip())


def _utf8(text: str) -> bytes:
    """Lone surrogates (which `text` draws) become invalid UTF-8, as a damaged file would hold."""
    return text.encode("utf-8", "surrogatepass")


@given(st.one_of(st.binary(max_size=300), mutate(GOOD).map(_utf8)))
def test_any_user_config_file_gives_settings_or_one_line(raw: bytes) -> None:
    path = user_config_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(raw)
    got = expected_or_value(lambda: smtp_settings(None, {"U": "user", "P": "pass"}))
    if not isinstance(got, BRError):
        assert 1 <= got.port <= 65535 and 0 < got.timeout <= 120 and got.host


@given(st.dictionaries(SMTP_KEYS, json_values, max_size=8), st.dictionaries(text, text, max_size=3))
def test_any_smtp_table_gives_settings_or_one_line(
    table: dict[str, Any], env: dict[str, str]
) -> None:
    got = expected_or_value(lambda: _validated(Path("config.toml"), table, env))
    if not isinstance(got, BRError):
        assert "password" not in table and got.host and 1 <= got.port <= 65535


LOG = st.lists(
    st.one_of(
        text,
        st.just("\x1ebr-commit\x1f" + "a" * 40 + "\x1f1700000000\x1ffix it\n"),
        st.builds(
            lambda a, d, p: f"{a}\t{d}\t{p}",
            st.one_of(st.integers(-5, 99).map(str), st.just("-")),
            st.one_of(st.integers(0, 99).map(str), st.just("-")),
            text,
        ),
    ),
    max_size=12,
)


@given(LOG)
def test_the_numstat_parser_reads_anything(lines: list[str]) -> None:
    for commit in parse_numstat_log("\n".join(lines)):
        assert commit.ts >= 0 and all(a >= 0 and d >= 0 and p for a, d, p in commit.files)

"""Fuzzing the outside input of the store choice: BR_STORE / [store] url, and the dialect.

Property: a backend, or a ConfigError of one line naming where the value came from; the
password of a URL never appears in what `redact` shows; the dialect never leaves a `?`
placeholder outside a string literal.
"""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from br_core.errors import ConfigError
from br_core.store.backend import _checked
from br_core.store.dialect import _placeholders
from br_core.store.pg import redact

SCHEMES = st.sampled_from(["postgresql://", "postgres://", "mysql://", "", "sqlite", "PG://"])


@given(SCHEMES, st.text(max_size=80))
def test_a_store_value_is_a_backend_or_one_line(scheme: str, rest: str) -> None:
    value = scheme + rest
    try:
        chosen = _checked(value.strip(), "BR_STORE")
    except ConfigError as exc:
        assert "\n" not in exc.message and exc.message.startswith("BR_STORE")
    else:
        assert chosen.name in ("sqlite", "postgresql")
        assert (chosen.url is None) == (chosen.name == "sqlite")


@given(
    st.from_regex(r"[a-z]{1,8}", fullmatch=True),
    st.from_regex(r"[A-Za-z0-9!#$%^&*()_+=-]{4,20}", fullmatch=True),
    st.from_regex(r"[a-z0-9.]{1,20}", fullmatch=True),
)
def test_redact_never_shows_the_password(user: str, password: str, host: str) -> None:
    shown = redact(f"postgresql://{user}:{password}@{host}:5432/db")
    assert f":{password}@" not in shown and shown.startswith(f"postgresql://{user}:***@")


@given(st.text(alphabet="ab?%' ", max_size=40))
def test_no_qmark_outside_quotes_survives(sql: str) -> None:
    if sql.count("'") % 2:
        sql += "'"
    out = _placeholders(sql)
    outside = re.sub(r"'[^']*'", "", out)
    assert "?" not in outside
    assert outside.count("%s") == re.sub(r"'[^']*'", "", sql).count("?")

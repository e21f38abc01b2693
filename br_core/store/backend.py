"""Which store this user runs on: the local SQLite file (default) or a shared PostgreSQL server.

Chosen by the user only: `BR_STORE=postgresql://...` in the environment, else `[store] url` in
the user config (`$BR_HOME/config.toml`). A repository's committed `.buildrunner/config.toml` is
never read for it: a clone must not be able to send a user's queue, telemetry and costs to a
server of its choosing. An explicit `BR_STORE=sqlite` (or empty) keeps the local file.
"""

from __future__ import annotations

import os
from typing import NamedTuple

from br_core.errors import ConfigError

SCHEMES = ("postgresql://", "postgres://")


class Backend(NamedTuple):
    name: str  # "sqlite" or "postgresql"
    url: str | None  # the PostgreSQL URL (with its password: never print it, see pg.redact)
    source: str  # where the choice came from, for `br db status` and `br doctor`


def configured_backend() -> Backend:
    env = os.environ.get("BR_STORE")
    if env is not None:
        return _checked(env.strip(), "BR_STORE")
    from br_core.config import load_user_config, section, user_config_path

    path = user_config_path()
    store = section(load_user_config(), "store", path)
    url = store.get("url")
    if url is None:
        return Backend("sqlite", None, "default")
    if not isinstance(url, str):
        raise ConfigError(f'{path}: [store] url must be a string like "postgresql://host/db"')
    return _checked(url.strip(), f"{path} [store] url")


def _checked(value: str, source: str) -> Backend:
    if value in ("", "sqlite"):
        return Backend("sqlite", None, source)
    if not value.startswith(SCHEMES):
        raise ConfigError(
            f"{source}: {value[:40]!r} is not a store; use postgresql://user@host/db or sqlite"
        )
    return Backend("postgresql", value, source)

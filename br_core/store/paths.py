"""Where per-user state lives: one directory under BR_HOME."""

from __future__ import annotations

import os
from pathlib import Path

DB_FILENAME = "buildrunner.sqlite3"


def br_home() -> Path:
    """The per-user data directory: `$BR_HOME`, else the platform's user data directory."""
    configured = os.environ.get("BR_HOME")
    if configured:
        return Path(configured).expanduser()
    import platformdirs  # imported lazily: only needed when BR_HOME is unset

    return Path(platformdirs.user_data_dir("buildrunner", appauthor=False))


def db_path() -> Path:
    return br_home() / DB_FILENAME

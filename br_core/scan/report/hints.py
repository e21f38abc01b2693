"""Where a message may send its reader: only to something that exists where it is shown.

A hook runs inside pre-commit's own environment, whose `bin/` is first on PATH and holds a `br`
the user's shell does not have; a hooks-only user has no `br` at all, and the wheel ships no
docs/. So a message names the inline marker, the file and key to edit, and a `br` command only
when `br_available()` says the user's shell can run it (decided when the message is made).
Stdlib only: this sits on every hook's start-up path.
"""

from __future__ import annotations

import os
import shutil
import sys
from functools import lru_cache
from pathlib import Path

WHITELIST_FILE = ".buildrunner/whitelist.txt"  # br_core/scan/allowlist.py reads it
CONFIG_FILE = ".buildrunner/config.toml"  # br_core/config.py reads it


def _pre_commit_store(env: dict[str, str]) -> Path:
    """pre-commit's cache of hook environments (its own rule: PRE_COMMIT_HOME, XDG, ~/.cache)."""
    if env.get("PRE_COMMIT_HOME"):
        return Path(env["PRE_COMMIT_HOME"])
    cache = env.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(cache) / "pre-commit"


def _user_path(env: dict[str, str]) -> str:
    """PATH as the user's shell has it: without this interpreter's bin/ when that is one of
    pre-commit's hook environments (a `br` there is not one the user can run)."""
    path = env.get("PATH", os.defpath)
    prefix = Path(sys.prefix).resolve()
    try:
        in_store = prefix.is_relative_to(_pre_commit_store(env).resolve())
    except OSError:  # pragma: no cover - an unresolvable cache path: keep PATH as it is
        in_store = False
    if not in_store:
        return path
    ours = {str(prefix / "bin"), str(prefix / "Scripts")}
    return os.pathsep.join(p for p in path.split(os.pathsep) if str(Path(p).resolve()) not in ours)


@lru_cache(maxsize=1)
def br_available() -> bool:
    """Can the user run `br` from their shell? (One PATH lookup, cached per process.)"""
    return shutil.which("br", path=_user_path(dict(os.environ))) is not None


def br_or(command: str, otherwise: str) -> str:
    """ "`br <command>`" when the user has br, else `otherwise` (which names no br command)."""
    return f"`br {command}`" if br_available() else otherwise

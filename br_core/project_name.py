"""`[project] name`: a project id a team chooses, instead of the one git history gives.

On a shared store the project id is the repository's root commit, so every clone is one
project. A name set by the team overrides it: clones whose histories differ (a re-imported or
rewritten repository) can be one project, and unrelated repositories that happen to share a
first commit (a template's) are not merged by accident. The name selects whose tasks, events
and costs a session sees on the team's server, so a repository's committed config sets it only
once the user trusts that file; the user's own config (`[projects]`, keyed by work-tree path)
needs no trust. Stdlib only: the telemetry hook derives the project id on a shared store.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import NamedTuple

from br_core.config import (
    SELECTS,
    TrustRule,
    read_config,
    read_user_config,
    section,
    withhold_untrusted,
)
from br_core.errors import ConfigError

_SLUG = re.compile(r"[a-z0-9][a-z0-9._-]{0,63}")
_NAME_RULES = (TrustRule("name", SELECTS, lambda values: True),)


class ConfiguredName(NamedTuple):
    """The name in force (None when none is), where it was set, and what was ignored and why."""

    name: str | None
    source: str
    notices: list[str]


def checked_name(value: object, where: str) -> str:
    """`value` when it is a short slug; a ConfigError naming `where` and the fix otherwise."""
    if isinstance(value, str) and _SLUG.fullmatch(value):
        return value
    shown = repr(value)[:40] if isinstance(value, str) else type(value).__name__
    raise ConfigError(
        f"{where}: {shown} is not a project name; use 1-64 lowercase letters, digits, '.', "
        "'_' or '-', starting with a letter or digit (e.g. \"acme-api\")"
    )


def name_project_id(name: str) -> str:
    """The project id of a name: a hash like the other ids (16 hex), in its own namespace so
    no name can collide with a root-commit or path id."""
    return hashlib.sha256(f"project-name:{name}".encode()).hexdigest()[:16]


def configured_name(root: Path, common_dir: Path | None) -> ConfiguredName:
    """The name of the repository whose work tree is `root`: the user's config first (their own
    choice), then the committed `[project] name` if the file is trusted."""
    return _user_name(root, common_dir) or _committed_name(root)


def _user_name(root: Path, common_dir: Path | None) -> ConfiguredName | None:
    """`[projects] "<work-tree path>" = "name"` in the user config; the path of any worktree
    or of the main one (the directory holding the common `.git`) names the repository."""
    loaded = read_user_config()
    names = section(loaded.data, "projects", loaded.path)
    ours = {os.path.realpath(root)}
    if common_dir is not None and common_dir.name == ".git":
        ours.add(os.path.realpath(common_dir.parent))
    for key, value in names.items():
        if os.path.realpath(os.path.expanduser(key)) in ours:
            name = checked_name(value, f"{loaded.path}: [projects] {key!r}")
            return ConfiguredName(name, f"{loaded.path} [projects]", [])
    return None


def _committed_name(root: Path) -> ConfiguredName:
    loaded = read_config(root)
    value = section(loaded.data, "project", loaded.path).get("name")
    if value is None:
        return ConfiguredName(None, "", [])
    name = checked_name(value, f"{loaded.path}: [project] name")
    kept, notices = withhold_untrusted(loaded, "project", {"name": name}, _NAME_RULES)
    return ConfiguredName(kept.get("name"), f"{loaded.path}, trusted", notices)

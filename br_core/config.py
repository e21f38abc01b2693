"""`.buildrunner/config.toml`: committed per-repository settings.

Every capability reads its own table (`[secrets]`, `[coverage]`, `[routing]`, ...). A malformed
file is a ConfigError naming the file and the line, never a traceback.

A committed file is written by whoever last changed the repository, so a setting that runs a
command or weakens a check is a `TrustRule`: `withhold_untrusted` drops it, with one notice, until
the user trusts the file's exact content (br_core/trust.py, `br config trust`).
"""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any, NamedTuple

from br_core import trust
from br_core.errors import ConfigError

CONFIG_DIR = ".buildrunner"
CONFIG_FILE = "config.toml"
USER_CONFIG_FILE = "config.toml"  # in BR_HOME: the user's own settings, never committed


def config_path(root: Path) -> Path:
    return root / CONFIG_DIR / CONFIG_FILE


class LoadedConfig(NamedTuple):
    """The parsed file and the hash of the very bytes parsed (None when there is no file)."""

    path: Path
    data: dict[str, Any]
    digest: str | None


def read_config(root: Path) -> LoadedConfig:
    """The config of the repository at `root`, read once: parsed and hashed from one read."""
    path = config_path(root)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return LoadedConfig(path, {}, None)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror}); check its permissions") from exc
    return LoadedConfig(path, _parse(path, raw), trust.content_digest(raw))


def user_config_path() -> Path:
    """`$BR_HOME/config.toml`: settings only this user can make (where data may be sent, the
    team store), so a repository's committed config cannot make them without trust."""
    from br_core.store.paths import br_home

    return br_home() / USER_CONFIG_FILE


def read_user_config() -> LoadedConfig:
    """The user's config, read once; {} when there is none."""
    path = user_config_path()
    try:
        raw = path.read_bytes()
    except (FileNotFoundError, NotADirectoryError):  # no BR_HOME yet, or one `br doctor` flags
        return LoadedConfig(path, {}, None)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror}); check its permissions") from exc
    return LoadedConfig(path, _parse(path, raw), trust.content_digest(raw))


def load_config(root: Path) -> dict[str, Any]:
    """The parsed config of the repository at `root`; {} when there is no file."""
    return read_config(root).data


def _parse(path: Path, raw: bytes) -> dict[str, Any]:
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text; save it as UTF-8") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path}: invalid TOML ({exc}); fix the syntax or delete the file"
        ) from exc
    except RecursionError as exc:  # tomllib recurses once per nested array or inline table
        raise ConfigError(
            f"{path}: arrays or tables nested too deeply to read; flatten them"
        ) from exc


def section(config: dict[str, Any], name: str, path: Path | None = None) -> dict[str, Any]:
    """The `[name]` table of a config, checked to be a table."""
    value = config.get(name, {})
    if not isinstance(value, dict):
        where = f"{path}: " if path else ""
        raise ConfigError(
            f"{where}[{name}] must be a table; write it as `[{name}]` with keys below"
        )
    return value


RUNS = "runs a command"
WEAKENS = "weakens the check"
SENDS = "sends data off this machine"
SELECTS = "selects whose tasks and telemetry this session shares on a team store"


class TrustRule(NamedTuple):
    """A setting that applies only from a trusted config: `key` of a table, why it needs trust,
    and whether a given (validated) value needs it; a value that only makes the check stricter
    does not."""

    key: str
    effect: str  # RUNS, WEAKENS, SENDS or SELECTS
    needs_trust: Callable[[dict[str, Any]], bool]


def shown(key: str, value: Any) -> str:
    """`key = value` on one line as TOML writes it (control characters escaped, long lists cut)."""
    import json  # only when a notice is written: the hooks' text path stays without it

    if isinstance(value, float):
        return f"{key} = {value:g}"
    if isinstance(value, tuple | list) and len(value) > 3:
        head = json.dumps(list(value[:3]))[:-1]
        return f"{key} = {head}, ... {len(value) - 3} more]"
    return f"{key} = {json.dumps(list(value) if isinstance(value, tuple) else value)}"


def withhold_untrusted(
    loaded: LoadedConfig, table: str, values: dict[str, Any], rules: tuple[TrustRule, ...]
) -> tuple[dict[str, Any], list[str]]:
    """`values` of `[table]` without the settings `rules` flag while the file is not trusted,
    and the one notice that says which were ignored and how to trust them."""
    flagged = [r for r in rules if r.key in values and r.needs_trust(values)]
    if not flagged or (loaded.digest is not None and trust.is_trusted(loaded.digest)):
        return values, []
    effects = sorted({r.effect for r in flagged}, key=(RUNS, WEAKENS, SENDS, SELECTS).index)
    ignored = ", ".join(shown(r.key, values[r.key]) for r in flagged)
    kept = {k: v for k, v in values.items() if k not in {r.key for r in flagged}}
    from br_core.scan.report.hints import br_available

    needs = "" if br_available() else " (the BuildRunner CLI, `br`, is not on PATH here)"
    notice = (
        f"{loaded.path}: not trusted; ignoring [{table}] {ignored} ({' and '.join(effects)}); "
        f"review the file, then run `br config trust` to apply it{needs}"
    )
    return kept, [notice]


def load_user_config() -> dict[str, Any]:
    """The parsed user config; {} when there is none."""
    return read_user_config().data

"""`.buildrunner/config.toml`: committed per-repository settings.

Every capability reads its own table (`[secrets]`, `[coverage]`, `[routing]`, ...). A malformed
file is a ConfigError naming the file and the line, never a traceback.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from br_core.errors import ConfigError

CONFIG_DIR = ".buildrunner"
CONFIG_FILE = "config.toml"


def config_path(root: Path) -> Path:
    return root / CONFIG_DIR / CONFIG_FILE


def load_config(root: Path) -> dict[str, Any]:
    """The parsed config of the repository at `root`; {} when there is no file."""
    path = config_path(root)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return {}
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror}); check its permissions") from exc
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

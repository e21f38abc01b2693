"""Whether telemetry is on, and why. Cheap enough for the hook path: no database, no git.

Four switches turn collection off; any one of them wins:
`DO_NOT_TRACK=1` (the cross-tool convention), `BR_TELEMETRY=0`, `br telemetry disable` (a marker
file in BR_HOME, so it holds for every repository of this user), and `[telemetry] enabled = false`
in a repository's `.buildrunner/config.toml`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, NamedTuple

from br_core.config import config_path, load_config, section
from br_core.store.paths import br_home

DISABLED_MARKER = "telemetry-disabled"
DEFAULT_RETENTION_DAYS = 365
_FALSE = {"0", "false", "no", "off"}
_TRUE = {"1", "true", "yes", "on"}


class TelemetryState(NamedTuple):
    enabled: bool
    reason: str


def marker_path() -> Path:
    return br_home() / DISABLED_MARKER


def set_enabled(enabled: bool) -> None:
    """`br telemetry enable|disable`: remove or create the per-user marker file."""
    path = marker_path()
    if enabled:
        path.unlink(missing_ok=True)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("telemetry disabled by `br telemetry disable`\n", encoding="utf-8")


def telemetry_config(root: Path | None) -> dict[str, Any]:
    """The `[telemetry]` table of the repository at `root` ({} outside a repository)."""
    if root is None:
        return {}
    return section(load_config(root), "telemetry", config_path(root))


def telemetry_state(root: Path | None = None) -> TelemetryState:
    """On or off, with the switch that decided it (checked cheapest first)."""
    if os.environ.get("DO_NOT_TRACK", "").strip().lower() in _TRUE:
        return TelemetryState(False, "DO_NOT_TRACK is set")
    if os.environ.get("BR_TELEMETRY", "").strip().lower() in _FALSE:
        return TelemetryState(False, "BR_TELEMETRY=0")
    if marker_path().exists():
        return TelemetryState(False, "disabled with `br telemetry disable`")
    if telemetry_config(root).get("enabled", True) is False:
        return TelemetryState(False, "[telemetry] enabled = false in .buildrunner/config.toml")
    return TelemetryState(True, "enabled")


def retention_days(root: Path | None) -> int:
    value = telemetry_config(root).get("retention_days", DEFAULT_RETENTION_DAYS)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        from br_core.errors import ConfigError

        where = config_path(root) if root else ".buildrunner/config.toml"
        raise ConfigError(
            f"{where}: [telemetry] retention_days must be a whole number of days >= 1"
        )
    return value

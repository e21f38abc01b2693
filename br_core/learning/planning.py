"""`[planning] estimate_factor` in the user's own config: how much longer tasks take than the
user estimates them, applied to the sums `br orchestrate plan` makes.

It lives in `$BR_HOME/config.toml`, not in a repository's committed config: it describes the
person estimating, so it carries over to every project, a new one included, and nobody else's
commit can set it. A project with its own measured history does not need it: there the plan
scales by the measured actual/estimate ratio, and multiplying by the factor as well would count
the same bias twice (br_core/orchestration/plan.py).
"""

from __future__ import annotations

import math
from typing import Any

from br_core.config import LoadedConfig, section
from br_core.errors import ConfigError

TABLE = "planning"
KEY = "estimate_factor"
# A tenth to ten times the estimate: beyond that the estimates say nothing a factor could fix.
FACTOR_RANGE = (0.1, 10.0)


def in_range(value: float) -> bool:
    return FACTOR_RANGE[0] <= value <= FACTOR_RANGE[1]


def estimate_factor(loaded: LoadedConfig) -> float:
    """The validated factor of the user's config (1.0 when unset)."""
    values: dict[str, Any] = section(loaded.data, TABLE, loaded.path)
    value = values.get(KEY)
    if value is None:
        return 1.0
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(
            f"{loaded.path}: [{TABLE}] {KEY} must be a number, e.g. {KEY} = 1.5; fix or delete it"
        )
    if not in_range(float(value)):
        low, high = FACTOR_RANGE
        raise ConfigError(
            f"{loaded.path}: [{TABLE}] {KEY} = {value:g} is outside {low:g}-{high:g}; "
            "set the ratio of actual to estimated time, e.g. 1.5"
        )
    return float(value)

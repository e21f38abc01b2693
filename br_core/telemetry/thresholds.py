"""Learning phases: how much data exists, which phase it unlocks, and telling the user once.

Counts come from the maintained counters (`event_counts`) plus the few feature events, so a
status check costs the same at a million events as at a thousand. Single-project phases count
the current project; phases with a `projects` criterion count every project in the store.
Plain dataclasses (not pydantic) because every `br` command checks the banner.
"""

from __future__ import annotations

import sqlite3
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from br_core.config import config_path, load_config, section
from br_core.errors import ConfigError, UsageError
from br_core.git import repo_context
from br_core.store.connection import Connection
from br_core.store.db import store_error
from br_core.store.paths import db_path
from br_core.telemetry.queries import feature_rows, type_counts

DAY = 86_400.0
PHASES: dict[str, dict[str, int]] = {
    "analytics_dashboard": {"features": 30, "builds": 20, "days": 14},
    "pattern_recognition": {"features": 100, "builds": 50, "projects": 3, "days": 60},
    "predictive_intelligence": {"features": 500, "builds": 200, "projects": 10, "days": 180},
}
PHASE_INFO: dict[str, tuple[str, str]] = {
    # phase: (what it is worth, estimated build time)
    "analytics_dashboard": (
        "a dashboard of build success, cycle times and weekly trends for this project",
        "about 1 day",
    ),
    "pattern_recognition": (
        "success and failure patterns across projects, architecture impact analysis",
        "about 1 week",
    ),
    "predictive_intelligence": (
        "effort and risk predictions with confidence intervals, proactive recommendations",
        "2 to 3 weeks",
    ),
}
# (minimum completed features, capabilities unlocked)
CAPABILITIES: tuple[tuple[int, str], ...] = (
    (0, "data collection only, basic reporting"),
    (10, "descriptive statistics, trend visualisation, simple correlations"),
    (30, "pattern recognition, architecture impact analysis, non-predictive suggestions"),
    (100, "full predictive analytics, proactive recommendations"),
    (500, "fine-tuned models, multi-project comparisons, benchmarking"),
)
MINIMUM_SAMPLES: dict[str, int] = {
    "features": 30,
    "build_cycles": 100,
    "spec_to_implementation_cycles": 20,
    "deployments": 15,
    "feedback_events": 50,
    "full_lifecycle_completions": 10,
}
CRITERION_UNITS = {
    "features": "features completed",
    "builds": "builds",
    "projects": "projects",
    "days": "days of data",
}
ALERTS_TABLE = "learning_alerts"


@dataclass
class Criterion:
    name: str
    value: float
    required: int
    met: bool


@dataclass
class Phase:
    name: str
    reached: bool
    progress: float
    criteria: list[Criterion]


@dataclass
class ThresholdStatus:
    project_id: str
    metrics: dict[str, float]
    phases: list[Phase]
    capability: str
    minimum_samples: dict[str, dict[str, int | bool]]
    next_phase: str | None = None
    alerts: list[dict[str, Any]] = field(default_factory=list)

    def model_dump(self) -> dict[str, Any]:
        return asdict(self)

    def phase(self, name: str) -> Phase:
        for phase in self.phases:
            if phase.name == name:
                return phase
        raise UsageError(f"unknown phase {name!r}; use one of {', '.join(PHASES)}")


def phase_table(root: Path | None) -> dict[str, dict[str, int]]:
    """PHASES with `[thresholds.<phase>]` overrides from .buildrunner/config.toml."""
    table = {name: dict(criteria) for name, criteria in PHASES.items()}
    if root is None:
        return table
    path = config_path(root)
    overrides = section(load_config(root), "thresholds", path)
    for name, values in overrides.items():
        if name not in table or not isinstance(values, dict):
            raise ConfigError(
                f"{path}: [thresholds.{name}] is not a phase; use one of {', '.join(PHASES)}"
            )
        for key, value in values.items():
            if key not in CRITERION_UNITS or not isinstance(value, int) or value < 0:
                raise ConfigError(
                    f"{path}: [thresholds.{name}] {key} must be one of "
                    f"{', '.join(CRITERION_UNITS)} with a whole number >= 0"
                )
            table[name][key] = value
    return table


def _metrics(conn: Connection, project_id: str) -> dict[str, dict[str, float]]:
    """Per scope ("project", "all"): features, builds, days, projects and the sample counts."""
    counts = type_counts(conn)
    projects = sorted({c.project_id for c in counts})
    features = feature_rows(conn, projects)
    out: dict[str, dict[str, float]] = {}
    for scope in ("project", "all"):
        mine = [c for c in counts if scope == "all" or c.project_id == project_id]
        feats = [f for f in features if scope == "all" or f[0] == project_id]
        done = [f for f in feats if f[1] == "complete"]
        added = {(f[0], f[2]) for f in feats if f[1] == "add"}
        by_type: dict[str, int] = {}
        for c in mine:
            by_type[c.type] = by_type.get(c.type, 0) + c.n
        span = (max(c.last_ts for c in mine) - min(c.first_ts for c in mine)) if mine else 0.0
        last_push = max((c.last_ts for c in mine if c.type == "push"), default=0.0)
        out[scope] = {
            "features": len(done),
            "builds": by_type.get("build", 0),
            "days": round(span / DAY, 2),
            "projects": len({c.project_id for c in mine}),
            "events": sum(by_type.values()),
            "spec_to_implementation_cycles": sum(1 for f in done if (f[0], f[2]) in added),
            "deployments": by_type.get("push", 0),
            "feedback_events": by_type.get("quality", 0),
            "full_lifecycle_completions": sum(
                1 for f in done if (f[0], f[2]) in added and f[3] <= last_push
            ),
        }
    return out


def _phase(name: str, required: dict[str, int], metrics: dict[str, dict[str, float]]) -> Phase:
    scope = metrics["all" if "projects" in required else "project"]
    criteria = [
        Criterion(key, scope[key], need, scope[key] >= need) for key, need in required.items()
    ]
    progress = min((min(c.value / c.required, 1.0) if c.required else 1.0) for c in criteria)
    return Phase(name, all(c.met for c in criteria), round(progress, 3), criteria)


def capability(features: float) -> str:
    unlocked = CAPABILITIES[0][1]
    for minimum, text in CAPABILITIES:
        if features >= minimum:
            unlocked = text
    return unlocked


def threshold_status(conn: Connection, root: Path) -> ThresholdStatus:
    """Where the data stands against every phase, for the repository containing `root`."""
    ctx = repo_context(root)
    table = phase_table(ctx.root)
    try:
        metrics = _metrics(conn, ctx.project_id)
    except sqlite3.Error as exc:
        raise store_error(db_path(), exc) from exc
    phases = [_phase(name, req, metrics) for name, req in table.items()]
    project = metrics["project"]
    samples = {
        key: {"have": int(project[key if key != "build_cycles" else "builds"]), "need": need}
        for key, need in MINIMUM_SAMPLES.items()
    }
    for entry in samples.values():
        entry["enough"] = entry["have"] >= entry["need"]
    flat = {f"{scope}.{k}": v for scope, values in metrics.items() for k, v in values.items()}
    upcoming = next((p.name for p in phases if not p.reached), None)
    return ThresholdStatus(
        ctx.project_id, flat, phases, capability(project["features"]), samples, upcoming
    )

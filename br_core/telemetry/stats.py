"""`br telemetry stats`: counts, weekly trends, success rates and means with 95% intervals.

Descriptive statistics start at 10 completed features (the capability table); below that only
counts are reported, with the reason. Every estimate carries the sample size it rests on.
"""

from __future__ import annotations

import json
import sqlite3
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from br_core.git import repo_context
from br_core.store.connection import Connection
from br_core.store.db import store_error
from br_core.store.paths import db_path
from br_core.telemetry.intervals import Interval, t_interval, wilson
from br_core.telemetry.queries import feature_rows, type_counts

DESCRIPTIVE_FROM = 10
WEEK = 7 * 86_400.0
TREND_WEEKS = 8


@dataclass
class TelemetryStats:
    project_id: str
    counts: dict[str, int]
    features_completed: int
    descriptive: bool
    note: str = ""
    weekly: dict[str, list[int]] = field(default_factory=dict)
    rates: dict[str, Interval] = field(default_factory=dict)
    means: dict[str, Interval] = field(default_factory=dict)

    def model_dump(self) -> dict[str, Any]:
        out = asdict(self)
        out["rates"] = {k: v.model_dump() for k, v in self.rates.items()}
        out["means"] = {k: v.model_dump() for k, v in self.means.items()}
        return out


def _values(conn: Connection, project_id: str, kind: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        "SELECT data FROM events WHERE project_id = ? AND type = ?", (project_id, kind)
    )
    return [json.loads(r[0]) for r in rows]


def _weekly(conn: Connection, project_id: str, kind: str, now: float) -> list[int]:
    """Events per week for the last TREND_WEEKS weeks, oldest first."""
    start = now - TREND_WEEKS * WEEK
    weeks = [0] * TREND_WEEKS
    rows = conn.execute(
        "SELECT CAST((ts - ?) / ? AS INTEGER), count(*) FROM events "
        "WHERE project_id = ? AND type = ? AND ts >= ? GROUP BY 1",
        (start, WEEK, project_id, kind, start),
    )
    for index, n in rows:
        if 0 <= int(index) < TREND_WEEKS:
            weeks[int(index)] += int(n)
    return weeks


def _numbers(docs: list[dict[str, Any]], key: str) -> list[float]:
    return [
        float(d[key])
        for d in docs
        if isinstance(d.get(key), int | float) and d.get(key) is not True
    ]


def compute_stats(conn: Connection, project_id: str, now: float) -> TelemetryStats:
    counts = {c.type: c.n for c in type_counts(conn, project_id)}
    features = feature_rows(conn, [project_id])
    done = [f for f in features if f[1] == "complete"]
    stats = TelemetryStats(project_id, counts, len(done), len(done) >= DESCRIPTIVE_FROM)
    if not stats.descriptive:
        stats.note = (
            f"{len(done)} features completed: descriptive statistics start at "
            f"{DESCRIPTIVE_FROM}; until then only counts are shown"
        )
        return stats
    for kind in ("build", "commit", "feature", "session"):
        stats.weekly[kind] = _weekly(conn, project_id, kind, now)
    builds = _values(conn, project_id, "build")
    ok = sum(1 for b in builds if b.get("success") is True)
    stats.rates["build_success"] = wilson(ok, sum(1 for b in builds if "success" in b))
    stats.means["build_duration_ms"] = t_interval(_numbers(builds, "duration_ms"))
    hours = [f[4] for f in done if f[4] is not None]
    stats.means["feature_duration_hours"] = t_interval(hours)
    commits = _values(conn, project_id, "commit")
    sizes = [float(c.get("insertions", 0)) + float(c.get("deletions", 0)) for c in commits]
    stats.means["commit_lines_changed"] = t_interval(sizes)
    quality = _values(conn, project_id, "quality")
    stats.means["quality_score"] = t_interval(_numbers(quality, "score"))
    stats.means["coverage"] = t_interval(_numbers(quality, "coverage"))
    return stats


def telemetry_stats(conn: Connection, root: Path) -> TelemetryStats:
    """The statistics of the repository containing `root`, now."""
    try:
        return compute_stats(conn, repo_context(root).project_id, time.time())
    except sqlite3.Error as exc:
        raise store_error(db_path(), exc) from exc

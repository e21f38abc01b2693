"""Patterns from the user's own history, each shown only once it rests on enough samples.

Five patterns, each from its own source: which task kinds each tier resolves (the router's
outcomes), how optimistic estimates are (queue estimates against claim->done times, routing cost
estimates against reported costs), the files and areas that most often need fixes (git history),
which checks block most and where (telemetry `check` events), and the trend of the staged lines'
coverage (br-coverage's `check` events). Below its sample size a pattern says how many more
samples it needs instead of guessing. Rates carry Wilson intervals, ratios a t interval on the
log scale (br_core/telemetry/intervals.py): 95%.
"""

from __future__ import annotations

import json
import math
import re
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from br_core.git import commit_history, repo_context
from br_core.store.connection import Connection
from br_core.telemetry.intervals import t_interval, wilson
from br_core.telemetry.thresholds import MINIMUM_SAMPLES

DAY = 86_400.0
WEEK = 7 * DAY
# A pattern appears once its own samples reach the learning thresholds' minimum for that kind
# of evidence (br_core/telemetry/thresholds.py MINIMUM_SAMPLES): rates per group want the
# 30 a feature statistic wants, paired estimate/actual the 20 spec->implementation cycles,
# git history the 100 build cycles, blocks and coverage runs the 15 deployments.
MIN_SAMPLES: dict[str, int] = {
    "tiers": MINIMUM_SAMPLES["features"],
    "estimate_bias": MINIMUM_SAMPLES["spec_to_implementation_cycles"],
    "fix_hotspots": MINIMUM_SAMPLES["build_cycles"],
    "blocks": MINIMUM_SAMPLES["deployments"],
    "coverage_trend": MINIMUM_SAMPLES["deployments"],
}
UNITS = {
    "tiers": "routing outcomes",
    "estimate_bias": "estimates with a measured actual",
    "fix_hotspots": "commits",
    "blocks": "hook blocks",
    "coverage_trend": "br-coverage runs",
}
MIN_GROUP = 5  # a row (a kind on a tier, a path) is shown from this many samples
FIX_WORDS = re.compile(r"\b(?:fix(?:e[sd])?|bug(?:fix)?|hotfix|revert(?:s|ed)?)\b", re.IGNORECASE)


@dataclass
class Pattern:
    name: str
    title: str
    ready: bool
    samples: int
    needed: int
    since: str
    until: str
    note: str = ""
    rows: list[dict[str, Any]] = field(default_factory=list)

    def model_dump(self) -> dict[str, Any]:
        return asdict(self)


def _day(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d")


def _pattern(name: str, title: str, samples: int, since: float, until: float) -> Pattern:
    need = MIN_SAMPLES[name]
    ready = samples >= need
    note = "" if ready else f"needs {need - samples} more {UNITS[name]} ({samples} of {need})"
    return Pattern(name, title, ready, samples, need, _day(since), _day(until), note)


def _rate(ok: int, n: int) -> dict[str, Any]:
    iv = wilson(ok, n)
    return {"n": n, "ok": ok, "rate": iv.estimate, "low": iv.low, "high": iv.high}


def tier_resolution(conn: Connection, project: str, since: float, now: float) -> Pattern:
    """Per task kind and tier: how many routed tasks the tier resolved, with a Wilson interval.
    Kinds come from the outcomes recorded by description; areas from decisions with outcomes."""
    rows: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for kind, tier, ok in conn.execute(
        "SELECT task_kind, tier, success FROM route_outcomes WHERE project_id = ? AND ts >= ?",
        (project, since),
    ):
        rows[(f"kind:{kind}", tier)][0] += 1
        rows[(f"kind:{kind}", tier)][1] += int(bool(ok))
    for area, tier, ok in conn.execute(
        "SELECT area, tier, resolved FROM routing_decisions WHERE project_id = ? AND ts >= ?"
        " AND resolved IS NOT NULL",
        (project, since),
    ):
        key = (f"area:{area}" if area else "area:(any)", tier)
        rows[key][0] += 1
        rows[key][1] += int(bool(ok))
    total = sum(n for n, _ in rows.values())
    pattern = _pattern("tiers", "Which task kinds each tier resolves", total, since, now)
    if pattern.ready:
        pattern.rows = [
            {"group": group, "tier": tier, **_rate(ok, n)}
            for (group, tier), (n, ok) in sorted(rows.items())
            if n >= MIN_GROUP
        ]
    return pattern


def log_ratio(pairs: list[tuple[float, float]]) -> dict[str, Any]:
    """Actual/estimate as a geometric mean with its t interval (ratios are skewed: logs)."""
    import statistics  # 3 ms of imports (fractions, decimal): only once a pattern is ready

    logs = [math.log(actual / est) for est, actual in pairs if est > 0 and actual > 0]
    iv = t_interval(logs)
    if iv.estimate is None or iv.low is None or iv.high is None:
        return {"n": len(logs), "ratio": None, "low": None, "high": None}
    return {
        "n": len(logs),
        "ratio": math.exp(iv.estimate),
        "median": math.exp(statistics.median(logs)),
        "low": math.exp(iv.low),
        "high": math.exp(iv.high),
    }


def _durations(conn: Connection, project: str, since: float) -> list[tuple[float, float]]:
    """(estimate minutes, claim->done minutes) of tasks done since `since`."""
    claimed: dict[str, float] = {}
    pairs: list[tuple[float, float]] = []
    estimates = dict(
        conn.execute(
            "SELECT id, estimate_min FROM tasks WHERE project_id = ? AND estimate_min > 0",
            (project,),
        ).fetchall()
    )
    for task_id, ts, kind in conn.execute(
        "SELECT task_id, ts, kind FROM task_events WHERE project_id = ? AND ts >= ?"
        " AND kind IN ('claimed', 'done') ORDER BY id",
        (project, since),
    ):
        if kind == "claimed":
            claimed[task_id] = float(ts)
        elif task_id in claimed and task_id in estimates:
            pairs.append((float(estimates[task_id]), (float(ts) - claimed.pop(task_id)) / 60))
    return pairs


def estimate_bias(conn: Connection, project: str, since: float, now: float) -> Pattern:
    """How optimistic estimates are: actual/estimate (>1 means estimates were too low)."""
    durations = _durations(conn, project, since)
    costs = [
        (float(est), float(cost))
        for est, cost in conn.execute(
            "SELECT estimate_usd, cost_usd FROM routing_decisions WHERE project_id = ? AND ts >= ?"
            " AND estimate_usd > 0 AND cost_usd > 0",
            (project, since),
        )
    ]
    pattern = _pattern(
        "estimate_bias", "How optimistic estimates are", len(durations) + len(costs), since, now
    )
    if pattern.ready:
        for what, pairs in (("task duration", durations), ("routing cost", costs)):
            if len(pairs) >= MIN_GROUP:
                pattern.rows.append({"estimate": what, **log_ratio(pairs)})
    return pattern


def _area(path: str) -> str:
    parts = path.split("/")
    return "/".join(parts[:2]) if len(parts) > 2 else (parts[0] if len(parts) > 1 else ".")


def fix_hotspots(root: Path, since: float, now: float, top: int = 5) -> Pattern:
    """Paths and areas most often changed by commits whose subject says fix/bug/revert, and the
    churn (lines added + deleted) of every path, from `git log --numstat`."""
    commits = commit_history(root, since)
    pattern = _pattern(
        "fix_hotspots", "Files and areas that most often need fixes", len(commits), since, now
    )
    if not pattern.ready:
        return pattern
    fixes: Counter[str] = Counter()
    touches: Counter[str] = Counter()
    churn: Counter[str] = Counter()
    area_fixes: Counter[str] = Counter()
    area_touches: Counter[str] = Counter()
    for commit in commits:
        is_fix = bool(FIX_WORDS.search(commit.subject))
        for added, deleted, path in commit.files:
            touches[path] += 1
            churn[path] += added + deleted
            fixes[path] += is_fix
        for area in {_area(p) for _, _, p in commit.files}:
            area_touches[area] += 1
            area_fixes[area] += is_fix
    fix_total = sum(1 for c in commits if FIX_WORDS.search(c.subject))
    pattern.rows.append(
        {"scope": "all", "fix_commits": fix_total, **_rate(fix_total, len(commits))}
    )
    for area, n in area_fixes.most_common(top):
        if n and area_touches[area] >= MIN_GROUP:
            pattern.rows.append(
                {"scope": "area", "path": area, "fix_commits": n, **_rate(n, area_touches[area])}
            )
    for path, n in fixes.most_common(top):
        if n and touches[path] >= MIN_GROUP:
            pattern.rows.append(
                {
                    "scope": "file",
                    "path": path,
                    "fix_commits": n,
                    "churn": churn[path],
                    **_rate(n, touches[path]),
                }
            )
    return pattern


def _checks(conn: Connection, project: str, since: float) -> list[tuple[float, dict[str, Any]]]:
    return [
        (float(ts), json.loads(data))
        for ts, data in conn.execute(
            "SELECT ts, data FROM events WHERE project_id = ? AND type = 'check' AND ts >= ?"
            " ORDER BY ts",
            (project, since),
        )
    ]


def check_blocks(conn: Connection, project: str, since: float, now: float) -> Pattern:
    """Which hooks block most, and where: per (hook, directory) the blocks, the weeks they fell
    in, and the rules that fired."""
    blocks = [
        (ts, d)
        for ts, d in _checks(conn, project, since)
        if d.get("blocked") is True and d.get("hook") != "br-coverage"
    ]
    pattern = _pattern("blocks", "Which checks block most, and where", len(blocks), since, now)
    if not pattern.ready:
        return pattern
    per: dict[tuple[str, str], list[Any]] = defaultdict(lambda: [0, set(), Counter()])
    for ts, doc in blocks:
        for directory in str(doc.get("dirs", "")).split(",") or ["."]:
            entry = per[(str(doc.get("hook", "")), directory or ".")]
            entry[0] += 1
            entry[1].add(int((now - ts) // WEEK))
            entry[2].update(r for r in str(doc.get("rules", "")).split(",") if r)
    weeks = max(1, math.ceil((now - since) / WEEK))
    for (hook, directory), (n, seen, rules) in sorted(per.items(), key=lambda kv: -kv[1][0]):
        pattern.rows.append(
            {
                "hook": hook,
                "dir": directory,
                "blocks": n,
                "weeks": len(seen),
                "of_weeks": weeks,
                "rules": [r for r, _ in rules.most_common(3)],
            }
        )
    return pattern


def coverage_trend(conn: Connection, project: str, since: float, now: float) -> Pattern:
    """The staged lines' coverage per week (mean with a t interval), oldest first, and the change
    from the first half of the period to the second."""
    runs = [
        (ts, float(d["percent"]))
        for ts, d in _checks(conn, project, since)
        if d.get("hook") == "br-coverage" and isinstance(d.get("percent"), int | float)
    ]
    pattern = _pattern("coverage_trend", "Coverage of staged lines", len(runs), since, now)
    if not pattern.ready:
        return pattern
    by_week: dict[int, list[float]] = defaultdict(list)
    for ts, pct in runs:
        by_week[int((ts - since) // WEEK)].append(pct)
    for week in sorted(by_week):
        iv = t_interval(by_week[week])
        pattern.rows.append(
            {
                "week_of": _day(since + week * WEEK),
                "runs": len(by_week[week]),
                "mean": math.fsum(by_week[week]) / len(by_week[week]),
                "low": iv.low,
                "high": iv.high,
            }
        )
    half = len(runs) // 2
    first = t_interval([p for _, p in runs[:half]])
    second = t_interval([p for _, p in runs[half:]])
    if first.estimate is not None and second.estimate is not None:
        pattern.rows.append(
            {
                "change": second.estimate - first.estimate,
                "first_half": first.estimate,
                "second_half": second.estimate,
                "first_interval": [first.low, first.high],
                "second_interval": [second.low, second.high],
            }
        )
    return pattern


def all_patterns(
    conn: Connection, root: Path, days: int = 90, now: float | None = None
) -> list[Pattern]:
    """Every pattern of the repository at `root` over the last `days` days."""
    now = time.time() if now is None else now
    since = now - days * DAY
    ctx = repo_context(root)
    project = ctx.project_id
    patterns = [
        tier_resolution(conn, project, since, now),
        estimate_bias(conn, project, since, now),
        check_blocks(conn, project, since, now),
        coverage_trend(conn, project, since, now),
    ]
    if ctx.root is not None:
        patterns.insert(2, fix_hotspots(ctx.root, since, now))
    return patterns

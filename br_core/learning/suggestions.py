"""Suggestions from the patterns: one line of action, its evidence, the command that applies it.

Every suggestion is one row per (project, kind, scope) in `suggestions` (migration
0010_suggestions). Refreshing updates the evidence of open ones and adds new ones; a kind the
user dismissed (or accepted) for a scope is never suggested again for that scope. Nothing is
applied here unless the door calls `apply_suggestion` after the user's explicit yes; an applied
change to a committed config that weakens a check only takes effect once the user trusts the
file (br_core/config.py, br_core/trust.py), and the result says so.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import shlex
import sqlite3
import time
import tomllib
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any, Literal

from br_core import trust
from br_core.config import (
    CONFIG_DIR,
    LoadedConfig,
    config_path,
    read_config,
    read_user_config,
    user_config_path,
)
from br_core.errors import UsageError
from br_core.learning import planning
from br_core.learning.patterns import MIN_SAMPLES, Pattern
from br_core.scan.allowlist import WHITELIST_FILE, append_entry
from br_core.secrets.masking import mask_random_tokens, sanitize_text
from br_core.store.connection import Connection
from br_core.store.db import transaction
from br_core.telemetry.intervals import wilson

State = Literal["open", "accepted", "dismissed"]
KINDS = (
    "route_cheaper",
    "route_stronger",
    "whitelist_fixtures",
    "coverage_threshold",
    "estimate_factor",
)
CHEAP_ENOUGH = 0.8  # a cheaper tier is suggested when even its interval's low end resolves 80%
FIX_PRONE = 0.3  # an area is fix-prone when at least 30% of its commits are fixes (low end)
FIXTURE_WORDS = (
    "fixture",
    "fixtures",
    "testdata",
    "test_data",
    "snapshots",
    "__snapshots__",
    "examples",
    "samples",
    "mocks",
    "cassettes",
)
WEEKS_TO_WHITELIST = 2  # a directory that blocked in two separate weeks is a habit, not a slip
CHEAPER = {"opus": ("sonnet", "haiku"), "sonnet": ("haiku",), "haiku": ()}


@dataclass
class Suggestion:
    id: str
    kind: str
    scope: str
    action: str
    evidence: dict[str, Any]
    command: str
    apply: dict[str, str]
    weakens: bool = False
    state: str = "open"
    reason: str | None = None

    def model_dump(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class KindStats:
    kind: str
    shown: int
    accepted: int
    dismissed: int
    open: int
    acceptance: float | None
    low: float | None
    high: float | None


@dataclass
class Applied:
    file: str
    change: str
    notices: list[str] = field(default_factory=list)


def _safe(text: str) -> str:
    """Scopes come from the user's own data (areas, paths): masked like telemetry text."""
    return mask_random_tokens(sanitize_text(text))[:200]


def suggestion_id(project: str, kind: str, scope: str) -> str:
    return "sg-" + hashlib.sha256(f"{project}\0{kind}\0{scope}".encode()).hexdigest()[:8]


def _interval(row: dict[str, Any]) -> str:
    return f"{_pct(row['rate'])}, 95% interval {_pct(row['low'])}-{_pct(row['high'])}"


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{value:.0%}"


def _append_config(text: str) -> tuple[str, dict[str, str]]:
    target = f"{CONFIG_DIR}/config.toml"
    command = f"printf %s {shlex.quote(chr(10) + text)} >> {target}"
    return command, {"type": "append_config", "file": target, "text": text}


def _routing_rule(match: str, tier: str) -> tuple[str, dict[str, str]]:
    return _append_config(f'[[routing.rules]]\nmatch = {json.dumps(match)}\ntier = "{tier}"\n')


def _from_tiers(pattern: Pattern) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    groups: dict[str, dict[str, dict[str, Any]]] = {}
    for row in pattern.rows:
        groups.setdefault(row["group"], {})[row["tier"]] = row
    for group, tiers in sorted(groups.items()):
        name = group.split(":", 1)[1]
        if not group.startswith("kind:") and name == "(any)":
            continue
        for tier in ("haiku", "sonnet", "opus"):
            found = tiers.get(tier)
            if found is None or found["low"] is None:
                continue
            row = found
            used_more = [t for t in tiers if tier in CHEAPER.get(t, ())]
            if row["low"] >= CHEAP_ENOUGH and used_more:
                command, apply = _routing_rule(name, tier)
                line = f"{tier} resolved {row['ok']} of {row['n']} {name} tasks ({_interval(row)})"
                out.append(
                    {
                        "kind": "route_cheaper",
                        "scope": group,
                        "action": f"Route {name} tasks to {tier}: it resolves them as well "
                        f"as {'/'.join(sorted(used_more))} for less",
                        "evidence": {**row, "text": line},
                        "command": command,
                        "apply": apply,
                    }
                )
                break
            if row["high"] is not None and row["high"] < 0.5 and tier != "opus":
                stronger = "opus" if tier == "sonnet" else "sonnet"
                command, apply = _routing_rule(name, stronger)
                line = (
                    f"{tier} resolved only {row['ok']} of {row['n']} {name} tasks "
                    f"({_interval(row)})"
                )
                out.append(
                    {
                        "kind": "route_stronger",
                        "scope": group,
                        "action": f"Route {name} tasks to {stronger}: {tier} fails most of them",
                        "evidence": {**row, "text": line},
                        "command": command,
                        "apply": apply,
                    }
                )
    return out


def _from_hotspots(pattern: Pattern) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for row in pattern.rows:
        if row.get("scope") != "area" or row["low"] is None or row["low"] < FIX_PRONE:
            continue
        word = row["path"].rstrip("/").rsplit("/", 1)[-1]
        command, apply = _routing_rule(word, "opus")
        line = (
            f"{row['fix_commits']} of {row['n']} commits touching {row['path']} were fixes "
            f"({_interval(row)})"
        )
        out.append(
            {
                "kind": "route_stronger",
                "scope": f"area:{row['path']}",
                "action": f"Route tasks about {word} to opus: {row['path']} keeps needing fixes",
                "evidence": {**row, "text": line},
                "command": command,
                "apply": apply,
            }
        )
    return out


def _from_blocks(pattern: Pattern) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for row in pattern.rows:
        parts = {p.lower() for p in row["dir"].split("/")}
        if row["hook"] != "br-secrets" or not parts & set(FIXTURE_WORDS):
            continue
        if row["weeks"] < WEEKS_TO_WHITELIST:
            continue
        entry = f"{row['dir']}/**"
        line = (
            f"br-secrets blocked {row['blocks']} commits in {row['dir']} in {row['weeks']} of "
            f"the last {row['of_weeks']} weeks (rules: {', '.join(row['rules']) or '-'})"
        )
        out.append(
            {
                "kind": "whitelist_fixtures",
                "scope": f"dir:{row['dir']}",
                "action": f"Allow {entry} in {WHITELIST_FILE}: its test fixtures trip "
                "br-secrets week after week",
                "evidence": {**row, "text": line},
                "command": f"br security whitelist {shlex.quote(entry)}",
                "apply": {"type": "whitelist", "file": WHITELIST_FILE, "text": entry},
                "weakens": True,
            }
        )
    return out


def _from_coverage(pattern: Pattern, *, threshold: float) -> list[dict[str, Any]]:
    weeks = [r for r in pattern.rows if "week_of" in r]
    change = next((r for r in pattern.rows if "change" in r), None)
    if change is None or not weeks:
        return []
    low, high = change["second_interval"]
    if low is None or high is None:
        return []
    period = f"{weeks[0]['week_of']} .. {pattern.until}"
    text = (
        f"staged lines' coverage averaged {change['second_half']:.1f}% (95% interval "
        f"{low:.1f}-{high:.1f}%) in the recent half of {pattern.samples} runs, "
        f"{change['first_half']:.1f}% before; threshold {threshold:g}% ({period})"
    )
    if low >= threshold + 5:
        new = float(math.floor(low))
        weakens = False
    elif high < threshold:
        new = float(max(0, math.floor(low)))
        weakens = True
    else:
        return []
    command, apply = _append_config(f"[coverage]\ndiff_threshold = {new:g}\n")
    verb = "Lower" if weakens else "Raise"
    why = (
        "staged lines stay well below it: every commit fights the gate"
        if weakens
        else "staged lines stay well above it"
    )
    return [
        {
            "kind": "coverage_threshold",
            "scope": "coverage:diff_threshold",
            "action": f"{verb} [coverage] diff_threshold from {threshold:g} to {new:g}: {why}",
            "evidence": {**change, "text": text},
            "command": command,
            "apply": apply,
            "weakens": weakens,
        }
    ]


def _from_bias(pattern: Pattern) -> list[dict[str, Any]]:
    """A planning factor once the task durations alone reach the pattern's sample size and
    their ratio's interval excludes 1x (estimates are biased, not just noisy)."""
    row = next((r for r in pattern.rows if r.get("estimate") == "task duration"), None)
    if row is None or row["n"] < MIN_SAMPLES["estimate_bias"] or row["ratio"] is None:
        return []
    if row["low"] <= 1 <= row["high"]:
        return []
    factor = round(row["ratio"], 2)
    if not planning.in_range(factor):
        return []
    target = user_config_path()
    text = f"[{planning.TABLE}]\n{planning.KEY} = {factor:g}\n"
    line = (
        f"{row['n']} tasks took {row['ratio']:.2f}x their estimates, claim to done (geometric "
        f"mean, 95% interval {row['low']:.2f}-{row['high']:.2f}; median {row['median']:.2f})"
    )
    slower = "longer" if factor > 1 else "less"
    return [
        {
            "kind": "estimate_factor",
            "scope": "estimates:task duration",
            "action": f"Plan with [{planning.TABLE}] {planning.KEY} = {factor:g}: tasks take "
            f"{slower} than estimated",
            "evidence": {**row, "factor": factor, "text": line},
            "command": f"printf %s {shlex.quote(chr(10) + text)} >> {shlex.quote(str(target))}",
            "apply": {"type": "user_config", "file": str(target), "text": text},
        }
    ]


def derive(patterns: list[Pattern], coverage_threshold: float) -> list[dict[str, Any]]:
    """The candidate suggestions of ready patterns (pure: no store, no files)."""
    by_name = {p.name: p for p in patterns if p.ready}
    out: list[dict[str, Any]] = []
    makers: dict[str, Callable[[Pattern], list[dict[str, Any]]]] = {
        "tiers": _from_tiers,
        "fix_hotspots": _from_hotspots,
        "blocks": _from_blocks,
        "coverage_trend": partial(_from_coverage, threshold=coverage_threshold),
        "estimate_bias": _from_bias,
    }
    for name, make in makers.items():
        pattern = by_name.get(name)
        if pattern is None:
            continue
        for cand in make(pattern):
            cand["evidence"]["period"] = f"{pattern.since} .. {pattern.until}"
            cand["evidence"]["text"] += f", {pattern.since} .. {pattern.until}"
            out.append(cand)
    return out


def _row(r: sqlite3.Row | tuple[Any, ...]) -> Suggestion:
    return Suggestion(
        r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], json.loads(r[6]), bool(r[7]), r[8], r[9]
    )


_COLUMNS = "id, kind, scope, action, evidence, command, apply, weakens, state, reason"


def refresh(
    conn: Connection,
    project: str,
    candidates: list[dict[str, Any]],
    now: float | None = None,
) -> list[Suggestion]:
    """Store `candidates` (new ones open; open ones with fresh evidence; answered ones left
    alone) and return the open suggestions."""
    now = time.time() if now is None else now
    with transaction(conn):
        for cand in candidates:
            scope = _safe(cand["scope"])
            conn.execute(
                f"INSERT INTO suggestions ({_COLUMNS}, project_id, created_at, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', NULL, ?, ?, ?)"
                " ON CONFLICT (id) DO UPDATE SET action = excluded.action,"
                " evidence = excluded.evidence, command = excluded.command,"
                " apply = excluded.apply, weakens = excluded.weakens,"
                " updated_at = excluded.updated_at WHERE suggestions.state = 'open'",
                (
                    suggestion_id(project, cand["kind"], scope),
                    cand["kind"],
                    scope,
                    _safe(cand["action"]),
                    json.dumps(cand["evidence"], default=str),
                    cand["command"],
                    json.dumps(cand["apply"]),
                    int(cand.get("weakens", False)),
                    project,
                    now,
                    now,
                ),
            )
    return list_suggestions(conn, project, "open")


def list_suggestions(
    conn: Connection, project: str, state: State | None = "open"
) -> list[Suggestion]:
    sql = f"SELECT {_COLUMNS} FROM suggestions WHERE project_id = ?"
    params: tuple[str, ...] = (project,)
    if state is not None:
        sql += " AND state = ?"
        params += (state,)
    return [_row(r) for r in conn.execute(sql + " ORDER BY kind, scope", params)]


def get_suggestion(conn: Connection, project: str, suggestion: str) -> Suggestion:
    row = conn.execute(
        f"SELECT {_COLUMNS} FROM suggestions WHERE project_id = ? AND id = ?",
        (project, suggestion.strip()),
    ).fetchone()
    if row is None:
        raise UsageError(
            f"{suggestion[:40]!r}: no such suggestion in this project; `br suggest` lists them"
        )
    return _row(row)


def decide(
    conn: Connection,
    project: str,
    suggestion: str,
    answer: Literal["accepted", "dismissed"],
    reason: str = "",
    now: float | None = None,
) -> Suggestion:
    """Record the user's answer. An answered suggestion keeps its first answer (accepting an
    accepted one again is a no-op, so `accept ID --apply` can follow a plain accept)."""
    found = get_suggestion(conn, project, suggestion)
    if found.state == answer == "accepted":
        return found
    if found.state != "open":
        raise UsageError(f"{found.id}: already {found.state}; a suggestion is answered once")
    with transaction(conn):
        conn.execute(
            "UPDATE suggestions SET state = ?, reason = ?, decided_at = ? WHERE id = ?",
            (answer, _safe(reason) or None, time.time() if now is None else now, found.id),
        )
    return get_suggestion(conn, project, found.id)


def acceptance_stats(conn: Connection, project: str) -> list[KindStats]:
    """Per kind: how many were shown, accepted, dismissed, open; acceptance of the answered
    ones with a Wilson interval."""
    out = []
    for kind, shown, acc, dis in conn.execute(
        "SELECT kind, COUNT(*),"  # CASE, not SUM(boolean): PostgreSQL has no sum of booleans
        " SUM(CASE WHEN state = 'accepted' THEN 1 ELSE 0 END),"
        " SUM(CASE WHEN state = 'dismissed' THEN 1 ELSE 0 END)"
        " FROM suggestions WHERE project_id = ? GROUP BY kind ORDER BY kind",
        (project,),
    ):
        answered = int(acc) + int(dis)
        iv = wilson(int(acc), answered)
        out.append(
            KindStats(
                kind,
                int(shown),
                int(acc),
                int(dis),
                int(shown) - answered,
                iv.estimate,
                iv.low,
                iv.high,
            )
        )
    return out


def apply_suggestion(root: Path, suggestion: Suggestion) -> Applied:
    """Make the change an accepted suggestion names, in the repository at `root`."""
    spec = suggestion.apply
    if spec.get("type") == "whitelist":
        path = append_entry(root, spec["text"])
        return Applied(
            str(path.relative_to(root)),
            spec["text"],
            [f"this silences br-secrets for {spec['text']}; review and commit {WHITELIST_FILE}"],
        )
    if spec.get("type") == "user_config":
        loaded = read_user_config()
        _write_user_config(loaded, _appended(loaded, spec["text"]))
        return Applied(str(loaded.path), spec["text"].strip())
    if spec.get("type") != "append_config":
        raise UsageError(f"{suggestion.id}: nothing to apply; make the change by hand")
    return _append_to_config(root, suggestion)


def _appended(loaded: LoadedConfig, text: str) -> str:
    """The config's text with the table `text` appended, refused when the table exists or the
    result would not parse."""
    table = text.splitlines()[0].strip()
    if table.startswith("[") and not table.startswith("[[") and table.strip("[]") in loaded.data:
        raise UsageError(
            f"{loaded.path}: already has a {table} table; set "
            f"{text.splitlines()[1].strip()} under it by hand"
        )
    old = loaded.path.read_text(encoding="utf-8") if loaded.digest is not None else ""
    new = old + ("" if not old or old.endswith("\n") else "\n") + "\n" + text
    try:
        tomllib.loads(new)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(
            f"{loaded.path}: adding {table} would make it invalid TOML ({exc}); edit it by hand"
        ) from exc
    return new


def _write_user_config(loaded: LoadedConfig, text: str) -> None:
    """BR_HOME's files are the user's alone (0600 in a 0700 directory), a new one included."""
    loaded.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    fd = os.open(loaded.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)


def _append_to_config(root: Path, suggestion: Suggestion) -> Applied:
    loaded = read_config(root)
    text = suggestion.apply["text"]
    new = _appended(loaded, text)
    was_trusted = loaded.digest is not None and trust.is_trusted(loaded.digest)
    loaded.path.parent.mkdir(parents=True, exist_ok=True)
    config_path(root).write_text(new, encoding="utf-8")
    notices = []
    if suggestion.weakens:
        notices.append(
            f"{loaded.path.name}: this weakens a check, so it applies only once you "
            "review the file and run `br config trust`"
        )
    elif was_trusted:
        notices.append(
            f"{loaded.path.name}: the file changed, so your earlier trust no longer "
            "holds; review it and run `br config trust` again"
        )
    return Applied(str(loaded.path.relative_to(root)), text.strip(), notices)


def suggest(
    conn: Connection, root: Path, days: int = 90, now: float | None = None
) -> tuple[list[Pattern], list[Suggestion]]:
    """The patterns of the repository at `root` and its open suggestions, refreshed from them."""
    from br_core.coverage.config import load_settings
    from br_core.git import project_id
    from br_core.learning.patterns import all_patterns

    patterns = all_patterns(conn, root, days, now)
    threshold = load_settings(root).diff_threshold
    return patterns, refresh(conn, project_id(root), derive(patterns, threshold), now)

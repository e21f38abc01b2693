"""Learning-phase alerts: a banner once per phase and project, and `learning_ready.md`.

Alert state lives in the TinyDB table `learning_alerts` (br_core.store.docstore), one document per
(project, phase). Marking an alert shown is a conditional update inside one write transaction,
so two `br` commands finishing at once never both print the banner.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from tinydb import Query

from br_core.errors import UsageError
from br_core.git import repo_context
from br_core.store.connection import Connection
from br_core.store.docstore import DocTable, document_table
from br_core.telemetry.thresholds import (
    ALERTS_TABLE,
    CRITERION_UNITS,
    PHASE_INFO,
    PHASES,
    ThresholdStatus,
)

ALERT_FILE = Path(".buildrunner") / "alerts" / "learning_ready.md"


def _table(conn: Connection) -> DocTable:
    return document_table(conn, ALERTS_TABLE)


def _key(project_id: str, phase: str) -> Any:
    doc = Query()
    return (doc.project_id == project_id) & (doc.phase == phase)


def refresh_alerts(conn: Connection, status: ThresholdStatus, root: Path) -> list[str]:
    """Record newly reached phases; write learning_ready.md for them. Returns their names."""
    table = _table(conn)
    known = {d["phase"] for d in table.search(Query().project_id == status.project_id)}
    new = []
    for phase in status.phases:
        if not phase.reached or phase.name in known:
            continue
        doc = {"project_id": status.project_id, "phase": phase.name, "reached_at": time.time()}
        # Atomic insert-if-absent: a racing command may have recorded (and shown) it already.
        if table.insert_unless(
            _key(status.project_id, phase.name), {**doc, "shown_at": None, "dismissed_at": None}
        ):
            new.append(phase.name)
    top = repo_context(root).root
    if new and top is not None:
        write_alert_file(top, status, new[-1])
    return new


def take_banner(conn: Connection, project_id: str) -> str | None:
    """The banner for the first reached phase not yet shown or dismissed; marks it shown."""
    table = _table(conn)
    doc = Query()
    pending = table.search(
        (doc.project_id == project_id) & (doc.shown_at == None) & (doc.dismissed_at == None)  # noqa: E711
    )
    for alert in sorted(pending, key=lambda d: list(PHASES).index(d["phase"])):
        won = table.update(
            {"shown_at": time.time()},
            _key(project_id, alert["phase"]) & (doc.shown_at == None),  # noqa: E711
        )
        if won:
            return banner(alert["phase"])
    return None


def banner(phase: str) -> str:
    value, _ = PHASE_INFO[phase]
    title = phase.replace("_", " ")
    return (
        f"BuildRunner: enough data for {title}. It unlocks {value}. "
        f"Details: {ALERT_FILE.as_posix()} | `br telemetry ready {phase}` | "
        f"hide: `br telemetry dismiss {phase}`"
    )


def list_alerts(conn: Connection, project_id: str) -> list[dict[str, Any]]:
    docs = _table(conn).search(Query().project_id == project_id)
    return sorted((dict(d) for d in docs), key=lambda d: list(PHASES).index(d["phase"]))


def dismiss(conn: Connection, project_id: str, phase: str) -> None:
    """Never show this phase's banner again for this project (reached yet or not)."""
    if phase not in PHASES:
        raise UsageError(f"unknown phase {phase!r}; use one of {', '.join(PHASES)}")
    table = _table(conn)
    now = time.time()
    doc = {"project_id": project_id, "phase": phase, "reached_at": None, "shown_at": None}
    if table.insert_unless(_key(project_id, phase), {**doc, "dismissed_at": now}) is None:
        table.update({"dismissed_at": now}, _key(project_id, phase))


def write_alert_file(root: Path, status: ThresholdStatus, phase_name: str) -> Path:
    """`.buildrunner/alerts/learning_ready.md`: the stats, the value, build time, next steps."""
    phase = status.phase(phase_name)
    value, build_time = PHASE_INFO[phase_name]
    lines = [
        f"# Learning phase ready: {phase_name.replace('_', ' ')}",
        "",
        f"Reached on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}.",
        "",
        "## The data",
        "",
        "| criterion | have | needed |",
        "|---|---:|---:|",
        *[f"| {CRITERION_UNITS[c.name]} | {c.value:g} | {c.required} |" for c in phase.criteria],
        "",
        f"Capability unlocked by the feature count: {status.capability}.",
        "",
        "## What it is worth",
        "",
        f"{value[0].upper()}{value[1:]}.",
        "",
        f"Estimated build time: {build_time}.",
        "",
        "## Next steps",
        "",
        f"1. Review the numbers: `br telemetry ready {phase_name}` and `br telemetry stats`.",
        "2. Export the data if you want to analyse it elsewhere: `br telemetry export FILE`.",
        "3. Plan the capability as a feature: `br features add`.",
        f"4. Not now? `br telemetry dismiss {phase_name}` hides the banner for good.",
        "",
    ]
    path = root / ALERT_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), encoding="utf-8")
    return path

"""`br features`: record when a feature is planned and when it is done (feature events)."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Annotated

import typer

from br_core.errors import UsageError
from br_core.git import project_id
from br_core.store.connection import Connection
from br_core.store.db import open_db
from br_core.telemetry.events import record_event
from br_core.telemetry.queries import feature_rows

app = typer.Typer(help="Record features as they are added and completed.", no_args_is_help=True)
COMPLEXITY = ("simple", "moderate", "complex", "critical")


def _features(conn: Connection, project: str) -> dict[str, dict[str, float | None]]:
    rows = feature_rows(conn, [project])
    found: dict[str, dict[str, float | None]] = {}
    for _pid, action, feature_id, ts, _hours in rows:
        entry = found.setdefault(feature_id, {"added": None, "completed": None})
        if action == "add" and entry["added"] is None:
            entry["added"] = ts
        elif action == "complete":
            entry["completed"] = ts
    return found


@app.command()
def add(
    feature_id: Annotated[str, typer.Argument(help="A short id, e.g. login-page.")],
    title: Annotated[str | None, typer.Option(help="One line describing it.")] = None,
    complexity: Annotated[str | None, typer.Option(help="simple|moderate|complex|critical")] = None,
) -> None:
    """Record that a feature was planned."""
    if complexity is not None and complexity not in COMPLEXITY:
        raise UsageError(f"--complexity {complexity!r}: use one of {', '.join(COMPLEXITY)}")
    data: dict[str, object] = {"action": "add", "feature_id": feature_id}
    if title:
        data["title"] = title
    if complexity:
        data["complexity"] = complexity
    conn = open_db()
    try:
        row = record_event(conn, "feature", data, root=Path.cwd())
    finally:
        conn.close()
    typer.echo(f"{feature_id}: added" + ("" if row else " (telemetry is off: not recorded)"))


@app.command()
def complete(
    feature_id: Annotated[str, typer.Argument(help="The id given to `br features add`.")],
) -> None:
    """Record that a feature is done; its duration is measured from `add` when there was one."""
    root = Path.cwd()
    conn = open_db()
    try:
        known = _features(conn, project_id(root)).get(feature_id)
        data: dict[str, object] = {"action": "complete", "feature_id": feature_id}
        added = known["added"] if known else None
        if added is not None:
            data["duration_hours"] = round((time.time() - added) / 3600, 3)
        row = record_event(conn, "feature", data, root=root)
    finally:
        conn.close()
    typer.echo(f"{feature_id}: completed" + ("" if row else " (telemetry is off: not recorded)"))


@app.command("list")
def list_features(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Features of this project, open ones first."""
    conn = open_db()
    try:
        found = _features(conn, project_id(Path.cwd()))
    finally:
        conn.close()
    if as_json:
        typer.echo(json.dumps(found, indent=2, sort_keys=True))
        return
    if not found:
        typer.echo("no features recorded (`br features add ID`)")
    order = sorted(found.items(), key=lambda kv: (kv[1]["completed"] is not None, kv[0]))
    for feature_id, entry in order:
        state = "done" if entry["completed"] is not None else "open"
        typer.echo(f"{state:<5} {feature_id}")

"""`br telemetry`: what is collected, learning-phase progress, and every privacy control.

Each command imports what it runs (br_mcp's thresholds and alerts, the event and settings
modules) inside its body, so `br telemetry disable` does not pay for `ready`'s imports.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from br_core.errors import UsageError
from br_core.store.connection import Connection
from br_core.store.db import backend_of, open_db, transaction
from br_core.store.paths import db_path

app = typer.Typer(
    help="Local telemetry: status, learning-phase progress, statistics, export and opt-out.",
    no_args_is_help=True,
)
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of text.")]


def _cwd() -> Path:
    return Path.cwd()


def _store() -> Connection:
    """The store in use, once the hooks' events have reached it: on a shared store the hooks
    still write the local file (a commit never waits on the network), and what they wrote
    since the last read is forwarded here, before anything reads (br_core/telemetry/forward.py)."""
    conn = open_db()
    if backend_of(conn) != "postgresql":
        return conn
    from br_cli.db import shared_project_ids
    from br_core.telemetry.forward import forward_hook_events

    try:
        local = open_db(local=True)
        try:
            forward_hook_events(local, conn, shared_project_ids(local, [_cwd()]))
        finally:
            local.close()
    except BaseException:
        conn.close()
        raise
    return conn


def _where(conn: Connection) -> str:
    """The store `conn` reads, as a person may see it (a server's password masked)."""
    if backend_of(conn) != "postgresql":
        return str(db_path())
    from br_core.store.backend import configured_backend
    from br_core.store.pg import redact

    return redact(configured_backend().url or "")


def _echo_json(data: Any) -> None:
    typer.echo(json.dumps(data, indent=2, sort_keys=True, default=str))


@app.command()
def status(as_json: JsonFlag = False) -> None:
    """Collection state, where the data lives, its volume and counts per event type."""
    from br_core.git import repo_context
    from br_core.telemetry.queries import type_counts
    from br_core.telemetry.settings import retention_days, telemetry_state

    ctx = repo_context(_cwd())
    state = telemetry_state(ctx.root)
    path = db_path()
    conn = _store()
    try:
        counts = type_counts(conn)
        database = _where(conn)
    finally:
        conn.close()
    mine = {c.type: c.n for c in counts if c.project_id == ctx.project_id}
    every: dict[str, int] = {}
    for c in counts:
        every[c.type] = every.get(c.type, 0) + c.n
    size = sum(p.stat().st_size for p in path.parent.glob(path.name + "*") if p.is_file())
    data = {
        "enabled": state.enabled,
        "reason": state.reason,
        "database": database,
        "database_bytes": size,
        "project_id": ctx.project_id,
        "retention_days": retention_days(ctx.root),
        "project_events": mine,
        "all_events": every,
        "projects": len({c.project_id for c in counts}),
    }
    if as_json:
        _echo_json(data)
        return
    typer.echo(f"telemetry: {'on' if state.enabled else 'off'} ({state.reason})")
    typer.echo(f"database:  {database} (local file {size / 1e6:.1f} MB)")
    typer.echo(f"retention: {data['retention_days']} days (`br telemetry prune`)")
    typer.echo(f"events:    {sum(mine.values())} in this project, {sum(every.values())} in all")
    typer.echo(f"           {data['projects']} projects")
    for kind in sorted(every):
        typer.echo(f"  {kind:<12} {mine.get(kind, 0):>9} here {every[kind]:>10} all")


@app.command()
def ready(
    phase: Annotated[str | None, typer.Argument(help="One phase; default: all.")] = None,
    as_json: JsonFlag = False,
) -> None:
    """Progress towards each learning phase, criterion by criterion."""
    from br_core.telemetry.thresholds import CRITERION_UNITS, PHASES, threshold_status

    if phase is not None and phase not in PHASES:
        raise UsageError(f"unknown phase {phase!r}; use one of {', '.join(PHASES)}")
    conn = _store()
    try:
        result = threshold_status(conn, _cwd())
    finally:
        conn.close()
    phases = [p for p in result.phases if phase is None or p.name == phase]
    if as_json:
        dump = result.model_dump()
        dump["phases"] = [p for p in dump["phases"] if phase is None or p["name"] == phase]
        _echo_json(dump)
        return
    typer.echo(f"capability now: {result.capability}")
    for item in phases:
        mark = "READY" if item.reached else f"{item.progress:.0%}"
        typer.echo(f"{item.name}: {mark}")
        for c in item.criteria:
            tick = "x" if c.met else " "
            typer.echo(f"  [{tick}] {CRITERION_UNITS[c.name]}: {c.value:g} / {c.required}")
    if phase is None:
        typer.echo("minimum samples (this project):")
        for key, entry in result.minimum_samples.items():
            tick = "x" if entry["enough"] else " "
            typer.echo(f"  [{tick}] {key.replace('_', ' ')}: {entry['have']} / {entry['need']}")


@app.command()
def alerts(as_json: JsonFlag = False) -> None:
    """Learning-phase alerts of this project: reached, shown, dismissed."""
    from br_core.git import project_id
    from br_core.telemetry.alerts import list_alerts

    conn = open_db()
    try:
        docs = list_alerts(conn, project_id(_cwd()))
    finally:
        conn.close()
    if as_json:
        _echo_json(docs)
        return
    if not docs:
        typer.echo("no learning-phase alerts yet (`br telemetry ready` shows the progress)")
    for doc in docs:
        state = "dismissed" if doc.get("dismissed_at") else "shown" if doc.get("shown_at") else ""
        reached = _day(doc.get("reached_at")) if doc.get("reached_at") else "not reached"
        typer.echo(f"{doc['phase']}: reached {reached} {state}".rstrip())


def _day(ts: Any) -> str:
    return datetime.fromtimestamp(float(ts), UTC).strftime("%Y-%m-%d")


@app.command()
def dismiss(phase: Annotated[str, typer.Argument(help="The phase whose banner to hide.")]) -> None:
    """Never show this phase's banner again for this project."""
    from br_core.git import project_id
    from br_core.telemetry.alerts import dismiss as dismiss_alert

    conn = open_db()
    try:
        dismiss_alert(conn, project_id(_cwd()), phase)
    finally:
        conn.close()
    typer.echo(f"{phase}: dismissed")


@app.command()
def stats(as_json: JsonFlag = False) -> None:
    """Counts, weekly trends, success rates and means, each with a 95% interval and its n."""
    from br_cli.telemetry_report import print_stats

    conn = _store()
    try:
        print_stats(conn, _cwd(), as_json)
    finally:
        conn.close()


@app.command()
def disable() -> None:
    """Stop collecting, for every repository of this user (writes a marker in BR_HOME)."""
    from br_core.telemetry.settings import set_enabled

    set_enabled(False)
    typer.echo("telemetry disabled; existing data is kept (`br telemetry clear` deletes it)")


@app.command()
def enable() -> None:
    """Collect again (the env vars and telemetry.enabled = false in the config still win)."""
    from br_core.git import repo_context
    from br_core.telemetry.settings import set_enabled, telemetry_state

    set_enabled(True)
    state = telemetry_state(repo_context(_cwd()).root)
    typer.echo(f"telemetry: {'on' if state.enabled else 'off'} ({state.reason})")


@app.command()
def clear(
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
) -> None:
    """Delete every recorded event (all projects) after confirmation."""
    from br_core.telemetry.queries import clear_events

    if not yes and not typer.confirm("Delete all telemetry events of every project?"):
        typer.echo("nothing deleted")
        raise typer.Exit(1)
    conn = open_db()
    try:
        with transaction(conn):
            deleted = clear_events(conn)
    finally:
        conn.close()
    typer.echo(f"deleted {deleted} events")


def _when(text: str | None, option: str) -> float | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise UsageError(f"{option} {text!r}: not a date; use YYYY-MM-DD or ISO 8601") from exc
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


@app.command()
def export(
    file: Annotated[Path, typer.Argument(help="JSONL file to write ('-' for stdout).")],
    since: Annotated[str | None, typer.Option(help="From this date (UTC), inclusive.")] = None,
    until: Annotated[str | None, typer.Option(help="Up to this date (UTC), exclusive.")] = None,
) -> None:
    """Write events as JSON Lines, one event per line, oldest first."""
    from br_core.store.files import open_private_text
    from br_core.telemetry.queries import export_rows

    start, end = _when(since, "--since"), _when(until, "--until")
    if str(file) != "-" and not file.parent.is_dir():
        raise UsageError(f"{file.parent}: no such directory; create it or pick another path")
    conn = _store()
    count = 0
    try:
        out = sys.stdout if str(file) == "-" else open_private_text(file)
        try:
            for row in export_rows(conn, start, end):
                out.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
                count += 1
        finally:
            if out is not sys.stdout:
                out.close()
    finally:
        conn.close()
    if str(file) != "-":
        typer.echo(f"wrote {count} events to {file}")


@app.command()
def push(
    endpoint: Annotated[
        str | None,
        typer.Option(
            help="OTLP/HTTP base URL (http://HOST:4318); default: BR_OTLP_ENDPOINT, "
            "OTEL_EXPORTER_OTLP_ENDPOINT, then telemetry.otlp.endpoint in $BR_HOME/config.toml."
        ),
    ] = None,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Say what would be sent; send nothing.")
    ] = False,
) -> None:
    r"""Send events and model usage not sent yet to an OpenTelemetry collector (OTLP/HTTP).

    Nothing is sent unless an endpoint is configured.

    Each row is sent once per endpoint; after a failure (exit 2) unsent rows wait for the next push.

    Needs the otel extra: pip install 'buildrunner\[otel]'.
    """
    from br_core.cost.transcripts import ingest
    from br_core.git import repo_context
    from br_core.telemetry.export_config import resolve_target
    from br_core.telemetry.export_otlp import pending_counts, require_sdk
    from br_core.telemetry.export_otlp import push as push_rows
    from br_core.telemetry.settings import telemetry_state

    ctx = repo_context(_cwd())
    state = telemetry_state(ctx.root)
    if not state.enabled:  # an opt-out covers sending what was collected before it, too
        raise UsageError(f"telemetry is off ({state.reason}); nothing sent")
    target, notices = resolve_target(ctx.root, ctx.project_id, endpoint)
    for notice in notices:
        typer.echo(f"br: {notice}", err=True)
    if target is None:
        raise UsageError(
            "no OTLP endpoint configured, nothing sent; pass --endpoint URL, set "
            "BR_OTLP_ENDPOINT, or write [telemetry.otlp] endpoint in $BR_HOME/config.toml"
        )
    scope = f"project {target.project_id}" if target.project_id else "every project"
    conn = _store()
    try:
        if dry_run:
            counts = pending_counts(conn, target)
            typer.echo(
                f"would send to {target.endpoint} (from {target.source}, {scope}): "
                f"{_count(counts['events'], 'event')}, "
                f"{_count(counts['usage_logs'], 'model request')}"
            )
            return
        require_sdk()
        ingest(conn)  # usage from Claude Code transcripts written since the last read
        result = push_rows(conn, target)
    finally:
        conn.close()
    held = "; usage of the last minute waits for the next push" if result.held_back else ""
    typer.echo(
        f"sent {_count(result.events, 'event')} and {_count(result.usage, 'model request')} "
        f"to {target.endpoint} ({scope}, {_count(result.requests, 'request')}){held}"
    )


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


@app.command()
def prune(
    days: Annotated[
        int | None, typer.Option(min=1, help="Keep this many days (default: the retention).")
    ] = None,
) -> None:
    """Delete events older than the retention (telemetry.retention_days in config, 365)."""
    from br_core.git import repo_context
    from br_core.telemetry.queries import prune_events
    from br_core.telemetry.settings import retention_days

    keep = days if days is not None else retention_days(repo_context(_cwd()).root)
    conn = open_db()
    try:
        with transaction(conn):
            deleted = prune_events(conn, time.time() - keep * 86_400)
    finally:
        conn.close()
    typer.echo(f"deleted {deleted} events older than {keep} days")


@app.command("claude-hook")
def claude_hook() -> None:
    """Record a Claude Code hook payload (JSON on stdin) as a session event; always exits 0.

    Kept for hooks written by older `br init`; `br init` now writes the `br-claude-hook` script,
    the same handler without this CLI's start-up.
    """
    from br_cli.claude_hook import run

    run()

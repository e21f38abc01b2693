"""Text rendering of `br telemetry stats` (kept apart so telemetry.py stays small)."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from br_core.store.connection import Connection
from br_core.telemetry.intervals import Interval
from br_core.telemetry.stats import TREND_WEEKS, telemetry_stats


def _interval(name: str, value: Interval, percent: bool = False) -> str:
    if value.estimate is None or value.low is None or value.high is None:
        return f"  {name}: n={value.n}, {value.note}"
    if percent:
        return (
            f"  {name}: {value.estimate:.1%} (95% CI {value.low:.1%}–{value.high:.1%}, n={value.n})"
        )
    return (
        f"  {name}: {value.estimate:.4g} (95% CI {value.low:.4g} to {value.high:.4g}, n={value.n})"
    )


def print_stats(conn: Connection, root: Path, as_json: bool) -> None:
    result = telemetry_stats(conn, root)
    if as_json:
        typer.echo(json.dumps(result.model_dump(), indent=2, sort_keys=True))
        return
    typer.echo("events in this project:")
    for kind, n in sorted(result.counts.items()):
        typer.echo(f"  {kind:<12} {n:>9}")
    if not result.descriptive:
        typer.echo(result.note)
        return
    typer.echo(f"weekly counts, last {TREND_WEEKS} weeks (oldest first):")
    for kind, weeks in result.weekly.items():
        typer.echo(f"  {kind:<12} {' '.join(f'{n:>4}' for n in weeks)}")
    typer.echo("rates:")
    for name, value in result.rates.items():
        typer.echo(_interval(name, value, percent=True))
    typer.echo("means:")
    for name, value in result.means.items():
        typer.echo(_interval(name, value))

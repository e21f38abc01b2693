"""`br coverage`: the coverage gate from a terminal (the same checks as the br-coverage hook)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from br_core.coverage.gate import run_gate
from br_core.errors import UsageError
from br_core.git import repo_root

app = typer.Typer(
    help="Total coverage and coverage of changed lines, read from the project's own report.",
    no_args_is_help=True,
)


@app.command("check")
def check(
    staged: Annotated[
        bool, typer.Option("--staged", help="Judge the staged diff (the default).")
    ] = False,
    base: Annotated[
        str | None,
        typer.Option("--base", metavar="REV", help="Judge changes since REV (git diff REV...)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Repository to check (default: the current one).")
    ] = None,
) -> None:
    """Check total coverage, diff coverage (threshold 80% by default) and report staleness.

    Exit 0 when every check passes, 1 when one fails, 2 for an unreadable report or config.
    Settings: the coverage table of .buildrunner/config.toml, else coverage.py's fail_under.
    """
    if staged and base is not None:
        raise UsageError("--staged and --base exclude each other; pass one of them")
    outcome = run_gate(repo_root(directory), base=base)
    for notice in outcome.notices:
        typer.echo(f"br coverage: {notice}", err=True)
    if as_json:
        notices = {"notices": outcome.notices} if outcome.notices else {}
        typer.echo(json.dumps({**outcome.data, **notices, "messages": outcome.lines}, indent=2))
    else:
        typer.echo("\n".join(outcome.lines))
    raise typer.Exit(outcome.exit_code)

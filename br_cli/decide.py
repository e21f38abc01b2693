"""`br decide "TEXT"`: append a decision to the project's shared log; every stream's next brief
carries it."""

from __future__ import annotations

import getpass
from typing import Annotated

import typer

from br_core.git import project_id, project_root
from br_core.orchestration import model, records
from br_core.store.db import open_db


def decide_command(
    text: Annotated[
        str | None, typer.Argument(help='the decision, e.g. "money is stored in cents"')
    ] = None,
    stream: Annotated[str, typer.Option(help="the stream it was made in (optional)")] = "",
    who: Annotated[str | None, typer.Option(help="who decided (default: your login)")] = None,
    list_them: Annotated[bool, typer.Option("--list", help="print the decisions log")] = False,
) -> None:
    """Record a decision every parallel session must follow (or --list them)."""
    conn = open_db()
    try:
        pid = project_id(project_root())
        if list_them or text is None:
            for d in model.decisions(conn, pid):
                where = f" [{d.stream}]" if d.stream else ""
                typer.echo(f"#{d.id} {d.who}{where}: {d.text}")
            return
        decision = records.add_decision(conn, pid, text, who=who or _login(), stream=stream)
    finally:
        conn.close()
    typer.echo(f"decision #{decision.id} recorded; the next brief of every stream carries it")


def _login() -> str:
    try:
        return getpass.getuser()
    except (OSError, KeyError):  # no login name in a container: still a decision
        return "someone"

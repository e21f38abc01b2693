"""`br doctor`: one line per check of this machine's and this repository's setup, with what to do.

The checks live in br_core/doctor.py; this door opens the store, passes it in and prints.
Exit 1 when something needs fixing, 0 when every check passes (notes do not count).
"""

from __future__ import annotations

import os
import sys
from contextlib import closing
from pathlib import Path

import typer

from br_core import doctor
from br_core.errors import BRError, one_line
from br_core.git import local_context, project_identity

MARKS = {"ok": "✓", "fix": "✗", "note": "!"}
PLAIN_MARKS = {"ok": "ok", "fix": "FIX", "note": "note"}


def _store_checks() -> list[doctor.Check]:
    from br_core.store.db import open_db
    from br_core.store.migrations import MIGRATIONS
    from br_core.store.paths import db_path

    path = db_path()
    try:
        with closing(open_db(path)) as conn:
            checks = doctor.check_store(conn, path, len(MIGRATIONS))
        with closing(open_db()) as configured:  # the local file again, or the team's server
            return [*checks, doctor.check_backend(configured)]
    except BRError as exc:
        return [doctor.store_unreachable(exc)]


def _transcripts_check() -> doctor.Check:
    from br_core.cost.transcripts import transcript_roots

    roots = transcript_roots()
    env = dict(os.environ)
    home = Path(env.get("HOME") or Path.home())
    looked = [Path(p) / "projects" for p in env.get("CLAUDE_CONFIG_DIR", "").split(",") if p]
    looked = looked or [home / ".config" / "claude" / "projects", home / ".claude" / "projects"]
    return doctor.check_transcripts(roots, looked)


def collect_checks(cwd: Path) -> list[doctor.Check]:
    """Every check, in the order a new user meets them."""
    path = os.environ.get("PATH")
    script_dir = Path(sys.argv[0]).resolve().parent if sys.argv and sys.argv[0] else None
    checks = [doctor.check_claude_path(path, script_dir)]
    root = local_context(cwd).root  # a bad [project] name is its own check, below
    if root is None:
        checks.append(
            doctor.Check(
                "repository",
                "fix",
                f"{cwd}: not inside a git repository",
                "run `br doctor` in the repository you set up with `br init`",
            )
        )
    else:
        checks += doctor.repository_checks(root, path)
    return [*checks, *_store_checks(), _project_check(cwd), _transcripts_check()]


def _project_check(cwd: Path) -> doctor.Check:
    try:
        return doctor.check_project(project_identity(cwd))
    except BRError as exc:  # an invalid [project] name: the other checks still run
        return doctor.project_unresolved(exc)


def format_line(check: doctor.Check, marks: dict[str, str] = MARKS) -> str:
    """One line, whatever a checked file held (a newline in a command name, a long value)."""
    text = f"{marks[check.status]} {check.name}: {check.detail}"
    return one_line(f"{text}; {check.fix}" if check.fix and check.status != "ok" else text)


def _marks() -> dict[str, str]:
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        "✓✗".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return PLAIN_MARKS
    return MARKS


def doctor_command() -> None:
    """Check the setup (PATH, git hooks, .mcp.json, .claude, store, transcripts, config).

    One line per check, each failing one with what to do. Exit 1 when something needs fixing.
    """
    checks = collect_checks(Path.cwd())
    marks = _marks()
    for check in checks:
        typer.echo(format_line(check, marks))
    failing = sum(1 for c in checks if c.status == "fix")
    if failing:
        typer.echo(f"br doctor: {failing} to fix")
        raise typer.Exit(1)
    typer.echo("br doctor: all good")

"""`br db`: where the store is, whether it is sound, and a consistent copy of it."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Annotated

import typer

from br_core.errors import StoreError
from br_core.store.connection import Connection
from br_core.store.db import backup as backup_db
from br_core.store.db import integrity_check, open_db, schema_version, store_error, table_sizes
from br_core.store.files import describe_mode
from br_core.store.paths import db_path

app = typer.Typer(
    help="The store: which backend, status, integrity check, backup, copy to a team server.",
    no_args_is_help=True,
)


def _shared_status(url: str, source: str) -> None:
    from br_core.store.pg import open_pg, redact

    conn = open_pg(url)
    try:
        version = schema_version(conn)
        (server,) = conn.execute("SHOW server_version").fetchone() or ("?",)
        sizes = {
            t: (conn.execute(f"SELECT count(*) FROM {t}").fetchone() or (0,))[0]
            for t in ("tasks", "task_events", "events", "usage", "routing_decisions")
        }
    finally:
        conn.close()
    typer.echo(f"backend:  postgresql {redact(url)} (from {source})")
    _echo_project()
    typer.echo(f"schema:   version {version}")
    typer.echo(f"server:   PostgreSQL {server}")
    for name, rows in sizes.items():
        typer.echo(f"table:    {name} {rows} rows")
    typer.echo(f"local:    {db_path()} (hooks' telemetry; forwarded by `br telemetry` commands)")


def _echo_project() -> None:
    """The id this directory's rows are kept under, where it came from, and an ignored name."""
    from br_core.doctor import describe_project
    from br_core.git import project_identity

    identity = project_identity(Path.cwd())
    typer.echo(f"project:  {describe_project(identity)}")
    for notice in identity.notices:
        typer.echo(f"note:     {notice}")


@app.command()
def status() -> None:
    """Which backend is in use; for SQLite: path, schema version, file sizes and modes
    (private: 0600 in 0700), table sizes; for PostgreSQL: server, schema, table sizes."""
    from br_core.store.backend import configured_backend

    chosen = configured_backend()
    if chosen.url is not None:
        _shared_status(chosen.url, chosen.source)
        return
    path = db_path()
    conn = open_db(path)
    try:
        version = schema_version(conn)
        sizes = table_sizes(conn)
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    except sqlite3.Error as exc:
        raise store_error(path, exc) from exc
    finally:
        conn.close()
    files = sorted(p for p in path.parent.glob(path.name + "*") if p.is_file())
    typer.echo(f"backend:  sqlite (local; {chosen.source})")
    _echo_project()
    typer.echo(f"database: {path}")
    typer.echo(f"home:     {path.parent} ({describe_mode(path.parent)})")
    typer.echo(f"schema:   version {version} (journal {mode})")
    typer.echo(f"sqlite:   {sqlite3.sqlite_version}")
    for file in files:
        typer.echo(f"file:     {file.name} {file.stat().st_size} bytes ({describe_mode(file)})")
    for name, rows in sizes.items():
        typer.echo(f"table:    {name} {rows} rows")


@app.command()
def check() -> None:
    """Run SQLite's integrity check; exit 1 and say how to recover when it fails."""
    path = db_path()
    problems = integrity_check(path)
    if not problems:
        typer.echo(f"{path}: ok")
        return
    first = " ".join(problems[0].split())[:120]
    raise StoreError(
        f"{path}: integrity check failed ({len(problems)} problems, first: {first}); restore a "
        "copy made with `br db backup`, or move the file aside to start afresh",
        exit_code=1,
    )


@app.command()
def backup(
    file: Annotated[Path, typer.Argument(help="Where to write the copy (must not exist).")],
) -> None:
    """A consistent copy of the live store, taken with SQLite's online backup."""
    size = backup_db(file)
    typer.echo(f"backed up {db_path()} to {file} ({size} bytes)")


def shared_project_ids(local: Connection, roots: list[Path]) -> dict[str, str]:
    """Local path-based project id -> shared root-commit id, for `roots` and every repository
    the local store has seen that still exists: how local rows are mapped onto a shared store."""
    from br_core.git import portable_project_id

    roots = roots + [Path(r[0]) for r in local.execute("SELECT root FROM projects") if r[0]]
    return dict(filter(None, (portable_project_id(r) for r in roots if r.is_dir())))


@app.command("migrate-to")
def migrate_to(
    url: Annotated[str, typer.Argument(help="The team's store: postgresql://user@host/db.")],
    repo: Annotated[
        list[Path] | None,
        typer.Option(
            "--repo",
            help="A repository whose local rows to map to its shared project id (repeatable; "
            "default: the current one and every repository the store has seen).",
        ),
    ] = None,
) -> None:
    """Copy the local store into a shared PostgreSQL store: idempotent, counts verified."""
    from br_core.store.backend import _checked
    from br_core.store.migrate import copy_store
    from br_core.store.pg import open_pg, redact

    _checked(url.strip(), "the URL argument")  # one line for anything but postgresql://
    local = open_db(db_path())
    try:
        ids = shared_project_ids(local, [Path.cwd(), *(repo or [])])
        shared = open_pg(url)
        try:
            report = copy_store(local, shared, ids)
        finally:
            shared.close()
    finally:
        local.close()
    typer.echo(f"copied {db_path()} to {redact(url)} ({len(ids)} projects mapped)")
    short = []
    for t in report:
        ok = t.present >= t.source
        typer.echo(f"  {t.table:<18} local {t.source:>7}  copied {t.copied:>7}  in shared "
                   f"{t.present:>7}  {'ok' if ok else 'MISSING'}")  # fmt: skip
        if not ok:
            short.append(t.table)
    if short:
        raise StoreError(
            f"{redact(url)}: rows of {', '.join(short)} are missing after the copy; "
            "run `br db migrate-to` again"
        )

"""`br db`: where the store is, whether it is sound, and a consistent copy of it."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Annotated

import typer

from br_core.errors import StoreError
from br_core.store.db import backup as backup_db
from br_core.store.db import integrity_check, open_db, schema_version, store_error, table_sizes
from br_core.store.files import describe_mode
from br_core.store.paths import db_path

app = typer.Typer(
    help="The local SQLite store: status, integrity check, backup.", no_args_is_help=True
)


@app.command()
def status() -> None:
    """Path, schema version, file sizes and modes (private: 0600 in 0700), table sizes."""
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

"""`br config`: trust this repository's committed .buildrunner/config.toml, or see whether it is.

A committed config runs no command and weakens no check until you trust its exact content (like
direnv's `allow`); br_core/trust.py keeps the trust, br_core/config.py applies it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from br_core import trust
from br_core.config import read_config
from br_core.coverage.config import load_settings
from br_core.errors import UsageError
from br_core.git import repo_root
from br_core.secrets.scanner import ScanSettings

app = typer.Typer(
    help=(
        "Trust this repository's .buildrunner/config.toml. Until you do, its settings that run a "
        'command (coverage staleness = "run") or weaken a check (secrets exclude, a lower '
        "max_file_kib, diff_threshold or minimum) are ignored."
    ),
    no_args_is_help=True,
)

Directory = Annotated[
    Path | None, typer.Option("--dir", help="Repository to use (default: the current one).")
]


def _notices(root: Path) -> list[str]:
    """What the checks would say about this config: ignored settings and silenced checks."""
    return [*ScanSettings.load(root).notices, *load_settings(root).notices]


@app.command("status")
def status(directory: Directory = None) -> None:
    """Say whether the config is trusted and which of its settings are ignored.

    Also names the settings that silence a check (said on every run, trusted or not).
    Exit 0; 2 when the file cannot be read or parsed.
    """
    root = repo_root(directory)
    loaded = read_config(root)
    if loaded.digest is None:
        typer.echo(f"{loaded.path}: no such file; nothing to trust (defaults apply)")
        return
    state = "trusted" if trust.is_trusted(loaded.digest) else "not trusted"
    typer.echo(f"{loaded.path}: {state} (sha256 {loaded.digest[:16]})")
    for notice in _notices(root):
        typer.echo(f"  {notice.removeprefix(f'{loaded.path}: ')}")


@app.command("trust")
def trust_config(directory: Directory = None) -> None:
    """Trust the config as it is now: commands and weaker checks in it apply.

    Trust is kept per user under BR_HOME (file trusted-configs, mode 0600), keyed by the sha256
    hash of the file's content: any edit makes it untrusted again. Review the file first: a
    test_command runs with your rights. Exit 2 when there is no config or it is invalid.
    """
    root = repo_root(directory)
    loaded = read_config(root)
    if loaded.digest is None:
        raise UsageError(f"{loaded.path}: no such file; nothing to trust (`br init` writes one)")
    _notices(root)  # validate every table first: an invalid file is refused, not trusted
    trust.grant(loaded.path, loaded.digest)
    typer.echo(
        f"{loaded.path}: trusted (sha256 {loaded.digest[:16]}) until the file changes; "
        f"`br config untrust` takes it back"
    )
    for notice in _notices(root):
        typer.echo(f"  {notice.removeprefix(f'{loaded.path}: ')}")


@app.command("untrust")
def untrust(directory: Directory = None) -> None:
    """Take back the trust: commands and weaker checks in the config are ignored again.

    Exit 0 whether or not it was trusted.
    """
    root = repo_root(directory)
    loaded = read_config(root)
    if trust.revoke(loaded.path, loaded.digest):
        typer.echo(f"{loaded.path}: no longer trusted")
    else:
        typer.echo(f"{loaded.path}: was not trusted")

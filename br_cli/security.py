"""`br security`: secret and SQL-injection scanning, suppression, baseline, hook installation."""

from __future__ import annotations

import typer

app = typer.Typer(help="Find secrets and SQL injection; manage allowances and the baseline.")

"""`br security sqli`: SQL built from untrusted input, in files, trees or the whole repository."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from br_core.errors import UsageError
from br_core.git import project_root


def sqli_command(
    paths: Annotated[
        list[Path] | None,
        typer.Argument(
            help="Files or directories (default: the repository, honouring .gitignore)."
        ),
    ] = None,
    json_out: Annotated[bool, typer.Option("--json", help="Print findings as JSON.")] = False,
    sarif: Annotated[bool, typer.Option("--sarif", help="Print findings as SARIF 2.1.0.")] = False,
) -> None:
    """Find SQL built with f-strings, %, .format, + or join from untrusted input (Python, JS/TS).

    Exit 0: clean; 1: findings; 2: a path cannot be read or the whitelist is malformed.
    Suppress a line with `br:allow`, `noqa: S608` or `nosec B608`, or add it to
    .buildrunner/whitelist.txt. `br security scan` checks secrets and SQL injection together.
    """
    from br_cli import security_ops
    from br_core.scan import report
    from br_core.scan.finding import SQL_INJECTION
    from br_core.scan.report.sarif import SQL_INJECTION_TOOL
    from br_core.sqli import scan as sql_injection

    if json_out and sarif:
        raise UsageError("--json and --sarif: choose one output format")
    root = project_root()
    targets = [p.resolve() for p in paths or []]
    files = [f for f in security_ops.tree_files(root, targets) if sql_injection.language_of(f)]
    result = sql_injection.scan_files(files, root)
    for line in report.notice_lines(result, SQL_INJECTION, "br security sqli"):
        typer.echo(line, err=True)
    fmt = "json" if json_out else "sarif" if sarif else "text"
    out = report.render(result, SQL_INJECTION, fmt, tool=SQL_INJECTION_TOOL)
    if out:
        typer.echo(out)
    if fmt == "text" and not result.findings:
        typer.echo(f"No SQL injection found in {result.files} file(s).")
    code = result.exit_code()
    if code:
        raise typer.Exit(code)

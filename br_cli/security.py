"""`br security`: secret and SQL-injection scanning, suppression, baseline, hook installation."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer

from br_cli.sqli import sqli_command
from br_core.errors import UsageError
from br_core.git import project_root, repo_root
from br_core.scan import report
from br_core.scan.allowlist import append_entry
from br_core.scan.baseline import BASELINE_FILE, write_baseline
from br_core.scan.finding import SECRET, ScanResult
from br_core.secrets.scanner import scan_files

app = typer.Typer(help="Find secrets and SQL injection; manage allowances and the baseline.")

JsonOpt = Annotated[bool, typer.Option("--json", help="Print findings as JSON.")]
SarifOpt = Annotated[bool, typer.Option("--sarif", help="Print findings as SARIF 2.1.0.")]
PROG = "br security"  # prefixes notices and names the secrets SARIF run


def _format(json_out: bool, sarif: bool) -> str:
    if json_out and sarif:
        raise UsageError("--json and --sarif: choose one output format")
    return "json" if json_out else "sarif" if sarif else "text"


def _emit(result: ScanResult, fmt: str) -> None:
    """The secrets report: files not read on stderr, the findings in `fmt` on stdout."""
    for line in report.notice_lines(result, SECRET, PROG):
        print(line, file=sys.stderr)
    out = report.render(result, SECRET, fmt, tool=PROG)
    if out:
        print(out)


def _finish(result: ScanResult, fmt: str) -> None:
    _emit(result, fmt)
    if fmt == "text" and not result.findings:
        typer.echo(f"No secrets found ({result.suppressed} suppressed).")
    code = result.exit_code()  # the same rule as the br-secrets hook
    if code:
        raise typer.Exit(code)


def _progress(commits: Iterator[str], total: int) -> Iterator[str]:
    with typer.progressbar(commits, length=total, label="Scanning history", file=sys.stderr) as bar:
        yield from bar


@app.command()
def scan(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or directories (default: the repository).")
    ] = None,
    json_out: JsonOpt = False,
    sarif: SarifOpt = False,
    history: Annotated[
        bool,
        typer.Option("--history", help="Scan every commit of HEAD's history for secrets instead."),
    ] = False,
    since: Annotated[
        str | None, typer.Option("--since", help="With --history: only commits after REV.")
    ] = None,
    no_baseline: Annotated[
        bool, typer.Option("--no-baseline", help="Also report secrets accepted in the baseline.")
    ] = False,
) -> None:
    """Secrets and SQL injection in files or a tree (honouring .gitignore): one report.

    With --history, secrets in every past commit (SQL injection is judged on the current
    code). Exit 0: clean; 1: findings; 2: a path cannot be read or a setting is malformed.
    """
    from br_cli import security_ops

    fmt = _format(json_out, sarif)
    root = repo_root() if history else project_root()
    if since and not history:
        raise UsageError("--since: only valid with --history")
    if history:
        from br_core.secrets.history import scan_history

        _finish(scan_history(root, since, _progress, use_baseline=not no_baseline), fmt)
        return
    from br_core.sqli import scan as sql_injection

    files = security_ops.tree_files(root, paths or [])
    secrets = scan_files(files, root, use_baseline=not no_baseline)
    sql = sql_injection.scan_files([f for f in files if sql_injection.language_of(f)], root)
    _finish_both(secrets, sql, fmt)


def _finish_both(secrets: ScanResult, sql: ScanResult, fmt: str) -> None:
    """One report for a scan of both kinds; the exit code by ScanResult's rule over both."""
    for line in report.notice_lines_both(secrets, sql, PROG):
        print(line, file=sys.stderr)
    out = report.render_both(secrets, sql, fmt)
    if out:
        print(out)
    if fmt == "text" and not secrets.findings and not sql.findings:
        files = max(secrets.files, sql.files)
        typer.echo(
            f"No secrets or SQL injection found in {files} file(s) "
            f"({secrets.suppressed + sql.suppressed} suppressed)."
        )
    both = ScanResult(
        findings=[*secrets.findings, *sql.findings], skipped=[*secrets.skipped, *sql.skipped]
    )
    code = both.exit_code()  # the same rule as the hooks
    if code:
        raise typer.Exit(code)


@app.command()
def check(
    staged: Annotated[
        bool, typer.Option("--staged", help="Scan the staged index (what the next commit holds).")
    ] = False,
    json_out: JsonOpt = False,
    sarif: SarifOpt = False,
) -> None:
    """Secrets and SQL injection in the staged changes (for repos without pre-commit)."""
    from br_core.scan.staged import scan_staged
    from br_core.sqli import scan as sql_injection

    if not staged:
        raise UsageError("br security check: pass --staged (the only mode so far)")
    fmt = _format(json_out, sarif)
    secrets, sql = scan_staged(repo_root(), [scan_files, sql_injection.scan_files])
    _finish_both(secrets, sql, fmt)


@app.command()
def whitelist(
    entry: Annotated[
        str, typer.Argument(help="PATH:LINE, a path glob, or a finding fingerprint (fp:HEX).")
    ],
) -> None:
    """Allow one finding (or a path) in .buildrunner/whitelist.txt."""
    root = project_root()
    path = append_entry(root, entry.strip())
    typer.echo(f"{path.relative_to(root)}: allows {entry.strip()}; commit this file")


@app.command()
def baseline() -> None:
    """Accept every secret in the repository now: new ones still block. Stores hashes only."""
    from br_cli import security_ops

    root = repo_root()
    result = scan_files(security_ops.tree_files(root, []), root, use_baseline=False)
    path = write_baseline(root, result.findings)
    files = len({f.path for f in result.findings})
    typer.echo(
        f"{BASELINE_FILE}: {len(result.findings)} secret(s) in {files} file(s) accepted "
        f"(hashes only). Commit it; rotate these keys when you can."
    )
    del path


@app.command("install-hooks")
def install_hooks(
    plain: Annotated[
        bool, typer.Option("--plain", help="Install a plain git hook even if pre-commit is used.")
    ] = False,
    repo: Annotated[
        str | None,
        typer.Option(help="Hook repository to reference, or `local` (as `br init` chooses)."),
    ] = None,
    rev: Annotated[
        str | None, typer.Option(help="Revision (tag or commit) of the hook repository.")
    ] = None,
) -> None:
    """Add our hooks to .pre-commit-config.yaml, or a plain git hook without pre-commit."""
    from br_cli import security_ops
    from br_cli.init import choose_hook_source

    root = repo_root()
    if not plain and (root / ".pre-commit-config.yaml").exists():
        typer.echo(security_ops.install_pre_commit(root, *choose_hook_source(repo, rev)))
    else:
        typer.echo(security_ops.install_plain_hook(root))


# The SQL-injection command lives in its own module; it belongs to this group.
app.command("sqli", help="Find SQL built from untrusted input (Python, JS/TS).")(sqli_command)

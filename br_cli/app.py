"""`br`: the BuildRunner command line. Each command group lives in its own module."""

from __future__ import annotations

import sys

import typer

from br_core.errors import BRError

app = typer.Typer(
    name="br",
    help="BuildRunner: guard and steer AI-assisted development in a git repository.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _register() -> None:
    from br_cli import security

    app.add_typer(security.app, name="security")
    from br_cli import sqli

    security.app.command("sqli", help="Find SQL built from untrusted input (Python, JS/TS).")(
        sqli.sqli_command
    )

    from br_cli import cost, model, route

    app.add_typer(cost.app, name="cost")
    app.add_typer(model.app, name="model")
    app.command("route")(route.route_command)

    from br_cli import coverage

    app.add_typer(coverage.app, name="coverage")

    from br_cli import db, features, telemetry

    app.add_typer(telemetry.app, name="telemetry")
    app.add_typer(db.app, name="db")
    app.add_typer(features.app, name="features")

    from br_cli import init, mcp, tasks

    app.add_typer(tasks.app, name="tasks")
    app.add_typer(mcp.app, name="mcp")
    app.command("init")(init.init)


_register()


def main(argv: list[str] | None = None) -> int:
    """Console entry point; every command also records a build event (br_cli/capture.py)."""
    from br_cli.capture import run_captured

    return run_captured(_run, app, argv)


def _run(argv: list[str] | None) -> int:
    """typer handles usage errors (exit 2); ours become one-line errors."""
    try:
        app(args=argv, prog_name="br", standalone_mode=True)
    except BRError as exc:
        print(f"br: {exc.message}", file=sys.stderr)
        return exc.exit_code
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

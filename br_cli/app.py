"""`br`: the BuildRunner command line. Each command group lives in its own module.

Groups are imported lazily: `br cost daily` imports br_cli.cost and nothing of the other groups
(their pydantic models, the MCP SDK, the queue), so every command starts in a fraction of the
eager time. The `br` console script is br_cli/entry.py, which answers a repeated cost report
before this module (and typer) is imported.
"""

from __future__ import annotations

import importlib
import sys
from collections.abc import Iterator, MutableMapping
from functools import cache
from typing import Any

import typer
from typer.core import TyperGroup

from br_core.errors import EXIT_USAGE, BRError, one_line

# name -> (module, attribute): a typer.Typer becomes a group; a function becomes one command.
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "security": ("br_cli.security", "app"),
    "coverage": ("br_cli.coverage", "app"),
    "config": ("br_cli.config", "app"),
    "route": ("br_cli.route", "route_command"),
    "cost": ("br_cli.cost", "app"),
    "model": ("br_cli.model", "app"),
    "telemetry": ("br_cli.telemetry", "app"),
    "features": ("br_cli.features", "app"),
    "db": ("br_cli.db", "app"),
    "tasks": ("br_cli.tasks", "app"),
    "mcp": ("br_cli.mcp", "app"),
    "init": ("br_cli.init", "init"),
    "doctor": ("br_cli.doctor", "doctor_command"),
    "suggest": ("br_cli.suggest", "app"),
    "digest": ("br_cli.digest", "digest_command"),
    "orchestrate": ("br_cli.orchestrate", "app"),
    "worker": ("br_cli.worker", "worker_command"),
    "merge": ("br_cli.merge", "merge_command"),
    "decide": ("br_cli.decide", "decide_command"),
    "dashboard": ("br_cli.dashboard.command", "dashboard"),
}

app = typer.Typer(
    name="br",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


def _print_version(value: bool) -> None:
    if value:
        from br_core import __version__

        typer.echo(f"br {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False,
        "--version",
        callback=_print_version,
        is_eager=True,
        help="Print the version and exit.",
    ),
) -> None:
    """BuildRunner: guard and steer AI-assisted development in a git repository."""


def _load(name: str) -> Any:
    module_name, attribute = LAZY_COMMANDS[name]
    target = getattr(importlib.import_module(module_name), attribute)
    if isinstance(target, typer.Typer):
        group: Any = typer.main.get_group(target)
        group.name = name
        return group
    single = typer.Typer(add_completion=False)
    single.command(name)(target)
    command = typer.main.get_command(single)
    command.name = name
    return command


class _LazyCommands(MutableMapping[str, Any]):
    """The root group's command table: a module is imported when its command is looked up."""

    def __init__(self) -> None:
        self._loaded: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in self._loaded:
            if name not in LAZY_COMMANDS:
                raise KeyError(name)
            self._loaded[name] = _load(name)
        return self._loaded[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        del self._loaded[name]

    def __iter__(self) -> Iterator[str]:
        return iter(dict.fromkeys([*LAZY_COMMANDS, *self._loaded]))

    def __len__(self) -> int:
        return len(set(LAZY_COMMANDS) | set(self._loaded))


@cache
def root_command() -> TyperGroup:
    """The click group behind `br`, with the lazily loaded command table."""
    group = typer.main.get_group(app)
    group.commands = _LazyCommands()
    return group


def main(argv: list[str] | None = None) -> int:
    """Console entry point; every command also records a build event (br_cli/capture.py)."""
    from br_cli.capture import run_captured

    return run_captured(_run, root_command(), argv)


def _run(argv: list[str] | None) -> int:
    """typer handles usage errors (exit 2); ours become one-line errors.

    Every command's context carries the command line as `obj`: `br cost` keys the output it
    keeps by the words it was invoked with (br_cli/cost_cache.py).
    """
    args = sys.argv[1:] if argv is None else argv
    try:
        root_command()(args=args, prog_name="br", standalone_mode=True, obj=tuple(args))
    except BRError as exc:
        print(f"br: {one_line(exc.message)}", file=sys.stderr)
        return exc.exit_code
    except OSError as exc:
        if exc.filename is None:  # not about a path the user gave: a bug, keep its traceback
            raise
        # A path the system refuses before any command could judge it (too long, a loop of
        # symlinks, not a directory...): the path, the system's reason, what to do.
        print(f"br: {one_line(str(exc.filename))}: {exc.strerror}; check the path", file=sys.stderr)
        return EXIT_USAGE
    except SystemExit as exc:
        code = exc.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""`br init`: set up a repository for BuildRunner. Idempotent; merges; never clobbers.

Writes (only what is missing): `.pre-commit-config.yaml` entries, the `br` server in `.mcp.json`,
`.claude/skills/br-*/SKILL.md`, `.claude/agents/br-*.md`, telemetry hooks in
`.claude/settings.json` and `.buildrunner/config.toml`. A file the user changed is kept as it is
and reported. Slash commands an older `br init` wrote in `.claude/commands/` are removed when
they are still ours byte for byte (the skill of the same name replaces them).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated

import typer

from br_cli import init_files
from br_core import trust
from br_core.config import read_config
from br_core.errors import UsageError
from br_core.git import repo_root
from br_mcp.prompts import WORKFLOWS

DEFAULT_HOOKS_REPO = "https://github.com/buildrunner/buildrunner"
DEFAULT_HOOKS_REV = "v0.1.0"
SKILLS = tuple(f"br-{name}" for name in WORKFLOWS)
# What older versions wrote to .claude/commands/ (br_cli/templates/legacy/commands/).
LEGACY_COMMANDS = ("br-design", "br-analyze", "br-debug", "br-next", "br-route")
AGENTS = ("br-haiku", "br-sonnet", "br-opus")
CONFIG = ".buildrunner/config.toml"


@dataclass
class Change:
    path: str
    action: str  # created | updated | unchanged | kept | removed
    note: str = ""

    def line(self) -> str:
        note = f" ({self.note})" if self.note else ""
        return f"{self.action:9} {self.path}{note}"


def _template(name: str) -> str:
    return resources.files("br_cli").joinpath("templates", name).read_text(encoding="utf-8")


def _read(path: Path) -> str | None:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError as exc:
        raise UsageError(f"{path}: is a directory; move it aside, then rerun `br init`") from exc
    except OSError as exc:
        raise UsageError(f"{path}: cannot read ({exc.strerror}); check its permissions") from exc
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text; save it as UTF-8, then rerun `br init`") from exc


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".br-init.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)  # atomic: an interrupted init never leaves half a file


def _merged(
    root: Path, rel: str, merge: Callable[[str | None, str], tuple[str, str]], dry_run: bool
) -> Change:
    path = root / rel
    old = _read(path)
    new, note = merge(old, str(path))
    if old is not None and new == old:
        return Change(rel, "unchanged")
    if not dry_run:
        _write(path, new)
    return Change(rel, "created" if old is None else "updated", "" if old is None else note)


def _copied(root: Path, rel: str, template: str, dry_run: bool) -> Change:
    path = root / rel
    old = _read(path)
    if old is None:
        if not dry_run:
            _write(path, template)
        return Change(rel, "created")
    if old == template:
        return Change(rel, "unchanged")
    return Change(rel, "kept", "yours differs from ours; delete it to get ours")


def init_repository(
    root: Path,
    *,
    hooks_repo: str = DEFAULT_HOOKS_REPO,
    hooks_rev: str = DEFAULT_HOOKS_REV,
    dry_run: bool = False,
) -> list[Change]:
    """Bring `root` up to date; return one Change per file considered."""
    changes = [
        _merged(
            root,
            ".pre-commit-config.yaml",
            lambda text, where: init_files.merge_pre_commit(text, hooks_repo, hooks_rev, where),
            dry_run,
        ),
        _merged(root, ".mcp.json", init_files.merge_mcp_json, dry_run),
        _merged(root, ".claude/settings.json", init_files.merge_claude_settings, dry_run),
    ]
    for workflow in WORKFLOWS.values():
        rel = f".claude/skills/br-{workflow.name}/SKILL.md"
        changes.append(_copied(root, rel, workflow.skill(), dry_run))
    changes += _retire_commands(root, dry_run)
    for name in AGENTS:
        changes.append(
            _copied(root, f".claude/agents/{name}.md", _template(f"agents/{name}.md"), dry_run)
        )
    config = _copied(root, CONFIG, _template("config.toml"), dry_run)
    if config.action in ("created", "unchanged") and not dry_run:
        _trust_ours(root)
    changes.append(config)
    return changes


def _retire_commands(root: Path, dry_run: bool) -> list[Change]:
    """Remove the slash commands an older `br init` wrote, when they are still ours: Claude Code
    merged commands into skills, and a skill wins over a command of the same name anyway."""
    changes = []
    for name in LEGACY_COMMANDS:
        rel = f".claude/commands/{name}.md"
        old = _read(root / rel)
        if old is None:
            continue
        if old != _template(f"legacy/commands/{name}.md"):
            changes.append(Change(rel, "kept", "yours; remove it if the br skill replaces it"))
            continue
        if not dry_run:
            (root / rel).unlink()
        skill = f"skill .claude/skills/{name}/SKILL.md" if name in SKILLS else "no longer shipped"
        changes.append(Change(rel, "removed", f"ours, unchanged; {skill}"))
    return changes


def _trust_ours(root: Path) -> None:
    """The user who runs `br init` trusts the config it wrote (ours, byte for byte); a config
    they or others changed is left for `br config trust`."""
    loaded = read_config(root)
    if loaded.digest is not None:
        trust.grant(loaded.path, loaded.digest)


def init(
    hooks_repo: Annotated[
        str, typer.Option(help="repository URL or path the pre-commit entry points at")
    ] = DEFAULT_HOOKS_REPO,
    hooks_rev: Annotated[str, typer.Option(help="tag or commit of that repository")] = (
        DEFAULT_HOOKS_REV
    ),
    dry_run: Annotated[bool, typer.Option("--dry-run", help="print, do not write")] = False,
) -> None:
    """Set up hooks, the MCP server, skills and subagents here (safe to rerun)."""
    root = repo_root(Path.cwd())
    changes = init_repository(root, hooks_repo=hooks_repo, hooks_rev=hooks_rev, dry_run=dry_run)
    for change in changes:
        typer.echo(change.line())
    touched = sum(1 for c in changes if c.action in ("created", "updated", "removed"))
    verb = "would change" if dry_run else "changed"
    typer.echo(f"br init: {verb} {touched} of {len(changes)} files in {root}")
    if touched and not dry_run:
        typer.echo("next: `pre-commit install`, then restart Claude Code to load .mcp.json")

"""`br init`: set up a repository for BuildRunner. Idempotent; merges; never clobbers.

Writes (only what is missing): `.pre-commit-config.yaml` entries (`repo: local` hooks running
the installed console scripts, or the published repository at a real tag), the `br` server in
`.mcp.json`, `.claude/skills/br-*/SKILL.md`, `.claude/agents/br-*.md`, telemetry hooks in
`.claude/settings.json` and `.buildrunner/config.toml`. A file the user changed is kept as it is
and reported. Slash commands an older `br init` wrote in `.claude/commands/` are removed when
they are still ours byte for byte (the skill of the same name replaces them).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Annotated

import typer

from br_cli import init_files
from br_core import trust
from br_core.config import read_config
from br_core.errors import UsageError
from br_core.git import repo_root
from br_mcp.prompts import WORKFLOWS

DISTRIBUTION = "buildrunner"
# Where releases are published (pyproject's Project-URL Source); docs/RELEASING.md pushes the tag
# `v<version>` there before a release reaches an index, so the remote form's rev exists.
PUBLISHED_REPO = "https://github.com/buildrunner/buildrunner"
SOURCE_LABELS = ("source", "repository", "source code")
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


def hook_source_for(
    direct_url: str | None, version: str, project_urls: Sequence[str]
) -> tuple[str, str]:
    """(repo, rev) for the pre-commit entry, from how br was installed.

    `direct_url` is the distribution's direct_url.json (PEP 610): present for an install from a
    local path, an editable checkout, a wheel file or a VCS URL; absent for one from an index.
    Only a published source gives the remote form, and only with a revision that exists there:
    a VCS install's commit, or an index release's tag `v<version>` in the repository its
    metadata names (Project-URL Source/Repository). Anything else runs the installed console
    scripts as `repo: local` hooks, which need no network and no hook environment.
    """
    local = (init_files.LOCAL, "")
    if direct_url is None:
        for entry in project_urls:
            label, _, url = entry.partition(",")
            if label.strip().lower() in SOURCE_LABELS and url.strip().startswith("https://"):
                return url.strip(), f"v{version}"
        return local
    try:
        data = json.loads(direct_url)
    except json.JSONDecodeError:
        return local
    if not isinstance(data, dict):
        return local
    source, vcs = data.get("url"), data.get("vcs_info")
    if isinstance(vcs, dict) and vcs.get("vcs") == "git" and isinstance(source, str):
        commit = vcs.get("commit_id")
        if source.startswith("https://") and isinstance(commit, str) and commit:
            return source, commit
    return local


def installed_hook_source() -> tuple[str, str]:
    """(repo, rev) for the br that runs this code (see hook_source_for)."""
    try:
        dist = metadata.distribution(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a bare checkout: its scripts, if any
        return init_files.LOCAL, ""
    urls = dist.metadata.get_all("Project-URL") or []
    return hook_source_for(dist.read_text("direct_url.json"), dist.version, urls)


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


def choose_hook_source(repo: str | None, rev: str | None) -> tuple[str, str]:
    """The user's --hooks-repo/--hooks-rev, else the form that fits how br was installed."""
    if repo is None:
        return installed_hook_source() if rev is None else (PUBLISHED_REPO, rev)
    if repo == init_files.LOCAL:
        return repo, ""
    if not rev:
        raise UsageError(
            f"--hooks-repo {repo}: needs --hooks-rev (a tag or commit that exists there)"
        )
    return repo, rev


def init_repository(
    root: Path,
    *,
    hooks_repo: str | None = None,
    hooks_rev: str | None = None,
    dry_run: bool = False,
) -> list[Change]:
    """Bring `root` up to date; return one Change per file considered.

    Without `hooks_repo` the pre-commit entry fits how br was installed (choose_hook_source).
    """
    hooks_repo, hooks_rev = choose_hook_source(hooks_repo, hooks_rev)
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
        str | None,
        typer.Option(
            help="Repository URL or path for the pre-commit entry, or `local` for hooks that "
            "run the installed br-* scripts. Default: `local`, unless br was installed from a "
            "published release (then its repository at that release's tag)."
        ),
    ] = None,
    hooks_rev: Annotated[
        str | None,
        typer.Option(help="Tag or commit of --hooks-repo (alone: of the published repository)."),
    ] = None,
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
        typer.echo(
            "next: `pre-commit install`, then restart Claude Code to load .mcp.json; "
            "`br doctor` checks the setup"
        )

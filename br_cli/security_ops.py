"""Door work for `br security`, as plain functions: the files a user named, and installing the
hooks. Scanning lives in the engine (br_core/secrets/, br_core/sqli/, br_core/scan/staged.py);
the typer commands in security.py only parse options and print."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from br_core.errors import UsageError
from br_core.git import run_git
from br_core.scan.files import walk_files

HOOK_MARKER = "# installed by `br security install-hooks`"


def tree_files(root: Path, paths: Sequence[Path]) -> list[Path]:
    """Files under `paths` (default: the whole repository), honouring .gitignore: the same
    walker as the hooks and the MCP scan. A relative path is taken from the current directory
    first, then from `root`; a path that is in neither raises UsageError."""
    targets = [_existing(root, p) for p in paths] or [root]
    return walk_files(targets, root)


def _existing(root: Path, path: Path) -> Path:
    for candidate in (path, root / path) if not path.is_absolute() else (path,):
        if candidate.exists():
            return candidate.absolute()
    raise UsageError(f"{path}: no such file or directory; check the path")


SECURITY_HOOKS = ("br-secrets", "br-sql-injection")


def install_pre_commit(root: Path, repo: str, rev: str) -> str:
    """Add our hooks to .pre-commit-config.yaml (creating it if needed) and install pre-commit."""
    from br_cli.init_files import merge_pre_commit

    config = root / ".pre-commit-config.yaml"
    text = config.read_text(encoding="utf-8") if config.exists() else None
    merged, note = merge_pre_commit(text, repo, rev, config.name, hooks=SECURITY_HOOKS)
    if note:
        config.write_text(merged, encoding="utf-8")
        message = f"{config.name}: {note} ({repo}{f' @ {rev}' if rev else ''})"
    else:
        message = f"{config.name}: {', '.join(SECURITY_HOOKS)} already configured"
    proc = subprocess.run(
        [*_pre_commit_command(), "install"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip().splitlines()
        raise UsageError(f"pre-commit install: {detail[-1] if detail else 'failed'}")
    return message + "; `pre-commit install` done"


def _pre_commit_command() -> list[str]:
    """pre-commit on PATH (the user's own tool), else the one beside br if it has one."""
    import importlib.util

    found = shutil.which("pre-commit")
    if found:
        return [found]
    if importlib.util.find_spec("pre_commit") is not None:
        return [sys.executable, "-m", "pre_commit"]
    raise UsageError(
        "pre-commit: not found on PATH; install it (`pipx install pre-commit` or "
        "`uv tool install pre-commit`), then rerun"
    )


def install_plain_hook(root: Path) -> str:
    """A plain .git/hooks/pre-commit that runs `br security check --staged`."""
    hooks = Path(run_git(["rev-parse", "--git-path", "hooks"], cwd=root).strip())
    hook = (hooks if hooks.is_absolute() else root / hooks) / "pre-commit"
    if hook.exists() and HOOK_MARKER not in hook.read_text(encoding="utf-8", errors="replace"):
        raise UsageError(
            f"{hook}: a pre-commit hook already exists; add `br security check --staged` to it"
        )
    br = shutil.which("br") or str(Path(sys.executable).with_name("br"))
    hook.parent.mkdir(parents=True, exist_ok=True)
    hook.write_text(f'#!/bin/sh\n{HOOK_MARKER}\nexec "{br}" security check --staged\n')
    hook.chmod(0o755)
    return f"{hook}: runs `br security check --staged` before every commit"

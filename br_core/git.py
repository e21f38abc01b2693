"""Small git helpers. Every call runs git with a fixed argv; no shell."""

from __future__ import annotations

import hashlib
import os
import subprocess
from functools import lru_cache
from pathlib import Path

from br_core.errors import UsageError


class GitError(UsageError):
    """git is missing, or the directory is not inside a repository."""


def run_git(args: list[str], cwd: Path | str | None = None, *, check: bool = True) -> str:
    """Run `git ARGS` and return stdout (text). Raises GitError with git's own message."""
    try:
        proc = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            check=False,
        )
    except FileNotFoundError as exc:  # pragma: no cover - git is a hard requirement on CI
        raise GitError("git: not found on PATH; install git") from exc
    if check and proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        first = detail[0] if detail else f"exit {proc.returncode}"
        raise GitError(f"git {args[0]}: {first}")
    return proc.stdout.decode("utf-8", "surrogateescape")


def repo_root(cwd: Path | str | None = None) -> Path:
    """The top of the work tree containing `cwd`."""
    where = Path(cwd) if cwd is not None else Path.cwd()
    try:
        out = run_git(["rev-parse", "--show-toplevel"], cwd=where)
    except GitError as exc:
        raise GitError(f"{where}: not inside a git repository; run `git init` first") from exc
    return Path(out.strip())


def git_common_dir(cwd: Path | str | None = None) -> Path:
    """The repository's common git dir: the same for every worktree of one repository."""
    where = Path(cwd) if cwd is not None else Path.cwd()
    out = run_git(["rev-parse", "--path-format=absolute", "--git-common-dir"], cwd=where)
    return Path(out.strip()).resolve()


@lru_cache(maxsize=64)
def _project_id_for(common_dir: str) -> str:
    return hashlib.sha256(common_dir.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def project_id(cwd: Path | str | None = None) -> str:
    """A stable id for the repository: all its worktrees share it.

    Outside a repository the id is derived from the absolute directory, so commands still work.
    """
    where = Path(cwd) if cwd is not None else Path.cwd()
    try:
        common = str(git_common_dir(where))
    except GitError:
        common = os.path.realpath(where)
    return _project_id_for(common)


def head_hash(cwd: Path | str | None = None) -> str | None:
    """The current commit hash, or None in a repository without commits."""
    try:
        return run_git(["rev-parse", "HEAD"], cwd=cwd).strip() or None
    except GitError:
        return None


def staged_files(cwd: Path | str | None = None) -> list[str]:
    """Paths (relative to the repo root) added, copied, modified or renamed in the index."""
    out = run_git(["diff", "--cached", "--name-only", "--diff-filter=ACMR", "-z"], cwd=cwd)
    return [p for p in out.split("\0") if p]


def staged_blob(path: str, cwd: Path | str | None = None) -> bytes:
    """The staged (index) content of `path`."""
    proc = subprocess.run(["git", "show", f":{path}"], cwd=cwd, capture_output=True, check=False)
    if proc.returncode != 0:
        raise GitError(f"{path}: not in the index; stage it with `git add {path}`")
    return proc.stdout

"""A repository with a spec of three streams, and helpers to run `br` as a real process."""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import git

SPEC = """# Shop
## Feature: Storage (2h)
Stream: api
- [ ] Schema (1h)
- [ ] Pool (30m)
## Feature: Pages
Stream: web
Depends on: Storage
- [ ] Cart page (45m)
## Feature: Docs
Stream: docs
- [ ] Readme (15m)
"""
BR = [sys.executable, "-m", "br_cli.app"]


def br_process(cwd: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """`br ARGS` as a real process in `cwd` (BR_HOME and git identity from the environment)."""
    return subprocess.run(
        [*BR, *args], cwd=cwd, capture_output=True, text=True, timeout=timeout, check=False
    )


def br(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`br ARGS` in this process, run in `cwd`, as the console script runs it (what it prints,
    its exit code). The commands still run git, the hooks and the workers' commands as real
    processes; in-process, coverage sees the command's own code."""
    from br_cli.app import main

    out, err = io.StringIO(), io.StringIO()
    before = Path.cwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(list(args))
    finally:
        os.chdir(before)
    return subprocess.CompletedProcess([*BR, *args], code, out.getvalue(), err.getvalue())


def index_hash(repo: Path) -> str:
    return hashlib.sha256((repo / ".git" / "index").read_bytes()).hexdigest()


def porcelain(repo: Path) -> str:
    return git(repo, "status", "--porcelain")


@pytest.fixture
def shop(git_repo: Path) -> Path:
    """`git_repo` with shared.txt and the spec committed and parsed into the queue."""
    (git_repo / "shared.txt").write_text("base\n", encoding="utf-8")
    (git_repo / "SPEC.md").write_text(SPEC, encoding="utf-8")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "spec")
    proc = br(git_repo, "tasks", "parse", "SPEC.md")
    assert proc.returncode == 0, proc.stderr
    return git_repo


def commit_in(worktree: Path, name: str, text: str, message: str) -> str:
    (worktree / name).write_text(text, encoding="utf-8")
    git(worktree, "add", name)
    git(worktree, "commit", "-qm", message)
    return git(worktree, "rev-parse", "HEAD").strip()


__all__ = ["BR", "SPEC", "br", "br_process", "commit_in", "index_hash", "porcelain"]

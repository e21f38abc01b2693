"""br_core.git: the one derivation of a directory's repository root and project id."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from br_core import git as br_git
from br_core.git import (
    GitError,
    directory_project_id,
    project_id,
    project_root,
    repo_context,
    repo_root,
)


def test_inside_a_repository_every_directory_names_its_top(git_repo: Path) -> None:
    sub = git_repo / "src" / "pkg"
    sub.mkdir(parents=True)
    top = Path(os.path.realpath(git_repo))
    assert repo_root(sub) == top and project_root(sub) == top
    assert project_id(sub) == project_id(git_repo) == repo_context(sub).project_id


def test_outside_git_the_directory_is_its_own_project(tmp_path: Path) -> None:
    where = tmp_path / "plain"
    where.mkdir()
    assert project_root(where) == Path(os.path.realpath(where))
    assert project_id(where) == directory_project_id(where)
    with pytest.raises(GitError, match="not inside a git repository"):
        repo_root(where)


def test_a_gone_directory_keeps_the_id_it_had_outside_git(tmp_path: Path) -> None:
    where = tmp_path / "was-here"
    where.mkdir()
    before = project_id(where)
    where.rmdir()
    assert directory_project_id(where) == before


def test_one_git_call_per_directory_per_process(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[list[str]] = []
    real_run = subprocess.run

    def counting_run(args: list[str], *rest: Any, **kwargs: Any) -> Any:
        calls.append(list(args))
        return real_run(args, *rest, **kwargs)

    monkeypatch.setattr(br_git.subprocess, "run", counting_run)
    fresh = git_repo / "fresh"
    fresh.mkdir()
    repo_root(fresh), project_root(fresh), project_id(fresh), repo_context(str(fresh))
    assert len(calls) == 1 and calls[0][:2] == ["git", "rev-parse"]

"""`[project] name`: a configured project id on a shared store, on both stores.

Real repositories, the real `br` CLI, the real trust file, and a real PostgreSQL server for the
shared store (tests/conftest.py `store_backend`).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from br_cli.app import main
from br_core.git import project_identity, repo_context
from br_core.project_name import name_project_id
from tests.conftest import git


def _run(capsys: pytest.CaptureFixture[str], cwd: Path, *argv: str) -> tuple[int, str, str]:
    """`br ARGV` in `cwd`, as a user types it there."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(cwd)
        code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def _repo(base: Path, name: str, first: str, project: str | None) -> Path:
    """A repository of its own whose first commit says `first`, committing `[project] name`."""
    repo = base / name
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "commit", "-q", "--allow-empty", "-m", first)
    if project is not None:
        (repo / ".buildrunner").mkdir()
        (repo / ".buildrunner" / "config.toml").write_text(
            f'[project]\nname = "{project}"\n', encoding="utf-8"
        )
        git(repo, "add", ".buildrunner")
        git(repo, "commit", "-q", "-m", "name the project")
    return repo


def _task_ids(capsys: pytest.CaptureFixture[str], repo: Path) -> set[str]:
    code, out, err = _run(capsys, repo, "tasks", "list")
    assert code == 0, err
    return {line.split()[2] for line in out.splitlines() if line.startswith("ready")}


def test_same_trusted_name_shares_one_queue(
    git_repo: Path, store_backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    a = _repo(git_repo.parent, "a", "first commit of a", "acme-api")
    b = _repo(git_repo.parent, "b", "an unrelated first commit", "acme-api")
    assert git(a, "rev-list", "--max-parents=0", "HEAD") != git(
        b, "rev-list", "--max-parents=0", "HEAD"
    )
    for repo in (a, b):
        assert _run(capsys, repo, "config", "trust")[0] == 0
    assert _run(capsys, a, "tasks", "add", "Shared work", "--id", "shared")[0] == 0

    shared = store_backend == "postgresql"
    assert ("shared" in _task_ids(capsys, b)) is shared  # the local store keeps path ids
    assert (repo_context(a).project_id == repo_context(b).project_id) is shared
    code, out, _ = _run(capsys, b, "db", "status")
    assert code == 0
    if shared:
        assert (
            f"project:  {name_project_id('acme-api')} (from configured name 'acme-api' in " in out
        )
    else:
        assert "(from the path of its git directory)" in out
        assert "configured name 'acme-api'" in out and "used on a shared store only" in out


def test_identical_first_commits_with_different_names_stay_apart(
    git_repo: Path, store_backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Two repositories started from one template share a root commit, not a project."""
    one, two = git_repo.parent / "one", git_repo.parent / "two"
    for clone, name in ((one, "shop-one"), (two, "shop-two")):
        git(git_repo.parent, "clone", "-q", str(git_repo), str(clone))
        (clone / ".buildrunner").mkdir()
        (clone / ".buildrunner" / "config.toml").write_text(f'[project]\nname = "{name}"\n')
        assert _run(capsys, clone, "config", "trust")[0] == 0
    assert _run(capsys, one, "tasks", "add", "Only in one", "--id", "mine")[0] == 0
    assert "mine" not in _task_ids(capsys, two)
    assert repo_context(one).project_id != repo_context(two).project_id
    if store_backend == "postgresql":
        assert repo_context(one).project_id == name_project_id("shop-one")


def test_untrusted_committed_name_is_ignored_and_said(
    git_repo: Path, store_backend: str, capsys: pytest.CaptureFixture[str]
) -> None:
    a = _repo(git_repo.parent, "a", "first commit of a", "acme-api")
    b = _repo(git_repo.parent, "b", "an unrelated first commit", "acme-api")
    assert _run(capsys, a, "config", "trust")[0] == 0  # b's bytes are the same: trust is by content
    (b / ".buildrunner" / "config.toml").write_text('[project]\nname = "acme-api"  # b\n')
    assert _run(capsys, a, "tasks", "add", "Trusted side", "--id", "ours")[0] == 0
    assert "ours" not in _task_ids(capsys, b)

    identity = project_identity(b)
    assert identity.context.id_source in ("root commit", "path")
    assert identity.context.project_id != name_project_id("acme-api")
    code, out, _ = _run(capsys, b, "db", "status")
    assert code == 0
    if store_backend == "postgresql":
        notes = [line for line in out.splitlines() if line.startswith("note:")]
        assert len(notes) == 1 and 'not trusted; ignoring [project] name = "acme-api"' in notes[0]
        assert "br config trust" in notes[0] and str(b / ".buildrunner" / "config.toml") in notes[0]
        assert "(from the repository's root commit)" in out
        code, out, _ = _run(capsys, b, "doctor")
        assert "project id: " in out and "ignoring [project] name" in out


def test_user_config_names_a_checkout_without_trust(
    git_repo: Path, store_backend: str, br_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a = _repo(git_repo.parent, "a", "first commit of a", None)
    b = _repo(git_repo.parent, "b", "an unrelated first commit", "untrusted-name")
    (br_home / "config.toml").write_text(
        f'[projects]\n"{a}" = "team-x"\n"{b}" = "team-x"\n', encoding="utf-8"
    )
    worktree = git_repo.parent / "a-feature"
    git(a, "worktree", "add", "-q", str(worktree), "-b", "feature")
    assert _run(capsys, worktree, "tasks", "add", "From a worktree", "--id", "wt")[0] == 0
    assert "wt" in _task_ids(capsys, a)  # every worktree of a named checkout: one project
    assert ("wt" in _task_ids(capsys, b)) is (store_backend == "postgresql")


@pytest.mark.parametrize(
    "value",
    ['"Acme API"', '"ACME"', '"-lead"', '""', f'"{"a" * 65}"', "42", '"a\\nb"', '"x/y"'],
)
def test_invalid_names_are_refused(
    git_repo: Path, store_backend: str, value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = git_repo / ".buildrunner" / "config.toml"
    config.parent.mkdir()
    config.write_text(f"[project]\nname = {value}\n", encoding="utf-8")  # trusted or not
    commands = [("db", "status")] + ([("tasks", "list")] if store_backend == "postgresql" else [])
    for argv in commands:
        code, out, err = _run(capsys, git_repo, *argv)
        assert code == 2, (argv, out)
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
        assert f"{config}: [project] name" in err and "lowercase letters" in err
    code, out, _ = _run(capsys, git_repo, "doctor")
    assert "project id: " in out and "is not a project name" in out


@pytest.mark.parametrize("value", ["acme-api", "a", "team.repo_2", "9lives"])
def test_valid_names_are_accepted(git_repo: Path, store_backend: str, value: str) -> None:
    config = git_repo / ".buildrunner" / "config.toml"
    config.parent.mkdir()
    config.write_text(f'[project]\nname = "{value}"\n', encoding="utf-8")
    assert main(["config", "trust"]) == 0
    expected = name_project_id(value) if store_backend == "postgresql" else None
    assert project_identity(git_repo).context.project_id == (
        expected or repo_context(git_repo).project_id
    )

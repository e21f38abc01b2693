"""`br_core.scan.files.walk_files`: the one directory walker behind the hooks, the CLI and MCP."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import anyio
import pytest
from mcp import Client

from br_cli import security_ops
from br_cli.app import main as br_main
from br_core.errors import UsageError
from br_core.scan.allowlist import normalize_path
from br_core.scan.files import walk_files
from br_core.secrets import scanner as secrets
from br_core.sqli import scan as sql_injection
from br_mcp.server import create_server
from tests.conftest import git
from tests.hooks.test_hook_cli import DIRTY, GHP

# Every file gets a secret and an SQL injection, so a scan's findings name the files it read.


def _write(root: Path, rel: str, text: str = DIRTY) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def no_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A directory git will not treat as (or place inside) a work tree."""
    root = tmp_path / "plain"
    root.mkdir()
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path))
    monkeypatch.chdir(root)
    return root


@pytest.fixture
def tree(git_repo: Path) -> Path:
    """A repository with tracked, untracked, ignored, tool-directory and symlinked entries."""
    _write(git_repo, ".gitignore", "build/\n*.log\n")
    _write(git_repo, "src/app.py")
    _write(git_repo, "src/gone.py")
    _write(git_repo, "vendor/node_modules/dep/index.js", "module.exports = 1;\n")
    git(git_repo, "add", ".")
    git(git_repo, "commit", "-q", "-m", "tracked files")
    (git_repo / "src" / "gone.py").unlink()  # tracked, deleted in the work tree
    _write(git_repo, "src/new.py")  # untracked, not ignored
    _write(git_repo, "src/build/gen.py")  # ignored by .gitignore
    _write(git_repo, "src/debug.log")  # ignored by .gitignore
    _write(git_repo, "src/.venv/lib/site.py")  # untracked tool directories, not ignored
    _write(git_repo, "src/node_modules/dep/index.js", "module.exports = 1;\n")
    _write(git_repo, "src/__pycache__/app.cpython-311.pyc", "x")
    _write(git_repo, "src/env/pyvenv.cfg", "home = /usr/bin\n")  # a venv under another name
    _write(git_repo, "src/env/lib/site.py")
    (git_repo / "src" / "linked").symlink_to(git_repo / "src" / "build")
    return git_repo


REPO_FILES = [".gitignore", "src/app.py", "src/new.py", "vendor/node_modules/dep/index.js"]


def test_git_listing_honours_gitignore_and_drops_untracked_tool_dirs(tree: Path) -> None:
    found = walk_files([Path(".")], tree)
    assert [p.as_posix() for p in found] == REPO_FILES
    # Absolute in, absolute out; a subdirectory lists only its own files.
    assert walk_files([tree / "src"], tree) == [tree / "src/app.py", tree / "src/new.py"]


def test_walk_outside_git_skips_vcs_venvs_caches_and_symlinked_dirs(no_repo: Path) -> None:
    for rel in [
        "a.py",
        "pkg/b.py",
        "pkg/deep/c.js",
        ".hg/store/data",
        ".venv/lib/x.py",
        "venv/lib/x.py",
        "pkg/node_modules/dep/index.js",
        "pkg/__pycache__/b.cpython-311.pyc",
        ".tox/py311/x.py",
        "myenv/pyvenv.cfg",
        "myenv/lib/x.py",
    ]:
        _write(no_repo, rel)
    (no_repo / "link").symlink_to(no_repo / "pkg", target_is_directory=True)
    (no_repo / "a_link.py").symlink_to(no_repo / "a.py")  # a link to a file is listed
    (no_repo / "dangling.py").symlink_to(no_repo / "missing.py")
    found = [p.as_posix() for p in walk_files([Path(".")], no_repo)]
    assert found == ["a.py", "a_link.py", "pkg/b.py", "pkg/deep/c.js"]


def test_the_start_directory_is_walked_even_with_a_skipped_name(no_repo: Path) -> None:
    # Naming node_modules explicitly scans it; a VCS directory is never source.
    _write(no_repo, "node_modules/dep/index.js")
    _write(no_repo, ".git/config", "[core]\n")
    assert walk_files([Path("node_modules")], no_repo) == [Path("node_modules/dep/index.js")]
    assert walk_files([Path(".git")], no_repo) == []


def _fake_git_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A `git` first on PATH that records each call and then runs the real git."""
    real = shutil.which("git")
    assert real is not None
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "git-calls"
    script = bin_dir / "git"
    script.write_text(f'#!/bin/sh\necho "$@" >> "{calls}"\nexec "{real}" "$@"\n')
    script.chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")
    return calls


def test_explicit_files_are_returned_as_given_without_calling_git(
    tree: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = _fake_git_on_path(tmp_path, monkeypatch)
    given = [Path("src/new.py"), tree / "src/app.py", Path("./src/new.py"), Path("src/debug.log")]
    # Named files win over .gitignore, keep their form, come out sorted and once each.
    expected = [tree / "src/app.py", Path("src/debug.log"), Path("src/new.py")]
    assert walk_files(given, tree) == expected
    assert not calls.exists()
    walk_files([Path("src")], tree)  # the control: a directory is listed through git
    assert "ls-files" in calls.read_text(encoding="utf-8")


def test_a_file_named_beside_its_directory_is_listed_once(tree: Path) -> None:
    found = walk_files([tree / "src/app.py", Path("src")], tree)
    assert [normalize_path(p, tree) for p in found] == ["src/app.py", "src/new.py"]


@pytest.mark.parametrize(
    ("name", "is_dir"), [("missing.py", False), ("src/linked", True), ("src/debug.log", False)]
)
def test_missing_paths_and_symlinked_dirs_pass_through_unwalked(
    tree: Path, name: str, is_dir: bool
) -> None:
    assert walk_files([Path(name)], tree) == [Path(name)]
    assert (tree / name).is_dir() == is_dir


def test_a_missing_path_is_an_error_in_every_scanner(tree: Path) -> None:
    result = secrets.scan_files([Path("missing.py")], tree)
    assert [(s.path, s.error) for s in result.skipped] == [("missing.py", True)]
    assert sql_injection.scan_files([Path("missing.py")], tree).errors == [
        "missing.py: no such file; check the path"
    ]
    with pytest.raises(UsageError, match=r"^missing\.py: no such file or directory"):
        security_ops.tree_files(tree, [Path("missing.py")])


def test_sql_injection_keeps_its_language_filter_on_directories_only(no_repo: Path) -> None:
    for rel in ["a.py", "b.ts", "notes.txt", "script"]:
        _write(no_repo, rel)
    found = sql_injection.expand([Path("."), Path("notes.txt")], no_repo)
    assert [p.as_posix() for p in found] == ["a.py", "b.ts", "notes.txt"]


def _mcp_scan(root: Path, paths: list[str]) -> list[dict[str, object]]:
    async def body() -> list[dict[str, object]]:
        with anyio.fail_after(60):
            async with Client(create_server(root)) as client:
                result = await client.call_tool("security_scan", {"paths": paths})
        content = result.structured_content
        assert content is not None
        return list(content["findings"])

    findings: list[dict[str, object]] = anyio.run(body)
    return findings


def test_mcp_scan_and_cli_scan_read_the_same_files(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    listed = {normalize_path(p, tree) for p in security_ops.tree_files(tree, [Path("src")])}
    assert listed == {"src/app.py", "src/new.py"}
    findings = _mcp_scan(tree, ["src"])
    assert GHP not in json.dumps(findings)
    for kind in ("secret", "sql_injection"):
        assert {f["path"] for f in findings if f["kind"] == kind} == listed
    assert {f.path for f in secrets.scan_paths([Path("src")], tree)} == listed
    assert br_main(["security", "scan", "--json", "src"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert {f["path"] for f in report["findings"]} == listed


def test_cli_paths_are_taken_from_the_current_directory_first(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tree / "src")
    assert security_ops.tree_files(tree, [Path("app.py")]) == [tree / "src/app.py"]
    assert security_ops.tree_files(tree, [Path("vendor")]) == [
        tree / "vendor/node_modules/dep/index.js"
    ]


def test_a_named_ignored_file_is_scanned_by_the_cli(
    tree: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Naming a file is a request to scan it; .gitignore only shapes directory listings.
    assert br_main(["security", "scan", "--json", "src/debug.log"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert [f["path"] for f in report["findings"]] == ["src/debug.log"]
    assert br_main(["security", "scan", "src"]) == 1
    assert "src/debug.log" not in capsys.readouterr().out

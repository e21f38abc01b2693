"""`br_core.scan.staged`: every scanner a door names sees the index, not the work tree."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from br_core.scan.finding import ScanResult
from br_core.scan.staged import scan_staged
from br_core.secrets.scanner import scan_files as scan_secrets
from br_core.sqli.scan import scan_files as scan_sql_injection
from tests.conftest import git
from tests.hooks.test_hook_cli import DIRTY, GHP


def test_each_scanner_gets_the_staged_content_with_repo_relative_paths(git_repo: Path) -> None:
    (git_repo / "src").mkdir()
    app = git_repo / "src" / "app.py"
    app.write_text(DIRTY, encoding="utf-8")
    git(git_repo, "add", "src/app.py")
    app.write_text("x = 1\n", encoding="utf-8")  # the fix is not staged: the index still leaks
    secrets, sql = scan_staged(git_repo, [scan_secrets, scan_sql_injection])
    assert [(f.kind, f.path) for f in secrets.findings] == [("secret", "src/app.py")]
    assert [(f.kind, f.path) for f in sql.findings] == [("sql_injection", "src/app.py")]
    assert GHP not in repr(secrets.findings)


def test_the_repositorys_settings_apply_and_an_empty_index_scans_nothing(git_repo: Path) -> None:
    seen: list[list[str]] = []

    def record(paths: Sequence[Path], root: Path) -> ScanResult:
        seen.append([p.relative_to(root).as_posix() for p in paths])
        return ScanResult()

    assert scan_staged(git_repo, [record]) == [ScanResult()] and seen == [[]]
    (git_repo / "leak.py").write_text(DIRTY, encoding="utf-8")
    (git_repo / ".buildrunner").mkdir()
    (git_repo / ".buildrunner" / "whitelist.txt").write_text("leak.py\n", encoding="utf-8")
    git(git_repo, "add", "leak.py")  # the whitelist itself is not staged, yet it applies
    [secrets] = scan_staged(git_repo, [scan_secrets])
    assert secrets.findings == []

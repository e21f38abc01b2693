"""The staged index as a directory, so every scanner sees exactly what the next commit holds."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from br_core.git import run_git, staged_files
from br_core.scan.finding import ScanResult

# A scanner's `scan_files(paths, root)`: br_core.secrets.scanner's, br_core.sqli.scan's.
ScanFiles = Callable[[Sequence[Path], Path], ScanResult]


@contextmanager
def staged_tree(root: Path, files: Sequence[str]) -> Iterator[Path]:
    """The staged content of `files` checked out into a temporary directory (plus the
    repository's .buildrunner settings), so every scanner sees exactly what will be committed."""
    with tempfile.TemporaryDirectory(prefix="br-staged-") as tmp:
        if files:
            run_git(["checkout-index", f"--prefix={tmp}/", "--", *files], cwd=root)
        settings = root / ".buildrunner"
        if settings.is_dir() and not (Path(tmp) / ".buildrunner").exists():
            shutil.copytree(settings, Path(tmp) / ".buildrunner", symlinks=True)
        yield Path(tmp)


def scan_staged(root: Path, scans: Sequence[ScanFiles]) -> list[ScanResult]:
    """One result per scanner in `scans`, each over the files staged in the repository at
    `root`; paths come out relative to the staged tree, which is to say repo-relative."""
    files = staged_files(root)
    with staged_tree(root, files) as tree:
        return [scan([tree / rel for rel in files], tree) for scan in scans]

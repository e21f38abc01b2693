"""Finding and reading the files a hook is given, safely: every bad input becomes a `Skip`.

`walk_files(paths, root)` turns the paths a user or tool names into files: files as given,
directories listed through git (honouring .gitignore) or walked outside a repository. Every
scanner (the hooks, `br security`, the MCP security_scan tool) uses it, so they agree.

`read_text_file(path)` returns the text, or a `Skip` when the file is missing, unreadable, a
directory, a symlink, binary (a NUL byte near the start) or larger than `max_bytes`. Invalid
UTF-8 is decoded with replacement characters so the ASCII around it is still scanned.
A `Skip` with `notice=True` is worth telling the user about; the others are expected.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MAX_BYTES = 2 * 1024 * 1024
_SNIFF = 8192


@dataclass(frozen=True)
class Skip:
    """Why a file was not read. `error`: the user named something that cannot be read."""

    path: str
    reason: str
    notice: bool = False
    error: bool = False
    too_large: bool = False  # over the size cap: the secret scanner fails closed on it

    def message(self) -> str:
        return f"{self.path}: {self.reason}"


def read_text_file(path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES) -> str | Skip:
    """The file's text, or a Skip saying why it was not read. Never raises for bad input."""
    name = str(path)
    try:
        info = os.lstat(name)
    except FileNotFoundError:
        return Skip(name, "no such file; check the path", notice=True, error=True)
    except OSError as exc:
        return Skip(name, f"cannot stat ({exc.strerror}); check the path", notice=True, error=True)
    if stat.S_ISLNK(info.st_mode):
        # The link's target is scanned in its own right when it belongs to the repository.
        return Skip(name, "symlink, not followed")
    if stat.S_ISDIR(info.st_mode):
        return Skip(name, "is a directory; pass files")
    if not stat.S_ISREG(info.st_mode):
        return Skip(name, "not a regular file")
    if info.st_size > max_bytes:
        return Skip(
            name,
            f"skipped: {info.st_size // 1024} KiB exceeds the {max_bytes // 1024} KiB limit "
            "(raise [secrets] max_file_kib in .buildrunner/config.toml to scan it)",
            notice=True,
            too_large=True,
        )
    try:
        with open(name, "rb") as handle:
            raw = handle.read(max_bytes + 1)
    except OSError as exc:
        return Skip(
            name, f"cannot read ({exc.strerror}); check its permissions", notice=True, error=True
        )
    return decode_text(raw, name, max_bytes)


def decode_text(raw: bytes, name: str, max_bytes: int = DEFAULT_MAX_BYTES) -> str | Skip:
    """Bytes (a file or a git blob) as text, or a Skip for binary or oversized content."""
    if len(raw) > max_bytes:
        return Skip(
            name,
            f"skipped: larger than the {max_bytes // 1024} KiB limit "
            "(raise [secrets] max_file_kib in .buildrunner/config.toml to scan it)",
            notice=True,
            too_large=True,
        )
    if b"\0" in raw[:_SNIFF]:
        return Skip(name, "binary file")
    return raw.decode("utf-8", errors="replace")


# Never source: VCS metadata, virtualenvs, installed packages and tool caches. Outside git these
# are pruned from a walk; inside git, untracked ones are dropped (tracked files are always kept).
VCS_DIRS = frozenset({".git", ".hg", ".svn"})
SKIP_DIRS = VCS_DIRS | {".venv", "venv", "node_modules", "__pycache__", ".tox", ".mypy_cache"}
_VENV_MARKER = "pyvenv.cfg"


def walk_files(
    paths: Iterable[str | Path], root: Path, keep: Callable[[Path], object] | None = None
) -> list[Path]:
    """The files to scan for `paths` (files or directories; absolute, or relative to `root`).

    A file (or anything that is not a real directory, a missing path included) is returned as
    given, with no git call: the pre-commit path stays one `lstat` per file. A directory is
    listed with `git ls-files --cached --others --exclude-standard` when it is inside a work tree
    (so .gitignore is honoured), otherwise walked; see `SKIP_DIRS`. Symlinked directories are
    never followed. Files found under a directory are kept only when `keep(path)` is truthy.
    Output: sorted by absolute path, duplicates (the same file named twice) dropped.
    """
    found: dict[str, Path] = {}
    for given in paths:
        path = Path(given)
        full = path if path.is_absolute() else root / path
        try:
            is_dir = stat.S_ISDIR(os.lstat(full).st_mode)
        except OSError:
            is_dir = False
        if not is_dir:
            found.setdefault(os.path.normpath(full), path)
            continue
        for rel in list_directory(full):
            child = path / rel
            if keep is None or keep(child):
                found.setdefault(os.path.normpath(full / rel), child)
    return [found[key] for key in sorted(found)]


def list_directory(directory: Path) -> list[str]:
    """Regular files under `directory`, relative to it: git's view inside a work tree."""
    if directory.name in VCS_DIRS:
        return []
    from br_core.git import GitError, run_git

    try:
        tracked = run_git(["ls-files", "-z", "--cached"], cwd=directory)
        untracked = run_git(["ls-files", "-z", "--others", "--exclude-standard"], cwd=directory)
    except GitError:
        return _walk(directory)
    files = [rel for rel in tracked.split("\0") if rel]
    files += _drop_tool_dirs([rel for rel in untracked.split("\0") if rel])
    # --cached also lists deleted files and submodule links; only existing files are scanned.
    return sorted({rel for rel in files if (directory / rel).is_file()})


def _drop_tool_dirs(untracked: list[str]) -> list[str]:
    """Untracked files minus those under a skipped directory or an unignored virtualenv."""
    venvs = tuple(
        rel[: -len(_VENV_MARKER)] for rel in untracked if rel.endswith("/" + _VENV_MARKER)
    )
    return [
        rel
        for rel in untracked
        if not SKIP_DIRS.intersection(rel.split("/")[:-1]) and not (venvs and rel.startswith(venvs))
    ]


def _walk(top: Path) -> list[str]:
    """Outside git: every regular file (or link to one) under `top`, pruning `SKIP_DIRS`,
    virtualenvs (a directory holding pyvenv.cfg) and symlinked directories."""
    found: list[str] = []
    pending = [""]
    while pending:
        rel = pending.pop()
        try:
            with os.scandir(top / rel if rel else top) as it:
                entries = list(it)
        except OSError:
            continue  # unreadable or vanished: os.walk skips these too
        if rel and any(entry.name == _VENV_MARKER for entry in entries):
            continue
        for entry in entries:
            name = f"{rel}/{entry.name}" if rel else entry.name
            try:
                if entry.is_dir(follow_symlinks=False):
                    if entry.name not in SKIP_DIRS:
                        pending.append(name)
                elif entry.is_file():
                    found.append(name)
            except OSError:
                continue
    return sorted(found)

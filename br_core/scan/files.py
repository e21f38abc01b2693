"""Finding and reading the files a hook is given, safely: every bad input becomes a `Skip`.

`walk_files(paths, root)` turns the paths a user or tool names into files: files as given,
directories listed through git (honouring .gitignore) or walked outside a repository. Every
scanner (the hooks, `br security`, the MCP security_scan tool) uses it, so they agree.

`read_text_file(path)` returns the text, or a `Skip` when the file is missing, unreadable, a
directory, a symlink, binary (a NUL byte near the start) or larger than `max_bytes`. Invalid
UTF-8 is decoded with replacement characters so the ASCII around it is still scanned.
A `Skip` with `notice=True` is worth telling the user about; the others are expected.

`open_beneath(root, path)` opens a path already confined to `root` (the MCP door resolves and
checks it) one component at a time, following no symlink: a link swapped in after the check
makes the open fail instead of leading out (`read_text_file(..., beneath=root)` uses it).
"""

from __future__ import annotations

import errno
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


_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)


def open_beneath(root: Path, path: str | Path, flags: int = os.O_RDONLY) -> int:
    """A descriptor for `path` (absolute, inside the resolved `root`), opened from `root` one
    component at a time with O_NOFOLLOW: what is opened is what lies under `root` now. A
    symlink anywhere on the way (swapped in after a check) fails with OSError (ELOOP or
    ENOTDIR); a path outside `root` raises ValueError."""
    parts = Path(os.path.abspath(path)).relative_to(root).parts
    if not parts:
        raise IsADirectoryError(errno.EISDIR, "is a directory", str(path))
    fd = os.open(root, os.O_RDONLY | _DIRECTORY)
    try:
        for part in parts[:-1]:
            inner = os.open(part, os.O_RDONLY | _DIRECTORY | _NOFOLLOW, dir_fd=fd)
            os.close(fd)
            fd = inner
        return os.open(parts[-1], flags | _NOFOLLOW, dir_fd=fd)
    finally:
        os.close(fd)


def read_text_file(
    path: str | Path, max_bytes: int = DEFAULT_MAX_BYTES, *, beneath: Path | None = None
) -> str | Skip:
    """The file's text, or a Skip saying why it was not read. Never raises for bad input.
    With `beneath` (a resolved root), the file is opened through `open_beneath`, and what was
    opened is checked again (a regular file within the cap), so a swap after the checks below
    is refused, not read."""
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
        raw = _read_beneath(beneath, name, max_bytes) if beneath else _read(name, max_bytes)
    except (OSError, ValueError) as exc:
        why = exc.strerror if isinstance(exc, OSError) else "outside the project"
        return Skip(name, f"cannot read ({why}); check its permissions", notice=True, error=True)
    if raw is None:
        return Skip(name, "not a regular file")
    return decode_text(raw, name, max_bytes)


def _read(name: str, max_bytes: int) -> bytes:
    with open(name, "rb") as handle:
        return handle.read(max_bytes + 1)


def _read_beneath(root: Path, name: str, max_bytes: int) -> bytes | None:
    """The bytes of `name` opened through `open_beneath`; None when what was opened is not a
    regular file. Non-blocking, so a FIFO swapped in is refused, not waited on."""
    fd = open_beneath(root, name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        return handle.read(max_bytes + 1)


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

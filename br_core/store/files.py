"""Who may read the store: files 0600 in a 0700 directory, created so and tightened on open.

SQLite creates the -wal and -shm files with the database file's own mode, so a database created
0600 keeps its journal private too; files left loose by an older version are tightened when the
store is opened. A shared directory (sticky bit, like /tmp) or a file someone else owns is not
ours to change: `br db status` says so instead.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path
from typing import IO

from br_core.errors import StoreError

FILE_MODE = 0o600
DIR_MODE = 0o700
# Files beside the database that carry its data (or, for the lock, nothing secret but ours).
SIDE_SUFFIXES = ("-wal", "-shm", "-journal", ".queue-lock")


def _tighten(path: Path, mode: int, st: os.stat_result) -> None:
    if stat.S_IMODE(st.st_mode) & 0o077 and st.st_uid == os.geteuid():
        # owner checked above; a read-only mount, say, keeps its mode (status reports it)
        with contextlib.suppress(OSError):
            path.chmod(mode)


def private_dir(path: Path) -> None:
    """Create `path` 0700, or tighten it if it is ours and not a shared (sticky) directory."""
    try:
        path.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        st = path.stat()
    except OSError as exc:
        raise StoreError(
            f"{path}: cannot create the data directory ({exc.strerror}); "
            "set BR_HOME to a writable directory"
        ) from exc
    if not st.st_mode & stat.S_ISVTX:
        _tighten(path, DIR_MODE, st)


def private_store_file(path: Path) -> tuple[int, int]:
    """Create the database file 0600 (or tighten it and its side files); its (device, inode).

    An existing file is only stat'ed, never opened: closing any descriptor of a file drops every
    POSIX lock this process holds on it, SQLite's included. A second connection opened while
    another one of this process was open (a heartbeat thread, a tool's worker thread) used to
    drop the first one's shared lock, so another process closing its connection took the
    database for unused, checkpointed and deleted the WAL, and the first connection's later
    commits went to the deleted file: lost.
    """
    try:
        st = os.stat(path)
    except FileNotFoundError:
        st = _create_store_file(path)
    except OSError as exc:
        raise StoreError(
            f"{path}: cannot open the database ({exc.strerror}); check the file's permissions"
        ) from exc
    _tighten(path, FILE_MODE, st)
    for suffix in SIDE_SUFFIXES:
        side = path.with_name(path.name + suffix)
        try:
            _tighten(side, FILE_MODE, side.stat())
        except FileNotFoundError:
            continue
    return st.st_dev, st.st_ino


def _create_store_file(path: Path) -> os.stat_result:
    # A file this process has just created cannot carry locks of it yet: closing is safe.
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CREAT, FILE_MODE)
    except OSError as exc:
        raise StoreError(
            f"{path}: cannot open the database ({exc.strerror}); check the file's permissions"
        ) from exc
    try:
        return os.fstat(fd)
    finally:
        os.close(fd)


def create_private(path: Path) -> None:
    """Create a new file 0600 for a copy of store data (backup); refuse to overwrite one."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
    except FileExistsError as exc:
        raise StoreError(
            f"{path}: already exists; choose a new file name or remove it first"
        ) from exc
    except OSError as exc:
        raise StoreError(f"{path}: cannot write ({exc.strerror}); pick another path") from exc


def open_private_text(path: Path) -> IO[str]:
    """Open a file for writing store data (an export) as 0600, truncating what was there."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    except OSError as exc:
        raise StoreError(f"{path}: cannot write ({exc.strerror}); pick another path") from exc
    st = os.fstat(fd)
    if stat.S_IMODE(st.st_mode) & 0o077 and stat.S_ISREG(st.st_mode):
        os.fchmod(fd, FILE_MODE)  # an existing file keeps its mode through O_CREAT
    return os.fdopen(fd, "w", encoding="utf-8")


def describe_mode(path: Path) -> str:
    """`mode 0600, private` or `mode 0644, readable by others: ...` for `br db status`."""
    st = path.stat()
    mode = stat.S_IMODE(st.st_mode)
    text = f"mode {mode:04o}"
    if not mode & 0o077:
        return f"{text}, private"
    fix = "chmod 700" if path.is_dir() else "chmod 600"
    if st.st_mode & stat.S_ISVTX:
        return f"{text}, readable by others: a shared directory; set BR_HOME to a private one"
    return f"{text}, readable by others: run `{fix} {path}`"

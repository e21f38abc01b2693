"""A bounded exclusive lock on a file beside the database, naming its holder when it times out.

Writers of the queue serialise on `flock` instead of SQLite's sleeping busy handler. A holder
that is stopped (SIGSTOP, a debugger) or hung keeps the lock: a blocking `flock` would then wait
forever, so we poll with a short backoff up to a deadline and then say who holds it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

from br_core.errors import StoreError

try:  # POSIX: serialise writers in the kernel instead of SQLite's sleeping busy handler
    import fcntl
except ImportError:  # pragma: no cover - Windows falls back to busy_timeout alone
    fcntl = None  # type: ignore[assignment]

FIRST_NAP = 0.0002
LONGEST_NAP = 0.005
PROC_LOCKS = Path("/proc/locks")
AVAILABLE = fcntl is not None


def open_lock_file(path: Path) -> int:
    """The lock file's descriptor, created 0600; read-only is enough for flock."""
    try:
        return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except PermissionError:
        try:
            return os.open(path, os.O_RDONLY)
        except OSError as exc:
            problem = exc.strerror
    except OSError as exc:
        problem = exc.strerror
    raise StoreError(
        f"{path}: cannot open the queue's lock file ({problem}); make it yours and readable "
        f"(`chmod 600 {path}`), or remove it while no br process runs"
    )


def acquire(fd: int, path: Path, wait: float) -> None:
    """Take the exclusive lock within `wait` seconds, or raise one line naming the holder."""
    if fcntl is None:  # pragma: no cover - Windows
        return
    deadline = time.monotonic() + wait
    nap = FIRST_NAP
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            pass
        left = deadline - time.monotonic()
        if left <= 0:
            break
        time.sleep(min(nap, left))
        nap = min(nap * 2, LONGEST_NAP)
    pids = holders(fd)
    who = "pid " + ", ".join(map(str, pids)) if pids else "another process"
    hint = f"`kill -CONT {pids[0]}`" if pids else "the stopped process"
    raise StoreError(
        f"{path}: the queue's lock is held by {who} for over {wait:g} s (stopped or hung?); "
        f"resume it ({hint}) or end it, then retry"
    )


def release(fd: int) -> None:
    if fcntl is not None:
        fcntl.flock(fd, fcntl.LOCK_UN)


def holders(fd: int) -> list[int]:
    """Pids holding a flock on `fd`'s file, from Linux's /proc/locks ([] elsewhere)."""
    inode = os.fstat(fd).st_ino
    try:
        text = PROC_LOCKS.read_text()
    except OSError:  # pragma: no cover - not Linux
        return []
    pids = []
    for line in text.splitlines():
        # "1: FLOCK  ADVISORY  WRITE 1234 00:2b:5678 0 EOF"; waiters are marked "->".
        fields = line.split()
        if len(fields) < 6 or fields[1] != "FLOCK":
            continue
        # The device field follows the kernel's view (overlay mounts differ from st_dev).
        if fields[5].rsplit(":", 1)[-1] == str(inode) and fields[4].isdigit():
            pids.append(int(fields[4]))
    return sorted(set(pids))

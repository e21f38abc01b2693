"""Reading the files a hook is given, safely: every bad input becomes a `Skip` with a reason.

`read_text_file(path)` returns the text, or a `Skip` when the file is missing, unreadable, a
directory, a symlink, binary (a NUL byte near the start) or larger than `max_bytes`. Invalid
UTF-8 is decoded with replacement characters so the ASCII around it is still scanned.
A `Skip` with `notice=True` is worth telling the user about; the others are expected.
"""

from __future__ import annotations

import os
import stat
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
        return Skip(name, f"skipped: larger than {max_bytes // 1024} KiB", notice=True)
    if b"\0" in raw[:_SNIFF]:
        return Skip(name, "binary file")
    return raw.decode("utf-8", errors="replace")

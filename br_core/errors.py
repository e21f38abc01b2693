"""Errors meant for people: one line naming the file, the problem and the fix."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from typing import TextIO

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2


def one_line(message: str, longest: int = 120) -> str:
    """`message` on one line, each run of more than `longest` non-blank characters (a path or
    value someone pasted) cut to its head and tail, so an error stays a line people read.
    Every door shows errors through this: a newline inside a user's argument cannot split one."""
    import re  # only on the error path: this module sits on every hook's start-up

    words = re.split(r"(\s+)", " ".join(message.splitlines()))
    half = longest // 2
    return "".join(w if len(w) <= longest else f"{w[:half]}…{w[-half:]}" for w in words)


def silence_closed_stream(stream: TextIO) -> None:
    """Point `stream` (a door passes `sys.stdout`) at the null device once its reader left
    (`br tasks list --json | head`, `br-secrets --json | head`), so the interpreter's final
    flush of what is still buffered cannot fail again and print 'Exception ignored ...
    BrokenPipeError'. One piece for every door; the engine itself never writes to a stream."""
    import os  # only on the closed-pipe path: this module sits on every hook's start-up

    try:
        target = stream.fileno()
    except (OSError, ValueError):  # closed or not a real file: nothing left to flush
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, target)
    os.close(devnull)


class BRError(Exception):
    """An expected failure with a one-line message and the exit code to leave with."""

    exit_code: int = 1

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code

    @property
    def message(self) -> str:
        return str(self.args[0])


class UsageError(BRError):
    """Bad arguments or configuration: exit 2."""

    exit_code = EXIT_USAGE


class ConfigError(UsageError):
    """A malformed configuration file."""


class StoreError(BRError):
    """The database is corrupt, locked or unreadable."""

    exit_code = EXIT_USAGE

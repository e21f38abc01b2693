"""The checks the merge queue runs in a merge's scratch worktree, and how they are run.

Our hooks come from the door (they are its entry points); the test command comes from the
merged tree's `.buildrunner/config.toml`, `[orchestrate] test_command`, and runs only when the user
trusts that exact file (br_core/trust.py): a stream could otherwise change what runs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from br_core.config import RUNS, TrustRule, read_config, section, withhold_untrusted
from br_core.errors import ConfigError
from br_core.orchestration import records

DEFAULT_CHECK_TIMEOUT = 1800.0
TEST_COMMAND_RULES = (TrustRule("test_command", RUNS, lambda values: True),)


@dataclass(frozen=True)
class Check:
    """A check to run in the merged tree; `files` appends the files the merge changed."""

    name: str
    argv: tuple[str, ...]
    files: bool = False
    shell: bool = False  # argv[0] is a command line for /bin/sh (the configured test command)


@dataclass(frozen=True)
class CheckRun:
    name: str
    exit_code: int
    seconds: float
    output_tail: str


def configured_checks(worktree: Path) -> tuple[list[Check], list[str]]:
    """The test command of the merged tree's config, if the user trusts that file."""
    loaded = read_config(worktree)
    values = section(loaded.data, "orchestrate", loaded.path)
    command = values.get("test_command")
    if command is None:
        return [], []
    if not isinstance(command, str) or not command.strip():
        raise ConfigError(
            f"{loaded.path}: [orchestrate] test_command must be a command line as a string, "
            'e.g. test_command = "make test"'
        )
    kept, notices = withhold_untrusted(loaded, "orchestrate", values, TEST_COMMAND_RULES)
    if "test_command" not in kept:
        return [], notices
    return [Check("test_command", (command,), shell=True)], notices


def run_check(check: Check, cwd: Path, files: list[str], timeout: float) -> CheckRun:
    argv = ["/bin/sh", "-c", check.argv[0]] if check.shell else list(check.argv)
    if check.files:
        argv += files
    started = time.monotonic()
    proc = subprocess.Popen(
        argv,
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
        code = proc.returncode
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        out += f"\n{check.name}: stopped after {timeout:g} s".encode()
        code = 124
    text = out.decode("utf-8", "replace")
    return CheckRun(check.name, code, time.monotonic() - started, records.tail(text))

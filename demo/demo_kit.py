"""Helpers shared by the acts of `make demo` (demo.py and acts_more.py)."""

from __future__ import annotations

import os
import random
import runpy
import string
import subprocess
import sys
import textwrap
from pathlib import Path

CHECKOUT = Path(__file__).resolve().parent.parent
BR = Path(sys.executable).with_name("br")
# One environment for every command the demo runs; main() points BR_HOME and CLAUDE_CONFIG_DIR at
# temporary directories so the demo never reads or writes the user's real data.
# tests/data/scratch.py, by path (the demo runs from demo/): the git identity, the Chromium flags.
SCRATCH = runpy.run_path(str(CHECKOUT / "tests" / "data" / "scratch.py"))
ENV = {**os.environ, **SCRATCH["GIT_ENV"]}


def expect(ok: bool, message: str) -> None:
    """An act that does not behave as narrated stops the demo with a non-zero exit (smoke test)."""
    if not ok:
        raise SystemExit(f"demo: {message}")


def fake_key(prefix: str, length: int, seed: int) -> str:
    """A realistic-looking key built at run time (never stored in this repository)."""
    rng = random.Random(seed)
    return prefix + "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(length))


def sh(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=ENV, capture_output=True, text=True, check=False)


def br(cwd: Path, *args: str, echo: bool = True) -> subprocess.CompletedProcess[str]:
    """Run `br ...` as a user would, printing the command line and (optionally) its output."""
    print("    $ br " + " ".join(f'"{a}"' if " " in a else a for a in args))
    proc = sh(cwd, str(BR), *args)
    if echo:
        show(proc)
    return proc


def say(text: str) -> None:
    print(textwrap.fill(text, 96))


def show(proc: subprocess.CompletedProcess[str]) -> None:
    lines = (proc.stdout + proc.stderr).rstrip().splitlines()
    for line in lines:
        print(f"    | {line}")


def step(title: str) -> None:
    print(f"\n=== {title}")


def commit(repo: Path, message: str) -> bool:
    proc = sh(repo, "git", "commit", "-q", "-m", message)
    show(proc)
    return proc.returncode == 0

"""One built release per session: `python -m build` makes the sdist, then the wheel from it.

Installing uses uv (a dev dependency) with the machine's own package sources and uv's shared
cache, so a second run installs without fetching anything.
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT


@dataclass(frozen=True)
class Dist:
    wheel: Path
    sdist: Path


def run(
    args: list[str | Path], *, timeout: float = 300, **kwargs: object
) -> subprocess.CompletedProcess[str]:
    """A real process with a bounded wait; output kept for the assertion message."""
    return subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        **kwargs,  # type: ignore[arg-type]
    )


def uv() -> str:
    from uv import find_uv_bin

    return str(find_uv_bin())


def uv_env(base: Path, **extra: str) -> dict[str, str]:
    """uv tools and their scripts under `base`: nothing lands in the user's own tool dirs."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "UV_TOOL"))}
    env |= {
        "UV_TOOL_DIR": str(base / "tools"),
        "UV_TOOL_BIN_DIR": str(base / "bin"),
        "UV_PYTHON_DOWNLOADS": "never",  # the machine's Python; never a download
        "UV_NO_PROGRESS": "1",
    }
    return env | extra


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    out = tmp_path_factory.mktemp("dist")
    built = run([sys.executable, "-m", "build", "--outdir", out, REPO_ROOT], timeout=600)
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    [wheel] = out.glob("*.whl")
    [sdist] = out.glob("*.tar.gz")
    return Dist(wheel, sdist)

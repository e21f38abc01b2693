"""What deriving the project id costs per call, now that a configured name is read every time.

`repo_context` caches git's answers per directory, but on a shared store the `[project] name`
(user config, committed config, the trust file) is read on every call, so a trust granted to a
running MCP server takes effect. This measures that read: CPU microseconds per call after the
first, on the local store, on a shared store by root commit, and on a shared store with a
trusted committed name; and the first call (git subprocesses included).

Run: bench/.venv/bin/python bench/project_id.py [--repeat 5] [--calls 2000]
No server is needed: the store's URL is only looked at, never connected to.
"""

from __future__ import annotations

import argparse
import os
import runpy
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

if sys.path and Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path.pop(0)  # bench/'s script names would shadow modules of the same name

SCRATCH = Path(__file__).resolve().parent.parent / "tests" / "data" / "scratch.py"
GIT_ENV = runpy.run_path(str(SCRATCH))["GIT_ENV"]
CASES = ("local store", "shared, root commit", "shared, trusted name")


def _git(repo: Path, *args: str) -> None:
    env = {**os.environ, **GIT_ENV}
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def _setup(base: Path) -> Path:
    repo = base / "repo"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "commit", "-q", "--allow-empty", "-m", "initial")
    return repo


def _configure(case: str, repo: Path) -> None:
    from br_core.config import config_path, read_config
    from br_core.trust import grant

    if case == "local store":
        os.environ.pop("BR_STORE", None)
        return
    os.environ["BR_STORE"] = "postgresql://bench@127.0.0.1:1/none"
    if case == "shared, trusted name":
        path = config_path(repo)
        path.parent.mkdir(exist_ok=True)
        path.write_text('[project]\nname = "bench-project"\n', encoding="utf-8")
        grant(path, read_config(repo).digest or "")


def _per_call_us(repo: Path, calls: int) -> tuple[float, float]:
    """(CPU us of the first call, CPU us per call of `calls` more)."""
    from br_core.git import _context, repo_context

    _context.cache_clear()
    start = time.process_time()
    repo_context(repo)
    first = time.process_time() - start
    start = time.process_time()
    for _ in range(calls):
        repo_context(repo)
    return first * 1e6, (time.process_time() - start) / calls * 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["BR_HOME"] = str(Path(tmp) / "home")
        repo = _setup(Path(tmp))
        print(f"{'case':<22} {'first call, us':>22} {'each further call, us':>24}")
        for case in CASES:
            _configure(case, repo)
            runs = [_per_call_us(repo, args.calls) for _ in range(args.repeat)]
            firsts, laters = [r[0] for r in runs], [r[1] for r in runs]
            print(f"{case:<22} {_cell(firsts):>22} {_cell(laters):>24}")
    print(f"CPU time (process_time), median (min-max) of {args.repeat} runs; "
          "the first call's git subprocesses are not in this process's CPU time")  # fmt: skip


def _cell(values: list[float]) -> str:
    return f"{statistics.median(values):.0f} ({min(values):.0f}-{max(values):.0f})"


if __name__ == "__main__":
    main()

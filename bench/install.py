"""Install benchmark: the hook environment pre-commit builds, and the first commit's time.

Run: bench/.venv/bin/python bench/install.py [--before REV] [--runs N]
Shapes, timed in one run (each with a fresh PRE_COMMIT_HOME, N times; median and range):
  - before: the remote form at REV (default `main`), as pre-commit installs it with `language:
    python`: the package and every dependency it declared then.
  - after: the same remote form from this working tree (anthropic an extra, pre-commit no longer
    a dependency).
  - local: what `br init` writes for an install from a checkout or a wheel (`repo: local`,
    `language: system`): the installed br-* scripts, no environment at all.
The size is `du` of what pre-commit built under PRE_COMMIT_HOME (its clone and virtualenv). pip
installs from the machine's configured sources with its own cache warm after the first run, so
the figures compare shapes, not network speed.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from labelled import load

REPO_ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
GIT_ENV = load("scratch").GIT_ENV  # tests/data/scratch.py
HOOKS = ("br-secrets", "br-sql-injection", "br-coverage")
TIMEOUT_S = 900  # one first commit, pip included; a stuck one fails the benchmark


def git(cwd: Path, *args: str) -> str:
    env = {**os.environ, **GIT_ENV}
    done = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return done.stdout


def snapshot(base: Path, name: str, rev: str | None) -> Path:
    """This repository at `rev` (None: the working tree, untracked files included), committed
    into a throwaway repository and tagged v0-bench: a hook repository pre-commit can clone."""
    dest = base / name
    dest.mkdir()
    if rev is None:
        listed = git(REPO_ROOT, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
        for rel in filter(None, listed.split("\0")):
            src = REPO_ROOT / rel
            if src.is_file():
                (dest / rel).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(src, dest / rel)
    else:
        archive = subprocess.run(
            ["git", "archive", rev], cwd=REPO_ROOT, capture_output=True, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    git(dest, "init", "-q", "-b", "main")
    git(dest, "add", "-A")
    git(dest, "commit", "-q", "-m", "snapshot")
    git(dest, "tag", "v0-bench")
    return dest


def config(hook_repo: Path | None) -> str:
    if hook_repo is None:
        lines = ["repos:", "  - repo: local", "    hooks:"]
        for hook in HOOKS:
            lines += [f"      - id: {hook}", f"        name: {hook}", f"        entry: {hook}"]
            lines += ["        language: system"]
            lines += ["        pass_filenames: false"] if hook == "br-coverage" else []
        return "\n".join(lines) + "\n"
    lines = ["repos:", f"  - repo: {hook_repo}", "    rev: v0-bench", "    hooks:"]
    return "\n".join([*lines, *(f"      - id: {hook}" for hook in HOOKS)]) + "\n"


def du(path: Path) -> int:
    total = 0
    for top, _dirs, files in os.walk(path):
        for name in files:
            try:
                total += os.lstat(os.path.join(top, name)).st_size
            except OSError:
                continue
    return total


def first_commit(base: Path, hook_repo: Path | None) -> tuple[float, int]:
    """(seconds for `git commit` with the hooks installed, bytes pre-commit built)."""
    home = base / "pre-commit-home"
    repo = base / "project"
    repo.mkdir()
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home)}
    env["PATH"] = os.pathsep.join([str(BIN), env.get("PATH", "")])
    env["BR_HOME"] = str(base / "br-home")
    git(repo, "init", "-q", "-b", "main")
    (repo / ".pre-commit-config.yaml").write_text(config(hook_repo), encoding="utf-8")
    (repo / "app.py").write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"],
        cwd=repo, env=env, capture_output=True, check=True, timeout=120,
    )  # fmt: skip
    git(repo, "add", "-A")
    start = time.perf_counter()
    done = subprocess.run(
        ["git", "commit", "-q", "-m", "first"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=TIMEOUT_S, check=False,
    )  # fmt: skip
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"bench/install.py: the first commit failed: {done.stderr[-600:]}")
    built = [p for p in home.iterdir() if p.is_dir()] if home.exists() else []
    return elapsed, sum(du(p) for p in built)


def summary(values: list[float], unit: str, digits: int) -> str:
    med = statistics.median(values)
    return f"{med:.{digits}f} {unit} [{min(values):.{digits}f}-{max(values):.{digits}f}]"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", default="main", help="git revision of the 'before' shape")
    parser.add_argument("--runs", type=int, default=3, help="repeats per shape (default 3)")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="br-bench-install-") as tmp:
        base = Path(tmp)
        shapes: dict[str, Path | None] = {
            f"before ({args.before}, remote)": snapshot(base, "before", args.before),
            "after (this tree, remote)": snapshot(base, "after", None),
            "after (br init: repo local)": None,
        }
        print(f"{'shape':34} {'hook env (du)':>24} {'first commit':>24}")
        for name, hook_repo in shapes.items():
            sizes, times = [], []
            for run in range(args.runs):
                work = base / f"{abs(hash(name))}-{run}"
                work.mkdir()
                seconds, size = first_commit(work, hook_repo)
                times.append(seconds)
                sizes.append(size / 1e6)
                shutil.rmtree(work, ignore_errors=True)
            print(f"{name:34} {summary(sizes, 'MB', 1):>24} {summary(times, 's', 2):>24}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

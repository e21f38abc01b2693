"""Parallel builds: `br orchestrate start` for 8 streams, and the merge queue's overhead.

1. `br orchestrate start` (a real process) on a fresh repository whose queue holds 8 streams of
   5 tasks: 8 branches, 8 worktrees, 8 briefs. Anchor: the same 8 `git branch` + `git worktree
   add` done by a shell loop, which is what a person does by hand (the floor our command adds
   its store reads and briefs to).
2. `br merge` of 3 finished streams with a test command of about 1 s: per stream, the time the
   merge queue spent (prediction, merge commit, scratch worktree, update-ref) beyond the checks'
   own time (our two hooks on the changed files and the test command, each timed where it ran).
   Target: overhead <= 10% of the checks' time.

Each measurement is repeated; medians with [min-max] ranges are printed.

    bench/.venv/bin/python bench/orchestrate.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from labelled import load

ROOT = Path(__file__).resolve().parent.parent
BR = [sys.executable, "-m", "br_cli.app"]
GIT_ENV = load("scratch").GIT_ENV  # tests/data/scratch.py
# About one second of real work, as a short test suite would take.
TEST_COMMAND = "python3 -c 'sum(i * i for i in range(12_000_000))'"


def _run(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode not in (0,):
        raise SystemExit(f"bench: {' '.join(args[:4])} failed: {proc.stderr.strip()[:300]}")
    return proc


def _repo(tmp: Path, streams: int, tasks: int) -> tuple[Path, dict[str, str]]:
    env = {**os.environ, **GIT_ENV, "BR_HOME": str(tmp / "home"), "HOME": str(tmp)}
    repo = tmp / "repo"
    repo.mkdir()
    spec = ["# Bench"]
    for s in range(streams):
        spec += [f"## Feature: Area {s} (2h)", f"Stream: s{s}"]
        spec += [f"- [ ] Task {s}-{t} (20m)" for t in range(tasks)]
    (repo / "SPEC.md").write_text("\n".join(spec) + "\n", encoding="utf-8")
    (repo / "app.py").write_text("VALUE = 1\n", encoding="utf-8")
    _run(repo, env, "git", "init", "-q", "-b", "main")
    _run(repo, env, "git", "add", "-A")
    _run(repo, env, "git", "commit", "-qm", "spec")
    _run(repo, env, *BR, "tasks", "parse", "SPEC.md")
    return repo, env


def _summary(values: list[float], unit: str = "s") -> str:
    return (
        f"median {statistics.median(values):.3f} {unit} "
        f"[{min(values):.3f}-{max(values):.3f}] over {len(values)}"
    )


def bench_start(repeat: int) -> None:
    ours, anchor = [], []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as raw:
            repo, env = _repo(Path(raw), 8, 5)
            started = time.perf_counter()
            _run(repo, env, *BR, "orchestrate", "start")
            ours.append(time.perf_counter() - started)
        with tempfile.TemporaryDirectory() as raw:
            repo, env = _repo(Path(raw), 8, 5)
            loop = "; ".join(
                f"git branch stream/s{s} HEAD && git worktree add -q ../repo-s{s} stream/s{s}"
                for s in range(8)
            )
            started = time.perf_counter()
            _run(repo, env, "/bin/sh", "-c", loop)
            anchor.append(time.perf_counter() - started)
    print("br orchestrate start, 8 streams x 5 tasks (8 branches, worktrees, briefs):")
    print(f"  br orchestrate start            {_summary(ours)}")
    print(f"  anchor: git branch + worktree x8 {_summary(anchor)}")


def bench_merge(repeat: int) -> None:
    overhead: list[float] = []
    per_stream: list[float] = []
    checks_time: list[float] = []
    wall: list[float] = []
    wall_overhead: list[float] = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as raw:
            repo, env = _repo(Path(raw), 3, 1)
            (repo / ".buildrunner").mkdir()
            config = repo / ".buildrunner/config.toml"
            config.write_text(f'[orchestrate]\ntest_command = "{TEST_COMMAND}"\n', encoding="utf-8")
            _run(repo, env, "git", "add", "-A")
            _run(repo, env, "git", "commit", "-qm", "config")
            _run(repo, env, *BR, "config", "trust")
            started = json.loads(_run(repo, env, *BR, "orchestrate", "start", "--json").stdout)
            for s in started:
                tree = Path(s["worktree"])
                for i in range(20):  # a realistic stream touches a handful of files
                    (tree / f"{s['stream']}_{i}.py").write_text(
                        f"def f{i}(x):\n    return x + {i}\n", encoding="utf-8"
                    )
                _run(tree, env, "git", "add", "-A")
                _run(tree, env, "git", "commit", "-qm", "work")
                _run(tree, env, *BR, "worker", "--stream", s["stream"], "--command", "true")
            t0 = time.perf_counter()
            proc = subprocess.run(
                [*BR, "merge", "--json"], cwd=repo, env=env, capture_output=True, text=True
            )
            wall.append(time.perf_counter() - t0)
            results = json.loads(proc.stdout)
            if [r["state"] for r in results] != ["merged"] * 3:
                raise SystemExit(f"bench: expected 3 merges, got {results}")
            all_checks = sum(c["seconds"] for r in results for c in r["checks"])
            wall_overhead.append((wall[-1] - all_checks) / all_checks * 100)
            for r in results:
                own = sum(c["seconds"] for c in r["checks"])
                per_stream.append(r["seconds"])
                checks_time.append(own)
                overhead.append((r["seconds"] - own) / own * 100)
    print("br merge, 3 streams x 20 changed files, test command ~1 s (trusted config):")
    print(f"  per stream, merge queue total    {_summary(per_stream)}")
    print(f"  per stream, the checks' own time {_summary(checks_time)}")
    print(f"  overhead beyond the checks       {_summary(overhead, '%')} (target <= 10%)")
    print(f"  whole `br merge` process, 3 streams {_summary(wall)}")
    print(f"  whole process beyond all checks  {_summary(wall_overhead, '%')} (start-up included)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.chdir(ROOT)
    bench_start(args.repeat)
    bench_merge(args.repeat)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

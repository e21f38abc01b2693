"""Learning-layer benchmark: `br suggest` (every pattern, then the suggestions) on a large history.

Run: .venv/bin/python bench/suggest.py
History: a repository of 5,000 commits over 90 days (git fast-import), 10,000 routing outcomes
and 2,000 hook `check` events. Anchors, timed in the same run: `git log --numstat` over the same
commits (the git read the fix-hotspot pattern cannot avoid) and `python -c pass`.
Each figure is the median of 5 runs with its range; `br suggest` runs as a real process.
"""

from __future__ import annotations

import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
COMMITS, OUTCOMES, CHECKS, REPEAT = 5_000, 10_000, 2_000, 5


def make_repo(repo: Path, env: dict[str, str]) -> None:
    subprocess.run(["git", "init", "-q", "-b", "main", str(repo)], check=True, env=env)
    rng = random.Random(1)
    start = int(time.time()) - 89 * 86_400
    lines = []
    for i in range(COMMITS):
        path = f"src/area{rng.randrange(20)}/mod{rng.randrange(30)}.py"
        subject = rng.choice(["fix a crash", "add a feature", "refactor", "Revert a change"])
        body = f"v{i}\n" * rng.randint(1, 5)
        lines += ["commit refs/heads/main",
                  f"committer Bench <bench@example.invalid> {start + i * 1500} +0000",
                  f"data {len(subject)}", subject, f"M 100644 inline {path}",
                  f"data {len(body)}", body]  # fmt: skip
    subprocess.run(["git", "fast-import", "--quiet"], cwd=repo, input="\n".join(lines) + "\n",
                   text=True, check=True, env=env)  # fmt: skip
    subprocess.run(["git", "reset", "-q", "--hard", "main"], cwd=repo, check=True, env=env)


def fill_store(repo: Path) -> None:
    from br_core.git import project_id
    from br_core.store.db import open_db, transaction

    rng = random.Random(2)
    project, now = project_id(repo), time.time()
    conn = open_db()
    with transaction(conn):
        conn.executemany(
            "INSERT INTO route_outcomes (project_id, ts, task_kind, complexity, tier, model,"
            " success, cost_usd) VALUES (?, ?, ?, 'simple', ?, ?, ?, 0.02)",
            [(project, now - rng.random() * 80 * 86_400, rng.choice(["docs", "tests", "bugfix"]),
              t := rng.choice(["haiku", "sonnet", "opus"]), t, int(rng.random() < 0.9))
             for _ in range(OUTCOMES)],
        )  # fmt: skip
        conn.executemany(
            "INSERT INTO events (project_id, type, ts, data) VALUES (?, 'check', ?, ?)",
            [(project, now - rng.random() * 80 * 86_400,
              '{"hook":"br-secrets","blocked":true,"findings":1,"rules":"aws",'
              f'"dirs":"tests/fixtures/d{rng.randrange(5)}"}}') for _ in range(CHECKS)],
        )  # fmt: skip
    conn.close()


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[float, float, float]:
    runs = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        subprocess.run(argv, cwd=cwd, env=env, check=True, capture_output=True)
        runs.append(time.perf_counter() - started)
    return statistics.median(runs), min(runs), max(runs)


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "BR_HOME": f"{tmp}/home", "HOME": tmp, "GIT_CONFIG_NOSYSTEM": "1",
               "CLAUDE_CONFIG_DIR": f"{tmp}/claude"}  # fmt: skip
        os.environ.update(env)
        repo = Path(tmp) / "repo"
        make_repo(repo, env)
        fill_store(repo)
        rows = [
            ("python -c pass", [sys.executable, "-c", "pass"]),
            ("git log --numstat (anchor)", ["git", "log", "--no-merges", "--numstat",
                                             "--since=90.days"]),
            ("br suggest", [str(BIN / "br"), "suggest"]),
            ("br suggest patterns", [str(BIN / "br"), "suggest", "patterns"]),
        ]  # fmt: skip
        print(f"{COMMITS:,} commits, {OUTCOMES:,} outcomes, {CHECKS:,} check events; "
              f"median of {REPEAT} [min-max], seconds")  # fmt: skip
        for name, argv in rows:
            median, low, high = timed(argv, repo, env)
            print(f"  {name:<28} {median:7.3f}  [{low:.3f}-{high:.3f}]")


if __name__ == "__main__":
    main()

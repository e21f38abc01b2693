"""CPU time of one `route_task` with the cost interval refitted vs taken from its cache.

Replays ../shared/routing/dev.jsonl in-process into a fresh store (temporary BR_HOME and git
repository): each task routed, the chosen tier's outcome recorded. Then, with every outcome in,
routes `--routes` more tasks twice: with the fitted cost walk cleared before each route (what
every route paid before the cache, and what the first route after a new outcome still pays) and
with it cached (routes with no outcome between them: a batch of queued tasks, parallel
sessions). Median and range of process CPU time per route.

Run: bench/.venv/bin/python bench/routing_latency.py [--routes 50] [--passes 1]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _devset import load_dev

HERE = Path(__file__).resolve().parent
# bench/'s script names (coverage.py, say) would shadow modules of the same name.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]


def _ms(route: object) -> tuple[float, float]:
    """(CPU ms of this process, wall ms: git's subprocesses included) of one call."""
    cpu, wall = time.process_time(), time.perf_counter()
    route()  # type: ignore[operator]
    return (time.process_time() - cpu) * 1000, (time.perf_counter() - wall) * 1000


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--routes", type=int, default=50, help="routes timed per mode")
    parser.add_argument("--passes", type=int, default=1, help="replays of the dev set first")
    args = parser.parse_args(argv)
    rows = load_dev()
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["BR_HOME"] = str(Path(tmp, "home"))
        repo = Path(tmp, "repo")
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        from br_core.git import project_id
        from br_core.learning.predict import fitted_costs
        from br_core.routing.decisions import record_outcome
        from br_core.routing.router import route_task
        from br_core.store.db import open_db

        conn = open_db(Path(tmp, "br.db"))
        rng = random.Random(0)
        project = project_id(repo)
        for row in rows * args.passes:
            d = route_task(conn, repo, row["task"], area=row["project"], rng=rng)
            got = row["outcomes"][d.tier]
            record_outcome(conn, project, d.decision_id, got["resolved"], got["cost_usd"])
        timed = [rows[i % len(rows)]["task"] for i in range(args.routes)]

        def route(text: str) -> None:
            route_task(conn, repo, text, rng=rng)

        def refit(text: str) -> None:
            fitted_costs.cache_clear()
            route(text)

        refitted = [_ms(lambda t=t: refit(t)) for t in timed]
        cached = [_ms(lambda t=t: route(t)) for t in timed]
        conn.close()
    print(
        f"{len(rows) * args.passes} outcomes recorded; ms per route_task, median [min..max] "
        f"of {args.routes}:"
    )
    for name, got in (("refit every route", refitted), ("cached fit", cached)):
        cells = [sorted(m[i] for m in got) for i in (0, 1)]
        print(f"  {name:<18} " + "   ".join(
            f"{unit} {statistics.median(ms):6.1f} [{ms[0]:.1f}..{ms[-1]:.1f}]"
            for unit, ms in zip(("cpu", "wall"), cells, strict=True)))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

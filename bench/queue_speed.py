"""Queue throughput with real processes, and MCP tool-call latency over stdio.

Prints claims/s with 1, 4 and 16 processes (claim only, and claim + done), the number of tasks
claimed twice (must be 0), and p50/p95 of a `list_tasks` / `claim_task` round trip against the
spawned `br-mcp` server. Anchor: a JSON-file queue guarded by flock, the design of file-based task
servers, run on the same machine in the same run.

`--backends` adds the store axis: SQLite beside PostgreSQL (a server started for the run, see
bench/_pgserver.py) at 1/4/16/64 processes, with 2,000 and 100,000 queued tasks, claims/s and
claim+done cycles/s, p50/p95 claim latency and duplicates, `--claims` claims per cell (spread
over the processes: 31 each at 64), `--repeat` runs per cell (median and range); any duplicate
fails the run. The default run also times one `add_tasks` of 10,000 tasks in 10 deep chains.

    bench/.venv/bin/python bench/queue_speed.py [--tasks 20000] [--calls 300] [--add-only]
    bench/.venv/bin/python bench/queue_speed.py --backends [--sizes 2000,100000] [--procs 1,4,16,64]
"""

from __future__ import annotations

import argparse
import fcntl
import itertools
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# Run without bench/ on sys.path: its script names (coverage.py, say) would shadow modules.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))

from br_core.queue.models import NewTask  # noqa: E402
from br_core.queue.task_queue import TaskQueue  # noqa: E402
from br_core.store.db import open_db  # noqa: E402

PROJECT = "bench"
_RUNS = itertools.count()  # one fresh database per run, repeats included


def _worker(db: str, name: str, complete: bool, start: Any, out: Any) -> None:
    queue = TaskQueue(open_db(Path(db)), PROJECT)
    taken: list[str] = []
    start.wait()
    while (claim := queue.claim(name)) is not None:
        taken.append(claim.task.id)
        if complete:
            queue.complete(claim.task.id, claim.token)
    out.put(taken)


def run_sqlite(procs: int, tasks: int, complete: bool) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "q.sqlite3"
        conn = open_db(db)
        setup = TaskQueue(conn, PROJECT)
        setup.add_tasks([NewTask(id=f"t{i}", title=f"t{i}", priority=i % 4) for i in range(tasks)])
        setup.close()
        conn.close()
        return _race(procs, _worker, (str(db),), complete, tasks)


def _race(
    procs: int, target: Any, args: tuple[Any, ...], complete: bool, tasks: int
) -> tuple[float, int]:
    ctx = multiprocessing.get_context("fork")
    start, out = ctx.Event(), ctx.Queue()
    workers = [
        ctx.Process(target=target, args=(*args, f"w{n}", complete, start, out))
        for n in range(procs)
    ]
    for w in workers:
        w.start()
    time.sleep(0.3)  # let every process open its connection before the clock starts
    began = time.perf_counter()
    start.set()
    taken = [tid for _ in workers for tid in out.get()]
    elapsed = time.perf_counter() - began
    for w in workers:
        w.join()
    assert len(set(taken)) == tasks, f"{tasks - len(set(taken))} tasks never claimed"
    return len(taken) / elapsed, len(taken) - len(set(taken))


def _json_worker(path: str, name: str, complete: bool, start: Any, out: Any) -> None:
    taken: list[str] = []
    start.wait()
    with open(path + ".lock", "w") as lock:
        while True:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                data = json.loads(Path(path).read_text())
                ready = [t for t in data if t["status"] == "ready"]
                if not ready:
                    break
                task = min(ready, key=lambda t: (t["priority"], t["seq"]))
                task["status"], task["owner"] = ("done" if complete else "claimed"), name
                Path(path).write_text(json.dumps(data))
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
            taken.append(task["id"])
    out.put(taken)


def run_json(procs: int, tasks: int, complete: bool) -> tuple[float, int]:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "tasks.json"
        data = [
            {"id": f"t{i}", "seq": i, "priority": i % 4, "status": "ready", "owner": None}
            for i in range(tasks)
        ]
        path.write_text(json.dumps(data))
        return _race(procs, _json_worker, (str(path),), complete, tasks)


def stdio_latency(calls: int) -> dict[str, list[float]]:
    import anyio
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "BR_HOME": tmp}
        params = StdioServerParameters(
            command=sys.executable, args=["-m", "br_mcp.server", "--root", tmp], env=env, cwd=tmp
        )
        timings: dict[str, list[float]] = {"list_tasks": [], "claim_task": []}

        async def body() -> None:
            async with Client(params) as client:
                tasks = [{"id": f"t{i}", "title": f"task {i}"} for i in range(calls)]
                for chunk in range(0, calls, 200):
                    await client.call_tool("add_tasks", {"tasks": tasks[chunk : chunk + 200]})
                for _ in range(100):  # warm-up: first calls pay for imports and caches
                    await client.call_tool("list_tasks", {"limit": 5})
                for name, args in (("list_tasks", {"limit": 5}), ("claim_task", {"owner": "b"})):
                    for _ in range(calls):
                        began = time.perf_counter()
                        result = await client.call_tool(name, args)
                        timings[name].append((time.perf_counter() - began) * 1000)
                        assert not result.is_error

        anyio.run(body)
    return timings


def add_chains(tasks: int, chains: int, repeat: int) -> list[tuple[float, float]]:
    """(wall s, CPU s) of one `TaskQueue.add_tasks` call queueing `tasks` tasks in `chains`
    dependency chains, on a fresh SQLite store each repeat."""
    length = tasks // chains
    batch = [
        NewTask(id=f"c{c}-{i}", title="t", depends_on=[f"c{c}-{i - 1}"] if i else [])
        for c in range(chains)
        for i in range(length)
    ]
    timings = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as tmp:
            queue = TaskQueue(open_db(Path(tmp) / "q.sqlite3"), PROJECT)
            wall, cpu = time.perf_counter(), time.process_time()
            queue.add_tasks(batch)
            timings.append((time.perf_counter() - wall, time.process_time() - cpu))
            queue.close()
            queue.conn.close()
    return timings


def _fill(conn: Any, tasks: int) -> None:
    """Queue `tasks` ready tasks in bulk (the setup is not what is measured)."""
    now = time.time()
    rows = [(PROJECT, f"t{i}", f"t{i}", i % 4, "ready", now, now) for i in range(tasks)]
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO tasks (project_id, id, title, priority, status, created_at, updated_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        rows,
    )
    conn.execute("COMMIT")


def _axis_worker(url: str, name: str, complete: bool, quota: int, start: Any, out: Any) -> None:
    if url.startswith("postgresql://"):
        from br_core.store.pg import open_pg

        conn: Any = open_pg(url)
    else:
        conn = open_db(Path(url))
    queue = TaskQueue(conn, PROJECT)
    taken: list[str] = []
    waits: list[float] = []
    start.wait()
    for _ in range(quota):
        began = time.perf_counter()
        claim = queue.claim(name)
        waits.append(time.perf_counter() - began)
        if claim is None:
            break
        taken.append(claim.task.id)
        if complete:
            queue.complete(claim.task.id, claim.token)
    out.put((taken, waits))


def run_backend(
    backend: str, server: Any, procs: int, tasks: int, claims: int, complete: bool
) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        if backend == "postgresql":
            from br_core.store.pg import open_pg

            name = f"b{procs}_{tasks}_{int(complete)}_{next(_RUNS)}"
            admin = open_pg(server.url())
            admin.execute(f"CREATE DATABASE {name}")
            admin.close()
            url = server.url(name)
            conn: Any = open_pg(url)
        else:
            url = str(Path(tmp) / "q.sqlite3")
            conn = open_db(Path(url))
        _fill(conn, tasks)
        conn.close()
        ctx = multiprocessing.get_context("fork")
        start, out = ctx.Event(), ctx.Queue()
        quota = max(1, claims // procs)
        workers = [
            ctx.Process(target=_axis_worker, args=(url, f"w{n}", complete, quota, start, out))
            for n in range(procs)
        ]
        for w in workers:
            w.start()
        time.sleep(0.5 + procs * 0.02)  # every process connected before the clock starts
        began = time.perf_counter()
        start.set()
        results = [out.get(timeout=600) for _ in workers]
        elapsed = time.perf_counter() - began
        for w in workers:
            w.join()
    taken = [t for r in results for t in r[0]]
    waits = sorted(x for r in results for x in r[1])
    cuts = statistics.quantiles(waits, n=20) if len(waits) > 1 else [waits[0]] * 19
    return {
        "rate": len(taken) / elapsed,
        "dupes": len(taken) - len(set(taken)),
        "p50": statistics.median(waits) * 1000,
        "p95": cuts[18] * 1000,
        "n": len(taken),
    }


def backend_axis(sizes: list[int], procs_list: list[int], claims: int, repeat: int) -> int:
    """Print the table; return the number of tasks claimed twice over every run (must be 0)."""
    import importlib.util

    # Loaded by path: bench/ is off sys.path (see the top of this file).
    spec = importlib.util.spec_from_file_location("_pgserver", ROOT / "bench" / "_pgserver.py")
    assert spec is not None and spec.loader is not None
    pgserver = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(pgserver)
    server = pgserver.Server()
    dupes = 0
    try:
        print(f"{'store':11} {'mode':10} {'procs':>5} {'queued':>7} {'per s (median, range)':>24}"
              f" {'p50 ms':>7} {'p95 ms':>7} {'dupes':>5}")  # fmt: skip
        for complete in (False, True):
            mode = "claim+done" if complete else "claim"
            for tasks in sizes:
                for procs in procs_list:
                    for backend in ("sqlite", "postgresql"):
                        runs = [
                            run_backend(backend, server, procs, tasks, claims, complete)
                            for _ in range(repeat)
                        ]
                        dupes += sum(int(r["dupes"]) for r in runs)
                        rates = sorted(r["rate"] for r in runs)
                        mid = runs[[r["rate"] for r in runs].index(statistics.median_low(rates))]
                        spread = f"{statistics.median(rates):7.0f} ({rates[0]:.0f}-{rates[-1]:.0f})"
                        print(f"{backend:11} {mode:10} {procs:5} {tasks:7} {spread:>24} "
                              f"{mid['p50']:7.2f} {mid['p95']:7.2f} "
                              f"{sum(int(r['dupes']) for r in runs):5}", flush=True)  # fmt: skip
    finally:
        server.close()
    return dupes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=20_000)
    parser.add_argument("--anchor-tasks", type=int, default=2_000)
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--latency-only", action="store_true", help="skip the process races")
    parser.add_argument("--add-only", action="store_true", help="only time add_tasks on chains")
    parser.add_argument("--backends", action="store_true", help="SQLite beside PostgreSQL")
    parser.add_argument("--sizes", default="2000,100000", help="queued tasks per cell")
    parser.add_argument("--procs", default="1,4,16,64", help="process counts")
    parser.add_argument("--claims", type=int, default=2000, help="claims measured per cell")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"cores: {os.cpu_count()} (shared machine: figures are noisy)")
    if args.backends:
        sizes = [int(x) for x in args.sizes.split(",")]
        procs = [int(x) for x in args.procs.split(",")]
        if dupes := backend_axis(sizes, procs, args.claims, args.repeat):
            print(f"FAILED: {dupes} tasks claimed twice", file=sys.stderr)
            return 1
        return 0
    timings = add_chains(10_000, 10, args.repeat)
    walls, cpus = sorted(t[0] for t in timings), sorted(t[1] for t in timings)
    print(f"add_tasks 10,000 tasks in 10 chains of 1,000 (sqlite): wall median "
          f"{statistics.median(walls):.2f} s ({walls[0]:.2f}-{walls[-1]:.2f}), CPU median "
          f"{statistics.median(cpus):.2f} s ({cpus[0]:.2f}-{cpus[-1]:.2f})")  # fmt: skip
    if args.add_only:
        return 0
    print(f"{'queue':28} {'procs':>5} {'tasks':>6} {'claims/s':>10} {'dupes':>5}")
    for complete in () if args.latency_only else (False, True):
        mode = "claim+done" if complete else "claim only"
        for procs in (1, 4, 16):
            rate, dupes = run_sqlite(procs, args.tasks, complete)
            print(f"{'br (sqlite) ' + mode:28} {procs:5} {args.tasks:6} {rate:10.0f} {dupes:5}")
            if procs in (1, 16):
                anchor, adupes = run_json(procs, args.anchor_tasks, complete)
                label = "anchor json+flock " + mode
                print(f"{label:28} {procs:5} {args.anchor_tasks:6} {anchor:10.0f} {adupes:5}")
                print(f"{'':28} ratio br/anchor: {rate / anchor:.1f}x")
    timings = stdio_latency(args.calls)
    for name, values in timings.items():
        cuts = statistics.quantiles(values, n=20)
        print(
            f"stdio {name:11} p50 {statistics.median(values):6.2f} ms  p95 {cuts[18]:6.2f} ms"
            f"  ({len(values)} calls)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

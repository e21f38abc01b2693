"""`br dashboard` in a real headless Chromium: first paint and SSE update latency.

Two builds of 10,000 tasks (3 streams and 30 streams; chains of dependencies; a tenth done, one
task claimed per stream, 2,000 usage rows over the last 4 hours). For each:

- first paint: a fresh server each time (so the snapshot is read cold), navigation until the
  page's load event (the first render is inline in the HTML) and until the event stream is live.
  Anchor: the same HTML saved to a file and served by Python's http.server: what any server
  would cost the browser for a page of that size.
- update latency: a worker in this process (its own connection) completes its task and claims
  the next; the time from its commit to the stream card showing the new task in the page
  (a MutationObserver stamps it). Beside it, the part the server spends re-reading and
  rendering (`snapshot + render`), and the poll interval that bounds the wait for a change.

Median and range (min-max) over repeats. Needs /usr/bin/chromium and the playwright package.

    .venv/bin/python bench/dashboard.py [--repeats 7] [--updates 15]
"""

from __future__ import annotations

import argparse
import functools
import http.server
import os
import runpy
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# bench/'s script names (coverage.py, say) would shadow modules Starlette's stack imports.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != ROOT / "bench"]
sys.path.insert(0, str(ROOT))
# tests/data/scratch.py by path: bench/ imports no test code, and bench/ is off sys.path here
SCRATCH = runpy.run_path(str(ROOT / "tests" / "data" / "scratch.py"))
CHROMIUM, ARGS = str(SCRATCH["CHROMIUM"]), SCRATCH["CHROMIUM_ARGS"]
TASKS = 10_000
CHAIN = 50  # each stream's tasks form chains of 50 dependent tasks


def _git(repo: Path, *args: str) -> None:
    env = {**os.environ, **SCRATCH["GIT_ENV"]}
    subprocess.run(["git", *args], cwd=repo, env=env, check=True, capture_output=True)


def seed(tmp: Path, streams: int) -> tuple[Path, str]:
    """A repository and a store with a `streams`-stream build of TASKS tasks."""
    from br_core.dashboard import claude_dir_name
    from br_core.git import project_id
    from br_core.orchestration.records import report_status, upsert_stream
    from br_core.queue.models import NewTask
    from br_core.queue.task_queue import TaskQueue
    from br_core.store.db import open_db

    repo = tmp / f"repo{streams}"
    repo.mkdir()
    _git(repo, "init", "-q", "-b", "main")
    _git(repo, "commit", "-q", "--allow-empty", "-m", "init")
    project = project_id(repo)
    conn = open_db()
    names = [f"s{i:02d}" for i in range(streams)]
    for name in names:
        upsert_stream(conn, project, name, f"stream/{name}", str(tmp / f"wt-{name}"))
    queue = TaskQueue(conn, project)
    queue.add_tasks(
        [
            NewTask(
                id=f"t{i}", title=f"task {i} of {names[i % streams]}", stream=names[i % streams],
                priority=i % 4,
                depends_on=[f"t{i - streams}"] if (i // streams) % CHAIN else [],
            )
            for i in range(TASKS)
        ]
    )  # fmt: skip
    # A tenth done, written in one statement (claiming 1,000 tasks one by one takes minutes
    # and is the queue bench's subject); t0..t999 only depend on each other. An empty add
    # recomputes the ready states.
    with conn:
        conn.execute(
            "UPDATE tasks SET status = 'done', updated_at = ? WHERE project_id = ? AND seq IN "
            "(SELECT seq FROM tasks WHERE project_id = ? ORDER BY seq LIMIT ?)",
            (time.time(), project, project, TASKS // 10),
        )
    queue.add_tasks([])
    for name in names:
        claim = queue.claim(f"worker-{name}", stream=name)
        if claim is not None:
            report_status(conn, project, name, status="working", owner=f"worker-{name}",
                          current_task=claim.task.id, head=None)  # fmt: skip
    queue.close()
    now = time.time()
    models = ("claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-4-1")
    folders = [claude_dir_name(str(tmp / f"wt-{name}")) for name in names]
    with conn:
        conn.executemany(
            "INSERT INTO usage (dedup_key, source, project_id, project_dir, ts, model, "
            "input_tokens, output_tokens) VALUES (?, 'bench', ?, ?, ?, ?, ?, ?)",
            [
                (f"k{streams}-{i}", project, folders[i % streams], now - 4 * 3600 + i * 7,
                 models[i % 3], 3000 + i, 700)
                for i in range(2000)
            ],
        )  # fmt: skip
    conn.close()
    return repo, project


def _stats(values: list[float]) -> str:
    low, high = min(values), max(values)
    return f"median {statistics.median(values):7.1f} ms  (range {low:.1f}-{high:.1f})"


def first_paint(browser: object, repo: Path, project: str, repeats: int) -> dict[str, list[float]]:
    from br_cli.dashboard.app import DashboardServer, Settings

    out: dict[str, list[float]] = {"load": [], "live": [], "html_bytes": []}
    for _ in range(repeats):
        with DashboardServer(Settings(root=repo, project_id=project, transcripts=[])) as server:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
            started = time.perf_counter()
            page.goto(server.url, wait_until="load")
            out["load"].append((time.perf_counter() - started) * 1000)
            page.wait_for_function("document.getElementById('live').textContent === 'live'")
            out["live"].append((time.perf_counter() - started) * 1000)
            out["html_bytes"].append(float(len(page.content())))
            page.close()
    return out


def static_anchor(
    browser: object, repo: Path, project: str, repeats: int, tmp: Path
) -> list[float]:
    """The same page as a static file (scripts removed, so the browser only parses and paints)."""
    from br_cli.dashboard.app import DashboardServer, Settings

    with DashboardServer(Settings(root=repo, project_id=project, transcripts=[])) as server:
        page = browser.new_page()  # type: ignore[attr-defined]
        page.goto(server.url, wait_until="load")
        html = page.content().split("<script")[0] + "</body></html>"
        css = (ROOT / "br_cli/dashboard/static/dashboard.css").read_text()
        page.close()
    folder = tmp / "static"
    folder.mkdir(exist_ok=True)
    (folder / "index.html").write_text(html.replace("</head>", f"<style>{css}</style></head>"))
    handler = functools.partial(_Quiet, directory=str(folder))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    times = []
    try:
        for _ in range(repeats):
            page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
            started = time.perf_counter()
            page.goto(f"http://127.0.0.1:{httpd.server_address[1]}/index.html", wait_until="load")
            times.append((time.perf_counter() - started) * 1000)
            page.close()
    finally:
        httpd.shutdown()
    return times


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def update_latency(
    browser: object, repo: Path, project: str, updates: int
) -> dict[str, list[float]]:
    from br_cli.dashboard.app import DashboardServer, Settings, StoreReader
    from br_core.queue.task_queue import TaskQueue
    from br_core.store.db import open_db

    settings = Settings(root=repo, project_id=project, transcripts=[])
    reader = StoreReader(settings)
    compute = []
    for _ in range(updates):
        started = time.perf_counter()
        reader.fragments()
        compute.append((time.perf_counter() - started) * 1000)
    reader.close()
    latency = []
    with DashboardServer(settings) as server:
        page = browser.new_page(viewport={"width": 1400, "height": 1000})  # type: ignore[attr-defined]
        page.goto(server.url, wait_until="load")
        page.wait_for_function("document.getElementById('live').textContent === 'live'")
        page.evaluate(
            "new MutationObserver(() => { window.__changedAt = Date.now(); })"
            ".observe(document.getElementById('streams'), {childList: true, subtree: true})"
        )
        conn = open_db()
        queue = TaskQueue(conn, project)
        stream = conn.execute(
            "SELECT stream FROM tasks WHERE project_id = ? AND status = 'claimed' LIMIT 1",
            (project,),
        ).fetchone()[0]
        for _ in range(updates):
            row = conn.execute(
                "SELECT id, token FROM tasks WHERE project_id = ? AND stream = ? "
                "AND status = 'claimed'", (project, stream),
            ).fetchone()  # fmt: skip
            queue.complete(row[0], row[1])
            claim = queue.claim(f"worker-{stream}", stream=stream)
            wrote = time.time() * 1000
            assert claim is not None
            page.wait_for_function(
                f"document.querySelector('article.stream[data-stream=\"{stream}\"]')"
                f".innerText.includes('{claim.task.id} ')", timeout=15_000,
            )  # fmt: skip
            latency.append(page.evaluate("window.__changedAt") - wrote)
            time.sleep(0.3)
        queue.close()
        conn.close()
        page.close()
    return {"latency": latency, "compute": compute}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--updates", type=int, default=15)
    args = parser.parse_args()
    if not Path(CHROMIUM).exists():
        print(f"bench/dashboard.py: skipped, needs the Debian package chromium ({CHROMIUM})")
        return 0
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        print("bench/dashboard.py: skipped, needs the PyPI package playwright")
        return 0
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        os.environ["BR_HOME"] = str(tmp / "br_home")
        from br_cli.dashboard.app import HOST

        assert HOST == "127.0.0.1"
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            for streams in (3, 30):
                started = time.perf_counter()
                repo, project = seed(tmp, streams)
                seconds = time.perf_counter() - started
                print(f"\n{streams} streams, {TASKS} tasks (seeded in {seconds:.1f} s)")
                paint = first_paint(browser, repo, project, args.repeats)
                anchor = static_anchor(browser, repo, project, args.repeats, tmp)
                print(f"  first paint, load event      {_stats(paint['load'])}")
                print(f"  first paint, events live     {_stats(paint['live'])}")
                kib = statistics.median(paint["html_bytes"]) / 1024
                print(f"  anchor: same HTML as a file  {_stats(anchor)}  ({kib:.0f} KiB page)")
                upd = update_latency(browser, repo, project, args.updates)
                print(f"  update, commit -> DOM        {_stats(upd['latency'])}")
                print(f"  of which snapshot + render   {_stats(upd['compute'])}")
                print("  poll interval (the wait for a change)  100 ms max, 50 ms mean")
            browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

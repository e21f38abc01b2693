"""The dashboard in a real headless Chromium (Debian's package, driven by Playwright from PyPI).

What a person sees after a worker's claim and after a merge, arriving without a reload: the
page sets `window.__brDashboard.loadedAt` once; a reload would reset it.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from br_cli.dashboard.app import DashboardServer
from br_core.orchestration.model import STALE_AFTER_SECONDS
from br_core.orchestration.records import add_decision, add_merge_entry, set_stream_state
from br_core.queue.task_queue import TaskQueue
from br_core.store.db import open_db
from tests.conftest import git
from tests.dashboard.build import Build
from tests.data.scratch import CHROMIUM, CHROMIUM_ARGS

if not CHROMIUM.exists():
    pytest.skip("needs the Debian package chromium (/usr/bin/chromium)", allow_module_level=True)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="needs the PyPI package playwright (the dev extra)"
)
WAIT_MS = 15_000


@pytest.fixture
def page(server: DashboardServer) -> Iterator[Any]:
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=WAIT_MS
        )
        try:
            tab = browser.new_page(viewport={"width": 1400, "height": 1000})
            tab.set_default_timeout(WAIT_MS)
            requests: list[str] = []
            tab.on("request", lambda r: requests.append(r.url))
            tab.goto(server.url)
            tab.wait_for_function("document.getElementById('live').textContent === 'live'")
            tab.requests = requests
            yield tab
        finally:
            browser.close()


def _card(page: Any, stream: str) -> Any:
    return page.locator(f'article.stream[data-stream="{stream}"]')


def test_the_first_paint_shows_three_streams_status_first(page: Any, build: Build) -> None:
    assert page.locator("article.stream").count() == 3
    ui = _card(page, "ui")
    assert ui.get_attribute("data-status") == "stale"
    assert ui.locator(".badge").inner_text() == "stale: no heartbeat"
    assert "2 min ago" in ui.inner_text()
    api = _card(page, "api")
    assert api.locator(".badge").inner_text() == "working"
    assert "api-endpoints" in api.inner_text() and "worker-api" in api.inner_text()
    assert "left" in api.locator("dd").nth(1).inner_text()  # the lease counts down
    assert page.locator('[data-column="claimed"] .count').inner_text() == "3"
    assert page.locator("svg.graph g.node").count() == 11
    assert "1 stale" in page.locator("#summary").inner_text()
    text = page.content()
    assert build.secret not in text and "rotate the token ghp_" in text
    # nothing left the machine: every request went to the dashboard itself
    assert all(url.startswith("http://127.0.0.1:") for url in page.requests)


def test_a_claim_and_a_merge_arrive_without_a_reload(
    page: Any, build: Build, server: DashboardServer, tmp_path: Path
) -> None:
    loaded = page.evaluate("window.__brDashboard.loadedAt")
    updates = page.evaluate("window.__brDashboard.updates")
    worker = open_db()
    queue = TaskQueue(worker, build.project)
    try:
        # a worker finishes its task and claims the next one
        task, token = build.claims["api"]
        queue.complete(task, token)
        claim = queue.claim("worker-api", stream="api")
        assert claim is not None
        page.wait_for_function(
            "document.querySelector('article.stream[data-stream=\"api\"]')"
            ".innerText.includes('api-auth')"
        )
        assert "rotate the token ghp_" in _card(page, "api").inner_text()
        assert page.locator('[data-column="done"] .count').inner_text() == "4"

        # the db stream finishes and the merge queue merges it into main
        task, token = build.claims["db"]
        queue.complete(task, token)
        worktree = build.worktrees["db"]
        (worktree / "db.sql").write_text("create table t (id integer);\n", encoding="utf-8")
        git(worktree, "add", "db.sql")
        git(worktree, "commit", "-q", "-m", "db: schema")
        git(build.root, "merge", "-q", "--no-ff", "-m", "merge stream/db", "stream/db")
        merged = git(build.root, "rev-parse", "HEAD").strip()
        add_merge_entry(
            worker, build.project, "db", "main", "merged", files=["db.sql"], merged_commit=merged
        )
        set_stream_state(worker, build.project, "db", "merged")
        # ui's branch conflicts with what api merged: the merge queue stops it and says why
        add_merge_entry(
            worker, build.project, "ui", "main", "conflict", files=["web/forms.py"],
            other_stream="api",
        )  # fmt: skip
        set_stream_state(worker, build.project, "ui", "conflict")
        add_decision(worker, build.project, "dates are UTC everywhere", who="worker-api",
                     stream="api")  # fmt: skip
    finally:
        queue.close()
        worker.close()
    page.wait_for_function(
        "document.querySelector('article.stream[data-stream=\"db\"]').dataset.status === 'merged'"
    )
    row = page.locator('tr[data-merge="db"]')
    assert "merged" in row.inner_text() and merged[:10] in row.inner_text()
    assert _card(page, "db").locator(".badge").inner_text() == "merged"
    page.wait_for_function(
        "document.querySelector('article.stream[data-stream=\"ui\"]').dataset.status === 'conflict'"
    )
    assert _card(page, "ui").locator(".badge").inner_text() == "merge conflict"
    conflict = page.locator('tr[data-merge="ui"]').inner_text()
    assert "conflict" in conflict and "web/forms.py" in conflict and "stream api" in conflict
    page.wait_for_function(
        "document.getElementById('decisions').innerText.includes('dates are UTC everywhere')"
    )
    assert page.evaluate("window.__brDashboard.loadedAt") == loaded  # no reload happened
    assert page.evaluate("window.__brDashboard.updates") > updates
    assert build.secret not in page.content()

    shot = tmp_path / "dashboard.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    keep = os.environ.get("BR_DASHBOARD_SCREENSHOT")
    if keep:  # e.g. docs/img/dashboard.png, refreshed by hand
        shutil.copyfile(shot, keep)


def test_a_worker_that_stops_heartbeating_turns_stale_with_no_write(
    page: Any, build: Build
) -> None:
    """The api worker's last heartbeat is set to 2 s short of the stale limit; after that one
    write nothing changes in the store, and the card still turns stale by itself."""
    worker = open_db()
    try:
        worker.execute(
            "UPDATE streams SET heartbeat_at = ? WHERE project_id = ? AND name = 'api'",
            (time.time() - STALE_AFTER_SECONDS + 2, build.project),
        )
    finally:
        worker.close()
    api = "document.querySelector('article.stream[data-stream=\"api\"]')"
    page.wait_for_function(f"{api}.innerText.includes('min ago')")  # the write arrived
    assert _card(page, "api").get_attribute("data-status") == "working"
    page.wait_for_function(f"{api}.dataset.status === 'stale'")
    assert "2 stale" in page.locator("#summary").inner_text()

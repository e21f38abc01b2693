"""The dashboard watching a build made only of real commands: `br orchestrate start` makes the
worktrees, `br worker` processes claim and work tasks, `br merge` merges a finished stream. The
page sees the claim and the merge arrive without a reload."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from br_cli.dashboard.app import DashboardServer, Settings
from br_core.git import project_id
from tests.conftest import git
from tests.data.scratch import CHROMIUM, CHROMIUM_ARGS

if not CHROMIUM.exists():
    pytest.skip("needs the Debian package chromium (/usr/bin/chromium)", allow_module_level=True)
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="needs the PyPI package playwright (the dev extra)"
)
from tests.dashboard.test_browser import WAIT_MS  # noqa: E402
from tests.orchestration.conftest import BR, SPEC  # noqa: E402
from tests.orchestration.conftest import br_process as br  # noqa: E402


@pytest.fixture
def shop(git_repo: Path) -> tuple[Path, dict[str, Path]]:
    """The repository and its three stream worktrees (made by `br orchestrate start`)."""
    (git_repo / "SPEC.md").write_text(SPEC, encoding="utf-8")
    git(git_repo, "add", "-A")
    git(git_repo, "commit", "-qm", "spec")
    assert br(git_repo, "tasks", "parse", "SPEC.md").returncode == 0
    started = br(git_repo, "orchestrate", "start", "--streams", "api,web,docs", "--json")
    assert started.returncode == 0, started.stderr
    trees = {s["stream"]: Path(s["worktree"]) for s in json.loads(started.stdout)}
    assert set(trees) == {"api", "web", "docs"}
    return git_repo, trees


@pytest.fixture
def page(shop: tuple[Path, dict[str, Path]]) -> Iterator[Any]:
    root = shop[0]
    settings = Settings(root=root, project_id=project_id(root), poll=0.05, transcripts=[])
    with DashboardServer(settings) as server, sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=WAIT_MS
        )
        try:
            tab = browser.new_page(viewport={"width": 1400, "height": 1000})
            tab.set_default_timeout(WAIT_MS)
            tab.goto(server.url)
            tab.wait_for_function("document.getElementById('live').textContent === 'live'")
            yield tab
        finally:
            browser.close()


def _card_js(stream: str) -> str:
    return f"document.querySelector('article.stream[data-stream=\"{stream}\"]')"


def test_real_workers_and_a_real_merge_show_up_live(
    page: Any, shop: tuple[Path, dict[str, Path]]
) -> None:
    root, trees = shop
    loaded = page.evaluate("window.__brDashboard.loadedAt")
    assert page.locator("article.stream").count() == 3
    # a worker process claims api's first task and holds it while its command runs
    worker = subprocess.Popen(
        [*BR, "worker", "--stream", "api", "--once", "--command", "sleep 4",
         "--heartbeat", "0.2", "--owner", "w-api"],
        cwd=trees["api"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        page.wait_for_function(f"{_card_js('api')}.dataset.status === 'working'")
        card = page.locator('article.stream[data-stream="api"]').inner_text()
        assert "w-api" in card and "Schema" in card
    finally:
        _, err = worker.communicate(timeout=60)
    assert worker.returncode == 0, err
    page.wait_for_function(
        "document.querySelector('[data-column=\"done\"] .count').textContent === '1'"
    )

    # the docs worker commits its work in its worktree and finishes the stream; br merge merges
    docs = br(
        trees["docs"], "worker", "--stream", "docs", "--wait", "1", "--command",
        "echo '# Shop' > README.md && git add README.md && git commit -qm 'docs: readme'",
    )  # fmt: skip
    assert docs.returncode == 0, docs.stderr
    merged = br(root, "merge", "--streams", "docs", "--json")
    assert merged.returncode == 0, merged.stderr
    (result,) = json.loads(merged.stdout)
    assert result["state"] == "merged", merged.stdout
    page.wait_for_function(f"{_card_js('docs')}.dataset.status === 'merged'")
    row = page.locator('tr[data-merge="docs"]').inner_text()
    assert "merged" in row and result["merged_commit"][:10] in row and "README.md" in row
    assert page.evaluate("window.__brDashboard.loadedAt") == loaded  # never reloaded

"""The dashboard screenshot for the parallel-builds act of `make demo` (demo/act_parallel.py).

    from dashboard_shot import dashboard_screenshot
    shot = dashboard_screenshot(repo, Path(tmp) / "dashboard.png")  # None: no browser here

It runs the real `br dashboard --no-open` in `repo` (with the demo's BR_HOME and
CLAUDE_CONFIG_DIR from demo_kit.ENV), reads the URL it prints, loads the page in Debian's headless
Chromium through Playwright, waits until the page is live and every stream card is drawn, saves
a full-page PNG and stops the server. Without /usr/bin/chromium or the playwright package it says
so in one line and returns None, so the act goes on.
"""

from __future__ import annotations

import selectors
import subprocess
import time
from pathlib import Path

from demo_kit import BR, ENV, SCRATCH, say

CHROMIUM, ARGS = SCRATCH["CHROMIUM"], SCRATCH["CHROMIUM_ARGS"]


def _read_url(proc: subprocess.Popen[str], wait: float) -> str:
    """The URL from `br dashboard`'s first line, within `wait` seconds."""
    assert proc.stdout is not None
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout=wait):
            raise SystemExit(f"demo: br dashboard printed no URL within {wait:g} s")
    line = proc.stdout.readline()
    if not line.startswith("br dashboard: http://127.0.0.1:"):
        raise SystemExit(f"demo: br dashboard did not start: {line.strip() or proc.poll()}")
    return line.split()[2]


def dashboard_screenshot(
    repo: Path, out: Path, *, width: int = 1400, wait: float = 30.0
) -> Path | None:
    """A PNG of `repo`'s live dashboard at `out`; None (one line said) without a browser."""
    if not CHROMIUM.exists():
        say(f"(dashboard screenshot skipped: needs the Debian package chromium, {CHROMIUM})")
        return None
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        say("(dashboard screenshot skipped: needs the PyPI package playwright, the dev extra)")
        return None
    proc = subprocess.Popen(
        [str(BR), "dashboard", "--no-open"],
        cwd=repo, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        url = _read_url(proc, wait)
        with sync_playwright() as p:
            browser = p.chromium.launch(
                executable_path=str(CHROMIUM), args=ARGS, timeout=wait * 1000
            )
            try:
                page = browser.new_page(viewport={"width": width, "height": 1000})
                page.set_default_timeout(wait * 1000)
                page.goto(url)
                page.wait_for_function("document.getElementById('live').textContent === 'live'")
                time.sleep(0.5)  # let the relative times tick once
                out.parent.mkdir(parents=True, exist_ok=True)
                page.screenshot(path=str(out), full_page=True)
            finally:
                browser.close()
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
    return out

"""The digest on the dashboard: a link beside the learning panel, and the page behind the token."""

from __future__ import annotations

import sqlite3
import urllib.error
import urllib.request
from pathlib import Path

from br_cli.dashboard.app import DashboardServer, Settings
from br_core.git import project_id
from tests.learning.helpers import block, now


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=20) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def test_the_dashboard_links_the_digest_and_serves_it_behind_the_token(
    conn: sqlite3.Connection, git_repo: Path
) -> None:
    block(conn, git_repo, "br-secrets", "tests/fixtures", now())
    settings = Settings(root=git_repo, project_id=project_id(git_repo), transcripts=[])
    with DashboardServer(settings) as server:
        status, page = get(server.url)
        assert status == 200 and f'href="/digest?token={server.token}"' in page
        base = f"http://127.0.0.1:{server.port}/digest"
        status, digest = get(f"{base}?token={server.token}")
        assert status == 200 and "<h2>Blocks by the hooks</h2>" in digest
        assert "br-secrets: 1 blocked commits (most in tests/fixtures)" in digest
        for query in ("", "?token=wrong"):
            status, body = get(base + query)
            assert status == 403 and "Blocks" not in body

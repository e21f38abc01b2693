"""A three-stream build (real worktrees, queue, transcripts) and a dashboard server over it."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from br_cli.dashboard.app import DashboardServer, Settings
from tests.dashboard.build import Build, make_build


@pytest.fixture
def build(git_repo: Path, conn: sqlite3.Connection, tmp_path: Path) -> Build:
    return make_build(git_repo, conn, tmp_path / "projects")


@pytest.fixture
def settings(build: Build, tmp_path: Path) -> Settings:
    # A short refresh: the tests watch time-driven changes too, and every wait stays bounded.
    return Settings(
        root=build.root,
        project_id=build.project,
        poll=0.05,
        refresh=1.0,
        transcripts=[tmp_path / "projects"],
    )


@pytest.fixture
def server(settings: Settings) -> Iterator[DashboardServer]:
    with DashboardServer(settings) as running:
        yield running

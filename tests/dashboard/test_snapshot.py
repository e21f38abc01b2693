"""The dashboard's data (br_core.dashboard) and its HTML (br_cli.dashboard.render), no browser."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

import pytest

from br_cli.dashboard import render
from br_core.cost.pricing import load_price_table
from br_core.cost.transcripts import ingest
from br_core.dashboard import (
    CARDS_PER_COLUMN,
    GRAPH_NODES,
    MAIN,
    change_marker,
    claude_dir_name,
    snapshot,
)
from br_core.queue.models import NewTask
from br_core.queue.task_queue import TaskQueue
from br_core.store.db import open_db
from br_core.telemetry.thresholds import threshold_status
from tests.dashboard.build import Build, claude_dir


def _snap(conn: sqlite3.Connection, build: Build, tmp_path: Path) -> object:
    ingest(conn, [tmp_path / "projects"])
    table = load_price_table(build.root)
    return snapshot(conn, build.project, table, threshold_status(conn, build.root))


def test_three_streams_with_their_sessions(
    build: Build, conn: sqlite3.Connection, tmp_path: Path
) -> None:
    snap = _snap(conn, build, tmp_path)
    by_name = {s.stream: s for s in snap.streams}  # type: ignore[attr-defined]
    assert sorted(by_name) == ["api", "db", "ui"]
    assert by_name["ui"].status == "stale" and by_name["ui"].stale
    assert by_name["api"].status == "working" and not by_name["api"].stale
    assert by_name["db"].current_task == build.claims["db"][0] == "db-backups"
    assert by_name["db"].owner == "worker-db"
    assert 0 < by_name["db"].lease_left <= 600
    assert by_name["db"].tasks_by_status == {"done": 2, "claimed": 1}


def test_board_graph_and_masked_titles(
    build: Build, conn: sqlite3.Connection, tmp_path: Path
) -> None:
    snap = _snap(conn, build, tmp_path)
    columns = {c.status: c for c in snap.board}  # type: ignore[attr-defined]
    assert {k: c.count for k, c in columns.items()} == {
        "ready": 0, "claimed": 3, "done": 3, "pending": 5,
    }  # fmt: skip
    titles = {card.id: card.title for c in columns.values() for card in c.cards}
    assert titles["api-schema"] == "api schema"  # ordinary text is not masked
    assert build.secret not in titles["api-auth"] and "rotate the token ghp_" in titles["api-auth"]
    assert build.secret not in repr(snap)
    assert ("ui-forms", "api-endpoints") in snap.graph.edges  # type: ignore[attr-defined]
    assert ("api-endpoints", "db-migrations") in snap.graph.edges  # type: ignore[attr-defined]
    html = "".join(render.fragments(snap).values())  # type: ignore[arg-type]
    assert build.secret not in html and "rotate the token ghp_" in html


def test_cost_per_stream_and_tier_from_transcripts(
    build: Build, conn: sqlite3.Connection, tmp_path: Path
) -> None:
    snap = _snap(conn, build, tmp_path)
    cost = snap.cost  # type: ignore[attr-defined]
    per_stream = cost.total(cost.by_stream)
    assert sorted(per_stream) == ["api", "db", "ui"]  # every request ran in a stream worktree
    assert MAIN not in per_stream
    assert sorted(cost.total(cost.by_tier)) == ["haiku", "opus", "sonnet"]
    # the opus stream costs most, the haiku stream least (same tokens)
    assert per_stream["db"] > per_stream["api"] > per_stream["ui"] > 0
    assert sum(per_stream.values()) == pytest.approx(sum(cost.total(cost.by_tier).values()))
    burn = snap.burn  # type: ignore[attr-defined]
    assert burn.active and burn.cost_per_hour > 0
    assert burn.cost_usd == pytest.approx(sum(per_stream.values()))


def test_usage_outside_the_worktrees_is_main_and_old_usage_is_no_block(
    build: Build, conn: sqlite3.Connection
) -> None:
    table = load_price_table(build.root)
    long_ago = time.time() - 8 * 3600
    conn.execute(
        "INSERT INTO usage (dedup_key, source, project_id, project_dir, ts, model, input_tokens,"
        " output_tokens) VALUES ('k1', 'test', ?, ?, ?, 'claude-sonnet-4-5', 1000, 100)",
        (build.project, claude_dir(build.root), long_ago),
    )
    snap = snapshot(conn, build.project, table, None)
    assert snap.cost.total(snap.cost.by_stream) == {MAIN: pytest.approx(snap.cost.total(
        snap.cost.by_tier)["sonnet"])}  # fmt: skip
    assert not snap.burn.active  # eight hours ago: no 5-hour block is running
    assert snap.phases == ()
    assert "Telemetry is not readable" in render.learning_panel(snap)


def test_claude_dir_name_matches_claude_codes_folder_names() -> None:
    assert claude_dir_name("/home/me/shop-api") == "-home-me-shop-api"
    assert claude_dir_name("/w/a.b_c") == "-w-a-b-c"


def test_change_marker_moves_only_on_another_connections_commit(
    build: Build, conn: sqlite3.Connection
) -> None:
    first = change_marker(conn)
    conn.execute("SELECT count(*) FROM tasks").fetchone()
    assert change_marker(conn) == first  # a read is not a change
    other = open_db()
    try:
        queue = TaskQueue(other, build.project)
        queue.add_tasks([NewTask(id="extra", title="one more", stream="api")])
        queue.close()
    finally:
        other.close()
    assert change_marker(conn) != first


def test_ten_thousand_tasks_stay_within_the_caps(git_repo: Path, conn: sqlite3.Connection) -> None:
    from br_core.git import project_id

    project = project_id(git_repo)
    queue = TaskQueue(conn, project)
    tasks = [
        NewTask(
            id=f"t{i}", title=f"task {i}", stream=f"s{i % 30}",
            depends_on=[f"t{i - 30}"] if i >= 30 else [],
        )
        for i in range(10_000)
    ]  # fmt: skip
    queue.add_tasks(tasks)
    queue.close()
    started = time.perf_counter()
    snap = snapshot(conn, project, load_price_table(git_repo), None)
    elapsed = time.perf_counter() - started
    assert len(snap.streams) == 30 and snap.task_total == 10_000
    assert all(len(c.cards) <= CARDS_PER_COLUMN for c in snap.board)
    assert sum(c.count for c in snap.board) == 10_000
    assert len(snap.graph.nodes) == GRAPH_NODES and snap.graph.total == 10_000
    html = "".join(render.fragments(snap).values())
    assert f"{GRAPH_NODES} of 10000 tasks" in html and "more</li>" in html
    assert elapsed < 30  # a bound against hangs only; bench/dashboard.py measures the time

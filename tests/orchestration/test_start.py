"""`br orchestrate plan/start`: real worktrees and branches, briefs, idempotence, a dirty tree."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import git
from tests.orchestration.conftest import br, porcelain


def _worktrees(repo: Path) -> list[str]:
    return sorted(
        line.split(" ", 1)[1]
        for line in git(repo, "worktree", "list", "--porcelain").splitlines()
        if line.startswith("worktree ")
    )


def test_plan_shows_batches_estimates_and_stream_order(shop: Path) -> None:
    proc = br(shop, "orchestrate", "plan", "--json")
    assert proc.returncode == 0, proc.stderr
    plan = json.loads(proc.stdout)
    streams = {s["stream"]: s for s in plan["streams"]}
    assert set(streams) == {"api", "docs", "web"}
    assert [t["id"] for t in streams["api"]["batches"][0]["tasks"]] == [
        "storage/schema",
        "storage/pool",
    ]
    # web's task waits on all of Storage: it is batch 2, after api
    assert [b["number"] for b in streams["web"]["batches"]] == [2]
    assert streams["web"]["depends_on"] == ["api"]
    assert streams["api"]["estimate"]["minutes"] == 90
    assert streams["api"]["estimate"]["low"] is None  # no measured history yet
    text = br(shop, "orchestrate", "plan").stdout
    assert "web: 1 open, 0 done, estimate 45 min, after api" in text


def test_start_makes_a_worktree_branch_brief_and_command_per_stream(shop: Path) -> None:
    assert br(shop, "decide", "money is stored in cents", "--who", "alice").returncode == 0
    proc = br(shop, "orchestrate", "start", "--json")
    assert proc.returncode == 0, proc.stderr
    started = {s["stream"]: s for s in json.loads(proc.stdout)}
    assert set(started) == {"api", "docs", "web"}
    api = started["api"]
    assert api["created"] == ["branch", "worktree", "brief"]
    worktree = Path(api["worktree"])
    assert worktree == shop.parent / "repo-api"
    assert git(worktree, "rev-parse", "--abbrev-ref", "HEAD").strip() == "stream/api"
    assert api["command"] == f"cd {worktree} && claude '/br-next api'"
    brief = json.loads((worktree / ".buildrunner/commands/api.json").read_text())
    assert brief["batch"] == 1 and brief["stream"] == "api"
    assert [t["id"] for t in brief["tasks"]] == ["storage/schema", "storage/pool"]
    assert [d["text"] for d in brief["decisions"]] == ["money is stored in cents"]
    # briefs and status files are kept out of git: no tree looks dirty because of them
    assert porcelain(worktree) == "" and porcelain(shop) == ""


def test_start_is_idempotent(shop: Path) -> None:
    first = br(shop, "orchestrate", "start", "--streams", "api,docs")
    assert first.returncode == 0, first.stderr
    trees, branches = _worktrees(shop), git(shop, "branch", "--list")
    brief = (shop.parent / "repo-api/.buildrunner/commands/api.json").read_text()
    again = br(shop, "orchestrate", "start", "--streams", "api,docs", "--json")
    assert again.returncode == 0, again.stderr
    assert [s["created"] for s in json.loads(again.stdout)] == [[], []]
    assert _worktrees(shop) == trees and git(shop, "branch", "--list") == branches
    assert (shop.parent / "repo-api/.buildrunner/commands/api.json").read_text() == brief
    # adding a stream later only adds that one
    more = json.loads(br(shop, "orchestrate", "start", "--json").stdout)
    assert {s["stream"]: s["created"] for s in more} == {
        "api": [],
        "docs": [],
        "web": ["branch", "worktree", "brief"],
    }


def test_start_refuses_a_dirty_tree_with_one_line(shop: Path) -> None:
    (shop / "shared.txt").write_text("edited\n", encoding="utf-8")
    proc = br(shop, "orchestrate", "start")
    assert proc.returncode == 2
    assert proc.stdout == ""
    (line,) = proc.stderr.splitlines()
    assert "uncommitted changes to shared.txt" in line and "commit or stash" in line
    assert "Traceback" not in proc.stderr
    assert _worktrees(shop) == [str(shop)]
    assert "stream/" not in git(shop, "branch", "--list")


def test_untracked_files_do_not_count_as_dirty(shop: Path) -> None:
    (shop / "notes.txt").write_text("scratch\n", encoding="utf-8")
    assert br(shop, "orchestrate", "start", "--streams", "docs").returncode == 0


def test_start_refuses_bad_names_and_occupied_folders(shop: Path) -> None:
    bad = br(shop, "orchestrate", "start", "--streams", "../x")
    assert bad.returncode == 2 and "not a usable stream name" in bad.stderr
    (shop.parent / "repo-api").mkdir()
    (shop.parent / "repo-api" / "keep.txt").write_text("mine\n", encoding="utf-8")
    taken = br(shop, "orchestrate", "start", "--streams", "api")
    assert taken.returncode == 2
    assert "exists and is not the worktree of stream/api" in taken.stderr
    assert (shop.parent / "repo-api" / "keep.txt").read_text() == "mine\n"


def test_worktree_dir_from_the_config(shop: Path) -> None:
    (shop / ".buildrunner").mkdir()
    (shop / ".buildrunner/config.toml").write_text(
        '[orchestrate]\nworktree_dir = "../trees"\n', encoding="utf-8"
    )
    git(shop, "add", "-A")
    git(shop, "commit", "-qm", "config")
    proc = br(shop, "orchestrate", "start", "--streams", "docs", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)[0]["worktree"] == str((shop.parent / "trees/docs").resolve())


def test_start_without_streams_says_how_to_get_them(git_repo: Path) -> None:
    proc = br(git_repo, "orchestrate", "start")
    assert proc.returncode == 2 and "no streams to start" in proc.stderr


def test_the_next_brief_carries_the_decisions_made_since_the_last(shop: Path) -> None:
    assert br(shop, "decide", "before the start").returncode == 0
    started = json.loads(br(shop, "orchestrate", "start", "--streams", "web", "--json").stdout)
    web = Path(started[0]["worktree"])
    brief_path = web / ".buildrunner/commands/web.json"
    first = json.loads(brief_path.read_text())
    assert first["batch"] == 2  # web's only task waits a level, on api: batch 2 as in the plan
    assert [d["text"] for d in first["decisions"]] == ["before the start"]
    assert br(shop, "decide", "after the start", "--stream", "api").returncode == 0
    # api's tasks done (by its workers), then web's worker does web's task
    for stream in ("api", "web"):
        proc = br(web, "worker", "--stream", stream, "--command", "true", "--wait", "0")
        assert proc.returncode == 0, proc.stdout + proc.stderr
    # the stream is finished: no new batch, the brief stays as it was
    assert json.loads(brief_path.read_text())["batch"] == 2
    # a new task on web opens the next batch with only the decisions since the last brief
    from br_core.git import project_id
    from br_core.queue.models import NewTask
    from br_core.queue.task_queue import TaskQueue
    from br_core.store.db import open_db

    conn = open_db()
    try:
        TaskQueue(conn, project_id(shop)).add_tasks([NewTask(id="w2", title="more", stream="web")])
    finally:
        conn.close()
    assert br(web, "worker", "--stream", "web", "--command", "true").returncode == 0
    second = json.loads(brief_path.read_text())
    assert second["batch"] == 3
    assert [d["text"] for d in second["decisions"]] == ["after the start"]
    assert [t["id"] for t in second["completed"]] == ["pages/cart-page"]
    assert [t["id"] for t in second["tasks"]] == ["w2"]


def test_status_and_decide_from_the_terminal(shop: Path) -> None:
    br(shop, "orchestrate", "start", "--streams", "docs")
    assert br(shop, "worker", "--stream", "docs", "--command", "true").returncode == 0
    out = br(shop, "orchestrate", "status").stdout
    assert "docs: finished; 1/1 done; batch 1; stream/docs" in out
    empty = br(shop, "decide", "   ")
    assert empty.returncode == 2 and empty.stderr.startswith("br: decision: empty text")
    for command in (["orchestrate", "--help"], ["worker", "--help"], ["merge", "--help"]):
        assert br(shop, *command).returncode == 0


def test_plan_parses_a_spec_given_to_it(git_repo: Path) -> None:
    from tests.orchestration.conftest import SPEC

    (git_repo / "SPEC.md").write_text(SPEC, encoding="utf-8")
    proc = br(git_repo, "orchestrate", "plan", "SPEC.md")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("api: 2 open, 0 done, estimate 1.5 h")
    assert "  batch 2: pages/cart-page" in proc.stdout
    bad = br(git_repo, "orchestrate", "start", "--base", "nope")
    assert bad.returncode == 2 and "--base nope: not a commit" in bad.stderr

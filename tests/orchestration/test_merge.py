"""`br merge`: the target only moves to a checked merge; failures leave the user's tree alone."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest

from br_core.config import read_config
from br_core.git import project_id
from br_core.orchestration import model
from br_core.queue.task_queue import TaskQueue
from br_core.trust import grant
from tests.conftest import git
from tests.data.secrets_corpus import rand
from tests.orchestration.conftest import br, commit_in, index_hash, porcelain


def _finish_stream(conn: sqlite3.Connection, repo: Path, stream: str) -> None:
    """Claim and complete every task of `stream` (the workers' part, done directly)."""
    queue = TaskQueue(conn, project_id(repo))
    try:
        while (claim := queue.claim(f"w-{stream}", stream=stream)) is not None:
            queue.complete(claim.task.id, claim.token)
    finally:
        queue.close()


def _started(shop: Path, streams: str) -> dict[str, Path]:
    proc = br(shop, "orchestrate", "start", "--streams", streams, "--json")
    assert proc.returncode == 0, proc.stderr
    return {s["stream"]: Path(s["worktree"]) for s in json.loads(proc.stdout)}


def _config(repo: Path, text: str, *, trusted: bool) -> None:
    (repo / ".buildrunner").mkdir(exist_ok=True)
    (repo / ".buildrunner/config.toml").write_text(text, encoding="utf-8")
    git(repo, "add", "-A")
    git(repo, "commit", "-qm", "config")
    if trusted:
        loaded = read_config(repo)
        assert loaded.digest is not None
        grant(loaded.path, loaded.digest)


def _merge(shop: Path, *args: str) -> tuple[int, list[dict[str, object]], str]:
    proc = br(shop, "merge", "--json", *args)
    assert "Traceback" not in proc.stderr and proc.returncode in (0, 1), proc.stderr
    return proc.returncode, json.loads(proc.stdout or "[]"), proc.stderr


def test_clean_merges_move_main_and_the_checked_out_tree(
    shop: Path, conn: sqlite3.Connection
) -> None:
    trees = _started(shop, "api,docs")
    commit_in(trees["api"], "api.py", "def handler():\n    return 1\n", "api")
    commit_in(trees["docs"], "README.md", "# Shop\n", "docs")
    for stream in ("api", "docs"):
        _finish_stream(conn, shop, stream)
    code, results, _ = _merge(shop)
    assert code == 0
    assert [(r["stream"], r["state"]) for r in results] == [("api", "merged"), ("docs", "merged")]
    assert [c["name"] for c in results[0]["checks"]] == ["br-secrets", "br-sql-injection"]
    head = git(shop, "rev-parse", "main").strip()
    assert head == results[1]["merged_commit"]
    assert git(shop, "rev-parse", "main^2").strip() == git(shop, "rev-parse", "stream/docs").strip()
    # the user's checkout of main came along, clean
    assert (shop / "api.py").exists() and (shop / "README.md").exists() and porcelain(shop) == ""
    entries = model.merge_queue(conn, project_id(shop))
    assert [(e.stream, e.state) for e in entries] == [("api", "merged"), ("docs", "merged")]
    again_code, again, _ = _merge(shop)
    assert again_code == 0 and [r["state"] for r in again] == ["up-to-date", "up-to-date"]


def test_a_real_conflict_stops_the_stream_names_the_other_and_queues_a_resolve_task(
    shop: Path, conn: sqlite3.Connection
) -> None:
    trees = _started(shop, "api,docs")
    commit_in(trees["api"], "shared.txt", "api's version\n", "api edits shared")
    commit_in(trees["docs"], "shared.txt", "docs' version\n", "docs edits shared")
    for stream in ("api", "docs"):
        _finish_stream(conn, shop, stream)
    before = (porcelain(shop), index_hash(shop), git(shop, "rev-parse", "main").strip())
    (shop / "untracked.txt").write_text("mine\n", encoding="utf-8")
    code, results, _ = _merge(shop)
    assert code == 1
    api, docs = results
    assert api["state"] == "merged"
    assert docs["state"] == "conflict"
    assert docs["files"] == ["shared.txt"] and docs["other_stream"] == "api"
    assert "conflicts with stream api in shared.txt" in str(docs["reason"])
    task = TaskQueue(conn, project_id(shop)).get(str(docs["resolve_task"]))
    assert task.stream == "docs" and task.priority == 0 and task.status == "ready"
    assert task.files == ["shared.txt"] and "stream api" in task.title
    # main moved for api only; the conflict changed nothing the user has
    assert git(shop, "rev-parse", "main").strip() == api["merged_commit"] != before[2]
    assert (shop / "shared.txt").read_text() == "api's version\n"
    assert git(shop, "status", "--porcelain", "--untracked-files=no") == ""
    (conflict,) = [e for e in model.merge_queue(conn, project_id(shop)) if e.stream == "docs"]
    assert conflict.state == "conflict" and conflict.other_stream == "api"
    status = {s.stream: s for s in model.streams(conn, project_id(shop))}
    assert status["docs"].status == "conflict"
    document = json.loads((shop / ".buildrunner/status/docs.json").read_text())
    assert document["status"] == "conflict"
    # no temporary worktree is left behind
    assert git(shop, "worktree", "list").count("br-merge-") == 0


def test_a_conflict_alone_leaves_worktree_and_index_untouched(
    shop: Path, conn: sqlite3.Connection
) -> None:
    trees = _started(shop, "docs")
    commit_in(shop, "shared.txt", "main moved on\n", "main edit")
    commit_in(trees["docs"], "shared.txt", "docs' version\n", "docs edit")
    _finish_stream(conn, shop, "docs")
    status, index, head = porcelain(shop), index_hash(shop), git(shop, "rev-parse", "HEAD")
    code, (result,), _ = _merge(shop)
    assert code == 1 and result["state"] == "conflict" and result["other_stream"] is None
    assert "conflicts with main in shared.txt" in str(result["reason"])
    assert (porcelain(shop), index_hash(shop), git(shop, "rev-parse", "HEAD")) == (
        status,
        index,
        head,
    )


def test_a_failing_test_command_keeps_main_and_queues_a_resolve_task(
    shop: Path, conn: sqlite3.Connection
) -> None:
    _config(
        shop,
        '[orchestrate]\ntest_command = "test -f api.py && ! grep -q BROKEN api.py"\n',
        trusted=True,
    )
    trees = _started(shop, "api")
    commit_in(trees["api"], "api.py", "BROKEN = True\n", "api")
    _finish_stream(conn, shop, "api")
    before = (porcelain(shop), index_hash(shop), git(shop, "rev-parse", "main").strip())
    code, (result,), _ = _merge(shop)
    assert code == 1 and result["state"] == "failed"
    assert [(c["name"], c["exit_code"]) for c in result["checks"]][-1] == ("test_command", 1)
    assert "test_command failed (exit 1)" in str(result["reason"])
    assert (porcelain(shop), index_hash(shop), git(shop, "rev-parse", "main").strip()) == before
    task = TaskQueue(conn, project_id(shop)).get(str(result["resolve_task"]))
    assert task.stream == "api" and task.status == "ready"
    # the fix: the stream's worker repairs it, and the next br merge goes through
    commit_in(trees["api"], "api.py", "FIXED = True\n", "fix")
    _finish_stream(conn, shop, "api")
    code, (again,), _ = _merge(shop)
    assert code == 0 and again["state"] == "merged"
    assert [c["name"] for c in again["checks"]] == [
        "br-secrets",
        "br-sql-injection",
        "test_command",
    ]


def test_our_hooks_check_the_changed_files(shop: Path, conn: sqlite3.Connection) -> None:
    trees = _started(shop, "api")
    key = "AKIA" + rand(random.Random(7), "updig", 16)  # built at run time, never committed here
    commit_in(trees["api"], "settings.py", f'AWS_KEY = "{key}"\n', "api")
    _finish_stream(conn, shop, "api")
    before = git(shop, "rev-parse", "main")
    code, (result,), _ = _merge(shop)
    assert (
        code == 1 and result["state"] == "failed" and "br-secrets failed" in str(result["reason"])
    )
    assert git(shop, "rev-parse", "main") == before
    shown = json.dumps(result) + "".join(
        e.output_tail for e in model.merge_queue(conn, project_id(shop))
    )
    assert key not in shown and "settings.py" in shown


def test_an_untrusted_test_command_is_not_run(
    shop: Path, conn: sqlite3.Connection, tmp_path: Path
) -> None:
    canary = tmp_path / "ran"
    _config(shop, f'[orchestrate]\ntest_command = "touch {canary}"\n', trusted=False)
    trees = _started(shop, "docs")
    commit_in(trees["docs"], "README.md", "# Shop\n", "docs")
    _finish_stream(conn, shop, "docs")
    code, (result,), _ = _merge(shop)
    assert code == 0 and result["state"] == "merged" and not canary.exists()
    (notice,) = result["notices"]
    assert "not trusted" in notice and "br config trust" in notice


def test_a_target_that_moves_during_the_checks_is_not_overwritten(
    shop: Path, conn: sqlite3.Connection
) -> None:
    # the check itself moves main (as a push landing meanwhile would): the compare-and-swap
    # of update-ref refuses, and main keeps the commit that moved it
    move = "git update-ref refs/heads/main $(git commit-tree 'HEAD^1^{tree}' -p HEAD^1 -m moved)"
    _config(shop, f'[orchestrate]\ntest_command = "{move}"\n', trusted=True)
    git(shop, "checkout", "-q", "--detach")  # main is not checked out: only the ref matters here
    trees = _started(shop, "docs")
    commit_in(trees["docs"], "README.md", "# Shop\n", "docs")
    _finish_stream(conn, shop, "docs")
    code, (result,), _ = _merge(shop)
    assert code == 1 and result["state"] == "failed"
    assert "main moved while the checks ran" in str(result["reason"])
    assert git(shop, "log", "-1", "--format=%s", "main").strip() == "moved"


def test_streams_merge_in_dependency_order_and_wait_for_a_stopped_one(
    shop: Path, conn: sqlite3.Connection
) -> None:
    trees = _started(shop, "api,web")
    commit_in(shop, "shared.txt", "main moved on\n", "main edit")
    commit_in(trees["api"], "shared.txt", "api\n", "api")
    commit_in(trees["web"], "web.html", "<p>cart</p>\n", "web")
    for stream in ("api", "web"):
        _finish_stream(conn, shop, stream)
    code, results, _ = _merge(shop, "--streams", "web,api")
    assert code == 1
    assert [(r["stream"], r["state"]) for r in results] == [("api", "conflict"), ("web", "skipped")]
    assert results[1]["reason"] == "waits for stream api"


def test_unfinished_streams_are_skipped_and_bad_arguments_exit_2(
    shop: Path, conn: sqlite3.Connection
) -> None:
    _started(shop, "api")
    code, (result,), _ = _merge(shop)
    assert code == 0 and result["state"] == "skipped" and result["reason"] == "2 tasks still open"
    for args, words in (
        (["--into", "nope"], "--into nope: no such branch"),
        (["--streams", "ghost"], "no branch stream/ghost"),
        (["--check-timeout", "0"], "--check-timeout"),
    ):
        proc = br(shop, "merge", *args)
        assert proc.returncode == 2 and words in proc.stderr, proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("dirty", ["staged", "unstaged"])
def test_merge_refuses_when_the_targets_checkout_is_dirty(
    shop: Path, conn: sqlite3.Connection, dirty: str
) -> None:
    trees = _started(shop, "docs")
    commit_in(trees["docs"], "README.md", "# Shop\n", "docs")
    _finish_stream(conn, shop, "docs")
    (shop / "shared.txt").write_text("work in progress\n", encoding="utf-8")
    if dirty == "staged":
        git(shop, "add", "shared.txt")
    index = index_hash(shop)
    proc = br(shop, "merge")
    assert proc.returncode == 2 and "uncommitted changes to shared.txt" in proc.stderr
    assert index_hash(shop) == index and (shop / "shared.txt").read_text() == "work in progress\n"


def test_an_untracked_file_in_the_way_leaves_main_where_it_was(
    shop: Path, conn: sqlite3.Connection
) -> None:
    trees = _started(shop, "docs")
    commit_in(trees["docs"], "README.md", "# Shop\n", "docs")
    _finish_stream(conn, shop, "docs")
    (shop / "README.md").write_text("my own notes\n", encoding="utf-8")  # untracked, in the way
    before = (git(shop, "rev-parse", "main"), index_hash(shop))
    code, (result,), _ = _merge(shop)
    assert code == 1 and result["state"] == "failed"
    assert "git refused to update the checkout of main" in str(result["reason"])
    assert (git(shop, "rev-parse", "main"), index_hash(shop)) == before
    assert (shop / "README.md").read_text() == "my own notes\n"


def test_the_text_report_names_each_stream(shop: Path, conn: sqlite3.Connection) -> None:
    trees = _started(shop, "api,docs")
    commit_in(trees["api"], "shared.txt", "api\n", "api")
    commit_in(trees["docs"], "shared.txt", "docs\n", "docs")
    for stream in ("api", "docs"):
        _finish_stream(conn, shop, stream)
    proc = br(shop, "merge")
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("api: merged as ") and "br-secrets" in lines[0]
    assert lines[1].startswith("docs: conflict: conflicts with stream api in shared.txt; queued")
    assert "api: predicting the merge into main" in proc.stderr  # progress goes to stderr
    status = json.loads(br(shop, "orchestrate", "status", "--json").stdout)
    assert [(e["stream"], e["state"]) for e in status["merge_queue"]] == [
        ("api", "merged"),
        ("docs", "conflict"),
    ]
    text = br(shop, "orchestrate", "status").stdout
    assert "merge docs -> main: conflict (with api) shared.txt" in text
    assert br(shop, "merge", "--streams", "api").stdout.startswith("api: up-to-date")

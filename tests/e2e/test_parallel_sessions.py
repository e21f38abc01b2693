"""Issue 16, item 6: two real Claude Code sessions, in the two worktrees `br orchestrate start`
made, take different tasks of one queue through MCP at the same time.

Two `claude -p '/br-next STREAM'` processes run side by side against one scripted API; each
session's requests are told apart by the working directory Claude Code names in its system
prompt. Each reads its brief, claims with its stream, and finishes with the token it got.
"""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from tests.e2e.harness import ClaudeProject, ClaudeRun, store_rows
from tests.e2e.scripted_api import Exchange, Script, tool_use, turn

CLAIM, UPDATE = "mcp__br__claim_task", "mcp__br__update_task"
TASKS = {"api": "api/schema", "web": "web/page"}  # stream -> its one task


def owner(stream: str) -> str:
    return f"claude-{stream}"


def claimed(exchange: Exchange) -> dict[str, Any]:
    [answer] = exchange.tool_results().values()
    got: dict[str, Any] = json.loads(answer)
    return got


def finish(exchange: Exchange) -> list[Any]:
    """Done, with the token this session's claim got."""
    claim = claimed(exchange)
    args = {"task_id": claim["task"]["id"], "token": claim["token"], "action": "done"}
    return [tool_use(UPDATE, {**args, "note": f"finished by {claim['task']['owner']}"})]


def stream_turns(stream: str, tree: ClaudeProject) -> list[Any]:
    """What /br-next asks for: read the brief, claim from the stream, finish with the token."""
    brief = str(tree.root / ".buildrunner" / "commands" / f"{stream}.json")
    return [
        turn(tool_use("Read", {"file_path": brief}), lane=stream),
        turn(
            tool_use(CLAIM, {"owner": owner(stream), "stream": stream}),
            lane=stream,
            after_tool="Read",
        ),
        turn(reply=finish, lane=stream, after_tool=CLAIM),
        turn(f"{stream}: done.", lane=stream, after_tool=UPDATE),
    ]


def test_two_sessions_in_two_worktrees_take_different_tasks_of_one_queue(
    claude_project: ClaudeProject,
) -> None:
    for stream, task_id in TASKS.items():
        added = claude_project.br(
            "tasks", "add", f"Build {task_id}", "--id", task_id, "--stream", stream
        )
        assert added.returncode == 0, added.stderr
    started = claude_project.br_json("orchestrate", "start")
    trees = {row["stream"]: claude_project.at(Path(row["worktree"])) for row in started}
    assert sorted(trees) == sorted(TASKS)
    # one script, a lane per session, recognised by its working directory
    claude_project.api.reset(
        Script(
            turns=[t for stream, tree in trees.items() for t in stream_turns(stream, tree)],
            agents={stream: tree.cwd_marker for stream, tree in trees.items()},
        )
    )

    def session(stream: str) -> tuple[ClaudeRun, float, float]:
        began = time.monotonic()
        tools = f"Read,{CLAIM},{UPDATE}"
        run = trees[stream].session(f"/br-next {stream}", "--allowedTools", tools)
        return run, began, time.monotonic()

    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = dict(zip(trees, pool.map(session, trees), strict=True))

    api = claude_project.api
    assert api.errors == [], api.errors
    (_, a0, a1), (_, b0, b1) = runs.values()
    assert a0 < b1 and b0 < a1, "the two sessions did not run at the same time"
    for stream, (run, _, _) in runs.items():
        assert run.result["result"] == f"{stream}: done."
        requests = api.requests(stream)
        assert len(requests) == 4 and {e.lane for e in requests} == {stream}
        assert f'"stream": "{stream}"' in requests[1].text()  # the brief, read in its worktree
        claim = claimed(requests[2])
        assert claim["claimed"] is True
        assert (claim["task"]["id"], claim["task"]["owner"]) == (TASKS[stream], owner(stream))
    # the queue: each task done exactly once, by the session of its stream, with its token
    for stream, task_id in TASKS.items():
        [task] = store_rows("SELECT status, token FROM tasks WHERE id = ?", task_id)
        events = store_rows(
            "SELECT kind, owner, token FROM task_events WHERE task_id = ? AND kind IN"
            " ('claimed', 'done') ORDER BY id",
            task_id,
        )
        assert task["status"] == "done"
        assert events == [
            {"kind": "claimed", "owner": owner(stream), "token": task["token"]},
            {"kind": "done", "owner": owner(stream), "token": task["token"]},
        ]
    # what a person watching sees: each stream's row and status file show its session's work
    status = {
        row["stream"]: row for row in claude_project.br_json("orchestrate", "status")["streams"]
    }
    for stream, task_id in TASKS.items():
        row = status[stream]
        assert row["completed"] == [task_id] and row["tasks_by_status"] == {"done": 1}, row
        assert row["current_task"] is None and row["stale"] is False
        path = claude_project.root / ".buildrunner" / "status" / f"{stream}.json"
        written = json.loads(path.read_text("utf-8"))
        assert written["completed"] == [task_id] and written["stream"] == stream, written

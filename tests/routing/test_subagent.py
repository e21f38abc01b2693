"""The Claude Code SubagentStop hook of a br-haiku/sonnet/opus subagent puts that run's cost, read
from the subagent's own transcript, on the routing decision it ran for: the installed
`br-claude-hook` process fed a real-shaped payload and transcript file."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

import pytest

from br_core.cost.pricing import TokenUsage, load_price_table, price_usage
from br_core.git import project_id
from br_core.routing.decisions import record_outcome
from br_core.routing.router import route_task
from br_core.routing.subagent import transcript_cost
from br_core.store.db import open_db

HOOK = [str(Path(sys.executable).with_name("br-claude-hook"))]
SESSION = "0f6c1a2e-1111-4222-8333-944445555666"
MODEL = "claude-haiku-4-5-20251001"


def _line(msg: str, request: str, usage: dict[str, int], stamp: str, **extra: Any) -> str:
    return json.dumps({
        "parentUuid": None, "isSidechain": True, "sessionId": SESSION, "type": "assistant",
        "timestamp": stamp, "requestId": request, "agentId": "a7c1", **extra,
        "message": {"id": msg, "model": MODEL, "role": "assistant", "usage": usage,
                    "content": [{"type": "text", "text": "done"}]},
    })  # fmt: skip


def _transcript(path: Path) -> TokenUsage:
    """Two responses, the first written as two content-block lines (counted once), a torn last
    line; returns their summed tokens."""
    first = {"input_tokens": 1200, "output_tokens": 300, "cache_creation_input_tokens": 4000,
             "cache_read_input_tokens": 20000}  # fmt: skip
    second = {"input_tokens": 800, "output_tokens": 900, "cache_read_input_tokens": 24000}
    lines = [
        json.dumps({"type": "user", "timestamp": "2026-12-02T10:00:00.000Z",
                    "message": {"role": "user", "content": "Fix the exporter"}}),
        _line("msg_1", "req_1", first, "2026-12-02T10:00:05.000Z"),
        _line("msg_1", "req_1", first, "2026-12-02T10:00:05.500Z"),
        _line("msg_2", "req_2", second, "2026-12-02T10:01:35.000Z"),
        '{"type": "assistant", "message": {"usage": ',
    ]  # fmt: skip
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return TokenUsage(input=2000, output=1200, cache_write_5m=4000, cache_read=44000)


def _payload(repo: Path, agent: str, transcript: Path) -> str:
    return json.dumps({
        "session_id": SESSION, "transcript_path": str(repo / "main.jsonl"), "cwd": str(repo),
        "permission_mode": "default", "hook_event_name": "SubagentStop",
        "stop_hook_active": False, "agent_id": "a7c1", "agent_type": agent,
        "agent_transcript_path": str(transcript),
    })  # fmt: skip


def _hook(payload: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(HOOK, input=payload, capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, **env}, timeout=60, check=False)  # fmt: skip


def _row(decision: str) -> tuple[Any, ...]:
    db = open_db()  # the configured store: SQLite or PostgreSQL
    try:
        return db.execute(
            "SELECT resolved, cost_usd, tokens, duration_s, outcome_source FROM routing_decisions"
            " WHERE id = ?",
            (decision,),
        ).fetchone()
    finally:
        db.close()


def test_subagent_stop_puts_the_transcripts_cost_on_the_open_decision(
    conn: sqlite3.Connection, git_repo: Path, tmp_path: Path
) -> None:
    used = _transcript(tmp_path / "agent-a7c1.jsonl")
    expected = price_usage(load_price_table(git_repo).resolve(MODEL), used)  # type: ignore[arg-type]
    older = route_task(conn, git_repo, "Fix the exporter", override="haiku")
    newer = route_task(conn, git_repo, "Fix the importer", override="haiku")
    opus = route_task(conn, git_repo, "Redesign the cache", override="opus")
    proc = _hook(
        _payload(git_repo, "br-haiku", tmp_path / "agent-a7c1.jsonl"), git_repo, BR_TELEMETRY="0"
    )  # routing is not telemetry: recorded even when it is off
    assert (proc.returncode, proc.stdout, proc.stderr) == (0, "", "")
    resolved, cost, tokens, duration, source = _row(newer.decision_id)
    assert resolved is None and source == "subagent"  # whether it resolved is not in the payload
    assert cost == pytest.approx(expected, abs=1e-6) and cost > 0
    assert tokens == 2000 + 1200 + 4000 + 44000 and duration == pytest.approx(95.0)
    assert _row(older.decision_id) == (None, None, None, None, None)  # only the latest
    assert _row(opus.decision_id) == (None, None, None, None, None)  # not another tier's
    got = record_outcome(conn, project_id(git_repo), newer.decision_id, True, None)
    assert got.cost_usd == pytest.approx(expected, abs=1e-6)  # the measured cost stays
    # the next br-haiku stop goes to the older decision, still open
    assert _hook(_payload(git_repo, "br-haiku", tmp_path / "agent-a7c1.jsonl"),
                 git_repo).returncode == 0  # fmt: skip
    assert _row(older.decision_id)[4] == "subagent"


@pytest.mark.parametrize("agent", ["general-purpose", "br-haikus", "", "Explore"])
def test_other_subagents_touch_no_decision(
    conn: sqlite3.Connection, git_repo: Path, tmp_path: Path, agent: str
) -> None:
    _transcript(tmp_path / "t.jsonl")
    decision = route_task(conn, git_repo, "Fix the exporter", override="haiku")
    assert _hook(_payload(git_repo, agent, tmp_path / "t.jsonl"), git_repo).returncode == 0
    assert _row(decision.decision_id) == (None, None, None, None, None)


def test_a_stale_or_closed_decision_is_left_alone(
    conn: sqlite3.Connection, git_repo: Path, tmp_path: Path
) -> None:
    _transcript(tmp_path / "t.jsonl")
    closed = route_task(conn, git_repo, "Fix the exporter", override="sonnet")
    record_outcome(conn, project_id(git_repo), closed.decision_id, False, 1.5)
    stale = route_task(conn, git_repo, "Fix the importer", override="sonnet")
    conn.execute("UPDATE routing_decisions SET ts = ? WHERE id = ?",
                 (time.time() - 7 * 3600, stale.decision_id))  # fmt: skip
    assert _hook(_payload(git_repo, "br-sonnet", tmp_path / "t.jsonl"), git_repo).returncode == 0
    assert _row(closed.decision_id) == (0, 1.5, None, None, "manual")
    assert _row(stale.decision_id)[4] is None


def test_missing_or_unreadable_transcript_still_exits_zero(
    conn: sqlite3.Connection, git_repo: Path, tmp_path: Path
) -> None:
    decision = route_task(conn, git_repo, "Fix the exporter", override="opus")
    proc = _hook(_payload(git_repo, "br-opus", tmp_path / "missing.jsonl"), git_repo)
    assert (proc.returncode, proc.stderr) == (0, "")
    assert _row(decision.decision_id) == (None, None, None, None, "subagent")


def test_transcript_cost_counts_each_response_once(tmp_path: Path) -> None:
    used = _transcript(tmp_path / "t.jsonl")
    table = load_price_table(None)
    run = transcript_cost(tmp_path / "t.jsonl", table)
    assert (run.requests, run.unpriced) == (2, 0)
    assert run.cost_usd == pytest.approx(price_usage(table.resolve(MODEL), used), abs=1e-6)  # type: ignore[arg-type]
    (tmp_path / "u.jsonl").write_text(
        _line("m", "r", {"input_tokens": 5, "output_tokens": 5}, "x").replace(MODEL, "gpt-9")
    )
    unknown = transcript_cost(tmp_path / "u.jsonl", table)
    assert (unknown.cost_usd, unknown.unpriced, unknown.duration_s) == (0.0, 1, None)


def test_the_hook_waits_for_the_last_response_claude_code_writes_after_subagent_stop(
    conn: sqlite3.Connection, git_repo: Path, tmp_path: Path
) -> None:
    """Claude Code 2.1.197 fires SubagentStop before the subagent's last response (sometimes its
    whole transcript) is on disk (tests/e2e/test_routing_outcome.py caught it): the hook waits,
    bounded, until the file holds the payload's `last_assistant_message`."""
    full = tmp_path / "full.jsonl"
    used = _transcript(full)
    expected = price_usage(load_price_table(git_repo).resolve(MODEL), used)  # type: ignore[arg-type]
    late = tmp_path / "late.jsonl"  # written 0.7 s after the hook starts
    payload = json.loads(_payload(git_repo, "br-haiku", late))
    payload["last_assistant_message"] = "done"
    decision = route_task(conn, git_repo, "Fix the exporter", override="haiku")
    writer = threading.Timer(0.7, lambda: late.write_bytes(full.read_bytes()))
    writer.start()
    try:
        proc = _hook(json.dumps(payload), git_repo)
    finally:
        writer.join()
    assert (proc.returncode, proc.stderr) == (0, "")
    resolved, cost, tokens, _, source = _row(decision.decision_id)
    assert resolved is None and source == "subagent" and tokens == 2000 + 1200 + 4000 + 44000
    assert cost == pytest.approx(expected, abs=1e-6)


@pytest.mark.parametrize("reported", [None, 0.25])
def test_a_routed_queue_task_is_counted_once_through_the_queue_and_the_hook(
    conn: sqlite3.Connection,
    git_repo: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    reported: float | None,
) -> None:
    """Route a queue task, claim it over MCP, let its br-haiku subagent stop (the hook puts the
    transcript's cost on the decision), then finish it over MCP naming the tier (and, in one
    case, a cost of its own): one outcome, one cost, in the learner's data and in the cost
    predictions; the store says where the cost came from."""
    from br_cli.app import main
    from br_core.learning.predict import cost_samples
    from br_core.queue.models import NewTask
    from br_core.queue.task_queue import TaskQueue
    from br_mcp.server import create_server
    from tests.mcp.test_mcp import run

    project = project_id(git_repo)
    used = _transcript(tmp_path / "agent-a7c1.jsonl")
    measured = price_usage(load_price_table(git_repo).resolve(MODEL), used)  # type: ignore[arg-type]
    TaskQueue(conn, project).add_tasks([NewTask(id="t1", title="Fix the exporter")])
    decision = route_task(conn, git_repo, "Fix the exporter", override="haiku", task_id="t1")

    async def claim(client: Any) -> Any:
        return (await client.call_tool("claim_task", {"owner": "s1"})).structured_content

    token = run(claim, create_server(git_repo))["token"]
    assert _hook(_payload(git_repo, "br-haiku", tmp_path / "agent-a7c1.jsonl"),
                 git_repo).returncode == 0  # fmt: skip
    done = {"task_id": "t1", "token": token, "action": "done", "tier": "haiku"}
    if reported is not None:
        done["cost_usd"] = reported
    run(lambda client: client.call_tool("update_task", done), create_server(git_repo))

    expected = measured if reported is None else reported
    resolved, cost, _, _, source = _row(decision.decision_id)
    assert (resolved, source) == (1, "queue") and cost == pytest.approx(expected, abs=1e-6)
    (cost_source,) = conn.execute(
        "SELECT cost_source FROM routing_decisions WHERE id = ?", (decision.decision_id,)
    ).fetchone()
    assert cost_source == ("subagent" if reported is None else "queue")
    assert conn.execute("SELECT COUNT(*) FROM route_outcomes").fetchone() == (0,)
    costs = [s.actual for s in cost_samples(conn, project)]
    assert costs == [pytest.approx(expected, abs=1e-6)]  # once, not once per record
    assert main(["model", "stats", "--json"]) == 0
    learner = json.loads(capsys.readouterr().out)["learner"]
    assert learner["outcomes"] == 1
    (haiku,) = [b for b in learner["beliefs"] if b["tier"] == "haiku" and b["tasks"]]
    assert haiku["tasks"] == 1 and haiku["cost_per_task_usd"] == pytest.approx(expected, abs=1e-6)


def test_a_task_routed_outside_the_queue_still_records_its_outcome_from_update_task(
    conn: sqlite3.Connection, git_repo: Path
) -> None:
    """No decision names the task: update_task's tier is the only record of how it went."""
    from br_core.queue.models import NewTask
    from br_core.queue.task_queue import TaskQueue
    from br_mcp.server import create_server
    from tests.mcp.test_mcp import run

    TaskQueue(conn, project_id(git_repo)).add_tasks([NewTask(id="t2", title="Fix the importer")])

    async def body(client: Any) -> None:
        token = (await client.call_tool("claim_task", {"owner": "s1"})).structured_content["token"]
        await client.call_tool("update_task", {"task_id": "t2", "token": token,
                                               "action": "done", "tier": "sonnet",
                                               "cost_usd": 0.5})  # fmt: skip

    run(body, create_server(git_repo))
    rows = conn.execute("SELECT tier, success, cost_usd FROM route_outcomes").fetchall()
    assert [tuple(r) for r in rows] == [("sonnet", 1, 0.5)]

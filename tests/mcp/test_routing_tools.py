"""route_task's decision_id, record_outcome, and the queue's done/fail closing a routed task's
decision: through the SDK's real client (in-process and over stdio)."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from pathlib import Path
from typing import Any

from mcp import Client
from mcp.client.stdio import StdioServerParameters

from br_core.store.paths import db_path
from br_mcp.server import create_server
from tests.mcp.test_mcp import run  # the SDK's in-process client, bounded


def _text(result: Any) -> str:
    return " ".join(getattr(block, "text", "") for block in result.content)


def _decisions() -> list[tuple[Any, ...]]:
    with sqlite3.connect(db_path()) as db:
        return db.execute(
            "SELECT tier, task_id, resolved, cost_usd, outcome_source FROM routing_decisions"
            " ORDER BY ts"
        ).fetchall()


def test_route_then_record_outcome_over_stdio(git_repo: Path, br_home: Path) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "br_cli.app", "mcp", "serve", "--root", str(git_repo)],
        env={**os.environ, "BR_HOME": str(br_home)},
        cwd=str(git_repo),
    )
    long_issue = "The exporter crashes on empty input.\n" + "Traceback line\n" * 1400  # > 20K chars

    async def body(client: Client) -> dict[str, Any]:
        out: dict[str, Any] = {"tools": await client.list_tools()}
        out["route"] = await client.call_tool("route_task", {"description": long_issue})
        decision = out["route"].structured_content["decision_id"]
        out["record"] = await client.call_tool(
            "record_outcome",
            {"decision_id": decision, "resolved": True, "cost_usd": 0.42, "tokens": 1200,
             "duration_s": 95.5, "notes": "tests pass"},
        )  # fmt: skip
        out["unknown"] = await client.call_tool(
            "record_outcome", {"decision_id": "rd-0123456789ab", "resolved": True}
        )
        out["malformed"] = await client.call_tool(
            "record_outcome", {"decision_id": decision, "resolved": True, "cost_usd": -1}
        )
        return out

    out = run(body, params)
    tool = next(t for t in out["tools"].tools if t.name == "record_outcome")
    props = tool.input_schema["properties"]
    assert all(props[p].get("description") for p in props), props  # every parameter described
    assert set(tool.input_schema["required"]) == {"decision_id", "resolved"}
    assert not out["route"].is_error, _text(out["route"])
    assert len(long_issue) > 20_000
    recorded = out["record"].structured_content
    assert (recorded["resolved"], recorded["cost_usd"], recorded["learned_from"]) == (
        True, 0.42, 1,
    )  # fmt: skip
    assert out["unknown"].is_error and "not found in this project" in _text(out["unknown"])
    assert "\n" not in _text(out["unknown"]).strip()
    assert out["malformed"].is_error and "cost_usd" in _text(out["malformed"])
    assert _decisions()[0][2:] == (1, 0.42, "mcp")


def test_queue_done_and_fail_record_the_routed_tasks_outcome(git_repo: Path) -> None:
    async def body(client: Client) -> None:
        await client.call_tool(
            "add_tasks", {"tasks": [{"id": "a", "title": "Fix A"}, {"id": "b", "title": "Fix B"},
                                    {"id": "c", "title": "Fix C"}]},
        )  # fmt: skip
        for task in ("a", "b"):
            routed = await client.call_tool(
                "route_task", {"description": f"Fix {task}", "task_id": task}
            )
            assert not routed.is_error, _text(routed)
        await client.call_tool("route_task", {"description": "not queued"})
        for action, cost in (("done", 0.3), ("fail", None), ("done", None)):
            claim = await client.call_tool("claim_task", {"owner": "s1"})
            args = {"task_id": claim.structured_content["task"]["id"], "action": action,
                    "token": claim.structured_content["token"], "retry": False}  # fmt: skip
            if cost is not None:
                args["cost_usd"] = cost
            result = await client.call_tool("update_task", args)
            assert not result.is_error, _text(result)

    run(body, create_server(git_repo))
    by_task = {row[1]: row for row in _decisions()}
    assert by_task["a"][2:] == (1, 0.3, "queue")
    assert by_task["b"][2:] == (0, None, "queue")
    assert by_task[None][2:] == (None, None, None)  # an unrouted task ("c") touches nothing
    assert len(by_task) == 3


def test_route_task_text_cap_is_a_readable_tool_error(git_repo: Path) -> None:
    result = run(
        lambda c: c.call_tool("route_task", {"description": "x" * 40_001}),
        create_server(git_repo),
    )
    assert result.is_error and "description" in _text(result)
    assert not db_path().exists() or json.dumps(_decisions()) == "[]"  # nothing stored

"""A session's worker flow through the real MCP client: status writes, decisions tool/resource."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mcp import Client

from br_core.git import project_id
from br_core.orchestration import model
from br_core.store.db import open_db
from br_mcp.server import create_server
from tests.mcp.test_mcp import run  # the SDK's in-process client, bounded
from tests.orchestration.conftest import br


def _streams(repo: Path) -> dict[str, model.StreamStatus]:
    conn = open_db()
    try:
        return {s.stream: s for s in model.streams(conn, project_id(repo))}
    finally:
        conn.close()


def test_a_session_claims_heartbeats_and_finishes_its_stream(shop: Path) -> None:
    started = json.loads(br(shop, "orchestrate", "start", "--streams", "docs", "--json").stdout)
    worktree = Path(started[0]["worktree"])
    seen: dict[str, Any] = {}

    async def body(client: Client) -> None:
        claim = await client.call_tool("claim_task", {"owner": "docs", "stream": "docs"})
        task = claim.structured_content["task"]["id"]
        token = claim.structured_content["token"]
        seen["claimed"] = _streams(shop)["docs"]
        await client.call_tool(
            "update_task", {"task_id": task, "token": token, "action": "heartbeat"}
        )
        seen["beat"] = _streams(shop)["docs"]
        await client.call_tool(
            "update_task", {"task_id": task, "token": token, "action": "done", "note": "ok"}
        )

    run(body, create_server(worktree))
    claimed, beat = seen["claimed"], seen["beat"]
    assert (claimed.status, claimed.owner, claimed.current_task) == (
        "working",
        "docs",
        "docs/readme",
    )
    assert claimed.head is not None and len(claimed.head) == 40
    assert beat.last_heartbeat is not None and beat.last_heartbeat >= claimed.last_heartbeat
    done = _streams(shop)["docs"]
    assert done.status == "finished" and done.completed == ("docs/readme",)
    status = json.loads((shop / ".buildrunner/status/docs.json").read_text())
    assert status["status"] == "finished" and status["completed"] == ["docs/readme"]


def test_decisions_reach_other_streams_through_the_resource(shop: Path) -> None:
    started = json.loads(br(shop, "orchestrate", "start", "--json").stdout)
    worktrees = {s["stream"]: Path(s["worktree"]) for s in started}

    async def record(client: Client) -> Any:
        return await client.call_tool(
            "record_decision",
            {"text": "prices are integer cents", "stream": "api", "who": "api"},
        )

    result = run(record, create_server(worktrees["api"]))
    assert not result.is_error and result.structured_content["text"] == "prices are integer cents"

    async def read(client: Client) -> Any:
        templates = await client.list_resource_templates()
        web = await client.read_resource("br://decisions/web")
        bad = await client.call_tool("record_decision", {"text": "   "})
        try:
            await client.read_resource("br://decisions/no!")
        except Exception as exc:  # the SDK raises the server's ResourceError as an MCP error
            refused = str(exc)
        else:
            refused = ""
        return templates, web, bad, refused

    templates, web, bad, refused = run(read, create_server(worktrees["web"]))
    assert "not a usable stream name" in refused and "\n" not in refused
    assert "br://decisions/{stream}" in {t.uri_template for t in templates.resource_templates}
    decisions = json.loads(web.contents[0].text)["decisions"]
    assert [(d["text"], d["stream"], d["who"]) for d in decisions] == [
        ("prices are integer cents", "api", "api")
    ]
    assert bad.is_error
    (text,) = [c.text for c in bad.content]
    assert "decision: empty text; say what was decided" in text and "\n" not in text
    # br decide writes the same log
    assert br(shop, "decide", "--list").stdout.strip().endswith("[api]: prices are integer cents")

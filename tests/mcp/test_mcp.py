"""The MCP server through the SDK's real Client: in-process, and over stdio against `br-mcp`."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.client.stdio import StdioServerParameters

from br_core.queue.models import NewTask
from br_mcp import queue_tools
from br_mcp.server import create_server
from br_mcp.state import ServerState

TOOLS = {  # issue 15 added record_outcome (11 tools)
    "route_task",
    "record_outcome",
    "estimate_cost",
    "cost_report",
    "plan_from_spec",
    "add_tasks",
    "claim_task",
    "record_decision",
    "update_task",
    "list_tasks",
    "threshold_status",
    "security_scan",
    "suggestions",  # issue 19: suggestions from the project's history, accept/dismiss
}
PROMPTS = {"design", "analyze", "plan", "next", "route"}  # one set with the skills (issue 13)
READ_ONLY = {  # issue 15: route_task stores the decision it makes, so it writes
    "estimate_cost",
    "cost_report",
    "list_tasks",
    "threshold_status",
    "security_scan",
}
SPEC = (
    "# Demo\n## Storage (P1)\n- [ ] Schema (1h)\n- [ ] Pool (30m)\n"
    "## Api\nDepends on: Storage\n- [ ] Routes\n"
)


def run(fn: Callable[[Client], Awaitable[Any]], server: Any) -> Any:
    async def body() -> Any:
        with anyio.fail_after(60):  # a hung server fails the test instead of the whole run
            async with Client(server) as client:
                return await fn(client)

    return anyio.run(body)


def _text(result: Any) -> str:
    return " ".join(getattr(block, "text", "") for block in result.content)


def test_lists_tools_prompts_and_resources_with_honest_annotations(git_repo: Path) -> None:
    async def body(client: Client) -> tuple[Any, Any, Any]:
        return await client.list_tools(), await client.list_prompts(), await client.list_resources()

    tools, prompts, resources = run(body, create_server(git_repo))
    by_name = {tool.name: tool for tool in tools.tools}
    assert set(by_name) == TOOLS
    for name, tool in by_name.items():
        assert tool.annotations is not None, name
        assert tool.annotations.read_only_hint is (name in READ_ONLY), name
        assert tool.description
    assert by_name["plan_from_spec"].annotations.destructive_hint is True  # drops vanished tasks
    assert by_name["claim_task"].annotations.idempotent_hint is False
    assert {p.name for p in prompts.prompts} == PROMPTS
    assert {str(r.uri) for r in resources.resources} == {"br://queue/summary", "br://thresholds"}


def test_tool_list_fits_the_token_budget(git_repo: Path) -> None:
    tools = run(lambda c: c.list_tools(), create_server(git_repo))
    # What the model reads of each tool (Claude Code sends name, description and input schema;
    # output schemas and annotations stay with the client): its share of every request's context.
    seen = json.dumps(
        [
            {"name": t.name, "description": t.description, "input_schema": t.input_schema}
            for t in tools.tools
        ],
        separators=(",", ":"),
    )
    # ~4 characters per token for JSON-heavy English text; see docs/MCP.md for the figure.
    assert len(seen) / 4 <= 2500


def test_queue_workflow_through_the_tools(git_repo: Path) -> None:
    (git_repo / "PROJECT_SPEC.md").write_text(SPEC, encoding="utf-8")

    async def body(client: Client) -> dict[str, Any]:
        out: dict[str, Any] = {}
        out["plan"] = await client.call_tool("plan_from_spec", {"path": "PROJECT_SPEC.md"})
        out["again"] = await client.call_tool("plan_from_spec", {"path": "PROJECT_SPEC.md"})
        out["page"] = await client.call_tool("list_tasks", {"limit": 2})
        out["page2"] = await client.call_tool("list_tasks", {"limit": 2, "offset": 2})
        claim = await client.call_tool("claim_task", {"owner": "s1"})
        out["claim"] = claim
        task = claim.structured_content["task"]["id"]
        token = claim.structured_content["token"]
        out["beat"] = await client.call_tool(
            "update_task", {"task_id": task, "token": token, "action": "heartbeat"}
        )
        out["stale"] = await client.call_tool(
            "update_task", {"task_id": task, "token": token + 7, "action": "done"}
        )
        out["done"] = await client.call_tool(
            "update_task", {"task_id": task, "token": token, "action": "done", "note": "ok"}
        )
        second = await client.call_tool("claim_task", {"owner": "s2", "lease_seconds": 60})
        out["fail"] = await client.call_tool(
            "update_task",
            {
                "task_id": second.structured_content["task"]["id"],
                "token": second.structured_content["token"],
                "action": "fail",
                "note": "flaky",
            },
        )
        out["detail"] = await client.call_tool("list_tasks", {"task_id": task})
        out["added"] = await client.call_tool(
            "add_tasks", {"tasks": [{"id": "docs", "title": "Write docs", "depends_on": [task]}]}
        )
        out["summary"] = await client.read_resource("br://queue/summary")
        return out

    out = run(body, create_server(git_repo))
    assert out["plan"].structured_content["added"] == [
        "storage/schema",
        "storage/pool",
        "api/routes",
    ]
    assert out["again"].structured_content["unchanged"] == 3  # re-running changes nothing
    page = out["page"].structured_content
    assert (page["total"], page["next_offset"], len(page["tasks"])) == (3, 2, 2)
    assert out["page2"].structured_content["next_offset"] is None
    assert out["claim"].structured_content["task"]["id"] == "storage/schema"
    assert out["beat"].structured_content["status"] == "claimed"
    assert out["stale"].is_error and "is not current" in _text(out["stale"])
    assert out["done"].structured_content["status"] == "done"
    assert out["fail"].structured_content["status"] == "ready"  # retried: attempts remain
    assert out["detail"].structured_content["detail"]["status"] == "done"
    assert out["added"].structured_content == {"ids": ["docs"]}
    summary = json.loads(out["summary"].contents[0].text)
    assert summary["total"] == 4 and summary["by_status"]["done"] == 1


@pytest.mark.parametrize(
    ("tool", "args", "expected"),
    [
        ("claim_task", {}, "owner"),
        ("claim_task", {"owner": ""}, "at least 1 character"),
        ("claim_task", {"owner": "x", "lease_seconds": 1}, "greater than or equal to 10"),
        ("update_task", {"task_id": "t", "token": "abc", "action": "done"}, "token"),
        ("update_task", {"task_id": "t", "token": 1, "action": "explode"}, "action"),
        ("update_task", {"task_id": "nope", "token": 1, "action": "done"}, "task nope: not in"),
        (
            "update_task",
            {"task_id": "t", "token": 1, "action": "done", "tier": "gpt"},
            "tier",
        ),
        (
            "update_task",
            {"task_id": "t", "token": 1, "action": "done", "cost_usd": -1},
            "greater than or equal to 0",
        ),
        ("list_tasks", {"status": "sleeping"}, "status"),
        ("list_tasks", {"limit": 1000}, "less than or equal to 100"),
        ("add_tasks", {"tasks": []}, "at least 1 item"),
        ("add_tasks", {"tasks": [{"title": "x", "bogus": 1}]}, "bogus"),
        ("add_tasks", {"tasks": [{"id": "a", "title": "a", "depends_on": ["a"]}]}, "itself"),
        ("plan_from_spec", {"path": "missing.md"}, "no such file"),
        ("estimate_cost", {"model": "x", "input_tokens": -1, "output_tokens": 0}, "input_tokens"),
        ("security_scan", {"paths": []}, "at least 1 item"),
        ("security_scan", {"paths": ["nowhere.py"]}, "no such file"),
        ("no_such_tool", {}, "no_such_tool"),
    ],
)
def test_error_paths_are_tool_errors_with_actionable_text(
    git_repo: Path, tool: str, args: dict[str, Any], expected: str
) -> None:
    result = run(lambda c: c.call_tool(tool, args), create_server(git_repo))
    assert result.is_error
    assert expected in _text(result)


@pytest.mark.parametrize("name", sorted(PROMPTS))
def test_every_prompt_renders(git_repo: Path, name: str) -> None:
    args = {"design": {"feature": "login"}, "next": {"owner": "s2"}, "route": {"task": "x"}}
    result = run(lambda c: c.get_prompt(name, args.get(name, {})), create_server(git_repo))
    text = result.messages[0].content.text
    assert len(text) > 80
    if name in args:
        assert next(iter(args[name].values())) in text


@pytest.mark.parametrize(
    "entry",
    [["-m", "br_mcp.server", "--root"], ["-m", "br_cli.app", "mcp", "serve", "--root"]],
    ids=["br-mcp", "br mcp serve"],
)
def test_over_stdio_against_the_spawned_server(
    git_repo: Path, br_home: Path, entry: list[str]
) -> None:
    params = StdioServerParameters(
        command=sys.executable,
        args=[*entry, str(git_repo)],
        env={**os.environ, "BR_HOME": str(br_home)},
        cwd=str(git_repo),
    )

    async def body(client: Client) -> dict[str, Any]:
        out: dict[str, Any] = {"tools": await client.list_tools()}
        out["prompts"] = await client.list_prompts()
        out["resources"] = await client.list_resources()
        out["add"] = await client.call_tool("add_tasks", {"tasks": [{"id": "a", "title": "A"}]})
        out["claim"] = await client.call_tool("claim_task", {"owner": "stdio"})
        out["bad"] = await client.call_tool(
            "update_task", {"task_id": "a", "token": 99, "action": "done"}
        )
        out["malformed"] = await client.call_tool("list_tasks", {"offset": -1})
        out["summary"] = await client.read_resource("br://queue/summary")
        return out

    out = run(body, params)
    assert {t.name for t in out["tools"].tools} == TOOLS
    assert {p.name for p in out["prompts"].prompts} == PROMPTS
    assert len(out["resources"].resources) == 2
    assert out["claim"].structured_content["token"] == 1
    assert out["bad"].is_error and "token 99 is not current" in _text(out["bad"])
    assert out["malformed"].is_error
    assert json.loads(out["summary"].contents[0].text)["by_status"] == {"claimed": 1}


def _fake_token() -> str:
    import random
    import string

    rng = random.Random(7)
    return "gh" + "p_" + "".join(rng.choices(string.ascii_letters + string.digits, k=36))


def test_security_scan_reports_masked_findings_and_passes_clean_files(git_repo: Path) -> None:
    token = _fake_token()
    (git_repo / "config.py").write_text(f'GITHUB_TOKEN = "{token}"\n', encoding="utf-8")
    (git_repo / "views.py").write_text(
        "from flask import request\n"
        "def show(cursor):\n"
        '    cursor.execute("SELECT * FROM users WHERE id = " + request.args["id"])\n',
        encoding="utf-8",
    )
    (git_repo / "clean.py").write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")

    async def body(client: Client) -> tuple[Any, Any]:
        dirty = await client.call_tool("security_scan", {"paths": ["config.py", "views.py"]})
        clean = await client.call_tool("security_scan", {"paths": ["clean.py"]})
        return dirty, clean

    dirty, clean = run(body, create_server(git_repo))
    kinds = sorted(f["kind"] for f in dirty.structured_content["findings"])
    assert kinds == ["secret", "sql_injection"]
    assert token not in json.dumps(dirty.structured_content) + _text(dirty)
    assert clean.structured_content == {"files": 1, "findings": []}


def test_cost_and_threshold_tools_answer(git_repo: Path) -> None:
    async def body(client: Client) -> tuple[Any, Any, Any, Any]:
        estimate = await client.call_tool(
            "estimate_cost",
            {"model": "claude-sonnet-4-5", "input_tokens": 1_000_000, "output_tokens": 0},
        )
        report = await client.call_tool("cost_report", {"kind": "daily"})
        thresholds = await client.call_tool("threshold_status", {})
        resource = await client.read_resource("br://thresholds")
        return estimate, report, thresholds, resource

    estimate, report, thresholds, resource = run(body, create_server(git_repo))
    assert not estimate.is_error and estimate.structured_content["cost_usd"] > 0
    assert not report.is_error and report.structured_content["kind"] == "daily"
    assert not thresholds.is_error and thresholds.structured_content["phases"]
    assert json.loads(resource.contents[0].text)["phases"]


def test_route_task_names_a_tier_and_subagent(git_repo: Path) -> None:
    pytest.importorskip("br_core.routing.router", reason="routing lands with its own issue")
    result = run(
        lambda c: c.call_tool("route_task", {"description": "fix a typo in README", "files": 1}),
        create_server(git_repo),
    )
    assert not result.is_error, _text(result)
    assert "haiku" in json.dumps(result.structured_content)


def test_update_task_with_a_tier_records_the_routing_outcome(git_repo: Path) -> None:
    import sqlite3

    from br_core.store.paths import db_path

    async def body(client: Client) -> None:
        await client.call_tool(
            "add_tasks",
            {"tasks": [{"id": t, "title": f"Fix a typo in {t}.md"} for t in ("a", "b", "c")]},
        )
        for action, tier in (("heartbeat", "haiku"), ("done", "haiku"), ("fail", "sonnet")):
            claim = await client.call_tool("claim_task", {"owner": "s1"})
            args = {
                "task_id": claim.structured_content["task"]["id"],
                "token": claim.structured_content["token"],
                "action": action,
                "tier": tier,
                "cost_usd": 0.05,
                "retry": False,
            }
            result = await client.call_tool("update_task", args)
            assert not result.is_error, _text(result)
            if action == "heartbeat":  # records nothing; finish the task without a tier
                args.pop("tier")
                await client.call_tool("update_task", {**args, "action": "done"})

    run(body, create_server(git_repo))
    rows = sqlite3.connect(db_path()).execute(
        "SELECT tier, success, cost_usd FROM route_outcomes ORDER BY id"
    )
    assert rows.fetchall() == [("haiku", 1, 0.05), ("sonnet", 0, 0.05)]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _start_http_server(git_repo: Path, br_home: Path, port: int) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "br_mcp.server",
            "--http",
            "--port",
            str(port),
            "--root",
            str(git_repo),
        ],
        env={**os.environ, "BR_HOME": str(br_home)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return server
        time.sleep(0.1)
    server.kill()
    raise AssertionError(f"the HTTP server did not listen on {port} within 30 s")


def _stop(server: subprocess.Popen[bytes]) -> str:
    server.terminate()
    _, err = server.communicate(timeout=10)
    return err.decode()


def _post_status(url: str, headers: dict[str, str]) -> int:
    import urllib.error
    import urllib.request

    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}).encode()
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json",
            "Accept": "application/json, text/event-stream",
            **headers,
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def _authorised_client(url: str, token: str) -> Any:
    from mcp.client.streamable_http import streamable_http_client
    from mcp.shared._httpx_utils import create_mcp_http_client

    return streamable_http_client(
        url, http_client=create_mcp_http_client(headers={"Authorization": f"Bearer {token}"})
    )


def test_streamable_http_on_loopback_requires_the_bearer_token(
    git_repo: Path, br_home: Path
) -> None:
    # Changed by issue 12 item 6: HTTP mode used to answer anyone on 127.0.0.1.
    port = _free_port()
    url = f"http://127.0.0.1:{port}/mcp"
    server = _start_http_server(git_repo, br_home, port)
    try:
        token_file = br_home / "mcp-token"
        token = token_file.read_text(encoding="ascii").strip()
        assert token_file.stat().st_mode & 0o777 == 0o600
        assert len(token) >= 32
        assert _post_status(url, {}) == 401
        assert _post_status(url, {"Authorization": "Bearer " + "x" * len(token)}) == 401
        assert _post_status(url, {"Authorization": token}) == 401  # no Bearer scheme
        tools = run(lambda c: c.list_tools(), _authorised_client(url, token))
        assert {t.name for t in tools.tools} == TOOLS
        added = run(
            lambda c: c.call_tool("add_tasks", {"tasks": [{"id": "a", "title": "A"}]}),
            _authorised_client(url, token),
        )
        assert added.structured_content == {"ids": ["a"]}
    finally:
        first_err = _stop(server)
    # Never printed: the command that passes it to Claude Code reads it from its file.
    assert token not in first_err
    assert f'--transport http br {url} --header "Authorization: Bearer $(cat {token_file})"' in (
        first_err
    )

    server = _start_http_server(git_repo, br_home, port)
    try:
        assert token_file.read_text(encoding="ascii").strip() == token  # kept, not replaced
        assert _post_status(url, {}) == 401
    finally:
        second_err = _stop(server)
    assert token not in second_err and str(token_file) in second_err


@pytest.mark.parametrize(
    "entry",
    [["-m", "br_mcp.server"], ["-m", "br_cli.app", "mcp", "serve"]],
    ids=["br-mcp", "br mcp serve"],
)
def test_http_mode_refuses_a_token_file_others_can_read(
    git_repo: Path, br_home: Path, entry: list[str]
) -> None:
    token_file = br_home / "mcp-token"
    token_file.write_text("t" * 43 + "\n", encoding="ascii")
    token_file.chmod(0o644)
    proc = subprocess.run(
        [sys.executable, *entry, "--http", "--port", str(_free_port())],
        env={**os.environ, "BR_HOME": str(br_home)},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=git_repo,
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "chmod 600" in lines[0] and "t" * 43 not in lines[0]


def test_tools_are_plain_functions_of_the_server_state(git_repo: Path) -> None:
    state = ServerState(git_repo)

    async def body() -> tuple[Any, Any, sqlite3.Connection]:
        async with state.lifespan(None):
            added = await queue_tools.add_tasks(state, [NewTask(id="a", title="A")])
            claim = await queue_tools.claim_task(state, "direct")
            return added, claim, state.queue.conn

    added, claim, conn = anyio.run(body)
    assert added.ids == ["a"]
    assert claim.claimed and claim.task is not None and claim.task.id == "a"
    with pytest.raises(sqlite3.ProgrammingError):  # the lifespan closed the connection
        conn.execute("SELECT 1")

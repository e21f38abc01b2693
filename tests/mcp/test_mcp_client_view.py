"""The server as a client sees it (issue 13 item 9), through the SDK's real in-process client:
every tool parameter is described, and `claim_task` with nothing to give says why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import anyio
from mcp import Client

from br_mcp.server import create_server


def _call(root: Path, *calls: tuple[str, dict[str, Any]]) -> list[Any]:
    async def body() -> list[Any]:
        with anyio.fail_after(60):
            async with Client(create_server(root)) as client:
                results = []
                for name, args in calls:
                    result = await client.call_tool(name, args)
                    assert not result.is_error, result
                    results.append(result.structured_content)
                return results

    return anyio.run(body)


def test_every_tool_parameter_has_a_description(git_repo: Path) -> None:
    async def body() -> Any:
        async with Client(create_server(git_repo)) as client:
            return await client.list_tools()

    tools = anyio.run(body).tools
    assert tools
    undescribed = [
        f"{tool.name}.{name}"
        for tool in tools
        for name, schema in tool.input_schema.get("properties", {}).items()
        if not str(schema.get("description", "")).strip()
    ]
    # and the fields of nested objects (the tasks `add_tasks` takes)
    undescribed += [
        f"{tool.name}.{model}.{name}"
        for tool in tools
        for model, definition in tool.input_schema.get("$defs", {}).items()
        for name, schema in definition.get("properties", {}).items()
        if not str(schema.get("description", "")).strip()
    ]
    assert undescribed == []


def test_claim_on_an_empty_queue_says_so_and_how_to_fill_it(git_repo: Path) -> None:
    [claim] = _call(git_repo, ("claim_task", {"owner": "s1"}))
    assert claim["claimed"] is False
    assert claim["reason"] == "the queue is empty: add tasks with plan_from_spec or add_tasks"


def test_claim_says_what_waits_on_dependencies_and_what_others_hold(git_repo: Path) -> None:
    tasks = [
        {"id": "schema", "title": "Schema"},
        {"id": "api", "title": "Api", "depends_on": ["schema"]},
        {"id": "ui", "title": "Ui", "depends_on": ["api"]},
    ]
    add, first, second = _call(
        git_repo,
        ("add_tasks", {"tasks": tasks}),
        ("claim_task", {"owner": "s1"}),
        ("claim_task", {"owner": "s2"}),
    )
    assert add["ids"] == ["schema", "api", "ui"] and first["claimed"] is True
    assert second["claimed"] is False
    assert second["reason"] == (
        "nothing is ready: 2 waiting on dependencies, 1 claimed by other sessions; "
        "claim again later (list_tasks shows them)"
    )


def test_claim_on_a_finished_queue_says_it_is_finished(git_repo: Path) -> None:
    _, claim = _call(
        git_repo,
        ("add_tasks", {"tasks": [{"id": "only", "title": "Only"}]}),
        ("claim_task", {"owner": "s1"}),
    )
    done, again = _call(
        git_repo,
        ("update_task", {"task_id": "only", "token": claim["token"], "action": "done"}),
        ("claim_task", {"owner": "s1"}),
    )
    assert done["status"] == "done"
    assert again["reason"] == "the queue is finished: 1 done; nothing left to do"


def test_plan_from_a_spec_without_tasks_is_refused_and_changes_nothing(git_repo: Path) -> None:
    (git_repo / "PROJECT_SPEC.md").write_text("# P\n## Feature: A\n- [ ] One\n", encoding="utf-8")
    [plan] = _call(git_repo, ("plan_from_spec", {}))
    assert plan["added"] == ["a/one"]
    (git_repo / "PROJECT_SPEC.md").write_text("# P\nonly prose\n", encoding="utf-8")

    async def body() -> Any:
        async with Client(create_server(git_repo)) as client:
            refused = await client.call_tool("plan_from_spec", {})
            listed = await client.call_tool("list_tasks", {})
            return refused, listed

    refused, listed = anyio.run(body)
    assert refused.is_error
    text = " ".join(getattr(block, "text", "") for block in refused.content)
    assert "no tasks found, the queue is unchanged" in text and "## Feature:" in text
    assert [t["id"] for t in listed.structured_content["tasks"]] == ["a/one"]

"""Issue 14: the real Claude Code, end to end, against the scripted Anthropic API.

Everything but the model is real: Claude Code (the version tests/e2e/node pins), `br init`'s
files, `br mcp serve` started by Claude Code from .mcp.json, the `br-claude-hook` hooks, Claude
Code's own transcripts, and the `br` CLI reading them.
"""

from __future__ import annotations

import json
import random
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from br_mcp.prompts import PROMPTS
from tests.data.secrets_corpus import rand
from tests.e2e.harness import ClaudeProject, pinned_version
from tests.e2e.scripted_api import Exchange, Usage, tool_use, turn

R = random.Random(1414)
ROUTE = "mcp__br__route_task"
# (what route_task names, what Claude Code runs) per tier, by pinned Claude Code version: the
# table of docs/CLAUDE_CODE.md, "Routing". A new pin makes these fail until both are updated.
RESOLVED = {
    "2.1.197": {
        "haiku": ("claude-haiku-5-5", "claude-haiku-4-5-20251001"),
        "sonnet": ("claude-sonnet-5-5", "claude-sonnet-5"),
        "opus": ("claude-opus-5-5", "claude-opus-4-8"),
    }
}
MAIN_MODEL = {"2.1.197": "claude-opus-4-8"}
AGENT = "Agent"  # Claude Code's subagent tool (called Task before 2.1)


def route_answer(exchange: Exchange) -> dict[str, Any]:
    """The routing decision br's MCP server returned, as the request carries it back."""
    [result] = exchange.tool_results().values()
    answer: dict[str, Any] = json.loads(result)
    return answer


def delegate(exchange: Exchange) -> list[Any]:
    """The main agent's next move: delegate to the subagent the routing answer names."""
    answer = route_answer(exchange)
    prompt = "Fix the typo 'teh' in README.md and report in one line."
    return [
        f"Routing picked {answer['tier']}; delegating to {answer['subagent']}.",
        tool_use(
            AGENT,
            {"subagent_type": answer["subagent"], "description": "Fix typo", "prompt": prompt},
        ),
    ]


def test_mcp_list_shows_br_connected(claude_project: ClaudeProject) -> None:
    listed = claude_project.claude("mcp", "list")

    assert listed.returncode == 0, listed.stderr
    assert "br: br mcp serve - ✔ Connected" in listed.stdout


def test_mcp_prompts_are_listed_as_slash_commands(claude_project: ClaudeProject) -> None:
    """The init message of a session lists what Claude Code loaded: server, prompts, agents."""
    claude_project.api.reset(claude_project.script(turn("Nothing to do.")))

    proc = claude_project.claude("-p", "hello", "--output-format", "stream-json", "--verbose")

    assert proc.returncode == 0, proc.stderr
    [init] = [m for m in map(json.loads, proc.stdout.splitlines()) if m.get("subtype") == "init"]
    assert {"name": "br", "status": "connected"}.items() <= init["mcp_servers"][0].items()
    prompts = {c for c in init["slash_commands"] if c.startswith("mcp__br__")}
    assert prompts == {f"mcp__br__{name}" for name in PROMPTS}  # every prompt the server offers
    assert set(claude_project.agent_markers()) <= set(init["agents"])
    assert set(claude_project.installed_commands()) <= set(init["slash_commands"])
    tools = set(claude_project.api.requests()[0].tools)
    assert {ROUTE, "mcp__br__claim_task", "mcp__br__update_task"} <= tools


@pytest.mark.parametrize("tier", ["haiku", "sonnet", "opus"])
def test_routing_delegates_to_the_subagent_of_the_tier(
    claude_project: ClaudeProject, tier: str
) -> None:
    """route_task answers through our MCP server; the subagent it names runs on its tier."""
    subagent = f"br-{tier}"
    script = claude_project.script(
        turn(tool_use(ROUTE, {"description": "Fix a typo in README.md", "override": tier})),
        turn(reply=delegate, after_tool=ROUTE),
        turn("Fixed the typo.", lane=subagent),
        turn("Done: the subagent fixed the typo.", after_tool=AGENT),
    )

    run = claude_project.run_claude("Fix the typo in README.md", script, "--allowedTools", ROUTE)

    api = claude_project.api
    assert api.errors == [], api.errors
    assert run.result["result"] == "Done: the subagent fixed the typo."
    answer = route_answer(api.requests("main")[1])
    assert (answer["tier"], answer["subagent"]) == (tier, subagent)
    asked = api.requests(subagent)
    assert len(asked) == 1
    assert tier in asked[0].model
    # The exact id is Claude Code's: it resolves `model: <tier>` of .claude/agents/br-<tier>.md,
    # and the pinned version picks another model of the tier than route_task names.
    assert (answer["model"], asked[0].model) == RESOLVED[pinned_version()][tier]
    assert {e.lane for e in api.requests()} == {"main", subagent}
    assert {e.model for e in api.requests("main")} == {MAIN_MODEL[pinned_version()]}


def test_write_and_edit_fire_post_tool_use_and_never_store_the_key(
    claude_project: ClaudeProject,
) -> None:
    key = "sk-ant-api03-" + rand(R, "url", 86) + "AA"
    path = str(claude_project.root / "settings_local.py")
    script = claude_project.script(
        turn(tool_use("Write", {"file_path": path, "content": f'API_KEY = "{key}"\n'})),
        turn(
            tool_use(
                "Edit",
                {
                    "file_path": path,
                    "old_string": f'"{key}"',
                    "new_string": f'os.environ["API_KEY"]  # was {key[:16]}',
                },
            ),
            after_tool="Write",
        ),
        turn("Moved the key to the environment.", after_tool="Edit"),
    )

    claude_project.run_claude("Store the key", script, "--allowedTools", "Write,Edit")

    assert claude_project.api.errors == []
    assert Path(path).read_text("utf-8").startswith('API_KEY = os.environ["API_KEY"]')
    events = claude_project.events("session")
    tools = [e.get("tool_name") for e in events if e["event"] == "PostToolUse"]
    assert tools == ["Write", "Edit"]
    assert {"SessionStart", "Stop", "SessionEnd"} <= {e["event"] for e in events}
    stored = b"".join(p.read_bytes() for p in _br_home_files())
    assert stored, "BR_HOME holds no data"
    secret = key.removeprefix("sk-ant-api03-")
    assert not any(secret[i : i + 12].encode() in stored for i in range(len(secret) - 11))


def test_cost_reports_equal_claude_codes_own_total(claude_project: ClaudeProject) -> None:
    """Cache writes (5-minute and 1-hour), cache reads and a subagent's sidechain."""
    script = claude_project.script(
        turn(
            tool_use(ROUTE, {"description": "Fix a typo in README.md", "override": "haiku"}),
            usage=Usage(3_200, 410, 48_000, 0, cache_1h_tokens=12_000),
        ),
        turn(reply=delegate, after_tool=ROUTE, usage=Usage(900, 380, 2_100, 48_000)),
        turn(
            tool_use("Write", {"file_path": str(claude_project.root / "NOTES.md"), "content": "x"}),
            lane="br-haiku",
            usage=Usage(5_400, 700, 21_000, 0),
        ),
        turn("Fixed.", lane="br-haiku", after_tool="Write", usage=Usage(300, 90, 800, 21_000)),
        turn("Done.", after_tool=AGENT, usage=Usage(1_100, 260, 1_500, 50_100)),
    )

    run = claude_project.run_claude("Fix the typo", script, "--allowedTools", f"{ROUTE},Write")

    assert claude_project.api.errors == []
    assert len(run.result["modelUsage"]) == 2, run.result["modelUsage"]  # main + subagent
    daily = claude_project.br_json("cost", "daily")
    session = claude_project.br_json("cost", "session")
    [row] = session["rows"]
    assert row["key"] == run.session_id
    assert daily["unpriced_models"] == session["unpriced_models"] == []
    for report in (daily, session):
        assert report["totals"]["requests"] == 5
        assert round(report["totals"]["cost_usd"], 2) == round(run.total_cost_usd, 2)
        assert report["totals"]["cost_usd"] == pytest.approx(run.total_cost_usd, abs=1e-9)
    by_model = {m["model"]: m["cost_usd"] for m in row["models"]}
    claude_by_model = {m: u["costUSD"] for m, u in run.result["modelUsage"].items()}
    assert sorted(by_model.values()) == pytest.approx(sorted(claude_by_model.values()), abs=1e-9)


def test_installed_slash_commands_send_their_expanded_prompt(
    claude_project: ClaudeProject,
) -> None:
    commands = claude_project.installed_commands()
    assert commands, "br init installed no commands or skills"
    claude_project.api.reset(claude_project.script(turn("Noted.")))

    # One session per command, run side by side (each waits mostly on process start-ups); they
    # need no MCP server: --strict-mcp-config without --mcp-config starts none.
    def invoke(name: str) -> int:
        prompt = f"/{name} rename {name} to bar"
        return claude_project.claude("-p", prompt, "--strict-mcp-config").returncode

    with ThreadPoolExecutor(max_workers=len(commands)) as pool:
        assert list(pool.map(invoke, commands)) == [0] * len(commands)

    sent = [e.text() for e in claude_project.api.requests("main")]
    assert len(sent) == len(commands)
    for name, path in commands.items():
        body = path.read_text("utf-8").split("\n---\n", 1)[-1]
        lines = [line.strip() for line in body.splitlines() if line.strip()]
        fixed = next(line for line in lines if "$" not in line)  # no argument placeholder
        [text] = [t for t in sent if f"rename {name} to bar" in t]
        assert fixed in text, f"/{name}: its prompt was not sent"
        for line in (line for line in lines if "$ARGUMENTS" in line):  # replaced by the args
            assert line.replace("$ARGUMENTS", f"rename {name} to bar") in text, f"/{name}: {line}"


def test_a_session_in_another_worktree_claims_from_the_shared_queue(
    claude_project: ClaudeProject,
) -> None:
    """The harness runs sessions in worktrees: each is the same project, with one queue."""
    added = claude_project.br("tasks", "add", "Write the changelog", "--id", "release/changelog")
    assert added.returncode == 0, added.stderr
    second = claude_project.worktree("second")
    claim = "mcp__br__claim_task"
    script = second.script(
        turn(tool_use(claim, {"owner": "second-session"})),
        turn("Claimed.", after_tool=claim),
    )

    second.run_claude("Take the next task", script, "--allowedTools", claim)

    assert second.api.errors == []
    [result] = second.api.requests("main")[1].tool_results().values()
    claimed = json.loads(result)
    assert claimed["claimed"] is True and claimed["task"]["id"] == "release/changelog"
    shown = claude_project.br("tasks", "show", "release/changelog")
    assert "second-session" in shown.stdout


def _br_home_files() -> list[Path]:
    import os

    return [p for p in Path(os.environ["BR_HOME"]).rglob("*") if p.is_file()]

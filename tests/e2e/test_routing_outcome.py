"""Issue 15, item 1: a real Claude Code session routes, delegates to the subagent the routing
answer names, and leaves the outcome and the subagent's cost on the decision.

Both automatic paths run in one session: a queued task (claim_task, route_task with its
task_id, update_task done) and a task that is not queued (route_task, record_outcome). The cost
is never given by the model: Claude Code's SubagentStop hook (`br-claude-hook`, installed by
`br init` in .claude/settings.json) prices the subagent's own transcript and puts it on the open
decision of that tier, before the main agent gets the subagent's answer.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import pytest

from tests.e2e.harness import ClaudeProject, ClaudeRun, store_rows
from tests.e2e.scripted_api import Block, Exchange, Usage, tool_use, turn

ROUTE, AGENT = "mcp__br__route_task", "Agent"
CLAIM, UPDATE, OUTCOME = "mcp__br__claim_task", "mcp__br__update_task", "mcp__br__record_outcome"
TASK_ID = "docs/typo"
# Each subagent response's usage (what Claude Code prices, and writes to the transcript). The
# main session runs on sonnet so that each subagent's model is one of its own in modelUsage.
HAIKU_USAGE = (Usage(4_000, 900, 30_000, 0), Usage(600, 200, 1_500, 30_000))
OPUS_USAGE = (Usage(6_000, 2_400, 40_000, 0, cache_1h_tokens=10_000),)


def result_of(exchange: Exchange, tool: str) -> dict[str, Any]:
    """The JSON answer of `tool` that this request returns to the model."""
    [answer] = exchange.tool_results().values()
    try:
        parsed: dict[str, Any] = json.loads(answer)
    except ValueError:
        raise AssertionError(f"{tool} answered {answer[:300]!r}") from None
    return parsed


def decision(decision_id: str) -> dict[str, Any]:
    [row] = store_rows("SELECT * FROM routing_decisions WHERE id = ?", decision_id)
    return row


def tokens(usages: Sequence[Usage]) -> int:
    return sum(
        u.input_tokens + u.output_tokens + u.cache_creation_input_tokens + u.cache_read_input_tokens
        for u in usages
    )


class Session:
    """The main agent's replies, keeping what the tools answered (claim, decisions) and what the
    store held when the subagent's result came back."""

    def __init__(self, project: ClaudeProject) -> None:
        self.project = project
        self.claim: dict[str, Any] = {}
        self.decisions: list[str] = []
        self.after_subagent: list[dict[str, Any]] = []

    def route(self, description: str, tier: str, **extra: Any) -> Callable[[Exchange], list[Any]]:
        def reply(exchange: Exchange) -> list[Any]:
            if extra.get("task_id"):
                self.claim = result_of(exchange, CLAIM)
            args = {"description": description, "override": tier, **extra}
            return [tool_use(ROUTE, args)]

        return reply

    def delegate(self, prompt: str) -> Callable[[Exchange], list[Any]]:
        def reply(exchange: Exchange) -> list[Any]:
            answer = result_of(exchange, ROUTE)
            self.decisions.append(answer["decision_id"])
            agent = {"subagent_type": answer["subagent"], "description": "Do it", "prompt": prompt}
            return [f"Delegating to {answer['subagent']}.", tool_use(AGENT, agent)]

        return reply

    def resolve(self, action: Callable[[], Block]) -> Callable[[Exchange], list[Any]]:
        """After the subagent: read the store as the main agent sees it, then resolve."""

        def reply(exchange: Exchange) -> list[Any]:
            self.after_subagent.append(decision(self.decisions[-1]))
            return [action()]

        return reply

    def done(self) -> Block:
        task = self.claim["task"]
        return tool_use(
            UPDATE,
            {
                "task_id": task["id"],
                "token": self.claim["token"],
                "action": "done",
                "note": "typo fixed",
            },
        )

    def resolved(self) -> Block:
        return tool_use(OUTCOME, {"decision_id": self.decisions[-1], "resolved": True})

    def run(self) -> ClaudeRun:
        notes = str(self.project.root / "NOTES.md")
        script = self.project.script(
            turn(tool_use(CLAIM, {"owner": "main-session"})),
            turn(
                reply=self.route("Fix the typo in README.md", "haiku", task_id=TASK_ID),
                after_tool=CLAIM,
            ),
            turn(reply=self.delegate("Fix the typo, report in one line."), after_tool=ROUTE),
            turn(
                tool_use("Write", {"file_path": notes, "content": "typo fixed\n"}),
                lane="br-haiku",
                usage=HAIKU_USAGE[0],
            ),
            turn("Fixed.", lane="br-haiku", after_tool="Write", usage=HAIKU_USAGE[1]),
            turn(reply=self.resolve(self.done), after_tool=AGENT),
            turn(
                reply=self.route("Design the cache invalidation of the exporter", "opus"),
                after_tool=UPDATE,
            ),
            turn(reply=self.delegate("Write the design."), after_tool=ROUTE),
            turn("Design written.", lane="br-opus", usage=OPUS_USAGE[0]),
            turn(reply=self.resolve(self.resolved), after_tool=AGENT),
            turn("Both tasks done.", after_tool=OUTCOME),
        )
        tools = ",".join((CLAIM, ROUTE, UPDATE, OUTCOME, "Write"))
        prompt = "Take the next task, then design the exporter's cache invalidation"
        return self.project.run_claude(prompt, script, "--allowedTools", tools, "--model", "sonnet")


def claude_priced(run: ClaudeRun, model: str) -> float:
    """What Claude Code charged for `model` in this session (its modelUsage, keyed by the id
    it ran, with `[1m]` when it used the 1M window)."""
    [cost] = [u["costUSD"] for m, u in run.result["modelUsage"].items() if m.split("[")[0] == model]
    return float(cost)


def test_a_routed_session_leaves_the_outcome_and_the_subagents_cost_on_each_decision(
    claude_project: ClaudeProject,
) -> None:
    added = claude_project.br("tasks", "add", "Fix the typo in README.md", "--id", TASK_ID)
    assert added.returncode == 0, added.stderr
    session = Session(claude_project)

    run = session.run()

    api = claude_project.api
    assert api.errors == [], api.errors
    assert run.result["result"] == "Both tasks done."
    queued, unqueued = map(decision, session.decisions)
    cases = [(queued, "br-haiku", HAIKU_USAGE, "queue"), (unqueued, "br-opus", OPUS_USAGE, "mcp")]
    for (row, agent, usages, resolved_by), seen in zip(cases, session.after_subagent, strict=True):
        [model] = {e.model for e in api.requests(agent)}
        charged = claude_priced(run, model)
        # When the subagent's answer reached the main agent, the hook had put its cost there,
        # and nothing else had (the model never gave a cost): the cost's source is the hook.
        assert seen["outcome_source"] == "subagent" and seen["resolved"] is None, seen
        assert seen["cost_usd"] == pytest.approx(charged, abs=1e-9)
        assert seen["tokens"] == tokens(usages)  # only the transcript knows these
        # Then the outcome arrived by the queue or by record_outcome, and kept that cost.
        assert (row["resolved"], row["outcome_source"]) == (1, resolved_by)
        assert round(row["cost_usd"], 2) == round(charged, 2) > 0
        assert row["cost_usd"] == seen["cost_usd"] and row["tokens"] == seen["tokens"]
    assert (queued["tier"], queued["task_id"]) == ("haiku", TASK_ID)
    assert (unqueued["tier"], unqueued["task_id"]) == ("opus", None)
    [task] = store_rows("SELECT status, owner FROM tasks WHERE id = ?", TASK_ID)
    assert task["status"] == "done"
    stops = [e for e in claude_project.events("session") if e["event"] == "SubagentStop"]
    assert [e.get("agent_type") for e in stops] == ["br-haiku", "br-opus"]

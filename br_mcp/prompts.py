"""BuildRunner's workflows, written once: the MCP prompts (`/mcp__br__<name>` in any MCP client)
and the Claude Code skills `br init` installs (`/br-<name>`, .claude/skills/br-<name>/SKILL.md)
are both rendered from `WORKFLOWS`, so the two sets cannot drift apart.

The set is what BuildRunner adds to a session: each workflow drives our tools (the queue,
routing, the security scan). A generic "debug" prompt used none of them, and Claude Code ships its
own /debug, so it is not part of the set. Plain functions and data: testable without the SDK.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Workflow:
    name: str  # the MCP prompt's name; the skill is `br-<name>`
    description: str
    argument: str  # the MCP prompt's argument; a skill receives it as $ARGUMENTS
    hint: str  # the skill's argument-hint
    default: str | None  # what an empty argument means; None: the argument is required
    body: str  # the text, with `{arg}` where the argument goes

    def prompt(self, value: str) -> str:
        """The MCP prompt's message for `value` (empty: the default)."""
        return self.body.format(arg=value or self.default or "")

    def skill(self) -> str:
        """The SKILL.md file: Claude Code's frontmatter, then the same text with $ARGUMENTS."""
        arg = "$ARGUMENTS" if self.default is None else f"$ARGUMENTS (if empty: {self.default})"
        return (
            "---\n"
            f"name: br-{self.name}\n"
            f"description: {self.description} (BuildRunner)\n"
            f"argument-hint: {self.hint}\n"
            # user-invoked, as the slash commands were: several of these write to the queue
            "disable-model-invocation: true\n"
            "---\n"
            f"{self.body.format(arg=arg)}\n"
        )


WORKFLOWS: dict[str, Workflow] = {
    w.name: w
    for w in (
        Workflow(
            "design",
            "Design a feature and split it into queued tasks",
            "feature",
            "<feature to design>",
            None,
            "Design this feature before writing code: {arg}\n\n"
            "1. Restate the goal and the constraints in three lines.\n"
            "2. List the modules and files to create or change, with one line each.\n"
            "3. Name the data shapes and the public functions with their signatures.\n"
            "4. List the risks (security, concurrency, migrations) and how tests will cover them.\n"
            "5. Split the work into tasks of under two hours and add them with the `add_tasks` "
            "tool of the `br` MCP server (ids, dependencies, estimates in minutes). Call "
            "`route_task` on each to pick a model tier.",
        ),
        Workflow(
            "analyze",
            "Security scan and review of files",
            "paths",
            "[paths...]",
            "the files changed on this branch (`git diff --name-only main...`)",
            "Analyze {arg}.\n\n"
            "1. Call the `security_scan` tool of the `br` MCP server on them and report every "
            "finding, secrets and SQL injection (values are already masked; never print a "
            "secret in full).\n"
            "2. Review correctness, error handling (one-line errors naming file, problem and "
            "fix), missing tests, and functions over 50 lines.\n"
            "3. Answer with a short table: file, line, severity, problem, fix.",
        ),
        Workflow(
            "plan",
            "Turn a spec into the shared task queue",
            "spec_path",
            "[spec path]",
            "PROJECT_SPEC.md",
            "Plan the work in {arg}.\n\n"
            "Call the `plan_from_spec` tool of the `br` MCP server with that path; it turns the "
            "spec into features and tasks with stable ids (re-running it updates them in place). "
            "Then call `list_tasks` and check the order and the dependencies; fix gaps with "
            "`add_tasks`. Summarise the plan per feature with estimates.",
        ),
        Workflow(
            "next",
            "Claim and finish the next task from the shared queue",
            "owner",
            "[owner name]",
            '"claude"',
            "Take the next task from the shared queue as owner {arg}.\n\n"
            "1. Call `claim_task` of the `br` MCP server with that owner. If nothing is "
            "claimed, report its `reason` and stop.\n"
            "2. Call `route_task` with the task's description and `task_id`; if it names a "
            "subagent (br-haiku, br-sonnet or br-opus), delegate to it.\n"
            "3. Every few minutes call `update_task` with action 'heartbeat' and the token so "
            "the lease does not expire.\n"
            "4. When the tests pass, call `update_task` with action 'done' and the token; on "
            "failure, action 'fail' with the reason, and `cost_usd` if known: the routed "
            "decision records the outcome and routing learns from it. A rejected token means "
            "the lease ended: stop and claim again.",
        ),
        Workflow(
            "route",
            "Pick the model tier for a task and delegate",
            "task",
            "<task description>",
            None,
            "Pick the model for this task: {arg}\n\n"
            "Call the `route_task` tool of the `br` MCP server with the description (and the "
            "number of files and lines if known). Report the tier, the model id, the reason and "
            "the estimated cost, then delegate the work to the subagent it names (br-haiku, "
            "br-sonnet or br-opus). When the work is finished, call `record_outcome` with its "
            "`decision_id`, whether the task was resolved (tests pass) and the cost if known.",
        ),
    )
}


# The SDK reads each prompt's arguments from its function's signature: one function each.
def design(feature: str) -> str:
    return WORKFLOWS["design"].prompt(feature)


def analyze(paths: str = "") -> str:
    return WORKFLOWS["analyze"].prompt(paths)


def plan(spec_path: str = "") -> str:
    return WORKFLOWS["plan"].prompt(spec_path)


def next_task(owner: str = "") -> str:  # the prompt `next` (not shadowing the builtin)
    return WORKFLOWS["next"].prompt(owner)


def route(task: str) -> str:
    return WORKFLOWS["route"].prompt(task)


PROMPTS: dict[str, Callable[..., str]] = {
    "design": design,
    "analyze": analyze,
    "plan": plan,
    "next": next_task,
    "route": route,
}

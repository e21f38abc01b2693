"""Prompt texts the MCP server offers (Claude Code shows them as `/mcp__br__<name>`).

Plain functions returning the user message, so they are testable without the SDK.
"""

from __future__ import annotations

from collections.abc import Callable


def design(feature: str) -> str:
    return (
        f"Design this feature before writing code: {feature}\n\n"
        "1. Restate the goal and the constraints in three lines.\n"
        "2. List the modules and files to create or change, with one line each.\n"
        "3. Name the data shapes and the public functions with their signatures.\n"
        "4. List the risks (security, concurrency, migrations) and how tests will cover them.\n"
        "5. Split the work into tasks of under two hours and add them with the `add_tasks` tool "
        "(ids, dependencies, estimates in minutes). Call `route_task` on each to pick a model tier."
    )


def analyze(paths: str = "") -> str:
    target = paths or "the files changed on this branch (`git diff --name-only main...`)"
    return (
        f"Analyze {target}.\n\n"
        "Run the `security_scan` tool on them first and report every finding (already masked). "
        "Then review for correctness, error handling (one-line errors naming file, problem and "
        "fix), missing tests, and functions over 50 lines. Answer with a short table: file, "
        "line, severity, problem, fix."
    )


def debug(problem: str) -> str:
    return (
        f"Debug this problem: {problem}\n\n"
        "Reproduce it first with the smallest command or test. State a hypothesis, check it "
        "with one experiment at a time, and write down what each experiment showed. When you "
        "find the cause, write a failing test, fix the code, and run the test again. Do not "
        "change unrelated code."
    )


def plan(spec_path: str = "PROJECT_SPEC.md") -> str:
    return (
        f"Plan the work in {spec_path}.\n\n"
        f"Call `plan_from_spec` with path={spec_path!r}; it turns the spec into features and "
        "tasks with stable ids (re-running it updates them in place). Then call `list_tasks` "
        "and check the order and the dependencies; fix gaps with `add_tasks`. Summarise the "
        "plan per feature with estimates."
    )


def next_task(owner: str = "claude") -> str:
    return (
        f"Take the next task from the shared queue as owner {owner!r}.\n\n"
        "1. Call `claim_task` with that owner. If nothing is ready, say so and stop.\n"
        "2. Call `route_task` with the task's description and `task_id`; if it names a "
        "subagent, delegate to it.\n"
        "3. Work on the task; every few minutes call `update_task` with action='heartbeat' and the "
        "token so the lease does not expire.\n"
        "4. When tests pass, call `update_task` with action='done' and the token; on failure, "
        "action='fail' with the reason, and `cost_usd` if known: the routed decision records the "
        "outcome and routing learns from it. A rejected token means the lease ended: stop and "
        "claim again."
    )


def route(task: str) -> str:
    return (
        f"Pick the model for this task: {task}\n\n"
        "Call `route_task` with the description (and the number of files and lines if known). "
        "Report the tier, the model id, the reason and the estimated cost, then delegate the work "
        "to the subagent it names (br-haiku, br-sonnet or br-opus). When the work is finished, "
        "call `record_outcome` with its `decision_id`, whether the task was resolved (tests pass) "
        "and the cost if known."
    )


PROMPTS: dict[str, Callable[..., str]] = {
    "design": design,
    "analyze": analyze,
    "debug": debug,
    "plan": plan,
    "next_task": next_task,
    "route": route,
}

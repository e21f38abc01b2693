"""`br route "TASK"`: which model tier a task should go to, why, and how to apply it; and
`br route outcome ID --resolved|--failed --cost USD`: how that decision turned out."""

from __future__ import annotations

from typing import Annotated

import typer

from br_core.errors import UsageError

OUTCOME = "outcome"


def route_command(
    task: Annotated[
        str,
        typer.Argument(
            help="The task, in a sentence or a paragraph; or `outcome` followed by a decision id."
        ),
    ],
    decision_id: Annotated[
        str | None,
        typer.Argument(
            help="With `outcome`: the decision id `br route` printed.", show_default=False
        ),
    ] = None,
    files: Annotated[int, typer.Option("--files", min=0, help="Files the task touches.")] = 0,
    lines: Annotated[int, typer.Option("--lines", min=0, help="Lines it changes.")] = 0,
    override: Annotated[
        str | None, typer.Option("--tier", help="Force haiku, sonnet or opus.")
    ] = None,
    area: Annotated[
        str,
        typer.Option(
            "--area", help="Where the work is (component, package); learned per area if enabled."
        ),
    ] = "",
    task_id: Annotated[
        str | None,
        typer.Option(
            "--task", help="The queue task this is for (its done/fail records the outcome)."
        ),
    ] = None,
    resolved: Annotated[
        bool | None,
        typer.Option("--resolved/--failed", help="With `outcome`: whether the task was resolved."),
    ] = None,
    cost: Annotated[
        float | None, typer.Option("--cost", min=0, help="With `outcome`: what it cost, in USD.")
    ] = None,
    tokens: Annotated[
        int | None, typer.Option("--tokens", min=0, help="With `outcome`: tokens used.")
    ] = None,
    duration: Annotated[
        float | None, typer.Option("--duration", min=0, help="With `outcome`: seconds it took.")
    ] = None,
    notes: Annotated[
        str | None, typer.Option("--notes", help="With `outcome`: a short note (<= 500 chars).")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the result as JSON.")] = False,
) -> None:
    """Route a task to haiku, sonnet or opus (tier, model id, subagent, reason, cost with its 80%
    interval once 20 costs on the tier are measured, decision id); `br route outcome ID
    --resolved|--failed --cost USD` records how it went."""
    if task == OUTCOME:
        _outcome(decision_id, resolved, cost, tokens, duration, notes, as_json)
        return
    if decision_id is not None:
        raise UsageError(f"unexpected argument {decision_id[:40]!r}: quote the task as one "
                         "argument, or use `br route outcome ID`")  # fmt: skip
    _route(task, files, lines, override, area, task_id, as_json)


def _outcome(decision_id: str | None, resolved: bool | None, cost: float | None,
             tokens: int | None, duration: float | None, notes: str | None,
             as_json: bool) -> None:  # fmt: skip
    if decision_id is None:
        raise UsageError("br route outcome: give the decision id (`br route` printed it)")
    if resolved is None:
        raise UsageError("br route outcome: say --resolved or --failed")
    from br_core.git import project_id, project_root
    from br_core.routing.decisions import record_outcome
    from br_core.store.db import open_db

    conn = open_db()
    try:
        got = record_outcome(conn, project_id(project_root()), decision_id, resolved, cost,
                             tokens=tokens, duration_s=duration, notes=notes,
                             source="cli")  # fmt: skip
    finally:
        conn.close()
    if as_json:
        print(got.model_dump_json(indent=2))
        return
    what = "resolved" if got.resolved else "failed"
    spent = f", ${got.cost_usd:.4f}" if got.cost_usd is not None else ""
    again = " (replaced the earlier outcome)" if got.replaced else ""
    print(f"recorded: {got.decision_id} on {got.tier}: {what}{spent}{again}; "
          f"the router now learns from {got.learned_from} outcomes")  # fmt: skip


def _route(task: str, files: int, lines: int, override: str | None, area: str,
           task_id: str | None, as_json: bool) -> None:  # fmt: skip
    from br_core.git import project_root
    from br_core.routing.router import route_task
    from br_core.store.db import open_db

    conn = open_db()
    try:
        decision = route_task(conn, project_root(), task, files, lines, override, area=area,
                              task_id=task_id)  # fmt: skip
    finally:
        conn.close()
    if as_json:
        print(decision.model_dump_json(indent=2))
        return
    print(f"Tier:       {decision.tier} ({decision.complexity} {decision.task_kind} task, "
          f"{decision.source})")  # fmt: skip
    print(f"Model:      {decision.model} (alias: {decision.alias})")
    print(f"Subagent:   {decision.subagent}")
    print(f"Why:        {decision.explanation}")
    if decision.estimated_cost_usd is not None:
        sonnet = decision.sonnet_cost_usd
        vs = f" (Sonnet: ${sonnet:.4f})" if sonnet is not None else ""
        band = decision.cost_interval_usd
        within = f", 80% within ${band[0]:.4f}-${band[1]:.4f}" if band else ""
        print(f"Est. cost:  ${decision.estimated_cost_usd:.4f}{within}{vs}; {decision.cost_basis}")
    for warning in decision.warnings:
        print(f"Warning:    {warning}")
    if decision.consensus_required:
        print(f"Consensus:  get a second opinion: {'; '.join(decision.consensus_reasons)}")
    print(f"Apply:      {decision.how_to_apply}")
    print(f"Decision:   {decision.decision_id} (afterwards: br route outcome "
          f"{decision.decision_id} --resolved|--failed --cost USD)")  # fmt: skip

"""`br route "TASK"`: which model tier a task should go to, why, and how to apply it."""

from __future__ import annotations

from typing import Annotated

import typer


def route_command(
    task: Annotated[str, typer.Argument(help="The task, in a sentence or a paragraph.")],
    files: Annotated[int, typer.Option("--files", min=0, help="Files the task touches.")] = 0,
    lines: Annotated[int, typer.Option("--lines", min=0, help="Lines it changes.")] = 0,
    override: Annotated[
        str | None, typer.Option("--tier", help="Force haiku, sonnet or opus.")
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print the decision as JSON.")] = False,
) -> None:
    """Route a task to haiku, sonnet or opus: tier, model id, subagent, reason and cost."""
    from br_core.git import project_root
    from br_core.routing.router import route_task
    from br_core.store.db import open_db

    conn = open_db()
    try:
        decision = route_task(conn, project_root(), task, files, lines, override)
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
        print(f"Est. cost:  ${decision.estimated_cost_usd:.4f}{vs}; {decision.cost_basis}")
    for warning in decision.warnings:
        print(f"Warning:    {warning}")
    if decision.consensus_required:
        print(f"Consensus:  get a second opinion: {'; '.join(decision.consensus_reasons)}")
    print(f"Apply:      {decision.how_to_apply}")

"""`br model stats`: spend per model tier against an all-Sonnet baseline, with advice."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from br_cli.money import usd

if TYPE_CHECKING:
    from br_core.cost.model_stats import ModelStats
    from br_core.routing.explain import LearnerStats, TierBelief

app = typer.Typer(help="Model usage statistics and routing advice.", no_args_is_help=True)


def _seconds(ms: float | None) -> str:
    return f"{ms / 1000:.1f} s" if ms is not None else "-"


def _savings(stats: ModelStats) -> str:
    if stats.savings_usd < 0:  # the mix cost more than all-Sonnet would have
        pct = f" ({-stats.savings_pct:.1%} more)" if stats.savings_pct is not None else ""
        return f"  Extra cost vs all Sonnet: {usd(-stats.savings_usd)}{pct}"
    pct = f" ({stats.savings_pct:.1%})" if stats.savings_pct is not None else ""
    return f"  Savings: {usd(stats.savings_usd)}{pct}"


def render(stats: ModelStats) -> str:
    lines = [f"Model usage {stats.since} .. {stats.until} ({stats.scope})", ""]
    lines.append(f"  {'Tier':<8} {'Requests':>9} {'Share':>7} {'Cost':>11} "
                 f"{'Avg/request':>12} {'Avg time':>9}")  # fmt: skip
    for t in stats.tiers:
        avg = usd(t.avg_cost_per_request) if t.avg_cost_per_request is not None else "-"
        lines.append(f"  {t.tier.capitalize():<8} {t.requests:>9,} {t.share:>7.1%} "
                     f"{usd(t.cost_usd):>11} {avg:>12} "
                     f"{_seconds(t.avg_duration_ms):>9}")  # fmt: skip
    lines.append(f"  {'Total':<8} {stats.requests:>9,} {'':>7} "
                 f"{usd(stats.cost_usd):>11}")  # fmt: skip
    lines.append("")
    lines.append(f"  If all Sonnet ({stats.baseline_model}): {usd(stats.all_sonnet_cost_usd)}")
    lines.append(_savings(stats))
    if stats.avg_cost_per_request is not None:
        lines.append(f"  Average cost per request: {usd(stats.avg_cost_per_request)}")
    if stats.fastest:
        slow = f"   Slowest: {stats.slowest}" if stats.slowest else ""
        lines.append(f"  Fastest: {stats.fastest}{slow}")
    if stats.outcomes:
        lines += ["", "Routed tasks (recorded outcomes)"]
        for o in stats.outcomes:
            per = f"{usd(o.cost_per_success_usd)}/success" if o.cost_per_success_usd else "-"
            lines.append(f"  {o.tier.capitalize():<8} {o.tasks:>5} tasks  "
                         f"{o.success_rate:>5.0%} succeeded  {per}")  # fmt: skip
    lines += ["", "Recommendations"] + [f"  - {tip}" for tip in stats.recommendations]
    return "\n".join(lines)


def _rate(b: TierBelief) -> str:
    seen = f"{b.resolved}/{b.tasks}" if b.tasks else "0"
    low, high = b.interval
    cost = usd(b.cost_per_task_usd) if b.cost_per_task_usd is not None else "-"
    return (f"  {b.area[:24]:<24} {b.tier.capitalize():<7} {seen:>7} {b.estimate:>6.0%} "
            f"[{low:.0%}-{high:.0%}]  {cost:>9} {usd(b.expected_cost_usd):>9}")  # fmt: skip


def render_learner(learner: LearnerStats) -> str:
    state = "on" if learner.learning else "off ([routing] learn = false)"
    lines = [
        f"Routing learner ({state}): objective {learner.objective}",
        f"  {learner.decisions} decisions, {learner.outcomes} with an outcome, "
        f"{learner.pending} waiting; {learner.explored_recent}",
        "",
        f"  {'Area':<24} {'Tier':<7} {'Solved':>7} {'Est.':>6} {'90% interval':<13} "
        f"{'Cost/task':>9} {'Expected':>9}",
    ]
    lines += [_rate(b) for b in learner.beliefs]
    if not learner.next:
        lines += ["", "  Next decision: keyword heuristic until the first outcome is recorded"]
    for n in learner.next:
        lines += ["", f"  Next decision in {n.area}: {n.tier}", f"    because {n.why}"]
    return "\n".join(lines)


@app.command("stats")
def stats_command(
    days: Annotated[int, typer.Option("--days", min=1, help="Window in days, ending today.")] = 30,
    all_projects: Annotated[
        bool, typer.Option("--all-projects", help="Every project, not only this repository.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Requests, share and cost per tier; the all-Sonnet baseline and savings; advice; the
    routing learner; how often each kind of suggestion was accepted (this project's)."""
    import json

    from br_cli.suggest import render_stats
    from br_core.cost.model_stats import model_stats
    from br_core.git import project_id, project_root
    from br_core.learning.suggestions import acceptance_stats
    from br_core.routing.explain import learner_stats
    from br_core.store.db import open_db

    conn = open_db()
    try:
        result = model_stats(conn, project_root(), days, all_projects)
        learner = learner_stats(conn, project_root())
        answers = acceptance_stats(conn, project_id(project_root()))
    finally:
        conn.close()
    if as_json:
        data = result.model_dump(mode="json") | {
            "learner": learner.model_dump(mode="json"),
            "suggestions": [k.__dict__ for k in answers],
        }
        print(json.dumps(data, indent=2))
        return
    print(render(result) + "\n\n" + render_learner(learner) + "\n\n" + render_stats(answers))


@app.command("outcome")
def outcome_command(
    task: Annotated[str, typer.Argument(help="The task, as it was routed.")],
    tier: Annotated[str, typer.Option("--tier", help="The tier that did it: haiku, sonnet, opus.")],
    success: Annotated[
        bool, typer.Option("--success/--failure", help="Whether the tier succeeded.")
    ] = True,
    cost: Annotated[
        float | None, typer.Option("--cost", min=0, help="What it cost, in USD.")
    ] = None,
    files: Annotated[int, typer.Option("--files", min=0, help="Files it touched.")] = 0,
    lines: Annotated[int, typer.Option("--lines", min=0, help="Lines it changed.")] = 0,
) -> None:
    """Record spend per tier for `br model stats` (the router learns from decisions: use
    `br route outcome ID`)."""
    from br_core.git import project_root
    from br_core.routing.router import record_outcome
    from br_core.store.db import open_db

    conn = open_db()
    try:
        got = record_outcome(
            conn, project_root(), task, tier, success, cost, files=files, lines=lines
        )
    finally:
        conn.close()
    print(f"recorded: {got.task_kind} / {got.complexity} task on {got.tier}")

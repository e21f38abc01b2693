"""`br cost`: spend from Claude Code's transcripts per day, month, session or 5-hour block."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Literal

import typer

from br_cli import cost_cache
from br_cli.money import usd
from br_core.errors import UsageError

if TYPE_CHECKING:
    from br_core.cost.models import Block
    from br_core.cost.report import CostReport

app = typer.Typer(
    help="Usage and cost from Claude Code transcripts (~/.claude/projects, CLAUDE_CONFIG_DIR).",
    no_args_is_help=True,
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print the report as JSON.")]
SinceOpt = Annotated[
    str | None, typer.Option("--since", help="First day, YYYY-MM-DD or YYYYMMDD (local time).")
]
UntilOpt = Annotated[
    str | None, typer.Option("--until", help="Last day, YYYY-MM-DD or YYYYMMDD (inclusive).")
]
AllOpt = Annotated[
    bool, typer.Option("--all-projects", help="Every project, not only this repository.")
]


def parse_day(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            day = datetime.strptime(value, fmt).date()
        except ValueError:
            continue
        from br_core.cost.report import check_day

        check_day(day, option, value)
        return day
    raise UsageError(f"{option} {value!r}: not a date; write it as YYYY-MM-DD")


def _table(report: CostReport) -> str:
    label = {"daily": "Date", "monthly": "Month", "session": "Session", "blocks": "Block start"}
    out = [
        f"{label[report.kind]:<24} {'Input':>12} {'Output':>10} {'Cache write':>12} "
        f"{'Cache read':>13} {'Cost':>11}  Models"
    ]
    lines: list[tuple[str, object]] = []
    if report.kind == "blocks":
        for block in report.blocks:
            tag = " (active)" if block.active else ""
            lines.append((block.start.strftime("%Y-%m-%d %H:%M") + tag, block))
    else:
        lines = [(row.key, row) for row in report.rows]
    for key, row in lines:
        models = getattr(row, "models", [])
        names = ", ".join(m if isinstance(m, str) else m.model for m in models)
        out.append(_line(key[:24], row, names))
    out.append(_line("Total", report.totals, ""))
    if report.kind == "blocks":
        for block in report.blocks:
            if block.active and block.projected_cost_usd is not None:
                out.append(
                    f"Active block: burn {block.tokens_per_minute or 0:,.0f} tokens/min, "
                    f"{usd(block.cost_per_hour or 0)}/h; projected "
                    f"{usd(block.projected_cost_usd)} by {block.end:%H:%M} "
                    f"({block.remaining_minutes} min left)"
                )
            if block.active:
                out.append(_runout_line(block))
    if report.unpriced_models:
        out.append(
            f"Unpriced (not in the cost): {', '.join(report.unpriced_models)} "
            f"({report.totals.unpriced_tokens:,} tokens); add prices under [pricing.models]"
        )
    if report.malformed_lines:
        out.append(f"Skipped {report.malformed_lines:,} malformed transcript line(s).")
    return "\n".join(out) + "\n"


def _runout_line(block: Block) -> str:
    """When the block's budget runs out at this burn rate, with the 80% interval."""
    if block.budget_usd is None or (block.runout_at is None and block.runout_earliest is None):
        budget = f" of {usd(block.budget_usd)}" if block.budget_usd is not None else ""
        return f"Budget{budget}: {block.runout_note or 'no run-out predicted'}"
    at = f"{block.runout_at:%H:%M}" if block.runout_at else "not before the block ends"
    early = f"{block.runout_earliest:%H:%M}" if block.runout_earliest else "block end"
    late = f"{block.runout_latest:%H:%M}" if block.runout_latest else "block end"
    return (f"Budget {usd(block.budget_usd)} (costliest earlier block) runs out: {at}, "
            f"80% interval {early} to {late}")  # fmt: skip


def _line(key: str, row: object, models: str) -> str:
    get = row.__getattribute__
    written = get("cache_write_5m_tokens") + get("cache_write_1h_tokens")
    return (
        f"{key:<24} {get('input_tokens'):>12,} {get('output_tokens'):>10,} {written:>12,} "
        f"{get('cache_read_tokens'):>13,} {usd(get('cost_usd')):>11}  {models}"
    )


def _command_line(ctx: typer.Context) -> Sequence[str]:
    """The command line after `br` as typed, which br_cli/app.py gives click as `obj`."""
    return tuple(ctx.obj or ())


def _empty_note(report: CostReport, files_seen: int, all_projects: bool, dated: object) -> str:
    """What to do when the report has nothing in it; "" when it has something."""
    from br_core.cost.transcripts import transcript_candidates

    if report.rows or report.blocks:
        return ""
    if files_seen == 0:
        looked = ", ".join(str(p) for p in transcript_candidates())
        return (
            f"br cost: no Claude Code transcripts found (looked in {looked}); point "
            "CLAUDE_CONFIG_DIR at the directory that holds projects/ (comma-separate several), "
            "or record usage from elsewhere with `br cost record`"
        )
    scope = "in that date range" if dated else "yet"
    wider = "" if all_projects else "; --all-projects shows every project's"
    return (
        f"br cost: {files_seen} transcript file(s) read, but no usage for "
        f"{'any project' if all_projects else 'this repository'} {scope}{wider}"
    )


def _render(report: CostReport, as_json: bool) -> str:
    return report.model_dump_json(indent=2) + "\n" if as_json else _table(report)


def _report(
    kind: Literal["daily", "monthly", "session", "blocks"],
    as_json: bool,
    since: str | None,
    until: str | None,
    all_projects: bool,
    argv: Sequence[str],
) -> None:
    """Print the report; `argv`, the command line typer just accepted, keys the kept output."""
    from br_core.cost.pricing import load_price_table
    from br_core.cost.report import cost_report
    from br_core.cost.transcripts import ingest
    from br_core.git import project_root
    from br_core.store.db import open_db
    from br_core.store.output_cache import generation

    first, last = parse_day(since, "--since"), parse_day(until, "--until")
    db = open_db()
    try:
        ingested = ingest(db)
        at = generation(db)  # before the report reads: a write after it makes the output stale
        root = project_root()
        prices = load_price_table(root)  # loaded once: the report and the cache's dependencies
        report = cost_report(
            db, root, kind, first, last, all_projects, ingested=ingested, prices=prices
        )
        # An empty report says where it looked and what to do: on stdout under the table (so
        # a kept output says it too), on stderr beside JSON (which tools parse).
        empty = _empty_note(report, ingested.files_seen, all_projects, since or until)
        note = f"{empty}\n" if empty and not as_json else ""
        sys.stdout.write(_render(report, as_json) + note)
        if empty and as_json:
            typer.echo(empty, err=True)
        request = cost_cache.cached_request(argv)
        if request is not None:  # kept as a run that read nothing new prints it
            quiet = report.model_copy(update={"files_read": 0, "bytes_read": 0})
            cost_cache.remember(db, request, at, _render(quiet, as_json) + note, prices.files)
    finally:
        db.close()


@app.command("daily")
def daily(
    ctx: typer.Context,
    as_json: JsonOpt = False,
    since: SinceOpt = None,
    until: UntilOpt = None,
    all_projects: AllOpt = False,
) -> None:
    """Tokens and cost per day."""
    _report("daily", as_json, since, until, all_projects, _command_line(ctx))


@app.command("monthly")
def monthly(
    ctx: typer.Context,
    as_json: JsonOpt = False,
    since: SinceOpt = None,
    until: UntilOpt = None,
    all_projects: AllOpt = False,
) -> None:
    """Tokens and cost per month."""
    _report("monthly", as_json, since, until, all_projects, _command_line(ctx))


@app.command("session")
def session(
    ctx: typer.Context,
    as_json: JsonOpt = False,
    since: SinceOpt = None,
    until: UntilOpt = None,
    all_projects: AllOpt = False,
) -> None:
    """Tokens and cost per Claude Code session (subagents count toward their session)."""
    _report("session", as_json, since, until, all_projects, _command_line(ctx))


@app.command("blocks")
def blocks(
    ctx: typer.Context,
    as_json: JsonOpt = False,
    since: SinceOpt = None,
    until: UntilOpt = None,
    all_projects: AllOpt = False,
) -> None:
    """5-hour usage windows, with the active window's burn rate and projection, and when its
    budget (the costliest earlier window) runs out, with an 80% interval."""
    _report("blocks", as_json, since, until, all_projects, _command_line(ctx))


@app.command("record")
def record(
    model: Annotated[str, typer.Option("--model", help="Model id or alias, e.g. sonnet.")],
    input_tokens: Annotated[int, typer.Option("--input", min=0, help="Input tokens.")] = 0,
    output_tokens: Annotated[int, typer.Option("--output", min=0, help="Output tokens.")] = 0,
    cache_read: Annotated[int, typer.Option("--cache-read", min=0, help="Cache reads.")] = 0,
    cache_write: Annotated[
        int, typer.Option("--cache-write", min=0, help="5-minute cache writes.")
    ] = 0,
    task_type: Annotated[str | None, typer.Option("--task-type", help="e.g. tests.")] = None,
    duration_ms: Annotated[
        int | None, typer.Option("--duration-ms", min=0, help="Wall time of the call.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Record usage from another source (stored as a model_usage event and in reports)."""
    from br_core.cost.report import record_usage
    from br_core.git import project_root
    from br_core.store.db import open_db

    db = open_db()
    try:
        recorded = record_usage(
            db, project_root(), model, input_tokens, output_tokens, cache_read, cache_write,
            task_type=task_type, duration_ms=duration_ms,
        )  # fmt: skip
    finally:
        db.close()
    if as_json:
        print(recorded.model_dump_json(indent=2))
    elif recorded.cost_usd is None:
        print(f"Recorded {model}: unpriced (not in the price table); tokens kept.")
    else:
        print(f"Recorded {model}: {usd(recorded.cost_usd)}")

"""`br suggest`: suggestions from this repository's own history, each with its evidence and the
command that applies it; `accept ID [--apply]`, `dismiss ID [--reason]`, `stats`, `patterns`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from br_core.learning.patterns import Pattern
    from br_core.learning.suggestions import KindStats, Suggestion

app = typer.Typer(
    help="Suggestions from this repository's history: evidence, and the command that applies it.",
    invoke_without_command=True,
)

DaysOption = Annotated[
    int, typer.Option("--days", min=1, max=3650, help="History window in days, ending now.")
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON.")]


def render_suggestion(s: Suggestion) -> str:
    weak = " (weakens a check: needs your trust after applying)" if s.weakens else ""
    return "\n".join(
        [
            f"{s.id}  {s.action}{weak}",
            f"    evidence: {s.evidence.get('text', '')}",
            f"    apply:    {s.command}",
        ]
    )


def render_pattern(p: Pattern) -> str:
    head = f"{p.title} ({p.since} .. {p.until}, {p.samples} samples)"
    if not p.ready:
        return f"{head}\n    not yet: {p.note}"
    rows = [f"    {json.dumps(r, default=str)}" for r in p.rows] or ["    nothing stands out"]
    return "\n".join([head, *rows])


def render_stats(stats: list[KindStats]) -> str:
    lines = [f"  {'Kind':<20} {'Shown':>6} {'Accepted':>9} {'Dismissed':>10} {'Open':>5} "
             f"{'Acceptance':>11} {'95% interval':<13}"]  # fmt: skip
    for k in stats:
        rate = f"{k.acceptance:.0%}" if k.acceptance is not None else "-"
        iv = f"[{k.low:.0%}-{k.high:.0%}]" if k.low is not None and k.high is not None else "-"
        lines.append(f"  {k.kind:<20} {k.shown:>6} {k.accepted:>9} {k.dismissed:>10} {k.open:>5} "
                     f"{rate:>11} {iv:<13}")  # fmt: skip
    if not stats:
        lines.append("  no suggestion yet")
    return "Suggestions answered, per kind\n" + "\n".join(lines)


@app.callback()
def list_command(ctx: typer.Context, days: DaysOption = 90, as_json: JsonOption = False) -> None:
    """List the open suggestions (refreshed from the patterns of the last --days days)."""
    if ctx.invoked_subcommand is not None:
        return
    from br_core.git import project_root
    from br_core.learning.suggestions import suggest
    from br_core.store.db import open_db

    conn = open_db()
    try:
        patterns, open_ones = suggest(conn, project_root(), days)
    finally:
        conn.close()
    if as_json:
        print(json.dumps({"suggestions": [s.model_dump() for s in open_ones],
                          "waiting": [p.model_dump() for p in patterns if not p.ready]},
                         indent=2, default=str))  # fmt: skip
        return
    for s in open_ones:
        print(render_suggestion(s) + "\n")
    if not open_ones:
        print("No open suggestion.")
    waiting = [p for p in patterns if not p.ready]
    for p in waiting:
        print(f"  not yet: {p.title.lower()}: {p.note}")
    print("Accept with `br suggest accept ID [--apply]`, dismiss with `br suggest dismiss ID`.")


@app.command("accept")
def accept_command(
    suggestion: Annotated[str, typer.Argument(help="The suggestion id (sg-...).")],
    apply: Annotated[
        bool, typer.Option("--apply", help="Also make the change (otherwise only print it).")
    ] = False,
) -> None:
    """Accept a suggestion. Nothing changes in the repository without --apply."""
    from br_core.git import project_id, project_root
    from br_core.learning.suggestions import apply_suggestion, decide
    from br_core.store.db import open_db

    root = project_root()
    conn = open_db()
    try:
        got = decide(conn, project_id(root), suggestion, "accepted")
    finally:
        conn.close()
    print(f"{got.id}: accepted: {got.action}")
    if not apply:
        print(f"  nothing changed yet; to apply it: {got.command}")
        print(f"  or: br suggest accept {got.id} --apply")
        return
    done = apply_suggestion(root, got)
    print(f"  applied to {done.file}: {done.change.splitlines()[0]}")
    for notice in done.notices:
        print(f"  note: {notice}")


@app.command("dismiss")
def dismiss_command(
    suggestion: Annotated[str, typer.Argument(help="The suggestion id (sg-...).")],
    reason: Annotated[
        str, typer.Option("--reason", max=500, help="Why (kept with the answer).")
    ] = "",
) -> None:
    """Dismiss a suggestion: its kind is not suggested again for that scope."""
    from br_core.git import project_id, project_root
    from br_core.learning.suggestions import decide
    from br_core.store.db import open_db

    conn = open_db()
    try:
        got = decide(conn, project_id(project_root()), suggestion, "dismissed", reason[:500])
    finally:
        conn.close()
    print(f"{got.id}: dismissed; {got.kind} is not suggested again for {got.scope}")


@app.command("stats")
def stats_command(as_json: JsonOption = False) -> None:
    """Acceptance rate per kind of suggestion, with a 95% interval."""
    from br_core.git import project_id, project_root
    from br_core.learning.suggestions import acceptance_stats
    from br_core.store.db import open_db

    conn = open_db()
    try:
        stats = acceptance_stats(conn, project_id(project_root()))
    finally:
        conn.close()
    if as_json:
        print(json.dumps([k.__dict__ for k in stats], indent=2))
        return
    print(render_stats(stats))


@app.command("patterns")
def patterns_command(days: DaysOption = 90, as_json: JsonOption = False) -> None:
    """The patterns behind the suggestions; each says how many more samples it needs."""
    from br_core.git import project_root
    from br_core.learning.patterns import all_patterns
    from br_core.store.db import open_db

    conn = open_db()
    try:
        patterns = all_patterns(conn, project_root(), days)
    finally:
        conn.close()
    if as_json:
        print(json.dumps([p.model_dump() for p in patterns], indent=2, default=str))
        return
    print("\n\n".join(render_pattern(p) for p in patterns))

"""The dashboard's HTML: a snapshot becomes named fragments, each replaced in place on an update.

Everything is rendered on the server, charts included (SVG); the page's only script swaps
fragments and keeps relative times ("12 s ago") current from `data-ago` / `data-until`, so a
fragment's HTML changes only when the data behind it does. Every text is escaped here and was
masked by the snapshot (br_core.dashboard).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from html import escape

from br_core.dashboard import Column, CostSeries, Graph, Snapshot
from br_core.orchestration.model import StreamStatus

FRAGMENTS = ("summary", "streams", "board", "graph", "cost", "merge", "learning", "decisions")
# Stream colours keep clear of the status colours (green, amber, red).
PALETTE = ("#2563eb", "#7c3aed", "#0d9488", "#db2777", "#0891b2", "#4f46e5", "#a16207", "#64748b")
TIER_COLOURS = {"haiku": "#10b981", "sonnet": "#3b82f6", "opus": "#8b5cf6"}
# Stream status -> (colour class, what a person should read from it)
STREAM_LOOK = {
    "working": ("ok", "working"),
    "idle": ("idle", "idle"),
    "planned": ("idle", "planned"),
    "stale": ("warn", "stale: no heartbeat"),
    "finished": ("done", "finished"),
    "merged": ("merged", "merged"),
    "conflict": ("bad", "merge conflict"),
    "failed": ("bad", "checks failed"),
}
STATUS_CLASS = {
    "claimed": "ok",
    "ready": "ready",
    "pending": "idle",
    "done": "done",
    "blocked": "warn",
    "failed": "bad",
    "dead": "bad",
    "merged": "merged",
    "conflict": "bad",
    "waiting": "idle",
    "checking": "ready",
}


def _e(text: object) -> str:
    return escape(str(text), quote=True)


def _clock(ts: float | None) -> str:
    return "" if ts is None else datetime.fromtimestamp(ts).strftime("%H:%M:%S")


def _ago(ts: float | None) -> str:
    if ts is None:
        return '<span class="muted">never</span>'
    return f'<span data-ago="{ts:.0f}">{_clock(ts)}</span>'


def _until(ts: float) -> str:
    return f'<span data-until="{ts:.0f}">until {_clock(ts)}</span>'


def stream_colours(names: Iterable[str]) -> dict[str, str]:
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(sorted(set(names)))}


def fragments(snap: Snapshot) -> dict[str, str]:
    """Each panel's inner HTML, by element id."""
    colours = stream_colours([s.stream for s in snap.streams] + list(snap.cost.by_stream))
    titles = {c.id: c.title for col in snap.board for c in col.cards}
    return {
        "summary": summary(snap),
        "streams": stream_cards(snap, colours, titles),
        "board": board(snap.board, colours),
        "graph": graph_svg(snap.graph, colours),
        "cost": cost_panel(snap, colours),
        "merge": merge_panel(snap),
        "learning": learning_panel(snap),
        "decisions": decisions_panel(snap),
    }


def problem(message: str) -> str:
    """One line above the summary when the store could not be read (the panels are older)."""
    return f'<p class="problem" role="alert">Not updating: {_e(message)}</p>'


def summary(snap: Snapshot) -> str:
    counts: dict[str, int] = {}
    for s in snap.streams:
        counts[s.status] = counts.get(s.status, 0) + 1
    done = next((c.count for c in snap.board if c.status == "done"), 0)
    total = snap.task_total
    pct = 100 * done / total if total else 0
    parts = [f"<b>{len(snap.streams)}</b> streams"] + [
        f'<span class="pill {STREAM_LOOK.get(k, ("idle", k))[0]}">{n} {_e(k)}</span>'
        for k, n in sorted(counts.items())
    ]
    burn = snap.burn
    money = (
        f"block ${burn.cost_usd:,.2f}"
        + (f" · ${burn.cost_per_hour:,.2f}/h" if burn.cost_per_hour is not None else "")
        if burn.active
        else "no active 5-hour block"
    )
    return (
        f'<div class="headline">{" ".join(parts)}</div>'
        f'<div class="progress" title="{done} of {total} tasks done">'
        f'<div class="bar" style="width:{pct:.1f}%"></div></div>'
        f'<div class="headline"><b>{done}</b>/{total} tasks done · {_e(money)}'
        f' · updated <span data-ago="{snap.generated_at:.0f}">{_clock(snap.generated_at)}</span>'
        "</div>"
    )


def stream_cards(snap: Snapshot, colours: dict[str, str], titles: dict[str, str]) -> str:
    if not snap.streams:
        return (
            '<p class="muted">No streams yet: <code>br orchestrate plan</code>, then '
            "<code>br orchestrate start</code>.</p>"
        )
    merges = {m.stream: m for m in snap.merges}
    return "".join(
        _card(s, colours.get(s.stream, PALETTE[0]), titles, merges.get(s.stream), snap.generated_at)
        for s in snap.streams
    )


def _card(s: StreamStatus, colour: str, titles: dict[str, str], merge: object, now: float) -> str:
    look, label = STREAM_LOOK.get(s.status, ("idle", s.status))
    done = s.tasks_by_status.get("done", 0)
    pct = 100 * done / s.tasks_total if s.tasks_total else 0
    task = s.current_task
    doing = (
        f'<div class="task"><code>{_e(task)}</code> {_e(titles.get(task, ""))}</div>'
        if task
        else '<div class="task muted">no task held</div>'
    )
    merge_state = getattr(merge, "state", None)
    merge_line = (
        f'<span class="pill {STATUS_CLASS.get(merge_state, "idle")}">'
        f"merge: {_e(merge_state)}</span>"
        if merge_state
        else ""
    )
    return (
        f'<article class="stream {look}" data-stream="{_e(s.stream)}" data-status="{_e(s.status)}"'
        f' style="--stream:{colour}">'
        f'<header><span class="dot"></span><h3>{_e(s.stream)}</h3>'
        f'<span class="badge {look}">{_e(label)}</span></header>'
        f"{doing}"
        f"<dl><dt>owner</dt><dd>{_e(s.owner or '-')}</dd>"
        f"<dt>lease</dt><dd>{_lease(s, now)}</dd>"
        f"<dt>heartbeat</dt><dd>{_ago(s.last_heartbeat)}</dd>"
        f"<dt>branch</dt><dd><code>{_e(s.branch)}</code></dd></dl>"
        f'<div class="progress small"><div class="bar" style="width:{pct:.1f}%"></div></div>'
        f'<div class="foot">{done}/{s.tasks_total} done {merge_line}</div>'
        "</article>"
    )


def _lease(s: StreamStatus, now: float) -> str:
    if s.lease_left is None:
        return '<span class="muted">-</span>'
    if s.lease_left < 0:
        return '<span class="warn-text">ran out</span>'
    # An absolute expiry (rounded) keeps the HTML unchanged between updates; the script counts.
    return _until(round(now + s.lease_left, -1))


def board(columns: Sequence[Column], colours: dict[str, str]) -> str:
    out = []
    for col in columns:
        cards = "".join(
            f'<li class="card" data-task="{_e(c.id)}" style="--stream:'
            f'{colours.get(c.stream, "#94a3b8")}"><span class="what"><code>{_e(c.id)}</code> '
            f"{_e(c.title)}</span>"
            + (f'<span class="owner">{_e(c.owner)}</span>' if c.owner else "")
            + "</li>"
            for c in col.cards
        )
        more = col.count - len(col.cards)
        tail = f'<li class="more">+{more} more</li>' if more > 0 else ""
        out.append(
            f'<section class="column {STATUS_CLASS.get(col.status, "idle")}" '
            f'data-column="{_e(col.status)}"><h4>{_e(col.status)} '
            f'<span class="count">{col.count}</span></h4><ul>{cards}{tail}</ul></section>'
        )
    return "".join(out) or '<p class="muted">The queue is empty.</p>'


def graph_svg(g: Graph, colours: dict[str, str]) -> str:
    """A layered drawing: one column per dependency depth, edges from a task to what it needs."""
    if not g.nodes:
        return '<p class="muted">No tasks to draw.</p>'
    layers: dict[int, list[tuple[str, str, str, int]]] = {}
    for node in g.nodes:
        layers.setdefault(node[3], []).append(node)
    order = sorted(layers)
    col_w, row_h, box_w, box_h = 150, 26, 124, 18
    pos: dict[str, tuple[float, float]] = {}
    for x, depth in enumerate(order):
        for y, node in enumerate(sorted(layers[depth], key=lambda n: (n[2], n[0]))):
            pos[node[0]] = (10 + x * col_w, 10 + y * row_h)
    width = 20 + len(order) * col_w
    height = 20 + max(len(v) for v in layers.values()) * row_h
    lines = [
        f'<line x1="{pos[a][0]:.0f}" y1="{pos[a][1] + box_h / 2:.0f}" '
        f'x2="{pos[b][0] + box_w:.0f}" y2="{pos[b][1] + box_h / 2:.0f}"/>'
        for a, b in g.edges
    ]
    boxes = []
    for task_id, status, stream, _ in g.nodes:
        left, top = pos[task_id]
        label = task_id if len(task_id) <= 18 else task_id[:17] + "…"
        boxes.append(
            f'<g class="node {STATUS_CLASS.get(status, "idle")}" data-task="{_e(task_id)}">'
            f"<title>{_e(task_id)} ({_e(status)}, stream {_e(stream or '-')})</title>"
            f'<rect x="{left}" y="{top}" width="{box_w}" height="{box_h}" rx="4" '
            f'style="stroke:{colours.get(stream, "#94a3b8")}"/>'
            f'<text x="{left + 6}" y="{top + 13}">{_e(label)}</text></g>'
        )
    note = (
        f'<p class="muted">{len(g.nodes)} of {g.total} tasks: the unfinished ones nearest the '
        "work in flight.</p>"
        if len(g.nodes) < g.total
        else ""
    )
    return (
        f'<svg class="graph" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        f'role="img" aria-label="dependency graph">'
        f'<g class="edges">{"".join(lines)}</g>{"".join(boxes)}</svg>{note}'
    )


def cost_panel(snap: Snapshot, colours: dict[str, str]) -> str:
    c = snap.cost
    burn = snap.burn
    if burn.active:
        block = (
            f'<div class="burn"><b>${burn.cost_usd:,.2f}</b> in the current 5-hour block'
            + (f" · <b>${burn.cost_per_hour:,.2f}/h</b>" if burn.cost_per_hour is not None else "")
            + (
                f" · projected ${burn.projected_cost_usd:,.2f} with "
                f"{burn.remaining_minutes} min left"
                if burn.projected_cost_usd is not None
                else ""
            )
            + "</div>"
        )
    else:
        block = '<div class="burn muted">No active 5-hour block.</div>'
    tiers = {t: TIER_COLOURS.get(t, "#94a3b8") for t in c.by_tier}
    return (
        block
        + _bars("per stream", c, c.by_stream, colours)
        + _bars("per tier", c, c.by_tier, tiers)
    )


def _bars(
    title: str, c: CostSeries, series: dict[str, tuple[float, ...]], colours: dict[str, str]
) -> str:
    totals = c.total(series)
    legend = "".join(
        f'<span class="key"><i style="background:{colours.get(k, "#94a3b8")}"></i>'
        f"{_e(k)} ${v:,.2f}</span>"
        for k, v in totals.items()
    )
    if not series:
        return f'<h4>Cost {title}</h4><p class="muted">No usage in the last day.</p>'
    n = len(next(iter(series.values())))
    stacks = [sum(v[i] for v in series.values()) for i in range(n)]
    top = max(stacks) or 1.0
    w, h, bw = 480, 120.0, 480 / n
    rects = []
    for i in range(n):
        y = float(h)
        for key, values in series.items():
            bar = values[i] / top * (h - 10)
            if bar <= 0:
                continue
            y -= bar
            rects.append(
                f'<rect x="{i * bw + 1:.1f}" y="{y:.1f}" width="{bw - 2:.1f}" height="{bar:.1f}" '
                f'fill="{colours.get(key, "#94a3b8")}"><title>{_e(key)} ${values[i]:,.4f}'
                f"</title></rect>"
            )
    axis = (
        f'<text x="0" y="{h + 14}">{_clock(c.start)}</text>'
        f'<text x="{w}" y="{h + 14}" text-anchor="end">{_clock(c.end)}</text>'
        f'<text x="0" y="10">${top:,.2f}</text>'
    )
    return (
        f'<h4>Cost {title} <span class="muted">({c.bucket_seconds // 60} min bars)</span></h4>'
        f'<svg class="bars" viewBox="0 0 {w} {h + 18}" role="img" aria-label="cost {title}">'
        f'{"".join(rects)}{axis}</svg><div class="legend">{legend}</div>'
    )


def merge_panel(snap: Snapshot) -> str:
    if not snap.merges:
        return '<p class="muted">Nothing in the merge queue yet: <code>br merge</code>.</p>'
    rows = []
    for m in snap.merges:
        detail = ", ".join(m.files[:5]) + (f" (+{len(m.files) - 5})" if len(m.files) > 5 else "")
        if m.other_stream:
            detail += f" · with stream {m.other_stream}"
        if m.merged_commit:
            detail = f"{m.merged_commit[:10]} {detail}"
        rows.append(
            f'<tr data-merge="{_e(m.stream)}"><td>{_e(m.stream)}</td><td>→ {_e(m.target)}</td>'
            f'<td><span class="pill {STATUS_CLASS.get(m.state, "idle")}">{_e(m.state)}</span>'
            f"</td><td>{_e(detail)}</td><td>{_ago(m.at)}</td></tr>"
        )
    return f'<table class="merge">{"".join(rows)}</table>'


def learning_panel(snap: Snapshot) -> str:
    if not snap.phases:
        return '<p class="muted">Telemetry is not readable for this project.</p>'
    rows = "".join(
        f'<li class="{"done" if p.reached else "idle"}"><span>{_e(p.name.replace("_", " "))}'
        f"</span>"
        f'<span class="progress small"><span class="bar" style="width:{p.progress * 100:.0f}%">'
        f"</span></span><span>{'reached' if p.reached else f'{p.progress:.0%}'}"
        f"{' · alert ' + _e(p.alert) if p.alert else ''}</span></li>"
        for p in snap.phases
    )
    return f'<ul class="phases">{rows}</ul><p class="muted">{_e(snap.capability)}</p>'


def decisions_panel(snap: Snapshot) -> str:
    if not snap.decisions:
        return '<p class="muted">No shared decisions yet: <code>br decide "TEXT"</code>.</p>'
    return (
        '<ul class="decisions">'
        + "".join(
            f"<li>{_ago(d.at)} <b>{_e(d.who)}</b>"
            f"{' (' + _e(d.stream) + ')' if d.stream else ''}: {_e(d.text)}</li>"
            for d in reversed(snap.decisions)
        )
        + "</ul>"
    )


def page(parts: dict[str, str], token: str, project: str) -> str:
    """The whole page with its first render inline (no second round trip before it shows)."""
    q = f"?token={_e(token)}"

    def panel(name: str, title: str, extra: str = "") -> str:
        return (
            f'<section class="panel {extra}"><h2>{title}</h2>'
            f'<div id="{name}">{parts[name]}</div></section>'
        )

    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>br dashboard · {_e(project)}</title>"
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<link rel="stylesheet" href="/static/dashboard.css{q}"></head><body>'
        f'<header class="top"><h1>BuildRunner · parallel build</h1>'
        f'<span class="muted">{_e(project)}</span><span id="live" class="live">connecting…</span>'
        f'</header><div id="summary" class="summary">{parts["summary"]}</div>'
        f'<div id="streams" class="streams">{parts["streams"]}</div>'
        f'<section class="panel"><h2>Tasks</h2><div id="board" class="board">{parts["board"]}'
        "</div></section>"
        '<div class="grid">'
        + panel("cost", "Cost and burn rate")
        + '<div class="stack">'
        + panel("merge", "Merge queue")
        + panel("learning", f'Learning phases and alerts · <a href="/digest{q}">weekly digest</a>')
        + panel("decisions", "Shared decisions")
        + "</div></div>"
        + panel("graph", "Dependency graph", "wide")
        + f'<script src="/static/dashboard.js{q}" data-events="/events{q}"></script>'
        "</body></html>"
    )

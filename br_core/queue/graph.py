"""The dependency DAG of a project's tasks: cycle checks, depth, and the derived ready state.

The claim path never walks the graph: each task row keeps `unmet` (dependencies not yet done) and
`depth` (longest dependency chain below it), maintained here after bulk changes and incrementally
on completion, so the next ready task is one indexed lookup.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from br_core.queue.models import QueueError
from br_core.store.connection import Connection

Deps = dict[str, set[str]]
TERMINAL_BAD = ("failed", "dead")


def load_deps(conn: Connection, project_id: str) -> Deps:
    deps: Deps = {}
    rows = conn.execute(
        "SELECT task_id, depends_on FROM task_deps WHERE project_id = ?", (project_id,)
    )
    for task_id, depends_on in rows:
        deps.setdefault(task_id, set()).add(depends_on)
    return deps


def find_path(deps: Mapping[str, Iterable[str]], start: str, goal: str) -> list[str] | None:
    """A dependency path start -> ... -> goal, or None. Iterative: deep chains must not recurse."""
    stack: list[tuple[str, list[str]]] = [(start, [start])]
    seen: set[str] = set()
    while stack:
        node, path = stack.pop()
        if node == goal:
            return path
        if node in seen:
            continue
        seen.add(node)
        for nxt in sorted(deps.get(node, ()), reverse=True):
            if nxt not in seen:
                stack.append((nxt, [*path, nxt]))
    return None


def check_edge(deps: Deps, task_id: str, depends_on: str) -> None:
    """Reject `task_id -> depends_on` when it would close a cycle, naming the cycle."""
    if task_id == depends_on:
        raise QueueError(f"task {task_id}: cannot depend on itself; remove that dependency")
    back = find_path(deps, depends_on, task_id)
    if back is not None:
        cycle = " -> ".join([task_id, *back])
        raise QueueError(
            f"task {task_id}: depending on {depends_on} would close the cycle {cycle}; "
            "drop one of these dependencies"
        )


def is_acyclic(deps: Mapping[str, Iterable[str]]) -> bool:
    """Kahn's algorithm: linear in tasks plus edges, however deep the chains."""
    dependents: dict[str, list[str]] = {}
    unmet: dict[str, int] = {}
    for task, below in deps.items():
        for dep in below:
            dependents.setdefault(dep, []).append(task)
            unmet.setdefault(dep, 0)
        unmet[task] = unmet.get(task, 0) + len(set(below))
    free = [task for task, n in unmet.items() if n == 0]
    done = 0
    while free:
        done += 1
        for up in dependents.get(free.pop(), ()):
            unmet[up] -= 1
            if unmet[up] == 0:
                free.append(up)
    return done == len(unmet)


def check_acyclic(deps: Deps, added: list[tuple[str, str]]) -> None:
    """Reject a batch of `added` edges (already in `deps`) that closes a cycle, naming it.

    Only on a cycle are the edges replayed one by one, to name the one that closes it as
    `check_edge` does for a single edge."""
    if is_acyclic(deps):
        return
    base = {task: set(below) for task, below in deps.items()}
    for task, dep in added:
        base[task].discard(dep)
    for task, dep in added:
        check_edge(base, task, dep)
        base[task].add(dep)
    raise AssertionError("a cycle without a closing edge")  # pragma: no cover - see is_acyclic


def depths(deps: Mapping[str, Iterable[str]], ids: Iterable[str]) -> dict[str, int]:
    """Longest dependency chain under each task (0 for tasks without dependencies)."""
    result: dict[str, int] = {}
    for root in ids:
        if root in result:
            continue
        stack: list[tuple[str, bool]] = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if node in result:
                continue
            children = [d for d in deps.get(node, ()) if d not in result]
            if expanded or not children:
                below = [result.get(d, 0) + 1 for d in deps.get(node, ())]
                result[node] = max(below, default=0)
            else:
                stack.append((node, True))
                stack.extend((child, False) for child in children)
    return result


def _blocked(deps: Deps, status: Mapping[str, str]) -> set[str]:
    """Tasks that can never run because something below them failed or died."""
    dependents: Deps = {}
    for task, below in deps.items():
        for dep in below:
            dependents.setdefault(dep, set()).add(task)
    frontier = [t for t, s in status.items() if s in TERMINAL_BAD]
    blocked: set[str] = set()
    while frontier:
        for up in dependents.get(frontier.pop(), ()):
            if up not in blocked:
                blocked.add(up)
                frontier.append(up)
    return blocked


def derived_status(current: str, unmet: int, blocked: bool) -> str:
    """The waiting state of a task that nobody holds."""
    if current not in ("pending", "ready", "blocked"):
        return current
    if blocked:
        return "blocked"
    return "pending" if unmet else "ready"


def refresh(conn: Connection, project_id: str) -> list[tuple[str, str, str]]:
    """Recompute depth, unmet and waiting states for a project; return (id, old, new) changes.

    Runs inside the caller's write transaction after tasks or edges were added or removed.
    """
    deps = load_deps(conn, project_id)
    rows = conn.execute(
        "SELECT id, status, depth, unmet FROM tasks WHERE project_id = ?", (project_id,)
    ).fetchall()
    status = {r[0]: r[1] for r in rows}
    depth = depths(deps, status)
    blocked = _blocked(deps, status) if any(s in TERMINAL_BAD for s in status.values()) else set()
    changes: list[tuple[str, str, str]] = []
    for task_id, old_status, old_depth, old_unmet in rows:
        unmet = sum(1 for d in deps.get(task_id, ()) if status.get(d) != "done")
        new_status = derived_status(old_status, unmet, task_id in blocked)
        new_depth = depth.get(task_id, 0)
        if (new_status, new_depth, unmet) != (old_status, old_depth, old_unmet):
            conn.execute(
                "UPDATE tasks SET status = ?, depth = ?, unmet = ? WHERE project_id = ? AND id = ?",
                (new_status, new_depth, unmet, project_id, task_id),
            )
            if new_status != old_status:
                changes.append((task_id, old_status, new_status))
    return changes

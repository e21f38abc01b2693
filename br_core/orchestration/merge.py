"""`br merge`: the merge queue. The target branch only ever moves to a merge that passed checks.

For each finished stream, in dependency order (a stream whose tasks depend on another stream's
tasks merges after it):

1. predict the merge without touching any worktree or index: `git merge-tree --write-tree`
   computes the merged tree, or the conflicting files, inside the object store;
2. on a conflict: stop that stream, name the files and the stream whose merged work it collides
   with, and queue a "resolve" task on the stream (priority 0) for its worker to take;
3. else commit the merged tree (`git commit-tree`, parents: target, stream), check it out in a
   temporary detached worktree and run the checks there: our hooks on the files the merge changes,
   then `[orchestrate] test_command` from the merged tree's `.buildrunner/config.toml` when the
   user trusts that file (br_core/trust.py);
4. on green, move the target with `git update-ref NEW OLD`, which refuses if the target moved
   meanwhile; a worktree that has the target checked out (and was clean) is brought along with
   `git read-tree -m -u OLD NEW`. On red: stop the stream and queue a resolve task.

A failure never changes the user's worktree or index: everything before step 4 lives in the
object store and the temporary worktree, which is removed whatever happens.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from typing import Any

from br_core.git import run_git
from br_core.orchestration import model, records
from br_core.orchestration.checks import (
    DEFAULT_CHECK_TIMEOUT,
    Check,
    CheckRun,
    configured_checks,
    run_check,
)
from br_core.orchestration.merge_git import merge_tree, other_stream, rev
from br_core.orchestration.plan import build_plan
from br_core.orchestration.records import OrchestrationError
from br_core.orchestration.start import main_checkout, refuse_dirty, worktrees_by_branch
from br_core.orchestration.worker import open_tasks, write_status_file
from br_core.queue.models import NewTask
from br_core.queue.task_queue import TaskQueue
from br_core.store.connection import Connection


@dataclass(frozen=True)
class StreamMerge:
    """What the merge queue did with one stream."""

    stream: str
    state: str  # merged, conflict, failed, skipped, up-to-date
    reason: str = ""
    files: tuple[str, ...] = ()
    other_stream: str | None = None
    merged_commit: str | None = None
    resolve_task: str | None = None
    checks: tuple[CheckRun, ...] = ()
    seconds: float = 0.0
    notices: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict[str, Any]:
        from dataclasses import asdict

        return asdict(self)


def merge_order(conn: Connection, project_id: str, names: Sequence[str]) -> list[str]:
    """`names` with every stream after the streams its tasks depend on (else by name)."""
    deps = {s.stream: set(s.depends_on) for s in build_plan(conn, project_id).streams}
    graph = {n: {d for d in deps.get(n, set()) if d in names} for n in sorted(names)}
    try:
        sorter = TopologicalSorter(graph)
        sorter.prepare()
    except CycleError as exc:
        cycle = " -> ".join(exc.args[1])
        raise OrchestrationError(
            f"streams depend on each other in a cycle ({cycle}); merge them one at a time "
            "with --streams"
        ) from exc
    order: list[str] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        order.extend(ready)
        sorter.done(*ready)
    return order


@dataclass
class MergeRun:
    """One `br merge` over a connection: the queue, the target and the checks."""

    conn: Connection
    project_id: str
    root: Path
    target: str = "main"
    checks: Sequence[Check] = ()
    check_timeout: float = DEFAULT_CHECK_TIMEOUT
    on_progress: Callable[[str], None] | None = None

    def __post_init__(self) -> None:
        self.main, _ = main_checkout(self.root)

    def _say(self, line: str) -> None:
        if self.on_progress is not None:
            self.on_progress(line)

    def candidates(self, streams: Sequence[str] | None) -> tuple[list[str], list[StreamMerge]]:
        """The streams to merge, and the ones skipped because work on them is still open."""
        known = [s.stream for s in model.streams(self.conn, self.project_id)]
        if streams is None:  # every stream that was started (has a branch)
            names = [n for n in known if rev(self.main, f"refs/heads/stream/{n}")]
        else:
            names = list(streams)
        chosen, skipped = [], []
        for name in names:
            records.check_stream_name(name)
            if not rev(self.main, f"refs/heads/stream/{name}"):
                raise OrchestrationError(
                    f"stream {name}: no branch stream/{name}; run `br orchestrate start` or "
                    "check the name with `br orchestrate status`"
                )
            left = open_tasks(self.conn, self.project_id, name)
            if left:
                skipped.append(StreamMerge(name, "skipped", f"{left} tasks still open"))
            else:
                chosen.append(name)
        return chosen, skipped

    def run(self, streams: Sequence[str] | None = None) -> list[StreamMerge]:
        if not rev(self.main, f"refs/heads/{self.target}"):
            raise OrchestrationError(
                f"--into {self.target}: no such branch in {self.main}; name an existing branch"
            )
        holder = worktrees_by_branch(self.main).get(f"refs/heads/{self.target}")
        if holder is not None:
            refuse_dirty(holder, "run `br merge`")
        chosen, results = self.candidates(streams)
        order = merge_order(self.conn, self.project_id, chosen)
        deps = {s.stream: set(s.depends_on) for s in build_plan(self.conn, self.project_id).streams}
        stopped: set[str] = set()
        for name in order:
            waits = sorted(deps.get(name, set()) & stopped)
            if waits:
                results.append(StreamMerge(name, "skipped", f"waits for stream {', '.join(waits)}"))
                stopped.add(name)
                continue
            result = self.merge_one(name, holder)
            results.append(result)
            if result.state in ("conflict", "failed"):
                stopped.add(name)
        return results

    def merge_one(self, name: str, holder: Path | None) -> StreamMerge:
        started = time.monotonic()
        branch = f"refs/heads/stream/{name}"
        old, head = rev(self.main, f"refs/heads/{self.target}"), rev(self.main, branch)
        if (
            subprocess.run(
                ["git", "merge-base", "--is-ancestor", head, old], cwd=self.main, check=False
            ).returncode
            == 0
        ):
            return StreamMerge(name, "up-to-date", f"{self.target} already has stream/{name}")
        entry = records.add_merge_entry(self.conn, self.project_id, name, self.target, "checking")
        self._say(f"{name}: predicting the merge into {self.target}")
        tree, conflicts = merge_tree(self.main, old, head)
        if conflicts:
            return self._conflict(name, entry, old, head, conflicts, started)
        message = f"Merge stream/{name} into {self.target} (br merge)"
        commit = run_git(
            ["commit-tree", tree, "-p", old, "-p", head, "-m", message], cwd=self.main
        ).strip()
        changed = [
            p
            for p in run_git(["diff", "--name-only", "-z", old, commit], cwd=self.main).split("\0")
            if p
        ]
        runs, notices = self._check(name, commit, changed)
        red = next((r for r in runs if r.exit_code != 0), None)
        if red is not None:
            return self._failed(name, entry, changed, runs, red, notices, started)
        moved = subprocess.run(
            ["git", "update-ref", "-m", message, f"refs/heads/{self.target}", commit, old],
            cwd=self.main,
            capture_output=True,
            check=False,
        )
        if moved.returncode != 0:
            why = f"{self.target} moved while the checks ran; run `br merge` again"
            records.update_merge_entry(self.conn, entry, "failed", output_tail=why)
            return StreamMerge(name, "failed", why, tuple(changed), checks=tuple(runs))
        if holder is not None:
            refused = self._bring_along(holder, old, commit)
            if refused:
                records.update_merge_entry(self.conn, entry, "failed", output_tail=refused)
                return StreamMerge(name, "failed", refused, tuple(changed), checks=tuple(runs))
        records.update_merge_entry(
            self.conn, entry, "merged", files=changed, merged_commit=commit, output_tail=""
        )
        self._verdict(name, "merged")
        self._say(f"{name}: merged into {self.target} as {commit[:12]}")
        return StreamMerge(
            name,
            "merged",
            files=tuple(changed),
            merged_commit=commit,
            checks=tuple(runs),
            seconds=time.monotonic() - started,
            notices=tuple(notices),
        )

    def _bring_along(self, holder: Path, old: str, new: str) -> str:
        """Move the checkout of the target from `old` to `new`; "" when done. When git refuses
        (an untracked file the merge would overwrite), the target goes back to `old`, so the
        checkout and its branch never disagree; the reason is returned."""
        proc = subprocess.run(
            ["git", "read-tree", "-m", "-u", old, new], cwd=holder, capture_output=True, check=False
        )
        if proc.returncode == 0:
            return ""
        subprocess.run(
            ["git", "update-ref", f"refs/heads/{self.target}", old, new],
            cwd=self.main,
            capture_output=True,
            check=False,
        )
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        first = detail[0] if detail else f"exit {proc.returncode}"
        return (
            f"{holder}: git refused to update the checkout of {self.target} ({first}); "
            f"{self.target} was left where it was; move those files away and run `br merge` again"
        )

    def _verdict(self, name: str, state: str) -> None:
        """The stream's state after the merge queue, in the store and its status file."""
        records.set_stream_state(self.conn, self.project_id, name, state)
        write_status_file(self.conn, self.project_id, self.main, name)

    def _check(
        self, name: str, commit: str, changed: list[str]
    ) -> tuple[list[CheckRun], list[str]]:
        """Run the checks in a temporary detached worktree of the merge commit, then remove it."""
        tmp = Path(tempfile.mkdtemp(prefix=f"br-merge-{name}-"))
        try:
            run_git(["worktree", "add", "--detach", "--quiet", str(tmp), commit], cwd=self.main)
            extra, notices = configured_checks(tmp)
            present = [p for p in changed if (tmp / p).is_file()]
            runs = []
            for check in [*self.checks, *extra]:
                if check.files and not present:
                    continue
                self._say(f"{name}: running {check.name}")
                result = run_check(check, tmp, present, self.check_timeout)
                runs.append(result)
                if result.exit_code != 0:
                    break
            return runs, notices
        finally:
            subprocess.run(
                ["git", "worktree", "remove", "--force", str(tmp)],
                cwd=self.main,
                capture_output=True,
                check=False,
            )
            shutil.rmtree(tmp, ignore_errors=True)
            subprocess.run(["git", "worktree", "prune"], cwd=self.main, check=False)

    def _conflict(
        self, name: str, entry: int, old: str, head: str, files: list[str], started: float
    ) -> StreamMerge:
        base = run_git(["merge-base", old, head], cwd=self.main).strip()
        others = [s.stream for s in model.streams(self.conn, self.project_id) if s.stream != name]
        other = other_stream(self.main, base, old, files, others)
        shown = ", ".join(files[:5]) + (f" and {len(files) - 5} more" if len(files) > 5 else "")
        against = f"stream {other}" if other else self.target
        why = f"conflicts with {against} in {shown}"
        records.update_merge_entry(
            self.conn, entry, "conflict", files=files, other_stream=other, output_tail=why
        )
        self._verdict(name, "conflict")
        task = self._resolve_task(
            name,
            entry,
            f"Resolve: merge of stream/{name} into {self.target} {why}",
            f"`br merge` found that stream/{name} {why}. Merge {self.target} into stream/{name} "
            "in this worktree, resolve the conflicts, run the tests, commit, then finish this "
            "task; `br merge` tries again.",
            files,
        )
        self._say(f"{name}: {why}; queued {task}")
        return StreamMerge(
            name,
            "conflict",
            why,
            tuple(files),
            other,
            resolve_task=task,
            seconds=time.monotonic() - started,
        )

    def _failed(
        self,
        name: str,
        entry: int,
        changed: list[str],
        runs: list[CheckRun],
        red: CheckRun,
        notices: list[str],
        started: float,
    ) -> StreamMerge:
        why = f"{red.name} failed (exit {red.exit_code}) on the merge with {self.target}"
        records.update_merge_entry(
            self.conn, entry, "failed", files=changed, output_tail=f"{why}\n{red.output_tail}"
        )
        self._verdict(name, "failed")
        task = self._resolve_task(
            name,
            entry,
            f"Resolve: {why}",
            f"`br merge` merged stream/{name} with {self.target} in a scratch worktree and "
            f"{red.name} failed there. Last lines:\n{red.output_tail}\nMerge {self.target} into "
            "this stream, fix it, commit, then finish this task.",
            changed,
        )
        self._say(f"{name}: {why}; queued {task}")
        return StreamMerge(
            name,
            "failed",
            why,
            tuple(changed),
            resolve_task=task,
            checks=tuple(runs),
            seconds=time.monotonic() - started,
            notices=tuple(notices),
        )

    def _resolve_task(
        self, name: str, entry: int, title: str, description: str, files: list[str]
    ) -> str:
        task_id = f"resolve/{name}-{entry}"
        queue = TaskQueue(self.conn, self.project_id, root=self.main)
        try:
            queue.add_tasks(
                [
                    NewTask(
                        id=task_id,
                        title=title[:200],
                        description=description[:4000],
                        feature="",
                        stream=name,
                        priority=0,
                        estimate_minutes=None,
                        files=files[:200],
                    )
                ],
                source="merge",
            )
        finally:
            queue.close()
        return task_id

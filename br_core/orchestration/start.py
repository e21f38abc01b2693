"""`br orchestrate start`: one git worktree and branch per stream, a brief and a command for each.

Idempotent: a branch, worktree or brief that is already there is kept and reported as kept, so
running it again after adding a stream only adds that stream. It refuses to start over a main
checkout with uncommitted changes to tracked files: the streams branch from its HEAD, and work
that is not committed would silently not be in any of them.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from br_core.git import GitError, repo_context, run_git
from br_core.orchestration import briefs, records
from br_core.orchestration.plan import Plan
from br_core.orchestration.records import OrchestrationError, check_stream_name
from br_core.store.connection import Connection


@dataclass(frozen=True)
class StartedStream:
    stream: str
    branch: str
    worktree: Path
    brief: Path
    batch: int
    command: str  # the one command that starts a Claude Code session on this stream
    created: tuple[str, ...]  # what this run made: "branch", "worktree", "brief"


def main_checkout(root: Path) -> tuple[Path, Path]:
    """(the main worktree, the common git dir) of the repository containing `root`."""
    ctx = repo_context(root)
    if ctx.root is None or ctx.common_dir is None:
        raise OrchestrationError(f"{root}: not inside a git repository; run `git init` first")
    main = ctx.common_dir.parent if ctx.common_dir.name == ".git" else ctx.root
    return main, ctx.common_dir


def dirty_files(worktree: Path) -> list[str]:
    """Tracked files with uncommitted changes (staged or not) in `worktree`."""
    out = run_git(["status", "--porcelain", "--untracked-files=no", "-z"], cwd=worktree)
    return [entry[3:] for entry in out.split("\0") if len(entry) > 3]


def refuse_dirty(worktree: Path, doing: str) -> None:
    dirty = dirty_files(worktree)
    if dirty:
        shown = ", ".join(dirty[:3]) + (f" and {len(dirty) - 3} more" if len(dirty) > 3 else "")
        raise OrchestrationError(
            f"{worktree}: uncommitted changes to {shown}; commit or stash them, then {doing} again"
        )


def worktrees_by_branch(root: Path) -> dict[str, Path]:
    """refs/heads/NAME -> the worktree that has it checked out."""
    found: dict[str, Path] = {}
    path: Path | None = None
    for line in run_git(["worktree", "list", "--porcelain"], cwd=root).splitlines():
        if line.startswith("worktree "):
            path = Path(line[len("worktree ") :])
        elif line.startswith("branch ") and path is not None:
            found[line[len("branch ") :]] = path
    return found


def default_worktree(main: Path, stream: str, worktree_dir: Path | None) -> Path:
    """`../REPO-STREAM` beside the main checkout, or `DIR/STREAM` under a configured folder."""
    if worktree_dir is not None:
        base = worktree_dir if worktree_dir.is_absolute() else main / worktree_dir
        return (base / stream).resolve()
    return main.parent / f"{main.name}-{stream}"


def session_command(worktree: Path, stream: str) -> str:
    """`cd WORKTREE && claude "/br-next STREAM"`: Claude Code opens with `/br-next` already sent
    (the command `br init` installs), and /br-next reads the stream's brief."""
    return f"cd {shlex.quote(str(worktree))} && claude {shlex.quote(f'/br-next {stream}')}"


def _branch_exists(root: Path, branch: str) -> bool:
    return bool(run_git(["branch", "--list", branch], cwd=root).strip())


def start_streams(
    conn: Connection,
    project_id: str,
    root: Path,
    plan: Plan,
    *,
    streams: list[str] | None = None,
    worktree_dir: Path | None = None,
    base: str = "HEAD",
) -> list[StartedStream]:
    """Start (or keep) the named streams, by default every stream of `plan`."""
    main, common_dir = main_checkout(root)
    names = streams if streams is not None else plan.stream_names()
    for name in names:
        check_stream_name(name)
    if not names:
        raise OrchestrationError(
            "no streams to start: no open task has a stream; give features a `Stream:` line "
            "(`br tasks parse SPEC`) or pass --streams a,b"
        )
    refuse_dirty(main, "run `br orchestrate start`")
    try:
        base_commit = run_git(["rev-parse", "--verify", f"{base}^{{commit}}"], cwd=main).strip()
    except GitError as exc:
        raise OrchestrationError(
            f"--base {base}: not a commit in {main}; commit something first or name a branch"
        ) from exc
    briefs.exclude_from_git(common_dir)
    checked_out = worktrees_by_branch(main)
    return [
        _start_one(conn, project_id, main, plan, name, worktree_dir, base_commit, checked_out)
        for name in names
    ]


def _start_one(
    conn: Connection,
    project_id: str,
    main: Path,
    plan: Plan,
    name: str,
    worktree_dir: Path | None,
    base_commit: str,
    checked_out: dict[str, Path],
) -> StartedStream:
    branch = f"stream/{name}"
    created: list[str] = []
    if not _branch_exists(main, branch):
        run_git(["branch", branch, base_commit], cwd=main)
        created.append("branch")
    worktree = checked_out.get(f"refs/heads/{branch}")
    if worktree is None:
        worktree = default_worktree(main, name, worktree_dir)
        if worktree.exists() and any(worktree.iterdir()):
            raise OrchestrationError(
                f"{worktree}: exists and is not the worktree of {branch}; move it away or set "
                "[orchestrate] worktree_dir in .buildrunner/config.toml"
            )
        run_git(["worktree", "add", "--quiet", str(worktree), branch], cwd=main)
        created.append("worktree")
    row = records.upsert_stream(conn, project_id, name, branch, str(worktree))
    path = briefs.brief_path(worktree, name)
    if row.batch == 0 or not path.exists():
        seen_before = row.decisions_seen
        last = _last_decision(conn, project_id)
        batch = records.next_batch(conn, project_id, name, last, plan.first_batch(name))
        row = records.StreamRow(name, branch, str(worktree), batch, row.decisions_seen)
        briefs.write_json(path, briefs.brief(conn, project_id, row, plan, seen_before))
        created.append("brief")
    return StartedStream(
        stream=name,
        branch=branch,
        worktree=worktree,
        brief=path,
        batch=row.batch,
        command=session_command(worktree, name),
        created=tuple(created),
    )


def _last_decision(conn: Connection, project_id: str) -> int:
    (last,) = conn.execute(
        "SELECT coalesce(max(id), 0) FROM decisions WHERE project_id = ?", (project_id,)
    ).fetchone()
    return int(last)

"""git helpers, and the one place that derives a directory's repository root and project id.

Every call runs git with a fixed argv; no shell.
"""

from __future__ import annotations

import hashlib
import os
import re
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import NamedTuple

from br_core.errors import UsageError


class GitError(UsageError):
    """git is missing, or the directory is not inside a repository."""


def run_git(args: list[str], cwd: Path | str | None = None, *, check: bool = True) -> str:
    """Run `git ARGS` and return stdout (text). Raises GitError with git's own message."""
    try:
        proc = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            check=False,
        )
    except FileNotFoundError as exc:  # pragma: no cover - git is a hard requirement on CI
        raise GitError("git: not found on PATH; install git") from exc
    if check and proc.returncode != 0:
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        first = detail[0] if detail else f"exit {proc.returncode}"
        raise GitError(f"git {args[0]}: {first}")
    return proc.stdout.decode("utf-8", "surrogateescape")


class RepoContext(NamedTuple):
    """Where a directory belongs: the project and, inside git, the repository's directories."""

    project_id: str
    root: Path | None
    git_dir: Path | None
    common_dir: Path | None
    id_source: str = "path"  # where the id came from: path, root commit or a configured name


def _project_id_for(common_dir: str) -> str:
    return hashlib.sha256(common_dir.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def directory_project_id(path: Path | str) -> str:
    """The project id of a directory outside git, or of one that no longer exists: no git call."""
    return _project_id_for(os.path.realpath(path))


@lru_cache(maxsize=64)
def _context(start: str, portable: bool = False) -> RepoContext:
    args = ["--path-format=absolute", "--show-toplevel", "--git-dir", "--git-common-dir"]
    try:
        proc = subprocess.run(
            ["git", "rev-parse", *args], cwd=start, capture_output=True, check=False
        )
    except OSError:
        proc = None
    lines = proc.stdout.decode("utf-8", "surrogateescape").splitlines() if proc else []
    if proc is None or proc.returncode != 0 or len(lines) != 3:
        return RepoContext(_project_id_for(start), None, None, None)
    top, git_dir, common = (Path(line) for line in lines)
    common = common.resolve()
    shared = _root_commit_id(start) if portable else None
    if shared is None:
        return RepoContext(_project_id_for(str(common)), top, git_dir, common)
    return RepoContext(shared, top, git_dir, common, "root commit")


def _root_commit_id(start: str) -> str | None:
    """The project id of every clone of a repository on any machine: from its first commit.

    Used when the store is shared (a team's PostgreSQL): a path-based id would make two clones
    two projects. None before the first commit (the path-based id stands in until then).
    """
    try:
        proc = subprocess.run(
            ["git", "rev-list", "--max-parents=0", "HEAD"],
            cwd=start,
            capture_output=True,
            check=False,
            timeout=30,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    roots = sorted(proc.stdout.decode("ascii", "replace").split()) if proc.returncode == 0 else []
    if not roots:
        return None
    return hashlib.sha256(f"root-commit:{roots[0]}".encode()).hexdigest()[:16]


def _shared_store() -> bool:
    from br_core.store.backend import configured_backend

    return configured_backend().url is not None


def repo_context(cwd: Path | str | None = None) -> RepoContext:
    """The project of `cwd` (default: the current directory): the one derivation of it.

    One `git rev-parse` per directory per process (cached; the hook path depends on it). Every
    worktree of a repository shares its common git dir, so they share one project id; outside
    git the directory itself is the project. On a shared store (BR_STORE / [store] url) the id
    comes from the repository's root commit instead, so every clone on every machine is one
    project; the local SQLite store keeps the path-based id its rows already carry. There a
    configured `[project] name` (br_core/project_name.py) overrides the root commit.
    """
    start = os.path.realpath(cwd if cwd is not None else os.getcwd())
    if not _shared_store():
        return _context(start, False)
    return _named(_context(start, True)).context


def local_context(cwd: Path | str) -> RepoContext:
    """The repository's directories and path-based id, whatever the store: no configuration
    read, so nothing in it can fail this (`br doctor` reports a bad name as a check of its own)."""
    return _context(os.path.realpath(cwd), False)


class ProjectIdentity(NamedTuple):
    """A directory's context and the notices about a name that was configured but not used."""

    context: RepoContext
    notices: list[str]


def project_identity(cwd: Path | str | None = None) -> ProjectIdentity:
    """`repo_context`, and why a configured project name is not in force: for `br doctor` and
    `br db status`. It reads (and so checks) the name on the local store too, where the
    hot path does not: a name only chooses the id on a shared store."""
    start = os.path.realpath(cwd if cwd is not None else os.getcwd())
    if _shared_store():
        return _named(_context(start, True))
    local = _context(start, False)
    named = _named(local)
    if named.context is local:
        return named
    unused = (
        f"{named.context.id_source}: used on a shared store only; the local store keeps "
        "path-based ids (docs/TEAM.md)"
    )
    return ProjectIdentity(local, [unused])


def _named(ctx: RepoContext) -> ProjectIdentity:
    """`ctx` with the configured name's id, if one is in force. Read on every call, not cached
    with the git answers: the config, or the user's trust in it, can change within one process."""
    if ctx.root is None:
        return ProjectIdentity(ctx, [])
    from br_core.project_name import configured_name, name_project_id

    found = configured_name(ctx.root, ctx.common_dir)
    if found.name is None:
        return ProjectIdentity(ctx, found.notices)
    source = f"configured name {found.name!r} in {found.source}"
    return ProjectIdentity(
        ctx._replace(project_id=name_project_id(found.name), id_source=source), []
    )


def repo_root(cwd: Path | str | None = None) -> Path:
    """The top of the work tree containing `cwd`; GitError outside a repository."""
    root = repo_context(cwd).root
    if root is None:
        where = Path(cwd) if cwd is not None else Path.cwd()
        raise GitError(f"{where}: not inside a git repository; run `git init` first")
    return root


def project_root(cwd: Path | str | None = None) -> Path:
    """The top of the work tree containing `cwd`; outside git, the directory itself."""
    where = cwd if cwd is not None else os.getcwd()
    return repo_context(where).root or Path(os.path.realpath(where))


def project_id(cwd: Path | str | None = None) -> str:
    """A stable id for the repository: all its worktrees share it.

    Outside a repository the id is derived from the absolute directory, so commands still work.
    """
    return repo_context(cwd).project_id


_HEX = re.compile(r"[0-9a-f]{7,64}")


def read_head(ctx: RepoContext) -> tuple[str | None, str | None]:
    """(commit hash, branch) read from the git directory; (None, branch) before the first commit.

    No subprocess: the hook path reads HEAD and the ref straight from the files.
    """
    if ctx.git_dir is None or ctx.common_dir is None:
        return None, None
    try:
        head = (ctx.git_dir / "HEAD").read_text(encoding="utf-8").strip()
    except OSError:
        return None, None
    if not head.startswith("ref: "):
        return (head if _HEX.fullmatch(head) else None), None
    ref = head[5:]
    branch = ref.removeprefix("refs/heads/")
    for base in (ctx.git_dir, ctx.common_dir):
        try:
            return (base / ref).read_text(encoding="utf-8").strip(), branch
        except OSError:
            continue
    return _packed_ref(ctx.common_dir, ref), branch


def _packed_ref(common_dir: Path, ref: str) -> str | None:
    try:
        lines = (common_dir / "packed-refs").read_text(encoding="utf-8").splitlines()
    except OSError:
        lines = []
    for line in lines:
        sha, _, name = line.partition(" ")
        if name == ref:
            return sha
    if (common_dir / "reftable").is_dir():  # the reftable format has no plain files to read
        proc = subprocess.run(
            ["git", "rev-parse", "-q", "--verify", "HEAD"],
            cwd=common_dir,
            capture_output=True,
            check=False,
        )
        return proc.stdout.decode().strip() or None
    return None


def staged_files(cwd: Path | str | None = None) -> list[str]:
    """Paths (relative to the repo root) added, copied, modified or renamed in the index."""
    out = run_git(["diff", "--cached", "--name-only", "--diff-filter=ACMR", "-z"], cwd=cwd)
    return [p for p in out.split("\0") if p]


def hooks_dir(cwd: Path | str | None = None) -> Path:
    """Where git runs hooks for the repository at `cwd`: the common hooks directory shared by
    every worktree, or `core.hooksPath` when set. GitError outside a repository."""
    found = run_git(["rev-parse", "--path-format=absolute", "--git-path", "hooks"], cwd=cwd)
    return Path(found.strip())


def portable_project_id(path: Path | str) -> tuple[str, str] | None:
    """(local path-based id, shared id: its configured name's or its root commit's) of the
    repository at `path`, or None when it has neither: what `br db migrate-to` maps rows with."""
    real = os.path.realpath(path)
    local = local_context(real)
    if local.root is None:
        return None
    shared = _named(_context(real, True)).context.project_id
    return None if shared == local.project_id else (local.project_id, shared)


class CommitChange(NamedTuple):
    """One commit of `git log --numstat`: when, its subject, and (added, deleted, path) per file
    (binary files count 0 lines)."""

    commit: str
    ts: float
    subject: str
    files: tuple[tuple[int, int, str], ...]


_LOG_MARK = "\x1ebr-commit\x1f"


def commit_history(root: Path, since_ts: float, max_commits: int = 5000) -> list[CommitChange]:
    """Commits reachable from HEAD since `since_ts` (newest first), merges left out, with the
    lines each changed per path. Renames count under the new path."""
    out = run_git(
        ["-c", "core.quotepath=off", "log", "--no-merges", "--numstat", "--no-renames",
         f"--max-count={max(1, max_commits)}", f"--since=@{int(since_ts)}",
         f"--format={_LOG_MARK}%H%x1f%ct%x1f%s"],
        cwd=root,
        check=False,  # a repository without commits has no history: an empty list
    )  # fmt: skip
    return parse_numstat_log(out)


def parse_numstat_log(out: str) -> list[CommitChange]:
    """The commits of `commit_history`'s `git log` output; a malformed block is skipped."""
    commits: list[CommitChange] = []
    for block in out.split(_LOG_MARK)[1:]:
        head, _, body = block.partition("\n")
        parts = head.split("\x1f")
        if len(parts) != 3 or not parts[1].isdigit():
            continue
        files = []
        for line in body.splitlines():
            added, _, rest = line.partition("\t")
            deleted, _, path = rest.partition("\t")
            if path:
                files.append((int(added) if added.isdigit() else 0,
                              int(deleted) if deleted.isdigit() else 0, path))  # fmt: skip
        commits.append(CommitChange(parts[0], float(parts[1]), parts[2], tuple(files)))
    return commits

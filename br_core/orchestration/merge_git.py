"""The git side of the merge queue: commits by name, a merge computed in the object store, and
which stream's merged work a conflict collides with. Nothing here touches a worktree or index."""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from br_core.git import GitError, run_git


def rev(root: Path, ref: str) -> str:
    """The commit `ref` names, or "" when there is none."""
    out = run_git(["rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"], cwd=root, check=False)
    return out.strip()


def merge_tree(root: Path, ours: str, theirs: str) -> tuple[str, list[str]]:
    """(tree, conflicting files): [] when the merge is clean. Nothing outside the object store
    changes."""
    proc = subprocess.run(
        ["git", "merge-tree", "--write-tree", "--name-only", "--no-messages", "-z", ours, theirs],
        cwd=root,
        capture_output=True,
        check=False,
    )
    if proc.returncode not in (0, 1):
        detail = proc.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GitError(f"git merge-tree: {detail[0] if detail else f'exit {proc.returncode}'}")
    parts = [p for p in proc.stdout.decode("utf-8", "surrogateescape").split("\0") if p]
    tree = parts[0].strip() if parts else ""
    return tree, sorted(set(parts[1:])) if proc.returncode == 1 else []


def other_stream(
    root: Path, base: str, target: str, files: list[str], others: Sequence[str]
) -> str | None:
    """The stream whose merged work changed `files` on the target since `base`."""
    commits = run_git(["rev-list", f"{base}..{target}", "--", *files], cwd=root).split()
    for name in others:
        branch = f"refs/heads/stream/{name}"
        if not rev(root, branch):
            continue
        for commit in commits:
            if is_ancestor(root, commit, branch):
                return name
    return None


def is_ancestor(root: Path, commit: str, of: str) -> bool:
    proc = subprocess.run(["git", "merge-base", "--is-ancestor", commit, of], cwd=root, check=False)
    return proc.returncode == 0

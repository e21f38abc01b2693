"""What the br-telemetry hook records at each git stage: commit, push and merge metadata.

pre-commit tells a hook its stage only through the environment it sets (PRE_COMMIT_REMOTE_NAME
for pre-push, PRE_COMMIT_IS_SQUASH_MERGE for post-merge): `detect_stage` reads it.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

from br_core.store.connection import Connection

STAGES = ("post-commit", "pre-push", "post-merge")
_CONVENTIONAL = re.compile(r"(?P<type>[a-zA-Z]+)(?:\((?P<scope>[^()\n]{1,40})\))?(?P<bang>!)?: ")
_SHORTSTAT = re.compile(r"(\d+) (file|insertion|deletion)")
_ZEROS = re.compile(r"0+")


def conventional_type(subject: str) -> tuple[str, str | None, bool]:
    """(type, scope, breaking) of a Conventional Commits subject; ("other", None, False) if not."""
    match = _CONVENTIONAL.match(subject)
    if not match:
        return "other", None, False
    return match["type"].lower(), match["scope"], bool(match["bang"])


def parse_shortstat(text: str) -> dict[str, int]:
    """`3 files changed, 10 insertions(+), 2 deletions(-)` as counts (missing parts are 0)."""
    counts = {"files_changed": 0, "insertions": 0, "deletions": 0}
    names = {"file": "files_changed", "insertion": "insertions", "deletion": "deletions"}
    for number, word in _SHORTSTAT.findall(text):
        counts[names[word]] = int(number)
    return counts


def _git(args: list[str], cwd: Path) -> str:
    proc = subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    return proc.stdout.decode("utf-8", "replace") if proc.returncode == 0 else ""


def detect_stage(env: dict[str, str]) -> str:
    if env.get("PRE_COMMIT_REMOTE_NAME") or env.get("PRE_COMMIT_TO_REF"):
        return "pre-push"
    if "PRE_COMMIT_IS_SQUASH_MERGE" in env:
        return "post-merge"
    return "post-commit"


def commit_data(cwd: Path, branch: str | None) -> tuple[str | None, dict[str, object]]:
    """The HEAD commit's metadata: never its message or content, only the conventional type."""
    out = _git(["log", "-1", "--format=%H%x1f%s", "--shortstat", "HEAD"], cwd)
    first, _, rest = out.partition("\n")
    sha, _, subject = first.partition("\x1f")
    kind, scope, breaking = conventional_type(subject)
    data: dict[str, object] = {"commit_type": kind, "breaking": breaking, **parse_shortstat(rest)}
    if sha:
        data["hash"] = sha
    if scope:
        data["scope"] = scope
    if branch:
        data["branch"] = branch
    return (sha or None), data


def push_data(cwd: Path, env: dict[str, str], branch: str | None) -> dict[str, object]:
    """Remote name and branches only: the remote URL can carry credentials, so it is never kept."""
    data: dict[str, object] = {}
    if env.get("PRE_COMMIT_REMOTE_NAME"):
        data["remote"] = env["PRE_COMMIT_REMOTE_NAME"]
    local = env.get("PRE_COMMIT_LOCAL_BRANCH", "").removeprefix("refs/heads/") or branch
    if local:
        data["branch"] = local
    remote_branch = env.get("PRE_COMMIT_REMOTE_BRANCH", "").removeprefix("refs/heads/")
    if remote_branch:
        data["remote_branch"] = remote_branch
    from_ref, to_ref = env.get("PRE_COMMIT_FROM_REF", ""), env.get("PRE_COMMIT_TO_REF", "")
    if from_ref and to_ref and not _ZEROS.fullmatch(from_ref) and not _ZEROS.fullmatch(to_ref):
        # --end-of-options: a ref from the environment is never read as an option (--output=...)
        count = _git(["rev-list", "--count", "--end-of-options", f"{from_ref}..{to_ref}"], cwd)
        count = count.strip()
        if count.isdigit():
            data["commits"] = int(count)
    return data


def merge_data(cwd: Path, env: dict[str, str], branch: str | None) -> dict[str, object]:
    squash = env.get("PRE_COMMIT_IS_SQUASH_MERGE", "0") == "1"
    data: dict[str, object] = {"squash": squash}
    data.update(parse_shortstat(_git(["diff", "--shortstat", "ORIG_HEAD", "HEAD"], cwd)))
    if branch:
        data["branch"] = branch
    return data


def record_stage(
    conn: Connection,
    stage: str,
    cwd: Path,
    env: dict[str, str],
    head: str | None,
    branch: str | None,
) -> int | None:
    """Record the event for `stage` of the repository at `cwd`; the row id (None: not recorded)."""
    from br_core.telemetry.events import record_event

    if stage == "post-commit":
        sha, data = commit_data(cwd, branch)
        return record_event(conn, "commit", data, root=cwd, git_hash=sha or head)
    if stage == "pre-push":
        to_ref = env.get("PRE_COMMIT_TO_REF", "")
        pushed = to_ref if to_ref and not _ZEROS.fullmatch(to_ref) else head
        data = push_data(cwd, env, branch)
        return record_event(conn, "push", data, root=cwd, git_hash=pushed)
    data = merge_data(cwd, env, branch)
    return record_event(conn, "merge", data, root=cwd, git_hash=head)

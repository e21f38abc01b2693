"""`br-telemetry`: record commit, push and merge metadata in the local store. Never blocks.

Runs at the post-commit, pre-push and post-merge stages. pre-commit tells a hook its stage only
through the environment it sets (PRE_COMMIT_REMOTE_NAME for pre-push, PRE_COMMIT_IS_SQUASH_MERGE
for post-merge), so `--stage` is optional. Whatever goes wrong, the exit code is 0 and one line
on stderr says what happened. What each stage records is br_core/telemetry/git_stages.py.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from br_core.telemetry.git_stages import STAGES, detect_stage, record_stage

HOOK_LOCK_WAIT_MS = 2_000


class BadArguments(Exception):
    """argparse's complaint in one line (argparse itself prints its usage and exits 2)."""


def parse_stage(argv: Sequence[str]) -> str | None:
    """`--stage` from argv. argparse costs ~10 ms to import, and pre-commit passes no
    arguments to this hook (pass_filenames: false), so it is loaded only when there are some."""
    if not argv:
        return None
    import argparse

    class Parser(argparse.ArgumentParser):
        def error(self, message: str) -> NoReturn:
            # argv bytes that are not UTF-8 arrive surrogate-escaped: print them escaped
            text = message.encode("utf-8", "backslashreplace").decode("utf-8")
            raise BadArguments(" ".join(text.split())[:200])

    parser = Parser(
        prog="br-telemetry",
        description="Record commit/push/merge metadata in BuildRunner's local store; never blocks.",
    )
    parser.add_argument("--stage", choices=STAGES, help="default: detected from pre-commit's env")
    parser.add_argument(
        "filenames", nargs="*", help="ignored (the hook sets pass_filenames: false)"
    )
    stage: str | None = parser.parse_args(argv).stage
    return stage


def record(stage: str, cwd: Path, env: dict[str, str]) -> int | None:
    """Record the event for `stage`; the row id, or None when telemetry is off."""
    from br_core.git import read_head, repo_context
    from br_core.store.db import open_db
    from br_core.telemetry.settings import telemetry_state

    ctx = repo_context(cwd)
    if not telemetry_state(ctx.root).enabled:
        return None  # before any git call: a disabled hook costs next to nothing
    head, branch = read_head(ctx)
    # A short lock wait: a commit must not hang because a long `br` operation holds the store.
    conn = open_db(timeout_ms=HOOK_LOCK_WAIT_MS, local=True)  # psycopg never on a hook path
    try:
        return record_stage(conn, stage, cwd, env, head, branch)
    finally:
        conn.close()


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    env = dict(os.environ)
    try:
        stage = parse_stage(args) or detect_stage(env)
    except BadArguments as exc:  # bad arguments must not block a push either
        print(f"br-telemetry: warning: bad arguments ({exc}); event not recorded", file=sys.stderr)
        return 0
    except SystemExit:  # --help: argparse has printed it
        return 0
    try:
        record(stage, Path.cwd(), env)
    except Exception as exc:  # a telemetry failure must never fail a commit, push or merge
        message = getattr(exc, "message", None) or f"{type(exc).__name__}: {exc}"
        line = " ".join(str(message).split())
        print(f"br-telemetry: warning: event not recorded: {line}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

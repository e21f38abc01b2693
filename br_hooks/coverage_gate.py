"""`br-coverage`: total coverage and coverage of the lines being committed, from the existing
report. The gate's logic is br_core/coverage/gate.py; this module parses arguments and prints."""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence

from br_core.coverage.gate import PREFIX, run_gate
from br_core.errors import BRError, one_line
from br_core.git import repo_root


def _push_range() -> tuple[str, str] | None:
    """At the pre-push stage pre-commit names the pushed range; judge those commits."""
    start, end = os.environ.get("PRE_COMMIT_FROM_REF"), os.environ.get("PRE_COMMIT_TO_REF")
    if start and end and set(start) != {"0"}:
        return start, end
    return None


def _record(data: dict[str, object], exit_code: int) -> None:
    """The staged lines' coverage as a telemetry `check` event (for trends); never a verdict."""
    diff = data.get("diff")
    if not isinstance(diff, dict) or not diff.get("measured"):
        return
    from pathlib import Path

    from br_core.store.db import open_db
    from br_core.telemetry import checks
    from br_core.telemetry.settings import telemetry_state

    try:
        root = Path.cwd()
        if not telemetry_state(root).enabled:
            return
        conn = open_db(timeout_ms=checks.HOOK_LOCK_WAIT_MS)
        try:
            checks.record_coverage(
                conn, root, exit_code == 1, float(diff["percent"]), int(diff["covered"]),
                int(diff["measured"]),
            )  # fmt: skip
        finally:
            conn.close()
    except BRError as exc:
        print(f"{PREFIX}: warning: run not recorded: {one_line(exc.message)}", file=sys.stderr)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PREFIX, description=__doc__)
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--staged", action="store_true", help="judge the staged diff (default)")
    where.add_argument("--base", metavar="REV", help="judge changes since REV (git diff REV...)")
    parser.add_argument("--json", action="store_true", help="print the result as JSON")
    args = parser.parse_args(argv)
    base, head = args.base, "HEAD"
    if base is None and not args.staged and (pushed := _push_range()):
        base, head = pushed
    try:
        outcome = run_gate(repo_root(), base=base, head=head)
    except BRError as exc:
        print(f"{PREFIX}: {one_line(exc.message)}", file=sys.stderr)
        if args.json:
            print(json.dumps({"status": "error", "error": exc.message}))
        return exc.exit_code
    _record(outcome.data, outcome.exit_code)
    for notice in outcome.notices:
        print(f"{PREFIX}: {notice}", file=sys.stderr)
    if args.json:
        notices = {"notices": outcome.notices} if outcome.notices else {}
        print(json.dumps({**outcome.data, **notices, "messages": outcome.lines}, indent=2))
    else:
        print("\n".join(outcome.lines))
    return outcome.exit_code


if __name__ == "__main__":
    raise SystemExit(main())

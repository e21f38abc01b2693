"""The routing dev set every routing bench reads: ../shared/routing/dev.jsonl, or BR_ROUTING_DEV.

210 SWE-bench Verified tasks with what Haiku, Sonnet and Opus each did (its README says how to
use it honestly). One loader, so the path, the override and the missing-file line are the same
in every script.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

DEV = Path(
    os.environ.get(
        "BR_ROUTING_DEV", Path(__file__).resolve().parent.parent.parent / "shared/routing/dev.jsonl"
    )
)


def load_dev(path: Path = DEV) -> list[dict[str, Any]]:
    """The rows of `path`; a missing file is one line naming it and the fix, exit 2."""
    if not path.is_file():
        print(f"{path}: no such file; pass its path or set BR_ROUTING_DEV", file=sys.stderr)
        raise SystemExit(2)
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]

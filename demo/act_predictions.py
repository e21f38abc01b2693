"""Demo act: predictions with a measured 80% interval (issue 19).

`br route` gives its cost estimate alone until 20 costs on the tier are measured, saying how many
more it needs; then it adds the range 80% of such tasks cost, from split conformal prediction
over this project's own outcomes (docs/LEARNING.md, bench/predictions.py measures its coverage).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

from demo_kit import BR, br, expect, say, sh, step

TASK = "Fix the crash when exporting an empty report"


def _outcome(repo: Path, cost: float) -> None:
    got = sh(repo, str(BR), "route", TASK, "--tier", "sonnet", "--json")
    expect(got.returncode == 0, f"br route failed: {got.stderr.strip()}")
    decision = json.loads(got.stdout)["decision_id"]
    done = sh(repo, str(BR), "route", "outcome", decision, "--resolved", "--cost", f"{cost:.4f}")
    expect(done.returncode == 0, f"br route outcome failed: {done.stderr.strip()}")


def predictions_with_intervals(repo: Path) -> None:
    step("13. Predictions with an 80% interval, once enough outcomes are measured")
    rng = random.Random(19)
    for _ in range(5):
        _outcome(repo, round(0.55 * 2.718 ** rng.gauss(0, 0.5), 4))
    early = br(repo, "route", TASK, "--tier", "sonnet")
    expect("80% interval after" in early.stdout, "br route did not say how many more it needs")
    more = int(early.stdout.split("80% interval after ")[1].split()[0])
    say(f"-> Not enough sonnet tasks with a measured cost yet: {more} more, it says.")
    for _ in range(more):
        _outcome(repo, round(0.55 * 2.718 ** rng.gauss(0, 0.5), 4))
    late = br(repo, "route", TASK, "--tier", "sonnet")
    expect("80% within $" in late.stdout, f"br route gave no interval after {more} more costs")
    say("-> Now the estimate carries the range 80% of sonnet tasks here cost; route_task over MCP "
        "returns it as cost_interval_usd. `br cost blocks` and `br orchestrate plan` do the same "
        "for a block's budget run-out and a stream's completion.")  # fmt: skip

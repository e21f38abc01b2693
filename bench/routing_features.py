"""Which task features carry signal for routing, on ../shared/routing/dev.jsonl.

For each feature the router stores with a decision (br_core/routing/decisions.task_features,
the keyword score included) and for the task's project (its leave-one-out rate, so a task never
scores itself), the ROC AUC for three targets: Haiku fails; Opus rescues (Opus resolves where
Haiku fails: the only tasks where paying for Opus helps); Opus costs more than its median. The
AUC over the whole set, then its mean and range over 200 random half splits (a feature whose
range straddles 0.5 is luck, not signal). 0.5 is a coin; 1.0 perfect.

Run: bench/.venv/bin/python bench/routing_features.py
"""

from __future__ import annotations

import random
import statistics
from collections.abc import Callable
from typing import Any

from _devset import load_dev

from br_core.routing.decisions import task_features
from br_core.routing.signals import assess

SPLITS = 200


def auc(scores: list[float], labels: list[bool]) -> float:
    """Mann-Whitney: the chance a positive outscores a negative (ties count half)."""
    pos = [s for s, y in zip(scores, labels, strict=True) if y]
    neg = [s for s, y in zip(scores, labels, strict=True) if not y]
    if not pos or not neg:
        return 0.5
    wins = sum(1.0 if p > n else 0.5 if p == n else 0.0 for p in pos for n in neg)
    return wins / (len(pos) * len(neg))


def _project_rate(
    rows: list[dict[str, Any]], target: Callable[[dict[str, Any]], bool]
) -> list[float]:
    out = []
    for i, row in enumerate(rows):
        same = [target(r) for j, r in enumerate(rows) if j != i and r["project"] == row["project"]]
        overall = statistics.fmean(target(r) for j, r in enumerate(rows) if j != i)
        out.append((sum(same) + 2 * overall) / (len(same) + 2))  # shrunk: small projects
    return out


def main() -> int:
    rows = load_dev()
    median_opus = statistics.median(r["outcomes"]["opus"]["cost_usd"] for r in rows)
    targets: dict[str, Callable[[dict[str, Any]], bool]] = {
        "haiku fails": lambda r: not r["outcomes"]["haiku"]["resolved"],
        "opus rescues": lambda r: (
            r["outcomes"]["opus"]["resolved"] and not r["outcomes"]["haiku"]["resolved"]
        ),
        "opus cost > median": lambda r: r["outcomes"]["opus"]["cost_usd"] > median_opus,
    }
    feats = [task_features(r["task"], assess(r["task"]).score) for r in rows]
    columns: dict[str, dict[str, list[float]]] = {t: {} for t in targets}
    for t, fn in targets.items():
        for name in feats[0]:
            columns[t][name] = [float(f[name]) for f in feats]
        columns[t]["project (leave-one-out)"] = _project_rate(rows, fn)
    rng = random.Random(0)
    splits = [rng.sample(range(len(rows)), len(rows) // 2) for _ in range(SPLITS)]
    print(f"{len(rows)} tasks; AUC on all [mean, min..max over {SPLITS} random halves]\n")
    print(f"{'feature':<24}" + "".join(f"{t:>30}" for t in targets))
    for name in columns["haiku fails"]:
        cells = []
        for t, fn in targets.items():
            labels = [fn(r) for r in rows]
            scores = columns[t][name]
            halves = [auc([scores[i] for i in s], [labels[i] for i in s]) for s in splits]
            cells.append(f"{auc(scores, labels):.2f} [{statistics.fmean(halves):.2f}, "
                         f"{min(halves):.2f}..{max(halves):.2f}]")  # fmt: skip
        print(f"{name:<24}" + "".join(f"{c:>30}" for c in cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""The learning layer's predictions, backtested in time order (docs/LEARNING.md quotes this).

For each prediction: the share of held-out outcomes inside the 80% interval (target 75-85%) and
the point estimate's mean absolute error against the naive baseline, the mean of the past
(skill = 1 - MAE / MAE of the mean; above 0 beats it).

1. Cost per task per tier on public data, ../shared/routing/dev.jsonl (210 SWE-bench Verified
   tasks with each tier's measured cost), in the file's order:
   a. time order, one step ahead, every tier's cost of every task seen afterwards;
   b. time order, one step ahead, only the cost of one tier per task (a seeded random choice):
      what a router really sees, since it learns the cost of the tier it chose only;
   c. split-half: fitted on the first 105 tasks, then the last 105 predicted without updates.
2. Generated histories (br_core/learning/synth.py), seeds 0..N-1, medians and [min-max]:
   task duration (lognormal around estimates biased per stream, with drift), cost per task per
   tier, the next hour's burn rate of a 5-hour block (run-out time), and a stream's completion:
   batches of 5 tasks whose total is predicted before any of them is seen.

    .venv/bin/python bench/predictions.py [--seeds 10] [--dev ../shared/routing/dev.jsonl]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from br_core.learning import synth  # noqa: E402
from br_core.learning.conformal import (  # noqa: E402
    Backtest,
    OneStep,
    Sample,
    backtest,
    batch_forecast,
    fit,
    usable,
)
from br_core.learning.runout import runout_backtest  # noqa: E402

DEV = ROOT.parent / "shared" / "routing" / "dev.jsonl"
TIERS = ("haiku", "sonnet", "opus")


def dev_samples(path: Path) -> list[list[Sample]]:
    """Per task (in file order) its three tiers' costs as samples at time = line number."""
    out = []
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines()):
        row = json.loads(line)
        out.append([Sample(float(i), t, float(row["outcomes"][t]["cost_usd"])) for t in TIERS])
    return out


def split_half(samples: Sequence[Sample]) -> Backtest:
    """Fit on the first half (time order), predict the second half without updates."""
    ordered = usable(samples)
    half = len(ordered) // 2
    walk = fit(ordered[:half])
    naive = walk.naive()
    covered = predicted = 0
    errors, naive_errors = [], []
    for s in ordered[half:]:
        forecast = walk.forecast(s.group, s.base)
        assert forecast is not None and naive is not None
        errors.append(abs(s.actual - forecast.point))
        naive_errors.append(abs(s.actual - naive))
        if forecast.low is not None and forecast.high is not None:
            predicted += 1
            covered += forecast.low <= s.actual <= forecast.high
    return Backtest(predicted, covered, statistics.fmean(errors), statistics.fmean(naive_errors))


def stream_batches(seed: int, batch: int = 5) -> Backtest:
    """A stream's completion: each batch of `batch` tasks of one stream is predicted as a whole
    (sum of estimates x the stream's ratio) before any is seen; its interval is calibrated on
    the residuals of the batches finished before it (the task-level one until 9 have)."""
    history = synth.durations(seed, n=600)
    walk = OneStep()
    scores: list[float] = []  # residuals of the batches finished so far
    covered = predicted = 0
    errors, naive_errors = [], []
    for start in range(0, len(history) - batch + 1, batch):
        chunk = history[start : start + batch]
        stream = chunk[0].group
        chunk = [Sample(s.ts, stream, s.actual, s.base) for s in chunk]  # one stream's batch
        total = sum(s.base or 0 for s in chunk)
        actual = sum(s.actual for s in chunk)
        forecast = batch_forecast(walk, stream, total, scores)
        naive = walk.naive()
        if forecast is not None and naive is not None and forecast.low is not None:
            assert forecast.high is not None
            predicted += 1
            covered += forecast.low <= actual <= forecast.high
            errors.append(abs(actual - forecast.point))
            naive_errors.append(abs(actual - naive * batch))
        if forecast is not None:
            scores.append(math.log(actual / forecast.point))
        for s in chunk:
            walk.observe(s)
    return Backtest(predicted, covered, statistics.fmean(errors), statistics.fmean(naive_errors))


def show(name: str, results: Sequence[Backtest]) -> None:
    cov = [r.coverage for r in results if r.coverage is not None]
    skill = [r.skill for r in results if r.skill is not None]
    n = statistics.median(r.predicted for r in results)
    if len(results) == 1:
        print(f"  {name:<46} n={n:>5.0f}  coverage {cov[0]:6.1%}   skill {skill[0]:+.2f}")
        return
    print(
        f"  {name:<46} n={n:>5.0f}  coverage {statistics.median(cov):6.1%} "
        f"[{min(cov):.1%}-{max(cov):.1%}]   skill {statistics.median(skill):+.2f} "
        f"[{min(skill):+.2f}-{max(skill):+.2f}]"
    )


def timed(fn: Callable[[], object], repeat: int = 5) -> tuple[float, float, float]:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), max(times)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--dev", type=Path, default=DEV)
    args = parser.parse_args(argv)
    seeds = range(args.seeds)
    print("80% intervals: share of held-out outcomes inside (target 75-85%); skill = 1 - MAE / "
          "MAE of the past mean")  # fmt: skip
    if args.dev.is_file():
        tasks = dev_samples(args.dev)
        print(f"\nCost per task per tier, {args.dev.name} ({len(tasks)} tasks, file order)")
        every = [s for task in tasks for s in task]
        show("a. one step ahead, every tier seen", [backtest(every)])
        for tier in TIERS:
            show(f"   {tier} only", [backtest([s for s in every if s.group == tier])])
        chosen = [
            backtest([random.Random(seed * 1000 + i).choice(task) for i, task in enumerate(tasks)])
            for seed in seeds
        ]
        show(f"b. one step ahead, one tier per task ({len(chosen)} seeds)", chosen)
        show("c. split-half (first 105 -> last 105)", [split_half(every)])
    else:
        print(f"\n{args.dev}: not found; pass --dev PATH for the public cost backtest")
    print(f"\nGenerated histories, seeds 0-{args.seeds - 1}: median [min-max]")
    show("task duration (400 tasks, 4 streams)", [backtest(synth.durations(s)) for s in seeds])
    show("cost per task per tier (300 tasks)", [backtest(synth.costs(s)) for s in seeds])
    show("block burn rate, next hour (100 blocks)",
         [runout_backtest(synth.blocks(s, n=100)) for s in seeds])  # fmt: skip
    show("stream completion, batches of 5 tasks", [stream_batches(s) for s in seeds])
    history = synth.durations(0, n=2000)
    med, lo, hi = timed(lambda: fit(history).forecast("api", 30.0))
    anchor = timed(lambda: sorted(s.actual for s in history))
    print(f"\nFit + forecast over 2,000 outcomes: {med * 1000:.1f} ms [{lo * 1000:.1f}-"
          f"{hi * 1000:.1f}]; anchor, sorting them once: {anchor[0] * 1000:.2f} ms")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""When the estimate-bias suggestion fires, and how close its factor is (docs/LEARNING.md).

Generated histories: `n` tasks whose claim -> done minutes are estimate x `bias` x lognormal
noise (sigma 0.5, as br_core/learning/synth.py), through the same pattern row and the same rule
`br suggest` uses (br_core.learning.patterns.log_ratio, suggestions.derive). For each (bias, n):
the share of seeds that get a suggestion (at bias 1.0 that is the false-alarm rate, which a 95%
interval holds near 5%), and the factor's median relative error against the true bias.

    .venv/bin/python bench/estimate_factor.py [--seeds 1000] [--sigma 0.5]
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from br_core.learning.patterns import MIN_SAMPLES, Pattern, log_ratio  # noqa: E402
from br_core.learning.suggestions import derive  # noqa: E402

BIASES = (1.0, 1.1, 1.25, 1.5, 2.0)
SIZES = (MIN_SAMPLES["estimate_bias"], 50, 100)


def suggested_factor(seed: int, bias: float, n: int, sigma: float) -> float | None:
    """The factor `br suggest` proposes for one generated history, or None."""
    rng = random.Random(seed)
    pairs = []
    for _ in range(n):
        estimate = float(rng.choice([10, 15, 20, 30, 45, 60]))
        pairs.append((estimate, estimate * bias * math.exp(rng.gauss(0, sigma))))
    pattern = Pattern("estimate_bias", "", True, n, n, "2026-01-01", "2026-03-31")
    pattern.rows = [{"estimate": "task duration", **log_ratio(pairs)}]
    found = derive([pattern], coverage_threshold=80.0)
    return float(found[0]["evidence"]["factor"]) if found else None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=1000)
    parser.add_argument("--sigma", type=float, default=0.5)
    args = parser.parse_args()
    started = time.process_time()
    print(f"sigma {args.sigma}, {args.seeds} seeds per row")
    print(f"{'bias':>5} {'tasks':>6} {'suggested':>10} {'factor error (median)':>22}")
    for bias in BIASES:
        for n in SIZES:
            factors = [suggested_factor(s, bias, n, args.sigma) for s in range(args.seeds)]
            got = [f for f in factors if f is not None]
            error = statistics.median(abs(f / bias - 1) for f in got) if got else None
            shown = "-" if error is None else f"{error:.1%}"
            print(f"{bias:>5.2f} {n:>6} {len(got) / args.seeds:>10.1%} {shown:>22}")
    print(f"CPU {time.process_time() - started:.1f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

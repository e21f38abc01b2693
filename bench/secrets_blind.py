"""Precision and recall of br-secrets on the blind corpus (tests/data/secrets_blind.py).

Run: bench/.venv/bin/python bench/secrets_blind.py [--seed N [--seed M ...]] [--quiet]
A positive counts as found when br-secrets reports a finding on the secret's line(s); any other
finding (in a negative file, or off the secret's lines) counts as a false alarm. Values are masked.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from labelled import load

from br_core.secrets.scanner import scan_files

_blind = load("secrets_blind")
BlindSample, build_blind, write_blind = _blind.BlindSample, _blind.build_blind, _blind.write_blind


@dataclass
class Score:
    tp: int = 0
    fn: int = 0
    fp: int = 0
    tn: int = 0
    misses: list[str] = field(default_factory=list)
    alarms: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / max(1, self.tp + self.fp)

    @property
    def recall(self) -> float:
        return self.tp / max(1, self.tp + self.fn)


def evaluate(samples: list[BlindSample], directory: Path) -> Score:
    write_blind(directory, samples)
    result = scan_files([directory / s.path for s in samples], directory)
    by_path: dict[str, list[tuple[int, str, str]]] = {}
    for f in result.findings:
        by_path.setdefault(f.path, []).append((f.line, f.rule_id, f.masked))
    score = Score()
    for s in samples:
        found = by_path.get(s.path, [])
        lo, hi = s.lines
        on = [x for x in found if lo <= x[0] <= hi] if s.positive else []
        stray = [x for x in found if x not in on]
        if s.positive:
            if on:
                score.tp += 1
            else:
                score.fn += 1
                score.misses.append(f"MISS {s.kind:18} {s.path}:{lo}")
        elif not stray:
            score.tn += 1
        for line, rule, masked in stray:
            score.fp += 1
            score.alarms.append(f"FALSE {s.kind:18} {s.path}:{line} {rule} ({masked})")
    return score


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, action="append", help="corpus seed (repeatable)")
    parser.add_argument("--quiet", action="store_true", help="only the totals")
    args = parser.parse_args()
    for seed in args.seed or [1]:
        samples = build_blind(seed)
        with tempfile.TemporaryDirectory() as tmp:
            score = evaluate(samples, Path(tmp))
        pos = sum(s.positive for s in samples)
        print(f"seed {seed}: {pos} positives, {len(samples) - pos} negatives")
        print(f"  TP {score.tp}  FN {score.fn}  FP {score.fp}  TN {score.tn}")
        print(f"  precision {score.precision:.3f}  recall {score.recall:.3f}")
        if not args.quiet:
            for line in score.misses + score.alarms:
                print("  " + line)
        kinds = Counter(m.split()[1] for m in score.misses + score.alarms)
        print("  by kind: " + ", ".join(f"{k} {n}" for k, n in kinds.most_common()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Precision and recall of br-secrets on the generated labeled corpus
(tests/data/secrets_corpus.py).

Run: bench/.venv/bin/python bench/secrets_corpus.py [--seed N ...] [--rounds R] [--write DIR]
A sample counts as found when br-secrets reports at least one finding in its file.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from labelled import load

from br_hooks.secrets import scan_files

_corpus = load("secrets_corpus")
Sample, build_corpus, write_corpus = _corpus.Sample, _corpus.build_corpus, _corpus.write_corpus


def evaluate(samples: list[Sample], directory: Path) -> tuple[int, int, int, int, Counter[str]]:
    write_corpus(directory, samples)
    result = scan_files([directory / s.path for s in samples], directory)
    flagged = {f.path for f in result.findings}
    misses: Counter[str] = Counter()
    tp = fp = fn = tn = 0
    for sample in samples:
        hit = sample.path in flagged
        if sample.positive:
            tp, fn = tp + hit, fn + (not hit)
        else:
            fp, tn = fp + hit, tn + (not hit)
        if hit != sample.positive:
            misses[f"{'FN' if sample.positive else 'FP'} {sample.kind}"] += 1
    return tp, fp, fn, tn, misses


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seed", type=int, action="append", help="corpus seed (repeatable)")
    parser.add_argument("--rounds", type=int, default=4, help="draws per sample template")
    parser.add_argument("--write", type=Path, help="also write the corpus files here")
    args = parser.parse_args()
    seeds = args.seed or [2024, 7, 31337]
    totals = [0, 0, 0, 0]
    for seed in seeds:
        samples = build_corpus(seed, args.rounds)
        with tempfile.TemporaryDirectory() as tmp:
            directory = args.write / str(seed) if args.write else Path(tmp)
            tp, fp, fn, tn, misses = evaluate(samples, directory)
        positives = sum(s.positive for s in samples)
        print(f"seed {seed}: {positives} positives, {len(samples) - positives} negatives")
        print(f"  tp={tp} fp={fp} fn={fn} tn={tn}  precision={tp / max(1, tp + fp):.3f}"
              f"  recall={tp / max(1, tp + fn):.3f}")  # fmt: skip
        for what, count in sorted(misses.items()):
            print(f"  {what}: {count}")
        totals = [a + b for a, b in zip(totals, (tp, fp, fn, tn), strict=True)]
    tp, fp, fn, tn = totals
    print(f"all seeds: precision={tp / max(1, tp + fp):.3f} recall={tp / max(1, tp + fn):.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

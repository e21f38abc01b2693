"""The JS/TS analyser over every labelled JS/TS case: findings per case and CPU time.

Reads tests/data/sqli_cases/js*.cases and the blind sets' JS/TS cases (blind17-19), runs
`analyze_js` on each in this process and prints flagged counts per label; `--json OUT` writes
each case's findings (line, rule, sink) so two checkouts can be compared case by case, and the
CPU time of `--repeat` passes over all cases (×5 each) is printed as median [range].
Run: bench/.venv/bin/python bench/sqli_js_cases.py [--json OUT] [--repeat N]
Another checkout: PYTHONPATH=/path/to/checkout bench/.venv/bin/python bench/sqli_js_cases.py
(the cases are read from this checkout, the analyser from the first `br_core` on the path).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "data"))
import sqli_corpus as corpus  # noqa: E402

from br_core.sqli.js.analyzer import analyze_js  # noqa: E402

DIRS = ("sqli_cases", "blind17", "blind18", "blind19")


def load(dirs: tuple[str, ...] = DIRS) -> list[corpus.Case]:
    cases: list[corpus.Case] = []
    for name in dirs:
        corpus.CASES_DIR = ROOT / "tests" / "data" / name
        cases += [c for c in corpus.load_cases() if not c.ext.startswith("py")]
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, help="write each case's findings here")
    parser.add_argument("--repeat", type=int, default=7, help="timed passes (default 7)")
    args = parser.parse_args()
    cases = load()
    found = {c.id: [(f.line, f.rule, f.sink) for f in analyze_js(c.code)] for c in cases}
    for label in ("vuln", "safe"):
        subset = [c for c in cases if c.label == label]
        print(f"{label}: {sum(bool(found[c.id]) for c in subset)}/{len(subset)} flagged")
    if args.json:
        args.json.write_text(json.dumps(found, indent=1), encoding="utf-8")
    times = []
    for _ in range(args.repeat):
        started = time.process_time()
        for _ in range(5):
            for case in cases:
                analyze_js(case.code)
        times.append(time.process_time() - started)
    print(f"{len(cases)} cases x5: CPU median {statistics.median(times):.3f} s "
          f"[{min(times):.3f}-{max(times):.3f}]")  # fmt: skip


if __name__ == "__main__":
    main()

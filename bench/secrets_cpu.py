"""CPU time of the secrets engine alone (`scan_text`, no process start-up, no I/O) over every
.py file of the running interpreter's standard library: median and range of 5 runs.

`time.process_time` counts this process's CPU only, so the figure holds on a shared machine
where wall time does not. To compare two checkouts, run it once per checkout:
    PYTHONPATH=/path/to/checkout bench/.venv/bin/python bench/secrets_cpu.py
"""

from __future__ import annotations

import statistics
import sysconfig
import time
from pathlib import Path

from br_core.secrets.rules import load_rules, scan_text
from br_core.secrets.syntax import syntax_of

RUNS = 5


def main() -> None:
    files = sorted(Path(sysconfig.get_paths()["stdlib"]).rglob("*.py"))
    texts = [(p.name, p.read_text(encoding="utf-8", errors="replace")) for p in files]
    if not texts:
        raise SystemExit("bench/secrets_cpu.py: no standard-library .py files found")
    rules = load_rules()
    megabytes = sum(len(text) for _, text in texts) / 1e6
    times, found = [], 0
    for _ in range(RUNS):
        start = time.process_time()
        found = sum(len(scan_text(text, rules, syntax_of(name))) for name, text in texts)
        times.append(time.process_time() - start)
    print(
        f"{len(texts)} files, {megabytes:.1f} MB: CPU median {statistics.median(times):.2f} s, "
        f"range {min(times):.2f}-{max(times):.2f} s over {RUNS} runs; {found} findings"
    )


if __name__ == "__main__":
    main()

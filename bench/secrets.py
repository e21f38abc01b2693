"""Time br-secrets beside detect-secrets (the anchor) in one run.

(a) a typical commit: 20 source files, each tool started as a fresh process (start-up included),
    median of several runs; (b) every .py file of the running interpreter's standard library.
Prints wall time, MB/s and findings for both and the ratios, then br-secrets' findings in
non-test standard-library code (target: none). Run: bench/.venv/bin/python bench/secrets.py
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

BIN = Path(sys.executable).parent
BR = [str(BIN / "br-secrets")]
DS = [str(BIN / "detect-secrets-hook")]
TEST_PARTS = ("/test/", "/tests/", "/idle_test/", "/test_", "/unittest/test/")


def stdlib_files() -> list[Path]:
    root = Path(sysconfig.get_paths()["stdlib"])
    return sorted(
        p
        for p in root.rglob("*.py")
        if "site-packages" not in p.parts and "__pycache__" not in p.parts and p.is_file()
    )


def commit_files(files: list[Path]) -> list[Path]:
    """20 ordinary modules of 2-20 KB: the size of a typical commit's files."""
    picked = [p for p in files if 2_000 <= p.stat().st_size <= 20_000 and "test" not in str(p)]
    step = max(1, len(picked) // 20)
    return picked[::step][:20]


def run(cmd: list[str], files: list[Path]) -> tuple[float, str]:
    start = time.perf_counter()
    proc = subprocess.run([*cmd, *map(str, files)], capture_output=True, text=True, check=False)
    return time.perf_counter() - start, proc.stdout


def br_findings(stdout: str) -> list[dict[str, object]]:
    findings: list[dict[str, object]] = json.loads(stdout)["findings"] if stdout.strip() else []
    return findings


def ds_count(stdout: str) -> int:
    return sum(1 for line in stdout.splitlines() if line.strip().startswith("Location:"))


def report(label: str, files: list[Path], repeats: int) -> list[dict[str, object]]:
    size = sum(p.stat().st_size for p in files) / 1e6
    br_times, ds_times = [], []
    br_out = ds_out = ""
    for _ in range(repeats):
        elapsed, br_out = run([*BR, "--json"], files)
        br_times.append(elapsed)
        elapsed, ds_out = run(DS, files)
        ds_times.append(elapsed)
    br_t, ds_t = statistics.median(br_times), statistics.median(ds_times)
    found = br_findings(br_out)
    skipped = len(json.loads(br_out).get("skipped", [])) if br_out.strip() else len(files)
    if not files or skipped >= len(files):
        # A benchmark that measures nothing must fail, not print.
        raise SystemExit(f"bench/secrets.py: {label}: br-secrets read none of {len(files)} files")
    print(f"\n{label}: {len(files)} files, {size:.2f} MB, median of {repeats} run(s)")
    print(f"  {'tool':16} {'wall s':>8} {'MB/s':>8} {'findings':>9}")
    print(f"  {'br-secrets':16} {br_t:8.3f} {size / br_t:8.2f} {len(found):9d}")
    print(f"  {'detect-secrets':16} {ds_t:8.3f} {size / ds_t:8.2f} {ds_count(ds_out):9d}")
    print(f"  ratio: br-secrets is {ds_t / br_t:.1f}x faster (wall) than detect-secrets 1.5.0")
    return found


def main() -> int:
    files = stdlib_files()
    print(f"python {sys.version.split()[0]}; stdlib at {sysconfig.get_paths()['stdlib']}")
    print("note: 2 shared cores; other work on the machine makes timings noisy")
    report("(a) a commit of 20 files (start-up included)", commit_files(files), repeats=7)
    found = report("(b) the standard library (*.py)", files, repeats=1)
    non_test = [f for f in found if not any(part in str(f["path"]) for part in TEST_PARTS)]
    print(f"\nbr-secrets findings in non-test stdlib code: {len(non_test)} (target 0)")
    for finding in non_test:
        print(f"  {finding['path']}:{finding['line']}: {finding['rule_id']} ({finding['value']})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

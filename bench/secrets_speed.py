"""Time br-secrets beside detect-secrets (the anchor) in one run, and compare their precision
and recall on fresh seeds of the generated corpus.

(a) a typical commit: 20 source files, each tool started as a fresh process (start-up included),
    median of several runs; (b) every .py file of the running interpreter's standard library;
(c) precision and recall of both tools on the labelled corpus of tests/data/secrets_corpus.py
    drawn from seeds picked now (printed; `--seed N` repeats a run), per kind of miss.
Prints wall time, MB/s and findings for both and the ratios, then br-secrets' findings in
non-test standard-library code (target: none). A section that read no file fails the run.
Run: bench/.venv/bin/python bench/secrets_speed.py [--seed N ...] [--only-corpus]
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from labelled import load

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
        raise SystemExit(
            f"bench/secrets_speed.py: {label}: br-secrets read none of {len(files)} files"
        )
    print(f"\n{label}: {len(files)} files, {size:.2f} MB, median of {repeats} run(s)")
    print(f"  {'tool':16} {'wall s':>8} {'MB/s':>8} {'findings':>9}")
    print(f"  {'br-secrets':16} {br_t:8.3f} {size / br_t:8.2f} {len(found):9d}")
    print(f"  {'detect-secrets':16} {ds_t:8.3f} {size / ds_t:8.2f} {ds_count(ds_out):9d}")
    print(f"  ratio: br-secrets is {ds_t / br_t:.1f}x faster (wall) than detect-secrets 1.5.0")
    return found


def _ds_flagged(directory: Path) -> set[str]:
    """Paths (relative to `directory`) where `detect-secrets scan --all-files` reports a secret."""
    proc = subprocess.run(
        [str(BIN / "detect-secrets"), "scan", "--all-files", "."],
        cwd=directory,
        capture_output=True,
        text=True,
        check=True,
    )
    return {path for path, found in json.loads(proc.stdout)["results"].items() if found}


def _br_flagged(directory: Path, paths: list[str]) -> set[str]:
    proc = subprocess.run(
        [*BR, "--json", *paths], cwd=directory, capture_output=True, text=True, check=False
    )
    report = json.loads(proc.stdout)
    assert proc.returncode in (0, 1) and not report["skipped"], (proc.stderr, report["skipped"])
    return {str(f["path"]) for f in report["findings"]}


def corpus_section(seeds: list[int]) -> None:
    """(c): both tools over the same corpus files, one seed at a time."""
    corpus = load("secrets_corpus")
    print(f"\n(c) the generated corpus, seeds {seeds} (drawn now; --seed repeats)")
    head = f"{'seed':>10} {'tp':>5} {'fp':>4} {'fn':>4} {'precision':>10} {'recall':>7}"
    print(f"  {'tool':16} {head}")
    totals: dict[str, list[int]] = {"br-secrets": [0, 0, 0], "detect-secrets": [0, 0, 0]}
    misses: dict[str, Counter[str]] = {"br-secrets": Counter(), "detect-secrets": Counter()}
    for seed in seeds:
        samples = corpus.build_corpus(seed)
        with tempfile.TemporaryDirectory() as tmp:
            directory = Path(tmp)
            corpus.write_corpus(directory, samples)
            paths = [s.path for s in samples]
            assert all((directory / p).is_file() for p in paths), "the corpus was not written"
            flagged = {
                "br-secrets": _br_flagged(directory, paths),
                "detect-secrets": _ds_flagged(directory),
            }
        for tool, hits in flagged.items():
            tp = sum(1 for s in samples if s.positive and s.path in hits)
            fp = sum(1 for s in samples if not s.positive and s.path in hits)
            fn = sum(1 for s in samples if s.positive and s.path not in hits)
            for sample in samples:
                if (sample.path in hits) != sample.positive:
                    misses[tool][f"{'FN' if sample.positive else 'FP'} {sample.kind}"] += 1
            totals[tool] = [a + b for a, b in zip(totals[tool], (tp, fp, fn), strict=True)]
            print(f"  {tool:16} {seed:>10} {tp:5d} {fp:4d} {fn:4d} "
                  f"{tp / max(1, tp + fp):10.3f} {tp / max(1, tp + fn):7.3f}")  # fmt: skip
    for tool, (tp, fp, fn) in totals.items():
        assert tp + fn > 0, "no positive sample was scanned"
        worst = ", ".join(f"{k}: {v}" for k, v in misses[tool].most_common(6)) or "none"
        print(f"  {tool}: precision {tp / max(1, tp + fp):.3f}, recall {tp / max(1, tp + fn):.3f}"
              f"; misses by kind: {worst}")  # fmt: skip


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, action="append", help="corpus seed (repeatable)")
    parser.add_argument("--only-corpus", action="store_true", help="run section (c) only")
    args = parser.parse_args()
    seeds = args.seed or [random.SystemRandom().randrange(10**6, 10**7) for _ in range(3)]
    if args.only_corpus:
        corpus_section(seeds)
        return 0
    files = stdlib_files()
    print(f"python {sys.version.split()[0]}; stdlib at {sysconfig.get_paths()['stdlib']}")
    print("note: 2 shared cores; other work on the machine makes timings noisy")
    report("(a) a commit of 20 files (start-up included)", commit_files(files), repeats=7)
    found = report("(b) the standard library (*.py)", files, repeats=1)
    non_test = [f for f in found if not any(part in str(f["path"]) for part in TEST_PARTS)]
    print(f"\nbr-secrets findings in non-test stdlib code: {len(non_test)} (target 0)")
    for finding in non_test:
        print(f"  {finding['path']}:{finding['line']}: {finding['rule_id']} ({finding['value']})")
    corpus_section(seeds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

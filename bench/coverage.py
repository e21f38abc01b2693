"""The coverage gate against diff-cover on the same report and diff, in one run.

Builds a real Python project of generated modules (>= 10k measured lines), runs pytest with
pytest-cov once to write `coverage.xml` and `.coverage`, commits a change touching many files on a
branch, then times, as fresh processes (wall time including interpreter start-up):
  - `br-coverage --base main --json` reading coverage.xml (the hook's path),
  - `diff-cover coverage.xml --compare-branch=main --format json:...` (the anchor),
  - `br-coverage --base main --json` reading .coverage through coverage.py's API, once with no
    total minimum (only the changed files are analysed) and once with one (every file is),
and checks that both tools found the same uncovered lines and the same percentage.

Run: bench/.venv/bin/python bench/coverage.py [--modules 120] [--repeat 11]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from labelled import load

BIN = Path(sys.executable).parent
ENV = {
    **{k: v for k, v in os.environ.items() if not k.startswith(("COVERAGE_", "PYTEST_"))},
    **load("scratch").GIT_ENV,
}


def run(argv: list[str], cwd: Path) -> str:
    proc = subprocess.run(argv, cwd=cwd, env=ENV, capture_output=True, text=True, check=False)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{argv[0]} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return proc.stdout


def module_source(index: int, functions: int, extra: bool) -> str:
    """A module of small functions with branches; `extra` appends new code (the change)."""
    parts = [f'"""Generated module {index}."""\n\nLIMIT = {index}\n']
    for f in range(functions):
        parts.append(
            f"\n\ndef f{f}(x, y=0):\n"
            f"    total = x + y + {f}\n"
            f"    if total > LIMIT:\n"
            f"        total -= LIMIT\n"
            f"    else:\n"
            f"        total += 1\n"
            f"    for i in range(3):\n"
            f"        total += i\n"
            f"    return total\n"
        )
    if extra:
        parts.append(
            "\n\ndef added(x):\n    if x:\n        return x * 2\n    return -1\n"
            "\n\ndef added_untested(x):\n    y = x + 1\n    return y * 3\n"
        )
    return "".join(parts)


def build(root: Path, modules: int, functions: int, changed: int) -> None:
    (root / "pkg").mkdir(parents=True)
    (root / "tests").mkdir()
    (root / "pkg" / "__init__.py").write_text("")
    (root / ".gitignore").write_text(".coverage\ncoverage.xml\n")
    (root / "pyproject.toml").write_text("[tool.coverage.run]\nbranch = true\nsource = ['pkg']\n")
    for i in range(modules):
        (root / "pkg" / f"m{i:03d}.py").write_text(module_source(i, functions, extra=False))
    calls = "".join(
        f"    from pkg.m{i:03d} import f0, f1\n    assert f0({i}) >= 0 and f1(1, {i}) >= 0\n"
        for i in range(modules)
    )
    (root / "tests" / "test_all.py").write_text(f"def test_all():\n{calls}")
    run(["git", "init", "-q", "-b", "main"], root)
    run(["git", "add", "-A"], root)
    run(["git", "commit", "-q", "-m", "base"], root)
    run(["git", "checkout", "-q", "-b", "feature"], root)
    for i in range(changed):
        (root / "pkg" / f"m{i:03d}.py").write_text(module_source(i, functions, extra=True))
    tested = "".join(
        f"    from pkg.m{i:03d} import added\n    assert added(1) == 2\n" for i in range(changed)
    )
    (root / "tests" / "test_added.py").write_text(f"def test_added():\n{tested}")
    run(["git", "add", "-A"], root)
    run(["git", "commit", "-q", "-m", "feature"], root)
    run(
        [
            str(BIN / "python"),
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--cov",
            "--cov-report=xml",
            "tests",
        ],
        root,
    )


def timed_pair(
    first: list[str], second: list[str], cwd: Path, repeat: int
) -> tuple[list[float], str, list[float], str]:
    """Alternate the two commands so that changing load on a shared machine hits both alike."""
    times: tuple[list[float], list[float]] = ([], [])
    outs = ["", ""]
    for _ in range(repeat):
        for i, argv in enumerate((first, second)):
            start = time.perf_counter()
            outs[i] = run(argv, cwd)
            times[i].append(time.perf_counter() - start)
    return times[0], outs[0], times[1], outs[1]


def timed(argv: list[str], cwd: Path, repeat: int) -> tuple[list[float], str]:
    times, out = [], ""
    for _ in range(repeat):
        start = time.perf_counter()
        out = run(argv, cwd)
        times.append(time.perf_counter() - start)
    return times, out


def describe(name: str, times: list[float]) -> str:
    return f"{name:<36} median {statistics.median(times):.3f}s  min {min(times):.3f}s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--modules", type=int, default=120)
    parser.add_argument("--functions", type=int, default=12)
    parser.add_argument("--changed", type=int, default=40)
    parser.add_argument("--repeat", type=int, default=11)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="br-bench-coverage-") as tmp:
        root = Path(tmp) / "project"
        started = time.perf_counter()
        build(root, args.modules, args.functions, args.changed)
        xml = (root / "coverage.xml").read_text()
        print(
            f"project: {args.modules} modules, report measures {xml.count('<line ')} lines "
            f"({len(xml) // 1024} KiB XML); {args.changed} files changed on the branch; "
            f"built in {time.perf_counter() - started:.1f}s"
        )
        (root / ".buildrunner").mkdir()
        config = root / ".buildrunner" / "config.toml"
        config.write_text('[coverage]\nreports = ["coverage.xml"]\n')
        out_json = Path(tmp) / "diff-cover.json"
        ours_t, ours_out, theirs_t, _ = timed_pair(
            [str(BIN / "br-coverage"), "--base", "main", "--json"],
            [
                str(BIN / "diff-cover"),
                "coverage.xml",
                "--compare-branch=main",
                "--total-percent-float",
                f"--format=json:{out_json}",
            ],
            root,
            args.repeat,
        )
        config.write_text('[coverage]\nreports = [".coverage"]\nminimum = 10\n')
        whole_t, _ = timed(
            [str(BIN / "br-coverage"), "--base", "main", "--json"], root, max(3, args.repeat // 2)
        )
        config.write_text('[coverage]\nreports = [".coverage"]\n')
        data_t, data_out = timed(
            [str(BIN / "br-coverage"), "--base", "main", "--json"], root, max(3, args.repeat // 2)
        )
        ours, theirs = json.loads(ours_out)["diff"], json.loads(out_json.read_text())
        same_lines = all(
            f["uncovered_lines"] == theirs["src_stats"][f["path"]]["violation_lines"]
            for f in ours["files"]
        ) and len(ours["files"]) == len(theirs["src_stats"])
        same_percent = round(ours["percent"], 2) == theirs["total_percent_covered"]
        same_data = json.loads(data_out)["diff"] == ours
    if not ours["files"] or not ours["measured"] or not theirs["src_stats"]:
        print("bench/coverage.py: a tool measured no changed line: nothing was compared")
        return 1  # a benchmark that measures nothing must fail, not print agreement
    print(describe("br-coverage (coverage.xml)", ours_t))
    print(describe("diff-cover (coverage.xml)", theirs_t))
    print(describe("br-coverage (.coverage, changed files)", data_t))
    print(describe("br-coverage (.coverage, whole, minimum)", whole_t))
    ratio = statistics.median(theirs_t) / statistics.median(ours_t)
    best = min(theirs_t) / min(ours_t)
    print(f"ratio diff-cover / br-coverage: {ratio:.1f}x by median wall, {best:.1f}x by best run")
    target = "met" if statistics.median(ours_t) <= 0.3 else "MISSED"
    print(f"target <= 0.3 s wall incl. start-up: {target}")
    print(
        f"diff coverage {ours['percent']:.2f}% of {ours['measured']} lines; agreement: "
        f"uncovered lines {same_lines}, percent {same_percent}, .coverage == xml {same_data}"
    )
    return 0 if same_lines and same_percent else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""SQL-injection detection: br-sql-injection beside bandit (B608/B610/B611) and ruff (S608).

Run from the repository root:  bench/.venv/bin/python bench/sqli.py [--repeat N]

1. The labeled corpus (tests/data/sqli_cases/*.cases): every case is its own file; each tool runs
   once over the whole directory. A case counts as flagged when the tool reports anything in
   its file. TPR, FPR, score = TPR - FPR, precision, wall time, all Python + JS/TS, Python
   only (bandit and ruff do not read JS/TS, so that slice is the fair comparison), and the
   "blind" slice (py_blind/js_blind: cases written after the detector without consulting it)
   and the "red" slice (py_redteam/js_redteam: a second author's cases, written before reading
   the detector's code; "red-py" is its Python part).
2. A 10-file commit: median wall time of the hook process, start-up included.
3. Django's source from bench/.venv site-packages: alerts and wall time. Django has no labels,
   so alerts there are leads to review, not proven false positives; our alerts are listed.
Timings share 2 cores with other work: treat them as rough.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from labelled import load  # noqa: E402

Case, load_cases = load("sqli_corpus").Case, load("sqli_corpus").load_cases

BIN = Path(sys.executable).parent


@dataclass
class Run:
    flagged: set[str]  # file stems with a finding
    seconds: float
    alerts: int


def _timed(cmd: list[str], cwd: Path) -> tuple[subprocess.CompletedProcess[str], float]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    return proc, time.perf_counter() - start


def run_ours(target: list[Path], cwd: Path) -> Run:
    proc, took = _timed([str(BIN / "br-sql-injection"), "--json", *map(str, target)], cwd)
    if proc.returncode not in (0, 1):
        raise SystemExit(f"br-sql-injection failed: {proc.stderr[-500:]}")
    findings = json.loads(proc.stdout)["findings"]
    return Run({Path(f["path"]).stem for f in findings}, took, len(findings))


def run_bandit(target: list[Path], cwd: Path) -> Run:
    cmd = [str(BIN / "bandit"), "-q", "-r", "-t", "B608,B610,B611", "-f", "json"]
    proc, took = _timed([*cmd, *map(str, target)], cwd)
    results = json.loads(proc.stdout or "{}").get("results", [])
    return Run({Path(r["filename"]).stem for r in results}, took, len(results))


def run_ruff(target: list[Path], cwd: Path) -> Run:
    cmd = [str(BIN / "ruff"), "check", "--isolated", "--no-cache", "--select", "S608"]
    cmd += ["--output-format", "json", "--exit-zero", "--target-version", "py312"]
    proc, took = _timed([*cmd, *map(str, target)], cwd)
    results = json.loads(proc.stdout or "[]")
    return Run({Path(r["filename"]).stem for r in results}, took, len(results))


TOOLS: dict[str, Callable[[list[Path], Path], Run]] = {
    "br-sql-injection": run_ours,
    "bandit": run_bandit,
    "ruff S608": run_ruff,
}


def best_of(tool: Callable[[list[Path], Path], Run], target: list[Path], cwd: Path, n: int) -> Run:
    runs = [tool(target, cwd) for _ in range(n)]
    return Run(runs[0].flagged, statistics.median(r.seconds for r in runs), runs[0].alerts)


def metrics(cases: list[Case], flagged: set[str]) -> dict[str, float]:
    tp = sum(1 for c in cases if c.vulnerable and c.id in flagged)
    fp = sum(1 for c in cases if not c.vulnerable and c.id in flagged)
    pos = sum(1 for c in cases if c.vulnerable)
    neg = len(cases) - pos
    tpr, fpr = tp / pos if pos else 0.0, fp / neg if neg else 0.0
    precision = tp / (tp + fp) if tp + fp else 0.0
    return {"tpr": tpr, "fpr": fpr, "score": tpr - fpr, "precision": precision, "tp": tp, "fp": fp}


def labeled(repeat: int) -> dict[str, Run]:
    cases = load_cases()
    work = Path(tempfile.mkdtemp(prefix="sqli-bench-"))
    for case in cases:
        (work / f"{case.id}{case.suffix}").write_text(case.code, encoding="utf-8")
    python = [c for c in cases if c.ext.startswith("py")]
    # written after the detector without looking at it: the least biased slice
    blind = [c for c in cases if c.id.startswith(("py_blind", "js_blind"))]
    # written by a second person after the detector, before reading its code
    redteam = [c for c in cases if c.id.startswith(("py_redteam", "js_redteam"))]
    redteam_py = [c for c in redteam if c.ext.startswith("py")]
    vuln = sum(c.vulnerable for c in cases)
    print(f"## Labeled corpus: {len(cases)} cases ({vuln} vulnerable, {len(cases) - vuln} safe;")
    print(f"##   {len(python)} Python incl. {sum(c.ext == 'py312' for c in cases)} 3.12-only,")
    print(f"##   {len(cases) - len(python)} JS/TS)")
    runs = {name: best_of(tool, [work], work, repeat) for name, tool in TOOLS.items()}
    print(f"{'tool':18} {'slice':7} {'TPR':>6} {'FPR':>6} {'score':>6} {'prec':>6}", end="")
    print(f" {'TP':>4} {'FP':>4} {'wall s':>7}")
    for name, run in runs.items():
        slices = [("all", cases), ("python", python), ("blind", blind)]
        slices += [("red", redteam), ("red-py", redteam_py)]
        for label, subset in slices:
            m = metrics(subset, run.flagged)
            wall = f"{run.seconds:7.2f}" if label == "all" else ""
            print(
                f"{name:18} {label:7} {m['tpr']:6.3f} {m['fpr']:6.3f} {m['score']:6.3f} "
                f"{m['precision']:6.3f} {m['tp']:4.0f} {m['fp']:4.0f} {wall}"
            )
    ours = runs["br-sql-injection"].seconds
    for name in ("bandit", "ruff S608"):
        print(f"wall-time ratio br-sql-injection / {name}: {ours / runs[name].seconds:.2f}")
    shutil.rmtree(work, ignore_errors=True)
    return runs


def ten_file_commit(repeat: int) -> None:
    cases = [c for c in load_cases() if c.ext == "py"][::37][:10]
    work = Path(tempfile.mkdtemp(prefix="sqli-commit-"))
    files = []
    for case in cases:
        path = work / f"{case.id}.py"
        path.write_text(case.code, encoding="utf-8")
        files.append(path)
    print(f"\n## 10-file commit (hook process, start-up included; median of {max(repeat, 5)})")
    times: dict[str, float] = {}
    for name, tool in TOOLS.items():
        times[name] = best_of(tool, files, work, max(repeat, 5)).seconds
        print(f"{name:18} {times[name]:.3f} s")
    ours = times["br-sql-injection"]
    print(f"target <= 0.200 s: {'met' if ours <= 0.2 else 'MISSED'}")
    for name in ("bandit", "ruff S608"):
        print(f"wall-time ratio br-sql-injection / {name}: {ours / times[name]:.2f}")
    shutil.rmtree(work, ignore_errors=True)


def django(repeat: int) -> None:
    import importlib.metadata
    import importlib.util

    spec = importlib.util.find_spec("django")
    if spec is None or spec.origin is None:
        print("\n## Django is not installed in this venv: skipped (pip install django)")
        return
    root = Path(spec.origin).parent
    count = sum(1 for _ in root.rglob("*.py"))
    version = importlib.metadata.version("django")
    print(f"\n## Django {version} source: {count} Python files ({root})")
    runs = {name: best_of(tool, [root], root.parent, repeat) for name, tool in TOOLS.items()}
    for name, run in runs.items():
        print(
            f"{name:18} alerts {run.alerts:4d} in {len(run.flagged):3d} files  {run.seconds:6.2f} s"
        )
    ours = runs["br-sql-injection"].seconds
    for name in ("bandit", "ruff S608"):
        print(f"wall-time ratio br-sql-injection / {name}: {ours / runs[name].seconds:.2f}")
    proc = subprocess.run(
        [str(BIN / "br-sql-injection"), str(root)], cwd=root.parent, capture_output=True, text=True
    )
    print("our alerts on Django (to review by hand):")
    for line in proc.stdout.splitlines():
        print("  " + line[:160])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing (median)")
    parser.add_argument("--skip-django", action="store_true")
    args = parser.parse_args()
    labeled(args.repeat)
    ten_file_commit(args.repeat)
    if not args.skip_django:
        django(max(1, args.repeat // 3))


if __name__ == "__main__":
    main()

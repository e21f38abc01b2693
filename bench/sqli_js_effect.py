"""The whole effect of a change to the JS/TS analyser: the hook's JSON before and after.

Writes every labelled JS/TS case (tests/data/sqli_cases/js*.cases and the blind sets' JS/TS
cases, blind17-21) to its own file, unpacks the npm packages bench/sqli_js_projects.py scans
(from its cache, bench/_work/npm/), and runs `python -m br_hooks.sql_injection --json FILES...`
over each group from two checkouts, this one and `--before DIR` (PYTHONPATH=DIR). Prints every
finding that one side has and the other has not (path:line, rule, sink, source, confidence),
then the count of differences per group: each line is a difference to explain.
Run: bench/.venv/bin/python bench/sqli_js_effect.py --before /path/to/older/checkout
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import sqli_js_projects as npm  # noqa: E402
from sqli_js_cases import load  # noqa: E402

DIRS = ("sqli_cases", "blind17", "blind18", "blind19", "blind20", "blind21")


def hook_json(tree: Path, cwd: Path, files: list[str]) -> set[str]:
    """The hook's findings over `files`, run from checkout `tree`, one line each."""
    env = {**os.environ, "PYTHONPATH": str(tree.resolve())}
    proc = subprocess.run(
        [sys.executable, "-m", "br_hooks.sql_injection", "--json", *files],
        cwd=cwd, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    if proc.returncode not in (0, 1):
        raise SystemExit(f"{tree}: exit {proc.returncode}: {proc.stderr[-500:]}")
    report = json.loads(proc.stdout)
    if report["files_scanned"] < 0.8 * len(files) or report["errors"]:
        raise SystemExit(f"{tree}: read {report['files_scanned']} of {len(files)} files")
    return {
        f"{f['path']}:{f['line']} {f['rule']} {f['sink']} <- {f['source']} [{f['confidence']}]"
        for f in report["findings"]
    }


def groups(work: Path) -> dict[str, tuple[Path, list[str]]]:
    """Group name -> (directory, files relative to it): the labelled cases, then each package."""
    cases = work / "cases"
    cases.mkdir()
    for case in load(DIRS):
        (cases / f"{case.id}-{case.label}{case.suffix}").write_text(case.code, encoding="utf-8")
    out = {"labelled": (cases, sorted(p.name for p in cases.iterdir()))}
    for spec in npm.PACKAGES:
        root = work / spec.replace("/", "-")
        with tarfile.open(npm.tarball(spec)) as archive:
            archive.extractall(root, filter="data")
        out[spec] = (root, [str(p.relative_to(root)) for p in npm.sources(root)])
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="the older checkout")
    args = parser.parse_args()
    summary = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, (cwd, files) in groups(Path(tmp)).items():
            before, after = hook_json(args.before, cwd, files), hook_json(ROOT, cwd, files)
            for line in sorted(before - after):
                print(f"- {name} {line}")
            for line in sorted(after - before):
                print(f"+ {name} {line}")
            summary.append(f"{name}: {len(files)} files, {len(before)} -> {len(after)} findings, "
                           f"{len(before - after)} gone, {len(after - before)} new")  # fmt: skip
    print("\n".join(summary))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

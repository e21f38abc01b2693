"""br-sql-injection on real Express/knex code from npm: unlabelled false-positive checks.

Each package is fetched once with `npm pack NAME@VERSION` (the package's own files, no
dependencies) into bench/_work/npm/, unpacked into a temporary directory outside any repository
or virtualenv, and its .js/.mjs/.cjs/.ts files (not .d.ts, not minified bundles) are passed to
br-sql-injection by name. Prints files, lines, alerts, alerts per 100k lines and seconds per
package (and how many are high confidence: traced to a known source such as the request),
then every alert with its confidence (each one is either a real injection or a false positive
to look at).
A package that yields no file, or a run that skips one, fails the benchmark: it measured nothing.
`--tree DIR` runs the hook from another checkout (`python -m br_hooks.sql_injection` with
PYTHONPATH=DIR), to compare before and after a change in one run.
Run: bench/.venv/bin/python bench/sqli_js_projects.py [--show N] [--tree DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

BIN = Path(sys.executable).parent
CACHE = Path(__file__).resolve().parent / "_work" / "npm"
# Express itself, knex and what is built on it (ORMs, a Feathers adapter, a paginator), and two
# applications' worth of code: Ghost (Express + knex) and Sequelize's query generators.
PACKAGES = (
    "express@5.3.0",
    "knex@3.3.0",
    "objection@3.1.5",
    "bookshelf@1.2.0",
    "@feathersjs/knex@5.0.50",
    "knex-paginate@3.2.0",
    "ghost@6.65.0",
    "sequelize@6.37.8",
)
SUFFIXES = (".js", ".mjs", ".cjs", ".ts", ".tsx", ".jsx")


def tarball(spec: str) -> Path:
    """The package's tarball, fetched with `npm pack` on first use."""
    CACHE.mkdir(parents=True, exist_ok=True)
    name, _, version = spec.rpartition("@")
    path = CACHE / f"{name.lstrip('@').replace('/', '-')}-{version}.tgz"
    if not path.exists():
        fetch = ["npm", "pack", "--silent", spec]
        subprocess.run(fetch, cwd=CACHE, check=True, capture_output=True, timeout=600)
    assert path.exists(), f"npm pack {spec} did not write {path.name}"
    return path


def sources(root: Path) -> list[Path]:
    return sorted(
        p
        for p in root.rglob("*")
        if p.is_file()
        and p.suffix in SUFFIXES
        and not p.name.endswith((".d.ts", ".min.js"))
        and "node_modules" not in p.parts
    )


def scan(spec: str, tree: Path | None) -> tuple[int, int, list[dict[str, object]], float]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        with tarfile.open(tarball(spec)) as archive:
            archive.extractall(root, filter="data")
        files = sources(root)
        assert files, f"{spec}: no JS/TS file in the package"
        lines = sum(p.read_bytes().count(b"\n") + 1 for p in files)
        rel = [str(p.relative_to(root)) for p in files]
        started = time.perf_counter()
        hook = [str(BIN / "br-sql-injection")]
        env = dict(os.environ)
        if tree is not None:
            hook = [sys.executable, "-m", "br_hooks.sql_injection"]
            env["PYTHONPATH"] = str(tree.resolve())
        proc = subprocess.run(
            [*hook, "--json", *rel],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - started
        assert proc.returncode in (0, 1), f"{spec}: exit {proc.returncode}: {proc.stderr[-500:]}"
        report = json.loads(proc.stdout)
        read = report["files_scanned"]
        # the scanner skips what it is told to (vendored trees, bundles over the size cap) and
        # says so in `notices`; most of the package must still have been read
        assert read >= 0.8 * len(files) and not report["errors"], (spec, read, report["errors"])
        return read, lines, report["findings"], seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--show", type=int, default=40, help="alerts to list (default 40)")
    parser.add_argument("--tree", type=Path, help="run the hook from this checkout instead")
    args = parser.parse_args()
    print("note: 2 shared cores; other work on the machine makes timings noisy")
    print(
        f"  {'package':26} {'read':>6} {'lines':>8} {'alerts':>7} {'/100k':>7} {'high':>5} {'s':>7}"
    )
    total_lines = total_alerts = total_high = 0
    shown: list[str] = []
    for spec in PACKAGES:
        files, lines, findings, seconds = scan(spec, args.tree)
        total_lines += lines
        total_alerts += len(findings)
        high = sum(f.get("confidence", "high") == "high" for f in findings)
        total_high += high
        rate = len(findings) * 100_000 / lines
        print(
            f"  {spec:26} {files:6d} {lines:8d} {len(findings):7d} {rate:7.1f} {high:5d} "
            f"{seconds:7.2f}"
        )
        shown += [
            f"    {spec} {f['path']}:{f['line']}: {f['rule']} {f['sink']} <- {f['source']}"
            f" [{f.get('confidence', 'high')}]"
            for f in findings
        ]
    assert total_lines > 0
    print(f"  all: {total_alerts} alerts in {total_lines} lines: "
          f"{total_alerts * 100_000 / total_lines:.1f} per 100k lines, {total_high} high "
          f"({total_high * 100_000 / total_lines:.1f} per 100k lines)")  # fmt: skip
    for line in shown[: args.show]:
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

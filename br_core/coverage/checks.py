"""The three checks of the coverage gate, as plain functions over loaded reports.

1. total coverage against a minimum (coverage.py's own rounding rule for `fail_under`);
2. diff coverage: of the changed lines a report measures, the covered share;
3. staleness: a report older than the staged sources it covers.
"""

from __future__ import annotations

import os
import shlex
import subprocess
from pathlib import Path
from typing import NamedTuple

from br_core.coverage.config import CoverageSettings
from br_core.coverage.model import Report, Totals, merge_lines
from br_core.coverage.reports import load_report
from br_core.errors import ConfigError

DEFAULT_REPORTS = (
    "coverage.xml",
    ".coverage",
    "lcov.info",
    "coverage/lcov.info",
    "coverage/cobertura-coverage.xml",
    "coverage.out",
    "cover.out",
    "target/site/jacoco/jacoco.xml",
    "build/reports/jacoco/test/jacocoTestReport.xml",
)
REGENERATE_HINT = {
    "coverage.py": "pytest --cov",
    "cobertura": "pytest --cov --cov-report=xml",
    "lcov": "your test runner with lcov output (e.g. `npx jest --coverage`)",
    "go": "go test -coverprofile=coverage.out ./...",
    "jacoco": "mvn verify (jacoco:report) or gradle jacocoTestReport",
}


class FileDiff(NamedTuple):
    """Diff coverage of one file: changed lines the report measures, and those not run."""

    path: str
    measured: int
    uncovered: list[int]

    @property
    def covered(self) -> int:
        return self.measured - len(self.uncovered)

    @property
    def percent(self) -> float:
        return 100.0 - 100.0 * len(self.uncovered) / self.measured


class DiffCoverage:
    """Diff coverage over all files with measured changed lines."""

    def __init__(self) -> None:
        self.files: list[FileDiff] = []

    @property
    def measured(self) -> int:
        return sum(f.measured for f in self.files)

    @property
    def covered(self) -> int:
        return sum(f.covered for f in self.files)

    @property
    def percent(self) -> float:
        return 100.0 if self.measured == 0 else 100.0 * self.covered / self.measured


def report_candidates(root: Path, settings: CoverageSettings) -> tuple[list[Path], list[str]]:
    """(existing report paths, configured paths that are missing).

    Configured reports are all used; without configuration the newest default report is used,
    so a stale `coverage.xml` beside a fresh `.coverage` does not win.
    """
    if settings.reports:
        named = [(name, root / name) for name in settings.reports]
        return [p for _, p in named if p.is_file()], [n for n, p in named if not p.is_file()]
    found = [root / name for name in DEFAULT_REPORTS if (root / name).is_file()]
    if not found:
        return [], []
    return [max(found, key=lambda p: p.stat().st_mtime_ns)], []


def load_reports(
    root: Path, settings: CoverageSettings, paths: list[Path], changed: dict[str, list[int]]
) -> list[Report]:
    """Load every report. Without a total minimum nothing needs the whole-project total, so
    coverage.py data is analysed for the changed files only (much faster on big projects)."""
    only = list(changed) if settings.minimum is None else None
    return [load_report(p, root, settings.source_roots, only) for p in paths]


def lookup(reports: list[Report], rel: str) -> dict[int, int] | None:
    """Merged line hits of `rel` across reports; None when no report covers it."""
    found = [hits for r in reports if (hits := r.lookup(rel)) is not None]
    if len(found) <= 1:
        return found[0] if found else None
    merged: dict[int, int] = {}
    for hits in found:
        merge_lines(merged, hits)
    return merged


def merged_totals(reports: list[Report]) -> Totals:
    if len(reports) == 1:
        return reports[0].totals
    totals = Totals()
    for report in reports:
        totals.add(report.totals)
    return totals


def diff_coverage(reports: list[Report], changed: dict[str, list[int]]) -> DiffCoverage:
    """Covered share of changed lines the reports measure; other lines and files do not count."""
    result = DiffCoverage()
    for rel, lines in changed.items():
        hits = lookup(reports, rel)
        if hits is None:
            continue
        measured = [n for n in lines if n in hits]
        if measured:
            uncovered = [n for n in measured if hits[n] <= 0]
            result.files.append(FileDiff(rel, len(measured), uncovered))
    return result


def stale_sources(reports: list[Report], changed: dict[str, list[int]], root: Path) -> list[str]:
    """Changed files a report covers whose content is newer than that report."""
    stale: list[str] = []
    for rel in changed:
        for report in reports:
            if report.lookup(rel) is None:
                continue
            try:
                newer = (root / rel).stat().st_mtime_ns > report.path.stat().st_mtime_ns
            except OSError:
                newer = False
            if newer:
                stale.append(rel)
                break
    return stale


def total_fails(total: float, minimum: float, precision: int) -> bool:
    """coverage.py's `fail_under` rule: compare after rounding; 100 means exactly 100."""
    if minimum == 100.0:
        return total != 100.0
    digits = precision
    if minimum != int(minimum):
        from decimal import Decimal  # rarely needed; keeps start-up lean

        exponent = Decimal(str(minimum)).as_tuple().exponent
        digits = max(precision, -int(exponent))
    return round(total, digits) < minimum


class CommandResult(NamedTuple):
    ok: bool
    summary: str
    tail: list[str]


def run_test_command(root: Path, settings: CoverageSettings) -> CommandResult:
    """Run the configured test command (no shell) from the repository root, time-bounded."""
    command = settings.test_command
    if not command:
        raise ConfigError(
            f"{root / '.buildrunner' / 'config.toml'}: staleness = run needs test_command; "
            'add test_command = "pytest --cov --cov-report=xml" under [coverage]'
        )
    try:
        argv = shlex.split(command)
    except ValueError as exc:
        raise ConfigError(f"test_command {command!r}: {exc}; fix the quoting") from exc
    try:
        proc = subprocess.run(
            argv,
            cwd=root,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=settings.command_timeout,
            check=False,
            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
        )
    except FileNotFoundError as exc:
        raise ConfigError(
            f"test_command {command!r}: {argv[0]} not found; fix [coverage] test_command"
        ) from exc
    except subprocess.TimeoutExpired:
        return CommandResult(
            False,
            f"`{command}` timed out after {settings.command_timeout:g}s; "
            "raise [coverage] command_timeout or speed the tests up",
            [],
        )
    tail = (proc.stdout + proc.stderr).rstrip().splitlines()[-10:]
    if proc.returncode != 0:
        return CommandResult(False, f"`{command}` exited with {proc.returncode}", tail)
    return CommandResult(True, f"ran `{command}`", [])

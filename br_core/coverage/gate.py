"""The coverage gate: total coverage and coverage of the lines being committed, from the report
the project already has. Exit code 0 pass, 1 a check failed; BRError for an unreadable report or
configuration."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from br_core.coverage import checks
from br_core.coverage.config import CoverageSettings, load_settings
from br_core.coverage.diff_lines import changes_since, format_ranges, staged_changes
from br_core.coverage.model import Report
from br_core.git import run_git
from br_core.scan.testpaths import is_test_path

PREFIX = "br-coverage"


class GateOutcome:
    """What the gate decided, the lines to print, and the same facts as JSON-ready data;
    `notices` are about the configuration (an untrusted or check-silencing setting): stderr."""

    # plain classes, not dataclasses: importing dataclasses pulls in inspect and ast, a sizeable
    # share of the hook's start-up time
    def __init__(self, data: dict[str, Any] | None = None) -> None:
        self.exit_code = 0
        self.lines: list[str] = []
        self.notices: list[str] = []
        self.data: dict[str, Any] = data if data is not None else {}

    def fail(self, line: str) -> None:
        self.exit_code = 1
        self.lines.append(line)


def _test_hint(root: Path) -> str | None:
    """How to produce a report for the test suite found here; None when there are no tests."""
    out = run_git(["ls-files", "--cached", "--others", "--exclude-standard"], cwd=root, check=False)
    found = [name for name in out.splitlines() if is_test_path(name)]
    if not found:
        return None
    for suffix, fmt in (("_test.go", "go"), ("Test.java", "jacoco"), ("Test.kt", "jacoco")):
        if any(name.endswith(suffix) for name in found):
            return checks.REGENERATE_HINT[fmt]
    if any(".test." in name or ".spec." in name for name in found):
        return checks.REGENERATE_HINT["lcov"]
    if any(name.endswith(".py") for name in found):
        return checks.REGENERATE_HINT["cobertura"]
    return "your test runner with a Cobertura XML or lcov report"


def _hint(settings: CoverageSettings, reports: list[Report]) -> str:
    if settings.test_command:
        return settings.test_command
    return checks.REGENERATE_HINT.get(reports[0].fmt if reports else "", "pytest --cov")


def _no_report(root: Path, settings: CoverageSettings, missing: list[str]) -> GateOutcome:
    looked = (
        ", ".join(missing)
        if missing
        else (
            "coverage.xml, lcov.info, .coverage and the other usual report paths; name yours with "
            'reports = ["path"] under [coverage] in .buildrunner/config.toml'
        )
    )
    outcome = GateOutcome(data={"status": "no-report", "looked_for": missing})
    hint = _test_hint(root)
    if hint is not None:
        what = (
            f"tests exist but no coverage report was found ({looked}); "
            f"create one with `{settings.test_command or hint}`"
        )
    else:
        what = f"no test suite and no coverage report found ({looked}); nothing to check"
    if settings.fail_when_no_report:
        outcome.fail(f"{PREFIX}: FAIL {what} (fail_when_no_report = true)")
        outcome.data["status"] = "fail"
    else:
        outcome.lines.append(f"{PREFIX}: notice: {what}")
    return outcome


def _check_staleness(
    root: Path,
    settings: CoverageSettings,
    reports: list[Report],
    changed: dict[str, list[int]],
    outcome: GateOutcome,
) -> list[Report]:
    stale = checks.stale_sources(reports, changed, root)
    names = ", ".join(r.path.name for r in reports)
    if stale and settings.staleness == "run":
        result = checks.run_test_command(root, settings)
        outcome.data["test_command"] = {"ok": result.ok, "summary": result.summary}
        if not result.ok:
            outcome.fail(f"{PREFIX}: FAIL {result.summary}; fix the tests or the command")
            outcome.lines += [f"  | {line}" for line in result.tail]
        paths, _ = checks.report_candidates(root, settings)
        reports = checks.load_reports(root, settings, paths, changed) if paths else reports
        stale = checks.stale_sources(reports, changed, root)
        if stale:
            outcome.fail(
                f"{PREFIX}: FAIL `{settings.test_command}` did not refresh {names}; make it "
                "write that report, or point [coverage] reports at the file it writes"
            )
    elif stale:
        shown = ", ".join(stale[:5]) + (f" and {len(stale) - 5} more" if len(stale) > 5 else "")
        text = (
            f"{names} is older than changed {shown}, which it covers; line numbers may not match; "
            f"regenerate it with `{_hint(settings, reports)}`"
        )
        if settings.staleness == "fail":
            outcome.fail(f"{PREFIX}: FAIL {text}")
        else:
            outcome.lines.append(f"{PREFIX}: warning: {text}")
    outcome.data["stale"] = {"mode": settings.staleness, "files": stale}
    return reports


def _check_total(settings: CoverageSettings, reports: list[Report], outcome: GateOutcome) -> None:
    totals = checks.merged_totals(reports)
    names = ", ".join(str(r.path.name) for r in reports)
    if not totals.known:  # coverage.py data read for the changed files only: no minimum to meet
        outcome.data["total"] = {"percent": None, "minimum": None, "passed": True}
        return
    percent = totals.percent
    entry: dict[str, Any] = {
        "percent": round(percent, 2),
        "minimum": settings.minimum,
        "minimum_from": settings.minimum_from or None,
        "lines_covered": totals.lines_covered,
        "lines_total": totals.lines_total,
        "branches_covered": totals.branches_covered,
        "branches_total": totals.branches_total,
    }
    entry["passed"] = settings.minimum is None or not checks.total_fails(
        percent, settings.minimum, settings.precision
    )
    outcome.data["total"] = entry
    if not entry["passed"]:
        outcome.fail(
            f"{PREFIX}: FAIL total coverage {percent:.2f}% in {names} is below the minimum "
            f"{settings.minimum:g}% ({settings.minimum_from}); add tests for untested code, "
            f"then regenerate the report with `{_hint(settings, reports)}`"
        )


def _check_diff(
    settings: CoverageSettings,
    reports: list[Report],
    changed: dict[str, list[int]],
    outcome: GateOutcome,
) -> None:
    result = checks.diff_coverage(reports, changed)
    passed = result.percent >= settings.diff_threshold
    outcome.data["diff"] = {
        "percent": result.percent,
        "threshold": settings.diff_threshold,
        "covered": result.covered,
        "measured": result.measured,
        "passed": passed,
        "files": [
            {
                "path": f.path,
                "percent": f.percent,
                "measured": f.measured,
                "covered": f.covered,
                "uncovered_lines": f.uncovered,
                "uncovered_ranges": format_ranges(f.uncovered),
            }
            for f in result.files
        ],
    }
    if passed:
        return
    outcome.fail(
        f"{PREFIX}: FAIL diff coverage {result.percent:.1f}% is below {settings.diff_threshold:g}%:"
        f" {result.covered} of {result.measured} changed executable lines are covered"
    )
    for item in result.files:
        if item.uncovered:
            ranges = ", ".join(format_ranges(item.uncovered))
            outcome.lines.append(
                f"  {item.path}: lines {ranges} not covered ({item.covered} of {item.measured} "
                f"changed lines covered, {item.percent:.1f}%); write tests for lines {ranges}"
            )
    outcome.lines.append(f"  then regenerate the report with `{_hint(settings, reports)}`")


def _summary(outcome: GateOutcome, reports: list[Report]) -> None:
    total, diff = outcome.data["total"], outcome.data["diff"]
    minimum = f" (minimum {total['minimum']:g}%)" if total["minimum"] is not None else ""
    shown = "not computed" if total["percent"] is None else f"{total['percent']:.2f}%"
    verdict = "ok" if outcome.exit_code == 0 else "summary"
    outcome.lines.append(
        f"{PREFIX}: {verdict}: total {shown}{minimum}; diff {diff['percent']:.1f}%"
        f" of {diff['measured']} changed executable lines (threshold {diff['threshold']:g}%); "
        f"report {', '.join(r.path.name for r in reports)}"
    )


def _load(
    root: Path, settings: CoverageSettings, changed: dict[str, list[int]], outcome: GateOutcome
) -> tuple[list[Report], list[str]]:
    """Reports with data, and what was looked for in vain (missing or empty reports)."""
    paths, missing = checks.report_candidates(root, settings)
    if not paths and settings.staleness == "run" and settings.test_command:
        result = checks.run_test_command(root, settings)
        outcome.lines.append(f"{PREFIX}: no report yet; {result.summary}")
        paths, missing = checks.report_candidates(root, settings)
    loaded = checks.load_reports(root, settings, paths, changed)
    empty = [f"{os.path.relpath(r.path, root)} measures no files" for r in loaded if r.empty]
    return [r for r in loaded if not r.empty], empty + missing


def run_gate(root: Path, base: str | None = None, head: str = "HEAD") -> GateOutcome:
    """Run the three checks for the repository at `root` against the staged diff, or against
    `base...head` when `base` is given. BRError (exit 2) for unreadable reports or config."""
    settings = load_settings(root)
    changed = staged_changes(root) if base is None else changes_since(root, base, head)
    outcome = GateOutcome()
    outcome.notices = list(settings.notices)
    reports, missing = _load(root, settings, changed, outcome)
    if not reports:
        no_report = _no_report(root, settings, missing)
        no_report.lines[:0] = outcome.lines
        no_report.notices = outcome.notices
        return no_report
    outcome.data["reports"] = [{"path": str(r.path), "format": r.fmt} for r in reports]
    for name in missing:
        outcome.lines.append(f"{PREFIX}: warning: configured report {name} does not exist")
    reports = _check_staleness(root, settings, reports, changed, outcome)
    _check_total(settings, reports, outcome)
    _check_diff(settings, reports, changed, outcome)
    _summary(outcome, reports)
    outcome.data["status"] = "pass" if outcome.exit_code == 0 else "fail"
    return outcome

"""coverage.py's data file (`.coverage`), read through coverage.py's own API.

The data file holds only executed lines; which lines are executable comes from analysing the
sources with the project's coverage.py configuration (exclusions, include/omit). coverage.py's
JSON report does exactly that, so the figures equal `coverage report` and `coverage xml`.
coverage is imported here only, so other formats never pay for it.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import tempfile
import warnings
from collections.abc import Collection
from pathlib import Path

from br_core.coverage.model import PathResolver, Report, ReportError, Totals


def _measured_among(measured: Collection[str], root: Path, only: Collection[str]) -> list[str]:
    """The measured files (as the data file names them) that are among repo paths `only`."""
    wanted: set[str] = set()
    for rel in only:
        full = os.path.join(root, rel)
        wanted.update((os.path.normpath(full), os.path.realpath(full)))
    picked = []
    for name in measured:
        full = os.path.join(root, name)
        if os.path.normpath(full) in wanted or os.path.realpath(full) in wanted:
            picked.append(name)
    return picked


def load_coverage_data(
    path: Path, root: Path, resolver: PathResolver, only: Collection[str] | None = None
) -> Report:
    """Analyse `path` with coverage.py, run from `root` so its configuration and relative
    paths resolve as they do for the project's own `coverage report`.

    Analysis parses every source file, which dominates the time on big projects; with `only`
    (repo paths) just those files are analysed and the totals are marked unknown."""
    try:
        import coverage
        from coverage.exceptions import CoverageException, NoDataError
    except ImportError as exc:  # pragma: no cover - coverage is a runtime dependency
        raise ReportError(f"{path}: reading it needs coverage.py; pip install coverage") from exc
    with tempfile.TemporaryDirectory(prefix="br-coverage-") as tmp:
        out = Path(tmp) / "coverage.json"
        try:
            with contextlib.chdir(root), warnings.catch_warnings():
                warnings.simplefilter("ignore")
                cov = coverage.Coverage(data_file=str(path.resolve()), config_file=True)
                cov.load()
                measured = cov.get_data().measured_files()
                if not measured:
                    return Report(path=path, fmt="coverage.py")
                morfs = None if only is None else _measured_among(measured, root, only)
                if morfs == []:
                    return Report(
                        path=path, fmt="coverage.py", partial=True, totals=Totals(known=False)
                    )
                cov.json_report(morfs, outfile=str(out), ignore_errors=True, pretty_print=False)
        except NoDataError:
            return Report(path=path, fmt="coverage.py")
        except (CoverageException, sqlite3.Error) as exc:
            # sqlite3.Error: coverage.py lets it through for an SQLite file of another schema
            first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            raise ReportError(
                f"{path}: coverage.py cannot read it ({first}); "
                "delete it and rerun the tests with coverage"
            ) from exc
        data = json.loads(out.read_text(encoding="utf-8"))
    report = _report_from_json(path, root, resolver, data)
    if only is not None:
        report.partial, report.totals.known = True, False
    return report


def _report_from_json(
    path: Path, root: Path, resolver: PathResolver, data: dict[str, object]
) -> Report:
    try:
        return _read_json_report(path, root, resolver, data)
    except (TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise ReportError(
            f"{path}: coverage.py reported it in an unexpected shape ({type(exc).__name__}); "
            "delete it and rerun the tests with coverage"
        ) from exc


def _read_json_report(
    path: Path, root: Path, resolver: PathResolver, data: dict[str, object]
) -> Report:
    report = Report(path=path, fmt="coverage.py")
    files = data.get("files")
    for name, entry in (files if isinstance(files, dict) else {}).items():
        executed = entry.get("executed_lines", [])
        missing = entry.get("missing_lines", [])
        lines = {int(n): 1 for n in executed}
        lines.update({int(n): 0 for n in missing})
        resolver.place(report, name, [root, path.parent], lines)
    summary = data.get("totals")
    if not isinstance(summary, dict):
        summary = {}
    report.totals = Totals(
        lines_covered=int(summary.get("covered_lines", 0)),
        lines_total=int(summary.get("num_statements", 0)),
        branches_covered=int(summary.get("covered_branches", 0)),
        branches_total=int(summary.get("num_branches", 0)),
        percent_override=float(summary.get("percent_covered", 100.0)),
    )
    return report

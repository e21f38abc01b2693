"""What every coverage report becomes: per-file line hits keyed by repository path, plus totals.

Reports name files in many ways: absolute paths from the machine that ran the tests, paths relative
to a Cobertura `<source>`, Go import paths, JaCoCo package paths. `PathResolver` turns each into a
path relative to the repository root; names it cannot place are kept and matched by path suffix.
"""

from __future__ import annotations

import os
from pathlib import Path

from br_core.errors import UsageError


class ReportError(UsageError):
    """A coverage report that cannot be read: exit 2 with one line."""


class Totals:
    """Whole-report figures. The percent counts lines and branches together, like coverage.py."""

    __slots__ = (
        "branches_covered",
        "branches_total",
        "known",
        "lines_covered",
        "lines_total",
        "percent_override",
    )

    def __init__(
        self,
        lines_covered: int = 0,
        lines_total: int = 0,
        branches_covered: int = 0,
        branches_total: int = 0,
        percent_override: float | None = None,
        known: bool = True,  # False when only some files were analysed (see coverage_pydata)
    ) -> None:
        self.lines_covered = lines_covered
        self.lines_total = lines_total
        self.branches_covered = branches_covered
        self.branches_total = branches_total
        self.percent_override = percent_override
        self.known = known

    @property
    def percent(self) -> float:
        if self.percent_override is not None:
            return self.percent_override
        total = self.lines_total + self.branches_total
        if total == 0:
            return 100.0
        return 100.0 * (self.lines_covered + self.branches_covered) / total

    def add(self, other: Totals) -> None:
        self.lines_covered += other.lines_covered
        self.lines_total += other.lines_total
        self.branches_covered += other.branches_covered
        self.branches_total += other.branches_total
        self.known = self.known and other.known
        if other.percent_override is not None or self.percent_override is not None:
            # several reports: fall back to the counted figures (coverage.py data counts too)
            self.percent_override = None


class Report:
    """One loaded report. `files` keys are repo-relative POSIX paths; line -> hit count."""

    def __init__(
        self,
        path: Path,
        fmt: str,
        totals: Totals | None = None,
        partial: bool = False,  # only the changed files were read
    ) -> None:
        self.path = path
        self.fmt = fmt
        self.files: dict[str, dict[int, int]] = {}
        self.unplaced: dict[str, dict[int, int]] = {}
        self.totals = totals if totals is not None else Totals()
        self.partial = partial

    @property
    def empty(self) -> bool:
        """True when the report names no file at all (e.g. every source was missing)."""
        return not (self.files or self.unplaced or self.partial)

    def lookup(self, rel: str) -> dict[int, int] | None:
        """Line hits of repo path `rel`, or None when the report does not cover it."""
        found = self.files.get(rel)
        # Suffix matching is for reports made elsewhere (CI checkouts, Go import paths, Java
        # packages). When some names did land in this repository, the rest are files outside it
        # (site-packages, another project), and a same-named file here must not borrow their lines.
        if found is not None or not self.unplaced or self.files:
            return found
        return _suffix_match(self.unplaced, rel)


def _suffix_match(unplaced: dict[str, dict[int, int]], rel: str) -> dict[int, int] | None:
    """Match a name the report made elsewhere (CI checkout, Go import path, Java package)."""
    best: tuple[int, str] | None = None
    for name in unplaced:
        if name == rel or name.endswith("/" + rel) or rel.endswith("/" + name.lstrip("./")):
            score = min(len(name), len(rel))
            if best is None or score > best[0]:
                best = (score, name)
    return unplaced[best[1]] if best else None


def merge_lines(into: dict[int, int], lines: dict[int, int]) -> None:
    """A line covered by any contributor is covered (highest hit count wins)."""
    for number, hits in lines.items():
        if hits > into.get(number, -1):
            into[number] = hits


class PathResolver:
    """Maps file names found in a report to paths relative to the repository root."""

    def __init__(self, root: Path) -> None:
        self.root = root
        text = os.path.normpath(str(root))
        real = os.path.realpath(text)
        self._roots = [text] if real == text else [text, real]

    def inside(self, absolute: str) -> str | None:
        """The repo-relative POSIX path of an absolute path under the root, else None."""
        for top in self._roots:
            if absolute.startswith(top + os.sep):
                return absolute[len(top) + 1 :].replace(os.sep, "/")
        return None

    def resolve(self, raw: str, bases: list[Path]) -> str | None:
        """Repo path for `raw`: absolute names directly, relative ones under the first base
        where the file exists. None when it cannot be placed inside this repository."""
        name = raw.strip().replace("\\", "/")
        if os.path.isabs(name):
            return self.inside(os.path.normpath(name))
        for base in bases:
            candidate = os.path.normpath(os.path.join(base, name))
            rel = self.inside(candidate)
            if rel is not None and os.path.isfile(candidate):
                return rel
        return None

    def place(
        self, report: Report, raw: str, bases: list[Path], lines: dict[int, int]
    ) -> str | None:
        """Store `lines` for `raw` in `report` (placed or not); return the repo path if placed."""
        rel = self.resolve(raw, bases)
        if rel is not None:
            merge_lines(report.files.setdefault(rel, {}), lines)
        else:
            key = os.path.normpath(raw.strip().replace("\\", "/")).replace(os.sep, "/")
            merge_lines(report.unplaced.setdefault(key, {}), lines)
        return rel


def unique_dirs(paths: list[Path]) -> list[Path]:
    """Drop repeated base directories, keeping the first occurrence's order."""
    seen: set[str] = set()
    out: list[Path] = []
    for path in paths:
        key = os.path.normpath(str(path))
        if key not in seen:
            seen.add(key)
            out.append(path)
    return out

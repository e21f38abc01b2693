"""Readers for coverage reports: Cobertura XML, JaCoCo XML, lcov, Go cover profiles, and
coverage.py's data file (through coverage.py's own API, imported only for that format).

Each reader returns a `Report`: line hits per repository path and whole-report totals. A report
that cannot be read is a one-line `ReportError` (exit 2), never a traceback.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Collection
from pathlib import Path

from br_core.coverage.model import (
    PathResolver,
    Report,
    ReportError,
    Totals,
    merge_lines,
    unique_dirs,
)

FORMATS = ("coverage.py", "cobertura", "jacoco", "lcov", "go")
_REGENERATE = "regenerate the report"
# A Go block covers one function's statements; a report that claims more is not a real profile,
# and expanding it line by line would hang the gate.
MAX_GO_BLOCK_LINES = 100_000
MAX_GO_LINES = 5_000_000


def detect_format(path: Path) -> str:
    """The report format of `path`, judged from its content rather than its name."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError as exc:
        raise ReportError(f"{path}: cannot read ({exc.strerror}); check the path") from exc
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if text.startswith(b"SQLite format 3"):
        return "coverage.py"
    if text.startswith(b"mode:"):
        return "go"
    if text.startswith(b"<"):
        if b"<report" in head or b"JACOCO" in head:
            return "jacoco"
        return "cobertura"
    if re.search(rb"^(TN|SF):", text, re.MULTILINE):
        return "lcov"
    if not text:
        raise ReportError(f"{path}: the report is empty; {_REGENERATE}")
    raise ReportError(
        f"{path}: not a coverage report this gate reads (coverage.py data, Cobertura, JaCoCo, "
        "lcov, Go profile); point [coverage] reports at one"
    )


def load_report(
    path: Path,
    root: Path,
    source_roots: tuple[str, ...] = (),
    only: Collection[str] | None = None,
) -> Report:
    """Read the report at `path` for the repository at `root`. `only` (repo paths) lets the
    coverage.py reader analyse just those files; the other formats are cheap to read whole."""
    fmt = detect_format(path)
    resolver = PathResolver(root)
    if fmt == "coverage.py":
        from br_core.coverage.pydata import load_coverage_data

        return load_coverage_data(path, root, resolver, only)
    readers: dict[str, Callable[[Path, PathResolver], Report]] = {
        "cobertura": _read_cobertura,
        "lcov": _read_lcov,
        "go": _read_go,
    }
    if fmt == "jacoco":
        return _read_jacoco(path, resolver, source_roots)
    return readers[fmt](path, resolver)


def _parse_xml(path: Path, kind: str) -> ET.Element:
    try:
        return ET.parse(path).getroot()
    except ET.ParseError as exc:
        raise ReportError(f"{path}: malformed {kind} XML ({exc}); {_REGENERATE}") from exc
    except OSError as exc:
        raise ReportError(f"{path}: cannot read ({exc.strerror}); check the path") from exc


def _int_attr(element: ET.Element, name: str, path: Path) -> int:
    value = element.get(name)
    try:
        return int(value) if value is not None else 0
    except ValueError:
        try:  # some writers emit "3.0"
            return int(float(value))  # type: ignore[arg-type]
        except (ValueError, OverflowError) as exc:  # "x", "nan"; "inf" or 5000 digits
            raise ReportError(
                f"{path}: {element.tag} has {name}={value!r}, not a number; {_REGENERATE}"
            ) from exc


_CONDITION = re.compile(r"\((\d{1,18})/(\d{1,18})\)")  # a bounded int(): 5000 digits raise


def _read_cobertura(path: Path, resolver: PathResolver) -> Report:
    top = _parse_xml(path, "Cobertura")
    if top.tag != "coverage" or top.get("clover") is not None or top.find("project") is not None:
        raise ReportError(
            f"{path}: <{top.tag}> is not a Cobertura report (Clover is not supported); "
            "write Cobertura XML, e.g. `coverage xml`"
        )
    root, here = resolver.root, path.parent
    bases: list[Path] = []
    for source in top.iterfind("sources/source"):
        text = (source.text or "").strip()
        if text:
            bases += [Path(text)] if os.path.isabs(text) else [root / text, here / text]
    bases = unique_dirs([*bases, root, here])
    report = Report(path=path, fmt="cobertura")
    counted = Totals()
    # Branch counts matter only when the root carries no totals of its own (coverage.py's does).
    need_branches = top.get("lines-valid") is None
    # Java writes one <class> per class, several per file: merge first, resolve each file once
    by_name: dict[str, dict[int, int]] = {}
    for klass in top.iter("class"):
        filename = klass.get("filename")
        if filename:
            lines = _cobertura_lines(klass, path, counted if need_branches else None)
            if filename in by_name:
                merge_lines(by_name[filename], lines)
            else:
                by_name[filename] = lines
    for filename, lines in by_name.items():
        resolver.place(report, filename, bases, lines)
    report.totals = _cobertura_totals(top, report, counted, path)
    return report


def _cobertura_lines(klass: ET.Element, path: Path, counted: Totals | None) -> dict[int, int]:
    """Line hits of one <class>. The fast path assumes well-formed integers (the hot loop on
    big reports); anything else goes through _int_attr for a precise error."""
    lines: dict[int, int] = {}
    for line in klass.iterfind("lines/line"):
        try:
            number, hits = int(line.get("number")), int(line.get("hits"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            number, hits = _int_attr(line, "number", path), _int_attr(line, "hits", path)
        if number in lines:
            hits = max(hits, lines[number])
        lines[number] = hits
        if counted is not None and line.get("branch") == "true":
            match = _CONDITION.search(line.get("condition-coverage", ""))
            if match:
                counted.branches_covered += int(match.group(1))
                counted.branches_total += int(match.group(2))
    return lines


def _cobertura_totals(top: ET.Element, report: Report, counted: Totals, path: Path) -> Totals:
    """The producer's own totals when it wrote them; otherwise counted from the lines."""
    names = ("lines-covered", "lines-valid", "branches-covered", "branches-valid")
    if all(top.get(name) is not None for name in names[:2]):
        lc, lv, bc, bv = (_int_attr(top, name, path) for name in names)
        return Totals(lines_covered=lc, lines_total=lv, branches_covered=bc, branches_total=bv)
    for lines in (*report.files.values(), *report.unplaced.values()):
        counted.lines_total += len(lines)
        counted.lines_covered += sum(1 for hits in lines.values() if hits > 0)
    return counted


def _module_dir(path: Path, root: Path) -> Path:
    """The build module a JaCoCo report belongs to: the parent of its target/ or build/ dir."""
    for parent in path.parents:
        if parent.name in ("target", "build"):
            return parent.parent
        if parent == root:
            break
    return root


def _read_jacoco(path: Path, resolver: PathResolver, source_roots: tuple[str, ...]) -> Report:
    top = _parse_xml(path, "JaCoCo")
    if top.tag != "report":
        raise ReportError(f"{path}: <{top.tag}> is not a JaCoCo report; {_REGENERATE}")
    module = _module_dir(path, resolver.root)
    bases = unique_dirs([d / r for d in (resolver.root, module) for r in source_roots])
    report = Report(path=path, fmt="jacoco")
    for package in top.iter("package"):
        prefix = package.get("name", "").strip("/")
        for source in package.iterfind("sourcefile"):
            name = f"{prefix}/{source.get('name', '')}" if prefix else source.get("name", "")
            lines = {
                _int_attr(line, "nr", path): _int_attr(line, "ci", path)
                for line in source.iterfind("line")
            }
            resolver.place(report, name, bases, lines)
    totals = Totals()
    for counter in top.iterfind("counter"):
        missed, covered = _int_attr(counter, "missed", path), _int_attr(counter, "covered", path)
        if counter.get("type") == "LINE":
            totals.lines_covered, totals.lines_total = covered, covered + missed
        elif counter.get("type") == "BRANCH":
            totals.branches_covered, totals.branches_total = covered, covered + missed
    report.totals = totals
    return report


def _read_text(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="surrogateescape")
    except OSError as exc:
        raise ReportError(f"{path}: cannot read ({exc.strerror}); check the path") from exc


def _read_lcov(path: Path, resolver: PathResolver) -> Report:
    root, here = resolver.root, path.parent
    bases = unique_dirs([root, here, here.parent])
    report, totals = Report(path=path, fmt="lcov"), Totals()
    source: str | None = None
    lines: dict[int, int] = {}
    for number, raw in enumerate(_read_text(path).split("\n"), start=1):
        directive, _, content = raw.strip().partition(":")
        try:
            if directive == "SF":
                source, lines = content, {}
            elif directive == "DA":
                fields = content.split(",")
                line_no, hits = int(fields[0]), int(float(fields[1]))
                lines[line_no] = lines.get(line_no, 0) + max(hits, 0)
            elif directive == "BRDA":
                taken = content.split(",")[3]
                totals.branches_total += 1
                totals.branches_covered += taken not in ("-", "0")
            elif directive == "end_of_record" and source is not None:
                totals.lines_total += len(lines)
                totals.lines_covered += sum(1 for hits in lines.values() if hits > 0)
                resolver.place(report, source, bases, lines)
                source, lines = None, {}
        except (IndexError, ValueError, OverflowError) as exc:  # OverflowError: DA:1,inf
            raise ReportError(
                f"{path}:{number}: malformed lcov record {raw.strip()[:60]!r}; {_REGENERATE}"
            ) from exc
    if source is not None:
        raise ReportError(f"{path}: last record lacks end_of_record (truncated?); {_REGENERATE}")
    report.totals = totals
    return report


_GO_BLOCK = re.compile(r"^(.+):(\d{1,9})\.(\d{1,9}),(\d{1,9})\.(\d{1,9}) (\d{1,18}) (\d{1,18})$")


def _go_module(path: Path, root: Path) -> tuple[str, Path] | None:
    """(module path, its directory) from the nearest go.mod at or above the report."""
    for directory in [path.parent, *path.parent.parents]:
        gomod = directory / "go.mod"
        if gomod.is_file():
            match = re.search(r"^module\s+(\S+)", _read_text(gomod), re.MULTILINE)
            return (match.group(1).strip('"'), directory) if match else None
        if directory == root:
            break
    return None


def _read_go(path: Path, resolver: PathResolver) -> Report:
    """Go profiles count statements per block; a line takes the highest count of its blocks."""
    blocks: dict[tuple[str, int, int, int, int], tuple[int, int]] = {}
    text = _read_text(path).split("\n")
    mode = text[0].partition(":")[2].strip()
    for number, raw in enumerate(text[1:], start=2):
        if not raw.strip():
            continue
        match = _GO_BLOCK.match(raw.strip())
        if match is None:
            raise ReportError(f"{path}:{number}: malformed Go cover block; {_REGENERATE}")
        name, sl, sc, el, ec, stmts, count = match.groups()
        key = (name, int(sl), int(sc), int(el), int(ec))
        seen = blocks.get(key, (int(stmts), 0))[1]
        total = (seen | int(count)) if mode == "set" else seen + int(count)
        blocks[key] = (int(stmts), total)
    per_file: dict[str, dict[int, int]] = {}
    totals = Totals()
    expanded = 0
    for (name, start, _, end, _), (stmts, count) in blocks.items():
        expanded += end - start + 1
        if end - start >= MAX_GO_BLOCK_LINES or expanded > MAX_GO_LINES:
            raise ReportError(
                f"{path}: a Go cover block of {name[:60]!r} spans lines {start}-{end}, more than "
                f"a profile holds (at most {MAX_GO_BLOCK_LINES} per block, {MAX_GO_LINES} "
                f"in all); {_REGENERATE}"
            )
        lines = per_file.setdefault(name, {})
        for line_no in range(start, end + 1):
            lines[line_no] = max(count, lines.get(line_no, 0))
        totals.lines_total += stmts
        totals.lines_covered += stmts if count > 0 else 0
    module = _go_module(path, resolver.root)
    report = Report(path=path, fmt="go", totals=totals)
    for name, lines in per_file.items():
        if module and name.startswith(module[0] + "/"):
            rel_name, bases = name[len(module[0]) + 1 :], [module[1]]
        else:
            rel_name, bases = name, [resolver.root]
        resolver.place(report, rel_name, bases, lines)
    return report

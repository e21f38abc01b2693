"""Same Python SQL-injection findings from two checkouts: the check behind a speed change.

A speed change to br_core/sqli/python must not change one finding. This prints, for every
input, each finding as br-sql-injection makes it (every field: rule, line, column, message,
confidence, fix, sink, source, how, fingerprint, related places) and the notices; run it once
per checkout and `diff` the outputs:

    PYTHONPATH=<checkout> .venv/bin/python bench/sqli_py_same.py [DIR ...] > <name>.txt

Inputs: every labelled Python case (tests/data/sqli_cases/*.cases and the blind sets'
tests/data/blind*/py_*.cases, each `py` or `py312` case as the file it would be), bench/
linear.py's Python inputs (about 1 MB each), then every .py file under each DIR (default: this
interpreter's site-packages). The totals go to stderr (`#` lines).
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import site
import sys
from collections.abc import Iterator
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
if not os.environ.get("PYTHONPATH"):
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(HERE))  # linear.py beside this file

from linear import SQLI_INPUTS  # noqa: E402

from br_core.scan.files import Skip, read_text_file  # noqa: E402
from br_core.sqli.scan import _scan_text  # noqa: E402


def _cases() -> Iterator[tuple[str, str]]:
    """(label, code) of every Python case, in the case files' format (see sqli_corpus.py),
    read from this script's checkout so both trees see the same inputs."""
    sys.path.insert(0, str(ROOT / "tests" / "data"))
    from sqli_corpus import _HEADER

    data = ROOT / "tests" / "data"
    for path in [*sorted(data.glob("sqli_cases/*.cases")), *sorted(data.glob("blind*/py_*.cases"))]:
        current: dict[str, str] | None = None
        lines: list[str] = []
        n = 0
        for line in [*path.read_text(encoding="utf-8").splitlines(), "### end"]:
            match = _HEADER.match(line)
            if match or line == "### end":
                if current is not None and (current["ext"] or "py").startswith("py"):
                    n += 1
                    yield f"{path.parent.name}/{path.stem}-{n:03d}", "\n".join(lines).strip() + "\n"
                elif current is not None:
                    n += 1
                current = match.groupdict() if match else None
                lines = []
            else:
                lines.append(line)


def report(label: str, rel: str, text: str) -> int:
    """Print `label`'s findings and notices; the number of findings."""
    notices: list[str] = []
    found = _scan_text(rel, text, "python", notices)
    for finding in found:
        print(f"{label}: {dataclasses.asdict(finding)!r}")
    for notice in notices:
        print(f"{label}: notice {notice}")
    return len(found)


def _files(dirs: list[Path]) -> Iterator[tuple[str, Path]]:
    for top in dirs:
        for folder, names, files in os.walk(top):
            names.sort()
            for name in sorted(files):
                if name.endswith(".py"):
                    path = Path(folder, name)
                    yield str(path.relative_to(top)), path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dirs", nargs="*", type=Path, help="trees to scan (default: see above)")
    args = parser.parse_args(argv)
    dirs = args.dirs or [Path(p) for p in site.getsitepackages()]
    counts = {"cases": 0, "inputs": 0, "files": 0}
    findings = 0
    for label, code in _cases():
        counts["cases"] += 1
        findings += report(f"case:{label}", "case.py", code)
    for name, text in SQLI_INPUTS.items():
        if name.startswith("py"):
            counts["inputs"] += 1
            findings += report(f"linear:{name}", "input.py", text)
    for label, path in _files(dirs):
        text = read_text_file(path)
        if isinstance(text, Skip):
            continue
        counts["files"] += 1
        findings += report(label, label, text)
    print(f"# analyser: {sys.modules['br_core'].__file__}", file=sys.stderr)
    print(
        f"# {counts['cases']} cases, {counts['inputs']} linear inputs, {counts['files']} files: "
        f"{findings} findings",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

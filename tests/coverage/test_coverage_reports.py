"""Report readers on real-format samples: lcov, Go profiles, JaCoCo, Cobertura path mapping,
and one-line errors for every kind of broken report."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from br_core.coverage.model import ReportError
from br_core.coverage.reports import detect_format, load_report
from br_hooks import coverage_gate
from tests.conftest import git

# lcov as written by c8/istanbul and geninfo: FN/FNDA/DA/BRDA records, absolute and relative SF
LCOV = """TN:
SF:{root}/web/src/app.js
FN:1,add
FN:5,sub
FNDA:3,add
FNDA:0,sub
FNF:2
FNH:1
DA:1,3
DA:2,3
DA:5,0
DA:6,0
BRDA:2,0,0,3
BRDA:2,0,1,-
BRF:2
BRH:1
LF:4
LH:2
end_of_record
TN:
SF:src/util.js
DA:1,1
DA:2,0,abc123
LF:2
LH:1
end_of_record
"""

# `go test -coverprofile` output: import paths, blocks "start.col,end.col stmts count"
GO_PROFILE = """mode: set
example.com/demo/calc/calc.go:3.24,5.2 1 1
example.com/demo/calc/calc.go:7.24,9.2 1 0
example.com/demo/calc/calc.go:11.30,12.12 1 1
example.com/demo/calc/calc.go:12.12,14.3 1 0
example.com/demo/calc/calc.go:15.2,15.14 1 1
example.com/demo/calc/calc.go:7.24,9.2 1 0
"""

JACOCO = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<!DOCTYPE report PUBLIC "-//JACOCO//DTD Report 1.1//EN" "report.dtd">'
    '<report name="demo"><sessioninfo id="h-1" start="1700000000000" dump="1700000001000"/>'
    '<package name="com/example"><class name="com/example/Calc" sourcefilename="Calc.java">'
    '<method name="add" desc="(II)I" line="4"><counter type="INSTRUCTION" missed="0" covered="4"/>'
    "</method></class>"
    '<sourcefile name="Calc.java"><line nr="3" mi="0" ci="3" mb="0" cb="0"/>'
    '<line nr="4" mi="0" ci="4" mb="0" cb="0"/><line nr="7" mi="2" ci="0" mb="2" cb="0"/>'
    '<line nr="8" mi="3" ci="0" mb="0" cb="0"/><counter type="LINE" missed="2" covered="2"/>'
    '</sourcefile><counter type="LINE" missed="2" covered="2"/></package>'
    '<counter type="INSTRUCTION" missed="5" covered="7"/>'
    '<counter type="BRANCH" missed="2" covered="0"/><counter type="LINE" missed="2" covered="2"/>'
    "</report>"
)


def _write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, str):
        text = text.encode()
    path.write_bytes(text)
    return path


def test_lcov_absolute_and_relative_paths(tmp_path: Path) -> None:
    root = tmp_path
    _write(root / "web/src/app.js", "function add(){}\n" * 6)
    _write(root / "web/src/util.js", "x\ny\n")
    report = load_report(_write(root / "web/coverage/lcov.info", LCOV.format(root=root)), root)
    assert report.fmt == "lcov"
    assert report.lookup("web/src/app.js") == {1: 3, 2: 3, 5: 0, 6: 0}
    # relative SF names are relative to the project the report sits in (web/), found on disk
    assert report.lookup("web/src/util.js") == {1: 1, 2: 0}
    assert report.lookup("web/src/missing.js") is None
    assert (report.totals.lines_covered, report.totals.lines_total) == (3, 6)
    assert (report.totals.branches_covered, report.totals.branches_total) == (1, 2)


def test_go_profile_maps_import_paths_through_go_mod(tmp_path: Path) -> None:
    _write(tmp_path / "go.mod", "module example.com/demo\n\ngo 1.22\n")
    _write(tmp_path / "calc/calc.go", "package calc\n" * 16)
    report = load_report(_write(tmp_path / "coverage.out", GO_PROFILE), tmp_path)
    lines = report.lookup("calc/calc.go")
    assert lines is not None
    # a line takes the highest count of the blocks it is in: 12 ends a run block
    assert [n for n, hits in sorted(lines.items()) if hits == 0] == [7, 8, 9, 13, 14]
    assert [n for n, hits in sorted(lines.items()) if hits > 0] == [3, 4, 5, 11, 12, 15]
    # statements: 5 distinct blocks (the repeated one is merged), 3 run
    assert (report.totals.lines_covered, report.totals.lines_total) == (3, 5)


def test_go_profile_without_go_mod_matches_by_suffix(tmp_path: Path) -> None:
    _write(tmp_path / "calc/calc.go", "package calc\n")
    report = load_report(_write(tmp_path / "cover.out", GO_PROFILE), tmp_path)
    assert report.lookup("calc/calc.go") is not None
    assert report.lookup("other/calc.go") is None


def test_jacoco_package_paths_resolve_under_source_roots(tmp_path: Path) -> None:
    java = _write(tmp_path / "app/src/main/java/com/example/Calc.java", "class Calc {}\n")
    path = _write(tmp_path / "app/target/site/jacoco/jacoco.xml", JACOCO)
    report = load_report(path, tmp_path, ("src/main/java",))
    rel = java.relative_to(tmp_path).as_posix()
    assert report.files == {rel: {3: 3, 4: 4, 7: 0, 8: 0}}
    assert report.totals.percent == pytest.approx(100 * 2 / 6)


@pytest.mark.parametrize(
    ("sources", "filename"),
    [
        (["{root}/src"], "pkg/mod.py"),  # coverage.py with source dirs
        ([], "src/pkg/mod.py"),  # relative to the repository root
        ([], "{root}/src/pkg/mod.py"),  # absolute filename
        (["src"], "pkg/mod.py"),  # relative <source>
        (["{root}/lib", "{root}/src"], "pkg/mod.py"),  # the file exists under the second source
        (["/home/runner/work/demo/demo/src"], "pkg/mod.py"),  # made on CI: matched by suffix
        ([], "/home/runner/work/demo/demo/src/pkg/mod.py"),
    ],
)
def test_cobertura_path_mapping(tmp_path: Path, sources: list[str], filename: str) -> None:
    root = tmp_path / "repo"
    _write(root / "src/pkg/mod.py", "a = 1\n" * 5)
    (root / "lib/pkg").mkdir(parents=True)
    srcs = "".join(f"<source>{s.format(root=root)}</source>" for s in sources)
    xml = (
        f'<?xml version="1.0" ?><coverage version="7" lines-valid="3" lines-covered="2">'
        f"<sources>{srcs}</sources><packages><package name='pkg'><classes>"
        f'<class name="mod.py" filename="{filename.format(root=root)}"><methods/><lines>'
        '<line number="1" hits="1"/><line number="2" hits="0"/>'
        '<line number="4" hits="5" branch="true" condition-coverage="50% (1/2)"/>'
        "</lines></class></classes></package></packages></coverage>"
    )
    report = load_report(_write(root / "coverage.xml", xml), root)
    assert report.lookup("src/pkg/mod.py") == {1: 1, 2: 0, 4: 5}
    assert report.lookup("pkg/other.py") is None


def test_outside_files_do_not_lend_lines_to_same_named_repo_files(tmp_path: Path) -> None:
    _write(tmp_path / "pkg/mod.py", "a = 1\n")
    _write(tmp_path / "utils.py", "b = 2\n")
    xml = (
        "<coverage><packages><package><classes>"
        f'<class filename="{tmp_path}/pkg/mod.py">'
        '<lines><line number="1" hits="1"/></lines></class>'
        '<class filename="/usr/lib/python3/site-packages/utils.py"><lines>'
        '<line number="1" hits="0"/></lines></class>'
        "</classes></package></packages></coverage>"
    )
    report = load_report(_write(tmp_path / "coverage.xml", xml), tmp_path)
    assert report.lookup("pkg/mod.py") == {1: 1}
    assert report.lookup("utils.py") is None


def test_cobertura_totals_counted_when_the_root_has_none(tmp_path: Path) -> None:
    xml = (
        '<coverage><packages><package><classes><class filename="m.py"><lines>'
        '<line number="1" hits="1" branch="true" condition-coverage="50% (1/2)"/>'
        '<line number="2" hits="0"/></lines></class></classes></package></packages></coverage>'
    )
    _write(tmp_path / "m.py", "x\ny\n")
    totals = load_report(_write(tmp_path / "c.xml", xml), tmp_path).totals
    assert (totals.lines_covered, totals.lines_total) == (1, 2)
    assert (totals.branches_covered, totals.branches_total) == (1, 2)
    assert totals.percent == 50.0


@pytest.mark.parametrize(
    ("content", "fmt"),
    [
        (b"<?xml version='1.0'?><coverage/>", "cobertura"),
        (JACOCO.encode(), "jacoco"),
        (b"TN:\nSF:a.js\nend_of_record\n", "lcov"),
        (b"mode: atomic\n", "go"),
        (b"SQLite format 3\x00" + b"\x00" * 100, "coverage.py"),
    ],
)
def test_detect_format(tmp_path: Path, content: bytes, fmt: str) -> None:
    assert detect_format(_write(tmp_path / "report", content)) == fmt


BROKEN = [
    ("coverage.xml", b"<coverage><packages><package>", "malformed Cobertura XML"),
    ("coverage.xml", b'<coverage><packages><package><classes><class filename="a.py"><lines>'
     b'<line number="x" hits="1"/></lines></class></classes></package></packages></coverage>',
     "not a number"),
    ("coverage.xml", b'<coverage clover="4.0"><project/></coverage>', "Clover is not supported"),
    ("lcov.info", b"SF:a.js\nDA:one,1\nend_of_record\n", "malformed lcov record"),
    ("lcov.info", b"TN:\nSF:a.js\nDA:1,1\n", "lacks end_of_record"),
    ("coverage.out", b"mode: set\nnot a block\n", "malformed Go cover block"),
    ("coverage.xml", b"", "empty"),
    ("coverage.xml", bytes(range(256)) * 4, "not a coverage report"),
    ("coverage.xml", "<résumé>\xff".encode("latin-1"), "malformed Cobertura XML"),
    (".coverage", b"SQLite format 3\x00" + b"garbage" * 300, "coverage.py cannot read it"),
]  # fmt: skip


@pytest.mark.parametrize(("name", "content", "problem"), BROKEN)
def test_broken_reports_are_one_line_errors(
    git_repo: Path, capsys: pytest.CaptureFixture[str], name: str, content: bytes, problem: str
) -> None:
    _write(git_repo / name, content)
    with pytest.raises(ReportError) as info:
        load_report(git_repo / name, git_repo)
    assert problem in info.value.message and info.value.exit_code == 2
    # through the hook: exit 2, one line on stderr naming the file, no traceback
    _write(git_repo / ".buildrunner/config.toml", f'[coverage]\nreports = ["{name}"]\n')
    assert coverage_gate.main([]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and name in err and "Traceback" not in err


def _sample_project(repo: Path, fmt: str) -> tuple[str, list[int]]:
    """A committed source, a staged edit, and a report of format `fmt`: (path, uncovered)."""
    if fmt == "lcov":
        rel, body = "src/app.js", "function add(a, b) {\n  return a + b;\n}\n"
        added = "function sub(a, b) {\n  return a - b;\n}\n"
        report = (
            "lcov.info",
            "TN:\nSF:src/app.js\nDA:1,1\nDA:2,4\nDA:4,1\nDA:5,0\nend_of_record\n",
        )
    elif fmt == "go":
        rel, body = "calc/calc.go", "package calc\n\nfunc Add(a, b int) int {\n\treturn a + b\n}\n"
        added = "func Sub(a, b int) int {\n\treturn a - b\n}\n"
        _write(repo / "go.mod", "module example.com/demo\n")
        blocks = (
            "example.com/demo/calc/calc.go:3.24,5.2 1 1\n"
            "example.com/demo/calc/calc.go:6.24,8.2 1 0\n"
        )
        report = ("coverage.out", "mode: set\n" + blocks)
    else:
        rel = "src/main/java/com/example/Calc.java"
        body = "package com.example;\nclass Calc {\n  int add(int a, int b) { return a + b; }\n"
        added = (
            "  int twice(int a) {\n    return a * 2;\n  }\n"
            "  int neg(int a) {\n    return -a;\n  }\n}\n"
        )
        report = ("target/site/jacoco/jacoco.xml", JACOCO)
    _write(repo / rel, body)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    _write(repo / rel, body + added)
    _write(repo / report[0], report[1])
    git(repo, "add", rel)
    expected = {"lcov": [5], "go": [6, 7, 8], "jacoco": [7, 8]}[fmt]
    return rel, expected


@pytest.mark.parametrize("fmt", ["lcov", "go", "jacoco"])
def test_gate_lists_uncovered_staged_lines_for_each_format(
    git_repo: Path, capsys: pytest.CaptureFixture[str], fmt: str
) -> None:
    rel, uncovered = _sample_project(git_repo, fmt)
    assert coverage_gate.main(["--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    (entry,) = data["diff"]["files"]
    assert entry["path"] == rel and entry["uncovered_lines"] == uncovered
    assert data["reports"][0]["format"] == fmt
    assert os.path.isabs(data["reports"][0]["path"])


def test_cobertura_classes_of_one_file_are_merged(tmp_path: Path) -> None:
    """Java-style reports: one <class> per class; a line hit in any of them is covered."""
    _write(tmp_path / "src/Calc.java", "class Calc {}\n")
    xml = (
        "<coverage><sources><source>src</source></sources><packages><package><classes>"
        '<class name="Calc" filename="Calc.java"><lines><line number="3" hits="0"/>'
        '<line number="4" hits="2"/></lines></class>'
        '<class name="Calc$Inner" filename="Calc.java"><lines><line number="3" hits="5"/>'
        '<line number="9" hits="0"/></lines></class>'
        "</classes></package></packages></coverage>"
    )
    report = load_report(_write(tmp_path / "coverage.xml", xml), tmp_path)
    assert report.files == {"src/Calc.java": {3: 5, 4: 2, 9: 0}}

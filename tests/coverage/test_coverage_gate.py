"""The gate end to end on a real project: pytest + pytest-cov reports, staged changes in git."""

from __future__ import annotations

import json
import os
import shlex
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from br_cli.app import main as br_main
from br_hooks import coverage_gate
from tests.conftest import GIT_ENV, git, run_pre_commit, write_pre_commit_config
from tests.coverage.coverage_project import (
    build_project,
    marked_lines,
    pytest_cov_command,
    trust_config,
    write_files,
)

REPORTS = [".coverage", "coverage.xml"]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One real project for the module: pytest-cov runs once here."""
    return build_project(tmp_path_factory.mktemp("cov") / "project")


@pytest.fixture
def project(template: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[Path]:
    """The shared project with a clean index; settings, index and mtimes are restored after."""
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    for key in list(os.environ):
        if key.startswith(("COVERAGE_", "COV_CORE_")):
            monkeypatch.delenv(key)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(template)
    files = [p for p in template.rglob("*") if p.is_file() and ".git" not in p.parts]
    times = {p: p.stat().st_mtime_ns for p in files}
    yield template
    git(template, "reset", "-q")  # index only, in the throwaway project
    for extra in (".buildrunner/config.toml", ".coveragerc"):
        (template / extra).unlink(missing_ok=True)
    for path, mtime in times.items():
        if path.exists():
            os.utime(path, ns=(mtime, mtime))


def _configure(root: Path, **values: Any) -> None:
    lines = ["[coverage]"] + [f"{key} = {json.dumps(value)}" for key, value in values.items()]
    write_files(root, {".buildrunner/config.toml": "\n".join(lines) + "\n"})
    trust_config(root)  # staleness = "run" runs only from a trusted config


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, dict[str, Any], str]:
    code = coverage_gate.main([*args])
    captured = capsys.readouterr()
    data: dict[str, Any] = json.loads(captured.out) if "--json" in args else {}
    return code, data, captured.out + captured.err


@pytest.mark.parametrize("report", REPORTS)
def test_uncovered_staged_lines_fail_and_are_listed(
    project: Path, capsys: pytest.CaptureFixture[str], report: str
) -> None:
    _configure(project, reports=[report])
    git(project, "add", "pkg/calc.py", "pkg/extra.py")
    code, data, _ = _run(capsys, "--json")
    assert code == 1 and data["status"] == "fail"
    files = {f["path"]: f for f in data["diff"]["files"]}
    assert files["pkg/calc.py"]["uncovered_lines"] == marked_lines(project, "pkg/calc.py")
    assert files["pkg/extra.py"]["uncovered_lines"] == marked_lines(project, "pkg/extra.py")
    # div: def, if, raise, return; mod: def, return -> 6 executable changed lines, 2 not run
    assert (files["pkg/calc.py"]["measured"], files["pkg/calc.py"]["covered"]) == (6, 4)
    assert data["diff"]["percent"] == pytest.approx(100 * 4 / 9)
    code, _, text = _run(capsys)
    raise_line, mod_line = marked_lines(project, "pkg/calc.py")
    assert code == 1
    assert f"pkg/calc.py: lines {raise_line}, {mod_line} not covered" in text
    assert "write tests for lines" in text and "regenerate the report with `pytest --cov" in text
    assert "44.4% is below 80%" in text


@pytest.mark.parametrize("report", REPORTS)
def test_covered_change_passes(
    project: Path, capsys: pytest.CaptureFixture[str], report: str
) -> None:
    _configure(project, reports=[report])
    git(project, "add", "pkg/text.py", "tests/test_calc.py")
    code, data, _ = _run(capsys, "--json")
    assert code == 0 and data["status"] == "pass"
    assert data["diff"]["percent"] == 100.0 and data["diff"]["measured"] == 2
    assert data["total"]["passed"] and data["total"]["minimum"] == 20.0


def test_both_report_formats_agree(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    git(project, "add", "-A", "pkg")
    results = []
    for report in REPORTS:
        _configure(project, reports=[report])
        results.append(_run(capsys, "--json")[1])
    assert results[0]["diff"] == results[1]["diff"]
    assert results[0]["total"]["percent"] == pytest.approx(results[1]["total"]["percent"])


def test_without_a_minimum_coverage_data_is_read_for_changed_files_only(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # .coveragerc takes precedence over pyproject.toml and sets no fail_under: no minimum
    write_files(project, {".coveragerc": "[run]\nbranch = true\nsource = pkg\n"})
    git(project, "add", "pkg/calc.py", "pkg/extra.py", "README.md")
    _configure(project, reports=["coverage.xml"])
    whole = _run(capsys, "--json")[1]
    _configure(project, reports=[".coverage"])
    code, partial, _ = _run(capsys, "--json")
    assert code == 1 and partial["diff"] == whole["diff"]
    assert partial["total"]["percent"] is None and whole["total"]["percent"] > 0
    assert "total not computed" in partial["messages"][-1]


def test_docs_and_config_do_not_count(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    git(project, "add", "README.md")
    code, data, _ = _run(capsys, "--json")
    assert code == 0 and data["diff"]["measured"] == 0 and data["diff"]["files"] == []


@pytest.mark.parametrize(
    ("settings", "rc_file", "expected", "needle"),
    [
        ({"minimum": 99}, None, 1, "below the minimum 99% (.buildrunner/config.toml [coverage]"),
        ({"minimum": 10}, None, 0, "ok: total"),
        ({}, "[report]\nfail_under = 95\n", 1, "(.coveragerc fail_under)"),
        ({}, None, 0, "(minimum 20%)"),  # pyproject.toml's fail_under = 20
    ],
)
def test_total_minimum_and_coveragepy_fallback(
    project: Path,
    capsys: pytest.CaptureFixture[str],
    settings: dict[str, Any],
    rc_file: str | None,
    expected: int,
    needle: str,
) -> None:
    _configure(project, reports=["coverage.xml"], **settings)
    if rc_file:
        write_files(project, {".coveragerc": rc_file})
    git(project, "add", "README.md")
    code, _, text = _run(capsys)
    assert code == expected and needle in text


def _age_report(project: Path, report: str, seconds: int = 100) -> None:
    past = time.time() - seconds
    os.utime(project / report, (past, past))


@pytest.mark.parametrize(("mode", "expected"), [("warn", 0), ("fail", 1)])
def test_stale_report(
    project: Path, capsys: pytest.CaptureFixture[str], mode: str, expected: int
) -> None:
    _configure(project, reports=["coverage.xml"], staleness=mode)
    git(project, "add", "pkg/text.py")
    _age_report(project, "coverage.xml")
    code, data, text = _run(capsys, "--json")
    assert code == expected and data["stale"]["files"] == ["pkg/text.py"]
    assert "coverage.xml is older than changed pkg/text.py, which it covers" in text
    # a fresh report is not stale
    os.utime(project / "coverage.xml")
    assert _run(capsys, "--json")[1]["stale"]["files"] == []


def test_stale_report_run_mode_regenerates_it(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    command = shlex.join(pytest_cov_command())
    _configure(project, reports=["coverage.xml"], staleness="run", test_command=command)
    git(project, "add", "pkg/text.py")
    _age_report(project, "coverage.xml")
    before = (project / "coverage.xml").stat().st_mtime
    code, data, _ = _run(capsys, "--json")
    assert code == 0, data
    assert data["test_command"]["ok"] and data["stale"]["files"] == []
    assert (project / "coverage.xml").stat().st_mtime > before


def test_run_mode_with_a_failing_command_fails(
    project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    failing = shlex.join([sys.executable, "-c", "import sys; print('boom'); sys.exit(3)"])
    _configure(project, reports=["coverage.xml"], staleness="run", test_command=failing)
    git(project, "add", "pkg/text.py")
    _age_report(project, "coverage.xml")
    code, _, text = _run(capsys)
    assert code == 1 and "exited with 3" in text and "| boom" in text
    assert "did not refresh coverage.xml" in text


def test_cli_check_json_and_base(project: Path, capsys: pytest.CaptureFixture[str]) -> None:
    git(project, "add", "pkg/extra.py")
    assert br_main(["coverage", "check", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["diff"]["files"][0]["uncovered_ranges"] == ["3", "6-7"]
    # nothing committed since main: the range is empty and passes
    assert br_main(["coverage", "check", "--base", "main"]) == 0
    assert "diff 100.0% of 0 changed" in capsys.readouterr().out
    assert br_main(["coverage", "check", "--base", "nope"]) == 2
    assert "nope...HEAD: not a known revision range" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("files", "fail_when_no_report", "expected", "needle"),
    [
        ({"README.md": "# docs only\n"}, False, 0, "notice: no test suite and no coverage report"),
        ({"README.md": "# docs only\n"}, True, 1, "FAIL no test suite"),
        ({"tests/test_x.py": "def test_x():\n    pass\n"}, False, 0, "tests exist but no coverage"),
        ({"README.md": "# docs\n"}, None, 0, "(build/missing.xml)"),
        ({"calc/calc_test.go": "package calc\n"}, False, 0, "`go test -coverprofile=coverage.out"),
        ({"web/app.test.js": "test('x')\n"}, False, 0, "lcov output"),
        ({"tests/test_x.py": "x = 1\n"}, False, 0, "`pytest --cov --cov-report=xml`"),
        # the secret scanner's convention for tests (br_core/scan/testpaths.py) serves here too
        ({"spec/user_spec.rb": "describe 'x'\n"}, False, 0, "Cobertura XML or lcov report`"),
        ({"src/Calc.Tests/CalcTests.cs": "class T {}\n"}, False, 0, "tests exist but no"),
        ({"docs/testing.md": "# how we test\n"}, False, 0, "no test suite and no coverage"),
    ],
)
def test_no_report(
    git_repo: Path,
    capsys: pytest.CaptureFixture[str],
    files: dict[str, str],
    fail_when_no_report: bool | None,
    expected: int,
    needle: str,
) -> None:
    write_files(git_repo, files)
    if fail_when_no_report:
        _configure(git_repo, fail_when_no_report=True)
    elif fail_when_no_report is None:  # a configured report that does not exist
        _configure(git_repo, reports=["build/missing.xml"])
    git(git_repo, "add", *files)
    code, _, text = _run(capsys)
    assert code == expected and needle in text
    assert text.count("\n") == 1  # one line


def test_pre_push_judges_the_pushed_range(
    git_repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    write_files(git_repo, {"app.py": "def f():\n    return 1\n"})
    git(git_repo, "add", "app.py")
    git(git_repo, "commit", "-q", "-m", "base")
    start = git(git_repo, "rev-parse", "HEAD").strip()
    write_files(git_repo, {"app.py": "def f():\n    return 1\n\n\ndef g():\n    return 2\n"})
    git(git_repo, "commit", "-q", "-am", "add g")
    write_files(git_repo, {"coverage.xml": _xml({1: 1, 2: 1, 5: 1, 6: 0})})
    # nothing is staged, so the staged diff passes ...
    assert _run(capsys, "--json")[1]["diff"]["measured"] == 0
    # ... but at pre-push pre-commit names the range, and line 6 was pushed untested
    monkeypatch.setenv("PRE_COMMIT_FROM_REF", start)
    monkeypatch.setenv("PRE_COMMIT_TO_REF", "HEAD")
    code, data, _ = _run(capsys, "--json")
    assert code == 1 and data["diff"]["files"][0]["uncovered_lines"] == [6]
    assert _run(capsys, "--staged")[0] == 0  # an explicit --staged wins


def _xml(hits: dict[int, int], filename: str = "app.py") -> str:
    lines = "".join(f'<line number="{n}" hits="{h}"/>' for n, h in hits.items())
    return (
        '<?xml version="1.0" ?><coverage><packages><package name="."><classes>'
        f'<class name="{filename}" filename="{filename}"><lines>{lines}</lines></class>'
        "</classes></package></packages></coverage>"
    )


@pytest.mark.slow
def test_through_the_pre_commit_framework(
    git_repo: Path, hook_repo: tuple[str, str], pre_commit_home: Path
) -> None:
    write_files(git_repo, {"app.py": "def f():\n    return 1\n"})
    git(git_repo, "add", "app.py")
    git(git_repo, "commit", "-q", "-m", "base")
    write_files(git_repo, {"app.py": "def f():\n    return 1\n\n\ndef g():\n    return 2\n"})
    write_files(git_repo, {"coverage.xml": _xml({1: 1, 2: 1, 5: 1, 6: 0})})
    write_pre_commit_config(git_repo, hook_repo, ["br-coverage"])
    git(git_repo, "add", "app.py", ".pre-commit-config.yaml")
    proc = run_pre_commit(git_repo, pre_commit_home, "run", "br-coverage")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "app.py: lines 6 not covered (1 of 2 changed lines covered, 50.0%)" in proc.stdout
    # covering line 6 makes the same commit pass
    write_files(git_repo, {"coverage.xml": _xml({1: 1, 2: 1, 5: 1, 6: 2})})
    proc = run_pre_commit(git_repo, pre_commit_home, "run", "br-coverage")
    assert proc.returncode == 0, proc.stdout + proc.stderr

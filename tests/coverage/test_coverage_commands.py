"""Several reports at once, and the test command of `staleness = "run"`: success, failure,
timeout, a missing program, bad quoting, and producing a report where there was none."""

from __future__ import annotations

import json
import os
import shlex
import sys
from pathlib import Path
from typing import Any

import pytest

from br_hooks import coverage_gate
from tests.conftest import git
from tests.coverage.coverage_project import trust_config


def _write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def _cobertura(filename: str, hits: dict[int, int]) -> str:
    lines = "".join(f'<line number="{n}" hits="{h}"/>' for n, h in hits.items())
    return (
        '<?xml version="1.0" ?><coverage><packages><package name="."><classes>'
        f'<class name="x" filename="{filename}"><lines>{lines}</lines></class>'
        "</classes></package></packages></coverage>"
    )


def _lcov(filename: str, hits: dict[int, int]) -> str:
    lines = "".join(f"DA:{n},{h}\n" for n, h in hits.items())
    return f"TN:\nSF:{filename}\n{lines}end_of_record\n"


def _gate(capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any], str]:
    code = coverage_gate.main(["--json"])
    captured = capsys.readouterr()
    return code, json.loads(captured.out), captured.err


def _staged_project(repo: Path) -> None:
    """app.py and web/app.js each gain lines 3-4 in the index."""
    _write(repo, "app.py", "a = 1\nb = 2\n")
    _write(repo, "web/app.js", "let a = 1;\nlet b = 2;\n")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    _write(repo, "app.py", "a = 1\nb = 2\nc = 3\nd = 4\n")
    _write(repo, "web/app.js", "let a = 1;\nlet b = 2;\nlet c = 3;\nlet d = 4;\n")
    git(repo, "add", "app.py", "web/app.js")


def test_several_reports_are_merged(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _staged_project(git_repo)
    _write(git_repo, "coverage.xml", _cobertura("app.py", {1: 1, 2: 1, 3: 1, 4: 0}))
    # lcov covers the JS file, and also line 4 of app.py (a second test run of the same file)
    lcov = _lcov("web/app.js", {1: 1, 3: 0, 4: 2}) + _lcov("app.py", {4: 1})
    _write(git_repo, "lcov.info", lcov)
    _write(
        git_repo,
        ".buildrunner/config.toml",
        '[coverage]\nreports = ["coverage.xml", "lcov.info"]\n',
    )
    code, data, _ = _gate(capsys)
    files = {f["path"]: f["uncovered_lines"] for f in data["diff"]["files"]}
    assert files == {"app.py": [], "web/app.js": [3]}
    assert code == 1 and data["diff"]["percent"] == 75.0
    # totals add up across reports: 3 of 4 + 2 of 3 + 1 of 1 lines
    assert (data["total"]["lines_covered"], data["total"]["lines_total"]) == (6, 8)


def _stale_setup(repo: Path, command: str, timeout: float = 60) -> None:
    _staged_project(repo)
    _write(repo, "coverage.xml", _cobertura("app.py", {1: 1, 2: 1, 3: 1, 4: 1}))
    os.utime(repo / "coverage.xml", (1, 1))  # older than every source
    _write(
        repo,
        ".buildrunner/config.toml",
        '[coverage]\nreports = ["coverage.xml"]\nstaleness = "run"\n'
        f"test_command = {json.dumps(command)}\ncommand_timeout = {timeout}\n",
    )
    trust_config(repo)  # staleness = "run" runs only from a trusted config


WRITE_REPORT = (
    "import pathlib; pathlib.Path('coverage.xml').write_text({xml!r})"
)  # fmt: skip


def _python(code: str) -> str:
    return shlex.join([sys.executable, "-c", code])


def test_run_mode_refreshes_a_stale_report(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fresh = _cobertura("app.py", {1: 1, 2: 1, 3: 1, 4: 0})
    _stale_setup(git_repo, _python(WRITE_REPORT.format(xml=fresh)))
    code, data, _ = _gate(capsys)
    # the refreshed report is the one judged: line 4 is now uncovered
    assert data["test_command"]["ok"] and data["stale"]["files"] == []
    assert code == 1 and data["diff"]["files"][0]["uncovered_lines"] == [4]


def test_run_mode_produces_a_missing_report(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    xml = _cobertura("app.py", {3: 1, 4: 1})
    _stale_setup(git_repo, _python(WRITE_REPORT.format(xml=xml)))
    (git_repo / "coverage.xml").unlink()
    code, data, _ = _gate(capsys)
    assert code == 0 and data["diff"]["covered"] == 2
    assert data["messages"][0].startswith("br-coverage: no report yet; ran `")


def test_run_mode_timeout_fails(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _stale_setup(git_repo, _python("import time; time.sleep(30)"), timeout=0.5)
    code, data, _ = _gate(capsys)
    assert code == 1 and "timed out after 0.5s" in data["test_command"]["summary"]


@pytest.mark.parametrize(
    ("command", "problem"),
    [
        ("no-such-program-br-test --cov", "no-such-program-br-test not found"),
        ("pytest 'unclosed", "fix the quoting"),
    ],
)
def test_run_mode_bad_command_is_a_config_error(
    git_repo: Path, capsys: pytest.CaptureFixture[str], command: str, problem: str
) -> None:
    _stale_setup(git_repo, command)
    assert coverage_gate.main([]) == 2
    err = capsys.readouterr().err
    assert problem in err and err.count("\n") == 1


@pytest.mark.parametrize(("fail_when_no_report", "expected"), [(False, 0), (True, 1)])
def test_a_report_that_measures_nothing_is_like_no_report(
    git_repo: Path, capsys: pytest.CaptureFixture[str], fail_when_no_report: bool, expected: int
) -> None:
    _staged_project(git_repo)
    _write(git_repo, "coverage.xml", "<coverage><packages/></coverage>")
    flag = "true" if fail_when_no_report else "false"
    _write(git_repo, ".buildrunner/config.toml", f"[coverage]\nfail_when_no_report = {flag}\n")
    code, data, _ = _gate(capsys)
    assert code == expected and data["looked_for"] == ["coverage.xml measures no files"]
    assert "coverage.xml measures no files" in data["messages"][0]


def test_huge_staged_file_and_report(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """50,000 staged lines against a 50,000-line report: every 10th line uncovered."""
    count = 50_000
    _write(git_repo, "big.py", "")
    git(git_repo, "add", "big.py")
    git(git_repo, "commit", "-q", "-m", "empty")
    _write(git_repo, "big.py", "".join(f"x{n} = {n}\n" for n in range(1, count + 1)))
    git(git_repo, "add", "big.py")
    hits = {n: (0 if n % 10 == 0 else 1) for n in range(1, count + 1)}
    _write(git_repo, "coverage.xml", _cobertura("big.py", hits))
    code, data, _ = _gate(capsys)
    (entry,) = data["diff"]["files"]
    assert code == 0 and entry["measured"] == count and entry["covered"] == count * 9 // 10
    assert entry["uncovered_lines"] == list(range(10, count + 1, 10))
    assert entry["uncovered_ranges"][:2] == ["10", "20"]

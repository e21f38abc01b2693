"""Gate settings: [coverage] validation, coverage.py fallbacks, the fail_under rounding rule."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

import pytest
from coverage.results import should_fail_under

from br_core.coverage.checks import total_fails
from br_core.coverage.config import CoverageSettings, load_settings
from br_core.errors import ConfigError
from br_hooks import coverage_gate
from tests.conftest import git
from tests.coverage.coverage_project import trust_config


def _write(root: Path, name: str, text: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_defaults_without_any_configuration(tmp_path: Path) -> None:
    assert load_settings(tmp_path) == CoverageSettings()
    assert CoverageSettings().diff_threshold == 80.0 and CoverageSettings().staleness == "warn"


def test_full_table_is_read(tmp_path: Path) -> None:
    _write(
        tmp_path,
        ".buildrunner/config.toml",
        '[coverage]\nreports = "lcov.info"\nminimum = 75.5\ndiff_threshold = 90\n'
        'staleness = "run"\ntest_command = "npm test -- --coverage"\ncommand_timeout = 60\n'
        'fail_when_no_report = true\nprecision = 1\nsource_roots = ["app/src"]\n',
    )
    trust_config(tmp_path)  # staleness = "run" applies only from a trusted config
    settings = load_settings(tmp_path)
    assert settings.reports == ("lcov.info",) and settings.minimum == 75.5
    assert settings.diff_threshold == 90.0 and settings.staleness == "run"
    assert settings.test_command == "npm test -- --coverage" and settings.command_timeout == 60
    assert settings.fail_when_no_report and settings.precision == 1
    assert settings.source_roots == ("app/src",)


@pytest.mark.parametrize(
    ("name", "text", "minimum", "label"),
    [
        (".coveragerc", "[report]\nfail_under = 91\nprecision = 2\n", 91.0, ".coveragerc"),
        (".coveragerc", "[coverage:report]\nfail_under = 92\n", 92.0, ".coveragerc"),
        ("setup.cfg", "[metadata]\n[coverage:report]\nfail_under = 93\n", 93.0, "setup.cfg"),
        ("tox.ini", "[tox]\n[coverage:report]\nfail_under = 94.5\n", 94.5, "tox.ini"),
        ("pyproject.toml", "[tool.coverage.report]\nfail_under = 95\n", 95.0, "pyproject.toml"),
        (".coveragerc.toml", "[report]\nfail_under = 96\n", 96.0, ".coveragerc.toml"),
    ],
)  # fmt: skip
def test_coveragepy_fail_under_fallback(
    tmp_path: Path, name: str, text: str, minimum: float, label: str
) -> None:
    _write(tmp_path, name, text)
    settings = load_settings(tmp_path)
    assert settings.minimum == minimum and settings.minimum_from == f"{label} fail_under"
    assert settings.minimum == _coveragepy_fail_under(tmp_path)


def _coveragepy_fail_under(root: Path) -> float:
    """What coverage.py itself reads from the same files."""
    from coverage.control import Coverage

    with contextlib.chdir(root):
        value: float = Coverage(config_file=True).config.fail_under
    return value


def test_coveragepy_precedence_and_our_override(tmp_path: Path) -> None:
    # setup.cfg without coverage sections does not stop the search; tox.ini with them does
    _write(tmp_path, "setup.cfg", "[metadata]\nname = x\n")
    _write(tmp_path, "tox.ini", "[coverage:run]\nbranch = true\n")
    _write(tmp_path, "pyproject.toml", "[tool.coverage.report]\nfail_under = 95\n")
    assert load_settings(tmp_path).minimum is None  # tox.ini is coverage.py's file; no fail_under
    assert _coveragepy_fail_under(tmp_path) == 0.0
    _write(tmp_path, ".buildrunner/config.toml", "[coverage]\nminimum = 50\n")
    assert load_settings(tmp_path).minimum == 50.0


BAD = [
    (".buildrunner/config.toml", "[coverage\nminimum = 1\n", "invalid TOML"),
    (".buildrunner/config.toml", "coverage = 3\n", "[coverage] must be a table"),
    (".buildrunner/config.toml", "[coverage]\nminimun = 80\n", "unknown key 'minimun'"),
    (".buildrunner/config.toml", "[coverage]\nminimum = 180\n", "not a percentage"),
    (".buildrunner/config.toml", "[coverage]\ndiff_threshold = true\n", "not a percentage"),
    (".buildrunner/config.toml", '[coverage]\nstaleness = "sometimes"\n', "use warn, fail or run"),
    (".buildrunner/config.toml", "[coverage]\nreports = [1]\n", "list of paths"),
    (".buildrunner/config.toml", "[coverage]\ncommand_timeout = -1\n", "must be positive"),
    (".buildrunner/config.toml", '[coverage]\nfail_when_no_report = "yes"\n', "true or false"),
    (".buildrunner/config.toml", b"[coverage]\nminimum = \xff\n", "not UTF-8"),
    (".coveragerc", "[report\nfail_under = 3\n", "cannot parse"),
    ("setup.cfg", "[coverage:report]\nfail_under = lots\n", "must be numbers"),
    ("pyproject.toml", "[tool.coverage.report\n", "invalid TOML"),
]


@pytest.mark.parametrize(("name", "text", "problem"), BAD)
def test_bad_configuration_is_exit_2_with_one_line(
    git_repo: Path,
    capsys: pytest.CaptureFixture[str],
    name: str,
    text: str | bytes,
    problem: str,
) -> None:
    path = git_repo / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    with pytest.raises(ConfigError) as info:
        load_settings(git_repo)
    assert problem in info.value.message
    assert coverage_gate.main([]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and name in err and "Traceback" not in err


def test_run_mode_without_a_command_is_a_config_error(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(git_repo, ".buildrunner/config.toml", '[coverage]\nstaleness = "run"\n')
    _write(git_repo, "a.py", "x = 1\n")
    xml = '<coverage><packages><package><classes><class filename="a.py"><lines>'
    xml += '<line number="1" hits="1"/></lines></class></classes></package></packages></coverage>'
    _write(git_repo, "coverage.xml", xml)
    os.utime(git_repo / "coverage.xml", (1, 1))  # make the report stale
    git(git_repo, "add", "a.py")
    assert coverage_gate.main([]) == 2
    assert "staleness = run needs test_command" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("total", "minimum", "precision"),
    [
        (79.4, 80, 0),
        (79.5, 80, 0),  # rounds to 80: passes, as in coverage.py
        (79.96, 80, 1),
        (79.94, 80, 1),
        (99.99, 100, 2),  # 100 means exactly 100
        (100.0, 100, 0),
        (80.04, 80.05, 0),  # the threshold's own decimals count
        (80.05, 80.05, 0),
        (0.0, 0, 0),
    ],
)
def test_total_rule_matches_coveragepy(total: float, minimum: float, precision: int) -> None:
    assert total_fails(total, minimum, precision) == should_fail_under(total, minimum, precision)

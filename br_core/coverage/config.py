"""Settings of the coverage gate: `[coverage]` in .buildrunner/config.toml, then coverage.py's own.

Precedence for the total minimum: `[coverage] minimum`, else coverage.py's `fail_under` read from
the first of .coveragerc, .coveragerc.toml, setup.cfg, tox.ini, pyproject.toml that configures
coverage (the order coverage.py itself uses), else no total check.

Settings that run a command or lower a bar apply only from a trusted config (`TRUST_RULES`,
br_core/config.py); a bar of 0 is said on every run, trusted or not.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from types import UnionType
from typing import Any, NamedTuple

from br_core.config import RUNS, WEAKENS, TrustRule, read_config, section, shown, withhold_untrusted
from br_core.errors import ConfigError

STALENESS_MODES = ("warn", "fail", "run")
KNOWN_KEYS = {
    "reports": "list of report paths relative to the repository root",
    "minimum": "total coverage minimum, 0-100",
    "precision": "digits after the point when comparing the total, like coverage.py",
    "diff_threshold": "minimum coverage of changed executable lines, 0-100 (default 80)",
    "staleness": "warn | fail | run",
    "test_command": 'command that regenerates the report, e.g. "pytest --cov --cov-report=xml"',
    "command_timeout": "seconds the test command may run (default 900)",
    "fail_when_no_report": "true to fail when there is no report (default false)",
    "source_roots": "directories JaCoCo package paths are relative to",
}
DEFAULT_SOURCE_ROOTS = ("src/main/java", "src/main/kotlin", "src/test/java", "src", "")
DEFAULT_DIFF_THRESHOLD = 80.0


def _runs(values: dict[str, Any]) -> bool:
    return values.get("staleness") == "run"


def trust_rules(fail_under: float | None) -> tuple[TrustRule, ...]:
    """What waits for trust: the test command of staleness = "run", and a bar below the default
    (diff_threshold) or below coverage.py's own fail_under (minimum)."""
    return (
        TrustRule("staleness", RUNS, _runs),
        TrustRule("test_command", RUNS, _runs),
        TrustRule(
            "diff_threshold", WEAKENS, lambda v: v["diff_threshold"] < DEFAULT_DIFF_THRESHOLD
        ),
        TrustRule(
            "minimum", WEAKENS, lambda v: fail_under is not None and v["minimum"] < fail_under
        ),
    )


class CoverageSettings(NamedTuple):
    """Everything the gate needs to know, already validated."""

    reports: tuple[str, ...] = ()
    minimum: float | None = None
    minimum_from: str = ""
    precision: int = 0
    diff_threshold: float = DEFAULT_DIFF_THRESHOLD
    staleness: str = "warn"
    test_command: str | None = None
    command_timeout: float = 900.0
    fail_when_no_report: bool = False
    source_roots: tuple[str, ...] = DEFAULT_SOURCE_ROOTS
    notices: tuple[str, ...] = ()  # one line each for stderr: ignored or check-silencing settings


def _percent(value: Any, key: str, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
        raise ConfigError(f"{where}: {key} = {value!r} is not a percentage; use a number 0-100")
    return float(value)


def _str_list(value: Any, key: str, where: str) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise ConfigError(f'{where}: {key} must be a list of paths; write {key} = ["..."]')
    return tuple(value)


def _check_keys(table: dict[str, Any], where: str) -> None:
    for key in table:
        if key not in KNOWN_KEYS:
            known = ", ".join(sorted(KNOWN_KEYS))
            raise ConfigError(f"{where}: unknown key {key!r} in [coverage]; known keys: {known}")


def _typed(table: dict[str, Any], key: str, kind: type | UnionType, where: str, hint: str) -> Any:
    value = table[key]
    if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
        raise ConfigError(f"{where}: {key} = {value!r} is invalid; use {hint}")
    return value


def load_settings(root: Path) -> CoverageSettings:
    """Validated settings for the repository at `root`; ConfigError (exit 2) on bad values."""
    loaded = read_config(root)
    where = str(loaded.path)
    table = section(loaded.data, "coverage", loaded.path)
    _check_keys(table, where)
    values = _validated(table, where)
    if values.get("staleness") == "run" and not values.get("test_command"):
        raise ConfigError(
            f"{where}: staleness = run needs test_command; "
            'add test_command = "pytest --cov --cov-report=xml" under [coverage]'
        )
    fallback = coveragepy_fail_under(root)
    values, notices = withhold_untrusted(
        loaded, "coverage", values, trust_rules(fallback[0] if fallback else None)
    )
    if "minimum" in values:
        values["minimum_from"] = f"{CONFIG_LABEL} minimum"
    elif fallback is not None:
        values["minimum"], values["minimum_from"] = fallback[0], fallback[2]
        values.setdefault("precision", fallback[1])
    notices += _silencing(values, where)
    return CoverageSettings(**values, notices=tuple(notices))


def _silencing(values: dict[str, Any], where: str) -> list[str]:
    """A bar of 0 lets everything through: said on every run, however trusted the file."""
    return [
        f"{where}: warning: [coverage] {shown(key, values[key])} checks nothing ({what}); "
        f"raise it or remove the line"
        for key, what in (
            ("diff_threshold", "every changed line passes"),
            ("minimum", "any total passes"),
        )
        if values.get(key) == 0
    ]


def _validated(table: dict[str, Any], where: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    if "reports" in table:
        values["reports"] = _str_list(table["reports"], "reports", where)
    if "source_roots" in table:
        values["source_roots"] = _str_list(table["source_roots"], "source_roots", where)
    if "diff_threshold" in table:
        values["diff_threshold"] = _percent(table["diff_threshold"], "diff_threshold", where)
    if "staleness" in table:
        mode = table["staleness"]
        if mode not in STALENESS_MODES:
            raise ConfigError(f"{where}: staleness = {mode!r} is invalid; use warn, fail or run")
        values["staleness"] = mode
    if "test_command" in table:
        command = _typed(table, "test_command", str, where, "a command line string")
        values["test_command"] = command.strip() or None
    if "command_timeout" in table:
        timeout = _typed(table, "command_timeout", int | float, where, "a number of seconds")
        if timeout <= 0:
            raise ConfigError(f"{where}: command_timeout must be positive; use e.g. 900")
        values["command_timeout"] = float(timeout)
    if "fail_when_no_report" in table:
        values["fail_when_no_report"] = _typed(
            table, "fail_when_no_report", bool, where, "true or false"
        )
    if "precision" in table:
        values["precision"] = _typed(table, "precision", int, where, "a whole number")
    if "minimum" in table:
        values["minimum"] = _percent(table["minimum"], "minimum", where)
    return values


CONFIG_LABEL = ".buildrunner/config.toml [coverage]"


def _ini_report(path: Path, prefixes: tuple[str, ...]) -> dict[str, str] | None:
    """The coverage report options of an ini file; None when it does not configure coverage."""
    import configparser  # only projects with ini files pay for it

    parser = configparser.RawConfigParser()
    try:
        parser.read_string(path.read_text(encoding="utf-8"), source=str(path))
    except (configparser.Error, UnicodeDecodeError) as exc:
        first = str(exc).splitlines()[0]
        raise ConfigError(f"{path}: cannot parse ({first}); fix the file") from exc
    sections = [s for s in parser.sections() if any(s.startswith(p) for p in prefixes if p)]
    if "" not in prefixes and not sections:
        return None
    for prefix in prefixes:
        if parser.has_section(f"{prefix}report"):
            return dict(parser.items(f"{prefix}report"))
    return {}


def _toml_report(path: Path, own_file: bool) -> dict[str, Any] | None:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: invalid TOML ({exc}); fix the syntax") from exc
    tool = data.get("tool", {})
    table = tool.get("coverage") if isinstance(tool, dict) else None
    if table is None and own_file:
        table = data
    if not isinstance(table, dict):
        return None
    report = table.get("report", {})
    return report if isinstance(report, dict) else {}


def _coverage_report_options(root: Path) -> tuple[Path, dict[str, Any]] | None:
    candidates: list[tuple[str, str]] = [
        (".coveragerc", "own-ini"),
        (".coveragerc.toml", "own-toml"),
        ("setup.cfg", "ini"),
        ("tox.ini", "ini"),
        ("pyproject.toml", "toml"),
    ]
    for name, kind in candidates:
        path = root / name
        if not path.is_file():
            continue
        options: dict[str, Any] | None
        if kind == "own-ini":
            options = _ini_report(path, ("coverage:", ""))
        elif kind == "ini":
            options = _ini_report(path, ("coverage:",))
        else:
            options = _toml_report(path, own_file=kind == "own-toml")
        if options is not None:
            return path, options
    return None


def coveragepy_fail_under(root: Path) -> tuple[float, int, str] | None:
    """(fail_under, precision, label) from coverage.py's configuration, if it sets fail_under."""
    found = _coverage_report_options(root)
    if found is None or "fail_under" not in found[1]:
        return None
    path, options = found
    try:
        minimum = float(options["fail_under"])
        precision = int(options.get("precision", 0))
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"{path}: fail_under/precision must be numbers; fix the coverage settings"
        ) from exc
    _percent(minimum, "fail_under", str(path))
    return minimum, precision, f"{path.name} fail_under"

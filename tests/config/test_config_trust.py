"""Issue 12 item 3: a committed .buildrunner/config.toml runs nothing and weakens no check until
the user trusts it (`br config trust`), and a config that silences a check says so on every run."""

from __future__ import annotations

import json
import os
import random
import shlex
import stat
import sys
from pathlib import Path

import pytest

from br_cli.app import main as br_main
from br_hooks import coverage_gate, secrets
from tests.conftest import git
from tests.data.secrets_corpus import rand

CONFIG = ".buildrunner/config.toml"
COBERTURA = (
    '<coverage><packages><package><classes><class filename="app.py"><lines>'
    '<line number="1" hits="1"/><line number="2" hits="1"/></lines></class></classes>'
    "</package></packages></coverage>"
)


def _write(root: Path, rel: str, text: str) -> Path:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _pwned_config(repo: Path, marker: Path) -> None:
    """A committed config whose test command would touch `marker`, and a stale report."""
    command = shlex.join([sys.executable, "-c", f"open({str(marker)!r}, 'w').close()"])
    _write(
        repo,
        CONFIG,
        f'[coverage]\nreports = ["coverage.xml"]\nstaleness = "run"\n'
        f"test_command = {json.dumps(command)}\n",
    )
    _write(repo, "app.py", "x = 1\ny = 2\n")
    _write(repo, "coverage.xml", COBERTURA)
    os.utime(repo / "coverage.xml", (1, 1))  # older than app.py: stale, so "run" would run
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "config")
    _write(repo, "app.py", "x = 1\ny = 3\n")
    git(repo, "add", "app.py")


def _br(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = br_main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_untrusted_config_runs_nothing_until_trusted_and_again_after_an_edit(
    git_repo: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    marker = tmp_path / "PWNED"
    _pwned_config(git_repo, marker)

    # untrusted: neither the hook nor `br coverage check` runs the command; one line says why
    assert coverage_gate.main([]) == 0
    err = capsys.readouterr().err
    assert not marker.exists()
    notices = [line for line in err.splitlines() if "br config trust" in line]
    assert len(notices) == 1 and CONFIG in notices[0] and "not trusted" in notices[0]
    assert 'staleness = "run"' in notices[0]
    code, _, err = _br(capsys, "coverage", "check")
    assert not marker.exists() and "br config trust" in err

    # `br config status` tells; `br config trust` records the trust
    code, out, _ = _br(capsys, "config", "status")
    assert code == 0 and "not trusted" in out and 'staleness = "run"' in out
    code, out, _ = _br(capsys, "config", "trust")
    assert code == 0 and "trusted" in out
    code, out, _ = _br(capsys, "config", "status")
    assert code == 0 and "not trusted" not in out and "trusted" in out

    assert coverage_gate.main([]) in (0, 1)
    assert marker.exists()
    assert "br config trust" not in capsys.readouterr().err
    marker.unlink()

    # an edit loses the trust
    with (git_repo / CONFIG).open("a", encoding="utf-8") as handle:
        handle.write("command_timeout = 60\n")
    assert coverage_gate.main([]) == 0
    assert not marker.exists() and "br config trust" in capsys.readouterr().err


def test_trust_file_is_private(git_repo: Path, br_home: Path) -> None:
    from br_core import trust

    _write(git_repo, CONFIG, "[coverage]\ndiff_threshold = 50\n")
    assert br_main(["config", "trust"]) == 0
    path = trust.trust_path()
    assert path.parent == br_home and path.exists()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # nothing but hashes and paths in it
    assert "diff_threshold" not in path.read_text(encoding="utf-8")


def test_trust_without_a_config_is_exit_2(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = _br(capsys, "config", "trust")
    assert code == 2 and CONFIG in err and len(err.strip().splitlines()) == 1


def _secret_file(repo: Path) -> None:
    token = "ghp_" + rand(random.Random(12), "alnum", 36)
    _write(repo, "app.py", f'TOKEN = "{token}"\n')


def test_untrusted_exclude_is_ignored_and_said(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(git_repo, CONFIG, '[secrets]\nexclude = ["**"]\n')
    _secret_file(git_repo)
    assert secrets.main(["app.py"]) == 1  # the exclude does not apply: the secret is found
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "br config trust" in line]
    assert len(lines) == 1 and "exclude" in lines[0] and CONFIG in lines[0]


def test_exclude_everything_warns_on_every_run_even_when_trusted(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(git_repo, CONFIG, '[secrets]\nexclude = ["**"]\n')
    _secret_file(git_repo)
    assert br_main(["config", "trust"]) == 0
    capsys.readouterr()
    for _ in range(2):
        assert secrets.main(["app.py"]) == 0  # trusted: the user's choice applies...
        err = capsys.readouterr().err
        warned = [line for line in err.splitlines() if "every path" in line]
        assert len(warned) == 1 and "exclude" in warned[0]  # ...and is said every time
        assert "br config trust" not in err


@pytest.mark.parametrize(("hook", "scanned_for"), [("secrets", "secrets"), ("sqli", "SQL")])
def test_a_whitelist_glob_allowing_everything_warns_on_every_run(
    git_repo: Path, capsys: pytest.CaptureFixture[str], hook: str, scanned_for: str
) -> None:
    from br_hooks import sql_injection

    _write(git_repo, ".buildrunner/whitelist.txt", "**\n")
    _secret_file(git_repo)
    run = secrets.main if hook == "secrets" else sql_injection.main
    for _ in range(2):
        assert run(["app.py"]) == 0  # the committed whitelist still applies...
        err = capsys.readouterr().err
        warned = [line for line in err.splitlines() if "allows every path" in line]
        assert len(warned) == 1 and scanned_for in warned[0]  # ...and is said every time


def test_a_narrow_whitelist_glob_is_quiet(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(git_repo, ".buildrunner/whitelist.txt", "tests/fixtures/**\n")
    _secret_file(git_repo)
    assert secrets.main(["app.py"]) == 1
    assert capsys.readouterr().err == ""


def test_a_narrow_trusted_exclude_is_quiet(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(git_repo, CONFIG, '[secrets]\nexclude = ["tests/fixtures/**"]\n')
    _secret_file(git_repo)
    assert br_main(["config", "trust"]) == 0
    capsys.readouterr()
    assert secrets.main(["app.py"]) == 1
    assert capsys.readouterr().err == ""


def test_stricter_settings_apply_untrusted(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from br_core.coverage.config import load_settings
    from br_core.secrets.scanner import ScanSettings

    _write(
        git_repo,
        CONFIG,
        "[secrets]\nscan_lockfiles_and_vendored = true\nmax_file_kib = 4096\n"
        '[coverage]\ndiff_threshold = 95\nminimum = 90\nstaleness = "fail"\n'
        "fail_when_no_report = true\n",
    )
    settings = load_settings(git_repo)
    assert settings.diff_threshold == 95 and settings.minimum == 90
    assert settings.staleness == "fail" and settings.fail_when_no_report
    assert settings.notices == ()
    scan = ScanSettings.load(git_repo)
    assert scan.scan_default_skips and scan.max_bytes == 4096 * 1024 and scan.notices == ()


def test_weaker_coverage_settings_wait_for_trust(git_repo: Path) -> None:
    from br_core.coverage.config import load_settings

    _write(git_repo, "pyproject.toml", "[tool.coverage.report]\nfail_under = 85\n")
    _write(git_repo, CONFIG, "[coverage]\ndiff_threshold = 10\nminimum = 20\n")
    untrusted = load_settings(git_repo)
    assert untrusted.diff_threshold == 80 and untrusted.minimum == 85
    assert len(untrusted.notices) == 1
    assert "diff_threshold" in untrusted.notices[0] and "minimum" in untrusted.notices[0]
    assert br_main(["config", "trust"]) == 0
    trusted = load_settings(git_repo)
    assert trusted.diff_threshold == 10 and trusted.minimum == 20 and trusted.notices == ()


@pytest.mark.parametrize(
    ("table", "said"),
    [("diff_threshold = 0", "diff_threshold = 0"), ("minimum = 0", "minimum = 0")],
)
def test_a_zero_threshold_is_said_even_when_trusted(git_repo: Path, table: str, said: str) -> None:
    from br_core.coverage.config import load_settings

    _write(git_repo, CONFIG, f"[coverage]\n{table}\n")
    assert br_main(["config", "trust"]) == 0
    notices = load_settings(git_repo).notices
    assert len(notices) == 1 and said in notices[0] and "checks nothing" in notices[0]


def test_init_trusts_the_config_it_writes(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert br_main(["init"]) == 0
    capsys.readouterr()
    code, out, _ = _br(capsys, "config", "status")
    assert code == 0 and "not trusted" not in out and "trusted" in out


def test_config_help_is_accurate(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _br(capsys, "config", "--help")
    assert code == 0 and "trust" in out and "status" in out
    code, out, _ = _br(capsys, "config", "trust", "--help")
    assert code == 0 and "hash" in out and "BR_HOME" in out


@pytest.mark.parametrize(
    "text", ["[coverage]\ndiff_threshold = 500\n", "[secrets\n", '[secrets]\nexclude = "x"\n']
)
def test_an_invalid_config_is_refused_not_trusted(
    git_repo: Path, capsys: pytest.CaptureFixture[str], text: str
) -> None:
    _write(git_repo, CONFIG, text)
    code, out, err = _br(capsys, "config", "trust")
    assert code == 2 and CONFIG in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err and "trusted" not in out


def test_an_unwritable_br_home_is_one_line(
    git_repo: Path, br_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(git_repo, CONFIG, "[coverage]\ndiff_threshold = 50\n")
    (br_home / "trusted-configs").mkdir()  # a directory where the file should be
    code, _, err = _br(capsys, "config", "trust")
    assert code == 2 and "trusted-configs" in err and len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


def test_a_failed_write_is_one_line_and_keeps_the_old_list(
    git_repo: Path, br_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _write(git_repo, CONFIG, "[coverage]\ndiff_threshold = 50\n")
    (br_home / f"trusted-configs.{os.getpid()}.tmp").mkdir()  # the new list cannot be written
    code, _, err = _br(capsys, "config", "trust")
    assert code == 2 and "cannot record the trust" in err and len(err.strip().splitlines()) == 1
    assert not (br_home / "trusted-configs").exists()


def test_untrust_takes_the_trust_back(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _write(git_repo, CONFIG, "[coverage]\ndiff_threshold = 50\n")
    assert _br(capsys, "config", "untrust")[1].strip().endswith("was not trusted")
    assert _br(capsys, "config", "trust")[0] == 0
    assert _br(capsys, "config", "untrust")[1].strip().endswith("no longer trusted")
    code, out, _ = _br(capsys, "config", "status")
    assert code == 0 and "not trusted" in out and "diff_threshold = 50" in out


def test_status_without_a_config(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = _br(capsys, "config", "status")
    assert code == 0 and "no such file" in out

"""`br` and the check hooks at the edges of the command line (issue 12, item 17): output into a
closed pipe, and path arguments the operating system refuses. One line or a quiet exit, never a
traceback."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest

from br_cli.app import main
from tests.data.secrets_corpus import rand


def _into_closed_pipe(*argv: str) -> subprocess.CompletedProcess[bytes]:
    """Run a console entry point with stdout a pipe nobody reads (as `| head` leaves it)."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    try:
        return subprocess.run(
            [sys.executable, "-c", _LAUNCH, *argv],
            stdout=write_end,
            stderr=subprocess.PIPE,
            timeout=60,
            check=False,
        )
    finally:
        os.close(write_end)


_LAUNCH = (
    "import sys, importlib; module, func = sys.argv[1].split(':'); "
    "sys.exit(getattr(importlib.import_module(module), func)(sys.argv[2:]))"
)


@pytest.mark.parametrize(
    "argv", [["tasks", "list", "--json"], ["cost", "daily", "--json"], ["--help"]]
)
def test_br_into_a_closed_pipe_exits_quietly(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(git_repo / "claude"))
    done = _into_closed_pipe("br_cli.entry:main", *argv)
    assert (done.returncode, done.stderr.decode()) == (1, "")


def test_a_kept_cost_report_into_a_closed_pipe_exits_quietly(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(git_repo / "claude"))
    argv = [sys.executable, "-c", _LAUNCH, "br_cli.entry:main", "cost", "daily", "--json"]
    subprocess.run(argv, stdout=subprocess.DEVNULL, timeout=60, check=True)  # keeps the report
    done = _into_closed_pipe(*argv[3:])  # answered by entry.py before typer is imported
    assert (done.returncode, done.stderr.decode()) == (1, "")


@pytest.mark.parametrize(("content", "expected"), [("x = 1\n", 0), ("TOKEN = '{ghp}'\n", 1)])
def test_a_hook_into_a_closed_pipe_keeps_its_exit_code(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, content: str, expected: int
) -> None:
    ghp = "ghp_" + rand(random.Random(3), "alnum", 36)
    target = tmp_path / "f.py"
    target.write_text(content.format(ghp=ghp), encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    for fmt in ("--json", "--sarif"):
        done = _into_closed_pipe("br_hooks.secrets:main", fmt, str(target))
        assert (done.returncode, done.stderr.decode()) == (expected, "")


@pytest.mark.parametrize(
    "argv",
    [
        ["security", "scan", "a" * 100_000],
        ["security", "scan", "a/" * 3000],
        ["tasks", "parse", "b" * 100_000],
    ],
)
def test_a_path_the_system_refuses_is_one_short_line_exit_2(
    git_repo: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert main(argv) == 2
    captured = capsys.readouterr()
    err = captured.err
    assert err.startswith("br: ") and err.count("\n") == 1 and len(err) < 400
    assert "Traceback" not in err and captured.out == ""

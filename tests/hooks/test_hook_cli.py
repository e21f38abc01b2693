"""`br_hooks.hook_cli`: br-secrets and br-sql-injection parse and exit the same way."""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Sequence
from pathlib import Path

import pytest

from br_hooks import secrets, sql_injection
from tests.data.secrets_corpus import rand

R = random.Random(99)
GHP = "ghp_" + rand(R, "alnum", 36)
# One file both hooks flag: a secret and SQL built from a request value.
DIRTY = (
    "from flask import request\n"
    f'TOKEN = "{GHP}"\n'
    "def show(cursor):\n"
    '    cursor.execute("SELECT * FROM users WHERE id = " + request.args["id"])\n'
)
CLEAN = "def add(a, b):\n    return a + b\n"

Hook = Callable[[Sequence[str] | None], int]
HOOKS = [
    pytest.param(secrets.main, "br-secrets", id="secrets"),
    pytest.param(sql_injection.main, "br-sql-injection", id="sql-injection"),
]


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "dirty.py").write_text(DIRTY, encoding="utf-8")
    (tmp_path / "clean.py").write_text(CLEAN, encoding="utf-8")
    return tmp_path


@pytest.mark.parametrize(("hook", "prog"), HOOKS)
@pytest.mark.parametrize(
    ("files", "expected", "stderr"),
    [
        (["clean.py"], 0, ""),
        (["dirty.py"], 1, ""),
        (["clean.py", "missing.py"], 2, "missing.py: no such file; check the path"),
        # A finding outranks an unreadable file: the leak is what the user must see first.
        (["dirty.py", "missing.py"], 1, "missing.py: no such file; check the path"),
        ([], 0, ""),
    ],
)
def test_exit_codes_agree(
    repo: Path,
    capsys: pytest.CaptureFixture[str],
    hook: Hook,
    prog: str,
    files: list[str],
    expected: int,
    stderr: str,
) -> None:
    assert hook(files) == expected
    captured = capsys.readouterr()
    assert GHP not in captured.out + captured.err
    assert captured.err.strip() == (f"{prog}: {stderr}" if stderr else "")
    assert ("dirty.py:" in captured.out) == (expected == 1)


@pytest.mark.parametrize(("hook", "prog"), HOOKS)
@pytest.mark.parametrize("flag", ["--json", "--sarif"])
def test_machine_formats_print_one_document_even_when_clean(
    repo: Path, capsys: pytest.CaptureFixture[str], hook: Hook, prog: str, flag: str
) -> None:
    assert hook([flag, "clean.py"]) == 0
    document = json.loads(capsys.readouterr().out)
    if flag == "--sarif":
        assert document["runs"][0]["tool"]["driver"]["name"] == prog
        assert document["runs"][0]["results"] == []
    else:
        assert document["findings"] == []


@pytest.mark.parametrize(("hook", "prog"), HOOKS)
def test_json_and_sarif_together_is_a_usage_error(
    repo: Path, capsys: pytest.CaptureFixture[str], hook: Hook, prog: str
) -> None:
    with pytest.raises(SystemExit) as exc:
        hook(["--json", "--sarif", "clean.py"])
    assert exc.value.code == 2
    assert "not allowed with argument" in capsys.readouterr().err


@pytest.mark.parametrize(("hook", "prog"), HOOKS)
def test_malformed_whitelist_is_one_line_exit_2(
    repo: Path, capsys: pytest.CaptureFixture[str], hook: Hook, prog: str
) -> None:
    (repo / ".buildrunner").mkdir()
    (repo / ".buildrunner" / "whitelist.txt").write_text("a.py:zero\n", encoding="utf-8")
    assert hook(["dirty.py"]) == 2
    captured = capsys.readouterr()
    (line,) = captured.err.splitlines()
    assert line.startswith(f"{prog}: ") and "whitelist.txt:1" in line
    assert captured.out == ""


@pytest.mark.parametrize(("hook", "prog"), HOOKS)
def test_help_states_the_exit_codes(
    capsys: pytest.CaptureFixture[str], hook: Hook, prog: str
) -> None:
    with pytest.raises(SystemExit) as exc:
        hook(["--help"])
    out = capsys.readouterr().out
    assert exc.value.code == 0 and out.startswith(f"usage: {prog} ")
    assert "Exit: 0 clean, 1 findings, 2 usage/config error" in " ".join(out.split())

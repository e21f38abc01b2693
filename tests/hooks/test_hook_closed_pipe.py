"""The check hooks' skeleton, in process, when its reader has gone (`br-secrets --json | head`);
tests/cli/test_cli_errors.py runs the real console scripts into a closed pipe."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest

from br_hooks import secrets
from tests.data.secrets_corpus import rand


class _ClosedPipe(io.StringIO):
    def write(self, text: str) -> int:
        raise BrokenPipeError(32, "Broken pipe")


@pytest.mark.parametrize(("dirty", "expected"), [(False, 0), (True, 1)])
def test_a_closed_stdout_keeps_the_verdict_and_says_nothing(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    dirty: bool,
    expected: int,
) -> None:
    token = "ghp_" + rand(random.Random(8), "alnum", 36)
    target = tmp_path / "f.py"
    target.write_text(f"TOKEN = '{token}'\n" if dirty else "x = 1\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("sys.stdout", _ClosedPipe())  # fileno() is unsupported: nothing to redirect
    assert secrets.main(["--json", str(target)]) == expected
    assert capsys.readouterr().err == ""

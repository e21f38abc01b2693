# ruff: noqa: E501  (case tables read best one case per line)
"""`br-secrets --commit-msg` (hook id br-secrets-commit-msg): a commit message carrying a token is
blocked with the token masked, through the hook's main and through the real pre-commit framework
at the commit-msg stage (issue 17 item 10)."""

from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path

import pytest

from br_core.secrets.masking import mask_value
from br_hooks import secrets
from tests.conftest import GIT_ENV, git, run_pre_commit, write_pre_commit_config
from tests.data.secrets_corpus import make_password, rand

R = random.Random(1710)
GHP = "ghp_" + rand(R, "alnum", 36)
PASSWORD = make_password(R)

MESSAGES = [
    ("token in the subject", f"deploy with token {GHP}\n", 1, GHP),
    ("password in the body", f"fix login\n\nthe staging DB_PASSWORD={PASSWORD} works now\n", 1, PASSWORD),
    ("clean message", "Secrets: read the token from the environment\n", 0, None),
    ("placeholder token", "docs: tokens look like ghp_" + "0123456789abcdef" * 2 + "0123\n", 0, None),
    ("token in a # comment line only", f"fix\n# {GHP}\n", 0, None),
    (
        "token in the diff of git commit -v",
        f"fix\n# ------------------------ >8 ------------------------\n+T = '{GHP}'\n",
        0,
        None,
    ),
]  # fmt: skip


@pytest.mark.parametrize(
    ("title", "message", "code", "secret"), MESSAGES, ids=[m[0] for m in MESSAGES]
)
def test_commit_message_table(
    title: str,
    message: str,
    code: int,
    secret: str | None,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".git").mkdir()
    path = tmp_path / ".git" / "COMMIT_EDITMSG"
    path.write_text(message, encoding="utf-8")
    assert secrets.main(["--commit-msg", str(path)]) == code, title
    out = capsys.readouterr()
    assert (GHP not in out.out + out.err) and (PASSWORD not in out.out + out.err)
    if secret is not None:
        assert f"(value: {mask_value(secret)})" in out.out
        assert "COMMIT_EDITMSG:" in out.out


def test_missing_message_file_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert secrets.main(["--commit-msg", "nope/COMMIT_EDITMSG"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "nope/COMMIT_EDITMSG" in err[0] and "Traceback" not in err[0]


def test_commit_msg_without_a_file_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        secrets.main(["--commit-msg"])
    assert exc.value.code == 2
    assert "needs the commit message file" in capsys.readouterr().err


@pytest.mark.slow
def test_git_commit_with_a_token_in_the_message_is_blocked(
    git_repo: Path, hook_repo: tuple[str, str], pre_commit_home: Path
) -> None:
    write_pre_commit_config(git_repo, hook_repo, ["br-secrets", "br-secrets-commit-msg"])
    git(git_repo, "add", ".pre-commit-config.yaml")
    for hook_type in ("pre-commit", "commit-msg"):
        install = run_pre_commit(git_repo, pre_commit_home, "install", "--hook-type", hook_type)
        assert install.returncode == 0, install.stdout + install.stderr
    (git_repo / "notes.txt").write_text("release notes\n", encoding="utf-8")
    git(git_repo, "add", "notes.txt")
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(pre_commit_home)}

    def commit(message: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", "commit", "-m", message], cwd=git_repo, env=env, capture_output=True, text=True
        )

    blocked = commit(f"token {GHP}")
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert GHP not in output and f"(value: {mask_value(GHP)})" in output
    assert "COMMIT_EDITMSG:1: github-token" in output
    assert git(git_repo, "log", "--oneline").count("\n") == 1  # only the initial commit

    passed = commit("release notes, token read from the environment")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "release notes" in git(git_repo, "log", "-1", "--format=%s")

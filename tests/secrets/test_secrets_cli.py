"""`br security`: scan a tree, the index and history; whitelist, baseline, install-hooks."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from br_cli.app import main
from tests.conftest import git
from tests.data.secrets_corpus import rand

R = random.Random(1234)
GHP = "ghp_" + rand(R, "alnum", 36)
NPM = "npm_" + rand(R, "alnum", 36)


def _br(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert GHP not in output and NPM not in output
    return code, output


def test_scan_tree_honours_gitignore(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (git_repo / ".gitignore").write_text("local/\n", encoding="utf-8")
    (git_repo / "local").mkdir()
    (git_repo / "local" / "secrets.py").write_text(f'T = "{GHP}"\n', encoding="utf-8")
    (git_repo / "src").mkdir()
    (git_repo / "src" / "ok.py").write_text("x = 1\n", encoding="utf-8")
    # issue 13: the scan looks for SQL injection too, and its clean line says so
    clean = "No secrets or SQL injection found in 2 file(s) (0 suppressed).\n"
    assert _br(capsys, "security", "scan") == (0, clean)
    (git_repo / "src" / "bad.py").write_text(f'T = "{GHP}"\n', encoding="utf-8")
    code, out = _br(capsys, "security", "scan", "--json")
    assert code == 1
    assert [f["path"] for f in json.loads(out)["findings"]] == ["src/bad.py"]
    code, out = _br(capsys, "security", "scan", "src/ok.py")
    assert code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["security", "scan", "nope/"], "nope: no such file or directory"),
        (["security", "scan", "--json", "--sarif"], "choose one output format"),
        (["security", "scan", "--since", "HEAD"], "only valid with --history"),
        (["security", "scan", "--history", "--since", "no-such-rev"], "not a revision"),
        (["security", "check"], "pass --staged"),
        (["security", "whitelist", "a.py:0"], "line number >= 1"),
    ],
)
def test_usage_errors_are_one_line_exit_2(
    args: list[str], message: str, git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _br(capsys, *args)
    assert code == 2 and message in out and "Traceback" not in out


def test_check_staged_scans_the_index_not_the_worktree(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = git_repo / "app.py"
    app.write_text(f'TOKEN = "{GHP}"\n', encoding="utf-8")
    git(git_repo, "add", "app.py")
    app.write_text("TOKEN = None\n", encoding="utf-8")  # unstaged fix: the index still leaks
    code, out = _br(capsys, "security", "check", "--staged")
    assert code == 1 and "app.py:1: github-token" in out
    git(git_repo, "add", "app.py")
    assert _br(capsys, "security", "check", "--staged")[0] == 0


def test_check_staged_runs_the_sql_injection_scanner(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (git_repo / "db.py").write_text(
        "def find(conn, name):\n"
        '    return conn.execute("SELECT * FROM t WHERE n = \'" + name + "\'")\n',
        encoding="utf-8",
    )
    git(git_repo, "add", "db.py")
    code, out = _br(capsys, "security", "check", "--staged", "--json")
    assert code == 1
    document = json.loads(out)
    assert document["findings"] == [] and document["sql_injection"][0]["path"] == "db.py"


def test_history_reports_the_commit_that_added_a_secret(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (git_repo / "a.py").write_text(f'T = "{GHP}"\n', encoding="utf-8")
    git(git_repo, "add", "a.py")
    git(git_repo, "commit", "-q", "-m", "leak")
    leak = git(git_repo, "rev-parse", "HEAD").strip()
    (git_repo / "a.py").write_text("T = None\n", encoding="utf-8")
    (git_repo / "b.py").write_text(f'N = "{NPM}"\n', encoding="utf-8")
    git(git_repo, "add", "a.py", "b.py")
    git(git_repo, "commit", "-q", "-m", "fix and another leak")
    code, out = _br(capsys, "security", "scan", "--history")
    assert code == 1
    assert f"{leak[:10]}:a.py:1: github-token" in out and ":b.py:1: npm-token" in out
    assert "Scanning history" in out  # the progress bar, on stderr
    code, out = _br(capsys, "security", "scan", "--history", "--since", leak)
    assert code == 1 and "a.py" not in out and "b.py:1: npm-token" in out


def test_whitelist_and_baseline_commands(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (git_repo / "a.py").write_text(f'T = "{GHP}"\n', encoding="utf-8")
    (git_repo / "b.py").write_text(f'N = "{NPM}"\n', encoding="utf-8")
    code, out = _br(capsys, "security", "whitelist", "a.py:1")
    assert code == 0 and "whitelist.txt: allows a.py:1" in out
    code, out = _br(capsys, "security", "scan")
    assert code == 1 and "a.py" not in out and "b.py:1: npm-token" in out
    code, out = _br(capsys, "security", "baseline")
    assert code == 0 and "1 secret(s) in 1 file(s) accepted" in out
    baseline = (git_repo / ".buildrunner" / "secrets-baseline.json").read_text(encoding="utf-8")
    assert NPM not in baseline and GHP not in baseline
    assert _br(capsys, "security", "scan")[0] == 0


def test_install_hooks_plain_git_hook_blocks_a_commit(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _br(capsys, "security", "install-hooks")
    assert code == 0 and "runs `br security check --staged`" in out
    hook = git_repo / ".git" / "hooks" / "pre-commit"
    assert "security check --staged" in hook.read_text(encoding="utf-8")
    assert _br(capsys, "security", "install-hooks")[0] == 0  # idempotent
    hook.write_text("#!/bin/sh\necho mine\n", encoding="utf-8")
    code, out = _br(capsys, "security", "install-hooks")
    assert code == 2 and "already exists" in out


def test_install_hooks_adds_to_an_existing_pre_commit_config(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = git_repo / ".pre-commit-config.yaml"
    config.write_text(
        "# keep me\nrepos:\n  - repo: local\n    hooks:\n      - id: x\n        name: x\n"
        "        entry: 'true'\n        language: system\n",
        encoding="utf-8",
    )
    code, out = _br(capsys, "security", "install-hooks", "--rev", "v9")
    assert code == 0 and "added br-secrets" in out
    text = config.read_text(encoding="utf-8")
    assert text.startswith("# keep me\n") and "  - repo: https://" in text
    assert "rev: v9" in text and "id: br-sql-injection" in text and "id: x" in text
    assert (git_repo / ".git" / "hooks" / "pre-commit").exists()
    code, out = _br(capsys, "security", "install-hooks")
    assert code == 0 and "already configured" in out

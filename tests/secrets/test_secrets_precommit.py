"""The real pre-commit framework runs br-secrets from this repository (try-repo and git commit)."""

from __future__ import annotations

import os
import random
import subprocess
from pathlib import Path

import pytest

from tests.conftest import GIT_ENV, git, run_pre_commit, write_pre_commit_config
from tests.data.secrets_corpus import rand

pytestmark = pytest.mark.slow

R = random.Random(99)
GHP = "ghp_" + rand(R, "alnum", 36)
ANTHROPIC = "sk-ant-api03-" + rand(R, "url", 93) + "AA"


def _commit(repo: Path, home: Path, message: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home)}
    return subprocess.run(
        ["git", "commit", "-m", message], cwd=repo, env=env, capture_output=True, text=True
    )


FILES = {
    "app.py": (f'DEFAULT = "{GHP}"\n', "github-token"),
    "client.py": (f'client = Anthropic(api_key="{ANTHROPIC}")\n', "anthropic-api-key"),
    "app_env.py": ('import os\nTOKEN = os.environ["GITHUB_TOKEN"]\n', None),
    "ids.json": ('{"id": "3f1c2b9e-5d7a-4c8e-9b1f-0a2d4e6f8a1c"}\n', None),
}


def test_try_repo(git_repo: Path, hook_repo: tuple[str, str], pre_commit_home: Path) -> None:
    """One try-repo run (each builds its own environment) over blocked and clean files."""
    for name, (content, _) in FILES.items():
        (git_repo / name).write_text(content, encoding="utf-8")
    git(git_repo, "add", *FILES)
    path, rev = hook_repo
    proc = run_pre_commit(
        git_repo, pre_commit_home, "try-repo", path, "br-secrets", "--ref", rev, "--files", *FILES
    )
    output = proc.stdout + proc.stderr
    assert proc.returncode == 1, output
    assert GHP not in output and ANTHROPIC not in output
    for name, (_, rule_id) in FILES.items():
        if rule_id:
            assert f"{name}:1: {rule_id} " in output and "(value: " in output
        else:
            assert f"{name}:" not in output


def test_git_commit_blocked_then_passes_with_env_var(
    git_repo: Path, hook_repo: tuple[str, str], pre_commit_home: Path
) -> None:
    write_pre_commit_config(git_repo, hook_repo, ["br-secrets"])
    git(git_repo, "add", ".pre-commit-config.yaml")
    install = run_pre_commit(git_repo, pre_commit_home, "install")
    assert install.returncode == 0, install.stdout + install.stderr

    settings = git_repo / "settings.py"
    settings.write_text(f'GITHUB_TOKEN = "{GHP}"\n', encoding="utf-8")
    git(git_repo, "add", "settings.py")
    blocked = _commit(git_repo, pre_commit_home, "add settings")
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "settings.py:1: github-token" in output and GHP not in output
    assert git(git_repo, "log", "--oneline").count("\n") == 1  # only the initial commit

    settings.write_text('import os\n\nGITHUB_TOKEN = os.environ["GITHUB_TOKEN"]\n', "utf-8")
    git(git_repo, "add", "settings.py")
    passed = _commit(git_repo, pre_commit_home, "read the token from the environment")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "read the token" in git(git_repo, "log", "-1", "--format=%s")

"""What each hook tells its user names only things that exist where it is shown.

The four hooks run through the real pre-commit framework in a temporary repository, from their
own pre-commit environment (which holds a `br` the user's shell does not have). Every `br`
command in their output must run from the user's PATH, every file path must exist or be a file
the tool reads (the user creates it), and no `docs/` page is named (the wheel ships no docs).
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from br_core.scan.report import hints
from tests.conftest import GIT_ENV, git, write_pre_commit_config
from tests.data.secrets_corpus import rand

pytestmark = pytest.mark.slow

HOOKS = ["br-secrets", "br-sql-injection", "br-coverage", "br-telemetry"]
FILES_THE_TOOLS_READ = {
    hints.WHITELIST_FILE,
    hints.CONFIG_FILE,
    ".buildrunner/secrets-baseline.json",
}
BACKTICKED = re.compile(r"`([^`]+)`")
PATH_LIKE = re.compile(r"(?<![\w./-])(\.?[\w-]+(?:\.[\w-]+)*(?:/[\w.*-]+)+)")


def _plant(repo: Path) -> None:
    token = "ghp_" + rand(random.Random(7), "alnum", 36)
    (repo / "settings.py").write_text(f'TOKEN = "{token}"\n', encoding="utf-8")
    (repo / "db.py").write_text(
        "def find(cur, name):\n    cur.execute(f\"SELECT * FROM t WHERE n = '{name}'\")\n",
        encoding="utf-8",
    )
    (repo / "tests").mkdir()
    (repo / "tests/test_db.py").write_text("def test_nothing():\n    pass\n", encoding="utf-8")
    git(repo, "add", "-A")


def _run_hooks(repo: Path, home: Path, path_env: str) -> str:
    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home), "PATH": path_env}
    out = ""
    for stage in ("pre-commit", "post-commit"):
        proc = subprocess.run(
            [sys.executable, "-m", "pre_commit", "run", "--all-files", "--hook-stage", stage],
            cwd=repo, env=env, capture_output=True, text=True, timeout=600,
        )  # fmt: skip
        out += proc.stdout + proc.stderr
    return out


def _problems(output: str, repo: Path, path_env: str) -> list[str]:
    problems = []
    if "docs/" in output:
        problems.append("names a docs/ page, which the installed package does not ship")
    for quoted in BACKTICKED.findall(output):
        words = quoted.split()
        if words and (words[0] == "br" or words[0].startswith("br-")):
            exe = shutil.which(words[0], path=path_env)
            if exe is None:
                problems.append(f"`{quoted}`: {words[0]} is not on the user's PATH")
                continue
            proc = subprocess.run([exe, *words[1:2], "--help"], capture_output=True, timeout=60)
            if proc.returncode != 0:
                problems.append(f"`{quoted}`: `{words[0]} {' '.join(words[1:2])}` does not run")
    for path in PATH_LIKE.findall(output):
        path = path.split(":")[0].rstrip(".")
        if path in FILES_THE_TOOLS_READ or (repo / path).exists() or path.startswith("/"):
            continue
        problems.append(f"{path}: named in a message, but neither in the repository nor read")
    return problems


@pytest.mark.parametrize("with_br", [False, True], ids=["hooks-only user", "user with br"])
def test_every_hook_message_names_something_that_exists(
    git_repo: Path, hook_repo: tuple[str, str], pre_commit_home: Path, with_br: bool
) -> None:
    write_pre_commit_config(git_repo, hook_repo, HOOKS)
    _plant(git_repo)
    user_path = os.environ.get("PATH", os.defpath)
    if with_br:  # the user installed BuildRunner: its scripts are on their PATH
        user_path = os.pathsep.join([str(Path(sys.executable).parent), user_path])
    else:
        assert shutil.which("br", path=user_path) is None, "the test's PATH must lack br"
    output = _run_hooks(git_repo, pre_commit_home, user_path)
    # every hook ran and spoke: the messages under test are really there
    assert "settings.py:1" in output and "db.py:2" in output, output
    assert "coverage" in output.lower() and "BuildRunner telemetry" in output, output
    assert "br:allow" in output and hints.WHITELIST_FILE in output
    assert ("br security whitelist" in output) == with_br
    assert _problems(output, git_repo, user_path) == [], output

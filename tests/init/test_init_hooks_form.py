"""`br init`'s pre-commit entry: `repo: local` hooks that run the installed console scripts (no
network, no hook environment), or the published repository at a tag that exists.

The commits run through the real pre-commit framework and real git; the offline test closes
every way out (an unreachable proxy, no package index, git limited to local files).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from br_cli.app import main
from br_cli.init import hook_source_for, installed_hook_source
from br_cli.init_files import HOOK_IDS, LOCAL_HOOKS
from tests.conftest import GIT_ENV, REPO_ROOT, git
from tests.data.secrets_corpus import rand

SCRIPTS = Path(sys.executable).parent  # where this venv installed br-secrets & co.
OFFLINE = {
    "HTTP_PROXY": "http://127.0.0.1:9",
    "HTTPS_PROXY": "http://127.0.0.1:9",
    "ALL_PROXY": "http://127.0.0.1:9",
    "http_proxy": "http://127.0.0.1:9",
    "https_proxy": "http://127.0.0.1:9",
    "PIP_NO_INDEX": "1",
    "PIP_FIND_LINKS": "",
    "GIT_ALLOW_PROTOCOL": "file",
}
# Keys that describe a hook in the manifest only, or differ between the two forms on purpose.
MANIFEST_ONLY = {"description", "minimum_pre_commit_version", "language"}


def test_local_hooks_are_the_manifest_run_by_the_installed_scripts() -> None:
    manifest = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
    local = yaml.safe_load(
        "\n".join(f"- id: {h}\n  " + "\n  ".join(LOCAL_HOOKS[h]) for h in HOOK_IDS)
    )
    assert [h["id"] for h in manifest] == [h["id"] for h in local] == list(HOOK_IDS)
    for ours, theirs in zip(local, manifest, strict=True):
        assert ours["language"] == "system" and theirs["language"] == "python"
        assert {k: v for k, v in ours.items() if k not in MANIFEST_ONLY} == {
            k: v for k, v in theirs.items() if k not in MANIFEST_ONLY
        }


COMMIT = "3f" * 20
SOURCES = [
    ("index, no source URL", None, [], ("local", "")),
    (
        "index, Source URL",
        None,
        ["Homepage, https://example.invalid", "Source, https://github.com/o/br"],
        ("https://github.com/o/br", "v1.2.3"),
    ),
    ("index, non-https URL", None, ["Source, git@example.invalid:o/br"], ("local", "")),
    ("editable checkout", '{"url": "file:///src", "dir_info": {"editable": true}}', [], None),
    ("local path", '{"url": "file:///src", "dir_info": {}}', [], None),
    ("wheel file", '{"url": "file:///d/br.whl", "archive_info": {}}', [], None),
    (
        "git over https",
        json.dumps(
            {"url": "https://github.com/o/br", "vcs_info": {"vcs": "git", "commit_id": COMMIT}}
        ),
        [],
        ("https://github.com/o/br", COMMIT),
    ),
    (
        "git from a local clone",
        json.dumps({"url": "file:///c", "vcs_info": {"vcs": "git", "commit_id": COMMIT}}),
        [],
        None,
    ),
    ("garbled direct_url.json", "{not json", ["Source, https://github.com/o/br"], None),
    ("direct_url.json not an object", "[]", [], None),
]


@pytest.mark.parametrize(
    ("direct_url", "urls", "expected"),
    [case[1:] for case in SOURCES],
    ids=[case[0] for case in SOURCES],
)
def test_the_form_follows_how_br_was_installed(
    direct_url: str | None, urls: list[str], expected: tuple[str, str] | None
) -> None:
    assert hook_source_for(direct_url, "1.2.3", urls) == (expected or ("local", ""))


def test_this_editable_checkout_gets_local_hooks() -> None:
    assert installed_hook_source() == ("local", "")


def test_hooks_repo_without_rev_is_refused_with_one_line(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init", "--hooks-repo", "https://example.invalid/br"]) == 2
    err = capsys.readouterr().err.strip()
    assert "--hooks-rev" in err and len(err.splitlines()) == 1
    assert not (git_repo / ".pre-commit-config.yaml").exists()


def _env(pre_commit_home: Path, **extra: str) -> dict[str, str]:
    path = os.pathsep.join([str(SCRIPTS), os.environ.get("PATH", "")])
    return {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(pre_commit_home), "PATH": path, **extra}


def _commit(repo: Path, env: dict[str, str], message: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "commit", "-m", message],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _planted_key() -> str:
    return "gh" + "p_" + rand(random.Random(13), "alnum", 36)


def _blocks_a_key_and_passes_a_clean_commit(repo: Path, env: dict[str, str]) -> None:
    installed = subprocess.run(
        [sys.executable, "-m", "pre_commit", "install"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert installed.returncode == 0, installed.stdout + installed.stderr
    token = _planted_key()
    (repo / "settings.py").write_text(f'TOKEN = "{token}"\n', encoding="utf-8")
    git(repo, "add", "-A")
    blocked = _commit(repo, env, "with a key")
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "BuildRunner secrets" in output and "Failed" in output
    assert token not in output  # masked
    (repo / "settings.py").write_text('TOKEN = os.environ["TOKEN"]\n', encoding="utf-8")
    git(repo, "add", "-A")
    clean = _commit(repo, env, "clean")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert "BuildRunner secrets" in clean.stdout + clean.stderr
    assert git(repo, "log", "-1", "--format=%s").strip() == "clean"


def test_local_hooks_work_offline_under_the_real_pre_commit(git_repo: Path, tmp_path: Path) -> None:
    assert main(["init"]) == 0
    config = yaml.safe_load((git_repo / ".pre-commit-config.yaml").read_text())
    assert [r["repo"] for r in config["repos"]] == ["local"]
    home = tmp_path / "pre-commit-home"
    _blocks_a_key_and_passes_a_clean_commit(git_repo, _env(home, **OFFLINE))
    # pre-commit fetched and built nothing: no cloned repository, no environment
    assert not [p for p in home.iterdir() if p.name.startswith("repo")]


@pytest.mark.slow
def test_remote_form_at_a_real_tag_of_a_clone_of_this_repository(
    git_repo: Path, hook_repo: tuple[str, str], pre_commit_home: Path
) -> None:
    path, tag = hook_repo  # this checkout, committed and tagged v<version> (tests/conftest.py)
    assert git(Path(path), "tag", "--points-at", "HEAD").split() == [tag]
    assert main(["init", "--hooks-repo", path, "--hooks-rev", tag]) == 0
    config = yaml.safe_load((git_repo / ".pre-commit-config.yaml").read_text())
    assert [(r["repo"], r["rev"]) for r in config["repos"]] == [(path, tag)]
    env = _env(pre_commit_home)
    env["PATH"] = os.environ.get("PATH", "")  # the hooks come from pre-commit's own environment
    _blocks_a_key_and_passes_a_clean_commit(git_repo, env)

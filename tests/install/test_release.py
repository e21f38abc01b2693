"""The release: one version, a wheel and an sdist that install into a clean venv, every console
script running from it, and the sdist carrying what the docs and tests refer to."""

from __future__ import annotations

import re
import sys
import tarfile
import tomllib
import zipfile
from pathlib import Path

import pytest

from br_cli.app import main
from br_core import __version__
from tests.conftest import REPO_ROOT, git
from tests.install.conftest import Dist, run, uv, uv_env

SCRIPTS = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]["scripts"]


def test_version_is_printed_from_its_one_source(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--version"]) == 0
    assert capsys.readouterr().out == f"br {__version__}\n"
    assert re.fullmatch(r"\d+\.\d+\.\d+", __version__)
    changelog = (REPO_ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f"## [{__version__}]" in changelog  # the release has its entry


@pytest.fixture(scope="module", params=["wheel", "sdist"])
def clean_venv(
    request: pytest.FixtureRequest, dist: Dist, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A new venv with the built wheel (or the sdist, built again by pip) and its dependencies."""
    base = tmp_path_factory.mktemp(f"venv-{request.param}")
    env = uv_env(base)
    made = run([uv(), "venv", "--quiet", "--python", sys.executable, base / "venv"], env=env)
    assert made.returncode == 0, made.stderr
    python = base / "venv" / "bin" / "python"
    artifact = dist.wheel if request.param == "wheel" else dist.sdist
    installed = run([uv(), "pip", "install", "--python", python, artifact], env=env, timeout=600)
    assert installed.returncode == 0, installed.stderr[-3000:]
    return base / "venv" / "bin"


@pytest.mark.slow
def test_every_console_script_runs_from_a_clean_install(clean_venv: Path) -> None:
    assert set(SCRIPTS) == {p.name for p in clean_venv.iterdir() if p.name in SCRIPTS}
    for script in SCRIPTS:
        if script == "br-claude-hook":  # Claude Code's hook: reads a payload, always exits 0
            done = run([clean_venv / script], input="", env={"BR_HOME": str(clean_venv.parent)})
            assert (done.returncode, done.stdout) == (0, ""), done.stderr
            continue
        helped = run([clean_venv / script, "--help"], env={"BR_HOME": str(clean_venv.parent)})
        assert helped.returncode == 0, f"{script}: {helped.stderr}"
        assert "usage" in helped.stdout.lower(), script
    version = run([clean_venv / "br", "--version"])
    assert (version.returncode, version.stdout) == (0, f"br {__version__}\n")


@pytest.mark.slow
def test_a_plain_install_leaves_out_the_extras_and_says_which_one_to_add(
    clean_venv: Path, tmp_path: Path
) -> None:
    listed = run([uv(), "pip", "list", "--python", clean_venv / "python"])
    names = {line.split()[0].lower() for line in listed.stdout.splitlines()[2:] if line.strip()}
    assert "buildrunner" in names and "mcp" in names
    assert "anthropic" not in names and "pre-commit" not in names
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    (repo / ".buildrunner").mkdir()
    (repo / ".buildrunner" / "config.toml").write_text('[routing]\nmode = "ai"\n')
    env = {"BR_HOME": str(tmp_path / "home"), "PATH": "/usr/bin:/bin"}
    routed = run([clean_venv / "br", "route", "Fix a typo"], cwd=repo, env=env)
    assert routed.returncode == 2, routed.stdout + routed.stderr
    [line] = routed.stderr.strip().splitlines()
    assert "buildrunner[ai]" in line and "config.toml" in line and 'mode = "ai"' in line


def test_wheel_metadata_names_the_version_and_the_ai_extra(dist: Dist) -> None:
    with zipfile.ZipFile(dist.wheel) as wheel:
        names = wheel.namelist()
        [meta] = [n for n in names if n.endswith(".dist-info/METADATA")]
        metadata = wheel.read(meta).decode()
    assert f"\nVersion: {__version__}\n" in metadata
    assert "Provides-Extra: ai" in metadata
    assert re.search(r"Requires-Dist: anthropic.*extra == .ai.", metadata)
    for data in ("br_core/secrets/rules.toml", "br_core/cost/prices.toml"):
        assert data in names
    assert any(n.startswith("br_cli/templates/") for n in names)


def test_sdist_carries_what_the_docs_and_tests_refer_to(dist: Dist) -> None:
    with tarfile.open(dist.sdist) as sdist:
        names = {n.split("/", 1)[1] for n in sdist.getnames() if "/" in n}
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    linked = set(re.findall(r"\]\(((?:docs/)?[A-Z_]+\.md)\)", readme))
    assert linked and linked <= names, linked - names
    needed = {
        "README.md", "CHANGELOG.md", "pyproject.toml", ".pre-commit-hooks.yaml", "Makefile",
        "docs/INSTALL.md", "docs/RELEASING.md", "tests/conftest.py",
        "tests/data/secrets_corpus.py", "br_core/secrets/rules.toml",
    }  # fmt: skip
    assert needed <= names, needed - names
    assert not [n for n in names if "__pycache__" in n or n.startswith(("bench/.venv", ".venv"))]

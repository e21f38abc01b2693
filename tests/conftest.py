"""Shared fixtures. Every test gets its own BR_HOME: no test touches the real user directory."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.data.scratch import GIT_ENV

REPO_ROOT = Path(__file__).resolve().parent.parent


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--live", action="store_true", help="run tests that call the real Anthropic API"
    )


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    live = config.getoption("--live") and os.environ.get("ANTHROPIC_API_KEY")
    skip = pytest.mark.skip(reason="needs --live and ANTHROPIC_API_KEY")
    for item in items:
        if "live" in item.keywords and not live:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def br_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path_factory.mktemp("br_home")
    monkeypatch.setenv("BR_HOME", str(home))
    for var in (
        "BR_TELEMETRY",
        "DO_NOT_TRACK",
        "CLAUDE_CONFIG_DIR",
        "ANTHROPIC_API_KEY",
        "BR_STORE",
    ):
        monkeypatch.delenv(var, raising=False)
    return home


@pytest.fixture(scope="session")
def pg_server() -> Iterator[Any]:
    """One real PostgreSQL server for the whole run (tests/store/pgserver.py), and a migrated
    template database each test's fresh database is copied from."""
    from tests.store.pgserver import PgServer

    server = PgServer()
    try:
        from br_core.store.pg import open_pg

        open_pg(server.create_database("br_template")).close()
        yield server
    finally:
        server.close()


_PG_DATABASES = iter(range(1, 1_000_000))


@pytest.fixture
def pg_url(pg_server: Any) -> str:
    """A fresh, migrated database of its own for one test."""
    return str(pg_server.create_database(f"t{next(_PG_DATABASES)}", "br_template"))


BACKENDS = ("sqlite", "postgresql")


def both_backends(metafunc: pytest.Metafunc) -> None:
    """For a folder's `pytest_generate_tests`: every test runs on both stores, except a test
    about the local SQLite file itself (`@pytest.mark.sqlite_file`: a corrupt or locked file,
    its bytes on disk, the hooks' always-local store), and a test of what only a server store
    does (`@pytest.mark.postgresql_only`)."""
    if "store_backend" not in metafunc.fixturenames:
        return
    if metafunc.definition.get_closest_marker("sqlite_file"):
        return
    only_server = metafunc.definition.get_closest_marker("postgresql_only")
    metafunc.parametrize(
        "store_backend", ("postgresql",) if only_server else BACKENDS, indirect=True
    )


@pytest.fixture
def store_backend(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The store a test runs on: the local SQLite file, or a fresh PostgreSQL database chosen
    the way users choose it (BR_STORE). Folders opt in with an autouse fixture that uses it and
    `pytest_generate_tests = both_backends`."""
    backend = getattr(request, "param", "sqlite")
    if backend == "postgresql":
        monkeypatch.setenv("BR_STORE", request.getfixturevalue("pg_url"))
    else:
        monkeypatch.delenv("BR_STORE", raising=False)
    return str(backend)


@pytest.fixture
def conn(br_home: Path) -> Iterator[sqlite3.Connection]:
    """A connection to the test's store, opened and closed here as a door would."""
    from br_core.store.db import open_db

    db = open_db()
    yield db
    db.close()


def git(repo: Path, *args: str) -> str:
    """Run git in `repo` with a fixed identity; return stdout."""
    env = {**os.environ, **GIT_ENV}
    proc = subprocess.run(
        ["git", *args], cwd=repo, env=env, capture_output=True, text=True, check=True
    )
    return proc.stdout


@pytest.fixture
def git_repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A fresh git repository with one empty commit; the test's cwd and git identity are set."""
    repo = tmp_path / "repo"
    repo.mkdir()
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    (tmp_path / "home").mkdir()
    git(repo, "init", "-q", "-b", "main")
    git(repo, "commit", "-q", "--allow-empty", "-m", "initial")
    monkeypatch.chdir(repo)
    yield repo


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str]:
    """This checkout's working tree committed into a throwaway repository: (path, release tag).

    Configs that name `repo: <path>` with `rev: <rev>` share one pre-commit environment for the
    whole session (see `pre_commit_home`), so our package is installed by pre-commit only once.
    """
    snapshot = tmp_path_factory.mktemp("hook_repo")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for rel in filter(None, listed.split("\0")):
        src = REPO_ROOT / rel
        if not src.is_file():
            continue
        dst = snapshot / rel
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(src.read_bytes())
        dst.chmod(src.stat().st_mode)
    git(snapshot, "init", "-q", "-b", "main")
    git(snapshot, "add", "-A")
    git(snapshot, "commit", "-q", "-m", "snapshot")
    # The release tag, as docs/RELEASING.md puts it on the release commit: `rev:` names a tag
    # that exists, as it must for users of the remote form.
    from br_core import __version__

    tag = f"v{__version__}"
    git(snapshot, "tag", "-a", tag, "-m", f"release {tag}")
    return str(snapshot), tag


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One PRE_COMMIT_HOME for the session: hook environments are built once and reused."""
    return tmp_path_factory.mktemp("pre_commit_home")


def run_pre_commit(
    repo: Path, home: Path, *args: str, check: bool = False
) -> subprocess.CompletedProcess[str]:
    """Run the real pre-commit framework (this venv's) in `repo` with the shared cache."""
    import sys

    env = {**os.environ, **GIT_ENV, "PRE_COMMIT_HOME": str(home)}
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        check=check,
    )


def write_pre_commit_config(repo: Path, hook_repo: tuple[str, str], hooks: list[str]) -> None:
    """A .pre-commit-config.yaml in `repo` using our hooks from the session snapshot."""
    path, rev = hook_repo
    lines = ["repos:", f"  - repo: {path}", f"    rev: {rev}", "    hooks:"]
    lines += [f"      - id: {hook}" for hook in hooks]
    (repo / ".pre-commit-config.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture
def utc_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC for the test: reports group by local day."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()

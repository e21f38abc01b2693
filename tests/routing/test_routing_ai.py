"""Optional AI mode: the anthropic SDK is mocked; the key is never shown beyond its mask."""

from __future__ import annotations

import random
import sqlite3
import string
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from br_core.routing.ai import ai_assess
from br_core.routing.router import route_task
from tests.conftest import git


def fake_key(seed: int = 6) -> str:
    rng = random.Random(seed)
    alphabet = string.ascii_letters + string.digits
    return "sk-" + "ant-api03-" + "".join(rng.choice(alphabet) for _ in range(80))


class FakeMessages:
    def __init__(self, reply: str | Exception) -> None:
        self.reply = reply
        self.calls: list[dict[str, Any]] = []

    def create(self, **kwargs: Any) -> SimpleNamespace:
        self.calls.append(kwargs)
        if isinstance(self.reply, Exception):
            raise self.reply
        return SimpleNamespace(content=[SimpleNamespace(type="text", text=self.reply)])


@pytest.fixture
def fake_sdk(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    state: dict[str, Any] = {"reply": '{"complexity": "critical", "reason": "touches auth"}'}

    class FakeAnthropic:
        def __init__(self, api_key: str, **_: Any) -> None:
            state["key"] = api_key
            state["messages"] = self.messages = FakeMessages(state["reply"])

    monkeypatch.setattr("anthropic.Anthropic", FakeAnthropic)
    return state


def _ai_mode(root: Path) -> None:
    (root / ".buildrunner").mkdir(exist_ok=True)
    (root / ".buildrunner" / "config.toml").write_text('[routing]\nmode = "ai"\n')


def test_ai_estimate_is_used_and_key_masked(
    conn: sqlite3.Connection,
    git_repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    fake_sdk: dict[str, Any],
) -> None:
    key = fake_key()
    monkeypatch.setenv("ANTHROPIC_API_KEY", key)
    _ai_mode(git_repo)
    decision = route_task(conn, Path.cwd(), "Add a progress bar to the upload command", 2, 60)
    assert (decision.tier, decision.source, decision.complexity) == ("opus", "ai", "critical")
    assert fake_sdk["key"] == key
    assert "Add a progress bar" in fake_sdk["messages"].calls[0]["messages"][0]["content"]
    text = decision.model_dump_json()
    assert key not in text and key[:4] + "…" + key[-4:] in text


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        ("I think it is hard", "ValueError"),
        ('{"complexity": "galactic"}', "galactic"),
        (ConnectionError("network down"), "ConnectionError"),
    ],
)
def test_ai_failures_fall_back_to_heuristics(
    conn: sqlite3.Connection,
    git_repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    fake_sdk: dict[str, Any],
    reply: str | Exception,
    why: str,
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", fake_key())
    fake_sdk["reply"] = reply
    _ai_mode(git_repo)
    decision = route_task(conn, Path.cwd(), "Fix a typo in the README", 1, 2)
    assert (decision.tier, decision.source) == ("haiku", "heuristic")
    assert "AI mode failed" in decision.explanation and why in decision.explanation
    assert "used heuristics" in decision.explanation


def test_error_text_never_leaks_the_key(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch, fake_sdk: dict[str, Any]
) -> None:
    key = fake_key(7)
    monkeypatch.setenv("ANTHROPIC_API_KEY", key)
    fake_sdk["reply"] = PermissionError(f"invalid x-api-key {key}")
    complexity, note = ai_assess("task", 0, 0, git_repo)
    assert complexity is None and key not in note and key[-4:] in note


@pytest.mark.parametrize(
    ("env_key", "dotenv", "ignored", "expected"),
    [
        (None, None, False, "no ANTHROPIC_API_KEY"),
        ("not-a-key-at-all-1234567", None, False, "is not an Anthropic key"),
        (None, "KEY", False, "not ignored by git"),
        (None, "KEY", True, "AI estimate"),
    ],
)
def test_key_sources(
    git_repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    fake_sdk: dict[str, Any],
    env_key: str | None,
    dotenv: str | None,
    ignored: bool,
    expected: str,
) -> None:
    if env_key:
        monkeypatch.setenv("ANTHROPIC_API_KEY", env_key)
    if dotenv:
        (git_repo / ".env").write_text(f'export ANTHROPIC_API_KEY="{fake_key(9)}"\n')
    if ignored:
        (git_repo / ".gitignore").write_text(".env\n")
        git(git_repo, "add", ".gitignore")
    complexity, note = ai_assess("Fix a typo", 1, 1, git_repo)
    assert expected in note
    assert (complexity is not None) is (expected == "AI estimate")
    assert fake_key(9) not in note and (env_key or "§") not in note


def test_ai_mode_is_off_by_default(
    conn: sqlite3.Connection,
    git_repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    fake_sdk: dict[str, Any],
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", fake_key())
    decision = route_task(conn, Path.cwd(), "Fix a typo in the README")
    assert decision.source == "heuristic" and "messages" not in fake_sdk


@pytest.mark.live
def test_live_haiku_estimate(git_repo: Path) -> None:
    complexity, note = ai_assess("Implement OAuth2 login with refresh tokens", 8, 600, git_repo)
    assert complexity in ("complex", "critical"), note

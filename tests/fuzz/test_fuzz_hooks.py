"""Fuzzing what Claude Code and pre-commit hand our hooks: hook payloads on stdin, hook argv.

Properties: `record_claude_payload` records or raises one UsageError line; `br-claude-hook` and
`br-telemetry` always exit 0 with at most one warning line on stderr, and never a traceback.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from br_cli import claude_hook
from br_core.telemetry.git_stages import STAGES
from br_hooks import telemetry
from tests.fuzz.strategies import assert_one_line, expected_or_value, json_values, mutate, text

_events = st.sampled_from(
    ["PreToolUse", "PostToolUse", "SessionStart", "Stop", "SubagentStop", "UserPromptSubmit"]
)
payloads: st.SearchStrategy[Any] = st.fixed_dictionaries(
    {"hook_event_name": st.one_of(_events, json_values)},
    optional={
        "session_id": json_values,
        "tool_name": json_values,
        "source": json_values,
        "reason": json_values,
        "agent_type": json_values,
        "cwd": st.one_of(st.sampled_from(["/", ".", "/nonexistent", "a\0b"]), json_values),
        "tool_input": json_values,
    },
)
stdin_texts = st.one_of(
    payloads.map(json.dumps),
    payloads.map(lambda p: json.dumps(p, ensure_ascii=False)),
    payloads.map(json.dumps).flatmap(mutate),
    json_values.map(json.dumps),
    text,
)
DEEP = "[" * 100_000 + "]" * 100_000
HUGE_INT = "1" * 5000


@given(stdin_texts)
@example(DEEP)
@example(HUGE_INT)
@example('{"hook_event_name": "\\ud800", "session_id": "\\udfff", "tool_name": "\\ud800"}')
def test_a_claude_hook_payload_is_recorded_or_refused_in_one_line(
    git_repo: Path, payload: str
) -> None:
    expected_or_value(lambda: claude_hook.record_claude_payload(payload))


@given(stdin_texts)
def test_br_claude_hook_exits_0_with_at_most_one_line(
    git_repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    payload: str,
) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO(payload))
    assert claude_hook.run() == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") <= 1, err
    assert "Traceback" not in err


@pytest.mark.parametrize("payload", [DEEP, HUGE_INT])
def test_unreadable_json_payloads_are_usage_errors(git_repo: Path, payload: str) -> None:
    from br_core.errors import UsageError

    assert isinstance(
        expected_or_value(lambda: claude_hook.record_claude_payload(payload)), UsageError
    )


_argv_items = st.one_of(
    st.sampled_from(["--stage", "--stage=", "-x", "--", "a.py", *STAGES]),
    st.sampled_from(STAGES).map(lambda s: f"--stage={s}"),
    text.filter(lambda t: t not in ("-h", "--help") and not t.startswith(("-h", "--h"))),
)


@given(st.lists(_argv_items, max_size=4))
@example(["--stage", "bogus"])
@example(["--nope"])
@example(["a.py", "-x", "\ud800"])  # printed to a strict stream: escaped, not UnicodeEncodeError
def test_br_telemetry_exits_0_with_at_most_one_line(
    git_repo: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    assert telemetry.main(argv) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err.count("\n") <= 1, err
    if err:
        assert_one_line(err.rstrip("\n"))


_ENV_KEYS = (
    "PRE_COMMIT_REMOTE_NAME",
    "PRE_COMMIT_LOCAL_BRANCH",
    "PRE_COMMIT_REMOTE_BRANCH",
    "PRE_COMMIT_FROM_REF",
    "PRE_COMMIT_TO_REF",
    "PRE_COMMIT_IS_SQUASH_MERGE",
)
_env_values = st.one_of(
    st.sampled_from(["", "0", "1", "HEAD", "0" * 40, "refs/heads/main", "--output=x", "a..b"]),
    text,
).map(lambda v: v.replace("\0", "").encode("utf-8", "replace").decode("utf-8"))


@given(
    st.sampled_from(STAGES),
    st.fixed_dictionaries({}, optional=dict.fromkeys(_ENV_KEYS, _env_values)),
)
@example("pre-push", {"PRE_COMMIT_FROM_REF": "--output=x", "PRE_COMMIT_TO_REF": "HEAD"})
def test_br_telemetry_exits_0_whatever_pre_commit_sets(
    git_repo: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    stage: str,
    env: dict[str, str],
) -> None:
    for key in _ENV_KEYS:
        monkeypatch.delenv(key, raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    assert telemetry.main(["--stage", stage]) == 0
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") <= 1, err
    assert sorted(p.name for p in git_repo.iterdir()) == [".git"]  # a ref is never a git option

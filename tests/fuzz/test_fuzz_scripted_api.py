"""Fuzzing the scripted Anthropic API's request reader (tests/e2e/scripted_api.py).

Claude Code's requests are outside input to it. Properties: `classify` never raises on any JSON
body; `answer` either answers (and records) or raises BadRequest, never anything else.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from tests.e2e.scripted_api import BadRequest, Script, ScriptedAPI, classify, tool_use, turn
from tests.fuzz.strategies import json_values, text

_message = st.fixed_dictionaries(
    {"role": st.one_of(st.sampled_from(["user", "assistant"]), json_values)},
    optional={"content": json_values},
)
bodies: st.SearchStrategy[Any] = st.fixed_dictionaries(
    {},
    optional={
        "model": st.one_of(st.just("claude-opus-4-8"), json_values),
        "system": st.one_of(text, st.lists(st.one_of(json_values, st.just({"text": "M"})))),
        "tools": st.one_of(st.lists(st.one_of(json_values, st.just({"name": "B"}))), json_values),
        "messages": st.one_of(st.lists(st.one_of(_message, json_values), max_size=5), json_values),
        "stream": json_values,
    },
)


@given(body=bodies)
def test_classify_never_raises(body: dict[str, Any]) -> None:
    lane, depth = classify(body, {"br-haiku": "M"})

    assert lane in ("main", "side", "br-haiku") and depth >= 0


@given(body=bodies)
def test_answer_answers_or_refuses_in_one_sentence(body: dict[str, Any]) -> None:
    api = ScriptedAPI(
        Script(turns=[turn(tool_use("Write", {"file_path": "a"})), turn("ok", after_tool="Write")])
    )
    try:
        message = api.answer(body)
    except BadRequest as exc:
        assert "\n" not in str(exc) and api.exchanges == []
        return
    assert message["role"] == "assistant" and message["content"]
    assert len(api.exchanges) == 1

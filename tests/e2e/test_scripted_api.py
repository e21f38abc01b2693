"""The scripted Anthropic API by itself, over real HTTP (no Claude Code needed).

What Claude Code relies on: the SSE event sequence with usage in `message_start` and the final
usage in `message_delta`, JSON answers, count_tokens; and what the tests rely on: lanes, depth,
retries answered alike, tool results checked, every request recorded, a bounded stop.
"""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.scripted_api import (
    MAIN,
    SIDE,
    Script,
    ScriptedAPI,
    Usage,
    classify,
    tool_use,
    turn,
)

MARKER = "You handle small, well-specified changes quickly."


def _post(api: ScriptedAPI, path: str, body: Any) -> tuple[int, bytes]:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    request = urllib.request.Request(
        api.base_url + path, data=data, headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def _body(*messages: dict[str, Any], system: str = "main", tools: bool = True, **extra: Any) -> Any:
    return {
        "model": "claude-opus-4-8",
        "max_tokens": 1000,
        "system": [{"type": "text", "text": system, "cache_control": {"type": "ephemeral"}}],
        "tools": [{"name": "Write", "input_schema": {}}] if tools else [],
        "messages": list(messages) or [{"role": "user", "content": "hi"}],
        **extra,
    }


def _events(raw: bytes) -> Iterator[tuple[str, dict[str, Any]]]:
    for chunk in raw.decode().split("\n\n"):
        if chunk.strip():
            kind, data = chunk.split("\n")
            yield kind.removeprefix("event: "), json.loads(data.removeprefix("data: "))


@pytest.fixture
def api() -> Iterator[ScriptedAPI]:
    script = Script(
        turns=[
            turn(
                "Writing.",
                tool_use("Write", {"file_path": "a.txt", "content": "x"}),
                usage=Usage(10, 20, 30, 40, cache_1h_tokens=5),
            ),
            turn("Written.", after_tool="Write"),
            turn("Subagent done.", lane="br-haiku"),
        ],
        agents={"br-haiku": MARKER},
    )
    with ScriptedAPI(script) as server:
        yield server


def test_a_json_answer_carries_the_turn_and_its_usage(api: ScriptedAPI) -> None:
    status, raw = _post(api, "/v1/messages", _body())

    message = json.loads(raw)
    assert status == 200
    assert message["stop_reason"] == "tool_use"
    assert [b["type"] for b in message["content"]] == ["text", "tool_use"]
    assert message["content"][1]["id"] == "toolu_main_0_1"
    assert message["usage"]["cache_creation"] == {
        "ephemeral_5m_input_tokens": 25,
        "ephemeral_1h_input_tokens": 5,
    }
    [exchange] = api.requests()
    assert (exchange.lane, exchange.depth, exchange.model) == (MAIN, 0, "claude-opus-4-8")
    assert exchange.tools == ["Write"] and exchange.system == "main"


def test_a_stream_sends_the_events_the_real_api_sends(api: ScriptedAPI) -> None:
    status, raw = _post(api, "/v1/messages", _body(stream=True))

    events = list(_events(raw))
    assert status == 200
    assert [k for k, _ in events] == [
        "message_start",
        *["content_block_start", "content_block_delta", "content_block_stop"] * 2,
        "message_delta",
        "message_stop",
    ]
    start, delta = events[0][1]["message"]["usage"], events[-2][1]["usage"]
    assert (start["output_tokens"], start["cache_read_input_tokens"]) == (1, 40)
    assert (delta["output_tokens"], delta["input_tokens"]) == (20, 10)
    assert events[-2][1]["delta"]["stop_reason"] == "tool_use"
    assert events[4][1]["content_block"]["input"] == {}  # the input arrives as JSON deltas
    sent = json.loads(events[5][1]["delta"]["partial_json"])
    assert sent == {"file_path": "a.txt", "content": "x"}


def test_turns_follow_depth_and_tool_results_are_checked(api: ScriptedAPI) -> None:
    first = {"role": "user", "content": "hi"}
    said = {"role": "assistant", "content": [{"type": "tool_use", "id": "toolu_main_0_1"}]}
    wrong = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "other"}]}
    right = {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "toolu_main_0_1"}]}
    _post(api, "/v1/messages", _body(first))
    _post(api, "/v1/messages", _body(first))  # a retry: same turn, same ids
    _, wrong_raw = _post(api, "/v1/messages", _body(first, said, wrong))
    _post(api, "/v1/messages", _body(first, said, right))
    _post(api, "/v1/messages", _body(first, said, right, {"role": "system", "content": "note"}))

    answers = [e.reply for e in api.requests()]
    assert answers[0] is not None and answers[1] is not None
    assert answers[0]["content"] == answers[1]["content"]
    assert json.loads(wrong_raw)["content"] == [{"type": "text", "text": "Written."}]
    assert api.errors == [
        "main turn 1: expected the result of Write (ids ['toolu_main_0_1']), got results for "
        "['other']"
    ]


def test_subagents_side_requests_and_overruns_are_kept_apart(api: ScriptedAPI) -> None:
    _post(api, "/v1/messages", _body(system=f"Agent SDK.\n{MARKER}\nMore."))
    _, side = _post(api, "/v1/messages", _body(system="Write a title", tools=False))
    past_end = [
        {"role": "user", "content": "x"},
        {"role": "assistant", "content": "y"},
        {"role": "user", "content": "z"},
    ]
    _post(api, "/v1/messages", _body(*past_end, system=MARKER))

    assert [e.lane for e in api.requests()] == ["br-haiku", "br-haiku"]
    assert json.loads(side)["content"][0]["text"] == "Scripted reply"
    assert [e.system for e in api.side_requests] == ["Write a title"]
    assert api.errors == ["br-haiku: request at depth 1 but the script has 1 turn(s) for this lane"]


def test_a_reply_function_builds_the_turn_from_the_request() -> None:
    def echo(exchange: Any) -> list[Any]:
        return [f"saw {exchange.messages[0]['content']}"]

    def broken(exchange: Any) -> list[Any]:
        raise KeyError("subagent")

    script = Script(turns=[turn(reply=echo)])
    with ScriptedAPI(script) as api:
        _, raw = _post(api, "/v1/messages", _body({"role": "user", "content": "ping"}))
        assert json.loads(raw)["content"] == [{"type": "text", "text": "saw ping"}]
        api.reset(Script(turns=[turn(reply=broken)]))
        _, raw = _post(api, "/v1/messages", _body())
        assert json.loads(raw)["stop_reason"] == "end_turn"
        assert api.errors == ["main turn 0: reply failed: KeyError('subagent')"]


def test_count_tokens_and_unknown_paths(api: ScriptedAPI) -> None:
    status, raw = _post(api, "/v1/messages/count_tokens", _body())
    missing, _ = _post(api, "/v1/nothing", _body())

    assert status == 200 and json.loads(raw)["input_tokens"] > 0
    assert missing == 404 and api.other_paths == ["POST /v1/nothing"]
    assert api.requests() == []


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"{not json", "Expecting property name"),
        (b"[1, 2]", "the body must be a JSON object"),
        ({"model": "m", "messages": []}, "`messages` must be a non-empty list"),
        ({"messages": [{"role": "user", "content": "x"}]}, "`model` must be a non-empty string"),
    ],
)
def test_a_malformed_request_gets_one_readable_400(
    api: ScriptedAPI, body: Any, problem: str
) -> None:
    status, raw = _post(api, "/v1/messages", body)

    assert status == 400
    assert problem in json.loads(raw)["error"]["message"]
    assert api.requests() == []


def test_classify_reads_lane_and_depth() -> None:
    body = {"system": "x MARK y", "messages": [{"role": "assistant"}, {"role": "user"}] * 2}

    assert classify(body, {"br-opus": "MARK"}) == ("br-opus", 2)
    assert classify({"tools": [{"name": "Bash"}]}, {}) == (MAIN, 0)
    assert classify({"messages": "odd"}, {"a": ""}) == (SIDE, 0)


def test_stop_is_bounded_and_frees_the_port() -> None:
    api = ScriptedAPI().start()
    port = api.port
    api.stop()
    api.stop()  # twice is harmless

    with pytest.raises(OSError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass

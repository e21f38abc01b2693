"""A scripted Anthropic Messages API on 127.0.0.1, for running the real Claude Code offline.

Claude Code talks to it through `ANTHROPIC_BASE_URL`. The server plays a `Script` of assistant
turns (text and `tool_use` blocks, with the usage each turn reports, cache writes and reads
included), streaming (SSE) or not, answers `/v1/messages/count_tokens`, and records every request
for assertions.

Which turn answers a request:

- the request's *lane* says which agent asks: a subagent is recognised by a marker its system
  prompt carries (the body of its `.claude/agents/NAME.md`), the main session by the tools it is
  offered; a request with no tools that is no agent's (titles, topic detection, summaries) is a
  *side request*, answered with `Script.side_reply` and recorded apart;
- within a lane, the conversation's depth (how many assistant messages the request already
  carries) picks the turn, so a retried request gets the same answer;
- a turn with `after_tool` also checks that the request returns that tool's result for the
  `tool_use` the previous turn sent; a mismatch is recorded in `ScriptedAPI.errors`.

Stdlib + starlette + uvicorn only: demo/ loads this file by path, as data.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

START_TIMEOUT = 10.0
STOP_TIMEOUT = 10.0
SIDE = "side"
MAIN = "main"


@dataclass(frozen=True)
class Usage:
    """The token counts one turn reports (what Claude Code prices and writes to its transcript)."""

    input_tokens: int = 120
    output_tokens: int = 30
    cache_creation_input_tokens: int = 0
    cache_read_input_tokens: int = 0
    cache_1h_tokens: int = 0  # the share of the cache writes made with the 1-hour TTL

    def as_dict(self, output_tokens: int | None = None) -> dict[str, Any]:
        out = self.output_tokens if output_tokens is None else output_tokens
        return {
            "input_tokens": self.input_tokens,
            "cache_creation_input_tokens": self.cache_creation_input_tokens,
            "cache_read_input_tokens": self.cache_read_input_tokens,
            "cache_creation": {
                "ephemeral_5m_input_tokens": self.cache_creation_input_tokens
                - self.cache_1h_tokens,
                "ephemeral_1h_input_tokens": self.cache_1h_tokens,
            },
            "output_tokens": out,
            "service_tier": "standard",
        }


def text(value: str) -> dict[str, Any]:
    """A text block of an assistant turn."""
    return {"type": "text", "text": value}


def tool_use(name: str, tool_input: dict[str, Any]) -> dict[str, Any]:
    """A tool_use block; its id is assigned when the turn is played."""
    return {"type": "tool_use", "name": name, "input": tool_input}


Block = dict[str, Any]


@dataclass(frozen=True)
class Turn:
    """One assistant message of one lane (`main`, or a subagent's name).

    `reply`, when set, builds the content from the request it answers (for a turn that acts on
    a tool's result, such as delegating to the subagent a routing answer names).
    """

    content: tuple[Block, ...]
    usage: Usage = Usage()
    lane: str = MAIN
    after_tool: str | None = None  # the tool whose result this request must carry
    reply: Callable[[Exchange], Sequence[Block | str]] | None = None


def _blocks(blocks: Sequence[Block | str]) -> tuple[Block, ...]:
    return tuple(text(b) if isinstance(b, str) else b for b in blocks)


def turn(
    *blocks: Block | str,
    usage: Usage | None = None,
    lane: str = MAIN,
    after_tool: str | None = None,
    reply: Callable[[Exchange], Sequence[Block | str]] | None = None,
) -> Turn:
    """A Turn from blocks (a bare string is a text block), or from a `reply` function."""
    return Turn(_blocks(blocks), usage or Usage(), lane, after_tool, reply)


def _stop_reason(content: Sequence[Block]) -> str:
    return "tool_use" if any(b.get("type") == "tool_use" for b in content) else "end_turn"


@dataclass
class Script:
    """The turns to play, and how to recognise each subagent's requests.

    `agents` maps a lane name to a marker: a string only that agent's system prompt contains.
    """

    turns: Sequence[Turn]
    agents: dict[str, str] = field(default_factory=dict)
    side_reply: str = "Scripted reply"
    side_usage: Usage = Usage(input_tokens=40, output_tokens=5)
    end_reply: str = "(the script has no more turns)"

    def lane_turns(self, lane: str) -> list[Turn]:
        """The turns one lane plays, in order."""
        return [t for t in self.turns if t.lane == lane]


@dataclass
class Exchange:
    """One recorded request and the answer it got."""

    path: str
    lane: str
    depth: int
    model: str
    system: str
    tools: list[str]
    messages: list[Any]
    stream: bool
    reply: dict[str, Any] | None = None

    def text(self) -> str:
        """Every string in the request's messages and system prompt, joined (for `in` checks)."""
        return "\n".join([self.system, *_strings(self.messages)])

    def tool_results(self) -> dict[str, str]:
        """tool_use_id -> the result text the last user message returns.

        Claude Code may append a `system` message after it (seen for opus-4-8 requests).
        """
        users = [m for m in self.messages if isinstance(m, dict) and m.get("role") == "user"]
        last = users[-1] if users else {}
        found: dict[str, str] = {}
        content = last.get("content") if isinstance(last, dict) else None
        for block in content if isinstance(content, list) else []:
            if isinstance(block, dict) and block.get("type") == "tool_result":
                found[str(block.get("tool_use_id"))] = "\n".join(_strings(block.get("content")))
        return found


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)


def system_text(body: dict[str, Any]) -> str:
    """The system prompt as one string (the API takes a string or a list of text blocks)."""
    system = body.get("system", "")
    if isinstance(system, str):
        return system
    blocks = system if isinstance(system, list) else []
    return "\n".join(str(b.get("text", "")) for b in blocks if isinstance(b, dict))


def tool_names(body: dict[str, Any]) -> list[str]:
    tools = body.get("tools")
    if not isinstance(tools, list):
        return []
    return [str(t.get("name")) for t in tools if isinstance(t, dict) and "name" in t]


def classify(body: dict[str, Any], agents: dict[str, str]) -> tuple[str, int]:
    """(lane, depth) of a request body: which agent asks, and how far into its conversation."""
    system = system_text(body)
    messages = body.get("messages")
    messages = messages if isinstance(messages, list) else []
    depth = sum(1 for m in messages if isinstance(m, dict) and m.get("role") == "assistant")
    for lane, marker in agents.items():
        if marker and marker in system:
            return lane, depth
    return (MAIN if tool_names(body) else SIDE), depth


class BadRequest(ValueError):
    """A request this API cannot answer; the client gets a 400 with the message."""


class ScriptedAPI:
    """The server: `with ScriptedAPI(script) as api:` serves on `api.base_url`."""

    def __init__(self, script: Script | None = None) -> None:
        self.script = script or Script(turns=[])
        self.exchanges: list[Exchange] = []
        self.errors: list[str] = []
        self.other_paths: list[str] = []
        self._lock = threading.Lock()
        self._played: dict[tuple[str, int], tuple[Block, ...]] = {}
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._socket: socket.socket | None = None
        self.port = 0

    # --- the record -------------------------------------------------------------------------

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def requests(self, lane: str | None = None) -> list[Exchange]:
        """The Messages requests of one lane, or of every lane but side requests."""
        with self._lock:
            kept = [e for e in self.exchanges if e.path == "/v1/messages"]
        if lane is None:
            return [e for e in kept if e.lane != SIDE]
        return [e for e in kept if e.lane == lane]

    @property
    def side_requests(self) -> list[Exchange]:
        return self.requests(SIDE)

    def reset(self, script: Script) -> None:
        """Play a new script (the record starts afresh)."""
        with self._lock:
            self.script = script
            self.exchanges.clear()
            self.errors.clear()
            self.other_paths.clear()
            self._played.clear()

    # --- answering --------------------------------------------------------------------------

    def answer(self, body: dict[str, Any], path: str = "/v1/messages") -> dict[str, Any]:
        """The message that answers `body` (recorded); raises BadRequest on a malformed body."""
        if not isinstance(body.get("messages"), list) or not body["messages"]:
            raise BadRequest("`messages` must be a non-empty list")
        model = body.get("model")
        if not isinstance(model, str) or not model:
            raise BadRequest("`model` must be a non-empty string")
        with self._lock:
            lane, depth = classify(body, self.script.agents)
            exchange = Exchange(
                path,
                lane,
                depth,
                model,
                system_text(body),
                tool_names(body),
                body["messages"],
                bool(body.get("stream")),
            )
            if lane == SIDE:
                reply = self._message(
                    model, (text(self.script.side_reply),), self.script.side_usage
                )
            else:
                reply = self._play(exchange)
            exchange.reply = reply
            self.exchanges.append(exchange)
        return reply

    def _play(self, exchange: Exchange) -> dict[str, Any]:
        turns = self.script.lane_turns(exchange.lane)
        if exchange.depth >= len(turns):
            self.errors.append(
                f"{exchange.lane}: request at depth {exchange.depth} but the script has "
                f"{len(turns)} turn(s) for this lane"
            )
            return self._message(exchange.model, (text(self.script.end_reply),), Usage(1, 1))
        # a retried request (same lane and depth) gets the blocks, and ids, it got before
        played = turns[exchange.depth]
        if played.after_tool is not None:
            self._check_result(exchange, played.after_tool)
        key = (exchange.lane, exchange.depth)
        if key not in self._played:
            self._played[key] = self._content(exchange, played)
        content = self._played[key]
        return self._message(exchange.model, content, played.usage, _stop_reason(content))

    def _content(self, exchange: Exchange, played: Turn) -> tuple[Block, ...]:
        """The turn's blocks, tool_use ids assigned (`toolu_<lane>_<depth>_<n>`)."""
        blocks = played.content
        if played.reply is not None:
            try:
                blocks = _blocks(played.reply(exchange))
            except Exception as exc:  # a script bug is recorded, and the session still ends
                self.errors.append(f"{exchange.lane} turn {exchange.depth}: reply failed: {exc!r}")
                blocks = (text(self.script.end_reply),)
        prefix = f"toolu_{exchange.lane.replace('-', '')}_{exchange.depth}"
        return tuple(
            {**b, "id": f"{prefix}_{n}"} if b.get("type") == "tool_use" else b
            for n, b in enumerate(blocks)
        )

    def _check_result(self, exchange: Exchange, tool: str) -> None:
        previous = self._played.get((exchange.lane, exchange.depth - 1), ())
        wanted = [
            str(b["id"]) for b in previous if b.get("type") == "tool_use" and b.get("name") == tool
        ]
        got = exchange.tool_results()
        if not wanted or not any(w in got for w in wanted):
            self.errors.append(
                f"{exchange.lane} turn {exchange.depth}: expected the result of {tool} "
                f"(ids {wanted}), got results for {sorted(got)}"
            )

    def _message(
        self,
        model: str,
        content: tuple[Block, ...],
        usage: Usage,
        stop_reason: str = "end_turn",
    ) -> dict[str, Any]:
        number = len(self.exchanges) + 1
        return {
            "id": f"msg_scripted_{number:04d}",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": list(content),
            "stop_reason": stop_reason,
            "stop_sequence": None,
            "usage": usage.as_dict(),
        }

    # --- HTTP -------------------------------------------------------------------------------

    async def _messages(self, request: Request) -> Response:
        try:
            body = json.loads(await request.body())
            if not isinstance(body, dict):
                raise BadRequest("the body must be a JSON object")
            message = self.answer(body)
        except (ValueError, RecursionError) as exc:  # JSONDecodeError and BadRequest included
            return _error(400, f"scripted API: {exc}")
        if body.get("stream"):
            return StreamingResponse(
                _sse(message), media_type="text/event-stream", headers={"request-id": "req_s"}
            )
        return JSONResponse(message, headers={"request-id": "req_s"})

    async def _count_tokens(self, request: Request) -> Response:
        raw = await request.body()
        with self._lock:
            self.exchanges.append(
                Exchange("/v1/messages/count_tokens", SIDE, 0, "", "", [], [], False)
            )
        return JSONResponse({"input_tokens": max(1, len(raw) // 4)})

    async def _other(self, request: Request) -> Response:
        with self._lock:
            self.other_paths.append(f"{request.method} {request.url.path}")
        return _error(404, f"scripted API: no route {request.url.path}")

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/messages", self._messages, methods=["POST"]),
                Route("/v1/messages/count_tokens", self._count_tokens, methods=["POST"]),
                Route("/{rest:path}", self._other, methods=["GET", "POST", "PUT", "DELETE"]),
            ]
        )

    # --- life cycle -------------------------------------------------------------------------

    def start(self) -> ScriptedAPI:
        """Serve on a free port of 127.0.0.1; returns once it accepts connections (bounded)."""
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._socket = sock
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app(), log_level="warning", lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, daemon=True, name="scripted-api"
        )
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"scripted API: did not start within {START_TIMEOUT:.0f}s")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop serving; waits at most STOP_TIMEOUT, then forces the server down."""
        if self._server is not None and self._thread is not None:
            self._server.should_exit = True
            self._thread.join(STOP_TIMEOUT / 2)
            if self._thread.is_alive():
                self._server.force_exit = True
                self._thread.join(STOP_TIMEOUT / 2)
        if self._socket is not None:
            self._socket.close()
        self._server = self._thread = self._socket = None

    def __enter__(self) -> ScriptedAPI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _error(status: int, message: str) -> JSONResponse:
    body = {"type": "error", "error": {"type": "invalid_request_error", "message": message}}
    return JSONResponse(body, status_code=status)


def _event(kind: str, data: dict[str, Any]) -> bytes:
    return f"event: {kind}\ndata: {json.dumps({'type': kind, **data})}\n\n".encode()


def sse_events(message: dict[str, Any]) -> list[bytes]:
    """The message as the real API streams it.

    As the real API does, `message_start` carries the input and cache counts with a first
    output count of 1, and `message_delta` the final, cumulative usage.
    """
    usage = message["usage"]
    start = {**message, "content": [], "stop_reason": None, "usage": {**usage, "output_tokens": 1}}
    events = [_event("message_start", {"message": start})]
    for index, block in enumerate(message["content"]):
        if block["type"] == "text":
            events.append(
                _event("content_block_start", {"index": index, "content_block": text("")})
            )
            delta = {"type": "text_delta", "text": block["text"]}
        else:
            opened = {**block, "input": {}}
            events.append(_event("content_block_start", {"index": index, "content_block": opened}))
            delta = {"type": "input_json_delta", "partial_json": json.dumps(block["input"])}
        events.append(_event("content_block_delta", {"index": index, "delta": delta}))
        events.append(_event("content_block_stop", {"index": index}))
    stop = {"stop_reason": message["stop_reason"], "stop_sequence": None}
    events.append(_event("message_delta", {"delta": stop, "usage": usage}))
    events.append(_event("message_stop", {}))
    return events


async def _sse(message: dict[str, Any]) -> Any:
    for event in sse_events(message):
        yield event

"""Handlers of a connected client's socket: their parameters are what the client sent.

`wss.on('connection', (ws) => { ws.on('message', (data) => …) })` (ws) and
`io.on('connection', (socket) => { socket.on('search', (term, ack) => …) })` (socket.io): the
connection callback's first parameter is the client's socket, and every event it emits but
the socket's own life-cycle ones carries the client's data, as a request's body does. A
`new WebSocket(url)` of this file is a socket too: what its peer sends is not this file's.
The request of a plain `http` server is a stream of the client's body:
`req.on('data', (chunk) => …)` hands over the body itself.
"""

from __future__ import annotations

import re

from br_core.sqli.js.scope import Index
from br_core.sqli.js.tokens import Tok

_CONNECT = frozenset({"connection", "connect"})
# events a socket emits itself (an error, a close code): not text the client chose
_LIFECYCLE = _CONNECT | {
    "disconnect", "disconnecting", "close", "error", "open", "end", "drain", "ping", "pong",
    "upgrade", "listening", "headers", "timeout",
}  # fmt: skip
_LISTENERS = ("on", "once", "addListener", "addEventListener")
_NEW_SOCKET = re.compile(r"\b([\w$]+)\s*=\s*new\s+(?:[\w$]+\s*\.\s*)?WebSocket\s*\(")


_REQUEST = frozenset({"req", "request"})  # the request's names, as sources.py spells them


def socket_handlers(index: Index) -> dict[int, bool]:
    """The body `{` (token index) of each function listening for a client's event on a
    socket of this file (True when the socket is the request's body stream), once per
    file."""
    key = ("sockets", "handlers")
    found = index.memo.get(key)
    if not isinstance(found, dict):
        found = dict[int, bool]()
        listens = [(k, ev) for k in _listener_calls(index) if (ev := _event(index.toks, k))]
        sockets = {
            params[0] for k, ev in listens if ev in _CONNECT and (params := _callback(index, k)[1])
        }
        if "WebSocket" in index.src:
            sockets.update(_NEW_SOCKET.findall(index.src))
        for k, ev in listens:
            receiver = index.toks[k - 2].text
            if ev not in _LIFECYCLE and (receiver in sockets or receiver in _REQUEST):
                brace = _callback(index, k)[0]
                if brace >= 0:
                    found[brace] = receiver in _REQUEST and receiver not in sockets
        index.memo[key] = found
    return found


def _listener_calls(index: Index) -> list[int]:
    """Tokens of `<name>.on(` (and its synonyms) in the file."""
    toks = index.toks
    return [
        k
        for name in _LISTENERS
        for k in index.where.get(name, ())
        if 2 <= k < len(toks) - 4
        and toks[k - 1].text == "."
        and toks[k - 2].kind == "ident"
        and toks[k + 1].text == "("
    ]


def _event(toks: list[Tok], k: int) -> str:
    """The event name of the listener call at token k (`on('message', …)`), or ''."""
    name, comma = toks[k + 2], toks[k + 3]
    if name.kind != "str" or comma.text != "," or len(name.parts) != 1:
        return ""
    return name.parts[0]


def _callback(index: Index, k: int) -> tuple[int, list[str]]:
    """(its body's `{` or -1, its parameter names) of the function literal that is the
    listener call's second argument: `(a, b) => {`, `a => {`, `async function (a) {`."""
    toks, ends, last = index.toks, index.ends, len(index.toks) - 1
    j = k + 4
    if j < last and toks[j].text == "async":
        j += 1
    if j < last and toks[j].text == "function":
        j += 2 if toks[j + 1].kind == "ident" else 1
    if j >= last:
        return -1, []
    if toks[j].kind == "ident" and toks[j + 1].text == "=>":
        params, after = [toks[j].text], j + 2
    elif toks[j].text == "(" and ends[j] > j:
        inner = toks[j + 1 : ends[j]]
        starts = [t for n, t in enumerate(inner) if n == 0 or inner[n - 1].text == ","]
        params = [t.text for t in starts if t.kind == "ident"]
        after = ends[j] + 1
        if after < last and toks[after].text == "=>":
            after += 1
    else:
        return -1, []
    return (after if after <= last and toks[after].text == "{" else -1), params

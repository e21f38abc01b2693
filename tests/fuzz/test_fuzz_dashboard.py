"""Fuzzing `br dashboard`'s two inputs from outside: HTTP requests and the texts it renders.

Properties: any path and query string gets 200 (with the token), 403 or 404, never a 500 and
never the token echoed to a caller without it; any task title, owner or decision text renders
as escaped text, so the page holds only the tags the renderer writes.
"""

from __future__ import annotations

import asyncio
import secrets
import tempfile
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import quote

from hypothesis import example, given
from hypothesis import strategies as st

from br_cli.dashboard import render
from br_cli.dashboard.app import Settings, build_app
from br_core.dashboard import Card, Column, clean
from tests.fuzz.strategies import text

# Made at run time: a literal would be a secret-shaped value in the repository.
TOKEN = secrets.token_urlsafe(18)
_ALLOWED_TAGS = {"section", "h4", "span", "ul", "li", "code", "p"}


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)


@given(st.lists(st.tuples(text, text, text), min_size=1, max_size=5))
@example([("<script>alert(1)</script>", "<img src=x onerror=1>", '"><b>')])
def test_titles_render_as_text(cards: list[tuple[str, str, str]]) -> None:
    column = Column(
        "ready",
        len(cards),
        tuple(
            Card(task_id, clean(title), "s", clean(owner) or None, 1)
            for task_id, title, owner in cards
        ),
    )
    html = render.board([column], {})
    parser = _Tags()
    parser.feed(html)
    assert parser.tags <= _ALLOWED_TAGS
    assert "<script" not in html and "<img" not in html


def _request(app: Any, path: str, query: str) -> tuple[int, bytes]:
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
        "scheme": "http", "path": path, "raw_path": path.encode("utf-8", "surrogatepass"),
        "query_string": query.encode("utf-8", "surrogatepass"), "headers": [],
        "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80), "root_path": "",
    }  # fmt: skip
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(scope, receive, send))
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return status, body


_APP = build_app(Settings(root=Path(tempfile.gettempdir()), project_id="fuzz"), TOKEN)
_paths = st.one_of(
    st.sampled_from(["/", "/events", "/static/dashboard.js", "/static/x", "/static/", "/nope"]),
    st.text(alphabet="/abcdes.%?&=", max_size=30).map(lambda p: "/" + p),
)
_queries = st.one_of(
    text.map(lambda t: "token=" + quote(t.encode("utf-8", "surrogatepass"), safe="")),
    st.text(alphabet="token=&%20;abc", max_size=40),
    st.sampled_from([f"token={TOKEN}x", f"token={TOKEN[:-1]}", f"token={TOKEN}&token=x", ""]),
)


@given(_paths, _queries)
@example("/static/dashboard.js", f"token={TOKEN}")
def test_any_request_is_answered_without_a_server_error(path: str, query: str) -> None:
    status, body = _request(_APP, path, query)
    assert status in (200, 403, 404)
    if status != 200:
        assert TOKEN.encode() not in body
    if status == 200:
        assert path.startswith("/static/")  # the page itself needs the store: not fuzzed here

"""`br dashboard`'s web app: Starlette on uvicorn, 127.0.0.1 only, a random token on every URL.

One poller per server asks the store `PRAGMA data_version` (it changes only when another
connection commits: a worker's claim, a merge) every `poll` seconds, and re-reads the snapshot
when it changed or every `refresh` seconds (staleness is a matter of time, not of writes). Each
browser holds one server-sent-events stream and receives the fragments whose HTML changed.

The store connection belongs to this door: it is opened and used on one worker thread (SQLite
connections stay on the thread that made them), never on the event loop.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import socket
import threading
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from br_cli.dashboard import render
from br_core.cost.pricing import load_price_table
from br_core.cost.transcripts import has_unread, ingest
from br_core.dashboard import SpendMemo, change_marker, snapshot
from br_core.errors import BRError, UsageError, one_line
from br_core.store.connection import Connection
from br_core.store.db import open_db
from br_core.telemetry.thresholds import ThresholdStatus, threshold_status

HOST = "127.0.0.1"
STATIC = {"dashboard.css": "text/css", "dashboard.js": "text/javascript"}
KEEPALIVE_SECONDS = 15.0
LEARNING_SECONDS = 30.0
INGEST_SECONDS = 15.0
FIRST_READ_SECONDS = 30.0
FORBIDDEN = "forbidden: open the URL `br dashboard` printed; it carries the access token\n"


@dataclass(frozen=True)
class Settings:
    root: Path
    project_id: str
    poll: float = 0.1  # seconds between data_version checks (one PRAGMA: microseconds)
    refresh: float = 5.0  # seconds between re-reads when nothing was written
    transcripts: list[Path] | None = None  # None: Claude Code's own folders; [] reads none


class StoreReader:
    """The dashboard's connection and what it reads; every method runs on the reader thread."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.conn: Connection | None = None
        self.table = load_price_table(settings.root)
        self._learning: tuple[float, ThresholdStatus | None] = (0.0, None)
        self._ingested = 0.0
        self._spend = SpendMemo()

    def _db(self) -> Connection:
        if self.conn is None:
            self.conn = open_db()
        return self.conn

    def marker(self) -> int:
        return change_marker(self._db())

    def fragments(self) -> dict[str, str]:
        conn, now = self._db(), time.time()
        roots = self.settings.transcripts
        if (roots is None or roots) and now - self._ingested >= INGEST_SECONDS:
            self._ingested = now
            if has_unread(conn, roots):
                ingest(conn, roots)
        if now - self._learning[0] >= LEARNING_SECONDS:
            self._learning = (now, self._learning_status(conn))
        snap = snapshot(
            conn, self.settings.project_id, self.table, self._learning[1], now=now, memo=self._spend
        )
        return render.fragments(snap)

    def _learning_status(self, conn: Connection) -> ThresholdStatus | None:
        try:
            return threshold_status(conn, self.settings.root)
        except UsageError:  # a broken [thresholds] section: the panel says so, the rest shows
            return None

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


class Hub:
    """The latest fragments and a version that moves when any of them changed."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.reader = StoreReader(settings)
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="br-dashboard-store")
        self.parts: dict[str, str] = {}
        self.version = 0
        self.changed = asyncio.Event()
        self.ready = asyncio.Event()  # set once the first read (good or not) is published
        self.good: dict[str, str] = {}  # the last fragments read without an error

    async def read(self) -> dict[str, str]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, self.reader.fragments)

    async def refresh(self) -> None:
        """Read and publish; a failed read keeps the last good panels under one error line."""
        try:
            self.good = await self.read()
            await self.publish(self.good)
        except Exception as exc:  # the store is locked, replaced or damaged: say so, keep serving
            message = one_line(exc.message if isinstance(exc, BRError) else str(exc))
            stale = {name: self.good.get(name, "") for name in render.FRAGMENTS}
            await self.publish({**stale, "summary": render.problem(message) + stale["summary"]})

    async def publish(self, parts: dict[str, str]) -> None:
        if parts != self.parts:
            self.parts = parts
            self.version += 1
            self.changed.set()
            self.changed = asyncio.Event()

    async def poll_forever(self) -> None:
        loop = asyncio.get_running_loop()
        last_marker: int | None = None
        last_read = -float("inf")
        while True:
            try:
                marker: int | None = await loop.run_in_executor(self.pool, self.reader.marker)
            except Exception:  # refresh() reports it, at the refresh interval, not every poll
                marker = last_marker
            if marker != last_marker or time.monotonic() - last_read >= self.settings.refresh:
                last_marker, last_read = marker, time.monotonic()
                await self.refresh()
                self.ready.set()
            await asyncio.sleep(self.settings.poll)

    def close(self) -> None:
        self.pool.submit(self.reader.close).result(timeout=10)
        self.pool.shutdown(wait=True)


DIGEST_SECONDS = 20.0


def digest_page(root: Path) -> str:
    from br_cli.digest import spend_summary
    from br_core.learning.digest import build_digest, render_html

    conn = open_db()
    try:
        return render_html(build_digest(conn, root, spend_summary(conn, root, 7), 7))
    finally:
        conn.close()


def build_app(settings: Settings, token: str) -> Starlette:
    """The Starlette app; every route answers 403 unless the URL carries `token`."""
    hub = Hub(settings)

    def allowed(request: Request) -> bool:
        given = request.query_params.get("token", "")
        return secrets.compare_digest(given.encode(), token.encode())

    async def index(request: Request) -> Response:
        if not allowed(request):
            return PlainTextResponse(FORBIDDEN, status_code=403)
        try:
            await asyncio.wait_for(hub.ready.wait(), timeout=FIRST_READ_SECONDS)
        except TimeoutError:
            return PlainTextResponse(
                f"the store gave no answer within {FIRST_READ_SECONDS:g} s; reload the page in a "
                "moment, and if it persists run `br db check`\n",
                status_code=503,
            )
        html = render.page(hub.parts, token, settings.root.name)
        return HTMLResponse(html, headers=_NO_STORE)

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if not allowed(request) or name not in STATIC:
            return PlainTextResponse(FORBIDDEN, status_code=403)
        text = resources.files("br_cli.dashboard").joinpath("static", name).read_text("utf-8")
        return Response(text, media_type=STATIC[name], headers=_NO_STORE)

    async def digest(request: Request) -> Response:
        """This week's `br digest` as a page (a fresh connection, off the loop, bounded)."""
        if not allowed(request):
            return PlainTextResponse(FORBIDDEN, status_code=403)
        try:
            page = await asyncio.wait_for(
                asyncio.to_thread(digest_page, settings.root), timeout=DIGEST_SECONDS
            )
        except (TimeoutError, BRError) as exc:
            why = exc.message if isinstance(exc, BRError) else f"no answer in {DIGEST_SECONDS:g} s"
            return PlainTextResponse(f"the digest is not available: {why}\n", status_code=503)
        return HTMLResponse(page, headers=_NO_STORE)

    async def events(request: Request) -> Response:
        if not allowed(request):
            return PlainTextResponse(FORBIDDEN, status_code=403)
        return StreamingResponse(
            _stream(hub, request), media_type="text/event-stream", headers=_NO_STORE
        )

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        poller = asyncio.create_task(hub.poll_forever())
        try:
            yield
        finally:
            poller.cancel()
            hub.close()

    app = Starlette(
        routes=[
            Route("/", index),
            Route("/events", events),
            Route("/digest", digest),
            Route("/static/{name}", static),
        ],
        lifespan=lifespan,
    )
    app.state.hub = hub
    return app


_NO_STORE = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


async def _stream(hub: Hub, request: Request) -> AsyncIterator[str]:
    """Every fragment first (the page may have changed since it was served), then the changed
    ones as they come; a comment line every KEEPALIVE_SECONDS keeps proxies and the browser
    from giving up on a quiet build."""
    sent: dict[str, str] = {}
    while True:
        parts = hub.parts
        changed = {k: v for k, v in parts.items() if sent.get(k) != v}
        if changed:
            sent = dict(parts)
            yield f"event: fragments\ndata: {json.dumps(changed)}\n\n"
        waiting = hub.changed
        try:
            await asyncio.wait_for(waiting.wait(), timeout=KEEPALIVE_SECONDS)
        except TimeoutError:
            if await request.is_disconnected():
                return
            yield ": keepalive\n\n"


def bind(port: int) -> socket.socket:
    """A listening socket on 127.0.0.1 (never another interface); one line when `port` is taken."""
    if not 0 <= port <= 65535:
        raise UsageError(f"--port {port}: not a TCP port; use 1-65535, or omit it for a free one")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind((HOST, port))
    except OSError as exc:
        sock.close()
        raise UsageError(
            f"--port {port}: cannot listen on {HOST} ({exc.strerror}); pick another port or "
            "omit --port for a free one"
        ) from exc
    sock.listen(64)
    return sock


class DashboardServer:
    """uvicorn serving the dashboard on a socket of its own, in the foreground or a thread."""

    def __init__(self, settings: Settings, port: int = 0, token: str | None = None) -> None:
        self.token = token or secrets.token_urlsafe(24)
        self.sock = bind(port)
        self.port = int(self.sock.getsockname()[1])
        self.url = f"http://{HOST}:{self.port}/?token={self.token}"
        config = uvicorn.Config(
            build_app(settings, self.token),
            log_level="warning",
            timeout_graceful_shutdown=2,
            lifespan="on",
        )
        self.server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    def run(self) -> None:
        """Serve until interrupted (Ctrl-C)."""
        self.server.run(sockets=[self.sock])

    def start(self, wait: float = 10.0) -> DashboardServer:
        """Serve on a background thread; return once it accepts connections."""
        self._thread = threading.Thread(target=self.run, name="br-dashboard", daemon=True)
        self._thread.start()
        deadline = time.monotonic() + wait
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise UsageError(f"the dashboard did not start within {wait:g} s")
            time.sleep(0.02)
        return self

    def stop(self, wait: float = 10.0) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(wait)
        self.sock.close()

    def __enter__(self) -> DashboardServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def serve(settings: Settings, port: int, on_ready: Callable[[str], None]) -> None:
    """`br dashboard` in the foreground: print the URL through `on_ready`, serve until Ctrl-C."""
    server = DashboardServer(settings, port)
    on_ready(server.url)
    try:
        server.run()
    finally:
        server.sock.close()

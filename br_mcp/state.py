"""What every tool is given: the server's state (project root, queue connection) and its helpers.

The server builds one `ServerState` and hands it to the SDK as its lifespan; a tool declares a
`state: State` parameter and the SDK fills it from the lifespan before the body runs (the
parameter is not part of the tool's input schema). Tests call a tool with a `ServerState`.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import asynccontextmanager, contextmanager, suppress
from functools import partial
from pathlib import Path
from typing import Annotated, Any, TypeVar

import anyio
import anyio.to_thread
from mcp.server.mcpserver import Context, Resolve
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import BaseModel

from br_core.errors import BRError, one_line
from br_core.git import project_id
from br_core.queue.task_queue import TaskQueue
from br_core.store.connection import Connection
from br_core.store.db import open_db

T = TypeVar("T")

BLOCKING_TIMEOUT_SECONDS = 30.0
"""How long a tool waits for blocking work (a file read) before giving up with a ToolError."""

_SHOWN_PATH_CHARS = 120


class ServerState:
    """The repository root and one queue connection, opened on first use and closed at shutdown.

    The connection lives on one worker thread of its own (`in_queue` runs every queue call
    there, one at a time): a queue call can wait up to the store's lock wait for a stopped or
    hung lock holder, and the event loop, with every other tool, keeps answering meanwhile.
    """

    def __init__(self, root: Path) -> None:
        self.root = root.resolve()  # path() compares resolved paths against it
        self._conn: Connection | None = None
        self._queue: TaskQueue | None = None
        self._queue_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="br-queue")

    @property
    def queue(self) -> TaskQueue:
        """The queue, opened on first use: use it through `in_queue`, on the queue's thread
        (SQLite refuses a connection used from a thread other than the one that opened it)."""
        if self._queue is None:
            self._conn = open_db()
            self._queue = TaskQueue(self._conn, project_id(self.root), root=self.root)
        return self._queue

    def path(self, raw: str) -> Path:
        """`raw` (relative to the root, or absolute), resolved, if it names something in the root.

        Symlinks are resolved before the check, so neither `../`, an absolute path nor a link
        leads out. A path outside the root gets the same sentence as a missing one, so a caller
        cannot probe the rest of the disk.
        """
        if "\0" in raw:
            raise ToolError("path contains a NUL byte; pass a plain path relative to the project")
        shown = raw if len(raw) <= _SHOWN_PATH_CHARS else raw[:_SHOWN_PATH_CHARS] + "..."
        refusal = ToolError(
            one_line(f"{shown}: no such file in this project; pass a path relative to {self.root}")
        )
        try:
            resolved = (self.root / raw).resolve()
            inside = resolved.is_relative_to(self.root) and resolved.exists()
        except (OSError, RuntimeError):  # too long, a symlink loop, unreadable: all "no such file"
            raise refusal from None
        if not inside:
            raise refusal
        return resolved

    async def in_queue(self, what: str, fn: Callable[[TaskQueue], T]) -> T:
        """`fn(self.queue)` on the queue's own thread, off the event loop, with a bounded wait
        (a ToolError naming `what` after `BLOCKING_TIMEOUT_SECONDS`; the store's own lock wait
        is shorter, so a stuck lock holder normally shows as its one-line StoreError)."""

        def call() -> T:
            with as_tool_error():
                return fn(self.queue)

        pending = self._queue_thread.submit(call)
        try:
            with anyio.fail_after(BLOCKING_TIMEOUT_SECONDS):
                return await anyio.to_thread.run_sync(pending.result, abandon_on_cancel=True)
        except TimeoutError:
            raise ToolError(
                f"{what}: the task queue did not answer within {BLOCKING_TIMEOUT_SECONDS:g} s "
                "(a stopped process holding its lock?); try again, or see `br db status`"
            ) from None

    def close(self) -> None:
        """Close the connection on its own thread; the wait is bounded, as at shutdown a call
        may still be waiting for a lock."""
        with suppress(FutureTimeout):  # a call stuck past its bound at shutdown: leave it
            self._queue_thread.submit(self._close_queue).result(BLOCKING_TIMEOUT_SECONDS)
        self._queue_thread.shutdown(wait=False)
        self._queue_thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="br-queue")

    def _close_queue(self) -> None:
        if self._queue is not None:
            self._queue.close()
            self._queue = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    @asynccontextmanager
    async def lifespan(self, _server: object) -> AsyncIterator[ServerState]:
        """The SDK enters this once per run (stdio, HTTP, an in-process client)."""
        try:
            yield self
        finally:
            self.close()


async def _lifespan_state(ctx: Context[ServerState, Any]) -> ServerState:
    # Async: a sync resolver would cost a thread hop for a plain attribute read.
    return ctx.request_context.lifespan_context


State = Annotated[ServerState, Resolve(_lifespan_state)]
"""A tool parameter the SDK fills with the server's state instead of from the client."""


@contextmanager
def as_tool_error() -> Iterator[None]:
    """Expected failures keep their one-line message and reach the model as a tool error."""
    try:
        yield
    except BRError as exc:
        raise ToolError(one_line(exc.message)) from exc


async def off_loop(what: str, fn: Callable[..., T], *args: Any) -> T:
    """`fn(*args)` in a worker thread, so a slow or stuck read never stalls the other tools.

    The wait is bounded: after `BLOCKING_TIMEOUT_SECONDS` the call is abandoned (the thread
    finishes on its own) and the tool answers with a ToolError naming `what`.
    """
    try:
        with anyio.fail_after(BLOCKING_TIMEOUT_SECONDS), as_tool_error():
            return await anyio.to_thread.run_sync(partial(fn, *args), abandon_on_cancel=True)
    except TimeoutError:
        raise ToolError(
            f"{what}: gave up after {BLOCKING_TIMEOUT_SECONDS:g} s (a FIFO, device or stalled "
            "mount?); pass a regular file"
        ) from None


def json_dict(value: Any) -> dict[str, Any]:
    """An engine result (pydantic model or dataclass-like with `model_dump`) as plain JSON."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    dumped = value.model_dump()
    return json.loads(json.dumps(dumped, default=str))  # type: ignore[no-any-return]

"""Hostile arguments through the real in-process client (issue 12, items 1, 2, 8 and 17).

A refused path must not reveal whether it exists; a FIFO must not stall the other tools; bad
arguments and missing prompt arguments come back as one readable sentence.
"""

from __future__ import annotations

import errno
import json
import os
import signal
import subprocess
import sys
import threading
import time
from functools import partial
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

from br_mcp import state as state_module
from br_mcp.server import create_server

from .test_mcp import _text, run

OUTSIDE_SPEC = "# Outside\n## Leak\n- [ ] Read by a stranger\n"


@pytest.fixture
def outside(git_repo: Path) -> Path:
    """A spec and a source file outside the repository, next to it."""
    folder = git_repo.parent / "outside"
    folder.mkdir()
    (folder / "SPEC.md").write_text(OUTSIDE_SPEC, encoding="utf-8")
    (folder / "leak.py").write_text("x = 1\n", encoding="utf-8")
    return folder


def _escapes(git_repo: Path, outside: Path) -> dict[str, str]:
    (git_repo / "link").symlink_to(outside, target_is_directory=True)
    (git_repo / "spec-link.md").symlink_to(outside / "SPEC.md")
    return {
        "absolute": str(outside / "SPEC.md"),
        "dotdot": "../outside/SPEC.md",
        "symlinked dir": "link/SPEC.md",
        "symlinked file": "spec-link.md",
    }


@pytest.mark.parametrize("kind", ["absolute", "dotdot", "symlinked dir", "symlinked file"])
def test_plan_from_spec_refuses_paths_leading_out_of_the_project(
    git_repo: Path, outside: Path, kind: str
) -> None:
    raw = _escapes(git_repo, outside)[kind]

    async def body(client: Client) -> tuple[Any, Any, Any]:
        refused = await client.call_tool("plan_from_spec", {"path": raw})
        missing = await client.call_tool("plan_from_spec", {"path": raw + ".absent"})
        listed = await client.call_tool("list_tasks", {})
        return refused, missing, listed

    refused, missing, listed = run(body, create_server(git_repo))
    assert refused.is_error and missing.is_error
    # The same sentence for an outside file that exists and one that does not.
    assert _text(refused) == _text(missing).replace(raw + ".absent", raw)
    assert "no such file in this project" in _text(refused)
    assert listed.structured_content["total"] == 0  # nothing from outside was queued


@pytest.mark.parametrize("kind", ["absolute", "dotdot", "symlinked dir"])
def test_security_scan_refuses_paths_leading_out_of_the_project(
    git_repo: Path, outside: Path, kind: str
) -> None:
    raw = _escapes(git_repo, outside)[kind].replace("SPEC.md", "leak.py")

    async def body(client: Client) -> tuple[Any, Any]:
        refused = await client.call_tool("security_scan", {"paths": [raw]})
        missing = await client.call_tool("security_scan", {"paths": [raw + "x"]})
        return refused, missing

    refused, missing = run(body, create_server(git_repo))
    assert refused.is_error and missing.is_error
    assert _text(refused) == _text(missing).replace(raw + "x", raw)
    assert "no such file in this project" in _text(refused)


def test_paths_inside_the_project_still_work_through_symlinks_and_dotdot(git_repo: Path) -> None:
    (git_repo / "docs").mkdir()
    (git_repo / "docs" / "SPEC.md").write_text("# P\n## Core\n- [ ] One\n", encoding="utf-8")
    (git_repo / "alias.md").symlink_to(git_repo / "docs" / "SPEC.md")
    (git_repo / "a.py").write_text("x = 1\n", encoding="utf-8")

    async def body(client: Client) -> tuple[Any, Any, Any]:
        via_link = await client.call_tool("plan_from_spec", {"path": "alias.md"})
        via_dotdot = await client.call_tool("plan_from_spec", {"path": "docs/../docs/SPEC.md"})
        scan = await client.call_tool("security_scan", {"paths": [str(git_repo / "a.py")]})
        return via_link, via_dotdot, scan

    via_link, via_dotdot, scan = run(body, create_server(git_repo))
    assert via_link.structured_content["added"] == ["core/one"], _text(via_link)
    assert not via_dotdot.is_error, _text(via_dotdot)
    assert scan.structured_content == {"files": 1, "findings": []}  # absolute but inside: fine


@pytest.mark.parametrize(
    ("tool", "args"),
    [
        ("plan_from_spec", {"path": "PROJECT\x00SPEC.md"}),
        ("security_scan", {"paths": ["a.py\x00../../etc/passwd"]}),
    ],
)
def test_a_nul_byte_in_a_path_is_one_readable_tool_error(
    git_repo: Path, tool: str, args: dict[str, Any]
) -> None:
    result = run(lambda c: c.call_tool(tool, args), create_server(git_repo))
    assert result.is_error
    text = _text(result)
    assert "NUL byte" in text and "\n" not in text and "\x00" not in text


def test_a_very_long_path_is_refused_in_one_short_line(git_repo: Path) -> None:
    raw = "a/" * 50_000 + "x.py"
    result = run(lambda c: c.call_tool("security_scan", {"paths": [raw]}), create_server(git_repo))
    assert result.is_error and "no such file in this project" in _text(result)
    assert len(_text(result)) < 600 and "\n" not in _text(result)


def _unblock_fifo_after(fifo: Path, seconds: float) -> threading.Thread:
    """Open the FIFO for writing after `seconds`, so a reader blocked on it gets EOF."""

    def unblock() -> None:
        time.sleep(seconds)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
            except OSError as exc:  # no reader (yet, or any more): try again shortly
                if exc.errno != errno.ENXIO:
                    return
                time.sleep(0.1)
                continue
            os.close(fd)
            return

    thread = threading.Thread(target=unblock, daemon=True)
    thread.start()
    return thread


def test_a_fifo_spec_does_not_stall_the_other_tools(
    git_repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fifo = git_repo / "PROJECT_SPEC.md"
    os.mkfifo(fifo)
    monkeypatch.setattr(state_module, "BLOCKING_TIMEOUT_SECONDS", 1.0)
    unblocker = _unblock_fifo_after(fifo, 4.0)  # without it, a stalled loop would hang the test
    out: dict[str, Any] = {}

    async def plan(client: Client) -> None:
        out["plan"] = await client.call_tool("plan_from_spec", {})

    async def body(client: Client) -> None:
        async with anyio.create_task_group() as group:
            group.start_soon(plan, client)
            await anyio.sleep(0.3)  # the plan call is now waiting on the FIFO
            started = time.monotonic()
            out["list"] = await client.call_tool("list_tasks", {})
            out["list_seconds"] = time.monotonic() - started

    run(body, create_server(git_repo))
    unblocker.join(timeout=40)
    assert not out["list"].is_error
    assert out["list_seconds"] < 2.0  # answered while the spec read was stuck
    assert out["plan"].is_error  # bounded: refused or timed out, never a hang
    assert "\n" not in _text(out["plan"])


@pytest.mark.parametrize(
    ("tool", "args", "expected"),
    [
        ("claim_task", {}, "owner is required"),
        ("claim_task", {"owner": ""}, "owner: should have at least 1 character"),
        ("claim_task", {"owner": "x", "lease_seconds": "abc"}, "lease_seconds: should be"),
        ("add_tasks", {"tasks": [{"title": "x", "bogus": 1}]}, "tasks[0].bogus"),
        ("update_task", {"task_id": "t", "token": 1, "action": "explode"}, "action: should be"),
    ],
)
def test_invalid_arguments_are_one_sentence_naming_the_argument(
    git_repo: Path, tool: str, args: dict[str, Any], expected: str
) -> None:
    result = run(lambda c: c.call_tool(tool, args), create_server(git_repo))
    assert result.is_error
    text = _text(result)
    assert expected in text
    assert "\n" not in text and "pydantic" not in text and "input_value" not in text


def test_invalid_arguments_never_echo_the_rejected_value(git_repo: Path) -> None:
    value = "".join(chr(ord("a") + (i * 7) % 26) for i in range(40))  # secret-shaped, built here
    result = run(
        lambda c: c.call_tool("claim_task", {"owner": "x", "lease_seconds": value}),
        create_server(git_repo),
    )
    assert result.is_error and value not in json.dumps(result.model_dump(mode="json"))


@pytest.mark.parametrize(
    ("prompt", "args", "expected"),
    [
        ("design", {}, "feature"),
        ("route", {"task": "x", "severity": "high"}, "severity"),
        ("no_such_prompt", {}, "no_such_prompt"),
    ],
)
def test_prompt_argument_errors_are_clean_invalid_params(
    git_repo: Path,
    capfd: pytest.CaptureFixture[str],
    prompt: str,
    args: dict[str, str],
    expected: str,
) -> None:
    async def body(client: Client) -> MCPError | None:
        try:
            await client.get_prompt(prompt, args)
        except MCPError as exc:
            return exc
        return None

    error = run(body, create_server(git_repo))
    assert error is not None and error.code == -32602  # invalid params, not an internal error
    assert expected in error.message and "\n" not in error.message
    assert "Traceback" not in capfd.readouterr().err


# -- a symlink swapped in between the path check and the open (TOCTOU) ----------------------

INJECTION = 'def q(c, u):\n    c.execute("SELECT * FROM t WHERE u = " + u)\n'


def _swap_after_check(
    monkeypatch: pytest.MonkeyPatch, directory: Path, outside: Path
) -> list[Path]:
    """Let `ServerState.path` check as usual, then replace `directory` by a symlink to
    `outside`: the window between the check and the open, without a timing race."""
    checked = state_module.ServerState.path
    seen: list[Path] = []

    def check_then_swap(self: state_module.ServerState, raw: str) -> Path:
        resolved = checked(self, raw)
        seen.append(resolved)
        directory.rename(directory.with_name(directory.name + "-was"))
        directory.symlink_to(outside, target_is_directory=True)
        return resolved

    monkeypatch.setattr(state_module.ServerState, "path", check_then_swap)
    return seen


def test_security_scan_reads_nothing_through_a_symlink_swapped_in_after_the_check(
    git_repo: Path, outside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (outside / "db.py").write_text(INJECTION, encoding="utf-8")
    (git_repo / "src").mkdir()
    (git_repo / "src" / "db.py").write_text("x = 1\n", encoding="utf-8")
    (git_repo / "same.py").write_text(INJECTION, encoding="utf-8")
    server = create_server(git_repo)
    control = run(lambda c: c.call_tool("security_scan", {"paths": ["same.py"]}), server)
    assert [f["kind"] for f in control.structured_content["findings"]] == ["sql_injection"]

    seen = _swap_after_check(monkeypatch, git_repo / "src", outside)
    result = run(lambda c: c.call_tool("security_scan", {"paths": ["src/db.py"]}), server)
    assert seen == [git_repo.resolve() / "src" / "db.py"]  # checked, then swapped
    assert (git_repo / "src").is_symlink()
    assert result.structured_content["findings"] == [], result.structured_content


def test_plan_from_spec_reads_nothing_through_a_symlink_swapped_in_after_the_check(
    git_repo: Path, outside: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (git_repo / "docs").mkdir()
    (git_repo / "docs" / "SPEC.md").write_text("# P\n## Core\n- [ ] Inside\n", encoding="utf-8")
    seen = _swap_after_check(monkeypatch, git_repo / "docs", outside)

    async def body(client: Client) -> tuple[Any, Any]:
        plan = await client.call_tool("plan_from_spec", {"path": "docs/SPEC.md"})
        return plan, await client.call_tool("list_tasks", {})

    plan, listed = run(body, create_server(git_repo))
    assert seen and (git_repo / "docs").is_symlink()
    assert plan.is_error and "\n" not in _text(plan), _text(plan)
    assert "stranger" not in _text(plan).lower()
    assert listed.structured_content["total"] == 0  # nothing from outside was queued


# -- item 2: a stopped process holding the queue's lock ------------------------------------

HOLD_QUEUE_LOCK = """
import sys, time
from pathlib import Path
from br_core.queue.task_queue import TaskQueue
from br_core.store.db import open_db
queue = TaskQueue(open_db(Path(sys.argv[1])), "other-project")
with queue._write():  # the queue's lock file and SQLite's write lock, held
    print("held", flush=True)
    time.sleep(120)
"""


WARM_UP = {"model": "sonnet", "input_tokens": 1000, "output_tokens": 100}


def test_a_stopped_queue_lock_holder_does_not_freeze_the_other_tools(
    git_repo: Path, br_home: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from br_core.queue.task_queue import TaskQueue
    from br_core.store.db import db_path, open_db

    lock_wait = 3.0
    monkeypatch.setattr(state_module, "TaskQueue", partial(TaskQueue, lock_wait=lock_wait))
    open_db(db_path()).close()
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_QUEUE_LOCK, str(db_path())], stdout=subprocess.PIPE, text=True
    )
    finished: list[str] = []
    out: dict[str, Any] = {}

    async def claim(client: Client) -> None:
        started = time.monotonic()
        out["claim"] = await client.call_tool("claim_task", {"owner": "me"})
        out["claim_seconds"] = time.monotonic() - started
        finished.append("claim")

    async def body(client: Client) -> None:
        await client.call_tool("estimate_cost", WARM_UP)  # imports the price table
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        os.kill(holder.pid, signal.SIGSTOP)
        async with anyio.create_task_group() as group:
            group.start_soon(claim, client)
            await anyio.sleep(0.3)  # the claim is now waiting for the stopped holder's lock
            started = time.monotonic()
            # a tool that touches no queue (route_task writes its decision: it waits like any
            # writer, and a write lock not granted in time is one sentence: tests/store)
            out["route"] = await client.call_tool("estimate_cost", WARM_UP)
            out["route_seconds"] = time.monotonic() - started
            finished.append("route")

    try:
        run(body, create_server(git_repo))
    finally:
        os.kill(holder.pid, signal.SIGCONT)
        holder.kill()
        holder.wait(timeout=30)
    assert not out["route"].is_error, _text(out["route"])
    assert finished == ["route", "claim"]  # answered while the claim still waited
    assert out["route_seconds"] < lock_wait / 2, out["route_seconds"]
    # The claim's wait stays bounded: one sentence naming the lock file and its holder.
    assert out["claim"].is_error and out["claim_seconds"] < lock_wait + 10
    assert ".queue-lock" in _text(out["claim"]) and f"pid {holder.pid}" in _text(out["claim"])
    assert "\n" not in _text(out["claim"])

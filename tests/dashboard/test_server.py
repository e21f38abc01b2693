"""The dashboard's HTTP side on a real uvicorn: the token, the bind address, the event stream,
and `br dashboard` as a real process."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from br_cli.dashboard.app import DashboardServer, Settings, bind
from br_core.errors import UsageError
from br_core.queue.task_queue import TaskQueue
from br_core.store.db import open_db
from tests.dashboard.build import Build


def get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def base(server: DashboardServer) -> str:
    return f"http://127.0.0.1:{server.port}"


@pytest.mark.parametrize("path", ["/", "/events", "/static/dashboard.js", "/static/dashboard.css"])
@pytest.mark.parametrize(
    "query", ["", "?token=", "?token=wrong", "?tokens={token}", "?TOKEN={token}"]
)
def test_every_url_without_the_token_is_refused(
    server: DashboardServer, path: str, query: str
) -> None:
    status, body = get(base(server) + path + query.format(token=server.token))
    assert status == 403
    assert "carries the access token" in body and server.token not in body


def test_the_token_opens_the_page_and_its_files(server: DashboardServer, build: Build) -> None:
    status, html = get(server.url)
    assert status == 200
    assert 'id="streams"' in html and 'data-stream="ui"' in html
    assert build.secret not in html
    for name in ("dashboard.js", "dashboard.css"):
        status, _ = get(f"{base(server)}/static/{name}?token={server.token}")
        assert status == 200
    status, _ = get(f"{base(server)}/static/../app.py?token={server.token}")
    assert status in (403, 404)


def test_it_listens_on_127_0_0_1_only(server: DashboardServer) -> None:
    assert server.sock.getsockname()[0] == "127.0.0.1"
    others = {
        info[4][0]
        for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET)
        if not info[4][0].startswith("127.")
    }
    for address in others:  # another interface of this machine: nobody listens there
        with pytest.raises(OSError), socket.create_connection((address, server.port), timeout=2):
            pass


def test_a_taken_port_is_one_line(server: DashboardServer) -> None:
    with pytest.raises(UsageError, match=rf"--port {server.port}: cannot listen on 127.0.0.1"):
        bind(server.port)
    with pytest.raises(UsageError, match="not a TCP port"):
        bind(70000)


def _events(server: DashboardServer) -> tuple[object, object]:
    url = f"{base(server)}/events?token={server.token}"
    response = urllib.request.urlopen(url, timeout=10)
    return response, response


def _next_event(response: object, deadline: float) -> dict[str, str]:
    lines: list[bytes] = []
    while time.monotonic() < deadline:
        line = response.readline()  # type: ignore[attr-defined]
        if line.startswith(b"data: "):
            lines.append(line[6:])
        elif line == b"\n" and lines:
            return dict(json.loads(b"".join(lines)))
    raise AssertionError("no event before the deadline")


def test_a_claim_by_another_process_arrives_as_an_event(
    server: DashboardServer, build: Build
) -> None:
    response, _ = _events(server)
    with response:  # type: ignore[attr-defined]
        first = _next_event(response, time.monotonic() + 10)
        assert set(first) == {
            "summary", "streams", "board", "graph", "cost", "merge", "learning", "decisions",
        }  # fmt: skip
        api_task, token = build.claims["api"]
        worker = open_db()
        queue = TaskQueue(worker, build.project)
        try:
            queue.complete(api_task, token)
            claim = queue.claim("worker-api", stream="api")
        finally:
            queue.close()
            worker.close()
        assert claim is not None and claim.task.id == "api-auth"
        update = _next_event(response, time.monotonic() + 10)
        assert "board" in update and "streams" in update
        assert "<code>api-auth</code>" in update["streams"]
        assert build.secret not in json.dumps(update)


def test_br_dashboard_runs_as_a_command(build: Build, settings: Settings, tmp_path: Path) -> None:
    env = {**os.environ, "CLAUDE_CONFIG_DIR": str(tmp_path / "no-claude")}
    proc = subprocess.Popen(
        [sys.executable, "-m", "br_cli.entry", "dashboard", "--no-open"],
        cwd=build.root, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert line.startswith("br dashboard: http://127.0.0.1:"), line
        url = line.split()[2]
        status, html = get(url)
        assert status == 200 and 'data-stream="api"' in html
        assert get(url.split("?")[0])[0] == 403
    finally:
        proc.terminate()
        proc.wait(timeout=15)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--port", "70000"], "70000"),
        (["--port", "nope"], "nope"),
    ],
)
def test_bad_arguments_exit_2(git_repo: Path, args: list[str], message: str) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "br_cli.entry", "dashboard", "--no-open", *args],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr


def _damage_store(br_home: Path) -> None:
    from br_core.store.paths import db_path

    path = db_path()
    assert path.parent == br_home or br_home in path.parents
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"this is not a database" * 100)


def test_a_damaged_store_is_one_line_before_serving(git_repo: Path, br_home: Path) -> None:
    _damage_store(br_home)
    proc = subprocess.run(
        [sys.executable, "-m", "br_cli.entry", "dashboard", "--no-open"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.startswith("br: ") and "br db check" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr


def test_a_store_that_breaks_while_serving_shows_one_line(git_repo: Path, br_home: Path) -> None:
    from br_core.git import project_id

    _damage_store(br_home)
    settings = Settings(root=git_repo, project_id=project_id(git_repo), poll=0.05, transcripts=[])
    with DashboardServer(settings) as server:
        status, html = get(server.url)
    assert status == 200
    assert 'class="problem"' in html and "database is corrupt" in html and "br db check" in html


def test_a_taken_port_exits_2_from_the_command(git_repo: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        proc = subprocess.run(
            [sys.executable, "-m", "br_cli.entry", "dashboard", "--no-open", "--port", str(port)],
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
    assert proc.returncode == 2
    assert proc.stderr.startswith(f"br: --port {port}: cannot listen on 127.0.0.1")
    assert "omit --port" in proc.stderr and "Traceback" not in proc.stderr

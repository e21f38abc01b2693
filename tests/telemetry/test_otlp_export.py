"""`br telemetry push` against a real OTLP/HTTP receiver on 127.0.0.1.

The receiver is a plain http.server that decodes every request body with opentelemetry-proto,
as a collector would. Events come from real git commits (the `br-telemetry` console script),
a real `br-claude-hook` process and real transcripts; nothing on the sending side is faked.
"""

from __future__ import annotations

import json
import os
import random
import re
import socket
import string
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import (
    ExportLogsServiceRequest,
    ExportLogsServiceResponse,
)
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import (
    ExportMetricsServiceRequest,
    ExportMetricsServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue

from br_cli.app import main
from br_core.cost.report import record_usage
from br_core.git import project_id
from br_core.store.db import open_db
from br_core.telemetry.events import record_event
from br_core.telemetry.export_config import OtlpTarget
from br_core.telemetry.export_otlp import TOKEN_BUCKETS, TOKEN_METRIC, push
from br_core.telemetry.export_records import (
    COMMON,
    METRIC_ATTRIBUTES,
    USAGE_ATTRIBUTES,
    USAGE_EVENT,
    event_attributes,
)
from tests.conftest import GIT_ENV, git

# Every test runs on both stores: on PostgreSQL the hook's commit event is written to the local
# file and reaches the shared store when `push` forwards it (br_core/telemetry/forward.py).

BIN = Path(sys.executable).parent
ALNUM = string.ascii_letters + string.digits


def _rand(n: int, alphabet: str = ALNUM) -> str:
    return "".join(random.SystemRandom().choice(alphabet) for _ in range(n))


def _planted() -> dict[str, str]:
    """Credential-shaped values built at run time (none sits in the source)."""
    return {
        "github": "gh" + "p_" + _rand(36),
        "aws": "AK" + "IA" + _rand(16, string.ascii_uppercase + string.digits),
        "stripe": "sk_" + "live_" + _rand(24),
    }


# --- the receiver ------------------------------------------------------------------------------


@dataclass
class Receiver:
    url: str
    logs: list[ExportLogsServiceRequest] = field(default_factory=list)
    metrics: list[ExportMetricsServiceRequest] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    paths: list[str] = field(default_factory=list)
    # path -> the status of its next requests, in order (0: decode and acknowledge), then 200s
    fail: dict[str, list[int]] = field(default_factory=dict)

    def records(self) -> list[tuple[str, dict[str, Any]]]:
        return [
            (record.event_name, _attrs(record.attributes))
            for request in self.logs
            for resource in request.resource_logs
            for scope in resource.scope_logs
            for record in scope.log_records
        ]


def _value(value: AnyValue) -> Any:
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind else None


def _attrs(pairs: Any) -> dict[str, Any]:
    return {kv.key: _value(kv.value) for kv in pairs}


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            receiver.paths.append(self.path)
            codes = receiver.fail.get(self.path)
            code = codes.pop(0) if codes else 0
            if code:
                self.send_response(code)
                self.end_headers()
                return
            assert self.headers["Content-Type"] == "application/x-protobuf"
            receiver.bodies.append(body)
            if self.path == "/v1/logs":
                receiver.logs.append(ExportLogsServiceRequest.FromString(body))
                answer = ExportLogsServiceResponse().SerializeToString()
            elif self.path == "/v1/metrics":
                receiver.metrics.append(ExportMetricsServiceRequest.FromString(body))
                answer = ExportMetricsServiceResponse().SerializeToString()
            else:
                self.send_response(404)
                self.end_headers()
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(Receiver("")))
    state = Receiver(f"http://127.0.0.1:{server.server_address[1]}")
    server.RequestHandlerClass = _handler(state)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()
    thread.join(5)


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _br(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def _user_config(br_home: Path, text: str) -> None:
    (br_home / "config.toml").write_text(text, encoding="utf-8")


# --- what is sent ------------------------------------------------------------------------------


def _transcript(claude_dir: Path, cwd: Path, ts: datetime) -> None:
    folder = claude_dir / "projects" / "-tmp-project"
    folder.mkdir(parents=True)
    line = {
        "type": "assistant",
        "timestamp": ts.isoformat().replace("+00:00", "Z"),
        "sessionId": "5f0c1e2a-session",
        "requestId": "req_1",
        "cwd": str(cwd),
        "message": {
            "id": "msg_1",
            "model": "claude-sonnet-4-5",
            "usage": {
                "input_tokens": 12,
                "output_tokens": 300,
                "cache_read_input_tokens": 5000,
                "cache_creation_input_tokens": 70,
            },
        },
    }
    (folder / "s.jsonl").write_text(json.dumps(line) + "\n", encoding="utf-8")


def _commit_on_branch(repo: Path, branch: str, subject: str) -> None:
    git(repo, "checkout", "-q", "-b", branch)
    (repo / "a.txt").write_text(_rand(20), encoding="utf-8")
    git(repo, "add", "a.txt")
    git(repo, "commit", "-q", "-m", subject)
    env = {**os.environ, **GIT_ENV}
    proc = subprocess.run(
        [str(BIN / "br-telemetry"), "--stage", "post-commit"],
        cwd=repo, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr


def _claude_hook(repo: Path, payload: dict[str, object]) -> None:
    proc = subprocess.run(
        [str(BIN / "br-claude-hook")],
        cwd=repo, input=json.dumps(payload), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr


def test_push_sends_every_row_once_with_the_conventions_attributes(
    git_repo: Path,
    receiver: Receiver,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    secret = _planted()
    claude = tmp_path / "claude"
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(claude))
    _transcript(claude, git_repo, datetime(2026, 1, 5, 9, 0, tzinfo=UTC))
    # a secret in a branch name and in a commit subject's scope; a tool input with another
    _commit_on_branch(git_repo, f"feat/{secret['github']}", f"feat({secret['aws']})!: add it")
    _claude_hook(
        git_repo,
        {
            "hook_event_name": "PostToolUse",
            "session_id": "5f0c1e2a-session",
            "tool_name": "Bash",
            "tool_input": {"command": f"curl -H 'Authorization: {secret['stripe']}' {tmp_path}"},
        },
    )
    conn = open_db()
    home = Path.home()
    record_event(
        conn, "feature",
        {"action": "add", "feature_id": "f1", "title": f"fix {home}/x and {tmp_path}/y.py"},
        root=git_repo,
    )  # fmt: skip
    record_event(conn, "quality", {"score": 0.9, "tool": "ruff", "violations": 3}, root=git_repo)
    record_event(
        conn, "push", {"branch": "main", "remote": "origin", "remote_branch": "main", "commits": 2},
        root=git_repo,
    )  # fmt: skip
    record_event(conn, "merge", {"branch": "main", "squash": False, "insertions": 4}, root=git_repo)
    recorded = record_usage(conn, git_repo, "claude-haiku-4-5", 100, 20, ts=time.time() - 3600)
    conn.close()

    code, out, err = _br(capsys, "telemetry", "push", "--endpoint", receiver.url)
    assert code == 0, err
    # commit, session, feature, quality, push, merge (push's own build event comes after it)
    assert "sent 6 events and 2 model requests" in out
    records = receiver.records()
    names = [n for n, _ in records]
    assert sorted(n for n in names if n.startswith("buildrunner.")) == [
        "buildrunner.commit", "buildrunner.feature", "buildrunner.merge", "buildrunner.push",
        "buildrunner.quality", "buildrunner.session",
    ]  # fmt: skip
    assert "buildrunner.model_usage" not in names  # its usage row is sent instead
    allowed = event_attributes()
    pid = project_id(git_repo)
    for name, attrs in records:
        if name == USAGE_EVENT:
            assert set(attrs) <= set(USAGE_ATTRIBUTES), set(attrs) - set(USAGE_ATTRIBUTES)
            continue
        kind = name.removeprefix("buildrunner.")
        assert set(attrs) <= set(allowed[kind]), set(attrs) - set(allowed[kind])
        assert set(COMMON) - {"vcs.ref.head.revision"} <= set(attrs)
        assert attrs["buildrunner.project.id"] == pid
        assert re.fullmatch(r"[0-9a-f]{16}", attrs["user.hash"])

    by_name = {n: a for n, a in records if n != USAGE_EVENT}
    commit = by_name["buildrunner.commit"]
    head = git(git_repo, "rev-parse", "HEAD").strip()
    assert commit["vcs.ref.head.revision"] == head
    assert commit["vcs.ref.head.type"] == "branch"
    assert commit["vcs.ref.head.name"].startswith("feat/gh")
    assert commit["buildrunner.commit.commit_type"] == "feat"
    assert commit["buildrunner.commit.breaking"] is True
    assert commit["buildrunner.commit.files_changed"] == 1
    session = by_name["buildrunner.session"]
    assert session["gen_ai.tool.name"] == "Bash"
    assert session["buildrunner.session.event"] == "PostToolUse"
    assert re.fullmatch(r"[0-9a-f]{12}", session["session.id"])
    assert by_name["buildrunner.feature"]["buildrunner.feature.title"] == "fix [path] and [path]"
    assert by_name["buildrunner.quality"]["buildrunner.quality.violations"] == 3
    pushed = by_name["buildrunner.push"]
    assert pushed["vcs.ref.head.name"] == "main" and pushed["buildrunner.push.remote"] == "origin"
    assert pushed["buildrunner.push.commits"] == 2 and pushed["vcs.ref.head.type"] == "branch"
    merged = by_name["buildrunner.merge"]
    assert merged["buildrunner.merge.squash"] is False
    assert merged["buildrunner.merge.insertions"] == 4

    usage = sorted(
        (a for n, a in records if n == USAGE_EVENT), key=lambda a: a["gen_ai.request.model"]
    )
    assert usage[0] == {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": "anthropic",
        "gen_ai.request.model": "claude-haiku-4-5",
        "gen_ai.usage.input_tokens": 100,
        "gen_ai.usage.output_tokens": 20,
        "gen_ai.usage.cache_read.input_tokens": 0,
        "gen_ai.usage.cache_creation.input_tokens": 0,
        "buildrunner.usage.source": "record",
        "buildrunner.usage.subagent": False,
        "buildrunner.project.id": pid,
    }
    assert recorded.usage_id > 0
    transcript = usage[1]
    assert transcript["gen_ai.request.model"] == "claude-sonnet-4-5"
    assert transcript["gen_ai.usage.input_tokens"] == 12 + 5000 + 70  # cached input included
    assert transcript["gen_ai.usage.cache_read.input_tokens"] == 5000
    assert transcript["gen_ai.usage.cache_creation.input_tokens"] == 70
    assert transcript["session.id"] == session["session.id"]  # one hash for one session
    assert transcript["buildrunner.project.id"] == pid

    for request in receiver.logs + receiver.metrics:  # type: ignore[operator]
        resources = getattr(request, "resource_logs", None) or request.resource_metrics
        for resource in resources:
            assert _attrs(resource.resource.attributes).keys() == {
                "service.name",
                "service.version",
            }
    points = [
        (metric, point)
        for request in receiver.metrics
        for resource in request.resource_metrics
        for scope in resource.scope_metrics
        for metric in scope.metrics
        for point in metric.histogram.data_points
    ]
    assert {m.name for m, _ in points} == {TOKEN_METRIC}
    assert {m.unit for m, _ in points} == {"{token}"}
    sums = {
        (_attrs(p.attributes)["gen_ai.request.model"], _attrs(p.attributes)["gen_ai.token.type"]): (
            p.count,
            p.sum,
        )
        for _, p in points
    }
    assert sums == {
        ("claude-haiku-4-5", "input"): (1, 100),
        ("claude-haiku-4-5", "output"): (1, 20),
        ("claude-sonnet-4-5", "input"): (1, 5082),
        ("claude-sonnet-4-5", "output"): (1, 300),
    }
    for metric, point in points:
        assert set(_attrs(point.attributes)) == set(METRIC_ATTRIBUTES)
        assert list(point.explicit_bounds) == list(TOKEN_BUCKETS)
        assert sum(point.bucket_counts) == point.count
        assert metric.histogram.aggregation_temporality == 1  # DELTA

    # nothing planted, no absolute path and no home directory left the machine
    wire = b"".join(receiver.bodies)
    for value in secret.values():
        middle = value[4:-4]
        assert not [
            middle[i : i + 9] for i in range(len(middle) - 8) if middle[i : i + 9].encode() in wire
        ]
    for path in (str(tmp_path), str(home), str(git_repo), "/tmp/"):
        assert path.encode() not in wire, path

    # a second push sends nothing: every row went once
    sent_before = len(receiver.paths)
    code, out, _ = _br(capsys, "telemetry", "push", "--endpoint", receiver.url)
    assert code == 0
    assert "sent 1 event and 0 model requests" in out  # only the first push's build event
    assert [n for n, _ in receiver.records()].count("buildrunner.commit") == 1
    assert len(receiver.paths) == sent_before + 1
    build = receiver.records()[-1][1]
    assert build["buildrunner.build.command"] == "telemetry push"
    assert build["process.exit.code"] == 0 and build["buildrunner.build.success"] is True


# --- nothing lost, nothing twice ---------------------------------------------------------------


def _features(conn: Any, root: Path, count: int, start: int = 0) -> None:
    for i in range(start, start + count):
        record_event(conn, "feature", {"action": "add", "feature_id": f"f{i}"}, root=root)


def _feature_ids(receiver: Receiver) -> list[str]:
    return [
        str(a["buildrunner.feature.feature_id"])
        for n, a in receiver.records()
        if n == "buildrunner.feature"
    ]


def _target(receiver: Receiver, timeout_s: float = 5.0) -> OtlpTarget:
    return OtlpTarget(receiver.url, timeout_s, "test")


def test_a_refused_batch_keeps_its_rows_and_the_next_push_sends_them_once(
    git_repo: Path, receiver: Receiver
) -> None:
    from br_core.telemetry.export_otlp import ExportFailed

    conn = open_db()
    _features(conn, git_repo, 23)
    receiver.fail["/v1/logs"] = [400]  # not retryable: the exporter gives up at once
    with pytest.raises(ExportFailed, match=r"/v1/logs: OTLP export failed .*0 rows were sent"):
        push(conn, _target(receiver), batch_size=5)
    assert _feature_ids(receiver) == []
    receiver.fail["/v1/logs"] = [0, 0, 400]  # two batches acknowledged, the third refused
    with pytest.raises(ExportFailed, match="10 rows were sent before it"):
        push(conn, _target(receiver), batch_size=5)
    assert _feature_ids(receiver) == [f"f{i}" for i in range(10)]
    receiver.fail["/v1/logs"] = [503, 0]  # retryable: the exporter tries again within its time
    result = push(conn, _target(receiver), batch_size=5)
    assert result.events == 13 and result.requests == 3
    _features(conn, git_repo, 7, start=23)
    assert push(conn, _target(receiver), batch_size=5).events == 7
    assert _feature_ids(receiver) == [f"f{i}" for i in range(30)]  # each once, in order
    conn.close()


def test_usage_logs_and_metrics_have_their_own_marks(git_repo: Path, receiver: Receiver) -> None:
    from br_core.telemetry.export_otlp import ExportFailed

    conn = open_db()
    for i in range(3):
        record_usage(conn, git_repo, "claude-opus-4-1", 10 + i, 5, ts=time.time() - 600)
    receiver.fail["/v1/metrics"] = [400]
    with pytest.raises(ExportFailed, match="/v1/metrics"):
        push(conn, _target(receiver))
    usage_logs = [a for n, a in receiver.records() if n == USAGE_EVENT]
    assert len(usage_logs) == 3 and receiver.metrics == []
    again = push(conn, _target(receiver))
    assert again.usage == 0  # the logs went already: not sent twice
    assert len([n for n, _ in receiver.records() if n == USAGE_EVENT]) == 3
    (metric,) = [
        m
        for r in receiver.metrics
        for rm in r.resource_metrics
        for s in rm.scope_metrics
        for m in s.metrics
    ]
    inputs = [
        p
        for p in metric.histogram.data_points
        if _attrs(p.attributes)["gen_ai.token.type"] == "input"
    ]
    assert [(p.count, p.sum, p.min, p.max) for p in inputs] == [(3, 33, 10, 12)]
    conn.close()


def test_usage_still_streaming_waits_for_the_next_push(git_repo: Path, receiver: Receiver) -> None:
    conn = open_db()
    now = time.time()
    record_usage(conn, git_repo, "claude-sonnet-4-5", 1, 1, ts=now - 300)
    record_usage(conn, git_repo, "claude-sonnet-4-5", 2, 2, ts=now - 5)  # answer still growing
    record_usage(conn, git_repo, "claude-sonnet-4-5", 3, 3, ts=now - 300)  # after it in id order
    first = push(conn, _target(receiver), settle_s=60, now=now)
    assert first.usage == 1 and first.held_back
    later = push(conn, _target(receiver), settle_s=60, now=now + 120)
    assert later.usage == 2 and not later.held_back
    tokens = [a["gen_ai.usage.output_tokens"] for n, a in receiver.records() if n == USAGE_EVENT]
    assert tokens == [1, 2, 3]
    conn.close()


def test_events_recorded_after_a_clear_are_sent(
    git_repo: Path, receiver: Receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = open_db()
    _features(conn, git_repo, 5)
    assert push(conn, _target(receiver)).events == 5
    assert _br(capsys, "telemetry", "clear", "--yes")[0] == 0
    # ids start again at 1; without pulling the mark down these would never be sent
    _features(conn, git_repo, 3, start=100)
    assert push(conn, _target(receiver)).events == 4  # the clear's own build event, and these
    assert _feature_ids(receiver)[-3:] == ["f100", "f101", "f102"]
    conn.close()


# --- where, and whether, anything is sent ------------------------------------------------------


def test_unreachable_endpoint_is_one_line_exit_2_and_rows_stay(
    git_repo: Path, br_home: Path, receiver: Receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = open_db()
    _features(conn, git_repo, 3)
    conn.close()
    _user_config(br_home, "[telemetry.otlp]\ntimeout_s = 1\n")
    started = time.monotonic()
    code, out, err = _br(
        capsys, "telemetry", "push", "--endpoint", f"http://127.0.0.1:{_closed_port()}"
    )
    assert time.monotonic() - started < 20  # bounded by the 1 s timeout, plus start-up
    assert code == 2 and out == ""
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("br: http://127.0.0.1:") and "OTLP export failed" in err
    assert "rest stay unsent" in err
    code, out, _ = _br(capsys, "telemetry", "push", "--endpoint", receiver.url)
    assert code == 0 and "sent 4 events" in out  # 3 features + the failed push's build event
    assert _feature_ids(receiver) == ["f0", "f1", "f2"]


def test_nothing_is_sent_without_an_endpoint(
    git_repo: Path,
    receiver: Receiver,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    for var in ("BR_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT"):
        monkeypatch.delenv(var, raising=False)
    conn = open_db()
    _features(conn, git_repo, 2)
    conn.close()
    code, out, err = _br(capsys, "telemetry", "push")
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "no OTLP endpoint configured, nothing sent" in err
    assert receiver.paths == []
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", receiver.url + "/")
    code, out, _ = _br(capsys, "telemetry", "push", "--dry-run")
    assert code == 0 and "would send to" in out and "OTEL_EXPORTER_OTLP_ENDPOINT" in out
    assert "3 events" in out and receiver.paths == []  # 2 features + the failed push's build
    code, out, _ = _br(capsys, "telemetry", "push")
    assert code == 0 and "sent 4 events" in out  # ... and the dry run's build event


def test_user_config_endpoint(
    git_repo: Path, br_home: Path, receiver: Receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    _user_config(br_home, f'[telemetry.otlp]\nendpoint = "{receiver.url}"\ntimeout_s = 3\n')
    conn = open_db()
    _features(conn, git_repo, 1)
    conn.close()
    code, out, _ = _br(capsys, "telemetry", "push")
    assert code == 0 and f"to {receiver.url} (every project" in out
    assert _feature_ids(receiver) == ["f0"]


def test_a_committed_endpoint_needs_trust_and_then_sends_only_its_project(
    git_repo: Path, tmp_path: Path, receiver: Receiver, capsys: pytest.CaptureFixture[str]
) -> None:
    other = tmp_path / "other"
    other.mkdir()
    git(other, "init", "-q", "-b", "main")
    # its own first commit: the same empty "initial" in the same second would be the same root
    # commit, and so the same project on a shared store
    git(other, "commit", "-q", "--allow-empty", "-m", "another project")
    conn = open_db()
    record_event(conn, "feature", {"action": "add", "feature_id": "elsewhere"}, root=other)
    _features(conn, git_repo, 2)
    conn.close()
    config = git_repo / ".buildrunner" / "config.toml"
    config.parent.mkdir()
    config.write_text(f'[telemetry.otlp]\nendpoint = "{receiver.url}"\n', encoding="utf-8")
    code, out, err = _br(capsys, "telemetry", "push")
    assert code == 2 and receiver.paths == []
    assert "not trusted; ignoring [telemetry.otlp] endpoint" in err
    assert "sends data off this machine" in err and "br config trust" in err
    assert _br(capsys, "config", "trust")[0] == 0
    code, out, err = _br(capsys, "telemetry", "push")
    assert code == 0, err
    assert f"project {project_id(git_repo)}" in out
    assert "elsewhere" not in _feature_ids(receiver) and _feature_ids(receiver) == ["f0", "f1"]
    projects = {a["buildrunner.project.id"] for _, a in receiver.records()}
    assert projects == {project_id(git_repo)}


@pytest.mark.parametrize(
    ("endpoint", "problem"),
    [
        ("ftp://collector:4318", "http:// or https://"),
        ("http://user:pw@collector:4318", "carries credentials"),
        ("http://collector:4318/v1/logs", "without /v1/logs"),
        ("http://collector:99999", "not a URL"),
        ("http://collector:4318?x=1", "query or fragment"),
        ("collector:4318", "http:// or https://"),
    ],
)
def test_a_bad_endpoint_is_one_line_exit_2(
    git_repo: Path, capsys: pytest.CaptureFixture[str], endpoint: str, problem: str
) -> None:
    code, out, err = _br(capsys, "telemetry", "push", "--endpoint", endpoint)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert err.startswith("br: --endpoint:") and problem in err
    assert "pw@" not in err


def test_missing_extra_is_one_line_naming_it(git_repo: Path, receiver: Receiver) -> None:
    script = (
        "import sys\n"
        "sys.modules['opentelemetry.exporter.otlp.proto.http'] = None\n"
        "from br_cli.app import main\n"
        f"raise SystemExit(main(['telemetry', 'push', '--endpoint', {receiver.url!r}]))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], cwd=git_repo, capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 2 and proc.stderr.count("\n") == 1, proc.stderr
    assert "pip install 'buildrunner[otel]'" in proc.stderr and "Traceback" not in proc.stderr
    assert receiver.paths == []


def test_hooks_and_the_record_path_never_import_opentelemetry() -> None:
    script = (
        "import sys\n"
        "import br_hooks.telemetry, br_cli.claude_hook, br_core.telemetry.queries\n"
        "import br_core.telemetry.export_config, br_core.telemetry.export_records\n"
        "print(sorted(m for m in sys.modules if m.startswith('opentelemetry')))\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_team_md_documents_every_attribute_and_no_other() -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "TEAM.md").read_text(encoding="utf-8")
    exported = {a for attrs in event_attributes().values() for a in attrs}
    exported |= set(USAGE_ATTRIBUTES) | set(METRIC_ATTRIBUTES) | {"service.name", "service.version"}
    named = set(
        re.findall(r"`((?:buildrunner|gen_ai|vcs|session|user|process|service)\.[a-z_.]+)`", doc)
    )
    names = {f"buildrunner.{t}" for t in event_attributes()} | {USAGE_EVENT, TOKEN_METRIC}
    assert exported - named == set(), "exported but not documented"
    assert named - exported - names == set(), "documented but never exported"


def test_push_from_outside_any_repository_as_a_timer_would(
    git_repo: Path,
    tmp_path: Path,
    br_home: Path,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    conn = open_db()
    _features(conn, git_repo, 2)
    conn.close()
    _user_config(br_home, f'[telemetry.otlp]\nendpoint = "{receiver.url}"\n')
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, out, err = _br(capsys, "telemetry", "push")
    assert code == 0, err
    assert "sent 2 events and 0 model requests" in out and "(every project, 1 request)" in out
    assert _feature_ids(receiver) == ["f0", "f1"]


@pytest.mark.parametrize("switch", ["DO_NOT_TRACK=1", "BR_TELEMETRY=0", "marker"])
def test_an_opt_out_also_stops_sending(
    git_repo: Path,
    receiver: Receiver,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    switch: str,
) -> None:
    from br_core.telemetry.settings import set_enabled

    conn = open_db()
    _features(conn, git_repo, 2)
    conn.close()
    if switch == "marker":
        set_enabled(False)
    else:
        monkeypatch.setenv(*switch.split("="))
    code, out, err = _br(capsys, "telemetry", "push", "--endpoint", receiver.url)
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "telemetry is off" in err and "nothing sent" in err
    assert receiver.paths == []

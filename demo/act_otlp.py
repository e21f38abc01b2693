"""Act 10 of `make demo` (issue 18): telemetry out over OpenTelemetry.

Nothing is sent until an endpoint is named; then `br telemetry push` sends the events the demo's
commits and commands recorded to a local OTLP/HTTP receiver, which decodes them as a collector
would. A second push sends only what happened since.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from demo_kit import ENV, br, expect, say, step


@contextmanager
def _receiver() -> Iterator[tuple[str, list[Any]]]:
    from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest

    records: list[Any] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            if self.path == "/v1/logs":
                request = ExportLogsServiceRequest.FromString(body)
                for resource in request.resource_logs:
                    for scope in resource.scope_logs:
                        records.extend(scope.log_records)
            self.send_response(200)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", records
    finally:
        server.shutdown()
        server.server_close()


def _attrs(record: Any) -> dict[str, Any]:
    return {kv.key: getattr(kv.value, kv.value.WhichOneof("value")) for kv in record.attributes}


def otlp_export(repo: Path) -> None:
    step("12. Telemetry out over OpenTelemetry: nothing leaves until you name an endpoint")
    proc = br(repo, "telemetry", "push")
    expect(proc.returncode == 2 and "no OTLP endpoint configured" in proc.stderr, "sent unasked")
    with _receiver() as (url, records):
        ENV["BR_OTLP_ENDPOINT"] = url
        try:
            br(repo, "telemetry", "push", "--dry-run")
            proc = br(repo, "telemetry", "push")
            expect(proc.returncode == 0 and records, "the receiver got nothing")
            say(f"The receiver decoded {len(records)} log records; one of each kind:")
            kinds = {r.event_name: r for r in records if r.event_name != "buildrunner.build"}
            for record in kinds.values():
                shown = {k: v for k, v in _attrs(record).items() if k != "user.hash"}
                print(f"    -> {record.event_name}: {shown}")
            before = len(records)
            proc = br(repo, "telemetry", "push")
            expect(len(records) == before + 1, "a second push resent rows")
            say("The second push sent only the first push's own build event: each row goes once.")
        finally:
            ENV.pop("BR_OTLP_ENDPOINT", None)

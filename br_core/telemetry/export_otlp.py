"""`br telemetry push`: unsent telemetry events and model usage to an OTLP/HTTP collector.

Run from the CLI, never from a hook: a push costs a network round trip per batch. Rows go in id
order, in batches; each stream's mark (export_watermark) moves only after the collector
acknowledged the batch, so a failed push sends nothing twice and loses nothing: the rows wait for
the next push. The official OTLP/HTTP exporters send the protobuf requests (retrying transient
failures within `timeout_s`); the records are built here from the store, not through a
LoggerProvider/MeterProvider, because a batch processor cannot say which rows reached the
collector.

Events become log records; usage rows become `gen_ai.client.inference.operation.details` log
records and the `gen_ai.client.token.usage` histogram (delta temporality: each push sends the
tokens of the rows it sends, aggregated per model, project and token type).
"""

from __future__ import annotations

import bisect
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from br_core.errors import UsageError, one_line
from br_core.store.connection import Connection
from br_core.store.db import transaction
from br_core.telemetry.export_config import OtlpTarget
from br_core.telemetry.export_records import (
    SKIPPED_EVENT_TYPES,
    USAGE_EVENT,
    Attr,
    event_record_attributes,
    provider_of,
    scrub,
    session_hash,
    usage_input_tokens,
)
from br_core.telemetry.export_watermark import read_mark, write_mark

if TYPE_CHECKING:
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.sdk._logs import ReadableLogRecord
    from opentelemetry.sdk.metrics.export import MetricsData

EXTRA = "buildrunner[otel]"
SCOPE = "buildrunner"
DEFAULT_BATCH = 512
DEFAULT_SETTLE_S = 60.0
# The explicit bucket boundaries the GenAI conventions give for gen_ai.client.token.usage.
TOKEN_BUCKETS = tuple(float(4**i) for i in range(14))
TOKEN_METRIC = "gen_ai.client.token.usage"

_EVENT_SQL = (
    "SELECT id, project_id, type, ts, git_hash, user_hash, data FROM events WHERE id > ?"
    " AND type NOT IN ({skipped}){scope} ORDER BY id LIMIT ?"
)
_USAGE_SQL = (
    "SELECT id, ts, model, input_tokens, output_tokens, cache_write_5m_tokens,"
    " cache_write_1h_tokens, cache_read_tokens, session_id, project_id, source, is_sidechain"
    " FROM usage WHERE id > ?{scope} ORDER BY id LIMIT ?"
)


class ExportFailed(UsageError):
    """The collector did not acknowledge a batch: exit 2, nothing marked as sent."""


@dataclass
class PushResult:
    events: int = 0
    usage: int = 0
    requests: int = 0
    held_back: bool = False  # usage younger than the settle time waits for the next push


def require_sdk() -> None:
    """One line naming the extra when the OpenTelemetry packages are missing."""
    try:
        import opentelemetry.exporter.otlp.proto.http
        import opentelemetry.sdk  # noqa: F401
    except ImportError as exc:
        raise UsageError(
            f"OTLP export needs the OpenTelemetry packages ({exc.name} is missing); "
            f"install them with: pip install '{EXTRA}'"
        ) from exc


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("buildrunner")
    except PackageNotFoundError:  # pragma: no cover - the tests run from an installed checkout
        return "0"


class _Sender:
    """The two exporters of one push, and what their loggers said about a failure."""

    def __init__(self, target: OtlpTarget) -> None:
        from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
        from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.util.instrumentation import InstrumentationScope

        self.target = target
        self.logs: OTLPLogExporter = OTLPLogExporter(
            endpoint=target.logs_url, timeout=target.timeout_s
        )
        self.metrics: OTLPMetricExporter = OTLPMetricExporter(
            endpoint=target.metrics_url, timeout=target.timeout_s
        )
        version = _version()
        # A closed resource: no host, process or environment detectors.
        self.resource = Resource({"service.name": SCOPE, "service.version": version})
        self.scope = InstrumentationScope(SCOPE, version)
        self.said: list[str] = []
        self.requests = 0

    def fail(self, url: str, sent: int) -> ExportFailed:
        why = self.said[-1] if self.said else "no acknowledgement"
        return ExportFailed(
            one_line(
                f"{url}: OTLP export failed ({why}); {sent} rows were sent before it, the rest "
                "stay unsent for the next `br telemetry push`; check the collector and the "
                "endpoint"
            )
        )

    def send_logs(self, records: Sequence[ReadableLogRecord], sent: int) -> None:
        from opentelemetry.sdk._logs.export import LogRecordExportResult

        self.requests += 1
        if self.logs.export(records) is not LogRecordExportResult.SUCCESS:
            raise self.fail(self.target.logs_url, sent)

    def send_metrics(self, data: MetricsData, sent: int) -> None:
        from opentelemetry.sdk.metrics.export import MetricExportResult

        self.requests += 1
        timeout_ms = self.target.timeout_s * 1000
        if self.metrics.export(data, timeout_millis=timeout_ms) is not MetricExportResult.SUCCESS:
            raise self.fail(self.target.metrics_url, sent)

    def log_record(self, name: str, ts: float, attrs: dict[str, Attr]) -> ReadableLogRecord:
        from opentelemetry._logs import LogRecord, SeverityNumber
        from opentelemetry.sdk._logs import ReadableLogRecord

        record = LogRecord(
            timestamp=int(ts * 1e9),
            observed_timestamp=time.time_ns(),
            severity_text="INFO",
            severity_number=SeverityNumber.INFO,
            attributes=attrs,
            event_name=name,
        )
        return ReadableLogRecord(record, resource=self.resource, instrumentation_scope=self.scope)

    def shutdown(self) -> None:
        self.logs.shutdown()  # type: ignore[no-untyped-call]
        self.metrics.shutdown()


class _Said(logging.Handler):
    """Keeps the exporters' own failure messages (they log, they do not raise) for our line."""

    def __init__(self, said: list[str]) -> None:
        super().__init__(logging.WARNING)
        self.said = said

    def emit(self, record: logging.LogRecord) -> None:
        self.said.append(record.getMessage()[:200])


def _drain(
    conn: Connection,
    target: OtlpTarget,
    stream: str,
    fetch: Callable[[int], list[tuple[Any, ...]]],
    send: Callable[[list[tuple[Any, ...]], int], None],
) -> int:
    """Send `fetch`'s batches in id order until none is left; each acknowledged batch moves the
    stream's mark in its own transaction. Returns the rows sent."""
    sent = 0
    last = read_mark(conn, target.watermark_key, stream)
    while rows := fetch(last):
        send(rows, sent)
        last = int(rows[-1][0])
        with transaction(conn):
            write_mark(conn, target.watermark_key, stream, last)
        sent += len(rows)
    return sent


def _scope_sql(target: OtlpTarget) -> tuple[str, tuple[str, ...]]:
    return ("", ()) if target.project_id is None else (" AND project_id = ?", (target.project_id,))


def _event_fetch(
    conn: Connection, target: OtlpTarget, batch: int
) -> Callable[[int], list[tuple[Any, ...]]]:
    where, params = _scope_sql(target)
    skipped = ", ".join("?" for _ in SKIPPED_EVENT_TYPES)
    sql = _EVENT_SQL.format(skipped=skipped, scope=where)

    def fetch(after: int) -> list[tuple[Any, ...]]:
        return conn.execute(sql, (after, *SKIPPED_EVENT_TYPES, *params, batch)).fetchall()

    return fetch


def _usage_fetch(
    conn: Connection,
    target: OtlpTarget,
    batch: int,
    settled_before: float,
    result: PushResult,
) -> Callable[[int], list[tuple[Any, ...]]]:
    where, params = _scope_sql(target)
    sql = _USAGE_SQL.format(scope=where)

    def fetch(after: int) -> list[tuple[Any, ...]]:
        rows = conn.execute(sql, (after, *params, batch)).fetchall()
        for i, row in enumerate(rows):
            if float(row[1]) > settled_before:  # a response still streaming may still grow
                result.held_back = True
                return list(rows[:i])
        return list(rows)

    return fetch


def _usage_attributes(row: tuple[Any, ...]) -> dict[str, Attr]:
    _id, _ts, model, inp, out, w5m, w1h, read, session, project, source, sidechain = row
    attrs: dict[str, Attr] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.provider.name": provider_of(str(model)),
        "gen_ai.request.model": scrub(str(model)),
        "gen_ai.usage.input_tokens": usage_input_tokens(int(inp), int(read), int(w5m + w1h)),
        "gen_ai.usage.output_tokens": int(out),
        "gen_ai.usage.cache_read.input_tokens": int(read),
        "gen_ai.usage.cache_creation.input_tokens": int(w5m + w1h),
        "buildrunner.usage.source": scrub(str(source)),
        "buildrunner.usage.subagent": bool(sidechain),
    }
    if session:
        attrs["session.id"] = session_hash(str(session))
    if project:
        attrs["buildrunner.project.id"] = scrub(str(project))
    return attrs


def _token_histogram(sender: _Sender, rows: list[tuple[Any, ...]]) -> MetricsData:
    from opentelemetry.sdk.metrics.export import (
        AggregationTemporality,
        Histogram,
        HistogramDataPoint,
        Metric,
        MetricsData,
        ResourceMetrics,
        ScopeMetrics,
    )

    groups: dict[tuple[tuple[str, Attr], ...], list[int]] = {}
    for row in rows:
        attrs = _usage_attributes(row)
        base = {k: attrs[k] for k in ("gen_ai.operation.name", "gen_ai.provider.name")}
        base["gen_ai.request.model"] = attrs["gen_ai.request.model"]
        if "buildrunner.project.id" in attrs:
            base["buildrunner.project.id"] = attrs["buildrunner.project.id"]
        for kind, key in (
            ("input", "gen_ai.usage.input_tokens"),
            ("output", "gen_ai.usage.output_tokens"),
        ):
            point = tuple(sorted({**base, "gen_ai.token.type": kind}.items()))
            groups.setdefault(point, []).append(int(attrs[key]))
    start = int(min(float(r[1]) for r in rows) * 1e9)
    end = max(int(max(float(r[1]) for r in rows) * 1e9), start + 1)
    points = []
    for point_key, values in groups.items():
        counts = [0] * (len(TOKEN_BUCKETS) + 1)
        for value in values:
            counts[bisect.bisect_left(TOKEN_BUCKETS, value)] += 1
        points.append(
            HistogramDataPoint(
                attributes=dict(point_key), start_time_unix_nano=start, time_unix_nano=end,
                count=len(values), sum=sum(values), bucket_counts=counts,
                explicit_bounds=list(TOKEN_BUCKETS), min=min(values), max=max(values),
            )
        )  # fmt: skip
    metric = Metric(
        name=TOKEN_METRIC,
        description="Number of input and output tokens used.",
        unit="{token}",
        data=Histogram(data_points=points, aggregation_temporality=AggregationTemporality.DELTA),
    )
    scope = ScopeMetrics(scope=sender.scope, metrics=[metric], schema_url="")
    return MetricsData([ResourceMetrics(sender.resource, [scope], schema_url="")])


def push(
    conn: Connection,
    target: OtlpTarget,
    *,
    batch_size: int = DEFAULT_BATCH,
    settle_s: float = DEFAULT_SETTLE_S,
    now: float | None = None,
) -> PushResult:
    """Send every unsent event and usage row to `target`; raise ExportFailed (one line, exit 2)
    when the collector does not acknowledge a batch: the rows sent before it stay sent, the
    rest stay unsent."""
    require_sdk()
    result = PushResult()
    sender = _Sender(target)
    said = _Said(sender.said)
    otel_log = logging.getLogger("opentelemetry")
    propagate = otel_log.propagate
    otel_log.addHandler(said)
    otel_log.propagate = False  # their lines (with tracebacks) become our one line
    settled_before = (time.time() if now is None else now) - settle_s
    try:

        def send_events(rows: list[tuple[Any, ...]], sent: int) -> None:
            records = [
                sender.log_record(f"buildrunner.{t}", ts, event_record_attributes(t, p, g, u, d))
                for _id, p, t, ts, g, u, d in rows
            ]
            sender.send_logs(records, sent)

        def send_usage_logs(rows: list[tuple[Any, ...]], sent: int) -> None:
            records = [sender.log_record(USAGE_EVENT, r[1], _usage_attributes(r)) for r in rows]
            sender.send_logs(records, sent)

        def send_usage_metrics(rows: list[tuple[Any, ...]], sent: int) -> None:
            sender.send_metrics(_token_histogram(sender, rows), sent)

        usage = _usage_fetch(conn, target, batch_size, settled_before, result)
        result.events = _drain(
            conn, target, "events", _event_fetch(conn, target, batch_size), send_events
        )
        result.usage = _drain(conn, target, "usage_logs", usage, send_usage_logs)
        _drain(conn, target, "usage_metrics", usage, send_usage_metrics)
    finally:
        result.requests = sender.requests
        otel_log.removeHandler(said)
        otel_log.propagate = propagate
        sender.shutdown()
    return result


def pending_counts(conn: Connection, target: OtlpTarget) -> dict[str, int]:
    """Rows not yet sent to `target`, per stream (usage younger than the settle time included)."""
    where, params = _scope_sql(target)
    skipped = ", ".join("?" for _ in SKIPPED_EVENT_TYPES)
    counts = {}
    for stream, table, extra, extra_params in (
        ("events", "events", f" AND type NOT IN ({skipped})", SKIPPED_EVENT_TYPES),
        ("usage_logs", "usage", "", ()),
        ("usage_metrics", "usage", "", ()),
    ):
        mark = read_mark(conn, target.watermark_key, stream)
        sql = f"SELECT count(*) FROM {table} WHERE id > ?{extra}{where}"
        counts[stream] = int(conn.execute(sql, (mark, *extra_params, *params)).fetchone()[0])
    return counts

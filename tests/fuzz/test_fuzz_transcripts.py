"""Fuzzing the Claude Code transcript reader: one line, and whole files through `ingest`.

Properties: `parse_usage_line` returns a row or None, or raises only what `ingest` counts as a
malformed line; `ingest` never raises on any file content and leaves every stored row valid.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from br_core.cost.transcripts import _ProjectIds, ingest, parse_usage_line
from tests.fuzz.strategies import ints, json_values, mutate

# What `_parse_chunk` catches and counts as a malformed line.
MALFORMED = (ValueError, TypeError, AttributeError, OverflowError)

_token = st.one_of(ints, json_values)
_usage = st.one_of(
    st.fixed_dictionaries(
        {"input_tokens": _token, "output_tokens": _token},
        optional={
            "cache_creation_input_tokens": _token,
            "cache_read_input_tokens": _token,
            "cache_creation": st.one_of(
                st.fixed_dictionaries(
                    {"ephemeral_5m_input_tokens": _token, "ephemeral_1h_input_tokens": _token}
                ),
                json_values,
            ),
            "speed": st.one_of(st.just("fast"), json_values),
        },
    ),
    json_values,
)
_stamps = st.one_of(
    st.sampled_from(
        ["2026-01-01T00:00:00Z", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00", ""]
    ),
    st.datetimes().map(lambda d: d.isoformat()),
    json_values,
)
_message = st.fixed_dictionaries(
    {"usage": _usage},
    optional={
        "id": st.one_of(st.just("msg_1"), json_values),
        "model": st.one_of(st.just("claude-sonnet-4-5"), json_values),
        "content": json_values,
    },
)
lines: st.SearchStrategy[Any] = st.fixed_dictionaries(
    {"message": st.one_of(_message, json_values), "timestamp": _stamps},
    optional={
        "requestId": st.one_of(st.just("req_1"), json_values),
        "sessionId": st.one_of(st.just("s1"), json_values),
        "cwd": st.one_of(st.sampled_from(["/nonexistent/x", "", "relative"]), json_values),
        "isSidechain": json_values,
    },
)


def _encode(line: str) -> bytes:
    return line.encode("utf-8", "surrogatepass")


raw_lines = st.one_of(
    lines.map(json.dumps).map(_encode),
    lines.map(lambda d: json.dumps(d, ensure_ascii=False)).map(_encode),
    lines.map(json.dumps).flatmap(mutate).map(_encode),
    st.binary(max_size=80).map(lambda b: b'{"message":{"usage":' + b),
)


@given(raw_lines)
@example(
    b'{"message":{"usage":{"input_tokens":1,"output_tokens":1},"model":"\\ud800"},'
    b'"timestamp":"2026-01-01T00:00:00Z"}'
)
def test_a_transcript_line_is_a_row_none_or_malformed(line: bytes) -> None:
    with contextlib.suppress(*MALFORMED):
        parse_usage_line(line, "t.jsonl:0", "proj", _ProjectIds())


def _ingest(conn: sqlite3.Connection, content: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "projects"
        (root / "proj").mkdir(parents=True)
        (root / "proj" / "session.jsonl").write_bytes(content)
        stats = ingest(conn, [root])
        assert stats.files_read == 1
    for row in conn.execute("SELECT model, session_id, input_tokens FROM usage"):
        model, session, tokens = row
        assert isinstance(model, str) and isinstance(session, str)
        assert 0 <= tokens < 2**63


@given(st.lists(raw_lines, max_size=6))
@example(
    [
        _encode(
            json.dumps(
                {
                    "message": {"usage": {"input_tokens": 2**64, "output_tokens": 1}, "id": "m"},
                    "timestamp": "2026-01-01T00:00:00Z",
                }
            )
        )
    ]
)
@example(
    [
        b'{"message":{"usage":{"input_tokens":1,"output_tokens":1},"model":"\\ud800"},'
        b'"timestamp":"2026-01-01T00:00:00Z"}'
    ]
)
def test_ingest_reads_any_transcript_without_raising(
    conn: sqlite3.Connection, raw: list[bytes]
) -> None:
    _ingest(conn, b"\n".join(raw) + b"\n")


@pytest.mark.parametrize(
    "usage",
    [
        {"input_tokens": 2**64, "output_tokens": 1},
        {"input_tokens": 1, "output_tokens": 1, "cache_read_input_tokens": 10**30},
    ],
)
def test_token_counts_beyond_64_bits_are_malformed_not_a_crash(
    conn: sqlite3.Connection, usage: dict[str, int]
) -> None:
    line = {"message": {"usage": usage, "id": "m"}, "timestamp": "2026-01-01T00:00:00Z"}
    _ingest(conn, json.dumps(line).encode() + b"\n")
    assert conn.execute("SELECT COUNT(*) FROM usage").fetchone() == (0,)


def test_a_lone_surrogate_in_a_text_field_is_malformed_not_a_crash(
    conn: sqlite3.Connection,
) -> None:
    line = (
        b'{"message":{"usage":{"input_tokens":1,"output_tokens":1},"model":"\\ud800"},'
        b'"sessionId":"\\udfff","timestamp":"2026-01-01T00:00:00Z"}\n'
    )
    _ingest(conn, line)

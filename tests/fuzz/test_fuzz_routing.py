"""Fuzzing routing's new readers of outside input: a subagent's transcript (its cost), the
SubagentStop payload, and record_outcome's arguments.

Properties: `transcript_cost` never raises on any file content and returns a finite cost >= 0;
a SubagentStop payload of any shape is recorded or refused with one line (never a traceback);
`record_outcome` with any values stores a valid outcome or refuses with one line.
"""

from __future__ import annotations

import json
import math
import sqlite3
import tempfile
from functools import partial
from pathlib import Path
from typing import Any
from unittest import mock

from hypothesis import example, given
from hypothesis import strategies as st

from br_cli import claude_hook
from br_cli.claude_hook import record_claude_payload
from br_core.cost.pricing import load_price_table
from br_core.errors import BRError, UsageError
from br_core.git import project_id
from br_core.routing.decisions import record_outcome
from br_core.routing.router import route_task
from br_core.routing.subagent import transcript_cost
from tests.fuzz.strategies import (
    assert_one_line,
    expected_or_value,
    floats,
    ints,
    json_values,
    text,
)
from tests.fuzz.test_fuzz_transcripts import raw_lines

TABLE = load_price_table(None)


@given(st.lists(raw_lines, max_size=8))
def test_transcript_cost_reads_any_file(raw: list[bytes]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "agent.jsonl"
        path.write_bytes(b"\n".join(raw) + b"\n")
        run = transcript_cost(path, TABLE)
    assert math.isfinite(run.cost_usd) and run.cost_usd >= 0
    assert run.tokens >= 0 and 0 <= run.unpriced <= run.requests <= len(raw)
    assert run.duration_s is None or run.duration_s >= 0


_agents = st.one_of(st.sampled_from(["br-haiku", "br-sonnet", "br-opus", "general"]), json_values)


@given(
    st.fixed_dictionaries(
        {"hook_event_name": st.one_of(st.just("SubagentStop"), json_values)},
        optional={
            "agent_type": _agents,
            "agent_transcript_path": st.one_of(st.just("/nonexistent/t.jsonl"), json_values),
            "session_id": json_values,
        },
    )
)
@example(
    {"hook_event_name": "SubagentStop", "agent_type": "br-haiku", "agent_transcript_path": "\0"}
)
def test_any_subagent_stop_payload_is_recorded_or_refused_in_one_line(
    git_repo: Path, payload: dict[str, Any]
) -> None:
    payload["cwd"] = str(git_repo)
    # The hook waits up to 3 s for a transcript that is not there yet: bounded, which is all
    # this property needs of it; thousands of examples (`make fuzz`) cannot each wait 3 s.
    quick_wait = partial(claude_hook.wait_for_transcript, timeout=0.01)
    try:
        with mock.patch.object(claude_hook, "wait_for_transcript", quick_wait):
            record_claude_payload(json.dumps(payload))
    except BRError as exc:
        assert_one_line(exc.message)


@given(
    decision=st.one_of(st.just("ok"), text),
    resolved=st.booleans(),
    cost=st.one_of(st.none(), floats, st.sampled_from([math.nan, math.inf, -0.0, 1e6])),
    tokens=st.one_of(st.none(), ints),
    duration=st.one_of(st.none(), floats),
    notes=st.one_of(st.none(), text, st.just("n" * 600)),
)
def test_record_outcome_stores_valid_values_or_refuses_in_one_line(
    conn: sqlite3.Connection,
    git_repo: Path,
    decision: str,
    resolved: bool,
    cost: float | None,
    tokens: int | None,
    duration: float | None,
    notes: str | None,
) -> None:
    project = project_id(git_repo)
    real = route_task(conn, git_repo, "Fix the exporter", override="haiku").decision_id
    got = expected_or_value(
        lambda: record_outcome(
            conn,
            project,
            real if decision == "ok" else decision,
            resolved,
            cost,
            tokens=tokens,
            duration_s=duration,
            notes=notes,
        )
    )
    if isinstance(got, BRError):
        assert isinstance(got, UsageError)
        return
    row = conn.execute(
        "SELECT resolved, cost_usd, tokens, duration_s FROM routing_decisions WHERE id = ?",
        (got.decision_id,),
    ).fetchone()
    assert row[0] == int(resolved)
    assert row[1] is None or (math.isfinite(row[1]) and row[1] >= 0)
    assert row[2] is None or 0 <= row[2] < 2**63
    assert row[3] is None or (math.isfinite(row[3]) and row[3] >= 0)

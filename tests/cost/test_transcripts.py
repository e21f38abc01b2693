"""Reading Claude Code transcripts: dedup, subagents, sidechains, cache split, malformed lines,
incremental offsets. Totals are checked against sums worked out by hand in the comments."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from br_core.cost.transcripts import ingest, malformed_total, transcript_roots
from br_core.store.db import open_db

CWD = "/home/dev/proj"


def assistant(
    msg_id: str | None,
    model: str,
    usage: dict[str, object],
    *,
    request: str | None = "auto",
    ts: str = "2026-11-20T10:00:00.000Z",
    sidechain: bool = False,
    session: str = "s1",
    cwd: str = CWD,
    text: str = "ok",
) -> str:
    message: dict[str, object] = {"model": model, "role": "assistant", "usage": usage,
                                   "content": [{"type": "text", "text": text}]}  # fmt: skip
    if msg_id is not None:
        message["id"] = msg_id
    line: dict[str, object] = {"type": "assistant", "timestamp": ts, "sessionId": session,
                               "cwd": cwd, "isSidechain": sidechain,
                               "message": message}  # fmt: skip
    if request is not None:
        line["requestId"] = f"req_{msg_id}" if request == "auto" else request
    return json.dumps(line, separators=(",", ":"))


def write_lines(path: Path, lines: list[str], mode: str = "w") -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = "".join(line + "\n" for line in lines)
    with path.open(mode, encoding="utf-8") as handle:
        handle.write(data)
    return len(data.encode())


SONNET_SPLIT = {  # 100*3 + 50*15 + 400*3.75 + 600*6 + 2000*0.3 = 6750 -> $0.00675
    "input_tokens": 100, "output_tokens": 50, "cache_creation_input_tokens": 1000,
    "cache_read_input_tokens": 2000,
    "cache_creation": {"ephemeral_5m_input_tokens": 400, "ephemeral_1h_input_tokens": 600},
}  # fmt: skip
HAIKU = {"input_tokens": 10, "output_tokens": 20, "cache_read_input_tokens": 500}  # $0.00016
SUB = {"input_tokens": 200, "output_tokens": 100}  # haiku 4.5: 200 + 500 = $0.0007
UNKNOWN = {"input_tokens": 1000, "output_tokens": 1000}


def build_fixture(config_dir: Path) -> Path:
    """One session (3 content-block lines of one response, a second response, an unknown model,
    two malformed lines) plus a subagent file with its own call and a sidechain replay."""
    project = config_dir / "projects" / "-home-dev-proj"
    first = assistant("msg_1", "claude-sonnet-4-5-20250929", SONNET_SPLIT)
    write_lines(
        project / "s1.jsonl",
        [
            json.dumps({"type": "user", "message": {"role": "user", "content": "hi"}}),
            first,
            first.replace('"text":"ok"', '"text":"second block"'),
            first.replace('"text":"ok"', '"text":"third block"'),
            assistant("msg_2", "claude-haiku-4-5-20251001", HAIKU),
            '{"type":"assistant","message":{"usage":{"input_tokens":5',  # cut short
            "not json at all",
            assistant("msg_3", "claude-mystery-9", UNKNOWN),
        ],
    )
    write_lines(
        project / "s1" / "subagents" / "agent-a1.jsonl",
        [
            assistant("msg_4", "claude-haiku-4-5", SUB, sidechain=True),
            first.replace('"isSidechain":false', '"isSidechain":true'),  # replay: same key
        ],
    )
    return project


def usage_sums(conn: sqlite3.Connection) -> tuple[int, ...]:
    row = conn.execute(
        "SELECT COUNT(*), SUM(input_tokens), SUM(output_tokens), SUM(cache_write_5m_tokens),"
        " SUM(cache_write_1h_tokens), SUM(cache_read_tokens) FROM usage"
    ).fetchone()
    return tuple(int(v or 0) for v in row)


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "claude"
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(target))
    return target


def test_fixture_totals_match_hand_count(config_dir: Path) -> None:
    build_fixture(config_dir)
    conn = open_db()
    stats = ingest(conn)
    # 4 responses: msg_1 (3 lines + 1 replay), msg_2, msg_3, msg_4
    assert usage_sums(conn) == (4, 100 + 10 + 1000 + 200, 50 + 20 + 1000 + 100, 400, 600, 2500)
    assert stats.malformed_lines == 2 and malformed_total(conn) == 2
    assert stats.files_read == 2
    sidechain = conn.execute("SELECT model FROM usage WHERE is_sidechain = 1").fetchall()
    assert sidechain == [("claude-haiku-4-5",)]  # the replay kept the main line's key


def test_repeated_ingest_reads_only_new_bytes(config_dir: Path) -> None:
    project = build_fixture(config_dir)
    conn = open_db()
    ingest(conn)
    again = ingest(conn)
    assert (again.files_read, again.bytes_read) == (0, 0)
    added = write_lines(
        project / "s1.jsonl",
        [assistant("msg_5", "claude-opus-4-6", {"input_tokens": 7, "output_tokens": 3}),
         assistant("msg_1", "claude-sonnet-4-5", SONNET_SPLIT)],  # seen before: no double count
        mode="a",
    )  # fmt: skip
    third = ingest(conn)
    assert (third.files_read, third.bytes_read) == (1, added)
    assert usage_sums(conn)[:3] == (5, 1317, 1173)


def test_partial_last_line_waits_for_its_newline(config_dir: Path) -> None:
    path = config_dir / "projects" / "p" / "s.jsonl"
    line = assistant("msg_9", "claude-haiku-4-5", {"input_tokens": 1, "output_tokens": 2})
    path.parent.mkdir(parents=True)
    path.write_text(line[:40], encoding="utf-8")
    conn = open_db()
    assert ingest(conn).usage_lines == 0
    with path.open("a", encoding="utf-8") as handle:
        handle.write(line[40:] + "\n")
    assert ingest(conn).usage_lines == 1
    assert usage_sums(conn)[:3] == (1, 1, 2)
    assert malformed_total(conn) == 0


def test_truncated_file_is_reread_without_double_counting(config_dir: Path) -> None:
    path = config_dir / "projects" / "p" / "s.jsonl"
    lines = [assistant(f"m{i}", "claude-haiku-4-5", {"input_tokens": 1, "output_tokens": 1})
             for i in range(5)]  # fmt: skip
    write_lines(path, lines)
    conn = open_db()
    ingest(conn)
    write_lines(path, lines[:2])  # rewritten shorter: offsets restart at 0
    ingest(conn)
    assert usage_sums(conn)[0] == 5


def test_duplicate_with_more_tokens_wins(config_dir: Path) -> None:
    # ccusage keeps the copy with the larger token total; so do we, in either order.
    path = config_dir / "projects" / "p" / "s.jsonl"
    small = assistant("m1", "claude-haiku-4-5", {"input_tokens": 5, "output_tokens": 10})
    big = assistant("m1", "claude-haiku-4-5", {"input_tokens": 5, "output_tokens": 40})
    write_lines(path, [small, big, small])
    conn = open_db()
    ingest(conn)
    assert usage_sums(conn)[:3] == (1, 5, 40)


@pytest.mark.parametrize(
    ("request_id", "ids", "expected_rows"),
    [
        ("auto", ["a", "a"], 1),  # same message and request: one response
        (None, ["a", "a"], 1),  # no requestId: session + message + time is the key
        ("auto", [None, None], 2),  # no message id: every line is its own response
    ],
)
def test_dedup_key(
    config_dir: Path, request_id: str | None, ids: list[str | None], expected_rows: int
) -> None:
    lines = [assistant(i, "claude-haiku-4-5", HAIKU, request=request_id) for i in ids]
    write_lines(config_dir / "projects" / "p" / "s.jsonl", lines)
    conn = open_db()
    ingest(conn)
    assert usage_sums(conn)[0] == expected_rows


@pytest.mark.parametrize(
    ("usage", "split"),
    [
        ({"cache_creation_input_tokens": 900}, (900, 0)),  # no split: the 5-minute default
        ({"cache_creation_input_tokens": 900,
          "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 900}},
         (0, 900)),
        ({"cache_creation": {"ephemeral_5m_input_tokens": 30, "ephemeral_1h_input_tokens": 70}},
         (30, 70)),  # split without the total: the total is the sum
    ],
)  # fmt: skip
def test_cache_split(config_dir: Path, usage: dict[str, object], split: tuple[int, int]) -> None:
    full = {"input_tokens": 1, "output_tokens": 1, **usage}
    write_lines(
        config_dir / "projects" / "p" / "s.jsonl", [assistant("m", "claude-haiku-4-5", full)]
    )
    conn = open_db()
    ingest(conn)
    assert usage_sums(conn)[3:5] == split


@pytest.mark.parametrize(
    "bad",
    [
        b'{"message":{"usage":{"input_tokens":"ten","output_tokens":1}},"timestamp":"x"}\n',
        b'{"message":{"usage":{"input_tokens":1,"output_tokens":1}}}\n',  # no timestamp
        b'{"message":{"usage":{"input_tokens":1,"output_tokens":1}},"timestamp":"never"}\n',
        b'{"message":{"usage":{"input_tokens":1,"output_tokens":1}},"x":"\xff\xfe"}\n',
        b"\x00\x01\x02 binary garbage\n",
        b"[1, 2, 3]\n",
    ],
)
def test_malformed_lines_are_skipped_and_counted(config_dir: Path, bad: bytes) -> None:
    path = config_dir / "projects" / "p" / "s.jsonl"
    path.parent.mkdir(parents=True)
    good = assistant("ok", "claude-haiku-4-5", HAIKU).encode() + b"\n"
    path.write_bytes(good + bad + good)
    conn = open_db()
    stats = ingest(conn)
    assert (stats.usage_lines, stats.malformed_lines) == (2, 1)
    assert usage_sums(conn)[0] == 1


def test_roots_from_env_and_defaults(tmp_path: Path) -> None:
    one, two, missing = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    for base in (one, two):
        (base / "projects").mkdir(parents=True)
    env = {"CLAUDE_CONFIG_DIR": f"{one}, {two},{missing}", "HOME": str(tmp_path)}
    assert transcript_roots(env) == [one / "projects", two / "projects"]
    home = tmp_path / "home"
    (home / ".claude" / "projects").mkdir(parents=True)
    (home / ".config" / "claude" / "projects").mkdir(parents=True)
    assert transcript_roots({"HOME": str(home)}) == [
        home / ".config" / "claude" / "projects",
        home / ".claude" / "projects",
    ]
    assert transcript_roots({"HOME": str(tmp_path / "nobody")}) == []


def test_missing_config_dir_reads_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(tmp_path / "does-not-exist"))
    stats = ingest(open_db())
    assert (stats.files_seen, stats.roots) == (0, [])


def test_concurrent_processes_count_each_response_once(config_dir: Path) -> None:
    # Four real processes ingest the same files at once: the UNIQUE dedup key and the upsert
    # make the outcome the same as one reader's.
    import os
    import subprocess
    import sys

    build_fixture(config_dir)
    code = (
        "from br_core.store.db import open_db\n"
        "from br_core.cost.transcripts import ingest\n"
        "ingest(open_db())"
    )
    procs = [subprocess.Popen([sys.executable, "-c", code], env=dict(os.environ)) for _ in range(4)]
    assert [p.wait(timeout=60) for p in procs] == [0, 0, 0, 0]
    conn = open_db()
    assert usage_sums(conn) == (4, 1310, 1170, 400, 600, 2500)
    assert ingest(conn).bytes_read == 0


def _out(session: str, msg: str, req: str | None, out: int, *, side: bool = False,
         ts: str = "2026-11-20T10:00:00.000Z") -> str:  # fmt: skip
    usage = {"input_tokens": 0, "output_tokens": out}
    return assistant(msg, "claude-haiku-4-5", usage, request=req, session=session,
                     sidechain=side, ts=ts)  # fmt: skip


T2 = "2026-11-20T11:00:00.000Z"
# Each case was run through ccusage 20.0.24 (`daily --json --offline`); `expected` is the output
# token total it reported, so these pin our rules to the reference tool's.
CCUSAGE_20_CASES = [
    ("sidechain replays parent with a new request id",
     {"s1.jsonl": [_out("s1", "X", "r1", 100)],
      "s1/subagents/a.jsonl": [_out("s1", "X", "r2", 100, side=True)]}, 100),
    ("the parent wins even when the replay has more tokens",
     {"s1.jsonl": [_out("s1", "X", "r1", 100)],
      "s1/subagents/a.jsonl": [_out("s1", "X", "r2", 300, side=True)]}, 100),
    ("the parent wins when the replay is read first",
     {"a.jsonl": [_out("s1", "X", "r2", 300, side=True)], "s1.jsonl": [_out("s1", "X", "r1", 100)]},
     100),
    ("a replay at another time is still a replay",
     {"s1.jsonl": [_out("s1", "X", "r1", 100)],
      "s1/subagents/a.jsonl": [_out("s1", "X", "r2", 100, side=True, ts=T2)]}, 100),
    ("another session's sidechain is not a replay",
     {"s1.jsonl": [_out("s1", "X", "r1", 100)],
      "s2.jsonl": [_out("s2", "X", "r2", 100, side=True)]}, 200),
    ("two sidechain copies in one session count once",
     {"s1/subagents/a.jsonl": [_out("s1", "X", "r1", 100, side=True)],
      "s1/subagents/b.jsonl": [_out("s1", "X", "r2", 100, side=True)]}, 100),
    ("main-chain lines with new request ids are new responses",
     {"s1.jsonl": [_out("s1", "X", "r1", 100), _out("s1", "X", "r2", 100)]}, 200),
    ("same message and request in two sessions: a copied transcript",
     {"s1.jsonl": [_out("s1", "X", "r1", 100)], "s2.jsonl": [_out("s2", "X", "r1", 100)]}, 100),
    ("no request id: scoped to the session",
     {"s1.jsonl": [_out("s1", "X", None, 100)], "s2.jsonl": [_out("s2", "X", None, 100)]}, 200),
    ("no request id: and to the line's time",
     {"s1.jsonl": [_out("s1", "X", None, 100), _out("s1", "X", None, 100, ts=T2)]}, 200),
    ("no request id, same time: one response",
     {"s1.jsonl": [_out("s1", "X", None, 100), _out("s1", "X", None, 100)]}, 100),
]  # fmt: skip


@pytest.mark.parametrize(
    ("files", "expected"), [c[1:] for c in CCUSAGE_20_CASES], ids=[c[0] for c in CCUSAGE_20_CASES]
)
def test_dedup_matches_ccusage_20(
    config_dir: Path, files: dict[str, list[str]], expected: int
) -> None:
    for rel, lines in files.items():
        write_lines(config_dir / "projects" / "p" / rel, lines)
    conn = open_db()
    ingest(conn)
    assert usage_sums(conn)[2] == expected


@pytest.fixture(params=["probe", "scan"])
def replay_drop(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Each flush drops replays by probing its own pairs, or (a big flush) by one table scan:
    both must drop the same rows."""
    from br_core.cost import transcripts

    monkeypatch.setattr(transcripts, "PROBE_COST_ROWS", 0 if request.param == "probe" else 10**9)
    return str(request.param)


@pytest.mark.parametrize(
    ("files", "expected"), [c[1:] for c in CCUSAGE_20_CASES], ids=[c[0] for c in CCUSAGE_20_CASES]
)
def test_dedup_is_the_same_when_every_file_is_its_own_flush(
    config_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
    replay_drop: str,
    files: dict[str, list[str]],
    expected: int,
) -> None:
    # A parent and its replay written by different flushes (a big ingest) must meet all the same.
    from br_core.cost import transcripts

    monkeypatch.setattr(transcripts, "FLUSH_BYTES", 0)
    for rel, lines in files.items():
        write_lines(config_dir / "projects" / "p" / rel, lines)
    conn = open_db()
    ingest(conn)
    assert usage_sums(conn)[2] == expected


def test_a_stored_sidechain_row_of_another_message_is_left_alone(
    config_dir: Path, replay_drop: str
) -> None:
    # a later flush drops the replay of its own message; an earlier sidechain-only message stays
    project = config_dir / "projects" / "p"
    write_lines(project / "s1" / "subagents" / "a.jsonl", [_out("s1", "Y", "r9", 50, side=True)])
    write_lines(project / "s1" / "subagents" / "b.jsonl", [_out("s1", "X", "r2", 300, side=True)])
    conn = open_db()
    ingest(conn)
    assert usage_sums(conn)[:3] == (2, 0, 350)
    write_lines(project / "s1.jsonl", [_out("s1", "X", "r1", 100)])
    ingest(conn)
    assert usage_sums(conn)[:3] == (2, 0, 150)


def test_replay_arriving_before_its_parent_across_runs(config_dir: Path, replay_drop: str) -> None:
    write_lines(config_dir / "projects" / "p" / "s1" / "subagents" / "a.jsonl",
                [_out("s1", "X", "r2", 300, side=True)])  # fmt: skip
    conn = open_db()
    ingest(conn)
    assert usage_sums(conn)[2] == 300  # alone, it is real usage
    write_lines(config_dir / "projects" / "p" / "s1.jsonl", [_out("s1", "X", "r1", 100)])
    ingest(conn)
    assert usage_sums(conn)[:3] == (1, 0, 100)


@pytest.mark.parametrize(
    ("where", "name", "value"),
    [("message", "id", None), ("line", "requestId", None), ("line", "sessionId", "")],
)
def test_present_but_empty_ids_are_malformed(
    config_dir: Path, where: str, name: str, value: object
) -> None:
    # ccusage rejects these lines too (its schema wants a non-empty string when present)
    line = json.loads(_out("s1", "X", "r1", 100))
    (line["message"] if where == "message" else line)[name] = value
    write_lines(config_dir / "projects" / "p" / "s.jsonl", [json.dumps(line)])
    stats = ingest(open_db())
    assert (stats.usage_lines, stats.malformed_lines) == (0, 1)


def test_parallel_parse_matches_serial(config_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import threading

    from br_core.cost import transcripts

    if threading.active_count() > 1:
        pytest.skip("the parallel path forks only from a single-threaded process")
    build_fixture(config_dir)
    for i in range(6):  # more files than workers
        write_lines(config_dir / "projects" / "more" / f"s{i}.jsonl",
                    [assistant(f"p{i}", "claude-haiku-4-5", HAIKU, session=f"p{i}")])  # fmt: skip
    monkeypatch.setattr(transcripts, "PARALLEL_MIN_BYTES", 0)
    import multiprocessing

    used: list[str] = []
    real = multiprocessing.get_context

    def spy(method: str | None = None) -> object:
        used.append(str(method))
        return real(method)

    monkeypatch.setattr(multiprocessing, "get_context", spy)
    conn = open_db()
    stats = ingest(conn)
    assert used == ["fork"] and stats.files_read == 8 and stats.malformed_lines == 2
    assert usage_sums(conn) == (10, 1310 + 60, 1170 + 120, 400, 600, 2500 + 3000)


@pytest.mark.parametrize("chunk", [7, 64, 1000])
def test_reading_in_small_pieces_gives_the_same_totals(
    config_dir: Path, monkeypatch: pytest.MonkeyPatch, chunk: int
) -> None:
    # Huge transcripts are read in pieces; lines that straddle pieces must not be lost.
    from br_core.cost import transcripts

    monkeypatch.setattr(transcripts, "CHUNK_BYTES", chunk)
    project = build_fixture(config_dir)
    conn = open_db()
    stats = ingest(conn)
    assert usage_sums(conn) == (4, 1310, 1170, 400, 600, 2500) and stats.malformed_lines == 2
    size = sum(p.stat().st_size for p in project.rglob("*.jsonl"))
    assert stats.bytes_read == size

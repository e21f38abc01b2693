"""Usage from Claude Code's own transcripts, read incrementally into the `usage` table.

Claude Code appends one JSON line per content block to `<config>/projects/<project>/<session>.jsonl`
(subagents: `<session>/subagents/*.jsonl`). Every line of one API response repeats the same
`message.usage`, so a response counts once, keyed by `message.id` + `requestId` (the key ccusage
uses). When two lines share a key but differ in tokens, the larger total wins (as in ccusage).
`isSidechain` lines are counted through the same key: a subagent's own calls are real spend,
while a replayed line carries a key already seen and is dropped (ccusage does not look at
`isSidechain` at all; the outcome is the same).

Each file's read offset is stored, so a repeated report parses only bytes appended since.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from br_core.git import directory_project_id, project_id
from br_core.store.connection import Connection
from br_core.store.db import transaction

USAGE_MARKER = b'"usage"'  # any spacing: `"usage":{` or `"usage": {`
_COLUMNS = """usage (dedup_key, source, project_id, project_dir, session_id, ts, model,
    input_tokens, output_tokens, cache_write_5m_tokens, cache_write_1h_tokens,
    cache_read_tokens, fast, is_sidechain, message_id)"""
_VALUES = "?, 'transcript', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
_UPSERT = """
ON CONFLICT (dedup_key) DO UPDATE SET
    input_tokens = excluded.input_tokens, output_tokens = excluded.output_tokens,
    cache_write_5m_tokens = excluded.cache_write_5m_tokens,
    cache_write_1h_tokens = excluded.cache_write_1h_tokens,
    cache_read_tokens = excluded.cache_read_tokens, fast = excluded.fast
WHERE excluded.input_tokens + excluded.output_tokens + excluded.cache_write_5m_tokens
    + excluded.cache_write_1h_tokens + excluded.cache_read_tokens
    > usage.input_tokens + usage.output_tokens + usage.cache_write_5m_tokens
    + usage.cache_write_1h_tokens + usage.cache_read_tokens
"""
_INSERT = f"INSERT INTO {_COLUMNS} VALUES ({_VALUES}) {_UPSERT}"
# A sidechain line whose message this session already has under another key is a replay.
_INSERT_SIDECHAIN = f"""INSERT INTO {_COLUMNS} SELECT {_VALUES}
WHERE NOT EXISTS (SELECT 1 FROM usage WHERE message_id = ? AND session_id = ? AND dedup_key <> ?)
{_UPSERT}"""
# ... and when the parent line arrives after its replay, the parent wins.
_REPLAY = """is_sidechain = 1 AND message_id IS NOT NULL AND EXISTS (
    SELECT 1 FROM usage AS parent WHERE parent.message_id = usage.message_id
    AND parent.session_id = usage.session_id AND parent.is_sidechain = 0
    AND parent.dedup_key <> usage.dedup_key)"""
# Only a row just written can turn a stored sidechain row into a replay (each flush leaves
# none behind), so a flush probes its own (message, session) pairs through their index: work
# that follows the new rows, not the table. A probe costs about 20 rows of a whole-table scan
# (bench/_work transcripts), so a flush that wrote a big share of the table scans it once.
_DROP_REPLAYS = f"DELETE FROM usage WHERE message_id = ? AND session_id = ? AND {_REPLAY}"
_DROP_ALL_REPLAYS = f"DELETE FROM usage WHERE {_REPLAY}"
PROBE_COST_ROWS = 20

Row = tuple[str, str | None, str, str, float, str, int, int, int, int, int, int, int, str | None]


@dataclass
class IngestStats:
    files_seen: int = 0
    files_read: int = 0
    bytes_read: int = 0
    lines_read: int = 0
    usage_lines: int = 0
    malformed_lines: int = 0
    roots: list[str] = field(default_factory=list)


def transcript_candidates(env: dict[str, str] | None = None) -> list[Path]:
    """Where transcripts are looked for, existing or not: each base's `projects` dir."""
    environ = os.environ if env is None else env
    configured = environ.get("CLAUDE_CONFIG_DIR", "").strip()
    if configured:
        bases = [Path(p.strip()).expanduser() for p in configured.split(",") if p.strip()]
    else:
        home = Path(environ.get("HOME") or Path.home())
        xdg = Path(environ.get("XDG_CONFIG_HOME") or home / ".config")
        bases = [xdg / "claude", home / ".claude"]
    return [base / "projects" for base in bases]


def transcript_roots(env: dict[str, str] | None = None) -> list[Path]:
    """`projects` dirs: `$CLAUDE_CONFIG_DIR` (comma-separated) or ~/.config/claude and ~/.claude."""
    roots: list[Path] = []
    for projects in transcript_candidates(env):
        if projects.is_dir() and projects.resolve() not in [r.resolve() for r in roots]:
            roots.append(projects)
    return roots


def _jsonl_below(top: str) -> list[str]:
    found: list[str] = []
    stack = [top]
    while stack:
        try:
            with os.scandir(stack.pop()) as entries:
                for entry in entries:
                    if entry.is_dir(follow_symlinks=False):
                        stack.append(entry.path)
                    elif entry.name.endswith(".jsonl"):
                        found.append(entry.path)
        except OSError:
            continue  # unreadable folder: skip it, as ccusage does
    return sorted(found)


class _ProjectIds:
    """cwd -> br project id, cached: git runs once per distinct working directory."""

    def __init__(self) -> None:
        self._ids: dict[str, str | None] = {}

    def clear(self) -> None:
        self._ids.clear()

    def get(self, cwd: object) -> str | None:
        if not isinstance(cwd, str) or not cwd:
            return None
        if cwd not in self._ids:
            if os.path.isdir(cwd):
                self._ids[cwd] = project_id(cwd)
            else:  # gone: project_id's own fallback (the path itself), without spawning git
                self._ids[cwd] = directory_project_id(cwd)
        return self._ids[cwd]


_loads = json.JSONDecoder().decode


MAX_TOKENS = 2**63 - 1  # SQLite's INTEGER


def _int(value: object) -> int:
    if type(value) is not int or value <= 0:  # bool is not a token count
        return 0
    if value > MAX_TOKENS:
        raise ValueError("token count beyond 64 bits")
    return value


def _storable(*texts: str | None) -> None:
    """JSON's `\\ud800` escapes decode to lone surrogates, which SQLite cannot store: such a
    line is malformed (UnicodeEncodeError is a ValueError)."""
    for text in texts:
        if text is not None and not text.isascii():
            text.encode("utf-8")


def parse_usage_line(line: bytes, where: str, project_dir: str, ids: _ProjectIds) -> Row | None:
    """A usage row from one transcript line; None if it carries no usage. Raises ValueError
    for a malformed line (not JSON, or usage without the fields every API response has)."""
    obj = _loads(line.decode("utf-8"))  # str: skips json's encoding detection
    if not isinstance(obj, dict):
        raise ValueError("not an object")
    message = obj.get("message")
    usage = message.get("usage") if isinstance(message, dict) else None
    if not isinstance(usage, dict):
        return None
    assert isinstance(message, dict)
    inp, out = usage.get("input_tokens"), usage.get("output_tokens")
    stamp = obj.get("timestamp")
    if not isinstance(inp, int) or not isinstance(out, int) or not isinstance(stamp, str):
        raise ValueError("usage without token counts or timestamp")
    ts = datetime.fromisoformat(stamp).timestamp()
    written = _int(usage.get("cache_creation_input_tokens"))
    split = usage.get("cache_creation")
    one_hour = 0
    if isinstance(split, dict):
        five, one_hour = (
            _int(split.get("ephemeral_5m_input_tokens")),
            _int(split.get("ephemeral_1h_input_tokens")),
        )
        written = written or five + one_hour
        one_hour = min(one_hour, written)
    msg_id = _optional_text(message, "id")
    request_id = _optional_text(obj, "requestId")
    session = _optional_text(obj, "sessionId") or ""
    model = message.get("model")
    row: Row = (
        _dedupe_key(msg_id, request_id, session, stamp, where),
        ids.get(obj.get("cwd")),
        project_dir,
        session,
        ts,
        model if isinstance(model, str) and model else "unknown",
        _int(inp),
        _int(out),
        written - one_hour,
        one_hour,
        _int(usage.get("cache_read_input_tokens")),
        1 if usage.get("speed") == "fast" else 0,
        1 if obj.get("isSidechain") is True else 0,
        msg_id,
    )
    _storable(row[0], row[1], row[3], row[5])
    return row


def _dedupe_key(
    msg_id: str | None, request_id: str | None, session: str, stamp: str, where: str
) -> str:
    """ccusage 20's daily keys: message + request; without a request id the key is scoped to
    the session and the line's time (gateways reuse one message id for every response)."""
    if msg_id and request_id:
        return f"{msg_id}:{request_id}"
    if msg_id:
        return f"{session}:{msg_id}:{stamp}"
    return where  # no message id: this line is its own response


def _optional_text(obj: dict[str, object], name: str) -> str | None:
    """A field that may be absent, but when present must be a non-empty string (as ccusage)."""
    if name not in obj:
        return None
    value = obj[name]
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string")
    return value


CHUNK_BYTES = 32 << 20  # a huge transcript is read in pieces, never whole into memory


def _read_new(path: Path, offset: int) -> Iterator[tuple[int, bytes]]:
    """(offset, bytes) pieces of complete lines from `offset` on."""
    with path.open("rb") as handle:
        handle.seek(offset)
        carry = b""
        while True:
            block = handle.read(CHUNK_BYTES)
            if not block:
                break
            data = carry + block
            end = data.rfind(b"\n")
            if end < 0:
                carry = data
                continue
            yield offset, data[: end + 1]
            offset += end + 1
            carry = data[end + 1 :]
    # A last line without its newline may still be being written: it waits for next time.


def _copy_key(raw: bytes) -> bytes | None:
    """The bytes every content-block line of one response shares: the message head (id, type,
    role, model), the usage and the requestId. Two well-formed lines with equal keys are the same
    API response with the same usage, so the second needs no parsing. None: parse in full."""
    if raw[:1] != b"{" or raw[-1:] != b"}":
        return None
    head = raw.find(b'"message":{')
    content = raw.find(b'"content":', head)
    usage = raw.rfind(USAGE_MARKER)
    request = raw.find(b'"requestId":"', usage)
    end = raw.find(b'"', request + 13)
    if head < 0 or content < 0 or usage < content or request < 0 or end < 0:
        return None
    message_head = raw[head:content]
    if b'"id":"' not in message_head:  # without a message id every line counts on its own
        return None
    return message_head + raw[usage : end + 1]


def _parse_chunk(
    data: bytes,
    base: int,
    path: Path,
    project_dir: str,
    ids: _ProjectIds,
    rows: dict[str | bytes, Row | None],
) -> tuple[int, int, int]:
    # Content-block lines of one response repeat its usage: keep one row per key here (the
    # larger token total wins, as in the database) so SQLite sees each response once.
    prefix = f"{path}:"
    parts = data.split(b"\n")
    lines = len(parts) - parts.count(b"")
    usage_lines = malformed = pos = 0
    for raw in parts:
        start = pos
        pos += len(raw) + 1
        if USAGE_MARKER not in raw:
            # a cheap shape check; only lines carrying usage are parsed in full
            if (raw[:1] != b"{" or raw[-1:] != b"}") and raw.strip():
                malformed += 1
            continue
        copy = _copy_key(raw)
        if copy is not None and copy in rows:
            usage_lines += 1  # another content block of a response already read
            continue
        try:
            row = parse_usage_line(raw, prefix + str(base + start), project_dir, ids)
        except (ValueError, TypeError, AttributeError, OverflowError, RecursionError):
            # RecursionError: JSON nested deeper than the interpreter's limit
            malformed += 1
            continue
        if row is None:
            continue
        if copy is not None:
            rows[copy] = None
        usage_lines += 1
        seen = rows.get(row[0])
        if seen is None or sum(row[6:11]) > sum(seen[6:11]):
            rows[row[0]] = row
    return lines, usage_lines, malformed


PARALLEL_MIN_BYTES = 32 << 20  # below this, forking workers costs more than it saves
FLUSH_BYTES = 64 << 20
Job = tuple[str, str, int]  # path, Claude Code project folder, offset to read from
Parsed = tuple[int, list[Row], int, int, int] | None  # bytes, rows, lines, usage, malformed
_IDS = _ProjectIds()


def _parse_job(job: Job) -> Parsed:
    name, project_dir, offset = job
    path = Path(name)
    rows: dict[str | bytes, Row | None] = {}  # dedup keys -> rows; copy keys (bytes) -> None
    size = lines = used = bad = 0
    try:
        for start, data in _read_new(path, offset):
            n, u, b = _parse_chunk(data, start, path, project_dir, _IDS, rows)
            size, lines, used, bad = size + len(data), lines + n, used + u, bad + b
    except OSError:
        return None
    return size, [row for row in rows.values() if row is not None], lines, used, bad


def _plan(
    conn: Connection, roots: list[Path], stats: IngestStats
) -> list[tuple[Job, os.stat_result, int, int]]:
    """Files with bytes not read yet: (job, stat, lines so far, malformed so far)."""
    known = {
        row[0]: row[1:]
        for row in conn.execute(
            'SELECT path, size, mtime_ns, inode, "offset", lines, malformed FROM transcript_offsets'
        )
    }
    plan = []
    for root in roots:
        for name in _jsonl_below(str(root)):
            stats.files_seen += 1
            try:
                st = os.stat(name)
            except OSError:
                continue
            prev = known.get(name)
            offset, lines, malformed = 0, 0, 0
            if prev is not None:
                size, mtime_ns, inode, offset, lines, malformed = prev
                if (size, mtime_ns, inode) == (st.st_size, st.st_mtime_ns, st.st_ino):
                    continue
                if inode != st.st_ino or st.st_size < offset:  # replaced or truncated: reread
                    offset, lines, malformed = 0, 0, 0
            plan.append(((name, _project_dir(root, Path(name)), offset), st, lines, malformed))
    return plan


def _parsed(jobs: list[Job], new_bytes: int) -> Iterator[Parsed]:
    workers = min(os.cpu_count() or 1, 4)
    # fork only from a single-threaded process (a forked copy of a held lock never unlocks)
    if new_bytes < PARALLEL_MIN_BYTES or workers < 2 or threading.active_count() > 1:
        yield from map(_parse_job, jobs)
        return
    import multiprocessing

    if "fork" not in multiprocessing.get_all_start_methods():  # Windows: parse in-process
        yield from map(_parse_job, jobs)
        return
    with multiprocessing.get_context("fork").Pool(workers) as pool:
        yield from pool.imap(_parse_job, jobs, chunksize=4)


def has_unread(conn: Connection, roots: list[Path] | None = None) -> bool:
    """Whether any transcript has bytes `ingest` has not read (a stat per file, no reading)."""
    roots = transcript_roots() if roots is None else roots
    return bool(_plan(conn, roots, IngestStats()))


def ingest(conn: Connection, roots: list[Path] | None = None) -> IngestStats:
    """Read what is new in every transcript into `usage`; return what was read."""
    roots = transcript_roots() if roots is None else roots
    stats = IngestStats(roots=[str(r) for r in roots])
    _IDS.clear()
    plan = _plan(conn, roots, stats)
    new_bytes = sum(st.st_size - job[2] for job, st, _, _ in plan)
    pending: list[tuple[Path, os.stat_result, int, int, int, list[Row]]] = []
    pending_bytes = 0
    for (job, st, lines, malformed), result in zip(
        plan, _parsed([p[0] for p in plan], new_bytes), strict=True
    ):
        if result is None:
            continue
        size, rows, n, used, bad = result
        stats.files_read += 1
        stats.bytes_read += size
        stats.lines_read += n
        stats.usage_lines += used
        stats.malformed_lines += bad
        pending.append((Path(job[0]), st, job[2] + size, lines + n, malformed + bad, rows))
        pending_bytes += size
        if pending_bytes > FLUSH_BYTES:
            _flush(conn, pending)
            pending, pending_bytes = [], 0
    _flush(conn, pending)
    return stats


def _project_dir(root: Path, path: Path) -> str:
    parts = path.relative_to(root).parts
    return parts[0] if len(parts) > 1 else ""


def _flush(
    conn: Connection, pending: list[tuple[Path, os.stat_result, int, int, int, list[Row]]]
) -> None:
    if not pending:
        return
    touched: set[tuple[str, str]] = set()
    with transaction(conn):
        for path, st, offset, lines, malformed, rows in pending:
            touched.update((r[13], r[3]) for r in rows if r[13] is not None)
            # Main-chain lines first: within a batch the parent always beats its replay.
            conn.executemany(_INSERT, [r for r in rows if not (r[12] and r[13])])
            side = [(*r, r[13], r[3], r[0]) for r in rows if r[12] and r[13]]
            conn.executemany(_INSERT_SIDECHAIN, side)
            conn.execute(
                "INSERT OR REPLACE INTO transcript_offsets "
                '(path, size, mtime_ns, inode, "offset", lines, malformed) '
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (str(path), st.st_size, st.st_mtime_ns, st.st_ino, offset, lines, malformed),
            )
        (stored,) = conn.execute("SELECT COALESCE(MAX(id), 0) FROM usage").fetchone()
        if len(touched) * PROBE_COST_ROWS > stored:
            conn.execute(_DROP_ALL_REPLAYS)
        else:
            conn.executemany(_DROP_REPLAYS, touched)


def malformed_total(conn: Connection) -> int:
    """Malformed lines seen so far across every transcript (they are skipped, not retried)."""
    (total,) = conn.execute("SELECT COALESCE(SUM(malformed), 0) FROM transcript_offsets").fetchone()
    return int(total)

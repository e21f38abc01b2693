"""Telemetry events: a closed schema, sanitised on the way in, one row each in `events`.

On the hook path: stdlib only (no pydantic), one git subprocess per repository per process, and
HEAD read straight from the git directory (both in br_core.git). What is stored is metadata
only: every text field is masked by `sanitize_text`, then by an entropy backstop, `.env` paths
are redacted, text is capped at 200 characters, and fields outside the schema are refused, so
code content has no way in.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
import time
from pathlib import Path

from br_core.errors import UsageError
from br_core.git import RepoContext, read_head, repo_context
from br_core.secrets.masking import mask_random_tokens, sanitize_text
from br_core.store.connection import Connection
from br_core.store.db import store_error, transaction
from br_core.store.paths import db_path
from br_core.telemetry.settings import telemetry_state

TEXT_LIMIT = 200
# Field kinds: "text" is sanitised free text; "name" a value from a closed vocabulary of our
# own (command names), stored as is when it is lowercase words, else sanitised like text; "hex"
# a commit hash; the rest are plain scalars.
SCHEMA: dict[str, dict[str, str]] = {
    "build": {"command": "name", "duration_ms": "float", "success": "bool", "exit_code": "int"},
    "feature": {
        "action": "text",
        "feature_id": "text",
        "title": "text",
        "complexity": "text",
        "duration_hours": "float",
        "task_id": "text",
    },
    "quality": {"score": "float", "coverage": "float", "violations": "int", "tool": "text"},
    "model_usage": {
        "model": "text",
        "task_type": "text",
        "tokens": "int",
        "input_tokens": "int",
        "output_tokens": "int",
        "cache_read_tokens": "int",
        "cache_creation_tokens": "int",
        "cost": "float",
        "duration_ms": "float",
        "tier": "text",
        "success": "bool",
    },
    "commit": {
        "hash": "hex",
        "files_changed": "int",
        "insertions": "int",
        "deletions": "int",
        "branch": "text",
        "commit_type": "text",
        "scope": "text",
        "breaking": "bool",
    },
    "push": {"branch": "text", "remote": "text", "remote_branch": "text", "commits": "int"},
    "merge": {
        "branch": "text",
        "squash": "bool",
        "files_changed": "int",
        "insertions": "int",
        "deletions": "int",
    },
    "session": {
        "event": "text",
        "session": "text",
        "tool_name": "text",
        "source": "text",
        "reason": "text",
        "agent_type": "text",
    },
    # What a check hook decided (br-secrets and br-sql-injection when they block; br-coverage on
    # every run it measures): rule ids and directories only, never a finding's text.
    "check": {
        "hook": "name",
        "blocked": "bool",
        "findings": "int",
        "rules": "text",
        "dirs": "text",
        "percent": "float",
        "covered": "int",
        "measured": "int",
    },
}
EVENT_TYPES = tuple(SCHEMA)
# Feature actions are counted by thresholds; spellings from other emitters map to two names.
FEATURE_ACTIONS = {
    "added": "add",
    "created": "add",
    "planned": "add",
    "completed": "complete",
    "done": "complete",
    "finished": "complete",
}

# A `.env` path: only where a path starts (or at `.env` itself) is a match tried, so a long run
# of path characters is crossed once, not once per character (clean_text stays linear).
_ENV_PATH = re.compile(
    r"(?:(?<![\w.~/\\-])(?:[\w.~-]*+[/\\])*|(?<=[\w~-]))\.env(?:\.[\w-]+)*(?![\w/\\])"
)
_HEX = re.compile(r"[0-9a-f]{7,64}")
# Lowercase letters only: no credential format has that shape, so the secret scan (whose rules
# cost ~30 ms to load) is skipped for the build event every `br` command records.
_NAME = re.compile(r"[a-z]+(?:[ -][a-z]+)*")


def clean_text(value: object) -> str:
    """A text field as stored: .env paths redacted, secrets masked (the rules, then the
    random-token backstop, short tokens included), capped in length."""
    text = str(value)
    if ".env" in text:  # every match holds it: other texts skip a pass costing 50 ms per MB
        text = _ENV_PATH.sub("[env file]", text)
    text = mask_random_tokens(sanitize_text(text))
    return text[:TEXT_LIMIT]


def _coerce(event_type: str, name: str, kind: str, value: object) -> object:
    if value is None:
        return None
    try:
        if kind == "text":
            return clean_text(value)
        if kind == "name":
            text = str(value)
            return text if len(text) <= 64 and _NAME.fullmatch(text) else clean_text(text)
        if kind == "hex":
            text = str(value).strip().lower()
            if not _HEX.fullmatch(text):
                raise ValueError(text[:12])
            return text
        if kind == "bool":
            if not isinstance(value, bool):
                raise ValueError(type(value).__name__)
            return value
        if kind == "int":
            if isinstance(value, bool):
                raise ValueError("bool")
            return int(str(value)) if isinstance(value, str) else int(value)  # type: ignore[call-overload]
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError) as exc:
        raise UsageError(f"{event_type} event: field {name!r} must be {kind}") from exc


def clean_data(event_type: str, data: dict[str, object]) -> dict[str, object]:
    """Validate `data` against the schema of `event_type` and sanitise every text field."""
    fields = SCHEMA.get(event_type)
    if fields is None:
        raise UsageError(f"unknown event type {event_type!r}; use one of {', '.join(EVENT_TYPES)}")
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise UsageError(
            f"{event_type} event: unknown field(s) {', '.join(unknown)}; "
            f"allowed: {', '.join(fields)}"
        )
    cleaned = {name: _coerce(event_type, name, fields[name], v) for name, v in data.items()}
    if event_type == "feature" and isinstance(cleaned.get("action"), str):
        action = str(cleaned["action"]).strip().lower()
        cleaned["action"] = FEATURE_ACTIONS.get(action, action)
    return {k: v for k, v in cleaned.items() if v is not None}


_salts: dict[str, str] = {}


def _os_identity() -> str:
    # getpass/platform cost milliseconds of imports on the hook path; the environment is enough.
    who = os.environ.get("USER") or os.environ.get("LOGNAME") or os.environ.get("USERNAME")
    if not who and hasattr(os, "getuid"):
        who = str(os.getuid())
    host = os.uname().nodename if hasattr(os, "uname") else os.environ.get("COMPUTERNAME", "")
    return f"{who or 'unknown'}@{host}"


def _user_hash(conn: Connection, key: str) -> str:
    """A salted hash of the OS user and host; the salt never leaves this machine's store."""
    salt = _salts.get(key)
    if salt is None:
        conn.execute(
            "INSERT OR IGNORE INTO meta (key, value) VALUES ('user_salt', ?)",
            (os.urandom(16).hex(),),
        )
        salt = str(conn.execute("SELECT value FROM meta WHERE key = 'user_salt'").fetchone()[0])
        _salts[key] = salt
    identity = f"{salt}:{_os_identity()}"
    return hashlib.sha256(identity.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def record_event(
    conn: Connection,
    event_type: str,
    data: dict[str, object],
    *,
    root: Path,
    git_hash: str | None = None,
    ts: float | None = None,
) -> int | None:
    """Store one event on `conn`; return its row id, or None when telemetry is off.

    `root` is any directory of the repository. Raises UsageError for data outside the schema
    and StoreError (one line, with the recovery) for store failures.
    """
    ctx = repo_context(root)
    if not telemetry_state(ctx.root).enabled:
        return None
    cleaned = clean_data(event_type, data)
    head = git_hash if git_hash is not None else read_head(ctx)[0]
    path = db_path()
    try:
        return _insert(
            conn, str(path), event_type, cleaned, ctx, head, ts if ts is not None else time.time()
        )
    except sqlite3.Error as exc:
        raise store_error(path, exc) from exc


def _insert(
    conn: Connection,
    key: str,
    event_type: str,
    data: dict[str, object],
    ctx: RepoContext,
    head: str | None,
    now: float,
) -> int:
    text = json.dumps(data, separators=(",", ":"), ensure_ascii=False)
    with transaction(conn):
        user = _user_hash(conn, key)
        cur = conn.execute(
            "INSERT INTO events (project_id, type, ts, git_hash, user_hash, data) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            (ctx.project_id, event_type, now, head, user, text),
        )
        conn.execute(
            "INSERT INTO projects (project_id, root, first_seen, last_seen) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (project_id) DO UPDATE SET "
            "last_seen = max(projects.last_seen, excluded.last_seen)",
            (ctx.project_id, str(ctx.root or ""), now, now),
        )
    return int(cur.lastrowid or 0)

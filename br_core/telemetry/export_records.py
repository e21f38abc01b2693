"""Store rows as OpenTelemetry attributes: the closed list of what may leave the machine.

Telemetry events become log records named `buildrunner.<type>`; every field of the event schema
maps to one attribute, a semantic-convention name where one exists (VCS, session, process, GenAI),
else `buildrunner.<type>.<field>`. Model usage (rows of `usage`) becomes GenAI attributes. Text is
masked again on the way out (rows recorded by older versions), and any absolute or home-relative
path becomes `[path]`. Never exported: the `projects` table (local work-tree paths), `usage`'s
project directory, Claude Code's raw session id (a 12-hex hash of it is sent), remote URLs, host
and user names. Stdlib only: `ATTRIBUTES` feeds the docs and the tests.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from typing import Any

from br_core.telemetry.events import SCHEMA, clean_text

Attr = str | bool | int | float

# (event type, field) -> semantic-convention attribute.
SEMCONV: dict[tuple[str, str], str] = {
    ("commit", "hash"): "vcs.ref.head.revision",
    ("commit", "branch"): "vcs.ref.head.name",
    ("push", "branch"): "vcs.ref.head.name",
    ("merge", "branch"): "vcs.ref.head.name",
    ("build", "exit_code"): "process.exit.code",
    ("session", "session"): "session.id",
    ("session", "tool_name"): "gen_ai.tool.name",
    ("session", "agent_type"): "gen_ai.agent.name",
}
# model_usage events duplicate rows of `usage` (record_usage writes both): usage is sent instead.
SKIPPED_EVENT_TYPES = ("model_usage",)
COMMON = {
    "buildrunner.project.id": "project id (16 hex, a hash; no path)",
    "user.hash": "salted hash of the OS user and host (16 hex)",
    "vcs.ref.head.revision": "the commit HEAD pointed to",
}
BRANCH_TYPE = "vcs.ref.head.type"
USAGE_EVENT = "gen_ai.client.inference.operation.details"
USAGE_ATTRIBUTES = {
    "gen_ai.operation.name": "`chat`",
    "gen_ai.provider.name": "`anthropic` for claude-* models, else `_OTHER`",
    "gen_ai.request.model": "the model id",
    "gen_ai.usage.input_tokens": "all input tokens, cache reads and writes included",
    "gen_ai.usage.output_tokens": "output tokens",
    "gen_ai.usage.cache_read.input_tokens": "input tokens read from the prompt cache",
    "gen_ai.usage.cache_creation.input_tokens": "input tokens written to the cache (5 m + 1 h)",
    "session.id": "12 hex of a hash of Claude Code's session id",
    "buildrunner.project.id": "project id (a hash; no path)",
    "buildrunner.usage.source": "`transcript` or `record`",
    "buildrunner.usage.subagent": "true for a subagent's request",
}
METRIC_ATTRIBUTES = (
    "gen_ai.operation.name",
    "gen_ai.provider.name",
    "gen_ai.request.model",
    "gen_ai.token.type",
    "buildrunner.project.id",
)

# An absolute POSIX path of two components or more (`/v1` alone is not one), `~/…`, or a
# Windows drive path.
_SEG = r"[^\s/\\:\"'`]"
_PATH = re.compile(
    rf"(?<![\w.:/\\-])(?:(?:~|[A-Za-z]:)[/\\]{_SEG}*(?:[/\\]{_SEG}*)*"
    rf"|[/\\](?:{_SEG}+[/\\])+{_SEG}*)"
)
_SESSION = re.compile(r"[0-9a-f]{12}")


def attribute_name(event_type: str, field: str) -> str:
    return SEMCONV.get((event_type, field), f"buildrunner.{event_type}.{field}")


def event_attributes() -> dict[str, list[str]]:
    """Every attribute an event log can carry, per event type (for the docs and the tests)."""
    return {
        t: sorted({*COMMON, *(attribute_name(t, f) for f in fields)}, key=str)
        + ([BRANCH_TYPE] if any(f == "branch" for f in fields) else [])
        for t, fields in SCHEMA.items()
        if t not in SKIPPED_EVENT_TYPES
    }


def scrub(text: str) -> str:
    """`text` as it may leave the machine: secrets masked, paths outside the project cut."""
    home = os.path.expanduser("~")
    if len(home) > 1:
        text = text.replace(home, "~")
    return _PATH.sub("[path]", clean_text(text))


def _value(kind: str, value: object) -> Attr | None:
    if value is None:
        return None
    if kind in ("text", "name"):
        return scrub(str(value))
    if kind == "hex":
        text = str(value)
        return text if re.fullmatch(r"[0-9a-f]{7,64}", text) else None
    if isinstance(value, bool | int | float):
        return value
    return None


def event_record_attributes(
    event_type: str, project_id: str, git_hash: str | None, user_hash: str | None, data: str
) -> dict[str, Attr]:
    """The attributes of one event row (its `data` column is the stored JSON)."""
    attrs: dict[str, Attr] = {"buildrunner.project.id": project_id}
    if user_hash:
        attrs["user.hash"] = user_hash
    head = _value("hex", git_hash)
    if head is not None:
        attrs["vcs.ref.head.revision"] = head
    try:
        fields: Any = json.loads(data)
    except ValueError:
        fields = {}
    kinds = SCHEMA.get(event_type, {})
    for name, raw in (fields if isinstance(fields, dict) else {}).items():
        if name not in kinds:
            continue  # the schema is closed: a field it does not name never leaves
        if event_type == "session" and name == "session" and not _SESSION.fullmatch(str(raw)):
            continue
        value = _value(kinds[name], raw)
        if value is not None:
            attrs[attribute_name(event_type, name)] = value
    if "vcs.ref.head.name" in attrs:
        attrs[BRANCH_TYPE] = "branch"
    return attrs


def provider_of(model: str) -> str:
    return "anthropic" if model.lower().startswith("claude") else "_OTHER"


def session_hash(session_id: str) -> str:
    """The same 12-hex hash the Claude Code hook stores for a session id."""
    return hashlib.sha256(session_id.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def usage_input_tokens(input_tokens: int, cache_read: int, cache_write: int) -> int:
    """GenAI conventions count cached input in input_tokens; Anthropic reports it apart."""
    return input_tokens + cache_read + cache_write

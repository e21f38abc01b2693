"""Typed records of the task queue: what callers pass in and what they get back.

Pydantic models are the only schema: the MCP server returns them as structured output and the CLI
prints them, so the shapes cannot drift apart.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from br_core.errors import UsageError

Status = Literal["pending", "ready", "claimed", "done", "failed", "blocked", "dead"]
STATUSES: tuple[Status, ...] = (
    "pending",
    "ready",
    "claimed",
    "done",
    "failed",
    "blocked",
    "dead",
)
MAX_LEASE_SECONDS = 7 * 86400.0
MAX_ESTIMATE_MINUTES = 1_000_000.0
SQLITE_INT_MAX = 2**63 - 1  # the largest INTEGER SQLite stores
# The columns a Task is read from (task_from_row), in order.
TASK_COLUMNS = (
    "id, feature, title, description, files, priority, estimate_min, status, stream, owner, "
    "lease_expires, attempts, max_attempts, token"
)
TASK_ID_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,79}$"
_SLUG_DROP = re.compile(r"[^a-z0-9]+")


def _compact_schema(schema: dict[str, Any]) -> None:
    # Tool schemas are read by the model on every turn: auto-generated titles only cost tokens.
    schema.pop("title", None)
    for prop in schema.get("properties", {}).values():
        prop.pop("title", None)


class Compact(BaseModel):
    """A model whose JSON schema carries no auto-generated titles."""

    model_config = ConfigDict(json_schema_extra=_compact_schema)


class QueueError(UsageError):
    """An expected queue failure (unknown task, stale token, cycle): one actionable line."""


class StaleTokenError(QueueError):
    """A heartbeat/done/fail carried a token that is no longer current."""


def finite_in_range(name: str, value: float, low: float, high: float, unit: str = "") -> float:
    """`value` if it is a finite number in [low, high]; else one line naming `name` (exit 2).

    NaN passes every `<` test and SQLite stores it as NULL, so range checks alone let it in.
    """
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise QueueError(f"{name} {value!r}: not a number; pass one from {low:g} to {high:g}{unit}")
    if not (math.isfinite(value) and low <= value <= high):
        raise QueueError(
            f"{name} {value!r}: must be a finite number from {low:g} to {high:g}{unit}"
        )
    return value


def int_in_range(name: str, value: int, low: int, high: int = SQLITE_INT_MAX) -> int:
    """`value` if it is a whole number in [low, high] (SQLite's INTEGER at most)."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise QueueError(f"{name} {value!r}: must be a whole number from {low} to {high}")
    return value


def check_lease(value: float) -> float:
    return finite_in_range("lease", value, 1, MAX_LEASE_SECONDS, " seconds (7 days)")


def slugify(text: str, limit: int = 40) -> str:
    """A lowercase, dash-separated id fragment; stable for the same text."""
    slug = _SLUG_DROP.sub("-", text.lower()).strip("-")
    return slug[:limit].rstrip("-") or "x"


class NewTask(Compact):
    """A task to add (or update in place when `id` already exists)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_compact_schema)

    id: str | None = Field(None, pattern=TASK_ID_PATTERN, description="stable id; omit to generate")
    title: str = Field(min_length=1, max_length=200, description="one line")
    description: str = Field("", max_length=4000, description="what done means")
    feature: str = Field("", max_length=120, description="feature it belongs to")
    files: list[str] = Field(default_factory=list, max_length=200, description="paths it touches")
    priority: int = Field(2, ge=0, le=9, description="0 is most urgent")
    estimate_minutes: float | None = Field(
        None, ge=0, le=MAX_ESTIMATE_MINUTES, allow_inf_nan=False, description="minutes"
    )
    stream: str = Field("", max_length=60, description="parallel stream, e.g. backend")
    depends_on: list[str] = Field(
        default_factory=list, max_length=200, description="task ids done first"
    )


class Task(Compact):
    """One task as stored."""

    id: str
    feature: str
    title: str
    description: str
    files: list[str]
    priority: int
    estimate_minutes: float | None
    status: Status
    stream: str
    owner: str | None
    lease_expires: float | None
    attempts: int
    max_attempts: int
    depends_on: list[str]


def task_from_row(row: Sequence[Any], deps: list[str]) -> Task:
    """A Task from the store's columns in `TASK_COLUMNS` order and its dependencies."""
    return Task(
        id=row[0],
        feature=row[1],
        title=row[2],
        description=row[3],
        files=json.loads(row[4]),
        priority=row[5],
        estimate_minutes=row[6],
        status=row[7],
        stream=row[8],
        owner=row[9],
        lease_expires=row[10],
        attempts=row[11],
        max_attempts=row[12],
        depends_on=deps,
    )


class TaskBrief(Compact):
    """The compact row that lists return."""

    id: str
    title: str
    status: Status
    priority: int
    feature: str
    owner: str | None


class Claim(Compact):
    """A claimed task with the fencing token every later update must carry."""

    task: Task
    token: int
    lease_expires: float


class TaskEvent(Compact):
    """One line of a task's append-only history."""

    ts: float
    kind: str
    owner: str | None
    token: int | None
    data: dict[str, object]


class FeatureIn(Compact):
    """A feature heading from a spec."""

    id: str
    title: str
    position: int = 0


class QueueSummary(Compact):
    """Counts by status, and per feature, for one project."""

    project_id: str
    total: int
    by_status: dict[str, int]
    features: dict[str, dict[str, int]]


class SyncReport(Compact):
    """What re-reading a spec changed in the queue."""

    added: list[str]
    updated: list[str]
    unchanged: int
    removed: list[str]
    kept: list[str] = Field(description="gone from the spec but already claimed or finished")
    marked_done: list[str]

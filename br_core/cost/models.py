"""Result types of cost tracking (pydantic: the MCP server's schema comes from these)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, Field

ReportKind = Literal["daily", "monthly", "session", "blocks"]


# Built once per row from br_core.cost.spend.Totals, which adds usage up: pydantic is slow
# to mutate.
# (A comment, not a docstring: a docstring would become the MCP schema's description.)
class TokenTotals(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0
    cache_write_5m_tokens: int = 0
    cache_write_1h_tokens: int = 0
    cache_read_tokens: int = 0
    total_tokens: int = 0
    cost_usd: float = 0.0
    unpriced_tokens: int = Field(
        default=0, description="tokens of models without a price (not in cost)"
    )
    requests: int = 0


class ModelBreakdown(TokenTotals):
    model: str
    priced: bool = True


class ReportRow(TokenTotals):
    key: str = Field(description="date (daily), YYYY-MM (monthly) or session id (session)")
    project_dir: str | None = None
    last_activity: datetime | None = None
    models: list[ModelBreakdown] = Field(default_factory=list)


class Block(TokenTotals):
    start: datetime
    end: datetime
    last_activity: datetime
    active: bool
    models: list[str]
    tokens_per_minute: float | None = None
    cost_per_hour: float | None = None
    projected_cost_usd: float | None = None
    projected_tokens: int | None = None
    remaining_minutes: int | None = None
    # When the budget (the costliest earlier block, as ccusage's "max") runs out at the current
    # burn rate, with its 80% interval (br_core/learning/runout.py); runout_note says why not.
    budget_usd: float | None = None
    runout_at: datetime | None = None
    runout_earliest: datetime | None = None
    runout_latest: datetime | None = None
    runout_note: str | None = None


class CostReport(BaseModel):
    kind: ReportKind
    scope: Literal["project", "all"]
    project_id: str | None
    since: date | None
    until: date | None
    timezone: str
    rows: list[ReportRow] = Field(default_factory=list)
    blocks: list[Block] = Field(default_factory=list)
    totals: TokenTotals
    unpriced_models: list[str] = Field(default_factory=list)
    price_version: str
    files_read: int = 0
    bytes_read: int = 0
    malformed_lines: int = Field(
        default=0, description="transcript lines skipped as malformed, all time"
    )


class CostEstimate(BaseModel):
    model: str
    resolved_model: str | None
    priced: bool
    input_tokens: int
    output_tokens: int
    cache_read_tokens: int
    cache_write_tokens: int
    cost_usd: float | None
    batch_cost_usd: float | None
    long_context: bool
    price_version: str
    note: str


class RecordedUsage(BaseModel):
    usage_id: int
    event_id: int | None
    model: str
    cost_usd: float | None
    priced: bool

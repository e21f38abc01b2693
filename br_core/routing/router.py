"""Model routing: which tier (haiku, sonnet, opus) a task should go to, and why.

Precedence: explicit override > per-project rule > the learner (br_core/routing/bandit.py, once
the project has an outcome) > heuristic complexity (cold start); then the quality floor
(`min_tier`) and the budgets. Every decision is stored with an id (`decision_id`) that its
outcome comes back by (br_core/routing/decisions.py). The answer says how to apply
it in Claude Code: an MCP server cannot switch the running session's model, so it names the
subagent (`br-haiku`, `br-sonnet`, `br-opus`) to delegate to, with the alias and model id.
"""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, Field

from br_core.config import (
    WEAKENS,
    LoadedConfig,
    TrustRule,
    read_config,
    section,
    withhold_untrusted,
)
from br_core.cost.pricing import PriceTable, TokenUsage, load_price_table, price_usage
from br_core.errors import ConfigError, UsageError
from br_core.git import project_id, project_root
from br_core.routing.bandit import OBJECTIVES, Choice, Objective, ObjectiveKind, choose
from br_core.routing.decisions import NewDecision, load_history, store_decision, task_features
from br_core.routing.signals import (
    COMPLEXITIES,
    TIERS,
    Assessment,
    Complexity,
    Tier,
    assess,
    consensus_triggers,
    deep_reasoning,
)
from br_core.store.connection import Connection
from br_core.store.db import transaction

DEFAULT_TIERS: dict[Complexity, Tier] = {
    "simple": "haiku", "moderate": "sonnet", "complex": "sonnet", "critical": "opus",
}  # fmt: skip
# Assumed tokens of one agentic task (input, output, cache reads) when nothing is measured.
ASSUMED_TOKENS: dict[Complexity, tuple[int, int, int]] = {
    "simple": (6_000, 1_500, 40_000),
    "moderate": (15_000, 5_000, 150_000),
    "complex": (30_000, 12_000, 400_000),
    "critical": (45_000, 20_000, 700_000),
}
_MAX_DURATION_MS = 7 * 24 * 3600 * 1000  # a week: longer is a unit mistake, not a task

FAILURES = ("rate_limit", "context_too_long", "timeout", "unavailable")


class FallbackStep(BaseModel):
    on: Literal["rate_limit", "context_too_long", "timeout", "unavailable"]
    action: str
    model: str
    retry_after_seconds: int | None = None


class RouteDecision(BaseModel):
    tier: Tier
    model: str = Field(description="exact model id")
    alias: str = Field(description="Claude Code model alias (/model or agent frontmatter)")
    subagent: str = Field(description="the Claude Code subagent to delegate to")
    complexity: Complexity
    task_kind: str
    source: Literal["heuristic", "ai", "rule", "learned", "override"]
    explanation: str
    reasons: list[str]
    estimated_cost_usd: float | None
    cost_interval_usd: list[float] | None = Field(
        default=None, description="[low, high]: 80% of tasks on this tier cost within it"
    )
    sonnet_cost_usd: float | None = Field(description="the same tokens on the Sonnet tier")
    cost_basis: str
    warnings: list[str] = Field(default_factory=list)
    consensus_required: bool = False
    consensus_reasons: list[str] = Field(default_factory=list)
    fallbacks: list[FallbackStep] = Field(default_factory=list)
    how_to_apply: str
    decision_id: str = Field(description="pass it to record_outcome when the task is done")
    p_success: float | None = Field(
        default=None, description="the learner's estimate that the tier resolves the task"
    )
    explored: bool = False


class OutcomeRecorded(BaseModel):
    outcome_id: int
    task_kind: str
    complexity: Complexity
    tier: Tier


@dataclass
class RoutingConfig:
    tiers: dict[Complexity, Tier]
    models: dict[Tier, str]
    rules: list[tuple[str, Tier]]
    min_tier: Tier
    daily_budget: float | None
    monthly_budget: float | None
    budget_action: Literal["downgrade", "warn"]
    ai: bool
    objective: Objective
    notices: list[str]
    learn: bool
    by_area: bool


def _tier(value: object, where: str) -> Tier:
    if value not in TIERS:
        raise ConfigError(f"{where}: {value!r} is not a tier; use haiku, sonnet or opus")
    return value


# A committed config may trade quality for cost beyond the default objective only once the
# user trusts it (`br config trust`): otherwise whoever last changed the repository decides how
# much worse the models working in it may be.
TRUST_RULES = (
    TrustRule("objective", WEAKENS, lambda values: values["objective"] != "floor"),
    TrustRule("baseline", WEAKENS, lambda values: values["baseline"] == "haiku"),
    TrustRule("margin", WEAKENS, lambda values: values["margin"] > Objective.margin),
)


def load_routing_config(root: Path) -> RoutingConfig:
    loaded = read_config(root)
    path = loaded.path
    cfg = section(loaded.data, "routing", path)
    where = f"{path}: [routing]"
    tiers = dict(DEFAULT_TIERS)
    for name, value in dict(cfg.get("tiers", {})).items():
        if name not in COMPLEXITIES:
            raise ConfigError(f"{where}.tiers: unknown complexity {name!r}; use {COMPLEXITIES}")
        tiers[name] = _tier(value, f"{where}.tiers.{name}")
    models: dict[Tier, str] = {t: t for t in TIERS}  # aliases resolve to the newest model
    for name, value in dict(cfg.get("models", {})).items():
        models[_tier(name, f"{where}.models")] = str(value)
    rules = []
    for i, rule in enumerate(cfg.get("rules", [])):
        if not isinstance(rule, dict) or "match" not in rule or "tier" not in rule:
            raise ConfigError(f"{where}.rules[{i}]: needs `match` (words) and `tier`; add both")
        rules.append((str(rule["match"]).lower(), _tier(rule["tier"], f"{where}.rules[{i}]")))
    try:
        daily, monthly = cfg.get("daily_budget_usd"), cfg.get("monthly_budget_usd")
        budgets = (float(daily) if daily is not None else None,
                   float(monthly) if monthly is not None else None)  # fmt: skip
    except (TypeError, ValueError) as exc:
        raise ConfigError(
            f"{where}: daily_budget_usd and monthly_budget_usd must be numbers"
        ) from exc
    action = cfg.get("budget_action", "downgrade")
    if action not in ("downgrade", "warn"):
        raise ConfigError(f'{where}: budget_action must be "downgrade" or "warn"')
    objective, notices = _trusted_objective(loaded, cfg, where)
    stale = [key for key in ("min_success_rate", "min_samples") if key in cfg]
    if stale:
        notices.append(f"{where}: {' and '.join(stale)} no longer apply (the learner's floor is "
                       "relative to a tier: objective, baseline, margin); remove them")  # fmt: skip
    return RoutingConfig(
        tiers, models, rules, _tier(cfg.get("min_tier", "haiku"), f"{where}.min_tier"),
        budgets[0], budgets[1], action, cfg.get("mode") == "ai", objective, notices,
        _flag(cfg, "learn", True, where), _flag(cfg, "learn_by_area", False, where),
    )  # fmt: skip


def _trusted_objective(
    loaded: LoadedConfig, cfg: dict[str, Any], where: str
) -> tuple[Objective, list[str]]:
    _objective(cfg, where)  # every value checked, trusted or not
    values: dict[str, Any] = {k: cfg[k] for k in ("objective", "baseline", "margin") if k in cfg}
    kept, notices = withhold_untrusted(loaded, "routing", values, TRUST_RULES)
    trimmed = {k: v for k, v in cfg.items() if k not in values or k in kept}
    return _objective(trimmed, where), notices


def _flag(cfg: dict[str, Any], key: str, default: bool, where: str) -> bool:
    value = cfg.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{where}.{key}: must be true or false")
    return value


def _number(cfg: dict[str, Any], key: str, default: float | None, low: float, high: float,
            where: str) -> float | None:  # fmt: skip
    value = cfg.get(key, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ConfigError(f"{where}.{key}: must be a number from {low:g} to {high:g}")
    return float(value)


def _objective(cfg: dict[str, Any], where: str) -> Objective:
    kind = cfg.get("objective", "floor")
    if kind not in OBJECTIVES:
        raise ConfigError(f"{where}.objective: {kind!r}; use floor, budget or tradeoff")
    budget = _number(cfg, "budget_usd", None, 0.0, 1000.0, where)
    if kind == "budget" and budget is None:
        raise ConfigError(f'{where}: objective = "budget" needs budget_usd (dollars per task)')
    checked: ObjectiveKind = kind
    return Objective(
        kind=checked,
        baseline=_tier(cfg.get("baseline", "sonnet"), f"{where}.baseline"),
        margin=_number(cfg, "margin", 0.01, 0.0, 0.5, where) or 0.0,
        budget_usd=budget,
        cost_weight=_number(cfg, "cost_weight", 0.5, 0.0, 100.0, where) or 0.0,
        explore=_number(cfg, "explore", 0.15, 0.0, 0.5, where) or 0.0,
    )


def _tokens_cost(table: PriceTable, model: str, tokens: tuple[int, int, int]) -> float | None:
    price = table.resolve(model)
    usage = TokenUsage(input=tokens[0], output=tokens[1], cache_read=tokens[2])
    return None if price is None else price_usage(price, usage, long_context=False)


class ModelRouter:
    """Routes tasks for one project; see the module docstring for the precedence."""

    def __init__(self, conn: Connection, root: Path) -> None:
        """`root` is the project's top directory (br_core.git.project_root)."""
        self.conn = conn
        self.root = root
        self.config = load_routing_config(root)
        self.table = load_price_table(root)
        self.project = project_id(root)

    def route(self, description: str, files: int = 0, lines: int = 0,
              override: str | None = None, *, area: str = "", task_id: str | None = None,
              session: str | None = None, rng: random.Random | None = None,
              ) -> RouteDecision:  # fmt: skip
        if not description.strip():
            raise UsageError("task description: empty; describe the task in a sentence")
        if files < 0 or lines < 0:
            raise UsageError("files and lines: must be >= 0")
        found = assess(description, files, lines)
        notes: list[str] = []
        source: str = "heuristic"
        if self.config.ai:
            from br_core.routing.ai import ai_assess

            ai_complexity, note = ai_assess(description, files, lines, self.root)
            notes.append(note)
            if ai_complexity is not None:
                found.complexity, source = ai_complexity, "ai"
        tier = self.config.tiers[found.complexity]
        deep = deep_reasoning(found)
        if deep is not None:
            tier = self.config.tiers["critical"]
            notes.append(f"{deep} goes to the critical tier ({tier})")
        area = " ".join(area.split())[:100]
        tier, source, choice = self._rules_and_learning(
            description, found, tier, source, notes, area, rng or random.Random()
        )
        warnings: list[str] = list(self.config.notices)
        if override is not None:
            tier, source = _tier(override.lower(), "override"), "override"
            if TIERS.index(tier) < TIERS.index(self.config.min_tier):
                warnings.append(f"override {tier} is below this project's min_tier")
        elif TIERS.index(tier) < TIERS.index(self.config.min_tier):
            notes.append(f"raised to the quality floor (min_tier = {self.config.min_tier})")
            tier = self.config.min_tier
        if override is None:
            tier = self._apply_budgets(tier, warnings, notes)
        decision = self._decision(found, tier, source, notes, warnings, files, choice)
        decision.decision_id = store_decision(self.conn, NewDecision(
            self.project, area, task_features(description, found.score), tier,
            choice.greedy if choice else tier, bool(choice and choice.explored), source,
            self.config.objective.kind if choice else "", choice.weight if choice else None,
            decision.p_success, decision.estimated_cost_usd, task_id, session,
        ))  # fmt: skip
        return decision

    def _rules_and_learning(self, description: str, found: Assessment, tier: Tier,
                            source: str, notes: list[str], area: str, rng: random.Random,
                            ) -> tuple[Tier, str, Choice | None]:  # fmt: skip
        text = description.lower()
        for index, (words, rule_tier) in enumerate(self.config.rules):
            if words in text:
                notes.append(f'project rule {index + 1} ("{words}" -> {rule_tier})')
                return rule_tier, "rule", None
        if not self.config.learn:
            return tier, source, None
        history = load_history(self.conn, self.project, self.config.by_area)
        if not history.tallies:
            notes.append("no outcomes recorded yet: keyword heuristic until the first one")
            return tier, source, None
        choice = choose(history, area if self.config.by_area else "", self.config.objective, rng)
        notes.append(choice.reason)
        return choice.tier, "learned", choice

    def _apply_budgets(self, tier: Tier, warnings: list[str], notes: list[str]) -> Tier:
        limits = [("daily", self.config.daily_budget), ("monthly", self.config.monthly_budget)]
        if all(limit is None for _, limit in limits):
            return tier
        from br_core.cost.spend import spend_usd, usage_scope

        today = date.today()
        for period, limit in limits:
            if limit is None:
                continue
            start = today if period == "daily" else today.replace(day=1)
            spent = spend_usd(usage_scope(self.conn, self.root, start, None, False, self.table))
            if spent < limit * 0.8:
                continue
            state = f"{period} spend ${spent:,.2f} of ${limit:,.2f}"
            floor = TIERS.index(self.config.min_tier)
            if (
                spent >= limit
                and self.config.budget_action == "downgrade"
                and TIERS.index(tier) > floor
            ):
                tier = TIERS[TIERS.index(tier) - 1]
                warnings.append(f"{state}: downgraded to {tier}")
            else:
                warnings.append(f"{state}" + (": over budget" if spent >= limit else ": 80%+ used"))
        return tier

    def _estimate(self, found: Assessment, tier: Tier) -> tuple[float | None, float | None, str]:
        from br_core.routing.learn import measured_cost

        measured = measured_cost(self.conn, self.project, found.kind, tier)
        tokens = ASSUMED_TOKENS[found.complexity]
        sonnet = _tokens_cost(self.table, self.config.models["sonnet"], tokens)
        if measured is not None:
            cost, n = measured
            return (
                cost,
                sonnet,
                f"measured: mean cost per successful {found.kind} task on {tier} ({n} outcomes)",
            )
        basis = (f"assumed {tokens[0]:,} input, {tokens[1]:,} output, {tokens[2]:,} cache-read "
                 f"tokens for a {found.complexity} task (no outcomes recorded yet)")  # fmt: skip
        return _tokens_cost(self.table, self.config.models[tier], tokens), sonnet, basis

    def _decision(self, found: Assessment, tier: Tier, source: str, notes: list[str],
                  warnings: list[str], files: int,
                  choice: Choice | None) -> RouteDecision:  # fmt: skip
        alias = self.config.models[tier]
        price = self.table.resolve(alias)
        model = price.model if price is not None else alias
        cost, sonnet, basis = self._estimate(found, tier)
        p_success = None
        if choice is not None:
            belief = choice.belief[tier]
            cost, p_success = belief.cost_usd, belief.mean
            sonnet = choice.belief["sonnet"].cost_usd
            basis = (f"learned: expected cost per task on {tier} from {belief.n_project} outcomes "
                     "here (shrunk towards the public dev set's mean)")  # fmt: skip
        interval, basis = self._cost_interval(tier, basis)
        triggers = consensus_triggers(found, files)
        reasons = found.reasons + notes
        subagent = f"br-{tier}"
        explanation = (f"{found.complexity} {found.kind} task -> {tier} ({source}): "
                       + "; ".join(reasons or ["no strong signals"]))  # fmt: skip
        return RouteDecision(
            tier=tier, model=model, alias=tier, subagent=subagent, complexity=found.complexity,
            task_kind=found.kind, source=source, explanation=explanation,  # type: ignore[arg-type]
            reasons=reasons, estimated_cost_usd=cost, cost_interval_usd=interval,
            sonnet_cost_usd=sonnet, cost_basis=basis,
            warnings=warnings, consensus_required=bool(triggers), consensus_reasons=triggers,
            fallbacks=fallback_chain(tier, self.config.models, self.table),
            how_to_apply=(f"Delegate to the {subagent} subagent (model: {tier}), or run "
                          f"`/model {model}` in Claude Code; then record_outcome with the "
                          "decision_id."),
            decision_id="", p_success=p_success, explored=bool(choice and choice.explored),
        )  # fmt: skip

    def _cost_interval(self, tier: Tier, basis: str) -> tuple[list[float] | None, str]:
        """The 80% interval of a task's cost on `tier` from this project's measured costs
        (br_core/learning), or the basis saying how many more are needed."""
        from br_core.learning.predict import task_cost

        predicted = task_cost(self.conn, self.project, tier)
        interval = predicted.interval()
        if interval is None:
            return None, f"{basis}; 80% interval after {predicted.needs} more measured costs"
        return [round(v, 4) for v in interval], (
            f"{basis}; 80% interval from {predicted.samples} measured costs on {tier} "
            "(split conformal, docs/LEARNING.md)"
        )


def fallback_chain(tier: Tier, models: dict[Tier, str], table: PriceTable) -> list[FallbackStep]:
    """What to do when the chosen model fails, per failure kind."""

    def model_of(t: Tier) -> str:
        price = table.resolve(models[t])
        return price.model if price is not None else models[t]

    up = TIERS[min(TIERS.index(tier) + 1, 2)]
    down = TIERS[max(TIERS.index(tier) - 1, 0)]

    def window(t: Tier) -> int:
        return (table.resolve(models[t]) or _NO_PRICE).context_window

    bigger = max(TIERS, key=lambda t: (window(t), t == tier))  # stay put when already largest
    context_action = ("switch to the largest-context model" if bigger != tier else
                      "already the largest context window: compact or split the task")  # fmt: skip
    return [
        FallbackStep(on="rate_limit", action="retry the same model after the server's "
                     "retry-after delay", model=model_of(tier), retry_after_seconds=30),
        FallbackStep(on="context_too_long", action=context_action, model=model_of(bigger)),
        FallbackStep(on="timeout", action="switch to a faster model", model=model_of(down)),
        FallbackStep(on="unavailable", action="use the next tier", model=model_of(
            up if up != tier else down)),
    ]  # fmt: skip


class _NoPrice:
    context_window = 0


_NO_PRICE: Any = _NoPrice()


def route_task(
    conn: Connection,
    root: Path,
    description: str,
    files: int = 0,
    lines: int = 0,
    override: str | None = None,
    *,
    area: str = "",
    task_id: str | None = None,
    session: str | None = None,
    rng: random.Random | None = None,
) -> RouteDecision:
    """Route one task for the project at `root` (any directory of it); the decision is stored
    and its id returned as `decision_id`."""
    return ModelRouter(conn, project_root(root)).route(
        description, files, lines, override, area=area, task_id=task_id, session=session, rng=rng
    )


def record_outcome(
    conn: Connection,
    root: Path,
    description: str,
    tier: str,
    success: bool,
    cost_usd: float | None = None,
    duration_ms: int | None = None,
    *,
    model: str | None = None,
    files: int = 0,
    lines: int = 0,
) -> OutcomeRecorded:
    """Record how a routed task went, for the project at `root` (any directory of it); later
    routes for the same kind of task learn from it."""
    checked = _tier(tier.lower(), "tier")
    if cost_usd is not None and not (math.isfinite(cost_usd) and cost_usd >= 0):
        raise UsageError(f"cost_usd {cost_usd!r}: must be a finite number >= 0")
    if duration_ms is not None and not 0 <= duration_ms <= _MAX_DURATION_MS:
        raise UsageError(f"duration_ms {duration_ms!r}: must be from 0 to {_MAX_DURATION_MS}")
    found = assess(description, files, lines)
    with transaction(conn):  # refused, not lost, if the store file was replaced meanwhile
        cur = conn.execute(
            "INSERT INTO route_outcomes (project_id, ts, task_kind, complexity, tier, model,"
            " success, cost_usd, duration_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (project_id(root), time.time(), found.kind, found.complexity, checked,
             model or checked, int(success), cost_usd, duration_ms),
        )  # fmt: skip
    return OutcomeRecorded(outcome_id=int(cur.lastrowid or 0), task_kind=found.kind,
                           complexity=found.complexity, tier=checked)  # fmt: skip

"""The learner: a cost-aware contextual bandit over the three tiers, from outcomes alone.

Each tier's chance of resolving a task is a Beta posterior; its cost per task a shrunk mean.
Both live at two levels: the project as a whole, and each *area* (the part of the code or the
upstream project a task is in, when the caller names one), an area's estimate shrunk towards the
project's with the weight of `AREA_WEIGHT` tasks. Only the routed tier's outcome is ever seen,
so what is learned is on-policy (the other tiers' results are never needed).

The objective turns success and cost into one utility, `p(resolved) - weight * cost_usd`:

- `floor`: as good as a baseline tier (within `margin` points) for less: the largest cost
  weight whose predicted success over the areas seen so far stays at or above the baseline's,
- `budget`: the smallest cost weight whose predicted cost per task fits `budget_usd`,
- `tradeoff`: a fixed weight (resolved tasks per dollar the user would give up).

The two weights either side of the constraint are mixed with the probability that meets it
exactly (a mix of Haiku and Opus can beat Sonnet on both counts, which no single tier does).
Thompson sampling draws each tier's success from its posterior for the decision; when that
changes the answer from the posterior means' answer, the decision is an exploration, taken only
while explorations stay under `explore` of the project's recent decisions. The floor is only as
good as the baseline's estimate: its uncertainty (one posterior sd) raises the floor; until
the baseline has `BASELINE_OUTCOMES` outcomes some explorations go to it. Plain Python:
`random.betavariate` is all the sampling needed, so nothing heavy is imported.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Literal

from br_core.routing.signals import TIERS, Tier

ObjectiveKind = Literal["floor", "budget", "tradeoff"]
OBJECTIVES: tuple[ObjectiveKind, ...] = ("floor", "budget", "tradeoff")

# Priors, worth PRIOR_WEIGHT tasks: what the three tiers resolved and cost on the public dev set
# (210 SWE-bench Verified issues, mini-SWE-agent; ../shared/routing/README.md). A project's own
# outcomes outweigh them after a handful of tasks.
PRIOR_SUCCESS: dict[Tier, float] = {"haiku": 0.686, "sonnet": 0.714, "opus": 0.786}
PRIOR_COST_USD: dict[Tier, float] = {"haiku": 0.32, "sonnet": 0.64, "opus": 0.74}
PRIOR_WEIGHT = 2.0
AREA_WEIGHT = 4.0
# Cost weights tried, in resolved tasks per dollar: 0 (success only) to 20 (cost only).
WEIGHTS: tuple[float, ...] = (0.0, *(0.02 * 1.2**i for i in range(39)))
Z90 = 1.645
# "As good as X" needs X measured: until the baseline has this many outcomes, a share of
# decisions (half the exploration cap) goes to it.
BASELINE_OUTCOMES = 30
# One posterior sd on the floor. Dev set, split halves, 20-30 random orders in-process (Sonnet
# 71.0-71.3% on the same halves): 0 sd 69.3% at 0.62x (before the cap in cost_weights); 0.5 sd
# 70.8% at 0.71x; 0.75 sd 70.2% at 0.75x; 1 sd 71.0% at 0.82x; 1.5 sd 72.9% at 0.90x. The target
# is Sonnet - 1 point at <= 0.85x: 1 sd keeps a point of slack on the harder half of it.
BASELINE_SAFETY = 1.0


@dataclass(frozen=True)
class Objective:
    kind: ObjectiveKind = "floor"
    baseline: Tier = "sonnet"
    margin: float = 0.01
    budget_usd: float | None = None
    cost_weight: float = 0.5
    explore: float = 0.15

    def describe(self) -> str:
        if self.kind == "floor":
            return f"as good as {self.baseline} (within {self.margin:.0%}) for less"
        if self.kind == "budget":
            return f"best success within ${self.budget_usd:.2f} per task"
        return f"resolved - {self.cost_weight:g} x cost_usd"


@dataclass
class Tally:
    """Outcomes of one tier in one area (or the whole project)."""

    n: int = 0
    resolved: int = 0
    priced: int = 0
    cost_usd: float = 0.0


@dataclass
class History:
    """What the learner knows: outcome tallies per (area, tier), decisions per area, and how
    many of the recent decisions explored."""

    tallies: dict[tuple[str, Tier], Tally] = field(default_factory=dict)
    areas: dict[str, int] = field(default_factory=dict)
    recent: int = 0
    recent_explored: int = 0

    def project(self, tier: Tier) -> Tally:
        total = Tally()
        for (_, t), got in self.tallies.items():
            if t == tier:
                total.n += got.n
                total.resolved += got.resolved
                total.priced += got.priced
                total.cost_usd += got.cost_usd
        return total


@dataclass(frozen=True)
class Belief:
    """One tier in one area: Beta(a, b) for resolving, expected cost per task."""

    tier: Tier
    a: float
    b: float
    cost_usd: float
    n: int  # the area's own outcomes
    n_project: int

    @property
    def mean(self) -> float:
        return self.a / (self.a + self.b)

    @property
    def sd(self) -> float:
        s = self.a + self.b
        return math.sqrt(self.a * self.b / (s * s * (s + 1)))

    def interval(self) -> tuple[float, float]:
        """90% credible interval (normal approximation of the Beta, clipped to [0, 1])."""
        return max(0.0, self.mean - Z90 * self.sd), min(1.0, self.mean + Z90 * self.sd)


def beliefs(history: History, area: str) -> dict[Tier, Belief]:
    out = {}
    for tier in TIERS:
        whole = history.project(tier)
        m = (PRIOR_WEIGHT * PRIOR_SUCCESS[tier] + whole.resolved) / (PRIOR_WEIGHT + whole.n)
        cost = (PRIOR_WEIGHT * PRIOR_COST_USD[tier] + whole.cost_usd) / (
            PRIOR_WEIGHT + whole.priced
        )
        own = history.tallies.get((area, tier), Tally()) if area else Tally()
        a = AREA_WEIGHT * m + own.resolved
        b = AREA_WEIGHT * (1 - m) + own.n - own.resolved
        if area:
            cost = (AREA_WEIGHT * cost + own.cost_usd) / (AREA_WEIGHT + own.priced)
        else:  # no area: the project's posterior itself
            a = (PRIOR_WEIGHT + whole.n) * m
            b = (PRIOR_WEIGHT + whole.n) * (1 - m)
        out[tier] = Belief(tier, a, b, cost, own.n, whole.n)
    return out


def best_tier(success: dict[Tier, float], cost: dict[Tier, float], weight: float) -> Tier:
    # ties go to the cheaper tier
    return max(TIERS, key=lambda t: (success[t] - weight * cost[t], -cost[t]))


Mix = list[tuple[int, dict[Tier, Belief]]]


def _areas(history: History, area: str) -> Mix:
    """Each area seen (the coming decision's counted once more) with its beliefs."""
    areas = dict(history.areas)
    areas[area] = areas.get(area, 0) + 1
    return [(n, beliefs(history, name)) for name, n in areas.items()]


def _predict(mix: Mix, weight: float) -> tuple[float, float]:
    """(success, cost per task) of the posterior-mean policy at `weight` over the areas seen."""
    total = sum(n for n, _ in mix)
    success = cost = 0.0
    for n, b in mix:
        tier = best_tier({t: b[t].mean for t in TIERS}, {t: b[t].cost_usd for t in TIERS}, weight)
        success += n * b[tier].mean
        cost += n * b[tier].cost_usd
    return success / total, cost / total


def _baseline(mix: Mix, tier: Tier) -> tuple[float, float]:
    """The baseline's predicted success and `BASELINE_SAFETY` posterior sds to add on the safe
    side: an estimate from few outcomes errs towards a stronger mix, not a weaker one."""
    total = sum(n for n, _ in mix)
    mean = sum(n * b[tier].mean for n, b in mix) / total
    return mean, BASELINE_SAFETY * sum(n * b[tier].sd for n, b in mix) / total


@dataclass(frozen=True)
class Weights:
    """The cost weight to use: `low` with probability 1 - `mix`, else `high`; and why."""

    low: float
    high: float
    mix: float
    why: str


def cost_weights(history: History, area: str, objective: Objective) -> Weights:
    if objective.kind == "tradeoff":
        w = objective.cost_weight
        return Weights(w, w, 0.0, f"cost weight {w:g} per $ (tradeoff)")
    mix = _areas(history, area)
    meets = [(w, *_predict(mix, w)) for w in WEIGHTS]
    if objective.kind == "floor":
        base, safety = _baseline(mix, objective.baseline)
        # never more than the best policy is predicted to give: when the baseline itself looks
        # best, "success only" would keep routing to it and the other tiers would go unmeasured
        best = max(m[1] for m in meets)
        target = min(base + safety, best) - objective.margin
        floor = (f"floor {target:.1%} ({objective.baseline} {base:.1%} + {safety:.1%} for its "
                 f"uncertainty - {objective.margin:.0%})")  # fmt: skip
        ok = [m for m in meets if m[1] >= target - 1e-12]
        if not ok:
            return Weights(0.0, 0.0, 0.0, f"no mix reaches the {floor}: success only")
        low = ok[-1]
        after = [m for m in meets if m[0] > low[0] and m[1] < target - 1e-12]
        if not after:
            return Weights(low[0], low[0], 0.0, f"{floor} met at weight {low[0]:.2f}")
        high = after[0]
        share = (low[1] - target) / (low[1] - high[1]) if low[1] > high[1] else 0.0
        return Weights(low[0], high[0], share, f"{floor}: predicted {low[1]:.1%} at "
                       f"${low[2]:.2f}/task, "
                       f"{high[1]:.1%} at ${high[2]:.2f}/task, mixed {share:.0%}")  # fmt: skip
    budget = objective.budget_usd if objective.budget_usd is not None else math.inf
    fits = [m for m in meets if m[2] <= budget + 1e-12]
    if not fits:
        w = WEIGHTS[-1]
        return Weights(w, w, 0.0, f"budget ${budget:.2f}/task: no tier fits; cheapest")
    high = fits[0]
    before = [m for m in meets if m[0] < high[0]]
    if not before or high[2] >= budget:
        return Weights(high[0], high[0], 0.0, f"budget ${budget:.2f}/task met at weight "
                       f"{high[0]:.2f}")  # fmt: skip
    low = before[-1]
    share = (low[2] - budget) / (low[2] - high[2]) if low[2] > high[2] else 1.0
    return Weights(low[0], high[0], share, f"budget ${budget:.2f}/task: predicted "
                   f"${low[2]:.2f} at {low[1]:.1%}, ${high[2]:.2f} at {high[1]:.1%}, "
                   f"mixed {share:.0%}")  # fmt: skip


@dataclass(frozen=True)
class Choice:
    tier: Tier
    greedy: Tier
    explored: bool
    weight: float
    belief: dict[Tier, Belief]
    reason: str


def choose(history: History, area: str, objective: Objective, rng: random.Random) -> Choice:
    """The tier for one task in `area`, with the sentence that explains it."""
    belief = beliefs(history, area)
    weights = cost_weights(history, area, objective)
    weight = weights.high if rng.random() < weights.mix else weights.low
    cost = {t: belief[t].cost_usd for t in TIERS}
    greedy = best_tier({t: belief[t].mean for t in TIERS}, cost, weight)
    drawn = {t: rng.betavariate(belief[t].a, belief[t].b) for t in TIERS}
    sampled = best_tier(drawn, cost, weight)
    share = history.recent_explored / history.recent if history.recent else 0.0
    measured = history.project(objective.baseline).n
    audit = (
        objective.kind == "floor"
        and share < objective.explore
        and measured < BASELINE_OUTCOMES
        and greedy != objective.baseline
        and rng.random() < objective.explore / 2
    )
    explored = audit or (sampled != greedy and share < objective.explore)
    tier = objective.baseline if audit else sampled if explored else greedy
    where = f"area {area!r}" if area else "this project"
    stats = ", ".join(f"{t} {belief[t].mean:.0%} ${belief[t].cost_usd:.2f}" for t in TIERS)
    if audit:
        why = (
            f"measuring the baseline {tier}: {measured} of the {BASELINE_OUTCOMES} outcomes "
            "the floor needs"
        )
    elif explored:
        why = (
            f"exploring {tier}: its sampled success {drawn[tier]:.0%} makes it best this "
            f"time ({share:.0%} of recent decisions explored, cap {objective.explore:.0%})"
        )
    else:
        why = f"{tier} maximises success - {weight:.2f} x cost"  # fmt: skip
    reason = f"learned ({objective.describe()}; {weights.why}): {why}; in {where}: {stats}"
    return Choice(tier, greedy, explored, weight, belief, reason)

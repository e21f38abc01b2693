"""One pricing rule everywhere: cost reports (daily, monthly, session, blocks), `br model stats`
and the routing budgets price the same usage to the same dollars, with or without a project's
price override. Expected figures are worked out by hand from the published rates."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from br_core.cost.model_stats import model_stats
from br_core.cost.models import ReportKind
from br_core.cost.report import cost_report
from br_core.cost.spend import Totals, spend_usd, usage_scope
from br_core.store.db import open_db
from tests.cost.test_transcripts import assistant, write_lines

SONNET = "claude-sonnet-4-5-20250929"
# (model, usage); USD/MTok from br_core/cost/prices.toml, worked out in the comments.
REQUESTS: list[tuple[str, dict[str, object]]] = [
    # 250K prompt > 200K: every token at Sonnet 4.5's long rates: 250K x $6 + 1K x $22.5
    (SONNET, {"input_tokens": 250_000, "output_tokens": 1_000}),
    # two 150K prompts: 300K together, but each request is short: 150K x $3 + 1K x $15, twice
    (SONNET, {"input_tokens": 150_000, "output_tokens": 1_000}),
    (SONNET, {"input_tokens": 150_000, "output_tokens": 1_000}),
    # fast mode: Opus 4.6 x6: (1K x $5 + 1K x $25) x 6
    ("claude-opus-4-6", {"input_tokens": 1_000, "output_tokens": 1_000, "speed": "fast"}),
    # 10K x $1 + 2K x $5
    ("claude-haiku-4-5", {"input_tokens": 10_000, "output_tokens": 2_000}),
    ("claude-mystery-9", {"input_tokens": 1_000, "output_tokens": 1_000}),  # unpriced
]
LONG, SHORT, FAST, HAIKU = 1.5225, 0.465, 0.18, 0.02
KINDS: tuple[ReportKind, ...] = ("daily", "monthly", "session", "blocks")


@pytest.fixture(autouse=True)
def transcripts(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, git_repo: Path) -> Iterator[Path]:
    target = tmp_path / "claude"
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(target))
    start = datetime.now(UTC) - timedelta(seconds=len(REQUESTS))
    lines = [
        assistant(f"m{i}", model, usage, cwd=str(git_repo),
                  ts=(start + timedelta(seconds=i)).isoformat().replace("+00:00", "Z"))
        for i, (model, usage) in enumerate(REQUESTS)
    ]  # fmt: skip
    write_lines(target / "projects" / "p" / "s.jsonl", lines)
    yield git_repo


@pytest.mark.parametrize(
    ("config", "sonnet_cost", "all_sonnet"),
    [
        # the same requests all on Sonnet 4.5, never fast: Opus's 1K x $3 + 1K x $15 and
        # Haiku's 10K x $3 + 2K x $15
        ("", LONG + 2 * SHORT, LONG + 2 * SHORT + 0.018 + 0.06),
        # Sonnet 4.5 input at $4: the short requests change (150K x $4 + 1K x $15); the long one
        # keeps its long rates, which the override does not name; the baseline follows too
        ('[pricing.models."claude-sonnet-4-5"]\ninput = 4.0\n', LONG + 2 * 0.615,
         LONG + 2 * 0.615 + 0.019 + 0.07),
    ],
    ids=["bundled prices", "project override"],
)  # fmt: skip
def test_every_figure_prices_usage_alike(
    git_repo: Path, config: str, sonnet_cost: float, all_sonnet: float
) -> None:
    if config:
        (git_repo / ".buildrunner").mkdir(exist_ok=True)
        (git_repo / ".buildrunner" / "config.toml").write_text(config, encoding="utf-8")
    total = sonnet_cost + FAST + HAIKU
    conn = open_db()
    for kind in KINDS:
        report = cost_report(conn, Path.cwd(), kind)
        assert report.totals.cost_usd == pytest.approx(total), kind
        assert report.totals.unpriced_tokens == 2_000, kind
        assert report.totals.requests == len(REQUESTS), kind
        assert report.unpriced_models == ["claude-mystery-9"], kind
    assert spend_usd(usage_scope(conn, git_repo, None, None, False)) == pytest.approx(total)
    stats = model_stats(conn, Path.cwd())
    assert stats.cost_usd == pytest.approx(total)
    tiers = {t.tier: t.cost_usd for t in stats.tiers}
    assert tiers == pytest.approx({"sonnet": sonnet_cost, "opus": FAST, "haiku": HAIKU,
                                   "unknown": 0.0})  # fmt: skip
    assert stats.baseline_model == "claude-sonnet-4-5"
    assert stats.all_sonnet_cost_usd == pytest.approx(all_sonnet)


def test_a_scope_in_another_project_sees_nothing(tmp_path: Path) -> None:
    # the project filter applies to spend too: another directory's usage is not this one's
    other = tmp_path / "elsewhere"
    other.mkdir()
    conn = open_db()
    cost_report(conn, Path.cwd(), "daily")  # ingests
    assert spend_usd(usage_scope(conn, other, None, None, False)) == 0.0
    assert spend_usd(usage_scope(conn, other, None, None, True)) == pytest.approx(
        LONG + 2 * SHORT + FAST + HAIKU
    )


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([], (0, 0.0, 0, 0)),
        ([((1, 2, 3, 4, 5), 0.5, 1)], (15, 0.5, 0, 1)),
        # an unpriced row adds its tokens to `unpriced`, not to the cost
        ([((1, 2, 3, 4, 5), 0.5, 1), ((10, 10, 0, 0, 0), None, 3)], (35, 0.5, 20, 4)),
    ],
)
def test_totals_accumulate_and_build_once(
    rows: list[tuple[tuple[int, int, int, int, int], float | None, int]],
    expected: tuple[int, float, int, int],
) -> None:
    from br_core.cost.models import ModelBreakdown
    from br_core.cost.pricing import TokenUsage

    acc = Totals()
    for tokens, cost, requests in rows:
        acc.add(TokenUsage(*tokens), cost, requests)
    built = acc.build(ModelBreakdown, model="m", priced=False)
    assert (built.total_tokens, built.cost_usd, built.unpriced_tokens, built.requests) == expected
    assert (built.model, built.priced) == ("m", False)
    assert built.input_tokens == sum(r[0][0] for r in rows)
    assert built.cache_write_1h_tokens == sum(r[0][3] for r in rows)

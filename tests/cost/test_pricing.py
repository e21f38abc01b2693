"""The price table: ids, aliases, cache and long-context rates, batch, overrides."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from br_core.cost.pricing import TokenUsage, bundled_table, load_litellm, load_price_table
from br_core.errors import ConfigError


@pytest.mark.parametrize(
    ("name", "canonical", "input_rate", "output_rate"),
    [
        ("claude-sonnet-4-5", "claude-sonnet-4-5", 3.0, 15.0),
        ("claude-sonnet-4-5-20250929", "claude-sonnet-4-5", 3.0, 15.0),
        ("claude-sonnet-4-5[1m]", "claude-sonnet-4-5", 3.0, 15.0),
        ("anthropic.claude-3-5-haiku-20241022-v1:0", "claude-3-5-haiku", 0.8, 4.0),
        ("claude-3-haiku-20240307", "claude-3-haiku", 0.25, 1.25),
        ("claude-haiku-4-5-20251001", "claude-haiku-4-5", 1.0, 5.0),
        ("claude-3-7-sonnet-20250219", "claude-3-7-sonnet", 3.0, 15.0),
        ("claude-sonnet-4-20250514", "claude-sonnet-4-0", 3.0, 15.0),
        ("claude-sonnet-4-6", "claude-sonnet-4-6", 3.0, 15.0),
        ("claude-opus-4-20250514", "claude-opus-4-0", 15.0, 75.0),
        ("claude-opus-4-1-20250805", "claude-opus-4-1", 15.0, 75.0),
        ("claude-opus-4-5-20251101", "claude-opus-4-5", 5.0, 25.0),
        ("claude-opus-4-6", "claude-opus-4-6", 5.0, 25.0),
        ("sonnet", "claude-sonnet-5-5", 2.0, 10.0),
        ("Haiku", "claude-haiku-5-5", 0.1, 0.5),
        ("opus", "claude-opus-5-5", 4.0, 20.0),
    ],
)
def test_resolves_ids_and_aliases(
    name: str, canonical: str, input_rate: float, output_rate: float
) -> None:
    price = bundled_table().resolve(name)
    assert price is not None
    assert (price.model, price.input, price.output) == (canonical, input_rate, output_rate)


@pytest.mark.parametrize("name", ["gpt-4o", "claude-mystery-9", "", "sonnet-ish", "claude-opus"])
def test_unknown_models_are_unpriced_not_free(name: str) -> None:
    table = bundled_table()
    assert table.resolve(name) is None
    assert table.cost(name, TokenUsage(input=1000, output=1000)) is None


@pytest.mark.parametrize(
    ("model", "usage", "expected"),
    [
        # 1000*3 + 1000*15 = 18000 -> $0.018
        ("claude-sonnet-4-5", TokenUsage(input=1000, output=1000), 0.018),
        # cache: 50K 5m writes at 3.75 + 50K 1h writes at 6 + 50K reads at 0.30 (per MTok)
        ("claude-sonnet-4-5", TokenUsage(cache_write_5m=50_000, cache_write_1h=50_000,
                                          cache_read=50_000), (3.75 + 6.0 + 0.3) / 20),
        # the same 3M prompt tokens are past 200K: long rates 7.5 / 12 / 0.6
        ("claude-sonnet-4-5", TokenUsage(cache_write_5m=10**6, cache_write_1h=10**6,
                                          cache_read=10**6), 7.5 + 12.0 + 0.6),
        # over 200K prompt tokens: every token at long rates (6 in, 22.5 out)
        ("claude-sonnet-4-5", TokenUsage(input=250_000, output=1000), 1.5 + 0.0225),
        # exactly at the threshold: normal rates
        ("claude-sonnet-4-5", TokenUsage(input=200_000), 0.6),
        # cache reads count toward the threshold: 150K read + 60K input > 200K
        ("claude-sonnet-4-5", TokenUsage(input=60_000, cache_read=150_000), 0.36 + 0.09),
        # Haiku 5.5's threshold is 100K
        ("claude-haiku-5-5", TokenUsage(input=100_001, output=10), (100_001 * 0.5 + 25) / 1e6),
        ("claude-opus-4-6", TokenUsage(input=250_000), 1.25),  # no long-context premium
    ],
)  # fmt: skip
def test_cost(model: str, usage: TokenUsage, expected: float) -> None:
    assert bundled_table().cost(model, usage) == pytest.approx(expected)


def test_batch_halves_and_fast_multiplies() -> None:
    table = bundled_table()
    usage = TokenUsage(input=1000, output=1000)
    assert table.cost("claude-opus-4-6", usage, batch=True) == pytest.approx(0.015)
    assert table.cost("claude-opus-4-6", usage, fast=True) == pytest.approx(0.18)
    assert table.cost("claude-sonnet-4-5", usage, fast=True) == pytest.approx(0.018)


def test_every_bundled_model_follows_the_cache_multipliers() -> None:
    for price in bundled_table().models.values():
        if price.input == 0 or price.model in ("claude-3-haiku", "claude-opus-5-5"):
            continue  # Haiku 3's and Opus 5.5's published cache prices are not multiples
        assert price.cache_write_5m == pytest.approx(price.input * 1.25), price.model
        assert price.cache_write_1h == pytest.approx(price.input * 2.0), price.model


def _config(root: Path, text: str) -> None:
    (root / ".buildrunner").mkdir(exist_ok=True)
    (root / ".buildrunner" / "config.toml").write_text(text, encoding="utf-8")


def test_config_override_and_new_model(tmp_path: Path) -> None:
    _config(
        tmp_path,
        '[pricing.models."claude-sonnet-4-5-20250929"]\ninput = 2.0\n'
        '[pricing.models."my-proxy-model"]\ninput = 1.0\noutput = 2.0\n',
    )
    table = load_price_table(tmp_path)
    sonnet = table.resolve("claude-sonnet-4-5")
    assert sonnet is not None and (sonnet.input, sonnet.output) == (2.0, 15.0)
    assert sonnet.source == "config" and sonnet.long_rates is not None
    proxy = table.resolve("my-proxy-model")
    assert proxy is not None and proxy.cache_read == pytest.approx(0.1)
    assert bundled_table().resolve("claude-sonnet-4-5").input == 3.0  # type: ignore[union-attr]


def test_litellm_file_override(tmp_path: Path) -> None:
    entries = {
        "claude-sonnet-4-5": {"input_cost_per_token": 4e-6, "output_cost_per_token": 2e-5,
                              "cache_creation_input_token_cost": 5e-6,
                              "cache_read_input_token_cost": 4e-7, "max_input_tokens": 200000},
        "gpt-4o": {"input_cost_per_token": 1e-6, "output_cost_per_token": 1e-6},
        "sample_spec": "not a model",
    }  # fmt: skip
    (tmp_path / "prices.json").write_text(json.dumps(entries), encoding="utf-8")
    assert set(load_litellm(tmp_path / "prices.json")) == {"claude-sonnet-4-5"}
    _config(tmp_path, '[pricing]\nlitellm_file = "prices.json"\n')
    price = load_price_table(tmp_path).resolve("claude-sonnet-4-5-20250929")
    assert price is not None
    assert (price.input, price.output, price.cache_write_5m) == pytest.approx((4.0, 20.0, 5.0))
    assert price.cache_write_1h == pytest.approx(6.0)  # not in the file: kept from ours


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ('[pricing]\nlitellm_file = "missing.json"\n', "price file not found"),
        ('[pricing]\nlitellm_file = "bad.json"\n', "not a readable LiteLLM price JSON"),
        ('[pricing.models."x"]\ninput = "cheap"\noutput = 1\n', "numeric"),
        ('[pricing.models."x"]\noutput = 1\n', "numeric"),
        ("[pricing]\nmodels = 3\n", "must be a table"),
        ("pricing = 1\n", "must be a table"),
        ("[pricing\n", "invalid TOML"),
    ],
)
def test_bad_overrides_are_one_line_config_errors(
    tmp_path: Path, config: str, message: str
) -> None:
    (tmp_path / "bad.json").write_text("{not json", encoding="utf-8")
    _config(tmp_path, config)
    with pytest.raises(ConfigError) as info:
        load_price_table(tmp_path)
    assert message in str(info.value) and "\n" not in str(info.value)

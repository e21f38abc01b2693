"""Claude price table: bundled (br_core/cost/prices.toml), overridable per project.

Prices are USD per million tokens. A model we cannot resolve is *unpriced*: callers report it
as such and never count it as $0. Overrides, strongest last: the bundled table, a LiteLLM-format
JSON file named by `[pricing] litellm_file`, then `[pricing.models."<id>"]` tables in
`.buildrunner/config.toml`.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

from br_core.config import config_path, load_config, section
from br_core.errors import ConfigError

BUNDLED = Path(__file__).with_name("prices.toml")
MTOK = 1_000_000
RATE_FIELDS = ("input", "output", "cache_write_5m", "cache_write_1h", "cache_read")
# LiteLLM keys are per token; ours per million tokens.
_LITELLM_KEYS = {
    "input_cost_per_token": "input",
    "output_cost_per_token": "output",
    "cache_creation_input_token_cost": "cache_write_5m",
    "cache_creation_input_token_cost_above_1hr": "cache_write_1h",
    "cache_read_input_token_cost": "cache_read",
    "input_cost_per_token_above_200k_tokens": "long_input",
    "output_cost_per_token_above_200k_tokens": "long_output",
    "cache_creation_input_token_cost_above_200k_tokens": "long_cache_write_5m",
    "cache_read_input_token_cost_above_200k_tokens": "long_cache_read",
}
_PREFIXES = ("anthropic/", "anthropic.", "us.anthropic.", "eu.anthropic.", "bedrock/", "vertex_ai/")
_DATE_SUFFIX = re.compile(r"[-@]\d{8}$")
_VERSION_SUFFIX = re.compile(r"-v\d+(?::\d+)?$")


@dataclass(frozen=True)
class TokenUsage:
    """Tokens of one request (or a sum of requests priced alike)."""

    input: int = 0
    output: int = 0
    cache_write_5m: int = 0
    cache_write_1h: int = 0
    cache_read: int = 0

    @property
    def prompt(self) -> int:
        """Tokens the long-context threshold is measured on (input + cache writes + reads)."""
        return self.input + self.cache_write_5m + self.cache_write_1h + self.cache_read

    @property
    def total(self) -> int:
        return self.prompt + self.output


@dataclass(frozen=True)
class ModelPrice:
    model: str
    tier: str
    input: float
    output: float
    cache_write_5m: float
    cache_write_1h: float
    cache_read: float
    context_window: int = 200_000
    long_context_threshold: int | None = None
    long_rates: tuple[float, float, float, float, float] | None = None
    fast_multiplier: float = 1.0
    source: str = "bundled"

    def rates(self, long_context: bool = False) -> tuple[float, float, float, float, float]:
        if long_context and self.long_rates is not None:
            return self.long_rates
        return (self.input, self.output, self.cache_write_5m, self.cache_write_1h, self.cache_read)

    def is_long(self, usage: TokenUsage) -> bool:
        """Anthropic's rule: past the threshold, EVERY token of the request pays long rates."""
        limit = self.long_context_threshold
        return self.long_rates is not None and limit is not None and usage.prompt > limit


@dataclass
class PriceTable:
    version: str
    batch_discount: float
    models: dict[str, ModelPrice]
    aliases: dict[str, str] = field(default_factory=dict)
    sources: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)  # read, or looked for, to build the table
    _cache: dict[str, ModelPrice | None] = field(default_factory=dict, repr=False)

    def resolve(self, model: str) -> ModelPrice | None:
        """The price of `model` (an id, a dated id, an alias or a provider id); None if unknown."""
        if model in self._cache:
            return self._cache[model]
        found = None
        for candidate in _candidates(model):
            target = candidate if candidate in self.models else self.aliases.get(candidate)
            if target is not None and target in self.models:
                found = self.models[target]
                break
        self._cache[model] = found
        return found

    def cost(
        self,
        model: str,
        usage: TokenUsage,
        *,
        batch: bool = False,
        fast: bool = False,
        long_context: bool | None = None,
    ) -> float | None:
        """USD for `usage` on `model`, or None when the model is unpriced."""
        price = self.resolve(model)
        if price is None:
            return None
        return price_usage(price, usage, self.batch_discount if batch else 0.0, fast, long_context)


def _candidates(model: str) -> list[str]:
    name = model.strip().lower()
    out = [name]
    for prefix in _PREFIXES:
        if name.startswith(prefix):
            name = name[len(prefix) :]
            out.append(name)
    for suffix in ("[1m]", "-fast"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
            out.append(name)
    stripped = _VERSION_SUFFIX.sub("", name)
    stripped = _DATE_SUFFIX.sub("", stripped)
    if stripped != name:
        out.append(stripped)
    if re.fullmatch(r"claude-(opus|sonnet|haiku)-\d+", stripped):  # claude-opus-4 == 4-0
        out.append(stripped + "-0")
    return out


def price_usage(
    price: ModelPrice,
    usage: TokenUsage,
    discount: float = 0.0,
    fast: bool = False,
    long_context: bool | None = None,
) -> float:
    """USD for `usage`. `long_context` None: decide from this usage (one request)."""
    long_ctx = price.is_long(usage) if long_context is None else long_context
    r_in, r_out, r_w5, r_w1, r_read = price.rates(long_ctx)
    io = usage.input * r_in + usage.output * r_out
    cache = usage.cache_write_5m * r_w5 + usage.cache_write_1h * r_w1 + usage.cache_read * r_read
    # Batch halves input and output; Anthropic applies the same discount to cache pricing.
    total = (io + cache) * (1.0 - discount)
    if fast:
        total *= price.fast_multiplier
    return total / MTOK


def _model_from_table(
    model: str, data: dict[str, Any], defaults: dict[str, Any], where: str
) -> ModelPrice:
    merged = {**defaults, **data}
    try:
        base = {name: float(merged[name]) for name in ("input", "output")}
    except (KeyError, TypeError, ValueError) as exc:
        raise ConfigError(
            f"{where}: model {model!r} needs numeric `input` and `output` prices; add them"
        ) from exc
    rates = {
        name: float(merged.get(name, _default_rate(name, base["input"]))) for name in RATE_FIELDS
    }
    long_rates: tuple[float, float, float, float, float] | None = None
    if "long_input" in merged:
        long_in = float(merged["long_input"])
        long_rates = (
            long_in,
            float(merged.get("long_output", rates["output"])),
            float(merged.get("long_cache_write_5m", long_in * 1.25)),
            float(merged.get("long_cache_write_1h", long_in * 2.0)),
            float(merged.get("long_cache_read", long_in * 0.1)),
        )
    threshold = merged.get("long_context_threshold")
    return ModelPrice(
        model=model,
        tier=str(merged.get("tier", _guess_tier(model))),
        **rates,
        context_window=int(merged.get("context_window", 200_000)),
        long_context_threshold=int(threshold) if threshold is not None else None,
        long_rates=long_rates,
        fast_multiplier=float(merged.get("fast_multiplier", 1.0)),
        source=str(merged.get("source", "bundled")),
    )


def _default_rate(name: str, base_input: float) -> float:
    return {"input": base_input, "cache_write_5m": base_input * 1.25}.get(
        name, base_input * 2.0 if name == "cache_write_1h" else base_input * 0.1
    )


def _guess_tier(model: str) -> str:
    for tier in ("haiku", "sonnet", "opus", "fable"):
        if tier in model:
            return tier
    return "unknown"


@lru_cache(maxsize=1)
def _bundled_raw() -> dict[str, Any]:
    return tomllib.loads(BUNDLED.read_text(encoding="utf-8"))


def bundled_table() -> PriceTable:
    raw = _bundled_raw()
    threshold = int(raw.get("long_context_threshold", 200_000))
    table = PriceTable(
        version=str(raw["version"]),
        batch_discount=float(raw.get("batch_discount", 0.5)),
        models={},
        sources=[f"bundled {raw['version']}"],
        files=[str(BUNDLED)],
    )
    for model, data in raw["models"].items():
        defaults = {"long_context_threshold": threshold} if "long_input" in data else {}
        _add(table, _model_from_table(model, data, defaults, str(BUNDLED)), data.get("aliases", []))
    return table


def _add(table: PriceTable, price: ModelPrice, aliases: list[str]) -> None:
    table.models[price.model] = price
    for alias in aliases:
        table.aliases[str(alias).lower()] = price.model


def load_litellm(path: Path) -> dict[str, dict[str, Any]]:
    """Claude entries of a LiteLLM `model_prices_and_context_window.json`, in our units."""
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{path}: price file not found; fix [pricing] litellm_file") from exc
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(
            f"{path}: not a readable LiteLLM price JSON ({exc}); "
            "fix it or remove [pricing] litellm_file"
        ) from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a JSON object of models; use LiteLLM's format")
    found: dict[str, dict[str, Any]] = {}
    for name, entry in raw.items():
        if not isinstance(entry, dict) or "claude" not in name.lower():
            continue
        ours: dict[str, Any] = {
            mine: float(entry[theirs]) * MTOK
            for theirs, mine in _LITELLM_KEYS.items()
            if isinstance(entry.get(theirs), int | float)
        }
        if "input" in ours and "output" in ours:
            if "max_input_tokens" in entry:
                ours["context_window"] = int(entry["max_input_tokens"])
            ours["source"] = f"litellm:{path.name}"
            found[name.lower()] = ours
    return found


def load_price_table(root: Path | None = None) -> PriceTable:
    """The bundled table with this project's overrides applied."""
    table = bundled_table()
    if root is None:
        return table
    cfg = section(load_config(root), "pricing", config_path(root))
    table.files.append(str(config_path(root)))
    litellm_file = cfg.get("litellm_file")
    if litellm_file is not None:
        path = (root / str(litellm_file)).expanduser()
        table.files.append(str(path))
        for model, data in load_litellm(path).items():
            _override(table, model, data, str(path))
        table.sources.append(f"litellm {path}")
    models = cfg.get("models", {})
    if not isinstance(models, dict):
        raise ConfigError(f"{config_path(root)}: [pricing.models] must be a table of models")
    for model, data in models.items():
        if not isinstance(data, dict):
            raise ConfigError(
                f'{config_path(root)}: [pricing.models."{model}"] must be a table of prices'
            )
        _override(table, model.lower(), {**data, "source": "config"}, str(config_path(root)))
    if models:
        table.sources.append(f"config {config_path(root)}")
    return table


def _override(table: PriceTable, model: str, data: dict[str, Any], where: str) -> None:
    existing = table.resolve(model)
    if existing is not None and existing.model != model and model not in table.models:
        model = existing.model  # a dated or provider id overrides its canonical model
    defaults: dict[str, Any] = {}
    if existing is not None:
        defaults = {name: getattr(existing, name) for name in RATE_FIELDS}
        defaults |= {"tier": existing.tier, "context_window": existing.context_window}
        if existing.long_context_threshold is not None:
            defaults["long_context_threshold"] = existing.long_context_threshold
    price = _model_from_table(model, data, defaults, where)
    if existing is not None and price.long_rates is None:  # keep ours unless given
        price = replace(price, long_rates=existing.long_rates)
    table.models[model] = price
    table._cache.clear()

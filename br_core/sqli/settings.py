"""`[sqli]` in .buildrunner/config.toml: the confidence floor of SQL-injection findings.

`min_confidence = "medium"` (the default) reports both kinds of finding; `"high"` keeps only those
traced to a known source (the web request, input(), the environment, files, the network) and
drops the ones built from values the file cannot prove constant. Raising the floor weakens the
check, so it applies only from a trusted config (br_core/config.py, `br config trust`).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from br_core.errors import ConfigError
from br_core.scan.finding import CONFIDENCES, HIGH, MEDIUM

if TYPE_CHECKING:
    from br_core.config import TrustRule

# br_core.config.CONFIG_DIR / CONFIG_FILE, spelled here so a repository without a config does
# not import the TOML parser and the trust store on the hook's start-up path.
CONFIG_PARTS = (".buildrunner", "config.toml")


def trust_rules() -> tuple[TrustRule, ...]:
    from br_core.config import WEAKENS, TrustRule

    return (TrustRule("min_confidence", WEAKENS, lambda v: v["min_confidence"] != MEDIUM),)


@dataclass(frozen=True)
class SqliSettings:
    min_confidence: str = MEDIUM
    notices: tuple[str, ...] = ()  # one line each for stderr: a setting ignored until trusted
    path: Path | None = None  # the config file, to name in the "hidden by the floor" notice

    def shows(self, confidence: str) -> bool:
        """Whether a finding of `confidence` is at or above the floor."""
        rank = CONFIDENCES.index(confidence) if confidence in CONFIDENCES else len(CONFIDENCES)
        return rank >= CONFIDENCES.index(self.min_confidence)

    @classmethod
    def load(cls, root: Path) -> SqliSettings:
        if not root.joinpath(*CONFIG_PARTS).exists():
            return cls()
        from br_core.config import read_config, section, withhold_untrusted

        loaded = read_config(root)
        raw = section(loaded.data, "sqli", loaded.path)
        floor = raw.get("min_confidence", MEDIUM)
        if floor not in CONFIDENCES:
            raise ConfigError(
                f'{loaded.path}: [sqli] min_confidence must be "{MEDIUM}" or "{HIGH}", '
                f"not {floor!r}; fix or delete the key"
            )
        values, notices = withhold_untrusted(
            loaded, "sqli", {"min_confidence": floor}, trust_rules()
        )
        return cls(values.get("min_confidence", MEDIUM), tuple(notices), loaded.path)

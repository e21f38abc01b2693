"""`.buildrunner/secrets-baseline.json`: accepted legacy secrets, stored as hashes only.

An entry is the SHA-256 of the secret value plus the rule id and the file it was found in, and
no line number: edits around a legacy secret never churn the baseline, and the file reveals no
secret. A finding is accepted only when its file, rule and hash all match an entry: the same
secret copied into another file still blocks. Every baseline we ever wrote holds all three, so
existing files read unchanged; an entry missing one is refused with the command that rewrites it.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from br_core.errors import ConfigError

BASELINE_FILE = ".buildrunner/secrets-baseline.json"
FORMAT_VERSION = 1


class Hashed(Protocol):
    """What the baseline needs from a finding."""

    @property
    def rule_id(self) -> str: ...
    @property
    def path(self) -> str: ...
    @property
    def secret_hash(self) -> str: ...


Entry = tuple[str, str, str]  # (path, rule id, SHA-256 of the value)


@dataclass(frozen=True)
class Baseline:
    entries: frozenset[Entry] = frozenset()

    def accepts(self, path: str, rule_id: str, digest: str) -> bool:
        """True when the secret `digest`, found by `rule_id` in `path`, was accepted there."""
        return (path, rule_id, digest) in self.entries

    def __len__(self) -> int:
        return len(self.entries)


def baseline_path(root: Path) -> Path:
    return root / BASELINE_FILE


def load_baseline(root: Path, path: Path | None = None) -> Baseline:
    """The baseline of the repository at `root`; empty when there is none."""
    where = path or baseline_path(root)
    try:
        raw = where.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Baseline()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(
            f"{where}: cannot read ({exc}); regenerate it with `br security baseline`"
        ) from exc
    try:
        data = json.loads(raw)
        raw_entries = [
            (entry.get("path"), entry.get("rule"), entry["hash"]) for entry in data["secrets"]
        ]
    except (ValueError, KeyError, TypeError, AttributeError, RecursionError) as exc:
        # RecursionError: json recurses once per nested array, and the file is committed input
        raise ConfigError(
            f"{where}: not a BuildRunner secrets baseline ({type(exc).__name__}); "
            "regenerate it with `br security baseline`"
        ) from exc
    hashes = [str(h).lower() for *_, h in raw_entries]
    if not all(len(h) == 64 and all(c in "0123456789abcdef" for c in h) for h in hashes):
        raise ConfigError(
            f"{where}: entries must hold 64-hex SHA-256 hashes; regenerate it with "
            "`br security baseline`"
        )
    if not all(isinstance(p, str) and isinstance(r, str) for p, r, _ in raw_entries):
        raise ConfigError(
            f"{where}: every entry needs its path and rule (a secret is accepted only in its own "
            "file); regenerate it with `br security baseline`"
        )
    entries = frozenset(
        (str(p), str(r), h) for (p, r, _), h in zip(raw_entries, hashes, strict=True)
    )
    return Baseline(entries)


def write_baseline(root: Path, findings: Iterable[Hashed], path: Path | None = None) -> Path:
    """Write the baseline for `findings` (sorted, one entry per distinct secret and file)."""
    where = path or baseline_path(root)
    entries = sorted(
        {(f.path, f.rule_id, f.secret_hash) for f in findings},
    )
    document = {
        "version": FORMAT_VERSION,
        "tool": "br-secrets",
        "note": "SHA-256 hashes of accepted legacy secrets; no values, no line numbers.",
        "secrets": [{"path": p, "rule": r, "hash": h} for p, r, h in entries],
    }
    where.parent.mkdir(parents=True, exist_ok=True)
    tmp = where.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    tmp.replace(where)  # atomic: a crash never leaves a half-written baseline
    return where

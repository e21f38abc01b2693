"""Secrets in shapes blind24 showed unread (issue 17 item 9): a key's name spelled as words in
a document (`Datadog API key: …`). Each shape has look-alikes that must stay unflagged.
Secret-shaped values are built at run time from a seeded RNG; no complete one is in the
repository."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from br_core.secrets.masking import mask_value
from tests.data.secrets_corpus import rand
from tests.secrets.scanning import findings_by_rule as _findings

R = random.Random(2409)
HEX = rand(R, "hex", 32)
TOKEN = rand(R, "alnum", 40)

FOUND = [
    # A key named in a sentence by two words, as code names it in one (`api_key`).
    ("docs/ops/runbook.md", f"Datadog API key for the on-call dashboard: `{HEX}`\n", HEX),
    ("docs/ops/runbook.md", f"The Datadog API key: {HEX}\n", HEX),
    ("docs/ops/runbook.md", f"The signing key is `{TOKEN}`.\n", TOKEN),
    ("notes.txt", f"Access key for the staging bucket is {TOKEN}\n", TOKEN),
]

NOT_FOUND = [
    # `key` after a word that does not make it a secret's, or a key described, not given.
    ("docs/ops/runbook.md", f"The primary key is `{HEX}`\n"),
    ("docs/ops/runbook.md", f"Checksum of the release key: `{HEX}`\n"),
    ("docs/ops/runbook.md", f"The public key: `{TOKEN}`\n"),
    ("docs/ops/runbook.md", "Datadog API key for the dashboard: `${DD_API_KEY}`\n"),
    ("docs/ops/runbook.md", "The API key is stored in Vault under `ops/datadog`.\n"),
    ("docs/ops/runbook.md", "Set the API key to `<your-api-key>` before the first run.\n"),
]


def _ids(cases: list[tuple[str, ...]]) -> list[str]:
    """Test ids that name the file and the case's number, never the value it holds."""
    return [f"{case[0]}-{number}" for number, case in enumerate(cases)]


@pytest.mark.parametrize(("name", "text", "value"), FOUND, ids=_ids(FOUND))
def test_secrets_in_these_shapes_are_found(
    name: str, text: str, value: str, tmp_path: Path
) -> None:
    [(line, _, masked)] = _findings(tmp_path, name, text)
    assert line == text[: text.index(value)].count("\n") + 1
    assert masked == mask_value(value)


@pytest.mark.parametrize(("name", "text"), NOT_FOUND, ids=_ids(NOT_FOUND))
def test_look_alikes_of_these_shapes_stay_unflagged(name: str, text: str, tmp_path: Path) -> None:
    assert _findings(tmp_path, name, text) == []

"""Identifiers made to be public (issue 17, blind25's false alarm): a Datadog client token
(`pub` and 32 hex digits) ships in browser and mobile apps and can only send data, as a Stripe
`pk_` key does. Its look-alikes, a Datadog API key and a token that merely starts with `pub`,
are still secrets. Secret-shaped values are built at run time from a seeded RNG."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from br_core.secrets.masking import mask_value
from tests.data.secrets_corpus import rand
from tests.secrets.scanning import findings as _findings

R = random.Random(2507)
HEX = rand(R, "hex", 32)
ALNUM = rand(R, "alnum", 32)


PUBLIC_IDS = [
    ("Config.swift", f'    static let datadogClientToken = "pub{HEX}"\n'),
    ("rum.ts", f"datadogRum.init({{ clientToken: 'pub{HEX}', site: 'datadoghq.eu' }})\n"),
    (".env", f"DD_CLIENT_TOKEN=pub{HEX}\n"),
]


@pytest.mark.parametrize(("name", "text"), PUBLIC_IDS, ids=[c[0] for c in PUBLIC_IDS])
def test_a_datadog_client_token_is_public(name: str, text: str, tmp_path: Path) -> None:
    assert _findings(tmp_path, name, text) == []


SECRETS_BESIDE = [
    ("Config.swift", f'    static let datadogApiKey = "{HEX}"\n', HEX),
    ("Config.swift", f'    static let authToken = "pub{ALNUM}"\n', f"pub{ALNUM}"),
    ("Config.swift", f'    static let authToken = "pub{HEX}x9"\n', f"pub{HEX}x9"),
]


@pytest.mark.parametrize(
    ("name", "text", "value"), SECRETS_BESIDE, ids=[c[0] for c in SECRETS_BESIDE]
)
def test_secrets_beside_it_are_still_found(
    name: str, text: str, value: str, tmp_path: Path
) -> None:
    assert _findings(tmp_path, name, text) == [(1, mask_value(value))]

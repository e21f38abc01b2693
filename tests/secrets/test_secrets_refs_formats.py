"""Issue 17, blind26: references that name where a secret lives (Azure App Service's
`@Microsoft.KeyVault(...)`) are not secrets, in any file; provider token formats (Okta, Azure
DevOps, Figma) are found under names that say whose token. Each form has a look-alike that must
stay unflagged. Secret-shaped values are built at run time from a seeded RNG."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from br_core.secrets.masking import mask_value
from tests.data.secrets_corpus import rand
from tests.secrets.scanning import findings as _findings

R = random.Random(2611)
PW = rand(R, "alnum", 14) + "!" + rand(R, "alnum", 6)

# Azure App Service / Functions resolve these at run time from Key Vault or App Configuration.
KV_URI = "@Microsoft.KeyVault(SecretUri=https://kv-prod.vault.azure.net/secrets/api-client/)"
KV_NAMED = "@Microsoft.KeyVault(VaultName=kv-prod;SecretName=DbPassword)"
APPCONFIG = "@Microsoft.AppConfiguration(Endpoint=https://cfg.azconfig.io; Key=db-password)"

REFERENCES = [
    ("appsettings.json", '{\n  "ClientSecret": "%s"\n}\n' % KV_URI),
    ("settings.yaml", "db_password: '%s'\n" % KV_NAMED),
    ("app.env", "API_SECRET=%s\n" % APPCONFIG),
    ("main.bicep", "    { name: 'ClientSecret', value: '%s' }\n" % KV_URI),
]


@pytest.mark.parametrize(("name", "text"), REFERENCES)
def test_secret_store_references_are_not_secrets(name: str, text: str, tmp_path: Path) -> None:
    assert _findings(tmp_path, name, text) == []


def test_a_secret_beside_a_reference_is_still_found(tmp_path: Path) -> None:
    text = '{\n  "ClientSecret": "%s",\n  "DbPassword": "%s"\n}\n' % (KV_URI, PW)
    assert _findings(tmp_path, "appsettings.json", text) == [(3, mask_value(PW))]

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
    ("appsettings.json", '{\n  "ClientSecret": "' + KV_URI + '"\n}\n'),
    ("settings.yaml", f"db_password: '{KV_NAMED}'\n"),
    ("app.env", f"API_SECRET={APPCONFIG}\n"),
    ("main.bicep", "    { name: 'ClientSecret', value: '" + KV_URI + "' }\n"),
]


@pytest.mark.parametrize(("name", "text"), REFERENCES)
def test_secret_store_references_are_not_secrets(name: str, text: str, tmp_path: Path) -> None:
    assert _findings(tmp_path, name, text) == []


def test_a_secret_beside_a_reference_is_still_found(tmp_path: Path) -> None:
    text = '{\n  "ClientSecret": "' + KV_URI + '",\n  "DbPassword": "' + PW + '"\n}\n'
    assert _findings(tmp_path, "appsettings.json", text) == [(3, mask_value(PW))]


OKTA = "00" + rand(R, "url", 40)
ADO_PAT = rand(R, "lower", 30) + rand(R, "digits", 4) + rand(R, "lower", 18)
FIGMA = "figd_" + rand(R, "url", 40)

PROVIDER_TOKENS = [
    ("src/Api/Startup.cs", f'    private static readonly string _okta = "{OKTA}";\n', OKTA),
    ("scripts/setup.ps1", f"$devopsPat = '{ADO_PAT}'\n", ADO_PAT),
    ("config/integrations.conf", f"figma_key = {FIGMA}\n", FIGMA),
]


@pytest.mark.parametrize(("name", "text", "value"), PROVIDER_TOKENS, ids=["okta", "ado", "figma"])
def test_provider_token_formats_are_found(name: str, text: str, value: str, tmp_path: Path) -> None:
    assert _findings(tmp_path, name, text) == [(1, mask_value(value))]


LOOK_ALIKES = [
    # The same 42-character `00…` shape under a name that is not Okta's: an identifier.
    ("src/Build.cs", f'    private static readonly string _buildId = "{OKTA}";\n'),
    # Okta's client ids (`0oa…`) are public.
    (
        "src/Api/Startup.cs",
        f'    private const string OktaClientId = "0oa{rand(R, "alnum", 17)}";\n',
    ),
    # A DevOps pipeline's own token variable, and a commit id under a DevOps name.
    ("scripts/setup.ps1", "$devopsPat = '$(System.AccessToken)'\n"),
    ("ci.env", f"DEVOPS_COMMIT={rand(R, 'hex', 40)}\n"),
    ("config/integrations.conf", f"figma_file_key = {rand(R, 'lower', 22)}\n"),
]


@pytest.mark.parametrize(
    ("name", "text"), LOOK_ALIKES, ids=lambda v: v[:12] if "/" in v or "." in v[:12] else "text"
)
def test_provider_token_look_alikes_stay_unflagged(name: str, text: str, tmp_path: Path) -> None:
    assert _findings(tmp_path, name, text) == []


# A person's password: a capitalised word and a year, then a full stop.
HUMAN = rand(R, "upper", 1) + rand(R, "lower", 5) + rand(R, "digits", 4) + "."


def _commit(lines: str) -> str:
    return f"chore: remove hardcoded password from settings\n\n{lines}"


def test_quoted_code_in_a_commit_message_is_read_as_code(tmp_path: Path) -> None:
    text = _commit(f"-    'PASSWORD': '{HUMAN}',\n+    'PASSWORD': os.environ['DB_PASSWORD'],\n")
    assert [line for line, _ in _findings(tmp_path, "COMMIT_EDITMSG", text)] == [3]


@pytest.mark.parametrize(
    "lines",
    [
        "+    'PASSWORD': os.environ['DB_PASSWORD'],\n",
        '-    "password": "${DB_PASSWORD}",\n',
        "-    'PASSWORD': 'changeme',\n",
        "The 'password': field is now read from the vault.\n",
    ],
    ids=["environ", "template", "placeholder", "sentence"],
)
def test_quoted_code_look_alikes_in_a_commit_message(lines: str, tmp_path: Path) -> None:
    assert _findings(tmp_path, "COMMIT_EDITMSG", _commit(lines)) == []


# A passphrase in lower case: words and a number, as a generator or a person joins them.
def _word(rng: random.Random) -> str:
    """A pronounceable word (consonant, vowel, ...): what a passphrase generator draws."""
    return "".join(rng.choice("bdfgklmnprstvz") + rng.choice("aeiou") for _ in range(3))


PASSPHRASE = "-".join(_word(R) for _ in range(3)) + "-" + rand(R, "digits", 2)


def test_a_login_pair_gives_a_lower_case_passphrase(tmp_path: Path) -> None:
    question = "[09:14] alice: anyone have the staging creds?\n"
    text = f"{question}[09:15] bob: user ops / pass {PASSPHRASE}\n"
    assert _findings(tmp_path, "exports/chat/ops.txt", text) == [(2, mask_value(PASSPHRASE))]


@pytest.mark.parametrize(
    "line",
    [
        f"[09:15] bob: we pass {PASSPHRASE} on the way in\n",  # no login pair before it
        "[09:15] bob: creds: admin / see-the-vault-entry\n",  # no number: words
        f"[09:15] bob: the passwords for prod / staging rotate monthly, e.g. {PASSPHRASE}\n",
    ],
    ids=["no-pair", "words", "policy"],
)
def test_lower_case_words_outside_a_login_pair_stay_unflagged(line: str, tmp_path: Path) -> None:
    text = f"[09:14] alice: anyone have the staging creds?\n{line}"
    assert _findings(tmp_path, "exports/chat/ops.txt", text) == []

"""Credential formats and assignments blind22 missed (issue 17 items 8-9): a PuTTY key of any
length, a UUID key under its provider's section, a `django-insecure-` key, a conninfo password
inside a quoted string, a PowerShell plain-text SecureString, a password echoed into a registry
login, a Go DSN password holding `{`; and `env:NAME` references, which name no secret. Each has
look-alikes that must stay unflagged. Values are built at run time from a seeded RNG."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from br_core.secrets.masking import mask_value
from tests.data.secrets_corpus import rand
from tests.secrets.scanning import findings_by_rule

R = random.Random(2217)
PW = rand(R, "alnum", 8) + "~" + rand(R, "alnum", 5) + "!" + rand(R, "alnum", 3)
BRACED = rand(R, "alnum", 3) + "{" + rand(R, "alnum", 9) + "-" + rand(R, "alnum", 3)
# Generated passwords draw `{` and `}` at random: `{}` in one is no format field.
UNPAIRED = rand(R, "alnum", 4) + "{" + rand(R, "alnum", 3) + "]{}(" + rand(R, "alnum", 8) + "!"
HEX = rand(R, "hex", 32)
UUID = "-".join((HEX[:8], HEX[8:12], "4" + HEX[13:16], "a" + HEX[17:20], HEX[20:]))
DJANGO = "django-insecure-" + rand(R, "pw", 50)
PPK_BODY = [rand(R, "b64", 64) for _ in range(13)] + [rand(R, "b64", 40) + "="]
PPK = (
    "PuTTY-User-Key-File-3: ssh-rsa\nEncryption: none\nComment: rsa-key-20260301\n"
    f"Public-Lines: 2\n{rand(R, 'b64', 64)}\n{rand(R, 'b64', 20)}==\n"
    f"Private-Lines: {len(PPK_BODY)}\n" + "\n".join(PPK_BODY) + f"\nPrivate-MAC: {HEX}{HEX}\n"
)
PPK_SECRET = f"Private-Lines: {len(PPK_BODY)}\n" + "\n".join(PPK_BODY)

FOUND = [
    # A 2048-bit key's 14 private lines: 900 base64 characters use all 64, which is no repeat.
    ("keys/bastion.ppk", PPK, 1, "putty-private-key", PPK_SECRET),
    ("config/integrations.yml", f"heroku:\n  api_key: {UUID}\n", 2, "generic-secret", UUID),
    ("config.toml", f'[codecov]\ntoken = "{UUID}"\n', 2, "generic-secret", UUID),
    ("app/settings.py", f"SECRET_KEY = '{DJANGO}'\n", 1, "generic-secret", DJANGO),
    (
        "config/databases.yml",
        f'libpq: "host=db.corp.lan port=5432 dbname=reports user=etl password={PW} sslmode=on"\n',
        1,
        "generic-secret",
        PW,
    ),
    (
        "db.ini",
        f"dsn = host=db.corp.lan user=etl password={PW} port=5432\n",
        1,
        "generic-secret",
        PW,
    ),
    (
        "scripts/setup.ps1",
        f'$securePw = ConvertTo-SecureString "{PW}" -AsPlainText -Force\n',
        1,
        "powershell-password",
        PW,
    ),
    (
        "scripts/deploy.ps1",
        f"$p = ConvertTo-SecureString -String '{PW}' -AsPlainText -Force\n",
        1,
        "powershell-password",
        PW,
    ),
    (
        "scripts/deploy.sh",
        f"echo '{PW}' | docker login registry.gitlab.com -u ci --password-stdin\n",
        1,
        "cli-password-stdin",
        PW,
    ),
    (
        "cmd/server/main.go",
        f'\tdsn := "analytics:{BRACED}@tcp(db.corp.lan:3306)/orders?parseTime=true"\n',
        1,
        "dsn-password",
        BRACED,
    ),
    ("settings.py", f'DB_PASSWORD = "{UNPAIRED}"\n', 1, "generic-secret", UNPAIRED),
    (
        "setup.ps1",
        f"$p = ConvertTo-SecureString '{UNPAIRED}' -AsPlainText -Force\n",
        1,
        "powershell-password",
        UNPAIRED,
    ),
]


def _ids(cases: list[tuple[str, ...]]) -> list[str]:
    """Case ids that name the file, never the value (pytest prints ids on failure)."""
    return [f"{case[0]}#{index}" for index, case in enumerate(cases)]


@pytest.mark.parametrize(("name", "text", "line", "rule", "value"), FOUND, ids=_ids(FOUND))
def test_formats_are_found(
    name: str, text: str, line: int, rule: str, value: str, tmp_path: Path
) -> None:
    assert findings_by_rule(tmp_path, name, text) == [(line, rule, mask_value(value))]


NOT_FOUND = [
    # References: the secret lives in the environment, a vault or a file.
    ("config/extra.conf", "access_token_7: env:ACCESS_TOKEN_7\nwebhook_secret=env:HOOK_SECRET\n"),
    ("config.yml", "api:\n  token: env:API_TOKEN\n"),
    # A UUID under a generic name in a section naming no UUID-key provider is an id.
    ("fixtures/users.yml", f"users:\n  alice:\n    api_key: {UUID}\n"),
    ("config.yml", f"partner:\n  api_key: {UUID}\n"),
    # Documents lay text out with indentation; it is no nesting.
    ("docs/setup.md", f"heroku:\n  api_key: {UUID}\n"),
    # Django settings that read or generate the key.
    ("app/settings.py", "SECRET_KEY = os.environ['DJANGO_SECRET_KEY']\n"),
    ("app/settings.py", "SECRET_KEY = get_random_secret_key()\n"),
    ("app/settings.py", "SECRET_KEY = 'django-insecure-change-me-in-production'\n"),
    # Conninfo strings with a development default or a reference; keyword arguments in code.
    ("config/databases.yml", 'local: "host=localhost user=postgres password=postgres"\n'),
    ("config/databases.yml", 'ci: "host=db user=ci password=${CI_DB_PASSWORD} sslmode=disable"\n'),
    ("db.py", "conn = psycopg2.connect(host=cfg.host, user=cfg.user, password=cfg.password)\n"),
    # PowerShell: a variable, a prompt, ciphertext (no `-AsPlainText`), a template.
    ("setup.ps1", "$s = ConvertTo-SecureString $env:DB_PASSWORD -AsPlainText -Force\n"),
    ("setup.ps1", "$s = Read-Host -AsSecureString 'Password'\n"),
    ("setup.ps1", f"$s = ConvertTo-SecureString '01000000d08c9ddf0115d1118c7a00c0{HEX}'\n"),
    ("setup.ps1", "$s = ConvertTo-SecureString '<password>' -AsPlainText -Force\n"),
    # Registry logins fed from a variable, a file or a secret store.
    ("deploy.sh", 'echo "$CI_REGISTRY_PASSWORD" | docker login -u ci --password-stdin\n'),
    ("deploy.sh", "cat ~/.docker/token | docker login -u ci --password-stdin registry.corp\n"),
    (
        ".github/workflows/ci.yml",
        'run: echo "${{ secrets.GITHUB_TOKEN }}" | docker login ghcr.io -u bot --password-stdin\n',
    ),
    # Format strings whose braces pair up are templates.
    ("keys.py", 'SIGNING_SECRET = "svc_{name}_k{serial:04d}".format(name=n, serial=s)\n'),
    ("keys.py", 'API_TOKEN = "{}:{}-{}x9Q".format(user, key, n)\n'),
    # Go DSNs with templates or development defaults.
    ("main.go", 'dsn := "app:{{ db_password }}@tcp(db.corp.lan:3306)/orders"\n'),
    ("main.go", 'dsn := "root:password@tcp(localhost:3306)/dev"\n'),
]


@pytest.mark.parametrize(("name", "text"), NOT_FOUND, ids=_ids(NOT_FOUND))
def test_look_alikes_stay_unflagged(name: str, text: str, tmp_path: Path) -> None:
    assert findings_by_rule(tmp_path, name, text) == []

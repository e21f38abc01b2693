"""Secrets in shapes blind24 showed unread (issue 17 item 9): a key's name spelled as words in
a document (`Datadog API key: …`); `user:password` pairs handed to chpasswd (cloud-init's
`chpasswd: list:`, `echo … | chpasswd`); a Mailgun key handed to its SDK. Each shape has
look-alikes that must stay unflagged.
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
PW = rand(R, "alnum", 16) + "!" + rand(R, "digits", 2)
CRYPT = "$6$rounds=4096$" + rand(R, "alnum", 16) + "$" + rand(R, "url", 86).replace("-", "/")

FOUND = [
    # A key named in a sentence by two words, as code names it in one (`api_key`).
    ("docs/ops/runbook.md", f"Datadog API key for the on-call dashboard: `{HEX}`\n", HEX),
    ("docs/ops/runbook.md", f"The Datadog API key: {HEX}\n", HEX),
    ("docs/ops/runbook.md", f"The signing key is `{TOKEN}`.\n", TOKEN),
    ("notes.txt", f"Access key for the staging bucket is {TOKEN}\n", TOKEN),
    # chpasswd(8) reads `user:password` lines: cloud-init's list (a block string or a YAML
    # list) and a shell line piping a pair into it.
    (
        "deploy/cloud-init.yaml",
        f"#cloud-config\nchpasswd:\n  list: |\n    ops:{CRYPT}\n    deploy:{PW}\n  expire: false\n",
        PW,
    ),
    ("deploy/user-data", f"chpasswd:\n  expire: false\n  list:\n    - 'deploy:{PW}'\n", PW),
    ("scripts/bootstrap.sh", f"echo 'deploy:{PW}' | sudo chpasswd\n", PW),
    ("Dockerfile", f'RUN useradd -m app && echo "app:{PW}" | chpasswd\n', PW),
    ("scripts/bootstrap.sh", f'chpasswd <<< "root:{PW}"\n', PW),
    # A Mailgun key, with no name beside it, in a file that uses Mailgun.
    ("wp-config.php", f"<?php\n$mg = Mailgun::create('key-{HEX}');\n", "key-" + HEX),
]

NOT_FOUND = [
    # `key` after a word that does not make it a secret's, or a key described, not given.
    ("docs/ops/runbook.md", f"The primary key is `{HEX}`\n"),
    ("docs/ops/runbook.md", f"Checksum of the release key: `{HEX}`\n"),
    ("docs/ops/runbook.md", f"The public key: `{TOKEN}`\n"),
    ("docs/ops/runbook.md", "Datadog API key for the dashboard: `${DD_API_KEY}`\n"),
    ("docs/ops/runbook.md", "The API key is stored in Vault under `ops/datadog`.\n"),
    ("docs/ops/runbook.md", "Set the API key to `<your-api-key>` before the first run.\n"),
    # chpasswd given a crypt hash, cloud-init's RANDOM, a reference, or a pair named nowhere.
    (
        "deploy/cloud-init.yaml",
        f"chpasswd:\n  list: |\n    ops:{CRYPT}\n    root:RANDOM\n    app:${{APP_PW}}\n",
    ),
    ("deploy/cloud-init.yaml", "chpasswd:\n  list:\n    - root:R\n    - 'deploy:RANDOM'\n"),
    ("deploy/cloud-init.yaml", f"write_files:\n  - content: |\n      deploy:{PW}\n"),
    ("scripts/bootstrap.sh", f"echo 'deploy:{CRYPT}' | chpasswd -e\n"),
    ("scripts/bootstrap.sh", 'echo "$USER:${DEPLOY_PASSWORD}" | chpasswd\n'),
    ("scripts/bootstrap.sh", f"echo 'deploy:{PW}' | tee /tmp/pairs  # chpasswd later\n"),
    # The same shape in a file that names no Mailgun: a cache key built on an MD5 digest.
    ("lib/cache.php", f"<?php\n$entry = $cache->get('key-{HEX}');\n"),
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

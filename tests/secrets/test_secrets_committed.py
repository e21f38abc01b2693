"""Values meant to be committed, that blind23 flagged (issue 17 item 8): a lookup's terms inside
a templated string, ciphertext (Jasypt `ENC(…)`, a SealedSecret's `encryptedData:`) and
word-built fixtures in test files. Each has a twin holding a real secret in the same place,
which must still be found: a plain-text `DEC(…)`, a short value under `encryptedData:`, a
random or passphrase password in a test. Values are built at run time from a seeded RNG."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from br_core.scan.testpaths import is_test_path
from br_core.secrets import filters as f
from br_core.secrets.masking import mask_value
from tests.data.secrets_corpus import rand
from tests.secrets.scanning import findings_by_rule

R = random.Random(823)
PW = rand(R, "alnum", 9) + "^" + rand(R, "alnum", 6) + "!"
TOKEN = rand(R, "alnum", 32)
PHRASE = "juniper-thistle-lantern-" + str(R.randint(1000, 9999))
JASYPT = rand(R, "b64", 44)
SEALED = "AgB" + rand(R, "b64", 300) + "=="
BLOB = rand(R, "b64", 86) + "=="
SEALED_2 = "AgA" + rand(R, "b64", 300) + "="
# `pa$$word-fixture` and the like: words with letters typed as digits and symbols.
FIXTURE = "pa" + "$$" + "word-fixture"
LEET = "Sup3r" + "S3cret!"
SEALED_DOC = (
    "apiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata:\n  name: api\nspec:\n"
    f"  encryptedData:\n    DB_PASSWORD: {SEALED}\n    API_TOKEN: {SEALED_2}\n"
    "  template:\n    metadata:\n      name: api\n"
)


def _ids(cases: list[tuple[object, ...]]) -> list[str]:
    """Case ids that name the file, never the value (pytest prints ids on failure)."""
    return [f"{case[0]}#{index}" for index, case in enumerate(cases)]


FOUND = [
    # A vault lookup's terms end at their string's quote: a token given there is still read.
    (
        "ansible/group_vars/all.yml",
        f"smtp_password: \"{{{{ lookup('hashi_vault', 'secret=kv/smtp token={TOKEN}') }}}}\"\n",
        1,
        TOKEN,
    ),
    # Jasypt's plain-text form, and `ENC(` around what is no base64 ciphertext.
    (
        "src/main/resources/application.properties",
        f"app.admin.password=DEC({PW})\n",
        1,
        f"DEC({PW})",
    ),
    ("config/application.yml", f"spring:\n  mail:\n    password: {PW}\n", 3, PW),
    # Under `encryptedData:` a value too short for ciphertext is a password pasted there.
    ("k8s/sealed.yaml", f"spec:\n  encryptedData:\n    DB_PASSWORD: {TOKEN}\n", 3, TOKEN),
    ("k8s/secret.yaml", f"stringData:\n  API_TOKEN: {TOKEN}\n", 2, TOKEN),
    # A key named for encryption is a key; a name saying encrypted holds no short password.
    ("config/app.yml", f"encryption_key: {BLOB}\n", 1, BLOB),
    ("config/app.yml", f"encrypted_password: {PW}\n", 1, PW),
    # In a test file, a random password and a generated passphrase are real secrets.
    ("tests/test_auth.py", f'    user = UserFactory(password="{PW}")\n', 1, PW),
    ("tests/test_auth.py", f'API_TOKEN = "{TOKEN}"\n', 1, TOKEN),
    ("pkg/db/db_test.go", f'\tpassword := "{PHRASE}"\n', 1, PHRASE),
    # Outside tests, a word-built password typed with digits and symbols is a password.
    ("app/seed.py", f'    admin = create_user(password="{FIXTURE}")\n', 1, FIXTURE),
    ("app/seed.py", f'ADMIN_PASSWORD = "{LEET}"\n', 1, LEET),
]


@pytest.mark.parametrize(("name", "text", "line", "value"), FOUND, ids=_ids(FOUND))
def test_secrets_beside_committed_values_are_found(
    name: str, text: str, line: int, value: str, tmp_path: Path
) -> None:
    assert findings_by_rule(tmp_path, name, text) == [(line, "generic-secret", mask_value(value))]


NOT_FOUND = [
    # References and lookups, in Ansible/Jinja, Helm, GitHub Actions and Terraform.
    (
        "ansible/group_vars/all.yml",
        "smtp_password: \"{{ lookup('community.hashi_vault.hashi_vault', "
        "'secret=secret/data/smtp:password') }}\"\n",
    ),
    (
        "ansible/group_vars/all.yml",
        "db_password: \"{{ query('hashi_vault', 'secret=kv/app:token') }}\"\n",
    ),
    ("ansible/group_vars/all.yml", 'db_password: "{{ vault_db_password | default(omit) }}"\n'),
    ("helm/templates/secret.yaml", "  password: {{ .Values.db.password | b64enc | quote }}\n"),
    (".github/workflows/ci.yml", "      password: ${{ secrets.DOCKERHUB_PASSWORD }}\n"),
    ("main.tf", '  password = data.vault_generic_secret.db.data["password"]\n'),
    ("main.tf", "  master_password = random_password.db.result\n"),
    # Committed ciphertext: Jasypt, SOPS, Spring Cloud Config, a SealedSecret.
    ("src/main/resources/application.properties", f"app.admin.password=ENC({JASYPT})\n"),
    ("config/application.yml", f"spring:\n  mail:\n    password: ENC({JASYPT})\n"),
    ("config/application.yml", f"  password: '{{cipher}}AQA{JASYPT}{JASYPT}'\n"),
    ("k8s/sealed.yaml", SEALED_DOC),
    ("config/app.yml", f"encrypted_password: {BLOB}\n"),
    ("settings.py", f'ENCRYPTED_API_KEY = "{BLOB}"\n'),
    # Word-built fixtures in tests, in several languages' conventions.
    ("tests/test_auth.py", f'    user = UserFactory(password="{FIXTURE}")\n'),
    ("tests/test_auth.py", f'    user = make_user(password="{LEET}")\n'),
    ("web/src/login.spec.ts", f'  const password = "{LEET}";\n'),
    ("src/test/java/app/LoginTest.java", f'    user.setPassword("{FIXTURE}");\n'),
]


@pytest.mark.parametrize(("name", "text"), NOT_FOUND, ids=_ids(NOT_FOUND))
def test_committed_values_stay_unflagged(name: str, text: str, tmp_path: Path) -> None:
    assert findings_by_rule(tmp_path, name, text) == []


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("tests/test_auth.py", True),
        ("pkg/db/db_test.go", True),
        ("web/src/login.spec.ts", True),
        ("src/test/java/app/LoginTest.java", True),
        ("spec/models/user_spec.rb", True),
        ("app/seed.py", False),
        ("src/latest.py", False),
        ("contest/config.yml", False),
    ],
)
def test_test_paths(path: str, expected: bool) -> None:
    assert is_test_path(path) is expected


def test_fixture_values_are_words_not_random_or_passphrases() -> None:
    taken = frozenset({"password", "secret", "token"})
    assert f.is_fixture_value(FIXTURE, taken)
    assert f.is_fixture_value(LEET, taken)
    assert not f.is_fixture_value(PW, taken)
    assert not f.is_fixture_value(TOKEN, taken)
    assert not f.is_fixture_value(PHRASE, taken)

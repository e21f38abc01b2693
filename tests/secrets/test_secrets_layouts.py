"""Secrets laid out beyond one `name = value` line (issue 17, the blind18 regression set): a
value on the line after its name (Java `NAME =` then a quoted string, a one-line YAML block
scalar, a .netrc `password` line, a `mysql … \\` continuation), credential files known by name
(.pypirc, .npmrc, .netrc), values opening with punctuation in .env and INI files, and server
flags that take a password. Each secret is reported on the line that holds it; the cases that
are not secrets, written in the same layouts, stay quiet. Values are built at run time."""

from __future__ import annotations

import base64
import random
from pathlib import Path

import pytest

from br_core.secrets.masking import mask_value
from br_core.secrets.scanner import scan_files
from tests.data.secrets_corpus import rand

R = random.Random(1818)


def _password() -> str:
    return "Xk9" + rand(R, "alnum", 8) + "!q" + rand(R, "pw", 5)


# (file name, text with `{v}` for the value, the secret as reported, its 1-based line)
SECRETS = [
    (
        "Config.java",
        'class C {{\n    static final String API_SECRET =\n        "{v}";\n}}\n',
        "{v}",
        3,
    ),
    ("app.yaml", "smtp:\n  smtp_password: >-\n    {v}\n  port: 25\n", "{v}", 3),
    (".netrc", "machine api.corp.example\n  login ops\n  password {v}\n", "{v}", 3),
    ("Dockerfile", 'RUN echo "machine git.corp login ci password {v}" > /root/.netrc\n', "{v}", 1),
    ("deploy.sh", "mysql -h db -u root \\\n  -p'{v}' app < schema.sql\n", "{v}", 2),
    (".pypirc", "[internal]\nusername = deploy\npassword = @{v}\n", "@{v}", 3),
    ("extra.conf", "[db]\npassword_2 = ,{v}\n", ",{v}", 2),
    (".env", "DB_PASSWORD=({v}\n", "({v}", 1),
    (
        "docker-compose.yml",
        'services:\n  cache:\n    command: redis-server --requirepass "{v}"\n',
        "{v}",
        3,
    ),
]


@pytest.mark.parametrize(("name", "template", "secret", "line"), SECRETS)
def test_secrets_are_found_on_the_line_that_holds_them(
    name: str, template: str, secret: str, line: int, tmp_path: Path
) -> None:
    value = _password()
    path = tmp_path / name
    path.write_text(template.format(v=value), encoding="utf-8")
    findings = scan_files([path], tmp_path).findings
    assert [(f.line, f.masked) for f in findings] == [(line, mask_value(secret.format(v=value)))]
    assert value not in "".join(f.message for f in findings)


def test_npm_basic_auth_scoped_to_a_registry(tmp_path: Path) -> None:
    """`//host/path/:_auth=` is base64 of `user:password` under a secret key: the value itself
    is the credential (the `/:` before the name is .npmrc's scope, not a URL path)."""
    auth = base64.b64encode(("ci:" + _password()).encode()).decode()
    path = tmp_path / ".npmrc"
    path.write_text(f"//nexus.corp.local/repository/npm/:_auth={auth}\n", encoding="utf-8")
    findings = scan_files([path], tmp_path).findings
    assert [(f.line, f.masked) for f in findings] == [(1, mask_value(auth))]


NOT_SECRETS = [
    ("Config.java", 'static final String API_SECRET =\n    System.getenv("API_SECRET");\n'),
    ("Config.java", 'static final String PASSWORD_PROPERTY =\n    "app.db.password";\n'),
    ("app.py", "password = (\n    get_password(host)\n)\n"),
    ("app.yaml", "smtp_password: >-\n  ${SMTP_PASSWORD}\nport: 25\n"),
    ("app.yaml", "password_help: |\n  The password must be rotated.\n  Ask ops for a new one.\n"),
    ("app.yaml", "notes: |\n  Xk9q2LmZ7!vR4tYw\n"),  # a block, but not under a secret's name
    (".netrc", "machine example.com login user password secret\n"),
    (".netrc", "machine api.corp.example\n  login ops\n  password ${NETRC_PASSWORD}\n"),
    ("Dockerfile", 'RUN echo "machine git.corp login ci password $GIT_PASSWORD" > ~/.netrc\n'),
    ("deploy.sh", "mysql -h db -u root \\\n  -p app < schema.sql\n"),
    (".pypirc", "[pypi]\nusername = __token__\npassword = %(PYPI_TOKEN)s\n"),
    (".npmrc", "//npm.pkg.github.com/:_authToken=${GITHUB_TOKEN}\n"),
    ("extra.conf", "[db]\npassword = ; set in production\n"),
    (".env", "DB_PASSWORD=(unset)\n"),
    ("docker-compose.yml", "command: redis-server --requirepass ${REDIS_PASSWORD}\n"),
    # A generator writing config lines: the value is an interpolated call, built at run time.
    ("gen.py", "out.append(f\"DB_PASSWORD='{password(rng)}'\")\n"),
    ("gen.py", "line = f'  secret_key = \"{aws_secret(rng).strip()}\"'\n"),
]


@pytest.mark.parametrize(("name", "text"), NOT_SECRETS)
def test_the_same_layouts_without_a_secret_stay_quiet(name: str, text: str, tmp_path: Path) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    assert scan_files([path], tmp_path).findings == [], text


MESSAGES = [
    ("Staging login broken after rotation\n\nfix login for staging (pw: {v})\n", "{v}", 3),
    ("oops: rollback, old secret was {v}\n", "{v}", 1),
    ("fix login\n\nthe staging DB_PASSWORD={v} works now\n", "{v}", 3),
    ('Rotate the ops account\n\nnew password is "{v}" (tell ops)\n', "{v}", 3),
]


@pytest.mark.parametrize(("message", "secret", "line"), MESSAGES)
def test_commit_messages_are_read_as_prose(
    message: str, secret: str, line: int, tmp_path: Path
) -> None:
    value = _password() + ")x("  # a `)` inside the value stays; the sentence's own one goes
    path = tmp_path / "COMMIT_EDITMSG"
    path.write_text(message.format(v=value), encoding="utf-8")
    findings = scan_files([path], tmp_path).findings
    assert [(f.line, f.masked) for f in findings] == [(line, mask_value(secret.format(v=value)))]


@pytest.mark.parametrize(
    "message",
    [
        "Rename API_KEY to SERVICE_API_KEY in settings\n",
        "docs: use <your-token> placeholder in README\n",
        "Rotate the password policy to 90 days\n",
        "The secret was leaked; rotated it (see INC-1234)\n",
        "password is now read from the vault\n",
        "token: ${DEPLOY_TOKEN} comes from CI\n",
        "Bump token-bucket limit to 500\n",
        "pw: see the team vault entry\n",
    ],
)
def test_commit_messages_without_a_secret_stay_quiet(message: str, tmp_path: Path) -> None:
    path = tmp_path / "COMMIT_EDITMSG"
    path.write_text(message, encoding="utf-8")
    assert scan_files([path], tmp_path).findings == [], message


# Documents (issue 17, round 5): a sentence that gives a secret is read by the prose rule, and
# what a document quotes as code or config is still read as code.
DOCUMENTS = [
    ("NOTES.md", "# Staging\n\nThe staging password is {v} until Friday.\n", "{v}", 3),
    ("handover.txt", "Ops handover\n\nold secret was {v}\n", "{v}", 3),
    ("docs/setup.rst", 'Setup\n=====\n\nThe DB password is now "{v}" (tell ops).\n', "{v}", 4),
    ("README.md", '```json\n{{"password": "{v}"}}\n```\n', "{v}", 2),
]


@pytest.mark.parametrize(("name", "text", "secret", "line"), DOCUMENTS)
def test_documents_are_read_as_code_and_as_prose(
    name: str, text: str, secret: str, line: int, tmp_path: Path
) -> None:
    value = _password()
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.format(v=value), encoding="utf-8")
    findings = scan_files([path], tmp_path).findings
    assert [(f.line, f.masked) for f in findings] == [(line, mask_value(secret.format(v=value)))]


@pytest.mark.parametrize(
    "text",
    [
        "The password is required for every request.\n",
        "The token is stored in the keychain; the secret was rotated yesterday.\n",
        "Set `api_key: <your-key>` in config.yaml.\n",
        "password is now read from the vault\n",
        "The API key is optional when running locally.\n",
        "Our token bucket is now 500 requests wide.\n",
    ],
)
def test_documents_without_a_secret_stay_quiet(text: str, tmp_path: Path) -> None:
    path = tmp_path / "GUIDE.md"
    path.write_text(text, encoding="utf-8")
    assert scan_files([path], tmp_path).findings == [], text

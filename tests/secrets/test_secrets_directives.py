"""Secrets blind23 missed (issue 17 item 9): a credential directive opening a line of a config
file (`requirepass …` in redis.conf, `key value` in .properties), PostgreSQL's role options
without `WITH` (`ALTER ROLE etl PASSWORD '…'`), a flag and its value as items of a command's
list (compose `command:`, exec-form `CMD [...]`), a password given as a code span in a document,
C#'s verbatim strings (`@"…"`) and target-typed `NetworkCredential x = new(…)`. Each has
look-alikes that must stay unflagged. Values are built at run time from a seeded RNG."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from br_core.secrets.masking import mask_value
from tests.data.secrets_corpus import rand
from tests.secrets.scanning import findings_by_rule

R = random.Random(2317)
PW = rand(R, "alnum", 9) + "@" + rand(R, "alnum", 4) + "~" + rand(R, "alnum", 3)
TOKEN = rand(R, "alnum", 40)
PHRASE = "quartz-cobalt-" + rand(R, "digits", 4)
MD5 = "md5" + rand(R, "hex", 32)  # a stored hash, as pg_dumpall writes it
GENERIC = "generic-secret"

FOUND = [
    ("config/redis.conf", f"bind 127.0.0.1\nrequirepass {PW}\n", 2, GENERIC, PW),
    ("config/redis.conf", f"port 6379\nmasterauth {PW}\n", 2, GENERIC, PW),
    ("app.properties", f"db.user app\ndb.password {PW}\n", 2, GENERIC, PW),
    ("db/001_users.sql", f"ALTER ROLE etl_user PASSWORD '{PW}';\n", 1, "sql-password", PW),
    ("db/002.sql", f"CREATE ROLE app LOGIN PASSWORD '{PW}';\n", 1, "sql-password", PW),
    (
        "docker-compose.yml",
        f'  cache:\n    command:\n      - redis-server\n      - --requirepass\n      - "{PW}"\n',
        5,
        GENERIC,
        PW,
    ),
    (
        "k8s/deployment.yaml",
        f"        args:\n          - \"--password\"\n          - '{PW}'\n",
        3,
        GENERIC,
        PW,
    ),
    ("Dockerfile", f'CMD ["redis-server", "--requirepass", "{PW}"]\n', 1, GENERIC, PW),
    ("docs/setup.md", f"- user `demo`, password `{PHRASE}`\n", 1, GENERIC, PHRASE),
    ("docs/setup.md", f"Use the API token `{TOKEN}` for now.\n", 1, GENERIC, TOKEN),
    (
        "src/Secrets.cs",
        f'    public const string LegacyDbPassword = @"{PW}";\n',
        1,
        GENERIC,
        PW,
    ),
    ("src/Secrets.cs", f'    const string ClientSecret = @"{TOKEN}";\n', 1, GENERIC, TOKEN),
    ("Classes/Keys.m", f'static NSString *const kApiToken = @"{TOKEN}";\n', 1, GENERIC, TOKEN),
    (
        "src/Mail.cs",
        f'static readonly NetworkCredential Smtp = new("mailer", "{PW}");\n',
        1,
        "credential-argument",
        PW,
    ),
]


def _ids(cases: list[tuple[str, ...]]) -> list[str]:
    """Case ids that name the file, never the value (pytest prints ids on failure)."""
    return [f"{case[0]}#{index}" for index, case in enumerate(cases)]


@pytest.mark.parametrize(("name", "text", "line", "rule", "value"), FOUND, ids=_ids(FOUND))
def test_directives_and_literals_are_found(
    name: str, text: str, line: int, rule: str, value: str, tmp_path: Path
) -> None:
    assert findings_by_rule(tmp_path, name, text) == [(line, rule, mask_value(value))]


NOT_FOUND = [
    # Directives: a commented example, a default, a file path, a multi-word setting, a
    # directive not opening its line, a development default.
    ("config/redis.conf", "# requirepass foobared\n"),
    ("config/redis.conf", f"# requirepass {PW}\n"),
    ("sshd.conf", "PasswordAuthentication no\n"),
    ("app.conf", "token_file /run/secrets/app_token\n"),
    ("app.conf", f"password must be set: {PW} is an example\n"),
    ("sentinel.conf", "requirepass ${REDIS_PASSWORD}\n"),
    ("app.ini", "password changeme\n"),
    # Code keeps reading a blank between words as no assignment.
    ("app.py", f"print(password {PW})\n"),
    # SQL: a psql variable, a stored hash, no password at all, a column update.
    ("db/001.sql", "ALTER ROLE app PASSWORD :'app_password';\n"),
    ("db/001.sql", "ALTER ROLE app PASSWORD NULL;\n"),
    ("db/001.sql", f"ALTER ROLE app PASSWORD '{MD5}';\n"),
    ("db/001.sql", "UPDATE users SET role = 'admin' WHERE password = 'password';\n"),
    # Command lists: a reference, another flag, a list of words that names no flag.
    ("docker-compose.yml", '    command:\n      - --requirepass\n      - "${REDIS_PASSWORD}"\n'),
    ("docker-compose.yml", "    command:\n      - --requirepass-file\n      - /run/secrets/r\n"),
    ("docker-compose.yml", f"    command:\n      - --requirepass\n      - --port\n      - {PW}\n"),
    ("docker-compose.yml", f"    args:\n      - --password\n    ports:\n      - {PW}\n"),
    ("words.py", f'WORDS = ["secret_", "token-", "{PW}"]\n'),
    ("Dockerfile", 'CMD ["redis-server", "--requirepass", "$REDIS_PASSWORD"]\n'),
    # Documents: a code span naming a variable, a placeholder, a rule about passwords.
    ("docs/setup.md", "Set the password `DB_PASSWORD` in `.env`.\n"),
    ("docs/setup.md", "- user `demo`, password `<your password>`\n"),
    ("docs/setup.md", "The token `${{ secrets.GITHUB_TOKEN }}` is injected by Actions.\n"),
    ("docs/setup.md", "The password `changeme` is replaced on first login.\n"),
    ("docs/notes.md", "(safe: Unicode digits pass `isdigit()` but only cause an error)\n"),
    ("docs/notes.md", "The token `get_token(user_id=42)` reads it from the vault.\n"),
    # C#: verbatim strings holding a field name, a reference, an interpolated template.
    ("src/Secrets.cs", 'public const string PasswordField = @"password";\n'),
    ("src/Secrets.cs", 'public const string TokenPath = @"C:\\secrets\\token.txt";\n'),
    ("src/Secrets.cs", 'var token = $@"Bearer {accessToken}";\n'),
    ("src/Secrets.cs", 'var password = @"{0}";\n'),
    ("src/Mail.cs", 'NetworkCredential Smtp = new("mailer", Env.Get("SMTP_PASSWORD"));\n'),
    ("src/Mail.cs", 'NetworkCredential Smtp = new("mailer", "password");\n'),
]


@pytest.mark.parametrize(("name", "text"), NOT_FOUND, ids=_ids(NOT_FOUND))
def test_look_alikes_stay_unflagged(name: str, text: str, tmp_path: Path) -> None:
    assert findings_by_rule(tmp_path, name, text) == []

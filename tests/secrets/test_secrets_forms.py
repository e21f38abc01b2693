"""Value forms the rules read (issue 17, blind19's misses): one-line triple-quoted strings,
literals joined by `+`, a .netrc password of any shape, Go DSNs, keys holding `@` and `.` or
`.*`. Each form has its look-alikes that must stay unflagged. Secret-shaped values are built at
run time from a seeded RNG; no complete one is in the repository."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from br_core.secrets.masking import mask_value
from tests.data.secrets_corpus import rand
from tests.secrets.scanning import findings as _findings

R = random.Random(1919)
PW = rand(R, "alnum", 9) + "^" + rand(R, "alnum", 6) + "+"  # a generated password
KEY = rand(R, "alnum", 22)
HEX = rand(R, "hex", 32)
UUID = "-".join((HEX[:8], HEX[8:12], HEX[12:16], HEX[16:20], HEX[20:]))
DJANGO = rand(R, "alnum", 12) + "." + rand(R, "alnum", 8) + "@" + rand(R, "alnum", 9) + ".x2c"
DOTSTAR = rand(R, "alnum", 10) + ".*" + rand(R, "alnum", 12)
BRACKETS = (
    rand(R, "alnum", 2) + "]1>[" + rand(R, "alnum", 9) + ",l:;]{" + rand(R, "alnum", 4) + "*e-"
)


FOUND = [
    ("pyproject.toml", f'[database]\npassword = """{PW}"""\n', 2, PW),
    ("settings.toml", f"[db]\npassword = '''{PW}'''\n", 2, PW),
    ("settings.py", f'DB_PASSWORD = """{PW}"""\n', 1, PW),
    (".netrc", f"machine api.heroku.com login ops@corp.io password {UUID}\n", 1, UUID),
    (".netrc", f"machine api.heroku.com\n  login ops@corp.io\n  password {UUID}\n", 3, UUID),
    ("Dockerfile", f'RUN echo "machine git.corp login ci password {UUID}" > ~/.netrc\n', 1, UUID),
    ("main.go", f'const dsn = "report:{PW}@tcp(10.20.3.14:3306)/events?parseTime=true"\n', 1, PW),
    ("db.go", f'db, _ := sql.Open("mysql", `svc:{PW}@tcp(db.prod.corp:3306)/app`)\n', 1, PW),
    ("app/settings.py", f'SECRET_KEY = "{DJANGO}"\n', 1, DJANGO),
    ("Config.java", f'static final String DB_PASSWORD = "{DOTSTAR}";\n', 1, DOTSTAR),
    ("appsettings.json", f'{{\n  "Password": "{BRACKETS}"\n}}\n', 2, BRACKETS),
    (
        "Config.java",
        f'String JDBC = "jdbc:mysql://db.corp.lan:3306/pay?user=pay&password={KEY[:12]}.{KEY[12:]}";\n',
        1,
        f"{KEY[:12]}.{KEY[12:]}",
    ),
]


@pytest.mark.parametrize(("name", "text", "line", "value"), FOUND)
def test_value_forms_are_read_whole(
    name: str, text: str, line: int, value: str, tmp_path: Path
) -> None:
    assert _findings(tmp_path, name, text) == [(line, mask_value(value))]


def test_literals_joined_by_plus_are_one_value(tmp_path: Path) -> None:
    text = f"SIGNING_KEY = \"{KEY[:11]}\" + \"{KEY[11:]}\"\n$pw = '{KEY[:11]}' . '{KEY[11:]}';\n"
    found = _findings(tmp_path, "keys.py", text)
    assert [line for line, _ in found] == [1, 2]
    assert KEY not in "".join(masked for _, masked in found)


NOT_FOUND = [
    # A placeholder word in any piece of a joined value: the whole is an example.
    ("docs_keys.py", 'AWS_DOC_SECRET = "' + KEY[:16] + '/" + "bPxRfiCYEXAMPLEKEY"\n'),
    ("keys.js", 'const apiKey = "' + KEY[:12] + '" + "-your-key-here";\n'),
    # A UUID outside a .netrc password is an id, even under a secret-ish name.
    ("settings.py", f'api_key = "{UUID}"\n'),
    ("config.yml", f"client_secret_id: {UUID}\n"),
    ("ids.txt", f"request {UUID} failed\n"),
    (".netrc", "machine example.com\n  login anonymous\n  password anonymous@\n"),
    (".netrc", "machine h login u password 00000000-0000-0000-0000-000000000000\n"),
    ("pyproject.toml", 'password = """\nmulti-line text, not a credential\n"""\n'),
    ("pyproject.toml", 'password_file = """/run/secrets/db_password"""\n'),
    ("main.go", 'dsn := "root:root@tcp(127.0.0.1:3306)/test"\n'),
    ("main.go", 'dsn := fmt.Sprintf("%s:%s@tcp(%s)/%s", user, pass, host, name)\n'),
    ("main.go", 'dsn := os.Getenv("MYSQL_DSN") // user:password@tcp(localhost:3306)/db\n'),
    ("settings.py", 'ADMIN_EMAIL_PASSWORD_OWNER = "ops.team@corp.example.com"\n'),
    ("settings.py", 'SECRET_KEY_PATTERN = r"^sk-.*$"\nkey_regex = "[A-Za-z0-9].*\\\\.pem"\n'),
    # Patterns under secret names: written brackets and counts (`[…]{32}`, `[^\]]`) are regexes.
    ("rules.py", 'token_or_key = r"(?:[A-Za-z0-9_]{32}|[^\\]]+\\d{8})"\n'),
    ("rules.py", 'auth_token = r"^Bearer [\\w.-]{20,}$"\n'),
]


@pytest.mark.parametrize(("name", "text"), NOT_FOUND)
def test_look_alikes_stay_unflagged(name: str, text: str, tmp_path: Path) -> None:
    assert _findings(tmp_path, name, text) == []

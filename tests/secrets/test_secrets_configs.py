"""Secrets in code and config files (issue 17, blind21's misses): passphrases under password
names, passwords in SQL statements and in the argument lists of connection and credential APIs,
UUID keys under a name that says whose key, Spring's `<property name=… value=…>`. Each form has
its look-alikes that must stay unflagged. Secret-shaped values are built at run time from a
seeded RNG; no complete one is in the repository."""

from __future__ import annotations

import base64
import random
from pathlib import Path

import pytest

from br_core.secrets.masking import mask_value
from br_core.secrets.scanner import scan_files
from tests.data.secrets_corpus import rand
from tests.secrets.scanning import findings as _findings

R = random.Random(2121)


def _word(rng: random.Random) -> str:
    """A pronounceable word (consonant, vowel, ...): what a passphrase generator draws."""
    return "".join(rng.choice("bdfgklmnprstvz") + rng.choice("aeiou") for _ in range(3))


WORDS = [_word(R) for _ in range(4)]
PHRASE = "-".join(WORDS) + rand(R, "digits", 2)  # `maple-otter-canyon-ember42`
CAMEL = WORDS[0].title() + WORDS[1].title() + rand(R, "digits", 4)  # `FalconLantern3108`
PW = rand(R, "alnum", 9) + "}:" + rand(R, "alnum", 6) + "!"  # a generated password with a `}`
KEY = rand(R, "alnum", 40)
HEX = rand(R, "hex", 32)
UUID = "-".join((HEX[:8], HEX[8:12], "4" + HEX[13:16], "a" + HEX[17:20], HEX[20:]))


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


URL = f"postgresql://app:{KEY[:20]}@db.prod.corp:5432/billing"
SECRET = (
    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n"
    f"  username: {_b64('app')}\n  database-url: {_b64(URL)}\n  port: {_b64('5432')}\n"
)
CONFIG_MAP = (
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\nbinaryData:\n"
    f"  app.properties: {_b64('log.level=INFO')}\ndata:\n  database-url: {_b64(URL)}\n"
)


FOUND = [
    # Passphrases under a password's name, in every syntax that holds a literal.
    (".env", f'MYSQL_ROOT_PASSWORD="{PHRASE}"\n', 1, PHRASE),
    ("gradle.properties", f"ossrhPassword={PHRASE}\n", 1, PHRASE),
    ("gradle.properties", f"org.gradle.jvmargs=-Xmx2g\nsigning.password={CAMEL}\n", 2, CAMEL),
    ("compose.yml", f"services:\n  db:\n    environment:\n      - PASSWORD={CAMEL}\n", 4, CAMEL),
    ("group_vars/all.yml", f"grafana_admin_password: {CAMEL}\n", 1, CAMEL),
    (".netrc", f"machine api.corp.io\n  login ci\n  password {PHRASE}\n", 3, PHRASE),
    ("settings.py", f'DATABASES = {{"default": {{"PASSWORD": "{PHRASE}"}}}}\n', 1, PHRASE),
    ("wp-config.php", f"define('LDAP_BIND_PASSWORD', '{PHRASE}');\n", 1, PHRASE),
    ("deploy.ps1", f"$env:KEYSTORE_PASSWORD = '{PHRASE}'\n", 1, PHRASE),
    ("settings.xml", f"<server>\n  <password>{PHRASE}</password>\n</server>\n", 2, PHRASE),
    (".gitlab-ci.yml", f"deploy:\n  script: helm --set db.auth.password={PHRASE}\n", 2, PHRASE),
    # Spring XML: the name and the value are attributes of one element.
    ("applicationContext.xml", f'<property name="password" value="{CAMEL}."/>\n', 1, CAMEL + "."),
    # SQL statements that set a password.
    ("seed.sql", f"CREATE USER reporting WITH PASSWORD '{PW}';\n", 1, PW),
    ("seed.sql", f"ALTER USER 'app'@'%' IDENTIFIED BY '{CAMEL}';\n", 1, CAMEL),
    # The password argument of connection and credential APIs, after the user.
    ("Db.java", f'return DriverManager.getConnection(url, "app", "{PW}");\n', 1, PW),
    ("Keys.cs", f'var cred = new NetworkCredential("report_user", "{PW}");\n', 1, PW),
    ("db.php", f"$pdo = new PDO('mysql:host=db.corp;dbname=shop', 'admin', '{PW}');\n", 1, PW),
    ("client.go", f'req.SetBasicAuth("ci-bot", "{PW}")\n', 1, PW),
    ("notify.py", f"auth = ('analytics', '{PW}')\n", 1, PW),
    # libpq's `key=value` connection string inside a code string: its values are text.
    ("db.go", f'PgConn = "host=db.corp port=5432 user=app password={CAMEL}"\n', 1, CAMEL),
    # A literal made bytes is still the literal; a .properties value continued with `\`.
    ("config.go", f'\tsigningKey = []byte("{KEY}")\n', 1, KEY),
    ("application.properties", f"spring.rabbitmq.password=\\\n    {KEY[:27]}\n", 2, KEY[:27]),
    # A provider's prefix as its own literal, joined to the rest.
    (
        "config.js",
        f"const stripe = require('stripe')('sk_live_' + '{KEY}');\n",
        1,
        f"sk_live_' + '{KEY}",
    ),
    # A bare `Key` says whose key it is through its parent object or section.
    (
        "appsettings.json",
        f'{{\n  "Jwt": {{\n    "Key": "{KEY}",\n    "Issuer": "acme"\n  }}\n}}\n',
        3,
        KEY,
    ),
    ("settings.toml", f'[signing]\nalgorithm = "HS256"\nkey = "{KEY}"\n', 3, KEY),
    # A Kubernetes Secret's `data:` values are base64: read decoded.
    ("k8s/secret.yaml", SECRET, 8, _b64(URL)),
    # A UUID under a name that says whose key it is.
    (".github/workflows/ci.yml", f"env:\n  CODECOV_TOKEN: {UUID}\n", 2, UUID),
    ("deploy.toml", f"heroku_api_key = '{UUID}'\n", 1, UUID),
    ("config.ts", f"export default {{\n  herokuApiKey: `{UUID}`,\n}};\n", 2, UUID),
]


@pytest.mark.parametrize(("name", "text", "line", "value"), FOUND)
def test_config_and_code_forms_are_found(
    name: str, text: str, line: int, value: str, tmp_path: Path
) -> None:
    assert _findings(tmp_path, name, text) == [(line, mask_value(value))]


NOT_FOUND = [
    # Word-built values that are names, labels or placeholders, not passphrases.
    ("settings.py", f"password = {WORDS[0]}_{WORDS[1]}_{WORDS[2]}42\n"),  # a variable in code
    ("settings.py", f'api_key = "{PHRASE}"\n'),  # a key's value is random, not words
    (".env", f"DB_PASSWORD={WORDS[0]}-password-{WORDS[1]}-42\n"),  # a label naming a password
    (".env", f"DB_PASSWORD=change-me-{WORDS[0]}-42\n"),
    ("app.yml", f"password_policy: {WORDS[0]}-{WORDS[1]}-{WORDS[2]}-12\n"),
    ("app.yml", f"password: {WORDS[0]}-{WORDS[1]}\n"),  # no digits: not a generated passphrase
    # SQL: variables, hashes and templates.
    ("seed.sql", "ALTER USER app WITH PASSWORD :'app_password';\n"),
    ("seed.sql", f"CREATE USER app WITH PASSWORD 'md5{HEX}';\n"),
    ("seed.sql", "CREATE USER app WITH PASSWORD '{{ db_password }}';\n"),
    # Credential APIs given variables or local defaults.
    ("Db.java", 'return DriverManager.getConnection(url, user, props.getProperty("pw"));\n'),
    ("client.go", "req.SetBasicAuth(cfg.User, cfg.Password)\n"),
    ("db.php", "$pdo = new PDO($dsn, $user, $_ENV['DB_PASS']);\n"),
    ("Keys.cs", 'var cred = new NetworkCredential("user", "password");\n'),
    ("config.go", 'PgConn = fmt.Sprintf("host=%s user=%s password=%s", host, user, pw)\n'),
    ("config.go", 'signingKey = []byte(os.Getenv("SIGNING_KEY"))\n'),
    ("application.properties", "spring.rabbitmq.password=\\\n    ${RABBIT_PASSWORD}\n"),
    (
        "config.js",
        "const key = 'sk_live_' + 'x'.repeat(24);\nconst k = 'sk_test_' + 'xxxxxxxxxxxxxxxxxx';\n",
    ),
    ("config.js", "const label = 'order-' + 'fulfilment-queue';\n"),
    (
        "appsettings.json",
        '{\n  "Cache": {\n    "Key": "user-sessions-v2",\n    "Ttl": 30\n  }\n}\n',
    ),
    ("appsettings.json", f'{{\n  "Cache": {{\n    "Key": "{KEY}"\n  }}\n}}\n'),  # a cache key
    ("appsettings.json", '{\n  "Jwt": {\n    "Key": "",\n    "Issuer": "acme"\n  }\n}\n'),
    # Base64 in a Secret holding no credential, and in a ConfigMap (not a Secret).
    ("k8s/secret.yaml", SECRET.replace(_b64(URL), _b64("postgresql://app@db.prod.corp/app"))),
    ("k8s/config.yaml", CONFIG_MAP),
    # A UUID under a generic or an id's name is an id.
    ("settings.py", f'api_key = "{UUID}"\n'),
    ("models.py", f'self.update_token = "{UUID}"\nnext_token = "{UUID}"\n'),  # operations' tokens
    ("app.ini", f"azure_client_id = {UUID}\nrequest_id = {UUID}\n"),
    ("web.config", f'<add key="InstrumentationKey" value="{UUID}" />\n'),
    # A word to fill in, inside a token's shape.
    (".env.example", 'GITHUB_TOKEN="ghp_<token>"\nSTRIPE_KEY=sk_live_<your key>\n'),
    # Spring XML with a reference or a placeholder.
    ("applicationContext.xml", '<property name="password" value="${db.password}"/>\n'),
]


@pytest.mark.parametrize(("name", "text"), NOT_FOUND)
def test_look_alikes_stay_unflagged(name: str, text: str, tmp_path: Path) -> None:
    assert _findings(tmp_path, name, text) == []


def _one_line_seconds(tmp_path: Path, unit: str, count: int) -> float:
    """CPU seconds (best of two) to scan `count` copies of `unit` on one line of a JSON file."""
    import time

    path = tmp_path / "big.json"
    path.write_text(unit * count, encoding="utf-8")
    best = float("inf")
    for _ in range(2):
        started = time.process_time()
        scan_files([path], tmp_path)
        best = min(best, time.process_time() - started)
    return best


@pytest.mark.parametrize("unit", ['"key": "abcdefgh12", ', "'sk_live_' + 'abcdefgh12', "])
def test_the_new_look_backs_stay_linear_on_one_line(unit: str, tmp_path: Path) -> None:
    """A bare `key` looks back for its parent, a joined literal for its prefix: four times the
    line costs about four times as long (16 when each look back ran to the line's start)."""
    assert _one_line_seconds(tmp_path, unit, 80_000) < 8 * _one_line_seconds(tmp_path, unit, 20_000)

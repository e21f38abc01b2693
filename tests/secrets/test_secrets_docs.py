"""Credentials in documents, prose and command lines (issue 17, blind21's misses): connection
strings in a text file (ADO.NET, ODBC, libpq, Oracle EZConnect, URLs with `_` in the scheme),
Azure SAS signatures, PuTTY key files, Mailgun keys, `curl --user` on a continued line, Telegram
tokens in the Bot API's URL, API keys in a URL query, and passwords built from words. Each form
has look-alikes that must stay unflagged. Secret-shaped values are built at run time from a
seeded RNG; no complete one is in the repository."""

from __future__ import annotations

import base64
import random
from pathlib import Path

import pytest

from br_core.secrets.masking import mask_value
from tests.data.secrets_corpus import rand
from tests.secrets.scanning import findings_by_rule as _findings

R = random.Random(2121)
_WORDS = ["amber", "canyon", "velvet", "cobalt", "harbor", "falcon", "quartz", "meadow", "otter"]


def _words(count: int) -> list[str]:
    return R.sample(_WORDS, count)


PHRASE = "-".join(_words(4)) + rand(R, "digits", 2)  # meadow-amber-…-pixel19
CAMEL = "".join(w.title() for w in _words(2)) + rand(R, "digits", 4)  # HarborAmber7537
CAMEL_SYMBOL = "".join(w.title() for w in _words(2)) + rand(R, "digits", 2) + "@"
DOTTED = rand(R, "alnum", 12) + "." + rand(R, "alnum", 4)
PW = rand(R, "alnum", 18)
HEX = rand(R, "hex", 32)
SIG = rand(R, "alnum", 20) + "%2B" + rand(R, "alnum", 22) + "%3D"
BOT = rand(R, "digits", 10) + ":AA" + rand(R, "url", 33)
PPK_PRIVATE = rand(R, "b64", 48)


FOUND = [
    # Connection strings in a text file, with passwords made of words.
    (
        "docs/connections.txt",
        f"Driver={{ODBC Driver 18}};Server=db.corp;Database=dw;Uid=etl;Pwd={PHRASE};\n",
        "generic-secret",
        PHRASE,
    ),
    (
        "docs/connections.txt",
        f"Server=tcp:db.corp,1433;Initial Catalog=Orders;User ID=etl;Password={PHRASE};\n",
        "generic-secret",
        PHRASE,
    ),
    (
        "docs/connections.txt",
        f"host=db.corp port=5432 dbname=app user=etl password={DOTTED}\n",
        "generic-secret",
        DOTTED,
    ),
    (
        "docs/connections.txt",
        f"ldaps://ldap.corp:636 bind_dn=cn=svc,dc=corp bind_pw={CAMEL}\n",
        "generic-secret",
        CAMEL,
    ),
    (
        "docs/connections.txt",
        f"etl/{PW}@//db.corp.net:1521/ORCLPDB1\n",
        "oracle-connect-password",
        PW,
    ),
    ("docs/connections.txt", f"ci-bot/{PW}@db.corp.net:1521/ORCL\n", "oracle-connect-password", PW),
    (
        "docs/connections.txt",
        f"oracle+cx_oracle://etl:%3D{PW}%2A@10.0.3.17:1521/app\n",
        "url-password",
        f"%3D{PW}%2A",
    ),
    (
        "notes/issue.md",
        "`https://acct.blob.core.windows.net/in/a.pdf?sv=2022-11-02&ss=b&srt=o&sp=r"
        f"&se=2027-06-30T17:00:00Z&spr=https&sig={SIG}`\n",
        "azure-sas-token",
        SIG,
    ),
    # Command lines: curl's --user on a continued line, a bot token in the Bot API's URL.
    (
        "scripts/smoke.sh",
        "curl -X POST https://nexus.corp.io/service/rest/v1/components \\\n"
        f"  --user 'deploy:{PW}' \\\n  -F raw.asset1=@build.zip\n",
        "cli-password",
        PW,
    ),
    (
        "scripts/smoke.sh",
        f"curl https://api.telegram.org/bot{BOT}/sendMessage -d text=ok\n",
        "telegram-bot-token",
        BOT,
    ),
    (
        "scripts/smoke.sh",
        f"curl 'https://api.openweathermap.org/data/2.5/weather?q=Oslo&appid={HEX}'\n",
        "url-query-key",
        HEX,
    ),
    ("notes/mail.md", f"MAILGUN_API_KEY=key-{HEX}\n", "mailgun-key", f"key-{HEX}"),
    (
        "scripts/smoke.sh",
        f"curl -s --user 'api:{HEX}-{HEX[:8]}-{HEX[-8:]}' https://api.mailgun.net/v3/domains\n",
        "mailgun-api-key",
        f"{HEX}-{HEX[:8]}-{HEX[-8:]}",
    ),
    # Prose: a password given after its mention, random or built from words.
    ("notes/chat.log", f"[10:07] <tom> sorry - the db pw is {CAMEL} until tomorrow\n", "", CAMEL),
    ("git-log.txt", f"    set password to {HEX} on the replica too.\n", "", HEX),
    (
        "docs/CONFIGURATION.md",
        f"The admin login for the staging dashboard is `admin` / `{CAMEL_SYMBOL}`.\n",
        "prose-password",
        CAMEL_SYMBOL,
    ),
]


@pytest.mark.parametrize(("name", "text", "rule", "value"), FOUND)
def test_credentials_in_documents_are_found(
    name: str, text: str, rule: str, value: str, tmp_path: Path
) -> None:
    [(line, rule_id, masked)] = _findings(tmp_path, name, text)
    assert line == text[: text.index(value)].count("\n") + 1
    assert rule_id == (rule or "generic-secret")
    assert masked == mask_value(value)


def test_a_putty_key_is_reported_on_its_first_line(tmp_path: Path) -> None:
    public = "AAAAC3NzaC1lZDI1NTE5AAAAI" + rand(R, "b64", 39)
    text = (
        "PuTTY-User-Key-File-3: ssh-ed25519\nEncryption: none\nComment: deploy@ci\n"
        f"Public-Lines: 2\n{public}\n{rand(R, 'b64', 4)}\nPrivate-Lines: 1\n{PPK_PRIVATE}\n"
        f"Private-MAC: {rand(R, 'hex', 64)}\n"
    )
    found = _findings(tmp_path, "keys/deploy.ppk", text)
    assert [(line, rule) for line, rule, _ in found] == [(1, "putty-private-key")]
    assert PPK_PRIVATE not in found[0][2]


NOT_FOUND = [
    # Examples and descriptions in documents.
    (
        "docs/CONFIGURATION.md",
        "export TELEGRAM_BOT_TOKEN=123456:ABC-DEF1234ghIkl-zyx57W2v1u123ew11\n",
    ),
    (
        "scripts/smoke.sh",
        "# e.g. curl -H 'Authorization: Basic dXNlcm5hbWU6cGFzc3dvcmQ=' https://host/\n",
    ),
    ("docs/pw.md", "The password must be 12+ characters, e.g. Correct-Horse-Battery-9!\n"),
    (
        "docs/pw.md",
        f"- human-style (`{CAMEL_SYMBOL}`) or passphrase-style passwords are accepted\n",
    ),
    (
        "docs/pw.md",
        f"Pick a password.\n\nWords and a number, e.g. {CAMEL_SYMBOL}, are easy to type.\n",
    ),
    ("docs/pw.md", "Pass the token to the handler, then set the password to something long.\n"),
    ("docs/pw.md", "A user/password pair is sent as `Basic dXNlcm5hbWU6cGFzc3dvcmQ=` there.\n"),
    ("docs/login.md", "Login with GitHub: the `Sign-In-With-GitHub` button, then `Settings`.\n"),
    # Connection strings without a password, or with a reference or a default.
    ("docs/connections.txt", "host=db port=5432 dbname=app user=app password=config.secret\n"),
    ("docs/connections.txt", "sqlplus scott/tiger@//localhost:1521/XEPDB1\n"),
    ("docs/connections.txt", "sqlplus app/${ORACLE_PASSWORD}@//db:1521/ORCL\n"),
    ("docs/connections.txt", "see docs/guide@//intro and src/app/main.py\n"),
    (
        "docs/connections.txt",
        "https://acct.blob.core.windows.net/in?sv=2022-11-02&sp=r&sig=<signature>\n",
    ),
    ("docs/urls.md", "https://cdn.example.net/file?key=assets-2024-build-stylesheet-main\n"),
    ("docs/urls.md", "https://api.openweathermap.org/data/2.5/weather?q=Oslo&appid=YOUR_API_KEY\n"),
    ("docs/urls.md", "https://graph.facebook.com/oauth?app_id=123456789012345&redirect_uri=x\n"),
    ("docs/ids.txt", f"cache-key-{HEX} was evicted\n"),
    ("docs/ppk.md", "PuTTYgen saves PuTTY-User-Key-File-3 files (.ppk); see its manual.\n"),
    ("docs/words.txt", "names like payment-service-worker-v2 and build-cache-layer-01 are ids\n"),
    # Code the generator of a blind set holds: a cmdlet, ciphertext, a cut interpolation.
    ("deploy.ps1", "$SecurePass = ConvertTo-SecureString $env:PW -AsPlainText -Force\n"),
    ("gen.py", "d.s(f\"$SecurePass = ConvertTo-SecureString '{pw}' -AsPlainText -Force\")\n"),
    ("settings.xml", f"<password>{{{rand(R, 'alnum', 16)}=}}</password>\n"),
    ("gen.py", 'd.s(f\'  "private_key": "{PEM.format("")}\\\\n{body}\\\\n",\')\n'),
]


@pytest.mark.parametrize(("name", "text"), NOT_FOUND)
def test_document_look_alikes_stay_unflagged(name: str, text: str, tmp_path: Path) -> None:
    assert _findings(tmp_path, name, text) == []


def test_a_basic_token_with_a_real_password_is_still_found(tmp_path: Path) -> None:
    token = base64.b64encode(f"webapp:{CAMEL}.".encode()).decode()
    text = f"curl -H 'Authorization: Basic {token}' https://registry.corp/v2/_catalog\n"
    assert [rule for _, rule, _ in _findings(tmp_path, "smoke.sh", text)] == ["bearer-token"]


def test_the_key_beside_its_secret_is_the_public_half(tmp_path: Path) -> None:
    app_key, app_secret, other = rand(R, "hex", 32), rand(R, "alnum", 28), rand(R, "alnum", 24)
    text = (
        f"ShopifyAPI::Context.setup(\n  api_key: '{app_key}',\n"
        f"  api_secret_key: '{app_secret}',\n  host_name: 'shop.example.net'\n)\n"
        # A key whose name only shares a namespace with a secret is still a key of its own.
        f"app.dd-app-key={app_key}\napp.secret-key={other}\n"
    )
    found = _findings(tmp_path, "scripts/shop_sync.rb", text)
    assert [(line, masked) for line, _, masked in found] == [
        (3, mask_value(app_secret)),
        (6, mask_value(app_key)),
        (7, mask_value(other)),
    ]

#!/usr/bin/env python3
"""Blind secrets corpus, round 21 (independent author, written without reading the detectors).

    python3 secrets_blind21.py OUTDIR --seed N

Writes a small fake repository (config files in many formats, source files in many languages,
key files, lockfiles, docs, commit messages, chat logs) into OUTDIR plus OUTDIR/labels.json:
a list of {"file": relative path, "line": 1-based line, "label": "secret" | "not_secret",
"kind": str}.

Only labelled lines are scored; unlabelled lines are scaffolding without credential-like values.
Label conventions:
  * the label sits on the line that holds the value (a value on a continuation line is labelled
    on that continuation line, not on the line with the key name);
  * a multi-line private key (PEM, OpenSSH, PGP, PuTTY) is labelled on its first line;
  * a realistic random or human-style password assigned to a password-like field is a secret,
    punctuation and all, quoted or not;
  * placeholders, env/vault/template lookups, function calls, variables holding other variables,
    hashes, UUIDs used as ids, public keys and certificates, public identifiers, base64 of plain
    text, policy text and key names without values are not secrets.

Every realistic token body is drawn at run time from random.Random(seed); provider prefixes are
assembled from pieces so that this source holds no live-looking key.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import re
import string
import urllib.parse
import uuid
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

UPPER = string.ascii_uppercase
LOWER = string.ascii_lowercase
DIGITS = string.digits
HEX = "0123456789abcdef"
HEXU = "0123456789ABCDEF"
ALNUM = UPPER + LOWER + DIGITS
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"
B32 = UPPER + "234567"
PW_PUNCT = "!@%^&*()-_=+[]{}:,.?~"

# Provider prefixes, split so that no live-looking literal appears in this file.
P_AKIA = "AK" + "IA"
P_ASIA = "AS" + "IA"
P_GHP = "gh" + "p_"
P_GHO = "gh" + "o_"
P_GHS = "gh" + "s_"
P_GHU = "gh" + "u_"
P_GHPAT = "github" + "_pat_"
P_GLPAT = "gl" + "pat-"
P_GLDT = "gl" + "dt-"
P_ATBB = "AT" + "BB"
P_SK_LIVE = "sk" + "_live_"
P_RK_LIVE = "rk" + "_live_"
P_PK_LIVE = "pk" + "_live_"
P_SK_TEST = "sk" + "_test_"
P_WHSEC = "wh" + "sec_"
P_XOXB = "xo" + "xb-"
P_XOXP = "xo" + "xp-"
P_XAPP = "xa" + "pp-1-"
P_SLACK_HOOK = "https://hooks." + "slack.com/services/"
P_DISCORD_HOOK = "https://discord." + "com/api/webhooks/"
P_SK_PROJ = "sk" + "-proj-"
P_SK = "s" + "k-"
P_OAI_MARK = "T3Blbk" + "FJ"
P_SK_ANT = "sk" + "-ant-api03-"
P_AIZA = "AI" + "za"
P_GOCSPX = "GOC" + "SPX-"
P_SG = "S" + "G."
P_MG = "ke" + "y-"
P_NPM = "np" + "m_"
P_PYPI = "py" + "pi-AgEIcHlwaS5vcmc"
P_HF = "h" + "f_"
P_SHPAT = "shp" + "at_"
P_SHPSS = "shp" + "ss_"
P_SQ_EAAA = "EA" + "AA"
P_SQ_CSP = "sq0" + "csp-"
P_DOP = "do" + "p_v1_"
P_HRKU = "HR" + "KU-AA"
P_HVS = "hv" + "s."
P_GLSA = "gl" + "sa_"
P_NRAK = "NR" + "AK-"
P_LIN = "lin" + "_api_"
P_PMAK = "PM" + "AK-"
P_PUL = "pu" + "l-"
P_DPST = "dp" + ".st."
P_ATATT = "ATA" + "TT3xFfGF0"
P_SNTRYU = "sntr" + "yu_"
PEM_DASH = "-" * 5
PEM_PRIV = PEM_DASH + "BEGIN {}PRIVATE KEY" + PEM_DASH
PEM_PRIV_END = PEM_DASH + "END {}PRIVATE KEY" + PEM_DASH
OPENSSH_BEGIN = PEM_DASH + "BEGIN OPENSSH " + "PRIVATE KEY" + PEM_DASH
OPENSSH_END = PEM_DASH + "END OPENSSH " + "PRIVATE KEY" + PEM_DASH
PGP_PRIV_BEGIN = PEM_DASH + "BEGIN PGP " + "PRIVATE KEY BLOCK" + PEM_DASH
PGP_PRIV_END = PEM_DASH + "END PGP " + "PRIVATE KEY BLOCK" + PEM_DASH
PUB_BEGIN = PEM_DASH + "BEGIN PUBLIC KEY" + PEM_DASH
PUB_END = PEM_DASH + "END PUBLIC KEY" + PEM_DASH
CERT_BEGIN = PEM_DASH + "BEGIN CERTIFICATE" + PEM_DASH
CERT_END = PEM_DASH + "END CERTIFICATE" + PEM_DASH
PGP_PUB_BEGIN = PEM_DASH + "BEGIN PGP PUBLIC KEY BLOCK" + PEM_DASH
PGP_PUB_END = PEM_DASH + "END PGP PUBLIC KEY BLOCK" + PEM_DASH
PUTTY_HDR = "PuTTY-User-" + "Key-File-3: ssh-ed25519"
# Public documentation examples (AWS docs, Stripe docs, Telegram docs): not secrets.
AWS_DOC_ID = P_AKIA + "IOSFODNN7" + "EXAMPLE"
AWS_DOC_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCY" + "EXAMPLEKEY"
STRIPE_DOC_TEST = P_SK_TEST + "4eC39HqLyjWDarjtT1zdp7dc"
TELEGRAM_DOC = "123456:" + "ABC-DEF1234ghIkl-zyx57W2v1u123ew11"

WORDS = (
    "amber", "harbor", "falcon", "cobalt", "meadow", "quartz", "willow", "summit", "ember",
    "lantern", "orchid", "tundra", "velvet", "pepper", "glacier", "saffron", "thunder", "maple",
    "otter", "canyon", "copper", "ripple", "mosaic", "violet", "juniper", "pixel", "rocket",
)
USERS = ("app", "svc_billing", "deploy", "etl_reader", "admin", "api", "report_user", "ci-bot",
         "webapp", "analytics", "orders_rw", "migrator")
HOSTS = ("db.internal", "10.0.3.17", "pg-prod-1.c9x2.eu-west-1.rds.amazonaws.com",
         "mysql.corp.acme-internal.net", "cluster0.ab12c.mongodb.net", "redis-master.cache.svc",
         "rabbitmq.prod.local", "192.168.40.12", "sql-eu.database.windows.net")


class Doc:
    """One output file: its lines and the labels that point at some of them."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.lines: list[str] = []
        self.labels: list[tuple[int, str, str]] = []

    def add(self, text: str, label: str | None = None, kind: str | None = None) -> None:
        for part in text.split("\n"):
            self.lines.append(part)
        if label:
            assert "\n" not in text, text
            assert text.strip(), (self.path, text)
            self.labels.append((len(self.lines), label, kind or "unknown"))

    def s(self, text: str, kind: str) -> None:
        self.add(text, "secret", kind)

    def n(self, text: str, kind: str) -> None:
        self.add(text, "not_secret", kind)

    def l(self, text: str, secret: bool, kind: str) -> None:
        self.add(text, "secret" if secret else "not_secret", kind)


class Item:
    """A key/value pair to render in some file format.

    mode: "lit" a literal string value; "lookup" an env/vault/template lookup; "call" a function
    call (code only); "ref" another variable (code only); "empty" an empty value.
    """

    def __init__(self, key: str, value: str, kind: str, secret: bool, mode: str = "lit",
                 plain_ok: bool | None = None) -> None:
        self.key = key
        self.value = value
        self.kind = kind
        self.secret = secret
        self.mode = mode
        self.plain_ok = plain_ok if plain_ok is not None else bool(
            re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_./+=:-]*", value or "")) and ": " not in value


def snake(key: str) -> str:
    return key.lower()


def camel(key: str) -> str:
    parts = key.lower().split("_")
    return parts[0] + "".join(p.capitalize() for p in parts[1:])


def pascal(key: str) -> str:
    return "".join(p.capitalize() for p in key.lower().split("_"))


def dq(value: str) -> str:
    return json.dumps(value)


def sq(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


class Gen:
    def __init__(self, seed: int) -> None:
        self.r = random.Random(seed)
        self.docs: list[Doc] = []

    # ----- primitives ----------------------------------------------------------------------
    def rs(self, alphabet: str, n: int) -> str:
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def pick(self, seq):
        return self.r.choice(seq)

    def digits(self, n: int) -> str:
        return str(self.r.randint(1, 9)) + self.rs(DIGITS, n - 1)

    def doc(self, path: str) -> Doc:
        d = Doc(path)
        self.docs.append(d)
        return d

    def uuid4(self) -> str:
        return str(uuid.UUID(int=self.r.getrandbits(128), version=4))

    def sha1(self) -> str:
        return self.rs(HEX, 40)

    def sha256(self) -> str:
        return self.rs(HEX, 64)

    def b64bytes(self, n: int) -> str:
        return base64.b64encode(bytes(self.r.getrandbits(8) for _ in range(n))).decode()

    # ----- passwords -----------------------------------------------------------------------
    def password(self, style: str | None = None, safe: bool = False) -> str:
        """A realistic password. safe=True keeps to letters, digits and -_. (URL/plain-safe)."""
        style = style or self.pick(("random", "random", "human", "phrase", "hex"))
        while True:
            if style == "random":
                alpha = ALNUM + ("-_." if safe else PW_PUNCT)
                pw = self.rs(alpha, self.r.randint(14, 26))
                pw = pw[:3] + self.pick(DIGITS) + pw[3:]
                if not safe:
                    pw = pw[:7] + self.pick("!@^*-_=+?~") + pw[7:]
            elif style == "human":
                pw = (self.pick(WORDS).capitalize() + self.pick(WORDS).capitalize()
                      + self.digits(self.r.randint(2, 4)) + ("" if safe else self.pick("!@*?.")))
            elif style == "phrase":
                pw = "-".join(self.pick(WORDS) for _ in range(4)) + self.digits(2)
            else:
                pw = self.rs(HEX, 32)
            if "%{" not in pw and "${" not in pw and not pw.startswith(("-", "!", "@", "*", "[")):
                return pw

    def user(self) -> str:
        return self.pick(USERS)

    def host(self) -> str:
        return self.pick(HOSTS)

    # ----- provider tokens -----------------------------------------------------------------
    def aws_id(self) -> str:
        return self.pick((P_AKIA, P_AKIA, P_ASIA)) + self.rs(B32, 16)

    def aws_secret(self) -> str:
        return self.rs(ALNUM + "+/", 40)

    def github(self) -> str:
        c = self.r.randint(0, 4)
        if c == 4:
            return P_GHPAT + "11" + self.rs(UPPER + DIGITS, 20) + "_" + self.rs(ALNUM, 59)
        return (P_GHP, P_GHO, P_GHS, P_GHU)[c] + self.rs(ALNUM, 36)

    def gitlab(self) -> str:
        return self.pick((P_GLPAT, P_GLPAT, P_GLDT)) + self.rs(URLSAFE, 20)

    def bitbucket(self) -> str:
        return P_ATBB + self.rs(ALNUM, 28) + self.rs(HEXU, 8)

    def slack_bot(self) -> str:
        return P_XOXB + self.digits(11) + "-" + self.digits(13) + "-" + self.rs(ALNUM, 24)

    def slack_user(self) -> str:
        return (P_XOXP + self.digits(11) + "-" + self.digits(11) + "-" + self.digits(13) + "-"
                + self.rs(HEX, 32))

    def slack_app(self) -> str:
        return P_XAPP + "A0" + self.rs(UPPER + DIGITS, 9) + "-" + self.digits(13) + "-" + self.rs(HEX, 64)

    def slack_hook(self) -> str:
        return (P_SLACK_HOOK + "T0" + self.rs(UPPER + DIGITS, 8) + "/B0" + self.rs(UPPER + DIGITS, 8)
                + "/" + self.rs(ALNUM, 24))

    def discord_bot(self) -> str:
        uid = base64.b64encode(self.digits(18).encode()).decode().rstrip("=")
        return uid + "." + self.rs(URLSAFE, 6) + "." + self.rs(URLSAFE, 38)

    def discord_hook(self) -> str:
        return P_DISCORD_HOOK + self.digits(19) + "/" + self.rs(URLSAFE, 68)

    def telegram(self) -> str:
        return self.digits(self.r.randint(9, 10)) + ":AA" + self.rs(URLSAFE, 33)

    def stripe(self) -> str:
        if self.r.random() < 0.5:
            return P_SK_LIVE + "51" + self.rs(ALNUM, 97)
        return self.pick((P_SK_LIVE, P_RK_LIVE)) + self.rs(ALNUM, 24)

    def stripe_whsec(self) -> str:
        return P_WHSEC + self.rs(ALNUM, 32)

    def stripe_pk(self) -> str:
        return P_PK_LIVE + "51" + self.rs(ALNUM, 97)

    def twilio_sid(self) -> str:
        return "AC" + self.rs(HEX, 32)

    def sendgrid(self) -> str:
        return P_SG + self.rs(URLSAFE, 22) + "." + self.rs(URLSAFE, 43)

    def mailgun(self) -> str:
        if self.r.random() < 0.5:
            return P_MG + self.rs(HEX, 32)
        return self.rs(HEX, 32) + "-" + self.rs(HEX, 8) + "-" + self.rs(HEX, 8)

    def openai(self) -> str:
        if self.r.random() < 0.6:
            return P_SK_PROJ + self.rs(URLSAFE, 74) + P_OAI_MARK + self.rs(URLSAFE, 74)
        return P_SK + self.rs(ALNUM, 20) + P_OAI_MARK + self.rs(ALNUM, 20)

    def anthropic(self) -> str:
        return P_SK_ANT + self.rs(URLSAFE, 93) + "AA"

    def huggingface(self) -> str:
        return P_HF + self.rs(ALNUM, 34)

    def npm(self) -> str:
        return P_NPM + self.rs(ALNUM, 36)

    def pypi(self) -> str:
        return P_PYPI + self.rs(URLSAFE, 140)

    def shopify(self) -> str:
        return self.pick((P_SHPAT, P_SHPSS)) + self.rs(HEX, 32)

    def square(self) -> str:
        if self.r.random() < 0.5:
            return P_SQ_EAAA + self.rs(URLSAFE, 60)
        return P_SQ_CSP + self.rs(URLSAFE, 43)

    def digitalocean(self) -> str:
        return P_DOP + self.rs(HEX, 64)

    def heroku(self) -> str:
        if self.r.random() < 0.5:
            return P_HRKU + self.rs(URLSAFE, 58)
        return self.uuid4()

    def google_api(self) -> str:
        return P_AIZA + "Sy" + self.rs(URLSAFE, 33)

    def gcp_oauth_secret(self) -> str:
        return P_GOCSPX + self.rs(URLSAFE, 28)

    def azure_key(self) -> str:
        return self.b64bytes(64)

    def azure_ad_secret(self) -> str:
        return self.rs(ALNUM, 3) + "8Q~" + self.rs(ALNUM + "~._-", 34)

    def azure_sas(self) -> str:
        sig = urllib.parse.quote(self.b64bytes(32), safe="")
        return ("sv=2022-11-02&ss=bfqt&srt=sco&sp=rwdlacupiytfx&se=2027-06-30T17:00:00Z"
                "&st=2026-11-01T09:00:00Z&spr=https&sig=" + sig)

    def azure_conn(self) -> str:
        acct = self.pick(("stprodlogs", "mediastore01", "acmebackups", "tfstate" + self.rs(DIGITS, 4)))
        return ("DefaultEndpointsProtocol=https;AccountName=" + acct + ";AccountKey=" + self.azure_key()
                + ";EndpointSuffix=core.windows.net")

    def vault_token(self) -> str:
        return P_HVS + "CAESI" + self.rs(URLSAFE, 85)

    def grafana(self) -> str:
        return P_GLSA + self.rs(ALNUM, 32) + "_" + self.rs(HEX, 8)

    def newrelic(self) -> str:
        return P_NRAK + self.rs(UPPER + DIGITS, 27)

    def linear(self) -> str:
        return P_LIN + self.rs(ALNUM, 40)

    def postman(self) -> str:
        return P_PMAK + self.rs(HEX, 24) + "-" + self.rs(HEX, 34)

    def pulumi(self) -> str:
        return P_PUL + self.rs(HEX, 40)

    def doppler(self) -> str:
        return P_DPST + self.pick(("prd", "dev", "stg")) + "." + self.rs(ALNUM, 40)

    def atlassian(self) -> str:
        return P_ATATT + self.rs(URLSAFE, 170) + "=" + self.rs(HEXU, 8)

    def sentry_user(self) -> str:
        return P_SNTRYU + self.rs(HEX, 64)

    def datadog_api(self) -> str:
        return self.rs(HEX, 32)

    def datadog_app(self) -> str:
        return self.rs(HEX, 40)

    def cloudflare(self) -> str:
        return self.rs(URLSAFE, 40)

    def jwt(self) -> str:
        def enc(obj) -> str:
            return base64.urlsafe_b64encode(json.dumps(obj, separators=(",", ":")).encode()).decode().rstrip("=")
        alg = self.pick(("HS256", "RS256", "ES256"))
        head = enc({"alg": alg, "typ": "JWT"})
        now = 1790000000 + self.r.randint(0, 10 ** 7)
        body = enc({"sub": self.digits(7), "iss": self.pick(("https://auth.acme.io/", "api", "keycloak")),
                    "iat": now, "exp": now + self.pick((3600, 86400, 31536000)),
                    "scope": self.pick(("admin", "read write", "orders:write"))})
        sig = self.rs(URLSAFE, 43 if alg == "HS256" else 86)
        return head + "." + body + "." + sig

    def generic_token(self) -> str:
        return self.pick((lambda: self.rs(ALNUM, 32), lambda: self.rs(HEX, 40), lambda: self.rs(URLSAFE, 43),
                          lambda: self.b64bytes(32)))()

    # ----- database URLs -------------------------------------------------------------------
    def db_url(self, pw: str | None = None, scheme: str | None = None) -> str:
        pw = pw if pw is not None else self.password()
        q = urllib.parse.quote(pw, safe="")
        u = self.user()
        scheme = scheme or self.pick(("postgres", "postgresql", "postgresql+psycopg2", "mysql", "mysql+pymysql",
                            "mariadb", "mongodb", "mongodb+srv", "redis", "rediss", "amqp", "amqps",
                            "mssql+pyodbc", "oracle+cx_oracle", "clickhouse", "cockroachdb",
                            "snowflake", "neo4j+s", "ftp", "smtp"))
        port = {"postgres": 5432, "postgresql": 5432, "postgresql+psycopg2": 5432, "mysql": 3306,
                "mysql+pymysql": 3306, "mariadb": 3306, "redis": 6379, "rediss": 6380, "amqp": 5672,
                "amqps": 5671, "mssql+pyodbc": 1433, "oracle+cx_oracle": 1521, "clickhouse": 9000,
                "cockroachdb": 26257, "neo4j+s": 7687, "ftp": 21, "smtp": 587}.get(scheme)
        host = {"mongodb+srv": "cluster0." + self.rs(LOWER + DIGITS, 5) + ".mongodb.net",
                "snowflake": "xy" + self.digits(5) + ".eu-central-1.snowflakecomputing.com",
                "smtp": "smtp.mailgun.org", "ftp": "ftp.partner-" + self.rs(LOWER, 4) + ".com",
                "redis": "redis-master.cache.svc", "rediss": "cache-" + self.rs(LOWER, 4) + ".redis.cache.windows.net",
                "amqp": "rabbitmq.prod.local", "amqps": "b-" + self.uuid4()[:8] + ".mq.eu-west-1.amazonaws.com",
                }.get(scheme) or self.pick(("db.internal", "10.0.3.17", "pg-prod-1.c9x2.eu-west-1.rds.amazonaws.com",
                                            "mysql.corp.acme-internal.net", "192.168.40.12", "sql-eu.database.windows.net"))
        if scheme in ("mongodb+srv", "snowflake"):
            port = None
        host += f":{port}" if port else ""
        if scheme.startswith("redis") and self.r.random() < 0.5:
            return f"{scheme}://:{q}@{host}/0"
        path = {"mongodb+srv": "/orders?retryWrites=true&w=majority", "amqp": "/%2Fprod", "amqps": "/vhost",
                "mssql+pyodbc": "/billing?driver=ODBC+Driver+18+for+SQL+Server",
                "snowflake": "/ANALYTICS/PUBLIC?warehouse=COMPUTE_WH"}.get(scheme, "/" + self.pick(("app", "orders", "billing", "analytics")))
        return f"{scheme}://{u}:{q}@{host}{path}"

    def jdbc(self, pw: str) -> str:
        c = self.r.randint(0, 3)
        h = self.host()
        if c == 0:
            return f"jdbc:postgresql://{h}:5432/app?user={self.user()}&password={urllib.parse.quote(pw, safe='')}&ssl=true"
        if c == 1:
            return f"jdbc:mysql://{h}:3306/shop?user={self.user()}&password={urllib.parse.quote(pw, safe='')}&useSSL=true"
        if c == 2:
            return f"jdbc:sqlserver://{h}:1433;databaseName=crm;user={self.user()};password={pw.replace(';', '')};encrypt=true"
        return f"jdbc:oracle:thin:{self.user()}/{pw.replace('@', '').replace('/', '')}@//{h}:1521/ORCLPDB1"

    def ado(self, pw: str) -> str:
        pw = pw.replace(";", "").replace("=", "")
        return (f"Server=tcp:{self.host()},1433;Initial Catalog=Orders;Persist Security Info=False;"
                f"User ID={self.user()};Password={pw};MultipleActiveResultSets=False;Encrypt=True;")

    # ----- catalogues ----------------------------------------------------------------------
    def secret_items(self) -> list[Item]:
        pw = self.password
        items = [
            Item("AWS_ACCESS_KEY_ID", self.aws_id(), "aws_access_key_id", True),
            Item("AWS_SECRET_ACCESS_KEY", self.aws_secret(), "aws_secret_key", True),
            Item("GITHUB_TOKEN", self.github(), "github_token", True),
            Item("GITLAB_TOKEN", self.gitlab(), "gitlab_token", True),
            Item("BITBUCKET_APP_PASSWORD", self.bitbucket(), "bitbucket_token", True),
            Item("SLACK_BOT_TOKEN", self.slack_bot(), "slack_token", True),
            Item("SLACK_USER_TOKEN", self.slack_user(), "slack_token", True),
            Item("SLACK_APP_TOKEN", self.slack_app(), "slack_token", True),
            Item("SLACK_WEBHOOK_URL", self.slack_hook(), "slack_webhook", True),
            Item("DISCORD_BOT_TOKEN", self.discord_bot(), "discord_token", True),
            Item("DISCORD_WEBHOOK", self.discord_hook(), "discord_webhook", True),
            Item("TELEGRAM_BOT_TOKEN", self.telegram(), "telegram_token", True),
            Item("STRIPE_SECRET_KEY", self.stripe(), "stripe_key", True),
            Item("STRIPE_WEBHOOK_SECRET", self.stripe_whsec(), "stripe_webhook_secret", True),
            Item("TWILIO_AUTH_TOKEN", self.rs(HEX, 32), "twilio_auth_token", True),
            Item("SENDGRID_API_KEY", self.sendgrid(), "sendgrid_key", True),
            Item("MAILGUN_API_KEY", self.mailgun(), "mailgun_key", True),
            Item("OPENAI_API_KEY", self.openai(), "openai_key", True),
            Item("ANTHROPIC_API_KEY", self.anthropic(), "anthropic_key", True),
            Item("HF_TOKEN", self.huggingface(), "huggingface_token", True),
            Item("NPM_TOKEN", self.npm(), "npm_token", True),
            Item("PYPI_API_TOKEN", self.pypi(), "pypi_token", True),
            Item("SHOPIFY_ACCESS_TOKEN", self.shopify(), "shopify_token", True),
            Item("SQUARE_ACCESS_TOKEN", self.square(), "square_token", True),
            Item("DD_API_KEY", self.datadog_api(), "datadog_key", True),
            Item("DD_APP_KEY", self.datadog_app(), "datadog_key", True),
            Item("HEROKU_API_KEY", self.heroku(), "heroku_key", True),
            Item("DIGITALOCEAN_TOKEN", self.digitalocean(), "digitalocean_token", True),
            Item("GOOGLE_MAPS_API_KEY", self.google_api(), "google_api_key", True),
            Item("GOOGLE_CLIENT_SECRET", self.gcp_oauth_secret(), "oauth_client_secret", True),
            Item("AZURE_STORAGE_CONNECTION_STRING", self.azure_conn(), "azure_storage_conn", True),
            Item("AZURE_CLIENT_SECRET", self.azure_ad_secret(), "azure_client_secret", True),
            Item("VAULT_TOKEN", self.vault_token(), "vault_token", True),
            Item("GRAFANA_SERVICE_ACCOUNT_TOKEN", self.grafana(), "grafana_token", True),
            Item("NEW_RELIC_API_KEY", self.newrelic(), "newrelic_key", True),
            Item("LINEAR_API_KEY", self.linear(), "linear_key", True),
            Item("POSTMAN_API_KEY", self.postman(), "postman_key", True),
            Item("PULUMI_ACCESS_TOKEN", self.pulumi(), "pulumi_token", True),
            Item("DOPPLER_TOKEN", self.doppler(), "doppler_token", True),
            Item("JIRA_API_TOKEN", self.atlassian(), "atlassian_token", True),
            Item("SENTRY_AUTH_TOKEN", self.sentry_user(), "sentry_token", True),
            Item("CLOUDFLARE_API_TOKEN", self.cloudflare(), "cloudflare_token", True),
            Item("DATABASE_URL", self.db_url(), "db_url", True),
            Item("REDIS_URL", self.db_url(scheme=self.pick(("redis", "rediss"))), "db_url", True),
            Item("MONGO_URI", self.db_url(scheme=self.pick(("mongodb", "mongodb+srv"))), "db_url", True),
            Item("DB_PASSWORD", pw(), "password", True),
            Item("POSTGRES_PASSWORD", pw(), "password", True),
            Item("MYSQL_ROOT_PASSWORD", pw(), "password", True),
            Item("SMTP_PASSWORD", pw(), "password", True),
            Item("ADMIN_PASSWORD", pw("human"), "password", True),
            Item("LDAP_BIND_PASSWORD", pw(), "password", True),
            Item("KEYSTORE_PASSWORD", pw(), "password", True),
            Item("RABBITMQ_DEFAULT_PASS", pw(), "password", True),
            Item("SECRET_KEY", self.rs(ALNUM + "!@^*(-_=+)", 50), "app_secret", True),
            Item("JWT_SECRET", self.rs(URLSAFE, 48), "app_secret", True),
            Item("SESSION_SECRET", self.rs(HEX, 64), "app_secret", True),
            Item("ENCRYPTION_KEY", self.b64bytes(32), "app_secret", True),
            Item("API_KEY", self.generic_token(), "generic_api_key", True),
            Item("CLIENT_SECRET", self.rs(URLSAFE, 40), "oauth_client_secret", True),
            Item("AUTH_TOKEN", self.generic_token(), "generic_token", True),
            Item("ACCESS_TOKEN", self.jwt(), "jwt", True),
        ]
        return items

    def nonsecret_items(self) -> list[Item]:
        ph = self.pick
        items = [
            Item("DB_PASSWORD", ph(("changeme", "CHANGE_ME", "change-me-please")), "placeholder", False),
            Item("API_KEY", ph(("<your-api-key>", "<YOUR_API_KEY>", "your-api-key-here", "YOUR_KEY_HERE")), "placeholder", False),
            Item("SECRET_KEY", ph(("xxxxxxxxxxxxxxxxxxxxxxxx", "XXXXXXXXXXXXXXXX", "****************")), "placeholder", False),
            Item("ADMIN_PASSWORD", ph(("REDACTED", "[REDACTED]", "<redacted>", "********")), "placeholder", False),
            Item("AUTH_TOKEN", ph(("dummy-token", "fake-token-for-tests", "not-a-real-token", "DUMMY_TOKEN")), "placeholder", False),
            Item("STRIPE_SECRET_KEY", P_SK_LIVE + ph(("xxxxxxxxxxxxxxxxxxxxxxxx", "YOUR_KEY", "...")), "placeholder", False),
            Item("GITHUB_TOKEN", P_GHP + ph(("X" * 36, "your_token_here", "<token>")), "placeholder", False),
            Item("OPENAI_API_KEY", P_SK + ph(("...", "your-openai-key", "REPLACE_ME")), "placeholder", False),
            Item("AWS_ACCESS_KEY_ID", AWS_DOC_ID, "doc_example_key", False),
            Item("AWS_SECRET_ACCESS_KEY", AWS_DOC_SECRET, "doc_example_key", False),
            Item("SMTP_PASSWORD", "", "empty_value", False, mode="empty"),
            Item("JWT_SECRET", "JWT_SECRET", "env_lookup", False, mode="lookup"),
            Item("DB_PASSWORD", "DB_PASSWORD", "env_lookup", False, mode="lookup"),
            Item("SENDGRID_API_KEY", "SENDGRID_API_KEY", "env_lookup", False, mode="lookup"),
            Item("CLIENT_SECRET", "CLIENT_SECRET", "env_lookup", False, mode="lookup"),
            Item("STRIPE_PUBLISHABLE_KEY", self.stripe_pk(), "public_identifier", False),
            Item("TWILIO_ACCOUNT_SID", self.twilio_sid(), "public_identifier", False),
            Item("AZURE_TENANT_ID", self.uuid4(), "uuid_id", False),
            Item("AZURE_CLIENT_ID", self.uuid4(), "uuid_id", False),
            Item("GIT_COMMIT_SHA", self.sha1(), "git_sha", False),
            Item("ARTIFACT_SHA256", self.sha256(), "checksum", False),
            Item("BUILD_ID", self.pick((str(self.r.randint(10000, 99999)), "20261203." + str(self.r.randint(1, 40)),
                                        "bld-" + self.rs(LOWER + DIGITS, 12))), "build_id", False),
            Item("REQUEST_ID", self.uuid4(), "uuid_id", False),
            Item("TRACE_ID", self.rs(HEX, 32), "random_id", False),
            Item("BRAND_PRIMARY_COLOR", "#" + self.rs(HEX, 6), "css_color", False),
            Item("APP_VERSION", f"{self.r.randint(1, 9)}.{self.r.randint(0, 30)}.{self.r.randint(0, 99)}+git.{self.rs(HEX, 7)}", "version", False),
            Item("PASSWORD_MIN_LENGTH", str(self.pick((8, 10, 12, 14))), "policy", False),
            Item("SECRET_KEY_FILE", "/run/secrets/app_secret_key", "file_path", False),
            Item("TOKEN_URL", "https://oauth2.googleapis.com/token", "url_no_credentials", False),
            Item("DATABASE_URL", f"postgresql://{self.user()}@{self.host()}:5432/app?sslmode=require", "db_url_no_password", False),
            Item("PASSWORD_HASH_ALGORITHM", ph(("argon2id", "bcrypt", "pbkdf2_sha256")), "config_value", False),
            Item("AWS_REGION", ph(("eu-west-1", "us-east-2")), "config_value", False),
            Item("GOOGLE_CLOUD_PROJECT", "acme-" + self.rs(LOWER, 6) + "-" + self.digits(6), "public_identifier", False),
        ]
        return items

    def sample_items(self, n_secret: int, n_not: int) -> list[Item]:
        s = self.r.sample(self.secret_items(), n_secret)
        keys = {it.key for it in s}
        pool = []
        for it in self.nonsecret_items():
            if it.key not in keys:
                keys.add(it.key)
                pool.append(it)
        ns = self.r.sample(pool, min(n_not, len(pool)))
        out = s + ns
        self.r.shuffle(out)
        return out

    # ===== catalogue-driven files ==========================================================
    def f_dotenv(self, path: str, ns: int, nn: int) -> None:
        d = self.doc(path)
        d.add("# local environment - loaded by docker compose and the app")
        d.add("APP_ENV=production")
        d.add("LOG_LEVEL=info")
        for it in self.sample_items(ns, nn):
            k = it.key
            if it.mode == "lookup":
                line = f"{k}=${{{it.value}_FROM_VAULT}}" if self.r.random() < 0.5 else f"{k}=${{{it.value}:?required}}"
            elif it.mode == "empty":
                line = f"{k}="
            else:
                style = self.r.randint(0, 3)
                v = it.value
                if style == 0 and it.plain_ok:
                    line = f"{k}={v}"
                elif style == 1:
                    line = f"export {k}={dq(v)}"
                elif style == 2 and "'" not in v:
                    line = f"{k}='{v}'"
                else:
                    line = f"{k}={dq(v)}"
            d.l(line, it.secret, it.kind)
        if self.r.random() < 0.5:
            d.s(f"# STRIPE_SECRET_KEY={self.stripe()}  # old key, keep until the migration is done", "stripe_key")
        else:
            d.s(f"#GITHUB_TOKEN={self.github()}", "github_token")
        d.n("# API_KEY=<paste your key here>", "placeholder")
        d.add("FEATURE_FLAGS=search,checkout")

    def f_yaml(self, path: str, ns: int, nn: int) -> None:
        d = self.doc(path)
        d.add("# application settings")
        d.add("app:")
        d.add("  name: orders-service")
        d.add("  port: 8080")
        d.add("credentials:")
        for it in self.sample_items(ns, nn):
            k = snake(it.key)
            if it.mode == "lookup":
                line = f"  {k}: \"${{{it.value}}}\""
            elif it.mode == "empty":
                line = f"  {k}: \"\""
            elif it.plain_ok and self.r.random() < 0.5 and not re.fullmatch(r"[0-9.e+-]+", it.value):
                line = f"  {k}: {it.value}"
            elif "'" not in it.value and self.r.random() < 0.5:
                line = f"  {k}: '{it.value}'"
            else:
                line = f"  {k}: {dq(it.value)}"
            d.l(line, it.secret, it.kind)
        d.add("  # previous value, rotated on 2026-11-02:")
        d.s(f"  # smtp_password: {dq(self.password())}", "password")
        d.add("logging:")
        d.add("  level: INFO")

    def f_json(self, path: str, ns: int, nn: int) -> None:
        d = self.doc(path)
        items = self.sample_items(ns, nn)
        d.add("{")
        d.add('  "service": "payments",')
        d.add('  "settings": {')
        for i, it in enumerate(items):
            comma = "," if i < len(items) - 1 else ""
            k = camel(it.key)
            if it.mode == "lookup":
                v = "${" + it.value + "}"
            else:
                v = it.value
            d.l(f"    {dq(k)}: {dq(v)}{comma}", it.secret, it.kind)
        d.add("  },")
        d.add('  "timeoutMs": 5000')
        d.add("}")

    def f_toml(self, path: str, ns: int, nn: int) -> None:
        d = self.doc(path)
        d.add("# deploy settings")
        d.add("[server]")
        d.add('host = "0.0.0.0"')
        d.add("port = 8000")
        d.add("")
        d.add("[secrets]")
        for it in self.sample_items(ns, nn):
            k = snake(it.key)
            v = "${" + it.value + "}" if it.mode == "lookup" else it.value
            if "'" not in v and self.r.random() < 0.4:
                d.l(f"{k} = '{v}'", it.secret, it.kind)
            else:
                d.l(f"{k} = {dq(v)}", it.secret, it.kind)

    def f_ini(self, path: str, ns: int, nn: int) -> None:
        d = self.doc(path)
        d.add("[DEFAULT]")
        d.add("timeout = 30")
        d.add("")
        d.add("[credentials]")
        for it in self.sample_items(ns, nn):
            k = snake(it.key)
            v = f"%({snake(it.value)})s" if it.mode == "lookup" else it.value
            sep = self.pick((" = ", "=", ": "))
            d.l(f"{k}{sep}{v}".rstrip(), it.secret, it.kind)

    def f_properties(self, path: str, ns: int, nn: int) -> None:
        d = self.doc(path)
        d.add("# Spring Boot")
        d.add("server.port=8443")
        d.add("spring.application.name=ledger")
        for it in self.sample_items(ns, nn):
            k = "app." + it.key.lower().replace("_", "-")
            v = "${" + it.value + "}" if it.mode == "lookup" else it.value
            d.l(f"{k}={v}", it.secret, it.kind)
        pw = self.password()
        d.s(f"spring.datasource.url={self.jdbc(pw)}", "jdbc_url")
        d.add(f"spring.datasource.username={self.user()}")
        d.s(f"spring.datasource.password={self.password()}", "password")
        d.n("spring.mail.password=${MAIL_PASSWORD:}", "env_lookup")
        d.n("spring.security.oauth2.client.registration.github.client-secret=${GITHUB_CLIENT_SECRET}", "env_lookup")
        d.s(f"spring.security.oauth2.client.registration.google.client-secret={self.gcp_oauth_secret()}", "oauth_client_secret")
        d.n("server.ssl.key-store-password=", "empty_value")
        d.add("spring.rabbitmq.password=\\")
        d.s(f"    {self.password(safe=True)}", "password")

    def f_shell(self, path: str, ns: int, nn: int) -> None:
        d = self.doc(path)
        d.add("#!/usr/bin/env bash")
        d.add("set -euo pipefail")
        for it in self.sample_items(ns, nn):
            k = it.key
            if it.mode == "lookup":
                line = f'export {k}="$(vault kv get -field={snake(it.value)} secret/app)"'
                kind = "vault_lookup"
            elif it.mode == "empty":
                line = f'export {k}=""'
                kind = it.kind
            else:
                line = f"export {k}={sq(it.value) if self.r.random() < 0.5 else dq(it.value)}"
                kind = it.kind
            d.l(line, it.secret, kind)
        d.add('echo "deploying ${APP_ENV:-dev}"')

    def f_powershell(self, path: str, ns: int, nn: int) -> None:
        d = self.doc(path)
        d.add("# deployment helper")
        d.add("$ErrorActionPreference = 'Stop'")
        for it in self.sample_items(ns, nn):
            if it.mode == "lookup":
                line = f"$env:{it.key} = (Get-Secret -Name '{it.value}' -AsPlainText)"
                kind = "vault_lookup"
            else:
                line = f"$env:{it.key} = '{it.value}'"
                kind = it.kind
            d.l(line, it.secret, kind)
        pw = self.password()
        d.s(f"$SecurePass = ConvertTo-SecureString '{pw}' -AsPlainText -Force", "password")
        d.add(f"$Cred = New-Object System.Management.Automation.PSCredential ('{self.user()}', $SecurePass)")
        d.n("$Token = $env:AZURE_DEVOPS_PAT", "env_lookup")
        d.n("$Password = Read-Host -AsSecureString 'Password'", "function_call")

    def code_value(self, lang: str, it: Item) -> str:
        """Render the right-hand side of an assignment in a programming language."""
        if it.mode == "lookup":
            return {
                "py": f'os.environ["{it.value}"]', "js": f"process.env.{it.value}",
                "go": f'os.Getenv("{it.value}")', "java": f'System.getenv("{it.value}")',
                "cs": f'Environment.GetEnvironmentVariable("{it.value}")', "rb": f"ENV.fetch('{it.value}')",
                "php": f"getenv('{it.value}')",
            }[lang]
        if it.mode == "empty":
            return "''" if lang in ("rb", "php") else '""'
        if lang in ("rb", "php") and self.r.random() < 0.5:
            return "'" + it.value.replace("\\", "\\\\").replace("'", "\\'") + "'"
        if lang == "js" and self.r.random() < 0.3 and "`" not in it.value and "${" not in it.value:
            return "`" + it.value + "`"
        return dq(it.value)

    def f_python(self, path: str, ns: int, nn: int) -> None:
        d = self.doc(path)
        d.add('"""Settings for the production deployment."""')
        d.add("import os")
        d.add("import secrets")
        d.add("")
        d.add("DEBUG = False")
        for it in self.sample_items(ns, nn):
            d.l(f"{it.key} = {self.code_value('py', it)}", it.secret, it.kind)
        # Python-specific shapes
        pw = self.password()
        d.add("DATABASES = {")
        d.add('    "default": {')
        d.add('        "ENGINE": "django.db.backends.postgresql",')
        d.add(f'        "USER": "{self.user()}",')
        d.s(f'        "PASSWORD": {dq(pw)},', "password")
        d.add(f'        "HOST": "{self.host()}",')
        d.add("    }")
        d.add("}")
        d.add("UPSTREAM_URL = (")
        d.s(f"    {dq(self.db_url())}", "db_url")
        d.add(")")
        tok = self.github()
        d.s(f'GH_TOKEN = "{tok[:4]}" + "{tok[4:]}"', "github_token")
        d.n("SECRET_KEY = secrets.token_urlsafe(50)", "function_call")
        d.s(f"# SENTRY_DSN_TOKEN = {dq(self.sentry_user())}  # TODO move to vault", "sentry_token")
        d.n('PASSWORD_FIELD = "password"', "key_name_only")
        d.n("API_TOKEN = os.environ.get('API_TOKEN', '')", "env_lookup")
        d.n("PASSWORD_VALIDATORS = [{'NAME': 'MinimumLengthValidator', 'OPTIONS': {'min_length': 12}}]", "policy")
        d.n("SMTP_PASSWORD = settings_from_vault.smtp_password", "variable_reference")
        d.n('DSN_TEMPLATE = "postgresql://%(user)s:%(password)s@%(host)s/%(db)s"', "template")
        d.s(f"redis_client = Redis(host='{self.host()}', port=6379, password='{self.password()}')", "password")
        d.n("conn = psycopg2.connect(host=cfg.host, user=cfg.user, password=cfg.password)", "variable_reference")
        d.s(f"boto3.client('s3', aws_access_key_id='{self.aws_id()}',", "aws_access_key_id")
        d.s(f"             aws_secret_access_key='{self.aws_secret()}')", "aws_secret_key")

    def f_js(self, path: str, ns: int, nn: int, ts: bool = False) -> None:
        d = self.doc(path)
        d.add("'use strict';" if not ts else "import type { Config } from './types';")
        d.add("")
        d.add("const config" + (": Config" if ts else "") + " = {")
        for it in self.sample_items(ns, nn):
            d.l(f"  {camel(it.key)}: {self.code_value('js', it)},", it.secret, it.kind)
        d.add("};")
        d.add("")
        d.s(f"const upstreamUri = {dq(self.db_url())};", "db_url")
        k = self.stripe()
        d.s(f"const stripe = require('stripe')('{k[:8]}' + '{k[8:]}');", "stripe_key")
        d.n("const apiKey = process.env.API_KEY ?? '';", "env_lookup")
        d.s(f"axios.defaults.headers.common['Authorization'] = 'Bearer {self.jwt()}';", "jwt")
        d.add("")
        d.add("async function callApi(req" + (": Request" if ts else "") + ") {")
        d.n("  const token = await getToken({ audience: 'https://api.acme.io' });", "function_call")
        d.n("  const password = req.body.password;", "variable_reference")
        d.add("  return fetch('https://api.acme.io/v1/login', {")
        d.n("    headers: { Authorization: `Bearer ${token}` },", "template")
        d.add("    body: JSON.stringify({ password }),")
        d.add("  });")
        d.add("}")
        if ts:
            d.add("interface DbConfig {")
            d.n("  password?: string;", "key_name_only")
            d.add("}")
            d.n("type Secrets = { apiKey: string; clientSecret: string };", "key_name_only")
        d.add("module.exports = config;" if not ts else "export default config;")

    def f_go(self, path: str, ns: int, nn: int) -> None:
        d = self.doc(path)
        d.add("package config")
        d.add("")
        d.add('import "os"')
        d.add("")
        d.add("const (")
        consts = [it for it in self.sample_items(ns, nn) if it.mode not in ("lookup",)]
        for it in consts:
            d.l(f"\t{pascal(it.key)} = {self.code_value('go', it)}", it.secret, it.kind)
        d.add(")")
        d.add("")
        d.add("var (")
        d.n('\tStripeKey = os.Getenv("STRIPE_SECRET_KEY")', "env_lookup")
        pw = self.password(safe=True)
        d.s(f'\tMySQLDSN = "{self.user()}:{pw}@tcp({self.host()}:3306)/orders?parseTime=true"', "db_dsn")
        d.s(f'\tPgConn = "host={self.host()} port=5432 user={self.user()} password={self.password(safe=True)} dbname=app sslmode=require"', "db_dsn")
        d.n('\tDSNFormat = "%s:%s@tcp(%s)/%s"', "template")
        d.n('\tpasswordKey = "password"', "key_name_only")
        d.s(f"\tsigningKey = []byte({dq(self.rs(URLSAFE, 40))})", "app_secret")
        d.add(")")

    def f_java(self, path: str, ns: int, nn: int) -> None:
        d = self.doc(path)
        d.add("package com.acme.billing;")
        d.add("")
        d.add("public final class Secrets {")
        for it in self.sample_items(ns, nn):
            d.l(f"    public static final String {it.key} = {self.code_value('java', it)};", it.secret, it.kind)
        d.add("    private static final String DB_URL =")
        d.s(f"        {dq(self.jdbc(self.password()))};", "jdbc_url")
        d.add("    private static final String KEYSTORE_PASS =")
        d.s(f"        {dq(self.password())};", "password")
        d.n("    private String password;", "key_name_only")
        d.add("    static Connection open(String url, String user, Properties props) throws SQLException {")
        d.n("        char[] password = System.console().readPassword();", "function_call")
        d.add("        if (props.isEmpty()) {")
        d.s(f"            return DriverManager.getConnection(url, \"{self.user()}\", {dq(self.password())});", "password")
        d.add("        }")
        d.n("        return DriverManager.getConnection(url, user, props.getProperty(\"db.password\"));", "variable_reference")
        d.add("    }")
        d.add("}")

    def f_csharp(self, path: str, ns: int, nn: int) -> None:
        d = self.doc(path)
        d.add("namespace Acme.Orders;")
        d.add("")
        d.add("internal static class Keys")
        d.add("{")
        for it in self.sample_items(ns, nn):
            d.l(f"    internal static readonly string {pascal(it.key)} = {self.code_value('cs', it)};", it.secret, it.kind)
        d.s(f"    private const string Conn = @{dq(self.ado(self.password()))};", "db_connection_string")
        d.n('    private const string LocalConn = "Server=(localdb)\\\\MSSQLLocalDB;Database=Orders;Trusted_Connection=True;";', "db_connection_string_no_password")
        d.add("    internal static void Wire(WebApplicationBuilder builder)")
        d.add("    {")
        d.n('        var conn = builder.Configuration.GetConnectionString("Orders");', "function_call")
        d.s(f"        var cred = new NetworkCredential(\"{self.user()}\", {dq(self.password())});", "password")
        d.add("    }")
        d.add("}")

    def f_ruby(self, path: str, ns: int, nn: int) -> None:
        d = self.doc(path)
        d.add("# frozen_string_literal: true")
        d.add("")
        d.add("Rails.application.configure do")
        for it in self.sample_items(ns, nn):
            d.l(f"  config.x.{snake(it.key)} = {self.code_value('rb', it)}", it.secret, it.kind)
        d.add("end")
        d.add("")
        d.add("ActionMailer::Base.smtp_settings = {")
        d.add("  address: 'smtp.sendgrid.net',")
        d.add("  user_name: 'apikey',")
        d.s(f"  password: '{self.sendgrid()}',", "sendgrid_key")
        d.add("}")
        d.n("Stripe.api_key = Rails.application.credentials.dig(:stripe, :secret_key)", "function_call")
        d.s(f"Octokit::Client.new(access_token: \"{self.github()}\")", "github_token")

    def f_php(self, path: str, ns: int, nn: int) -> None:
        d = self.doc(path)
        d.add("<?php")
        d.add("// wp-config style settings")
        for it in self.sample_items(ns, nn):
            d.l(f"define('{it.key}', {self.code_value('php', it)});", it.secret, it.kind)
        d.s(f"$pdo = new PDO('mysql:host={self.host()};dbname=shop', '{self.user()}', '{self.password()}');", "password")
        d.n("$pdo = new PDO($dsn, $user, $_ENV['DB_PASS']);", "env_lookup")
        d.s(f"$config['db']['password'] = \"{self.password(safe=True)}\";", "password")
        d.n("define('AUTH_KEY',         'put your unique phrase here');", "placeholder")
        d.s(f"define('SECURE_AUTH_KEY',  '{self.rs(ALNUM + '!@^*()-_=+[]{}:,.?~<>|', 64)}');", "app_secret")

    def f_dockerfile(self, path: str) -> None:
        d = self.doc(path)
        d.n(f"FROM python:3.12-slim@sha256:{self.sha256()}", "image_digest")
        d.add("WORKDIR /app")
        d.s(f"ENV AWS_ACCESS_KEY_ID={self.aws_id()} \\", "aws_access_key_id")
        d.s(f"    AWS_SECRET_ACCESS_KEY={self.aws_secret()}", "aws_secret_key")
        d.s(f"ARG NPM_TOKEN={self.npm()}", "npm_token")
        d.n("ARG GITHUB_TOKEN", "key_name_only")
        d.n("ENV DATABASE_PASSWORD=${DATABASE_PASSWORD}", "env_lookup")
        pw = urllib.parse.quote(self.password(), safe="")
        d.s(f"RUN pip install --index-url https://{self.user()}:{pw}@pypi.internal.acme.io/simple -r requirements.txt", "basic_auth_url")
        d.n("RUN --mount=type=secret,id=pip_token PIP_TOKEN=$(cat /run/secrets/pip_token) pip install .", "secret_mount")
        d.s(f'ENV SENTRY_AUTH_TOKEN="{self.sentry_user()}"', "sentry_token")
        d.add('CMD ["gunicorn", "app:app"]')

    def f_terraform(self, path: str) -> None:
        d = self.doc(path)
        d.add('provider "aws" {')
        d.add('  region     = "eu-west-1"')
        d.s(f'  access_key = "{self.aws_id()}"', "aws_access_key_id")
        d.s(f'  secret_key = "{self.aws_secret()}"', "aws_secret_key")
        d.add("}")
        d.add("")
        d.add('resource "aws_db_instance" "main" {')
        d.add('  engine         = "postgres"')
        d.add(f'  username       = "{self.user()}"')
        d.s(f'  password       = {dq(self.password())}', "password")
        d.add("}")
        d.add("")
        d.add('resource "aws_db_instance" "replica" {')
        d.n("  password = var.db_password", "variable_reference")
        d.add("}")
        d.add('resource "random_password" "db" {')
        d.add("  length  = 24")
        d.add("}")
        d.add('resource "aws_secretsmanager_secret_version" "db" {')
        d.add("  secret_id     = aws_secretsmanager_secret.db.id")
        d.n("  secret_string = random_password.db.result", "variable_reference")
        d.add("}")
        d.add('variable "datadog_api_key" {')
        d.add('  type      = string')
        d.s(f'  default   = "{self.datadog_api()}"', "datadog_key")
        d.add("  sensitive = true")
        d.add("}")
        d.add('variable "github_token" {')
        d.add("  type = string")
        d.n('  default = ""', "empty_value")
        d.add("}")
        d.add('provider "azurerm" {')
        d.add("  features {}")
        d.n(f'  tenant_id       = "{self.uuid4()}"', "uuid_id")
        d.n(f'  subscription_id = "{self.uuid4()}"', "uuid_id")
        d.s(f'  client_secret   = "{self.azure_ad_secret()}"', "azure_client_secret")
        d.add("}")
        d.add('provider "cloudflare" {')
        d.s(f'  api_token = "{self.cloudflare()}"', "cloudflare_token")
        d.add("}")
        d.add('data "aws_secretsmanager_secret_version" "api" {')
        d.n('  secret_id = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:prod/api-key-AbCdEf"', "secret_reference")
        d.add("}")

    def f_k8s_secret(self, path: str) -> None:
        d = self.doc(path)
        b = lambda s: base64.b64encode(s.encode()).decode()  # noqa: E731
        d.add("apiVersion: v1")
        d.add("kind: Secret")
        d.add("metadata:")
        d.add("  name: orders-db")
        d.add("type: Opaque")
        d.add("data:")
        d.n(f"  username: {b(self.user())}", "base64_non_secret")
        d.s(f"  password: {b(self.password())}", "k8s_secret_base64")
        d.s(f"  database-url: {b(self.db_url())}", "k8s_secret_base64")
        d.s(f"  stripe-key: {b(self.stripe())}", "k8s_secret_base64")
        d.n(f"  port: {b('5432')}", "base64_non_secret")
        d.add("stringData:")
        d.s(f"  SMTP_PASSWORD: {dq(self.password())}", "password")
        d.n("  SMTP_HOST: smtp.mailgun.org", "config_value")
        d.add("---")
        d.add("apiVersion: v1")
        d.add("kind: ConfigMap")
        d.add("metadata:")
        d.add("  name: orders-config")
        d.add("binaryData:")
        d.n(f"  app.properties: {b('log.level=INFO' + chr(10) + 'feature.search=true' + chr(10))}", "base64_non_secret")
        d.add("data:")
        d.n(f"  REQUEST_TIMEOUT: \"30s\"", "config_value")

    def f_k8s_deploy(self, path: str) -> None:
        d = self.doc(path)
        d.add("apiVersion: apps/v1")
        d.add("kind: Deployment")
        d.add("metadata:")
        d.add("  name: worker")
        d.add("spec:")
        d.add("  template:")
        d.add("    spec:")
        d.add("      containers:")
        d.add("        - name: worker")
        d.n(f"          image: ghcr.io/acme/worker@sha256:{self.sha256()}", "image_digest")
        d.add("          env:")
        d.add("            - name: DB_PASSWORD")
        d.s(f"              value: {dq(self.password())}", "password")
        d.add("            - name: OPENAI_API_KEY")
        d.s(f"              value: {self.openai()}", "openai_key")
        d.add("            - name: API_TOKEN")
        d.add("              valueFrom:")
        d.add("                secretKeyRef:")
        d.add("                  name: worker-secrets")
        d.n("                  key: api-token", "secret_reference")
        d.add("            - name: POD_UID")
        d.n(f"              value: \"{self.uuid4()}\"", "uuid_id")
        d.add("            - name: SLACK_WEBHOOK_URL")
        d.add("              value: >-")
        d.s(f"                {self.slack_hook()}", "slack_webhook")

    def f_helm(self, path: str) -> None:
        d = self.doc(path)
        d.add("# Default values for orders chart.")
        d.add("replicaCount: 2")
        d.add("postgresql:")
        d.add("  auth:")
        d.add(f"    username: {self.user()}")
        d.s(f"    password: {dq(self.password())}", "password")
        d.s(f"    postgresPassword: {self.password(safe=True)}", "password")
        d.n("    existingSecret: orders-postgres-credentials", "secret_reference")
        d.add("redis:")
        d.add("  auth:")
        d.n('    password: ""', "empty_value")
        d.add("mongodb:")
        d.add("  auth:")
        d.s(f"    rootPassword: '{self.password()}'", "password")
        d.n("    replicaSetKey: CHANGE_ME_REPLICA_KEY", "placeholder")
        d.add("ingress:")
        d.add("  tls:")
        d.n("    secretName: orders-tls", "secret_reference")
        d.add("externalSecrets:")
        d.n('  apiKey: "{{ .Values.global.apiKey }}"', "template")
        d.n("  githubToken: '{{ requiredEnv \"GITHUB_TOKEN\" }}'", "template")
        d.add("image:")
        d.n(f"  tag: \"v{self.r.randint(1, 4)}.{self.r.randint(0, 20)}.{self.r.randint(0, 9)}-{self.rs(HEX, 7)}\"", "version")

    def f_compose(self, path: str) -> None:
        d = self.doc(path)
        d.add("services:")
        d.add("  db:")
        d.add("    image: postgres:16")
        d.add("    environment:")
        d.add("      POSTGRES_USER: orders")
        d.s(f"      POSTGRES_PASSWORD: {dq(self.password())}", "password")
        d.add("  mysql:")
        d.add("    image: mysql:8")
        d.add("    environment:")
        d.n("      - MYSQL_ROOT_PASSWORD=${MYSQL_ROOT_PASSWORD}", "env_lookup")
        d.s(f"      - MYSQL_PASSWORD={self.password(safe=True)}", "password")
        d.add("  app:")
        d.add("    build: .")
        d.add("    environment:")
        d.s(f"      - REDIS_URL=redis://:{self.password(safe=True)}@redis:6379/0", "db_url")
        d.s(f'      - "CELERY_BROKER_URL=amqp://guest2:{self.password(safe=True)}@rabbitmq:5672//"', "db_url")
        d.n("      - MINIO_ROOT_PASSWORD=minioadmin", "well_known_default")
        d.n("      - SECRET_KEY_BASE_FILE=/run/secrets/skb", "file_path")
        d.n(f"      - BUILD_SHA={self.sha1()}", "git_sha")
        d.add("  minio:")
        d.add("    image: minio/minio")
        d.add("secrets:")
        d.add("  skb:")
        d.n("    file: ./secrets/secret_key_base.txt", "file_path")

    def f_ansible(self, path: str) -> None:
        d = self.doc(path)
        d.add("---")
        d.add(f"ansible_user: {self.user()}")
        d.s(f"ansible_become_password: {dq(self.password())}", "password")
        d.n('mysql_root_password: "{{ vault_mysql_root_password }}"', "template")
        d.s(f"postgres_replication_password: '{self.password()}'", "password")
        d.n("api_token: \"{{ lookup('env', 'API_TOKEN') }}\"", "env_lookup")
        d.n("vault_password_file: ~/.ansible/vault_pass.txt", "file_path")
        d.add("smtp_relay_password: !vault |")
        d.n("  $ANSIBLE_VAULT;1.1;AES256", "encrypted_value")
        for _ in range(3):
            d.add("  " + self.rs(HEX, 80))
        d.s(f"grafana_admin_password: {self.password(style='human', safe=True)}", "password")
        d.n("grafana_admin_user: admin", "config_value")

    # ===== credential files ================================================================
    def f_npmrc(self, path: str) -> None:
        d = self.doc(path)
        d.add("registry=https://registry.npmjs.org/")
        d.s(f"//registry.npmjs.org/:_authToken={self.npm()}", "npm_token")
        d.add("@acme:registry=https://npm.pkg.github.com")
        d.s(f"//npm.pkg.github.com/:_authToken={self.github()}", "github_token")
        d.n("//npm.fontawesome.com/:_authToken=${FONTAWESOME_NPM_AUTH_TOKEN}", "env_lookup")
        up = base64.b64encode(f"{self.user()}:{self.password()}".encode()).decode()
        d.s(f"//nexus.acme.io/repository/npm/:_auth={up}", "basic_auth_base64")
        d.add("always-auth=true")

    def f_pypirc(self, path: str) -> None:
        d = self.doc(path)
        d.add("[distutils]")
        d.add("index-servers =")
        d.add("    pypi")
        d.add("    internal")
        d.add("")
        d.add("[pypi]")
        d.add("username = __token__")
        d.s(f"password = {self.pypi()}", "pypi_token")
        d.add("")
        d.add("[internal]")
        d.add("repository = https://nexus.acme.io/repository/pypi-internal/")
        d.add(f"username = {self.user()}")
        d.s(f"password = {self.password()}", "password")
        d.add("[testpypi]")
        d.add("username = __token__")
        d.n("password = <your TestPyPI token>", "placeholder")

    def f_netrc(self, path: str) -> None:
        d = self.doc(path)
        d.s(f"machine api.heroku.com login ops@acme.io password {self.heroku()}", "heroku_key")
        d.add("machine github.com")
        d.add("  login acme-bot")
        d.s(f"  password {self.github()}", "github_token")
        d.add("machine ftp.partner-logistics.net")
        d.add(f"  login {self.user()}")
        d.s(f"  password {self.password(safe=True)}", "password")
        d.n("machine localhost login test password test", "placeholder")

    def f_git_credentials(self, path: str) -> None:
        d = self.doc(path)
        d.s(f"https://acme-bot:{self.github()}@github.com", "github_token")
        d.s(f"https://oauth2:{self.gitlab()}@gitlab.com", "gitlab_token")
        d.s(f"https://x-token-auth:{self.bitbucket()}@bitbucket.org", "bitbucket_token")
        d.n("https://github.com", "url_no_credentials")

    def f_curl(self, path: str) -> None:
        d = self.doc(path)
        d.add("#!/bin/sh")
        d.add("# smoke tests against prod")
        d.s(f"curl -s -u {self.user()}:{self.password(safe=True)} https://jenkins.acme.io/api/json", "basic_auth")
        d.s(f"curl -H 'Authorization: Bearer {self.jwt()}' https://api.acme.io/v1/me", "jwt")
        d.n('curl -H "Authorization: Bearer $API_TOKEN" https://api.acme.io/v1/me', "env_lookup")
        d.add("curl -X POST https://api.mailgun.net/v3/mg.acme.io/messages \\")
        d.s(f"  --user 'api:{self.mailgun()}' \\", "mailgun_key")
        d.add("  -F to=ops@acme.io -F subject=ping")
        up = base64.b64encode(f"{self.user()}:{self.password()}".encode()).decode()
        d.s(f"curl -H 'Authorization: Basic {up}' https://registry.acme.io/v2/_catalog", "basic_auth_base64")
        placeholder = base64.b64encode(b"username:password").decode()
        d.n(f"# e.g. curl -H 'Authorization: Basic {placeholder}' https://host/", "placeholder")
        d.s(f"curl -X POST -H 'Content-type: application/json' --data '{{\"text\":\"deploy done\"}}' {self.slack_hook()}", "slack_webhook")
        d.s(f"curl https://api.telegram.org/bot{self.telegram()}/sendMessage -d chat_id=-100{self.digits(10)} -d text=ok", "telegram_token")
        d.n(f"curl -H 'X-Request-Id: {self.uuid4()}' https://api.acme.io/health", "uuid_id")
        d.s(f"curl https://api.stripe.com/v1/charges -u {self.stripe()}:", "stripe_key")
        d.n(f"curl https://api.stripe.com/v1/charges -u {STRIPE_DOC_TEST}:", "doc_example_key")
        d.s(f"curl -H 'DD-API-KEY: {self.datadog_api()}' https://api.datadoghq.eu/api/v1/validate", "datadog_key")
        d.s(f"curl -H 'x-api-key: {self.anthropic()}' https://api.anthropic.com/v1/messages", "anthropic_key")
        d.s(f"curl -H \"Authorization: token {self.github()}\" https://api.github.com/user", "github_token")
        d.s(f"curl 'https://api.openweathermap.org/data/2.5/weather?q=Oslo&appid={self.rs(HEX, 32)}'", "generic_api_key")
        d.n(f"curl 'https://api.acme.io/v1/items?page=2&request_id={self.uuid4()}'", "uuid_id")
        d.s(f"mysql -h {self.host()} -u root -p'{self.password(safe=True)}' orders < dump.sql", "password")
        d.s(f"sshpass -p {self.password(safe=True)} ssh deploy@10.0.3.17 'systemctl restart app'", "password")
        d.n('mysql -h db.internal -u root -p"$MYSQL_ROOT_PASSWORD" orders < dump.sql', "env_lookup")
        d.s(f"PGPASSWORD={self.password(safe=True)} psql -h {self.host()} -U postgres -c 'select 1'", "password")
        d.n("curl -H \"PRIVATE-TOKEN: <your_access_token>\" https://gitlab.example.com/api/v4/projects", "placeholder")

    def f_connection_strings(self, path: str) -> None:
        d = self.doc(path)
        d.add("# connection strings used by the reporting jobs")
        for _ in range(6):
            d.s(self.db_url(), "db_url")
        d.s(self.ado(self.password()), "db_connection_string")
        pw = self.password().replace(";", "").replace("}", "")
        d.s(f"Driver={{ODBC Driver 18 for SQL Server}};Server={self.host()};Database=dw;Uid={self.user()};Pwd={pw};", "db_connection_string")
        d.s(f"{self.user()}/{self.password(safe=True)}@//{self.host()}:1521/ORCLPDB1", "oracle_connect")
        d.s(f"host={self.host()} port=5432 dbname=app user={self.user()} password={self.password(safe=True)}", "db_dsn")
        d.s(self.azure_conn(), "azure_storage_conn")
        d.s(f"BlobEndpoint=https://acmemedia.blob.core.windows.net/;SharedAccessSignature={self.azure_sas()}", "azure_sas")
        d.s(f"https://acmemedia.blob.core.windows.net/uploads?{self.azure_sas()}", "azure_sas")
        d.s(f"Endpoint=sb://acme-bus.servicebus.windows.net/;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={self.b64bytes(32)}", "azure_servicebus_key")
        d.n("Server=db.internal;Database=app;Integrated Security=True;", "db_connection_string_no_password")
        d.n("DefaultEndpointsProtocol=https;AccountName=devstoreaccount1;AccountKey=<account-key>;", "placeholder")
        d.n("UseDevelopmentStorage=true", "config_value")
        d.n(f"postgresql://{self.user()}:${{PGPASSWORD}}@{self.host()}:5432/app", "env_lookup")
        d.n("mysql://user:password@localhost:3306/dbname", "placeholder")
        d.n("mongodb://<username>:<password>@cluster0.mongodb.net/test", "placeholder")
        d.n(f"redis://{self.host()}:6379/0", "db_url_no_password")
        d.s(f"https://elastic:{self.password(safe=True)}@es.acme.io:9200", "basic_auth_url")
        d.s(f"ldaps://ldap.acme.io:636 bind_dn=cn=svc,dc=acme,dc=io bind_pw={self.password(safe=True)}", "password")

    def f_appsettings(self, path: str) -> None:
        d = self.doc(path)
        d.add("{")
        d.add('  "ConnectionStrings": {')
        d.s(f'    "Orders": {dq(self.ado(self.password()))},', "db_connection_string")
        d.n('    "Cache": "localhost:6379,abortConnect=false",', "db_url_no_password")
        d.s(f'    "Storage": {dq(self.azure_conn())}', "azure_storage_conn")
        d.add("  },")
        d.add('  "AzureAd": {')
        d.add('    "Instance": "https://login.microsoftonline.com/",')
        d.n(f'    "TenantId": "{self.uuid4()}",', "uuid_id")
        d.n(f'    "ClientId": "{self.uuid4()}",', "uuid_id")
        d.s(f'    "ClientSecret": "{self.azure_ad_secret()}"', "azure_client_secret")
        d.add("  },")
        d.add('  "Jwt": {')
        d.s(f'    "Key": "{self.rs(ALNUM, 64)}",', "app_secret")
        d.add('    "Issuer": "acme"')
        d.add("  },")
        d.add('  "Smtp": {')
        d.n('    "Password": "",', "empty_value")
        d.n('    "PasswordRequiredLength": 12', "policy")
        d.add("  }")
        d.add("}")

    def f_spring_xml(self, path: str) -> None:
        d = self.doc(path)
        d.add('<?xml version="1.0" encoding="UTF-8"?>')
        d.add('<beans xmlns="http://www.springframework.org/schema/beans">')
        d.add('  <bean id="dataSource" class="com.zaxxer.hikari.HikariDataSource">')
        d.s(f'    <property name="jdbcUrl" value="{xml_escape(self.jdbc(self.password()), {chr(34): "&quot;"})}"/>', "jdbc_url")
        d.add(f'    <property name="username" value="{self.user()}"/>')
        d.s(f'    <property name="password" value="{xml_escape(self.password(), {chr(34): "&quot;"})}"/>', "password")
        d.add("  </bean>")
        d.add('  <bean id="mail" class="org.springframework.mail.javamail.JavaMailSenderImpl">')
        d.n('    <property name="password" value="${mail.password}"/>', "env_lookup")
        d.add("  </bean>")
        d.add("</beans>")
        d2 = self.doc(path.replace("applicationContext.xml", "web.config"))
        d2.add('<?xml version="1.0" encoding="utf-8"?>')
        d2.add("<configuration>")
        d2.add("  <appSettings>")
        d2.s(f'    <add key="SendGridApiKey" value="{self.sendgrid()}" />', "sendgrid_key")
        d2.n('    <add key="SendGridApiKey.Dev" value="SG.xxxxxxxx.yyyyyyyy" />', "placeholder")
        d2.n(f'    <add key="InstrumentationKey" value="{self.uuid4()}" />', "uuid_id")
        d2.add("  </appSettings>")
        d2.add("  <connectionStrings>")
        d2.s(f'    <add name="Main" connectionString="{xml_escape(self.ado(self.password()))}" providerName="System.Data.SqlClient" />', "db_connection_string")
        d2.add("  </connectionStrings>")
        d2.add("</configuration>")
        d3 = self.doc(path.replace("applicationContext.xml", "settings.xml"))
        d3.add("<settings>")
        d3.add("  <servers>")
        d3.add("    <server>")
        d3.add("      <id>nexus-releases</id>")
        d3.add(f"      <username>{self.user()}</username>")
        d3.s(f"      <password>{xml_escape(self.password())}</password>", "password")
        d3.add("    </server>")
        d3.add("    <server>")
        d3.add("      <id>github</id>")
        d3.n("      <password>${env.GITHUB_TOKEN}</password>", "env_lookup")
        d3.add("    </server>")
        d3.add("    <server>")
        d3.add("      <id>legacy</id>")
        d3.n("      <password>{COQLCE6DU6GtcS5P=}</password>", "encrypted_value")
        d3.add("    </server>")
        d3.add("  </servers>")
        d3.add("</settings>")

    # ===== key material ====================================================================
    def pem_body(self, nbytes: int, first: str = "") -> list[str]:
        raw = first + self.b64bytes(nbytes)
        return [raw[i:i + 64] for i in range(0, len(raw), 64)]

    def f_keys(self) -> None:
        for path, label, first, n in (("deploy/server.key", "RSA ", "MIIEowIBAAKCAQEA", 1180),
                                      ("deploy/ec.key", "EC ", "MHcCAQEEI", 90),
                                      ("certs/pkcs8.pem", "", "MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", 1190),
                                      ("certs/legacy-enc.pem", "ENCRYPTED ", "MIIFHzBJBgkqhkiG9w0BBQ0w", 1240)):
            d = self.doc(path)
            d.s(PEM_PRIV.format(label), "private_key_pem" if label != "ENCRYPTED " else "private_key_encrypted")
            for ln in self.pem_body(n, first):
                d.add(ln)
            d.add(PEM_PRIV_END.format(label))
        d = self.doc(".ssh/id_ed25519")
        d.s(OPENSSH_BEGIN, "private_key_openssh")
        for ln in self.pem_body(300, "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"):
            d.add(ln[:70])
        d.add(OPENSSH_END)
        d = self.doc("keys/deploy.ppk")
        d.s(PUTTY_HDR, "private_key_putty")
        d.add("Encryption: none")
        d.add("Comment: deploy@build-agent")
        d.add("Public-Lines: 2")
        pub = "AAAAC3NzaC1lZDI1NTE5AAAAI" + self.b64bytes(32)
        d.add(pub[:64])
        d.add(pub[64:])
        d.add("Private-Lines: 1")
        d.add(self.b64bytes(36))
        d.add("Private-MAC: " + self.rs(HEX, 64))
        d = self.doc("keys/release-signing.asc")
        d.s(PGP_PRIV_BEGIN, "private_key_pgp")
        d.add("")
        for ln in self.pem_body(700, "lQdGBGV"):
            d.add(ln)
        d.add("=" + self.rs(ALNUM, 4))
        d.add(PGP_PRIV_END)
        # public material
        d = self.doc("certs/ca.pem")
        d.n(CERT_BEGIN, "certificate")
        for ln in self.pem_body(900, "MIIDdzCCAl+gAwIBAgIU"):
            d.add(ln)
        d.add(CERT_END)
        d = self.doc("certs/jwt-public.pem")
        d.n(PUB_BEGIN, "public_key_pem")
        for ln in self.pem_body(294, "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"):
            d.add(ln)
        d.add(PUB_END)
        d = self.doc("keys/maintainer.pub.asc")
        d.n(PGP_PUB_BEGIN, "public_key_pgp")
        d.add("")
        for ln in self.pem_body(400, "mQINBGV"):
            d.add(ln)
        d.add(PGP_PUB_END)
        d = self.doc(".ssh/authorized_keys")
        d.n("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + self.b64bytes(32)[:43] + " alice@laptop", "public_key_ssh")
        d.n("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ" + self.b64bytes(380)[:500] + " ci@runner", "public_key_ssh")
        d.n("ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBB" + self.b64bytes(64)[:86] + "= ops", "public_key_ssh")
        d = self.doc(".ssh/known_hosts")
        d.n("github.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + self.b64bytes(32)[:43], "public_key_ssh")
        d.n("|1|" + self.b64bytes(20) + "|" + self.b64bytes(20) + " ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTY" + self.b64bytes(60)[:80], "public_key_ssh")

    def f_gcp_sa(self, path: str) -> None:
        d = self.doc(path)
        body = "\\n".join(self.pem_body(1190, "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQ"))
        proj = "acme-" + self.rs(LOWER, 5) + "-" + self.digits(6)
        d.add("{")
        d.add('  "type": "service_account",')
        d.add(f'  "project_id": "{proj}",')
        d.n(f'  "private_key_id": "{self.rs(HEX, 40)}",', "public_identifier")
        d.s(f'  "private_key": "{PEM_PRIV.format("")}\\n{body}\\n{PEM_PRIV_END.format("")}\\n",', "private_key_pem")
        d.add(f'  "client_email": "deployer@{proj}.iam.gserviceaccount.com",')
        d.n(f'  "client_id": "{self.digits(21)}",', "public_identifier")
        d.add('  "auth_uri": "https://accounts.google.com/o/oauth2/auth",')
        d.add('  "token_uri": "https://oauth2.googleapis.com/token"')
        d.add("}")
        # OAuth client JSON
        d = self.doc(path.replace("service-account.json", "client_secret.json"))
        d.add('{"installed": {')
        d.n(f'  "client_id": "{self.digits(12)}-{self.rs(LOWER + DIGITS, 32)}.apps.googleusercontent.com",', "public_identifier")
        d.s(f'  "client_secret": "{self.gcp_oauth_secret()}",', "oauth_client_secret")
        d.add('  "redirect_uris": ["http://localhost"]')
        d.add("}}")
        # Firebase web config: api key here is public by design
        d = self.doc("web/src/firebase.ts")
        d.add("export const firebaseConfig = {")
        d.n(f'  appId: "1:{self.digits(12)}:web:{self.rs(HEX, 22)}",', "public_identifier")
        d.n(f'  measurementId: "G-{self.rs(UPPER + DIGITS, 10)}",', "public_identifier")
        d.add('  projectId: "acme-web",')
        d.add("};")

    # ===== hashes, ids, public values ======================================================
    def f_lockfiles(self) -> None:
        d = self.doc("web/package-lock.json")
        d.add("{")
        d.add('  "name": "web",')
        d.add('  "lockfileVersion": 3,')
        d.add('  "packages": {')
        names = self.r.sample(("lodash", "axios", "react", "express", "zod", "chalk", "debug", "ms"), 4)
        for i, nm in enumerate(names):
            d.add(f'    "node_modules/{nm}": {{')
            d.add(f'      "version": "{self.r.randint(1, 9)}.{self.r.randint(0, 20)}.{self.r.randint(0, 9)}",')
            d.add(f'      "resolved": "https://registry.npmjs.org/{nm}/-/{nm}-1.0.0.tgz",')
            d.n(f'      "integrity": "sha512-{self.b64bytes(64)}"', "integrity_hash")
            d.add("    }" + ("," if i < len(names) - 1 else ""))
        d.add("  }")
        d.add("}")
        d = self.doc("poetry.lock")
        for nm in ("requests", "urllib3"):
            d.add("[[package]]")
            d.add(f'name = "{nm}"')
            d.add('version = "2.32.3"')
            d.add("files = [")
            d.n(f'    {{file = "{nm}-2.32.3-py3-none-any.whl", hash = "sha256:{self.sha256()}"}},', "checksum")
            d.n(f'    {{file = "{nm}-2.32.3.tar.gz", hash = "sha256:{self.sha256()}"}},', "checksum")
            d.add("]")
            d.add("")
        d = self.doc("go.sum")
        for mod in ("github.com/lib/pq v1.10.9", "golang.org/x/crypto v0.31.0"):
            d.n(f"{mod} h1:{self.b64bytes(32)}", "checksum")
            d.n(f"{mod}/go.mod h1:{self.b64bytes(32)}", "checksum")
        d = self.doc("requirements.txt")
        d.add("flask==3.0.3 \\")
        d.n(f"    --hash=sha256:{self.sha256()}", "checksum")
        d.add("gunicorn==22.0.0 \\")
        d.n(f"    --hash=sha256:{self.sha256()}", "checksum")
        d = self.doc("dist/SHA256SUMS")
        for nm in ("br-linux-amd64.tar.gz", "br-darwin-arm64.tar.gz", "br-windows-amd64.zip"):
            d.n(f"{self.sha256()}  {nm}", "checksum")
        d = self.doc("yarn.lock")
        d.add('"left-pad@^1.3.0":')
        d.add('  version "1.3.0"')
        d.add('  resolved "https://registry.yarnpkg.com/left-pad/-/left-pad-1.3.0.tgz#' + self.sha1() + '"')
        d.n(f"  integrity sha1-{self.b64bytes(20)}", "integrity_hash")
        d = self.doc("web/index.html")
        d.add("<!doctype html>")
        d.add("<html><head>")
        d.n(f'<script src="https://cdn.jsdelivr.net/npm/bootstrap@5.3.3/dist/js/bootstrap.min.js" integrity="sha384-{self.b64bytes(48)}" crossorigin="anonymous"></script>', "integrity_hash")
        d.n(f'<img alt="logo" src="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQ{self.b64bytes(90)}">', "base64_non_secret")
        d.n(f'<meta name="google-site-verification" content="{self.rs(URLSAFE, 43)}">', "public_identifier")
        d.n(f'<script>window.STRIPE_PK = "{self.stripe_pk()}";</script>', "public_identifier")
        d.add("</head></html>")

    def f_sql_seed(self, path: str) -> None:
        d = self.doc(path)
        d.add("-- seed data for the staging database")
        salt = self.rs(ALNUM + "./", 22)
        d.n(f"INSERT INTO users (email, password_hash) VALUES ('alice@acme.io', '$2b$12${salt}{self.rs(ALNUM + './', 31)}');", "password_hash")
        d.n(f"INSERT INTO users (email, password_hash) VALUES ('bob@acme.io', 'pbkdf2_sha256$600000${self.rs(ALNUM, 22)}${self.b64bytes(32)}');", "password_hash")
        d.s(f"CREATE USER reporting WITH PASSWORD '{self.password()}';", "password")
        d.s(f"ALTER USER 'app'@'%' IDENTIFIED BY '{self.password(safe=True)}';", "password")
        d.n("ALTER USER app WITH PASSWORD :'app_password';", "variable_reference")
        d.n(f"INSERT INTO api_clients (name, client_id) VALUES ('mobile', '{self.uuid4()}');", "uuid_id")
        d.s(f"INSERT INTO integrations (name, token) VALUES ('slack', '{self.slack_bot()}');", "slack_token")

    def f_notebook(self, path: str) -> None:
        d = self.doc(path)
        d.add("{")
        d.add(' "cells": [')
        d.add("  {")
        d.add('   "cell_type": "code",')
        d.add('   "metadata": {},')
        d.add('   "source": [')
        d.add('    "import openai\\n",')
        d.s("    " + json.dumps(f'openai.api_key = "{self.openai()}"\n') + ",", "openai_key")
        d.n("    " + json.dumps('hf_token = os.environ.get("HF_TOKEN")\n') + ",", "env_lookup")
        d.s("    " + json.dumps(f"login(token='{self.huggingface()}')"), "huggingface_token")
        d.add("   ],")
        d.add('   "outputs": [')
        d.add('    {"output_type": "stream", "name": "stdout", "text": [')
        d.n("     " + json.dumps(f"run id {self.uuid4()} finished, model sha {self.sha1()}\n"), "uuid_id")
        d.add("    ]}")
        d.add("   ],")
        d.add('   "execution_count": 3')
        d.add("  }")
        d.add(" ],")
        d.add(' "metadata": {},')
        d.add(' "nbformat": 4,')
        d.add(' "nbformat_minor": 5')
        d.add("}")

    def f_gradle(self, path: str) -> None:
        d = self.doc(path)
        d.add("org.gradle.jvmargs=-Xmx2g")
        d.add("ossrhUsername=acme-release")
        d.s(f"ossrhPassword={self.password()}", "password")
        d.n(f"signing.keyId={self.rs(HEXU, 8)}", "public_identifier")
        d.s(f"signing.password={self.password(style='phrase')}", "password")
        d.n("signing.secretKeyRingFile=/home/ci/.gnupg/secring.gpg", "file_path")
        d.n("githubPackagesToken=", "empty_value")
        d.s(f"artifactoryApiKey=AKCp8{self.rs(ALNUM, 68)}", "artifactory_key")
        d.n(f"kotlin.version={self.r.randint(1, 2)}.{self.r.randint(0, 9)}.{self.r.randint(0, 30)}", "version")

    def f_css(self, path: str) -> None:
        d = self.doc(path)
        d.add(":root {")
        for var in ("--brand", "--accent", "--surface"):
            d.n(f"  {var}: #{self.rs(HEX, 6)};", "css_color")
        d.add("}")
        d.add(".btn-primary {")
        d.n(f"  background: linear-gradient(90deg, #{self.rs(HEX, 6)} 0%, #{self.rs(HEX, 8)} 100%);", "css_color")
        d.add("}")
        d.add(".icon-key {")
        d.n(f"  background-image: url('data:image/svg+xml;base64,{base64.b64encode(b'<svg xmlns=' + b'x' * 40 + b'/>').decode()}');", "base64_non_secret")
        d.add("}")

    def f_ids(self, path: str) -> None:
        d = self.doc(path)
        d.add("# build and request metadata captured by the release job")
        d.n(f"build_id: {self.r.randint(1000000, 9999999)}", "build_id")
        d.n(f"commit: {self.sha1()}", "git_sha")
        d.n(f"pipeline_run: {self.uuid4()}", "uuid_id")
        d.n(f"traceparent: 00-{self.rs(HEX, 32)}-{self.rs(HEX, 16)}-01", "random_id")
        d.n(f"aws_request_id: {self.uuid4()}", "uuid_id")
        d.n(f"cf_ray: {self.rs(HEX, 16)}-FRA", "random_id")
        d.n(f"container_id: {self.sha256()}", "random_id")
        d.n(f"s3_etag: \"{self.rs(HEX, 32)}\"", "checksum")
        d.n(f"stripe_customer: cus_{self.rs(ALNUM, 14)}", "public_identifier")
        d.n(f"stripe_payment_intent: pi_{self.rs(ALNUM, 24)}", "public_identifier")
        d.n(f"slack_channel: C0{self.rs(UPPER + DIGITS, 9)}", "public_identifier")
        d.n(f"aws_account_id: \"{self.digits(12)}\"", "public_identifier")
        d.n(f"kms_key_arn: arn:aws:kms:eu-west-1:{self.digits(12)}:key/{self.uuid4()}", "public_identifier")
        d.n(f"sentry_event_id: {self.rs(HEX, 32)}", "random_id")
        d.n(f"idempotency_key: {self.uuid4()}", "uuid_id")
        d.n(f"session_cookie_name: __Host-sid", "key_name_only")
        d.n(f"docker_image: registry.acme.io/orders@sha256:{self.sha256()}", "image_digest")
        d.n(f"version: {self.r.randint(1, 5)}.{self.r.randint(0, 40)}.{self.r.randint(0, 9)}-rc.{self.r.randint(1, 5)}", "version")

    # ===== tests, docs, prose ==============================================================
    def f_tests(self, path: str) -> None:
        d = self.doc(path)
        d.add("import pytest")
        d.add("")
        d.add("from app.auth import login, hash_password")
        d.add("")
        d.n('FAKE_AWS_KEY = "' + P_AKIA + '" + "0" * 16', "test_fixture_fake")
        d.n('TEST_PASSWORD = "test-password"', "test_fixture_fake")
        d.n('DUMMY_STRIPE = "' + P_SK_TEST + '" + "x" * 24', "test_fixture_fake")
        d.add("")
        d.add("def test_login_rejects_wrong_password(client):")
        d.n('    resp = login(client, user="alice", password="wrong-password")', "test_fixture_fake")
        d.add("    assert resp.status_code == 401")
        d.add("")
        d.add("def test_token_header(client):")
        d.n('    client.headers["Authorization"] = "Bearer fake-jwt-token"', "test_fixture_fake")
        d.add("")
        d.add("def test_hash():")
        d.n('    assert hash_password("hunter2").startswith("$argon2id$")', "test_fixture_fake")
        d.n('    api_key = mock.sentinel.api_key', "test_fixture_fake")
        d.add("")
        d.add("@pytest.fixture")
        d.add("def staging_client():")
        d.add("    # copied from the staging .env so the integration test can reach the real API")
        d.s(f'    return ApiClient(api_key="{self.generic_token()}")', "generic_api_key")

    def f_docs(self, path: str) -> None:
        d = self.doc(path)
        d.add("# Configuration")
        d.add("")
        d.add("The service reads its credentials from the environment.")
        d.add("")
        d.add("| Variable | Meaning | Required |")
        d.add("|---|---|---|")
        d.n("| `DB_PASSWORD` | Password of the database user | yes |", "key_name_only")
        d.n("| `STRIPE_SECRET_KEY` | Your Stripe secret key (starts with `" + P_SK_LIVE + "`) | yes |", "key_name_only")
        d.n("| `GITHUB_TOKEN` | A token with `repo` scope | no |", "key_name_only")
        d.add("")
        d.n("Passwords must be at least 12 characters and contain a digit and a symbol.", "policy")
        d.add("")
        d.add("```bash")
        d.n("export OPENAI_API_KEY=" + P_SK + "...", "placeholder")
        d.n("export AWS_SECRET_ACCESS_KEY=" + AWS_DOC_SECRET, "doc_example_key")
        d.n("export DATABASE_URL=postgres://USER:PASSWORD@HOST:5432/DB", "placeholder")
        d.n("export TELEGRAM_BOT_TOKEN=" + TELEGRAM_DOC, "doc_example_key")
        d.add("```")
        d.add("")
        d.add("To rotate the key run `vault kv put secret/app api_key=@key.txt`.")
        d.n("Never commit a PEM file; it begins with `" + PEM_PRIV.format("RSA ") + "` and nothing else is needed to spot it.", "doc_mention")
        d.add("")
        d.add("## Quick start (staging)")
        d.add("")
        d.add("For the staging sandbox the shared key is:")
        d.add("")
        d.s("    STAGING_API_KEY=" + self.generic_token(), "generic_api_key")
        d.s(f"The admin login for the staging dashboard is `admin` / `{self.password('human')}`.", "password_in_prose")

    def f_commits(self, path: str) -> None:
        d = self.doc(path)
        sha = self.sha1()
        d.n(f"commit {sha}", "git_sha")
        d.add("Author: Dana K <dana@acme.io>")
        d.add("Date:   Tue Nov 3 10:22:41 2026 +0100")
        d.add("")
        d.add("    fix(ci): use the bot token for releases")
        d.add("")
        d.s(f"    Tried with {self.github()} locally, works.", "github_token")
        d.add("")
        d.n(f"commit {self.sha1()}", "git_sha")
        d.add("Author: Luis M <luis@acme.io>")
        d.add("")
        d.n(f"    Revert \"feat: add payments\" - this reverts commit {self.sha1()}.", "git_sha")
        d.add("")
        d.n(f"commit {self.sha1()}", "git_sha")
        d.add("Author: Priya S <priya@acme.io>")
        d.add("")
        d.add("    chore: move secrets to vault")
        d.add("")
        d.n("    The old OPENAI_API_KEY and SLACK_BOT_TOKEN were removed from .env; read them", "key_name_only")
        d.add("    from vault instead.")
        d.add("")
        d.n(f"commit {self.sha1()}", "git_sha")
        d.add("Author: ops <ops@acme.io>")
        d.add("")
        d.add("    hotfix: prod db creds")
        d.add("")
        d.s(f"    DB was unreachable; set password to {self.password()} on the replica too.", "password_in_prose")
        d.n(f"    Change-Id: I{self.rs(HEX, 40)}", "random_id")
        d.add("    Signed-off-by: ops <ops@acme.io>")

    def f_chat(self, path: str) -> None:
        d = self.doc(path)
        d.add("[09:58] <maria> anyone have the sendgrid key for the newsletter job?")
        d.s(f"[10:01] <tom> here: {self.sendgrid()}", "sendgrid_key")
        d.n("[10:02] <maria> thx. btw the prod one is in 1Password under 'newsletter/sendgrid'", "key_name_only")
        d.s(f"[10:05] <tom> and the discord hook for alerts is {self.discord_hook()}", "discord_webhook")
        d.n("[10:06] <maria> please don't paste tokens here, use <redacted> next time", "placeholder")
        d.s(f"[10:07] <tom> sorry - the db pw is {self.password(safe=True)} until tomorrow", "password_in_prose")
        d.n(f"[10:09] <bot> deploy {self.rs(HEX, 7)} finished (build #{self.r.randint(1000, 9999)})", "git_sha")
        d.n(f"[10:10] <maria> request id {self.uuid4()} failed with 502", "uuid_id")
        d.s(f"[10:12] <ken> HF_TOKEN={self.huggingface()} if you need the private model", "huggingface_token")
        d.n("[10:13] <ken> password reset link expires after 24h, min length is 12", "policy")
        ex = {"type": "message", "user": "U0" + self.rs(UPPER + DIGITS, 8), "ts": f"{self.r.randint(1700000000, 1800000000)}.{self.digits(6)}",
              "text": "new do token " + self.digitalocean()}
        d2 = self.doc("exports/slack/general.json")
        d2.add("[")
        d2.s("  " + json.dumps(ex) + ",", "digitalocean_token")
        ex2 = {"type": "message", "user": "U0" + self.rs(UPPER + DIGITS, 8), "ts": "1791000000.000200", "text": "rotated, old one revoked"}
        d2.add("  " + json.dumps(ex2) + ",")
        ex3 = {"type": "message", "user": "U0" + self.rs(UPPER + DIGITS, 8), "ts": "1791000001.000300",
               "text": "the key format is " + P_DOP + "<64 hex chars>"}
        d2.n("  " + json.dumps(ex3), "placeholder")
        d2.add("]")

    def f_issue(self, path: str) -> None:
        d = self.doc(path)
        d.add("### Bug: uploads fail with 403")
        d.add("")
        d.add("**Steps to reproduce**")
        d.add("")
        d.add("1. Configure the client:")
        d.add("")
        d.add("```python")
        d.s(f"client = OpenAI(api_key=\"{self.openai()}\")", "openai_key")
        d.n('client = Anthropic(api_key=os.environ["ANTHROPIC_API_KEY"])', "env_lookup")
        d.add("```")
        d.add("")
        d.add("2. Upload with the SAS URL from the portal:")
        d.add("")
        d.s(f"   `https://acmedocs.blob.core.windows.net/in/report.pdf?{self.azure_sas()}`", "azure_sas")
        d.add("")
        d.add("**Logs**")
        d.add("")
        d.add("```")
        d.n(f"ERROR 403 AuthorizationFailure RequestId:{self.uuid4()} Time:2026-11-30T08:12:44Z", "uuid_id")
        d.n(f"DEBUG auth header: Authorization: Bearer ***", "placeholder")
        d.s(f"DEBUG retry with token={self.gitlab()}", "gitlab_token")
        d.add("```")
        d.add("")
        d.add("_Edit: rotated the key above, thanks @sec-team._")

    def f_misc_code(self) -> None:
        d = self.doc("scripts/notify.py")
        d.add("import requests")
        d.add("")
        d.s(f"WEBHOOK = {dq(self.slack_hook())}", "slack_webhook")
        d.s(f"BOT = {dq(self.telegram())}", "telegram_token")
        d.n(f"CHAT_ID = -100{self.digits(10)}", "numeric_id")
        d.s(f"DISCORD_TOKEN = \"{self.discord_bot()}\"", "discord_token")
        d.n("def post(msg, token=None):", "key_name_only")
        d.add("    requests.post(WEBHOOK, json={'text': msg}, timeout=5)")
        d.n("    headers = {'Authorization': f'Bot {token}'}", "template")
        d.n("    password = getpass.getpass('Password: ')", "function_call")
        d.s(f"    auth = ('{self.user()}', '{self.password()}')", "password")
        d.n("    auth = (user, password)", "variable_reference")
        d.n(f"    checksum = hashlib.sha256(b'payload').hexdigest()  # {self.sha256()}", "checksum")
        d.n("    if len(password) < 12: raise ValueError('password too short')", "policy")
        d = self.doc("scripts/shop_sync.rb")
        d.add("require 'shopify_api'")
        d.add("ShopifyAPI::Context.setup(")
        d.n(f"  api_key: '{self.rs(HEX, 32)}',", "public_identifier")
        d.s(f"  api_secret_key: '{P_SHPSS + self.rs(HEX, 32)}',", "shopify_token")
        d.add("  host_name: 'acme.myshopify.com'")
        d.add(")")
        d.s(f"session = ShopifyAPI::Auth::Session.new(shop: 'acme.myshopify.com', access_token: '{P_SHPAT + self.rs(HEX, 32)}')", "shopify_token")
        d = self.doc("src/square_client.ts")
        d.add("import { Client, Environment } from 'square';")
        d.add("export const square = new Client({")
        d.s(f"  accessToken: '{P_SQ_EAAA + self.rs(URLSAFE, 60)}',", "square_token")
        d.add("  environment: Environment.Production,")
        d.add("});")
        d.n("export const applicationId = 'sq0idp-" + self.rs(URLSAFE, 22) + "';", "public_identifier")
        d = self.doc("src/llm.go")
        d.add("package llm")
        d.add("")
        d.s(f"var anthropicKey = \"{self.anthropic()}\"", "anthropic_key")
        d.s(f"var hfToken = \"{self.huggingface()}\"", "huggingface_token")
        d.n("var modelRevision = \"" + self.sha1() + "\"", "git_sha")
        d.n("var openaiKey = mustEnv(\"OPENAI_API_KEY\")", "function_call")
        d.add("")
        d.add("func sign(req *http.Request, cfg Config) {")
        d.s(f"\treq.Header.Set(\"Authorization\", \"Bearer {self.openai()}\")", "openai_key")
        d.s(f"\treq.SetBasicAuth(\"{self.user()}\", \"{self.password()}\")", "password")
        d.n("\treq.SetBasicAuth(cfg.User, cfg.Password)", "variable_reference")
        d.add("}")
        d = self.doc(".github/workflows/release.yml")
        d.add("name: release")
        d.add("on: push")
        d.add("jobs:")
        d.add("  publish:")
        d.add("    runs-on: ubuntu-latest")
        d.add("    env:")
        d.n("      NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}", "template")
        d.n("      TWINE_PASSWORD: ${{ secrets.PYPI_TOKEN }}", "template")
        d.s(f"      DOCKERHUB_TOKEN: dckr_pat_{self.rs(URLSAFE, 27)}", "docker_hub_token")
        d.add("    steps:")
        d.n("      - uses: actions/checkout@" + self.sha1(), "git_sha")
        d.add("      - run: ./release.sh")
        d.add("        env:")
        d.s(f"          CODECOV_TOKEN: {self.uuid4()}", "codecov_token")
        d.s(f"          SONAR_TOKEN: squ_{self.rs(HEX, 40)}", "sonar_token")
        d = self.doc(".gitlab-ci.yml")
        d.add("variables:")
        d.n('  DOCKER_AUTH_CONFIG: "$DOCKER_AUTH_CONFIG_JSON"', "env_lookup")
        d.s(f"  PRIVATE_TOKEN: \"{self.gitlab()}\"", "gitlab_token")
        d.add("deploy:")
        d.add("  script:")
        d.s(f"    - docker login -u acme -p '{self.password()}' registry.acme.io", "password")
        d.n('    - echo "$CI_REGISTRY_PASSWORD" | docker login -u "$CI_REGISTRY_USER" --password-stdin "$CI_REGISTRY"', "env_lookup")
        d.add("    - >")
        d.add("      helm upgrade --install orders ./chart")
        d.s(f"      --set postgresql.auth.password={self.password(safe=True)}", "password")
        d.n("      --set image.tag=$CI_COMMIT_SHA", "env_lookup")
        d = self.doc("docker/config.json")
        auth = base64.b64encode(f"acme:{self.password()}".encode()).decode()
        d.add("{")
        d.add('  "auths": {')
        d.add('    "registry.acme.io": {')
        d.s(f'      "auth": "{auth}"', "basic_auth_base64")
        d.add("    },")
        d.add('    "ghcr.io": {')
        d.n('      "auth": ""', "empty_value")
        d.add("    }")
        d.add("  },")
        d.n('  "credsStore": "desktop"', "config_value")
        d.add("}")
        d = self.doc("http/api.http")
        d.add("### list orders")
        d.add("GET https://api.acme.io/v2/orders")
        d.s(f"Authorization: Bearer {self.jwt()}", "jwt")
        d.add("")
        d.add("### admin")
        d.add("GET https://api.acme.io/v2/admin")
        d.n("Authorization: Bearer {{token}}", "template")
        d.add("")
        d.add("### legacy basic auth")
        d.add("GET https://legacy.acme.io/export")
        up = base64.b64encode(f"{self.user()}:{self.password()}".encode()).decode()
        d.s(f"Authorization: Basic {up}", "basic_auth_base64")
        d.n(f"X-Correlation-Id: {self.uuid4()}", "uuid_id")
        d.n(f"If-None-Match: W/\"{self.rs(HEX, 32)}\"", "checksum")

    # ===== assemble ========================================================================
    def build(self) -> None:
        r = self.r
        # the catalogue-driven files: (secret, not-secret) counts vary a little with the seed
        def nm(a: int, b: int) -> tuple[int, int]:
            return a + r.randint(0, 2), b + r.randint(0, 2)
        self.f_dotenv(".env", *nm(10, 5))
        self.f_dotenv("deploy/.env.production", *nm(8, 4))
        self.f_dotenv(".env.example", 0, 10)
        self.f_yaml("config/settings.yaml", *nm(9, 5))
        self.f_json("config/secrets.json", *nm(8, 5))
        self.f_toml("config/deploy.toml", *nm(7, 5))
        self.f_ini("config/app.ini", *nm(7, 4))
        self.f_properties("src/main/resources/application.properties", *nm(5, 3))
        self.f_shell("scripts/deploy.sh", *nm(7, 4))
        self.f_powershell("scripts/deploy.ps1", *nm(5, 3))
        self.f_python("app/settings.py", *nm(6, 4))
        self.f_js("src/config.js", *nm(5, 3))
        self.f_js("src/config.ts", *nm(4, 3), ts=True)
        self.f_go("internal/config/config.go", *nm(5, 3))
        self.f_java("src/main/java/com/acme/billing/Secrets.java", *nm(5, 3))
        self.f_csharp("src/Orders/Keys.cs", *nm(4, 3))
        self.f_ruby("config/environments/production.rb", *nm(4, 3))
        self.f_php("public/wp-config.php", *nm(4, 3))
        self.f_dockerfile("Dockerfile")
        self.f_terraform("infra/main.tf")
        self.f_k8s_secret("k8s/secret.yaml")
        self.f_k8s_deploy("k8s/deployment.yaml")
        self.f_helm("chart/values.yaml")
        self.f_compose("docker-compose.yml")
        self.f_ansible("ansible/group_vars/all.yml")
        self.f_npmrc(".npmrc")
        self.f_pypirc(".pypirc")
        self.f_netrc(".netrc")
        self.f_git_credentials(".git-credentials")
        self.f_curl("scripts/smoke.sh")
        self.f_connection_strings("docs/connections.txt")
        self.f_appsettings("src/Orders/appsettings.Production.json")
        self.f_spring_xml("src/main/resources/applicationContext.xml")
        self.f_keys()
        self.f_gcp_sa("gcp/service-account.json")
        self.f_lockfiles()
        self.f_css("web/styles/theme.css")
        self.f_sql_seed("db/seed.sql")
        self.f_notebook("notebooks/explore.ipynb")
        self.f_gradle("gradle.properties")
        self.f_ids("release/metadata.yaml")
        self.f_tests("tests/test_auth.py")
        self.f_docs("docs/CONFIGURATION.md")
        self.f_commits("git-log.txt")
        self.f_chat("notes/chat-2026-11-30.log")
        self.f_issue("notes/issue-482.md")
        self.f_misc_code()

    def write(self, out: Path) -> list[dict]:
        labels: list[dict] = []
        for d in self.docs:
            p = out / d.path
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text("\n".join(d.lines) + "\n", encoding="utf-8")
            for line, label, kind in d.labels:
                labels.append({"file": d.path, "line": line, "label": label, "kind": kind})
        (out / "labels.json").write_text(json.dumps(labels, indent=1) + "\n", encoding="utf-8")
        return labels


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    args.outdir.mkdir(parents=True, exist_ok=True)
    g = Gen(args.seed)
    g.build()
    labels = g.write(args.outdir)
    n_sec = sum(1 for x in labels if x["label"] == "secret")
    print(f"wrote {len(g.docs)} files, {len(labels)} labelled lines ({n_sec} secret, "
          f"{len(labels) - n_sec} not_secret) to {args.outdir}")


if __name__ == "__main__":
    main()

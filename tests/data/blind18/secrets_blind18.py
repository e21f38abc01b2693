#!/usr/bin/env python3
"""Blind secrets corpus, round 18 (second author, written without reading the detectors).

    python3 secrets_blind18.py OUTDIR --seed N

Writes small files (.env, YAML, JSON, TOML, INI, shell, Python, JS, Go, Java, Dockerfile, Terraform,
Kubernetes manifests, docker-compose, .npmrc, .pypirc, netrc, PEM, COMMIT_EDITMSG-N, ...) into OUTDIR
plus OUTDIR/labels.json: a list of
{"file": relative path, "line": 1-based line, "label": "secret" | "not_secret", "kind": str}.

Only labelled lines are scored; the other lines are scaffolding without credential-like values.
Label conventions:
  * the label sits on the line that holds the value (for a value on a continuation line, that
    continuation line, not the line with the key name);
  * a multi-line PEM private key is labelled on its BEGIN line;
  * a realistic random password assigned to a password-like field is a secret, punctuation and all;
  * placeholders, env/template lookups, hashes, UUIDs used as ids, public keys, base64 of plain
    config text and key names without values are not secrets.

Every realistic token body is drawn at run time from random.Random(seed); prefixes are assembled
from pieces so that this source holds no live-looking key.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import json
import random
import string
import uuid
from pathlib import Path

UPPER = string.ascii_uppercase
LOWER = string.ascii_lowercase
DIGITS = string.digits
HEX = "0123456789abcdef"
ALNUM = UPPER + LOWER + DIGITS
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"
PW_PUNCT = "!@%^&*()-_=+[]{}:,.?~"
MARKERS = ("TEST", "EXAMPLE", "DUMMY", "FAKE", "SAMPLE", "PLACEHOLDER", "CHANGEME", "XXXX")

P_AKIA = "AK" + "IA"
P_ASIA = "AS" + "IA"
P_GHP = "gh" + "p_"
P_GHO = "gh" + "o_"
P_GHS = "gh" + "s_"
P_GHPAT = "github" + "_pat_"
P_GLPAT = "gl" + "pat-"
P_SK_LIVE = "sk" + "_live_"
P_RK_LIVE = "rk" + "_live_"
P_PK_LIVE = "pk" + "_live_"
P_WHSEC = "wh" + "sec_"
P_XOXB = "xo" + "xb-"
P_XOXP = "xo" + "xp-"
P_SLACK_HOOK = "https://hooks." + "slack.com/services/"
P_SK_PROJ = "sk" + "-proj-"
P_SK_ANT = "sk" + "-ant-api03-"
P_AIZA = "AI" + "za"
P_SG = "S" + "G."
P_NPM = "np" + "m_"
P_PYPI = "py" + "pi-"
P_HF = "h" + "f_"
P_TWILIO_SK = "S" + "K"
P_SHPAT = "shp" + "at_"
P_DOP = "do" + "p_v1_"
P_GSK = "gs" + "k_"
P_DISCORD_HOOK = "https://discord." + "com/api/webhooks/"
PEM_BEGIN = "-----" + "BEGIN {}PRIVATE KEY" + "-----"
PEM_END = "-----" + "END {}PRIVATE KEY" + "-----"
PUB_BEGIN = "-----" + "BEGIN PUBLIC KEY" + "-----"
PUB_END = "-----" + "END PUBLIC KEY" + "-----"


def _looks_placeholder(body: str) -> bool:
    up = body.upper()
    if any(m in up for m in MARKERS):
        return True
    for i in range(len(body) - 3):
        w = body[i : i + 4]
        if len(set(w)) == 1:
            return True
        if all(ord(w[j + 1]) - ord(w[j]) == 1 for j in range(3)):
            return True
    return False


def rb(rng: random.Random, alphabet: str, n: int) -> str:
    while True:
        s = "".join(rng.choice(alphabet) for _ in range(n))
        if _looks_placeholder(s):
            continue
        if len(set(alphabet) & set(DIGITS)) and not any(c.isdigit() for c in s):
            continue
        if len(set(alphabet) & set(LOWER + UPPER)) and not any(c.isalpha() for c in s):
            continue
        return s


def password(rng: random.Random, n: int | None = None, punct: str = PW_PUNCT) -> str:
    n = n or rng.randint(14, 24)
    while True:
        s = "".join(rng.choice(ALNUM + punct) for _ in range(n))
        if (any(c in punct for c in s) and any(c.isdigit() for c in s) and any(c.isupper() for c in s)
                and any(c.islower() for c in s) and not _looks_placeholder(s)):
            return s


def human_password(rng: random.Random) -> str:
    words = ["Tundra", "Copper", "Falcon", "Meadow", "Quartz", "Harbor", "Lantern", "Maple", "Orbit", "Velvet"]
    return rng.choice(words) + rng.choice(words).lower() + str(rng.randint(10, 9999)) + rng.choice("!#$%&*?")


# ---------------------------------------------------------------- secret generators
def aws_id(r):
    return P_AKIA + rb(r, UPPER + "234567", 16)


def aws_sts_id(r):
    return P_ASIA + rb(r, UPPER + "234567", 16)


def aws_secret(r):
    return rb(r, B64, 40)


def ghp(r):
    return P_GHP + rb(r, ALNUM, 36)


def gho(r):
    return P_GHO + rb(r, ALNUM, 36)


def ghs(r):
    return P_GHS + rb(r, ALNUM, 36)


def ghpat(r):
    return P_GHPAT + rb(r, ALNUM, 22) + "_" + rb(r, ALNUM, 59)


def glpat(r):
    return P_GLPAT + rb(r, URLSAFE, 20)


def stripe_sk(r):
    return P_SK_LIVE + rb(r, ALNUM, 24)


def stripe_rk(r):
    return P_RK_LIVE + rb(r, ALNUM, 99)


def stripe_whsec(r):
    return P_WHSEC + rb(r, ALNUM, 32)


def slack_bot(r):
    return P_XOXB + rb(r, DIGITS, 12) + "-" + rb(r, DIGITS, 13) + "-" + rb(r, ALNUM, 24)


def slack_user(r):
    return P_XOXP + rb(r, DIGITS, 12) + "-" + rb(r, DIGITS, 12) + "-" + rb(r, DIGITS, 13) + "-" + rb(r, HEX, 32)


def slack_hook(r):
    return P_SLACK_HOOK + "T" + rb(r, UPPER + DIGITS, 10) + "/B" + rb(r, UPPER + DIGITS, 10) + "/" + rb(r, ALNUM, 24)


def discord_hook(r):
    return P_DISCORD_HOOK + rb(r, DIGITS, 19) + "/" + rb(r, URLSAFE, 68)


def openai(r):
    return P_SK_PROJ + rb(r, URLSAFE, 64) + "T3Blbk" + "FJ" + rb(r, URLSAFE, 64)


def anthropic(r):
    return P_SK_ANT + rb(r, URLSAFE, 93) + "AA"


def google_api(r):
    return P_AIZA + rb(r, URLSAFE, 35)


def sendgrid(r):
    return P_SG + rb(r, URLSAFE, 22) + "." + rb(r, URLSAFE, 43)


def npm_tok(r):
    return P_NPM + rb(r, ALNUM, 36)


def pypi_tok(r):
    return P_PYPI + "AgEIcHlwaS5vcmc" + rb(r, URLSAFE, 70)


def hf_tok(r):
    return P_HF + rb(r, ALNUM, 34)


def twilio_sk(r):
    return P_TWILIO_SK + rb(r, HEX, 32)


def shopify(r):
    return P_SHPAT + rb(r, HEX, 32)


def digitalocean(r):
    return P_DOP + rb(r, HEX, 64)


def groq(r):
    return P_GSK + rb(r, ALNUM, 52)


def telegram(r):
    return rb(r, DIGITS, 10) + ":AA" + rb(r, URLSAFE, 33)


def mailgun(r):
    return "key-" + rb(r, HEX, 32)


def azure_storage_key(r):
    return rb(r, B64, 86) + "=="


def hex_secret(r, n=40):
    return rb(r, HEX, n)


def jwt(r):
    def b64u(d):
        return base64.urlsafe_b64encode(json.dumps(d, separators=(",", ":")).encode()).decode().rstrip("=")
    head = b64u({"alg": "HS256", "typ": "JWT"})
    body = b64u({"sub": rb(r, DIGITS, 8), "role": "service", "iat": 1760000000 + r.randint(0, 9999999)})
    return head + "." + body + "." + rb(r, URLSAFE, 43)


def pem_private(r, kind="RSA "):
    body = []
    for _ in range(r.randint(6, 10)):
        body.append(rb(r, B64, 64))
    body.append(rb(r, B64, r.randint(20, 60)) + "=")
    return [PEM_BEGIN.format(kind)] + body + [PEM_END.format(kind)]


# ---------------------------------------------------------------- not-secret generators
def git_sha(r):
    return rb(r, HEX, 40)


def sha256(r):
    return hashlib.sha256(rb(r, ALNUM, 30).encode()).hexdigest()


def integrity(r):
    return "sha512-" + base64.b64encode(hashlib.sha512(rb(r, ALNUM, 20).encode()).digest()).decode()


def uid(r):
    return str(uuid.UUID(int=r.getrandbits(128), version=4))


def b64_plain(r):
    txt = r.choice(["log_level=debug;region=eu-west-1", "feature flags: beta,dark-mode", "hello from the build pipeline",
                    '{"theme":"light","lang":"en"}'])
    return base64.b64encode(txt.encode()).decode()


def ssh_pub(r):
    return "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + rb(r, B64, 43) + " deploy@ci"


def placeholder(r):
    return r.choice(["changeme", "<your-api-key>", "YOUR_API_KEY_HERE", "xxxxxxxxxxxxxxxxxxxx", "REPLACE_ME",
                     "dummy-token", "fake_password_for_tests", "sk_test_EXAMPLE_DO_NOT_USE", "TODO", "********",
                     "password", "secret", "example-secret-value"])


# ---------------------------------------------------------------- file builder
class F:
    def __init__(self, name: str):
        self.name = name
        self.lines: list[str] = []
        self.labels: list[dict] = []

    def add(self, text: str = "", label: str | None = None, kind: str = ""):
        for i, ln in enumerate(text.split("\n")):
            self.lines.append(ln)
            if i == 0 and label:
                self.labels.append({"file": self.name, "line": len(self.lines), "label": label, "kind": kind})
        return self

    def s(self, text, kind):
        return self.add(text, "secret", kind)

    def n(self, text, kind):
        return self.add(text, "not_secret", kind)


# ---------------------------------------------------------------- files
def f_env(r):
    f = F(".env")
    f.add("# local settings for the billing service")
    f.s(f"AWS_ACCESS_KEY_ID={aws_id(r)}", "aws_access_key_id")
    f.s(f"AWS_SECRET_ACCESS_KEY={aws_secret(r)}", "aws_secret")
    f.s(f"STRIPE_SECRET_KEY={stripe_sk(r)}", "stripe")
    f.s(f"STRIPE_WEBHOOK_SECRET=\"{stripe_whsec(r)}\"", "stripe_webhook")
    f.s(f"DATABASE_URL=postgres://billing:{password(r, punct='!*-_.~')}@db.internal:5432/billing", "db_url")
    f.s(f"REDIS_URL=redis://:{rb(r, ALNUM, 32)}@cache-01:6379/0", "db_url")
    f.s(f"DB_PASSWORD='{password(r)}'", "password")
    f.s(f"OPENAI_API_KEY={openai(r)}", "openai")
    f.s(f"SESSION_SECRET={hex_secret(r, 64)}", "generic_secret")
    f.n("SENTRY_DSN=", "empty")
    f.n("API_KEY=${API_KEY}", "env_ref")
    f.n("MAILGUN_API_KEY=<your-mailgun-key>", "placeholder")
    f.n("ADMIN_PASSWORD=changeme", "placeholder")
    f.n(f"BUILD_SHA={git_sha(r)}", "git_sha")
    f.n(f"TENANT_ID={uid(r)}", "uuid")
    f.n("LOG_LEVEL=info", "plain")
    f.n("PASSWORD_MIN_LENGTH=12", "plain")
    return f


def f_env_example(r):
    f = F(".env.example")
    f.add("# copy to .env and fill in")
    f.n("AWS_ACCESS_KEY_ID=" + P_AKIA + "IOSFODNN7EXAMPLE", "doc_example")
    f.n("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "doc_example")
    f.n("GITHUB_TOKEN=" + P_GHP + "x" * 36, "placeholder")
    f.n("STRIPE_SECRET_KEY=sk" + "_test_" + "4eC39HqLyjWDarjtT1zdp7dc", "stripe_test_doc")
    f.n("SLACK_BOT_TOKEN=" + P_XOXB + "your-token-here", "placeholder")
    f.n("DB_PASSWORD=", "empty")
    f.n("JWT_SECRET=please-change-me", "placeholder")
    return f


def f_yaml(r):
    f = F("config/app.yaml")
    f.add("service:\n  name: orders\n  port: 8080\ndatabase:\n  host: db.prod.internal\n  user: orders_rw")
    f.s(f"  password: \"{password(r)}\"", "password")
    f.add("  pool: 20\nintegrations:\n  slack:")
    f.s(f"    webhook_url: {slack_hook(r)}", "slack_webhook")
    f.s(f"    bot_token: {slack_bot(r)}", "slack")
    f.add("  sendgrid:")
    f.s(f"    api_key: '{sendgrid(r)}'", "sendgrid")
    f.add("  twilio:")
    f.n(f"    account_sid: AC{rb(r, HEX, 32)}", "twilio_sid_public_id")
    f.s(f"    auth_token: {hex_secret(r, 32)}", "twilio_token")
    f.add("  google:")
    f.s(f"    maps_key: {google_api(r)}", "google_api")
    f.add("secrets_from_env:")
    f.n("  api_key: ${ORDERS_API_KEY}", "env_ref")
    f.n("  password: \"{{ vault_db_password }}\"", "template")
    f.n("  token: !env GITHUB_TOKEN", "env_ref")
    f.n("  password_file: /run/secrets/db_password", "path")
    f.n(f"  cache_key: {sha256(r)}", "sha256")
    f.n(f"  request_id: {uid(r)}", "uuid")
    f.add("notes: |")
    f.add("  The password must be rotated every 90 days.")
    f.add("smtp_password: >-")
    f.s(f"  {password(r, punct='!@%^&*-_=+.~')}", "password_continuation")
    return f


def f_json(r):
    f = F("config/credentials.json")
    f.add("{")
    f.add('  "type": "service_account",')
    f.add('  "project_id": "orders-prod-41",')
    f.n(f'  "private_key_id": "{hex_secret(r, 40)}",', "key_id")
    body = "\\n".join(pem_private(r, ""))
    f.s(f'  "private_key": "{body}\\n",', "private_key_json")
    f.add('  "client_email": "orders@orders-prod-41.iam.gserviceaccount.com",')
    f.n(f'  "client_id": "{rb(r, DIGITS, 21)}",', "numeric_id")
    f.add('  "token_uri": "https://oauth2.googleapis.com/token"')
    f.add("}")
    g = F("package-lock.json")
    g.add('{\n  "name": "web",\n  "lockfileVersion": 3,\n  "packages": {\n    "node_modules/lodash": {\n      "version": "4.17.21",')
    g.add('      "resolved": "https://registry.npmjs.org/lodash/-/lodash-4.17.21.tgz",')
    g.n(f'      "integrity": "{integrity(r)}"', "integrity")
    g.add("    },\n    \"node_modules/left-pad\": {\n      \"version\": \"1.3.0\",")
    g.n(f'      "integrity": "{integrity(r)}"', "integrity")
    g.add("    }\n  }\n}")
    h = F("config/settings.json")
    h.add("{")
    h.s(f'  "apiKey": "{hex_secret(r, 32)}",', "generic_api_key")
    h.s(f'  "hfToken": "{hf_tok(r)}",', "huggingface")
    h.s(f'  "adminPassword": "{password(r).replace(chr(92), "")}",', "password")
    h.n('  "apiKeyHeader": "X-Api-Key",', "key_name")
    h.n('  "password": "",', "empty")
    h.n('  "token": "<token>",', "placeholder")
    h.n(f'  "etag": "{rb(r, HEX, 32)}",', "etag_md5")
    h.n(f'  "logo": "data:image/png;base64,{base64.b64encode(bytes(r.getrandbits(8) for _ in range(48))).decode()}"', "data_uri")
    h.add("}")
    return [f, g, h]


def f_toml(r):
    f = F("pyproject-secrets.toml")
    f.add("[tool.deploy]\nregion = \"eu-central-1\"")
    f.s(f"aws_access_key_id = \"{aws_id(r)}\"", "aws_access_key_id")
    f.s(f"aws_secret_access_key = \"{aws_secret(r)}\"", "aws_secret")
    f.add("\n[database]")
    f.s(f"url = \"mysql://app:{password(r, punct='!*-_.~')}@10.0.3.7:3306/app\"", "db_url")
    f.n("url_template = \"mysql://app:${DB_PASS}@10.0.3.7:3306/app\"", "env_ref")
    f.add("\n[anthropic]")
    f.s(f"api_key = '{anthropic(r)}'", "anthropic")
    f.n("api_key_env = \"ANTHROPIC_API_KEY\"", "key_name")
    f.add("\n[build]")
    f.n(f"checksum = \"sha256:{sha256(r)}\"", "sha256")
    f.n(f"commit = \"{git_sha(r)}\"", "git_sha")
    return f


def f_ini(r):
    f = F("deploy/settings.ini")
    f.add("[mysql]\nhost = 127.0.0.1\nuser = report")
    f.s(f"password = {password(r, punct='!@%^&*()-_=+[]{}:,.?~;#')}", "password_punct_unquoted")
    f.add("\n[ldap]\nbind_dn = cn=svc,dc=corp,dc=local")
    f.s(f"bind_password = \"{human_password(r)}\"", "password_human")
    f.add("\n[smtp]")
    f.n("password = %(SMTP_PASSWORD)s", "interpolation")
    f.n("; password = hunter2 was the old default, now read from vault", "comment_doc")
    f.add("\n[azure]")
    f.s(f"connection_string = DefaultEndpointsProtocol=https;AccountName=ordersblob;AccountKey={azure_storage_key(r)};EndpointSuffix=core.windows.net", "azure_storage")
    f.n("connection_string_dev = UseDevelopmentStorage=true", "plain")
    return f


def f_shell(r):
    f = F("scripts/deploy.sh")
    f.add("#!/usr/bin/env bash\nset -euo pipefail")
    f.s(f"export GITHUB_TOKEN={ghp(r)}", "github")
    f.s(f"export DIGITALOCEAN_TOKEN=\"{digitalocean(r)}\"", "digitalocean")
    f.n("export NPM_TOKEN=\"${NPM_TOKEN:?missing}\"", "env_ref")
    f.n("export API_KEY=$(vault kv get -field=key secret/orders)", "command_subst")
    f.add("curl -sS -X POST \\\n  -H 'Content-Type: application/json' \\")
    f.s(f"  -H 'Authorization: Bearer {jwt(r)}' \\", "jwt_continuation")
    f.add("  https://api.internal/deploy")
    f.add("mysql -h db -u root \\")
    f.s(f"  -p'{password(r, punct='!@%^&*()-_=+[]{}:,.?~')}' orders < schema.sql", "password_continuation")
    f.n("docker login -u ci --password-stdin < /run/secrets/registry", "stdin")
    f.n(f"echo \"expected sha256 {sha256(r)}\"", "sha256")
    f.s(f"PGPASSWORD='{password(r)}' psql -h db -U app app -c 'select 1'", "password_inline_env")
    f.n("read -rs -p 'Password: ' PASSWORD", "prompt")
    return f


def f_python(r):
    f = F("app/settings.py")
    f.add("import os\n\nDEBUG = False")
    f.s(f"SECRET_KEY = \"{rb(r, ALNUM + '!@#%^&*(-_=+)', 50)}\"", "django_secret_key")
    f.n("SECRET_KEY_FALLBACK = os.environ.get(\"SECRET_KEY_FALLBACK\", \"\")", "env_lookup")
    f.n("STRIPE_KEY = os.getenv(\"STRIPE_KEY\")", "env_lookup")
    f.add("DATABASES = {\n    \"default\": {\n        \"ENGINE\": \"django.db.backends.postgresql\",\n        \"NAME\": \"shop\",\n        \"USER\": \"shop\",")
    f.s(f"        \"PASSWORD\": \"{password(r).replace(chr(92), '')}\",", "password")
    f.add("    }\n}")
    f.s(f"SLACK_TOKEN = (\n    \"{slack_user(r)}\"\n)", "slack_user_continuation")
    f.labels[-1]["line"] += 1
    f.s(f"ANTHROPIC_KEY = '{anthropic(r)}'", "anthropic")
    f.n("TEST_API_KEY = \"test-api-key-not-real\"", "placeholder")
    f.n("PASSWORD_HASHERS = [\"django.contrib.auth.hashers.Argon2PasswordHasher\"]", "key_name")
    f.n(f"STATIC_VERSION = \"{git_sha(r)[:12]}\"", "short_sha")
    f.n(f"DEFAULT_TENANT = \"{uid(r)}\"", "uuid")
    f.n(f"BANNER_B64 = \"{b64_plain(r)}\"", "b64_plain")
    g = F("tests/test_client.py")
    g.add("from app.client import Client\n\n\ndef test_auth_header():")
    g.n("    c = Client(api_key=\"dummy\")", "placeholder")
    g.n("    assert c.headers[\"Authorization\"] == \"Bearer dummy\"", "placeholder")
    g.n("    c2 = Client(token=\"fake-token-123\")", "placeholder")
    g.n("    password = \"\"", "empty")
    g.n("    assert \"password\" in c2.fields", "key_name")
    h = F("tools/fetch.py")
    h.add("import requests\n\n")
    h.s(f"resp = requests.get(\"https://api.github.com/user\", headers={{\"Authorization\": \"token {gho(r)}\"}})", "github_oauth")
    h.s(f"client = Groq(api_key=\"{groq(r)}\")", "groq")
    h.s(f"bot = telebot.TeleBot(\"{telegram(r)}\")", "telegram")
    h.n("client2 = Groq(api_key=os.environ[\"GROQ_API_KEY\"])", "env_lookup")
    h.s(f"requests.post(\"{discord_hook(r)}\", json={{\"content\": \"deployed\"}})", "discord_webhook")
    h.s(f"auth = (\"api\", \"{mailgun(r)}\")", "mailgun")
    return [f, g, h]


def f_js(r):
    f = F("src/config.js")
    f.add("module.exports = {")
    f.s(f"  stripeKey: '{stripe_sk(r)}',", "stripe")
    f.s(f"  stripeRestricted: \"{stripe_rk(r)}\",", "stripe_restricted")
    f.n(f"  stripePublishable: '{P_PK_LIVE}{rb(r, ALNUM, 24)}',", "stripe_publishable")
    f.s(f"  shopifyToken: `{shopify(r)}`,", "shopify")
    f.n("  githubToken: process.env.GITHUB_TOKEN,", "env_lookup")
    f.n("  dbPassword: process.env.DB_PASSWORD || '',", "env_lookup")
    f.s(f"  mongoUri: 'mongodb+srv://admin:{password(r, punct='!*-_.~')}@cluster0.ab12c.mongodb.net/app',", "db_url")
    f.n("  mongoUriLocal: 'mongodb://localhost:27017/app',", "db_url_no_password")
    f.n(f"  buildId: '{uid(r)}',", "uuid")
    f.n("  passwordField: 'password',", "key_name")
    f.add("};")
    g = F("src/firebase.ts")
    g.add("import { initializeApp } from 'firebase/app';\n\nconst firebaseConfig = {")
    g.s(f"  apiKey: \"{google_api(r)}\",", "google_api")
    g.add("  authDomain: \"shop-41.firebaseapp.com\",\n  projectId: \"shop-41\",")
    g.n(f"  appId: \"1:{rb(r, DIGITS, 12)}:web:{rb(r, HEX, 22)}\",", "firebase_app_id")
    g.add("};\nexport const app = initializeApp(firebaseConfig);")
    g.s(f"const SECRET = '{password(r, 32).replace(chr(39), '')}';", "generic_secret")
    g.n("const TOKEN_KEY = 'auth_token';", "key_name")
    g.n("const placeholderKey = 'YOUR_API_KEY';", "placeholder")
    g.s(f"const anthropic = new Anthropic({{ apiKey: '{anthropic(r)}' }});", "anthropic")
    return [f, g]


def f_go(r):
    f = F("cmd/worker/main.go")
    f.add("package main\n\nimport (\n\t\"os\"\n)\n")
    f.add("const (")
    f.s(f"\tawsKeyID     = \"{aws_id(r)}\"", "aws_access_key_id")
    f.s(f"\tawsSecretKey = \"{aws_secret(r)}\"", "aws_secret")
    f.s(f"\tgitlabToken  = \"{glpat(r)}\"", "gitlab")
    f.n("\tdefaultUser  = \"worker\"", "plain")
    f.add(")\n\nfunc main() {")
    f.n("\ttoken := os.Getenv(\"GITLAB_TOKEN\")", "env_lookup")
    f.s(f"\tdsn := \"host=db user=worker password={password(r, punct='!@%^&*-_=+.~')} dbname=jobs sslmode=require\"", "dsn_password")
    f.n(f"\tconst schemaHash = \"{sha256(r)}\"", "sha256")
    f.add("\t_ = token\n\t_ = dsn\n}")
    return f


def f_java(r):
    f = F("src/main/java/com/acme/Config.java")
    f.add("package com.acme;\n\npublic final class Config {")
    f.s(f"    private static final String SENDGRID_KEY = \"{sendgrid(r)}\";", "sendgrid")
    f.s(f"    private static final String JDBC = \"jdbc:postgresql://db:5432/app?user=app&password={password(r, punct='!*-_.~')}\";", "jdbc_password")
    f.s(f"    static final String TWILIO_API_SECRET =\n        \"{rb(r, ALNUM, 32)}\";", "twilio_secret_continuation")
    f.labels[-1]["line"] += 1
    f.n("    static final String PASSWORD_PROPERTY = \"app.db.password\";", "key_name")
    f.n("    static final String API_KEY = System.getenv(\"API_KEY\");", "env_lookup")
    f.add("}")
    g = F("src/main/resources/application.properties")
    g.add("spring.datasource.url=jdbc:mysql://db:3306/shop\nspring.datasource.username=shop")
    g.s(f"spring.datasource.password={password(r, punct='!@%^&*()-_=+[]{}:,.?~')}", "password")
    g.n("spring.mail.password=${MAIL_PASSWORD}", "env_ref")
    g.s(f"jwt.signing-key={rb(r, B64, 64)}", "generic_secret")
    g.n("management.endpoints.web.exposure.include=health", "plain")
    return [f, g]


def f_docker(r):
    f = F("Dockerfile")
    f.add("FROM python:3.12-slim")
    f.n(f"FROM node:20-alpine@sha256:{sha256(r)} AS web", "image_digest")
    f.s(f"ENV HF_TOKEN={hf_tok(r)}", "huggingface")
    f.s(f"ARG NPM_TOKEN={npm_tok(r)}", "npm")
    f.n("ARG PIP_INDEX_TOKEN", "key_name")
    f.n("ENV DB_PASSWORD=\"\"", "empty")
    f.add("RUN --mount=type=secret,id=pypi pip install -r requirements.txt")
    f.s(f"RUN echo \"machine git.corp.local login ci password {password(r, punct='!@%^&*-_=+.~')}\" > /root/.netrc", "netrc_inline")
    f.add("CMD [\"gunicorn\", \"app:app\"]")
    g = F("docker-compose.yml")
    g.add("services:\n  db:\n    image: postgres:16\n    environment:")
    g.s(f"      POSTGRES_PASSWORD: {r.choice(ALNUM)}{password(r, punct='!@%^&*-_=+.~')}", "password_unquoted_yaml")
    g.add("      POSTGRES_USER: app\n  app:\n    build: .\n    environment:")
    g.n("      - DB_PASSWORD=${POSTGRES_PASSWORD}", "env_ref")
    g.s(f"      - OPENAI_API_KEY={openai(r)}", "openai")
    g.n("      - MINIO_ROOT_PASSWORD=minioadmin", "known_default")
    g.n("      - REDIS_PASSWORD", "key_name")
    g.add("  cache:\n    image: redis:7")
    g.s(f"    command: redis-server --requirepass \"{rb(r, ALNUM, 28)}\"", "redis_password")
    return [f, g]


def f_terraform(r):
    f = F("infra/main.tf")
    f.add('provider "aws" {\n  region     = "us-east-1"')
    f.s(f'  access_key = "{aws_id(r)}"', "aws_access_key_id")
    f.s(f'  secret_key = "{aws_secret(r)}"', "aws_secret")
    f.add("}\n")
    f.add('resource "aws_db_instance" "main" {\n  engine   = "postgres"\n  username = "app"')
    f.s(f'  password = "{password(r, punct="!@^&*()-_=+[]:,.?~")}"', "password")
    f.add("}\n")
    f.add('resource "aws_db_instance" "replica" {')
    f.n("  password = var.db_password", "var_ref")
    f.add("}\n")
    f.add('variable "db_password" {\n  type      = string\n  sensitive = true')
    f.n('  default   = ""', "empty")
    f.add("}\n")
    f.add('resource "github_actions_secret" "tok" {')
    f.n("  plaintext_value = data.vault_generic_secret.gh.data[\"token\"]", "data_ref")
    f.add("}")
    f.add('provider "cloudflare" {')
    f.s(f'  api_token = "{rb(r, URLSAFE, 40)}"', "cloudflare_token")
    f.add("}")
    g = F("infra/terraform.tfvars")
    g.s(f'datadog_api_key = "{hex_secret(r, 32)}"', "datadog")
    g.s(f'datadog_app_key = "{hex_secret(r, 40)}"', "datadog")
    g.n('vpc_cidr = "10.20.0.0/16"', "plain")
    g.n(f'ami_id = "ami-{rb(r, HEX, 17)}"', "resource_id")
    return [f, g]


def f_k8s(r):
    f = F("k8s/secret.yaml")
    f.add("apiVersion: v1\nkind: Secret\nmetadata:\n  name: orders\ntype: Opaque\ndata:")
    f.s(f"  db-password: {base64.b64encode(password(r).encode()).decode()}", "k8s_b64_password")
    f.s(f"  api-token: {base64.b64encode(ghs(r).encode()).decode()}", "k8s_b64_token")
    f.add("stringData:")
    f.s(f"  stripe-key: \"{stripe_sk(r)}\"", "stripe")
    f.n("  placeholder: \"REPLACE_ME\"", "placeholder")
    g = F("k8s/deployment.yaml")
    g.add("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: orders\nspec:\n  template:\n    spec:\n      containers:\n        - name: orders")
    g.n(f"          image: registry.corp/orders@sha256:{sha256(r)}", "image_digest")
    g.add("          env:\n            - name: DB_PASSWORD\n              valueFrom:\n                secretKeyRef:\n                  name: orders")
    g.n("                  key: db-password", "key_name")
    g.add("            - name: TWILIO_API_KEY")
    g.s(f"              value: \"{twilio_sk(r)}\"", "twilio_continuation")
    g.add("            - name: FEATURE_FLAGS")
    g.n(f"              value: \"{b64_plain(r)}\"", "b64_plain")
    g.n(f"          checksum/config: {sha256(r)}", "sha256")
    return [f, g]


def f_rc(r):
    a = F(".npmrc")
    a.add("registry=https://registry.npmjs.org/")
    a.s(f"//registry.npmjs.org/:_authToken={npm_tok(r)}", "npm")
    a.n("//npm.pkg.github.com/:_authToken=${GITHUB_TOKEN}", "env_ref")
    a.s(f"//nexus.corp.local/repository/npm/:_auth={base64.b64encode(('ci:' + password(r)).encode()).decode()}", "npm_basic_auth")
    b = F(".pypirc")
    b.add("[distutils]\nindex-servers =\n    pypi\n    internal\n\n[pypi]\nusername = __token__")
    b.s(f"password = {pypi_tok(r)}", "pypi")
    b.add("\n[internal]\nrepository = https://pypi.corp.local/\nusername = deploy")
    b.s(f"password = {password(r, punct='!@%^&*()-_=+[]{}:,.?~')}", "password")
    c = F(".netrc")
    c.s(f"machine github.com login octo-bot password {ghp(r)}", "github")
    c.add("machine api.heroku.com")
    c.add("  login ops@acme.io")
    c.s(f"  password {password(r, punct='!@%^&*-_=+.~')}", "password_continuation")
    c.n("machine example.com login user password secret", "doc_example")
    d = F(".git-credentials")
    d.s(f"https://ci-bot:{ghpat(r)}@github.com", "github_fine_grained")
    d.n("https://github.com", "plain")
    return [a, b, c, d]


def f_pem(r):
    f = F("certs/server.key")
    lines = pem_private(r, "RSA ")
    f.s("\n".join(lines), "private_key")
    g = F("certs/id_ed25519")
    g.s("\n".join(pem_private(r, "OPENSSH ")), "private_key")
    h = F("certs/server.pub")
    h.n("\n".join([PUB_BEGIN] + [rb(r, B64, 64) for _ in range(5)] + [rb(r, B64, 20) + "=", PUB_END]), "public_key")
    k = F("certs/authorized_keys")
    k.n(ssh_pub(r), "ssh_public_key")
    k.n(ssh_pub(r), "ssh_public_key")
    e = F("docs/keys.md")
    e.add("# Key handling\n\nA private key file starts like this:\n\n```")
    e.n(PEM_BEGIN.format("RSA ") , "pem_doc_header_only")
    e.add("...\n" + PEM_END.format("RSA ") + "\n```\n")
    e.n("Set `api_key: <your-key>` in config.yaml.", "doc_placeholder")
    e.n("Example: `export GITHUB_TOKEN=" + P_GHP + "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx`", "doc_placeholder")
    e.n("The token looks like `" + P_XOXB + "...`; never commit it.", "doc_prefix_only")
    return [f, g, h, k, e]


def f_commits(r):
    out = []
    msgs = [
        ("secret", "github", lambda: f"Remove leaked token {ghp(r)} from CI config"),
        ("secret", "aws_secret", lambda: f"oops: rollback, old secret was {aws_secret(r)}"),
        ("secret", "password", lambda: f"fix login for staging (pw: {password(r)})"),
        ("secret", "slack", lambda: f"Add notifier with {slack_bot(r)}"),
        ("not_secret", "git_sha", lambda: f"Revert \"bump deps\"\n\nThis reverts commit {git_sha(r)}."),
        ("not_secret", "key_name", lambda: "Rename API_KEY to SERVICE_API_KEY in settings"),
        ("not_secret", "placeholder", lambda: "docs: use <your-token> placeholder in README"),
        ("not_secret", "sha256", lambda: f"Pin base image digest sha256:{sha256(r)}"),
    ]
    r.shuffle(msgs)
    for i, (lab, kind, mk) in enumerate(msgs):
        f = F(f"COMMIT_EDITMSG-{i + 1}")
        text = mk()
        if lab == "not_secret" and kind == "git_sha":
            f.add(text.split("\n")[0])
            f.add("")
            f.n(text.split("\n")[2], kind)
        elif kind == "password":
            f.add("Staging login broken after rotation")
            f.add("")
            f.s(text, kind)
        else:
            f.add(text, lab, kind)
        f.add("\nSigned-off-by: Dev <dev@acme.io>")
        out.append(f)
    return out


def f_misc(r):
    """Extra lines with the count varied per seed: generic key=value assignments."""
    f = F("config/extra.conf")
    gens_s = [
        ("api_key", lambda: hex_secret(r, 32), "generic_api_key"),
        ("auth_token", lambda: rb(r, URLSAFE, 40), "generic_token"),
        ("client_secret", lambda: rb(r, ALNUM, 34), "oauth_client_secret"),
        ("password", lambda: password(r, punct='!@%^&*()-_=+[]{}:,.?~'), "password"),
        ("db_pass", lambda: human_password(r), "password_human"),
        ("webhook_secret", lambda: stripe_whsec(r), "stripe_webhook"),
        ("hf_token", lambda: hf_tok(r), "huggingface"),
        ("openai_key", lambda: openai(r), "openai"),
        ("github_app_token", lambda: ghs(r), "github_app"),
        ("aws_session_key_id", lambda: aws_sts_id(r), "aws_sts_id"),
    ]
    gens_n = [
        ("api_key", lambda: "${API_KEY}", "env_ref"),
        ("password", lambda: "{{ .Values.password }}", "template"),
        ("token", lambda: placeholder(r), "placeholder"),
        ("commit", lambda: git_sha(r), "git_sha"),
        ("correlation_id", lambda: uid(r), "uuid"),
        ("checksum", lambda: sha256(r), "sha256"),
        ("banner", lambda: b64_plain(r), "b64_plain"),
        ("password_policy", lambda: "min=12,upper=1,digit=1", "plain"),
        ("secret_name", lambda: "orders-db-credentials", "key_name"),
        ("api_key", lambda: "%API_KEY%", "env_ref"),
    ]
    n = r.randint(66, 78)
    for i in range(n):
        if r.random() < 0.5:
            k, g, kind = r.choice(gens_s)
            f.s(f"{k}_{i} = {g()}", kind)
        else:
            k, g, kind = r.choice(gens_n)
            f.n(f"{k}_{i} = {g()}", kind)
    return f


def build(outdir: Path, seed: int) -> list[dict]:
    r = random.Random(seed)
    files: list[F] = []
    for fn in (f_env, f_env_example, f_yaml, f_json, f_toml, f_ini, f_shell, f_python, f_js, f_go, f_java,
               f_docker, f_terraform, f_k8s, f_rc, f_pem, f_commits, f_misc):
        res = fn(r)
        files.extend(res if isinstance(res, list) else [res])
    labels: list[dict] = []
    for f in files:
        p = outdir / f.name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("\n".join(f.lines) + "\n")
        labels.extend(f.labels)
    (outdir / "labels.json").write_text(json.dumps(labels, indent=1) + "\n")
    return labels


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    out = Path(a.outdir)
    out.mkdir(parents=True, exist_ok=True)
    labels = build(out, a.seed)
    ns = sum(1 for x in labels if x["label"] == "secret")
    print(f"wrote {len(labels)} labelled lines ({ns} secret, {len(labels) - ns} not_secret) to {out}")


if __name__ == "__main__":
    main()

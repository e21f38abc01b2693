#!/usr/bin/env python3
"""Blind secrets corpus, round 23 (independent author, written without reading the scanner).

    python3 secrets_blind23.py OUTDIR --seed N

Writes a small fake repository (about 55 files of many formats) into OUTDIR plus
OUTDIR/labels.json: a list of
{"file": relative path, "line": 1-based line, "label": "secret" | "not_secret", "kind": str}.

Only labelled lines are scored; other lines are scaffolding.  Conventions:
  * the label sits on the line holding the value (continuation lines: the continuation line);
  * multi-line private keys (PEM, OpenSSH, PuTTY, PGP) are labelled on their first line;
  * placeholders, env/template lookups, vault/KMS references, encrypted blobs, hashes, UUIDs,
    public keys/certificates, images and key names without values are not secrets.

Every realistic token body is drawn at run time from random.Random(seed); provider prefixes are
assembled from pieces so this source holds no live-looking key.
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
from xml.sax.saxutils import escape as xml_escape

UPPER = string.ascii_uppercase
LOWER = string.ascii_lowercase
DIGITS = string.digits
LETTERS = UPPER + LOWER
HEX = "0123456789abcdef"
ALNUM = LETTERS + DIGITS
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"
PW_PUNCT = "!@^*()-_=+[]:,.?~"
URL_PW = ALNUM + "-_.~"
WORDS = ["falcon", "harbor", "maple", "copper", "lantern", "orchid", "summit", "velvet", "granite",
         "meadow", "cobalt", "thistle", "ember", "juniper", "saffron", "walrus", "quartz", "tundra",
         "pepper", "violet", "canyon", "bramble", "sparrow", "monsoon"]
USERS = ["admin", "app", "svc_billing", "deploy", "etl_user", "reporting", "api", "root", "backend"]
HOSTS = ["db.internal", "pg-prod-01.corp.local", "10.20.3.14", "mysql.prod.svc", "db-replica.eu-west-1.rds.amazonaws.com"]

# provider prefixes, split so that the source holds no token-shaped literal
P_AKIA = "AK" + "IA"
P_GHP = "gh" + "p_"
P_GHO = "gh" + "o_"
P_GHS = "gh" + "s_"
P_GHPAT = "github" + "_pat_"
P_GLPAT = "gl" + "pat-"
P_SK_LIVE = "sk" + "_live_"
P_SK_TEST = "sk" + "_test_"
P_RK_LIVE = "rk" + "_live_"
P_PK_LIVE = "pk" + "_live_"
P_WHSEC = "wh" + "sec_"
P_XOXB = "xo" + "xb-"
P_XOXP = "xo" + "xp-"
P_SLACK_HOOK = "https://hooks." + "slack.com/services/"
P_SK_PROJ = "sk" + "-proj-"
P_OAI_MID = "T3Blbk" + "FJ"
P_SK_ANT = "sk" + "-ant-api03-"
P_AIZA = "AI" + "za"
P_SG = "S" + "G."
P_NPM = "np" + "m_"
P_PYPI = "py" + "pi-" + "AgEIcHlwaS5vcmc"
P_HF = "h" + "f_"
P_SHPAT = "shp" + "at_"
P_DOP = "do" + "p_v1_"
P_DAPI = "da" + "pi"
P_DOPPLER = "dp" + ".st."
P_HVS = "hv" + "s."
P_PMAK = "PM" + "AK-"
P_LIN = "lin" + "_api_"
P_SNTRY = "sntr" + "yu_"
P_GLSA = "gl" + "sa_"
P_MG = "ke" + "y-"
P_AZ_MID = "8Q" + "~"
P_DISCORD_HOOK = "https://discord." + "com/api/webhooks/"
P_TWILIO_SID = "A" + "C"
DASH5 = "-" * 5
def pem(kind: str, end: bool = False) -> str:
    return f"{DASH5}{'END' if end else 'BEGIN'} {kind}{DASH5}"


def rs(r: random.Random, chars: str, n: int) -> str:
    return "".join(r.choice(chars) for _ in range(n))


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def wrap64(s: str) -> list[str]:
    return [s[i:i + 64] for i in range(0, len(s), 64)]


# ----------------------------------------------------------------------------- token makers
def t_akid(r): return P_AKIA + rs(r, UPPER + "234567", 16)
def t_aws_secret(r): return rs(r, ALNUM + "+/", 40)
def t_ghp(r): return P_GHP + rs(r, ALNUM, 36)
def t_gho(r): return P_GHO + rs(r, ALNUM, 36)
def t_ghs(r): return P_GHS + rs(r, ALNUM, 36)
def t_ghpat(r): return P_GHPAT + "11" + rs(r, UPPER + DIGITS, 20) + "_" + rs(r, ALNUM, 59)
def t_glpat(r): return P_GLPAT + rs(r, ALNUM + "-_", 20)
def t_xoxb(r): return P_XOXB + rs(r, DIGITS, 12) + "-" + rs(r, DIGITS, 13) + "-" + rs(r, ALNUM, 24)
def t_xoxp(r): return P_XOXP + rs(r, DIGITS, 12) + "-" + rs(r, DIGITS, 12) + "-" + rs(r, DIGITS, 13) + "-" + rs(r, HEX, 32)
def t_slack_hook(r): return P_SLACK_HOOK + "T" + rs(r, UPPER + DIGITS, 10) + "/B" + rs(r, UPPER + DIGITS, 10) + "/" + rs(r, ALNUM, 24)
def t_sk_live(r): return P_SK_LIVE + "51" + rs(r, ALNUM, 97)
def t_rk_live(r): return P_RK_LIVE + "51" + rs(r, ALNUM, 97)
def t_whsec(r): return P_WHSEC + rs(r, ALNUM, 32)
def t_hex32(r): return rs(r, HEX, 32)
def t_hex40(r): return rs(r, HEX, 40)
def t_sendgrid(r): return P_SG + rs(r, URLSAFE, 22) + "." + rs(r, URLSAFE, 43)
def t_openai(r): return P_SK_PROJ + rs(r, URLSAFE, 58) + P_OAI_MID + rs(r, URLSAFE, 58)
def t_anthropic(r): return P_SK_ANT + rs(r, URLSAFE, 93) + "AA"
def t_google(r): return P_AIZA + "Sy" + rs(r, URLSAFE, 33)
def t_azure_key(r): return b64(r.randbytes(64))
def t_azure_cs(r): return rs(r, ALNUM, 3) + P_AZ_MID + rs(r, ALNUM + "_-.", 34)
def t_npm(r): return P_NPM + rs(r, ALNUM, 36)
def t_pypi(r): return P_PYPI + rs(r, URLSAFE, 150)
def t_hf(r): return P_HF + rs(r, LETTERS, 34)
def t_shopify(r): return P_SHPAT + rs(r, HEX, 32)
def t_discord_bot(r): return b64url(str(r.randint(10**17, 10**18 - 1)).encode()) + "." + rs(r, URLSAFE, 6) + "." + rs(r, URLSAFE, 38)
def t_discord_hook(r): return P_DISCORD_HOOK + rs(r, DIGITS, 18) + "/" + rs(r, URLSAFE, 68)
def t_telegram(r): return str(r.randint(10**8, 10**10 - 1)) + ":AA" + rs(r, URLSAFE, 33)
def t_mailgun(r): return P_MG + rs(r, HEX, 32)
def t_do(r): return P_DOP + rs(r, HEX, 64)
def t_databricks(r): return P_DAPI + rs(r, HEX, 32)
def t_doppler(r): return P_DOPPLER + r.choice(["prd", "dev", "stg"]) + "." + rs(r, ALNUM, 40)
def t_vault(r): return P_HVS + "CAESI" + rs(r, URLSAFE, 90)
def t_postman(r): return P_PMAK + rs(r, HEX, 24) + "-" + rs(r, HEX, 34)
def t_linear(r): return P_LIN + rs(r, ALNUM, 40)
def t_sentry(r): return P_SNTRY + rs(r, HEX, 64)
def t_grafana(r): return P_GLSA + rs(r, ALNUM, 32) + "_" + rs(r, HEX, 8)
def t_generic_key(r): return rs(r, ALNUM, r.choice([32, 40, 48]))
def t_django(r): return rs(r, LOWER + DIGITS + "!@^*(-_=+)", 50)


def t_jwt(r):
    head = b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
    body = b64url(json.dumps({"sub": str(uuid.UUID(int=r.getrandbits(128))), "role": r.choice(["admin", "service"]),
                              "iat": 1716000000 + r.randint(0, 10**6)}, separators=(",", ":")).encode())
    return f"{head}.{body}.{rs(r, URLSAFE, 43)}"


def pw_random(r):
    return rs(r, ALNUM, 2) + rs(r, ALNUM + PW_PUNCT, r.randint(12, 20)) + rs(r, ALNUM, 1)


def pw_human(r):
    w1, w2 = r.sample(WORDS, 2)
    p = r.choice("!@*?.")
    return r.choice([
        f"{w1.capitalize()}{r.randint(1990, 2026)}{p}",
        f"{w1.capitalize()}{w2.capitalize()}{r.randint(10, 99)}",
        f"{w1.replace('a', '@').replace('o', '0').capitalize()}{p}{r.randint(100, 999)}",
        f"{w1}-{w2}-{r.randint(1000, 9999)}",
    ])


def pw_url(r): return rs(r, URL_PW, r.randint(14, 22))


def db_url(r, pw=None):
    pw = pw or pw_url(r)
    u, h = r.choice(USERS), r.choice(HOSTS)
    db = r.choice(["orders", "billing", "app_prod", "analytics"])
    return r.choice([
        f"postgresql://{u}:{pw}@{h}:5432/{db}",
        f"mysql://{u}:{pw}@{h}:3306/{db}",
        f"mongodb+srv://{u}:{pw}@cluster0.{rs(r, LOWER + DIGITS, 5)}.mongodb.net/{db}?retryWrites=true",
        f"redis://default:{pw}@{h}:6379/0",
        f"amqp://{u}:{pw}@rabbitmq.internal:5672/%2F",
    ])


# ----------------------------------------------------------------------------- item pools
# each returns (kind, snake_key, value)
SECRET_ITEMS = [
    lambda r: ("aws_access_key_id", "aws_access_key_id", t_akid(r)),
    lambda r: ("aws_secret_access_key", "aws_secret_access_key", t_aws_secret(r)),
    lambda r: ("github_pat", "github_token", t_ghp(r)),
    lambda r: ("github_fine_grained", "gh_pat", t_ghpat(r)),
    lambda r: ("github_oauth", "github_oauth_token", t_gho(r)),
    lambda r: ("gitlab_pat", "gitlab_token", t_glpat(r)),
    lambda r: ("slack_bot_token", "slack_bot_token", t_xoxb(r)),
    lambda r: ("slack_user_token", "slack_user_token", t_xoxp(r)),
    lambda r: ("slack_webhook", "slack_webhook_url", t_slack_hook(r)),
    lambda r: ("stripe_secret", "stripe_secret_key", t_sk_live(r)),
    lambda r: ("stripe_restricted", "stripe_restricted_key", t_rk_live(r)),
    lambda r: ("stripe_webhook", "stripe_webhook_secret", t_whsec(r)),
    lambda r: ("twilio_auth_token", "twilio_auth_token", t_hex32(r)),
    lambda r: ("sendgrid", "sendgrid_api_key", t_sendgrid(r)),
    lambda r: ("openai", "openai_api_key", t_openai(r)),
    lambda r: ("anthropic", "anthropic_api_key", t_anthropic(r)),
    lambda r: ("google_api_key", "google_maps_api_key", t_google(r)),
    lambda r: ("azure_storage_key", "azure_storage_account_key", t_azure_key(r)),
    lambda r: ("azure_client_secret", "azure_client_secret", t_azure_cs(r)),
    lambda r: ("npm_token", "npm_token", t_npm(r)),
    lambda r: ("pypi_token", "pypi_token", t_pypi(r)),
    lambda r: ("huggingface", "hf_token", t_hf(r)),
    lambda r: ("shopify", "shopify_access_token", t_shopify(r)),
    lambda r: ("datadog_api_key", "dd_api_key", t_hex32(r)),
    lambda r: ("datadog_app_key", "dd_app_key", t_hex40(r)),
    lambda r: ("discord_bot_token", "discord_bot_token", t_discord_bot(r)),
    lambda r: ("discord_webhook", "discord_webhook_url", t_discord_hook(r)),
    lambda r: ("telegram_bot_token", "telegram_bot_token", t_telegram(r)),
    lambda r: ("mailgun", "mailgun_api_key", t_mailgun(r)),
    lambda r: ("digitalocean", "digitalocean_token", t_do(r)),
    lambda r: ("databricks", "databricks_token", t_databricks(r)),
    lambda r: ("doppler", "doppler_token", t_doppler(r)),
    lambda r: ("vault_token", "vault_token", t_vault(r)),
    lambda r: ("postman", "postman_api_key", t_postman(r)),
    lambda r: ("linear", "linear_api_key", t_linear(r)),
    lambda r: ("sentry_auth_token", "sentry_auth_token", t_sentry(r)),
    lambda r: ("grafana", "grafana_service_account_token", t_grafana(r)),
    lambda r: ("jwt", "service_jwt", t_jwt(r)),
    lambda r: ("database_url", "database_url", db_url(r)),
    lambda r: ("password_random", r.choice(["db_password", "password", "smtp_password", "admin_pass", "redis_password"]), pw_random(r)),
    lambda r: ("password_human", r.choice(["db_password", "password", "ldap_bind_password", "admin_password", "mail_pass"]), pw_human(r)),
    lambda r: ("generic_api_key", r.choice(["api_key", "internal_api_key", "partner_api_secret", "client_secret"]), t_generic_key(r)),
    lambda r: ("secret_key", r.choice(["secret_key", "jwt_secret", "session_secret", "encryption_key"]), t_django(r)),
]


def sha256_hex(r): return hashlib.sha256(r.randbytes(32)).hexdigest()
def seq_token(r): return r.choice(["abcdefghijklmnopqrstuvwxyz0123456789", "0123456789" * 4, "a" * 36, "1234567890abcdef" * 2])
def marker_token(r, n):
    m = r.choice(["EXAMPLE", "DUMMY", "FAKE", "SAMPLE", "PLACEHOLDER"])
    k = r.choice([0, n - len(m)])  # marker at the start or the end of the body
    return rs(r, ALNUM, k) + m + rs(r, ALNUM, n - len(m) - k)


NOT_SECRET_ITEMS = [
    lambda r: ("placeholder", r.choice(["api_key", "db_password", "stripe_secret_key", "auth_token"]), r.choice(["changeme", "change-me", "CHANGE_ME", "replace-me"])),
    lambda r: ("placeholder", r.choice(["openai_api_key", "github_token", "client_secret", "sendgrid_api_key"]), r.choice(["<your-api-key>", "<YOUR_TOKEN_HERE>", "<insert-secret>", "your-secret-here"])),
    lambda r: ("placeholder", r.choice(["password", "api_secret", "slack_bot_token"]), r.choice(["x" * r.randint(12, 40), "X" * 32, "*" * 8, "0" * 32])),
    lambda r: ("marker_token", "github_token", P_GHP + marker_token(r, 36)),
    lambda r: ("marker_token", "aws_access_key_id", P_AKIA + marker_token(r, 16).upper()),
    lambda r: ("marker_token", "stripe_secret_key", P_SK_LIVE + marker_token(r, 40)),
    lambda r: ("marker_token", "openai_api_key", P_SK_PROJ + marker_token(r, 48)),
    lambda r: ("sequential_token", "npm_token", P_NPM + seq_token(r)),
    lambda r: ("sequential_token", "github_token", P_GHP + seq_token(r)),
    lambda r: ("sequential_token", "aws_access_key_id", P_AKIA + r.choice(["ABCDEFGHIJKLMNOP", "AAAAAAAAAAAAAAAA", "1234567890123456"])),
    lambda r: ("aws_doc_example", "aws_access_key_id", P_AKIA + "IOSFODNN7" + "EXAMPLE"),
    lambda r: ("aws_doc_example", "aws_secret_access_key", "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY"),
    lambda r: ("stripe_test_doc", "stripe_secret_key", P_SK_TEST + "..."),
    lambda r: ("stripe_publishable", "stripe_publishable_key", P_PK_LIVE + "51" + rs(r, ALNUM, 97)),
    lambda r: ("twilio_account_sid", "twilio_account_sid", P_TWILIO_SID + rs(r, HEX, 32)),
    lambda r: ("sha256", r.choice(["sha256", "checksum", "artifact_digest", "content_hash"]), sha256_hex(r)),
    lambda r: ("git_sha", r.choice(["commit_sha", "git_rev", "base_ref", "last_deployed_commit"]), rs(r, HEX, 40)),
    lambda r: ("md5", r.choice(["etag", "file_md5", "cache_key"]), rs(r, HEX, 32)),
    lambda r: ("integrity", "integrity", "sha512-" + b64(r.randbytes(64))),
    lambda r: ("image_digest", "image", f"ghcr.io/acme/api@sha256:{sha256_hex(r)}"),
    lambda r: ("uuid", r.choice(["tenant_id", "subscription_id", "azure_client_id", "request_id", "workspace_id"]), str(uuid.UUID(int=r.getrandbits(128), version=4))),
    lambda r: ("ssh_public_key", "ssh_authorized_key", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + rs(r, B64, 43) + " deploy@ci"),
    lambda r: ("vault_ref", r.choice(["db_password", "api_key"]), r.choice(["vault:secret/data/app/prod#db_password", "ref+vault://secret/app#/api_key", "ref+awssecrets://prod/app/api_key"])),
    lambda r: ("secret_manager_ref", r.choice(["db_password_secret", "api_key_secret_arn"]), f"arn:aws:secretsmanager:eu-west-1:{rs(r, DIGITS, 12)}:secret:prod/app/db-{rs(r, ALNUM, 6)}"),
    lambda r: ("kms_ref", "kms_key_id", f"arn:aws:kms:us-east-1:{rs(r, DIGITS, 12)}:key/{uuid.UUID(int=r.getrandbits(128), version=4)}"),
    lambda r: ("secret_manager_ref", "gcp_secret", f"projects/acme-{rs(r, LOWER, 5)}/secrets/db-password/versions/latest"),
    lambda r: ("keyvault_ref", "ConnectionStrings__Db", "@Microsoft.KeyVault(SecretUri=https://kv-acme.vault.azure.net/secrets/db-conn/)"),
    lambda r: ("encrypted_blob", "db_password", f"ENC[AES256_GCM,data:{b64(r.randbytes(18))},iv:{b64(r.randbytes(32))},tag:{b64(r.randbytes(16))},type:str]"),
    lambda r: ("field_name", r.choice(["password_field", "password_param", "secret_header_name"]), r.choice(["password", "X-Api-Key", "client_secret", "passwd"])),
    lambda r: ("policy_text", "password_policy", f"Password must be at least {r.randint(10, 16)} characters and contain a digit and a symbol"),
    lambda r: ("db_url_no_password", "database_url", f"postgresql://{r.choice(USERS)}@{r.choice(HOSTS)}:5432/app"),
    lambda r: ("image_base64", "logo", "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAABAAAAAQ" + rs(r, B64, 60) + "=="),
    lambda r: ("test_fixture", r.choice(["test_password", "fake_api_key", "dummy_token"]), r.choice(["test-password", "fake-api-key-for-tests", "dummy", "not-a-real-token"])),
]


# ----------------------------------------------------------------------------- file builder
def up(k): return k.upper()
def camel(k):
    p = k.split("_")
    return p[0].lower() + "".join(x.capitalize() for x in p[1:])
def pascal(k): return "".join(x.capitalize() for x in k.split("_"))
def dotted(k): return k.replace("_", ".")


class FB:
    def __init__(self, gen: "Gen", path: str):
        self.g, self.path, self.lines, self.labels, self.keys = gen, path, [], [], set()

    def l(self, *texts):
        self.lines.extend(texts)
        return self

    def _lab(self, text, label, kind):
        assert text.strip(), (self.path, text)
        self.lines.append(text)
        self.labels.append({"file": self.path, "line": len(self.lines), "label": label, "kind": kind})
        return self

    def s(self, text, kind): return self._lab(text, "secret", kind)
    def n(self, text, kind): return self._lab(text, "not_secret", kind)

    def reserve(self, *keys):
        self.keys.update(keys)
        return self

    def ukey(self, k):
        base, i = k, 0
        while k in self.keys:
            k = ["legacy_", "backup_", "old_", "staging_", "v2_", "fallback_"][i % 6] + base + ("" if i < 6 else f"_{i}")
            i += 1
        self.keys.add(k)
        return k

    def items(self, render, nsec, nns, scaffold=None):
        """Append nsec secret and nns not_secret items rendered by render(key, value), shuffled."""
        r = self.g.r
        nns = max(1, nns - 2)
        picks = [("secret", self.g.sec()) for _ in range(nsec)] + [("not_secret", self.g.ns()) for _ in range(nns)]
        r.shuffle(picks)
        for label, (kind, key, val) in picks:
            if scaffold and r.random() < 0.3:
                self.l(scaffold(r))
            self._lab(render(self.ukey(key), val), label, kind)
        return self


class Gen:
    def __init__(self, seed: int):
        self.r = random.Random(seed)
        self.files: list[FB] = []
        self._sec_bag: list = []
        self._ns_bag: list = []

    def f(self, path) -> FB:
        fb = FB(self, path)
        self.files.append(fb)
        return fb

    # draw from shuffled bags so every kind appears before repeats
    def sec(self):
        if not self._sec_bag:
            self._sec_bag = list(SECRET_ITEMS)
            self.r.shuffle(self._sec_bag)
        return self._sec_bag.pop()(self.r)

    def ns(self):
        if not self._ns_bag:
            self._ns_bag = list(NOT_SECRET_ITEMS)
            self.r.shuffle(self._ns_bag)
        return self._ns_bag.pop()(self.r)

    def n(self, a, b): return self.r.randint(a, b)


# ----------------------------------------------------------------------------- renderers
def q(v): return json.dumps(v)


R_ENV = lambda k, v: f"{up(k)}={v}"
R_ENVQ = lambda k, v: f'{up(k)}="{v}"'
R_YAML = lambda ind: (lambda k, v: f"{' ' * ind}{k}: {q(v)}")
R_TOML = lambda k, v: f"{k} = {q(v)}"
R_INI = lambda k, v: f"{k} = {v}"
R_PROP = lambda k, v: f"app.{dotted(k)}={v}"
R_XML = lambda k, v: f'    <add key="{pascal(k)}" value="{xml_escape(v, {chr(34): "&quot;"})}" />'
R_TF = lambda k, v: f"  {k} = {q(v)}"
R_SH = lambda k, v: f'export {up(k)}="{v}"'
R_PS = lambda k, v: f"$env:{up(k)} = '{v}'"
R_PY = lambda k, v: f"{up(k)} = {v!r}"
R_JS = lambda k, v: f"  {camel(k)}: {q(v)},"
R_TS = lambda k, v: f"export const {up(k)}: string = {q(v)};"
R_GO = lambda k, v: f"\t{camel(k)} = `{v}`"
R_JAVA = lambda k, v: f"    private static final String {up(k)} = {q(v)};"
R_CS = lambda k, v: f'        public const string {pascal(k)} = @"{v}";'
R_RB = lambda k, v: f"  config.{k} = '{v}'"
R_PHP = lambda k, v: f"    '{k}' => '{v}',"
R_JSON = lambda ind: (lambda k, v: f"{' ' * ind}{q(k)}: {q(v)},")


def ts(r): return f"2025-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T{r.randint(0, 23):02d}:{r.randint(0, 59):02d}:{r.randint(0, 59):02d}Z"


def json_close(fb: FB):
    """Remove the trailing comma of the last entry line so the object parses."""
    fb.lines[-1] = fb.lines[-1].rstrip(",")


# ----------------------------------------------------------------------------- files
def f_env(g: Gen):
    r = g.r
    f = g.f(".env")
    f.reserve("db_password", "redis_password", "postgres_password")
    f.l("# local environment -- do not commit (it was committed anyway)", "NODE_ENV=production", "PORT=8080", "")
    f.items(lambda k, v: (R_ENVQ if r.random() < 0.4 else R_ENV)(k, v), g.n(6, 8), g.n(4, 5))
    f.n("DB_PASSWORD=${DB_PASSWORD}", "env_reference")
    f.n("REDIS_PASSWORD=", "empty_value")
    f.s(f"POSTGRES_PASSWORD={pw_human(r)}", "password_human")
    f.l("LOG_LEVEL=info")

    e = g.f(".env.example")
    e.l("# copy to .env and fill in", "NODE_ENV=development")
    e.n("STRIPE_SECRET_KEY=" + P_SK_TEST + "...", "stripe_test_doc")
    e.n("OPENAI_API_KEY=<your-openai-key>", "placeholder")
    e.n("AWS_ACCESS_KEY_ID=" + P_AKIA + "XXXXXXXXXXXXXXXX", "placeholder")
    e.n("AWS_SECRET_ACCESS_KEY=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "placeholder")
    e.n("DATABASE_URL=postgresql://user:password@localhost:5432/dev", "placeholder_url")
    e.n("SESSION_SECRET=changeme", "placeholder")
    e.n("SLACK_BOT_TOKEN=" + P_XOXB + "your-token-here", "placeholder")


def f_compose(g: Gen):
    r = g.r
    f = g.f("docker-compose.yml")
    f.l("services:", "  db:", "    image: postgres:16", "    environment:")
    f.s(f"      POSTGRES_PASSWORD: {q(pw_random(r))}", "password_random")
    f.n("      POSTGRES_USER: app", "username")
    f.n(f"      PGDATA_CHECKSUM: {q(sha256_hex(r))}", "sha256")
    f.l("  api:", f"    image: ghcr.io/acme/api:{rs(r, HEX, 7)}", "    environment:")
    f.n("      DB_PASSWORD: ${DB_PASSWORD:?required}", "env_reference")
    f.reserve("db_password")
    f.items(lambda k, v: f"      {up(k)}: {q(v)}", g.n(3, 4), g.n(2, 3))
    f.l("  cache:", "    image: redis:7", "    command:", "      - redis-server", "      - --requirepass")
    f.s(f"      - {q(pw_url(r))}", "password_random")
    f.l("  minio:", "    image: minio/minio", "    environment:")
    f.n("      MINIO_ROOT_PASSWORD: minioadmin", "default_credential")
    f.l("    secrets:", "      - db_password", "secrets:", "  db_password:")
    f.n("    file: ./secrets/db_password.txt", "file_path")


def f_k8s(g: Gen):
    r = g.r
    f = g.f("k8s/secret.yaml")
    f.l("apiVersion: v1", "kind: Secret", "metadata:", "  name: api-credentials", "type: Opaque", "data:")
    f.s(f"  DB_PASSWORD: {b64(pw_random(r).encode())}", "k8s_secret_b64")
    f.s(f"  STRIPE_KEY: {b64(t_sk_live(r).encode())}", "k8s_secret_b64")
    f.n(f"  DB_HOST: {b64(b'db.internal')}", "base64_plain_config")
    f.n(f"  LOG_FORMAT: {b64(b'json')}", "base64_plain_config")
    f.l("stringData:")
    f.s(f"  SENDGRID_API_KEY: {q(t_sendgrid(r))}", "sendgrid")
    f.n("  SMTP_USER: notifications", "username")
    f.l("---", "apiVersion: bitnami.com/v1alpha1", "kind: SealedSecret", "metadata:", "  name: api-sealed", "spec:", "  encryptedData:")
    f.n(f"    DB_PASSWORD: AgB{rs(r, B64, 300)}==", "sealed_secret")

    d = g.f("k8s/deployment.yaml")
    d.l("apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: api", "spec:", "  template:", "    spec:",
        "      containers:", "        - name: api")
    d.n(f"          image: ghcr.io/acme/api@sha256:{sha256_hex(r)}", "image_digest")
    d.l("          env:", "            - name: DB_PASSWORD", "              valueFrom:", "                secretKeyRef:",
        "                  name: api-credentials")
    d.n("                  key: DB_PASSWORD", "secret_key_ref")
    d.l("            - name: GITHUB_TOKEN")
    d.s(f"              value: {q(t_ghp(r))}", "github_pat")
    d.l("            - name: DD_API_KEY")
    d.s(f"              value: {q(t_hex32(r))}", "datadog_api_key")
    d.l("            - name: BUILD_SHA")
    d.n(f"              value: {q(rs(r, HEX, 40))}", "git_sha")
    d.l("            - name: TENANT_ID")
    d.n(f"              value: {q(str(uuid.UUID(int=r.getrandbits(128), version=4)))}", "uuid")
    d.l("            - name: ADMIN_PASSWORD")
    d.s(f"              value: {pw_human(r)}", "password_human")


def f_ci(g: Gen):
    r = g.r
    f = g.f(".github/workflows/deploy.yml")
    f.l("name: deploy", "on:", "  push:", "    branches: [main]", "jobs:", "  deploy:", "    runs-on: ubuntu-latest", "    env:")
    f.n("      AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}", "ci_secret_reference")
    f.s(f"      AWS_ACCESS_KEY_ID: {t_akid(r)}", "aws_access_key_id")
    f.n("      NPM_TOKEN: ${{ secrets.NPM_TOKEN }}", "ci_secret_reference")
    f.l("    steps:")
    f.n(f"      - uses: actions/checkout@{rs(r, HEX, 40)}", "git_sha")
    f.l("      - name: publish", "        run: |")
    f.s(f"          echo \"//registry.npmjs.org/:_authToken={t_npm(r)}\" > ~/.npmrc", "npm_token")
    f.l("          npm publish", "      - name: notify", "        run: >-", "          curl -X POST -H 'Content-type: application/json'")
    f.s(f"          {t_slack_hook(r)}", "slack_webhook")
    f.l("          -d '{\"text\":\"deployed\"}'")

    c = g.f(".gitlab-ci.yml")
    c.l("stages: [test, deploy]", "variables:")
    c.items(R_YAML(2), g.n(2, 3), g.n(2, 3))
    c.n("  DOCKER_AUTH_CONFIG: $DOCKER_AUTH_CONFIG", "env_reference")
    c.l("deploy:", "  stage: deploy", "  script:")
    c.s(f"    - curl --header \"PRIVATE-TOKEN: {t_glpat(r)}\" https://gitlab.example.com/api/v4/projects", "gitlab_pat")
    c.n("    - curl --header \"PRIVATE-TOKEN: $CI_JOB_TOKEN\" https://gitlab.example.com/api/v4/projects", "env_reference")



def f_helm(g: Gen):
    r = g.r
    f = g.f("helm/values.yaml")
    f.l("replicaCount: 2", "image:", "  repository: ghcr.io/acme/api")
    f.n(f"  tag: {q(rs(r, HEX, 12))}", "git_sha")
    f.l("postgresql:", "  auth:", "    username: app")
    f.s(f"    password: {q(pw_random(r))}", "password_random")
    f.n("    existingSecret: api-db", "secret_reference")
    f.l("config:")
    f.items(lambda k, v: f"  {camel(k)}: {q(v)}", g.n(3, 4), g.n(3, 4))

    t = g.f("helm/templates/secret.yaml")
    t.l("apiVersion: v1", "kind: Secret", "metadata:", "  name: {{ include \"api.fullname\" . }}", "stringData:")
    t.n("  DB_PASSWORD: {{ .Values.postgresql.auth.password | quote }}", "template_reference")
    t.n("  API_KEY: {{ required \"apiKey\" .Values.config.apiKey | quote }}", "template_reference")
    t.n("  SESSION_SECRET: {{ randAlphaNum 32 | b64enc | quote }}", "template_generated")


def f_ansible(g: Gen):
    r = g.r
    f = g.f("ansible/group_vars/all.yml")
    f.reserve("db_password", "api_token", "smtp_password", "mysql_root_password", "ansible_become_password")
    f.l("---", "app_user: deploy")
    f.n("db_password: \"{{ vault_db_password }}\"", "template_reference")
    f.n("api_token: \"{{ lookup('env', 'API_TOKEN') }}\"", "env_reference")
    f.n("smtp_password: \"{{ lookup('community.hashi_vault.hashi_vault', 'secret=secret/data/smtp:password') }}\"", "vault_ref")
    f.s(f"mysql_root_password: {pw_human(r)}", "password_human")
    f.s(f"ansible_become_password: {q(pw_random(r))}", "password_random")
    f.items(R_YAML(0), g.n(1, 2), g.n(1, 2))

    v = g.f("ansible/group_vars/vault.yml")
    v.n("$ANSIBLE_VAULT;1.1;AES256", "ansible_vault_encrypted")
    for _ in range(5):
        v.l(rs(r, HEX, 80))


def f_json(g: Gen):
    r = g.r
    f = g.f("config/settings.json")
    f.l("{", '  "service": "billing-api",', '  "port": 8443,', '  "credentials": {')
    f.items(R_JSON(4), g.n(4, 5), g.n(3, 4))
    f.s(f'    "privateKey": "{pem("RSA PRIVATE KEY")}\\n{rs(r, B64, 64)}\\n{rs(r, B64, 64)}\\n{pem("RSA PRIVATE KEY", True)}\\n",', "private_key_in_json")
    f.n('    "password": "",', "empty_value")
    json_close(f)
    f.l("  }", "}")

    p = g.f("package-lock.json")
    p.l("{", '  "name": "web",', '  "lockfileVersion": 3,', '  "packages": {')
    for i, name in enumerate(["react", "axios", "lodash"]):
        p.l(f'    "node_modules/{name}": {{', f'      "version": "{r.randint(1, 18)}.{r.randint(0, 9)}.{r.randint(0, 9)}",')
        p.l(f'      "resolved": "https://registry.npmjs.org/{name}/-/{name}.tgz",')
        p.n(f'      "integrity": "sha512-{b64(r.randbytes(64))}"', "integrity")
        p.l("    }" + ("," if i < 2 else ""))
    p.l("  }", "}")

    sa = g.f("deploy/gcp-service-account.json")
    sa.l("{", '  "type": "service_account",', '  "project_id": "acme-prod",')
    sa.n(f'  "private_key_id": "{rs(r, HEX, 40)}",', "key_id")
    sa.s(f'  "private_key": "{pem("PRIVATE KEY")}\\n{rs(r, B64, 64)}\\n{rs(r, B64, 64)}\\n{pem("PRIVATE KEY", True)}\\n",', "gcp_service_account_key")
    sa.n('  "client_email": "deployer@acme-prod.iam.gserviceaccount.com",', "email")
    sa.n(f'  "client_id": "{rs(r, DIGITS, 21)}"', "numeric_id")
    sa.l("}")

    d = g.f(".docker/config.json")
    d.l("{", '  "auths": {', '    "registry.acme.io": {')
    d.s(f'      "auth": "{b64(("ci-bot:" + pw_random(r)).encode())}"', "docker_auth_b64")
    d.l("    },", '    "ghcr.io": {}', "  },")
    d.n('  "credsStore": "desktop"', "credential_helper")
    d.l("}")

    a = g.f("src/Api/appsettings.json")
    a.l("{", '  "ConnectionStrings": {')
    a.s(f'    "Default": "Server=tcp:acme-sql.database.windows.net,1433;Database=orders;User ID=sqladmin;Password={pw_url(r)};Encrypt=True;",', "connection_string")
    a.n('    "Reporting": "Server=(localdb)\\\\mssqllocaldb;Database=reports;Trusted_Connection=True;"', "connection_string_no_password")
    a.l("  },", '  "Storage": {')
    a.s(f'    "Connection": "DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey={t_azure_key(r)};EndpointSuffix=core.windows.net",', "azure_storage_key")
    a.n('    "Emulator": "UseDevelopmentStorage=true"', "emulator")
    a.l("  },", '  "AzureAd": {')
    a.n(f'    "ClientId": "{uuid.UUID(int=r.getrandbits(128), version=4)}",', "uuid")
    a.s(f'    "ClientSecret": "{t_azure_cs(r)}",', "azure_client_secret")
    a.n('    "ClientSecretRef": "@Microsoft.KeyVault(SecretUri=https://kv-acme.vault.azure.net/secrets/aad-secret/)"', "keyvault_ref")
    a.l("  }", "}")


def f_toml(g: Gen):
    r = g.r
    f = g.f("pyproject.toml")
    f.l("[project]", 'name = "acme-tools"', 'version = "0.4.1"', "", "[tool.acme.publish]")
    f.s(f'token = "{t_pypi(r)}"', "pypi_token")
    f.n('token_env = "PYPI_TOKEN"', "env_reference")
    f.l("", "[tool.acme.secrets]")
    f.items(R_TOML, g.n(2, 3), g.n(2, 3))

    c = g.f("config/app.toml")
    c.l("[server]", 'host = "0.0.0.0"', "port = 8080", "", "[database]")
    c.s(f'url = "{db_url(r)}"', "database_url")
    c.n('password = ""', "empty_value")
    c.l("", "[integrations]")
    c.items(R_TOML, g.n(3, 4), g.n(2, 3))
    c.l("", "[auth]")
    c.s("signing_key = '''" + rs(r, ALNUM + "+/", 44) + "'''", "signing_key")
    c.n('algorithm = "HS256"', "config_value")


def f_ini(g: Gen):
    r = g.r
    f = g.f("config/database.ini")
    f.l("[postgres]", "host = db.internal", "port = 5432", "user = reporting")
    f.s(f"password = {pw_human(r)}", "password_human")
    f.l("", "[mysql]", "host = mysql.prod.svc")
    f.s(f"passwd = {pw_random(r)}", "password_random")
    f.n("password_file = /run/secrets/mysql_password", "file_path")
    f.l("", "[services]")
    f.items(R_INI, g.n(2, 3), g.n(2, 3))

    c = g.f("config/redis.conf")
    c.l("bind 127.0.0.1", "port 6379")
    c.s(f"requirepass {pw_random(r)}", "password_random")
    c.n("# requirepass foobared", "commented_default")
    c.s(f"masterauth {pw_url(r)}", "password_random")
    c.l("maxmemory 256mb")



def f_properties(g: Gen):
    r = g.r
    f = g.f("src/main/resources/application.properties")
    f.l("spring.application.name=orders", "server.port=8080")
    f.s(f"spring.datasource.url=jdbc:postgresql://{r.choice(HOSTS)}:5432/orders?user=orders&password={pw_url(r)}", "jdbc_url")
    f.l("spring.datasource.username=orders")
    f.s(f"spring.datasource.password={pw_random(r)}", "password_random")
    f.n("spring.mail.password=${MAIL_PASSWORD}", "env_reference")
    f.n("spring.security.user.password=", "empty_value")
    f.items(R_PROP, g.n(3, 4), g.n(3, 4))

    p = f
    p.l("", "# --- prod profile ---")
    p.n("spring.datasource.password.prod=${vcap.services.orders-db.credentials.password}", "template_reference")
    p.n("jasypt.encryptor.password=${JASYPT_PASSWORD}", "env_reference")
    p.n(f"app.admin.password=ENC({b64(r.randbytes(32))})", "encrypted_blob")
    p.s(f"app.keystore.password={pw_human(r)}", "password_human")


def f_xml(g: Gen):
    r = g.r
    f = g.f("src/Web/Web.config")
    f.l('<?xml version="1.0" encoding="utf-8"?>', "<configuration>", "  <connectionStrings>")
    f.s(f'    <add name="Main" connectionString="Data Source=sql01;Initial Catalog=crm;User Id=crm_app;Password={pw_url(r)};" />', "connection_string")
    f.n('    <add name="Local" connectionString="Data Source=.;Initial Catalog=crm;Integrated Security=True;" />', "connection_string_no_password")
    f.l("  </connectionStrings>", "  <appSettings>")
    f.items(R_XML, g.n(3, 4), g.n(3, 4))
    f.l("  </appSettings>", "</configuration>")

    m = g.f(".m2/settings.xml")
    m.l("<settings>", "  <servers>", "    <server>", "      <id>acme-releases</id>", "      <username>deployer</username>")
    m.s(f"      <password>{pw_random(r)}</password>", "password_random")
    m.l("    </server>", "    <server>", "      <id>acme-snapshots</id>", "      <username>deployer</username>")
    m.n("      <password>${env.MAVEN_PASSWORD}</password>", "env_reference")
    m.l("    </server>", "    <server>", "      <id>central</id>")
    m.n("      <password>{" + b64(r.randbytes(24)) + "}</password>", "maven_encrypted")
    m.l("    </server>", "  </servers>", "</settings>")


def f_terraform(g: Gen):
    r = g.r
    f = g.f("terraform/main.tf")
    f.l('provider "aws" {', '  region = "eu-west-1"')
    f.s(f'  access_key = "{t_akid(r)}"', "aws_access_key_id")
    f.s(f'  secret_key = "{t_aws_secret(r)}"', "aws_secret_access_key")
    f.l("}", "", 'resource "aws_db_instance" "main" {', '  engine   = "postgres"', '  username = "app"')
    f.n("  password = var.db_password", "var_reference")
    f.l("}", "", 'resource "aws_db_instance" "legacy" {', '  engine   = "mysql"')
    f.s(f'  password = "{pw_human(r)}"', "password_human")
    f.l("}", "", 'data "aws_secretsmanager_secret_version" "api" {')
    f.n(f'  secret_id = "arn:aws:secretsmanager:eu-west-1:{rs(r, DIGITS, 12)}:secret:prod/api-{rs(r, ALNUM, 6)}"', "secret_manager_ref")
    f.l("}", "", 'resource "random_password" "db" {', "  length  = 24")
    f.n("  special = true", "config_value")
    f.l("}", "", 'module "dd" {', '  source = "./modules/datadog"')
    f.n("  api_key = data.aws_secretsmanager_secret_version.api.secret_string", "data_reference")
    f.s(f'  app_key = "{t_hex40(r)}"', "datadog_app_key")
    f.l("}")

    v = g.f("terraform/terraform.tfvars")
    v.l('environment = "prod"')
    v.items(lambda k, val: f"{k} = {q(val)}", g.n(3, 4), g.n(3, 4))


def f_docker(g: Gen):
    r = g.r
    f = g.f("Dockerfile")
    f.l("FROM python:3.11-slim", "WORKDIR /app")
    f.n(f"# base image digest sha256:{sha256_hex(r)}", "image_digest")
    f.n("ARG PIP_INDEX_PASSWORD", "field_name")
    f.s(f"ENV HF_TOKEN={t_hf(r)}", "huggingface")
    f.s(f"ARG GITHUB_TOKEN={t_ghp(r)}", "github_pat")
    f.l("RUN pip install --no-cache-dir -r requirements.txt \\")
    f.s(f"    --extra-index-url https://__token__:{t_glpat(r)}@gitlab.acme.io/api/v4/projects/42/packages/pypi/simple", "gitlab_pat")
    f.n("RUN --mount=type=secret,id=npm_token NPM_TOKEN=$(cat /run/secrets/npm_token) npm ci", "secret_mount")
    f.n("ENV API_KEY=\"\"", "empty_value")
    f.l('CMD ["gunicorn", "app:app"]')


def f_shell(g: Gen):
    r = g.r
    f = g.f("scripts/deploy.sh")
    f.reserve("pgpassword")
    f.l("#!/usr/bin/env bash", "set -euo pipefail")
    f.n(': "${DB_PASSWORD:?DB_PASSWORD must be set}"', "env_reference")
    f.items(R_SH, g.n(3, 4), g.n(2, 3))
    f.l("curl -sf https://api.digitalocean.com/v2/droplets \\")
    f.s(f'  -H "Authorization: Bearer {t_do(r)}"', "digitalocean")
    f.s(f"mysql -h db.internal -u root -p'{pw_human(r)}' app < schema.sql", "password_cli")
    f.n('mysql -h db.internal -u root -p"$MYSQL_ROOT_PASSWORD" app < schema.sql', "env_reference")
    f.s(f"export PGPASSWORD='{pw_random(r)}'", "password_random")
    f.n('read -rsp "Vault token: " VAULT_TOKEN', "prompt")
    f.n(f'echo "{sha256_hex(r)}  release.tar.gz" | sha256sum -c -', "sha256")
    f.s(f'curl -u "admin:{pw_url(r)}" https://jenkins.acme.io/job/deploy/build', "basic_auth")
    f.s(f"git clone https://x-access-token:{t_ghs(r)}@github.com/acme/infra.git", "github_app_token")
    f.s(f"# mount -t cifs //nas/backup /mnt -o username=backup,password={pw_human(r)}", "password_in_comment")
    f.n("# password for the NAS is in 1Password, item nas-backup", "prose")

    p = g.f("scripts/setup.ps1")
    p.l("param([string]$Environment = 'prod')")
    p.items(R_PS, g.n(2, 3), g.n(2, 3))
    p.s(f'$secure = ConvertTo-SecureString "{pw_random(r)}" -AsPlainText -Force', "password_random")
    p.n("$secure = Read-Host -AsSecureString -Prompt 'Password'", "prompt")
    p.n("$token = (Get-AzKeyVaultSecret -VaultName kv-acme -Name api-token -AsPlainText)", "vault_ref")
    p.n(f"$encrypted = '01000000d08c9ddf0115d1118c7a00c04fc297eb{rs(r, HEX, 120)}'", "dpapi_encrypted")
    p.s(f'$headers = @{{ "DD-API-KEY" = "{t_hex32(r)}" }}', "datadog_api_key")


def f_python(g: Gen):
    r = g.r
    f = g.f("app/config.py")
    f.reserve("db_password", "api_key", "password_re", "anthropic_key")
    f.l("import os", "", "")
    f.n('DB_PASSWORD = os.environ["DB_PASSWORD"]', "env_reference")
    f.n('API_KEY = os.getenv("API_KEY", "")', "env_reference")
    f.items(R_PY, g.n(4, 5), g.n(3, 4))
    f.l("ANTHROPIC_KEY = (")
    f.s(f"    {t_anthropic(r)!r}", "anthropic")
    f.l(")")
    f.s(f'client = Client(token="{t_postman(r)}")', "postman")
    f.n(f'PASSWORD_RE = r"^(?=.*[A-Z])(?=.*\\d)(?=.*[^\\w]).{{{r.randint(10, 14)},}}$"', "password_regex")

    d = g.f("app/settings.py")
    d.l("from pathlib import Path", "", "BASE_DIR = Path(__file__).resolve().parent.parent")
    d.s(f"SECRET_KEY = 'django-insecure-{t_django(r)}'", "secret_key")  # br:allow (a generator line: the key is drawn at run time)
    d.n('AUTH_PASSWORD_VALIDATORS = [{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"}]', "policy_text")
    d.l("DATABASES = {", '    "default": {', '        "ENGINE": "django.db.backends.postgresql",', '        "USER": "app",')
    d.s(f'        "PASSWORD": "{pw_human(r)}",', "password_human")
    d.l("    }", "}")
    d.n('PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]', "config_value")
    d.n(f'ADMIN_PASSWORD_HASH = "pbkdf2_sha256$600000${rs(r, ALNUM, 22)}${b64(r.randbytes(32))}"', "password_hash")
    d.s(f'EMAIL_HOST_PASSWORD = "{t_sendgrid(r)}"', "sendgrid")

    t = g.f("tests/test_auth.py")
    t.l("import pytest", "", "")
    t.n('FAKE_TOKEN = "' + P_GHP + "0" * 36 + '"', "sequential_token")
    t.n('TEST_PASSWORD = "correct-password-for-tests"', "test_fixture")
    t.l("", "def test_login(client):")
    t.n('    resp = client.post("/login", data={"username": "alice", "password": "wrong"})', "test_fixture")
    t.n('    assert resp.json()["password"] == "********"', "masked_value")
    t.n('    user = UserFactory(password="pa$$word-fixture")', "test_fixture")  # br:allow (the fixture look-alike this set labels not_secret)
    t.l("", "def test_webhook_signature():")
    t.n('    secret = "' + P_WHSEC + "test_" + "a" * 24 + '"', "test_fixture")
    t.n(f'    assert sign(b"x", secret) == "{sha256_hex(r)}"', "sha256")
    t.l("", "# the integration suite uses a real sandbox key, do not rotate")
    t.s(f'SANDBOX_KEY = "{t_sk_live(r)}"', "stripe_secret")


def f_js(g: Gen):
    r = g.r
    f = g.f("web/src/config.js")
    f.reserve("db_password", "api_key", "sentry_dsn", "firebase")
    f.l("module.exports = {")
    f.n("  dbPassword: process.env.DB_PASSWORD,", "env_reference")
    f.n('  apiKey: process.env.API_KEY || "",', "env_reference")
    f.items(R_JS, g.n(4, 5), g.n(3, 4))
    f.l("  firebase: {")
    f.s(f'    apiKey: "{t_google(r)}",', "google_api_key")
    f.l('    authDomain: "acme-web.firebaseapp.com",')
    f.n(f'    appId: "1:{rs(r, DIGITS, 12)}:web:{rs(r, HEX, 22)}",', "public_identifier")
    f.n(f'    measurementId: "G-{rs(r, UPPER + DIGITS, 10)}",', "public_identifier")
    f.l("  },")
    f.n(f'  sentryDsn: "https://{rs(r, HEX, 32)}@o{rs(r, DIGITS, 6)}.ingest.sentry.io/{rs(r, DIGITS, 7)}",', "sentry_dsn_public")
    f.l("};")

    t = g.f("web/src/api.ts")
    t.l("import axios from 'axios';", "")
    t.items(R_TS, g.n(3, 4), g.n(2, 3))
    t.l("export const client = axios.create({", "  baseURL: 'https://api.acme.io',", "  headers: {")
    t.s(f"    Authorization: 'Bearer {t_jwt(r)}',", "jwt")
    t.n("    'X-Request-Id': crypto.randomUUID(),", "generated_value")
    t.l("  },", "});")
    t.n('const passwordInput = document.querySelector<HTMLInputElement>("input[type=password]");', "field_name")
    t.s(f"const bot = new Telegraf('{t_telegram(r)}');", "telegram_bot_token")

    h = g.f("web/public/index.html")
    h.l("<!doctype html>", "<html>", "<head>")
    h.n(f'<script src="https://cdn.acme.io/app.js" integrity="sha384-{b64(r.randbytes(48))}" crossorigin="anonymous"></script>', "integrity")
    h.n(f'<link rel="icon" href="data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAACAAAAAg{rs(r, B64, 120)}=">', "image_base64")
    h.l("</head>", "<body>", '<form method="post">')
    h.n('  <input type="password" name="password" autocomplete="current-password" minlength="12">', "field_name")
    h.l("</form>", "<script>")
    h.s(f'  window.MAPS_KEY = "{t_google(r)}";', "google_api_key")
    h.s(f'  Shopify.init({{ token: "{t_shopify(r)}" }});', "shopify")
    h.l("</script>", "</body>", "</html>")


def f_go(g: Gen):
    r = g.r
    f = g.f("cmd/server/main.go")
    f.reserve("db_password")
    f.l("package main", "", 'import "os"', "", "var (")
    f.items(R_GO, g.n(3, 4), g.n(2, 3))
    f.n('\tdbPassword = os.Getenv("DB_PASSWORD")', "env_reference")
    f.l(")", "", "func dsn() string {")
    f.s(f'\treturn "host=db.internal user=app password={pw_url(r)} dbname=app sslmode=require"', "dsn")
    f.l("}", "", "func discord() string {")
    f.s(f'\treturn "{t_discord_hook(r)}"', "discord_webhook")
    f.l("}")


def f_java(g: Gen):
    r = g.r
    f = g.f("src/main/java/com/acme/orders/DbConfig.java")
    f.reserve("db_password", "password_property")
    f.l("package com.acme.orders;", "", "public final class DbConfig {")
    f.items(R_JAVA, g.n(3, 4), g.n(2, 3))
    f.n('    private static final String DB_PASSWORD = System.getenv("DB_PASSWORD");', "env_reference")
    f.n('    private static final String PASSWORD_PROPERTY = "spring.datasource.password";', "field_name")
    f.l("    static java.sql.Connection open() throws Exception {", "        return java.sql.DriverManager.getConnection(",
        '            "jdbc:mysql://mysql.prod.svc:3306/orders", "orders",')
    f.s(f'            "{pw_human(r)}");', "password_human")
    f.l("    }", "}")


def f_cs(g: Gen):
    r = g.r
    f = g.f("src/Api/Services/PaymentService.cs")
    f.l("namespace Acme.Api.Services", "{", "    public static class Secrets", "    {")
    f.items(R_CS, g.n(3, 4), g.n(2, 3))
    f.n('        public static readonly string Db = Environment.GetEnvironmentVariable("DB_PASSWORD");', "env_reference")
    f.n('        public static string Key => Configuration["Stripe:SecretKey"];', "config_reference")
    f.s(f'        public static readonly NetworkCredential Smtp = new("mailer", "{pw_random(r)}");', "password_random")
    f.l("    }", "}")


def f_ruby(g: Gen):
    r = g.r
    f = g.f("config/initializers/services.rb")
    f.reserve("stripe_key", "github_token")
    f.l("Rails.application.configure do |config|")
    f.items(R_RB, g.n(3, 4), g.n(2, 3))
    f.n("  config.stripe_key = ENV.fetch('STRIPE_SECRET_KEY')", "env_reference")
    f.n("  config.github_token = Rails.application.credentials.dig(:github, :token)", "credentials_reference")
    f.l("end", "")
    f.s(f"Mailgun.configure {{ |c| c.api_key = '{t_mailgun(r)}' }}", "mailgun")

    y = g.f("config/database.yml")
    y.l("production:", "  adapter: postgresql", "  database: app_production", "  username: app")
    y.n("  password: <%= ENV['DATABASE_PASSWORD'] %>", "env_reference")
    y.l("staging:", "  adapter: postgresql", "  username: app")
    y.s(f"  password: {pw_human(r)}", "password_human")


def f_php(g: Gen):
    r = g.r
    f = g.f("config/services.php")
    f.reserve("stripe_secret")
    f.l("<?php", "", "return [")
    f.items(R_PHP, g.n(3, 4), g.n(2, 3))
    f.n("    'stripe_secret' => env('STRIPE_SECRET'),", "env_reference")
    f.l("];")
    w = g.f("public/wp-config.php")
    w.l("<?php", "define('DB_NAME', 'wordpress');", "define('DB_USER', 'wp');")
    w.s(f"define('DB_PASSWORD', '{pw_random(r)}');", "password_random")
    w.s(f"define('AUTH_KEY', '{t_django(r)}');", "secret_key")
    w.n("define('NONCE_KEY', 'put your unique phrase here');", "placeholder")
    w.n("define('SECURE_AUTH_KEY', getenv('WP_SECURE_AUTH_KEY'));", "env_reference")


def f_sql(g: Gen):
    r = g.r
    f = g.f("db/migrations/001_users.sql")
    f.l("CREATE TABLE users (", "  id BIGSERIAL PRIMARY KEY,", "  email TEXT NOT NULL,")
    f.n("  password_hash TEXT NOT NULL,", "field_name")
    f.n("  api_key_sha256 CHAR(64)", "field_name")
    f.l(");")
    f.s(f"CREATE USER reporting WITH PASSWORD '{pw_human(r)}';", "password_human")
    f.s(f"ALTER ROLE etl_user PASSWORD '{pw_random(r)}';", "password_random")
    f.n("CREATE USER readonly WITH PASSWORD :'readonly_password';", "psql_variable")
    f.n(f"INSERT INTO users (email, password_hash) VALUES ('admin@acme.io', '$2b$12${rs(r, ALNUM + './', 53)}');", "bcrypt_hash")
    f.s(f"INSERT INTO integrations (name, token) VALUES ('linear', '{t_linear(r)}');", "linear")
    f.n(f"INSERT INTO integrations (name, token) VALUES ('dummy', '{'x' * 40}');", "placeholder")
    f.n(f"INSERT INTO api_keys (id, key_prefix) VALUES ('{uuid.UUID(int=r.getrandbits(128), version=4)}', 'ak_{rs(r, LOWER, 4)}');", "uuid")


def f_docs(g: Gen):
    r = g.r
    f = g.f("docs/setup.md")
    f.l("# Setup", "", "Create a `.env` file:", "", "```sh")
    f.n("STRIPE_SECRET_KEY=" + P_SK_TEST + "...", "stripe_test_doc")
    f.n("OPENAI_API_KEY=" + P_SK_PROJ + "...", "placeholder")
    f.n("GITHUB_TOKEN=" + P_GHP + "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "placeholder")
    f.l("```", "", "The key file starts with:", "")
    f.n(f"    {pem('RSA PRIVATE KEY')}", "pem_header_doc")
    f.l("", "Passwords must be at least 14 characters.")
    f.n("Set `password:` in `values.yaml` to the value from 1Password (item *prod-db*).", "field_name")
    f.l("", "Staging credentials (temporary, rotate after the demo):", "")
    f.s(f"- user `demo`, password `{pw_human(r)}`", "password_human")
    f.s(f"- API key: `{t_openai(r)}`", "openai")
    f.l("", "Release checksum:", "")
    f.n(f"    sha256: {sha256_hex(r)}", "sha256")

    a = f
    a.l("", "## API", "", "Authenticate with a bearer token:", "", "```http", "GET /v1/orders HTTP/1.1")
    a.n("Authorization: Bearer <token>", "placeholder")
    a.l("```", "", "Example response:", "", "```json")
    a.n(f'{{"id": "{uuid.UUID(int=r.getrandbits(128), version=4)}", "etag": "{rs(r, HEX, 32)}"}}', "uuid")
    a.l("```", "", "Internal smoke test (do not publish):", "", "```sh")
    a.s(f"curl -H 'Authorization: Bearer {t_grafana(r)}' https://grafana.acme.io/api/dashboards", "grafana")
    a.s(f"curl -H 'X-Databricks-Token: {t_databricks(r)}' https://adb-{rs(r, DIGITS, 16)}.azuredatabricks.net/api/2.0/clusters/list", "databricks")
    a.n("curl -H \"Authorization: Bearer $DATABRICKS_TOKEN\" https://adb.example.net/api/2.0/clusters/list", "env_reference")
    a.l("```")
    a.n(f"Commit `{rs(r, HEX, 40)}` changed the token format to `lin_api_<40 chars>`.", "git_sha")


def f_chat_logs(g: Gen):
    r = g.r
    f = g.f("exports/slack-ops-channel.txt")
    names = ["maria", "dev.kumar", "jo", "ops-bot"]
    f.l("#ops export", "")
    f.l(f"[{ts(r)}] maria: can someone share the staging creds?")
    f.s(f"[{ts(r)}] dev.kumar: staging db pw is {pw_human(r)}", "password_human")
    f.s(f"[{ts(r)}] jo: here's the doppler token {t_doppler(r)} pls dont leak", "doppler")
    f.n(f"[{ts(r)}] maria: thx, and the vault path is secret/data/staging/db", "vault_ref")
    f.n(f"[{ts(r)}] ops-bot: deploy {rs(r, HEX, 40)} finished", "git_sha")
    f.s(f"[{ts(r)}] dev.kumar: vault login {t_vault(r)}", "vault_token")
    f.n(f"[{ts(r)}] jo: password reset link expires in 24h, the new password must be 16+ chars", "policy_text")
    f.n(f"[{ts(r)}] maria: token is ******** (redacted by DLP)", "masked_value")
    f.s(f"[{ts(r)}] {r.choice(names)}: discord bot token for the alerts bot: {t_discord_bot(r)}", "discord_bot_token")

    lg = g.f("logs/app.log")
    lg.l(f"{ts(r)} INFO  starting api v2.3.1")
    lg.n(f"{ts(r)} INFO  request_id={uuid.UUID(int=r.getrandbits(128), version=4)} GET /health 200", "uuid")
    lg.s(f"{ts(r)} DEBUG outgoing headers {{'Authorization': 'Bearer {t_sentry(r)}'}}", "sentry_auth_token")
    lg.n(f"{ts(r)} DEBUG outgoing headers {{'Authorization': 'Bearer ***'}}", "masked_value")
    lg.s(f"{ts(r)} ERROR connect failed: {db_url(r)}", "database_url")
    lg.n(f"{ts(r)} ERROR connect failed: postgresql://app:****@db.internal:5432/app", "masked_value")
    lg.n(f"{ts(r)} INFO  cache key {sha256_hex(r)} stored", "sha256")
    lg.s(f"{ts(r)} WARN  login failed user=admin password={pw_random(r)}", "password_random")
    lg.n(f"{ts(r)} WARN  login failed user=admin password=<redacted>", "masked_value")
    lg.s(f"{ts(r)} DEBUG hf hub download token={t_hf(r)}", "huggingface")
    lg.n(f"{ts(r)} INFO  session {rs(r, HEX, 32)} expired", "session_id")


def f_commits(g: Gen):
    r = g.r
    c1 = g.f("commit-msgs/COMMIT_EDITMSG-1")
    c1.l("Fix payment webhook retries", "")
    c1.n(f"Reverts {rs(r, HEX, 40)} which broke retries.", "git_sha")
    c1.s(f"Tested locally with STRIPE_KEY={t_rk_live(r)}", "stripe_restricted")
    c1.n("Signed-off-by: Maria Lopez <maria@acme.io>", "signoff")
    c2 = g.f("commit-msgs/COMMIT_EDITMSG-2")
    c2.l("Rotate CI credentials", "")
    c2.n("The old token was revoked; the new one lives in the CI secret NPM_TOKEN.", "prose")
    c2.s(f"old: {t_ghpat(r)}", "github_fine_grained")
    c2.n(f"Change-Id: I{rs(r, HEX, 40)}", "change_id")
    c3 = c2
    c3.l("", "Also add test fixtures for the token parser.")
    c3.n("Fixtures use " + P_GHP + "EXAMPLE" + "0" * 29 + " and " + P_AKIA + "IOSFODNN7" + "EXAMPLE.", "marker_token")
    c3.s(f"Also fixed the Slack alert, token {t_xoxb(r)} (will rotate).", "slack_bot_token")


def f_dotfiles(g: Gen):
    r = g.r
    n = g.f(".netrc")
    n.s(f"machine api.heroku.com login ops@acme.io password {rs(r, HEX, 8)}-{rs(r, HEX, 4)}-{rs(r, HEX, 4)}-{rs(r, HEX, 4)}-{rs(r, HEX, 12)}", "netrc_password")
    n.l("machine github.com", "  login acme-bot")
    n.s(f"  password {t_ghp(r)}", "github_pat")
    n.l("machine ftp.acme.io", "  login anonymous")
    n.n("  password anonymous@", "anonymous_login")

    m = g.f(".npmrc")
    m.l("registry=https://registry.npmjs.org/")
    m.s(f"//registry.npmjs.org/:_authToken={t_npm(r)}", "npm_token")
    m.n("//npm.pkg.github.com/:_authToken=${GITHUB_TOKEN}", "env_reference")
    m.s(f"//nexus.acme.io/repository/npm/:_auth={b64(('ci:' + pw_random(r)).encode())}", "npm_auth_b64")
    m.l("always-auth=true")

    p = g.f(".pypirc")
    p.l("[distutils]", "index-servers =", "    pypi", "    internal", "", "[pypi]", "username = __token__")
    p.s(f"password = {t_pypi(r)}", "pypi_token")
    p.l("", "[internal]", "repository = https://pypi.acme.io/simple", "username = uploader")
    p.s(f"password = {pw_human(r)}", "password_human")

    gc = g.f(".git-credentials")
    gc.s(f"https://acme-bot:{t_ghp(r)}@github.com", "github_pat")
    gc.s(f"https://oauth2:{t_glpat(r)}@gitlab.acme.io", "gitlab_pat")
    gc.n("https://github.com", "url_without_credentials")



def f_keys(g: Gen):
    r = g.r
    k = g.f("keys/id_rsa")
    k.s(pem("RSA PRIVATE KEY"), "private_key_rsa")
    k.l("MIIEowIBAAKCAQEA" + rs(r, B64, 48), *wrap64(rs(r, B64, 64 * 20)), rs(r, B64, 40) + "==", pem("RSA PRIVATE KEY", True))

    e = g.f("keys/deploy_ed25519")
    e.s(pem("OPENSSH PRIVATE KEY"), "private_key_openssh")
    e.l("b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW", *wrap64(rs(r, B64, 64 * 5)), pem("OPENSSH PRIVATE KEY", True))

    pp = g.f("keys/server.ppk")
    pp.s("PuTTY-User-Key-File-3: ssh-rsa", "private_key_putty")
    pp.l("Encryption: none", "Comment: rsa-key-20250101", "Public-Lines: 6", *wrap64(rs(r, B64, 64 * 6)))
    pp.l("Private-Lines: 14", *wrap64(rs(r, B64, 64 * 14)), "Private-MAC: " + rs(r, HEX, 64))

    ec = g.f("keys/tls/server.pem")
    ec.s(pem("EC PRIVATE KEY"), "private_key_ec")
    ec.l("MHcCAQEEI" + rs(r, B64, 55), rs(r, B64, 64), rs(r, B64, 12) + "==", pem("EC PRIVATE KEY", True))

    crt = ec
    crt.n(f"{DASH5}BEGIN CERTIFICATE{DASH5}", "certificate")
    crt.l("MIIDazCCAlOgAwIBAgIU" + rs(r, B64, 44), *wrap64(rs(r, B64, 64 * 12)), f"{DASH5}END CERTIFICATE{DASH5}")

    pub = g.f("keys/signing.pub.pem")
    pub.n(f"{DASH5}BEGIN PUBLIC KEY{DASH5}", "public_key")
    pub.l("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA" + rs(r, B64, 20), *wrap64(rs(r, B64, 64 * 5)), f"{DASH5}END PUBLIC KEY{DASH5}")

    ak = g.f("keys/authorized_keys")
    ak.n("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ" + rs(r, B64, 340) + " ops@bastion", "ssh_public_key")
    ak.n("ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBB" + rs(r, B64, 88) + "= ci@runner", "ssh_public_key")

    pg = g.f("keys/release-signing.asc")
    pg.s(f"{DASH5}BEGIN PGP PRIVATE KEY BLOCK{DASH5}", "private_key_pgp")
    pg.l("", "lQVYBGY" + rs(r, B64, 57), *wrap64(rs(r, B64, 64 * 8)), "=" + rs(r, B64, 4), f"{DASH5}END PGP PRIVATE KEY BLOCK{DASH5}")


def f_sops(g: Gen):
    r = g.r
    f = g.f("deploy/secrets.enc.yaml")
    f.l("database:")
    f.n(f"    password: ENC[AES256_GCM,data:{b64(r.randbytes(18))},iv:{b64(r.randbytes(32))},tag:{b64(r.randbytes(16))},type:str]", "encrypted_blob")
    f.n(f"    api_key: ENC[AES256_GCM,data:{b64(r.randbytes(30))},iv:{b64(r.randbytes(32))},tag:{b64(r.randbytes(16))},type:str]", "encrypted_blob")
    f.l("sops:", "    kms:")
    f.n(f"        - arn: arn:aws:kms:eu-west-1:{rs(r, DIGITS, 12)}:key/{uuid.UUID(int=r.getrandbits(128), version=4)}", "kms_ref")
    f.n(f"          enc: {b64(r.randbytes(160))}", "encrypted_blob")
    f.n(f"    mac: ENC[AES256_GCM,data:{b64(r.randbytes(32))},iv:{b64(r.randbytes(32))},tag:{b64(r.randbytes(16))},type:str]", "encrypted_blob")
    f.l("    version: 3.8.1")

    s = g.f("serverless.yml")
    s.l("service: notifier", "provider:", "  name: aws", "  runtime: python3.11", "  environment:")
    s.n("    DB_PASSWORD: ${ssm:/notifier/prod/db_password}", "ssm_reference")
    s.n("    SLACK_TOKEN: ${env:SLACK_TOKEN}", "env_reference")
    s.s(f"    TWILIO_AUTH_TOKEN: {t_hex32(r)}", "twilio_auth_token")
    s.n(f"    TWILIO_ACCOUNT_SID: {P_TWILIO_SID}{rs(r, HEX, 32)}", "twilio_account_sid")
    s.s(f"    OPENAI_API_KEY: {t_openai(r)}", "openai")
    s.n(f"    DEPLOY_BUCKET_ETAG: {q(rs(r, HEX, 32))}", "md5")


FILE_FUNCS = [f_env, f_compose, f_k8s, f_ci, f_helm, f_ansible, f_json, f_toml, f_ini, f_properties, f_xml,
              f_terraform, f_docker, f_shell, f_python, f_js, f_go, f_java, f_cs, f_ruby, f_php, f_sql, f_docs,
              f_chat_logs, f_commits, f_dotfiles, f_keys, f_sops]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    g = Gen(a.seed)
    for fn in FILE_FUNCS:
        fn(g)
    out = Path(a.outdir)
    labels, seen = [], set()
    for fb in g.files:
        p = out / fb.path
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("\n".join(fb.lines) + "\n", encoding="utf-8")
        for lab in fb.labels:
            key = (lab["file"], lab["line"])
            assert key not in seen, key
            assert fb.lines[lab["line"] - 1].strip(), key
            seen.add(key)
            labels.append(lab)
    (out / "labels.json").write_text(json.dumps(labels, indent=1) + "\n", encoding="utf-8")
    ns = sum(1 for x in labels if x["label"] == "secret")
    print(f"seed {a.seed}: {len(g.files)} files, {len(labels)} labels, {ns} secret, {len(labels) - ns} not_secret")


if __name__ == "__main__":
    main()

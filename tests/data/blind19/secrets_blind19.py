#!/usr/bin/env python3
"""Blind secrets corpus, round 19 (independent author, written without reading the detectors).

    python3 secrets_blind19.py OUTDIR --seed N

Writes small files (.env, YAML, JSON, TOML, INI, shell, Python, JS, Go, Java, Dockerfile, Terraform,
Kubernetes manifests, docker-compose, .npmrc, .pypirc, netrc, connection strings, commit messages,
Markdown, chat logs, issue text, ...) into OUTDIR plus OUTDIR/labels.json: a list of
{"file": relative path, "line": 1-based line, "label": "secret" | "not_secret", "kind": str}.

Only labelled lines are scored; unlabelled lines are scaffolding without credential-like values.
Conventions:
  * the label sits on the line that holds the value (for a value on a continuation line, that line);
  * a multi-line PEM private key is labelled on its BEGIN line;
  * a realistic random password assigned to a password-like field is a secret, punctuation and all;
  * placeholders, env/template lookups, hashes, UUIDs used as ids, public keys, base64 of plain
    text and key names without values are not secrets; prose that only names a key is not a secret.

Every realistic token body is drawn at run time from random.Random(seed); provider prefixes are
assembled from pieces so that this source holds no live-looking key.
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
PUNCT = "!#%^&*()-_=+[]{}:.,?~@"

P_AKIA = "AK" + "IA"
P_ASIA = "AS" + "IA"
P_GHP = "gh" + "p_"
P_GHO = "gh" + "o_"
P_GHU = "gh" + "u_"
P_GHS = "gh" + "s_"
P_GHPAT = "github" + "_pat_"
P_GLPAT = "gl" + "pat-"
P_GLDT = "gl" + "dt-"
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
P_SK_ANT = "sk" + "-ant-api03-"
P_AIZA = "AI" + "za"
P_SG = "S" + "G."
P_NPM = "np" + "m_"
P_PYPI = "py" + "pi-"
P_HF = "h" + "f_"
P_SHPAT = "shp" + "at_"
P_SHPSS = "shp" + "ss_"
P_DOP = "do" + "p_v1_"
P_GSK = "gs" + "k_"
P_TWSK = "S" + "K"
P_KEYMG = "key" + "-"
P_GOCSPX = "GOC" + "SPX-"
P_PMAK = "PM" + "AK-"
P_LIN = "lin" + "_api_"
P_NRAK = "NR" + "AK-"
P_GLSA = "gl" + "sa_"
P_DAPI = "da" + "pi"
P_SQ = "EAAA"
P_ATLAS = "ATA" + "TT3x"
P_RUBY = "rubygems" + "_"
P_FLY = "fo" + "1_"
P_PSCALE = "pscale" + "_pw_"
P_DOCKER = "dck" + "r_pat_"
BEGIN = "-----" + "BEGIN {}PRIVATE KEY" + "-----"
END = "-----" + "END {}PRIVATE KEY" + "-----"
PUB_BEGIN = "-----" + "BEGIN PUBLIC KEY" + "-----"
PUB_END = "-----" + "END PUBLIC KEY" + "-----"
CERT_BEGIN = "-----" + "BEGIN CERTIFICATE" + "-----"
CERT_END = "-----" + "END CERTIFICATE" + "-----"
AWS_DOC_ID = "AKIA" + "IOSFODNN7" + "EXAMPLE"
AWS_DOC_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"


class Gen:
    def __init__(self, seed: int):
        self.r = random.Random(seed)

    def s(self, alphabet: str, n: int) -> str:
        return "".join(self.r.choice(alphabet) for _ in range(n))

    # providers ---------------------------------------------------------------------------
    def aws_id(self): return self.r.choice([P_AKIA, P_AKIA, P_ASIA]) + self.s(UPPER + "234567", 16)
    def aws_secret(self): return self.s(ALNUM + "+/", 40)
    def ghp(self): return P_GHP + self.s(ALNUM, 36)
    def gho(self): return self.r.choice([P_GHO, P_GHU, P_GHS]) + self.s(ALNUM, 36)
    def ghpat(self): return P_GHPAT + self.s(ALNUM, 22) + "_" + self.s(ALNUM, 59)
    def glpat(self): return P_GLPAT + self.s(URLSAFE, 20)
    def gldt(self): return P_GLDT + self.s(URLSAFE, 20)
    def stripe_sk(self): return P_SK_LIVE + self.s(ALNUM, 24 + self.r.randrange(0, 76))
    def stripe_rk(self): return P_RK_LIVE + self.s(ALNUM, 24 + self.r.randrange(0, 50))
    def stripe_pk(self): return P_PK_LIVE + self.s(ALNUM, 24 + self.r.randrange(0, 50))
    def whsec(self): return P_WHSEC + self.s(ALNUM, 32)
    def xoxb(self): return P_XOXB + self.s(DIGITS, 12) + "-" + self.s(DIGITS, 13) + "-" + self.s(ALNUM, 24)
    def xoxp(self): return P_XOXP + self.s(DIGITS, 12) + "-" + self.s(DIGITS, 12) + "-" + self.s(DIGITS, 13) + "-" + self.s(HEX, 32)
    def xapp(self): return P_XAPP + "A" + self.s(UPPER + DIGITS, 10) + "-" + self.s(DIGITS, 13) + "-" + self.s(HEX, 64)
    def slack_hook(self): return P_SLACK_HOOK + "T" + self.s(UPPER + DIGITS, 8) + "/B" + self.s(UPPER + DIGITS, 10) + "/" + self.s(ALNUM, 24)
    def discord_hook(self): return P_DISCORD_HOOK + self.s(DIGITS, 18) + "/" + self.s(URLSAFE, 68)
    def openai(self): return P_SK_PROJ + self.s(URLSAFE, 74) + "T3Blbk" + "FJ" + self.s(URLSAFE, 74)
    def anthropic(self): return P_SK_ANT + self.s(URLSAFE, 93) + "AA"
    def google(self): return P_AIZA + "Sy" + self.s(URLSAFE, 33)
    def gocspx(self): return P_GOCSPX + self.s(URLSAFE, 28)
    def sendgrid(self): return P_SG + self.s(URLSAFE, 22) + "." + self.s(URLSAFE, 43)
    def npm(self): return P_NPM + self.s(ALNUM, 36)
    def pypi(self): return P_PYPI + "AgEIcHlwaS5vcmc" + self.s(URLSAFE, 70 + self.r.randrange(0, 60))
    def hf(self): return P_HF + self.s(ALNUM, 34)
    def shopify(self): return self.r.choice([P_SHPAT, P_SHPSS]) + self.s(HEX, 32)
    def do(self): return P_DOP + self.s(HEX, 64)
    def groq(self): return P_GSK + self.s(ALNUM, 52)
    def twilio_key(self): return P_TWSK + self.s(HEX, 32)
    def twilio_sid(self): return "AC" + self.s(HEX, 32)
    def mailgun(self): return P_KEYMG + self.s(HEX, 32)
    def telegram(self): return self.s(DIGITS, 10) + ":AA" + self.s(URLSAFE, 33)
    def datadog(self): return self.s(HEX, 32)
    def cloudflare(self): return self.s(URLSAFE, 40)
    def azure_key(self): return self.s(B64, 86) + "=="
    def postman(self): return P_PMAK + self.s(HEX, 24) + "-" + self.s(HEX, 34)
    def linear(self): return P_LIN + self.s(ALNUM, 40)
    def newrelic(self): return P_NRAK + self.s(UPPER + DIGITS, 27)
    def grafana(self): return P_GLSA + self.s(ALNUM, 32) + "_" + self.s(HEX, 8)
    def databricks(self): return P_DAPI + self.s(HEX, 32)
    def atlassian(self): return P_ATLAS + self.s(URLSAFE, 150) + "=" + self.s(HEX.upper(), 8)
    def rubygems(self): return P_RUBY + self.s(HEX, 48)
    def pscale(self): return P_PSCALE + self.s(URLSAFE, 43)
    def dockerhub(self): return P_DOCKER + self.s(URLSAFE, 27)
    def hex32(self): return self.s(HEX, 32)
    def hex64(self): return self.s(HEX, 64)

    def password(self, n: int | None = None) -> str:
        n = n or self.r.randrange(14, 26)
        while True:
            pw = self.s(ALNUM, 1) + self.s(ALNUM + "!#%^*-_=+.,?~@", n - 1)
            if any(c in DIGITS for c in pw) and any(c in UPPER for c in pw) and any(c in LOWER for c in pw):
                return pw

    def safe_password(self, n: int | None = None) -> str:
        """Random password without quotes, spaces, $, #, backslash, : @ / (safe in URLs/shell/ini)."""
        n = n or self.r.randrange(14, 24)
        while True:
            pw = self.s(ALNUM, 1) + self.s(ALNUM + "-_.~!*", n - 1)
            if any(c in DIGITS for c in pw) and any(c in UPPER for c in pw):
                return pw

    def human_password(self) -> str:
        words = ["Harbor", "Maple", "Quartz", "Falcon", "Tundra", "Cobalt", "Juniper", "Orbit", "Saffron", "Velvet"]
        return self.r.choice(words) + self.r.choice(["!", "#", "_", "*", "@"]) + self.s(DIGITS, 4) + self.r.choice(words).lower() + self.r.choice(["?", "!", "%", "="])

    def jwt(self) -> str:
        hdr = base64.urlsafe_b64encode(json.dumps({"alg": "HS256", "typ": "JWT"}).encode()).rstrip(b"=").decode()
        body = {"sub": self.s(DIGITS, 8), "role": self.r.choice(["admin", "service", "user"]),
                "iat": 1760000000 + self.r.randrange(10 ** 7)}
        b = base64.urlsafe_b64encode(json.dumps(body).encode()).rstrip(b"=").decode()
        return hdr + "." + b + "." + self.s(URLSAFE, 43)

    def pem_body(self, lines: int = 6) -> list[str]:
        return [self.s(B64, 64) for _ in range(lines)] + [self.s(B64, 20) + "=="]

    def git_sha(self): return self.s(HEX, 40)
    def sha256(self): return hashlib.sha256(self.s(ALNUM, 20).encode()).hexdigest()
    def uuid(self): return str(uuid.UUID(int=self.r.getrandbits(128), version=4))
    def integrity(self): return "sha512-" + base64.b64encode(hashlib.sha512(self.s(ALNUM, 12).encode()).digest()).decode()
    def host(self): return self.r.choice(["db.internal", "pg-prod-1.corp.lan", "mysql.svc.cluster.local", "10.20.3.14", "warehouse.eu-west-1.rds.amazonaws.com"])
    def user(self): return self.r.choice(["app", "svc_billing", "report_ro", "etl", "admin", "deploy"])


class File:
    def __init__(self, path: str):
        self.path = path
        self.lines: list[str] = []
        self.labels: list[dict] = []

    def add(self, *lines: str) -> "File":
        self.lines.extend(lines)
        return self

    def sec(self, line: str, kind: str) -> "File":
        return self._lab(line, "secret", kind)

    def ns(self, line: str, kind: str) -> "File":
        return self._lab(line, "not_secret", kind)

    def _lab(self, line: str, label: str, kind: str) -> "File":
        assert line.strip(), (self.path, kind)
        self.lines.append(line)
        self.labels.append({"file": self.path, "line": len(self.lines), "label": label, "kind": kind})
        return self


def build(g: Gen) -> list[File]:
    files: list[File] = []

    def new(path: str) -> File:
        f = File(path)
        files.append(f)
        return f

    # ---------------------------------------------------------------- .env
    f = new(".env")
    f.add("# local settings for the orders service", "APP_ENV=production", "PORT=8080")
    f.sec(f"AWS_ACCESS_KEY_ID={g.aws_id()}", "aws_access_key_id")
    f.sec(f"AWS_SECRET_ACCESS_KEY={g.aws_secret()}", "aws_secret_access_key")
    f.sec(f"STRIPE_SECRET_KEY={g.stripe_sk()}", "stripe_secret")
    f.ns(f"STRIPE_PUBLISHABLE_KEY={g.stripe_pk()}", "stripe_publishable")
    f.sec(f'DATABASE_URL="postgres://{g.user()}:{g.safe_password()}@{g.host()}:5432/orders?sslmode=require"', "postgres_url")
    f.ns("REDIS_URL=redis://localhost:6379/0", "url_no_password")
    f.sec(f"SESSION_SECRET='{g.password(32)}'", "generic_secret")
    f.ns("SENTRY_DSN=${SENTRY_DSN}", "env_reference")
    f.ns("OPENAI_API_KEY=", "empty_value")
    f.sec(f"ANTHROPIC_API_KEY={g.anthropic()}", "anthropic")
    f.ns("MAILGUN_API_KEY=key-xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "placeholder")
    f.sec(f"TWILIO_API_KEY={g.twilio_key()}", "twilio_api_key")
    f.ns(f"TWILIO_ACCOUNT_SID={g.twilio_sid()}", "twilio_account_sid")
    f.sec(f"export SMTP_PASSWORD={g.safe_password()}", "password")
    f.ns(f"BUILD_COMMIT={g.git_sha()}", "git_sha")
    f.ns(f"REQUEST_NAMESPACE={g.uuid()}", "uuid")

    f = new(".env.example")
    f.add("# copy to .env and fill in")
    f.ns("AWS_ACCESS_KEY_ID=" + AWS_DOC_ID, "aws_doc_example")
    f.ns("AWS_SECRET_ACCESS_KEY=" + AWS_DOC_SECRET, "aws_doc_example")
    f.ns("STRIPE_SECRET_KEY=" + P_SK_TEST + "EXAMPLE_REPLACE_ME_000000", "placeholder")
    f.ns("DATABASE_URL=postgres://user:password@localhost:5432/app", "placeholder_url")
    f.ns("GITHUB_TOKEN=<your-github-token>", "placeholder")
    f.ns("SLACK_BOT_TOKEN=" + P_XOXB + "your-token-here", "placeholder")
    f.ns("ADMIN_PASSWORD=changeme", "placeholder")
    f.ns("JWT_SECRET=dummy-secret-for-tests", "placeholder")
    f.ns("HF_TOKEN=" + P_HF + "FAKE" + "x" * 30, "placeholder")

    # ---------------------------------------------------------------- YAML app config
    f = new("config/application.yml")
    f.add("server:", "  port: 8443", "spring:", "  datasource:")
    f.ns("    url: jdbc:postgresql://db.internal:5432/shop", "jdbc_no_password")
    f.add("    username: shop")
    f.sec(f"    password: \"{g.password()}\"", "password")
    f.add("  mail:", "    host: smtp.sendgrid.net", "    username: apikey")
    f.sec(f"    password: {g.sendgrid()}", "sendgrid")
    f.add("integrations:", "  github:")
    f.sec(f"    token: {g.ghp()}", "github_pat")
    f.add("  openai:")
    f.ns("    api_key: ${OPENAI_API_KEY}", "env_reference")
    f.add("  slack:")
    f.sec(f"    webhook_url: {g.slack_hook()}", "slack_webhook")
    f.add("  datadog:")
    f.sec(f"    api_key: {g.datadog()}", "datadog_api_key")
    f.ns("    site: datadoghq.eu", "non_credential")
    f.add("  description: >-")
    f.ns("    The api_key and app_key fields above are read at boot.", "prose_names_key")
    f.add("  legacy_token: >-")
    f.sec(f"    {g.gho()}", "github_oauth_continuation")

    # ---------------------------------------------------------------- Helm values with templates
    f = new("deploy/helm/values.yaml")
    f.add("image:", "  repository: registry.example.com/api")
    f.ns(f"  digest: sha256:{g.sha256()}", "image_digest")
    f.add("secrets:")
    f.ns('  dbPassword: "{{ .Values.global.dbPassword }}"', "template_reference")
    f.ns("  apiKey: '{{ required \"apiKey\" .Values.apiKey }}'", "template_reference")
    f.ns("  stripeKey: \"\"", "empty_value")
    f.sec(f"  sentryAuthToken: sntrys_{g.s(ALNUM, 60)}", "sentry_token")
    f.sec(f"  grafanaToken: {g.grafana()}", "grafana_service_account")
    f.ns("  existingSecret: api-credentials", "secret_name_reference")

    # ---------------------------------------------------------------- Kubernetes
    f = new("k8s/secret.yaml")
    f.add("apiVersion: v1", "kind: Secret", "metadata:", "  name: billing", "type: Opaque", "data:")
    f.sec("  DB_PASSWORD: " + base64.b64encode(g.password().encode()).decode(), "k8s_secret_data")
    f.sec("  STRIPE_KEY: " + base64.b64encode(g.stripe_rk().encode()).decode(), "k8s_secret_data")
    f.ns("  LOG_LEVEL: " + base64.b64encode(b"info").decode(), "base64_plain_config")
    f.add("stringData:")
    f.sec(f"  NPM_TOKEN: {g.npm()}", "npm_token")
    f.ns("  FEATURE_FLAGS: beta,dark-mode", "non_credential")

    f = new("k8s/deployment.yaml")
    f.add("apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: api", "spec:", "  template:",
          "    spec:", "      containers:", "        - name: api")
    f.ns(f"          image: ghcr.io/acme/api@sha256:{g.sha256()}", "image_digest")
    f.add("          env:", "            - name: DB_PASSWORD", "              valueFrom:", "                secretKeyRef:",
          "                  name: billing")
    f.ns("                  key: DB_PASSWORD", "key_name_only")
    f.add("            - name: HUGGINGFACE_TOKEN")
    f.sec(f"              value: {g.hf()}", "huggingface")
    f.add("            - name: REDIS_PASSWORD")
    f.sec(f"              value: \"{g.password()}\"", "password")
    f.add("            - name: POD_UID")
    f.ns(f"              value: \"{g.uuid()}\"", "uuid")

    # ---------------------------------------------------------------- docker-compose
    f = new("docker-compose.yml")
    f.add("services:", "  db:", "    image: postgres:16", "    environment:")
    f.sec(f"      POSTGRES_PASSWORD: {g.safe_password()}", "password")
    f.ns("      POSTGRES_USER: app", "non_credential")
    f.add("  minio:", "    image: minio/minio", "    environment:")
    f.ns("      MINIO_ROOT_PASSWORD: ${MINIO_ROOT_PASSWORD:?set it}", "env_reference")
    f.add("  worker:", "    build: .", "    environment:")
    f.sec(f"      - CELERY_BROKER_URL=amqp://worker:{g.safe_password()}@rabbitmq:5672//", "amqp_url")
    f.ns("      - OPENAI_API_KEY", "key_name_only")
    f.sec(f"      - OPENAI_API_KEY_FALLBACK={g.openai()}", "openai")
    f.add("  mysql:", "    image: mysql:8", "    environment:")
    f.sec(f"      MYSQL_ROOT_PASSWORD: '{g.password()}'", "password")

    # ---------------------------------------------------------------- JSON
    f = new("config/credentials.json")
    sa_key_id = g.hex32()[:40]
    pem_inline = BEGIN.format("") + "\\n" + "\\n".join(g.pem_body(3)) + "\\n" + END.format("") + "\\n"
    f.add("{")
    f.ns('  "type": "service_account",', "non_credential")
    f.ns('  "project_id": "acme-data-prod",', "non_credential")
    f.ns(f'  "private_key_id": "{sa_key_id}",', "gcp_private_key_id")
    f.sec(f'  "private_key": "{pem_inline}",', "private_key_json")
    f.ns(f'  "client_email": "loader@acme-data-prod.iam.gserviceaccount.com",', "non_credential")
    f.ns(f'  "client_id": "{g.s(DIGITS, 21)}",', "numeric_id")
    f.sec(f'  "client_secret": "{g.gocspx()}",', "google_oauth_client_secret")
    f.sec(f'  "maps_key": "{g.google()}",', "google_api_key")
    f.ns(f'  "checksum": "{g.sha256()}",', "sha256")
    f.ns('  "token_uri": "https://oauth2.googleapis.com/token"', "url")
    f.add("}")

    f = new("package-lock.json")
    f.add("{", '  "name": "web",', '  "lockfileVersion": 3,', '  "packages": {', '    "node_modules/left-pad": {',
          '      "version": "1.3.0",', '      "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",')
    f.ns(f'      "integrity": "{g.integrity()}"', "integrity_hash")
    f.add("    },", '    "node_modules/ms": {', '      "version": "2.1.3",')
    f.ns(f'      "integrity": "{g.integrity()}"', "integrity_hash")
    f.add("    }", "  }", "}")

    f = new("appsettings.Production.json")
    f.add("{", '  "ConnectionStrings": {')
    f.sec(f'    "Main": "Server=tcp:{g.host()},1433;Database=ledger;User ID={g.user()};Password={g.safe_password()};Encrypt=True;",', "mssql_connection_string")
    f.ns('    "Cache": "localhost:6379,abortConnect=false"', "no_password")
    f.add("  },", '  "Storage": {')
    f.sec(f'    "Connection": "DefaultEndpointsProtocol=https;AccountName=acmelogs;AccountKey={g.azure_key()};EndpointSuffix=core.windows.net"', "azure_storage_key")
    f.add("  },", '  "Auth": {')
    f.ns('    "ClientSecret": "%AUTH_CLIENT_SECRET%",', "env_reference")
    f.ns(f'    "TenantId": "{g.uuid()}"', "uuid")
    f.add("  }", "}")

    # ---------------------------------------------------------------- TOML
    f = new("pyproject-secrets.toml")
    f.add("[tool.deploy]", 'region = "eu-central-1"')
    f.sec(f'access_key = "{g.aws_id()}"', "aws_access_key_id")
    f.sec(f"secret_key = '{g.aws_secret()}'", "aws_secret_access_key")
    f.add("", "[database]")
    f.sec(f'password = """{g.password()}"""', "password")
    f.ns('password_file = "/run/secrets/db_password"', "file_path")
    f.add("", "[ai]")
    f.sec(f'groq_key = "{g.groq()}"', "groq")
    f.ns('openai_key = "sk-REPLACE_ME"', "placeholder")
    f.add("", "[publish]")
    f.sec(f'rubygems_api_key = "{g.rubygems()}"', "rubygems")

    f = new(".cargo/credentials.toml")
    f.add("[registry]")
    f.sec(f'token = "cio{g.s(ALNUM, 32)}"', "crates_token")
    f.add("[registries.internal]")
    f.ns('token = "${INTERNAL_REGISTRY_TOKEN}"', "env_reference")

    # ---------------------------------------------------------------- INI
    f = new("setup/alembic.ini")
    f.add("[alembic]", "script_location = migrations")
    f.sec(f"sqlalchemy.url = mysql+pymysql://{g.user()}:{g.safe_password()}@{g.host()}/inventory", "mysql_url")
    f.add("", "[smtp]", "host = mail.corp.lan")
    f.sec(f"password = {g.password()}", "password")
    f.ns("password =", "empty_value")
    f.ns("; password = hunter2-example", "commented_placeholder")

    f = new(".pypirc")
    f.add("[distutils]", "index-servers =", "    pypi", "    testpypi", "", "[pypi]", "username = __token__")
    f.sec(f"password = {g.pypi()}", "pypi_token")
    f.add("", "[testpypi]", "repository = https://test.pypi.org/legacy/", "username = __token__")
    f.ns("password = <testpypi token>", "placeholder")

    f = new(".npmrc")
    f.add("registry=https://registry.npmjs.org/")
    f.sec(f"//registry.npmjs.org/:_authToken={g.npm()}", "npm_token")
    f.ns("//npm.pkg.github.com/:_authToken=${GITHUB_PACKAGES_TOKEN}", "env_reference")
    f.sec("//nexus.corp.lan/repository/npm/:_auth=" + base64.b64encode(f"ci:{g.safe_password()}".encode()).decode(), "npmrc_auth")
    f.ns("always-auth=true", "non_credential")

    f = new(".netrc")
    f.sec(f"machine api.heroku.com login ops@acme.io password {g.s(HEX, 8)}-{g.s(HEX, 4)}-{g.s(HEX, 4)}-{g.s(HEX, 4)}-{g.s(HEX, 12)}", "heroku_api_key")
    f.add("machine git.corp.lan", "  login builder")
    f.sec(f"  password {g.safe_password()}", "password_continuation")
    f.add("machine example.com", "  login anonymous")
    f.ns("  password anonymous@", "placeholder")

    # ---------------------------------------------------------------- shell
    f = new("scripts/deploy.sh")
    f.add("#!/usr/bin/env bash", "set -euo pipefail")
    f.sec(f'export DIGITALOCEAN_TOKEN="{g.do()}"', "digitalocean")
    f.ns('export GITHUB_TOKEN="${GITHUB_TOKEN:?missing}"', "env_reference")
    f.add("curl -sS -X POST \\")
    f.sec(f'  -H "Authorization: Bearer {g.jwt()}" \\', "jwt_bearer_continuation")
    f.add('  -d @payload.json https://api.internal/deploy')
    f.add("docker login registry.gitlab.com -u deploy \\")
    f.sec(f"  -p {g.gldt()}", "gitlab_deploy_token")
    f.ns('echo "$CI_JOB_TOKEN" | docker login -u gitlab-ci-token --password-stdin registry.gitlab.com', "env_reference")
    f.sec(f"mysql -h {g.host()} -u root -p'{g.password()}' inventory < dump.sql", "mysql_cli_password")
    f.ns(f"sha256sum -c <<< \"{g.sha256()}  release.tar.gz\"", "sha256")
    f.sec(f"curl -u api:{g.mailgun()} https://api.mailgun.net/v3/mg.acme.io/messages", "mailgun")
    f.ns("read -rsp 'Vault token: ' VAULT_TOKEN", "prompt")
    f.sec(f"TELEGRAM_BOT_TOKEN={g.telegram()} ./notify.sh", "telegram_bot")

    # ---------------------------------------------------------------- Python
    f = new("app/settings.py")
    f.add("import os", "", "DEBUG = False")
    f.sec(f'SECRET_KEY = "{g.password(50)}"', "django_secret_key")
    f.ns('STATIC_URL = "/static/"', "non_credential")
    f.add("DATABASES = {", '    "default": {', '        "ENGINE": "django.db.backends.postgresql",', '        "NAME": "crm",',
          '        "USER": "crm",')
    f.sec(f'        "PASSWORD": "{g.password()}",', "password")
    f.add("    },", '    "replica": {', '        "ENGINE": "django.db.backends.postgresql",')
    f.ns('        "PASSWORD": os.environ["REPLICA_DB_PASSWORD"],', "env_reference")
    f.add("    },", "}")
    f.ns('AWS_SECRET_ACCESS_KEY = os.getenv("AWS_SECRET_ACCESS_KEY", "")', "env_reference")
    f.add("GITHUB_APP_TOKEN = (")
    f.sec(f'    "{g.ghpat()}"', "github_fine_grained_continuation")
    f.add(")")
    f.sec(f'sendgrid_client = SendGridAPIClient(api_key="{g.sendgrid()}")', "sendgrid")
    f.ns('PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]', "key_name_only")
    f.ns(f'CACHE_BUST = "{g.git_sha()[:12]}"', "short_sha")
    f.ns('API_KEY = "test"', "placeholder")

    f = new("tests/test_payments.py")
    f.add("import pytest", "")
    f.ns('FAKE_STRIPE = "' + P_SK_TEST + 'FAKE' + '0' * 20 + '"', "placeholder")
    f.ns('DUMMY_PASSWORD = "dummy-password"', "placeholder")
    f.add("", "def test_charge(monkeypatch):")
    f.ns('    monkeypatch.setenv("STRIPE_SECRET_KEY", "sk_test_EXAMPLE")', "placeholder")
    f.ns('    token = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"', "placeholder")
    f.add("    assert token")

    f = new("tools/sync_linear.py")
    f.add("import requests", "")
    f.sec(f'LINEAR_KEY = "{g.linear()}"', "linear")
    f.sec(f"headers = {{'X-Postman-Api-Key': '{g.postman()}'}}", "postman")
    f.sec(f"nr = {{'Api-Key': '{g.newrelic()}'}}", "newrelic")
    f.add("", "def fetch(url):")
    f.ns('    return requests.get(url, headers={"Authorization": f"Bearer {LINEAR_KEY}"})', "variable_reference")

    # ---------------------------------------------------------------- JS / TS
    f = new("web/src/config.js")
    f.add("module.exports = {")
    f.ns("  stripePublic: '" + g.stripe_pk() + "',", "stripe_publishable")
    f.sec(f"  stripeSecret: '{g.stripe_sk()}',", "stripe_secret")
    f.ns("  sessionSecret: process.env.SESSION_SECRET,", "env_reference")
    f.sec(f"  dbUrl: 'mongodb+srv://api:{g.safe_password()}@cluster0.ab12c.mongodb.net/prod?retryWrites=true',", "mongodb_url")
    f.ns("  dbUrlLocal: 'mongodb://localhost:27017/dev',", "url_no_password")
    f.sec(f"  discordWebhook: '{g.discord_hook()}',", "discord_webhook")
    f.ns(f"  requestId: '{g.uuid()}',", "uuid")
    f.sec(f"  shopifyToken: `{g.shopify()}`,", "shopify")
    f.add("};")

    f = new("web/src/firebase.ts")
    f.add("import { initializeApp } from 'firebase/app';", "export const app = initializeApp({")
    f.ns("  projectId: 'acme-web',", "non_credential")
    f.ns(f"  appId: '1:{g.s(DIGITS, 12)}:web:{g.s(HEX, 22)}',", "firebase_app_id")
    f.ns("  messagingSenderId: '" + g.s(DIGITS, 12) + "',", "numeric_id")
    f.add("});")
    f.add("const adminPassword: string =")
    f.sec(f"  '{g.human_password()}';", "password_continuation")
    f.sec(f"const webhookSecret = '{g.whsec()}';", "stripe_webhook_secret")
    f.ns("const placeholderKey = '<your-api-key>';", "placeholder")

    f = new(".github/workflows/release.yml")
    f.add("name: release", "on: push", "jobs:", "  publish:", "    runs-on: ubuntu-latest", "    steps:",
          "      - uses: actions/checkout@" + g.git_sha())
    f.add("      - run: npm publish", "        env:")
    f.ns("          NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}", "template_reference")
    f.add("      - run: ./upload.sh", "        env:")
    f.sec(f"          DOCKERHUB_TOKEN: {g.dockerhub()}", "dockerhub_pat")
    f.ns(f"      - uses: docker/login-action@{g.git_sha()}", "git_sha")

    # ---------------------------------------------------------------- Go / Java
    f = new("cmd/worker/main.go")
    f.add("package main", "", "import (", '\t"os"', ")", "", "const (")
    f.sec(f'\tslackToken = "{g.xoxb()}"', "slack_bot_token")
    f.ns('\tslackChannel = "C0123456789"', "non_credential")
    f.sec(f'\tdsn = "{g.user()}:{g.safe_password()}@tcp({g.host()}:3306)/events?parseTime=true"', "mysql_dsn")
    f.add(")", "", "func token() string {")
    f.ns('\treturn os.Getenv("SLACK_TOKEN")', "env_reference")
    f.add("}", "", "var appToken = ")
    f.sec(f'\t"{g.xapp()}"', "slack_app_token_continuation")

    f = new("src/main/java/com/acme/Config.java")
    f.add("package com.acme;", "", "public final class Config {")
    f.sec(f'    static final String DB_PASSWORD = "{g.password()}";', "password")
    f.ns('    static final String DB_PASSWORD_ENV = System.getenv("DB_PASSWORD");', "env_reference")
    f.add("    static final String HF_TOKEN =")
    f.sec(f'        "{g.hf()}";', "huggingface_continuation")
    f.sec(f'    static final String JDBC = "jdbc:mysql://{g.host()}:3306/pay?user=pay&password={g.safe_password()}";', "jdbc_password")
    f.ns('    static final String PASSWORD_FIELD = "password";', "key_name_only")
    f.add("}")

    # ---------------------------------------------------------------- Dockerfile / Terraform
    f = new("Dockerfile")
    f.add("FROM python:3.12-slim@sha256:" + g.sha256())
    f.ns("ARG PIP_INDEX_TOKEN", "key_name_only")
    f.sec(f"ENV PIP_EXTRA_INDEX_URL=https://__token__:{g.glpat()}@gitlab.com/api/v4/projects/42/packages/pypi/simple", "gitlab_pat_url")
    f.sec(f"ENV DATABRICKS_TOKEN={g.databricks()}", "databricks")
    f.ns("ENV APP_HOME=/srv/app", "non_credential")
    f.add("RUN pip install --no-cache-dir -r requirements.txt")

    f = new("infra/main.tf")
    f.add('provider "aws" {', '  region = "us-east-1"')
    f.sec(f'  access_key = "{g.aws_id()}"', "aws_access_key_id")
    f.sec(f'  secret_key = "{g.aws_secret()}"', "aws_secret_access_key")
    f.add("}", "", 'resource "aws_db_instance" "main" {', '  engine   = "postgres"', '  username = "root"')
    f.ns("  password = var.db_password", "variable_reference")
    f.add("}", "", 'resource "cloudflare_record" "www" {')
    f.ns("  zone_id = " + '"' + g.hex32() + '"', "zone_id")
    f.add("}", "", 'provider "cloudflare" {')
    f.sec(f'  api_token = "{g.cloudflare()}"', "cloudflare_api_token")
    f.add("}", 'variable "db_password" {', "  sensitive = true")
    f.sec(f'  default   = "{g.password()}"', "password")
    f.add("}")
    f.ns('resource "random_password" "x" { length = 24 }', "non_credential")

    # ---------------------------------------------------------------- PEM files
    f = new("certs/deploy_key")
    f.sec(BEGIN.format("OPENSSH "), "private_key_openssh")
    f.add(*g.pem_body(5))
    f.add(END.format("OPENSSH "))

    f = new("certs/server.key")
    f.sec(BEGIN.format("EC "), "private_key_ec")
    f.add(*g.pem_body(3))
    f.add(END.format("EC "))

    f = new("certs/public.pem")
    f.ns(PUB_BEGIN, "public_key")
    f.add(*g.pem_body(4))
    f.add(PUB_END)
    f.ns(CERT_BEGIN, "certificate")
    f.add(*g.pem_body(8))
    f.add(CERT_END)

    f = new("certs/id_ed25519.pub")
    f.ns(f"ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{g.s(B64, 43)} ops@bastion", "ssh_public_key")

    # ---------------------------------------------------------------- prose: commits, chat, issues, markdown
    f = new("git/COMMIT_EDITMSG-1")
    f.ns("Rotate the Stripe key and move it to Vault", "prose_names_key")
    f.add("")
    f.ns("The old STRIPE_SECRET_KEY is now read from vault:kv/billing.", "prose_names_key")
    f.sec(f"Previous value was {g.stripe_sk()} (still valid until the Vault cut-over on Friday).", "stripe_secret_in_prose")

    f = new("git/COMMIT_EDITMSG-2")
    f.ns("fix: ci token", "prose_names_key")
    f.add("")
    f.sec(f"temporarily hardcode GH_TOKEN={g.ghp()} until the app is approved", "github_pat_in_prose")
    f.ns(f"Reverts {g.git_sha()}.", "git_sha")

    f = new("git/COMMIT_EDITMSG-3")
    f.ns("docs: explain how to set OPENAI_API_KEY and ANTHROPIC_API_KEY", "prose_names_key")
    f.add("")
    f.ns("Both keys are loaded from the environment; never commit them.", "prose_names_key")

    f = new("chat/ops-channel.log")
    f.ns("[09:12] alice: can someone share the staging db password?", "prose_names_key")
    f.ns("[09:13] bob: it's in 1Password under 'staging-db', not pasting here", "prose_names_key")
    f.sec(f"[09:14] carol: just use {g.password()} for now", "password_in_chat")
    f.sec(f"[09:20] dave: new HF token {g.hf()}", "huggingface_in_chat")
    f.ns("[09:21] alice: dave pls rotate that after the demo", "prose_names_key")
    f.ns("[09:30] bob: the api key looks like sk-proj-... fyi", "prose_truncated_prefix")

    f = new("docs/issue-482.md")
    f.add("### Login to the registry fails", "")
    f.ns("Steps: set `NPM_TOKEN` in your shell and run `npm ci`.", "prose_names_key")
    f.add("", "Log output:", "```")
    f.sec(f"npm ERR! 401 Unauthorized - token {g.npm()} rejected", "npm_token_in_log")
    f.ns("npm ERR! A complete log of this run can be found in /root/.npm/_logs/debug.log", "non_credential")
    f.add("```")
    f.ns("Workaround: regenerate the token under Settings > Access Tokens.", "prose_names_key")

    f = new("docs/SETUP.md")
    f.add("# Setup", "", "Export your keys:", "", "```bash")
    f.ns("export OPENAI_API_KEY=sk-...your-key...", "placeholder")
    f.ns("export AWS_ACCESS_KEY_ID=" + AWS_DOC_ID, "aws_doc_example")
    f.ns("export GITHUB_TOKEN=" + P_GHP + "x" * 36, "placeholder")
    f.add("```", "", "A PEM key starts with:", "")
    f.ns("    " + BEGIN.format("RSA "), "doc_pem_header_only")
    f.add("")
    f.ns("The `client_secret` field must never be committed.", "prose_names_key")
    f.add("", "Our shared demo credentials (staging, still active):", "")
    f.sec(f"* Atlassian API token: `{g.atlassian()}`", "atlassian_in_markdown")
    f.sec(f"* PlanetScale password: `{g.pscale()}`", "planetscale_in_markdown")

    # ---------------------------------------------------------------- connection strings file
    f = new("config/connections.txt")
    f.sec(f"redis://:{g.safe_password()}@cache.internal:6380/1", "redis_url")
    f.sec(f"postgresql://{g.user()}:{g.safe_password()}@{g.host()}/analytics", "postgres_url")
    f.ns("postgresql://{user}:{password}@{host}/analytics", "template_url")
    f.ns("postgresql://app@localhost/analytics", "url_no_password")
    f.sec(f"Driver={{ODBC Driver 18 for SQL Server}};Server={g.host()};Uid=sa;Pwd={g.safe_password()};", "odbc_password")
    f.sec(f"amqps://broker:{g.safe_password()}@b-1.mq.eu-west-1.amazonaws.com:5671", "amqp_url")
    f.ns("mysql://root:${MYSQL_ROOT_PASSWORD}@db:3306/app", "env_reference")

    # ---------------------------------------------------------------- generic key=value filler, seed-dependent
    f = new("config/extra.conf")
    f.add("# misc service settings")
    makers_secret = [
        ("api_key", g.hex32), ("auth_token", lambda: g.s(URLSAFE, 40)), ("client_secret", lambda: g.s(ALNUM, 32)),
        ("db_pass", g.password), ("admin_password", g.human_password), ("webhook_secret", g.whsec),
        ("gitlab_token", g.glpat), ("openai_key", g.openai), ("hf_token", g.hf), ("github_token", g.ghp),
        ("aws_key_id", g.aws_id), ("slack_user_token", g.xoxp), ("stripe_restricted", g.stripe_rk),
        ("do_token", g.do), ("groq_api_key", g.groq), ("google_key", g.google), ("fly_token", lambda: P_FLY + g.s(URLSAFE, 44)),
        ("bearer", g.jwt), ("private_token", lambda: g.s(ALNUM, 24)),
    ]
    makers_not = [
        ("api_key", lambda: "${API_KEY}"), ("auth_token", lambda: "{{ auth_token }}"), ("client_secret", lambda: "<client-secret>"),
        ("db_pass", lambda: "CHANGEME"), ("password", lambda: "EXAMPLE-password"), ("commit", g.git_sha),
        ("checksum", g.sha256), ("trace_id", g.uuid), ("token", lambda: "xxxxxxxxxxxxxxxxxxxxxxxx"),
        ("api_key", lambda: "TEST_KEY_DO_NOT_USE"), ("banner_b64", lambda: base64.b64encode(g.r.choice([b"welcome to staging", b"maintenance at 02:00 UTC", b"hello world"])).decode()),
        ("password_env", lambda: "DB_PASSWORD"), ("secret_ref", lambda: "vault:secret/data/app#token"),
        ("etag", lambda: '"' + g.s(HEX, 32) + '"'), ("fake_token", lambda: "FAKE" + g.s(ALNUM, 20)),
    ]
    n = 70 + g.r.randrange(0, 10)
    for i in range(n):
        if g.r.random() < 0.5:
            k, mk = g.r.choice(makers_secret)
            sep = g.r.choice([" = ", "=", ": "])
            v = mk()
            if g.r.random() < 0.3:
                v = '"' + v + '"'
            f.sec(f"{k}_{i}{sep}{v}", "generic_" + k)
        else:
            k, mk = g.r.choice(makers_not)
            sep = g.r.choice([" = ", "=", ": "])
            f.ns(f"{k}_{i}{sep}{mk()}", "not_" + k)
    return files


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    g = Gen(a.seed)
    out = Path(a.outdir)
    labels: list[dict] = []
    for f in build(g):
        p = out / f.path
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("\n".join(f.lines) + "\n")
        labels.extend(f.labels)
    (out / "labels.json").write_text(json.dumps(labels, indent=1) + "\n")
    s = sum(1 for x in labels if x["label"] == "secret")
    print(f"{len(labels)} labels ({s} secret, {len(labels) - s} not_secret) in {len({x['file'] for x in labels})} files -> {out}")


if __name__ == "__main__":
    main()

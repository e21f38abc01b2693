#!/usr/bin/env python3
"""Blind secrets corpus for issue 17 (capabilities 8, 9, 10).

    python3 secrets_blind17.py OUTDIR --seed N

Writes a set of small files (code, .env, YAML, JSON, TOML, INI, shell, Dockerfile, Terraform, PEM,
COMMIT_EDITMSG-N) into OUTDIR plus OUTDIR/labels.json: a list of
{"file": relative path, "line": 1-based line, "label": "secret" | "not_secret", "kind": str}.

Only labelled lines are scored; the remaining lines are scaffolding with no credential-like value.
For a multi-line PEM block the BEGIN line carries the label. For a password line the whole quoted
value (including any ',' ';' '#' or other punctuation) is the secret.

Every realistic token body is drawn at run time from random.Random(seed); no live-looking literal key
appears in this file. Prefixes are assembled from pieces for the same reason.
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import string
from pathlib import Path

UPPER = string.ascii_uppercase
LOWER = string.ascii_lowercase
DIGITS = string.digits
ALNUM = UPPER + LOWER + DIGITS
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"
MARKERS = ("TEST", "EXAMPLE", "DUMMY", "FAKE", "SAMPLE", "PLACEHOLDER", "DONOTUSE")

# prefixes, split so that no scanner reads this source as a key
P_AKIA = "AK" + "IA"
P_GHP = "gh" + "p_"
P_GHO = "gh" + "o_"
P_GHPAT = "github" + "_pat_"
P_SK_LIVE = "sk" + "_live_"
P_RK_LIVE = "rk" + "_live_"
P_XOXB = "xo" + "xb-"
P_XOXP = "xo" + "xp-"
P_SK = "s" + "k-"
P_SK_PROJ = "sk" + "-proj-"
P_AIZA = "AI" + "za"
PEM_BEGIN = "-----" + "BEGIN {} PRIVATE KEY" + "-----"
PEM_END = "-----" + "END {} PRIVATE KEY" + "-----"


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


def rand_body(rng: random.Random, alphabet: str, n: int) -> str:
    while True:
        s = "".join(rng.choice(alphabet) for _ in range(n))
        if (
            not _looks_placeholder(s)
            and any(c.isdigit() for c in s)
            and any(c.isalpha() for c in s)
        ):
            return s


# ---------------------------------------------------------------- real-looking secrets


def aws_key_id(rng):
    return P_AKIA + rand_body(rng, UPPER + "234567", 16)


def aws_secret(rng):
    return rand_body(rng, B64, 40)


def github_classic(rng):
    return P_GHP + rand_body(rng, ALNUM, 36)


def github_oauth(rng):
    return P_GHO + rand_body(rng, ALNUM, 36)


def github_fine(rng):
    return P_GHPAT + rand_body(rng, ALNUM, 22) + "_" + rand_body(rng, ALNUM, 59)


def stripe_secret(rng):
    return rng.choice([P_SK_LIVE, P_RK_LIVE]) + rand_body(rng, ALNUM, rng.choice([24, 34, 99]))


def slack_bot(rng):
    digits = lambda n: str(rng.randint(1, 9)) + "".join(rng.choice(DIGITS) for _ in range(n - 1))
    return (
        rng.choice([P_XOXB, P_XOXP])
        + digits(12)
        + "-"
        + digits(13)
        + "-"
        + rand_body(rng, ALNUM, 24)
    )


def slack_webhook(rng):
    return (
        "https://hooks.slack.com/services/T"
        + rand_body(rng, UPPER + DIGITS, 10)
        + "/B"
        + rand_body(rng, UPPER + DIGITS, 10)
        + "/"
        + rand_body(rng, ALNUM, 24)
    )


def openai_key(rng):
    if rng.random() < 0.5:
        return P_SK + rand_body(rng, ALNUM, 48)
    return P_SK_PROJ + rand_body(rng, URLSAFE, 74) + "T3Blbk" + "FJ" + rand_body(rng, URLSAFE, 74)


def google_api_key(rng):
    return P_AIZA + rand_body(rng, URLSAFE, 35)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def jwt(rng):
    header = _b64url(
        json.dumps(
            {"alg": rng.choice(["HS256", "RS256"]), "typ": "JWT"}, separators=(",", ":")
        ).encode()
    )
    payload = {
        "sub": str(rng.randint(10_000, 9_999_999)),
        "iat": rng.randint(1_700_000_000, 1_760_000_000),
        "role": rng.choice(["admin", "service", "user"]),
    }
    payload["exp"] = payload["iat"] + 86_400 * rng.randint(30, 3650)
    body = _b64url(json.dumps(payload, separators=(",", ":")).encode())
    alg_bytes = (
        32 if json.loads(base64.urlsafe_b64decode(header + "==="))["alg"] == "HS256" else 256
    )
    sig = _b64url(bytes(rng.getrandbits(8) for _ in range(alg_bytes)))
    return f"{header}.{body}.{sig}"


def pem_lines(rng, algo):
    n = rng.randint(8, 14)
    body = [rand_body(rng, B64, 64) for _ in range(n)] + [
        rand_body(rng, B64, rng.randint(20, 60)) + "=="
    ]
    return (
        [PEM_BEGIN.format(algo).replace("  ", " ")]
        + body
        + [PEM_END.format(algo).replace("  ", " ")]
    )


PUNCT = "!@#$%^&*()-_=+[]{}:,.;<>?/~|"


def punct_password(rng, seps=(",", ";")):
    """A generic password with at least one of `seps` (',' or ';') and other punctuation."""
    pool = ALNUM + "".join(ch for ch in PUNCT if ch not in ",;" or ch in seps)
    while True:
        n = rng.randint(14, 26)
        chars = [rng.choice(pool) for _ in range(n)]
        for sep in rng.sample(list(seps), rng.randint(1, len(seps))):
            chars.insert(rng.randint(2, len(chars) - 2), sep)
        pw = "".join(chars).replace("\\", "").replace("$", "%").replace("`", "^")
        if not _looks_placeholder(pw) and pw[0] not in "#;" and sum(c.isalnum() for c in pw) >= 8:
            return pw


SECRET_KINDS = {
    "aws_access_key_id": aws_key_id,
    "aws_secret_access_key": aws_secret,
    "github_pat": github_classic,
    "github_oauth": github_oauth,
    "github_fine_grained": github_fine,
    "stripe_secret": stripe_secret,
    "slack_token": slack_bot,
    "slack_webhook": slack_webhook,
    "openai_key": openai_key,
    "google_api_key": google_api_key,
    "jwt": jwt,
}

# per kind: (shell/env name, python/js name, yaml/json key)
NAMES = {
    "aws_access_key_id": ("AWS_ACCESS_KEY_ID", "aws_access_key_id", "access_key_id"),
    "aws_secret_access_key": (
        "AWS_SECRET_ACCESS_KEY",
        "aws_secret_access_key",
        "secret_access_key",
    ),
    "github_pat": ("GITHUB_TOKEN", "github_token", "token"),
    "github_oauth": ("GH_OAUTH_TOKEN", "gh_oauth_token", "oauth_token"),
    "github_fine_grained": ("GH_PAT", "gh_pat", "pat"),
    "stripe_secret": ("STRIPE_SECRET_KEY", "stripe_secret_key", "secret_key"),
    "slack_token": ("SLACK_BOT_TOKEN", "slack_bot_token", "bot_token"),
    "slack_webhook": ("SLACK_WEBHOOK_URL", "slack_webhook_url", "webhook_url"),
    "openai_key": ("OPENAI_API_KEY", "openai_api_key", "api_key"),
    "google_api_key": ("GOOGLE_MAPS_API_KEY", "maps_api_key", "maps_key"),
    "jwt": ("SERVICE_JWT", "service_jwt", "jwt"),
}

PREFIX_OF = {
    "aws_access_key_id": (P_AKIA, UPPER + "234567", 16),
    "github_pat": (P_GHP, ALNUM, 36),
    "github_oauth": (P_GHO, ALNUM, 36),
    "stripe_secret": (P_SK_LIVE, ALNUM, 24),
    "slack_token": (P_XOXB, None, 0),
    "openai_key": (P_SK, ALNUM, 48),
    "google_api_key": (P_AIZA, URLSAFE, 35),
    "aws_secret_access_key": ("", B64, 40),
}

# ---------------------------------------------------------------- placeholders (not secrets)


def ph_marker(rng, kind):
    prefix, _alpha, n = PREFIX_OF[kind]
    if kind == "slack_token":
        return (
            P_XOXB
            + "000000000000-0000000000000-"
            + rng.choice(["TESTTOKEN", "EXAMPLEEXAMPLE", "FAKEFAKEFAKE"])
            + "0" * 12
        )
    marker = rng.choice(
        ["TESTKEYDONOTUSE", "EXAMPLE", "DUMMY", "FAKE", "TEST", "EXAMPLEKEY", "PLACEHOLDER"]
    )
    fill = rng.choice(["0", "X", "x"])
    body = marker + fill * max(0, n - len(marker))
    if rng.random() < 0.3:
        body = (fill * 4 + marker + fill * n)[:n]
    return prefix + body[: max(n, len(marker))]


def ph_sequential(rng, kind):
    prefix, alpha, n = PREFIX_OF[kind]
    if kind == "slack_token":
        return P_XOXB + "123456789012-1234567890123-abcdefghijklmnopqrstuvwx"
    runs = {
        UPPER + "234567": "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567",
        ALNUM: rng.choice(
            [
                "0123456789abcdef",
                "abcdefghijklmnopqrstuvwxyz0123456789",
                "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
            ]
        ),
        URLSAFE: "abcdefghijklmnopqrstuvwxyz0123456789",
        B64: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
    }[alpha]
    return prefix + (runs * 8)[:n]


def ph_repeated(rng, kind):
    prefix, _alpha, n = PREFIX_OF[kind]
    if kind == "slack_token":
        return P_XOXB + "0" * 12 + "-" + "0" * 13 + "-" + "x" * 24
    ch = rng.choice(["A", "X", "x", "0", "1", "a", "Z"])
    return prefix + ch * n


def ph_low_entropy(rng, kind):
    prefix, alpha, n = PREFIX_OF[kind]
    if kind == "slack_token":
        return P_XOXB + "101010101010-1010101010101-" + "ab" * 12
    pool = [c for c in alpha if c.isalnum()]
    unit = "".join(rng.sample(pool, rng.choice([2, 3])))
    return prefix + (unit * n)[:n]


PLACEHOLDERS = {
    "placeholder_marker": ph_marker,
    "placeholder_sequential": ph_sequential,
    "placeholder_repeated": ph_repeated,
    "placeholder_low_entropy": ph_low_entropy,
}

# ---------------------------------------------------------------- file rendering


class Corpus:
    def __init__(self, out: Path):
        self.out = out
        self.labels: list[dict] = []
        self.counter = 0

    def write(
        self,
        rel: str,
        lines: list,
    ) -> None:
        """lines: str, or (str, label, kind) for a labelled line."""
        text = []
        for i, item in enumerate(lines, 1):
            if isinstance(item, tuple):
                line, label, kind = item
                self.labels.append({"file": rel, "line": i, "label": label, "kind": kind})
            else:
                line = item
            text.append(line)
        path = self.out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("\n".join(text) + "\n", encoding="utf-8")

    def name(self, stem: str, ext: str) -> str:
        self.counter += 1
        return f"{stem}_{self.counter:03d}{ext}"


def carrier(fmt, kind, value, label, lab_kind):
    env, py, key = NAMES[kind]
    if fmt == "py":
        return (f'{env} = "{value}"', label, lab_kind)
    if fmt == "js":
        camel = py.split("_")[0] + "".join(w.title() for w in py.split("_")[1:])
        return (f"const {camel} = '{value}';", label, lab_kind)
    if fmt == "env":
        return (f"{env}={value}", label, lab_kind)
    if fmt == "yaml":
        return (f"  {key}: {value}", label, lab_kind)
    if fmt == "json":
        return (f'    "{key}": "{value}",', label, lab_kind)
    if fmt == "sh":
        return (f'export {env}="{value}"', label, lab_kind)
    if fmt == "docker":
        return (f"ENV {env}={value}", label, lab_kind)
    if fmt == "tf":
        return (f'  {key} = "{value}"', label, lab_kind)
    raise ValueError(fmt)


HEAD = {
    "py": (
        ["import os", "import logging", "", "log = logging.getLogger(__name__)", ""],
        [
            "",
            "",
            "def client_config():",
            '    return {"region": os.environ.get("REGION", "eu-west-1"), "timeout": 30}',
        ],
        ".py",
        "settings",
    ),
    "js": (
        ["'use strict';", "", "const path = require('path');", ""],
        [
            "",
            "module.exports = { root: path.join(__dirname, '..'), port: Number(process.env.PORT) || 3000 };",
        ],
        ".js",
        "config",
    ),
    "env": (
        ["# local overrides", "NODE_ENV=production", "PORT=8080"],
        ["LOG_LEVEL=info"],
        ".env",
        "service",
    ),
    "yaml": (
        ["service:", "  name: billing-worker", "  replicas: 2", "credentials:"],
        ["  region: us-east-1"],
        ".yaml",
        "deploy",
    ),
    "json": (
        ["{", '  "name": "integration",', '  "credentials": {'],
        ['    "region": "eu-central-1"', "  }", "}"],
        ".json",
        "integration",
    ),
    "sh": (
        ["#!/usr/bin/env bash", "set -euo pipefail", ""],
        ["", 'exec node server.js "$@"'],
        ".sh",
        "run",
    ),
    "docker": (
        ["FROM node:20-alpine", "WORKDIR /app", "COPY package*.json ./", "RUN npm ci --omit=dev"],
        ["COPY . .", 'CMD ["node", "server.js"]'],
        "",
        "Dockerfile",
    ),
    "tf": (
        [
            'provider "aws" {',
            '  region = "us-east-1"',
            "}",
            "",
            'resource "vault_generic_secret" "app" {',
            '  path = "secret/app"',
            "  data_json = jsonencode({",
        ],
        ["  })", "}"],
        ".tf",
        "main",
    ),
}


def build(out: Path, seed: int) -> Corpus:
    rng = random.Random(seed)
    c = Corpus(out)
    _tokens(c, rng)
    _pem(c, rng)
    _passwords(c, rng)
    _password_negatives(c, rng)
    _more_config(c, rng)
    _commits(c, rng)
    (out / "labels.json").write_text(json.dumps(c.labels, indent=1) + "\n", encoding="utf-8")
    return c


def _tokens(c: Corpus, rng: random.Random):
    items = []
    for kind, fn in SECRET_KINDS.items():
        for _ in range(
            3 if kind in ("jwt", "slack_webhook", "github_fine_grained", "github_oauth") else 4
        ):
            items.append((kind, fn(rng), "secret", kind))
    for pk, fn in PLACEHOLDERS.items():
        for kind in PREFIX_OF:
            for _ in range(2 if pk == "placeholder_marker" else 1):
                if pk == "placeholder_marker" or rng.random() < 0.7:
                    items.append((kind, fn(rng, kind), "not_secret", pk))
    # a marker inside an otherwise random-looking body
    for kind in ("github_pat", "stripe_secret", "openai_key"):
        prefix, alpha, n = PREFIX_OF[kind]
        m = rng.choice(["TEST", "EXAMPLE", "DUMMY", "FAKE"])
        body = rand_body(rng, alpha, n - len(m))
        cut = rng.randint(0, len(body))
        items.append(
            (
                kind,
                prefix + body[:cut] + m + body[cut:],
                "not_secret",
                "placeholder_marker_embedded",
            )
        )
    rng.shuffle(items)
    fmts = list(HEAD)
    i = 0
    while i < len(items):
        k = rng.randint(1, 4)
        batch, i = items[i : i + k], i + k
        fmt = rng.choice(fmts)
        head, tail, ext, stem = HEAD[fmt]
        body = []
        uses: dict[str, int] = {}
        for it in batch:
            uses[it[0]] = uses.get(it[0], 0) + 1
            line, lab, lk = carrier(fmt, *it)
            if uses[it[0]] > 1:
                env, py, key = NAMES[it[0]]
                suffix = ["", "", "_BACKUP", "_OLD", "_CI"][uses[it[0]]]
                for name in (env, key):
                    if name in line:
                        line = line.replace(
                            name, name + (suffix if name == env else suffix.lower()), 1
                        )
                        break
                else:
                    camel = py.split("_")[0] + "".join(w.title() for w in py.split("_")[1:])
                    line = line.replace(camel, camel + suffix.title().replace("_", ""), 1)
            body.append((line, lab, lk))
        if fmt == "tf":
            body = [("  " + line, lab, lk) for line, lab, lk in body]
        rel = c.name(stem, ext) if fmt != "docker" else f"docker_{c.counter + 1:03d}/Dockerfile"
        if fmt == "docker":
            c.counter += 1
        if fmt == "env":
            rel = f"env_{c.counter:03d}/.env"
        c.write(rel, head + body + tail)


def _pem(c: Corpus, rng: random.Random):
    for algo in rng.sample(["RSA", "EC", "OPENSSH", "DSA", ""], 4):
        lines = pem_lines(rng, algo)
        first = (lines[0], "secret", "private_key")
        c.write(c.name("id_key", ".pem" if algo != "OPENSSH" else ""), [first] + lines[1:])
    # a private key embedded in a Python string
    lines = pem_lines(rng, "RSA")
    src = (
        ["import jwt", "", 'SIGNING_KEY = """' + lines[0]]
        + lines[1:-1]
        + [
            lines[-1] + '"""',
            "",
            "def sign(claims):",
            '    return jwt.encode(claims, SIGNING_KEY, algorithm="RS256")',
        ]
    )
    labelled = [(s, "secret", "private_key") if i == 2 else s for i, s in enumerate(src)]
    c.write(c.name("signer", ".py"), labelled)
    # PEM headers as constants / matchers in code: not secrets
    hdr = lambda a: "-----" + "BEGIN " + (a + " " if a else "") + "PRIVATE KEY" + "-----"
    ftr = lambda a: "-----" + "END " + (a + " " if a else "") + "PRIVATE KEY" + "-----"
    c.write(
        c.name("keyutil", ".py"),
        [
            "import re",
            "",
            (f'PEM_HEADER = "{hdr("RSA")}"', "not_secret", "pem_header_constant"),
            (f'PEM_FOOTER = "{ftr("RSA")}"', "not_secret", "pem_header_constant"),
            (f'OPENSSH_HEADER = "{hdr("OPENSSH")}"', "not_secret", "pem_header_constant"),
            "",
            "",
            "def is_private_key(text: str) -> bool:",
            (
                f'    return text.lstrip().startswith(("{hdr("")}", PEM_HEADER, OPENSSH_HEADER))',
                "not_secret",
                "pem_header_constant",
            ),
        ],
    )
    c.write(
        c.name("pemCheck", ".js"),
        [
            (f"const PRIVATE_KEY_MARKER = '{hdr('EC')}';", "not_secret", "pem_header_constant"),
            "",
            "function looksLikePrivateKey(s) {",
            "  return typeof s === 'string' && s.includes(PRIVATE_KEY_MARKER);",
            "}",
            "",
            "module.exports = { looksLikePrivateKey };",
        ],
    )
    c.write(
        c.name("test_keys", ".py"),
        [
            "import pytest",
            "",
            "from app.keys import load_key",
            "",
            "",
            "def test_rejects_truncated_key():",
            "    with pytest.raises(ValueError):",
            (
                f'        load_key("{hdr("RSA")}\\n{ftr("RSA")}\\n")',
                "not_secret",
                "pem_header_constant",
            ),
        ],
    )
    # public keys / certificates: not secrets
    pub = [rand_body(rng, B64, 64) for _ in range(6)] + [rand_body(rng, B64, 30) + "="]
    c.write(
        c.name("jwt_public", ".pem"),
        [("-----" + "BEGIN PUBLIC KEY" + "-----", "not_secret", "public_key")]
        + pub
        + ["-----" + "END PUBLIC KEY" + "-----"],
    )
    c.write(
        c.name("authorized_keys", ""),
        [
            (
                "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + rand_body(rng, B64, 43) + " deploy@ci",
                "not_secret",
                "public_key",
            )
        ],
    )
    # template with placeholder body
    c.write(
        c.name("key_template", ".pem"),
        [
            (hdr("RSA"), "not_secret", "pem_placeholder"),
            "<paste your private key here>",
            ftr("RSA"),
        ],
    )


def _passwords(c: Corpus, rng: random.Random):
    """Generic passwords with ',' ';' and other punctuation, quoted per file type: the whole value is the secret."""
    k = "secret"
    kind = "password_punct"
    pw = lambda: punct_password(rng)
    # .env: double and single quoted
    c.write(
        f"envpw_{c.counter + 1:03d}/.env",
        [
            "DB_HOST=postgres.internal",
            "DB_USER=app",
            (f'DB_PASSWORD="{pw()}"', k, kind),
            (f"REDIS_PASSWORD='{pw()}'", k, kind),
            "DB_NAME=app",
        ],
    )
    c.counter += 1
    # YAML: double, single quoted, flow mapping
    c.write(
        c.name("database", ".yml"),
        [
            "production:",
            "  adapter: postgresql",
            "  host: db.internal",
            "  username: rails",
            (f'  password: "{pw()}"', k, kind),
            "replica:",
            (f"  password: '{pw()}'", k, kind),
            (f'smtp: {{user: mailer, password: "{pw()}", port: 587}}', k, kind),
        ],
    )
    # JSON
    c.write(
        c.name("appsettings", ".json"),
        [
            "{",
            '  "ConnectionStrings": {',
            (
                f'    "Default": "Server=sql01;Database=shop;User Id=shop;Password={punct_password(rng, (",",))};"',
                k,
                "connection_string",
            ),
            "  },",
            '  "Smtp": {',
            '    "Host": "smtp.example.org",',
            (f'    "Password": "{pw()}"', k, kind),
            "  }",
            "}",
        ],
    )
    # TOML
    c.write(
        c.name("pyproject_db", ".toml"),
        [
            "[database]",
            'host = "localhost"',
            "port = 5432",
            (f'password = "{pw()}"', k, kind),
            "",
            "[broker]",
            (f"password = '{pw()}'", k, kind),
        ],
    )
    # INI
    c.write(
        c.name("alembic", ".ini"),
        [
            "[alembic]",
            "script_location = migrations",
            "",
            "[database]",
            "user = migrator",
            (f'password = "{pw()}"', k, kind),
            (f"admin_password = '{pw()}'", k, kind),
        ],
    )
    # shell
    c.write(
        c.name("backup", ".sh"),
        [
            "#!/bin/sh",
            "set -e",
            (f"export PGPASSWORD='{pw()}'", k, kind),
            (f'MYSQL_PWD="{pw()}" mysqldump -u backup shop > /var/backups/shop.sql', k, kind),
            'pg_dump -h db -U backup app > "/var/backups/app-$(date +%F).sql"',
        ],
    )
    # Python / JS / Java code
    c.write(
        c.name("db", ".py"),
        [
            "import psycopg2",
            "",
            (f'DB_PASSWORD = "{pw()}"', k, kind),
            "",
            "",
            "def connect():",
            (
                f'    return psycopg2.connect(host="db", user="app", password="{pw()}", dbname="app")',
                k,
                kind,
            ),
        ],
    )
    c.write(
        c.name("mailer", ".js"),
        [
            "const nodemailer = require('nodemailer');",
            "",
            "module.exports = nodemailer.createTransport({",
            "  host: 'smtp.internal',",
            "  port: 587,",
            (f"  auth: {{ user: 'noreply', pass: '{pw()}' }},", k, kind),
            "});",
        ],
    )
    c.write(
        c.name("DataSourceConfig", ".java"),
        [
            "package com.acme.config;",
            "",
            "public final class DataSourceConfig {",
            '    static final String URL = "jdbc:postgresql://db:5432/acme";',
            (f'    static final String PASSWORD = "{pw()}";', k, kind),
            "}",
        ],
    )


def _password_negatives(c: Corpus, rng: random.Random):
    n = "not_secret"
    c.write(
        f"envref_{c.counter + 1:03d}/.env",
        [
            "DB_HOST=postgres.internal",
            ("DB_PASSWORD=${DB_PASSWORD}", n, "env_reference"),
            ('REDIS_PASSWORD=""', n, "empty_value"),
            ("SMTP_PASSWORD=changeme", n, "placeholder_word"),
        ],
    )
    c.counter += 1
    c.write(
        c.name("values", ".yaml"),
        [
            "db:",
            "  user: app",
            ('  password: "<your-db-password>"', n, "placeholder_word"),
            ("  passwordSecretRef: db-credentials", n, "secret_reference"),
            ('  adminPassword: "{{ .Values.admin.password }}"', n, "template_reference"),
        ],
    )
    c.write(
        c.name("settings_local", ".py"),
        [
            "import os",
            "",
            ('DB_PASSWORD = os.environ["DB_PASSWORD"]', n, "env_reference"),
            ('SMTP_PASSWORD = os.getenv("SMTP_PASSWORD", "")', n, "env_reference"),
            ('PASSWORD_FIELD = "password"', n, "field_name"),
            ('PASSWORD_HINT = "at least 12 characters, one of !@#$%;,"', n, "prose"),
        ],
    )
    c.write(
        c.name("knexfile", ".js"),
        [
            "module.exports = {",
            "  client: 'pg',",
            (
                f"  connection: {{ host: 'db', user: 'app', password: process.env.PG_PASSWORD, database: 'app' }},",
                n,
                "env_reference",
            ),
            "};",
        ],
    )
    c.write(
        c.name("config", ".toml"),
        [
            "[database]",
            ('password = "********"', n, "masked_value"),
            ('password_file = "/run/secrets/db_password"', n, "file_reference"),
        ],
    )
    c.write(
        c.name("deploy", ".sh"),
        [
            "#!/bin/sh",
            ('export PGPASSWORD="$(cat /run/secrets/pg_password)"', n, "command_substitution"),
            ('read -r -s -p "Password: " ADMIN_PASSWORD', n, "prompt"),
        ],
    )


def _more_config(c: Corpus, rng: random.Random):
    """More cap-9 shapes: punctuated secrets in compose/CLI/URL form, and punctuated values that are not secrets."""
    s, n = "secret", "not_secret"
    pw = lambda seps=(",", ";"): punct_password(rng, seps)
    c.write(
        c.name("docker-compose", ".yml"),
        [
            "services:",
            "  db:",
            "    image: postgres:16",
            "    environment:",
            (f'      POSTGRES_PASSWORD: "{pw()}"', s, "password_punct"),
            (
                '      POSTGRES_INITDB_ARGS: "--auth-host=scram-sha-256;--data-checksums"',
                n,
                "punctuated_config",
            ),
            "  app:",
            "    environment:",
            (f"      - 'DATABASE_PASSWORD={pw()}'", s, "password_punct"),
            ('      - "ALLOWED_HOSTS=api.example.org,admin.example.org"', n, "punctuated_config"),
        ],
    )
    c.write(
        f"envmix_{c.counter + 1:03d}/.env",
        [
            ('PG_OPTIONS="sslmode=require;connect_timeout=10"', n, "punctuated_config"),
            (f'ADMIN_PASSWORD="{pw()}"', s, "password_punct"),
            ('CORS_ORIGINS="https://a.example.org,https://b.example.org"', n, "punctuated_config"),
            (f"SMTP_PASS='{pw()}'", s, "password_punct"),
            ('PASSWORD_POLICY="min=12;upper=1;digits=1,symbols=1"', n, "punctuated_config"),
        ],
    )
    c.counter += 1
    c.write(
        c.name("settings", ".ini"),
        [
            "[ldap]",
            "uri = ldaps://ldap.internal",
            "bind_dn = cn=svc,ou=apps,dc=corp,dc=internal",
            (f'bind_password = "{pw()}"', s, "password_punct"),
            (
                'search_filter = "(&(objectClass=user)(memberOf=cn=devs,ou=groups))"',
                n,
                "punctuated_config",
            ),
        ],
    )
    c.write(
        c.name("seed", ".ts"),
        [
            "import { Client } from 'pg';",
            "",
            "export const client = new Client({",
            "  host: 'localhost',",
            "  user: 'seed',",
            (f'  password: "{pw()}",', s, "password_punct"),
            "});",
            ("export const passwordRules = 'min 12 chars; one of , ; ! ?';", n, "prose"),
        ],
    )
    c.write(
        c.name("migrate", ".sh"),
        [
            "#!/usr/bin/env bash",
            (f"mysql --user=root --password='{pw()}' shop < schema.sql", s, "password_punct"),
            (
                'mysql --user=root --password="$MYSQL_ROOT_PASSWORD" shop < seed.sql',
                n,
                "env_reference",
            ),
        ],
    )
    c.write(
        c.name("local_settings", ".py"),
        [
            "DATABASES = {",
            '    "default": {',
            '        "ENGINE": "django.db.backends.postgresql",',
            '        "NAME": "shop",',
            (f"        \"PASSWORD\": '{pw()}',", s, "password_punct"),
            "    }",
            "}",
            ('CSV_DELIMITERS = ",;|"', n, "punctuated_config"),
        ],
    )


def _commits(c: Corpus, rng: random.Random):
    s, n = "secret", "not_secret"
    msgs = [
        [
            "Fix nightly deploy",
            "",
            "The runner lost its credentials again, hardcoding for now:",
            (f"GITHUB_TOKEN={github_classic(rng)}", s, "commit_github_pat"),
        ],
        [
            "payments: switch to live mode",
            "",
            (
                f"Using {stripe_secret(rng)} until the vault path is ready.",
                s,
                "commit_stripe_secret",
            ),
        ],
        [
            (f"chore: rotate slack bot token ({slack_bot(rng)})", s, "commit_slack_token"),
        ],
        [
            "ci: add OpenAI eval job",
            "",
            (f"    export OPENAI_API_KEY={openai_key(rng)}", s, "commit_openai_key"),
            "",
            "Signed-off-by: Dev One <dev1@example.org>",
        ],
        [
            "infra: temporary AWS creds for migration",
            "",
            (f"key id {aws_key_id(rng)}", s, "commit_aws_access_key_id"),
            (f"secret {aws_secret(rng)}", s, "commit_aws_secret_access_key"),
        ],
        [
            "db: reset staging password",
            "",
            (f'new password is "{punct_password(rng)}" (tell ops)', s, "commit_password"),
        ],
        [
            "Remove hardcoded AWS key, read AWS_SECRET_ACCESS_KEY from the environment",
            "",
            ("The old key was revoked in the console; nothing to rotate here.", n, "commit_prose"),
        ],
        [
            "docs: use obvious placeholder keys in the README",
            "",
            (
                f"Replace the sample with {ph_marker(rng, 'stripe_secret')} so nobody copies a real one.",
                n,
                "commit_placeholder_marker",
            ),
        ],
        [
            "test: fixtures for the token scanner",
            "",
            (
                f"Adds {ph_sequential(rng, 'github_pat')} and {ph_repeated(rng, 'openai_key')} as non-secrets.",
                n,
                "commit_placeholder_sequential",
            ),
        ],
        [
            (
                "Bump jsonwebtoken from 9.0.0 to 9.0.2 (fixes key confusion, refs #412)",
                n,
                "commit_prose",
            ),
        ],
        [
            "auth: verify tokens with the public key",
            "",
            (
                "Header check now matches '-----" + "BEGIN PUBLIC KEY" + "-----' as well.",
                n,
                "commit_pem_header",
            ),
        ],
    ]
    rng.shuffle(msgs)
    for i, lines in enumerate(msgs, 1):
        c.write(f"COMMIT_EDITMSG-{i}", lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir", type=Path)
    ap.add_argument("--seed", type=int, default=17)
    args = ap.parse_args()
    args.outdir.mkdir(parents=True, exist_ok=True)
    c = build(args.outdir, args.seed)
    pos = sum(1 for l in c.labels if l["label"] == "secret")
    print(
        f"wrote {len({l['file'] for l in c.labels})} files, {len(c.labels)} labelled lines ({pos} secret, {len(c.labels) - pos} not_secret) to {args.outdir}"
    )


if __name__ == "__main__":
    main()

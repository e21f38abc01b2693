# ruff: noqa: E501  (file templates read best one per line)
"""Blind, adversarial labeled corpus for br-secrets, written without reading the rules.

Written independently of tests/data/secrets_corpus.py and br_core/secrets/rules.toml, as a held-out
check of the detector. Every secret-shaped value is built at run time from a seeded RNG (no
realistic secret literal is committed). Labels say what a security reviewer would say: a live
credential is positive; placeholders, look-ups, hashes, public material, publishable keys and
local-dev defaults are negative. `build_blind(seed)` returns `BlindSample`s, one file each.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import string
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

# Tables of file templates, one sample per line: kept out of the formatter on purpose.
# fmt: off

ALNUM = string.ascii_letters + string.digits
UPPER_DIG = string.ascii_uppercase + string.digits
HEX = "0123456789abcdef"
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "_-"
DASH5 = "-" * 5


@dataclass(frozen=True)
class BlindSample:
    """One file. `lines` = 1-based inclusive span holding the secret (positives only)."""

    path: str
    text: str
    positive: bool
    kind: str
    lines: tuple[int, int] = (0, 0)


def r(rng: random.Random, alphabet: str, n: int) -> str:
    return "".join(rng.choice(alphabet) for _ in range(n))


def _mixed(rng: random.Random, alphabet: str, n: int) -> str:
    """Random string that surely holds an upper, a lower and a digit (as real keys do)."""
    while True:
        s = r(rng, alphabet, n)
        if any(c.isupper() for c in s) and any(c.islower() for c in s) and any(c.isdigit() for c in s):
            return s


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


# --------------------------------------------------------------------------- secret values
def aws_id(rng: random.Random) -> str:
    return rng.choice(["AK" + "IA", "AS" + "IA"]) + r(rng, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16)


def aws_secret(rng: random.Random) -> str:
    return _mixed(rng, B64, 40)


def pem_block(rng: random.Random, kind: str, lines: int = 10) -> str:
    body = [r(rng, B64, 64) for _ in range(lines)] + [r(rng, B64, 28) + "=="]
    if kind == "OPENSSH PRIVATE KEY":
        body[0] = "b3BlbnNzaC1rZXktdjEAAAAA" + body[0][24:]
    return "\n".join([DASH5 + "BEGIN " + kind + DASH5, *body, DASH5 + "END " + kind + DASH5])


def jwt(rng: random.Random) -> str:
    head = _b64url(json.dumps({"alg": rng.choice(["HS256", "RS256"]), "typ": "JWT"}).encode())
    claims = {"sub": str(rng.randint(10**5, 10**9)), "name": rng.choice(["svc", "deploy", "admin"]), "iat": rng.randint(1_600_000_000, 1_800_000_000)}
    body = _b64url(json.dumps(claims).encode())
    return f"{head}.{body}.{r(rng, URLSAFE, 43)}"


def strong_password(rng: random.Random) -> str:
    if rng.random() < 0.3:
        words = ["Falcon", "river", "Copper", "maple", "Orbit", "tundra", "Saffron", "quartz"]
        return rng.choice(words) + str(rng.randint(10, 9999)) + rng.choice("!#%&*?") + rng.choice(words)
    return _mixed(rng, ALNUM + "!#%&*?-_+=", rng.randint(14, 24))


def hex_token(rng: random.Random) -> str:
    return r(rng, HEX, rng.choice([32, 40, 64]))


PROVIDERS: dict[str, tuple[Callable[[random.Random], str], list[str]]] = {
    "aws-key-id": (aws_id, ["AWS_ACCESS_KEY_ID", "access_key", "aws_key", "KEY_ID", "DEFAULT"]),
    "github-classic": (lambda g: "gh" + "p_" + _mixed(g, ALNUM, 36), ["GITHUB_TOKEN", "gh_token", "DEFAULT", "value", "token"]),
    "github-oauth": (lambda g: "gh" + "o_" + _mixed(g, ALNUM, 36), ["oauth_token", "access", "DEFAULT", "value"]),
    "github-app": (lambda g: "gh" + g.choice("us") + "_" + _mixed(g, ALNUM, 36), ["installation_token", "tok", "value", "DEFAULT"]),
    "github-refresh": (lambda g: "gh" + "r_" + _mixed(g, ALNUM, 76), ["refresh_token", "refresh", "value"]),
    "github-fine": (lambda g: "github" + "_pat_" + "11" + _mixed(g, ALNUM, 20) + "_" + _mixed(g, ALNUM, 59), ["GH_PAT", "pat", "DEFAULT", "value"]),
    "gitlab": (lambda g: "gl" + "pat-" + _mixed(g, URLSAFE, 20), ["GITLAB_TOKEN", "private_token", "DEFAULT", "ci_value"]),
    "slack-bot": (lambda g: "xo" + "xb-" + r(g, string.digits, 12) + "-" + r(g, string.digits, 13) + "-" + _mixed(g, ALNUM, 24), ["SLACK_BOT_TOKEN", "bot", "DEFAULT", "value"]),
    "slack-user": (lambda g: "xo" + "xp-" + r(g, string.digits, 12) + "-" + r(g, string.digits, 12) + "-" + r(g, string.digits, 13) + "-" + r(g, HEX, 32), ["SLACK_USER_TOKEN", "user_tok", "value"]),
    "slack-app": (lambda g: "xa" + "pp-1-A" + r(g, UPPER_DIG, 10) + "-" + r(g, string.digits, 13) + "-" + r(g, HEX, 64), ["SLACK_APP_TOKEN", "socket_token", "value"]),
    "slack-webhook": (lambda g: "https://hooks.sl" + "ack.com/services/T" + r(g, UPPER_DIG, 8) + "/B" + r(g, UPPER_DIG, 10) + "/" + _mixed(g, ALNUM, 24), ["SLACK_WEBHOOK_URL", "webhook", "url", "notify_url"]),
    "stripe-secret": (lambda g: "sk" + "_live_" + _mixed(g, ALNUM, g.choice([24, 99])), ["STRIPE_SECRET_KEY", "stripe_key", "DEFAULT", "api_key"]),
    "stripe-restricted": (lambda g: "rk" + "_live_" + _mixed(g, ALNUM, g.choice([24, 99])), ["STRIPE_RESTRICTED_KEY", "rk", "value"]),
    "google-api": (lambda g: "AI" + "za" + _mixed(g, URLSAFE, 35), ["GOOGLE_API_KEY", "mapsKey", "key", "DEFAULT", "firebaseApiKey"]),
    "anthropic-api": (lambda g: "sk-" + "ant-api03-" + _mixed(g, URLSAFE, 93) + "AA", ["ANTHROPIC_API_KEY", "api_key", "DEFAULT", "value"]),
    "anthropic-admin": (lambda g: "sk-" + "ant-admin01-" + _mixed(g, URLSAFE, 93) + "AA", ["ANTHROPIC_ADMIN_KEY", "admin_key", "value"]),
    "openai-project": (lambda g: "sk-" + "proj-" + _mixed(g, URLSAFE, 156), ["OPENAI_API_KEY", "api_key", "DEFAULT", "value"]),
    "openai-svcacct": (lambda g: "sk-" + "svcacct-" + _mixed(g, URLSAFE, 156), ["OPENAI_KEY", "key", "value"]),
    "openai-legacy": (lambda g: "sk-" + _mixed(g, ALNUM, 20) + "T3Blbk" + "FJ" + _mixed(g, ALNUM, 20), ["OPENAI_API_KEY", "openai", "DEFAULT", "value"]),
    "openrouter": (lambda g: "sk-" + "or-v1-" + r(g, HEX, 64), ["OPENROUTER_API_KEY", "api_key", "DEFAULT"]),
    "huggingface": (lambda g: "h" + "f_" + _mixed(g, string.ascii_letters + string.digits, 34), ["HF_TOKEN", "hub_token", "DEFAULT", "value"]),
    "jwt": (jwt, ["AUTH_TOKEN", "session", "DEFAULT", "bearer", "value"]),
    "twilio-key": (lambda g: "S" + "K" + r(g, HEX, 32), ["TWILIO_API_KEY", "api_key_sid", "DEFAULT"]),
    "sendgrid": (lambda g: "S" + "G." + _mixed(g, URLSAFE, 22) + "." + _mixed(g, URLSAFE, 43), ["SENDGRID_API_KEY", "mail_key", "DEFAULT", "value"]),
    "npm": (lambda g: "np" + "m_" + _mixed(g, ALNUM, 36), ["NPM_TOKEN", "registry_token", "DEFAULT"]),
    "pypi": (lambda g: "py" + "pi-AgEIcHlwaS5vcmc" + _mixed(g, URLSAFE, 120), ["PYPI_TOKEN", "TWINE_PASSWORD", "upload", "DEFAULT"]),
    "azure-storage": (lambda g: "DefaultEndpointsProtocol=https;AccountName=" + r(g, string.ascii_lowercase + string.digits, 12) + ";Account" + "Key=" + _mixed(g, B64, 86) + "==;EndpointSuffix=core.windows.net", ["AZURE_STORAGE_CONNECTION_STRING", "conn", "DEFAULT", "storage"]),
    "digitalocean": (lambda g: "do" + g.choice("por") + "_v1_" + r(g, HEX, 64), ["DIGITALOCEAN_TOKEN", "do_token", "DEFAULT"]),
    "shopify": (lambda g: "sh" + g.choice(["pat", "pss", "pca", "ppa"]) + "_" + r(g, HEX, 32), ["SHOPIFY_ACCESS_TOKEN", "shop_token", "DEFAULT"]),
    "db-url": (lambda g: g.choice(["postgres", "postgresql", "mysql", "mongodb+srv", "redis", "amqp"]) + "://" + g.choice(["app", "svc_user", "admin", "deploy"]) + ":" + _mixed(g, ALNUM, g.randint(14, 24)) + "@" + g.choice(["db.prod.internal", "10.2.3.4", "cluster0.ab1cd.mongodb.net", "rds.eu-west-1.amazonaws.com"]) + g.choice(["", ":5432"]) + "/" + g.choice(["app", "orders", ""]), ["DATABASE_URL", "dsn", "url", "DEFAULT", "broker"]),
    "basic-auth-url": (lambda g: "https://" + g.choice(["ci", "deploy", "jenkins"]) + ":" + _mixed(g, ALNUM, g.randint(14, 22)) + "@" + g.choice(["nexus.corp.example.io", "registry.acme-corp.com", "git.internal.net"]) + "/repository/", ["REGISTRY_URL", "mirror", "url"]),
    "twilio-auth": (lambda g: r(g, HEX, 32), ["TWILIO_AUTH_TOKEN", "twilio_auth_token", "authToken"]),
    "aws-secret": (aws_secret, ["AWS_SECRET_ACCESS_KEY", "aws_secret_access_key", "secret_key", "secretAccessKey"]),
    "generic-password": (strong_password, ["password", "DB_PASSWORD", "db_pass", "adminPassword", "passwd", "SMTP_PASSWORD", "pwd"]),
    "generic-secret": (lambda g: _mixed(g, ALNUM, g.randint(32, 48)), ["client_secret", "SECRET_KEY", "app_secret", "JWT_SECRET", "webhookSecret", "signing_secret"]),
    "generic-token": (lambda g: g.choice([hex_token(g), _mixed(g, URLSAFE, 40)]), ["api_token", "ACCESS_TOKEN", "auth_token", "apiKey", "API_KEY", "x_api_key", "private_token"]),
}


# --------------------------------------------------------------------------- contexts
# A context renders (name, value) into a file: returns (filename, lines, index of value line).
Ctx = Callable[[random.Random, str, str], tuple[str, list[str], int]]


def _snake(name: str) -> str:
    if name.upper() == name:
        return name.lower()
    out = "".join("_" + c.lower() if c.isupper() else c for c in name).lstrip("_")
    return out.replace("__", "_")


def _camel(name: str) -> str:
    parts = _snake(name).split("_")
    return parts[0] + "".join(p.title() for p in parts[1:])


def _upper(name: str) -> str:
    return _snake(name).upper()


def py_module(g: random.Random, n: str, v: str) -> tuple[str, list[str], int]:
    lines = ['"""Settings for the billing worker."""', "", "import logging", "", "log = logging.getLogger(__name__)", "", f'{_upper(n)} = "{v}"', "TIMEOUT = 30", ""]
    return "app/settings.py", lines, 6


def py_kwarg(g: random.Random, n: str, v: str) -> tuple[str, list[str], int]:
    lines = ["from vendor_sdk import Client", "", "", "def make_client() -> Client:", "    return Client(", f"        {_snake(n)}={v!r},", "        timeout=10,", "    )", ""]
    return "app/clients.py", lines, 5


def py_dict(g: random.Random, n: str, v: str) -> tuple[str, list[str], int]:
    lines = ["DEFAULTS = {", '    "region": "eu-west-1",', f'    "{_snake(n)}": "{v}",', '    "retries": 3,', "}", ""]
    return "app/defaults.py", lines, 2


def py_bearer(g: random.Random, n: str, v: str) -> tuple[str, list[str], int]:
    lines = ["import requests", "", "", "def fetch(url):", f'    headers = {{"Authorization": "Bearer {v}"}}', "    return requests.get(url, headers=headers, timeout=5)", ""]
    return "scripts/fetch.py", lines, 4


def js_const(g: random.Random, n: str, v: str) -> tuple[str, list[str], int]:
    q = g.choice(["'", '"', "`"])
    kw = g.choice(["const", "export const", "let"])
    lines = ["import axios from 'axios';", "", f"{kw} {_camel(n)} = {q}{v}{q};", "", "export default axios.create({ timeout: 5000 });", ""]
    return "src/api.js", lines, 2


def ts_obj(g: random.Random, n: str, v: str) -> tuple[str, list[str], int]:
    lines = ["import { Client } from '@vendor/sdk';", "", "export const client = new Client({", "  region: 'us-east-1',", f"  {_camel(n)}: '{v}',", "});", ""]
    return "src/client.ts", lines, 4


def yaml_nested(g: random.Random, n: str, v: str) -> tuple[str, list[str], int]:
    val = g.choice([v, f'"{v}"', f"'{v}'"])
    lines = ["service:", "  name: billing", "  integrations:", "    provider:", f"      {_snake(n)}: {val}", "      enabled: true", ""]
    return "config/app.yaml", lines, 4


def k8s_env(g: random.Random, n: str, v: str) -> tuple[str, list[str], int]:
    lines = ["apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: worker", "spec:", "  template:", "    spec:", "      containers:", "        - name: worker", "          image: ghcr.io/acme/worker:1.4.2", "          env:", f"            - name: {_upper(n)}", f'              value: "{v}"', ""]
    return "deploy/worker.yaml", lines, 12


def k8s_secret(g: random.Random, n: str, v: str) -> tuple[str, list[str], int]:
    lines = ["apiVersion: v1", "kind: Secret", "metadata:", "  name: app-credentials", "type: Opaque", "stringData:", f"  {_snake(n)}: {v}", ""]
    return "deploy/secret.yaml", lines, 6


def json_nested(g: random.Random, n: str, v: str) -> tuple[str, list[str], int]:
    data = {"name": "worker", "credentials": {_camel(n): v}, "port": 8080}
    lines = json.dumps(data, indent=2).split("\n")
    idx = next(i for i, line in enumerate(lines) if v in line)
    return "config/settings.json", [*lines, ""], idx


def dotenv(g: random.Random, n: str, v: str) -> tuple[str, list[str], int]:
    form = g.choice([f"{_upper(n)}={v}", f'{_upper(n)}="{v}"', f"export {_upper(n)}='{v}'"])
    lines = ["# local settings", "APP_ENV=production", "LOG_LEVEL=info", form, "PORT=8080", ""]
    return ".env", lines, 3


def shell(g: random.Random, n: str, v: str) -> tuple[str, list[str], int]:
    lines = ["#!/usr/bin/env bash", "set -euo pipefail", "", f'export {_upper(n)}="{v}"', "python -m app.worker", ""]
    return "scripts/run.sh", lines, 3


def curl_bearer(g: random.Random, n: str, v: str) -> tuple[str, list[str], int]:
    lines = ["#!/bin/sh", "curl -sS https://api.vendor.io/v2/items \\", f'  -H "Authorization: Bearer {v}" \\', "  -H 'Accept: application/json'", ""]
    return "scripts/list_items.sh", lines, 2


def dockerfile(g: random.Random, n: str, v: str) -> tuple[str, list[str], int]:
    form = g.choice([f"ENV {_upper(n)}={v}", f"ARG {_upper(n)}={v}", f'ENV {_upper(n)}="{v}"'])
    lines = ["FROM python:3.11-slim", "WORKDIR /app", "COPY . .", form, "RUN pip install --no-cache-dir .", 'CMD ["python", "-m", "app"]', ""]
    return "Dockerfile", lines, 3


def terraform_var(g: random.Random, n: str, v: str) -> tuple[str, list[str], int]:
    lines = [f'variable "{_snake(n)}" {{', '  type      = string', f'  default   = "{v}"', "}", ""]
    return "infra/variables.tf", lines, 2


def terraform_provider(g: random.Random, n: str, v: str) -> tuple[str, list[str], int]:
    lines = ['provider "vendor" {', '  region = "eu-central-1"', f'  {_snake(n)} = "{v}"', "}", ""]
    return "infra/main.tf", lines, 2


def java_const(g: random.Random, n: str, v: str) -> tuple[str, list[str], int]:
    lines = ["package com.acme.billing;", "", "public final class Config {", f'    private static final String {_upper(n)} = "{v}";', "", "    private Config() {}", "}", ""]
    return "src/main/java/com/acme/billing/Config.java", lines, 3


def java_props(g: random.Random, n: str, v: str) -> tuple[str, list[str], int]:
    lines = ["server.port=8080", "spring.application.name=billing", f"app.vendor.{_camel(n)}={v}", "logging.level.root=INFO", ""]
    return "src/main/resources/application.properties", lines, 2


def spring_yml(g: random.Random, n: str, v: str) -> tuple[str, list[str], int]:
    lines = ["spring:", "  datasource:", "    url: jdbc:postgresql://db.prod.internal:5432/billing", "    username: billing", f"    {_camel(n)}: {v}", ""]
    return "src/main/resources/application.yml", lines, 4


CONTEXTS: list[Ctx] = [py_module, py_kwarg, py_dict, js_const, ts_obj, yaml_nested, k8s_env, k8s_secret, json_nested, dotenv, shell, dockerfile, terraform_var, terraform_provider, java_const, java_props, spring_yml]


def sa_json(g: random.Random) -> tuple[str, list[str], int, int]:
    pem = pem_block(g, "PRIVATE KEY", 8) + "\n"
    data = {"type": "service_account", "project_id": f"acme-{g.randint(100, 999)}", "private_key_id": r(g, HEX, 40), "private_key": pem, "client_email": "svc@acme.iam.gserviceaccount.com", "client_id": r(g, string.digits, 21)}
    lines = json.dumps(data, indent=2).split("\n")
    idx = next(i for i, line in enumerate(lines) if "private_key\"" in line)
    return "secrets/sa.json", [*lines, ""], idx, idx


def pem_file(g: random.Random) -> tuple[str, list[str], int, int]:
    kind = g.choice(["RSA PRIVATE KEY", "EC PRIVATE KEY", "PRIVATE KEY", "OPENSSH PRIVATE KEY", "ENCRYPTED PRIVATE KEY"][:4])
    lines = pem_block(g, kind).split("\n")
    return g.choice(["deploy/id_rsa", "certs/server.key", "keys/deploy_key"]), [*lines, ""], 0, len(lines) - 1


def pem_in_code(g: random.Random) -> tuple[str, list[str], int, int]:
    block = pem_block(g, g.choice(["RSA PRIVATE KEY", "PRIVATE KEY"]), 6).split("\n")
    lines = ['SIGNING_KEY = """', *block, '"""', ""]
    return "app/signing.py", lines, 1, len(block)


def pem_in_yaml(g: random.Random) -> tuple[str, list[str], int, int]:
    block = pem_block(g, "OPENSSH PRIVATE KEY", 6).split("\n")
    lines = ["deploy:", "  host: bastion.acme.io", "  ssh_key: |", *["    " + b for b in block], ""]
    return "ci/deploy.yaml", lines, 3, 2 + len(block)


def npmrc(g: random.Random) -> tuple[str, list[str], int, int]:
    tok = PROVIDERS["npm"][0](g)
    return ".npmrc", ["registry=https://registry.npmjs.org/", f"//registry.npmjs.org/:_authToken={tok}", ""], 1, 1


def pypirc(g: random.Random) -> tuple[str, list[str], int, int]:
    tok = PROVIDERS["pypi"][0](g)
    return ".pypirc", ["[pypi]", "username = __token__", f"password = {tok}", ""], 2, 2


def compose_prod(g: random.Random) -> tuple[str, list[str], int, int]:
    pw = strong_password(g)
    lines = ["services:", "  api:", "    image: acme/api:2.3", "    environment:", f"      - DATABASE_URL=postgresql://api:{pw}@prod-db.acme.internal:5432/api", ""]
    return "docker-compose.prod.yml", lines, 4, 4


SPECIALS = [sa_json, pem_file, pem_in_code, pem_in_yaml, npmrc, pypirc, compose_prod]


# --------------------------------------------------------------------------- negatives
def _neg_values(g: random.Random) -> list[tuple[str, str, str]]:
    """(kind, name, value) pairs a reviewer would not report, rendered through CONTEXTS."""
    sha = hashlib.sha256(str(g.random()).encode())
    x36 = "x" * 36
    aws_doc_example = "wJalrXUtnFEMI" + "/K7MDENG/bPxRfiCY" + "EXAMPLEKEY"  # the AWS docs' sample
    return [
        ("placeholder-dollar", "api_key", "${API_KEY}"),
        ("placeholder-jinja", "password", "{{ db_password }}"),
        ("placeholder-angle", "api_key", "<your-api-key>"),
        ("placeholder-angle", "token", "<TOKEN>"),
        ("placeholder-x", "GITHUB_TOKEN", "gh" + "p_" + x36),
        ("placeholder-x", "AWS_ACCESS_KEY_ID", "AK" + "IA" + "X" * 16),
        ("placeholder-x", "secret_key", "x" * 40),
        ("placeholder-changeme", "password", "changeme"),
        ("placeholder-example", "AWS_ACCESS_KEY_ID", "AK" + "IAIOSFODNN7" + "EXAMPLE"),
        ("placeholder-example", "aws_secret_access_key", aws_doc_example),
        ("placeholder-redacted", "api_key", "REDACTED"),
        ("placeholder-redacted", "token", "***REDACTED***"),
        ("placeholder-words", "api_key", "your-api-key-here"),
        ("placeholder-words", "OPENAI_API_KEY", "sk-" + "..."),
        ("placeholder-words", "ANTHROPIC_API_KEY", "sk-" + "ant-..."),
        ("placeholder-words", "client_secret", "INSERT_CLIENT_SECRET_HERE"),
        ("placeholder-gha", "NPM_TOKEN", "${{ secrets.NPM_TOKEN }}"),
        ("placeholder-helm", "password", "{{ .Values.db.password }}"),
        ("placeholder-tf", "token", "${var.api_token}"),
        ("dummy", "api_key", "test-api-key"),
        ("dummy", "password", "fake-password"),
        ("dummy", "token", "dummy_token_for_tests"),
        ("dummy", "secret", "not-a-real-secret"),
        ("empty", "password", ""),
        ("hash-sha256", "checksum", sha.hexdigest()),
        ("hash-md5", "etag", hashlib.md5(str(g.random()).encode(), usedforsecurity=False).hexdigest()),
        ("hash-git", "commit", hashlib.sha1(str(g.random()).encode(), usedforsecurity=False).hexdigest()),
        ("hash-git", "revision", hashlib.sha1(str(g.random()).encode(), usedforsecurity=False).hexdigest()),
        ("uuid", "client_id", str(uuid.UUID(int=g.getrandbits(128), version=4))),
        ("uuid", "tenant_id", str(uuid.UUID(int=g.getrandbits(128), version=4))),
        ("uuid", "request_id", str(uuid.UUID(int=g.getrandbits(128), version=4))),
        ("bcrypt", "password_hash", "$2b$12$" + r(g, ALNUM + "./", 53)),
        ("argon2", "password_hash", "$argon2id$v=19$m=65536,t=3,p=4$" + r(g, B64[:-2], 22) + "$" + r(g, B64[:-2], 43)),
        ("publishable", "STRIPE_PUBLISHABLE_KEY", "pk" + "_live_" + _mixed(g, ALNUM, 99)),
        ("publishable", "stripePublishableKey", "pk" + "_live_" + _mixed(g, ALNUM, 24)),
        ("arn", "role_arn", f"arn:aws:iam::{r(g, string.digits, 12)}:role/deploy-{r(g, string.ascii_lowercase, 6)}"),
        ("arn", "secret_arn", f"arn:aws:secretsmanager:eu-west-1:{r(g, string.digits, 12)}:secret:prod/db-{r(g, ALNUM, 6)}"),
        ("local-dev", "DATABASE_URL", "postgres://postgres:postgres@localhost:5432/app"),
        ("local-dev", "database_url", "postgresql://user:password@127.0.0.1:5432/dev"),
        ("local-dev", "REDIS_URL", "redis://localhost:6379/0"),
        ("local-dev", "password", "password"),
        ("local-dev", "BROKER_URL", "amqp://guest:guest@localhost:5672//"),
        ("sri", "integrity", "sha512-" + base64.b64encode(hashlib.sha512(str(g.random()).encode()).digest()).decode()),
        ("sri", "integrity", "sha384-" + base64.b64encode(hashlib.sha384(str(g.random()).encode()).digest()).decode()),
        ("docker-digest", "image", "python@sha256:" + hashlib.sha256(str(g.random()).encode()).hexdigest()),
        ("base64-text", "description", base64.b64encode(g.choice([b"The quick brown fox jumps over the lazy dog again and again", b"Hello from the billing service, have a nice day!"])).decode()),
        ("webpack-chunk", "main_bundle", f"static/js/main.{r(g, HEX, 8)}.chunk.js"),
        ("css-hash", "className", f"_button_{r(g, string.ascii_lowercase + string.digits, 5)}_12"),
        ("name-only", "password_field", "password"),
        ("name-only", "token_type", "Bearer"),
        ("name-only", "secret_name", "prod-db-credentials"),
        ("name-only", "TOKEN_URL", "https://oauth2.googleapis.com/token"),
        ("name-only", "password_reset_path", "/account/password/reset"),
        ("name-only", "auth_header", "Authorization"),
        ("label", "passwordLabel", "Enter your password"),
        ("label", "token_expired_message", "Your session token has expired, please sign in again."),
        ("public-url", "PUBLIC_URL", "https://cdn.acme.io/assets"),
        ("sops", "password", "ENC[AES256_GCM,data:" + r(g, B64, 24) + ",iv:" + r(g, B64, 43) + "=,tag:" + r(g, B64, 22) + "==,type:str]"),
        ("vault-ref", "password", "vault:secret/data/prod/db#password"),
        ("ssm-ref", "api_key", "{{resolve:secretsmanager:prod/api:SecretString:key}}"),
    ]


def _env_lookups() -> list[tuple[str, str, list[str]]]:
    """(kind, filename, lines) of environment look-ups and names without values."""
    return [
        ("env-py", "app/settings.py", ["import os", "", 'API_KEY = os.environ["API_KEY"]', 'DB_PASSWORD = os.getenv("DB_PASSWORD", "")', 'SECRET_KEY = os.environ.get("SECRET_KEY")', ""]),
        ("env-py", "app/conf.py", ["from os import environ", "", "client = Client(api_key=environ['OPENAI_API_KEY'])", "token = settings.GITHUB_TOKEN", ""]),
        ("env-js", "src/config.js", ["export const config = {", "  apiKey: process.env.STRIPE_SECRET_KEY,", "  password: process.env.DB_PASSWORD ?? '',", "  token: import.meta.env.VITE_API_TOKEN,", "};", ""]),
        ("env-ts", "src/env.ts", ["const secret: string = process.env['JWT_SECRET'] as string;", "const { API_KEY: apiKey } = process.env;", "export { secret, apiKey };", ""]),
        ("env-java", "src/main/java/com/acme/Env.java", ["package com.acme;", "", "class Env {", '    static final String API_KEY = System.getenv("API_KEY");', '    static final String PASSWORD = System.getProperty("db.password");', "}", ""]),
        ("env-ruby-shell", "scripts/deploy.sh", ["#!/bin/bash", 'export GITHUB_TOKEN="$GH_TOKEN"', 'curl -H "Authorization: Bearer ${API_TOKEN}" https://api.acme.io/v1/ping', 'PASSWORD="$(cat /run/secrets/db_password)"', 'mysql -u root -p"$MYSQL_PASSWORD" -e "select 1"', ""]),
        ("env-dockerfile", "Dockerfile", ["FROM node:20", "ARG NPM_TOKEN", "ENV API_KEY=${API_KEY}", 'RUN echo "//registry.npmjs.org/:_authToken=${NPM_TOKEN}" > .npmrc', ""]),
        ("env-terraform", "infra/main.tf", ['variable "db_password" {', "  type      = string", "  sensitive = true", "}", "", 'resource "aws_db_instance" "main" {', "  password = var.db_password", '  username = "app"', "}", ""]),
        ("env-terraform", "infra/secrets.tf", ['data "aws_secretsmanager_secret_version" "api" {', "  secret_id = aws_secretsmanager_secret.api.id", "}", "locals {", "  api_token = jsondecode(data.aws_secretsmanager_secret_version.api.secret_string)[\"token\"]", "}", ""]),
        ("env-k8s", "deploy/app.yaml", ["env:", "  - name: DB_PASSWORD", "    valueFrom:", "      secretKeyRef:", "        name: db-credentials", "        key: password", "  - name: API_TOKEN", "    valueFrom:", "      secretKeyRef: {name: api, key: token}", ""]),
        ("env-yaml-gha", ".github/workflows/release.yml", ["jobs:", "  publish:", "    runs-on: ubuntu-latest", "    steps:", "      - run: npm publish", "        env:", "          NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}", "          PYPI_PASSWORD: ${{ secrets.PYPI_TOKEN }}", ""]),
        ("env-compose", "docker-compose.yml", ["services:", "  db:", "    image: postgres:16", "    environment:", "      POSTGRES_PASSWORD: postgres", "      POSTGRES_USER: postgres", "  app:", "    environment:", "      - DATABASE_URL=postgres://postgres:postgres@db:5432/app", "      - SECRET_KEY=${SECRET_KEY}", ""]),
        ("env-spring", "src/main/resources/application.yml", ["spring:", "  datasource:", "    password: ${DB_PASSWORD}", "    username: ${DB_USER:app}", "app:", "  api-key: ${API_KEY:}", ""]),
        ("env-properties", "src/main/resources/application.properties", ["spring.datasource.password=${DB_PASSWORD}", "app.jwt.secret=${JWT_SECRET}", ""]),
        ("env-ruby", "config/initializers/stripe.rb", ["Stripe.api_key = ENV['STRIPE_SECRET_KEY']", "TOKEN = ENV.fetch('API_TOKEN')", ""]),
        ("name-only-py", "app/forms.py", ["class LoginForm(Form):", "    password = PasswordField('Password', validators=[DataRequired()])", "    remember = BooleanField('Remember me')", "", "def check(password: str, token: str | None = None) -> bool:", "    return verify(password=password, token=token)", ""]),
        ("name-only-js", "src/login.ts", ["async function login(username: string, password: string) {", "  const token = await api.auth({ username, password });", "  localStorage.setItem('token', token);", "  return { token, apiKey: config.apiKey };", "}", ""]),
        ("name-only-java", "src/main/java/com/acme/Auth.java", ["class Auth {", "    private final String password;", "    private String apiKey;", "    Auth(String password, String apiKey) { this.password = password; this.apiKey = apiKey; }", "}", ""]),
        ("env-dotenv-empty", ".env.example", ["API_KEY=", "DB_PASSWORD=", "SECRET_KEY=your-secret-key", "STRIPE_SECRET_KEY=sk" + "_live_...", ""]),
    ]


def _blob_files(g: random.Random) -> list[tuple[str, str, list[str]]]:
    png = "iVBORw0KGgoAAAANSUhEUgAA" + r(g, B64, 400)
    pub = "ssh-" + "rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQ" + r(g, B64, 340) + " deploy@ci"
    cert = [DASH5 + "BEGIN CERTIFICATE" + DASH5, *[r(g, B64, 64) for _ in range(8)], DASH5 + "END CERTIFICATE" + DASH5]
    pubkey = [DASH5 + "BEGIN PUBLIC KEY" + DASH5, *[r(g, B64, 64) for _ in range(5)], DASH5 + "END PUBLIC KEY" + DASH5]
    lock = {"name": "web", "lockfileVersion": 3, "packages": {"node_modules/left-pad": {"version": "1.3.0", "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz", "integrity": "sha512-" + base64.b64encode(hashlib.sha512(str(g.random()).encode()).digest()).decode()}}}
    return [
        ("base64-image", "src/icons.js", [f"export const LOGO = 'data:image/png;base64,{png}';", ""]),
        ("base64-image", "assets/theme.json", [json.dumps({"logo": f"data:image/png;base64,{png}"}), ""]),
        ("public-key", "deploy/authorized_keys.yaml", ["users:", "  - name: ci", f"    ssh_authorized_key: {pub}", ""]),
        ("certificate", "certs/ca.yaml", ["tls:", "  ca_cert: |", *["    " + c for c in cert], ""]),
        ("public-key", "app/verify.py", ['PUBLIC_KEY = """', *pubkey, '"""', ""]),
        ("lock-integrity", "web/deps.json", [*json.dumps(lock, indent=2).split("\n"), ""]),
        ("request-ids", "logs/sample.json", [json.dumps({"request_id": r(g, HEX, 32), "trace_id": r(g, HEX, 32), "span_id": r(g, HEX, 16), "status": 200}), ""]),
        ("hash-list", "checksums.sh", ["#!/bin/sh", f"echo '{r(g, HEX, 64)}  app.tar.gz' | sha256sum -c -", f"GIT_SHA={r(g, HEX, 40)}", ""]),
        ("docker-digest", "Dockerfile", [f"FROM python:3.11-slim@sha256:{r(g, HEX, 64)}", "RUN pip install app", ""]),
        ("ansible-vault", "group_vars/prod.yml", ["db_password: !vault |", "  $ANSIBLE_VAULT;1.1;AES256", *["  " + r(g, "0123456789", 1) + r(g, HEX, 79) for _ in range(4)], ""]),
        ("webpack-manifest", "build/manifest.json", [json.dumps({"main.js": f"/static/js/main.{r(g, HEX, 8)}.js", "vendor.js": f"/static/js/vendor.{r(g, HEX, 20)}.js", "contenthash": r(g, HEX, 20)}), ""]),
        ("java-hash", "src/main/java/com/acme/Digests.java", ["class Digests {", f'    static final String EXPECTED_SHA256 = "{r(g, HEX, 64)}";', f'    static final String BUILD_COMMIT = "{r(g, HEX, 40)}";', "}", ""]),
        ("terraform-arn", "infra/iam.tf", ['resource "aws_iam_role_policy_attachment" "x" {', f'  policy_arn = "arn:aws:iam::{r(g, string.digits, 12)}:policy/read-only"', '  role       = "deploy"', "}", ""]),
    ]


# --------------------------------------------------------------------------- second wave (still blind)
def _extra_positives(g: random.Random) -> list[tuple[str, str, list[str], int, int]]:
    """(kind, filename, lines, lo, hi): credentials in less common but real shapes."""
    pw = strong_password(g)
    user = g.choice(["svc", "deploy", "ci-bot"])
    basic = base64.b64encode(f"{user}:{_mixed(g, ALNUM, 18)}".encode()).decode()
    pem = pem_block(g, "RSA PRIVATE KEY", 6).replace("\n", "\\n")
    maps_key, firebase_key = PROVIDERS["google-api"][0](g), PROVIDERS["google-api"][0](g)
    return [
        ("aws-credentials-ini", "aws/credentials", ["[default]", f"aws_access_key_id = {aws_id(g)}", f"aws_secret_access_key = {aws_secret(g)}", "region = eu-west-1", ""], 1, 2),
        ("jdbc-password", "src/main/resources/application.properties", [f"spring.datasource.url=jdbc:mysql://db.prod.internal:3306/app?user=app&password={_mixed(g, ALNUM, 16)}", ""], 0, 0),
        ("adonet-password", "config/appsettings.json", ["{", '  "ConnectionStrings": {', f'    "Default": "Server=sql.prod.internal;Database=app;User Id=app;Password={_mixed(g, ALNUM, 18)};"', "  }", "}", ""], 2, 2),
        ("curl-basic", "scripts/upload.sh", ["#!/bin/sh", f"curl -u {user}:{_mixed(g, ALNUM, 18)} -T build.zip https://nexus.acme.io/repository/raw/", ""], 1, 1),
        ("basic-header", "src/http.ts", ["export const headers = {", f"  Authorization: 'Basic {basic}',", "};", ""], 1, 1),
        ("docker-login", "ci/publish.sh", ["#!/bin/sh", f"docker login -u {user} -p {_mixed(g, ALNUM, 20)} registry.acme.io", ""], 1, 1),
        ("api-key-header", "app/vendor.py", ["import httpx", "", f'HEADERS = {{"X-API-Key": "{_mixed(g, ALNUM, 40)}", "Accept": "application/json"}}', ""], 2, 2),
        ("java-setter", "src/main/java/com/acme/Mail.java", ["class Mail {", "    void init(Session s) {", f'        s.setPassword("{pw}");', "    }", "}", ""], 2, 2),
        ("tf-db-password", "infra/db.tf", ['resource "aws_db_instance" "main" {', '  engine   = "postgres"', '  username = "app"', f'  password = "{pw}"', "}", ""], 3, 3),
        ("pem-env-escaped", ".env", ["APP_ENV=production", f'PRIVATE_KEY="{pem}"', ""], 1, 1),
        ("git-remote-token", "scripts/mirror.sh", ["#!/bin/sh", f"git push https://x-access-token:{'gh' + 'p_' + _mixed(g, ALNUM, 36)}@github.com/acme/app.git HEAD", ""], 1, 1),
        ("yaml-list-password", "ansible/hosts.yml", ["all:", "  hosts:", "    db1:", "      ansible_user: admin", f"      ansible_password: {pw}", ""], 4, 4),
        ("mysql-cli", "scripts/backup.sh", ["#!/bin/sh", f"mysqldump -h db.prod.internal -u backup -p'{pw}' app > app.sql", ""], 1, 1),
        ("python-neutral-google", "app/maps.py", [f'gmaps = googlemaps.Client(key="{maps_key}")', ""], 0, 0),
        ("js-firebase", "src/firebase.js", ["const firebaseConfig = {", f'  apiKey: "{firebase_key}",', '  authDomain: "acme-app.firebaseapp.com",', "};", ""], 1, 1),
    ]


def _extra_negatives(g: random.Random) -> list[tuple[str, str, list[str]]]:
    """(kind, filename, lines) of secret-looking code that holds no credential."""
    return [
        ("regex-pattern", "app/patterns.py", ["import re", "", 'TOKEN_RE = re.compile(r"gh' + 'p_[A-Za-z0-9]{36}")', 'KEY_RE = re.compile(r"AK' + 'IA[0-9A-Z]{16}")', 'PASSWORD_RE = r"^(?=.*[A-Z])(?=.*\\d).{8,}$"', ""]),
        ("generated", "app/tokens.py", ["import secrets", "import getpass", "", "secret = secrets.token_hex(32)", "password = getpass.getpass()", 'token = request.headers.get("Authorization")', "api_key = generate_api_key(prefix='live')", ""]),
        ("masked", "config/app.yaml", ["db:", '  password: "********"', "  api_key: '••••••••'", ""]),
        ("comment-example", "README.sh", ["# export API_KEY=your_key_here", "# curl -H 'Authorization: Bearer <token>' https://api.acme.io", "echo done", ""]),
        ("i18n", "locales/en.json", [json.dumps({"password": "Password", "password_too_short": "Password must be at least 8 characters", "token_expired": "Your token has expired", "secret_question": "What was the name of your first pet?"}, indent=2), ""]),
        ("i18n", "locales/de.yaml", ["de:", "  password: Passwort", "  forgot_password: Passwort vergessen?", "  api_key: API-Schlüssel", ""]),
        ("cfn-ref", "infra/stack.yaml", ["Resources:", "  Db:", "    Type: AWS::RDS::DBInstance", "    Properties:", "      MasterUserPassword: !Ref DbPassword", "      MasterUsername: '{{resolve:ssm:/app/db/user}}'", ""]),
        ("tf-random", "infra/random.tf", ['resource "random_password" "db" {', "  length  = 32", "  special = true", "}", 'output "db_password" {', "  value     = random_password.db.result", "  sensitive = true", "}", ""]),
        ("url-no-password", "config/urls.env", [f"SENTRY_DSN=https://{r(g, HEX, 32)}@o{r(g, string.digits, 6)}.ingest.sentry.io/{r(g, string.digits, 7)}", "MONGO_URL=mongodb://localhost:27017/app", "REDIS_URL=redis://cache:6379/0", "DATABASE_URL=postgres://app:${DB_PASSWORD}@db.prod.internal:5432/app", ""]),
        ("oauth-client-id", "src/auth.ts", [f"export const GOOGLE_CLIENT_ID = '{r(g, string.digits, 12)}-{r(g, string.ascii_lowercase + string.digits, 32)}.apps.googleusercontent.com';", ""]),
        ("ssh-ed25519", "deploy/keys.tf", ['resource "aws_key_pair" "deploy" {', '  key_name   = "deploy"', f'  public_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI{r(g, B64, 43)} ci@acme"', "}", ""]),
        ("config-numbers", "app/limits.py", ["TOKEN_TTL_SECONDS = 3600", 'API_VERSION = "2023-10-16"', "PASSWORD_MIN_LENGTH = 12", 'SECRET_BACKEND = "aws-secretsmanager"', 'TOKEN_ENDPOINT = "/oauth/token"', ""]),
        ("go-sum-like", "deps/sums.json", [json.dumps({"golang.org/x/text": "h1:" + base64.b64encode(hashlib.sha256(str(g.random()).encode()).digest()).decode()}), ""]),
        ("test-fixture", "app/fixtures.py", ['TEST_USER = {"username": "alice", "password": "test-password"}', 'FAKE_TOKEN = "fake-token"', 'MOCK_API_KEY = "mock-api-key-123"', ""]),
        ("js-template", "src/fetcher.js", ["export async function get(url, token) {", "  return fetch(url, { headers: { Authorization: `Bearer ${token}` } });", "}", ""]),
        ("java-annotation", "src/main/java/com/acme/Props.java", ["class Props {", '    @Value("${app.api.key}")', "    private String apiKey;", '    @Value("${spring.datasource.password}")', "    private String password;", "}", ""]),
    ]


NEG_CONTEXTS: list[Ctx] = [py_module, py_kwarg, py_dict, js_const, ts_obj, yaml_nested, k8s_env, json_nested, dotenv, shell, dockerfile, terraform_var, java_const, java_props, spring_yml]


def build_blind(seed: int = 1) -> list[BlindSample]:
    g = random.Random(seed)
    samples: list[BlindSample] = []

    def add(kind: str, fname: str, lines: list[str], positive: bool, lo: int = 0, hi: int = 0) -> None:
        path = f"{'pos' if positive else 'neg'}/{len(samples):04d}/{fname}"
        samples.append(BlindSample(path, "\n".join(lines), positive, kind, (lo + 1, hi + 1) if positive else (0, 0)))

    for kind, (make, names) in PROVIDERS.items():
        for _ in range(8):
            ctx = g.choice([curl_bearer, py_bearer] * (kind in ("jwt", "github-classic", "generic-token")) + CONTEXTS)
            fname, lines, idx = ctx(g, g.choice(names), make(g))
            add(kind, fname, lines, True, idx, idx)
    for special in SPECIALS:
        for _ in range(4):
            fname, lines, lo, hi = special(g)
            add(special.__name__, fname, lines, True, lo, hi)
    for _ in range(5):
        for kind, name, value in _neg_values(g):
            ctx = g.choice(NEG_CONTEXTS)
            fname, lines, _idx = ctx(g, name, value)
            add(kind, fname, lines, False)
    for kind, fname, lines in _env_lookups():
        add(kind, fname, lines, False)
    for _ in range(3):
        for kind, fname, lines in _blob_files(g):
            add(kind, fname, lines, False)
    for _ in range(3):
        for kind, fname, lines, lo, hi in _extra_positives(g):
            add(kind, fname, lines, True, lo, hi)
        for kind, fname, lines in _extra_negatives(g):
            add(kind, fname, lines, False)
    return samples


def write_blind(directory: Path, samples: list[BlindSample]) -> None:
    for sample in samples:
        path = directory / sample.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(sample.text, encoding="utf-8")
# fmt: on

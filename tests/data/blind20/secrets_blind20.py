#!/usr/bin/env python3
"""Blind secrets corpus, round 20 (independent author, written without reading the detectors).

    python3 secrets_blind20.py OUTDIR --seed N

Writes small files in many formats into OUTDIR plus OUTDIR/labels.json: a list of
{"file": relative path, "line": 1-based line, "label": "secret" | "not_secret", "kind": str}.
Only labelled lines are scored. A value on a continuation line is labelled on that line; a PEM
private key on its BEGIN line. Every secret body is drawn from random.Random(seed) at run time and
provider prefixes are assembled from pieces, so this source holds no live-looking key.
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

U, L, D = string.ascii_uppercase, string.ascii_lowercase, string.digits
AN = U + L + D
HEX = "0123456789abcdef"
PUN = "!@%^&*-_=+.?~#"

P = {k: a + b for k, (a, b) in {
    "akia": ("AK", "IA"), "ghp": ("gh", "p_"), "ghs": ("gh", "s_"), "pat": ("github", "_pat_"),
    "glpat": ("gl", "pat-"), "sk_live": ("sk", "_live_"), "rk_live": ("rk", "_live_"),
    "whsec": ("wh", "sec_"), "xoxb": ("xo", "xb-"), "xoxp": ("xo", "xp-"),
    "slackhook": ("https://hooks.", "slack.com/services/"), "skproj": ("sk", "-proj-"),
    "skant": ("sk", "-ant-api03-"), "aiza": ("AI", "za"), "sg": ("S", "G."), "npm": ("np", "m_"),
    "pypi": ("py", "pi-"), "hf": ("h", "f_"), "shpat": ("shp", "at_"), "dop": ("do", "p_v1_"),
    "gsk": ("gs", "k_"), "discord": ("https://discord.", "com/api/webhooks/"),
    "pk_live": ("pk", "_live_"), "xai": ("xa", "i-"), "lin": ("lin", "_api_"),
    "dckr": ("dckr", "_pat_"), "pem": ("-----BEGIN ", "RSA PRIVATE KEY-----"),
    "pemec": ("-----BEGIN ", "EC PRIVATE KEY-----"), "pub": ("-----BEGIN ", "PUBLIC KEY-----"),
}.items()}


class Gen:
    def __init__(self, seed: int):
        self.r = random.Random(seed)

    def s(self, n, alpha=AN):
        return "".join(self.r.choice(alpha) for _ in range(n))

    # ---- secrets: (kind, keyname, value)
    def secret(self):
        r = self.r
        s = self.s
        opts = [
            ("aws_key_id", "AWS_ACCESS_KEY_ID", P["akia"] + s(16, U + "234567")),
            ("aws_secret", "AWS_SECRET_ACCESS_KEY", s(40, AN + "+/")),
            ("github_pat", "GITHUB_TOKEN", P["ghp"] + s(36)),
            ("github_fine", "GH_TOKEN", P["pat"] + s(22) + "_" + s(59)),
            ("github_app", "GITHUB_APP_TOKEN", P["ghs"] + s(36)),
            ("gitlab", "GITLAB_TOKEN", P["glpat"] + s(20, AN + "-_")),
            ("stripe_secret", "STRIPE_SECRET_KEY", P["sk_live"] + s(24) + s(r.randint(0, 75))),
            ("stripe_restricted", "STRIPE_RESTRICTED_KEY", P["rk_live"] + s(24)),
            ("stripe_webhook", "STRIPE_WEBHOOK_SECRET", P["whsec"] + s(32)),
            ("slack_bot", "SLACK_BOT_TOKEN", P["xoxb"] + s(11, D) + "-" + s(12, D) + "-" + s(24)),
            ("slack_user", "SLACK_USER_TOKEN", P["xoxp"] + s(11, D) + "-" + s(11, D) + "-" + s(12, D) + "-" + s(32, HEX)),
            ("slack_webhook", "SLACK_WEBHOOK_URL", P["slackhook"] + "T" + s(8, U + D) + "/B" + s(8, U + D) + "/" + s(24)),
            ("discord_webhook", "DISCORD_WEBHOOK", P["discord"] + s(18, D) + "/" + s(68, AN + "-_")),
            ("openai", "OPENAI_API_KEY", P["skproj"] + s(48, AN + "-_") + "T3Blbk" + "FJ" + s(48, AN + "-_")),
            ("anthropic", "ANTHROPIC_API_KEY", P["skant"] + s(93, AN + "-_") + "AA"),
            ("google_api", "GOOGLE_API_KEY", P["aiza"] + s(35, AN + "-_")),
            ("sendgrid", "SENDGRID_API_KEY", P["sg"] + s(22, AN + "-_") + "." + s(43, AN + "-_")),
            ("npm", "NPM_TOKEN", P["npm"] + s(36)),
            ("pypi", "PYPI_TOKEN", P["pypi"] + "AgEIcHlwaS5vcmc" + s(60, AN + "-_")),
            ("huggingface", "HF_TOKEN", P["hf"] + s(34, U + L)),
            ("shopify", "SHOPIFY_ACCESS_TOKEN", P["shpat"] + s(32, HEX)),
            ("digitalocean", "DO_TOKEN", P["dop"] + s(64, HEX)),
            ("groq", "GROQ_API_KEY", P["gsk"] + s(52)),
            ("xai", "XAI_API_KEY", P["xai"] + s(80)),
            ("linear", "LINEAR_API_KEY", P["lin"] + s(40)),
            ("docker_pat", "DOCKERHUB_TOKEN", P["dckr"] + s(27, AN + "-_")),
            ("telegram", "TELEGRAM_BOT_TOKEN", s(10, D) + ":AA" + s(33, AN + "-_")),
            ("twilio_auth", "TWILIO_AUTH_TOKEN", s(32, HEX)),
            ("datadog", "DD_API_KEY", s(32, HEX)),
            ("mailgun", "MAILGUN_API_KEY", "key-" + s(32, HEX)),
            ("password", "DB_PASSWORD", s(r.randint(12, 22), AN + PUN)),
            ("password_human", "ADMIN_PASSWORD", r.choice(["Winter", "Falcon", "Marble", "Copper", "Juniper"]) + r.choice(["!", "#", "@", "$"]) + s(4, D) + s(3, L)),
            ("generic_secret", "SESSION_SECRET", s(48, AN + "-_")),
            ("generic_api_key", "api_key", s(40)),
            ("jwt_secret", "JWT_SIGNING_KEY", s(64, HEX)),
            ("db_url", "DATABASE_URL", "postgres://app_" + s(4, L) + ":" + s(18, AN + "-_~") + "@db-" + s(5, L) + ".internal:5432/prod"),
            ("db_url", "MONGO_URI", "mongodb+srv://svc:" + s(20, AN) + "@cluster0." + s(5, L) + ".mongodb.net/app?retryWrites=true"),
            ("db_url", "REDIS_URL", "redis://default:" + s(24, AN) + "@cache." + s(6, L) + ".io:6379/0"),
            ("db_url", "AMQP_URL", "amqps://worker:" + s(16, AN + "._") + "@mq.example-corp.net/vhost"),
            ("azure_storage", "AZURE_STORAGE_CONNECTION_STRING", "DefaultEndpointsProtocol=https;AccountName=st" + s(8, L + D) + ";AccountKey=" + s(86, AN + "+/") + "==;EndpointSuffix=core.windows.net"),
            ("jwt", "AUTH_BEARER", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + base64.urlsafe_b64encode(json.dumps({"sub": s(8, D), "role": "admin", "iat": r.randint(1.7e9, 1.8e9)}).encode()).decode().rstrip("=") + "." + s(43, AN + "-_")),
        ]
        return r.choice(opts)

    # ---- not secrets: (kind, keyname, value)
    def nonsecret(self):
        r = self.r
        s = self.s
        mk = r.choice(["TEST", "EXAMPLE", "DUMMY", "FAKE", "SAMPLE"])
        opts = [
            ("placeholder", "API_KEY", "<your-api-key>"),
            ("placeholder", "DB_PASSWORD", "changeme"),
            ("placeholder", "GITHUB_TOKEN", P["ghp"] + "x" * 36),
            ("placeholder", "STRIPE_SECRET_KEY", "sk_" + mk.lower() + "_" + "x" * 24),
            ("placeholder", "SECRET_KEY", "YOUR_" + mk + "_SECRET_HERE"),
            ("placeholder", "AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY"),
            ("placeholder", "AWS_ACCESS_KEY_ID", P["akia"] + "IOSFODNN7" + "EXAMPLE"),
            ("placeholder", "password", "********"),
            ("placeholder", "OPENAI_API_KEY", "sk-..."),
            ("env_ref", "DB_PASSWORD", "${DB_PASSWORD}"),
            ("env_ref", "API_TOKEN", "${{ secrets.API_TOKEN }}"),
            ("template", "password", "{{ vault_db_password }}"),
            ("env_ref", "SLACK_TOKEN", "$SLACK_TOKEN"),
            ("git_sha", "commit", s(40, HEX)),
            ("sha256", "checksum", hashlib.sha256(s(12).encode()).hexdigest()),
            ("uuid", "request_id", str(uuid.UUID(int=r.getrandbits(128)))),
            ("base64_text", "banner", base64.b64encode(r.choice([b"Welcome to the staging cluster", b"log_level=info\nport=8080", b"maintenance window sunday"])).decode()),
            ("path", "ssh_key_file", "~/.ssh/id_ed25519"),
            ("path", "TLS_KEY_PATH", "/etc/ssl/private/server.key"),
            ("empty", "REDIS_PASSWORD", ""),
            ("public_id", "STRIPE_PUBLISHABLE_KEY", P["pk_live"] + s(24)),
            ("numeric", "account_id", s(12, D)),
            ("db_url_nopw", "DATABASE_URL", "postgres://app@localhost:5432/dev"),
            ("boolean", "token_auth_enabled", "true"),
            ("keyname", "password_min_length", str(r.randint(8, 16))),
            ("ssh_pub", "deploy_pubkey", "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + s(43, AN + "+/") + " deploy@ci"),
            ("image_digest", "image", "ghcr.io/acme/api@sha256:" + s(64, HEX)),
        ]
        return r.choice(opts)


def render(fmt, key, val, g):
    """Return list of lines and index (0-based) of the value-holding line."""
    lk = key.lower()
    if fmt == "env":
        q = g.r.choice(["", '"', "'"]) if val and " " not in val else '"'
        return [f"{key}={q}{val}{q}"], 0
    if fmt == "yaml":
        if g.r.random() < 0.3 and val:
            return [f"{lk}: >-", f"  {val}"], 1
        return [f"{lk}: \"{val}\""], 0
    if fmt == "json":
        return [f'  "{lk}": {json.dumps(val)},'], 0
    if fmt == "toml":
        return [f'{lk} = {json.dumps(val)}'], 0
    if fmt == "ini":
        return [f"{lk} = {val}"], 0
    if fmt == "sh":
        if g.r.random() < 0.3:
            return [f"curl -s -X POST https://api.internal/v1/sync \\", f"  -H \"X-{key.title().replace('_', '-')}: {val}\" \\", "  -d @payload.json"], 1
        return [f"export {key}='{val}'"], 0
    if fmt == "py":
        if g.r.random() < 0.3:
            return [f"{key} = (", f"    \"{val}\"", ")"], 1
        return [f"{key} = {json.dumps(val)}"], 0
    if fmt == "js":
        return [f"  {lk.replace('_', '')}: '{val}',"], 0
    if fmt == "go":
        return [f"\t{key.title().replace('_', '')} = \"{val}\""], 0
    if fmt == "java":
        return [f"    private static final String {key} =", f"        \"{val}\";"], 1
    if fmt == "docker":
        return [f"ENV {key}=\"{val}\""], 0
    if fmt == "tf":
        return [f"  {lk} = \"{val}\""], 0
    if fmt == "k8s":
        return [f"        - name: {key}", f"          value: \"{val}\""], 1
    if fmt == "compose":
        return [f"      {key}: \"{val}\""], 0
    if fmt == "props":
        return [f"app.{lk.replace('_', '.')}={val}"], 0
    raise ValueError(fmt)


HEADERS = {
    "env": ("app/.env.production", ["# production settings"], []),
    "yaml": ("config/settings.yaml", ["service:", "  name: billing"], []),
    "json": ("config/credentials.json", ["{"], ['  "version": 3', "}"]),
    "toml": ("pyproject.local.toml", ["[tool.deploy]"], []),
    "ini": ("conf/app.ini", ["[main]"], []),
    "sh": ("scripts/deploy.sh", ["#!/usr/bin/env bash", "set -euo pipefail"], []),
    "py": ("src/settings_local.py", ['"""Local settings."""', "import os"], []),
    "js": ("web/config.js", ["module.exports = {"], ["};"]),
    "go": ("cmd/server/config.go", ["package main", "", "var ("], [")"]),
    "java": ("src/main/java/com/acme/Keys.java", ["package com.acme;", "", "public final class Keys {"], ["}"]),
    "docker": ("Dockerfile", ["FROM python:3.12-slim", "WORKDIR /app"], ['CMD ["python", "-m", "app"]']),
    "tf": ("infra/main.tf", ['resource "acme_service" "api" {'], ["}"]),
    "k8s": ("k8s/deployment.yaml", ["apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: api",
                                    "spec:", "  template:", "    spec:", "      containers:", "      - name: api",
                                    "        image: acme/api:1.4", "        env:"], []),
    "compose": ("docker-compose.yml", ["services:", "  api:", "    image: acme/api", "    environment:"], []),
    "props": ("src/main/resources/application.properties", ["# spring"], []),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    g = Gen(a.seed)
    out = Path(a.outdir)
    labels = []
    files = {}

    def emit(path, lines, labs):
        files[path] = lines
        for idx, lab, kind in labs:
            labels.append({"file": path, "line": idx + 1, "label": lab, "kind": kind})

    for fmt, (path, head, tail) in HEADERS.items():
        lines = list(head)
        labs = []
        seen = {}
        n = 16 if fmt != "env" else 22
        for i in range(n):
            is_sec = i % 2 == 0
            kind, key, val = g.secret() if is_sec else g.nonsecret()
            if fmt == "json" and i == n - 1:
                pass
            seen[key] = seen.get(key, 0) + 1
            if seen[key] > 1:
                key = f"{key}_{seen[key]}"
            block, vi = render(fmt, key, val, g)
            labs.append((len(lines) + vi, "secret" if is_sec else "not_secret", kind))
            lines.extend(block)
        if fmt == "json":
            lines[-1] = lines[-1]  # trailing comma handled by "version" line after
        lines.extend(tail)
        emit(path, lines, labs)

    # PEM files
    body = [g.s(64, AN + "+/") for _ in range(8)]
    emit("keys/server.key", [P["pem"]] + body + ["-----END RSA PRIVATE KEY-----"], [(0, "secret", "pem_private")])
    emit("keys/signing.pem", [P["pemec"]] + body[:3] + ["-----END EC PRIVATE KEY-----"], [(0, "secret", "pem_private")])
    emit("keys/verify.pub", [P["pub"]] + body[3:7] + ["-----END PUBLIC KEY-----"], [(0, "not_secret", "pem_public")])

    # .npmrc / .pypirc / netrc
    npm = P["npm"] + g.s(36)
    emit(".npmrc", ["registry=https://registry.npmjs.org/",
                    f"//registry.npmjs.org/:_authToken={npm}",
                    "//npm.pkg.github.com/:_authToken=${NPM_GH_TOKEN}",
                    "_auth=" + base64.b64encode(f"ci:{g.s(16)}".encode()).decode()],
         [(1, "secret", "npm"), (2, "not_secret", "env_ref"), (3, "secret", "npm_auth")])
    emit(".pypirc", ["[distutils]", "index-servers = pypi testpypi", "[pypi]", "username = __token__",
                     "password = " + P["pypi"] + "AgEIcHlwaS5vcmc" + g.s(70, AN + "-_"),
                     "[testpypi]", "username = __token__", "password = <paste testpypi token>"],
         [(3, "not_secret", "username"), (4, "secret", "pypi"), (7, "not_secret", "placeholder")])
    emit("home/.netrc", ["machine api.heroku.com", "  login ops@acme.io", "  password " + g.s(36, HEX + "-"),
                         "machine git.acme.io login deploy password " + g.s(14, AN + PUN),
                         "machine example.com login user password PASSWORD"],
         [(2, "secret", "netrc"), (3, "secret", "netrc"), (4, "not_secret", "placeholder")])

    # Prose: commit messages, issue text, chat log, markdown
    k1, n1, v1 = g.secret()
    k2, n2, v2 = g.secret()
    k3, n3, v3 = g.secret()
    k4, n4, v4 = g.secret()
    emit("COMMIT_EDITMSG-1", ["Fix flaky upload test", "", f"temporarily hardcode token {v1} until vault is back",
                              "Rotate OPENAI_API_KEY after merging; the key name lives in .env.example."],
         [(2, "secret", k1), (3, "not_secret", "key_name_prose")])
    emit("COMMIT_EDITMSG-2", ["Revert \"Add staging creds\"", "", f"This reverts commit {g.s(40, HEX)}.",
                              "The STRIPE_SECRET_KEY variable must now come from the secret manager."],
         [(2, "not_secret", "git_sha"), (3, "not_secret", "key_name_prose")])
    emit("docs/issue-482.md", ["## Login fails on staging", "", "Steps: run `make seed` then log in with the key below.",
                               f"I used `{n2}={v2}` and got a 401.",
                               "Expected: the `SENDGRID_API_KEY` env var should be read from the secret store.",
                               "Set `api_key: <your key here>` in config.yaml to reproduce."],
         [(3, "secret", k2), (4, "not_secret", "key_name_prose"), (5, "not_secret", "placeholder")])
    emit("logs/chat-export.txt", ["[09:14] dana: can someone share the staging db creds?",
                                  f"[09:15] omar: here you go {v3}",
                                  "[09:15] dana: thanks, also what's the format of HF_TOKEN?",
                                  "[09:16] omar: it starts with hf_ followed by letters, see the docs",
                                  f"[09:17] omar: pw for the grafana admin is {g.s(15, AN + PUN)}",
                                  "[09:20] lee: please don't paste secrets here, rotate them"],
         [(1, "secret", k3), (2, "not_secret", "key_name_prose"), (3, "not_secret", "doc_prose"),
          (4, "secret", "password"), (5, "not_secret", "prose")])
    emit("README.md", ["# Setup", "", "Copy `.env.example` to `.env` and set `GITHUB_TOKEN`.", "",
                       "```bash", "export GITHUB_TOKEN=" + P["ghp"] + "X" * 36, "```",
                       "", f"Integration checksum: sha256:{hashlib.sha256(b'v1.2.0').hexdigest()}",
                       f"Old CI used `{n4}: {v4}` (leaked, rotated 2026-11-02)."],
         [(2, "not_secret", "key_name_prose"), (5, "not_secret", "placeholder"), (8, "not_secret", "sha256"),
          (9, "secret", k4)])
    integ = "sha512-" + base64.b64encode(hashlib.sha512(g.s(10).encode()).digest()).decode()
    emit("package-lock.json", ["{", '  "packages": {', '    "node_modules/left-pad": {',
                               '      "version": "1.3.0",', f'      "integrity": "{integ}"', "    }", "  }", "}"],
         [(4, "not_secret", "integrity")])

    # Kubernetes Secret with base64 data, and a connection string file
    pw = g.s(20, AN + PUN)
    emit("k8s/secret.yaml", ["apiVersion: v1", "kind: Secret", "metadata:", "  name: db", "type: Opaque", "data:",
                             "  password: " + base64.b64encode(pw.encode()).decode(),
                             "  username: " + base64.b64encode(b"app").decode()],
         [(6, "secret", "k8s_secret_b64"), (7, "not_secret", "base64_text")])
    emit("conf/connections.txt",
         [f"Server=tcp:sql-{g.s(5, L)}.database.windows.net,1433;Database=app;User ID=svc;Password={g.s(16, AN + PUN)};Encrypt=true",
          f"jdbc:mysql://db.internal:3306/shop?user=shop&password={g.s(14, AN)}",
          "jdbc:postgresql://localhost:5432/dev?user=dev",
          "Server=localhost;Database=app;Trusted_Connection=True;"],
         [(0, "secret", "conn_string"), (1, "secret", "jdbc"), (2, "not_secret", "db_url_nopw"),
          (3, "not_secret", "conn_string_nopw")])

    out.mkdir(parents=True, exist_ok=True)
    for path, lines in files.items():
        p = out / path
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("\n".join(lines) + "\n")
    (out / "labels.json").write_text(json.dumps(labels, indent=1))


if __name__ == "__main__":
    main()

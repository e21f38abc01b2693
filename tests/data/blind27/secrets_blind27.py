#!/usr/bin/env python3
"""Blind secrets corpus, round 27 (independent author, written without reading the scanner).

    python3 secrets_blind27.py OUTDIR --seed N

Writes a small fake repository (about 55 files of many kinds) into OUTDIR plus OUTDIR/labels.json:
a list of {"file", "line" (1-based), "label": "secret" | "not_secret", "kind"}.  Only labelled lines
are scored.  Every token body is drawn from random.Random(seed) at run time; provider prefixes are
assembled from pieces so this source holds no live-looking credential.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import random
import string
from pathlib import Path

UP = string.ascii_uppercase
LO = string.ascii_lowercase
DG = string.digits
HEX = "0123456789abcdef"
AN = UP + LO + DG
B64 = AN + "+/"
US = AN + "-_"
PUNCT = "!@^*-_=+.?~"
URLPW = AN + "-_~"

# prefixes assembled from pieces
P = {
    "akia": "AK" + "IA", "asia": "AS" + "IA", "ghp": "gh" + "p_", "gho": "gh" + "o_", "ghs": "gh" + "s_",
    "ghpat": "github" + "_pat_", "glpat": "gl" + "pat-", "glrt": "gl" + "rt-", "xoxb": "xo" + "xb-",
    "xoxp": "xo" + "xp-", "slackhook": "https://hooks." + "slack.com/services/", "sklive": "sk" + "_live_",
    "rklive": "rk" + "_live_", "sktest": "sk" + "_test_", "pklive": "pk" + "_live_", "whsec": "wh" + "sec_",
    "skproj": "sk" + "-proj-", "skant": "sk" + "-ant-api03-", "aiza": "AI" + "za", "sg": "S" + "G.",
    "npm": "np" + "m_", "pypi": "py" + "pi-", "hf": "h" + "f_", "twsk": "S" + "K", "twac": "A" + "C",
    "shpat": "shp" + "at_", "shpss": "shp" + "ss_", "dop": "do" + "p_v1_", "dapi": "da" + "pi",
    "dpst": "dp" + ".st.", "hvs": "hv" + "s.", "pmak": "PM" + "AK-", "lin": "lin" + "_api_",
    "sntrys": "sntr" + "ys_", "glsa": "gl" + "sa_", "glc": "gl" + "c_", "mgkey": "ke" + "y-",
    "discordhook": "https://discord." + "com/api/webhooks/", "dashes": "-" * 5,
}


def pem(kind: str, end: bool = False) -> str:
    return P["dashes"] + ("END " if end else "BEGIN ") + kind + P["dashes"]


class Repo:
    def __init__(self, out: Path, r: random.Random):
        self.out, self.r, self.labels, self.files = out, r, [], []

    def file(self, path: str) -> "F":
        f = F(self, path)
        self.files.append(f)
        return f

    def write(self):
        seen = set()
        for f in self.files:
            p = self.out / f.path
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text("\n".join(f.lines) + "\n", encoding="utf-8")
            for (ln, lab, kind) in f.labs:
                assert f.lines[ln - 1].strip(), (f.path, ln)
                assert (f.path, ln) not in seen
                seen.add((f.path, ln))
                self.labels.append({"file": f.path, "line": ln, "label": lab, "kind": kind})
        (self.out / "labels.json").write_text(json.dumps(self.labels, indent=1) + "\n")


class F:
    def __init__(self, repo: Repo, path: str):
        self.repo, self.path, self.lines, self.labs = repo, path, [], []

    def l(self, *lines: str) -> "F":
        for x in lines:
            self.lines.extend(x.split("\n"))
        return self

    def s(self, line: str, kind: str) -> "F":
        self.lines.append(line)
        self.labs.append((len(self.lines), "secret", kind))
        return self

    def n(self, line: str, kind: str) -> "F":
        self.lines.append(line)
        self.labs.append((len(self.lines), "not_secret", kind))
        return self


class Gen:
    def __init__(self, r: random.Random):
        self.r = r

    def c(self, alphabet: str, n: int) -> str:
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def hex(self, n):
        return self.c(HEX, n)

    # ---- provider tokens
    def aws_id(self): return P["akia"] + self.c(UP + "234567", 16)
    def aws_sts_id(self): return P["asia"] + self.c(UP + "234567", 16)
    def aws_secret(self): return self.c(B64, 40)
    def ghp(self): return P["ghp"] + self.c(AN, 36)
    def gho(self): return P["gho"] + self.c(AN, 36)
    def ghs(self): return P["ghs"] + self.c(AN, 36)
    def ghpat(self): return P["ghpat"] + self.c(AN, 22) + "_" + self.c(AN, 59)
    def glpat(self): return P["glpat"] + self.c(US, 20)
    def glrt(self): return P["glrt"] + self.c(US, 20)
    def xoxb(self): return P["xoxb"] + self.c(DG, 12) + "-" + self.c(DG, 13) + "-" + self.c(AN, 24)
    def xoxp(self): return P["xoxp"] + self.c(DG, 12) + "-" + self.c(DG, 12) + "-" + self.c(DG, 13) + "-" + self.hex(32)
    def slackhook(self): return P["slackhook"] + "T" + self.c(UP + DG, 8) + "/B" + self.c(UP + DG, 10) + "/" + self.c(AN, 24)
    def sklive(self): return P["sklive"] + self.c(AN, 99)
    def rklive(self): return P["rklive"] + self.c(AN, 99)
    def whsec(self): return P["whsec"] + self.c(AN, 32)
    def pklive(self): return P["pklive"] + self.c(AN, 99)
    def openai(self): return P["skproj"] + self.c(US, 74) + "T3Blbk" + "FJ" + self.c(US, 74)
    def anthropic(self): return P["skant"] + self.c(US, 93) + "AA"
    def google(self): return P["aiza"] + "Sy" + self.c(US, 33)
    def azure_key(self): return self.c(B64, 86) + "=="
    def npm(self): return P["npm"] + self.c(AN, 36)
    def pypi(self): return P["pypi"] + "AgEIcHlwaS5vcmc" + self.c(US, 70)
    def hf(self): return P["hf"] + self.c(UP + LO, 34)
    def twsk(self): return P["twsk"] + self.hex(32)
    def twac(self): return P["twac"] + self.hex(32)
    def sendgrid(self): return P["sg"] + self.c(US, 22) + "." + self.c(US, 43)
    def shpat(self): return P["shpat"] + self.hex(32)
    def shpss(self): return P["shpss"] + self.hex(32)
    def dd_api(self): return self.hex(32)
    def dd_app(self): return self.hex(40)
    def discord_hook(self): return P["discordhook"] + self.c(DG, 19) + "/" + self.c(US, 68)
    def discord_bot(self):
        uid = base64.b64encode(self.c(DG, 18).encode()).decode().rstrip("=")
        return uid + "." + self.c(US, 6) + "." + self.c(US, 38)
    def telegram(self): return self.c(DG, 10) + ":AA" + self.c(US, 33)
    def mailgun(self): return P["mgkey"] + self.hex(32)
    def dop(self): return P["dop"] + self.hex(64)
    def dapi(self): return P["dapi"] + self.hex(32)
    def doppler(self): return P["dpst"] + self.r.choice(["prd", "dev", "stg"]) + "." + self.c(AN, 40)
    def vault(self): return P["hvs"] + self.c(US, 24)
    def postman(self): return P["pmak"] + self.hex(24) + "-" + self.hex(34)
    def linear(self): return P["lin"] + self.c(AN, 40)
    def sentry(self): return P["sntrys"] + self.c(AN, 60) + "_" + self.c(AN, 43)
    def grafana_sa(self): return P["glsa"] + self.c(AN, 32) + "_" + self.hex(8)
    def grafana_cloud(self): return P["glc"] + base64.b64encode(json.dumps({"o": self.c(DG, 6), "n": "stack-" + self.c(DG, 6), "k": self.c(AN, 24)}).encode()).decode().rstrip("=")
    def jwt(self):
        def b(d): return base64.urlsafe_b64encode(json.dumps(d, separators=(",", ":")).encode()).decode().rstrip("=")
        return b({"alg": "HS256", "typ": "JWT"}) + "." + b({"sub": self.c(DG, 8), "role": "service", "iat": 1760000000 + self.r.randint(0, 9999999)}) + "." + self.c(US, 43)

    # ---- passwords
    def pw(self, n=None, punct=PUNCT):
        n = n or self.r.randint(14, 24)
        while True:
            s = self.c(AN + punct, n)
            if any(ch in punct for ch in s) and any(ch.isdigit() for ch in s) and s[0] not in "-=*!@^?~.+":
                return s
    def urlpw(self, n=None): return self.c(URLPW, n or self.r.randint(14, 22))
    def human(self):
        w = self.r.choice(["Summer", "Falcon", "purple", "Winter", "Dragon", "tigger", "Monkey", "sunshine", "Orange",
                           "Kestrel", "Bulldog", "maple", "Harbor", "Rocket", "Pepper", "Juniper", "Walrus", "Cobalt"])
        w2 = self.r.choice(["", "Fox", "rain", "Moon", "cat", "Blue", "Tree", "king", ""])
        return w + w2 + str(self.r.randint(10, 2099)) + self.r.choice("!@.*?_-+^")
    def alnumkey(self, n=32): return self.c(AN, n)

    # ---- not-secret material
    def sha256(self): return hashlib.sha256(self.c(AN, 20).encode()).hexdigest()
    def sha1(self): return hashlib.sha1(self.c(AN, 20).encode()).hexdigest()
    def md5(self): return hashlib.md5(self.c(AN, 20).encode()).hexdigest()
    def sri(self): return "sha512-" + base64.b64encode(hashlib.sha512(self.c(AN, 20).encode()).digest()).decode()
    def uuid(self):
        h = self.hex(32)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{self.r.choice('89ab')}{h[17:20]}-{h[20:]}"
    def pubkey_ssh(self): return "ssh-ed25519 " + "AAAAC3NzaC1" + "lZDI1NTE5AAAAI" + self.c(B64, 43) + " " + self.r.choice(["deploy", "ops", "ci"]) + "@build"
    def b64png(self): return "iVBORw0KGgo" + "AAAANSUhEUgAAABAAAAAQ" + "CAYAAAAf8/9hAAAA" + self.c(B64, 40)
    def seq(self, n):
        start = self.r.randint(0, 5)
        return "".join("0123456789abcdefghijklmnopqrstuvwxyz"[(start + i) % 36] for i in range(n))
    def marked(self, prefix, n):
        m = self.r.choice(["EXAMPLE", "DUMMY", "FAKE", "TEST", "SAMPLE", "NOTREAL"])
        body = self.c(AN, n - len(m))
        k = self.r.randint(0, len(body))
        return prefix + body[:k] + m + body[k:]
    def pem_body(self, n=6, w=64): return [self.c(B64, w) for _ in range(n)] + [self.c(B64, 20) + "=="]


def build(out: Path, seed: int):
    r = random.Random(seed)
    g = Gen(r)
    R = Repo(out, r)
    app = r.choice(["ledger", "harbor", "quokka", "atlas", "pinecone", "tundra"])
    dbhost = r.choice(["db.internal", "pg-primary.prod.svc", "10.20.3.14", "mysql-01.corp.lan"])
    user = r.choice(["app", "svc_" + app, "admin", app + "_rw", "deploy"])

    # ------------------------------------------------------------------ .env files
    f = R.file(".env")
    f.l(f"# {app} local settings", f"APP_NAME={app}", "DEBUG=false")
    f.s(f"DATABASE_URL=postgres://{user}:{g.urlpw()}@{dbhost}:5432/{app}", "db_url")
    f.s(f"AWS_ACCESS_KEY_ID={g.aws_id()}", "aws_key_id")
    f.s(f"AWS_SECRET_ACCESS_KEY={g.aws_secret()}", "aws_secret")
    f.s(f"STRIPE_SECRET_KEY={g.sklive()}", "stripe")
    f.n(f"STRIPE_PUBLISHABLE_KEY={g.pklive()}", "stripe_publishable")
    f.s(f"OPENAI_API_KEY={g.openai()}", "openai")
    f.s(f'SESSION_SECRET="{g.pw(32)}"', "generic_password")
    f.n("REDIS_PASSWORD=", "empty_value")
    f.n(f"SENTRY_RELEASE={g.sha1()}", "git_sha")
    f.s(f"ADMIN_PASSWORD={g.human()}", "human_password")
    f.n("MAIL_PASSWORD=${MAIL_PASSWORD}", "env_reference")

    f = R.file(".env.example")
    f.l("# copy to .env and fill in")
    f.n("DATABASE_URL=postgres://user:password@localhost:5432/app", "placeholder")
    f.n("AWS_ACCESS_KEY_ID=" + P["akia"] + "IOSFODNN7" + "EXAMPLE", "aws_doc_example")
    f.n("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI" + "/K7MDENG/" + "bPxRfiCY" + "EXAMPLEKEY", "aws_doc_example")  # br:allow (the AWS documentation example key, split)
    f.n("STRIPE_SECRET_KEY=" + P["sktest"] + "x" * 24, "placeholder")
    f.n("OPENAI_API_KEY=<your-openai-key>", "placeholder")
    f.n("SESSION_SECRET=changeme", "placeholder")
    f.n("ADMIN_PASSWORD=", "empty_value")
    f.n("GITHUB_TOKEN=" + P["ghp"] + "x" * 36, "repeated_run")

    f = R.file("deploy/.env.production")
    f.s(f"SLACK_BOT_TOKEN={g.xoxb()}", "slack")
    f.s(f"SLACK_WEBHOOK_URL={g.slackhook()}", "slack_webhook")
    f.s(f"SENDGRID_API_KEY={g.sendgrid()}", "sendgrid")
    f.s(f"TWILIO_API_KEY_SECRET={g.twsk()}", "twilio")
    f.n(f"TWILIO_ACCOUNT_SID={g.twac()}", "twilio_sid")
    f.s(f"export ANTHROPIC_API_KEY='{g.anthropic()}'", "anthropic")
    f.n("export VAULT_ADDR=https://vault.internal:8200", "url_no_cred")
    f.n(f"IMAGE_DIGEST=sha256:{g.sha256()}", "image_digest")

    # ------------------------------------------------------------------ YAML
    f = R.file("docker-compose.yml")
    f.l("services:", "  db:", "    image: postgres:16", "    environment:")
    f.s(f"      POSTGRES_PASSWORD: '{g.pw()}'", "generic_password")
    f.n("      POSTGRES_USER: " + user, "username")
    f.l("  cache:", "    image: redis:7")
    f.n("    command: redis-server --requirepass ${REDIS_PASSWORD}", "env_reference")
    f.l("  api:", f"    image: ghcr.io/acme/{app}@sha256:{g.sha256()}", "    environment:")
    f.s(f"      - MONGO_URL=mongodb+srv://{user}:{g.urlpw()}@cluster0.{g.c(LO + DG, 5)}.mongodb.net/{app}", "db_url")
    f.n("      - JWT_SECRET=${JWT_SECRET:?set JWT_SECRET}", "env_reference")
    f.s(f"      - DD_API_KEY={g.dd_api()}", "datadog")
    f.l("  minio:", "    image: minio/minio", "    environment:")
    f.n("      MINIO_ROOT_PASSWORD: minioadmin", "well_known_default")

    f = R.file("k8s/secret.yaml")
    f.l("apiVersion: v1", "kind: Secret", "metadata:", f"  name: {app}-creds", "type: Opaque", "data:")
    f.s("  db-password: " + base64.b64encode(g.pw().encode()).decode(), "k8s_secret_b64")
    f.s("  api-token: " + base64.b64encode(g.ghpat().encode()).decode(), "k8s_secret_b64")
    f.n("  log-level: " + base64.b64encode(b"info").decode(), "b64_plain_config")
    f.l("stringData:")
    f.s(f"  REDIS_URL: redis://:{g.urlpw()}@redis-master:6379/0", "db_url")
    f.n("  FEATURE_FLAGS: beta,search", "plain_config")

    f = R.file("k8s/deployment.yaml")
    f.l("apiVersion: apps/v1", "kind: Deployment", "metadata:", f"  name: {app}", "spec:", "  template:", "    spec:",
        "      containers:", f"        - name: {app}", "          env:", "            - name: DB_PASSWORD", "              valueFrom:",
        "                secretKeyRef:")
    f.n(f"                  name: {app}-creds", "secret_ref")
    f.n("                  key: db-password", "secret_ref")
    f.l("            - name: HF_TOKEN")
    f.s(f"              value: {g.hf()}", "huggingface")
    f.l("            - name: CHECKSUM")
    f.n(f"              value: \"{g.sha256()}\"", "checksum")
    f.l("            - name: INSTANCE_ID")
    f.n(f"              value: \"{g.uuid()}\"", "uuid")

    f = R.file(".github/workflows/deploy.yml")
    f.l("name: deploy", "on: [push]", "jobs:", "  deploy:", "    runs-on: ubuntu-latest", "    env:")
    f.n("      AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}", "ci_secret_ref")
    f.s(f"      NPM_TOKEN: {g.npm()}", "npm")
    f.l("    steps:", f"      - uses: actions/checkout@{g.sha1()}")
    f.l("      - name: helm upgrade", "        run: |", f"          helm upgrade --install {app} ./chart \\")
    f.s(f"            --set postgresql.auth.password='{g.pw()}' \\", "helm_set")
    f.n("            --set image.tag=${{ github.sha }} \\", "ci_secret_ref")
    f.n("            --set api.key=${{ secrets.API_KEY }}", "ci_secret_ref")
    f.l("      - name: notify", "        run: |")
    f.s(f"          curl -X POST -H 'Content-type: application/json' --data '{{\"text\":\"done\"}}' {g.slackhook()}", "slack_webhook")

    f = R.file(".gitlab-ci.yml")
    f.l("variables:")
    f.n('  DOCKER_AUTH_CONFIG: "$DOCKER_AUTH"', "env_reference")
    f.s(f"  GITLAB_TOKEN: {g.glpat()}", "gitlab")
    f.s(f"  RUNNER_TOKEN: {g.glrt()}", "gitlab")
    f.l("test:", "  script:")
    f.n("    - 'echo \"password: ********\"'", "masked")
    f.s(f"    - docker login -u ci -p '{g.pw()}' registry.example.com", "cli_password")
    f.n("    - docker login -u ci -p \"$CI_REGISTRY_PASSWORD\" $CI_REGISTRY", "env_reference")

    f = R.file("chart/values.yaml")
    f.l("replicaCount: 2", "image:", f"  repository: acme/{app}", "postgresql:", "  auth:")
    f.n("    password: \"\"", "empty_value")
    f.n("    existingSecret: pg-credentials", "secret_ref")
    f.l("datadog:")
    f.s(f"  apiKey: {g.dd_api()}", "datadog")
    f.s(f"  appKey: {g.dd_app()}", "datadog")
    f.l("grafana:")
    f.s(f"  adminPassword: {g.human()}", "human_password")
    f.n("  adminPasswordKey: admin-password", "field_name")

    f = R.file("chart/templates/secret.yaml")
    f.l("apiVersion: v1", "kind: Secret", "metadata:", "  name: {{ include \"app.fullname\" . }}", "stringData:")
    f.n("  password: {{ .Values.postgresql.auth.password | quote }}", "template_ref")
    f.n("  apiKey: {{ required \"apiKey\" .Values.datadog.apiKey }}", "template_ref")

    f = R.file("ansible/group_vars/prod.yml")
    f.l("---", f"app_name: {app}")
    f.s(f"db_password: \"{g.pw()}\"", "generic_password")
    f.n("vault_db_password: \"{{ vault_db_password_enc }}\"", "template_ref")
    f.n("ansible_become_pass: \"{{ lookup('env', 'BECOME_PASS') }}\"", "env_reference")
    f.l("smtp_password: !vault |", "  $ANSIBLE_VAULT;1.1;AES256")
    for _ in range(3):
        f.n("  " + g.c("0123456789", 2) + g.hex(62), "ansible_vault_blob")
    f.s(f"digitalocean_token: {g.dop()}", "digitalocean")

    f = R.file("cloud-init/user-data.yaml")
    f.l("#cloud-config", "users:", "  - name: ops")
    f.n(f"    ssh_authorized_keys: [\"{g.pubkey_ssh()}\"]", "public_key")
    f.s(f"    plain_text_passwd: '{g.human()}'", "human_password")
    f.n("    passwd: $6$" + g.c(AN, 8) + "$" + g.c(AN + "./", 86), "password_hash")
    f.l("chpasswd:", "  list: |")
    f.s(f"    root:{g.pw(punct='!@^*-_=+.?~')}", "generic_password")
    f.l("write_files:", "  - path: /etc/app/token", "    content: |")
    f.s(f"      {g.doppler()}", "doppler")

    f = R.file("config/application.yml")
    f.l("spring:", "  datasource:", f"    url: jdbc:postgresql://{dbhost}:5432/{app}", f"    username: {user}")
    f.s(f"    password: '{g.pw()}'", "generic_password")
    f.l("  mail:")
    f.n("    password: ${MAIL_PASSWORD:}", "env_reference")
    f.l("management:")
    f.n("  password-policy: at least 12 characters, one digit, one symbol", "policy_text")

    # ------------------------------------------------------------------ JSON
    f = R.file("config/settings.json")
    f.l("{", f'  "name": "{app}",')
    f.s(f'  "mongoUri": "mongodb://{user}:{g.urlpw()}@mongo-0.mongo:27017/{app}?authSource=admin",', "db_url")
    f.s(f'  "shopify": {{"accessToken": "{g.shpat()}", "shop": "{app}.myshopify.com"}},', "shopify")
    f.s(f'  "shopifySharedSecret": "{g.shpss()}",', "shopify")
    f.n(f'  "assetHash": "{g.md5()}",', "checksum")
    f.n('  "apiKey": "YOUR_API_KEY_HERE",', "placeholder")
    f.n(f'  "requestId": "{g.uuid()}",', "uuid")
    f.s(f'  "mailgunKey": "{g.mailgun()}",', "mailgun")
    f.n('  "password": null', "empty_value")
    f.l("}")

    f = R.file("package-lock.json")
    f.l("{", f'  "name": "{app}",', '  "lockfileVersion": 3,', '  "packages": {', '    "node_modules/left-pad": {',
        '      "version": "1.3.0",', '      "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",')
    f.n(f'      "integrity": "{g.sri()}"', "sri_hash")
    f.l("    },", '    "node_modules/is-odd": {', '      "version": "3.0.1",')
    f.n(f'      "integrity": "{g.sri()}"', "sri_hash")
    f.l("    }", "  }", "}")

    f = R.file("firebase.json")
    f.l("{")
    f.s(f'  "apiKey": "{g.google()}",', "google_api_key")
    f.n(f'  "appId": "1:{g.c(DG, 12)}:web:{g.hex(22)}",', "firebase_app_id")
    f.n(f'  "projectId": "{app}-prod",', "plain_config")
    f.n(f'  "messagingSenderId": "{g.c(DG, 12)}"', "numeric_id")
    f.l("}")

    f = R.file("gcp/service-account.json")
    pkid = g.hex(40)
    f.l("{", '  "type": "service_account",', f'  "project_id": "{app}-prod",')
    f.n(f'  "private_key_id": "{pkid}",', "gcp_key_id")
    f.s('  "private_key": "' + pem("PRIVATE KEY") + "\\n" + "\\n".join(g.pem_body(4)) + "\\n" + pem("PRIVATE KEY", True) + '\\n",', "private_key")
    f.n(f'  "client_email": "deployer@{app}-prod.iam.gserviceaccount.com",', "email")
    f.n(f'  "client_id": "{g.c(DG, 21)}"', "numeric_id")
    f.l("}")

    f = R.file("exports/slack/general.json")
    f.l("[")
    f.s(json.dumps({"user": "U" + g.c(UP + DG, 10), "text": "temp token for the demo " + g.xoxp()}) + ",", "slack_chat")
    f.n(json.dumps({"user": "U" + g.c(UP + DG, 10), "text": "please rotate, never paste tokens like " + P["xoxb"] + "xxxx here"}) + ",", "placeholder")
    f.s(json.dumps({"user": "U" + g.c(UP + DG, 10), "text": f"staging db pw is {g.human()} fyi"}) + ",", "chat_password")
    f.n(json.dumps({"user": "U" + g.c(UP + DG, 10), "text": "the password is in 1Password under 'staging db'"}) + ",", "vault_reference")
    f.n(json.dumps({"user": "U" + g.c(UP + DG, 10), "text": "fixed in " + g.sha1()}) + ",", "git_sha")
    f.s(json.dumps({"user": "U" + g.c(UP + DG, 10), "text": "bot token: " + g.discord_bot()}), "discord")
    f.l("]")

    f = R.file("notebooks/analysis.ipynb")
    f.l("{", ' "cells": [', "  {", '   "cell_type": "code",', '   "metadata": {},', '   "source": [',
        '    "import os\\n",')
    f.s('    ' + json.dumps(f'client = OpenAI(api_key="{g.openai()}")\n') + ",", "openai")
    f.n('    ' + json.dumps('hf_token = os.environ["HF_TOKEN"]\n') + ",", "env_reference")
    f.s('    ' + json.dumps(f'login(token="{g.hf()}")\n') + ",", "huggingface")
    f.l('    "print(1)"', "   ],", '   "outputs": [', "    {", '     "output_type": "display_data",',
        '     "data": {')
    f.n('      "image/png": ' + json.dumps(g.b64png()), "base64_image")
    f.l("     }", "    }", "   ],", '   "execution_count": 1', "  }", " ],", ' "metadata": {},', ' "nbformat": 4,', ' "nbformat_minor": 5', "}")

    # ------------------------------------------------------------------ TOML / INI / cfg / conf / properties
    f = R.file("pyproject.toml")
    f.l("[project]", f'name = "{app}"', 'version = "0.3.1"', "", "[tool.app.db]")
    f.s(f'url = "mysql+pymysql://{user}:{g.urlpw()}@{dbhost}/{app}"', "db_url")
    f.n('password_env = "DB_PASSWORD"', "field_name")
    f.l("", "[tool.app.hashes]")
    f.n(f'wheel = "sha256:{g.sha256()}"', "checksum")

    f = R.file("config/secrets.toml")
    f.l("[anthropic]")
    f.s(f'api_key = "{g.anthropic()}"', "anthropic")
    f.l("", "[linear]")
    f.s(f"token = '{g.linear()}'", "linear")
    f.l("", "[sentry]")
    f.s(f'auth_token = "{g.sentry()}"', "sentry")
    f.n(f'dsn_public_key_hint = "{g.uuid()}"', "uuid")
    f.l("", "[test]")
    f.n('api_key = "' + g.marked(P["skproj"], 40) + '"', "marked_fake")

    f = R.file("setup.cfg")
    f.l("[metadata]", f"name = {app}", "", "[app:upload]")
    f.s(f"token = {g.pypi()}", "pypi")
    f.n("password_file = ~/.config/app/pw", "file_path")

    f = R.file("config/app.ini")
    f.l("[database]", f"host = {dbhost}", f"user = {user}")
    f.s(f"password = {g.pw()}", "generic_password")
    f.n("; password = changeme", "placeholder")
    f.l("", "[smtp]")
    f.s(f"pass = {g.human()}", "human_password")
    f.n("pass_min_length = 12", "policy_text")
    f.l("", "[crypto]")
    f.n("encrypted_key = ENC[AES256_GCM,data:" + g.c(B64, 32) + ",iv:" + g.c(B64, 16) + ",tag:" + g.c(B64, 22) + "==,type:str]", "encrypted_blob")
    f.n("kms_key_id = arn:aws:kms:eu-west-1:" + g.c(DG, 12) + ":key/" + g.uuid(), "kms_reference")

    f = R.file("deploy/nginx.conf")
    f.l("server {", "    listen 443 ssl;", f"    server_name {app}.example.com;")
    f.n(f"    ssl_certificate /etc/ssl/{app}.crt;", "file_path")
    f.n(f"    ssl_certificate_key /etc/ssl/private/{app}.key;", "file_path")
    f.l("    location /api/ {")
    f.s(f'        proxy_set_header Authorization "Bearer {g.jwt()}";', "jwt")
    f.s(f'        proxy_set_header X-Api-Key "{g.alnumkey(40)}";', "generic_api_key")
    f.n("        proxy_set_header X-Request-Id $request_id;", "template_ref")
    f.l("    }", "}")

    f = R.file("deploy/apache-site.conf")
    f.l("<VirtualHost *:443>")
    f.n("    AuthUserFile /etc/apache2/.htpasswd", "file_path")
    f.s(f"    SetEnv DB_PASS \"{g.pw()}\"", "generic_password")
    f.n("    SetEnv DB_PASS_FILE /run/secrets/db_pass", "file_path")
    f.l("</VirtualHost>")

    f = R.file("deploy/htpasswd")
    f.n("admin:$apr1$" + g.c(AN, 8) + "$" + g.c(AN + "./", 22), "password_hash")
    f.n("ops:{SHA}" + base64.b64encode(hashlib.sha1(g.c(AN, 10).encode()).digest()).decode(), "password_hash")

    f = R.file("src/main/resources/application.properties")
    f.l(f"spring.application.name={app}")
    f.s(f"spring.datasource.url=jdbc:mysql://{dbhost}:3306/{app}?user={user}&password={g.urlpw()}", "jdbc_url")
    f.n("spring.datasource.password=${DB_PASSWORD}", "env_reference")
    f.s(f"spring.rabbitmq.password={g.human()}", "human_password")
    f.n("spring.security.oauth2.client.registration.github.client-secret={cipher}" + g.hex(64), "encrypted_blob")
    f.s(f"azure.storage.connection-string=DefaultEndpointsProtocol=https;AccountName={app}store;AccountKey={g.azure_key()};EndpointSuffix=core.windows.net", "azure_storage")
    f.n("app.password.reset.token.ttl=3600", "field_name")

    f = R.file("config/web.config")
    f.l('<?xml version="1.0" encoding="utf-8"?>', "<configuration>", "  <connectionStrings>")
    f.s(f'    <add name="Main" connectionString="Server={dbhost};Database={app};User Id={user};Password={g.pw(punct="!@^*-_=+.?~")};" />', "connection_string")
    f.n('    <add name="Local" connectionString="Server=(localdb)\\MSSQLLocalDB;Database=app;Trusted_Connection=True;" />', "integrated_auth")
    f.l("  </connectionStrings>", "  <appSettings>")
    f.s(f'    <add key="SendGridKey" value="{g.sendgrid()}" />', "sendgrid")
    f.n('    <add key="SendGridKey.Dev" value="SG.DUMMY-KEY-FOR-LOCAL" />', "marked_fake")
    f.l("  </appSettings>", "</configuration>")

    f = R.file("pom-settings.xml")
    f.l("<settings>", "  <servers>", "    <server>", "      <id>nexus</id>", "      <username>deploy</username>")
    f.s(f"      <password>{g.pw(punct='!@^*-_=+.?~')}</password>", "generic_password")
    f.l("    </server>", "    <server>", "      <id>central</id>")
    f.n("      <password>${env.MAVEN_PASSWORD}</password>", "env_reference")
    f.n("      <password>{" + base64.b64encode(g.c(AN, 24).encode()).decode() + "}</password>", "encrypted_blob")
    f.l("    </server>", "  </servers>", "</settings>")

    # ------------------------------------------------------------------ Terraform / HCL
    f = R.file("infra/main.tf")
    f.l('provider "aws" {', '  region = "eu-west-1"')
    f.s(f'  access_key = "{g.aws_id()}"', "aws_key_id")
    f.s(f'  secret_key = "{g.aws_secret()}"', "aws_secret")
    f.l("}", "", 'resource "aws_db_instance" "main" {', '  engine = "postgres"')
    f.n("  password = var.db_password", "var_reference")
    f.n("  kms_key_id = data.aws_kms_key.rds.arn", "kms_reference")
    f.l("}", "", 'resource "datadog_monitor" "cpu" {')
    f.n('  name = "CPU high (api key rotated ' + g.c(DG, 4) + ')"', "plain_text")
    f.l("}", "", 'variable "db_password" {', "  type      = string", "  sensitive = true")
    f.n('  default   = ""', "empty_value")
    f.l("}")

    f = R.file("infra/prod.tfvars")
    f.s(f'db_password      = "{g.pw()}"', "generic_password")
    f.s(f'cloudflare_token = "{g.c(US, 40)}"', "generic_api_key")
    f.n('ssh_public_key   = "' + g.pubkey_ssh() + '"', "public_key")
    f.s(f'databricks_token = "{g.dapi()}"', "databricks")
    f.n(f'ami_id           = "ami-{g.hex(17)}"', "resource_id")

    f = R.file("infra/vault.hcl")
    f.l('storage "raft" {', '  path = "/vault/data"', "}")
    f.s(f'# root token from init: {g.vault()}', "vault")
    f.n('seal "awskms" {', "kms_reference")
    f.n(f'  kms_key_id = "{g.uuid()}"', "kms_reference")
    f.l("}")

    # ------------------------------------------------------------------ Docker / shell / build
    f = R.file("Dockerfile")
    f.l("FROM python:3.12-slim@sha256:" + g.sha256(), "WORKDIR /app")
    f.n("ARG PIP_INDEX_PASSWORD", "field_name")
    f.s(f"ENV PIP_EXTRA_INDEX_URL=https://build:{g.urlpw()}@pypi.internal.example/simple", "url_password")
    f.s(f"ENV HF_TOKEN={g.hf()}", "huggingface")
    f.n("RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci", "secret_ref")
    f.n(f'RUN echo "{g.sha256()}  app.tar.gz" | sha256sum -c -', "checksum")
    f.l('CMD ["python", "-m", "app"]')

    f = R.file("scripts/deploy.sh")
    f.l("#!/usr/bin/env bash", "set -euo pipefail")
    f.s(f"export GITHUB_TOKEN={g.ghp()}", "github")
    f.n('export DB_PASSWORD="${DB_PASSWORD:-}"', "env_reference")
    f.n('read -rsp "Password: " DB_PASSWORD', "field_name")
    f.s(f"mysql -h {dbhost} -u {user} -p'{g.pw()}' {app} < schema.sql", "cli_password")
    f.s(f"PGPASSWORD='{g.human()}' psql -h {dbhost} -U {user} -c 'select 1'", "cli_password")
    f.l("curl -sSf \\", "  -H 'Accept: application/json' \\")
    f.s(f"  -H 'Authorization: token {g.gho()}' \\", "github")
    f.l("  https://api.github.com/user")
    f.n('TOKEN=$(aws secretsmanager get-secret-value --secret-id prod/api --query SecretString --output text)', "vault_reference")
    f.n(f'echo "{g.sha256()}" > .build-hash', "checksum")

    f = R.file("scripts/backup.ps1")
    f.l("$ErrorActionPreference = 'Stop'")
    f.s(f'$SecurePass = ConvertTo-SecureString "{g.pw()}" -AsPlainText -Force', "generic_password")
    f.n('$Cred = Get-Credential -UserName "svc_backup" -Message "Enter password"', "field_name")
    f.s(f'$env:AZURE_STORAGE_KEY = "{g.azure_key()}"', "azure_storage")
    f.n('$Token = $env:DO_TOKEN', "env_reference")
    f.s(f'$Headers = @{{ Authorization = "Bearer {g.dop()}" }}', "digitalocean")

    f = R.file("Makefile")
    f.l(f"APP := {app}")
    f.s(f"REGISTRY_PASSWORD ?= {g.pw(punct='!@^*-_+.?~')}", "generic_password")
    f.n("API_KEY ?= $(shell cat .api-key)", "file_reference")
    f.n("DOCKER_PASSWORD := $(DOCKER_PASSWORD)", "env_reference")
    f.l("", "release:")
    f.s(f"\ttwine upload -u __token__ -p {g.pypi()} dist/*", "pypi")

    f = R.file("Procfile")
    f.l("web: gunicorn app.wsgi")
    f.s(f"worker: TELEGRAM_TOKEN={g.telegram()} python bot.py", "telegram")
    f.n("release: DATABASE_URL=$DATABASE_URL python manage.py migrate", "env_reference")

    f = R.file("deploy/crontab")
    f.l("SHELL=/bin/bash")
    f.s(f"0 3 * * * curl -u backup:{g.pw(punct='!@^*-_+.?~')} https://backup.internal/run >/dev/null", "curl_basic_auth")
    f.n("*/5 * * * * /opt/app/bin/healthcheck --token-file /etc/app/token", "file_path")
    f.s(f"15 * * * * DD_APP_KEY={g.dd_app()} /opt/app/bin/metrics", "datadog")

    f = R.file("deploy/app.service")
    f.l("[Unit]", f"Description={app}", "", "[Service]")
    f.s(f"Environment=POSTMAN_API_KEY={g.postman()}", "postman")
    f.s(f'Environment="DB_PASSWORD={g.pw(punct="!@^*-_=+.?~")}"', "generic_password")
    f.n("EnvironmentFile=/etc/default/" + app, "file_path")
    f.n("LoadCredential=db-password:/etc/credstore/db-password", "secret_ref")
    f.l(f"ExecStart=/usr/bin/{app}")

    # ------------------------------------------------------------------ source code
    f = R.file(f"src/{app}/settings.py")
    f.l("import os", "")
    f.s(f'SECRET_KEY = "{g.pw(50)}"', "django_secret_key")
    f.n('DB_PASSWORD = os.environ["DB_PASSWORD"]', "env_reference")
    f.n('API_KEY = os.getenv("API_KEY", "")', "env_reference")
    f.s(f'STRIPE_WEBHOOK_SECRET = "{g.whsec()}"', "stripe")
    f.l("DATABASES = {", '    "default": {', '        "ENGINE": "django.db.backends.postgresql",')
    f.s(f'        "PASSWORD": "{g.human()}",', "human_password")
    f.l("    }", "}")
    f.n('PASSWORD_VALIDATORS = ["MinimumLengthValidator", "CommonPasswordValidator"]', "policy_text")
    f.l("GROQ_HEADERS = {")
    f.s(f'    "Authorization": "Bearer " + "{g.c(AN, 52)}",', "generic_api_key")
    f.l("}")

    f = R.file("tests/test_auth.py")
    f.l("import pytest", "")
    f.n('FAKE_TOKEN = "' + g.marked(P["ghp"], 36) + '"', "marked_fake")
    f.n('TEST_PASSWORD = "password123"', "test_fixture")
    f.n(f'KNOWN_HASH = "{g.sha256()}"', "checksum")
    f.n('AWS_KEY = "' + P["akia"] + "0123456789ABCDEF" + '"', "sequential")
    f.l("", "def test_login(client):")
    f.n('    assert client.login(username="alice", password="hunter2-not-real")', "test_fixture")
    f.n('    client.set_header("X-Api-Key", "dummy-api-key")', "test_fixture")

    f = R.file("scripts/aws_client.py")
    f.l("import boto3", "", "session = boto3.Session(")
    f.s(f'    aws_access_key_id="{g.aws_sts_id()}",', "aws_key_id")
    f.s(f'    aws_secret_access_key="{g.aws_secret()}",', "aws_secret")
    f.s(f'    aws_session_token="{g.c(B64, 180)}",', "aws_session_token")
    f.l(")")
    f.n('client = session.client("kms", endpoint_url=None)', "plain_code")
    f.n('password = input("password: ")', "field_name")

    f = R.file("web/src/config.ts")
    f.l("export const config = {")
    f.n("  apiKey: process.env.API_KEY ?? '',", "env_reference")
    f.s(f"  googleMapsKey: '{g.google()}',", "google_api_key")
    f.n("  sentryDsnEnv: import.meta.env.VITE_SENTRY_DSN,", "env_reference")
    f.s(f"  grafanaToken: `{g.grafana_sa()}`,", "grafana")
    f.n("  passwordMinLength: 12,", "policy_text")
    f.n("  stripeKey: '" + P["sktest"] + g.seq(24) + "',", "sequential")
    f.l("};")

    f = R.file("web/server.js")
    f.l("const express = require('express');")
    f.s(f"const dbUrl = 'postgresql://{user}:{g.urlpw()}@{dbhost}/{app}';", "db_url")
    f.s(f"const discordHook = \"{g.discord_hook()}\";", "discord_webhook")
    f.n("const password = req.body.password;", "field_name")
    f.n("const hashed = await bcrypt.hash(password, 12);", "plain_code")
    f.s(f"const mg = mailgun.client({{ username: 'api', key: '{g.mailgun()}' }});", "mailgun")
    f.n("const token = crypto.randomBytes(32).toString('hex');", "plain_code")

    f = R.file("cmd/server/main.go")
    f.l("package main", "", "type Config struct {", "\tUser     string", "\tPassword string", "\tToken    string", "}", "",
        "var prod = Config{", f'\tUser:     "{user}",')
    f.s(f'\tPassword: "{g.pw()}",', "go_struct")
    f.s(f'\tToken:    "{g.ghs()}",', "github")
    f.l("}", "", "var dev = Config{", '\tUser:     "dev",')
    f.n('\tPassword: os.Getenv("DEV_PASSWORD"),', "env_reference")
    f.n('\tToken:    "<token>",', "placeholder")
    f.l("}", "")
    f.s(f'const dsn = "{user}:{g.urlpw()}@tcp({dbhost}:3306)/{app}?parseTime=true"', "db_url")

    f = R.file("src/main/java/com/acme/Config.java")
    f.l("package com.acme;", "", "public final class Config {")
    f.s(f'    private static final String TWILIO_AUTH_TOKEN = "{g.hex(32)}";', "twilio")
    f.n('    private static final String PASSWORD_FIELD = "password";', "field_name")
    f.l("    private static final String JDBC =")
    f.s(f'        "jdbc:sqlserver://{dbhost}:1433;databaseName={app};user={user};password={g.urlpw()}";', "jdbc_url")
    f.n('    private static final String KEY = System.getenv("API_KEY");', "env_reference")
    f.n(f'    private static final String BUILD = "{g.sha1()}";', "git_sha")
    f.l("}")

    f = R.file("android/app/src/main/kotlin/Keys.kt")
    f.l("object Keys {")
    f.s(f'    const val MAPS_API_KEY = "{g.google()}"', "google_api_key")
    f.n("    val token: String = BuildConfig.API_TOKEN", "config_reference")
    f.s(f'    private const val CLIENT_SECRET = "{g.alnumkey(40)}"', "generic_api_key")
    f.l("}")

    f = R.file("ios/App/Secrets.swift")
    f.l("enum Secrets {")
    f.s(f'    static let revenueCatKey = "{g.alnumkey(32)}"', "generic_api_key")
    f.n('    static let apiKey = Bundle.main.object(forInfoDictionaryKey: "API_KEY") as? String', "config_reference")
    f.n('    static let placeholder = "REPLACE_WITH_YOUR_KEY"', "placeholder")
    f.l("}")

    f = R.file("src/Api/Startup.cs")
    f.l("public class Startup {")
    f.s(f'    private const string ConnStr = "Host={dbhost};Username={user};Password={g.pw(punct="!@^*-_+.?~")};Database={app}";', "connection_string")
    f.n('    private readonly string _key = Configuration["Api:Key"];', "config_reference")
    f.s(f'    var client = new OpenAIClient("{g.openai()}");', "openai")
    f.n('    // Password=<set in user-secrets>', "placeholder")
    f.l("}")

    f = R.file("config/initializers/keys.rb")
    f.s(f'Stripe.api_key = "{g.rklive()}"', "stripe")
    f.n("Rails.application.credentials.dig(:aws, :secret_access_key)", "config_reference")
    f.s(f"SMTP_PASSWORD = '{g.human()}'", "human_password")
    f.n("ENV.fetch('SMTP_PASSWORD') { 'changeme' }", "placeholder")

    f = R.file("wp-config.php")
    f.l("<?php")
    f.l("define('DB_NAME', '" + app + "');", "define('DB_USER', '" + user + "');")
    f.s(f"define('DB_PASSWORD', '{g.pw()}');", "php_define")
    f.s(f"define('AUTH_KEY', '{g.pw(64)}');", "php_define")
    f.n("define('DB_PASSWORD_HINT', 'ask ops');", "plain_text")
    f.l("$config = [")
    f.s(f"    'linear_key' => '{g.linear()}',", "linear")
    f.n("    'api_key' => getenv('API_KEY'),", "env_reference")
    f.n("    'password' => '',", "empty_value")
    f.l("];")

    f = R.file("db/migrations/001_users.sql")
    f.s(f"CREATE USER {user} WITH PASSWORD '{g.pw()}';", "sql_password")
    f.s(f"ALTER ROLE reporting WITH LOGIN PASSWORD '{g.human()}';", "sql_password")
    f.n("ALTER ROLE readonly WITH PASSWORD :'readonly_password';", "template_ref")
    f.n("CREATE USER monitor IDENTIFIED BY VALUES 'S:" + g.hex(60).upper() + "';", "password_hash")
    f.n("INSERT INTO users (email, password_hash) VALUES ('a@example.com', '$2b$12$" + g.c(AN + "./", 53) + "');", "password_hash")
    f.s(f"CREATE USER 'etl'@'%' IDENTIFIED BY '{g.pw(punct='!@^*-_=+.?~')}';", "sql_password")
    f.n("-- rotate password for etl every 90 days", "policy_text")

    # ------------------------------------------------------------------ credential files
    f = R.file(".netrc")
    f.l("machine api.heroku.com", "  login ops@example.com")
    f.s(f"  password {g.uuid()}", "netrc")
    f.l("machine github.com", "  login ci-bot")
    f.s(f"  password {g.ghp()}", "netrc")

    f = R.file(".npmrc")
    f.l("registry=https://registry.npmjs.org/")
    f.s(f"//registry.npmjs.org/:_authToken={g.npm()}", "npm")
    f.n("//npm.pkg.github.com/:_authToken=${GITHUB_TOKEN}", "env_reference")
    f.s("//nexus.internal/repository/npm/:_auth=" + base64.b64encode(f"ci:{g.pw()}".encode()).decode(), "npm_auth")

    f = R.file(".pypirc")
    f.l("[distutils]", "index-servers = pypi internal", "", "[pypi]", "username = __token__")
    f.s(f"password = {g.pypi()}", "pypi")
    f.l("", "[internal]", "repository = https://pypi.internal/", "username = ci")
    f.n("password = %(INTERNAL_PYPI_PASSWORD)s", "env_reference")

    f = R.file(".git-credentials")
    f.s(f"https://ci-bot:{g.ghpat()}@github.com", "git_credentials")
    f.s(f"https://oauth2:{g.glpat()}@gitlab.example.com", "git_credentials")

    f = R.file(".docker/config.json")
    f.l("{", '  "auths": {', '    "registry.example.com": {')
    f.s('      "auth": "' + base64.b64encode(f"deploy:{g.pw()}".encode()).decode() + '"', "docker_auth")
    f.l("    },", '    "ghcr.io": {')
    f.n('      "credsStore": "desktop"', "secret_ref")
    f.l("    }", "  }", "}")

    # ------------------------------------------------------------------ keys and certificates
    f = R.file("keys/deploy_rsa")
    f.s(pem("RSA PRIVATE KEY"), "private_key")
    f.l(*g.pem_body(8), pem("RSA PRIVATE KEY", True))

    f = R.file("keys/id_ed25519")
    f.s(pem("OPENSSH PRIVATE KEY"), "private_key")
    f.l("b3BlbnNzaC1rZXktdjEAAAAA" + "BG5vbmUAAAAEbm9uZQAAAAAAAAAB" + "AAAAMwAAAAtzc2gtZW", *g.pem_body(3, 70), pem("OPENSSH PRIVATE KEY", True))

    f = R.file("keys/id_ed25519.pub")
    f.n(g.pubkey_ssh(), "public_key")

    f = R.file("keys/server.ppk")
    f.s("PuTTY-User-Key-File-3: ssh-rsa", "private_key")
    f.l("Encryption: none", "Comment: rsa-key-" + g.c(DG, 8), "Public-Lines: 2", *g.pem_body(1), "Private-Lines: 2")
    f.s(g.c(B64, 64), "private_key_body")
    f.l(g.c(B64, 40) + "=", "Private-MAC: " + g.hex(64))

    f = R.file("keys/tls.pem")
    f.n(pem("CERTIFICATE"), "certificate")
    f.l(*g.pem_body(5), pem("CERTIFICATE", True))
    f.s(pem("EC PRIVATE KEY"), "private_key")
    f.l(*g.pem_body(3), pem("EC PRIVATE KEY", True))

    f = R.file("keys/jwt_public.pem")
    f.n(pem("PUBLIC KEY"), "public_key")
    f.l(*g.pem_body(4), pem("PUBLIC KEY", True))

    f = R.file("keys/encrypted.key")
    f.s(pem("ENCRYPTED PRIVATE KEY"), "private_key_encrypted")
    f.l(*g.pem_body(5), pem("ENCRYPTED PRIVATE KEY", True))

    # ------------------------------------------------------------------ docs, chat, logs, commits
    f = R.file("docs/runbook.md")
    f.l(f"# {app} runbook", "", "## Access the API", "", "```bash")
    f.n("curl -H \"Authorization: Bearer $API_TOKEN\" https://api.example.com/v1/me", "env_reference")
    f.n("curl -u admin:<password> https://api.example.com/v1/health", "placeholder")
    f.s(f"curl -u ops:{g.pw(punct='!@^*-_+.?~')} https://staging.example.com/v1/health", "curl_basic_auth")
    f.s(f"curl -H 'X-Postmark-Server-Token: {g.uuid()}' https://api.postmarkapp.com/email", "uuid_token")
    f.l("```", "")
    f.n("Use `" + P["sktest"] + "...` keys in development; live keys live in Vault at `secret/" + app + "/stripe`.", "doc_placeholder")
    f.n("Passwords must be 16+ characters and are rotated by the `rotate-creds` job.", "policy_text")
    f.n("The Sentry DSN key is public by design: `https://" + g.hex(32) + "@o" + g.c(DG, 6) + ".ingest.sentry.io/" + g.c(DG, 7) + "`.", "sentry_dsn")
    f.s(f"Emergency break-glass Grafana token: `{g.grafana_cloud()}`", "grafana")
    f.n("Example key format: `" + P["ghp"] + "0123456789abcdefghijklmnopqrstuvwxyz`", "sequential")

    f = R.file("README.md")
    f.l(f"# {app}", "", "## Setup", "")
    f.n("Set `OPENAI_API_KEY=sk-...` in your `.env`.", "doc_placeholder")
    f.n("export AWS_SECRET_ACCESS_KEY=\"$(pass show aws/secret)\"", "vault_reference")
    f.n("![logo](data:image/png;base64," + g.b64png() + ")", "base64_image")
    f.n(f"Release checksum: `{g.sha256()}`", "checksum")
    f.n("The `password` field is required; the `token` field is optional.", "field_name")

    f = R.file("docs/support-chat.txt")
    f.l(f"[2026-11-{r.randint(10, 28)} 09:14] alice: can someone share the staging creds?")
    f.s(f"[2026-11-12 09:15] bob: user deploy / pass {g.human()}", "chat_password")
    f.n("[2026-11-12 09:16] carol: please don't paste passwords here, use the vault", "policy_text")
    f.s(f"[2026-11-12 09:17] bob: and the HF one {g.hf()}", "huggingface")
    f.n("[2026-11-12 09:18] alice: thanks, token ends in ...4f2a", "truncated")
    f.n("[2026-11-12 09:20] carol: rotated, new one is in 1Password", "vault_reference")

    f = R.file("logs/app.log")
    f.l("2026-11-30T10:00:01Z INFO starting")
    f.s(f"2026-11-30T10:00:02Z DEBUG connecting to redis://default:{g.urlpw()}@cache:6379", "log_leak")
    f.n("2026-11-30T10:00:02Z INFO auth header=Bearer [REDACTED]", "redacted")
    f.s(f"2026-11-30T10:00:03Z DEBUG request headers {{'x-api-key': '{g.alnumkey(32)}'}}", "log_leak")
    f.n(f"2026-11-30T10:00:04Z INFO trace_id={g.hex(32)} span_id={g.hex(16)}", "trace_id")
    f.n("2026-11-30T10:00:05Z WARN login failed for user=admin password=*****", "masked")

    f = R.file(".git/COMMIT_EDITMSG")
    f.l("Add CI deploy step", "")
    f.s(f"Temporarily hardcode token {g.ghp()} until secrets are set up", "commit_message")

    f = R.file("commits/0002.txt")
    f.l("Rotate Stripe key", "")
    f.n("Replaces the leaked key with ${STRIPE_SECRET_KEY} from the environment.", "env_reference")
    f.n(f"Reverts {g.sha1()}.", "git_sha")
    f.s(f"Old key for reference: {g.sklive()}", "commit_message")

    # ------------------------------------------------------------------ seed-varying extra file
    f = R.file("config/legacy.conf")
    makers_s = [
        lambda: (f"db.password = {g.pw()}", "generic_password"),
        lambda: (f"api_key: {g.alnumkey(r.choice([32, 40]))}", "generic_api_key"),
        lambda: (f"smtp_pass=\"{g.human()}\"", "human_password"),
        lambda: (f"auth_token = {g.hex(40)}", "generic_api_key"),
        lambda: (f"ldap_bind_password={g.pw()}", "generic_password"),
        lambda: (f"vault_token = {g.vault()}", "vault"),
        lambda: (f"slack_token = {g.xoxb()}", "slack"),
        lambda: (f"amqp_url = amqp://{user}:{g.urlpw()}@rabbit:5672/", "db_url"),
    ]
    makers_n = [
        lambda: ("db.password = ${DB_PASSWORD}", "env_reference"),
        lambda: (f"api_key: {'x' * r.choice([32, 40])}", "repeated_run"),
        lambda: ("smtp_pass = \"<smtp-password>\"", "placeholder"),
        lambda: (f"file_checksum = {g.sha256()}", "checksum"),
        lambda: ("ldap_bind_password_file = /run/secrets/ldap", "file_path"),
        lambda: (f"session_id = {g.uuid()}", "uuid"),
        lambda: ("api_key = " + "1234567890" * 4, "sequential"),
        lambda: ("password = TODO", "placeholder"),
        lambda: (f"commit = {g.sha1()}", "git_sha"),
    ]
    for _ in range(r.randint(38, 46)):
        if r.random() < 0.7:
            line, k = r.choice(makers_s)()
            f.s(line, k)
        else:
            line, k = r.choice(makers_n)()
            f.n(line, k)
    R.write()
    return R


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    out = Path(a.outdir)
    out.mkdir(parents=True, exist_ok=True)
    R = build(out, a.seed)
    s = sum(1 for x in R.labels if x["label"] == "secret")
    print(f"seed {a.seed}: {len(R.files)} files, {len(R.labels)} labels, {s} secret, {len(R.labels) - s} not_secret")


if __name__ == "__main__":
    main()

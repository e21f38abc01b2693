#!/usr/bin/env python3
"""Blind secrets corpus, round 26 (independent author, written without reading the scanner).

    python3 secrets_blind26.py OUTDIR --seed N

Writes a small fake repository (about 60 files of many kinds) into OUTDIR plus OUTDIR/labels.json:
a list of {"file": relative path, "line": 1-based line, "label": "secret" | "not_secret",
"kind": str}. Only labelled lines are scored.

Conventions:
  * the label sits on the line that holds the value;
  * a multi-line private key (PEM, OpenSSH, PuTTY) is labelled on its first line;
  * placeholders, env/template lookups, vault/KMS references, hashes, UUIDs, public keys,
    certificates, encrypted blobs, policy text and key names without values are not secrets.

Every token body is drawn at run time from random.Random(seed); provider prefixes are assembled
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
ALPHA = UPPER + LOWER
ALNUM = UPPER + LOWER + DIGITS
URLSAFE = ALNUM + "-_"
PW_PUNCT = "!@^*-_=+.?~"
PW_CHARS = ALNUM + PW_PUNCT

R = random.Random(0)


def rs(alphabet: str, n: int) -> str:
    return "".join(R.choice(alphabet) for _ in range(n))


def digits(n: int) -> str:
    return str(R.randint(1, 9)) + rs(DIGITS, n - 1)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def rbytes(n: int) -> bytes:
    return bytes(R.getrandbits(8) for _ in range(n))


# ----------------------------------------------------------------------------- secrets
def aws_id():
    return "AK" + "IA" + rs(UPPER + "234567", 16)


def aws_sts_id():
    return "AS" + "IA" + rs(UPPER + "234567", 16)


def aws_secret():
    return rs(ALNUM + "/+", 40)


def gh_pat():
    return "gh" + "p_" + rs(ALNUM, 36)


def gh_oauth():
    return "gh" + "o_" + rs(ALNUM, 36)


def gh_app():
    return "gh" + "s_" + rs(ALNUM, 36)


def gh_fine():
    return "github" + "_pat_" + rs(ALNUM, 22) + "_" + rs(ALNUM, 59)


def gitlab():
    return "gl" + "pat-" + rs(ALNUM + "-_", 20)


def gitlab_runner():
    return "gl" + "rt-" + rs(ALNUM + "-_", 20)


def slack_bot():
    return "xo" + "xb-" + digits(12) + "-" + digits(13) + "-" + rs(ALNUM, 24)


def slack_user():
    return "xo" + "xp-" + digits(12) + "-" + digits(12) + "-" + digits(13) + "-" + rs(HEX, 32)


def slack_app():
    return "xa" + "pp-1-A" + rs(UPPER + DIGITS, 10) + "-" + digits(13) + "-" + rs(HEX, 64)


def slack_hook():
    return ("https://hooks." + "slack.com/services/T" + rs(UPPER + DIGITS, 8) + "/B"
            + rs(UPPER + DIGITS, 10) + "/" + rs(ALNUM, 24))


def stripe_sk():
    return "sk" + "_live_" + rs(ALNUM, R.choice([24, 34, 99]))


def stripe_rk():
    return "rk" + "_live_" + rs(ALNUM, 24)


def stripe_wh():
    return "wh" + "sec_" + rs(ALNUM, 32)


def twilio_sk():
    return "S" + "K" + rs(HEX, 32)


def sendgrid():
    return "S" + "G." + rs(URLSAFE, 22) + "." + rs(URLSAFE, 43)


def openai():
    return "sk" + "-proj-" + rs(URLSAFE, 74) + "T3Blbk" + "FJ" + rs(URLSAFE, 74)


def openai_svc():
    return "sk" + "-svcacct-" + rs(URLSAFE, 58) + "T3Blbk" + "FJ" + rs(URLSAFE, 58)


def anthropic():
    return "sk" + "-ant-api03-" + rs(URLSAFE, 93) + "AA"


def google():
    return "AI" + "za" + rs(URLSAFE, 35)


def gcp_oauth_secret():
    return "GOC" + "SPX-" + rs(URLSAFE, 28)


def azure_storage():
    return b64(rbytes(64))


def azure_client_secret():
    return rs(ALNUM, 3) + "8Q" + "~" + rs(ALNUM + "_-.~", 34)


def npm():
    return "np" + "m_" + rs(ALNUM, 36)


def pypi():
    return "py" + "pi-" + "AgEIcHlw" + "aS5vcmc" + rs(URLSAFE, 160)


def hf():
    return "h" + "f_" + rs(ALPHA, 34)


def shopify():
    return "shp" + "at_" + rs(HEX, 32)


def shopify_secret():
    return "shp" + "ss_" + rs(HEX, 32)


def discord_bot():
    return b64u(digits(18).encode()) + "." + rs(URLSAFE, 6) + "." + rs(URLSAFE, 38)


def discord_hook():
    return "https://discord." + "com/api/webhooks/" + digits(18) + "/" + rs(URLSAFE, 68)


def telegram():
    return str(R.randint(10 ** 8, 7 * 10 ** 9)) + ":" + "AA" + rs(URLSAFE, 33)


def mailgun():
    return "ke" + "y-" + rs(HEX, 32)


def digitalocean():
    return "do" + "p_v1_" + rs(HEX, 64)


def databricks():
    return "da" + "pi" + rs(HEX, 32)


def doppler():
    return "dp" + ".pt." + rs(ALNUM, 43)


def vault_token():
    return "hv" + "s." + rs(URLSAFE, 90)


def postman():
    return "PM" + "AK-" + rs(HEX, 24) + "-" + rs(HEX, 34)


def linear():
    return "lin" + "_api_" + rs(ALNUM, 40)


def sentry_token():
    return "sntr" + "yu_" + rs(HEX, 64)


def grafana_sa():
    return "gl" + "sa_" + rs(ALNUM, 32) + "_" + rs(HEX, 8)


def grafana_cloud():
    body = json.dumps({"o": digits(6), "n": "stack-" + digits(6) + "-hm-write",
                       "k": rs(ALNUM, 24), "m": {"r": "prod-eu-west-2"}}, separators=(",", ":"))
    return "gl" + "c_" + b64(body.encode())


def newrelic():
    return "NR" + "AK-" + rs(UPPER + DIGITS, 27)


def pulumi():
    return "pu" + "l-" + rs(HEX, 40)


def supabase():
    return "sb" + "p_" + rs(HEX, 40)


def atlassian():
    return "ATA" + "TT3xFfGF0" + rs(URLSAFE, 170) + "=" + rs(UPPER + DIGITS, 8)


def tfc_token():
    return rs(ALNUM, 14) + ".atlas" + "v1." + rs(ALNUM + "-_", 67)


def age_key():
    return "AGE-SECRET" + "-KEY-1" + rs("QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L", 58)


def figma():
    return "fig" + "d_" + rs(URLSAFE, 40)


def jwt():
    head = b64u(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = b64u(json.dumps({"sub": digits(7), "role": "service", "exp": R.randint(1.8e9, 2.2e9)}).encode())
    return head + "." + body + "." + rs(URLSAFE, 43)


PROVIDERS = {
    "aws_access_key_id": aws_id, "github_pat": gh_pat, "github_fine_grained": gh_fine,
    "github_oauth": gh_oauth, "gitlab_pat": gitlab, "slack_bot_token": slack_bot,
    "stripe_live_secret": stripe_sk, "sendgrid_key": sendgrid, "openai_key": openai,
    "anthropic_key": anthropic, "google_api_key": google, "npm_token": npm, "pypi_token": pypi,
    "huggingface_token": hf, "shopify_token": shopify, "digitalocean_token": digitalocean,
    "databricks_token": databricks, "doppler_token": doppler, "vault_token": vault_token,
    "postman_key": postman, "linear_key": linear, "sentry_token": sentry_token,
    "grafana_sa_token": grafana_sa, "newrelic_key": newrelic, "pulumi_token": pulumi,
    "supabase_token": supabase, "twilio_api_key": twilio_sk, "mailgun_key": mailgun,
    "telegram_bot_token": telegram, "figma_token": figma,
}


def any_provider():
    kind = R.choice(sorted(PROVIDERS))
    return kind, PROVIDERS[kind]()


WORDS = ["Summer", "Winter", "Dragon", "Falcon", "Orange", "Purple", "Rocket", "Tiger", "Maple",
         "Harbor", "Copper", "Granite", "Velvet", "Nimbus", "Bishop", "Cobalt", "Juniper", "Lotus"]
LOWWORDS = ["river", "candle", "tractor", "pepper", "saddle", "meadow", "lantern", "walnut",
            "glacier", "otter", "violet", "harpoon", "biscuit", "cactus"]


def pw_random(n: int | None = None) -> str:
    n = n or R.randint(14, 26)
    while True:
        s = rs(PW_CHARS, n)
        if (any(c in PW_PUNCT for c in s) and any(c in DIGITS for c in s) and s[0] not in "-=!@*?~^+."
                and not any(a in PW_PUNCT and b in PW_PUNCT for a, b in zip(s, s[1:]))):
            return s


def pw_human() -> str:
    style = R.randrange(4)
    if style == 0:
        return R.choice(WORDS) + str(R.randint(1970, 2031)) + R.choice("!@*?.")
    if style == 1:
        w = R.choice(WORDS).replace("o", "0").replace("a", "@").replace("e", "3")
        return w + R.choice(["_", "-", "."]) + str(R.randint(10, 999)) + R.choice("!?")
    if style == 2:
        return "-".join(R.sample(LOWWORDS, 3)) + "-" + str(R.randint(1, 99))
    return R.choice(WORDS) + R.choice(LOWWORDS).capitalize() + str(R.randint(1, 99)) + "!"


def pw_url() -> str:
    return rs(ALNUM, R.randint(14, 22)) + R.choice(["", "-", "_", "."]) + rs(ALNUM, 4)


def pw_any():
    return ("password_random", pw_random()) if R.random() < 0.6 else ("password_human", pw_human())


# ----------------------------------------------------------------------------- look-alikes
def sha256hex():
    return hashlib.sha256(rbytes(32)).hexdigest()


def sha1hex():
    return hashlib.sha1(rbytes(20)).hexdigest()


def sha512_integrity():
    return "sha512-" + b64(hashlib.sha512(rbytes(32)).digest())


def uid():
    return str(uuid.UUID(int=R.getrandbits(128), version=4))


def ssh_pub(kind="ed25519"):
    if kind == "ed25519":
        blob = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + rbytes(32)
        return "ssh-ed25519 " + b64(blob) + " " + R.choice(LOWWORDS) + "@build-" + digits(2)
    blob = b"\x00\x00\x00\x07ssh-rsa\x00\x00\x00\x03\x01\x00\x01\x00\x00\x01\x01\x00" + rbytes(256)
    return "ssh-rsa " + b64(blob) + " deploy@ci"


def png_data_uri():
    return "data:image/png;base64," + b64(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + rbytes(60))


def pem_lines(body_bytes: int) -> list[str]:
    s = b64(rbytes(body_bytes))
    return [s[i:i + 64] for i in range(0, len(s), 64)]


def dash(word: str) -> str:
    return "-" * 5 + word + "-" * 5


def placeholder():
    return R.choice(["changeme", "<your-api-key>", "CHANGE_ME", "REPLACE_ME", "xxxxxxxxxxxxxxxx",
                     "your-token-here", "<token>", "********", "TODO", "<insert-password>",
                     "dummy", "password", "secret"])


def example_token():
    """Provider-shaped values that carry an obvious marker or a sequential/repeated body."""
    opts = [
        ("example_aws", "AK" + "IA" + "IOSFODNN7" + "EXAMPLE"),
        ("example_github", "gh" + "p_" + "x" * 36),
        ("example_github", "gh" + "p_" + "EXAMPLE" + rs(ALNUM, 29)),
        ("example_stripe", "sk" + "_live_" + "DUMMY" + "0" * 19),
        ("sequential", "sk" + "-proj-" + "0123456789abcdefghijklmnopqrstuvwxyz" * 2),
        ("example_slack", "xo" + "xb-" + "000000000000-0000000000000-" + "X" * 24),
        ("example_openai", "sk" + "-" + "FAKE" + "x" * 44),
        ("sequential", "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"),
        ("example_npm", "np" + "m_" + "EXAMPLE" + "0" * 29),
        ("example_hf", "h" + "f_" + "DUMMYTOKEN" + "a" * 24),
        ("repeated", "a1b2" * 10),
    ]
    return R.choice(opts)


# ----------------------------------------------------------------------------- writer
class FB:
    def __init__(self, path: str):
        self.path = path
        self.lines: list[str] = []
        self.labels: list[tuple[int, str, str]] = []

    def r(self, *chunks: str) -> "FB":
        for c in chunks:
            self.lines.extend(c.split("\n"))
        return self

    def s(self, line: str, kind: str) -> "FB":
        return self._lab(line, "secret", kind)

    def n(self, line: str, kind: str) -> "FB":
        return self._lab(line, "not_secret", kind)

    def _lab(self, line, label, kind):
        assert "\n" not in line and line.strip(), (self.path, line)
        self.lines.append(line)
        self.labels.append((len(self.lines), label, kind))
        return self


FILES: list[FB] = []


def new(path: str) -> FB:
    f = FB(path)
    FILES.append(f)
    return f


# ----------------------------------------------------------------------------- files
def f_env():
    f = new(".env")
    db_pw = pw_url()
    f.r("# local overrides - loaded by docker compose", "APP_ENV=production", "PORT=8080")
    f.s(f"DATABASE_URL=postgres://app:{db_pw}@db.internal:5432/app", "db_url")
    f.s(f"REDIS_URL=redis://:{pw_url()}@cache:6379/0", "db_url")
    f.s(f"AWS_ACCESS_KEY_ID={aws_id()}", "aws_access_key_id")
    f.s(f"AWS_SECRET_ACCESS_KEY={aws_secret()}", "aws_secret_key")
    f.s(f"STRIPE_SECRET_KEY={stripe_sk()}", "stripe_live_secret")
    f.n(f"STRIPE_PUBLISHABLE_KEY={'pk' + '_live_' + rs(ALNUM, 24)}", "public_id")
    f.s(f"OPENAI_API_KEY={openai()}", "openai_key")
    f.s(f'SESSION_SECRET="{rs(HEX, 64)}"', "generic_secret_hex")
    f.n("SMTP_PASSWORD=", "empty_value")
    f.n("SENTRY_ENVIRONMENT=production", "field_name")
    f.n(f"BUILD_SHA={sha1hex()}", "git_sha")
    f.s(f"ADMIN_PASSWORD='{pw_human()}'", "password_human")
    f.n("JWT_SECRET=${JWT_SECRET:?must be set}", "env_ref")
    f.s(f"export DOPPLER_TOKEN={doppler()}", "doppler_token")


def f_env_example():
    f = new(".env.example")
    f.r("# copy to .env and fill in")
    f.n("DATABASE_URL=postgres://app:<password>@localhost:5432/app", "placeholder")
    f.n("AWS_ACCESS_KEY_ID=" + "AK" + "IA" + "IOSFODNN7" + "EXAMPLE", "example_aws")
    f.n("AWS_SECRET_ACCESS_KEY=" + "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCY" + "EXAMPLEKEY", "example_aws")
    f.n("STRIPE_SECRET_KEY=" + "sk" + "_test_" + "...", "placeholder")
    f.n(f"OPENAI_API_KEY={placeholder()}", "placeholder")
    f.n("GITHUB_TOKEN=" + "gh" + "p_" + "x" * 36, "example_github")
    f.n("ADMIN_PASSWORD=changeme", "placeholder")
    f.n("SLACK_WEBHOOK_URL=https://hooks." + "slack.com/services/T00000000/B00000000/" + "X" * 24,
        "example_slack")


def f_compose():
    f = new("docker-compose.yml")
    pg = pw_any()
    f.r("services:", "  db:", "    image: postgres:16", "    environment:",
        "      POSTGRES_USER: app")
    f.s(f'      POSTGRES_PASSWORD: "{pg[1]}"', pg[0])
    f.r("  minio:", f"    image: minio/minio@sha256:{sha256hex()}", "    environment:")
    f.n("      MINIO_ROOT_PASSWORD: ${MINIO_ROOT_PASSWORD}", "env_ref")
    f.r("  api:", "    build: .", "    environment:")
    f.s(f"      - DATABASE_URL=mysql://api:{pw_url()}@db:3306/shop", "db_url")
    f.n("      - REDIS_PASSWORD_FILE=/run/secrets/redis_password", "file_path")
    f.s(f"      - HF_TOKEN={hf()}", "huggingface_token")
    f.n(f"      - GIT_COMMIT={sha1hex()}", "git_sha")
    f.r("  grafana:", "    image: grafana/grafana:11.0.0", "    environment:")
    f.n("      GF_SECURITY_ADMIN_PASSWORD__FILE: /run/secrets/gf_admin", "file_path")
    f.s(f"      GF_SMTP_PASSWORD: '{pw_random()}'", "password_random")


def f_k8s_secret():
    f = new("k8s/secret.yaml")
    f.r("apiVersion: v1", "kind: Secret", "metadata:", "  name: api-credentials",
        f"  uid: {uid()}", "type: Opaque", "data:")
    f.s(f"  db-password: {b64(pw_random().encode())}", "k8s_secret_b64")
    f.s(f"  stripe-key: {b64(stripe_rk().encode())}", "k8s_secret_b64")
    f.n(f"  ca.crt: {b64(('-' * 5 + 'BEGIN CERTIFICATE' + '-' * 5 + chr(10) + 'MIIB' + rs(ALNUM, 40)).encode())}",
        "certificate")
    f.n(f"  log-level: {b64(b'debug')}", "base64_plain")
    f.r("stringData:")
    f.s(f"  SENDGRID_API_KEY: {sendgrid()}", "sendgrid_key")
    f.n("  SMTP_USER: notifications@example.com", "field_name")
    f.r("---", "apiVersion: bitnami.com/v1alpha1", "kind: SealedSecret", "metadata:",
        "  name: api-credentials", "spec:", "  encryptedData:")
    f.n(f"    db-password: AgB{rs(URLSAFE.replace('-', '+').replace('_', '/'), 300)}==", "encrypted_blob")


def f_k8s_deploy():
    f = new("k8s/deployment.yaml")
    f.r("apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: worker", "spec:",
        "  template:", "    spec:", "      containers:", "        - name: worker",
        f"          image: ghcr.io/acme/worker@sha256:{sha256hex()}", "          env:",
        "            - name: DB_PASSWORD", "              valueFrom:", "                secretKeyRef:")
    f.n("                  name: api-credentials", "secret_ref")
    f.r("            - name: DATADOG_API_KEY")
    f.s(f"              value: {rs(HEX, 32)}", "datadog_api_key")
    f.r("            - name: REQUEST_ID_NAMESPACE")
    f.n(f"              value: {uid()}", "uuid")
    f.r("            - name: GITLAB_RUNNER_TOKEN")
    f.s(f'              value: "{gitlab_runner()}"', "gitlab_runner_token")
    f.r("            - name: API_PASSWORD")
    f.n('              value: "$(API_PASSWORD_FROM_VAULT)"', "env_ref")


def f_gh_workflow():
    f = new(".github/workflows/deploy.yml")
    f.r("name: deploy", "on:", "  push:", "    branches: [main]", "jobs:", "  deploy:",
        "    runs-on: ubuntu-latest", "    env:")
    f.n("      AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}", "template_ref")
    f.s(f"      NPM_TOKEN: {npm()}", "npm_token")
    f.r("    steps:", f"      - uses: actions/checkout@{sha1hex()}", "      - name: helm upgrade",
        "        run: |", "          helm upgrade --install api ./chart \\")
    f.s(f"            --set db.password='{pw_random()}' \\", "password_random")
    f.n("            --set db.passwordSecret=api-db \\", "field_name")
    f.n("            --set image.tag=${{ github.sha }} \\", "template_ref")
    f.s(f"            --set slack.webhook={slack_hook()}", "slack_webhook")
    f.r("      - name: notify", "        run: >-", "          curl -sf -X POST")
    f.s(f'          -H "Authorization: Bearer {linear()}"', "linear_key")
    f.r("          https://api.linear.app/graphql")
    f.r("      - name: smoke")
    f.n('        run: curl -u "ci:${{ secrets.SMOKE_PASSWORD }}" https://staging.example.com/health',
        "template_ref")


def f_gitlab_ci():
    f = new(".gitlab-ci.yml")
    f.r("variables:", '  DOCKER_DRIVER: overlay2')
    f.s(f'  CI_REGISTRY_PASSWORD: "{gitlab()}"', "gitlab_pat")
    f.n('  SONAR_TOKEN: "$SONAR_TOKEN"', "env_ref")
    f.n("  PIP_EXTRA_INDEX_URL: https://${PYPI_USER}:${PYPI_PASS}@pypi.internal/simple", "env_ref")
    f.r("", "deploy:", "  stage: deploy", "  script:")
    f.s(f"    - export DIGITALOCEAN_ACCESS_TOKEN={digitalocean()}", "digitalocean_token")
    f.s(f"    - databricks configure --token <<< '{databricks()}'", "databricks_token")
    f.n("    - echo \"$KUBECONFIG_B64\" | base64 -d > kubeconfig", "env_ref")
    f.s(f"    - curl -u deploy:{pw_human()} https://nexus.internal/service/rest/v1/status", "password_human")


def f_helm():
    f = new("helm/values.yaml")
    f.r("replicaCount: 2", "image:", "  repository: ghcr.io/acme/api", '  tag: "1.8.2"', "auth:")
    f.n("  adminPassword: \"{{ .Values.global.adminPassword }}\"", "template_ref")
    f.n('  existingSecret: "api-auth"', "secret_ref")
    f.n('  password: ""', "empty_value")
    f.r("postgresql:", "  auth:")
    f.n('    password: "{{ requiredEnv \\"PG_PASSWORD\\" }}"', "template_ref")
    f2 = new("helm/values-prod.yaml")
    f2.r("auth:")
    p = pw_any()
    f2.s(f"  adminPassword: {p[1]}", p[0])
    f2.r("externalServices:")
    f2.s(f"  sentryAuthToken: {sentry_token()}", "sentry_token")
    f2.n(f"  sentryDsnProjectId: \"{digits(7)}\"", "numeric_id")
    f2.s(f"  grafanaToken: {grafana_sa()}", "grafana_sa_token")
    f2.n(f"  checksum/config: {sha256hex()}", "hash")


def f_ansible():
    f = new("ansible/group_vars/all.yml")
    f.r("---", "app_user: deploy")
    f.n("db_password: !vault |", "encrypted_blob")
    f.r("  $ANSIBLE_VAULT;1.1;AES256")
    for _ in range(4):
        f.r("  " + rs(HEX, 80))
    p = pw_any()
    f.s(f"mysql_root_password: \"{p[1]}\"", p[0])
    f.n("smtp_password: \"{{ lookup('community.hashi_vault.hashi_vault', 'secret=kv/data/smtp:password') }}\"",
        "vault_ref")
    f.n("api_token: \"{{ lookup('env', 'API_TOKEN') }}\"", "env_ref")
    f.s(f"telegram_bot_token: \"{telegram()}\"", "telegram_bot_token")
    f.n("password_min_length: 14", "policy_text")


def f_cloud_init():
    f = new("infra/cloud-init.yaml")
    f.r("#cloud-config", "users:", "  - name: ops", "    groups: sudo")
    f.n(f"    ssh_authorized_keys: [\"{ssh_pub()}\"]", "public_key")
    f.n("    passwd: $6$rounds=4096$" + rs(ALNUM + "./", 16) + "$" + rs(ALNUM + "./", 86), "password_hash")
    f.r("chpasswd:", "  list: |")
    f.s(f"    root:{pw_human()}", "password_human")
    f.r("  expire: false", "write_files:", "  - path: /etc/app/token", "    content: |")
    f.s(f"      {vault_token()}", "vault_token")
    f.r("runcmd:")
    f.n("  - [ sh, -c, 'echo $(openssl rand -hex 32) > /etc/app/session.key' ]", "generated_at_runtime")


def f_json_settings():
    f = new("config/settings.json")
    f.r("{", '  "service": "billing",')
    f.s(f'  "twilioApiKeySid": "{twilio_sk()}",', "twilio_api_key")
    f.s(f'  "twilioApiSecret": "{rs(ALNUM, 32)}",', "twilio_secret")
    f.n(f'  "twilioAccountSid": "AC{rs(HEX, 32)}",', "public_id")
    f.s(f'  "mailgunKey": "{mailgun()}",', "mailgun_key")
    f.n(f'  "tenantId": "{uid()}",', "uuid")
    f.n('  "passwordField": "password",', "field_name")
    f.n('  "clientSecret": "${AZURE_CLIENT_SECRET}",', "env_ref")
    f.s(f'  "azureClientSecret": "{azure_client_secret()}",', "azure_client_secret")
    f.n(f'  "logo": "{png_data_uri()}",', "base64_image")
    f.r('  "retries": 3', "}")


def f_gcp_sa():
    f = new("config/gcp-service-account.json")
    f.r("{", '  "type": "service_account",', '  "project_id": "acme-prod-311",')
    f.n(f'  "private_key_id": "{rs(HEX, 40)}",', "public_id")
    body = "\\n".join(pem_lines(R.randint(600, 700)))
    f.s(f'  "private_key": "{dash("BEGIN PRIV" + "ATE KEY")}\\n{body}\\n{dash("END PRIV" + "ATE KEY")}\\n",',
        "private_key")
    f.r('  "client_email": "deployer@acme-prod-311.iam.gserviceaccount.com",')
    f.n(f'  "client_id": "{digits(21)}",', "numeric_id")
    f.r('  "token_uri": "https://oauth2.googleapis.com/token"', "}")


def f_package_lock():
    f = new("package-lock.json")
    f.r("{", '  "name": "web",', '  "lockfileVersion": 3,', '  "packages": {',
        '    "node_modules/left-pad": {', '      "version": "1.3.0",',
        '      "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",')
    f.n(f'      "integrity": "{sha512_integrity()}"', "integrity_hash")
    f.r("    },", '    "node_modules/lodash": {', '      "version": "4.17.21",')
    f.n(f'      "integrity": "{sha512_integrity()}"', "integrity_hash")
    f.r("    }", "  }", "}")


def f_slack_export():
    f = new("exports/slack/incident-4412.json")
    tok = slack_bot()
    f.r("[", "  {", '    "type": "message",', f'    "user": "U{rs(UPPER + DIGITS, 10)}",')
    f.s(f'    "text": "temp bot token for the migration is {tok} - rotate after friday",', "slack_bot_token")
    f.n(f'    "ts": "{digits(10)}.{digits(6)}"', "numeric_id")
    f.r("  },", "  {", '    "type": "message",')
    f.n('    "text": "please never paste tokens here, use 1password: op://Infra/stripe/credential",',
        "vault_ref")
    f.n(f'    "client_msg_id": "{uid()}"', "uuid")
    f.r("  },", "  {", '    "type": "message",')
    f.s(f'    "text": "db is back, creds: admin / {pw_human()}",', "password_human")
    f.r('    "thread_ts": "1712345678.000100"', "  },", "  {", '    "type": "message",')
    f.n(f'    "text": "build {sha1hex()[:12]} deployed, checksum sha256:{sha256hex()}"', "hash")
    f.r("  }", "]")


def f_ipynb():
    f = new("notebooks/explore.ipynb")
    f.r("{", ' "cells": [', "  {", '   "cell_type": "code",', '   "execution_count": 3,',
        '   "metadata": {},', '   "outputs": [],', '   "source": [', '    "import openai\\n",')
    f.s(f'    "client = openai.OpenAI(api_key=\\"{openai_svc()}\\")\\n",', "openai_key")
    f.s(f'    "hf_login(token=\\"{hf()}\\")\\n",', "huggingface_token")
    f.n('    "key = os.environ[\\"ANTHROPIC_API_KEY\\"]\\n",', "env_ref")
    f.s(f'    "claude = anthropic.Anthropic(api_key=\\"{anthropic()}\\")"', "anthropic_key")
    f.r("   ]", "  },", "  {", '   "cell_type": "code",', '   "execution_count": 4,',
        '   "metadata": {},', '   "outputs": [', "    {", '     "output_type": "display_data",',
        '     "data": {')
    f.n(f'      "image/png": "{b64(bytes([137]) + b"PNG" + bytes([13, 10, 26, 10]) + rbytes(90))}"', "base64_image")
    f.r("     },", '     "metadata": {}', "    }", "   ],", '   "source": [')
    f.n('    "print(hashlib.sha256(b\\"data\\").hexdigest())"', "code_no_value")
    f.r("   ]", "  }", " ],", ' "metadata": {},', ' "nbformat": 4,', ' "nbformat_minor": 5', "}")


def f_toml():
    f = new("pyproject.toml")
    f.r("[project]", 'name = "ingest"', 'version = "0.4.0"', "", "[tool.ingest.credentials]")
    f.s(f'pypi_token = "{pypi()}"', "pypi_token")
    f.n('aws_profile = "ingest-prod"', "field_name")
    f.n('password = "env:INGEST_DB_PASSWORD"', "env_ref")
    f.n(f'api_key = "{placeholder()}"', "placeholder")
    f.r("", "[tool.ingest.warehouse]")
    f.s(f"dsn = 'snowflake://loader:{pw_url()}@acme-eu.snowflakecomputing.com/RAW'", "db_url")
    f2 = new("config/app.toml")
    f2.r("[server]", "port = 9000", "", "[secrets]")
    f2.s(f'cookie_secret = "{b64(rbytes(32))}"', "generic_secret_b64")
    f2.n(f'cookie_secret_sha256 = "{sha256hex()}"', "hash")
    f2.s(f'vault_token = "{vault_token()}"', "vault_token")
    f2.n('vault_path = "secret/data/app/prod"', "vault_ref")
    f2.s(f'age_identity = "{age_key()}"', "age_secret_key")


def f_ini():
    f = new("setup.cfg")
    f.r("[metadata]", "name = ingest", "", "[ingest:database]", "host = 10.0.4.12", "user = etl")
    f.s(f"password = {pw_random()}", "password_random")
    f.n("password_file = /etc/ingest/db.pass", "file_path")
    f2 = new("deploy/my.cnf")
    f2.r("[client]", "user=backup")
    f2.s(f"password={pw_human()}", "password_human")
    f2.r("host=db-primary.internal", "", "[mysqldump]")
    f2.n("password=", "empty_value")
    f3 = new("config/app.ini")
    f3.r("[api]", "base_url = https://api.example.com")
    f3.s(f"token = {postman()}", "postman_key")
    f3.n("; token = <paste postman key here>", "placeholder")
    f3.n(f"etag = \"{rs(HEX, 32)}\"", "hash")
    f3.r("", "[ldap]", "bind_dn = cn=svc,dc=acme,dc=io")
    f3.s(f"bind_password = {pw_any()[1]}", "password_generic")
    f3.n("password_policy = minimum 12 characters, one digit, one symbol", "policy_text")


def f_properties():
    f = new("src/main/resources/application.properties")
    f.r("server.port=8080", "spring.datasource.url=jdbc:postgresql://db:5432/orders",
        "spring.datasource.username=orders")
    f.s(f"spring.datasource.password={pw_random()}", "password_random")
    f.n("spring.mail.password=${MAIL_PASSWORD}", "env_ref")
    f.s(f"app.slack.app-token={slack_app()}", "slack_app_token")
    f.n("spring.security.user.password=", "empty_value")
    f.n(f"app.jwt.public-key-sha256={sha256hex()}", "hash")
    f.s(f"app.datasource.reporting.url=jdbc:sqlserver://rpt.internal:1433;databaseName=bi;user=bi;password={pw_url()}",
        "db_url")
    f.n("spring.cloud.vault.token=${VAULT_TOKEN}", "env_ref")


def f_xml():
    f = new("build/settings.xml")
    f.r('<?xml version="1.0" encoding="UTF-8"?>', "<settings>", "  <servers>", "    <server>",
        "      <id>nexus-releases</id>", "      <username>deployer</username>")
    f.s(f"      <password>{pw_random()}</password>", "password_random")
    f.r("    </server>", "    <server>", "      <id>github</id>", "      <username>ci-bot</username>")
    f.s(f"      <password>{gh_pat()}</password>", "github_pat")
    f.r("    </server>", "    <server>", "      <id>central</id>")
    f.n("      <password>{" + b64(rbytes(24)) + "}</password>", "encrypted_blob")
    f.r("    </server>", "    <server>", "      <id>mirror</id>")
    f.n("      <password>${env.MIRROR_PASSWORD}</password>", "env_ref")
    f.r("    </server>", "  </servers>", "</settings>")
    f2 = new("src/Web/Web.config")
    f2.r('<?xml version="1.0" encoding="utf-8"?>', "<configuration>", "  <connectionStrings>")
    f2.s(f'    <add name="Main" connectionString="Server=sql01;Database=Shop;User Id=shop;Password={pw_random()};" />',
         "connection_string")
    f2.n('    <add name="Local" connectionString="Server=(localdb)\\MSSQLLocalDB;Database=Shop;Integrated Security=true;" />',
         "connection_string_no_password")
    f2.r("  </connectionStrings>", "  <appSettings>")
    f2.s(f'    <add key="StorageConnection" value="DefaultEndpointsProtocol=https;AccountName=acmeprod;AccountKey={azure_storage()};EndpointSuffix=core.windows.net" />',
         "azure_storage_key")
    f2.n('    <add key="StorageDev" value="UseDevelopmentStorage=true" />', "placeholder")
    f2.n(f'    <add key="ClientId" value="{uid()}" />', "uuid")
    f2.r("  </appSettings>", "</configuration>")


def f_terraform():
    f = new("terraform/main.tf")
    f.r('provider "aws" {', '  region = "eu-west-1"')
    f.s(f'  access_key = "{aws_id()}"', "aws_access_key_id")
    f.s(f'  secret_key = "{aws_secret()}"', "aws_secret_key")
    f.r("}", "", 'resource "aws_db_instance" "main" {', '  engine   = "postgres"', '  username = "app"')
    f.n("  password = var.db_password", "var_ref")
    f.r("}", "", 'resource "aws_secretsmanager_secret_version" "api" {')
    f.n("  secret_id     = aws_secretsmanager_secret.api.id", "vault_ref")
    f.n('  secret_string = data.aws_kms_secrets.api.plaintext["token"]', "vault_ref")
    f.r("}", "", 'resource "datadog_monitor" "cpu" {', '  name = "cpu"', "}", "",
        'provider "cloudflare" {')
    f.s(f'  api_token = "{rs(URLSAFE, 40)}"', "cloudflare_token")
    f.r("}", "", 'data "aws_ami" "ubuntu" {')
    f.n(f'  owners = ["{digits(12)}"]', "numeric_id")
    f.r("}")
    f2 = new("terraform/prod.auto.tfvars")
    f2.s(f'db_password        = "{pw_human()}"', "password_human")
    f2.n('db_password_arn    = "arn:aws:secretsmanager:eu-west-1:' + digits(12) + ':secret:prod/db-' + rs(ALNUM, 6) + '"',
         "vault_ref")
    f2.s(f'tfe_token          = "{tfc_token()}"', "terraform_cloud_token")
    f2.s(f'newrelic_api_key   = "{newrelic()}"', "newrelic_key")
    f2.n('kms_key_id         = "alias/prod-app"', "vault_ref")
    f2.n('github_token       = ""', "empty_value")


def f_dockerfile():
    f = new("Dockerfile")
    f.r(f"FROM python:3.12-slim@sha256:{sha256hex()}", "WORKDIR /app")
    f.n("ARG PIP_INDEX_PASSWORD", "field_name")
    f.s(f"ENV SUPABASE_ACCESS_TOKEN={supabase()}", "supabase_token")
    f.s(f'RUN pip install --index-url https://ci:{pw_url()}@pypi.acme.internal/simple -r requirements.txt',
        "db_url")
    f.n("RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci", "secret_ref")
    f.n("ENV POSTGRES_PASSWORD_FILE=/run/secrets/pg", "file_path")
    f.r("COPY . .", 'CMD ["gunicorn", "app:app"]')


def f_shell():
    f = new("scripts/deploy.sh")
    f.r("#!/usr/bin/env bash", "set -euo pipefail")
    f.s(f"export GITHUB_TOKEN='{gh_fine()}'", "github_fine_grained")
    f.n(': "${DEPLOY_KEY:?DEPLOY_KEY must be set}"', "env_ref")
    f.s(f"mysql -h db -u root -p'{pw_random()}' shop < dump.sql", "password_random")
    f.n('PGPASSWORD="$(aws secretsmanager get-secret-value --secret-id prod/pg --query SecretString --output text)"',
        "vault_ref")
    f.r("curl -fsS \\", "  -X POST \\")
    f.s(f'  -H "X-Postmark-Server-Token: {uid()}" \\', "postmark_token")
    f.r("  https://api.postmarkapp.com/email")
    f.n(f'echo "{sha256hex()}  release.tar.gz" | sha256sum -c -', "hash")
    f.n('read -rsp "Password: " PASSWORD', "field_name")
    f.s(f'HEROKU_API_KEY={rs(HEX, 8)}-{rs(HEX, 4)}-{rs(HEX, 4)}-{rs(HEX, 4)}-{rs(HEX, 12)} heroku releases',
        "heroku_api_key")


def f_powershell():
    f = new("scripts/setup.ps1")
    f.r("$ErrorActionPreference = 'Stop'")
    f.s(f"$secure = ConvertTo-SecureString '{pw_random()}' -AsPlainText -Force", "password_random")
    f.n("$cred = Get-Credential -UserName 'svc-deploy' -Message 'Enter password'", "field_name")
    f.s(f"$env:AZURE_CLIENT_SECRET = '{azure_client_secret()}'", "azure_client_secret")
    f.n("$token = (Get-AzKeyVaultSecret -VaultName 'kv-prod' -Name 'api-token' -AsPlainText)", "vault_ref")
    f.s(f"$headers = @{{ Authorization = 'Bearer {jwt()}' }}", "jwt")
    f.n("$pat = $env:AZURE_DEVOPS_PAT", "env_ref")
    f.s(f"$devopsPat = '{rs(LOWER + '0123456789', 52)}'", "azure_devops_pat")


def f_python():
    f = new("app/settings.py")
    f.r("import os", "", "DEBUG = False")
    f.s(f'SECRET_KEY = "{rs(LOWER + DIGITS + "!@^*-_=+", 50)}"', "django_secret_key")
    f.n('SECRET_KEY_FALLBACK = os.environ.get("SECRET_KEY_FALLBACK", "")', "env_ref")
    f.r("DATABASES = {", '    "default": {', '        "ENGINE": "django.db.backends.postgresql",')
    f.s(f'        "PASSWORD": "{pw_human()}",', "password_human")
    f.r("    },", '    "replica": {')
    f.n('        "PASSWORD": os.environ["REPLICA_DB_PASSWORD"],', "env_ref")
    f.r("    },", "}")
    f.r("STRIPE = dict(")
    f.s(f'    webhook_secret="{stripe_wh()}",', "stripe_webhook_secret")
    f.n(f'    publishable_key="{"pk" + "_test_" + rs(ALNUM, 24)}",', "public_id")
    f.r(")")
    f.n('AUTH_PASSWORD_VALIDATORS = [{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"}]',
        "policy_text")
    f.r("SHOPIFY_ADMIN_TOKEN = (")
    f.s(f'    "{shopify()}"', "shopify_token")
    f.r(")")
    f.n('PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]', "field_name")
    f2 = new("tests/fixtures/test_auth.py")
    f2.r("import pytest", "")
    f2.n('FAKE_PASSWORD = "correct-horse-FAKE-fixture"', "test_fixture")
    f2.n('TEST_TOKEN = "gh" "p_" + "0" * 36', "test_fixture")
    f2.n(f'KNOWN_HASH = "$2b$12${rs(ALNUM + "./", 53)}"', "password_hash")
    f2.r("", "def test_login(client):")
    f2.n('    resp = client.post("/login", data={"username": "alice", "password": "test-password"})',
         "test_fixture")
    f2.r("    assert resp.status_code == 200")


def f_js_ts():
    f = new("web/src/config.js")
    f.r("'use strict';", "", "module.exports = {")
    f.s(f"  discordWebhook: '{discord_hook()}',", "discord_webhook")
    f.s(f"  discordBotToken: '{discord_bot()}',", "discord_bot_token")
    f.n("  sendgridKey: process.env.SENDGRID_API_KEY,", "env_ref")
    f.n(f"  sentryDsn: 'https://{rs(HEX, 32)}@o{digits(6)}.ingest.sentry.io/{digits(7)}',", "sentry_dsn_public")
    f.n(f"  firebaseAppId: '1:{digits(12)}:web:{rs(HEX, 22)}',", "public_id")
    f.s(f"  mongoUri: 'mongodb+srv://svc:{pw_url()}@cluster0.{rs(LOWER + DIGITS, 5)}.mongodb.net/app',", "db_url")
    f.n("  mongoUriLocal: 'mongodb://localhost:27017/app',", "db_url_no_password")
    f.r("};")
    f2 = new("web/src/api/client.ts")
    f2.r("import axios from 'axios';", "")
    f2.s(f"const FIGMA_TOKEN: string = '{figma()}';", "figma_token")
    f2.n("const PASSWORD_MIN_LENGTH: number = 12;", "policy_text")
    f2.n("export const passwordLabel = 'Password';", "field_name")
    f2.s(f"const mapboxToken = 'sk." + b64u(json.dumps({"u": "acme", "a": rs(ALNUM, 25)}).encode()) + "." + rs(URLSAFE, 22) + "';",
         "mapbox_secret_token")
    f2.n(f"const mapboxPublic = 'pk.{b64u(json.dumps({'u': 'acme', 'a': rs(ALNUM, 25)}).encode())}.{rs(URLSAFE, 22)}';",
         "public_id")
    f2.r("export const api = axios.create({", "  baseURL: 'https://api.acme.io',")
    f2.s(f"  headers: {{ 'x-api-key': '{rs(ALNUM, 40)}' }},", "generic_api_key")
    f2.r("});")


def f_go():
    f = new("cmd/server/main.go")
    f.r("package main", "", 'import "os"', "", "type Config struct {", "\tDSN      string",
        "\tAPIToken string", "\tPassword string", "}", "", "var prod = Config{")
    f.s(f'\tDSN:      "postgres://svc:{pw_url()}@pg.internal:5432/main?sslmode=require",', "db_url")
    f.s(f'\tAPIToken: "{pulumi()}",', "pulumi_token")
    f.n('\tPassword: os.Getenv("SVC_PASSWORD"),', "env_ref")
    f.r("}", "", "var dev = Config{")
    f.n('\tDSN:      "postgres://svc@localhost:5432/main?sslmode=disable",', "db_url_no_password")
    f.n('\tAPIToken: "dev-token-not-a-secret",', "placeholder")
    f.r("}", "", "const (")
    f.s(f'\tgrafanaCloudToken = "{grafana_cloud()}"', "grafana_cloud_token")
    f.n(f'\tbuildCommit = "{sha1hex()}"', "git_sha")
    f.r(")", "", "func main() { _ = prod; _ = dev }")
    f2 = new("go.sum")
    for _ in range(3):
        m = R.choice(["github.com/pkg/errors v0.9.1", "golang.org/x/sys v0.21.0", "github.com/google/uuid v1.6.0"])
        f2.n(f"{m} h1:{b64(rbytes(32))}", "hash")


def f_java_kotlin_swift():
    f = new("src/main/java/com/acme/Secrets.java")
    f.r("package com.acme;", "", "public final class Secrets {")
    f.s(f'    static final String ATLASSIAN_TOKEN = "{atlassian()}";', "atlassian_token")
    f.n('    static final String DB_PASSWORD = System.getenv("DB_PASSWORD");', "env_ref")
    f.r("    static final String LEGACY_PASSWORD =")
    f.s(f'        "{pw_random()}";', "password_random")
    f.n('    static final String PASSWORD_PARAM = "password";', "field_name")
    f.n(f'    static final String SCHEMA_ID = "{uid()}";', "uuid")
    f.r("}")
    f2 = new("android/app/src/main/kotlin/com/acme/ApiKeys.kt")
    f2.r("package com.acme", "", "object ApiKeys {")
    f2.s(f'    const val MAPS_KEY = "{google()}"', "google_api_key")
    f2.n("    val stripeKey: String = BuildConfig.STRIPE_KEY", "env_ref")
    f2.s(f'    private const val CLIENT_SECRET = "{gcp_oauth_secret()}"', "gcp_oauth_secret")
    f2.r("}")
    f3 = new("ios/Acme/Secrets.swift")
    f3.r("import Foundation", "", "enum Secrets {")
    f3.s(f'    static let revenueCatSecret = "sk_{rs(ALNUM, 32)}"', "revenuecat_secret")
    f3.n('    static let keychainService = "com.acme.password"', "field_name")
    f3.n('    static let apiKey = Bundle.main.object(forInfoDictionaryKey: "API_KEY") as? String', "env_ref")
    f3.s(f'    static let sentryAuth = "{"sntr" + "ys_" + b64(json.dumps({"iat": R.randint(1.7e9, 1.8e9), "org": "acme", "url": "https://sentry.io"}).encode()).rstrip("=") + "_" + rs(URLSAFE, 43)}"',
         "sentry_token")
    f3.r("}")


def f_csharp():
    f = new("src/Api/appsettings.Production.json")
    f.r("{", '  "ConnectionStrings": {')
    f.s(f'    "Default": "Host=pg;Database=api;Username=api;Password={pw_random()}",', "connection_string")
    f.n('    "Cache": "redis:6379,ssl=true,password=${REDIS_PASSWORD}"', "env_ref")
    f.r("  },", '  "AzureAd": {')
    f.n(f'    "TenantId": "{uid()}",', "uuid")
    f.n('    "ClientSecret": "@Microsoft.KeyVault(SecretUri=https://kv-prod.vault.azure.net/secrets/api-client/)"',  # br:allow (a Key Vault reference)
        "vault_ref")
    f.r("  },", '  "ServiceBus": {')
    f.s(f'    "Connection": "Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey={b64(rbytes(32))}"',
        "azure_sas_key")
    f.r("  }", "}")
    f2 = new("src/Api/Startup.cs")
    f2.r("namespace Api;", "", "public static class Keys", "{")
    f2.s(f'    public const string SquareToken = "EAAA{rs(URLSAFE, 60)}";', "square_token")
    f2.n('    public static string Db => Environment.GetEnvironmentVariable("DB_PASSWORD");', "env_ref")
    f2.s(f'    private static readonly string _okta = "00{rs(URLSAFE, 40)}";', "okta_token")
    f2.n('    [DataType(DataType.Password)] public string Password { get; set; }', "field_name")
    f2.r("}")


def f_ruby():
    f = new("config/database.yml")
    f.r("default: &default", "  adapter: postgresql", "  pool: 5", "", "production:", "  <<: *default")
    f.n("  password: <%= ENV['DATABASE_PASSWORD'] %>", "env_ref")
    f.r("staging:", "  <<: *default")
    p = pw_any()
    f.s(f"  password: '{p[1]}'", p[0])
    f2 = new("config/initializers/services.rb")
    f2.s(f"Stripe.api_key = '{stripe_rk()}'", "stripe_restricted_key")
    f2.n("Twilio.auth_token = Rails.application.credentials.dig(:twilio, :auth_token)", "vault_ref")
    f2.s(f"OmniAuth.config.github_secret = '{rs(HEX, 40)}'", "github_oauth_secret")
    f2.n(f"ASSET_DIGEST = '{rs(HEX, 40)}'.freeze", "hash")
    f2.s(f"ENV['SHOPIFY_API_SECRET'] ||= '{shopify_secret()}'", "shopify_secret")


def f_php():
    f = new("wp-config.php")
    f.r("<?php", "define( 'DB_NAME', 'wordpress' );", "define( 'DB_USER', 'wp' );")
    f.s(f"define( 'DB_PASSWORD', '{pw_human()}' );", "password_human")
    f.n("define( 'DB_PASSWORD_ENV', getenv('WP_DB_PASSWORD') );", "env_ref")
    f.s(f"define( 'AUTH_KEY',         '{rs(ALNUM + '!@^*-_=+.?~', 64)}' );", "wp_salt")
    f.n("define( 'SECURE_AUTH_KEY',  'put your unique phrase here' );", "placeholder")
    f2 = new("app/config/services.php")
    f2.r("<?php", "", "return [", "    'mailgun' => [", "        'domain' => 'mg.acme.io',")
    f2.s(f"        'secret' => '{mailgun()}',", "mailgun_key")
    f2.r("    ],", "    'ses' => [")
    f2.n("        'secret' => env('AWS_SECRET_ACCESS_KEY'),", "env_ref")
    f2.r("    ],", "    'telegram' => [")
    f2.s(f"        'bot_token' => \"{telegram()}\",", "telegram_bot_token")
    f2.n("        'chat_id' => -100" + digits(10) + ",", "numeric_id")
    f2.r("    ],", "];")


def f_sql():
    f = new("db/migrations/0007_roles.sql")
    f.r("-- roles for the reporting stack", "BEGIN;")
    f.s(f"CREATE USER reporter WITH PASSWORD '{pw_random()}';", "password_random")
    f.s(f"ALTER ROLE etl_loader WITH LOGIN PASSWORD '{pw_human()}';", "password_human")
    f.n("ALTER ROLE readonly WITH LOGIN PASSWORD NULL;", "empty_value")
    f.n(f"ALTER ROLE app PASSWORD 'SCRAM-SHA-256$4096:{b64(rbytes(16))}${b64(rbytes(32))}:{b64(rbytes(32))}';",
        "password_hash")
    f.s(f"CREATE USER 'shop'@'%' IDENTIFIED BY '{pw_random()}';", "password_random")
    f.n("CREATE USER 'svc'@'%' IDENTIFIED WITH auth_socket;", "field_name")
    f.n(f"INSERT INTO api_clients (id, name, secret_sha256) VALUES ('{uid()}', 'mobile', '{sha256hex()}');",
        "hash")
    f.n("COMMENT ON COLUMN users.password IS 'argon2id hash, never plaintext';", "policy_text")
    f.r("COMMIT;")


def f_docs():
    f = new("README.md")
    f.r("# acme platform", "", "## Quick start", "", "```bash")
    f.n("export STRIPE_SECRET_KEY=" + "sk" + "_test_" + "4eC39Hq" + "LyjWDarjtT1zdp7dc", "example_stripe")
    f.n("curl -u admin:<password> http://localhost:8080/api/health", "placeholder")
    f.n('curl -H "Authorization: Bearer $API_TOKEN" http://localhost:8080/api/me', "env_ref")
    f.r("```", "", "Passwords must be at least 14 characters and rotated every 90 days.")
    f.n("The `password` and `api_key` fields in `config/app.toml` are read from Vault at boot.", "policy_text")
    f.r("", "![architecture](" + png_data_uri()[:120] + ")")
    f2 = new("docs/runbooks/db-failover.md")
    f2.r("# DB failover runbook", "", "1. Page the on-call DBA.", "2. Promote the replica:", "",
         "```sh")
    f2.s(f"psql 'postgresql://postgres:{pw_url()}@pg-replica.internal:5432/postgres' -c 'SELECT pg_promote();'",
         "db_url")
    f2.r("```", "", "3. Rotate the app credentials:", "", "```sh")
    f2.n("vault kv put secret/app/db password=\"$(openssl rand -base64 24)\"", "generated_at_runtime")
    f2.s(f"vault login {vault_token()}", "vault_token")
    f2.r("```", "")
    f2.n("Break-glass password is in 1Password under `Infra / pg-superuser` (do not copy it here).", "vault_ref")
    f2.s(f"Temporary break-glass used on 2026-11-02: `{pw_human()}` (rotate!)", "password_human")
    f3 = new("docs/api.md")
    f3.r("# API", "", "Example request:", "", "```")
    f3.n('curl https://api.acme.io/v1/charges -H "Authorization: Bearer sk_test_..."', "placeholder")
    f3.n("curl -u " + "AC" + "x" * 32 + ":your_auth_token https://api.twilio.com/2010-04-01/Accounts", "placeholder")
    f3.s(f"curl -u deploy:{pw_random()} https://registry.acme.io/v2/_catalog", "password_random")
    f3.s(f'curl -H "Authorization: token {gh_oauth()}" https://api.github.com/user', "github_oauth")
    f3.r("```", "", "A JWT looks like this (header only):", "")
    f3.n("    " + b64u(json.dumps({"alg": "RS256", "typ": "JWT"}).encode()) + ".<payload>.<signature>", "placeholder")
    f3.n(f"Tokens are 32 hex characters, e.g. `{'0123456789abcdef' * 2}`.", "sequential")


def f_chat_log():
    f = new("exports/chat/ops-2026-11.txt")
    f.r("[09:14] alice: anyone have the staging creds?")
    f.s(f"[09:15] bob: user ops / pass {pw_human()}", "password_human")
    f.n("[09:15] alice: thx. the prod one is in vault at kv/prod/ops, right?", "vault_ref")
    f.s(f"[09:20] bob: also the new aws key {aws_sts_id()} with secret {aws_secret()} session expires 12h", "aws_access_key_id")
    f.n(f"[09:22] carol: image digest sha256:{sha256hex()} looks fine", "hash")
    f.n("[09:23] carol: don't paste passwords here pls, use the password manager", "policy_text")
    f.s(f"[09:31] dave: webhook {slack_hook()}", "slack_webhook")
    f.n(f"[09:32] dave: request id {uid()}", "uuid")
    f2 = new("logs/app-2026-11-30.log")
    f2.n(f"2026-11-30T10:01:02Z INFO login ok user=alice session={uid()}", "uuid")
    f2.s(f"2026-11-30T10:01:07Z DEBUG outgoing headers {{'Authorization': 'Bearer {gh_app()}'}}", "github_app_token")
    f2.n("2026-11-30T10:01:09Z WARN password=***** masked for user=bob", "masked")
    f2.s(f"2026-11-30T10:02:11Z ERROR connect failed dsn=mysql://root:{pw_url()}@10.1.2.3:3306/app", "db_url")
    f2.n(f"2026-11-30T10:02:12Z INFO config checksum={sha256hex()}", "hash")
    f2.n("2026-11-30T10:03:00Z INFO api_key=sk-...a91f (redacted)", "masked")
    f2.s(f"2026-11-30T10:03:15Z DEBUG POST /v1/notify token={sendgrid()}", "sendgrid_key")


def f_commits():
    f = new("commit-msgs/COMMIT_EDITMSG-1")
    f.r("fix(ci): use the new npm publish token", "")
    f.s(f"Token was {npm()}, will rotate after release.", "npm_token")
    f.n(f"Refs: {sha1hex()}", "git_sha")
    f2 = new("commit-msgs/COMMIT_EDITMSG-2")
    f2.r("chore: remove hardcoded password from settings", "")
    f2.n("The password now comes from os.environ['DB_PASSWORD'] (see #412).", "env_ref")
    f2.s(f"-    'PASSWORD': '{pw_human()}',", "password_human")
    f2.n("+    'PASSWORD': os.environ['DB_PASSWORD'],", "env_ref")
    f3 = new("commit-msgs/COMMIT_EDITMSG-3")
    f3.r("feat: add Anthropic client", "")
    k, v = any_provider()
    f3.s(f"Tested locally with key {v}", k)
    f3.n(f"Change-Id: I{sha1hex()}", "git_sha")


def f_dotfiles():
    f = new(".netrc")
    f.s(f"machine api.heroku.com login ops@acme.io password {rs(HEX, 8)}-{rs(HEX, 4)}-{rs(HEX, 4)}-{rs(HEX, 4)}-{rs(HEX, 12)}",
        "heroku_api_key")
    f.r("machine github.com", "  login ci-bot")
    f.s(f"  password {gh_pat()}", "github_pat")
    f.r("machine files.acme.io", "  login reader")
    f.n("  password $FILES_PASSWORD", "env_ref")
    f2 = new(".npmrc")
    f2.r("registry=https://registry.npmjs.org/")
    f2.s(f"//registry.npmjs.org/:_authToken={npm()}", "npm_token")
    f2.n("//npm.pkg.github.com/:_authToken=${GITHUB_TOKEN}", "env_ref")
    f2.s(f"//nexus.acme.io/repository/npm/:_auth={b64(('ci:' + pw_random()).encode())}", "npmrc_auth")
    f2.n("always-auth=true", "field_name")
    f3 = new(".pypirc")
    f3.r("[distutils]", "index-servers =", "    pypi", "    internal", "", "[pypi]", "username = __token__")
    f3.s(f"password = {pypi()}", "pypi_token")
    f3.r("", "[internal]", "repository = https://pypi.acme.io/", "username = uploader")
    f3.n("password = <set by CI>", "placeholder")
    f4 = new(".git-credentials")
    f4.s(f"https://ci-bot:{gh_pat()}@github.com", "github_pat")
    f4.s(f"https://oauth2:{gitlab()}@gitlab.acme.io", "gitlab_pat")
    f4.n("https://user@bitbucket.org", "url_no_password")


def f_keys():
    f = new("keys/id_rsa")
    f.s(dash("BEGIN RSA PRIV" + "ATE KEY"), "private_key")
    f.r("MIIE" + pem_lines(1180)[0][4:], *pem_lines(1000)[1:], dash("END RSA PRIV" + "ATE KEY"))
    f2 = new("keys/ec-signing.pem")
    f2.s(dash("BEGIN EC PRIV" + "ATE KEY"), "private_key")
    f2.r(*pem_lines(121), dash("END EC PRIV" + "ATE KEY"))
    f3 = new("keys/deploy_ed25519")
    f3.s(dash("BEGIN OPENSSH PRIV" + "ATE KEY"), "private_key")
    blob = b64(b"openssh-key-v1\x00" + b"\x00\x00\x00\x04none\x00\x00\x00\x04none" + rbytes(300))
    f3.r(*[blob[i:i + 70] for i in range(0, len(blob), 70)], dash("END OPENSSH PRIV" + "ATE KEY"))
    f4 = new("keys/deploy.ppk")
    f4.s("PuTTY-User-Key-File-3: ssh-ed25519", "private_key")
    f4.r("Encryption: none", "Comment: deploy@acme", "Public-Lines: 2")
    pub = b64(b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + rbytes(32))
    f4.r(pub[:64], pub[64:], "Private-Lines: 1", b64(b"\x00\x00\x00\x20" + rbytes(32)),
         "Private-MAC: " + rs(HEX, 64))
    f5 = new("keys/deploy_ed25519.pub")
    f5.n(ssh_pub(), "public_key")
    f6 = new("certs/server.crt")
    f6.n(dash("BEGIN CERTIFICATE"), "certificate")
    f6.r("MIID" + pem_lines(900)[0][4:], *pem_lines(850)[1:], dash("END CERTIFICATE"))
    f7 = new("keys/jwt-public.pem")
    f7.n(dash("BEGIN PUBLIC KEY"), "public_key")
    f7.r(*pem_lines(294), dash("END PUBLIC KEY"))
    f8 = new("deploy/known_hosts")
    f8.n("github.com " + ssh_pub("rsa").rsplit(" ", 1)[0], "public_key")
    f8.n("gitlab.acme.io " + ssh_pub().rsplit(" ", 1)[0], "public_key")


def f_ops_misc():
    f = new("deploy/systemd/ingest.service")
    f.r("[Unit]", "Description=ingest worker", "", "[Service]", "User=ingest")
    f.s(f'Environment="INGEST_DB_PASSWORD={pw_random()}"', "password_random")
    f.n("EnvironmentFile=/etc/ingest/secrets.env", "file_path")
    f.n("LoadCredential=api-token:/etc/credstore/ingest.api-token", "secret_ref")
    f.s(f"Environment=LINEAR_API_KEY={linear()}", "linear_key")
    f.r("ExecStart=/usr/bin/ingest", "", "[Install]", "WantedBy=multi-user.target")
    f2 = new("deploy/crontab")
    f2.r("SHELL=/bin/bash", "MAILTO=ops@acme.io")
    f2.s(f"0 3 * * * PGPASSWORD='{pw_human()}' pg_dump -h db -U backup shop | gzip > /backup/shop.gz",
         "password_human")
    f2.n("15 3 * * * /usr/local/bin/rotate-keys --from-vault kv/prod/backup", "vault_ref")
    f2.s(f"*/5 * * * * curl -fsS -m 10 https://hc-ping.com/{uid()} -H 'DD-API-KEY: {rs(HEX, 32)}'", "datadog_api_key")
    f3 = new("Procfile")
    f3.n("web: gunicorn app:app --bind 0.0.0.0:$PORT", "env_ref")
    f3.s(f"worker: STRIPE_KEY={stripe_sk()} celery -A app worker", "stripe_live_secret")
    f4 = new("Makefile")
    f4.r(".PHONY: release", "")
    f4.n("DOCKER_PASSWORD ?= $(shell pass show docker/hub)", "vault_ref")
    f4.s(f"TWINE_PASSWORD := {pypi()}", "pypi_token")
    f4.n("REGISTRY_TOKEN ?=", "empty_value")
    f4.s(f"DD_APP_KEY = {rs(HEX, 40)}", "datadog_app_key")
    f4.r("", "release:", "\ttwine upload dist/*")
    f5 = new("deploy/nginx/site.conf")
    f5.r("server {", "    listen 443 ssl;", "    location /internal/ {")
    f5.s(f'        proxy_set_header Authorization "Basic {b64(("svc:" + pw_random()).encode())}";', "basic_auth_b64")
    f5.n("        auth_basic_user_file /etc/nginx/.htpasswd;", "file_path")
    f5.s(f'        proxy_set_header X-Api-Key "{rs(ALNUM, 32)}";', "generic_api_key")
    f5.n(f'        add_header ETag "{rs(HEX, 32)}";', "hash")
    f5.r("    }", "}")
    f6 = new("deploy/apache/httpd.conf")
    f6.r("<VirtualHost *:443>", "    ServerName intranet.acme.io")
    f6.s(f"    SetEnv DB_PASS {pw_human()}", "password_human")
    f6.n("    SetEnv DB_PASS_FILE /etc/apache2/db.pass", "file_path")
    f6.n("    SSLCertificateKeyFile /etc/ssl/private/intranet.key", "file_path")
    f6.r("</VirtualHost>")
    f7 = new("deploy/.htpasswd")
    f7.n(f"admin:$apr1${rs(ALNUM, 8)}${rs(ALNUM + './', 22)}", "password_hash")
    f7.n(f"ops:{{SHA}}{b64(hashlib.sha1(rbytes(8)).digest())}", "password_hash")


def f_extras():
    f = new("requirements.txt")
    f.r("# pip-compile --generate-hashes")
    f.n(f"requests==2.32.3 --hash=sha256:{sha256hex()}", "hash")
    f.n(f"urllib3==2.2.2 --hash=sha256:{sha256hex()}", "hash")
    f.s(f"--extra-index-url https://__token__:{gitlab()}@gitlab.acme.io/api/v4/projects/12/packages/pypi/simple",
        "gitlab_pat")
    f2 = new("config/secrets.enc.yaml")
    f2.r("db:")
    f2.n(f"  password: ENC[AES256_GCM,data:{b64(rbytes(18))},iv:{b64(rbytes(32))},tag:{b64(rbytes(16))},type:str]",
         "encrypted_blob")
    f2.r("sops:", "  kms:")
    f2.n(f"    - arn: arn:aws:kms:eu-west-1:{digits(12)}:key/{uid()}", "vault_ref")
    f2.n(f"  mac: ENC[AES256_GCM,data:{b64(rbytes(32))},iv:{b64(rbytes(32))},tag:{b64(rbytes(16))},type:str]",
         "encrypted_blob")
    f3 = new("config/external-secrets.yaml")
    f3.r("apiVersion: external-secrets.io/v1beta1", "kind: ExternalSecret", "metadata:", "  name: api",
         "spec:", "  data:", "    - secretKey: password", "      remoteRef:")
    f3.n("        key: projects/acme-prod/secrets/api-password/versions/latest", "vault_ref")
    f3.r("    - secretKey: token", "      remoteRef:")
    f3.n("        key: ref+vault://secret/data/api#/token", "vault_ref")
    # a seed-dependent mix of generic key = value lines in several syntaxes
    f4 = new("config/legacy/integrations.conf")
    f4.r("# legacy integrations, migrated from the old wiki")
    for _ in range(R.randint(26, 32)):
        roll = R.random()
        if roll < 0.72:
            kind, v = any_provider() if R.random() < 0.6 else pw_any()
            if kind.startswith("password"):
                key = R.choice(["db_password", "admin_pass", "smtp_password", "bind_pw", "ftp_passwd"])
            else:
                key = kind.replace("_token", "").replace("_key", "") + R.choice(["_token", "_key", "_secret"])
            f4.s(f"{key} = {v}", kind)
        else:
            choice = R.randrange(6)
            key = R.choice(["api_key", "token", "password", "secret", "auth_token", "client_secret"])
            if choice == 0:
                f4.n(f"{key} = {placeholder()}", "placeholder")
            elif choice == 1:
                kind, v = example_token()
                f4.n(f"{key} = {v}", kind)
            elif choice == 2:
                f4.n(f"{key}_sha256 = {sha256hex()}", "hash")
            elif choice == 3:
                f4.n(f"{key}_id = {uid()}", "uuid")
            elif choice == 4:
                f4.n(f"{key} = ${{{key.upper()}}}", "env_ref")
            else:
                f4.n(f"{key} = vault:secret/data/legacy#{key}", "vault_ref")


BUILDERS = [f_env, f_env_example, f_compose, f_k8s_secret, f_k8s_deploy, f_gh_workflow, f_gitlab_ci,
            f_helm, f_ansible, f_cloud_init, f_json_settings, f_gcp_sa, f_package_lock, f_slack_export,
            f_ipynb, f_toml, f_ini, f_properties, f_xml, f_terraform, f_dockerfile, f_shell,
            f_powershell, f_python, f_js_ts, f_go, f_java_kotlin_swift, f_csharp, f_ruby, f_php,
            f_sql, f_docs, f_chat_log, f_commits, f_dotfiles, f_keys, f_ops_misc, f_extras]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    global R
    R = random.Random(a.seed)
    FILES.clear()
    for b in BUILDERS:
        b()
    out = Path(a.outdir)
    labels = []
    seen = set()
    for f in FILES:
        p = out / f.path
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("\n".join(f.lines) + "\n", encoding="utf-8")
        for line, label, kind in f.labels:
            assert (f.path, line) not in seen and f.lines[line - 1].strip()
            seen.add((f.path, line))
            labels.append({"file": f.path, "line": line, "label": label, "kind": kind})
    (out / "labels.json").write_text(json.dumps(labels, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Blind secrets corpus, round 24 (independent author, written without reading the scanner).

    python3 secrets_blind24.py OUTDIR --seed N

Writes a small fake repository (about 58 files of many kinds) into OUTDIR plus OUTDIR/labels.json:
a list of {"file": relative path, "line": 1-based line, "label": "secret" | "not_secret",
"kind": str}. Only labelled lines are scored; other lines are scaffolding.

Label conventions:
  * the label sits on the line that holds the value (continuation lines included);
  * a multi-line private key (PEM, OpenSSH, PuTTY) is labelled on its first (BEGIN/header) line;
  * a random or human-style password assigned to a password-like field is a secret;
  * placeholders, env/template lookups, hashes, UUIDs, public keys, certificates, vault/KMS
    references, encrypted blobs, images and clearly fake fixtures are not secrets.

Every token is assembled at run time from prefix pieces and random.Random(seed) characters, so
this source holds no live-looking key.
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
URLS = AN + "-_"
B32 = UP + "234567"
PWP = "!@^*-_=+.?~"
WORDS = ["falcon", "maple", "orchid", "copper", "harbor", "tiger", "velvet", "comet", "juniper",
         "glacier", "saffron", "walnut", "pepper", "rocket", "meadow", "cobalt", "lantern", "raven"]

# prefix pieces (joined at run time)
AKIA = "AK" + "IA"
GHP, GHO, GHS, GHU = "gh" + "p_", "gh" + "o_", "gh" + "s_", "gh" + "u_"
GHPAT = "github" + "_pat_"
GLPAT, GLRT = "gl" + "pat-", "gl" + "rt-"
SKL, RKL, SKT, PKL = "sk" + "_live_", "rk" + "_live_", "sk" + "_test_", "pk" + "_live_"
WHSEC = "wh" + "sec_"
XOXB, XOXP = "xo" + "xb-", "xo" + "xp-"
SLHOOK = "https://hooks." + "slack.com/services/"
SKPROJ, SKANT = "sk" + "-proj-", "sk" + "-ant-api03-"
AIZA = "AI" + "za"
SGP = "S" + "G."
NPM = "np" + "m_"
PYPI = "py" + "pi-" + "AgEIcHlwaS5vcmc"
HF = "h" + "f_"
SHPAT, SHPSS = "shp" + "at_", "shp" + "ss_"
DOP = "do" + "p_v1_"
DAPI = "da" + "pi"
DPST = "dp" + ".st."
HVS = "hv" + "s."
PMAK = "PM" + "AK-"
LIN = "lin" + "_api_"
SNTRYU = "sntr" + "yu_"
GLSA = "gl" + "sa_"
DISHOOK = "https://discord." + "com/api/webhooks/"
MGKEY = "ke" + "y-"
NRAK = "NR" + "AK-"
PSCALE = "pscale" + "_pw_"
SBP = "sb" + "p_"
DASH5 = "-" * 5
BEGIN = DASH5 + "BEGIN {}" + DASH5
END = DASH5 + "END {}" + DASH5
PRIV = "PRIVATE" + " KEY"


class F:
    def __init__(self, path: str):
        self.path = path
        self.lines: list[str] = []
        self.labels: list[tuple[int, str, str]] = []

    def l(self, text: str = "", label: str | None = None, kind: str | None = None) -> None:
        for part in text.split("\n")[:-1]:
            self.lines.append(part)
        last = text.split("\n")[-1]
        self.lines.append(last)
        if label:
            assert last.strip(), (self.path, text)
            self.labels.append((len(self.lines), label, kind or "?"))

    def s(self, text: str, kind: str) -> None:
        self.l(text, "secret", kind)

    def n(self, text: str, kind: str) -> None:
        self.l(text, "not_secret", kind)

    def block(self, text: str) -> None:
        for part in text.split("\n"):
            self.lines.append(part)


class G:
    """Random value factory."""

    def __init__(self, seed: int):
        self.r = random.Random(seed)

    def c(self, alphabet: str, n: int) -> str:
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def hx(self, n: int) -> str:
        return self.c(HEX, n)

    def dg(self, n: int) -> str:
        return self.r.choice("123456789") + self.c(DG, n - 1)

    def pick(self, seq):
        return self.r.choice(seq)

    def uuid(self) -> str:
        h = self.hx(32)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{self.pick('89ab')}{h[17:20]}-{h[20:]}"

    def b64(self, nbytes: int) -> str:
        return base64.b64encode(self.r.randbytes(nbytes)).decode()

    def b64url(self, nbytes: int) -> str:
        return base64.urlsafe_b64encode(self.r.randbytes(nbytes)).decode().rstrip("=")

    # ---- passwords
    def pw_random(self, n: int | None = None) -> str:
        n = n or self.r.randint(14, 24)
        body = [self.pick(AN) for _ in range(n - 3)] + [self.pick(PWP), self.pick(DG), self.pick(UP)]
        self.r.shuffle(body)
        return self.pick(UP + LO) + "".join(body)

    def pw_human(self) -> str:
        k = self.r.randint(0, 3)
        w1, w2, w3 = self.r.sample(WORDS, 3)
        if k == 0:
            return f"{w1.capitalize()}{self.r.randint(1970, 2029)}{self.pick('!?.*')}"
        if k == 1:
            return f"{w1}-{w2}-{w3}-{self.r.randint(10, 99)}"
        if k == 2:
            return f"{w1.capitalize()}{w2.capitalize()}{self.r.randint(1, 999)}{self.pick('!@^')}"
        leet = w1.replace("a", "4").replace("e", "3").replace("o", "0")
        return f"{leet.capitalize()}_{w2}{self.r.randint(10, 99)}"

    def pw(self) -> str:
        return self.pw_random() if self.r.random() < 0.55 else self.pw_human()

    def pw_url(self) -> str:
        return self.pick(UP + LO) + self.c(AN + "-_.~", self.r.randint(13, 22))

    # ---- provider tokens
    def aws_id(self):
        return AKIA + self.c(B32, 16)

    def aws_secret(self):
        return self.c(AN + "/+", 40)

    def gh(self):
        p = self.pick([GHP, GHO, GHS, GHU])
        return p + self.c(AN, 36)

    def gh_fine(self):
        return GHPAT + self.c(AN, 22) + "_" + self.c(AN, 59)

    def gitlab(self):
        return GLPAT + self.c(URLS, 20)

    def gitlab_runner(self):
        return GLRT + self.c(URLS, 20)

    def slack_bot(self):
        return f"{self.pick([XOXB, XOXP])}{self.dg(12)}-{self.dg(13)}-{self.c(AN, 24)}"

    def slack_hook(self):
        return f"{SLHOOK}T{self.c(UP + DG, 10)}/B{self.c(UP + DG, 10)}/{self.c(AN, 24)}"

    def stripe(self):
        return self.pick([SKL, SKL, RKL]) + self.c(AN, self.pick([24, 99]))

    def stripe_whsec(self):
        return WHSEC + self.c(AN, 32)

    def twilio_sk(self):
        return "S" + "K" + self.hx(32)

    def twilio_sid(self):
        return "A" + "C" + self.hx(32)

    def sendgrid(self):
        return SGP + self.c(URLS, 22) + "." + self.c(URLS, 43)

    def openai(self):
        return SKPROJ + self.c(URLS, 74) + "T3Blbk" + "FJ" + self.c(URLS, 74)

    def anthropic(self):
        return SKANT + self.c(URLS, 93) + "AA"

    def google(self):
        return AIZA + self.c(URLS, 35)

    def azure_key(self):
        return self.b64(64)

    def npm(self):
        return NPM + self.c(AN, 36)

    def pypi(self):
        return PYPI + self.c(URLS, 70)

    def hf(self):
        return HF + self.c(UP + LO, 34)

    def shopify(self):
        return self.pick([SHPAT, SHPSS]) + self.hx(32)

    def datadog_api(self):
        return self.hx(32)

    def datadog_app(self):
        return self.hx(40)

    def discord_bot(self):
        uid = base64.b64encode(self.dg(18).encode()).decode().rstrip("=")
        return f"{uid}.{self.c(URLS, 6)}.{self.c(URLS, 38)}"

    def discord_hook(self):
        return f"{DISHOOK}{self.dg(18)}/{self.c(URLS, 68)}"

    def telegram(self):
        return f"{self.dg(10)}:AA{self.c(URLS, 33)}"

    def mailgun(self):
        return MGKEY + self.hx(32)

    def digitalocean(self):
        return DOP + self.hx(64)

    def databricks(self):
        return DAPI + self.hx(32)

    def doppler(self):
        return DPST + self.pick(["prd", "dev", "stg"]) + "." + self.c(AN, 40)

    def vault(self):
        return HVS + self.c(URLS, 24)

    def postman(self):
        return PMAK + self.hx(24) + "-" + self.hx(34)

    def linear(self):
        return LIN + self.c(AN, 40)

    def sentry_token(self):
        return SNTRYU + self.hx(64)

    def grafana(self):
        return GLSA + self.c(AN, 32) + "_" + self.hx(8)

    def newrelic(self):
        return NRAK + self.c(UP + DG, 27)

    def planetscale(self):
        return PSCALE + self.c(URLS, 43)

    def supabase(self):
        return SBP + self.hx(40)

    def jwt(self):
        hdr = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
        body = json.dumps({"sub": self.dg(7), "role": "service", "iat": 1700000000 + self.r.randint(0, 9 ** 7)})
        pl = base64.urlsafe_b64encode(body.encode()).decode().rstrip("=")
        return f"{hdr}.{pl}.{self.b64url(32)}"

    def generic_key(self):
        return self.pick([self.c(AN, 32), self.hx(40), self.b64url(30), self.c(AN, 48)])

    # (kind, ENV_NAME, value) pool for generic slots
    def token(self):
        opts = [
            ("github", "GITHUB_TOKEN", self.gh), ("github_fine", "GH_PAT", self.gh_fine),
            ("gitlab", "GITLAB_TOKEN", self.gitlab), ("slack", "SLACK_BOT_TOKEN", self.slack_bot),
            ("slack_webhook", "SLACK_WEBHOOK_URL", self.slack_hook), ("stripe", "STRIPE_SECRET_KEY", self.stripe),
            ("stripe_webhook", "STRIPE_WEBHOOK_SECRET", self.stripe_whsec), ("twilio", "TWILIO_API_KEY", self.twilio_sk),
            ("sendgrid", "SENDGRID_API_KEY", self.sendgrid), ("openai", "OPENAI_API_KEY", self.openai),
            ("anthropic", "ANTHROPIC_API_KEY", self.anthropic), ("google", "GOOGLE_API_KEY", self.google),
            ("npm", "NPM_TOKEN", self.npm), ("pypi", "PYPI_TOKEN", self.pypi), ("huggingface", "HF_TOKEN", self.hf),
            ("shopify", "SHOPIFY_ACCESS_TOKEN", self.shopify), ("datadog", "DD_API_KEY", self.datadog_api),
            ("discord", "DISCORD_BOT_TOKEN", self.discord_bot), ("discord_webhook", "DISCORD_WEBHOOK", self.discord_hook),
            ("telegram", "TELEGRAM_BOT_TOKEN", self.telegram), ("mailgun", "MAILGUN_API_KEY", self.mailgun),
            ("digitalocean", "DIGITALOCEAN_TOKEN", self.digitalocean), ("databricks", "DATABRICKS_TOKEN", self.databricks),
            ("doppler", "DOPPLER_TOKEN", self.doppler), ("vault", "VAULT_TOKEN", self.vault),
            ("postman", "POSTMAN_API_KEY", self.postman), ("linear", "LINEAR_API_KEY", self.linear),
            ("sentry", "SENTRY_AUTH_TOKEN", self.sentry_token), ("grafana", "GRAFANA_SA_TOKEN", self.grafana),
            ("newrelic", "NEW_RELIC_API_KEY", self.newrelic), ("planetscale", "PLANETSCALE_PASSWORD", self.planetscale),
            ("supabase", "SUPABASE_ACCESS_TOKEN", self.supabase), ("aws_key_id", "AWS_ACCESS_KEY_ID", self.aws_id),
            ("aws_secret", "AWS_SECRET_ACCESS_KEY", self.aws_secret), ("datadog_app", "DD_APP_KEY", self.datadog_app),
        ]
        kind, env, fn = self.pick(opts)
        return kind, env, fn()

    # hard negatives in value position: (kind, ENV_NAME, value)
    def fake(self):
        k = self.r.randint(0, 15)
        if k == 0:
            return "placeholder", "API_KEY", self.pick(["changeme", "CHANGE_ME", "your-api-key-here", "REPLACE_ME", "TODO", "none", "secret"])
        if k == 1:
            return "placeholder", "ACCESS_TOKEN", self.pick(["<your-token>", "<YOUR_API_KEY>", "<insert token>", "[REDACTED]", "********"])
        if k == 2:
            return "placeholder", "GITHUB_TOKEN", GHP + "x" * 36
        if k == 3:
            return "example_marker", "STRIPE_SECRET_KEY", SKL + self.pick(["EXAMPLE", "DUMMY", "FAKE"]) + "0" * 17
        if k == 4:
            return "sequential", "SLACK_BOT_TOKEN", XOXB + "1234567890-1234567890-abcdefghijklmnopqrstuvwx"
        if k == 5:
            return "aws_example", "AWS_ACCESS_KEY_ID", AKIA + "IOSFODNN7" + "EXAMPLE"
        if k == 6:
            return "hash_sha256", "CONFIG_SHA256", self.hx(64)
        if k == 7:
            return "uuid", "TENANT_ID", self.uuid()
        if k == 8:
            return "git_sha", "GIT_COMMIT", self.hx(40)
        if k == 9:
            return "placeholder", "OPENAI_API_KEY", SKPROJ + "..."
        if k == 10:
            return "repeated", "SECRET_KEY", self.pick(["a", "0", "x", "1"]) * 32
        if k == 11:
            return "example_marker", "HF_TOKEN", HF + "FAKE" + "x" * 30
        if k == 12:
            return "sequential", "API_SECRET", "abcdefghijklmnopqrstuvwxyz012345"
        if k == 13:
            return "example_marker", "NPM_TOKEN", NPM + "DUMMY" + "0" * 31
        if k == 14:
            return "public_id", "STRIPE_PUBLISHABLE_KEY", PKL + self.c(AN, 24)
        return "public_id", "TWILIO_ACCOUNT_SID", self.twilio_sid()

    def pem_body(self, nbytes: int) -> list[str]:
        s = self.b64(nbytes)
        return [s[i:i + 64] for i in range(0, len(s), 64)]

    def pem(self, label: str, nbytes: int) -> list[str]:
        return [BEGIN.format(label)] + self.pem_body(nbytes) + [END.format(label)]

    def openssh_priv(self) -> list[str]:
        raw = b"openssh-key-v1\x00" + b"\x00\x00\x00\x04none" + self.r.randbytes(380)
        s = base64.b64encode(raw).decode()
        lab = "OPENSSH " + PRIV
        return [BEGIN.format(lab)] + [s[i:i + 70] for i in range(0, len(s), 70)] + [END.format(lab)]

    def ssh_pub(self, typ="ssh-ed25519") -> str:
        if typ == "ssh-ed25519":
            raw = b"\x00\x00\x00\x0bssh-ed25519\x00\x00\x00\x20" + self.r.randbytes(32)
        else:
            raw = b"\x00\x00\x00\x07ssh-rsa\x00\x00\x00\x03\x01\x00\x01\x00\x00\x01\x01" + self.r.randbytes(257)
        return f"{typ} {base64.b64encode(raw).decode()} deploy@{self.pick(WORDS)}"


# --------------------------------------------------------------------------------------------
def build(g: G) -> list[F]:
    files: list[F] = []
    r = g.r

    def new(path: str) -> F:
        f = F(path)
        files.append(f)
        return f

    def db_user():
        return g.pick(["app", "svc_orders", "billing", "admin", "reporting", "etl_user"])

    def host():
        return g.pick(["db.internal", "10.0.3.17", "pg-prod.cluster-c1x.eu-west-1.rds.amazonaws.com", "mysql.svc.local", "localhost"])

    # 1 .env
    f = new(".env")
    f.l("# local development settings")
    f.l("APP_ENV=production")
    f.s(f"DATABASE_URL=postgres://{db_user()}:{g.pw_url()}@{host()}:5432/app", "database_url")
    f.s(f"AWS_ACCESS_KEY_ID={g.aws_id()}", "aws_key_id")
    f.s(f"AWS_SECRET_ACCESS_KEY={g.aws_secret()}", "aws_secret")
    f.n(f"AWS_REGION=eu-west-1", "config_value")
    for _ in range(3):
        kind, env, v = g.token()
        f.s(f"{env}={v}", kind)
    f.s(f"SMTP_PASSWORD='{g.pw()}'", "password")
    f.n("SMTP_USER=notifications@example.com", "config_value")
    f.s(f"SESSION_SECRET={g.hx(64)}", "generic_secret")
    f.n(f"BUILD_SHA={g.hx(40)}", "git_sha")
    for _ in range(2):
        kind, env, v = g.fake()
        f.n(f"{env}={v}", kind)
    f.n("REDIS_PASSWORD=", "empty_value")
    f.s(f'JWT_SIGNING_KEY="{g.b64(48)}"', "generic_secret")

    # 2 .env.example
    f = new(".env.example")
    f.l("# copy to .env and fill in")
    f.n("DATABASE_URL=postgres://user:password@localhost:5432/app", "placeholder_url")
    f.n("AWS_ACCESS_KEY_ID=" + AKIA + "XXXXXXXXXXXXXXXX", "placeholder")
    f.n("AWS_SECRET_ACCESS_KEY=<your-secret-access-key>", "placeholder")
    f.n("STRIPE_SECRET_KEY=" + SKT + "...", "placeholder")
    f.n("OPENAI_API_KEY=your-openai-key", "placeholder")
    f.n("SMTP_PASSWORD=changeme", "placeholder")
    f.n("GITHUB_TOKEN=" + GHP + "0123456789abcdefghijklmnopqrstuvwxyz", "sequential")
    f.n("SENTRY_DSN=", "empty_value")
    f.n("SESSION_SECRET=generate-with-openssl-rand-hex-32", "placeholder")

    # 3 docker-compose.yml
    f = new("docker-compose.yml")
    pg = g.pw()
    f.block("services:\n  db:\n    image: postgres:16\n    environment:")
    f.s(f"      POSTGRES_PASSWORD: \"{pg}\"", "password")
    f.l("      POSTGRES_USER: app")
    f.block("  cache:\n    image: redis:7")
    f.s(f"    command: redis-server --requirepass {g.pw_url()}", "password")
    f.block("  api:\n    build: .\n    environment:")
    f.n("      DB_PASSWORD: ${DB_PASSWORD}", "env_reference")
    f.n("      MINIO_ROOT_PASSWORD: ${MINIO_ROOT_PASSWORD:?set it}", "env_reference")
    f.s(f"      DATABASE_URL: mysql://root:{g.pw_url()}@db:3306/shop", "database_url")
    kind, env, v = g.token()
    f.s(f"      {env}: {v}", kind)
    f.n(f"    image: ghcr.io/acme/api@sha256:{g.hx(64)}", "image_digest")
    f.block("    secrets:\n      - stripe_key\nsecrets:\n  stripe_key:")
    f.n("    file: ./secrets/stripe_key.txt", "file_path")

    # 4 k8s secret
    f = new("k8s/secret.yaml")
    f.block("apiVersion: v1\nkind: Secret\nmetadata:\n  name: api-secrets\ntype: Opaque\ndata:")
    f.s("  db-password: " + base64.b64encode(g.pw().encode()).decode(), "k8s_secret_b64")
    f.s("  api-key: " + base64.b64encode(g.generic_key().encode()).decode(), "k8s_secret_b64")
    f.n("  log-level: " + base64.b64encode(b"debug").decode(), "b64_plain_config")
    f.l("stringData:")
    f.s(f"  SENDGRID_API_KEY: {g.sendgrid()}", "sendgrid")
    f.n("  ADMIN_EMAIL: ops@example.com", "config_value")
    f.block("---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: registry\ntype: kubernetes.io/dockerconfigjson\ndata:")
    auth = base64.b64encode(f"deploy:{g.pw_url()}".encode()).decode()
    dcj = base64.b64encode(json.dumps({"auths": {"ghcr.io": {"auth": auth}}}).encode()).decode()
    f.s(f"  .dockerconfigjson: {dcj}", "docker_auth")

    # 5 k8s deployment
    f = new("k8s/deployment.yaml")
    f.block("apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: api\nspec:\n  template:\n    spec:\n      containers:\n        - name: api")
    f.n(f"          image: registry.example.com/api@sha256:{g.hx(64)}", "image_digest")
    f.l("          env:")
    f.l("            - name: DB_PASSWORD")
    f.l("              valueFrom:")
    f.l("                secretKeyRef:")
    f.n("                  name: api-secrets", "secret_ref")
    f.n("                  key: db-password", "secret_ref")
    f.l("            - name: OPENAI_API_KEY")
    f.s(f"              value: \"{g.openai()}\"", "openai")
    f.l("            - name: TENANT_ID")
    f.n(f"              value: \"{g.uuid()}\"", "uuid")
    f.l("            - name: REDIS_PASSWORD")
    f.s(f"              value: {g.pw_random()}", "password")
    f.l("            - name: CHECKSUM_CONFIG")
    f.n(f"              value: \"sha256:{g.hx(64)}\"", "hash_sha256")

    # 6 GitHub workflow
    f = new(".github/workflows/deploy.yml")
    f.block("name: deploy\non:\n  push:\n    branches: [main]\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    env:")
    f.n("      AWS_ACCESS_KEY_ID: ${{ secrets.AWS_ACCESS_KEY_ID }}", "ci_secret_ref")
    f.n("      AWS_SECRET_ACCESS_KEY: ${{ secrets.AWS_SECRET_ACCESS_KEY }}", "ci_secret_ref")
    f.s(f"      NPM_TOKEN: {g.npm()}", "npm")
    f.block("    steps:")
    f.n(f"      - uses: actions/checkout@{g.hx(40)}", "git_sha")
    f.l("      - name: publish")
    f.l("        run: |")
    f.s(f"          curl -H \"Authorization: Bearer {g.jwt()}\" https://api.example.com/deploy", "jwt")
    f.s(f"          twine upload -u __token__ -p {g.pypi()} dist/*", "pypi")
    f.n("          echo \"${{ secrets.SLACK_WEBHOOK }}\" > /dev/null", "ci_secret_ref")
    f.l("      - name: notify")
    f.l("        env:")
    f.s(f"          SLACK_WEBHOOK: {g.slack_hook()}", "slack_webhook")

    # 7 GitLab CI
    f = new(".gitlab-ci.yml")
    f.block("stages: [build, deploy]\nvariables:")
    f.n("  DOCKER_PASSWORD: $CI_REGISTRY_PASSWORD", "env_reference")
    f.s(f"  SONAR_TOKEN: \"{g.hx(40)}\"", "generic_secret")
    f.s(f"  GITLAB_RUNNER_TOKEN: {g.gitlab_runner()}", "gitlab")
    f.block("deploy:\n  stage: deploy\n  script:")
    f.s(f"    - git push https://oauth2:{g.gitlab()}@gitlab.com/acme/infra.git HEAD:main", "gitlab")
    f.n("    - echo \"$CI_JOB_TOKEN\" | docker login -u gitlab-ci-token --password-stdin $CI_REGISTRY", "env_reference")
    f.n(f"    - sha256sum -c <<< \"{g.hx(64)}  terraform.zip\"", "hash_sha256")

    # 8 Helm values
    f = new("helm/values.yaml")
    f.block("image:\n  repository: acme/api\n  tag: 1.14.2\npostgresql:\n  auth:\n    username: app")
    f.s(f"    password: \"{g.pw()}\"", "password")
    f.n("    existingSecret: api-postgres", "secret_ref")
    f.s(f"    postgresPassword: {g.pw_random()}", "password")
    f.block("redis:\n  auth:")
    f.n("    password: \"\"", "empty_value")
    f.block("datadog:")
    f.s(f"  apiKey: {g.datadog_api()}", "datadog")
    f.s(f"  appKey: {g.datadog_app()}", "datadog_app")
    f.block("grafana:")
    f.n("  adminPassword: changeme", "placeholder")
    f.s(f"  serviceAccountToken: {g.grafana()}", "grafana")
    f.block("externalSecrets:")
    f.n("  vaultPath: secret/data/prod/api", "vault_reference")
    f.n(f"  kmsKeyArn: arn:aws:kms:eu-west-1:{g.dg(12)}:key/{g.uuid()}", "kms_reference")

    # 9 helm template
    f = new("helm/templates/secret.yaml")
    f.block("apiVersion: v1\nkind: Secret\nmetadata:\n  name: {{ include \"api.fullname\" . }}\ndata:")
    f.n("  db-password: {{ .Values.postgresql.auth.password | b64enc | quote }}", "template_reference")
    f.n("  api-key: {{ required \"apiKey is required\" .Values.datadog.apiKey | b64enc }}", "template_reference")
    f.n("  token: {{ randAlphaNum 32 | b64enc | quote }}", "template_reference")

    # 10 Ansible group vars
    f = new("ansible/group_vars/all.yml")
    f.block("---\nnginx_worker_processes: 4\nmysql_root_user: root")
    f.s(f"mysql_root_password: \"{g.pw()}\"", "password")
    f.n("mysql_app_password: \"{{ vault_mysql_app_password }}\"", "template_reference")
    f.s(f"ansible_become_pass: {g.pw_human()}", "password")
    f.n("api_token: !vault |", "vault_encrypted")
    f.n("          $ANSIBLE_VAULT;1.1;AES256", "vault_encrypted")
    for _ in range(3):
        f.l("          " + g.hx(64))
    f.n("          " + g.hx(64), "vault_encrypted")
    f.n("deploy_key_path: /etc/ssh/deploy_ed25519", "file_path")
    f.n("password_min_length: 14", "password_policy")
    f.s(f"rabbitmq_default_pass: {g.pw_url()}", "password")

    # 11 Ansible playbook
    f = new("ansible/site.yml")
    f.block("- hosts: db\n  become: true\n  tasks:\n    - name: create app user\n      community.postgresql.postgresql_user:\n        name: app")
    f.n("        password: \"{{ lookup('env', 'APP_DB_PASSWORD') }}\"", "env_reference")
    f.block("    - name: create reporting user\n      community.postgresql.postgresql_user:\n        name: reporting")
    f.s(f"        password: \"{g.pw()}\"", "password")
    f.block("    - name: register runner\n      ansible.builtin.command: >-\n        gitlab-runner register --non-interactive")
    f.s(f"        --registration-token {g.gitlab_runner()}", "gitlab")

    # 12 sops-encrypted YAML
    f = new("config/secrets.enc.yaml")
    f.n(f"db_password: ENC[AES256_GCM,data:{g.b64(18)},iv:{g.b64(32)},tag:{g.b64(16)},type:str]", "sops_encrypted")
    f.n(f"stripe_key: ENC[AES256_GCM,data:{g.b64(40)},iv:{g.b64(32)},tag:{g.b64(16)},type:str]", "sops_encrypted")
    f.block("sops:\n    kms:")
    f.n(f"        - arn: arn:aws:kms:us-east-1:{g.dg(12)}:alias/sops", "kms_reference")
    f.n(f"          enc: {g.b64(120)}", "sops_encrypted")
    f.n(f"    mac: ENC[AES256_GCM,data:{g.b64(48)},iv:{g.b64(32)},tag:{g.b64(16)},type:str]", "sops_encrypted")
    f.l("    version: 3.8.1")

    # 13 settings JSON (lines built by hand for stable numbering)
    f = new("config/settings.json")
    f.l("{")
    f.l('  "service": "billing",')
    f.s(f'  "stripeSecretKey": "{g.stripe()}",', "stripe")
    f.n(f'  "stripePublishableKey": "{PKL}{g.c(AN, 24)}",', "public_id")
    f.s(f'  "stripeWebhookSecret": "{g.stripe_whsec()}",', "stripe_webhook")
    f.n('  "passwordField": "password",', "field_name")
    f.n('  "password_hint": "at least 12 characters, one digit and one symbol",', "password_policy")
    f.s(f'  "mailgunKey": "{g.mailgun()}",', "mailgun")
    f.n(f'  "requestId": "{g.uuid()}",', "uuid")
    f.s(f'  "db": {{"user": "billing", "password": "{g.pw()}", "host": "{host()}"}},', "password")
    f.n('  "apiKey": "${BILLING_API_KEY}",', "env_reference")
    f.s(f'  "postmanKey": "{g.postman()}",', "postman")
    f.n(f'  "sha256": "{g.hx(64)}"', "hash_sha256")
    f.l("}")

    # 14 package-lock.json
    f = new("package-lock.json")
    f.l("{")
    f.l('  "name": "web",')
    f.l('  "lockfileVersion": 3,')
    f.l('  "packages": {')
    for i, name in enumerate(["react", "lodash", "axios"]):
        f.l(f'    "node_modules/{name}": {{')
        f.l(f'      "version": "{r.randint(1, 18)}.{r.randint(0, 9)}.{r.randint(0, 20)}",')
        f.l(f'      "resolved": "https://registry.npmjs.org/{name}/-/{name}-1.0.0.tgz",')
        f.n(f'      "integrity": "sha512-{g.b64(64)}"', "integrity_hash")
        f.l("    }" + ("," if i < 2 else ""))
    f.l("  }")
    f.l("}")

    # 15 GCP service account
    f = new("deploy/gcp-service-account.json")
    key = "\\n".join(g.pem(PRIV, 600)) + "\\n"
    proj = g.pick(WORDS) + "-" + g.dg(6)
    f.l("{")
    f.l('  "type": "service_account",')
    f.l(f'  "project_id": "{proj}",')
    f.n(f'  "private_key_id": "{g.hx(40)}",', "gcp_key_id")
    f.s(f'  "private_key": "{key}",', "private_key")
    f.l(f'  "client_email": "deployer@{proj}.iam.gserviceaccount.com",')
    f.n(f'  "client_id": "{g.dg(21)}",', "numeric_id")
    f.l('  "token_uri": "https://oauth2.googleapis.com/token"')
    f.l("}")

    # 16 firebase / web config JSON
    f = new("web/public/app-config.json")
    f.l("{")
    f.s(f'  "mapsApiKey": "{g.google()}",', "google")
    f.n(f'  "appId": "1:{g.dg(12)}:web:{g.hx(22)}",', "public_id")
    f.n('  "authDomain": "acme-web.firebaseapp.com",', "config_value")
    f.n(f'  "sentryDsn": "https://{g.hx(32)}@o{g.dg(6)}.ingest.sentry.io/{g.dg(7)}",', "sentry_dsn")
    f.n('  "apiKey": "",', "empty_value")
    f.n(f'  "logoSha1": "{g.hx(40)}"', "hash")
    f.l("}")

    # 17 TOML
    f = new("config/app.toml")
    f.block('[server]\nport = 8080\n\n[database]\nuser = "app"')
    f.s(f'password = "{g.pw()}"', "password")
    f.s(f'url = "postgresql://app:{g.pw_url()}@{host()}/orders?sslmode=require"', "database_url")
    f.block("\n[integrations]")
    f.s(f'openai_key = "{g.openai()}"', "openai")
    f.s(f'anthropic_key = "{g.anthropic()}"', "anthropic")
    f.n('huggingface_token = "hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"', "placeholder")
    f.n('linear_key = { env = "LINEAR_API_KEY" }', "env_reference")
    f.block("\n[cache]")
    f.n(f'key_prefix = "v2:{g.hx(12)}"', "config_value")
    f.n('password_file = "/run/secrets/redis_password"', "file_path")

    # 18 pyproject-like TOML with tool tokens
    f = new("pyproject.toml")
    f.block('[project]\nname = "acme-billing"\nversion = "2.3.0"\n\n[tool.poetry.http-basic.internal]\nusername = "ci"')
    f.s(f'password = "{g.pw_random()}"', "password")
    f.block("\n[tool.acme.release]")
    f.s(f'pypi_token = "{g.pypi()}"', "pypi")
    f.n('signing_key = "${RELEASE_SIGNING_KEY}"', "env_reference")

    # 19 INI / cfg
    f = new("setup.cfg")
    f.block("[metadata]\nname = acme\n\n[tool:pytest]\naddopts = -q\n\n[db]\nhost = localhost")
    f.s(f"password = {g.pw_random()}", "password")
    f.n("password_env = DB_PASSWORD", "env_reference")
    f.s(f"sqlalchemy.url = mssql+pyodbc://sa:{g.pw_url()}@sqlsrv.internal/erp?driver=ODBC+Driver+18", "database_url")

    f = new("config/pgbouncer.ini")
    f.block("[databases]")
    f.s(f"orders = host={host()} port=5432 dbname=orders user=orders password={g.pw_url()}", "db_connection_string")
    f.n("reports = host=replica.internal dbname=reports auth_user=pgbouncer", "config_value")
    f.block("\n[pgbouncer]\nlisten_port = 6432\nauth_type = scram-sha-256")
    f.n("auth_file = /etc/pgbouncer/userlist.txt", "file_path")
    f.n(f"; admin password rotated on {r.randint(1, 28)}.{r.randint(1, 12)}. see vault secret/pgbouncer", "vault_reference")

    f = new("config/redis.conf")
    f.block("bind 127.0.0.1\nport 6379")
    f.s(f"requirepass {g.pw_random(32)}", "password")
    f.s(f"masterauth {g.pw_human()}", "password")
    f.n("# requirepass foobared", "placeholder")
    f.n(f"user default on #{g.hx(64)} ~* +@all", "password_hash")

    # 20 properties
    f = new("src/main/resources/application.properties")
    f.block("spring.application.name=orders\nspring.datasource.url=jdbc:postgresql://db.internal:5432/orders\nspring.datasource.username=orders")
    f.s(f"spring.datasource.password={g.pw()}", "password")
    f.n("spring.mail.password=${MAIL_PASSWORD}", "env_reference")
    f.s(f"jdbc.url=jdbc:mysql://{host()}:3306/shop?user=shop&password={g.pw_url()}", "jdbc_url")
    f.s(f"aws.secretKey={g.aws_secret()}", "aws_secret")
    f.n(f"aws.accessKeyId={AKIA}IOSFODNN7EXAMPLE", "aws_example")
    f.n("security.password.min-length=12", "password_policy")
    f.n("app.jwt.secret=ENC(" + g.b64(48) + ")", "jasypt_encrypted")
    f.s(f"slack.bot-token={g.slack_bot()}", "slack")

    # 21 Maven settings.xml
    f = new(".m2/settings.xml")
    f.block("<settings>\n  <servers>\n    <server>\n      <id>nexus-releases</id>\n      <username>deploy</username>")
    f.s(f"      <password>{g.pw()}</password>", "password")
    f.block("    </server>\n    <server>\n      <id>github</id>\n      <username>ci-bot</username>")
    f.s(f"      <password>{g.gh()}</password>", "github")
    f.block("    </server>\n    <server>\n      <id>central</id>")
    f.n("      <password>${env.CENTRAL_PASSWORD}</password>", "env_reference")
    f.n("      <password>{" + g.b64(32) + "}</password>", "maven_encrypted")
    f.block("    </server>\n  </servers>\n</settings>")

    # 22 web.config
    f = new("web/Web.config")
    f.block('<?xml version="1.0" encoding="utf-8"?>\n<configuration>\n  <connectionStrings>')
    f.s(f'    <add name="Main" connectionString="Server=tcp:sql.internal,1433;Database=Shop;User ID=shop;Password={g.pw_url()};Encrypt=True" />', "db_connection_string")
    f.n('    <add name="Reports" connectionString="Server=.;Database=Reports;Integrated Security=True" />', "db_connection_string_no_pw")
    f.block("  </connectionStrings>\n  <appSettings>")
    f.s(f'    <add key="StorageConnection" value="DefaultEndpointsProtocol=https;AccountName=acme{g.c(LO, 6)};AccountKey={g.azure_key()};EndpointSuffix=core.windows.net" />', "azure_storage")
    f.n('    <add key="StorageEmulator" value="UseDevelopmentStorage=true" />', "config_value")
    f.n('    <add key="PasswordPolicy" value="min 12 chars, must include a number" />', "password_policy")
    f.n(f'    <add key="MachineKeyValidation" value="HMACSHA256" />', "config_value")
    f.block("  </appSettings>\n</configuration>")

    # 23 Terraform
    f = new("terraform/main.tf")
    f.block('provider "aws" {\n  region = "eu-west-1"')
    f.s(f'  access_key = "{g.aws_id()}"', "aws_key_id")
    f.s(f'  secret_key = "{g.aws_secret()}"', "aws_secret")
    f.block("}\n\nresource \"aws_db_instance\" \"main\" {\n  engine   = \"postgres\"\n  username = \"dbadmin\"")
    f.n("  password = var.db_password", "tf_variable")
    f.block("}\n\nresource \"aws_db_instance\" \"legacy\" {\n  username = \"root\"")
    f.s(f'  password = "{g.pw()}"', "password")
    f.block("}\n\nprovider \"digitalocean\" {")
    f.s(f'  token = "{g.digitalocean()}"', "digitalocean")
    f.block("}\n\nprovider \"datadog\" {")
    f.n("  api_key = data.aws_secretsmanager_secret_version.dd.secret_string", "secret_manager_ref")
    f.block("}\n\nresource \"aws_kms_key\" \"logs\" {\n  description = \"logs\"")
    f.n(f'  policy_sha = "{g.hx(64)}"', "hash_sha256")
    f.block("}\n\nvariable \"db_password\" {\n  type      = string\n  sensitive = true")
    f.n('  default   = ""', "empty_value")
    f.l("}")

    f = new("terraform/terraform.tfvars")
    f.s(f'db_password      = "{g.pw()}"', "password")
    f.s(f'cloudflare_token = "{g.c(URLS, 40)}"', "generic_secret")
    f.n('region           = "eu-west-1"', "config_value")
    f.n(f'ami_id           = "ami-{g.hx(17)}"', "resource_id")
    f.s(f'databricks_token = "{g.databricks()}"', "databricks")
    f.n('github_token     = "REPLACE_WITH_YOUR_TOKEN"', "placeholder")

    # 24 Dockerfile
    f = new("Dockerfile")
    f.n(f"FROM python:3.12-slim@sha256:{g.hx(64)}", "image_digest")
    f.n("ARG PIP_INDEX_PASSWORD", "field_name")
    f.s(f"ENV HF_TOKEN={g.hf()}", "huggingface")
    f.s(f"RUN pip install --index-url https://ci:{g.pw_url()}@pypi.internal.example.com/simple acme-core", "url_credentials")
    f.n("RUN --mount=type=secret,id=npm_token NPM_TOKEN=$(cat /run/secrets/npm_token) npm ci", "secret_mount")
    f.n("ENV DJANGO_SECRET_KEY=\"\"", "empty_value")
    f.s(f"ENV SENTRY_AUTH_TOKEN={g.sentry_token()}", "sentry")
    f.l('CMD ["gunicorn", "app:app"]')

    # 25 shell
    f = new("scripts/deploy.sh")
    f.block("#!/usr/bin/env bash\nset -euo pipefail")
    f.s(f"export VAULT_TOKEN={g.vault()}", "vault")
    f.n('export DB_PASSWORD="${DB_PASSWORD:?missing}"', "env_reference")
    f.s(f"PGPASSWORD='{g.pw()}' psql -h {host()} -U admin -c 'select 1'", "password")
    f.l("curl -sS -X POST https://api.telegram.org/bot$TG/sendMessage \\")
    f.l('  -d chat_id=-100123 \\')
    f.s(f"  -H 'X-Api-Key: {g.generic_key()}'", "generic_secret")
    f.s(f'mysql -u root -p"{g.pw_url()}" shop < dump.sql', "password")
    f.n('read -rsp "Password: " ADMIN_PASSWORD', "field_name")
    f.n(f'echo "{g.hx(64)}  app.tar.gz" | sha256sum -c -', "hash_sha256")
    f.s(f'docker login -u deploy -p {g.pw_random()} registry.example.com', "password")
    f.n('aws secretsmanager get-secret-value --secret-id prod/api/key --query SecretString', "secret_manager_ref")

    # 26 PowerShell
    f = new("scripts/setup.ps1")
    f.s(f'$Password = ConvertTo-SecureString "{g.pw()}" -AsPlainText -Force', "password")
    f.n('$Secure = Read-Host -AsSecureString "Enter password"', "field_name")
    f.s(f'$env:AZURE_CLIENT_SECRET = "{g.c(AN + "~._-", 40)}"', "azure_client_secret")
    f.n(f'$env:AZURE_TENANT_ID = "{g.uuid()}"', "uuid")
    f.n('$token = $env:GITHUB_TOKEN', "env_reference")
    f.s(f'$headers = @{{ Authorization = "token {g.gh()}" }}', "github")
    f.n('$key = (Get-AzKeyVaultSecret -VaultName acme-kv -Name api-key -AsPlainText)', "vault_reference")

    # 27 Python settings
    f = new("app/settings.py")
    f.block("import os\n\nDEBUG = False")
    f.s(f'SECRET_KEY = "{g.c(AN + "!@^*-_=+", 50)}"', "django_secret_key")
    f.n('SECRET_KEY_FALLBACK = os.environ["SECRET_KEY_FALLBACK"]', "env_reference")
    f.block("DATABASES = {\n    \"default\": {\n        \"ENGINE\": \"django.db.backends.postgresql\",\n        \"USER\": \"app\",")
    f.s(f'        "PASSWORD": "{g.pw()}",', "password")
    f.block("    },\n    \"replica\": {\n        \"USER\": \"ro\",")
    f.n('        "PASSWORD": os.getenv("REPLICA_PASSWORD", ""),', "env_reference")
    f.block("    },\n}\nAUTH_PASSWORD_VALIDATORS = [")
    f.n('    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},', "password_policy")
    f.l("]")
    f.s(f'EMAIL_HOST_PASSWORD = "{g.pw_human()}"', "password")
    f.s(f'CELERY_BROKER_URL = "amqp://celery:{g.pw_url()}@rabbit.internal:5672//"', "database_url")
    f.n('PASSWORD_RESET_TIMEOUT = 3600', "field_name")

    # 28 Python client
    f = new("app/clients.py")
    f.block("import os\n\nimport boto3\nimport openai\n")
    f.l("s3 = boto3.client(")
    f.l('    "s3",')
    f.s(f'    aws_access_key_id="{g.aws_id()}",', "aws_key_id")
    f.s(f'    aws_secret_access_key="{g.aws_secret()}",', "aws_secret")
    f.l(")")
    f.s(f'openai.api_key = "{g.openai()}"', "openai")
    f.n('anthropic_key = os.environ.get("ANTHROPIC_API_KEY")', "env_reference")
    f.l("TWILIO = {")
    f.n(f'    "account_sid": "{g.twilio_sid()}",', "public_id")
    f.s(f'    "auth_token": "{g.hx(32)}",', "twilio")
    f.l("}")
    f.l("headers = {")
    f.s(f'    "Authorization": "Bearer {g.linear()}",', "linear")
    f.n('    "X-Request-Id": str(uuid.uuid4()),', "field_name")
    f.l("}")
    f.l("DISCORD_HOOK = (")
    f.s(f'    "{g.discord_hook()}"', "discord_webhook")
    f.l(")")
    f.n('API_KEY_HEADER = "X-API-Key"', "field_name")

    # 29 tests fixtures (clearly fake)
    f = new("tests/fixtures/fake_tokens.py")
    f.l('"""Deliberately fake credentials used by unit tests."""')
    f.n(f'FAKE_AWS_KEY = "{AKIA}FAKEFAKEFAKEFAKE"', "example_marker")
    f.n(f'DUMMY_GITHUB = "{GHP}DUMMY{"0" * 31}"', "example_marker")
    f.n(f'TEST_STRIPE = "{SKT}{"1234567890" * 2}abcd"', "sequential")
    f.n('TEST_PASSWORD = "password"', "placeholder")
    f.n(f'EXAMPLE_SLACK = "{XOXB}EXAMPLE-EXAMPLE-EXAMPLE"', "example_marker")
    f.n('MASKED = "sk-****************************"', "masked")
    none_hdr = base64.urlsafe_b64encode(b'{"alg":"none"}').decode().rstrip("=")
    f.n(f'JWT_TEST = "{none_hdr}.e30."', "unsigned_jwt")

    # 30 JS
    f = new("web/src/config.js")
    f.l("export const config = {")
    f.n("  stripeKey: process.env.STRIPE_PUBLISHABLE_KEY,", "env_reference")
    f.s(f"  googleMapsKey: '{g.google()}',", "google")
    f.s(f"  shopifyToken: '{g.shopify()}',", "shopify")
    f.n("  apiKey: import.meta.env.VITE_API_KEY,", "env_reference")
    f.s(f"  supabaseServiceKey: '{g.jwt()}',", "jwt")
    f.n(f"  buildId: '{g.hx(40)}',", "git_sha")
    f.n("  passwordPattern: /^(?=.*\\d)(?=.*[A-Z]).{12,}$/,", "password_policy")
    f.l("};")
    f.s(f"const DB = 'mongodb+srv://api:{g.pw_url()}@cluster0.{g.c(LO + DG, 5)}.mongodb.net/prod';", "database_url")
    f.n("const password = document.querySelector('#password').value;", "field_name")

    # 31 TS
    f = new("web/src/api.ts")
    f.l("import axios from 'axios';")
    f.s(f"const TELEGRAM_TOKEN: string = '{g.telegram()}';", "telegram")
    f.n("const TOKEN: string = process.env.API_TOKEN ?? '';", "env_reference")
    f.s(f"const client = axios.create({{ headers: {{ 'DD-API-KEY': '{g.datadog_api()}' }} }});", "datadog")
    f.n("export const placeholderKey = 'xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx';", "placeholder")
    f.n(f"export const ORG_ID = '{g.uuid()}';", "uuid")
    f.s(f"const adminPassword = '{g.pw()}';", "password")
    f.n("interface Creds { username: string; password: string }", "field_name")

    # 32 base64 image (same TS file)
    png = base64.b64encode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + g.r.randbytes(90)).decode()
    f.n(f"export const LOGO = 'data:image/png;base64,{png}';", "base64_image")
    svg = base64.b64encode(b'<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16"><circle r="8"/></svg>').decode()
    f.n(f"export const ICON = 'data:image/svg+xml;base64,{svg}';", "base64_image")

    # 33 Go
    f = new("cmd/server/main.go")
    f.block("package main\n\nimport (\n\t\"os\"\n)\n")
    f.l("const (")
    f.s(f'\tstripeKey   = "{g.stripe()}"', "stripe")
    f.s(f'\tsendgridKey = "{g.sendgrid()}"', "sendgrid")
    f.n('\tpasswordKey = "password"', "field_name")
    f.l(")")
    f.l("func main() {")
    f.n('\tdbPass := os.Getenv("DB_PASSWORD")', "env_reference")
    f.s(f'\tdsn := "host={host()} user=app password={g.pw_url()} dbname=app sslmode=disable"', "db_connection_string")
    f.n(f'\tconst schemaHash = "{g.hx(64)}"', "hash_sha256")
    f.s(f'\tdoppler := "{g.doppler()}"', "doppler")
    f.l("\t_ = dbPass; _ = dsn; _ = doppler")
    f.l("}")

    # 34 Java
    f = new("src/main/java/com/acme/Config.java")
    f.block("package com.acme;\n\npublic final class Config {")
    f.s(f'    private static final String GITHUB_TOKEN = "{g.gh_fine()}";', "github_fine")
    f.n('    private static final String DB_PASSWORD = System.getenv("DB_PASSWORD");', "env_reference")
    f.l("    private static final String LEGACY_PASSWORD =")
    f.s(f'        "{g.pw()}";', "password")
    f.n('    public static final String PASSWORD_PARAM = "password";', "field_name")
    f.s(f'    static final String JDBC = "jdbc:sqlserver://sql.internal:1433;databaseName=erp;user=erp;password={g.pw_url()}";', "jdbc_url")
    f.n(f'    static final String SERIAL_UID = "{g.uuid()}";', "uuid")
    f.l("}")

    # 35 C#
    f = new("src/Service/Startup.cs")
    f.block("namespace Acme.Service;\n\npublic static class Secrets\n{")
    f.s(f'    public const string ClientSecret = "{g.c(AN + "~._-", 40)}";', "azure_client_secret")
    f.n('    public static string ApiKey => Environment.GetEnvironmentVariable("API_KEY");', "env_reference")
    f.s(f'    public const string Sql = "Data Source=sql01;Initial Catalog=Crm;User Id=crm;Password={g.pw_url()};";', "db_connection_string")
    f.n('    public const string PasswordRegex = @"^(?=.*[a-z])(?=.*\\d).{10,}$";', "password_policy")
    f.s(f'    public const string NewRelicKey = "{g.newrelic()}";', "newrelic")
    f.l("}")

    f = new("src/Service/appsettings.json")
    f.l("{")
    f.l('  "ConnectionStrings": {')
    f.s(f'    "Default": "Server=pg.internal;Port=5432;Database=crm;Username=crm;Password={g.pw_url()}",', "db_connection_string")
    f.n('    "Cache": "redis.internal:6379,ssl=true,abortConnect=false"', "config_value")
    f.l("  },")
    f.l('  "AzureAd": {')
    f.n(f'    "ClientId": "{g.uuid()}",', "uuid")
    f.s(f'    "ClientSecret": "{g.c(AN + "~._-", 40)}",', "azure_client_secret")
    f.n('    "CertificateThumbprint": "' + g.hx(40).upper() + '"', "cert_thumbprint")
    f.l("  },")
    f.n('  "KeyVaultUri": "https://acme-kv.vault.azure.net/"', "vault_reference")
    f.l("}")

    # 36 Ruby / Rails
    f = new("config/database.yml")
    f.block("default: &default\n  adapter: postgresql\n  pool: 5\n\nproduction:\n  <<: *default\n  username: app")
    f.n("  password: <%= ENV['DATABASE_PASSWORD'] %>", "env_reference")
    f.block("\nstaging:\n  <<: *default\n  username: app")
    f.s(f"  password: {g.pw_human()}", "password")
    f.s(f"  url: postgres://app:{g.pw_url()}@staging-db.internal/app", "database_url")

    f = new("lib/payments.rb")
    f.l("require 'stripe'")
    f.s(f"Stripe.api_key = '{g.stripe()}'", "stripe")
    f.n("Stripe.api_key = ENV.fetch('STRIPE_SECRET_KEY')", "env_reference")
    f.s(f"TWILIO_KEY = '{g.twilio_sk()}'", "twilio")
    f.n("Rails.application.credentials.dig(:aws, :secret_access_key)", "secret_manager_ref")
    f.s(f"SMTP_SETTINGS = {{ user_name: 'apikey', password: '{g.sendgrid()}' }}", "sendgrid")

    # 37 PHP
    f = new("wp-config.php")
    f.l("<?php")
    f.l("define( 'DB_NAME', 'wordpress' );")
    f.l("define( 'DB_USER', 'wp' );")
    f.s(f"define( 'DB_PASSWORD', '{g.pw()}' );", "password")
    f.s(f"define( 'AUTH_KEY',         '{g.c(AN + '!@^*-_=+.?~', 64)}' );", "generic_secret")
    f.n("define( 'SECURE_AUTH_KEY',  'put your unique phrase here' );", "placeholder")
    f.n("define( 'LOGGED_IN_KEY', getenv('WP_LOGGED_IN_KEY') );", "env_reference")

    f.l("")
    f.s(f"$mg = Mailgun::create('{g.mailgun()}');", "mailgun")
    f.n("$key = $_ENV['MAILGUN_KEY'] ?? '';", "env_reference")
    f.s(f"$pdo = new PDO('mysql:host=db;dbname=shop', 'shop', '{g.pw()}');", "password")
    f.n("$hash = password_hash($password, PASSWORD_BCRYPT);", "field_name")

    # 38 SQL
    f = new("db/migrations/004_users.sql")
    f.s(f"CREATE USER reporting WITH PASSWORD '{g.pw()}';", "password")
    f.s(f"ALTER USER app IDENTIFIED BY \"{g.pw_random()}\";", "password")
    f.n("CREATE USER analyst WITH PASSWORD :'analyst_password';", "template_reference")
    f.n("ALTER TABLE users ADD COLUMN password_hash VARCHAR(255) NOT NULL;", "field_name")
    f.n(f"INSERT INTO api_keys (id, key_sha256) VALUES ('{g.uuid()}', '{g.hx(64)}');", "hash_sha256")
    f.s(f"INSERT INTO integrations (name, token) VALUES ('slack', '{g.slack_bot()}');", "slack")
    f.n("INSERT INTO integrations (name, token) VALUES ('demo', 'DUMMY-TOKEN-0000');", "example_marker")

    # 39 docs
    f = new("README.md")
    f.block("# acme-billing\n\n## Setup\n\n```bash")
    f.n("export STRIPE_SECRET_KEY=" + SKT + "...", "placeholder")
    f.n("export OPENAI_API_KEY=<your-key>", "placeholder")
    f.n("export AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY", "aws_example")  # br:allow (AWS documentation example key, split)
    f.block("```\n\nPasswords must be at least 12 characters and contain one digit.")
    f.n("The `password` field of `/login` is never logged.", "password_policy")
    f.s(f"Temporary staging admin login: admin / {g.pw_random()} (rotate after the demo)", "password")

    f = new("docs/ops/runbook.md")
    f.block("# Runbook\n\n## Database access\n")
    f.s(f"Connect with `psql postgres://ops:{g.pw_url()}@{host()}:5432/prod`.", "database_url")
    f.n("Use `psql postgres://ops:${OPS_PASSWORD}@db.internal:5432/prod` in scripts.", "env_reference")
    f.n("Checksums of the release: `" + g.hx(64) + "`", "hash_sha256")
    f.s(f"Datadog API key for the on-call dashboard: `{g.datadog_api()}`", "datadog")
    f.n("Grafana tokens look like `glsa_...`; never paste them here.", "placeholder")
    f.block("\n## Keys\n\nA private key starts with:\n\n```")
    f.n(BEGIN.format("RSA " + PRIV), "pem_header_doc")
    f.l("...")
    f.l("```")

    f = new("docs/api.md")
    f.block("# API\n\nAuthenticate with a bearer token:\n\n```http\nGET /v1/invoices HTTP/1.1")
    f.n("Authorization: Bearer <token>", "placeholder")
    f.block("```\n\nTest mode example:\n\n```bash")
    f.n("curl https://api.stripe.com/v1/charges -u " + SKT + "4eC39HqLyjWDarjtT1zdp7dc:", "doc_test_key")
    f.n(f"curl -H 'X-Api-Key: {'0' * 32}' https://api.example.com/", "repeated")
    f.block("```\n\nWebhook signing secrets start with `whsec_`.")
    f.n("Example request id: `" + g.uuid() + "`", "uuid")

    # 40 chat export and log
    f = new("exports/slack-dev-channel.txt")
    f.l("[09:12] alice: deploy is failing on the registry step")
    f.s(f"[09:13] bob: try with my token {g.gh()} and revoke it after", "github")
    f.l("[09:14] alice: thanks, worked")
    f.s(f"[09:20] carol: the new db password is {g.pw_human()}", "password")
    f.n("[09:21] dave: please don't paste passwords here, use 1Password", "password_policy")
    f.s(f"[09:30] bob: HF key for the eval box: {g.hf()}", "huggingface")
    f.n(f"[09:31] alice: build {g.hx(40)} is green", "git_sha")
    f.n("[09:32] carol: the token is in vault at secret/ci/registry", "vault_reference")
    f.s(f"[09:40] erin: postman key if you need it {g.postman()}", "postman")

    f = new("logs/app.log")
    f.n(f"2026-11-30T10:00:01Z INFO request_id={g.uuid()} path=/login status=200", "uuid")
    f.s(f"2026-11-30T10:00:02Z DEBUG outgoing headers {{'Authorization': 'Bearer {g.anthropic()}'}}", "anthropic")
    f.n("2026-11-30T10:00:03Z WARN login failed user=bob password=[FILTERED]", "masked")
    f.s(f"2026-11-30T10:00:04Z ERROR could not connect redis://:{g.pw_url()}@cache.internal:6379/0", "database_url")
    f.n(f"2026-11-30T10:00:05Z INFO token fingerprint sha256:{g.hx(64)}", "hash_sha256")
    f.n("2026-11-30T10:00:06Z INFO api_key=sk-...a1b2 (masked)", "masked")
    f.s(f"2026-11-30T10:00:07Z DEBUG env DD_API_KEY={g.datadog_api()}", "datadog")

    # 41 commit messages
    f = new("commits/COMMIT_EDITMSG-1")
    f.l("Fix deploy credentials for staging")
    f.l("")
    f.s(f"Use the service account token {g.gitlab()} for the mirror job.", "gitlab")
    f.n("Co-authored-by: Dana <dana@example.com>", "config_value")
    f = new("commits/COMMIT_EDITMSG-2")
    f.l("Rotate leaked Slack token")
    f.l("")
    f.n(f"Reverts {g.hx(40)}; the old token was revoked and moved to vault.", "git_sha")
    f.n("Refs: SEC-" + g.dg(4) + " password policy now enforced (min length 14).", "password_policy")

    # 42 dotfiles
    f = new(".netrc")
    f.s(f"machine api.heroku.com login ops@example.com password {g.hx(8)}-{g.hx(4)}-{g.hx(4)}-{g.hx(4)}-{g.hx(12)}", "heroku")
    f.l("machine github.com")
    f.l("  login ci-bot")
    f.s(f"  password {g.gh()}", "github")
    f.n("machine example.com login anonymous password guest@", "placeholder")

    f = new(".npmrc")
    f.n("registry=https://registry.npmjs.org/", "url_no_cred")
    f.s(f"//registry.npmjs.org/:_authToken={g.npm()}", "npm")
    f.n("//npm.pkg.github.com/:_authToken=${GITHUB_TOKEN}", "env_reference")
    f.s("_auth=" + base64.b64encode(f"ci:{g.pw_url()}".encode()).decode(), "npm_auth")
    f.l("always-auth=true")

    f = new(".pypirc")
    f.block("[distutils]\nindex-servers =\n    pypi\n    internal\n\n[pypi]\nusername = __token__")
    f.s(f"password = {g.pypi()}", "pypi")
    f.block("\n[internal]\nrepository = https://pypi.internal.example.com/\nusername = deploy")
    f.s(f"password = {g.pw()}", "password")

    f = new(".git-credentials")
    f.s(f"https://ci-bot:{g.gh()}@github.com", "github")
    f.s(f"https://oauth2:{g.gitlab()}@gitlab.example.com", "gitlab")
    f.n("https://github.com/acme/public-repo.git", "url_no_cred")

    # 43 keys
    f = new("keys/id_rsa")
    lines = g.pem("RSA " + PRIV, 900)
    f.s(lines[0], "private_key")
    for ln in lines[1:]:
        f.l(ln)

    f = new("keys/id_ed25519")
    lines = g.openssh_priv()
    f.s(lines[0], "private_key")
    for ln in lines[1:]:
        f.l(ln)

    f = new("keys/deploy.ppk")
    f.s("PuTTY-User-Key-File-3: ssh-ed25519", "private_key")
    f.l("Encryption: none")
    f.l(f"Comment: eddsa-key-2026{r.randint(1, 12):02d}{r.randint(1, 28):02d}")
    f.l("Public-Lines: 2")
    pub = g.ssh_pub().split()[1]
    f.l(pub[:64])
    f.l(pub[64:] or "AAAA")
    f.l("Private-Lines: 1")
    f.l(g.b64(36))
    f.l(f"Private-MAC: {g.hx(64)}")

    f = new("keys/ec-signing.pem")
    lines = g.pem("EC " + PRIV, 121)
    f.s(lines[0], "private_key")
    for ln in lines[1:]:
        f.l(ln)

    f = new("keys/id_ed25519.pub")
    f.n(g.ssh_pub(), "public_key")
    f.n(g.ssh_pub("ssh-rsa"), "public_key")

    f = new("certs/server.crt")
    lines = g.pem("CERTIFICATE", 700)
    f.n(lines[0], "certificate")
    for ln in lines[1:]:
        f.l(ln)
    lines = g.pem("PUBLIC KEY", 294)
    f.n(lines[0], "public_key")
    for ln in lines[1:]:
        f.l(ln)

    # 44 known_hosts-like authorized keys config in YAML (cloud-init)
    f = new("deploy/cloud-init.yaml")
    f.block("#cloud-config\nusers:\n  - name: deploy\n    ssh_authorized_keys:")
    f.n("      - " + g.ssh_pub(), "public_key")
    f.l("chpasswd:")
    f.l("  list: |")
    f.s(f"    deploy:{g.pw_random()}", "password")
    f.n("    ops:" + "$6$rounds=4096$" + g.c(AN, 16) + "$" + g.c(AN + "./", 86), "password_hash")
    f.l("  expire: false")

    # 45 seed-dependent generic key/value file in many syntaxes
    f = new("config/integrations.env")
    f.l("# integration credentials (mixed)")
    n_extra = r.randint(8, 12)
    for _ in range(n_extra):
        if r.random() < 0.8:
            kind, env, v = g.token()
            f.s(f"{env}={v}", kind)
        else:
            kind, env, v = g.fake()
            f.n(f"{env}={v}", kind)

    f = new("config/legacy.conf")
    f.l("# legacy service settings, key = value")
    for i in range(r.randint(7, 9)):
        name = g.pick(["db", "ldap", "smtp", "ftp", "admin", "svc", "backup"]) + f"_{i}"
        k = g.pick([0, 0, 1, 1, 2, 7, 7, 3, 4, 5, 6])
        if k == 0:
            f.s(f"{name}_password = {g.pw()}", "password")
        elif k == 1:
            f.s(f'{name}_pass: "{g.pw_human()}"', "password")
        elif k == 2:
            f.s(f"{name}.api_key = {g.generic_key()}", "generic_secret")
        elif k == 3:
            f.n(f"{name}_password = {g.pick(['${' + name.upper() + '_PASSWORD}', '%' + name.upper() + '_PW%', '<password>', 'changeme', '********', '{{ ' + name + '_password }}'])}", "placeholder")
        elif k == 4:
            f.n(f"{name}_password_sha256 = {g.hx(64)}", "hash_sha256")
        elif k == 5:
            f.n(f"{name}_secret_ref = vault:secret/data/{name}#password", "vault_reference")
        elif k == 6:
            f.n(f"{name}_password_min_length = {r.randint(8, 16)}", "password_policy")
        else:
            f.s(f"{name}_token = {g.hx(32)}", "generic_secret")
    return files


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    out = Path(a.outdir)
    g = G(a.seed)
    files = build(g)
    labels = []
    seen = set()
    for f in files:
        p = out / f.path
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("\n".join(f.lines) + "\n")
        for line, lab, kind in f.labels:
            key = (f.path, line)
            assert key not in seen, key
            assert f.lines[line - 1].strip(), key
            seen.add(key)
            labels.append({"file": f.path, "line": line, "label": lab, "kind": kind})
    (out / "labels.json").write_text(json.dumps(labels, indent=1) + "\n")
    ns = sum(1 for x in labels if x["label"] == "secret")
    print(f"seed {a.seed}: {len(files)} files, {len(labels)} labels, {ns} secret, {len(labels) - ns} not_secret")


if __name__ == "__main__":
    main()

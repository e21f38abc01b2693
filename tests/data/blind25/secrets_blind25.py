#!/usr/bin/env python3
"""Blind secrets corpus, round 25 (independent author, written without reading the scanner).

    python3 secrets_blind25.py OUTDIR --seed N

Writes a small fake repository (about 60 files of many kinds) into OUTDIR plus OUTDIR/labels.json:
a list of {"file": relative path, "line": 1-based line, "label": "secret" | "not_secret",
"kind": str}. Only labelled lines are scored; other lines are scaffolding.

Label conventions:
  * the label sits on the line that holds the value (continuation lines: the line with the value);
  * a multi-line private key (PEM, OpenSSH, PGP) is labelled on its BEGIN line, a PuTTY key on its
    first line; certificates and public keys are not secrets;
  * a realistic password (random or human-style) assigned to a password-like field is a secret;
  * placeholders, env/template lookups, vault/KMS references, hashes, UUIDs used as ids, encrypted
    blobs, masked values, public identifiers and clearly fake fixtures are not secrets.

Every realistic value is drawn at run time from random.Random(seed); provider prefixes are built
from pieces so that this source holds no live-looking key.
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
HEX = "0123456789abcdef"
ALNUM = UPPER + LOWER + DIGITS
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"
B32 = UPPER + "234567"
PW_PUNCT = "!@^*-_=+.?~"
URL_PW = ALNUM + "-_."
SALT_CH = ALNUM + "!@^*-_=+.?~()[]{}<>|:;,/"

# provider prefixes, assembled from pieces
P = {
    "akia": "AK" + "IA", "ghp": "gh" + "p_", "gho": "gh" + "o_", "ghs": "gh" + "s_",
    "ghpat": "github" + "_pat_", "glpat": "gl" + "pat-", "glrt": "gl" + "rt-",
    "sk_live": "sk" + "_live_", "rk_live": "rk" + "_live_", "pk_live": "pk" + "_live_",
    "sk_test": "sk" + "_test_", "whsec": "wh" + "sec_", "xoxb": "xo" + "xb-", "xoxp": "xo" + "xp-",
    "slack_hook": "https://hooks." + "slack.com/services/", "sk_proj": "sk" + "-proj-",
    "oai_mid": "T3Bl" + "bkFJ", "sk_ant": "sk" + "-ant-" + "api03-", "aiza": "AI" + "za",
    "sg": "S" + "G.", "npm": "np" + "m_", "pypi": "py" + "pi-", "pypi_body": "AgEI" + "cHlwaS5vcmc",
    "hf": "h" + "f_", "shpat": "shp" + "at_", "shpss": "shp" + "ss_", "dop": "do" + "p_v1_",
    "discord_hook": "https://discord." + "com/api/webhooks/", "mg": "ke" + "y-",
    "dapi": "da" + "pi", "dp_st": "dp" + ".st.", "hvs": "hv" + "s.", "pmak": "PM" + "AK-",
    "lin": "lin" + "_api_", "sntryu": "sntr" + "yu_", "glsa": "gl" + "sa_", "nrak": "NR" + "AK-",
    "dckr": "dckr" + "_pat_", "squ": "sq" + "u_", "pul": "pu" + "l-", "atbb": "AT" + "BB",
    "cio": "ci" + "o", "atlas": ".atlas" + "v1.", "pub": "pu" + "b", "mapbox_pk": "p" + "k.",
    "jwt_hdr": "ey" + "J",
}
PEM_B = "-----" + "BEGIN {}" + "-----"
PEM_E = "-----" + "END {}" + "-----"
PK = "PRIVATE" + " KEY"

WORDS = ["Falcon", "Maple", "Harbor", "Winter", "Copper", "Orchid", "Tiger", "Nimbus", "Quartz",
         "Sunset", "Violet", "Rocket", "Pepper", "Willow", "Cobalt", "Juniper", "Lantern", "Meadow",
         "Raven", "Saffron", "Glacier", "Thistle", "Ember", "Basil"]


class G:
    """Random value factory bound to one seed."""

    def __init__(self, seed: int):
        self.r = random.Random(seed)

    def rs(self, n, al=ALNUM):
        return "".join(self.r.choice(al) for _ in range(n))

    def hexs(self, n):
        return self.rs(n, HEX)

    def dig(self, n):
        return self.r.choice("123456789") + self.rs(n - 1, DIGITS)

    def uuid(self):
        h = self.hexs(32)
        h = h[:12] + "4" + h[13:16] + self.r.choice("89ab") + h[17:]
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def b64(self, n):
        return self.rs(n, B64)

    # passwords -----------------------------------------------------------------------------
    def pw(self):
        while True:
            s = self.rs(self.r.randint(14, 24), ALNUM + PW_PUNCT)
            if (any(c in PW_PUNCT for c in s) and any(c.isdigit() for c in s)
                    and any(c.isupper() for c in s) and any(c.islower() for c in s)):
                return s

    def upw(self):
        return self.rs(self.r.randint(18, 28), URL_PW)

    def hpw(self):
        r = self.r
        w1, w2 = r.sample(WORDS, 2)
        style = r.randrange(4)
        if style == 0:
            return f"{w1}{w2}{r.randint(2015, 2026)}{r.choice('!?*@')}"
        if style == 1:
            return f"{w1.lower()}{r.choice('.-_')}{w2}{r.randint(10, 99)}"
        if style == 2:
            leet = w1.replace("a", "@").replace("o", "0").replace("e", "3")
            return f"{leet}{r.randint(100, 999)}{r.choice('!^~')}"
        w3 = r.choice(WORDS).lower()
        return f"{w1.lower()}-{w2.lower()}-{w3}-{r.randint(1, 99)}"

    def salt(self, n=64):
        return self.rs(n, SALT_CH)

    # provider tokens -------------------------------------------------------------------------
    def aws_id(self):
        return P["akia"] + self.rs(16, B32)

    def aws_secret(self):
        return self.rs(40, ALNUM + "+/")

    def ghp(self):
        return P["ghp"] + self.rs(36)

    def gho(self):
        return P["gho"] + self.rs(36)

    def ghs(self):
        return P["ghs"] + self.rs(36)

    def ghpat(self):
        return P["ghpat"] + self.rs(22) + "_" + self.rs(59)

    def glpat(self):
        return P["glpat"] + self.rs(20, URLSAFE)

    def xoxb(self):
        return f"{P['xoxb']}{self.dig(11)}-{self.dig(12)}-{self.rs(24)}"

    def xoxp(self):
        return f"{P['xoxp']}{self.dig(11)}-{self.dig(12)}-{self.dig(13)}-{self.hexs(32)}"

    def slack_hook(self):
        return f"{P['slack_hook']}T{self.rs(8, UPPER + DIGITS)}/B{self.rs(10, UPPER + DIGITS)}/{self.rs(24)}"

    def sk_live(self):
        return P["sk_live"] + "51" + self.rs(96)

    def rk_live(self):
        return P["rk_live"] + "51" + self.rs(96)

    def pk_live(self):
        return P["pk_live"] + "51" + self.rs(96)

    def whsec(self):
        return P["whsec"] + self.rs(32)

    def sendgrid(self):
        return P["sg"] + self.rs(22, URLSAFE) + "." + self.rs(43, URLSAFE)

    def openai(self):
        return P["sk_proj"] + self.rs(74, URLSAFE) + P["oai_mid"] + self.rs(74, URLSAFE)

    def anthropic(self):
        return P["sk_ant"] + self.rs(93, URLSAFE) + "AA"

    def google(self):
        return P["aiza"] + "Sy" + self.rs(33, URLSAFE)

    def azure_key(self):
        return self.rs(86, B64) + "=="

    def azure_cs(self):
        return self.rs(3) + "8Q~" + self.rs(31, ALNUM + "_~.-")

    def npm(self):
        return P["npm"] + self.rs(36)

    def pypi(self):
        return P["pypi"] + P["pypi_body"] + "CJ" + self.rs(150, URLSAFE)

    def hf(self):
        return P["hf"] + self.rs(34, UPPER + LOWER)

    def shpat(self):
        return P["shpat"] + self.hexs(32)

    def discord_hook(self):
        return P["discord_hook"] + self.dig(19) + "/" + self.rs(68, URLSAFE)

    def telegram(self):
        return self.dig(10) + ":AA" + self.rs(33, URLSAFE)

    def mailgun(self):
        return P["mg"] + self.hexs(32)

    def dop(self):
        return P["dop"] + self.hexs(64)

    def databricks(self):
        return P["dapi"] + self.hexs(32)

    def doppler(self):
        return P["dp_st"] + "prd." + self.rs(40)

    def vault(self):
        return P["hvs"] + "CAESI" + self.rs(86, URLSAFE)

    def postman(self):
        return P["pmak"] + self.hexs(24) + "-" + self.hexs(34)

    def linear(self):
        return P["lin"] + self.rs(40)

    def sentry(self):
        return P["sntryu"] + self.hexs(64)

    def grafana(self):
        return P["glsa"] + self.rs(32) + "_" + self.hexs(8)

    def newrelic(self):
        return P["nrak"] + self.rs(27, UPPER + DIGITS)

    def nr_license(self):
        return self.hexs(36) + "NR" + "AL"

    def docker(self):
        return P["dckr"] + self.rs(27, URLSAFE)

    def sonar(self):
        return P["squ"] + self.hexs(40)

    def pulumi(self):
        return P["pul"] + self.hexs(40)

    def bitbucket(self):
        return P["atbb"] + self.rs(28) + self.hexs(8).upper()

    def cargo(self):
        return P["cio"] + self.rs(32)

    def tfc(self):
        return self.rs(14) + P["atlas"] + self.rs(67)

    def glrt(self):
        return P["glrt"] + self.rs(20, URLSAFE)

    def b64url(self, raw: bytes) -> str:
        return base64.urlsafe_b64encode(raw).decode().rstrip("=")

    def jwt(self):
        hdr = self.b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
        body = {"sub": self.dig(8), "iat": self.r.randint(1700000000, 1760000000),
                "scope": self.r.choice(["orders:rw", "admin", "read"])}
        pl = self.b64url(json.dumps(body, separators=(",", ":")).encode())
        return f"{hdr}.{pl}.{self.rs(43, URLSAFE)}"

    def mapbox_pk(self):
        body = self.b64url(json.dumps({"u": "acme-maps", "a": self.rs(25, LOWER + DIGITS)},
                                      separators=(",", ":")).encode())
        return P["mapbox_pk"] + body + "." + self.rs(22, URLSAFE)

    # look-alikes -------------------------------------------------------------------------------
    def sha40(self):
        return self.hexs(40)

    def sha64(self):
        return self.hexs(64)

    def png_b64(self):
        return "iVBORw0KGgoAAAANSUhEUgAAA" + self.b64(120) + "AAAAAElFTkSuQmCC"

    def ssh_pub(self, comment):
        return "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + self.rs(43, B64) + " " + comment

    def bcrypt(self):
        return "$2b$12$" + self.rs(53, ALNUM + "./")

    def sha512crypt(self):
        return "$6$rounds=4096$" + self.rs(16, ALNUM + "./") + "$" + self.rs(86, ALNUM + "./")

    def sops(self):
        return (f"ENC[AES256_GCM,data:{self.b64(self.r.randint(16, 40))}=,iv:{self.b64(43)}=,"
                f"tag:{self.b64(22)}==,type:str]")

    def pem_body(self, first, n=12):
        lines = [first + self.b64(64 - len(first))]
        lines += [self.b64(64) for _ in range(n)]
        lines.append(self.b64(self.r.randint(20, 60)) + "==")
        return lines


class FB:
    """One output file: lines plus labels."""

    def __init__(self, path: str):
        self.path = path
        self.lines: list[str] = []
        self.labs: list[tuple[int, str, str]] = []

    def __call__(self, *lines: str) -> "FB":
        for ln in lines:
            assert "\n" not in ln, (self.path, ln)
            self.lines.append(ln)
        return self

    def S(self, line: str, kind: str) -> "FB":
        self(line)
        self.labs.append((len(self.lines), "secret", kind))
        return self

    def N(self, line: str, kind: str) -> "FB":
        self(line)
        self.labs.append((len(self.lines), "not_secret", kind))
        return self


def j(v) -> str:
    return json.dumps(v)


def pem_block(g: G, f: FB, title: str, first: str, label: str, kind: str, n=12):
    getattr(f, label)(PEM_B.format(title), kind)
    f(*g.pem_body(first, n))
    f(PEM_E.format(title))


# ------------------------------------------------------------------------------------------------
# files
# ------------------------------------------------------------------------------------------------

def f_env(g: G):
    f = FB(".env")
    f("# runtime config for orders-api (prod)", "APP_ENV=production", "PORT=8080")
    f.S(f"DATABASE_URL=postgres://app_rw:{g.upw()}@db-prod.internal:5432/orders", "db_url")
    f.S(f"REDIS_URL=redis://:{g.upw()}@cache.internal:6379/0", "db_url")
    f.S(f"AWS_ACCESS_KEY_ID={g.aws_id()}", "aws_key_id")
    f.S(f"AWS_SECRET_ACCESS_KEY={g.aws_secret()}", "aws_secret")
    f("AWS_REGION=eu-west-1")
    f.S(f"STRIPE_SECRET_KEY={g.sk_live()}", "stripe")
    f.N(f"STRIPE_PUBLISHABLE_KEY={g.pk_live()}", "public_id")
    f.S(f"SENDGRID_API_KEY={g.sendgrid()}", "sendgrid")
    f.S(f'OPENAI_API_KEY="{g.openai()}"', "openai")
    f.S(f"SESSION_SECRET={g.sha64()}", "generic_secret")
    f.S(f"DATADOG_APP_KEY={g.hexs(40)}", "datadog")
    f.S(f"JWT_SECRET='{g.hpw()}'", "password")
    f.N("SMTP_PASSWORD=", "field_name")
    f.N(f"SENTRY_DSN=https://{g.hexs(32)}@o{g.dig(6)}.ingest.sentry.io/{g.dig(7)}", "public_id")
    f.N(f"BUILD_SHA={g.sha40()}", "hash")
    f.N("FLAGS_SDK_KEY=${FLAGS_SDK_KEY}", "env_ref")
    f("ADMIN_EMAIL=ops@example.com")
    return f


def f_env_example(g: G):
    f = FB(".env.example")
    f("# copy to .env and fill in real values")
    f.N("DATABASE_URL=postgres://user:password@localhost:5432/app", "placeholder")
    f.N("AWS_ACCESS_KEY_ID=" + P["akia"] + "IOSFODNN7" + "EXAMPLE", "example_token")
    f.N("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY", "example_token")  # br:allow (the AWS documentation example key, split)
    f.N("STRIPE_SECRET_KEY=" + P["sk_live"] + "x" * 24, "placeholder")
    f.N("OPENAI_API_KEY=<your-openai-key>", "placeholder")
    f.N("GITHUB_TOKEN=" + P["ghp"] + "0" * 36, "placeholder")
    f.N("SLACK_BOT_TOKEN=" + P["xoxb"] + "your-bot-token", "placeholder")
    f.N("HF_TOKEN=" + P["hf"] + (LOWER + UPPER)[:34], "sequential")
    f.N("ANTHROPIC_API_KEY=" + P["sk_ant"] + "...", "placeholder")
    return f


def f_compose(g: G):
    f = FB("docker-compose.yml")
    f("services:", "  db:")
    f.N(f"    image: postgres:16@sha256:{g.sha64()}", "hash")
    f("    environment:", "      POSTGRES_USER: orders")
    f.S(f"      POSTGRES_PASSWORD: '{g.pw()}'", "password")
    f("      POSTGRES_DB: orders", "  api:", "    image: registry.example.com/orders-api:1.4.2",
      "    environment:")
    f.S(f"      - DATABASE_URL=postgresql://orders:{g.upw()}@db:5432/orders", "db_url")
    f.N("      - REDIS_PASSWORD=${REDIS_PASSWORD:?set me}", "env_ref")
    f.S(f"      - DD_API_KEY={g.hexs(32)}", "datadog")
    f("    secrets:", "      - db_password", "  grafana:", "    image: grafana/grafana:10.4.1",
      "    environment:")
    f.N("      GF_SECURITY_ADMIN_PASSWORD__FILE: /run/secrets/grafana_admin", "file_ref")
    f.S(f"      GF_SMTP_PASSWORD: \"{g.hpw()}\"", "password")
    f("secrets:", "  db_password:")
    f.N("    file: ./secrets/db_password.txt", "file_ref")
    return f


def f_k8s_secret(g: G):
    f = FB("k8s/secret.yaml")
    f("apiVersion: v1", "kind: Secret", "metadata:", "  name: orders-db", "  namespace: prod",
      "  annotations:")
    f.N(f"    checksum/config: {g.sha64()}", "hash")
    f("type: Opaque", "data:")
    f.N("  username: " + base64.b64encode(b"orders_app").decode(), "base64_plain")
    f.S("  password: " + base64.b64encode(g.pw().encode()).decode(), "password_b64")
    f("stringData:")
    f.S(f'  linear-api-key: "{g.linear()}"', "linear")
    f("---", "apiVersion: v1", "kind: ConfigMap", "metadata:", "  name: orders-config", "data:",
      "  DB_HOST: db-prod.internal")
    f.N(f'  TRACE_NAMESPACE: "{g.uuid()}"', "uuid")
    cfg = "log.level=INFO\nfeature.checkout=true\nretry.max=3\n"
    f.N("  app.properties.b64: " + base64.b64encode(cfg.encode()).decode(), "base64_plain")
    f("---", "apiVersion: bitnami.com/v1alpha1", "kind: SealedSecret", "metadata:", "  name: orders-api",
      "  namespace: prod", "spec:", "  encryptedData:")
    f.N("    STRIPE_KEY: AgB" + g.b64(340) + "==", "encrypted")
    f.N("    DB_PASSWORD: AgC" + g.b64(340) + "=", "encrypted")
    return f


def f_k8s_deploy(g: G):
    f = FB("k8s/deployment.yaml")
    f("apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: orders-api", "spec:",
      "  template:", "    spec:", "      containers:", "        - name: api")
    f.N(f"          image: ghcr.io/acme/orders-api@sha256:{g.sha64()}", "hash")
    f("          env:", "            - name: DB_PASSWORD", "              valueFrom:",
      "                secretKeyRef:", "                  name: orders-db")
    f.N("                  key: password", "field_name")
    f("            - name: GITHUB_TOKEN")
    f.S(f'              value: "{g.ghs()}"', "github")
    f("            - name: VAULT_TOKEN")
    f.S(f'              value: "{g.vault()}"', "vault")
    f("            - name: POD_INSTANCE")
    f.N(f'              value: "{g.uuid()}"', "uuid")
    f("            - name: API_PASSWORD")
    f.N('              value: "$(API_PASSWORD_FROM_SECRET)"', "env_ref")
    return f


def f_gh_workflow(g: G):
    f = FB(".github/workflows/deploy.yml")
    f("name: deploy", "on:", "  push:", "    branches: [main]", "jobs:", "  deploy:",
      "    runs-on: ubuntu-latest", "    env:")
    f.N("      NPM_TOKEN: ${{ secrets.NPM_TOKEN }}", "env_ref")
    f.S(f'      DOCKERHUB_TOKEN: "{g.docker()}"', "docker")
    f("    steps:")
    f.N(f"      - uses: actions/checkout@{g.sha40()}", "hash")
    f("      - name: deploy chart", "        run: |",
      "          helm upgrade --install orders ./chart \\")
    f.S(f"            --set db.password='{g.pw()}' \\", "password")
    f("            --set db.host=db-prod.internal \\")
    f.N("            --set slack.webhook=${{ secrets.SLACK_WEBHOOK }} \\", "env_ref")
    f.N("            --set-string redis.auth.password=\"$REDIS_PASSWORD\"", "env_ref")
    f("      - name: notify", "        run: |",
      "          curl -X POST -H 'Content-type: application/json' --data '{\"text\":\"deployed\"}' \\")
    f.S(f"            {g.slack_hook()}", "slack")
    return f


def f_gitlab_ci(g: G):
    f = FB(".gitlab-ci.yml")
    f("variables:", "  DOCKER_DRIVER: overlay2")
    f.S(f'  SONAR_TOKEN: "{g.sonar()}"', "sonar")
    f.N("  PYPI_PASSWORD: $PYPI_TOKEN", "env_ref")
    f.S(f'  RUNNER_TOKEN: "{g.glrt()}"', "gitlab")
    f("deploy:", "  stage: deploy", "  script:")
    f.S(f"    - git push https://oauth2:{g.glpat()}@gitlab.com/acme/orders.git HEAD:release", "gitlab")
    f.N("    - 'curl --header \"PRIVATE-TOKEN: <your_access_token>\" https://gitlab.example.com/api/v4/projects'",
        "placeholder")
    f.S(f'    - helm upgrade orders ./chart --set-string redis.auth.password="{g.hpw()}"', "password")
    f("  only:", "    - main")
    return f


def f_helm_values(g: G):
    f = FB("helm/orders/values.yaml")
    f("image:", "  repository: ghcr.io/acme/orders", '  tag: "1.4.2"')
    f.N(f'  digest: "sha256:{g.sha64()}"', "hash")
    f("postgresql:", "  auth:", "    username: orders")
    f.S(f'    password: "{g.pw()}"', "password")
    f.N('    replicationPassword: "{{ .Values.global.replPassword }}"', "template")
    f("redis:", "  auth:")
    f.N('    password: ""', "field_name")
    f("externalApis:", "  twilio:")
    f.N(f'    accountSid: "AC{g.hexs(32)}"', "public_id")
    f.S(f'    authToken: "{g.hexs(32)}"', "twilio")
    f("  mapbox:")
    f.N(f'    publicToken: "{g.mapbox_pk()}"', "public_id")
    f("  databricks:")
    f.S(f"    token: {g.databricks()}", "databricks")
    f("ingress:", "  annotations:")
    f.N("    nginx.ingress.kubernetes.io/auth-secret: basic-auth", "field_name")
    return f


def f_ansible_vars(g: G):
    f = FB("ansible/group_vars/all.yml")
    f("---", "app_user: deploy")
    f.N('db_password: "{{ vault_db_password }}"', "template")
    f("api_token: !vault |")
    f.N("  $ANSIBLE_VAULT;1.1;AES256", "encrypted")
    for _ in range(4):
        f("  " + g.hexs(80))
    f.S(f'smtp_relay_password: "{g.hpw()}"', "password")
    f.N("admin_password_min_length: 14", "policy")
    f.S(f'mysql_root_password: "{g.pw()}"', "password")
    return f


def f_ansible_tasks(g: G):
    f = FB("ansible/roles/db/tasks/main.yml")
    f("- name: create app db user", "  community.postgresql.postgresql_user:", "    name: orders")
    f.N("    password: \"{{ lookup('community.hashi_vault.hashi_vault', 'secret=secret/data/orders:password') }}\"",
        "vault_ref")
    f("- name: set admin password", "  ansible.builtin.user:", "    name: admin")
    f.N(f"    password: '{g.sha512crypt()}'", "hash")
    f("- name: sync backups", "  ansible.builtin.command: aws s3 sync /backups s3://acme-backups",
      "  environment:")
    f.S(f'    AWS_SECRET_ACCESS_KEY: "{g.aws_secret()}"', "aws_secret")
    return f


def f_settings_json(g: G):
    f = FB("config/settings.json")
    f("{", '  "service": "orders",', '  "database": {', '    "host": "db-prod.internal",',
      '    "user": "orders_app",')
    f.S(f'    "password": {j(g.pw())},', "password")
    f.N('    "passwordHint": "see the platform vault, entry orders-db"', "field_name")
    f("  },", '  "integrations": {')
    f.S(f'    "slackBotToken": {j(g.xoxb())},', "slack")
    f.S(f'    "slackSigningSecret": {j(g.hexs(32))},', "slack")
    f.S(f'    "githubWebhookSecret": {j(g.rs(40, URLSAFE))},', "generic_secret")
    f.N(f'    "sentryRelease": {j(g.sha40())},', "hash")
    f.N(f'    "firebaseAppId": {j("1:" + g.dig(12) + ":web:" + g.hexs(22))},', "public_id")
    f.S(f'    "mailgunApiKey": {j(g.mailgun())},', "mailgun")
    f.N('    "smtpPassword": null', "field_name")
    f("  },")
    f.N(f'  "logo": {j("data:image/png;base64," + g.png_b64())}', "image_base64")
    f("}")
    return f


def f_package_lock(g: G):
    f = FB("web/package-lock.json")
    f("{", '  "name": "orders-web",', '  "lockfileVersion": 3,', '  "packages": {',
      '    "node_modules/left-pad": {', '      "version": "1.3.0",',
      '      "resolved": "https://registry.npmjs.org/left-pad/-/left-pad-1.3.0.tgz",')
    f.N(f'      "integrity": "sha512-{g.b64(86)}=="', "hash")
    f("    },", '    "node_modules/@acme/ui": {', '      "version": "2.0.1",')
    f.N(f'      "integrity": "sha1-{g.b64(27)}="', "hash")
    f("    }", "  }", "}")
    return f


def f_pyproject(g: G):
    f = FB("pyproject.toml")
    f("[tool.poetry]", 'name = "orders"', 'version = "2.0.1"', "",
      "[[tool.poetry.source]]", 'name = "private"')
    f.S(f'url = "https://deploy:{g.upw()}@pypi.acme.internal/simple/"', "basic_auth_url")
    f("", "[tool.orders.database]")
    f.S(f'dsn = "postgresql+psycopg://orders:{g.upw()}@db/orders"', "db_url")
    f.N('password_env = "ORDERS_DB_PASSWORD"', "field_name")
    f("", "[tool.orders.auth]")
    f.S(f'secret_key = "{g.rs(50, ALNUM + "!@^*-_=+.?~")}"', "generic_secret")
    f("token_ttl = 3600", "", "[tool.orders.checksums]")
    f.N(f'wheel_sha256 = "{g.sha64()}"', "hash")
    return f


def f_app_ini(g: G):
    f = FB("config/app.ini")
    f("[database]", "host = db-prod.internal", "user = reporting")
    f.S(f"password = {g.pw()}", "password")
    f.N("password_file = /etc/orders/db.pass", "file_ref")
    f("", "[smtp]", "username = alerts@example.com")
    f.N("password = %(SMTP_PASSWORD)s", "env_ref")
    f("", "[ldap]", "bind_dn = cn=svc-orders,ou=svc,dc=example,dc=com")
    f.S(f"bind_password = {g.hpw()}", "password")
    f("", "[api]")
    f.S(f"key = {g.hexs(32)}", "api_key")
    f.N("key_rotation_days = 90", "policy")
    return f


def f_supervisord(g: G):
    f = FB("deploy/supervisord.conf")
    f("[program:worker]", "command = /usr/bin/python -m orders.worker")
    f.S(f'environment = DB_PASSWORD="{g.pw()}",DJANGO_SETTINGS_MODULE="orders.settings"', "password")
    f("", "[inet_http_server]", "port = 127.0.0.1:9001", "username = admin")
    f.N("password = {SHA}" + g.sha40(), "hash")
    return f


def f_nginx(g: G):
    f = FB("deploy/nginx/orders.conf")
    basic = base64.b64encode(f"metrics:{g.pw()}".encode()).decode()
    f("server {", "    listen 443 ssl;", "    server_name orders.example.com;",
      "    ssl_certificate     /etc/nginx/tls/orders.crt;")
    f("    location /internal/ {", '        auth_basic "restricted";')
    f.N("        auth_basic_user_file /etc/nginx/.htpasswd;", "file_ref")
    f.S(f'        proxy_set_header Authorization "Basic {basic}";', "basic_auth")
    f("        proxy_pass http://backend;", "    }", "    location /metrics {")
    f.S(f'        proxy_set_header X-Api-Key "{g.hexs(40)}";', "api_key")
    f("    }")
    f.N(f"    add_header Content-Security-Policy \"script-src 'self' 'sha256-{g.b64(43)}='\";", "hash")
    f("}")
    return f


def f_apache(g: G):
    f = FB("deploy/apache/orders-vhost.conf")
    f("<VirtualHost *:443>", "    ServerName orders.example.com")
    f.S(f'    SetEnv DB_PASSWORD "{g.pw()}"', "password")
    f.N("    SSLCertificateKeyFile /etc/ssl/private/orders.key", "file_ref")
    f("    <Location /admin>", "        AuthType Basic", "        AuthUserFile /etc/apache2/.htpasswd",
      "        Require valid-user", "    </Location>", "</VirtualHost>")
    return f


def f_props(g: G):
    f = FB("src/main/resources/application-prod.properties")
    f("spring.datasource.url=jdbc:postgresql://db-prod.internal:5432/orders",
      "spring.datasource.username=orders")
    f.S(f"spring.datasource.password={g.pw()}", "password")
    f.N("spring.mail.password=${MAIL_PASSWORD}", "env_ref")
    f.N(f"spring.security.oauth2.client.registration.github.client-id=Iv1.{g.hexs(16)}", "public_id")
    f.S(f"spring.security.oauth2.client.registration.github.client-secret={g.hexs(40)}", "github")
    f.S(f"app.jwt.secret={g.b64(64)}", "generic_secret")
    f.N("management.endpoint.env.keys-to-sanitize=password,secret,key,token", "field_name")
    f.N(f"app.kms.key-arn=arn:aws:kms:eu-west-1:{g.dig(12)}:key/{g.uuid()}", "vault_ref")
    f.S("azure.storage.connection-string=DefaultEndpointsProtocol=https;AccountName=acmeorders;"
        f"AccountKey={g.azure_key()};EndpointSuffix=core.windows.net", "azure")
    return f


def f_web_config(g: G):
    f = FB("src/Orders.Web/Web.config")
    f('<?xml version="1.0" encoding="utf-8"?>', "<configuration>", "  <connectionStrings>")
    f.S('    <add name="Orders" connectionString="Server=sql-prod.internal;Database=Orders;User Id=orders_app;'
        f'Password={g.pw()};TrustServerCertificate=True" providerName="System.Data.SqlClient" />', "db_url")
    f.N('    <add name="Reports" connectionString="Server=sql-prod.internal;Database=Reports;'
        'Integrated Security=SSPI" providerName="System.Data.SqlClient" />', "no_password")
    f("  </connectionStrings>", "  <appSettings>")
    f.S(f'    <add key="SendGridApiKey" value="{g.sendgrid()}" />', "sendgrid")
    f.S(f'    <add key="AzureAd:ClientSecret" value="{g.azure_cs()}" />', "azure")
    f.N(f'    <add key="AzureAd:TenantId" value="{g.uuid()}" />', "uuid")
    f.N('    <add key="PaymentsApiKey" value="#{PaymentsApiKey}#" />', "template")
    f("  </appSettings>", "</configuration>")
    return f


def f_maven(g: G):
    f = FB(".mvn/settings.xml")
    f("<settings>", "  <servers>", "    <server>", "      <id>acme-releases</id>",
      "      <username>deployer</username>")
    f.S(f"      <password>{g.hpw()}</password>", "password")
    f("    </server>", "    <server>", "      <id>central</id>",
      "      <username>${env.MAVEN_USER}</username>")
    f.N("      <password>${env.MAVEN_PASSWORD}</password>", "env_ref")
    f("    </server>", "    <server>", "      <id>legacy-nexus</id>", "      <username>ci</username>")
    f.N(f"      <password>{{{g.b64(44)}=}}</password>", "encrypted")
    f("    </server>", "  </servers>", "</settings>")
    return f


def f_main_tf(g: G):
    f = FB("infra/main.tf")
    f('provider "aws" {', '  region     = "eu-west-1"')
    f.S(f'  access_key = "{g.aws_id()}"', "aws_key_id")
    f.S(f'  secret_key = "{g.aws_secret()}"', "aws_secret")
    f("}", "", 'resource "aws_db_instance" "orders" {', '  identifier = "orders-prod"',
      '  username   = "orders_admin"')
    f.N("  password   = var.db_password", "env_ref")
    f("}", "", 'provider "github" {')
    f.S(f'  token = "{g.ghp()}"', "github")
    f("}", "", 'data "aws_secretsmanager_secret_version" "stripe" {')
    f.N(f'  secret_id = "arn:aws:secretsmanager:eu-west-1:{g.dig(12)}:secret:prod/stripe-{g.rs(6)}"',
        "vault_ref")
    f("}", "", 'resource "kubernetes_secret" "grafana" {', "  data = {")
    f.N('    api_key  = data.vault_generic_secret.grafana.data["api_key"]', "vault_ref")
    f.S(f'    sa_token = "{g.grafana()}"', "grafana")
    f("  }", "}", "", 'resource "random_password" "api" {', "  length  = 32")
    f("}")
    return f


def f_tfvars(g: G):
    f = FB("infra/prod.auto.tfvars")
    f('environment = "prod"')
    f.S(f'db_password = "{g.hpw()}"', "password")
    f.S(f'cloudflare_api_token = "{g.rs(40, URLSAFE)}"', "cloudflare")
    f.S(f'do_token = "{g.dop()}"', "digitalocean")
    f.S(f'tfe_token = "{g.tfc()}"', "terraform_cloud")
    f.N(f'ssh_public_key = "{g.ssh_pub("deploy@ci")}"', "public_key")
    f('allowed_cidrs = ["10.0.0.0/8"]')
    f.N(f'kms_key_id = "{g.uuid()}"', "uuid")
    return f


def f_dockerfile(g: G):
    f = FB("Dockerfile")
    f.N(f"FROM python:3.12-slim@sha256:{g.sha64()}", "hash")
    f.S(f"ENV PIP_EXTRA_INDEX_URL=https://deploy:{g.upw()}@pypi.acme.internal/simple/", "basic_auth_url")
    f.N("ARG NPM_TOKEN", "field_name")
    f.S(f"ENV HF_TOKEN={g.hf()}", "huggingface")
    f.N("RUN --mount=type=secret,id=pypirc,target=/root/.pypirc pip install -r requirements.txt", "file_ref")
    f.S(f"ENV OPENAI_API_KEY={g.openai()}", "openai")
    f.N(f"LABEL org.opencontainers.image.revision={g.sha40()}", "hash")
    f('CMD ["gunicorn", "orders.wsgi"]')
    return f


def f_deploy_sh(g: G):
    f = FB("scripts/deploy.sh")
    f("#!/usr/bin/env bash", "set -euo pipefail", "export AWS_PROFILE=prod")
    f.S(f"export DATABRICKS_TOKEN='{g.databricks()}'", "databricks")
    f(f"export DATABRICKS_HOST=https://adb-{g.dig(16)}.{g.dig(2)}.azuredatabricks.net",
      "export VAULT_ADDR=https://vault.internal:8200")
    f.N('export VAULT_TOKEN="$(cat ~/.vault-token)"', "file_ref")
    f.N("DB_PASS=$(aws secretsmanager get-secret-value --secret-id prod/orders/db --query SecretString --output text)",
        "vault_ref")
    f.S(f"mysql -h db-prod.internal -u backup -p'{g.pw()}' orders < dump.sql", "password")
    f.S(f"curl -sS -u 'admin:{g.hpw()}' https://jenkins.internal/job/orders/build", "password")
    f.N('curl -sS -u "$JENKINS_USER:$JENKINS_TOKEN" https://jenkins.internal/job/orders/build', "env_ref")
    f('psql \\')
    f.S(f'  "postgresql://replicator:{g.upw()}@db-replica.internal/orders" \\', "db_url")
    f("  -c 'select 1'")
    f.N("docker login -u acme --password-stdin < /run/secrets/dockerhub", "file_ref")
    return f


def f_ps1(g: G):
    f = FB("scripts/setup.ps1")
    f('$ErrorActionPreference = "Stop"')
    f.S(f'$env:AZURE_CLIENT_SECRET = "{g.azure_cs()}"', "azure")
    f.N(f'$env:AZURE_TENANT_ID = "{g.uuid()}"', "uuid")
    f.S(f'$securePw = ConvertTo-SecureString "{g.hpw()}" -AsPlainText -Force', "password")
    f('$cred = New-Object System.Management.Automation.PSCredential ("svc-orders", $securePw)')
    f.N('$dpapiBlob = "01000000d08c9ddf' + f'0115d1118c7a00c04fc297eb01000000{g.hexs(200)}"', "encrypted")
    f.N('$token = Get-Secret -Name "OrdersApiToken" -AsPlainText', "vault_ref")
    f.S('Invoke-RestMethod -Uri "https://api.getpostman.com/collections" -Headers @{ "X-Api-Key" = "'
        + g.postman() + '" }', "postman")
    return f


def f_django(g: G):
    f = FB("orders/settings.py")
    f("import os", "")
    f.S(f"SECRET_KEY = {j(g.rs(50, ALNUM + '!@^*-_=+.?~()'))}", "generic_secret")
    f("DEBUG = False", "DATABASES = {", '    "default": {', '        "ENGINE": "django.db.backends.postgresql",',
      '        "NAME": "orders",')
    f.N('        "PASSWORD": os.environ["ORDERS_DB_PASSWORD"],', "env_ref")
    f("    },", '    "analytics": {', '        "ENGINE": "django.db.backends.mysql",')
    f.S(f'        "PASSWORD": {j(g.pw())},', "password")
    f("    },", "}")
    f.N('EMAIL_HOST_PASSWORD = os.getenv("EMAIL_HOST_PASSWORD", "")', "env_ref")
    f("AUTH_PASSWORD_VALIDATORS = [")
    f.N('    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},',
        "policy")
    f("]", "ANTHROPIC_API_KEY = (")
    f.S(f'    "{g.anthropic()}"', "anthropic")
    f(")")
    f.S(f'STRIPE_WEBHOOK_SECRET = "{g.whsec()}"', "stripe")
    f.N('PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]', "field_name")
    f.S(f'CELERY_BROKER_URL = "amqp://orders:{g.upw()}@rabbitmq.internal:5672/orders"', "db_url")
    return f


def f_config_js(g: G):
    f = FB("web/src/config.js")
    f("module.exports = {", "  port: process.env.PORT || 3000,", "  db: {")
    f.S(f'    uri: process.env.MONGO_URI || "mongodb+srv://orders:{g.upw()}@cluster0.{g.rs(5, LOWER + DIGITS)}.mongodb.net/orders",',
        "db_url")
    f.N("    password: process.env.DB_PASSWORD,", "env_ref")
    f("  },", "  discord: {")
    f.S(f'    webhookUrl: "{g.discord_hook()}",', "discord")
    f("  },")
    f.S(f'  telegram: {{ token: "{g.telegram()}" }},', "telegram")
    f.S(f'  shopify: {{ accessToken: "{g.shpat()}", apiVersion: "2024-04" }},', "shopify")
    f.N(f'  analytics: {{ measurementId: "G-{g.rs(10, UPPER + DIGITS)}" }},', "public_id")
    f("};")
    return f


def f_client_ts(g: G):
    f = FB("web/src/client.ts")
    f('import axios from "axios";', "")
    f.S(f'const HF_TOKEN: string = "{g.hf()}";', "huggingface")
    f.N('const PLACEHOLDER_TOKEN = "' + P["hf"] + "x" * 34 + '";', "placeholder")
    f("export const api = axios.create({", '  baseURL: "https://api.example.com",')
    f.N("  headers: { Authorization: `Bearer ${process.env.API_TOKEN}` },", "env_ref")
    f("});", "export const legacy = axios.create({")
    f.S(f'  headers: {{ Authorization: "Bearer {g.jwt()}" }},', "jwt")
    f("});")
    f.S(f'const DOPPLER_TOKEN = "{g.doppler()}";', "doppler")
    f.N("export const passwordPattern = /^(?=.*[A-Z])(?=.*\\d).{12,}$/;", "policy")
    f.N("type Creds = { username: string; password: string };", "field_name")
    return f


def f_go(g: G):
    f = FB("cmd/server/config.go")
    f("package main", "", 'import "os"', "", "type DBConfig struct {", "\tHost     string",
      "\tUser     string")
    f.N("\tPassword string", "field_name")
    f("}", "", "var prodDB = DBConfig{", '\tHost:     "db-prod.internal",', '\tUser:     "orders",')
    f.S(f'\tPassword: "{g.pw()}",', "password")
    f("}", "")
    f.N('var devDB = DBConfig{Host: "localhost", User: "dev", Password: os.Getenv("DEV_DB_PASSWORD")}', "env_ref")
    f("")
    f.S(f'const newRelicKey = "{g.newrelic()}"', "newrelic")
    f.N(f'const gitCommit = "{g.sha40()}"', "hash")
    f.S(f'var sendgridKey = "{g.sendgrid()}"', "sendgrid")
    f("", "func main() { _, _ = prodDB, devDB }")
    return f


def f_java(g: G):
    f = FB("src/main/java/com/acme/orders/DbConfig.java")
    f("package com.acme.orders;", "", "public final class DbConfig {")
    f.S(f'    static final String URL = "jdbc:mysql://db-prod.internal:3306/orders?user=orders&password={g.upw()}";',
        "db_url")
    f('    static final String USER = System.getenv("DB_USER");')
    f.N('    static final String PASSWORD = System.getenv("DB_PASSWORD");', "env_ref")
    f.N(f'    static final String TWILIO_SID = "AC{g.hexs(32)}";', "public_id")
    f("    static final String TWILIO_TOKEN =")
    f.S(f'        "{g.hexs(32)}";', "twilio")
    f.N('    static final String PASSWORD_RESET_PATH = "/account/password/reset";', "field_name")
    f.S(f'    static final String SHOPIFY_SECRET = "{P["shpss"]}{g.hexs(32)}";', "shopify")
    f("    static final String KAFKA_JAAS =")
    f.S('        "org.apache.kafka.common.security.plain.PlainLoginModule required username=\\"orders\\" password=\\"'
        + g.pw() + '\\";";', "password")
    f("}")
    return f


def f_cs(g: G):
    f = FB("src/Orders.Payments/PaymentClient.cs")
    f("namespace Acme.Orders.Payments", "{", "    public class PaymentClient", "    {")
    f.S(f'        private const string StripeKey = "{g.rk_live()}";', "stripe")
    f.S(f'        private const string ConnString = "Host=db;Username=pay;Password={g.pw()};Database=payments";',
        "db_url")
    f.S('        private const string BusConn = "Endpoint=sb://acme-orders.servicebus.windows.net/;'
        f'SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey={g.b64(43)}=";', "azure")
    f.N('        private const string PublicKeyHeader = "' + PEM_B.format("PUBLIC KEY") + '";', "public_key")
    f.N(f'        private static readonly Guid CorrelationNs = new Guid("{g.uuid()}");', "uuid")
    f("    }", "}")
    return f


def f_kotlin(g: G):
    f = FB("android/app/src/main/java/com/acme/orders/ApiClient.kt")
    f("package com.acme.orders", "", "object ApiClient {", '    const val BASE_URL = "https://api.example.com/"')
    f.S(f'    const val MAPS_API_KEY = "{g.google()}"', "google_api")
    f.S(f'    private const val GITHUB_TOKEN = "{g.ghpat()}"', "github")
    f.N("    val ordersKey = BuildConfig.ORDERS_API_KEY", "env_ref")
    f.N('    const val SAMPLE_TOKEN = "' + P["ghp"] + "EXAMPLE" * 5 + 'X"', "example_token")
    f("}")
    return f


def f_swift(g: G):
    f = FB("ios/Orders/Config.swift")
    f("import Foundation", "", "enum Config {",
      '    static let apiBase = URL(string: "https://api.example.com")!')
    f.N(f'    static let algoliaAppID = "{g.rs(10, UPPER + DIGITS)}"', "public_id")
    f.S(f'    static let sentryAuthToken = "{g.sentry()}"', "sentry")
    f.N(f'    static let datadogClientToken = "{P["pub"]}{g.hexs(32)}"', "public_id")
    f("}")
    return f


def f_ruby(g: G):
    f = FB("lib/mailer.rb")
    f('require "mail"', "", "Mail.defaults do",
      '  delivery_method :smtp, address: "smtp.mailgun.org", port: 587,',
      '                         user_name: "postmaster@mg.example.com",')
    f.S(f'                         password: "{g.hexs(32)}-{g.hexs(8)}-{g.hexs(8)}"', "password")
    f("end", "")
    f.N('MAILGUN_API_KEY = ENV.fetch("MAILGUN_API_KEY")', "env_ref")
    f.S(f'SLACK_TOKEN = "{g.xoxp()}"', "slack")
    return f


def f_rails_db(g: G):
    f = FB("config/database.yml")
    f("default: &default", "  adapter: postgresql", "  pool: 5", "development:", "  <<: *default",
      "  database: orders_dev")
    f.N('  password: <%= ENV["DEV_DB_PASSWORD"] %>', "template")
    f("production:", "  <<: *default")
    f.S(f"  url: postgres://orders:{g.upw()}@db-prod.internal/orders", "db_url")
    f("test:", "  <<: *default")
    f.N("  password: test", "test_fixture")
    return f


def f_wp(g: G):
    f = FB("wordpress/wp-config.php")
    f("<?php", "define( 'DB_NAME', 'wordpress' );", "define( 'DB_USER', 'wp_orders' );")
    f.S(f"define( 'DB_PASSWORD', '{g.pw()}' );", "password")
    f("define( 'DB_HOST', 'localhost' );")
    f.S(f"define( 'AUTH_KEY',         '{g.salt()}' );", "generic_secret")
    f.N("define( 'SECURE_AUTH_KEY',  'put your unique phrase here' );", "placeholder")
    f.S(f"define( 'NONCE_SALT',       '{g.salt()}' );", "generic_secret")
    f.N("define( 'WP_REDIS_PASSWORD', getenv('WP_REDIS_PASSWORD') );", "env_ref")
    return f


def f_laravel(g: G):
    f = FB("config/services.php")
    f("<?php", "", "return [", "    'mailgun' => [", "        'domain' => env('MAILGUN_DOMAIN'),")
    f.N("        'secret' => env('MAILGUN_SECRET'),", "env_ref")
    f("    ],", "    'postmark' => [")
    f.S(f"        'token' => '{g.uuid()}',", "api_key")
    f("    ],", "    'openai' => [")
    f.S(f"        'api_key' => '{g.openai()}',", "openai")
    f("    ],", "    'stripe' => [")
    f.N(f"        'key' => '{g.pk_live()}',", "public_id")
    f.S(f"        'secret' => '{g.sk_live()}',", "stripe")
    f.N("        'webhook_secret' => env('STRIPE_WEBHOOK_SECRET', 'whsec_test'),", "placeholder")
    f("    ],", "];")
    return f


def f_sql(g: G):
    f = FB("db/migrations/0001_roles.sql")
    f("-- roles for the orders service")
    f.S(f"CREATE USER orders_app WITH PASSWORD '{g.pw()}';", "password")
    f("CREATE ROLE readonly NOLOGIN;")
    f.S(f"ALTER ROLE reporting WITH LOGIN PASSWORD '{g.hpw()}';", "password")
    f.N("ALTER ROLE legacy_batch PASSWORD NULL;", "field_name")
    f.S(f"CREATE USER 'etl'@'%' IDENTIFIED BY '{g.pw()}';", "password")
    f.N("ALTER USER migrator WITH PASSWORD :'migrator_password';", "template")
    f.N(f"ALTER ROLE analytics PASSWORD 'SCRAM-SHA-256$4096:{g.b64(22)}==${g.b64(43)}=:{g.b64(43)}=';", "hash")
    f.N(f"INSERT INTO users (email, password_hash) VALUES ('admin@example.com', '{g.bcrypt()}');", "hash")
    f.N(f"INSERT INTO api_clients (name, client_id) VALUES ('mobile', '{g.uuid()}');", "uuid")
    f.S(f"INSERT INTO integrations (name, token) VALUES ('github', '{g.gho()}');", "github")
    return f


def f_setup_md(g: G):
    f = FB("docs/SETUP.md")
    stripe_doc = P["sk_test"] + "4eC39HqLy" + "jWDarjtT1zdp7dc"
    jwt_doc = (P["jwt_hdr"] + "hbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9." + P["jwt_hdr"]
               + "zdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ."
               + "SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c")
    f("# Local setup", "", "1. Copy `.env.example` to `.env` and fill in your own keys.")
    f.N(f"2. Use Stripe test mode: `STRIPE_SECRET_KEY={stripe_doc}`", "example_token")
    f("3. Call the API:", "", "```bash")
    f.N('curl -u "$ORDERS_USER:$ORDERS_PASSWORD" https://api.example.com/v1/orders', "env_ref")
    f.N('curl -H "Authorization: Bearer <your-token>" https://api.example.com/v1/me', "placeholder")
    f.S(f'curl -H "X-Api-Key: {g.rs(32)}" https://staging.acme-orders.io/v1/orders', "api_key")
    f.S(f"curl -u admin:{g.hpw()} https://staging.acme-orders.io/admin", "password")
    f("```", "")
    f.N("Password requirements: at least 12 characters, one digit and one symbol.", "policy")
    f.S(f"The staging Grafana service-account token is `{g.grafana()}` (rotate quarterly).", "grafana")
    f.N(f"Example JWT from the jwt.io docs: `{jwt_doc}`", "example_token")
    f.N("Set `OPENAI_API_KEY=sk-...` in your shell before running the notebook.", "placeholder")
    return f


def f_runbook(g: G):
    f = FB("docs/runbooks/rotate-db-password.md")
    f("# Runbook: rotating the orders DB password", "", "1. Generate a value: `openssl rand -base64 24`")
    f.N("2. Store it: `vault kv put secret/orders/db password=-` (reads stdin)", "vault_ref")
    f("3. Update the cluster:")
    f.S(f"   `kubectl -n prod create secret generic orders-db --from-literal=password='{g.pw()}' --dry-run=client -o yaml | kubectl apply -f -`",
        "password")
    f.S(f"4. Verify: `psql \"host=db-prod.internal user=orders password={g.pw()} dbname=orders\" -c 'select 1'`",
        "db_url")
    f.N("5. The value lives at `op://Platform/orders-db/password`.", "vault_ref")
    f.N("6. The audit log shows it masked: `password=********`", "masked")
    return f


def f_slack_export(g: G):
    f = FB("exports/slack/general/2024-04-02.json")
    uid = lambda: "U" + g.rs(10, UPPER + DIGITS)  # noqa: E731
    f("[", "  {", '    "type": "message",', f'    "user": "{uid()}",')
    f.S(f'    "text": {j("here is the staging key: " + g.openai())},', "openai")
    f('    "ts": "1712049301.123400"', "  },", "  {", '    "type": "message",', f'    "user": "{uid()}",')
    f('    "text": "please do not paste keys here, use <https://vault.internal|vault>",',
      '    "ts": "1712049355.000200"', "  },", "  {", '    "type": "message",', f'    "user": "{uid()}",')
    f.S(f'    "text": {j("new bot token after the reinstall: " + g.xoxb())},', "slack")
    f('    "ts": "1712049400.000300"', "  },", "  {", '    "type": "message",', f'    "user": "{uid()}",')
    f.N(f'    "text": {j("deployed " + g.sha40() + " to prod")},', "hash")
    f('    "ts": "1712049500.000400"', "  },", "  {", '    "type": "message",', f'    "user": "{uid()}",')
    f.N('    "text": "sandbox login is demo / demo, it resets nightly",', "test_fixture")
    f('    "ts": "1712049600.000500"', "  },", "  {", '    "type": "message",', f'    "user": "{uid()}",')
    f.S(f'    "text": {j("aws creds for the backup job: " + g.aws_id() + " / " + g.aws_secret())},',
        "aws_key_id")
    f('    "ts": "1712049700.000600"', "  }", "]")
    return f


def f_chat_txt(g: G):
    f = FB("exports/chat-ops-2024-04.txt")
    f("[2024-04-02 10:14] alice: can someone send me the mailgun key")
    f.S(f"[2024-04-02 10:15] bob: {g.mailgun()}", "mailgun")
    f("[2024-04-02 10:16] alice: thx. also what's the db password for staging?")
    f.N('[2024-04-02 10:16] bob: it is in 1password under "orders-staging", not pasting here', "field_name")
    f.S(f"[2024-04-02 10:17] carol: lol it's {g.hpw()}", "password")
    f.N(f"[2024-04-02 10:20] bob: request {g.uuid()} failed again", "uuid")
    f.S(f"[2024-04-02 10:21] dave: npm token for CI: {g.npm()}", "npm")
    f.N(f"[2024-04-02 10:22] erin: checksum is sha256:{g.sha64()}", "hash")
    return f


def f_log(g: G):
    f = FB("logs/orders-api.log")
    f.N(f"2024-04-02T10:14:03Z INFO  request_id={g.uuid()} path=/v1/orders status=200", "uuid")
    f.S(f"2024-04-02T10:14:04Z DEBUG outgoing headers {{'Authorization': 'Bearer {g.jwt()}'}}", "jwt")
    f.N("2024-04-02T10:14:05Z WARN  login failed user=admin password=********", "masked")
    f.S(f"2024-04-02T10:14:06Z ERROR db connect failed: postgresql://orders:{g.upw()}@db-prod.internal:5432/orders",
        "db_url")
    f.N("2024-04-02T10:14:07Z INFO  token=[REDACTED] client=mobile", "masked")
    f.N(f"2024-04-02T10:14:08Z DEBUG config loaded sha1={g.sha40()}", "hash")
    f.N("2024-04-02T10:14:09Z ERROR stripe: Invalid API Key provided: " + P["sk_live"] + "*" * 20 + g.rs(4),
        "masked")
    f.S(f"2024-04-02T10:14:10Z DEBUG env AWS_SECRET_ACCESS_KEY={g.aws_secret()}", "aws_secret")
    f("2024-04-02T10:14:11Z INFO  shutting down")
    return f


def f_commits(g: G):
    out = []
    f = FB(".git-messages/COMMIT_EDITMSG-1")
    f("Fix webhook retries", "", "Temporarily hardcode the webhook until vault is back:")
    f.S(f"SLACK_WEBHOOK={g.slack_hook()}", "slack")
    f("", "Reviewed-by: Alice <alice@example.com>")
    f.N(f"Change-Id: I{g.sha40()}", "hash")
    out.append(f)
    f = FB(".git-messages/COMMIT_EDITMSG-2")
    f("release: 2.0.1", "")
    f.N(f"Follows up on {g.sha40()[:12]} (version bump).", "hash")
    f.S(f"uploaded with: twine upload -u __token__ -p {g.pypi()} dist/*", "pypi")
    f.N("token comes from the PYPI_TOKEN secret from now on", "field_name")
    out.append(f)
    return out


def f_netrc(g: G):
    f = FB(".netrc")
    f("machine api.heroku.com", "  login ops@example.com")
    f.S(f"  password {g.uuid()}", "heroku")
    f.S(f"machine github.com login acme-bot password {g.ghp()}", "github")
    f("machine artifactory.internal", "  login deploy")
    f.N("  password ${ARTIFACTORY_PASSWORD}", "env_ref")
    return f


def f_npmrc(g: G):
    f = FB(".npmrc")
    basic = base64.b64encode(f"deploy:{g.pw()}".encode()).decode()
    f("registry=https://registry.npmjs.org/")
    f.S(f"//registry.npmjs.org/:_authToken={g.npm()}", "npm")
    f.N("//npm.pkg.github.com/:_authToken=${GITHUB_TOKEN}", "env_ref")
    f("@acme:registry=https://npm.pkg.github.com")
    f.S(f"//artifactory.internal/api/npm/npm/:_auth={basic}", "basic_auth")
    f("//artifactory.internal/api/npm/npm/:always-auth=true")
    f.N(f"//registry.npmjs.org/:_authToken={P['npm']}{'X' * 36}", "placeholder")
    return f


def f_pypirc(g: G):
    f = FB(".pypirc")
    f("[distutils]", "index-servers =", "    pypi", "    internal", "", "[pypi]", "username = __token__")
    f.S(f"password = {g.pypi()}", "pypi")
    f("", "[testpypi]", "username = __token__")
    f.N("password = <testpypi token>", "placeholder")
    f("", "[internal]", "repository = https://pypi.acme.internal/", "username = deploy")
    f.S(f"password = {g.hpw()}", "password")
    return f


def f_gitcreds(g: G):
    f = FB(".git-credentials")
    f.S(f"https://acme-bot:{g.ghp()}@github.com", "github")
    f.S(f"https://oauth2:{g.glpat()}@gitlab.acme-corp.dev", "gitlab")
    f.S(f"https://acme-ci:{g.bitbucket()}@bitbucket.org", "bitbucket")
    return f


def f_keys(g: G):
    out = []
    f = FB("keys/deploy_rsa")
    pem_block(g, f, "RSA " + PK, "MIIEpAIBAAKCAQEA", "S", "private_key", 24)
    out.append(f)
    f = FB("keys/id_ed25519")
    pem_block(g, f, "OPENSSH " + PK, "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW",
              "S", "private_key", 5)
    out.append(f)
    f = FB("keys/ops.ppk")
    f.S("PuTTY-User-Key-File-3: ssh-ed25519", "private_key")
    f("Encryption: none", "Comment: ops@bastion", "Public-Lines: 2",
      "AAAAC3NzaC1lZDI1NTE5AAAAI" + g.b64(39), g.b64(8) + "==", "Private-Lines: 1",
      "AAAAI" + g.b64(43))
    f(f"Private-MAC: {g.sha64()}")
    out.append(f)
    f = FB("keys/release-signing.asc")
    f.S(PEM_B.format("PGP " + "PRIVATE KEY BLOCK"), "private_key")
    f("", *g.pem_body("lQdGBGX", 10), "=" + g.b64(4), PEM_E.format("PGP " + "PRIVATE KEY BLOCK"))
    out.append(f)
    f = FB("certs/orders-tls.pem")
    pem_block(g, f, "CERTIFICATE", "MIIB9TCCAZugAwIBAgIU", "N", "certificate", 8)
    pem_block(g, f, "EC " + PK, "MHcCAQEEI", "S", "private_key", 2)
    pem_block(g, f, "PUBLIC KEY", "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA", "N", "public_key", 4)
    out.append(f)
    return out


def f_gcp_sa(g: G):
    f = FB("gcp/orders-sa.json")
    body = "\\n".join(g.pem_body("MIIEvQIBADANBgkqhkiG9w0BAQEFAASC", 20))
    f("{", '  "type": "service_account",', '  "project_id": "acme-orders-prod",')
    f.N(f'  "private_key_id": "{g.sha40()}",', "public_id")
    f.S(f'  "private_key": "{PEM_B.format(PK)}\\n{body}\\n{PEM_E.format(PK)}\\n",', "private_key")
    f('  "client_email": "orders@acme-orders-prod.iam.gserviceaccount.com",')
    f.N(f'  "client_id": "{g.dig(21)}",', "public_id")
    f('  "auth_uri": "https://accounts.google.com/o/oauth2/auth",',
      '  "token_uri": "https://oauth2.googleapis.com/token"', "}")
    return f


def f_ipynb(g: G):
    f = FB("notebooks/revenue-analysis.ipynb")
    f("{", ' "cells": [', "  {", '   "cell_type": "code",', '   "execution_count": 1,',
      '   "metadata": {},', '   "outputs": [],', '   "source": [', '    "import os\\n",')
    f.S(f'    {j("openai_key = " + chr(34) + g.openai() + chr(34) + chr(10))},', "openai")
    f.N(f'    {j("hf_token = os.environ[" + chr(34) + "HF_TOKEN" + chr(34) + "]" + chr(10))},', "env_ref")
    f.S(f'    {j("engine = create_engine(" + chr(34) + "snowflake://analyst:" + g.upw() + "@acme-qk48213/orders" + chr(34) + ")")}',
        "db_url")
    f("   ]", "  },", "  {", '   "cell_type": "code",', '   "execution_count": 2,', '   "metadata": {},',
      '   "outputs": [', "    {", '     "data": {')
    f.N(f'      "image/png": "{g.png_b64()}",', "image_base64")
    f('      "text/plain": [', '       "<Figure size 640x480 with 1 Axes>"', "      ]", "     },",
      '     "metadata": {},', '     "output_type": "display_data"', "    }", "   ],", '   "source": [')
    f.S(f'    {j("wandb.login(key=" + chr(34) + g.sha40() + chr(34) + ")" + chr(10))},', "api_key")
    f('    "df.plot()"', "   ]", "  }", " ],", ' "metadata": {', '  "kernelspec": {',
      '   "display_name": "Python 3",', '   "language": "python",', '   "name": "python3"', "  }", " },",
      ' "nbformat": 4,', ' "nbformat_minor": 5', "}")
    return f


def f_systemd(g: G):
    f = FB("deploy/systemd/orders-api.service")
    f("[Unit]", "Description=Orders API", "After=network.target", "", "[Service]", "User=orders")
    f.S(f"Environment=DB_PASSWORD={g.pw()}", "password")
    f.S(f'Environment="STRIPE_API_KEY={g.sk_live()}" "LOG_LEVEL=info"', "stripe")
    f.N("EnvironmentFile=/etc/orders/orders.env", "file_ref")
    f.N("Environment=DB_PASSWORD_FILE=%d/db_password", "file_ref")
    f.N("LoadCredentialEncrypted=db_password:/etc/credstore.encrypted/db_password", "encrypted")
    f("ExecStart=/usr/local/bin/orders-api --listen :8080", "", "[Install]", "WantedBy=multi-user.target")
    return f


def f_crontab(g: G):
    f = FB("deploy/crontab")
    f("# m h dom mon dow command")
    f.S(f"15 2 * * * PGPASSWORD='{g.pw()}' pg_dump -h db-prod.internal -U backup orders | gzip > /backups/orders.sql.gz",
        "password")
    f.N(f"*/5 * * * * /usr/local/bin/heartbeat --monitor-id {g.uuid()}", "uuid")
    f.S(f"30 3 * * 0 AWS_ACCESS_KEY_ID={g.aws_id()} AWS_SECRET_ACCESS_KEY={g.aws_secret()} aws s3 sync /backups s3://acme-backups",
        "aws_key_id")
    return f


def f_procfile(g: G):
    f = FB("Procfile")
    f("web: gunicorn orders.wsgi --bind 0.0.0.0:$PORT")
    f.S(f"worker: REDIS_URL=redis://default:{g.upw()}@redis-{g.dig(5)}.c1.cloud.redislabs.com:{g.dig(5)} celery -A orders worker",
        "db_url")
    f.N('release: python manage.py migrate --database-password="$DATABASE_PASSWORD"', "env_ref")
    return f


def f_makefile(g: G):
    f = FB("Makefile")
    f("REGISTRY ?= ghcr.io/acme", "VERSION := $(shell git rev-parse --short HEAD)")
    f.N("DOCKER_PASSWORD ?= $(shell cat ~/.docker-password)", "file_ref")
    f.S(f"SONAR_TOKEN := {g.sonar()}", "sonar")
    f.S(f"PULUMI_ACCESS_TOKEN = {g.pulumi()}", "pulumi")
    f.N("TEST_DB_PASSWORD = test-password-not-secret", "test_fixture")
    f("", "deploy:")
    f.N("\thelm upgrade orders chart --set auth.adminPassword=$(ADMIN_PASSWORD)", "env_ref")
    f.S(f'\tcurl -X POST -H "Authorization: token {g.ghp()}" https://api.github.com/repos/acme/orders/dispatches',
        "github")
    return f


def f_cloud_init(g: G):
    f = FB("infra/cloud-init/user-data.yaml")
    f("#cloud-config", "users:", "  - name: ops")
    f.N(f'    passwd: "{g.sha512crypt()}"', "hash")
    f("    ssh_authorized_keys:")
    f.N(f"      - {g.ssh_pub('ops@laptop')}", "public_key")
    f("chpasswd:", "  expire: false", "  users:", "    - name: root")
    f.S(f'      password: "{g.hpw()}"', "password")
    f("      type: text", "write_files:", "  - path: /etc/orders/env", '    permissions: "0600"',
      "    content: |")
    f.S(f"      NEW_RELIC_LICENSE_KEY={g.nr_license()}", "newrelic")
    f("      ORDERS_ENV=prod")
    return f


def f_sops(g: G):
    f = FB("config/secrets.prod.enc.yaml")
    f("db:")
    f.N(f"    password: {g.sops()}", "encrypted")
    f.N(f"    user: {g.sops()}", "encrypted")
    f.N(f"api_token: {g.sops()}", "encrypted")
    f("sops:", "    kms:")
    f.N(f"        - arn: arn:aws:kms:eu-west-1:{g.dig(12)}:key/{g.uuid()}", "vault_ref")
    f.N(f"          enc: AQICAHh{g.b64(180)}==", "encrypted")
    f('    lastmodified: "2024-04-02T10:14:03Z"', "    version: 3.8.1")
    return f


def f_fixtures(g: G):
    f = FB("tests/fixtures/fake_credentials.py")
    f('"""Fixtures for the redaction tests: every value here is fake on purpose."""', "")
    f.N('FAKE_GITHUB_TOKEN = "' + P["ghp"] + "FAKE" * 9 + '"', "example_token")
    f.N('DUMMY_SLACK = "' + P["xoxb"] + "0" * 12 + "-" + "0" * 12 + "-" + ("DUMMY" * 5)[:24] + '"', "example_token")
    f.N('TEST_PASSWORD = "hunter2"', "test_fixture")
    f.N('SEQUENTIAL_KEY = "' + P["sk_live"] + (DIGITS + LOWER + UPPER)[:40] + '"', "sequential")
    f.N('REPEATED_API_KEY = "' + "a" * 40 + '"', "repeated")
    f("", "", "def test_redacts(redact):")
    f.N('    assert redact("password=hunter2") == "password=****"', "test_fixture")
    return f


def f_extra(g: G):
    """Seed-dependent generic key/value file (length and mix vary with the seed)."""
    f = FB("config/legacy/extra.conf")
    r = g.r
    sec = [
        lambda: (f"api_key = {g.hexs(32)}", "api_key"),
        lambda: (f"client_secret = {g.rs(40, URLSAFE)}", "generic_secret"),
        lambda: (f"auth_token = {g.rs(32)}", "api_key"),
        lambda: (f"db_password = {g.pw()}", "password"),
        lambda: (f"admin_pass = {g.hpw()}", "password"),
        lambda: (f"smtp_passwd = {g.hpw()}", "password"),
        lambda: (f"mysql_url = mysql://app:{g.upw()}@mysql.internal:3306/orders", "db_url"),
        lambda: (f"mongo_uri = mongodb://svc:{g.upw()}@mongo-0.internal:27017/orders?authSource=admin", "db_url"),
        lambda: (f"encryption_key = {base64.b64encode(r.randbytes(32)).decode()}", "generic_secret"),
        lambda: (f"ldap_bind_pw = {g.pw()}", "password"),
        lambda: (f"telegram_bot_token = {g.telegram()}", "telegram"),
        lambda: (f"doppler_token = {g.doppler()}", "doppler"),
        lambda: (f"postman_api_key = {g.postman()}", "postman"),
        lambda: (f"hf_token = {g.hf()}", "huggingface"),
        lambda: (f"anthropic_key = {g.anthropic()}", "anthropic"),
        lambda: (f"google_api_key = {g.google()}", "google_api"),
        lambda: (f"do_token = {g.dop()}", "digitalocean"),
        lambda: (f"vault_token = {g.vault()}", "vault"),
        lambda: (f"gitlab_token = {g.glpat()}", "gitlab"),
        lambda: (f"slack_webhook = {g.slack_hook()}", "slack"),
    ]
    nos = [
        lambda: ("password_min_length = 12", "policy"),
        lambda: ("db_password =", "field_name"),
        lambda: ("db_password = ${DB_PASSWORD}", "env_ref"),
        lambda: ("api_key = <api-key>", "placeholder"),
        lambda: ("auth_token = xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "placeholder"),
        lambda: ("client_secret = changeme", "placeholder"),
        lambda: (f"artifact_sha256 = {g.sha64()}", "hash"),
        lambda: (f"deployed_commit = {g.sha40()}", "hash"),
        lambda: (f"tenant_id = {g.uuid()}", "uuid"),
        lambda: ("api_key = 0123456789abcdef0123456789abcdef", "sequential"),
        lambda: ("secret_ref = vault:secret/data/orders/api#key", "vault_ref"),
        lambda: (f"secret_arn = arn:aws:secretsmanager:eu-west-1:{g.dig(12)}:secret:orders/api-{g.rs(6)}", "vault_ref"),
        lambda: (f"signing_public_key = {g.ssh_pub('signer@orders')}", "public_key"),
        lambda: (f"api_token = {g.sops()}", "encrypted"),
        lambda: ("password_policy = upper,lower,digit,symbol;min=12;history=5", "policy"),
        lambda: ("token_header = X-Orders-Token", "field_name"),
        lambda: (f"google_api_key = {P['aiza']}Sy" + "DUMMY" * 6 + "DUM", "example_token"),
        lambda: (f"file_etag = \"{g.hexs(32)}\"", "hash"),
        lambda: ("auth_token = %(AUTH_TOKEN)s", "env_ref"),
        lambda: ("admin_pass = ********", "masked"),
    ]
    n = r.randint(22, 28)
    f("# legacy settings imported from the old deploy box")
    for i in range(n):
        if r.random() < 0.7:
            line, kind = r.choice(sec)()
            f.S(line, kind)
        else:
            line, kind = r.choice(nos)()
            f.N(line, kind)
        if r.random() < 0.25:
            f(f"# block {i}")
    return f


BUILDERS = [
    f_env, f_env_example, f_compose, f_k8s_secret, f_k8s_deploy, f_gh_workflow, f_gitlab_ci,
    f_helm_values, f_ansible_vars, f_ansible_tasks, f_settings_json, f_package_lock, f_pyproject,
    f_app_ini, f_supervisord, f_nginx, f_apache, f_props, f_web_config, f_maven, f_main_tf,
    f_tfvars, f_dockerfile, f_deploy_sh, f_ps1, f_django, f_config_js, f_client_ts, f_go, f_java,
    f_cs, f_kotlin, f_swift, f_ruby, f_rails_db, f_wp, f_laravel, f_sql, f_setup_md, f_runbook,
    f_slack_export, f_chat_txt, f_log, f_commits, f_netrc, f_npmrc, f_pypirc, f_gitcreds, f_keys, f_gcp_sa,
    f_ipynb, f_systemd, f_crontab, f_procfile, f_makefile, f_cloud_init, f_sops, f_fixtures, f_extra,
]


def build(seed: int) -> list[FB]:
    g = G(seed)
    files: list[FB] = []
    for b in BUILDERS:
        res = b(g)
        files.extend(res if isinstance(res, list) else [res])
    return files


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    out = Path(a.outdir)
    labels = []
    seen = set()
    for fb in build(a.seed):
        assert fb.path not in seen, fb.path
        seen.add(fb.path)
        p = out / fb.path
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("\n".join(fb.lines) + "\n", encoding="utf-8")
        for line, label, kind in fb.labs:
            assert fb.lines[line - 1].strip(), (fb.path, line)
            labels.append({"file": fb.path, "line": line, "label": label, "kind": kind})
    keys = [(d["file"], d["line"]) for d in labels]
    assert len(keys) == len(set(keys))
    (out / "labels.json").write_text(json.dumps(labels, indent=1) + "\n", encoding="utf-8")
    n_sec = sum(d["label"] == "secret" for d in labels)
    print(f"seed {a.seed}: {len(seen)} files, {len(labels)} labels, {n_sec} secret, "
          f"{len(labels) - n_sec} not_secret")


if __name__ == "__main__":
    main()

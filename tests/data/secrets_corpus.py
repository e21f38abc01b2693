# ruff: noqa: E501  (sample-file templates read best one per line)
"""Seeded generator of fake secrets and of the labeled secrets corpus.

Nothing realistic is committed: every secret-shaped value is built here at run time from a
seeded RNG. `expand(template, rng)` fills `[[charset:N]]` slots (used by the rule examples in
br_core/secrets/rules.toml); `build_corpus(seed)` returns labeled samples across Python, JS/TS,
YAML, JSON, .env, shell, Dockerfile, Terraform and Java: positives (one secret each) and hard
negatives (placeholders, env look-ups, hashes, UUIDs, public keys, local-dev defaults...).
"""

from __future__ import annotations

import base64
import json
import random
import re
import string
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

CHARSETS = {
    "alnum": string.ascii_letters + string.digits,
    "upper": string.ascii_uppercase,
    "lower": string.ascii_lowercase,
    "alpha": string.ascii_letters,
    "hex": "0123456789abcdef",
    "HEX": "0123456789ABCDEF",
    "digits": string.digits,
    "b64": string.ascii_letters + string.digits + "+/",
    "url": string.ascii_letters + string.digits + "_-",
    "updig": string.ascii_uppercase + string.digits,
    "lowdig": string.ascii_lowercase + string.digits,
    "pw": string.ascii_letters + string.digits + "!#%^&*-_+=?",
}
_SLOT = re.compile(r"\[\[(\w+):(\d+)\]\]")


def rand(rng: random.Random, charset: str, length: int) -> str:
    alphabet = CHARSETS[charset]
    return "".join(rng.choice(alphabet) for _ in range(length))


def expand(template: str, rng: random.Random) -> str:
    """`template` with every `[[charset:N]]` slot filled from `rng`."""
    return _SLOT.sub(lambda m: rand(rng, m.group(1), int(m.group(2))), template)


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def make_jwt(rng: random.Random, claims: dict[str, object] | None = None) -> str:
    header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}).encode())
    body = claims or {"sub": f"user-{rng.randint(1, 99999)}", "iat": rng.randint(10**9, 2 * 10**9)}
    payload = _b64url(json.dumps(body).encode())
    return f"{header}.{payload}.{rand(rng, 'url', 43)}"


def make_pem(rng: random.Random, kind: str = "RSA PRIVATE KEY", lines: int = 12) -> str:
    body = "\n".join(rand(rng, "b64", 64) for _ in range(lines))
    return f"-----BEGIN {kind}-----\n{body}\n{rand(rng, 'b64', 20)}==\n-----END {kind}-----"


def make_password(rng: random.Random) -> str:
    """A strong random password (what a password manager would generate)."""
    while True:
        value = rand(rng, "pw", rng.randint(12, 24))
        # A leading YAML/shell indicator (`&x`, `*x`, `!x`, `=x`) would change the meaning of an
        # unquoted value in the files it is written into; real configs quote such values.
        if value[0] in "!&*%=-#?":
            continue
        if any(c.isdigit() for c in value) and any(c.isalpha() for c in value):
            return value


# (kind, suggested variable name, factory). Provider tokens are found whatever the name.
Factory = Callable[[random.Random], str]
PROVIDERS: list[tuple[str, str, Factory]] = [
    ("aws-access-key-id", "AWS_ACCESS_KEY_ID", lambda r: "AKIA" + rand(r, "updig", 16)),
    ("github-token", "GITHUB_TOKEN", lambda r: "ghp_" + rand(r, "alnum", 36)),
    (
        "github-token",
        "GH_OAUTH",
        lambda r: r.choice(["gho_", "ghu_", "ghs_", "ghr_"]) + rand(r, "alnum", 36),
    ),
    (
        "github-fine-grained-pat",
        "GITHUB_PAT",
        lambda r: "github_pat_11" + rand(r, "updig", 20) + "_" + rand(r, "alnum", 59),
    ),
    ("gitlab-token", "GITLAB_TOKEN", lambda r: "glpat-" + rand(r, "url", 20)),
    (
        "slack-token",
        "SLACK_BOT_TOKEN",
        lambda r: f"xoxb-{rand(r, 'digits', 12)}-{rand(r, 'digits', 13)}-{rand(r, 'alnum', 24)}",
    ),
    (
        "slack-token",
        "SLACK_USER_TOKEN",
        lambda r: (
            f"xoxp-{rand(r, 'digits', 12)}-{rand(r, 'digits', 12)}-{rand(r, 'digits', 13)}-{rand(r, 'hex', 32)}"
        ),
    ),
    (
        "slack-token",
        "SLACK_APP_TOKEN",
        lambda r: f"xapp-1-A{rand(r, 'updig', 10)}-{rand(r, 'digits', 13)}-{rand(r, 'hex', 64)}",
    ),
    (
        "slack-webhook",
        "SLACK_WEBHOOK_URL",
        lambda r: (
            f"https://hooks.slack.com/services/T{rand(r, 'updig', 8)}/B{rand(r, 'updig', 10)}/{rand(r, 'alnum', 24)}"
        ),
    ),
    (
        "stripe-secret-key",
        "STRIPE_SECRET_KEY",
        lambda r: "sk_live_" + rand(r, "alnum", r.choice([24, 99])),
    ),
    ("stripe-secret-key", "STRIPE_RESTRICTED_KEY", lambda r: "rk_live_" + rand(r, "alnum", 24)),
    ("google-api-key", "GOOGLE_API_KEY", lambda r: "AIza" + rand(r, "url", 35)),
    (
        "anthropic-api-key",
        "ANTHROPIC_API_KEY",
        lambda r: "sk-ant-api03-" + rand(r, "url", 93) + "AA",
    ),
    (
        "anthropic-admin-key",
        "ANTHROPIC_ADMIN_KEY",
        lambda r: "sk-ant-admin01-" + rand(r, "url", 93) + "AA",
    ),
    ("openai-api-key", "OPENAI_API_KEY", lambda r: "sk-proj-" + rand(r, "url", 156)),
    ("openai-api-key", "OPENAI_SVC_KEY", lambda r: "sk-svcacct-" + rand(r, "url", 120)),
    ("openai-api-key", "OPENAI_KEY", lambda r: "sk-" + rand(r, "alnum", 48)),
    ("openrouter-api-key", "OPENROUTER_API_KEY", lambda r: "sk-or-v1-" + rand(r, "hex", 64)),
    ("huggingface-token", "HF_TOKEN", lambda r: "hf_" + rand(r, "alpha", 34)),
    ("jwt", "SESSION_TOKEN", make_jwt),
    ("twilio-api-key", "TWILIO_API_KEY", lambda r: "SK" + rand(r, "hex", 32)),
    (
        "sendgrid-api-key",
        "SENDGRID_API_KEY",
        lambda r: f"SG.{rand(r, 'url', 22)}.{rand(r, 'url', 43)}",
    ),
    ("npm-token", "NPM_TOKEN", lambda r: "npm_" + rand(r, "alnum", 36)),
    ("pypi-token", "PYPI_TOKEN", lambda r: "pypi-AgEIcHlwaS5vcmc" + rand(r, "url", 150)),
    ("digitalocean-token", "DIGITALOCEAN_TOKEN", lambda r: "dop_v1_" + rand(r, "hex", 64)),
    ("shopify-token", "SHOPIFY_ACCESS_TOKEN", lambda r: "shpat_" + rand(r, "hex", 32)),
    (
        "azure-storage-key",
        "AZURE_STORAGE_CONNECTION_STRING",
        lambda r: (
            f"DefaultEndpointsProtocol=https;AccountName=st{rand(r, 'lower', 8)};AccountKey={rand(r, 'b64', 86)}==;EndpointSuffix=core.windows.net"
        ),
    ),
    (
        "url-password",
        "DATABASE_URL",
        lambda r: (
            f"postgresql://app_{rand(r, 'lower', 4)}:{rand(r, 'alnum', 20)}@db-{rand(r, 'lower', 6)}.prod.internal:5432/app"
        ),
    ),
    (
        "url-password",
        "MONGO_URI",
        lambda r: (
            f"mongodb+srv://svc:{rand(r, 'alnum', 16)}@cluster0.{rand(r, 'lower', 5)}.mongodb.net/main"
        ),
    ),
]
# Secrets only a name reveals: the generic assignment rule must find these.
NAMED: list[tuple[str, Factory]] = [
    ("DB_PASSWORD", make_password),
    ("password", make_password),
    ("api_key", lambda r: rand(r, "hex", 32)),
    ("apiKey", lambda r: rand(r, "alnum", 32)),
    ("client_secret", lambda r: rand(r, "url", 40)),
    ("AUTH_TOKEN", lambda r: rand(r, "alnum", 40)),
    ("secret_key", lambda r: rand(r, "b64", 44)),
    ("AWS_SECRET_ACCESS_KEY", lambda r: rand(r, "b64", 40)),
    ("TWILIO_AUTH_TOKEN", lambda r: rand(r, "hex", 32)),
    ("DATADOG_API_KEY", lambda r: rand(r, "hex", 32)),
    (
        "MAILGUN_API_KEY",
        lambda r: rand(r, "hex", 32) + "-" + rand(r, "hex", 8) + "-" + rand(r, "hex", 8),
    ),
    ("SMTP_PASSWORD", make_password),
    ("signingKey", lambda r: rand(r, "b64", 64)),
    ("encryption_key", lambda r: rand(r, "hex", 64)),
    ("webhook_secret", lambda r: "whsec_" + rand(r, "alnum", 32)),
]


@dataclass(frozen=True)
class Sample:
    path: str
    content: str
    positive: bool
    kind: str


def _py(name: str, value: str, r: random.Random, provider: bool) -> tuple[str, str]:
    forms = [
        f'{name} = "{value}"\n',
        f'DEFAULT = "{value}"\n' if name.isupper() else f'{name} = "{value}"\n',
        f'client = ApiClient(api_key="{value}", timeout=30)\n',
        f'SETTINGS = {{\n    "{name.lower()}": "{value}",\n    "debug": False,\n}}\n',
        f'os.environ.setdefault("{name}", "{value}")\n',
    ]
    body = r.choice(forms) if provider else forms[r.choice([0, 3, 4])]
    return "py", f"import os\n\n\n{body}\n\ndef main() -> None:\n    print('ready')\n"


def _js(name: str, value: str, r: random.Random, provider: bool) -> tuple[str, str]:
    camel = re.sub(r"_([a-z])", lambda m: m.group(1).upper(), name.lower())
    forms = [
        f'const {camel} = "{value}";\n',
        f"export const {name} = '{value}';\n",
        f'const client = new Client({{ {camel}: "{value}", retries: 3 }});\n',
        f"let {camel}: string = `{value}`;\n",
    ]
    ext = r.choice(["js", "ts", "mjs", "tsx"])
    return ext, f'import {{ Client }} from "./client";\n\n{r.choice(forms)}\nexport default {{}};\n'


def _yaml(name: str, value: str, r: random.Random, provider: bool) -> tuple[str, str]:
    key = name.lower()
    forms = [
        f"app:\n  name: web\n  {key}: {value}\n",
        f'service:\n  {key}: "{value}"\n  replicas: 2\n',
        f"env:\n  {name}: '{value}'\n  LOG_LEVEL: info\n",
    ]
    return r.choice(["yaml", "yml"]), r.choice(forms)


def _json(name: str, value: str, r: random.Random, provider: bool) -> tuple[str, str]:
    doc = {"name": "service", "version": "1.2.0", name.lower(): value, "region": "eu-west-1"}
    return "json", json.dumps(doc, indent=2) + "\n"


def _env(name: str, value: str, r: random.Random, provider: bool) -> tuple[str, str]:
    line = r.choice([f"{name}={value}", f'{name}="{value}"', f"export {name}={value}"])
    return "env", f"# service settings\nLOG_LEVEL=info\n{line}\nPORT=8080\n"


def _shell(name: str, value: str, r: random.Random, provider: bool) -> tuple[str, str]:
    forms = [f'export {name}="{value}"\n./run.sh\n', f"{name}={value} ./deploy.sh --prod\n"]
    if name.endswith(("TOKEN", "KEY")):
        forms.append(f'curl -sS -H "Authorization: Bearer {value}" https://api.internal/v1/items\n')
    return "sh", "#!/usr/bin/env bash\nset -euo pipefail\n" + r.choice(forms)


def _docker(name: str, value: str, r: random.Random, provider: bool) -> tuple[str, str]:
    line = r.choice([f"ENV {name}={value}", f"ENV {name} {value}", f"ARG {name}={value}"])
    return (
        "Dockerfile",
        f'FROM python:3.12-slim\nWORKDIR /app\n{line}\nCOPY . .\nCMD ["python", "app.py"]\n',
    )


def _terraform(name: str, value: str, r: random.Random, provider: bool) -> tuple[str, str]:
    key = name.lower()
    return "tf", (
        f'resource "aws_db_instance" "main" {{\n  engine = "postgres"\n  {key} = "{value}"\n}}\n'
    )


def _java(name: str, value: str, r: random.Random, provider: bool) -> tuple[str, str]:
    forms = [
        f'    private static final String {name} = "{value}";\n',
        f'    props.setProperty("{name.lower().replace("_", ".")}", "{value}");\n',
        f'    Client client = Client.builder().apiKey("{value}").build();\n',
    ]
    body = r.choice(forms) if provider else r.choice(forms[:2])
    return "java", f"public class Config {{\n{body}}}\n"


WRITERS = [_py, _js, _yaml, _json, _env, _shell, _docker, _terraform, _java]


def _file_name(ext: str, index: int) -> str:
    return "Dockerfile" if ext == "Dockerfile" else f"s{index:04d}.{ext}"


def _special_positives(r: random.Random) -> list[tuple[str, str, str]]:
    """(kind, extension, content) for shapes that need a whole file."""
    pem = make_pem(r, r.choice(["RSA PRIVATE KEY", "PRIVATE KEY", "EC PRIVATE KEY"]))
    ssh = make_pem(r, "OPENSSH PRIVATE KEY", 8)
    gcp = json.dumps(
        {
            "type": "service_account",
            "project_id": f"proj-{rand(r, 'lower', 6)}",
            "private_key_id": rand(r, "hex", 40),
            "private_key": make_pem(r, "PRIVATE KEY", 10) + "\n",
            "client_email": "svc@proj.iam.gserviceaccount.com",
        },
        indent=2,
    )
    pw = make_password(r)
    key32 = rand(r, "alnum", 32)
    return [
        ("private-key", "pem", pem + "\n"),
        ("private-key", "key", ssh + "\n"),
        ("private-key", "json", gcp + "\n"),
        ("private-key", "py", f'SIGNING_KEY = """{pem}"""\n'),
        ("private-key", "yaml", "tls:\n  key: |\n    " + pem.replace("\n", "\n    ") + "\n"),
        (
            "bearer-token",
            "sh",
            f'curl -H "Authorization: Bearer {rand(r, "url", 48)}" https://x.io/api\n',
        ),
        (
            "cli-password",
            "sh",
            f"mysql -h db.prod.internal -u admin -p{rand(r, 'alnum', 16)} app\n",
        ),
        (
            "generic-secret",
            "xml",
            f"<settings><servers><server><id>nexus</id><username>ci</username>\n<password>{pw}</password></server></servers></settings>\n",
        ),
        (
            "generic-secret",
            "properties",
            f"spring.datasource.url=jdbc:postgresql://db/app\nspring.datasource.password={pw}\n",
        ),
        (
            "generic-secret",
            "yml",
            f"services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: {pw}\n",
        ),
        (
            "generic-secret",
            "yaml",
            f'env:\n  - name: API_TOKEN\n    value: "{key32}"\n  - name: LOG_LEVEL\n    value: info\n',
        ),
        ("generic-secret", "npmrc", f"registry=https://npm.corp.internal/\n_authToken={key32}\n"),
        (
            "generic-secret",
            "json",
            json.dumps(
                {
                    "ConnectionStrings": {
                        "Main": f"Server=db.prod;Database=app;User Id=svc;Password={pw};"
                    }
                },
                indent=2,
            )
            + "\n",
        ),
        ("generic-secret", "go", f'package config\n\nconst apiSecret = "{key32}"\n'),
        ("generic-secret", "rb", f'config.api_token = "{key32}"\n'),
        (
            "url-password",
            "env",
            f"REDIS_URL=rediss://:{rand(r, 'alnum', 32)}@cache.prod.internal:6380/0\n",
        ),
    ]


def _negatives(r: random.Random) -> list[tuple[str, str, str]]:
    """(kind, extension, content): shapes that must NOT be reported."""
    sha = rand(r, "hex", 40)
    sha256 = rand(r, "hex", 64)
    uuid = f"{rand(r, 'hex', 8)}-{rand(r, 'hex', 4)}-4{rand(r, 'hex', 3)}-a{rand(r, 'hex', 3)}-{rand(r, 'hex', 12)}"
    bcrypt = "$2b$12$" + rand(r, "alnum", 53)
    b64img = "iVBORw0KGgoAAAANSUhEUgAA" + rand(r, "b64", 400)
    pubkey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + rand(r, "b64", 43) + " dev@laptop"
    cert = (
        "-----BEGIN CERTIFICATE-----\n"
        + "\n".join(rand(r, "b64", 64) for _ in range(8))
        + "\n-----END CERTIFICATE-----\n"
    )
    pub_pem = (
        "-----BEGIN PUBLIC KEY-----\n"
        + "\n".join(rand(r, "b64", 64) for _ in range(5))
        + "\n-----END PUBLIC KEY-----\n"
    )
    return [
        (
            "env-lookup",
            "py",
            'import os\nDB_PASSWORD = os.environ["DB_PASSWORD"]\napi_key = os.getenv("API_KEY")\ntoken = os.environ.get("GITHUB_TOKEN", "")\n',
        ),
        (
            "env-lookup",
            "js",
            "const apiKey = process.env.API_KEY;\nconst secret = process.env['CLIENT_SECRET'] ?? '';\nconst token = import.meta.env.VITE_TOKEN;\n",
        ),
        (
            "env-lookup",
            "ts",
            "export const config = {\n  password: process.env.DB_PASSWORD!,\n  apiKey: process.env.OPENAI_API_KEY as string,\n};\n",
        ),
        (
            "env-lookup",
            "java",
            'String password = System.getenv("DB_PASSWORD");\n@Value("${stripe.secret-key}")\nprivate String secretKey;\n',
        ),
        (
            "env-lookup",
            "yaml",
            "env:\n  - name: DB_PASSWORD\n    valueFrom:\n      secretKeyRef:\n        name: db-credentials\n        key: password\n",
        ),
        (
            "env-lookup",
            "yml",
            "steps:\n  - run: ./deploy.sh\n    env:\n      API_TOKEN: ${{ secrets.API_TOKEN }}\n      NPM_TOKEN: ${{ secrets.NPM_TOKEN }}\n",
        ),
        (
            "env-lookup",
            "sh",
            'export PGPASSWORD="${DB_PASSWORD}"\ncurl -H "Authorization: Bearer $API_TOKEN" https://api.internal\nTOKEN=$(cat /run/secrets/token)\n',
        ),
        (
            "env-lookup",
            "Dockerfile",
            "FROM node:20\nARG NPM_TOKEN\nENV API_KEY=${API_KEY}\nRUN --mount=type=secret,id=npmrc npm ci\n",
        ),
        (
            "env-lookup",
            "tf",
            'resource "aws_db_instance" "db" {\n  password = var.db_password\n  username = "admin"\n}\nlocals {\n  api_key = data.aws_secretsmanager_secret_version.api.secret_string\n}\n',
        ),
        ("env-lookup", "env", "DB_PASSWORD=${DB_PASSWORD}\nAPI_KEY=\nSECRET_KEY=\n"),
        (
            "env-lookup",
            "go",
            'password := os.Getenv("DB_PASSWORD")\napiKey := viper.GetString("api_key")\n',
        ),
        (
            "placeholder",
            "env",
            "OPENAI_API_KEY=sk-...\nANTHROPIC_API_KEY=<your-anthropic-key>\nSTRIPE_SECRET_KEY=sk_live_xxxxxxxxxxxxxxxxxxxxxxxx\n",
        ),
        (
            "placeholder",
            "yaml",
            'database:\n  password: "{{ .Values.db.password }}"\n  api_key: "<YOUR_API_KEY>"\n  token: REDACTED\n',
        ),
        (
            "placeholder",
            "py",
            'API_KEY = "your-api-key-here"\nPASSWORD = "changeme"\nTOKEN = "xxxxxxxxxxxxxxxxxxxx"\nAWS_ACCESS_KEY_ID = "AKIAIOSFODNN7EXAMPLE"\n',
        ),
        (
            "placeholder",
            "md",
            "Set `GITHUB_TOKEN=ghp_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX` and `password: ********`.\n",
        ),
        (
            "placeholder",
            "json",
            '{\n  "apiKey": "YOUR_API_KEY",\n  "secret": "REPLACE_ME",\n  "password": "${PASSWORD}"\n}\n',
        ),
        (
            "placeholder",
            "tf",
            'variable "db_password" {\n  type      = string\n  sensitive = true\n  default   = "CHANGE_ME"\n}\n',
        ),
        (
            "no-value",
            "py",
            "def login(username: str, password: str) -> None:\n    token = None\n    password_hash = hash_password(password)\n    return authenticate(username, password=password)\n",
        ),
        (
            "no-value",
            "ts",
            "interface Credentials {\n  password: string;\n  apiKey?: string;\n}\nconst token: string | null = null;\n",
        ),
        (
            "no-value",
            "java",
            "private String password;\npublic void setPassword(String password) { this.password = password; }\n",
        ),
        ("no-value", "yaml", "auth:\n  password:\n  token: null\n  api_key: ~\n"),
        (
            "hash",
            "txt",
            f"commit {sha}\nsha256: {sha256}\nmd5sum  {rand(r, 'hex', 32)}  release.tar.gz\n",
        ),
        (
            "hash",
            "json",
            json.dumps(
                {
                    "name": "pkg",
                    "integrity": "sha512-" + rand(r, "b64", 86) + "==",
                    "resolved": "https://registry.npmjs.org/pkg/-/pkg-1.0.0.tgz",
                },
                indent=2,
            )
            + "\n",
        ),
        ("hash", "Dockerfile", f"FROM python:3.12-slim@sha256:{sha256}\nRUN echo {sha}\n"),
        (
            "hash",
            "html",
            f'<script src="https://cdn.example.net/lib.js" integrity="sha384-{rand(r, "b64", 64)}" crossorigin="anonymous"></script>\n',
        ),
        (
            "hash",
            "py",
            f'EXPECTED_SHA256 = "{sha256}"\nGIT_COMMIT = "{sha}"\ncache_key = "{rand(r, "hex", 32)}"\n',
        ),
        (
            "hash",
            "tf",
            f'source_code_hash = "{rand(r, "b64", 43)}="\netag = "{rand(r, "hex", 32)}"\n',
        ),
        ("uuid", "py", f'REQUEST_ID = "{uuid}"\ntenant_id = "{uuid}"\napi_key = "{uuid}"\n'),
        ("uuid", "json", json.dumps({"clientId": uuid, "subscriptionId": uuid}) + "\n"),
        (
            "bcrypt",
            "yaml",
            f'users:\n  - name: admin\n    password: "{bcrypt}"\n    password_hash: "{bcrypt}"\n',
        ),
        ("bcrypt", "htpasswd", f"admin:{bcrypt}\n"),
        ("public-key", "pub", pubkey + "\n"),
        ("public-key", "pem", cert + pub_pem),
        ("public-key", "py", f'PUBLIC_KEY = """{pub_pem}"""\nssh_key = "{pubkey}"\n'),
        (
            "publishable",
            "env",
            f"STRIPE_PUBLISHABLE_KEY=pk_live_{rand(r, 'alnum', 24)}\nNEXT_PUBLIC_API_KEY={rand(r, 'alnum', 32)}\nRECAPTCHA_SITE_KEY=6L{rand(r, 'url', 38)}\n",
        ),
        (
            "publishable",
            "js",
            f'const stripe = Stripe("pk_test_{rand(r, "alnum", 24)}");\nconst mapboxToken = "pk.eyJ1IjoiYWNtZSIsImEiOiJ{rand(r, "url", 40)}";\n',
        ),
        ("base64", "css", f".logo {{ background: url(data:image/png;base64,{b64img}); }}\n"),
        (
            "base64",
            "json",
            json.dumps(
                {
                    "icon": "data:image/svg+xml;base64," + rand(r, "b64", 300),
                    "blob": rand(r, "b64", 600),
                }
            )
            + "\n",
        ),
        (
            "base64",
            "py",
            f'FONT_DATA = (\n    "{rand(r, "b64", 76)}"\n    "{rand(r, "b64", 76)}"\n)\n',
        ),
        (
            "arn",
            "tf",
            f'role_arn = "arn:aws:iam::{rand(r, "digits", 12)}:role/deploy"\nsecret_arn = "arn:aws:secretsmanager:eu-west-1:{rand(r, "digits", 12)}:secret:prod/db-{rand(r, "alnum", 6)}"\n',
        ),
        (
            "arn",
            "yaml",
            f"secretArn: arn:aws:secretsmanager:us-east-1:{rand(r, 'digits', 12)}:secret:api-token-{rand(r, 'alnum', 6)}\nkmsKeyArn: arn:aws:kms:us-east-1:{rand(r, 'digits', 12)}:key/{uuid}\n",
        ),
        (
            "dev-default",
            "yml",
            "services:\n  db:\n    image: postgres:16\n    environment:\n      POSTGRES_PASSWORD: postgres\n      POSTGRES_USER: postgres\n  mq:\n    image: rabbitmq:3\n    environment:\n      RABBITMQ_DEFAULT_PASS: guest\n",
        ),
        (
            "dev-default",
            "env",
            "DATABASE_URL=postgres://postgres:postgres@localhost:5432/app_dev\nREDIS_URL=redis://localhost:6379/0\nMINIO_ROOT_PASSWORD=minioadmin\n",
        ),
        (
            "dev-default",
            "py",
            _django_dev_settings(r),
        ),
        (
            "dev-default",
            "json",
            '{\n  "ConnectionStrings": {\n    "Storage": "UseDevelopmentStorage=true"\n  },\n  "Db": "Server=localhost;User Id=sa;Password=Password123;"\n}\n',
        ),
        (
            "code",
            "py",
            "tokens = tokenizer.encode(text)\nmax_tokens = 4096\nfor token in tokens:\n    key = f'user:{token}'\n    cache[key] = token\nsorted(items, key=lambda item: item.key)\n",
        ),
        (
            "code",
            "ts",
            "const keyMap = new Map<string, number>();\nfunction getToken(): string { return store.token; }\nconst passwordInput = document.querySelector('#password');\n",
        ),
        (
            "code",
            "java",
            'public static final String PASSWORD_FIELD = "password";\npublic static final String TOKEN_HEADER = "X-Auth-Token";\nprivate static final int KEY_SIZE = 2048;\n',
        ),
        (
            "code",
            "yaml",
            "i18n:\n  password: Password\n  forgot_password: Forgot your password?\n  token_expired: Your session has expired\n",
        ),
        (
            "code",
            "sh",
            "read -rsp 'Password: ' password\nssh-keygen -t ed25519 -f ~/.ssh/id_ed25519\ngpg --export-secret-keys > /dev/null\n",
        ),
        (
            "code",
            "py",
            "PASSWORD_MIN_LENGTH = 12\ntoken_type = 'Bearer'\nsecret_name = 'prod/db/credentials'\nauth_url = 'https://auth.example.com/oauth/token'\n",
        ),
    ]


# One-line samples in more spellings: (extension, template); `[[pw]]` is a strong password.
ONE_LINE_POSITIVES: list[tuple[str, str]] = [
    ("py", 'conn = psycopg2.connect(host="db", user="app", password="[[pw]]")'),
    ("py", 'headers = {"X-API-Key": "[[alnum:32]]"}'),
    ("py", 'requests.get(url, auth=("deploy", "[[alnum:18]]"))'),
    ("php", '$config["db_password"] = "[[pw]]";'),
    ("php", '$db_pass = "[[pw]]";'),
    ("rb", ':password => "[[alnum:16]]",'),
    ("go", 'var password string = "[[alnum:14]]"'),
    ("go", 'apiKey := "[[hex:32]]"'),
    ("cs", 'options.Password = "[[pw]]";'),
    ("kt", 'val clientSecret = "[[url:40]]"'),
    ("r", 'api_key <- "[[alnum:32]]"'),
    ("java", 'String dbPassword = "[[pw]]";'),
    ("ts", 'fetch(url, { headers: { Authorization: "Bearer [[url:40]]" } });'),
    ("js", 'process.env.API_KEY = "[[alnum:32]]";'),
    ("yaml", "spring:\n  datasource:\n    password: [[pw]]"),
    ("yaml", "stringData:\n  password: [[pw]]"),
    ("yml", "services:\n  db:\n    environment:\n      - POSTGRES_PASSWORD=[[pw]]"),
    ("tf", 'variable "db_password" {\n  default = "[[pw]]"\n}'),
    ("tf", 'provider "aws" {\n  access_key = "AKIA[[updig:16]]"\n  secret_key = "[[b64:40]]"\n}'),
    ("ini", "[default]\naws_access_key_id = AKIA[[updig:16]]\naws_secret_access_key = [[b64:40]]"),
    ("env", "SECRET_KEY_BASE=[[hex:128]]"),
    ("env", "JWT_SECRET=[[b64:64]]"),
    ("sh", "docker login -u ci -p [[alnum:20]] registry.corp.net"),
    ("sh", "curl -u admin:[[alnum:18]] https://ci.corp.net/api/json"),
    ("sh", "kubectl create secret generic db --from-literal=password=[[alnum:16]]"),
    ("sh", 'psql "postgresql://svc:[[alnum:20]]@10.0.3.4/prod"'),
    ("netrc", "machine api.corp.net login me@corp.net password [[hex:32]]"),
    ("config", '<add key="ApiKey" value="[[alnum:32]]" />'),
    ("json", '{"key": "API_TOKEN", "value": "[[alnum:32]]", "enabled": true}'),
    ("url", "https://api.corp.net/v1/items?api_key=[[hex:32]]&format=json"),
]
ONE_LINE_NEGATIVES: list[tuple[str, str]] = [
    ("rb", 'password = ENV["DB_PASSWORD"]\ntoken = ENV.fetch("API_TOKEN")'),
    ("php", "$password = getenv('DB_PASSWORD');\n$key = $_ENV['API_KEY'];"),
    ("rs", 'let key = env::var("API_KEY").unwrap();'),
    ("cs", 'var secret = Environment.GetEnvironmentVariable("CLIENT_SECRET");'),
    ("kt", 'val token = System.getenv("TOKEN")'),
    ("ts", 'const token = Deno.env.get("TOKEN");'),
    ("py", 'SECRET_KEY = config("SECRET_KEY")\npassword = getpass.getpass()'),
    ("py", "private_key: Ed25519PrivateKey | None = None\nrefresh_token: RefreshTokenT"),
    ("py", 'key_or_pass = r"(?:key|pwd|password|pass|token)"'),
    (
        "py",
        'Permission = apps.get_model("auth", "Permission")\nHOOKS = ("br-secrets", "br-sql-injection")',
    ),
    (
        "yaml",
        'password: "{{ .Values.postgresql.password | quote }}"\ndb_password: "{{ vault_db_password }}"',
    ),
    ("yaml", "password: !Ref DbPassword\napi-key: ${{ secrets.API_KEY }}"),
    ("erb", 'token: <%= ENV["TOKEN"] %>\npassword: "<%= @password %>"'),
    ("tf", "api_key = var.api_key\npassword = random_password.db.result"),
    ("txt", "sha256sum = [[hex:64]]\nchecksum: [[hex:32]]\ncommit_hash = [[hex:40]]"),
    (
        "py",
        'nonce = "[[hex:32]]"\nsalt = "[[b64:22]]"\ntrace_id = "[[hex:32]]"\ncache_key = "[[hex:40]]"',
    ),
    (
        "yaml",
        "keyPair: my-keypair-name\nsecret: my-app-secret\nsecretName: db-credentials\ntokenEndpoint: /oauth/token",
    ),
    (
        "py",
        'api_key_header = "X-API-Key"\nprivate_key_path = "~/.ssh/id_rsa"\ncredentials_file = "/etc/app/creds.json"',
    ),
    (
        "env",
        "MYSQL_ROOT_PASSWORD=root\nELASTIC_PASSWORD=changeme\nGF_SECURITY_ADMIN_PASSWORD=admin\nredis_password=",
    ),
    ("py", 'test_password = "password123"\npassphrase = ""\nTOKEN_PREFIX = "ghp_"'),
    (
        "md",
        'Use `Authorization: Bearer <token>` or `curl -H "Authorization: Bearer ${GITHUB_TOKEN}"`.',
    ),
    (
        "pem",
        "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\n[[b64:64]]\n[[b64:64]]\n-----END PGP PUBLIC KEY BLOCK-----",
    ),
    ("html", '<img src="data:image/jpeg;base64,/9j/4AAQSkZJRgABAQ[[b64:500]]">'),
    ("env", "DOCKER_IMAGE=registry.io/app@sha256:[[hex:64]]"),
    ("py", 'password = "localdev123"\nSECRET_KEY = "dev-secret-change-me"'),
]


# Issue 17 items 8 and 9. Typed placeholders in a provider's format (a word such as TEST or
# EXAMPLE inside, counting or repeated runs) and PEM headers used as constants in code are
# negatives; passwords holding `,` or `;` written unquoted where the syntax allows it are positives.
_PLACEHOLDER_PREFIXES = ("sk_live_", "ghp_", "xoxb-", "sk-proj-", "glpat-", "npm_", "AKIA")
_PLACEHOLDER_WORDS = ("TEST", "EXAMPLE", "DUMMY", "FAKE", "SAMPLE", "DONOTUSE")


def _typed_placeholder(r: random.Random) -> str:
    prefix = r.choice(_PLACEHOLDER_PREFIXES)
    size = 16 if prefix == "AKIA" else 36
    style = r.randrange(3)
    if style == 0:  # a word and zeros or a counting run
        body = r.choice(_PLACEHOLDER_WORDS) + r.choice(
            ["0" * 30, "1234567890" * 3, "KEY" + "0" * 27]
        )
    elif style == 1:  # counting
        body = "0123456789abcdef" * 3 if prefix != "AKIA" else "ABCDEFGHIJKLMNOP"
    else:  # a short unit repeated
        unit = rand(r, "alnum", r.randint(2, 4))
        body = unit * 20
    return prefix + body[:size]


_PEM_CONSTANTS = [
    (
        "py",
        'PEM_HEADER = "-----BEGIN {kind}-----"\n\ndef is_key(text: str) -> bool:\n    return text.startswith(PEM_HEADER)\n',
    ),
    (
        "js",
        "const HEADER = '-----BEGIN {kind}-----';\nexport const isKey = (s) => s.trim().startsWith(HEADER);\n",
    ),
    (
        "ts",
        'export function wrap(body: string): string {{\n  return "-----BEGIN {kind}-----\\n" + body + "\\n-----END {kind}-----";\n}}\n',
    ),
    (
        "go",
        'const pemHeader = "-----BEGIN {kind}-----"\n\nfunc isKey(s string) bool {{ return strings.HasPrefix(s, pemHeader) }}\n',
    ),
]
_SEPARATED = [  # (ext, template): {pw} is a password with `,` or `;` inside
    ("env", "DB_HOST=db.internal\nDB_PASSWORD={pw}\n"),
    ("env", "SMTP_PASSWORD={pw} # rotated by ops\n"),
    ("yaml", "database:\n  user: app\n  password: {pw}\n"),
    ("ini", "[database]\nuser = app\npassword = {pw}\n"),
    ("properties", "spring.datasource.username=app\nspring.datasource.password={pw}\n"),
    ("json", '{{"db": {{"user": "app", "password": "{pw}"}}}}\n'),
    ("toml", '[db]\nuser = "app"\npassword = "{pw}"\n'),
    ("sh", "export DB_PASSWORD='{pw}'\n./migrate\n"),
]


def _django_dev_settings(r: random.Random) -> str:
    """Local settings reading the key from the environment. A `django-insecure-` key is a
    secret (`_django_samples`); its 50 characters are still drawn here, unused, so every later
    sample of a seed stays what it was."""
    rand(r, "url", 50)
    return (
        "SECRET_KEY = os.environ['DJANGO_SECRET_KEY']\n"
        "DATABASES = {'default': {'PASSWORD': 'postgres', 'HOST': 'localhost'}}\n"
    )


def _django_samples(r: random.Random) -> list[tuple[str, str, str, bool]]:
    """`startproject` writes a `django-insecure-` key: it still signs sessions and password
    reset tokens wherever those settings are deployed (`check --deploy` warns of it)."""
    key = rand(r, "pw", 50)
    return [
        ("django-secret-key", "py", f"SECRET_KEY = 'django-insecure-{key}'\n", True),
        ("django-secret-key", "py", "SECRET_KEY = get_random_secret_key()\n", False),
    ]


def _separated_password(r: random.Random) -> str:
    """A generated password with `,` or `;` inside (never first or last)."""
    value = make_password(r)
    at = r.randint(3, len(value) - 3)
    return value[:at] + r.choice(",;") + value[at:]


def _issue17_samples(r: random.Random) -> list[tuple[str, str, str, bool]]:
    out: list[tuple[str, str, str, bool]] = []
    for _ in range(6):
        name = r.choice(["STRIPE_KEY", "GITHUB_TOKEN", "SLACK_TOKEN", "api_key", "token"])
        ext, content = r.choice(WRITERS)(name, _typed_placeholder(r), r, True)
        out.append(("placeholder-token", ext, content, False))
    for ext, template in _PEM_CONSTANTS:
        kind = r.choice(["RSA PRIVATE KEY", "PRIVATE KEY", "OPENSSH PRIVATE KEY", "EC PRIVATE KEY"])
        out.append(("pem-header", ext, template.format(kind=kind), False))
    for ext, template in _SEPARATED:
        out.append(("separated-password", ext, template.format(pw=_separated_password(r)), True))
    return out


def _fill(template: str, rng: random.Random) -> str:
    return expand(template.replace("[[pw]]", make_password(rng)), rng)


def build_corpus(seed: int = 2024, rounds: int = 4) -> list[Sample]:
    """Labeled samples: providers x languages, named secrets x languages, special files and
    hard negatives, each round drawing fresh random values."""
    rng = random.Random(seed)
    samples: list[Sample] = []

    def add(kind: str, ext: str, content: str, positive: bool) -> None:
        index = len(samples)
        name = f"s{index:04d}/Dockerfile" if ext == "Dockerfile" else f"s{index:04d}.{ext}"
        samples.append(Sample(name, content, positive, kind))

    for _ in range(rounds):
        for kind, name, factory in PROVIDERS:
            ext, content = rng.choice(WRITERS)(name, factory(rng), rng, True)
            add(kind, ext, content, True)
        for name, factory in NAMED:
            ext, content = rng.choice(WRITERS)(name, factory(rng), rng, False)
            add("generic-secret", ext, content, True)
        for kind, ext, content in _special_positives(rng):
            add(kind, ext, content, True)
        for kind, ext, content in _negatives(rng):
            add(kind, ext, content, False)
        for ext, template in ONE_LINE_POSITIVES:
            add("one-line", ext, _fill(template, rng) + "\n", True)
        for ext, template in ONE_LINE_NEGATIVES:
            add("one-line", ext, _fill(template, rng) + "\n", False)
    # Drawn from their own generator after the others, so each seed's earlier samples are
    # exactly what they were before these kinds were added.
    extra = random.Random(seed * 7919 + 17)
    for _ in range(rounds):
        for kind, ext, content, positive in _issue17_samples(extra):
            add(kind, ext, content, positive)
    django = random.Random(seed * 7919 + 29)
    for _ in range(rounds):
        for kind, ext, content, positive in _django_samples(django):
            add(kind, ext, content, positive)
    return samples


def write_corpus(directory: Path, samples: list[Sample]) -> None:
    """Materialise `samples` under `directory` (one file per sample)."""
    for sample in samples:
        target = directory / sample.path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(sample.content, encoding="utf-8")

#!/usr/bin/env python3
"""Blind secrets corpus, round 22 (independent author, written without reading the detectors).

    python3 secrets_blind22.py OUTDIR --seed N

Writes a small "repository" of files (.env, YAML, JSON, TOML, INI, .properties, XML, shell,
PowerShell, Python, JS/TS, Go, Java, C#, Ruby, PHP, Dockerfile, Terraform, Kubernetes, Helm,
docker-compose, Ansible, .npmrc, .pypirc, .netrc, .git-credentials, PEM/OpenSSH/PuTTY keys,
Markdown, commit messages, chat logs, issue text, lockfiles, CSS, ...) into OUTDIR plus
OUTDIR/labels.json: a list of
{"file": relative path, "line": 1-based line, "label": "secret" | "not_secret", "kind": str}.

Only labelled lines are scored; other lines are scaffolding.
Conventions:
  * the label sits on the line that holds the value (continuation lines included);
  * a multi-line private key (PEM, OpenSSH, PuTTY) is labelled on its first line;
  * a realistic password assigned to a password-like field is a secret, punctuation and all;
  * placeholders, env/vault/template lookups, hashes, ids, public keys/certificates, base64 of
    non-secret text and key names without values are not secrets.

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
import urllib.parse
from pathlib import Path

UPPER = string.ascii_uppercase
LOWER = string.ascii_lowercase
DIGITS = string.digits
HEX = "0123456789abcdef"
ALNUM = UPPER + LOWER + DIGITS
B64 = ALNUM + "+/"
URLSAFE = ALNUM + "-_"
PW_PUNCT = "!@%^*()-_=+[]{}:,.?~#"
URL_PW = ALNUM + "-_.~!*"

# provider prefixes, split so the source holds no live-looking token
P_AKIA = "AK" + "IA"
P_ASIA = "AS" + "IA"
P_GHP = "gh" + "p_"
P_GHO = "gh" + "o_"
P_GHS = "gh" + "s_"
P_GHPAT = "github" + "_pat_"
P_GLPAT = "gl" + "pat-"
P_GLDT = "gl" + "dt-"
P_ATBB = "AT" + "BB"
P_SK_LIVE = "sk" + "_live_"
P_RK_LIVE = "rk" + "_live_"
P_PK_LIVE = "pk" + "_live_"
P_WHSEC = "wh" + "sec_"
P_XOXB = "xo" + "xb-"
P_XOXP = "xo" + "xp-"
P_XAPP = "xa" + "pp-"
SLACK_HOOK = "https://hooks." + "slack.com/services/"
DISCORD_HOOK = "https://discord." + "com/api/webhooks/"
P_SK_PROJ = "sk" + "-proj-"
P_SK_ANT = "sk" + "-ant-api03-"
P_AIZA = "AI" + "za"
P_SG = "S" + "G."
P_MG = "ke" + "y-"
P_NPM = "np" + "m_"
P_PYPI = "py" + "pi-AgEIcHlwaS5vcmc"
P_HF = "h" + "f_"
P_TW_SK = "S" + "K"
P_TW_AC = "A" + "C"
P_SHPAT = "shp" + "at_"
P_SHPSS = "shp" + "ss_"
P_SQ_TOK = "EA" + "AA"
P_SQ_SEC = "sq0" + "csp-"
P_SQ_APP = "sq0" + "idp-"
P_DOP = "do" + "p_v1_"
P_HRKU = "HR" + "KU-"
P_GCP_SA = "service" + "_account"
PEM = "-----"
AWS_DOC_ID = "AKIAIOSF" + "ODNN7EXAMPLE"
AWS_DOC_SECRET = "wJalrXUtnFEMI/K7MDENG/" + "bPxRfiCYEXAMPLEKEY"

R = random.Random(0)


def rs(n: int, alpha: str = ALNUM) -> str:
    return "".join(R.choice(alpha) for _ in range(n))


def pw_random(lo: int = 14, hi: int = 24, punct: str = PW_PUNCT) -> str:
    n = R.randint(lo, hi)
    body = [R.choice(ALNUM + punct) for _ in range(n - 3)]
    body += [R.choice(DIGITS), R.choice(punct), R.choice(UPPER)]
    R.shuffle(body)
    s = "".join(body)
    if s[0] in punct:
        s = R.choice(LOWER) + s[1:]
    return s


WORDS = ["Harbor", "Maple", "Quartz", "Falcon", "Juniper", "Copper", "Tundra", "Saffron",
         "Lantern", "Orchid", "Basalt", "Cobalt", "Meadow", "Pelican", "Walnut", "Zephyr"]


def pw_human() -> str:
    w1, w2 = R.sample(WORDS, 2)
    return w1 + str(R.randint(10, 99)) + R.choice("!#%*") + w2.lower() + str(R.randint(1, 9))


def pw_url() -> str:
    return pw_random(14, 22, "-_.~!*")


def pw_any(punct: str = PW_PUNCT) -> str:
    return pw_human() if R.random() < 0.35 else pw_random(punct=punct)


def user() -> str:
    return R.choice(["svc_app", "deploy", "admin_ro", "reporting", "etl_loader", "webapp",
                     "billing", "analytics", "ci-bot", "backend"])


def host() -> str:
    return R.choice(["db-prod-01.internal", "10.12.4.31", "pg.eu-west-1.rds.amazonaws.com",
                     "mysql-primary.corp.lan", "cluster0.a1b2c.mongodb.net", "cache-7.prod.local",
                     "sql-main.database.windows.net", "orders-db.svc.cluster.local"])


# -------------------------------------------------------------------- tokens
def aws_id(p: str = P_AKIA) -> str: return p + rs(16, UPPER + "234567")
def aws_secret() -> str: return rs(40, B64)
def ghp() -> str: return P_GHP + rs(36)
def gho() -> str: return P_GHO + rs(36)
def ghs() -> str: return P_GHS + rs(36)
def gh_fine() -> str: return P_GHPAT + rs(22) + "_" + rs(59)
def glpat() -> str: return P_GLPAT + rs(20, URLSAFE)
def gldt() -> str: return P_GLDT + rs(20, URLSAFE)
def atbb() -> str: return P_ATBB + rs(28) + rs(8, HEX.upper())
def sk_live() -> str: return P_SK_LIVE + rs(R.choice([24, 99]))
def rk_live() -> str: return P_RK_LIVE + rs(R.choice([24, 99]))
def pk_live() -> str: return P_PK_LIVE + rs(99)
def whsec() -> str: return P_WHSEC + rs(32)
def xoxb() -> str: return P_XOXB + rs(12, DIGITS) + "-" + rs(13, DIGITS) + "-" + rs(24)
def xoxp() -> str: return P_XOXP + rs(12, DIGITS) + "-" + rs(12, DIGITS) + "-" + rs(13, DIGITS) + "-" + rs(32, HEX)
def xapp() -> str: return P_XAPP + "1-A" + rs(10, UPPER + DIGITS) + "-" + rs(13, DIGITS) + "-" + rs(64, HEX)
def slack_hook() -> str: return SLACK_HOOK + "T" + rs(10, UPPER + DIGITS) + "/B" + rs(10, UPPER + DIGITS) + "/" + rs(24)
def discord_hook() -> str: return DISCORD_HOOK + rs(19, DIGITS) + "/" + rs(68, URLSAFE)
def discord_bot() -> str:
    ident = base64.b64encode(rs(18, DIGITS).encode()).decode().rstrip("=")
    return ident + "." + rs(6, URLSAFE) + "." + rs(38, URLSAFE)
def telegram() -> str: return str(R.randint(1000000000, 7999999999)) + ":AA" + rs(33, URLSAFE)
def twilio_sk() -> str: return P_TW_SK + rs(32, HEX)
def twilio_ac() -> str: return P_TW_AC + rs(32, HEX)
def sendgrid() -> str: return P_SG + rs(22, URLSAFE) + "." + rs(43, URLSAFE)
def mailgun() -> str: return P_MG + rs(32, HEX)
def openai() -> str: return P_SK_PROJ + rs(74, URLSAFE) + "T3Blbk" + "FJ" + rs(74, URLSAFE)
def anthropic() -> str: return P_SK_ANT + rs(93, URLSAFE) + "AA"
def hf() -> str: return P_HF + rs(34, UPPER + LOWER)
def npm() -> str: return P_NPM + rs(36)
def pypi() -> str: return P_PYPI + rs(R.randint(140, 170), URLSAFE)
def shpat() -> str: return P_SHPAT + rs(32, HEX)
def shpss() -> str: return P_SHPSS + rs(32, HEX)
def sq_tok() -> str: return P_SQ_TOK + rs(60, URLSAFE)
def sq_sec() -> str: return P_SQ_SEC + rs(43, URLSAFE)
def dop() -> str: return P_DOP + rs(64, HEX)
def hrku() -> str: return P_HRKU + "AA" + rs(58, URLSAFE)
def gapi() -> str: return P_AIZA + "Sy" + rs(33, URLSAFE)
def hex_n(n: int) -> str: return rs(n, HEX)
def uuid4() -> str:
    h = rs(32, HEX)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{R.choice('89ab')}{h[17:20]}-{h[20:]}"
def sha1() -> str: return hex_n(40)
def sha256() -> str: return hex_n(64)
def azure_key() -> str: return rs(86, B64) + "=="
def b64(s: str) -> str: return base64.b64encode(s.encode()).decode()
def b64url(b: bytes) -> str: return base64.urlsafe_b64encode(b).decode().rstrip("=")


def jwt() -> str:
    hdr = b64url(json.dumps({"alg": R.choice(["HS256", "RS256"]), "typ": "JWT"}, separators=(",", ":")).encode())
    body = {"sub": str(R.randint(10000, 99999)), "name": R.choice(WORDS), "iat": R.randint(1700000000, 1790000000),
            "exp": R.randint(1790000000, 1890000000), "scope": R.choice(["admin", "read write", "api"])}
    pl = b64url(json.dumps(body, separators=(",", ":")).encode())
    sig = b64url(bytes(R.getrandbits(8) for _ in range(R.choice([32, 256]))))
    return f"{hdr}.{pl}.{sig}"


def sas_query(sig: str | None = None) -> str:
    if sig is None:
        sig = urllib.parse.quote(rs(43, B64) + "=", safe="")
    return (f"sv=2022-11-02&ss=bfqt&srt=sco&sp=rwdlacupiytfx&se=2027-0{R.randint(1, 9)}-1{R.randint(0, 9)}T0"
            f"{R.randint(0, 9)}:00:00Z&st=2026-11-0{R.randint(1, 9)}T00:00:00Z&spr=https&sig={sig}")


def azure_conn(account: str) -> str:
    return (f"DefaultEndpointsProtocol=https;AccountName={account};AccountKey={azure_key()};"
            "EndpointSuffix=core.windows.net")


PEM_LEAD = {"RSA ": "MIIEpAIBAAKCAQEA", "": "MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQ", "EC ": "MHcCAQEEI"}


def pem_body(nlines: int, kind: str = "") -> list[str]:
    lead = PEM_LEAD.get(kind, "")
    out = [rs(64, B64) for _ in range(nlines)]
    out[0] = lead + out[0][len(lead):]
    out.append(rs(R.randint(20, 60), B64) + "==")
    return out


def pem_private(kind: str = "RSA ") -> list[str]:
    return [PEM + f"BEGIN {kind}PRIVATE KEY" + PEM] + pem_body(R.randint(12, 24), kind) + [PEM + f"END {kind}PRIVATE KEY" + PEM]


def openssh_private() -> list[str]:
    return ([PEM + "BEGIN OPENSSH PRIVATE KEY" + PEM, "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW"]
            + [rs(70, B64) for _ in range(5)] + [rs(30, B64) + "=", PEM + "END OPENSSH PRIVATE KEY" + PEM])


# -------------------------------------------------------------------- corpus
class Corpus:
    def __init__(self, out: Path):
        self.out = out
        self.files: dict[str, list[str]] = {}
        self.labels: list[dict] = []

    def file(self, name: str) -> "F":
        return F(self, name)


class F:
    def __init__(self, c: Corpus, name: str):
        self.c, self.name, self.lines = c, name, []
        c.files[name] = self.lines

    def t(self, *lines: str) -> "F":
        for ln in lines:
            self.lines.extend(ln.split("\n"))
        return self

    def _lab(self, line: str, label: str, kind: str) -> "F":
        assert "\n" not in line, line
        self.lines.append(line)
        self.c.labels.append({"file": self.name, "line": len(self.lines), "label": label, "kind": kind})
        return self

    def s(self, line: str, kind: str) -> "F":
        return self._lab(line, "secret", kind)

    def n(self, line: str, kind: str) -> "F":
        return self._lab(line, "not_secret", kind)


# -------------------------------------------------------------------- files
def f_dotenv(c: Corpus) -> None:
    f = c.file(".env")
    f.t("# local overrides -- do not commit", "APP_ENV=production", "LOG_LEVEL=info", "")
    f.s(f"AWS_ACCESS_KEY_ID={aws_id()}", "aws_access_key_id")
    f.s(f"AWS_SECRET_ACCESS_KEY={aws_secret()}", "aws_secret_access_key")
    f.n("AWS_SESSION_TOKEN=", "empty_value")
    f.s(f"DATABASE_URL=postgres://{user()}:{pw_url()}@{host()}:5432/app", "db_url_postgres")
    f.s(f'REDIS_URL="rediss://default:{pw_url()}@cache-7.prod.local:6380/0"', "db_url_redis")
    f.s(f"STRIPE_SECRET_KEY={sk_live()}", "stripe_secret")
    f.n(f"STRIPE_PUBLISHABLE_KEY={pk_live()}", "stripe_publishable")
    f.s(f"OPENAI_API_KEY='{openai()}'", "openai")
    f.n("SENDGRID_API_KEY=changeme", "placeholder")
    f.n("JWT_SECRET=${JWT_SECRET}", "env_ref")
    f.n(f"GIT_COMMIT={sha1()}", "git_sha")
    f.n(f"AWS_EXAMPLE_KEY_ID={AWS_DOC_ID}", "aws_doc_example")
    f.s(f"ADMIN_PASSWORD={pw_any(PW_PUNCT.replace('#', ''))}", "password_env")
    f.n("SMTP_PASSWORD=", "empty_value")
    f.s(f"SESSION_SECRET={rs(48, URLSAFE)}", "generic_secret")
    f.n(f"BUILD_ID={hex_n(12)}-{R.randint(1000, 9999)}", "build_id")


def f_settings_yaml(c: Corpus) -> None:
    f = c.file("config/settings.yaml")
    f.t("# application settings", "server:", "  port: 8080", "  host: 0.0.0.0", "database:",
        f"  host: {host()}", f"  user: {user()}")
    f.s(f'  password: "{pw_random(punct="!@%^*()-_=+[]{},.?~")}"', "password_yaml_quoted")
    f.t("replica:", "  user: readonly")
    f.s(f"  password: {pw_random(punct='-_.!*~')}", "password_yaml_unquoted")
    f.t("integrations:")
    f.n('  api_key: "{{ api_key }}"', "template_ref")
    f.n("  token: ${GITHUB_TOKEN}", "env_ref")
    f.s(f"  slack_webhook: {slack_hook()}", "slack_webhook")
    f.s(f"  sendgrid_key: '{sendgrid()}'", "sendgrid")
    f.n('  smtp_password: "********"', "masked")
    f.n("  client_secret: REDACTED", "redacted")
    f.n(f"  artifact_sha256: {sha256()}", "sha256")
    f.t("  gitlab:", "    url: https://gitlab.example.org", "    token: >-")
    f.s(f"      {glpat()}", "gitlab_pat_continuation")
    f.n("  request_timeout_id: " + uuid4(), "uuid_id")
    f.t("features:", "  beta: false")


def f_app_json(c: Corpus) -> None:
    f = c.file("config/app.json")
    L = [
        ("{", None, None),
        ('  "name": "orders-service",', None, None),
        ('  "version": "3.14.2",', "n", "version_string"),
        ('  "mailgun": {', None, None),
        ('    "domain": "mg.orders.example.com",', None, None),
        (f'    "apiKey": "{mailgun()}"', "s", "mailgun"),
        ("  },", None, None),
        ('  "twilio": {', None, None),
        (f'    "accountSid": "{twilio_ac()}",', "n", "twilio_account_sid"),
        (f'    "authToken": "{hex_n(32)}",', "s", "twilio_auth_token"),
        (f'    "apiKeySid": "{twilio_sk()}",', None, None),
        (f'    "apiKeySecret": "{rs(32)}"', "s", "twilio_api_key_secret"),
        ("  },", None, None),
        ('  "oauth": {', None, None),
        (f'    "clientId": "{R.randint(100000000000, 999999999999)}-{rs(32, LOWER + DIGITS)}.apps.googleusercontent.com",', "n", "oauth_client_id"),
        (f'    "clientSecret": "GOCSPX-{rs(28, URLSAFE)}",', "s", "google_client_secret"),
        ('    "redirectUri": "https://orders.example.com/callback"', None, None),
        ("  },", None, None),
        ('  "password": "",', "n", "empty_value"),
        ('  "apiKey": "<your-api-key>",', "n", "placeholder"),
        (f'  "requestId": "{uuid4()}",', "n", "uuid_id"),
        (f'  "datadogApiKey": "{hex_n(32)}",', "s", "datadog_api_key"),
        ('  "theme": {"primary": "#' + hex_n(6) + '", "accent": "#' + hex_n(6) + '"},', "n", "css_hex"),
        (f'  "buildHash": "{hex_n(40)}"', "n", "git_sha"),
        ("}", None, None),
    ]
    for line, lab, kind in L:
        if lab == "s":
            f.s(line, kind)
        elif lab == "n":
            f.n(line, kind)
        else:
            f.t(line)


def f_gcp_sa(c: Corpus) -> None:
    f = c.file("deploy/gcp-sa.json")
    key = "\n".join(pem_private("")) + "\n"
    proj = R.choice(["orders-prod", "data-lake-42", "acme-analytics"])
    f.t("{")
    f.t(f'  "type": "{P_GCP_SA}",', f'  "project_id": "{proj}",')
    f.n(f'  "private_key_id": "{hex_n(40)}",', "gcp_private_key_id")
    f.s(f'  "private_key": {json.dumps(key)},', "gcp_service_account_key")
    f.t(f'  "client_email": "deployer@{proj}.iam.gserviceaccount.com",')
    f.n(f'  "client_id": "{R.randint(10**20, 10**21 - 1)}",', "numeric_id")
    f.t('  "auth_uri": "https://accounts.google.com/o/oauth2/auth",',
        '  "token_uri": "https://oauth2.googleapis.com/token"', "}")


def f_toml(c: Corpus) -> None:
    f = c.file("config/app.toml")
    f.t("[app]", 'name = "ledger"')
    f.n('version = "2.7.0-rc.1"', "version_string")
    f.t("", "[database]", f'host = "{host()}"', "port = 3306")
    f.s(f'password = "{pw_any()}"', "password_toml")
    f.s(f'url = "mysql://{user()}:{pw_url()}@{host()}:3306/ledger"', "db_url_mysql")
    f.t("", "[secrets]")
    f.s(f"secret_key = '{rs(50, ALNUM + '!@%^*(-_=+)')}'", "generic_secret")
    f.n('token = ""', "empty_value")
    f.n('api_key = "EXAMPLE-API-KEY-0000"', "placeholder")
    f.s(f'hf_token = "{hf()}"', "huggingface")
    f.t("", "[artifacts]")
    f.n(f'sha256 = "{sha256()}"', "sha256")
    f.s(f'anthropic_api_key = """{anthropic()}"""', "anthropic")


def f_ini(c: Corpus) -> None:
    f = c.file("deploy/app.ini")
    f.t("[DEFAULT]", "db_pass_env = DB_PASS", "", "[database]", f"host = {host()}", f"user = {user()}")
    f.s(f"password = {pw_random(punct='!@^*()-_=+[]{}:,.?~#')}", "password_ini")
    f.s(f"sqlalchemy.url = postgresql+psycopg2://{user()}:{pw_url()}@{host()}/reports", "db_url_sqlalchemy")
    f.t("", "[legacy]")
    f.n("password = %(db_pass_env)s", "interpolation_ref")
    f.n("secret = changeme", "placeholder")
    f.n("token = xxxxxxxxxxxxxxxxxxxxxxxx", "placeholder")
    f.t("", "[monitoring]")
    f.s(f"datadog_app_key = {hex_n(40)}", "datadog_app_key")
    f.n("api_key_file = /etc/monitoring/dd.key", "file_path")


def f_properties(c: Corpus) -> None:
    f = c.file("src/main/resources/application.properties")
    f.t("spring.application.name=inventory", "server.port=8081")
    f.s(f"spring.datasource.url=jdbc:postgresql://{host()}:5432/inventory?user={user()}&password={pw_url()}", "jdbc_url_password")
    f.t(f"spring.datasource.username={user()}")
    f.s(f"spring.datasource.password={pw_any()}", "password_properties")
    f.n("spring.datasource.hikari.password=${DB_PASSWORD}", "env_ref")
    f.s(f"spring.mail.password={pw_human()}", "password_properties")
    f.s(f"jwt.secret={rs(64, B64)}", "generic_secret")
    f.n("# spring.mail.password is read from the vault at startup", "key_name_only")
    f.n("server.ssl.key-store=classpath:keystore.p12", "file_path")
    f.s(f"server.ssl.key-store-password={pw_random(punct='!@%^*-_+.?~')}", "password_properties")
    f.n("app.build.version=4.2.0.RELEASE", "version_string")
    f.s(f"aws.secretKey = {aws_secret()}", "aws_secret_access_key")


def f_xml(c: Corpus) -> None:
    f = c.file("src/main/resources/applicationContext.xml")
    xp = "!@%^*()-_=+[]{}:,.?~#"
    f.t('<?xml version="1.0" encoding="UTF-8"?>', '<beans xmlns="http://www.springframework.org/schema/beans">',
        '  <bean id="dataSource" class="org.apache.commons.dbcp2.BasicDataSource">',
        '    <property name="driverClassName" value="com.mysql.cj.jdbc.Driver"/>')
    f.s(f'    <property name="url" value="jdbc:mysql://{host()}:3306/shop?user={user()}&amp;password={pw_url()}"/>', "jdbc_url_password")
    f.t(f'    <property name="username" value="{user()}"/>')
    f.s(f'    <property name="password" value="{pw_random(punct=xp)}"/>', "password_xml")
    f.t("  </bean>", '  <bean id="legacyDs" class="org.apache.commons.dbcp2.BasicDataSource">')
    f.n('    <property name="password" value="${jdbc.password}"/>', "env_ref")
    f.t("  </bean>", '  <bean id="mail" class="org.springframework.mail.javamail.JavaMailSenderImpl">')
    f.t("    <property name=\"password\">")
    f.s(f"      <value>{pw_human()}</value>", "password_xml_continuation")
    f.t("    </property>", "  </bean>", "</beans>")
    g = c.file("web/Web.config")
    g.t('<?xml version="1.0" encoding="utf-8"?>', "<configuration>", "  <connectionStrings>")
    g.s(f'    <add name="Default" connectionString="Server=tcp:{host()},1433;Database=Orders;User ID={user()};Password={pw_random(punct="!@%^*()-_+[]{}.?~#")};Encrypt=True;" providerName="System.Data.SqlClient"/>', "mssql_connstr")
    g.n('    <add name="Local" connectionString="Server=(localdb)\\MSSQLLocalDB;Database=Orders;Integrated Security=True;"/>', "connstr_no_password")
    g.t("  </connectionStrings>", "  <appSettings>")
    g.n('    <add key="ApiKey" value="YOUR_API_KEY"/>', "placeholder")
    g.s(f'    <add key="StorageConnection" value="{azure_conn("ordersstore" + rs(4, LOWER + DIGITS))}"/>', "azure_storage_connstr")
    g.n('    <add key="TelemetryInstrumentationKey" value="' + uuid4() + '"/>', "uuid_id")
    g.s(f'    <add key="SquareAccessToken" value="{sq_tok()}"/>', "square_access_token")
    g.t("  </appSettings>", "</configuration>")


def f_shell(c: Corpus) -> None:
    f = c.file("scripts/deploy.sh")
    f.t("#!/usr/bin/env bash", "set -euo pipefail", "")
    f.s(f"export GITHUB_TOKEN={ghp()}", "github_pat")
    f.n('export NPM_TOKEN="${NPM_TOKEN:-}"', "env_ref")
    f.n('PGPASSWORD="$(vault kv get -field=password secret/prod/db)"', "vault_lookup")
    f.s(f"curl -sSf -u deploy:{pw_random(punct='-_.!*~@%^')} https://artifacts.internal/upload -T build.tgz", "curl_basic_userpass")
    f.n('curl -H "Authorization: Bearer $API_TOKEN" https://api.internal/v1/deploy', "env_ref")
    f.s(f'curl -H "Authorization: Basic {b64(user() + ":" + pw_url())}" https://registry.internal/v2/', "basic_auth_header")
    f.t("psql \\", f"  --host={host()} \\", "  --username=migrator \\")
    f.s(f"  --password='{pw_random(punct='!@%^*()-_=+[]{}:,.?~#')}' \\", "password_continuation")
    f.t("  -f migrations/latest.sql")
    f.s(f"mysql -u root -p'{pw_any()}' -h {host()} shop < dump.sql", "mysql_cli_password")
    f.s(f"echo '{pw_url()}' | docker login registry.gitlab.com -u ci --password-stdin", "docker_login_password")
    f.n(f'echo "{sha256()}  release.tar.gz" | sha256sum -c -', "sha256")
    f.s(f'SLACK_BOT_TOKEN="{xoxb()}" ./notify.sh "deploy done"', "slack_bot_token")
    f.n('read -rsp "Password: " DB_PASSWORD', "prompt_input")
    f.n("git checkout " + sha1(), "git_sha")


def f_powershell(c: Corpus) -> None:
    f = c.file("scripts/setup.ps1")
    f.t("param([string]$Environment = 'prod')", "")
    f.s(f'$securePw = ConvertTo-SecureString "{pw_random(punct="!@%^*()-_=+[]{{}}:,.?~#")}" -AsPlainText -Force', "password_powershell")
    f.s(f'$env:AZURE_STORAGE_CONNECTION_STRING = "{azure_conn("backup" + rs(6, LOWER + DIGITS))}"', "azure_storage_connstr")
    f.n("$token = $env:GITHUB_TOKEN", "env_ref")
    f.n("$apiKey = Get-Secret -Name 'ApiKey' -Vault 'Prod' -AsPlainText", "vault_lookup")
    f.s(f"$headers = @{{ 'DD-API-KEY' = '{hex_n(32)}' }}", "datadog_api_key")
    f.n("$runId = [guid]::NewGuid().ToString()", "function_call")
    f.s(f"$sasUrl = 'https://backup{rs(5, LOWER)}.blob.core.windows.net/dumps?{sas_query()}'", "azure_sas")
    f.n("$blobUrl = 'https://backup.blob.core.windows.net/dumps?sv=2022-11-02&sp=r&sig=REDACTED'", "redacted")


def f_py_settings(c: Corpus) -> None:
    f = c.file("app/settings.py")
    f.t('"""Django settings for orders."""', "import os", "", "from .vault import get_secret", "")
    f.s(f"SECRET_KEY = 'django-insecure-{rs(50, LOWER + DIGITS + '!@%^*(-_=+)')}'", "django_secret_key")
    f.n('SECRET_KEY_FALLBACK = os.environ.get("DJANGO_SECRET_KEY", "")', "env_ref")
    f.t("DATABASES = {", "    'default': {", "        'ENGINE': 'django.db.backends.postgresql',",
        f"        'USER': '{user()}',")
    f.s(f"        'PASSWORD': '{pw_any()}',", "password_python")
    f.t(f"        'HOST': '{host()}',", "    }", "}", "")
    f.n('API_KEY = get_secret("orders/api-key")', "function_call")
    f.n("TOKEN = settings_base.TOKEN", "variable_ref")
    f.n('SLACK_TOKEN = "your-token-here"', "placeholder")
    f.n(f'EXPECTED_SHA256 = "{sha256()}"', "sha256")
    p = pw_random(18, 24, "!@%^*()-_=+[]{}:,.?~#")
    f.s(f'SMTP_PASSWORD = "{p[:9]}" + "{p[9:]}"', "password_concat")
    t = anthropic()
    f.t("ANTHROPIC_API_KEY = (")
    f.s(f'    "{t[:60]}"', "anthropic_paren_continuation")
    f.t(f'    "{t[60:]}"', ")")
    f.t("", "import boto3", "", "s3 = boto3.client(", "    's3',")
    f.s(f"    aws_access_key_id='{aws_id()}',", "aws_access_key_id")
    f.s(f"    aws_secret_access_key='{aws_secret()}',", "aws_secret_access_key")
    f.t(")")
    f.n("CELERY_BROKER_URL = f\"amqp://{os.environ['MQ_USER']}:{os.environ['MQ_PASS']}@mq:5672//\"", "env_ref")
    f.s(f'CELERY_RESULT_BACKEND = "amqp://orders:{pw_url()}@rabbit.prod.local:5672/orders"', "db_url_amqp")
    f.n("PASSWORD_MIN_LENGTH = 12  # passwords must contain upper, lower, digit and symbol", "password_policy")
    f.n('API_KEY_HEADER = "X-Api-Key"', "header_name")
    f.s(f'# OLD_STRIPE_KEY = "{sk_live()}"  # rotated? check before deleting', "stripe_secret_in_comment")
    f.t("", "", "def connect(password=None, token=None):")
    f.n("    return Client(password=password, token=token)", "variable_ref")


def f_py_tests(c: Corpus) -> None:
    f = c.file("tests/test_auth.py")
    f.t("import pytest", "", "from app.auth import login, hash_password", "", "")
    f.t("def test_login_rejects_bad_password(client):")
    f.n('    resp = login(client, "alice", password="fake-password")', "test_fixture_fake")
    f.t("    assert resp.status_code == 401", "", "")
    f.t("def test_token_header(client):")
    f.n('    headers = {"Authorization": "Bearer dummy-token"}', "test_fixture_fake")
    f.t('    assert client.get("/me", headers=headers).status_code == 401', "", "")
    f.t("def test_hash():")
    f.n(f'    assert hash_password("x", salt=b"s") == "{sha256()}"', "sha256")
    f.t("", "")
    f.t("def test_hub_download(monkeypatch):")
    f.s(f'    monkeypatch.setenv("HF_TOKEN", "{hf()}")', "huggingface")
    f.n('    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-XXXXXXXXXXXXXXXXXXXXXXXX")', "placeholder")
    f.t("", "")
    f.t("@pytest.fixture", "def creds():")
    f.n('    return {"username": "test_user", "password": "test_password_123"}', "test_fixture_fake")


def f_py_bot(c: Corpus) -> None:
    f = c.file("bots/notifier.py")
    f.t("import requests", "import discord", "")
    f.s(f'DISCORD_BOT_TOKEN = "{discord_bot()}"', "discord_bot_token")
    f.s(f'WEBHOOK = "{discord_hook()}"', "discord_webhook")
    f.s(f'TG_URL = "https://api.telegram.org/bot{telegram()}/sendMessage"', "telegram_bot_token")
    f.n('TOKEN = input("bot token: ")', "prompt_input")
    f.n('CHAT_ID = "-100' + str(R.randint(1000000000, 9999999999)) + '"', "numeric_id")
    f.s(f"bot = TeleBot('{telegram()}')", "telegram_bot_token")
    f.t("", "", "def notify(text):", "    requests.post(WEBHOOK, json={'content': text}, timeout=5)")


def f_js(c: Corpus) -> None:
    f = c.file("web/src/config.js")
    f.t("'use strict';", "")
    f.s(f"const stripe = require('stripe')('{sk_live()}');", "stripe_secret")
    f.n("const apiKey = process.env.API_KEY;", "env_ref")
    f.s(f"const MAPS_SERVER_KEY = '{gapi()}';", "google_api_key")
    f.s(f'const mongoUri = "mongodb+srv://{user()}:{pw_url()}@cluster0.{rs(5, LOWER + DIGITS)}.mongodb.net/shop?retryWrites=true";', "db_url_mongodb")
    f.n("const pgUrl = `postgres://${dbUser}:${dbPass}@${dbHost}:5432/shop`;", "template_ref")
    p = pw_random(16, 22, "!@%^*()-_=+[]{}:,.?~#")
    f.t("const smtpPassword =")
    f.s(f"  '{p[:8]}' +", "password_concat_continuation")
    f.t(f"  '{p[8:]}';")
    f.t("const client = axios.create({", "  baseURL: 'https://api.partner.example',", "  headers: {")
    f.s(f"    Authorization: 'Bearer {jwt()}',", "jwt_bearer")
    f.t("  },", "});")
    f.n("const webhookSecret = config.get('stripe.webhookSecret');", "function_call")
    f.s(f"const endpointSecret = '{whsec()}';", "stripe_webhook_secret")
    f.n("// set STRIPE_SECRET_KEY in .env before running", "key_name_only")
    f.s(f"// const ghToken = '{ghp()}'; // old, keep for the backfill script", "github_pat_in_comment")
    f.t("module.exports = { stripe, client };")


def f_ts(c: Corpus) -> None:
    f = c.file("web/src/api.ts")
    f.t("import axios from 'axios';", "")
    f.n("type Creds = { apiKey: string; password: string; clientSecret: string };", "key_name_only")
    f.s(f"const GITLAB_TOKEN: string = '{glpat()}';", "gitlab_pat")
    f.n("const DEFAULT_PASSWORD = '';", "empty_value")
    f.t("export async function fetchReports() {", "  return axios.get('/reports', {")
    f.s(f"    auth: {{ username: 'reporter', password: '{pw_any()}' }},", "password_ts")
    f.t("  });", "}")
    f.n(f"const sessionId = '{uuid4()}';", "uuid_id")
    f.s(f"export const OPENAI_KEY = \"{openai()}\";", "openai")
    f.n("const password = creds.password ?? '';", "variable_ref")
    f.n("const secret = '<CLIENT_SECRET>';", "placeholder")
    f.s(f"const npmToken = `{npm()}`;", "npm_token")


def f_go(c: Corpus) -> None:
    f = c.file("cmd/server/main.go")
    f.t("package main", "", "import (", '\t"database/sql"', '\t"flag"', '\t"os"', ")", "")
    f.s(f'const slackToken = "{xoxp()}"', "slack_user_token")
    f.t("", "func main() {")
    f.s(f'\tdsn := "{user()}:{pw_random(punct="!%^*()-_=+[]{}.~#")}@tcp({host()}:3306)/orders?parseTime=true"', "mysql_go_dsn")
    f.n('\tpass := os.Getenv("DB_PASSWORD")', "env_ref")
    f.s(f"\tpgURL := `postgresql://{user()}:{pw_url()}@{host()}:5432/events?sslmode=require`", "db_url_postgres")
    f.n('\tapiKey := flag.String("api-key", "", "API key for the partner service")', "function_call")
    f.s(f'\tdoToken := "{dop()}"', "digitalocean")
    f.n('\tpassword := "<password>"', "placeholder")
    f.t("\t_ = sql.Drivers()", "\t_, _, _, _, _ = dsn, pass, pgURL, apiKey, doToken", "\t_ = password", "}")


def f_java(c: Corpus) -> None:
    f = c.file("src/main/java/com/acme/billing/Config.java")
    f.t("package com.acme.billing;", "", "import org.springframework.beans.factory.annotation.Value;", "",
        "public final class Config {")
    f.s(f'    private static final String DB_PASSWORD = "{pw_any()}";', "password_java")
    f.t("    private static final String MAIL_PASSWORD =")
    f.s(f'        "{pw_random(punct="!@%^*()-_=+[]{}:,.?~#")}";', "password_java_continuation")
    f.n('    private static final String API_TOKEN = System.getenv("API_TOKEN");', "env_ref")
    f.s(f'    static final String SQLSERVER = "jdbc:sqlserver://{host()}:1433;databaseName=billing;user={user()};password={pw_random(punct="!@%^*()-_+.?~#")};";', "jdbc_url_password")
    f.n(f'    static final String RELEASE_SHA = "{sha1()}";', "git_sha")
    f.n('    @Value("${billing.api.key}")', "template_ref")
    f.t("    private String apiKey;")
    f.s(f'    private final String twilioApiSecret = "{rs(32)}";', "twilio_api_secret")
    f.n('    private static final String PASSWORD_FIELD = "password";', "key_name_only")
    f.t("}")


def f_csharp(c: Corpus) -> None:
    f = c.file("src/Orders.Api/Startup.cs")
    f.t("using System;", "", "namespace Orders.Api", "{", "    public static class Secrets", "    {")
    f.s(f'        public const string Db = "Server={host()};Database=Orders;User Id={user()};Password={pw_random(punct="!@%^*()-_+[].?~#")};";', "mssql_connstr")
    f.s(f'        public static readonly string Blob = @"{azure_conn("orders" + rs(6, LOWER + DIGITS))}";', "azure_storage_connstr")
    f.n('        public static string Pw => Environment.GetEnvironmentVariable("DB_PASSWORD");', "env_ref")
    f.s(f'        public const string ClientSecret = "{rs(3, ALNUM)}8Q~{rs(34, ALNUM + "-_.~")}";', "azure_ad_client_secret")
    f.n('        public static string ApiKey(IConfiguration c) => c["Partner:ApiKey"];', "function_call")
    f.n(f'        public static readonly Guid TenantId = Guid.Parse("{uuid4()}");', "uuid_id")
    f.t("    }", "}")


def f_ruby(c: Corpus) -> None:
    f = c.file("config/initializers/payments.rb")
    f.s(f"Stripe.api_key = '{rk_live()}'", "stripe_restricted")
    f.n("Stripe.webhook_secret = ENV.fetch('STRIPE_WEBHOOK_SECRET')", "env_ref")
    f.n("Shopify.token = Rails.application.credentials.dig(:shopify, :token)", "vault_lookup")
    f.t("DB = Sequel.connect(", "  adapter: 'postgres',", f"  host: '{host()}',", f"  user: '{user()}',")
    f.s(f"  password: \"{pw_any()}\"", "password_ruby")
    f.t(")")
    f.n("# TODO: rotate the shopify api key", "key_name_only")
    f.s(f"SHOPIFY_ADMIN_TOKEN = \"{shpat()}\"", "shopify_access_token")


def f_php(c: Corpus) -> None:
    f = c.file("wp-config.php")
    f.t("<?php", "define( 'DB_NAME', 'wordpress' );", f"define( 'DB_USER', '{user()}' );")
    f.s(f"define( 'DB_PASSWORD', '{pw_random(punct='!@%^*()-_=+[]{}:,.?~#')}' );", "password_php")
    f.t("define( 'DB_HOST', 'localhost' );")
    ak = "".join(R.choice(ALNUM + "!@#%^*()-_=+[]{}<>~;:,.?|") for _ in range(64))
    f.s(f"define( 'AUTH_KEY', '{ak}' );", "wordpress_salt")
    f.n("define( 'SECURE_AUTH_KEY', 'put your unique phrase here' );", "placeholder")
    f.n("define( 'LOGGED_IN_KEY', getenv('WP_LOGGED_IN_KEY') );", "env_ref")
    f.s(f"$mailgunKey = \"{mailgun()}\";", "mailgun")
    f.s(f"$pdo = new PDO('pgsql:host={host()};dbname=shop', '{user()}', '{pw_url()}');", "pdo_password_arg")
    f.n("$pdo2 = new PDO($dsn, $user, $pass);", "variable_ref")


def f_dockerfile(c: Corpus) -> None:
    f = c.file("Dockerfile")
    f.n(f"FROM python:3.12-slim@sha256:{sha256()}", "image_digest")
    f.n("ARG NPM_TOKEN", "key_name_only")
    f.s(f"ENV API_TOKEN={rs(40, URLSAFE)}", "generic_token")
    f.n("ENV DB_PASSWORD=${DB_PASSWORD}", "env_ref")
    f.s(f"RUN pip install --index-url https://__token__:{pypi()}@upload.pypi.org/simple/ -r requirements.txt", "pypi_token_in_url")
    f.t("WORKDIR /app", "COPY . .")
    f.s(f'ENV REDIS_PASSWORD="{pw_any()}"', "password_dockerfile")
    f.n('LABEL org.opencontainers.image.revision="' + sha1() + '"', "git_sha")
    f.t('CMD ["gunicorn", "app.wsgi"]')


def f_terraform(c: Corpus) -> None:
    f = c.file("infra/main.tf")
    f.t('provider "aws" {', '  region     = "eu-west-1"')
    f.s(f'  access_key = "{aws_id()}"', "aws_access_key_id")
    f.s(f'  secret_key = "{aws_secret()}"', "aws_secret_access_key")
    f.t("}", "", 'resource "aws_db_instance" "main" {', '  engine   = "postgres"', '  username = "dbadmin"')
    f.s(f'  password = "{pw_random(punct="!#%^*()-_=+[]{}:,.?~")}"', "password_terraform")
    f.t("}", "", 'resource "aws_db_instance" "replica" {')
    f.n("  password = var.db_password", "variable_ref")
    f.t("}", "", 'data "aws_secretsmanager_secret_version" "api" {')
    f.n("  secret_id = data.aws_secretsmanager_secret.api.id", "vault_lookup")
    f.t("}", "", 'provider "azurerm" {', "  features {}", f'  client_id     = "{uuid4()}"')
    f.s(f'  client_secret = "{rs(3, ALNUM)}8Q~{rs(34, ALNUM + "-_.~")}"', "azure_ad_client_secret")
    f.n(f'  tenant_id     = "{uuid4()}"', "uuid_id")
    f.t("}", "", 'resource "random_password" "db" {', "  length  = 24")
    f.n("  special = true", "key_name_only")
    f.t("}")
    f.t('variable "datadog_api_key" {', '  type      = string', "  sensitive = true")
    f.s(f'  default   = "{hex_n(32)}"', "datadog_api_key")
    f.t("}")


def f_k8s(c: Corpus) -> None:
    f = c.file("k8s/secret.yaml")
    f.t("apiVersion: v1", "kind: Secret", "metadata:", "  name: orders-secrets", "type: Opaque", "data:")
    f.n(f"  username: {b64('orders')}", "b64_non_secret")
    f.s(f"  password: {b64(pw_any())}", "k8s_secret_b64")
    f.s(f"  api-token: {b64(ghs())}", "k8s_secret_b64")
    f.n(f"  app.conf: {b64('log_level=info' + chr(10) + 'workers=4' + chr(10))}", "b64_non_secret")
    f.t("stringData:")
    f.s(f'  DATABASE_URL: "postgresql://orders:{pw_url()}@orders-db.svc.cluster.local:5432/orders"', "db_url_postgres")
    g = c.file("k8s/deployment.yaml")
    g.t("apiVersion: apps/v1", "kind: Deployment", "metadata:", "  name: orders", "spec:", "  template:", "    spec:",
        "      containers:", "        - name: api")
    g.n(f"          image: ghcr.io/acme/orders@sha256:{sha256()}", "image_digest")
    g.t("          env:", "            - name: DB_PASSWORD")
    g.s(f'              value: "{pw_random(punct="!@%^*()-_=+[]{},.?~")}"', "k8s_env_value_continuation")
    g.t("            - name: API_KEY", "              valueFrom:", "                secretKeyRef:", "                  name: orders-secrets")
    g.n("                  key: api-token", "secret_ref")
    g.t("            - name: PARTNER_KEY")
    g.n('              value: "{{ .Values.partnerKey }}"', "template_ref")


def f_helm(c: Corpus) -> None:
    f = c.file("charts/orders/values.yaml")
    f.t("replicaCount: 2", "postgresql:", "  auth:", "    username: orders")
    f.s(f'    password: "{pw_any()}"', "password_helm")
    f.n('    existingSecret: ""', "empty_value")
    f.t("redis:", "  auth:")
    f.n("    password: \"\"", "empty_value")
    f.t("minio:")
    f.n("  rootPassword: changeme", "placeholder")
    f.t("partner:")
    f.s(f"  apiKey: {rs(32)}", "generic_api_key")
    f.n("  apiKeySecretName: partner-credentials", "secret_ref")


def f_compose(c: Corpus) -> None:
    f = c.file("docker-compose.yml")
    f.t("services:", "  db:", "    image: postgres:16", "    environment:", "      POSTGRES_USER: orders")
    f.s(f"      POSTGRES_PASSWORD: '{pw_random(punct='!@%^*()-_=+[]{},.?~')}'", "password_compose")
    f.t("  mysql:", "    image: mysql:8", "    environment:")
    f.n("      MYSQL_ROOT_PASSWORD: ${MYSQL_ROOT_PASSWORD}", "env_ref")
    f.t("  mq:", "    image: rabbitmq:3", "    environment:")
    f.s(f"      - RABBITMQ_DEFAULT_PASS={pw_url()}", "password_compose")
    f.t("  cache:", "    image: redis:7")
    f.s(f"    command: redis-server --requirepass {pw_url()}", "redis_requirepass")
    f.t("  app:", "    build: .", "    environment:")
    f.n("      - SECRET_KEY_FILE=/run/secrets/app_secret", "file_path")
    f.n("      - DB_PASSWORD", "key_name_only")
    f.t("secrets:", "  app_secret:", "    file: ./secrets/app_secret.txt")


def f_ansible(c: Corpus) -> None:
    f = c.file("ansible/group_vars/all.yml")
    f.t("---", "ansible_user: deploy")
    f.s(f'ansible_become_pass: "{pw_any()}"', "password_ansible")
    f.n('db_password: "{{ vault_db_password }}"', "template_ref")
    f.n("api_token: \"{{ lookup('env', 'API_TOKEN') }}\"", "env_ref")
    f.s(f"mysql_root_password: {pw_random(punct='-_.!*~')}", "password_ansible")
    f.t("smtp_relay_password: !vault |")
    f.n("  $ANSIBLE_VAULT;1.1;AES256", "ansible_vault_encrypted")
    for _ in range(3):
        f.t("  " + hex_n(80))
    f.t("app_users:", "  - name: alice")
    f.s(f"    password: \"{pw_human()}\"", "password_ansible")


def f_npmrc(c: Corpus) -> None:
    f = c.file(".npmrc")
    f.n("registry=https://registry.npmjs.org/", "url_no_credential")
    f.s(f"//registry.npmjs.org/:_authToken={npm()}", "npm_token")
    f.n("//npm.pkg.github.com/:_authToken=${GITHUB_PACKAGES_TOKEN}", "env_ref")
    f.s(f"//nexus.corp.lan/repository/npm/:_auth={b64('ci-bot:' + pw_url())}", "npmrc_auth_b64")
    f.n("always-auth=true", "key_name_only")


def f_pypirc(c: Corpus) -> None:
    f = c.file(".pypirc")
    f.t("[distutils]", "index-servers =", "    pypi", "    testpypi", "", "[pypi]")
    f.n("username = __token__", "username_only")
    f.s(f"password = {pypi()}", "pypi_token")
    f.t("", "[testpypi]", "repository = https://test.pypi.org/legacy/", "username = __token__")
    f.n("password = <your-testpypi-token>", "placeholder")


def f_netrc(c: Corpus) -> None:
    f = c.file(".netrc")
    f.s(f"machine api.heroku.com login ops@acme.io password {hrku()}", "heroku_api_key")
    f.t("machine git.corp.lan", "  login builder")
    f.s(f"  password {pw_random(punct='!@%^*()-_=+[]{}:,.?~#')}", "netrc_password_continuation")
    f.n("machine ftp.gnu.org login anonymous password anonymous", "anonymous_login")
    f.n("machine registry.example.com login user password ${REGISTRY_PASSWORD}", "env_ref")


def f_gitcreds(c: Corpus) -> None:
    f = c.file(".git-credentials")
    f.s(f"https://octo-dev:{ghp()}@github.com", "git_credentials_github")
    f.s(f"https://oauth2:{glpat()}@gitlab.com", "git_credentials_gitlab")
    f.s(f"https://x-token-auth:{atbb()}@bitbucket.org", "git_credentials_bitbucket")
    f.s(f"https://builder:{pw_url()}@git.corp.lan", "git_credentials_password")


def f_keys(c: Corpus) -> None:
    k = pem_private("RSA ")
    f = c.file("keys/id_rsa")
    f.s(k[0], "pem_rsa_private")
    f.t(*k[1:])
    k = openssh_private()
    f = c.file("keys/deploy_ed25519")
    f.s(k[0], "openssh_private")
    f.t(*k[1:])
    k = pem_private("EC ")
    f = c.file("certs/signing-ec.pem")
    f.s(k[0], "pem_ec_private")
    f.t(*k[1:])
    f = c.file("keys/bastion.ppk")
    f.s("PuTTY-User-Key-File-3: ssh-rsa", "putty_private")
    f.t("Encryption: none", "Comment: rsa-key-20260301", "Public-Lines: 6")
    f.t(*[rs(64, B64) for _ in range(5)], rs(20, B64) + "==", "Private-Lines: 14")
    f.t(*[rs(64, B64) for _ in range(13)], rs(40, B64) + "=", "Private-MAC: " + hex_n(64))
    f = c.file("certs/public.pem")
    f.n(PEM + "BEGIN PUBLIC KEY" + PEM, "public_key_pem")
    f.t(*[rs(64, B64) for _ in range(6)], rs(8, B64) + "IDAQAB", PEM + "END PUBLIC KEY" + PEM)
    f = c.file("certs/server.crt")
    f.n(PEM + "BEGIN CERTIFICATE" + PEM, "certificate")
    f.t(*[rs(64, B64) for _ in range(14)], rs(30, B64) + "=", PEM + "END CERTIFICATE" + PEM)
    f = c.file("keys/id_ed25519.pub")
    f.n("ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI" + rs(43, B64) + " dev@laptop", "public_key_ssh")
    f = c.file("keys/authorized_keys")
    f.n("ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABgQ" + rs(500, B64) + " ops@bastion", "public_key_ssh")


def f_markdown(c: Corpus) -> None:
    f = c.file("docs/SETUP.md")
    f.t("# Setting up the orders service", "", "Copy `.env.example` to `.env` and fill in the values:", "", "```sh")
    f.n("export API_KEY=<your-api-key>", "placeholder")
    f.n("export STRIPE_SECRET_KEY=sk_test_...", "placeholder")
    f.t("```", "")
    f.n("Set `STRIPE_SECRET_KEY` and `SENDGRID_API_KEY` in the environment; never commit them.", "doc_key_name")
    f.n("Passwords must be at least 12 characters and contain a digit and a symbol such as `!` or `#`.", "password_policy")
    f.t("", "A private key file starts with:", "")
    f.n("    " + PEM + "BEGIN RSA PRIVATE KEY" + PEM, "doc_pem_header_only")
    f.t("", "To call the API:", "", "```sh")
    f.n('curl -H "Authorization: Bearer YOUR_TOKEN" https://api.orders.example.com/v1/orders', "placeholder")
    f.t("```", "", "## Staging", "", "For now staging uses the shared account (rotate after the demo!):", "", "```")
    f.s(f"DATABASE_URL=postgres://staging:{pw_url()}@{host()}:5432/orders_staging", "db_url_in_markdown")
    f.s(f"SQUARE_APPLICATION_SECRET={sq_sec()}", "square_app_secret")
    f.n(f"SQUARE_APPLICATION_ID={P_SQ_APP}{rs(22, URLSAFE)}", "square_app_id")
    f.t("```", "")
    f.n(f"The example credentials `{AWS_DOC_ID}` / `{AWS_DOC_SECRET}` come from the AWS docs.", "aws_doc_example")
    f.s(f"| staging admin | `admin` | `{pw_human()}` |", "password_markdown_table")


def f_commits(c: Corpus) -> None:
    f = c.file("git/COMMIT_EDITMSG-1")
    f.t("ci: hardcode token for the release job", "")
    f.s(f"Temporarily set GH_TOKEN={gho()} until the app is approved.", "github_oauth_in_commit")
    f.n(f"Reverts {sha1()}.", "git_sha")
    f = c.file("git/COMMIT_EDITMSG-2")
    f.t("fix(auth): rotate leaked AWS key", "")
    f.s(f"The old key {aws_id()} was pasted in #ops; it is disabled now.", "aws_key_in_commit")
    f.n("New key is stored in Secrets Manager under prod/deploy/aws.", "vault_reference")
    f = c.file("git/COMMIT_EDITMSG-3")
    f.t("chore(deps): bump lodash from 4.17.20 to 4.17.21", "")
    f.n("Signed-off-by: dependabot[bot] <49699333+dependabot[bot]@users.noreply.github.com>", "signoff")
    f.s(f"Co-authored token for the bot (delete me): {gh_fine()}", "github_fine_grained_in_commit")


def f_chat(c: Corpus) -> None:
    f = c.file("docs/chat/ops-2026-11-18.txt")
    f.t("[09:12] alice: anyone have the staging db creds?")
    f.s(f"[09:13] bob: user reporting / pass {pw_any()}", "password_in_chat")
    f.n("[09:13] carol: please don't paste those here, they're in 1Password under 'staging-db'", "vault_reference")
    f.s(f"[09:20] bob: also the bot uses {xoxb()}", "slack_bot_in_chat")
    f.n(f"[09:22] alice: deploy failed, request id {uuid4()}", "request_id")
    f.s(f"[09:25] dave: HF token for the eval box is {hf()} fyi", "huggingface_in_chat")
    f.n(f"[09:26] dave: build {R.randint(10000, 99999)} ({hex_n(8)}) is green now", "build_id")
    f.s(f"[09:30] erin: slack app-level token for socket mode: {xapp()}", "slack_app_token_in_chat")


def f_issue(c: Corpus) -> None:
    f = c.file("docs/issues/1187.md")
    f.t("### Bug: worker crashes on startup", "", "Stack trace:", "", "```")
    f.t("Traceback (most recent call last):", '  File "worker.py", line 12, in <module>')
    f.s(f"sqlalchemy.exc.OperationalError: could not connect: mssql+pyodbc://sa:{pw_url()}@{host()}:1433/jobs?driver=ODBC+Driver+18", "db_url_in_traceback")
    f.t("```", "", "Request I sent:", "", "```")
    f.s(f"Authorization: Basic {b64('admin:' + pw_random(punct='!@%^*()-_=+[]{}:,.?~#'))}", "basic_auth_header")
    f.t("```", "")
    f.n("Response: `401 invalid api key ****" + hex_n(4) + "`", "masked")
    f.n(f"Build id: {hex_n(12)} / trace id {hex_n(32)}", "trace_id")
    f.n(f"Version: 5.1.0+{hex_n(7)}", "version_string")
    f.s(f"Our webhook signing secret is `{whsec()}` if that helps reproduce.", "stripe_webhook_in_issue")


def f_css(c: Corpus) -> None:
    f = c.file("web/styles.css")
    f.t(":root {")
    f.n(f"  --primary: #{hex_n(6)};", "css_hex")
    f.n(f"  --shadow: 0 1px 2px #{hex_n(8)};", "css_hex")
    f.t("}")
    f.n(".logo { background: url(data:image/png;base64," + b64("\x89PNG\r\n\x1a\n" + rs(40)) + "); }", "b64_image")


def f_lock(c: Corpus) -> None:
    data = {"name": "web", "lockfileVersion": 3, "packages": {}}
    f = c.file("web/package-lock.json")
    f.t("{", '  "name": "web",', '  "lockfileVersion": 3,', '  "packages": {')
    for i, pkg in enumerate(["lodash", "axios"]):
        f.t(f'    "node_modules/{pkg}": {{', f'      "version": "4.{i}.{R.randint(0, 20)}",')
        f.n(f'      "resolved": "https://registry.npmjs.org/{pkg}/-/{pkg}-4.{i}.0.tgz",', "url_no_credential")
        f.n(f'      "integrity": "sha512-{base64.b64encode(bytes(R.getrandbits(8) for _ in range(64))).decode()}"', "integrity_hash")
        f.t("    }" + ("," if i == 0 else ""))
    f.t("  }", "}")
    del data
    g = c.file("go.sum")
    for mod in ["github.com/lib/pq v1.10.9", "golang.org/x/crypto v0.31.0"]:
        g.n(f"{mod} h1:{base64.b64encode(bytes(R.getrandbits(8) for _ in range(32))).decode()}", "lockfile_hash")
    g = c.file("requirements.txt")
    g.n(f"requests==2.32.3 --hash=sha256:{sha256()}", "sha256")


def f_ci(c: Corpus) -> None:
    f = c.file(".github/workflows/release.yml")
    f.t("name: release", "on:", "  push:", "    tags: ['v*']", "jobs:", "  publish:", "    runs-on: ubuntu-latest",
        "    env:")
    f.n("      NODE_AUTH_TOKEN: ${{ secrets.NPM_TOKEN }}", "ci_secret_ref")
    f.s(f"      SENTRY_AUTH_TOKEN: sntrys_{b64(json.dumps({'iat': R.randint(1700000000, 1790000000), 'url': 'https://sentry.io', 'org': 'acme'})).rstrip('=')}_{rs(43, B64)}", "sentry_auth_token")
    f.t("    steps:", "      - uses: docker/login-action@v3", "        with:", "          username: acmebot")
    f.n("          password: ${{ secrets.DOCKERHUB_TOKEN }}", "ci_secret_ref")
    f.t("      - name: notify", "        run: |")
    f.s(f"          curl -s https://api.telegram.org/bot{telegram()}/sendMessage -d chat_id=42 -d text=released", "telegram_bot_token")
    f.n(f"      - uses: actions/checkout@{sha1()}", "git_sha")


def f_integrations(c: Corpus) -> None:
    f = c.file("config/integrations.yml")
    f.t("shopify:", "  shop: acme-store.myshopify.com")
    f.s(f"  admin_api_access_token: {shpat()}", "shopify_access_token")
    f.s(f"  shared_secret: {shpss()}", "shopify_shared_secret")
    f.t("square:")
    f.s(f"  access_token: {sq_tok()}", "square_access_token")
    f.n(f"  application_id: {P_SQ_APP}{rs(22, URLSAFE)}", "square_app_id")
    f.t("heroku:")
    f.s(f"  api_key: {uuid4()}", "heroku_api_key_uuid")
    f.t("datadog:")
    f.s(f"  api_key: {hex_n(32)}", "datadog_api_key")
    f.s(f"  app_key: {hex_n(40)}", "datadog_app_key")
    f.n("  site: datadoghq.eu", "key_name_only")
    f.t("digitalocean:")
    f.s(f'  token: "{dop()}"', "digitalocean")
    f.n("  token_env: DIGITALOCEAN_ACCESS_TOKEN", "env_ref")
    f.t("gitlab:")
    f.s(f"  deploy_token: {gldt()}", "gitlab_deploy_token")
    f.t("bitbucket:", "  username: ci-bot")
    f.s(f"  app_password: {atbb()}", "bitbucket_app_password")
    f.t("twilio:")
    f.n(f"  account_sid: {twilio_ac()}", "twilio_account_sid")
    f.t("azure:")
    f.s(f'  container_sas: "https://assets{rs(4, LOWER)}.blob.core.windows.net/uploads?{sas_query()}"', "azure_sas")
    f.n('  container_url: "https://assets.blob.core.windows.net/uploads"', "url_no_credential")


def f_databases(c: Corpus) -> None:
    f = c.file("config/databases.yml")
    f.t("connections:")
    f.s(f"  orders: postgresql://{user()}:{pw_url()}@{host()}:5432/orders", "db_url_postgres")
    f.s(f"  legacy: mysql+pymysql://{user()}:{pw_url()}@{host()}/legacy?charset=utf8mb4", "db_url_mysql")
    f.s(f"  events: mongodb://{user()}:{pw_url()}@mongo-0.prod:27017,mongo-1.prod:27017/events?replicaSet=rs0&authSource=admin", "db_url_mongodb")
    f.s(f"  cache: redis://:{pw_url()}@cache-7.prod.local:6379/2", "db_url_redis")
    f.s(f"  olap: clickhouse://{user()}:{pw_url()}@ch.prod.local:9000/metrics", "db_url_clickhouse")
    f.s(f'  ledger: "oracle+oracledb://{user()}:{pw_url()}@ora.prod.local:1521/?service_name=LEDGER"', "db_url_oracle")
    f.s(f"  graph: neo4j+s://neo4j:{pw_url()}@graph.prod.local:7687", "db_url_neo4j")
    f.s(f'  crdb: "cockroachdb://{user()}:{pw_url()}@crdb.prod.local:26257/bank?sslmode=verify-full"', "db_url_cockroach")
    f.s(f'  odbc: "Driver={{PostgreSQL Unicode}};Server={host()};Port=5432;Database=reports;Uid={user()};Pwd={pw_random(punct="!@%^*()-_+[].?~#")};"', "odbc_connstr")
    f.s(f'  libpq: "host={host()} port=5432 dbname=reports user={user()} password={pw_url()} sslmode=require"', "libpq_dsn")
    f.n("  local: postgresql://postgres@localhost:5432/dev", "db_url_no_password")
    f.n("  test: postgresql://user:password@localhost:5432/test", "db_url_placeholder")
    f.n("  ci: postgresql://ci:${CI_DB_PASSWORD}@postgres:5432/ci", "env_ref")
    f.n('  docs: "mysql://<user>:<password>@<host>:3306/<db>"', "placeholder")
    f.n("  sqlite: sqlite:///var/lib/app/data.db", "db_url_no_password")


SECRET_NAMES = ["db_password", "api_secret", "auth_token", "partner_api_key", "client_secret", "smtp_pass",
                "encryption_key", "webhook_secret", "ldap_bind_password", "signing_key", "access_token",
                "private_token", "service_password", "master_key", "hmac_secret"]
PLACEHOLDERS = ["changeme", "CHANGE_ME", "<secret>", "your-secret-here", "xxxxxxxxxxxxxxxx", "TODO",
                "${SECRET}", "%SECRET%", "{{ secret }}", "REPLACE_ME", "dummy", "example-key", "null",
                "<redacted>", "****************", "fake_secret_for_tests", "none"]


def f_extra(c: Corpus) -> None:
    """Generic key = value lines; length and order depend on the seed."""
    f = c.file("config/extra.conf")
    f.t("# generic service configuration", "")
    n = R.randint(26, 34)
    for i in range(n):
        name = R.choice(SECRET_NAMES) + f"_{i}"
        sep = R.choice([" = ", "=", ": "])
        r = R.random()
        if r < 0.5:
            v = R.choice([pw_random(), pw_human(), rs(R.randint(24, 48), URLSAFE), hex_n(R.choice([32, 40, 64])),
                          rs(R.randint(30, 44), B64)])
            if R.random() < 0.3:
                v = f'"{v}"'
            f.s(f"{name}{sep}{v}", "generic_secret_kv")
        elif r < 0.8:
            f.n(f"{name}{sep}{R.choice(PLACEHOLDERS)}", "placeholder_kv")
        else:
            v = R.choice([f"env:{name.upper()}", f"vault:secret/data/app#{name}", f"file:/run/secrets/{name}",
                          f"${{{name.upper()}}}", f"${{env:{name.upper()}}}"])
            f.n(f"{name}{sep}{v}", "ref_kv")


def f_sql(c: Corpus) -> None:
    f = c.file("db/init/001_users.sql")
    f.t("-- roles for the reporting stack", "")
    f.s(f"CREATE USER reporting WITH PASSWORD '{pw_random(punct='!@%^*()-_=+[]{}:,.?~#')}';", "password_sql")
    f.n("ALTER USER etl WITH PASSWORD :'etl_password';", "variable_ref")
    f.s(f"CREATE USER 'app'@'%' IDENTIFIED BY '{pw_any()}';", "password_sql")
    f.n("-- the password for app is rotated by vault (database secrets engine)", "doc_key_name")
    f.n(f"INSERT INTO api_clients (id, name) VALUES ('{uuid4()}', 'mobile');", "uuid_id")
    f.n(f"INSERT INTO users (email, password_hash) VALUES ('a@example.com', '$2b$12${rs(53, ALNUM + './')}');", "bcrypt_hash")


def f_kubeconfig(c: Corpus) -> None:
    f = c.file("deploy/kubeconfig")
    f.t("apiVersion: v1", "kind: Config", "clusters:", "  - name: prod", "    cluster:",
        "      server: https://k8s.prod.internal:6443")
    f.n(f"      certificate-authority-data: {b64(PEM + 'BEGIN CERTIFICATE' + PEM + chr(10) + rs(64, B64) + chr(10))}", "ca_certificate_b64")
    f.t("users:", "  - name: ci", "    user:")
    f.s(f"      token: {jwt()}", "k8s_service_account_token")
    f.t("  - name: oidc", "    user:", "      exec:", "        command: kubectl-oidc-login")
    f.t("contexts:", "  - name: prod", "    context: {cluster: prod, user: ci}", "current-context: prod")


FILES = [f_sql, f_kubeconfig, f_dotenv, f_settings_yaml, f_app_json, f_gcp_sa, f_toml, f_ini, f_properties, f_xml, f_shell, f_powershell,
         f_py_settings, f_py_tests, f_py_bot, f_js, f_ts, f_go, f_java, f_csharp, f_ruby, f_php, f_dockerfile,
         f_terraform, f_k8s, f_helm, f_compose, f_ansible, f_npmrc, f_pypirc, f_netrc, f_gitcreds, f_keys,
         f_markdown, f_commits, f_chat, f_issue, f_css, f_lock, f_ci, f_integrations, f_databases, f_extra]


def build(out: Path, seed: int) -> Corpus:
    global R
    R = random.Random(seed)
    c = Corpus(out)
    for fn in FILES:
        fn(c)
    return c


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    out = Path(a.outdir)
    c = build(out, a.seed)
    seen = set()
    for lab in c.labels:
        key = (lab["file"], lab["line"])
        assert key not in seen, key
        seen.add(key)
        assert c.files[lab["file"]][lab["line"] - 1].strip(), lab
    for name, lines in c.files.items():
        p = out / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (out / "labels.json").write_text(json.dumps(c.labels, indent=1) + "\n", encoding="utf-8")
    ns = sum(1 for x in c.labels if x["label"] == "secret")
    print(f"seed {a.seed}: {len(c.labels)} labelled lines in {len(c.files)} files, {ns} secret, {len(c.labels) - ns} not_secret")


if __name__ == "__main__":
    main()

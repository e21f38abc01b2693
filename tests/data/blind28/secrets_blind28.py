#!/usr/bin/env python3
"""Blind secrets corpus, round 28 (independent author, written without reading the scanner).

    python3 secrets_blind28.py OUTDIR --seed N

Writes a small fake repository (about 65 files) into OUTDIR plus OUTDIR/labels.json:
a list of {"file", "line" (1-based), "label": "secret" | "not_secret", "kind"}.  Only labelled
lines are scored.  Every token body is drawn from random.Random(seed) at run time; provider
prefixes are assembled from pieces so this source holds no live-looking credential.

Focus (different from earlier rounds): less-common providers (Atlassian, Asana, Notion, Airtable,
Cloudflare, Fastly, Heroku, Netlify, Vercel, Supabase, PlanetScale, Algolia, Mapbox, Square,
PayPal/Braintree, Twitch, Zendesk, Intercom, New Relic, Snyk, SonarQube, Terraform Cloud, Pulumi,
Bitwarden, age, WireGuard, JWK) and less-common file kinds (Jupyter, HAR, Postman, Insomnia,
VS Code, IntelliJ, .pgpass, my.cnf, .s3cfg, rclone, wp-config, Rails, Laravel, Elixir, Cargo,
Flutter, Gradle, xcconfig, Helmfile, Pulumi, Serverless, SAM, Nomad, Consul, CI systems, SQL
dumps, CSV, .eml, raw HTTP), with hard not-secrets next to the secrets.
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import random
import string
import struct
from pathlib import Path

UP = string.ascii_uppercase
LO = string.ascii_lowercase
DG = string.digits
HEX = "0123456789abcdef"
AN = UP + LO + DG
LAN = LO + DG
UAN = UP + DG
US = AN + "-_"
BECH = "qpzry9x8gf2tvdw0s3jn54khce6mua7l"

# provider prefixes assembled from pieces
P = {
    "atl": "ATA" + "TT3xFfGF0", "ntn": "nt" + "n_", "notion": "sec" + "ret_", "pat": "p" + "at",
    "hrku": "HR" + "KU-AA", "nfp": "nf" + "p_", "sbsec": "sb" + "_secret_", "sbpub": "sb" + "_publishable_",
    "pstkn": "psc" + "ale_tkn_", "pspw": "psc" + "ale_pw_", "mbsk": "s" + "k.", "mbpk": "p" + "k.",
    "sqat": "EA" + "AA", "sqcsp": "sq0" + "csp-", "sqidp": "sq0" + "idp-", "ppat": "access_token" + "$production$",
    "nrak": "NR" + "AK-", "nrii": "NR" + "II-", "nral": "NR" + "AL", "squ": "sq" + "u_", "sqp": "sq" + "p_",
    "atlasv1": ".atlas" + "v1.", "pul": "pu" + "l-", "age": "AGE-SEC" + "RET-KEY-1", "agepub": "ag" + "e1",
    "cio": "ci" + "o", "gocspx": "GOC" + "SPX-", "az8q": "8" + "Q~", "xkeysib": "xkey" + "sib-",
    "cfpat": "CF" + "PAT-", "figd": "fi" + "gd_", "dt0c01": "dt0" + "c01.", "ssws": "SS" + "WS ",
    "bkua": "bk" + "ua_", "rnd": "rn" + "d_", "fo1": "fo" + "1_", "sdk": "sd" + "k-", "mob": "mo" + "b-",
    "pcsk": "pc" + "sk_", "r8": "r" + "8_", "gsk": "gs" + "k_", "pplx": "pp" + "lx-", "xai": "xa" + "i-",
    "sntryu": "sntr" + "yu_", "cfv1": "v1" + ".0-", "ya29": "ya" + "29.", "rt1": "1" + "//0",
    "sklive": "sk" + "_live_", "pklive": "pk" + "_live_", "akia": "AK" + "IA", "ghs": "gh" + "s_",
    "ccipat": "CCI" + "PAT_", "shippo": "shippo" + "_live_", "dashes": "-" * 5, "rke": "rk" + "_live_",
    "dop": "do" + "p_v1_", "hvs": "hv" + "s.", "glpat": "gl" + "pat-", "xoxb": "xo" + "xb-",
}


def pem(kind: str, end: bool = False) -> str:
    return P["dashes"] + ("END " if end else "BEGIN ") + kind + P["dashes"]


def b64u(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


class Gen:
    """All random material, drawn from one random.Random(seed)."""

    def __init__(self, r: random.Random):
        self.r = r

    def s(self, alpha: str, n: int) -> str:
        return "".join(self.r.choice(alpha) for _ in range(n))

    def hex(self, n: int) -> str:
        return self.s(HEX, n)

    def an(self, n: int) -> str:
        return self.s(AN, n)

    def raw(self, n: int) -> bytes:
        return bytes(self.r.getrandbits(8) for _ in range(n))

    def b64(self, n: int) -> str:
        return base64.b64encode(self.raw(n)).decode()

    def uuid(self) -> str:
        h = self.hex(32)
        h = h[:12] + "4" + h[13:16] + self.r.choice("89ab") + h[17:]
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def digits(self, n: int) -> str:
        return self.r.choice("123456789") + self.s(DG, n - 1)

    def pw(self, n: int | None = None) -> str:
        n = n or self.r.randint(14, 22)
        while True:
            p = self.s(AN + "!#%^*-_=+.?", n)
            if any(c in DG for c in p) and any(c in UP for c in p) and any(c in "!#%^*-_=+.?" for c in p):
                return p

    def urlpw(self, n: int | None = None) -> str:
        n = n or self.r.randint(14, 22)
        return self.s(AN, n - 2) + self.r.choice("-_~") + self.s(AN, 1)

    def human_pw(self) -> str:
        w = self.r.choice(["Tiramisu", "Halcyon", "Puffin", "Marigold", "Kestrel", "Quokka", "Sapphire",
                           "Lantern", "Orchard", "Bramble", "Nimbus", "Cobalt", "Juniper", "Falcon"])
        w2 = self.r.choice(["river", "stone", "otter", "maple", "ember", "glade", "harbor", "pixel"])
        return w + self.r.choice(["", "-", "."]) + w2 + self.digits(self.r.randint(2, 4)) + self.r.choice("!#?*%")

    def user(self) -> str:
        return self.r.choice(["alice", "bkowalski", "deploy", "svc_reporting", "etl", "mchen", "ops-bot",
                              "app_rw", "jnovak", "analytics"]) + self.r.choice(["", "", str(self.r.randint(1, 9))])

    def host(self, kind: str = "db") -> str:
        return f"{kind}-{self.s(LAN, 5)}.{self.r.choice(['internal', 'prod.corp', 'eu-west-1.rds.amazonaws.com', 'svc.cluster.local'])}"

    def jwt(self, payload: dict, alg: str = "HS256") -> str:
        h = b64u(json.dumps({"alg": alg, "typ": "JWT"}, separators=(",", ":")).encode())
        p = b64u(json.dumps(payload, separators=(",", ":")).encode())
        return f"{h}.{p}.{b64u(self.raw(32 if alg == 'HS256' else 256))}"

    def ts(self) -> int:
        return self.r.randint(1_690_000_000, 1_760_000_000)

    # ---- provider formats ----
    def atlassian(self):
        return P["atl"] + self.s(US, 170) + "=" + self.s("0123456789ABCDEF", 8)

    def asana(self):
        return f"2/{self.digits(16)}/{self.digits(16)}:{self.hex(32)}"

    def notion_old(self):
        return P["notion"] + self.an(43)

    def notion_new(self):
        return P["ntn"] + self.s(DG, 11) + self.an(35)

    def airtable(self):
        return P["pat"] + self.an(14) + "." + self.hex(64)

    def cf_token(self):
        return self.s(US, 40)

    def heroku(self):
        return P["hrku"] + self.s(US, 58)

    def netlify(self):
        return P["nfp"] + self.an(36)

    def pscale(self, kind="tkn"):
        return (P["pstkn"] if kind == "tkn" else P["pspw"]) + self.s(US, 43)

    def mapbox(self, secret: bool):
        body = b64u(json.dumps({"u": self.user(), "a": self.s(LAN, 25)}, separators=(",", ":")).encode())
        return (P["mbsk"] if secret else P["mbpk"]) + body + "." + self.s(US, 22)

    def intercom(self):
        u = self.uuid().replace("-", "_")
        return base64.b64encode(f"tok:{u}:1:0".encode()).decode()

    def age_secret(self):
        return P["age"] + self.s(BECH.upper(), 58)

    def age_public(self):
        return P["agepub"] + self.s(BECH, 58)

    def wg(self):
        return base64.b64encode(self.raw(32)).decode()

    def bws(self):
        return f"0.{self.uuid()}.{self.an(30)}:{base64.b64encode(self.raw(16)).decode()}"

    def ssh_pub(self, kind="ed25519"):
        def sstr(b: bytes) -> bytes:
            return struct.pack(">I", len(b)) + b
        if kind == "ed25519":
            blob = sstr(b"ssh-ed25519") + sstr(self.raw(32))
            return "ssh-ed25519 " + base64.b64encode(blob).decode()
        blob = sstr(b"ssh-rsa") + sstr(b"\x01\x00\x01") + sstr(b"\x00" + self.raw(256))
        return "ssh-rsa " + base64.b64encode(blob).decode()

    def az_secret(self):
        return self.s(AN, 3) + P["az8q"] + self.s(AN + "_~.-", 34)

    def aws_pair(self):
        return P["akia"] + self.s(UP + "234567", 16), self.s(AN + "+/", 40)


class F:
    def __init__(self, path: str):
        self.path, self.lines, self.labs = path, [], []

    def t(self, *texts: str) -> "F":
        for text in texts:
            self.lines.extend(text.split("\n"))
        return self

    def _lab(self, text: str, lab: str, kind: str) -> "F":
        assert "\n" not in text, text
        self.lines.append(text)
        self.labs.append((len(self.lines), lab, kind))
        return self

    def s(self, text: str, kind: str) -> "F":
        return self._lab(text, "secret", kind)

    def n(self, text: str, kind: str) -> "F":
        return self._lab(text, "not_secret", kind)


class Repo:
    def __init__(self, out: Path):
        self.out, self.files = out, []

    def f(self, path: str) -> F:
        fl = F(path)
        self.files.append(fl)
        return fl

    def write(self) -> list[dict]:
        labels, seen = [], set()
        for fl in self.files:
            assert fl.path not in seen, fl.path
            seen.add(fl.path)
            p = self.out / fl.path
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text("\n".join(fl.lines) + "\n", encoding="utf-8")
            for ln, lab, kind in fl.labs:
                assert fl.lines[ln - 1].strip(), (fl.path, ln)
                labels.append({"file": fl.path, "line": ln, "label": lab, "kind": kind})
        (self.out / "labels.json").write_text(json.dumps(labels, indent=1) + "\n", encoding="utf-8")
        return labels


def placeholder(r: random.Random) -> str:
    return r.choice(["<your-api-key>", "YOUR_API_KEY_HERE", "xxxxxxxxxxxxxxxxxxxx", "changeme", "CHANGE_ME",
                     "replace-me", "TODO", "<REPLACE>", "insert-token-here", "your_token_goes_here", "...",
                     "<token>", "REPLACE_WITH_REAL_VALUE", "XXXX-XXXX-XXXX", "<<secret>>", "TBD", "put-key-here"])


BUILDERS = []


def builder(fn):
    BUILDERS.append(fn)
    return fn


# --------------------------------------------------------------------------- web frameworks
@builder
def laravel_env(repo: Repo, g: Gen):
    r = g.r
    f = repo.f("shop/.env")
    f.t("APP_NAME=\"Corner Shop\"", "APP_ENV=production")
    f.s("APP_KEY=base64:" + g.b64(32), "laravel_app_key")
    f.t("APP_DEBUG=false", "APP_URL=https://shop.example.org", "", "LOG_CHANNEL=stack", "",
        "DB_CONNECTION=mysql", f"DB_HOST={g.host()}", "DB_PORT=3306", "DB_DATABASE=shop")
    f.t(f"DB_USERNAME={g.user()}")
    f.s(f"DB_PASSWORD={g.pw()}", "generic_password")
    f.t("", "BROADCAST_DRIVER=pusher", "CACHE_DRIVER=redis", "QUEUE_CONNECTION=redis", "")
    f.n("REDIS_PASSWORD=null", "null_value")
    f.t("REDIS_PORT=6379", "", "MAIL_MAILER=smtp", "MAIL_HOST=smtp.mailgun.org", "MAIL_PORT=587")
    f.t(f"MAIL_USERNAME=postmaster@mg.shop.example.org")
    f.s(f"MAIL_PASSWORD={g.hex(32)}-{g.hex(8)}-{g.hex(8)}", "smtp_password")
    f.t("MAIL_ENCRYPTION=tls", "")
    f.n("AWS_ACCESS_KEY_ID=", "empty_value")
    f.n("AWS_SECRET_ACCESS_KEY=", "empty_value")
    f.t("AWS_DEFAULT_REGION=us-east-1", "")
    f.n(f"PUSHER_APP_ID={g.digits(7)}", "numeric_id")
    f.n(f"PUSHER_APP_KEY={g.s(HEX, 20)}", "public_client_key")
    f.s(f"PUSHER_APP_SECRET={g.s(HEX, 20)}", "pusher_secret")
    f.t("PUSHER_APP_CLUSTER=eu", "")
    f.n('VITE_PUSHER_APP_KEY="${PUSHER_APP_KEY}"', "env_reference")
    f.s(f"STRIPE_SECRET={P['rke']}{g.an(99)}", "stripe_restricted")
    f.s(f"SQUARE_ACCESS_TOKEN={P['sqat']}{g.s(US, 60)}", "square_access_token")
    f.n(f"SQUARE_APPLICATION_ID={P['sqidp']}{g.s(US, 22)}", "square_app_id")
    f.s(f"ALGOLIA_SECRET={g.hex(32)}", "algolia_admin_key")
    f.n(f"ALGOLIA_APP_ID={g.s(UAN, 10)}", "algolia_app_id")
    f.s(f"SCOUT_DRIVER_MEILI_KEY='{g.s(US, 43)}'", "generic_api_key")
    f.s(f"MAPBOX_SECRET_TOKEN=\"{g.mapbox(True)}\"", "mapbox_secret")


@builder
def rails(repo: Repo, g: Gen):
    r = g.r
    f = repo.f("blog/config/master.key")
    f.s(g.hex(32), "rails_master_key")

    f = repo.f("blog/config/database.yml")
    f.t("default: &default", "  adapter: postgresql", "  encoding: unicode",
        '  pool: <%= ENV.fetch("RAILS_MAX_THREADS") { 5 } %>', "", "development:", "  <<: *default",
        "  database: blog_development", "  username: blog")
    f.n('  password: <%= ENV["BLOG_DATABASE_PASSWORD"] %>', "template_ref")
    f.t("", "test:", "  <<: *default", "  database: blog_test", "", "staging:", "  <<: *default",
        f"  host: {g.host()}", "  database: blog_staging", f"  username: {g.user()}")
    f.s(f"  password: {g.human_pw()}", "human_password")
    f.t("", "production:", "  <<: *default")
    f.s(f"  url: postgres://blog:{g.urlpw()}@{g.host()}:5432/blog_production", "db_url")
    f.n("  password: <%= Rails.application.credentials.dig(:database, :password) %>", "rails_credentials_ref")

    f = repo.f("blog/docs/credentials.md")
    f.t("# Rails credentials", "", "Edit with `EDITOR=vim bin/rails credentials:edit --environment production`.",
        "The key lives in 1Password (item \"blog master key\"), never in git.", "")
    f.n("Reference: `op://Engineering/blog master key/credential`", "onepassword_ref")
    f.t("", "Decrypted layout (values below are from the staging env, pasted by mistake in PR 482):", "",
        "```yaml")
    f.s(f"secret_key_base: {g.hex(128)}", "rails_secret_key_base")
    f.t("aws:")
    f.s(f"  access_key_id: {g.aws_pair()[0]}", "aws_key_id")
    f.s(f"  secret_access_key: {g.aws_pair()[1]}", "aws_secret")
    f.t("database:")
    f.n("  password: # set me", "empty_value")
    f.t("```", "", "Production layout (placeholders):", "", "```yaml")
    f.n("secret_key_base: <generate with bin/rails secret>", "placeholder")
    f.n("aws: {access_key_id: " + P["akia"] + "X" * 16 + ", secret_access_key: xxxxxxxx}", "placeholder")
    f.t("```")


@builder
def elixir(repo: Repo, g: Gen):
    r = g.r
    f = repo.f("chat/config/runtime.exs")
    f.t("import Config", "", "if config_env() == :prod do", "  database_url =")
    f.n('    System.get_env("DATABASE_URL") ||', "env_reference")
    f.t('      raise """', "      environment variable DATABASE_URL is missing.", '      """', "",
        "  config :chat, Chat.Repo,", "    url: database_url,", '    pool_size: String.to_integer(System.get_env("POOL_SIZE") || "10")', "")
    f.n('  secret_key_base = System.fetch_env!("SECRET_KEY_BASE")', "env_reference")
    f.t("", "  config :chat, ChatWeb.Endpoint,", "    secret_key_base: secret_key_base", "end", "",
        "config :chat, Chat.Guardian,", '  issuer: "chat",')
    f.s(f'  secret_key: "{g.s(US, 64)}"', "guardian_secret")
    f.t("", "config :chat, Chat.Mailer,", "  adapter: Swoosh.Adapters.Postmark,")
    f.s(f'  api_key: "{g.uuid()}"', "postmark_token")
    f.t("", "config :chat, Chat.Billing,")
    f.s(f'  braintree_private_key: "{g.hex(32)}",', "braintree_private_key")
    f.n('  braintree_public_key: System.get_env("BRAINTREE_PUBLIC_KEY")', "env_reference")
    f.t("", "config :chat, :notion,")
    f.s(f'  token: "{g.notion_new()}",', "notion")
    f.n(f'  database_id: "{g.hex(32)}"', "resource_id")

    f = repo.f("chat/config/dev.exs")
    f.t("import Config", "", "config :chat, Chat.Repo,", '  username: "postgres",')
    f.n('  password: "postgres",', "well_known_default")
    f.t('  hostname: "localhost",', '  database: "chat_dev",', "  show_sensitive_data_on_connection_error: true", "",
        "config :chat, ChatWeb.Endpoint,", '  http: [ip: {127, 0, 0, 1}, port: 4000],', "  check_origin: false,")
    f.s(f'  secret_key_base: "{g.s(AN + "+/", 64)}",', "phoenix_secret_key_base")
    f.t("  watchers: []", "", "config :chat, :asana,")
    f.s(f'  personal_access_token: "{g.asana()}"', "asana")
    f.n('  workspace_gid: "' + g.digits(16) + '"', "numeric_id")


@builder
def cargo(repo: Repo, g: Gen):
    f = repo.f("tools/cargo-home/credentials.toml")
    f.t("[registry]")
    f.s(f'token = "{P["cio"]}{g.an(32)}"', "crates_io")
    f.t("", "[registries.internal]")
    f.s(f'token = "Bearer {g.s(US, 48)}"', "generic_api_key")

    f = repo.f("service/config/default.toml")
    f.t("[server]", 'bind = "0.0.0.0:8080"', "workers = 4", "", "[database]")
    f.s(f'url = "postgresql://svc:{g.urlpw()}@{g.host()}:5432/orders"', "db_url")
    f.t("max_connections = 20", "", "[cache]")
    f.n('url = "redis://127.0.0.1:6379/0"', "url_no_cred")
    f.t("", "[sonar]")
    f.s(f'token = "{P["squ"]}{g.hex(40)}"', "sonarqube")
    f.t("", "[auth]")
    f.n('jwt_secret = "${JWT_SECRET}"', "env_reference")
    f.n(f'jwks_url = "https://auth.example.net/.well-known/jwks.json"', "url_no_cred")
    f.n(f'audience = "{g.uuid()}"', "uuid")



@builder
def flutter(repo: Repo, g: Gen):
    r = g.r
    f = repo.f("mobile/lib/env.dart")
    f.t("// Build-time configuration. Keys for server-only APIs must NOT live here.", "class Env {")
    f.n("  static const apiBase = String.fromEnvironment('API_BASE', defaultValue: 'https://api.example.app');", "env_reference")
    f.n(f"  static const stripePublishableKey = '{P['pklive']}{g.an(99)}';", "stripe_publishable")
    f.n(f"  static const mapboxPublicToken = '{g.mapbox(False)}';", "mapbox_public")
    f.s(f"  static const mapboxDownloadsToken = '{g.mapbox(True)}';", "mapbox_secret")
    f.s(f"  static const openWeatherKey = '{g.hex(32)}';", "generic_api_key")
    f.n("  static const sentryDsn = String.fromEnvironment('SENTRY_DSN');", "env_reference")
    f.n(f"  static const algoliaAppId = '{g.s(UAN, 10)}';", "algolia_app_id")
    f.n(f"  static const algoliaSearchKey = '{g.hex(32)}'; // search-only key, safe for clients", "algolia_search_key")
    f.t("}")

    f = repo.f("mobile/android/gradle.properties")
    f.t("org.gradle.jvmargs=-Xmx4G -Dfile.encoding=UTF-8", "android.useAndroidX=true", "android.enableJetifier=true", "",
        "# release signing (CI overrides these from the keystore secret)", "RELEASE_STORE_FILE=../keystores/upload.jks")
    f.s(f"RELEASE_STORE_PASSWORD={g.pw()}", "keystore_password")
    f.t("RELEASE_KEY_ALIAS=upload")
    f.s(f"RELEASE_KEY_PASSWORD={g.human_pw()}", "keystore_password")
    f.n("systemProp.org.gradle.internal.publish.checksums.insecure=true", "plain_config")
    f.s(f"sonatypePassword={g.pw()}", "generic_password")
    f.n("signing.keyId=" + g.s("0123456789ABCDEF", 8), "gpg_key_id")
    f.n("signing.secretKeyRingFile=/home/ci/.gnupg/secring.gpg", "file_path")
    f.s(f"signing.password={g.urlpw()}", "generic_password")

    f = repo.f("mobile/ios/Config/Release.xcconfig")
    f.t("// Release.xcconfig", '#include "Shared.xcconfig"', "")
    f.n("DEVELOPMENT_TEAM = " + g.s(UAN, 10), "team_id")
    f.n("API_BASE_URL = https:/$()/api.example.app", "url_no_cred")
    f.s(f"ZENDESK_API_TOKEN = {g.an(40)}", "zendesk")
    f.s(f"SENTRY_AUTH_TOKEN = {P['sntryu']}{g.hex(64)}", "sentry_user_token")
    f.n("INTERCOM_API_KEY = $(INTERCOM_API_KEY_FROM_CI)", "var_reference")
    f.s(f"INTERCOM_ACCESS_TOKEN = {g.intercom()}", "intercom")
    f.s(f"REVENUECAT_SECRET_KEY = sk_{g.an(32)}", "revenuecat_secret")
    f.n(f"INTERCOM_APP_ID = {g.s(LAN, 8)}", "resource_id")
    f.t("CODE_SIGN_IDENTITY = Apple Distribution")
    f.n(f"PROVISIONING_PROFILE_SPECIFIER = {g.uuid()}", "uuid")



# --------------------------------------------------------------------------- deploy / infra
@builder
def helmfile(repo: Repo, g: Gen):
    f = repo.f("deploy/helmfile.yaml")
    f.t("repositories:", "  - name: bitnami", "    url: https://charts.bitnami.com/bitnami", "",
        "releases:", "  - name: api", "    namespace: prod", "    chart: ./charts/api", "    set:",
        "      - name: db.password")
    f.n('        value: {{ requiredEnv "API_DB_PASSWORD" }}', "env_reference")
    f.t("      - name: notion.token")
    f.n("        value: ref+vault://secret/data/api/notion#/token", "vault_reference")
    f.t("      - name: airtable.token")
    f.s(f"        value: {g.airtable()}", "airtable")
    f.t("  - name: cache", "    namespace: prod", "    chart: bitnami/redis", "    version: 19.5.2", "    set:",
        "      - name: auth.password")
    f.s(f"        value: {g.pw()}", "generic_password")
    f.t("      - name: atlassian.token")
    f.s(f"        value: \"{g.atlassian()}\"", "atlassian")
    f.t("      - name: image.digest")
    f.n(f"        value: sha256:{g.hex(64)}", "image_digest")

    f = repo.f("infra/Pulumi.prod.yaml")
    f.n(f"encryptionsalt: v1:{g.b64(8)}:v1:{g.b64(12)}:{g.b64(16)}", "encrypted_blob")
    f.t("config:", "  aws:region: eu-central-1", "  api:dbUser: api")
    f.t("  api:dbPassword:")
    f.n(f"    secure: v1:{g.b64(12)}:{g.b64(40)}", "encrypted_blob")
    f.t("  api:cloudflareToken:")
    f.n(f"    secure: v1:{g.b64(12)}:{g.b64(56)}", "encrypted_blob")
    f.s(f"  api:fastlyApiToken: {g.s(US, 32)}", "fastly")
    f.s(f"  api:herokuApiKey: {g.heroku()}", "heroku")
    f.n(f"  api:fastlyServiceId: {g.an(22)}", "resource_id")
    f.n(f"  api:cloudflareZoneId: {g.hex(32)}", "resource_id")



@builder
def serverless(repo: Repo, g: Gen):
    f = repo.f("functions/serverless.yml")
    f.t("service: webhooks", "frameworkVersion: '3'", "provider:", "  name: aws", "  runtime: nodejs20.x",
        "  stage: ${opt:stage, 'dev'}", "  environment:")
    f.n("    STRIPE_SECRET: ${ssm:/webhooks/${sls:stage}/stripe-secret}", "secret_ref")
    f.n("    NOTION_TOKEN: ${env:NOTION_TOKEN}", "env_reference")
    f.s(f"    SLACK_SIGNING_SECRET: {g.hex(32)}", "slack_signing_secret")
    f.s(f"    AIRTABLE_PAT: \"{g.airtable()}\"", "airtable")
    f.s(f"    TWITCH_EVENTSUB_SECRET: '{g.s(AN, 32)}'", "generic_secret")
    f.t("    TABLE_NAME: ${self:service}-${sls:stage}-events")
    f.n("    KMS_KEY_ARN: arn:aws:kms:eu-west-1:" + g.digits(12) + ":key/" + g.uuid(), "kms_reference")
    f.t("functions:", "  ingest:", "    handler: src/ingest.handler", "    events:",
        "      - httpApi: 'POST /hooks/{provider}'")

    f = repo.f("sam/template.yaml")
    f.t("AWSTemplateFormatVersion: '2010-09-09'", "Transform: AWS::Serverless-2016-10-31", "Parameters:",
        "  DbPassword:", "    Type: String", "    NoEcho: true")
    f.n("    Default: '{{resolve:secretsmanager:prod/reports/db:SecretString:password}}'", "secret_ref")
    f.t("Resources:", "  ReportsDb:", "    Type: AWS::RDS::DBInstance", "    Properties:", "      Engine: postgres",
        "      MasterUsername: reports")
    f.s(f"      MasterUserPassword: '{g.pw()}'", "generic_password")
    f.t("  ReportFn:", "    Type: AWS::Serverless::Function", "    Properties:", "      Handler: app.handler",
        "      Runtime: python3.12", "      Environment:", "        Variables:")
    f.n("          DB_PASSWORD: !Ref DbPassword", "config_reference")
    f.s(f"          SQUARE_ACCESS_TOKEN: {P['sqat']}{g.s(US, 60)}", "square_access_token")
    f.s(f"          NEW_RELIC_LICENSE_KEY: {g.hex(36)}{P['nral']}", "newrelic_license")
    f.n(f"          NEW_RELIC_ACCOUNT_ID: '{g.digits(7)}'", "numeric_id")
    f.t("          NEW_RELIC_LAMBDA_HANDLER: app.handler")
    f.t("      CodeUri:", "        Bucket: acme-sam-artifacts")
    f.n(f"        Key: reports/{g.hex(32)}", "checksum")


@builder
def nomad_consul(repo: Repo, g: Gen):
    f = repo.f("nomad/billing.nomad.hcl")
    f.t('job "billing" {', '  datacenters = ["dc1"]', '  group "api" {', '    task "server" {',
        '      driver = "docker"', "      config {")
    f.n(f'        image = "registry.internal/billing@sha256:{g.hex(64)}"', "image_digest")
    f.t("      }", '      vault {', '        policies = ["billing-read"]', "      }", "      env {",
        '        PORT = "8080"')
    f.s(f'        CF_API_TOKEN = "{g.cf_token()}"', "cloudflare_token")
    f.s(f'        BRAINTREE_PRIVATE_KEY = "{g.hex(32)}"', "braintree_private_key")
    f.n(f'        BRAINTREE_MERCHANT_ID = "{g.s(LAN, 16)}"', "resource_id")
    f.s(f'        PAYPAL_ACCESS_TOKEN = "{P["ppat"]}{g.s(LAN, 16)}${g.hex(32)}"', "braintree_access_token")
    f.t("      }", "      template {", "        data = <<EOH")
    f.n('{{ with secret "kv/data/billing" }}SQUARE_TOKEN={{ .Data.data.square_token }}{{ end }}', "template_ref")
    f.t("EOH", '        destination = "secrets/app.env"', "        env = true", "      }", "    }", "  }", "}")

    f = repo.f("consul/server.hcl")
    f.t('datacenter = "dc1"', 'data_dir = "/opt/consul"')
    f.n(f'node_id = "{g.uuid()}"', "uuid")
    f.s(f'encrypt = "{g.b64(32)}"', "consul_gossip_key")
    f.t("acl {", "  enabled = true", '  default_policy = "deny"', "  tokens {")
    f.s(f'    initial_management = "{g.uuid()}"', "consul_acl_token")
    f.n('    agent = "{{ env \\"CONSUL_AGENT_TOKEN\\" }}"', "env_reference")
    f.s(f'    replication = "{g.uuid()}"', "consul_acl_token")
    f.t("  }", "}", "tls {", "  defaults {")
    f.n('    key_file = "/etc/consul.d/tls/server-key.pem"', "file_path")
    f.t("  }", "}")


@builder
def ci(repo: Repo, g: Gen):
    r = g.r
    f = repo.f(".github/workflows/release.yml")
    f.t("name: release", "on:", "  push:", "    tags: ['v*']", "env:")
    f.n("  NETLIFY_AUTH_TOKEN: ${{ secrets.NETLIFY_AUTH_TOKEN }}", "ci_secret_ref")
    f.n(f"  NETLIFY_SITE_ID: {g.uuid()}", "uuid")
    f.s(f"  PULUMI_ACCESS_TOKEN: {P['pul']}{g.hex(40)}", "pulumi")
    f.n("  SNYK_ORG: " + g.uuid(), "uuid")
    f.s(f"  TF_API_TOKEN: {g.an(14)}{P['atlasv1']}{g.an(67)}", "terraform_cloud")
    f.t("jobs:", "  build:", "    runs-on: ubuntu-latest", "    steps:")
    f.n(f"      - uses: actions/checkout@{g.hex(40)} # v4.1.7", "git_sha")
    f.n(f"      - uses: pulumi/actions@{g.hex(40)}", "git_sha")
    f.t("      - name: scan", "        env:")
    f.s(f"          SNYK_TOKEN: {g.uuid()}", "snyk")
    f.t("        run: npx snyk test", "      - name: deploy", "        env:")
    f.s(f"          VERCEL_TOKEN: {g.an(24)}", "vercel")
    f.n(f"          VERCEL_PROJECT_ID: prj_{g.an(28)}", "resource_id")
    f.n(f"          VERCEL_ORG_ID: team_{g.an(24)}", "resource_id")
    f.t("        run: npx vercel deploy --prod --token=$VERCEL_TOKEN")

    f = repo.f(".circleci/config.yml")
    f.t("version: 2.1", "jobs:", "  test:", "    docker:")
    f.n(f"      - image: cimg/python:3.12@sha256:{g.hex(64)}", "image_digest")
    f.t("        auth:", "          username: acmebuild")
    f.n("          password: $DOCKERHUB_PASSWORD", "env_reference")
    f.t("      - image: cimg/postgres:16.2", "        environment:", "          POSTGRES_USER: circle")
    f.n("          POSTGRES_PASSWORD: circle_test_only", "test_fixture")
    f.t("    environment:")
    f.s(f"      HEROKU_API_KEY: {g.heroku()}", "heroku")
    f.s(f"      NETLIFY_AUTH_TOKEN: {g.netlify()}", "netlify")
    f.s(f"      CIRCLE_TOKEN: {P['ccipat']}{g.an(22)}_{g.hex(40)}", "circleci")
    f.t("    steps:", "      - checkout", "      - run: pytest -q")

    f = repo.f("Jenkinsfile")
    f.t("pipeline {", "  agent any", "  environment {")
    f.n("    SONAR_TOKEN = credentials('sonarqube-token')", "secret_ref")
    f.s(f"    NEW_RELIC_API_KEY = '{P['nrak']}{g.s(UAN, 27)}'", "newrelic_user_key")
    f.s(f"    NR_INSERT_KEY = \"{P['nrii']}{g.s(US, 32)}\"", "newrelic_insert_key")
    f.t("  }", "  stages {", "    stage('Deploy') {", "      steps {")
    f.n("        withCredentials([string(credentialsId: 'cf-api-token', variable: 'CF_TOKEN')]) {", "secret_ref")
    f.t('          sh \'curl -s -H "Authorization: Bearer $CF_TOKEN" https://api.cloudflare.com/client/v4/user/tokens/verify\'',
        "        }")
    f.s(f"        sh 'docker login -u acmebuild -p {g.pw().replace(chr(39), '')} registry.acme.example'", "cli_password")
    f.s(f"        sh 'curl -s -X POST -H \"Fastly-Key: {g.s(US, 32)}\" https://api.fastly.com/service/{g.an(22)}/purge_all'", "fastly")
    f.t("      }", "    }", "  }", "}")

    f = repo.f("bitbucket-pipelines.yml")
    f.t("image: atlassian/default-image:4", "pipelines:", "  branches:", "    main:", "      - step:",
        "          name: Deploy", "          script:", "            - pipe: atlassian/aws-s3-deploy:1.6.0",
        "              variables:")
    f.n("                AWS_ACCESS_KEY_ID: $AWS_ACCESS_KEY_ID", "env_reference")
    f.n("                AWS_SECRET_ACCESS_KEY: $AWS_SECRET_ACCESS_KEY", "env_reference")
    f.t("                S3_BUCKET: acme-static")
    f.t("            - npm run reindex")
    f.s(f"            # ALGOLIA_ADMIN_KEY={g.hex(32)} (temporary, moved to repo variables)", "algolia_admin_key")
    f.t("            - pipe: atlassian/jira-create-issue:0.4.0", "              variables:",
        "                JIRA_USER: release-bot@acme.example")
    f.s(f"                JIRA_API_TOKEN: {g.atlassian()}", "atlassian")
    f.n(f"                JIRA_CLOUD_ID: {g.uuid()}", "uuid")
    f.t("            - pipe: sonarsource/sonarcloud-scan:2.0.0", "              variables:")
    f.s(f"                SONAR_TOKEN: {P['sqp']}{g.hex(40)}", "sonarqube")


@builder
def terraform_bits(repo: Repo, g: Gen):
    f = repo.f("terraform/home/.terraformrc")
    f.t('credentials "app.terraform.io" {')
    f.s(f'  token = "{g.an(14)}{P["atlasv1"]}{g.an(67)}"', "terraform_cloud")  # br:allow
    f.t("}", "", 'credentials "tfe.internal.example" {')
    f.n('  token = "REPLACE_ME.atlasv1.REPLACE_ME"', "placeholder")
    f.t("}", 'plugin_cache_dir = "$HOME/.terraform.d/plugin-cache"')

    f = repo.f("terraform/cloudflare.auto.tfvars")
    f.s(f'cloudflare_api_token = "{g.cf_token()}"', "cloudflare_token")
    f.n(f'cloudflare_account_id = "{g.hex(32)}"', "resource_id")
    f.n(f'cloudflare_zone_id    = "{g.hex(32)}"', "resource_id")
    f.s(f'cloudflare_api_key    = "{g.hex(37)}"  # legacy global key, rotate!', "cloudflare_global_key")
    f.n('cloudflare_email      = "infra@acme.example"', "email")
    f.s(f'origin_ca_key         = "{P["cfv1"]}{g.hex(24)}-{g.hex(146)}"', "cloudflare_origin_ca")
    f.n('tunnel_secret         = ""', "empty_value")


@builder
def hosting_envs(repo: Repo, g: Gen):
    r = g.r
    ref = g.s(LO, 20)
    f = repo.f("web/.env.local")
    f.t("# Supabase (copied from project settings -> API)")
    f.n(f"NEXT_PUBLIC_SUPABASE_URL=https://{ref}.supabase.co", "url_no_cred")
    anon = g.jwt({"iss": "supabase", "ref": ref, "role": "anon", "iat": 1700000000, "exp": 2015000000})
    f.n(f"NEXT_PUBLIC_SUPABASE_ANON_KEY={anon}", "supabase_anon_key")
    svc = g.jwt({"iss": "supabase", "ref": ref, "role": "service_role", "iat": 1700000000, "exp": 2015000000})
    f.s(f"SUPABASE_SERVICE_ROLE_KEY={svc}", "supabase_service_role")
    f.s(f"SUPABASE_ACCESS_TOKEN=sbp_{g.hex(40)}", "supabase_management")
    f.s(f"SUPABASE_JWT_SECRET={g.s(AN + '+/', 64)}", "jwt_secret")
    f.n(f"NEXT_PUBLIC_SUPABASE_PUBLISHABLE_KEY={P['sbpub']}{g.s(US, 31)}", "supabase_publishable")
    f.s(f"SUPABASE_SECRET_KEY={P['sbsec']}{g.s(US, 31)}", "supabase_secret")
    f.s(f"DATABASE_URL=postgresql://postgres.{ref}:{g.urlpw()}@aws-0-eu-central-1.pooler.supabase.com:6543/postgres", "db_url")
    f.t("", "# Vercel / Netlify")
    f.n("VERCEL_URL=", "empty_value")
    f.s(f"NETLIFY_AUTH_TOKEN={g.netlify()}", "netlify")
    f.n(f"NEXT_PUBLIC_MAPBOX_TOKEN={g.mapbox(False)}", "mapbox_public")

    f = repo.f("deploy/netlify.toml")
    f.t("[build]", '  command = "npm run build"', '  publish = "dist"', "", "[build.environment]",
        '  NODE_VERSION = "20"')
    f.n('  ALGOLIA_ADMIN_KEY = "@algolia_admin_key"', "secret_ref")
    f.s(f'  FIGMA_TOKEN = "{P["figd"]}{g.s(US, 40)}"', "figma")
    f.t("", "[[headers]]", '  for = "/*"', "  [headers.values]")
    f.n(f"    Content-Security-Policy = \"script-src 'self' 'sha256-{g.b64(32)}'\"", "csp_hash")

    f = repo.f("deploy/vercel.json")
    f.t("{", '  "version": 2,', '  "env": {')
    f.n('    "SUPABASE_SERVICE_ROLE_KEY": "@supabase-service-role",', "secret_ref")
    f.n(f'    "NEXT_PUBLIC_ALGOLIA_APP_ID": "{g.s(UAN, 10)}",', "algolia_app_id")
    f.s(f'    "ALGOLIA_ADMIN_API_KEY": "{g.hex(32)}",', "algolia_admin_key")
    f.n(f'    "NEXT_PUBLIC_ALGOLIA_SEARCH_ONLY_KEY": "{g.hex(32)}"', "algolia_search_key")
    f.t("  },", '  "crons": [{ "path": "/api/reindex", "schedule": "0 3 * * *" }]', "}")


# --------------------------------------------------------------------------- developer tool exports
@builder
def har(repo: Repo, g: Gen):
    jwt = g.jwt({"sub": g.uuid(), "org": "acme", "scope": "admin", "iat": g.ts(), "exp": g.ts() + 3600}, "RS256")
    f = repo.f("debug/checkout-session.har")
    f.t("{", '  "log": {', '    "version": "1.2",', '    "creator": {"name": "Firefox", "version": "128.0"},',
        '    "entries": [', "      {", f'        "startedDateTime": "2026-11-{g.r.randint(10, 28)}T10:14:03.112Z",',
        '        "request": {', '          "method": "POST",')
    key = g.an(32)
    f.s(f'          "url": "https://api.partner.example/v2/orders?api_key={key}&locale=en",', "url_api_key")
    f.t('          "headers": [')
    f.s(f'            {{"name": "Authorization", "value": "Bearer {jwt}"}},', "jwt_bearer")
    f.s(f'            {{"name": "Cookie", "value": "_ga=GA1.1.{g.digits(9)}.{g.digits(10)}; session={g.s(US, 43)}"}},', "session_cookie")
    f.n(f'            {{"name": "X-Request-Id", "value": "{g.uuid()}"}},', "uuid")
    f.n(f'            {{"name": "If-None-Match", "value": "W/\\"{g.hex(40)}\\""}},', "etag")
    f.n(f'            {{"name": "traceparent", "value": "00-{g.hex(32)}-{g.hex(16)}-01"}}', "trace_id")
    f.t("          ],", '          "queryString": [')
    f.s(f'            {{"name": "api_key", "value": "{key}"}}', "url_api_key")
    f.t("          ],", '          "postData": {', '            "mimeType": "application/x-www-form-urlencoded",')
    f.s(f'            "text": "username=jdoe&password={g.urlpw()}&remember=1"', "form_password")
    f.t("          }", "        },", '        "response": {', '          "status": 200,', '          "headers": [')
    f.s(f'            {{"name": "Set-Cookie", "value": "sid={g.s(US, 48)}; Path=/; HttpOnly; Secure"}},', "session_cookie")
    f.n(f'            {{"name": "ETag", "value": "\\"{g.hex(32)}\\""}},', "etag")
    f.n(f'            {{"name": "x-amz-cf-id", "value": "{g.s(US, 54)}=="}}', "request_id")
    f.t("          ],", '          "content": {', '            "mimeType": "image/png",')
    f.t(f'            "size": {g.r.randint(2000, 9000)},')
    f.n(f'            "text": "{base64.b64encode(bytes.fromhex("89504e470d0a1a0a0000000d49484452") + g.raw(60)).decode()}",', "base64_image")
    f.t('            "encoding": "base64"', "          }", "        },", '        "timings": {"wait": 41, "receive": 3}',
        "      },", "      {", '        "request": {"method": "POST", "url": "https://auth.partner.example/oauth/token", "headers": []},',
        '        "response": {', '          "status": 200,', '          "content": {', '            "mimeType": "application/json",')
    f.s(f'            "text": "{{\\"access_token\\":\\"{g.s(US, 64)}\\",\\"token_type\\":\\"bearer\\",\\"expires_in\\":3600}}"', "oauth_access_token")
    f.t("          }", "        }", "      }", "    ]", "  }", "}")


@builder
def postman(repo: Repo, g: Gen):
    f = repo.f("postman/Partner API.postman_collection.json")
    f.t("{", '  "info": {')
    f.n(f'    "_postman_id": "{g.uuid()}",', "uuid")
    f.t('    "name": "Partner API",', '    "schema": "https://schema.getpostman.com/json/collection/v2.1.0/collection.json"',
        "  },", '  "auth": {', '    "type": "bearer",', '    "bearer": [')
    f.n('      {"key": "token", "value": "{{accessToken}}", "type": "string"}', "template_ref")
    f.t("    ]", "  },", '  "item": [', "    {", '      "name": "List Asana tasks",', '      "request": {',
        '        "method": "GET",', '        "header": [')
    f.s(f'          {{"key": "Authorization", "value": "Bearer {g.asana()}"}}', "asana")
    f.t("        ],", '        "url": "https://app.asana.com/api/1.0/tasks?project=' + g.digits(16) + '"', "      }",
        "    },", "    {", '      "name": "Create Zendesk ticket",', '      "request": {', '        "method": "POST",',
        '        "auth": {', '          "type": "basic",', '          "basic": [')
    f.s(f'            {{"key": "password", "value": "{g.an(40)}", "type": "string"}},', "zendesk")
    f.t('            {"key": "username", "value": "support@acme.example/token", "type": "string"}', "          ]",
        "        },", '        "url": "https://acme.zendesk.com/api/v2/tickets.json"', "      }", "    },", "    {",
        '      "name": "Query Airtable",', '      "request": {', '        "method": "GET",', '        "header": [')
    f.n('          {"key": "Authorization", "value": "Bearer {{airtable_pat}}"}', "template_ref")
    f.t("        ],")
    f.n(f'        "url": "https://api.airtable.com/v0/app{g.an(14)}/tbl{g.an(14)}?view=viw{g.an(14)}"', "resource_id")
    f.t("      }", "    }", "  ],", '  "event": [', "    {", '      "listen": "prerequest",', '      "script": {',
        '        "exec": [')
    f.n("          \"pm.request.headers.add({key: 'X-Signature', value: CryptoJS.HmacSHA256(pm.request.body.raw, pm.environment.get('hmac_key')).toString()});\"", "config_reference")
    f.t("        ]", "      }", "    }", "  ]", "}")

    f = repo.f("postman/staging.postman_environment.json")
    f.t("{")
    f.n(f'  "id": "{g.uuid()}",', "uuid")
    f.t('  "name": "staging",', '  "values": [')
    f.n('    {"key": "baseUrl", "value": "https://staging-api.acme.example", "type": "default", "enabled": true},', "url_no_cred")
    f.s(f'    {{"key": "accessToken", "value": "{g.jwt({"sub": g.user(), "iat": g.ts()})}", "type": "secret", "enabled": true}},', "jwt")  # br:allow
    f.s(f'    {{"key": "airtable_pat", "value": "{g.airtable()}", "type": "secret", "enabled": true}},', "airtable")
    f.n('    {"key": "hmac_key", "value": "", "type": "secret", "enabled": true},', "empty_value")
    f.s(f'    {{"key": "client_secret", "value": "{g.az_secret()}", "type": "secret", "enabled": true}},', "azure_client_secret")
    f.n(f'    {{"key": "client_id", "value": "{g.uuid()}", "type": "default", "enabled": true}},', "uuid")
    f.n(f'    {{"key": "tenant_id", "value": "{g.uuid()}", "type": "default", "enabled": true}}', "uuid")
    f.t("  ],", '  "_postman_variable_scope": "environment",', '  "_postman_exported_using": "Postman/11.2.0"', "}")


@builder
def insomnia(repo: Repo, g: Gen):
    f = repo.f("insomnia/workspace-export.json")
    f.t("{", '  "_type": "export",', '  "__export_format": 4,', '  "__export_source": "insomnia.desktop.app:v9.3.2",',
        '  "resources": [', "    {")
    f.n(f'      "_id": "req_{g.hex(32)}",', "resource_id")
    f.n(f'      "parentId": "wrk_{g.hex(32)}",', "resource_id")
    f.t('      "_type": "request",', '      "name": "Notion search",', '      "method": "POST",',
        '      "url": "https://api.notion.com/v1/search",', '      "authentication": {', '        "type": "bearer",')
    f.s(f'        "token": "{g.notion_old()}"', "notion")
    f.t("      },", '      "headers": [{"name": "Notion-Version", "value": "2022-06-28"}]', "    },", "    {",
        f'      "_id": "req_{g.hex(32)}",', '      "_type": "request",', '      "name": "Intercom contacts",',
        '      "url": "https://api.intercom.io/contacts",', '      "authentication": {', '        "type": "bearer",')
    f.n('        "token": "{{ _.intercom_token }}"', "template_ref")
    f.t("      }", "    },", "    {", f'      "_id": "env_{g.hex(32)}",', '      "_type": "environment",',
        '      "name": "Base Environment",', '      "data": {')
    f.s(f'        "intercom_token": "{g.intercom()}",', "intercom")
    f.s(f'        "square_oauth_secret": "{P["sqcsp"]}{g.s(US, 43)}",', "square_oauth_secret")
    f.n(f'        "square_app_id": "{P["sqidp"]}{g.s(US, 22)}",', "square_app_id")
    f.n('        "notion_token": "secret_XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX"', "placeholder")
    f.t("      }", "    }", "  ]", "}")


@builder
def vscode(repo: Repo, g: Gen):
    f = repo.f(".vscode/settings.json")
    f.t("{", '  "editor.formatOnSave": true,', '  "python.defaultInterpreterPath": ".venv/bin/python",')
    f.s(f'  "http.proxy": "http://{g.user()}:{g.urlpw()}@proxy.corp.example:3128",', "proxy_url_password")
    f.t('  "sqltools.connections": [', "    {", '      "name": "reports (prod)",', '      "driver": "PostgreSQL",',
        f'      "server": "{g.host()}",', '      "port": 5432,', '      "username": "reports_ro",')
    f.s(f'      "password": "{g.human_pw()}"', "generic_password")
    f.t("    },", "    {", '      "name": "local",', '      "driver": "SQLite",', '      "database": "${workspaceFolder}/dev.db",')
    f.t('      "askForPassword": true')
    f.t("    }", "  ],")
    f.n('  "sonarlint.connectedMode.connections.sonarqube": [{"serverUrl": "https://sonar.acme.example", "connectionId": "acme"}],', "plain_config")
    f.s(f'  "snyk.token": "{g.uuid()}",', "snyk")
    f.s(f'  "rest-client.environmentVariables": {{"prod": {{"zendeskToken": "{g.an(40)}"}}}},', "zendesk")
    f.n(f'  "terminal.integrated.env.linux": {{"GIT_COMMIT": "{g.hex(40)}"}}', "git_sha")
    f.t("}")

    f = repo.f(".vscode/launch.json")
    f.t("{", '  "version": "0.2.0",', '  "configurations": [', "    {", '      "name": "API (debug)",',
        '      "type": "debugpy",', '      "request": "launch",', '      "module": "uvicorn",',
        '      "args": ["app.main:app", "--reload"],', '      "env": {')
    f.s(f'        "DATABASE_URL": "postgresql+asyncpg://api:{g.urlpw()}@localhost:5433/api",', "db_url")
    f.n('        "STRIPE_API_KEY": "${env:STRIPE_API_KEY}",', "env_reference")
    f.n('        "ADMIN_PASSWORD": "${input:adminPassword}",', "template_ref")
    f.s(f'        "PINECONE_API_KEY": "{P["pcsk"]}{g.an(5)}_{g.s(US, 64)}",', "pinecone")
    f.s(f'        "REPLICATE_API_TOKEN": "{P["r8"]}{g.an(37)}"', "replicate")
    f.t("      }", "    }", "  ],", '  "inputs": [', '    {"id": "adminPassword", "type": "promptString", "password": true}',
        "  ]", "}")


@builder
def intellij(repo: Repo, g: Gen):
    f = repo.f(".idea/dataSources.xml")
    f.t('<?xml version="1.0" encoding="UTF-8"?>', '<project version="4">',
        '  <component name="DataSourceManagerImpl" format="xml" multifile-model="true">')
    f.n(f'    <data-source source="LOCAL" name="orders@prod" uuid="{g.uuid()}">', "uuid")
    f.t("      <driver-ref>postgresql</driver-ref>", "      <synchronize>true</synchronize>",
        "      <jdbc-driver>org.postgresql.Driver</jdbc-driver>")
    f.s(f"      <jdbc-url>jdbc:postgresql://{g.host()}:5432/orders?user=orders_admin&amp;password={g.urlpw()}</jdbc-url>", "jdbc_url")
    f.t("    </data-source>", f'    <data-source source="LOCAL" name="analytics" uuid="{g.uuid()}">',
        "      <driver-ref>clickhouse</driver-ref>")
    f.n(f"      <jdbc-url>jdbc:clickhouse://{g.host('ch')}:8443/default?ssl=true</jdbc-url>", "url_no_cred")
    f.t("    </data-source>", "  </component>", "</project>")

    f = repo.f(".idea/workspace.xml")
    f.t('<?xml version="1.0" encoding="UTF-8"?>', '<project version="4">', '  <component name="RunManager">',
        '    <configuration name="worker" type="PythonConfigurationType">', "      <envs>")
    f.s(f'        <env name="ALGOLIA_ADMIN_KEY" value="{g.hex(32)}" />', "algolia_admin_key")
    f.n(f'        <env name="ALGOLIA_APP_ID" value="{g.s(UAN, 10)}" />', "algolia_app_id")
    f.s(f'        <env name="GROQ_API_KEY" value="{P["gsk"]}{g.an(52)}" />', "groq")
    f.t('        <env name="PYTHONUNBUFFERED" value="1" />')
    f.n('        <env name="OPENAI_API_KEY" value="$OPENAI_API_KEY$" />', "var_reference")
    f.t("      </envs>", "    </configuration>", "  </component>", '  <component name="ChangeListManager">')
    f.n(f'    <list default="true" id="{g.uuid()}" name="Changes" comment="" />', "uuid")
    f.t("  </component>", "</project>")


@builder
def notebook(repo: Repo, g: Gen):
    tok = g.notion_new()
    f = repo.f("notebooks/crm_export.ipynb")
    f.t("{", ' "cells": [', "  {", '   "cell_type": "code",', '   "execution_count": 1,', '   "metadata": {},',
        '   "outputs": [],', '   "source": [', '    "import os, requests\\n",')
    f.n('    "NOTION = os.environ[\\"NOTION_TOKEN\\"]\\n",', "env_reference")
    f.s(f'    "AIRTABLE = \\"{g.airtable()}\\"  # TODO move to env\\n",', "airtable")
    f.t('    "print(len(NOTION))"', "   ]", "  },", "  {", '   "cell_type": "code",', '   "execution_count": 2,',
        '   "metadata": {},', '   "outputs": [', "    {", '     "name": "stdout",', '     "output_type": "stream",',
        '     "text": [', '      "{\'object\': \'user\', \'type\': \'bot\', \'bot\': {}}\\n",')
    f.s(f'      "using token {tok}\\n"', "notion")
    f.t("     ]", "    },", "    {", '     "data": {')
    f.n(f'      "image/png": "iVBORw0KGgoAAAANSUhEUgAA{g.b64(90)}",', "base64_image")
    f.t('      "text/plain": ["<Figure size 640x480 with 1 Axes>"]', "     },", '     "metadata": {},',
        '     "output_type": "display_data"', "    }", "   ],", '   "source": [', '    "%env\\n"', "   ]", "  },", "  {",
        '   "cell_type": "code",', '   "execution_count": 3,', '   "metadata": {},', '   "outputs": [', "    {",
        '     "data": {', '      "text/plain": [', '       "{\'HOME\': \'/home/jovyan\',\\n",')
    f.s(f'       " \'HUBSPOT_PRIVATE_APP_TOKEN\': \'pat-eu1-{g.uuid()}\',\\n",', "hubspot")  # br:allow
    f.s(f'       " \'JUPYTERHUB_API_TOKEN\': \'{g.hex(32)}\',\\n",', "jupyterhub_token")
    f.s(f'       " \'CLOUDFLARE_API_TOKEN\': \'{g.cf_token()}\',\\n",', "cloudflare_token")
    f.n(f'       " \'JUPYTER_IMAGE\': \'quay.io/jupyter/scipy-notebook@sha256:{g.hex(64)}\'}}"', "image_digest")
    f.t("      ]", "     },", '     "execution_count": 3,', '     "metadata": {},', '     "output_type": "execute_result"',
        "    }", "   ],", '   "source": ["dict(os.environ)"]', "  }", " ],", ' "metadata": {', '  "kernelspec": {',
        '   "display_name": "Python 3", "language": "python", "name": "python3"', "  }", " },", ' "nbformat": 4,',
        ' "nbformat_minor": 5', "}")


# --------------------------------------------------------------------------- home dotfiles
@builder
def dotfiles(repo: Repo, g: Gen):
    r = g.r
    f = repo.f("home/.pgpass")
    f.n("# hostname:port:database:username:password", "format_comment")
    f.s(f"{g.host()}:5432:orders:orders_admin:{g.pw()}", "pgpass")
    f.s(f"localhost:5432:*:postgres:{g.human_pw()}", "pgpass")
    f.s(f"*:*:*:replicator:{g.s(AN, 24)}", "pgpass")
    f.s(f"{g.host('replica')}:6432:reports:report\\:ro:{g.urlpw()}", "pgpass")

    f = repo.f("home/.my.cnf")
    f.t("[client]", "user=root")
    f.s(f"password=\"{g.pw()}\"", "generic_password")
    f.t("socket=/var/run/mysqld/mysqld.sock", "", "[mysqldump]", "user=backup")
    f.s(f"password={g.human_pw()}", "generic_password")
    f.t("", "[mysql]")
    f.n("password=", "empty_value")
    f.n("# password=your_password_here", "placeholder")
    f.t("prompt=\\u@\\h [\\d]>\\_")

    f = repo.f("home/.s3cfg")
    ak, sk = g.aws_pair()
    f.t("[default]")
    f.s(f"access_key = {ak}", "aws_key_id")
    f.s(f"secret_key = {sk}", "aws_secret")
    f.n("access_token = ", "empty_value")
    f.t("bucket_location = EU", "host_base = s3.amazonaws.com", "host_bucket = %(bucket)s.s3.amazonaws.com")
    f.n("gpg_passphrase = ", "empty_value")
    f.n("gpg_command = /usr/bin/gpg", "file_path")
    f.n("kms_key = " + g.uuid(), "kms_reference")
    f.t("signature_v2 = False", "use_https = True")

    f = repo.f("home/.config/rclone/rclone.conf")
    f.t("[gdrive]", "type = drive")
    f.n(f"client_id = {g.digits(12)}-{g.s(LAN, 32)}.apps.googleusercontent.com", "oauth_client_id")
    f.s(f"client_secret = {P['gocspx']}{g.s(US, 28)}", "google_oauth_secret")
    f.t("scope = drive")
    tok = json.dumps({"access_token": P["ya29"] + g.s(US, 150), "token_type": "Bearer",
                      "refresh_token": P["rt1"] + g.s(US, 100), "expiry": "2026-11-30T10:00:00Z"}, separators=(",", ":"))
    f.s(f"token = {tok}", "oauth_token")
    f.t("", "[b2]", "type = b2")
    f.n(f"account = {g.hex(12)}", "resource_id")
    f.s(f"key = K00{g.s(AN, 28)}", "backblaze_app_key")
    f.t("", "[nas]", "type = sftp", "host = nas.home.arpa", "user = backup")
    f.s(f"pass = {g.s(US, 46)}", "rclone_obscured_password")
    f.n("key_file = ~/.ssh/id_ed25519_nas", "file_path")
    f.t("", "[crypt]", "type = crypt", "remote = b2:backups/enc")
    f.s(f"password = {g.s(US, 54)}", "rclone_obscured_password")

    f = repo.f("wordpress/wp-config.php")
    f.t("<?php", "/** The name of the database for WordPress */", "define( 'DB_NAME', 'wp_shop' );", "define( 'DB_USER', 'wp_shop' );")
    f.s(f"define( 'DB_PASSWORD', '{g.pw()}' );", "php_define_password")
    f.t(f"define( 'DB_HOST', '{g.host()}' );", "define( 'DB_CHARSET', 'utf8mb4' );", "")
    salt_ch = AN + "!@#%^&*()-_[]{}<>~+=,.;:/?|"
    f.s(f"define( 'AUTH_KEY',         '{g.s(salt_ch, 64)}' );", "wp_salt")
    f.s(f"define( 'SECURE_AUTH_KEY',  '{g.s(salt_ch, 64)}' );", "wp_salt")
    f.n("define( 'LOGGED_IN_KEY',    'put your unique phrase here' );", "placeholder")
    f.s(f"define( 'LOGGED_IN_SALT',   '{g.s(salt_ch, 64)}' );", "wp_salt")
    f.n("define( 'NONCE_KEY',        getenv('WP_NONCE_KEY') );", "env_reference")
    f.t("", "$table_prefix = 'wp_';", "")
    f.s(f"define( 'WP_REDIS_PASSWORD', '{g.urlpw()}' );", "php_define_password")
    f.s(f"define( 'SMTP_URL', 'smtps://wp%40shop.example.org:{g.urlpw()}@smtp.example.org:465' );", "smtp_url")
    f.t("define( 'WP_DEBUG', false );")
    f.t("if ( ! defined( 'ABSPATH' ) ) {", "\tdefine( 'ABSPATH', __DIR__ . '/' );", "}",
        "require_once ABSPATH . 'wp-settings.php';")


@builder
def keys(repo: Repo, g: Gen):
    r = g.r
    pub = g.age_public()
    f = repo.f("keys/age/ops.agekey")
    f.t(f"# created: 2026-{r.randint(1, 11):02d}-{r.randint(10, 28)}T09:12:44Z")
    f.n(f"# public key: {pub}", "age_public_key")
    f.s(g.age_secret(), "age_secret_key")

    f = repo.f("secrets/prod/app.enc.yaml")
    f.n(f"db_password: ENC[AES256_GCM,data:{g.b64(18)},iv:{g.b64(32)},tag:{g.b64(16)},type:str]", "encrypted_blob")
    f.n(f"pulumi_token: ENC[AES256_GCM,data:{g.b64(33)},iv:{g.b64(32)},tag:{g.b64(16)},type:str]", "encrypted_blob")
    f.t("sops:", "    age:", f"        - recipient: {pub}", "          enc: |")
    f.n("            " + P["dashes"] + "BEGIN AGE ENCRYPTED FILE" + P["dashes"], "encrypted_blob")
    f.t("            " + g.b64(48), "            " + g.b64(48), "            " + P["dashes"] + "END AGE ENCRYPTED FILE" + P["dashes"])
    f.t(f"    lastmodified: \"2026-11-{r.randint(10, 28)}T08:00:00Z\"")
    f.n(f"    mac: ENC[AES256_GCM,data:{g.b64(64)},iv:{g.b64(32)},tag:{g.b64(16)},type:str]", "encrypted_blob")
    f.t("    version: 3.9.0")

    srv_pub = g.wg()
    f = repo.f("wireguard/wg0.conf")
    f.t("[Interface]", "Address = 10.44.0.1/24", "ListenPort = 51820")
    f.s(f"PrivateKey = {g.wg()}", "wireguard_private_key")
    f.t("PostUp = iptables -A FORWARD -i %i -j ACCEPT")
    f.t("", "# laptop-mira", "[Peer]")
    f.n(f"PublicKey = {g.wg()}", "wireguard_public_key")
    f.s(f"PresharedKey = {g.wg()}", "wireguard_psk")
    f.t("AllowedIPs = 10.44.0.2/32", "", "# phone-mira", "[Peer]")
    f.n(f"PublicKey = {g.wg()}", "wireguard_public_key")
    f.t("AllowedIPs = 10.44.0.3/32")

    f = repo.f("wireguard/clients/laptop-mira.conf")
    f.t("[Interface]")
    f.s(f"PrivateKey = {g.wg()}", "wireguard_private_key")
    f.t("Address = 10.44.0.2/32", "DNS = 10.44.0.1", "", "[Peer]")
    f.n(f"PublicKey = {srv_pub}", "wireguard_public_key")
    f.t("Endpoint = vpn.acme.example:51820", "AllowedIPs = 0.0.0.0/0, ::/0")
    f.n("# PrivateKey = <paste output of `wg genkey` here>", "placeholder")

    f = repo.f("home/.ssh/authorized_keys")
    f.n(f"{g.ssh_pub()} mira@laptop", "ssh_public_key")
    f.n(f"{g.ssh_pub('rsa')} deploy@ci", "ssh_public_key")
    f.n(f'command="/usr/local/bin/backup-only",no-port-forwarding,no-pty {g.ssh_pub()} backup@nas', "ssh_public_key")
    f.n(f"cert-authority,principals=\"ops\" {g.ssh_pub()} acme-user-ca", "ssh_public_key")

    # JWKS (public) and JWK (private)
    def bn(nbytes):
        return b64u(g.raw(nbytes))
    f = repo.f("keys/jwks.json")
    f.t("{", '  "keys": [', "    {", '      "kty": "RSA",', '      "use": "sig",', '      "alg": "RS256",')
    f.n(f'      "kid": "{g.hex(40)}",', "key_id")
    f.n(f'      "n": "{bn(256)}",', "public_key")
    f.t('      "e": "AQAB"', "    },", "    {", '      "kty": "EC",', '      "crv": "P-256",')
    f.n(f'      "kid": "{b64u(g.raw(32))}",', "key_id")
    f.n(f'      "x": "{bn(32)}",', "public_key")
    f.n(f'      "y": "{bn(32)}"', "public_key")
    f.t("    }", "  ]", "}")

    f = repo.f("keys/signing-key.jwk.json")
    f.t("{", '  "keys": [', "    {", '      "kty": "RSA",')
    f.n(f'      "kid": "{g.uuid()}",', "key_id")
    f.n(f'      "n": "{bn(256)}",', "public_key")
    f.t('      "e": "AQAB",')
    f.s(f'      "d": "{bn(256)}",', "jwk_private")
    f.s(f'      "p": "{bn(128)}",', "jwk_private")
    f.t(f'      "q": "{bn(128)}",', f'      "dp": "{bn(128)}",', f'      "dq": "{bn(128)}",', f'      "qi": "{bn(128)}"',
        "    },", "    {", '      "kty": "EC",', '      "crv": "P-256",')
    f.n(f'      "x": "{bn(32)}",', "public_key")
    f.t(f'      "y": "{bn(32)}",')
    f.s(f'      "d": "{bn(32)}"', "jwk_private")
    f.t("    },", "    {", '      "kty": "oct",', '      "alg": "HS512",')
    f.s(f'      "k": "{bn(64)}"', "jwk_symmetric")
    f.t("    }", "  ]", "}")


@builder
def secret_managers(repo: Repo, g: Gen):
    r = g.r
    f = repo.f("docs/onboarding.md")
    f.t("# Onboarding: where secrets live", "", "We never paste secrets into the repo. Fetch them from 1Password or",
        "Bitwarden Secrets Manager at runtime:", "", "```bash")
    f.n("export NOTION_TOKEN=$(op read \"op://Platform/Notion integration/credential\")", "onepassword_ref")
    f.t("op run --env-file=.env.tpl -- npm start")
    f.n(f"export ASANA_PAT=$(bws secret get {g.uuid()} | jq -r .value)", "bitwarden_ref")
    f.n(f"bw get password {g.uuid()}", "bitwarden_ref")
    f.t("```", "", "`.env.tpl` looks like this:", "", "```")
    f.n("CLOUDFLARE_API_TOKEN=op://Platform/Cloudflare/api-token", "onepassword_ref")
    f.n("AIRTABLE_PAT=" + r.choice(["pat<redacted>", "patXXXXXXXXXXXXXX.XXXX", "pat..."]), "placeholder")
    f.n("NEW_RELIC_API_KEY=NRAK-" + r.choice(["XXXXXXXXXXXXXXXXXXXXXXXXXXX", "<your-key>", "..."]), "placeholder")
    f.n("SONAR_TOKEN=squ_" + r.choice(["0" * 40, "<token>", "xxxxxxxx"]), "placeholder")
    f.n("AGE_KEY=AGE-SECRET-KEY-1" + r.choice(["XXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXXX", "...", "<your-age-key>"]), "placeholder")
    f.t("```", "", "The machine token for CI is below. It was rotated on 2026-11-02 and the old one revoked;",
        "this is the **new** one, scoped to the `ci` project:", "")
    f.s(f"    BWS_ACCESS_TOKEN={g.bws()}", "bitwarden_access_token")
    f.t("", "Heroku CLI login writes to `~/.netrc`; the API key shown by `heroku auth:token` looks like")
    f.n("`HRKU-AA` followed by 58 characters. Do not post it in Slack.", "doc_text")
    f.t("", "Until SSO lands, the break-glass login for the Bitwarden org admin is:", "")
    f.s(f"    admin@acme.example / {g.human_pw()}", "doc_password")
    f.t("", "Checksums of the current installer:", "")
    f.n(f"    sha256  {g.hex(64)}  bws-x86_64-unknown-linux-gnu-1.0.0.zip", "checksum")
    f.n(f"    md5     {g.hex(32)}  bws-x86_64-unknown-linux-gnu-1.0.0.zip", "checksum")

    f = repo.f("scripts/fetch-secrets.sh")
    f.t("#!/usr/bin/env bash", "set -euo pipefail", "")
    f.n('export BWS_ACCESS_TOKEN="${BWS_ACCESS_TOKEN:?set BWS_ACCESS_TOKEN}"', "env_reference")
    f.n(f'TFC_TOKEN="$(bws secret get {g.uuid()} --output json | jq -r .value)"', "bitwarden_ref")
    f.n('PULUMI_ACCESS_TOKEN="$(op read op://CI/pulumi/token)"', "onepassword_ref")
    f.n('export HEROKU_API_KEY="$(heroku auth:token 2>/dev/null)"', "plain_code")
    f.t("", "# fallback for the air-gapped runner (remove after migration!)")
    f.s(f'export HEROKU_API_KEY="{g.uuid()}"', "heroku_legacy_uuid")
    f.s(f"export TFE_TOKEN='{g.an(14)}{P['atlasv1']}{g.an(67)}'", "terraform_cloud")  # br:allow
    f.n(f'echo "{g.hex(64)}  terraform_1.9.5_linux_amd64.zip" | sha256sum -c -', "checksum")


# --------------------------------------------------------------------------- data, mail, http
@builder
def sql_dump(repo: Repo, g: Gen):
    r = g.r
    f = repo.f("db/dumps/crm_2026-11-30.sql")
    f.t("-- MySQL dump 10.13  Distrib 8.0.36", "-- Host: crm-db    Database: crm", "",
        "DROP TABLE IF EXISTS `users`;", "CREATE TABLE `users` (", "  `id` int NOT NULL AUTO_INCREMENT,",
        "  `email` varchar(255) NOT NULL,", "  `password_hash` varchar(255) NOT NULL,", "  PRIMARY KEY (`id`)",
        ") ENGINE=InnoDB;", "", "LOCK TABLES `users` WRITE;")
    bc = "$2y$12$" + g.s(AN + "./", 53)
    f.n(f"INSERT INTO `users` VALUES (1,'ana@acme.example','{bc}');", "password_hash")
    arg = "$argon2id$v=19$m=65536,t=3,p=4$" + b64u(g.raw(16)) + "$" + b64u(g.raw(32))
    f.n(f"INSERT INTO `users` VALUES (2,'ben@acme.example','{arg}');", "password_hash")
    f.t("UNLOCK TABLES;", "", "CREATE TABLE `integrations` (", "  `id` int NOT NULL,", "  `provider` varchar(32),",
        "  `token` text,", "  `external_id` varchar(64)", ");", "LOCK TABLES `integrations` WRITE;")
    f.s(f"INSERT INTO `integrations` VALUES (1,'notion','{g.notion_old()}','{g.hex(32)}');", "notion")
    f.s(f"INSERT INTO `integrations` VALUES (2,'asana','{g.asana()}','{g.digits(16)}');", "asana")
    f.s(f"INSERT INTO `integrations` VALUES (3,'twitch','oauth:{g.s(LAN, 30)}','{g.digits(9)}');", "twitch_oauth")
    f.n(f"INSERT INTO `integrations` VALUES (4,'zendesk',NULL,'{g.digits(11)}');", "null_value")
    f.s(f"INSERT INTO `integrations` VALUES (6,'intercom','{g.intercom()}','{g.s(LAN, 8)}');", "intercom")
    f.s(f"INSERT INTO `integrations` VALUES (7,'planetscale','{P['pstkn']}{g.s(US, 43)}','{g.s(LAN, 12)}');", "planetscale")
    f.n(f"INSERT INTO `integrations` VALUES (5,'airtable','','app{g.an(14)}');", "empty_value")
    f.t("UNLOCK TABLES;", "", "CREATE TABLE `webhook_deliveries` (`id` char(36), `signature` char(64), `body_sha1` char(40));")
    f.n(f"INSERT INTO `webhook_deliveries` VALUES ('{g.uuid()}','{g.hex(64)}','{g.hex(40)}');", "hmac_signature")
    f.t("", "-- roles")
    f.s(f"CREATE USER 'crm_app'@'%' IDENTIFIED WITH caching_sha2_password BY '{g.pw()}';", "sql_password")
    f.n(f"CREATE USER 'crm_ro'@'%' IDENTIFIED WITH mysql_native_password AS '*{g.s('0123456789ABCDEF', 40)}';", "password_hash")
    f.n("-- ALTER USER 'crm_app'@'%' IDENTIFIED BY '<new password>';", "placeholder")

    f = repo.f("db/dumps/pg_roles.sql")
    f.t("--", "-- PostgreSQL database cluster dump", "--", "CREATE ROLE ledger;")
    f.n(f"ALTER ROLE ledger WITH LOGIN PASSWORD 'SCRAM-SHA-256$4096:{g.b64(16)}${g.b64(32)}:{g.b64(32)}';", "password_hash")
    f.s(f"ALTER ROLE migrator WITH LOGIN PASSWORD '{g.human_pw()}';", "sql_password")
    f.t("COPY public.api_clients (id, name, client_id, client_secret) FROM stdin;")
    f.s(f"1\tpartner-portal\t{g.uuid()}\t{g.s(US, 48)}", "oauth_client_secret")
    f.n(f"2\tlegacy-export\t{g.uuid()}\t\\N", "null_value")
    f.t("\\.")


@builder
def csv_export(repo: Repo, g: Gen):
    r = g.r
    f = repo.f("exports/api_keys_2026-11.csv")
    f.n("key_id,owner_email,label,api_key,created_at,revoked", "field_name")
    for i in range(r.randint(8, 12)):
        kid, who = g.uuid(), r.choice(["ana", "ben", "chen", "dora", "eli", "fay"]) + "@acme.example"
        date = f"2026-{r.randint(1, 11):02d}-{r.randint(10, 28)}"
        mode = r.choice(["live", "live", "live", "masked", "revoked"])
        if mode == "live":
            f.s(f"{kid},{who},ci-{i},ak_live_{g.an(40)},{date},false", "csv_api_key")
        elif mode == "masked":
            f.n(f"{kid},{who},ci-{i},ak_live_****{g.an(4)},{date},false", "masked")
        else:
            f.n(f"{kid},{who},ci-{i},,{date},true", "empty_value")



@builder
def mail(repo: Repo, g: Gen):
    r = g.r
    pw = g.human_pw()
    f = repo.f("mail/vpn-access.eml")
    f.t("Return-Path: <it-helpdesk@acme.example>", "Received: from mx1.acme.example (mx1.acme.example [10.2.0.5])",
        "\tby mail.acme.example with ESMTPS id 4Wq7Xk1m2Hz", "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=acme.example; s=sel1;")
    f.n(f"\tbh={g.b64(32)};", "dkim_hash")
    f.n(f"\tb={g.b64(96)}", "dkim_signature")
    f.n(f"Message-ID: <{g.uuid()}@acme.example>", "message_id")
    f.t("From: IT Helpdesk <it-helpdesk@acme.example>", "To: Mira Schulz <mira@acme.example>",
        "Subject: Your VPN and Jira access", "MIME-Version: 1.0", "Content-Type: text/plain; charset=utf-8", "",
        "Hi Mira,", "", "your accounts are ready.", "", "  VPN user:     mira.schulz")
    f.s(f"  VPN password: {pw}", "email_password")
    f.t("", "For the Jira automation we created an API token for you:", "")
    f.s(f"  {g.atlassian()}", "atlassian")
    f.t("", "Please change the VPN password at first login. If you lose the token, revoke it at",
        "https://id.atlassian.com/manage-profile/security/api-tokens and create a new one.", "", "IT Helpdesk")

    f = repo.f("mail/password-reset.eml")
    f.t("From: Acme <no-reply@acme.example>", "To: ben@acme.example", "Subject: Reset your password")
    f.n(f"Message-ID: <{g.hex(24)}.{g.digits(10)}@mailer.acme.example>", "message_id")
    f.t(f"X-SES-Outgoing: 2026.11.29-54.240.{r.randint(1, 250)}.{r.randint(1, 250)}")
    f.n(f"Feedback-ID: 1.eu-west-1.{g.s(AN + '+/', 44)}=:AmazonSES", "resource_id")
    f.t("Content-Type: text/plain; charset=utf-8", "", "Someone asked to reset the password for ben@acme.example.",
        "Use this link within 30 minutes:", "")
    f.s(f"https://app.acme.example/reset?uid={g.digits(5)}&token={g.s(US, 43)}", "reset_token_url")
    f.t("", "Your one-time code is 481 204 (valid 10 minutes).", "")
    f.t("If you did not ask for this, ignore this message. We will never ask for your password by email.")


@builder
def http_dump(repo: Repo, g: Gen):
    r = g.r
    f = repo.f("debug/requests.http")
    f.t("### captured with mitmproxy, 2026-11-28", "POST /oauth/token HTTP/1.1", "Host: auth.partner.example")
    cred = base64.b64encode(f"{g.s(LAN, 20)}:{g.s(US, 40)}".encode()).decode()
    f.s(f"Authorization: Basic {cred}", "basic_auth")
    f.t("Content-Type: application/x-www-form-urlencoded", "", "grant_type=client_credentials&scope=orders.read", "",
        "###", "GET /api/v1/me HTTP/2", "Host: app.acme.example")
    f.s(f"Cookie: _gid=GA1.2.{g.digits(9)}.{g.digits(10)}; sessionid={g.s(LAN, 32)}; theme=dark", "session_cookie")
    f.n(f"X-Correlation-ID: {g.uuid()}", "uuid")
    f.n(f'If-None-Match: "{g.hex(32)}"', "etag")
    f.t("", "###", "GET /client/v4/zones HTTP/1.1", "Host: api.cloudflare.com")
    f.s(f"Authorization: Bearer {g.cf_token()}", "cloudflare_token")
    f.t("", "###", "GET /v2/locations HTTP/1.1", "Host: connect.squareup.com")
    f.n("Authorization: Bearer {{SQUARE_ACCESS_TOKEN}}", "template_ref")
    f.t("Square-Version: 2024-10-17", "", "###", "POST /graphql HTTP/1.1", "Host: api.newrelic.com")
    f.s(f"API-Key: {P['nrak']}{g.s(UAN, 27)}", "newrelic_user_key")
    f.t("", "###", "GET /1/indexes HTTP/1.1", f"Host: {g.s(UAN, 10)}-dsn.algolia.net")
    f.n(f"X-Algolia-Application-Id: {g.s(UAN, 10)}", "algolia_app_id")
    f.s(f"X-Algolia-API-Key: {g.hex(32)}", "algolia_admin_key")
    f.t("", "###", "GET /helix/users HTTP/1.1", "Host: api.twitch.tv")
    f.n(f"Client-Id: {g.s(LAN, 30)}", "twitch_client_id")
    f.s(f"Authorization: Bearer {g.s(LAN, 30)}", "twitch_oauth")
    f.t("", "###", "GET /api/v2/users/me.json HTTP/1.1", "Host: acme.zendesk.com")
    zd = base64.b64encode(f"agent@acme.example/token:{g.an(40)}".encode()).decode()
    f.s(f"Authorization: Basic {zd}", "zendesk")
    f.t("", "###", "POST /v1/search HTTP/1.1", "Host: api.notion.com", "Notion-Version: 2022-06-28")
    f.s(f"Authorization: Bearer {g.notion_new()}", "notion")
    f.t("", "###", "POST /service/" + g.an(22) + "/purge_all HTTP/1.1", "Host: api.fastly.com")
    f.s(f"Fastly-Key: {g.s(US, 32)}", "fastly")
    f.t("", "###", "GET /v9/projects HTTP/1.1", "Host: api.vercel.com")
    f.s(f"Authorization: Bearer {g.an(24)}", "vercel")
    f.t("", "###", "GET /apps HTTP/1.1", "Host: api.heroku.com", "Accept: application/vnd.heroku+json; version=3")
    f.s(f"Authorization: Bearer {g.heroku()}", "heroku")
    f.t("", "###", "GET /api/v1/sites HTTP/1.1", "Host: api.netlify.com")
    f.s(f"Authorization: Bearer {g.netlify()}", "netlify")
    f.t("", "###", "GET /status HTTP/1.1", "Host: example.org")
    f.n(f"Authorization: Basic {base64.b64encode(b'user:password').decode()}", "doc_example")


@builder
def urls(repo: Repo, g: Gen):
    r = g.r
    f = repo.f("docs/connection-strings.md")
    f.t("# Connection strings by environment", "", "Staging values (shared with the contractor, rotate after handover):", "")
    f.s(f"- RabbitMQ: `amqps://billing:{g.urlpw()}@{g.host('mq')}:5671/billing`", "amqp_url")
    f.s(f"- Redis: `rediss://default:{g.urlpw()}@{g.host('cache')}:6380/0`", "redis_url")
    f.s(f"- Mongo: `mongodb+srv://reporting:{g.urlpw()}@cluster0.{g.s(LAN, 5)}.mongodb.net/?retryWrites=true&w=majority`", "mongodb_url")
    f.s(f"- SMTP: `smtp://apikey:{P['xkeysib']}{g.hex(64)}-{g.an(16)}@smtp-relay.brevo.com:587`", "smtp_url")
    f.s(f"- FTP drop: `ftp://acmeupload:{g.human_pw().replace('#', '').replace('?', '').replace('%', '')}@ftp.partner.example/incoming`", "ftp_url")
    f.s(f"- Elastic: `https://elastic:{g.urlpw()}@{g.s(LAN, 12)}.es.eu-west-1.aws.found.io:9243`", "https_basic_url")
    f.s(f"- NATS: `nats://{g.s(AN, 32)}@nats.staging.acme.example:4222`", "nats_token_url")
    f.s(f"- SQL Server: `sqlserver://sa:{g.urlpw()}@{g.host('mssql')}:1433?database=ledger`", "mssql_url")
    f.s(f"- SFTP: `sftp://etl:{g.urlpw()}@sftp.partner.example:22/outbound`", "sftp_url")
    f.s(f"- ClickHouse: `clickhouse://analytics:{g.urlpw()}@{g.host('ch')}:9440/events?secure=true`", "clickhouse_url")
    f.s(f"- Kafka SASL: `sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required username=\"{g.s(UAN, 16)}\" password=\"{g.s(AN + '+/', 64)}\";`", "kafka_sasl")
    f.t("", "LDAP bind for the wiki:", "")
    f.n("- URL: `ldaps://ldap.acme.example:636/ou=people,dc=acme,dc=example?uid`", "url_no_cred")
    f.n("- Bind DN: `cn=wiki-bind,ou=services,dc=acme,dc=example`", "username")
    f.s(f"- Bind password: `{g.pw()}`", "ldap_bind_password")
    f.t("", "Local development defaults (not secrets):", "")
    f.n("- `amqp://guest:guest@localhost:5672/`", "well_known_default")
    f.n("- `redis://localhost:6379/0`", "url_no_cred")
    f.n("- `mongodb://localhost:27017/app`", "url_no_cred")
    f.n("- `mysql://root:@127.0.0.1:3306/app`", "empty_value")
    f.n("- `postgres://app:${POSTGRES_PASSWORD}@db:5432/app`", "env_reference")
    f.n("- `smtp://user:<password>@smtp.example.com:587`", "placeholder")
    f.n("- `ftp://anonymous:anonymous@ftp.gnu.org/gnu/`", "well_known_default")
    f.n("- `ssh://git@github.com/acme/platform.git`", "url_no_cred")
    f.n("- `https://user:****@registry.acme.example`", "masked")


@builder
def frontend(repo: Repo, g: Gen):
    r = g.r
    f = repo.f("web/dist/assets/index-" + g.s(US.replace("_", ""), 8) + ".js")
    ids = [g.s(LO, 1) + g.s(AN, 1) for _ in range(12)]
    f.n("var " + ",".join(f"{i}=function(t,e){{return t[{j}]^e}}" for j, i in enumerate(ids)) + ";", "minified_js")
    f.n(f'const Fk="data:font/woff2;base64,{g.b64(120)}";', "base64_font")
    f.n(f'!function(){{var e="{g.s(AN, 48)}".split("").reverse().join("");window.__BUILD__={{hash:"{g.hex(20)}",seed:e}}}}();', "build_hash")
    f.s(f'const Sq={{algoliaAppId:"{g.s(UAN, 10)}",algoliaAdminKey:"{g.hex(32)}",index:"products"}};', "algolia_admin_key")
    f.s(f'fetch("https://api.mapbox.com/uploads/v1/acme?access_token={g.mapbox(True)}").then(r=>r.json());', "mapbox_secret")
    f.n(f'export{{Fk as F,Sq as S}};//# sourceMappingURL=index-{g.hex(8)}.js.map', "minified_js")

    f = repo.f("web/pnpm-lock.yaml")
    f.t("lockfileVersion: '9.0'", "", "packages:", "")
    for name, ver in [("algoliasearch", "4.24.0"), ("mapbox-gl", "3.6.0"), ("zod", "3.23.8")]:
        f.t(f"  {name}@{ver}:")
        f.n(f"    resolution: {{integrity: sha512-{g.b64(64)}}}", "lockfile_integrity")
        f.t("")



# --------------------------------------------------------------------------- app configs
@builder
def services_yaml(repo: Repo, g: Gen):
    r = g.r
    f = repo.f("config/integrations.yml")
    f.t("# integrations used by the sync worker", "atlassian:", "  site: acme.atlassian.net", "  email: sync-bot@acme.example")
    f.s(f"  api_token: {g.atlassian()}", "atlassian")
    f.n(f"  cloud_id: {g.uuid()}", "uuid")
    f.t("asana:")
    f.s(f'  pat: "{g.asana()}"', "asana")
    f.n(f"  project_gid: \"{g.digits(16)}\"", "numeric_id")
    f.t("notion:")
    f.s(f"  token: {g.notion_old()}", "notion")
    f.n(f"  root_page: {g.hex(8)}-{g.hex(4)}-{g.hex(4)}-{g.hex(4)}-{g.hex(12)}", "uuid")
    f.t("airtable:")
    f.n(f"  base: app{g.an(14)}", "resource_id")
    f.n("  token: !env AIRTABLE_PAT", "env_reference")
    f.t("zendesk:", "  subdomain: acme", "  email: support@acme.example/token")
    f.s(f"  token: '{g.an(40)}'", "zendesk")
    f.t("intercom:")
    f.s(f"  access_token: {g.intercom()}", "intercom")
    f.n(f"  workspace_id: {g.s(LAN, 8)}", "resource_id")
    f.t("launchdarkly:")
    f.s(f"  sdk_key: {P['sdk']}{g.uuid()}", "launchdarkly_sdk_key")
    f.n(f"  client_side_id: {g.hex(24)}", "launchdarkly_client_id")
    f.t("okta:", "  org_url: https://acme.okta.com")
    f.s(f"  api_token: \"00{g.s(US, 40)}\"", "okta")
    f.t("contentful:", f"  space_id: {g.s(LAN, 12)}")
    f.s(f"  management_token: {P['cfpat']}{g.s(US, 43)}", "contentful")
    f.t("dynatrace:")
    f.s(f"  api_token: {P['dt0c01']}{g.s(UAN, 24)}.{g.s(UAN, 64)}", "dynatrace")
    f.t("mailchimp:")
    f.s(f"  api_key: {g.hex(32)}-us{r.randint(2, 21)}", "mailchimp")
    f.n("  list_id: " + g.hex(10), "resource_id")
    f.t("shippo:")
    f.n("  token: shippo_test_" + "0" * 40 + "  # sandbox fixture", "marked_fake")

    f = repo.f("config/ai.env")
    f.s(f"PERPLEXITY_API_KEY={P['pplx']}{g.an(48)}", "perplexity")
    f.s(f"XAI_API_KEY={P['xai']}{g.an(80)}", "xai")
    f.n("MISTRAL_API_KEY=", "empty_value")
    f.n("ANTHROPIC_API_KEY=${ANTHROPIC_API_KEY:-}", "env_reference")
    f.s(f"ELEVENLABS_API_KEY={P['sklive'][:3]}{g.hex(48)}", "elevenlabs")
    f.n("MODEL_SHA=" + g.hex(64), "checksum")
    f.n(f"HF_MODEL_REVISION={g.hex(40)}", "git_sha")

    f = repo.f("config/platform.env")
    f.s(f"BUILDKITE_API_TOKEN={P['bkua']}{g.hex(40)}", "buildkite")
    f.s(f"RENDER_API_KEY={P['rnd']}{g.an(32)}", "render")
    f.s(f"FLY_API_TOKEN=FlyV1 {P['fo1']}{g.s(US, 43)}", "flyio")
    f.t("FLY_APP=acme-edge")
    f.s(f"SHIPPO_API_TOKEN={P['shippo']}{g.hex(40)}", "shippo")
    f.s(f"OKTA_AUTHORIZATION=\"{P['ssws']}00{g.s(US, 40)}\"", "okta")
    f.n(f"OKTA_CLIENT_ID=0oa{g.an(17)}", "oauth_client_id")
    f.s(f"AZURE_CLIENT_SECRET={g.az_secret()}", "azure_client_secret")
    f.n(f"AZURE_CLIENT_ID={g.uuid()}", "uuid")
    f.n(f"AZURE_SUBSCRIPTION_ID={g.uuid()}", "uuid")
    f.s(f"HEROKU_API_KEY={g.heroku()}", "heroku")
    f.n(f"HEROKU_APP_ID={g.uuid()}", "uuid")
    f.t("", "# PlanetScale")
    f.n(f"PLANETSCALE_SERVICE_TOKEN_ID={g.s(LAN, 12)}", "resource_id")
    f.s(f"PLANETSCALE_SERVICE_TOKEN={P['pstkn']}{g.s(US, 43)}", "planetscale")
    f.t("PLANETSCALE_ORG=acme", "PLANETSCALE_DB=orders")
    f.s(f"DATABASE_URL=mysql://{g.s(LAN, 12)}:{P['pspw']}{g.s(US, 43)}@aws.connect.psdb.cloud/orders?sslaccept=strict", "planetscale")
    f.n("# PLANETSCALE_SERVICE_TOKEN=pscale_tkn_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx (example)", "placeholder")



@builder
def payments_py(repo: Repo, g: Gen):
    f = repo.f("payments/settings.py")
    f.t('"""Payment provider settings."""', "import os", "")
    f.n('SQUARE_ACCESS_TOKEN = os.environ["SQUARE_ACCESS_TOKEN"]', "env_reference")
    f.n(f'SQUARE_LOCATION_ID = "L{g.s(UAN, 12)}"', "resource_id")
    f.n(f'SQUARE_SANDBOX_APP_ID = "sandbox-{P["sqidp"][:3]}idb-{g.s(US, 22)}"', "square_app_id")
    f.t("")
    f.n(f'PAYPAL_CLIENT_ID = "A{g.s(US, 79)}"  # public, used by the JS SDK', "paypal_client_id")
    f.s(f'PAYPAL_CLIENT_SECRET = "E{g.s(US, 79)}"', "paypal_client_secret")
    f.t("", "BRAINTREE = {", '    "environment": "production",')
    f.n(f'    "merchant_id": "{g.s(LAN, 16)}",', "resource_id")
    f.s(f'    "private_key": "{g.hex(32)}",', "braintree_private_key")
    f.t("}", "", "# test fixtures used by tests/test_webhooks.py")
    f.n(f'FAKE_SQUARE_TOKEN = "EAAAFAKE{"0" * 56}"', "marked_fake")
    f.n('EXAMPLE_PAYPAL_SECRET = "EXAMPLE-NOT-A-REAL-SECRET"', "marked_fake")
    f.s(f'SQUARE_WEBHOOK_SIGNATURE_KEY = "{g.s(US, 22)}"', "square_webhook_key")
    f.t(f'WEBHOOK_EVENT_ID = "{g.uuid()}"')
    f.n(f'IDEMPOTENCY_KEY_NAMESPACE = "{g.uuid()}"', "uuid")

    f = repo.f("payments/tests/fixtures.py")
    f.t('"""Obviously fake credentials for unit tests. None of these work anywhere."""', "")
    f.n('TEST_ATLASSIAN_TOKEN = "ATATT3xFfGF0" + "x" * 180 + "=DEADBEEF"', "test_fixture")  # br:allow
    f.n('TEST_NOTION_TOKEN = "secret_test_0123456789abcdefghijklmnopqrstuvwxyz"', "test_fixture")
    f.n('TEST_WG_PRIVATE_KEY = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="', "test_fixture")
    f.n('TEST_AGE_KEY = "AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ"', "test_fixture")
    f.n('DUMMY_PASSWORD = "dummy-password-for-tests"', "test_fixture")


@builder
def twitch_ts(repo: Repo, g: Gen):
    f = repo.f("streaming/src/twitch.ts")
    f.t("import { RefreshingAuthProvider } from '@twurple/auth';", "")
    f.n(f"const clientId = '{g.s(LAN, 30)}';", "twitch_client_id")
    f.s(f"const clientSecret = '{g.s(LAN, 30)}';", "twitch_client_secret")
    f.n("const redirectUri = 'http://localhost:3000/auth/callback';", "url_no_cred")
    f.t("", "export const auth = new RefreshingAuthProvider({ clientId, clientSecret });", "")
    f.s(f"const BOT_OAUTH = 'oauth:{g.s(LAN, 30)}';", "twitch_oauth")
    f.n(f"const BROADCASTER_ID = '{g.digits(9)}';", "numeric_id")
    f.n(f"const EVENTSUB_SUBSCRIPTION = '{g.uuid()}';", "uuid")
    f.n("const WEBHOOK_SECRET = process.env.TWITCH_WEBHOOK_SECRET ?? '';", "env_reference")


@builder
def observability(repo: Repo, g: Gen):
    f = repo.f("sonar-project.properties")
    f.t("sonar.projectKey=acme_billing", "sonar.organization=acme", "sonar.sources=src")
    f.n("sonar.host.url=https://sonarcloud.io", "url_no_cred")
    f.s(f"sonar.token={P['squ']}{g.hex(40)}", "sonarqube")
    f.n("sonar.login=${env.SONAR_TOKEN}", "env_reference")
    f.t("sonar.exclusions=**/*.pb.go,**/vendor/**")

    f = repo.f("logs/sync-worker.log")
    lv = ["INFO", "DEBUG", "WARN"]
    f.n(f"2026-11-30T10:00:01.101Z INFO  sync started run_id={g.uuid()} commit={g.hex(40)}", "uuid")
    f.s(f"2026-11-30T10:00:01.220Z DEBUG atlassian client init email=sync-bot@acme.example token={g.atlassian()}", "log_leak")
    f.n("2026-11-30T10:00:01.221Z DEBUG notion client init token=secret_***redacted***", "redacted")
    f.s(f"2026-11-30T10:00:02.530Z WARN  retrying POST https://api.airtable.com/v0/app{g.an(14)} headers={{'Authorization': 'Bearer {g.airtable()}'}}", "log_leak")
    f.n(f"2026-11-30T10:00:02.900Z INFO  airtable record created id=rec{g.an(14)} etag={g.hex(32)}", "resource_id")
    f.n(f"2026-11-30T10:00:03.004Z ERROR consul: Permission denied: token with AccessorID '{g.uuid()}' lacks permission 'key:read' on \"billing\"", "consul_accessor_id")
    f.s(f"2026-11-30T10:00:03.004Z DEBUG consul client config: address=consul.service:8500 token={g.uuid()} (X-Consul-Token)", "consul_acl_token")
    f.n(f"2026-11-30T10:00:03.005Z INFO  request_id={g.uuid()} trace_id={g.hex(32)} span_id={g.hex(16)}", "trace_id")
    f.s(f"2026-11-30T10:00:03.410Z WARN  square: 401 for token {P['sqat']}{g.s(US, 60)} (location L{g.s(UAN, 12)})", "log_leak")
    f.s(f"2026-11-30T10:00:03.800Z DEBUG GET https://api.mapbox.com/datasets/v1/acme?access_token={g.mapbox(True)} -> 200", "mapbox_secret")
    f.n(f"2026-11-30T10:00:03.801Z DEBUG GET https://api.mapbox.com/styles/v1/acme/{g.s(LAN, 25)}?access_token=pk.*** -> 200", "redacted")
    f.n("2026-11-30T10:00:04.000Z INFO  sync finished ok=412 failed=0", "plain_text")


# --------------------------------------------------------------------------- ops inventories and client auth
@builder
def ops_auth(repo: Repo, g: Gen):
    r = g.r
    f = repo.f("home/.kube/config")
    ca = base64.b64encode((pem("CERTIFICATE") + "\n" + g.b64(300) + "\n" + pem("CERTIFICATE", True) + "\n").encode()).decode()
    key = base64.b64encode((pem("EC PRIVATE KEY") + "\n" + g.b64(121) + "\n" + pem("EC PRIVATE KEY", True) + "\n").encode()).decode()
    f.t("apiVersion: v1", "kind: Config", "clusters:", "- cluster:")
    f.n(f"    certificate-authority-data: {ca}", "certificate")
    f.t(f"    server: https://{g.hex(32).upper()}.gr7.eu-west-1.eks.amazonaws.com", "  name: prod",
        "- cluster:", "    server: https://rancher.acme.example/k8s/clusters/c-m-" + g.s(LAN, 8), "  name: edge",
        "contexts:", "- context: {cluster: prod, user: prod-admin}", "  name: prod",
        "- context: {cluster: edge, user: edge-bot}", "  name: edge", "current-context: prod", "users:",
        "- name: prod-admin", "  user:")
    f.n(f"    client-certificate-data: {ca}", "certificate")
    f.s(f"    client-key-data: {key}", "kube_client_key")
    f.t("- name: edge-bot", "  user:")
    f.s(f"    token: kubeconfig-u-{g.s(LAN, 12)}:{g.s(LAN, 54)}", "rancher_token")
    f.t("- name: ci", "  user:")
    f.s(f"    token: {g.jwt({'iss': 'kubernetes/serviceaccount', 'sub': 'system:serviceaccount:ci:deployer'}, 'RS256')}", "k8s_sa_token")
    f.t("- name: eks-sso", "  user:", "    exec:", "      apiVersion: client.authentication.k8s.io/v1beta1",
        "      command: aws")
    f.n('      args: ["eks", "get-token", "--cluster-name", "prod", "--role-arn", "arn:aws:iam::' + g.digits(12) + ':role/eks-admin"]', "resource_id")

    f = repo.f("ansible/inventory/hosts.ini")
    f.t("[web]")
    f.s(f"web1 ansible_host=10.0.1.{r.randint(2, 250)} ansible_user=deploy ansible_password='{g.pw().replace(chr(39), '')}'", "ansible_password")
    f.n(f"web2 ansible_host=10.0.1.{r.randint(2, 250)} ansible_user=deploy ansible_ssh_private_key_file=~/.ssh/deploy_ed25519", "file_path")
    f.t("", "[db]", "db1 ansible_host=10.0.2.10", "", "[db:vars]")
    f.s(f"ansible_become_pass={g.human_pw()}", "ansible_become_password")
    f.s(f"postgres_replication_password={g.urlpw()}", "generic_password")
    f.t("", "[win]", "win1 ansible_host=10.0.3.7", "", "[win:vars]", "ansible_user=Administrator",
        "ansible_connection=winrm")
    f.s(f"ansible_winrm_password={g.pw()}", "ansible_password")
    f.n('ansible_become_password="{{ vault_win_become_password }}"', "template_ref")
    f.t("ansible_winrm_server_cert_validation=ignore")

    f = repo.f("shop/auth.json")
    f.t("{", '  "http-basic": {', '    "repo.packagist.com": {', '      "username": "token",')
    f.s(f'      "password": "{g.hex(40)}"', "packagist_token")
    f.t("    },", '    "satis.acme.example": {', '      "username": "ci",')
    f.n('      "password": ""', "empty_value")
    f.t("    }", "  },", '  "gitlab-token": {')
    f.s(f'    "gitlab.acme.example": "{P["glpat"]}{g.s(US, 20)}"', "gitlab")
    f.t("  },", '  "bitbucket-oauth": {', '    "bitbucket.org": {')
    f.n(f'      "consumer-key": "{g.an(18)}",', "oauth_client_id")
    f.s(f'      "consumer-secret": "{g.an(32)}"', "bitbucket_oauth_secret")
    f.t("    }", "  },", '  "bearer": {')
    f.s(f'    "private.repo.acme.example": "{g.s(US, 48)}"', "generic_api_key")
    f.t("  }", "}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("outdir")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    out = Path(a.outdir)
    out.mkdir(parents=True, exist_ok=True)
    g = Gen(random.Random(a.seed))
    repo = Repo(out)
    for b in BUILDERS:
        b(repo, g)
    labels = repo.write()
    sec = sum(1 for x in labels if x["label"] == "secret")
    print(f"seed {a.seed}: {len(repo.files)} files, {len(labels)} labels, {sec} secret, {len(labels) - sec} not_secret")


if __name__ == "__main__":
    main()

"""Where `br telemetry push` sends OTLP, if anywhere: nothing leaves the machine unless the user
named an endpoint.

Checked in this order, the first one set wins:

1. `--endpoint URL` on the command line;
2. `BR_OTLP_ENDPOINT`, then the standard `OTEL_EXPORTER_OTLP_ENDPOINT`, in the environment;
3. `[telemetry.otlp] endpoint` in the user's config, `$BR_HOME/config.toml`;
4. `[telemetry.otlp] endpoint` in the repository's committed `.buildrunner/config.toml`, only once
   the user trusts that file (`br config trust`), and then only that project's rows are sent.

The endpoint is the collector's base URL (`http://collector:4318`); `/v1/logs` and `/v1/metrics`
are appended, as the OTLP exporter specification does for `OTEL_EXPORTER_OTLP_ENDPOINT`.
Stdlib only: nothing here imports the OpenTelemetry SDK.
"""

from __future__ import annotations

import hashlib
import math
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from br_core.config import (
    SENDS,
    LoadedConfig,
    TrustRule,
    read_config,
    read_user_config,
    section,
    withhold_untrusted,
)
from br_core.errors import ConfigError, UsageError

TABLE = "telemetry.otlp"
DEFAULT_TIMEOUT_S = 10.0
MAX_TIMEOUT_S = 120.0
ENV_VARS = ("BR_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
KNOWN_KEYS = {"endpoint": "the collector's OTLP/HTTP base URL", "timeout_s": "seconds, 0-120"}
_SIGNAL_PATH = re.compile(r"/v1/(logs|metrics|traces)/?$")
_UNSAFE = re.compile(r"[\x00-\x20\x7f]")
TRUST_RULES = (TrustRule("endpoint", SENDS, lambda values: True),)


@dataclass(frozen=True)
class OtlpTarget:
    """A checked endpoint, the per-request timeout, where the endpoint came from, and the one
    project whose rows may go there (None: every project in this user's store)."""

    endpoint: str
    timeout_s: float
    source: str
    project_id: str | None = None

    @property
    def logs_url(self) -> str:
        return f"{self.endpoint}/v1/logs"

    @property
    def metrics_url(self) -> str:
        return f"{self.endpoint}/v1/metrics"

    @property
    def watermark_key(self) -> str:
        """What the export watermark is kept under: each endpoint (and scope) gets every row
        once; the URL is hashed so the store holds no address."""
        scope = self.project_id or "*"
        digest = hashlib.sha256(f"{self.endpoint}\n{scope}".encode()).hexdigest()[:16]
        return f"otlp_exported:{digest}"


def parse_endpoint(value: object, where: str) -> str:
    """`value` as a base URL (no trailing slash), or a UsageError naming `where` and the fix."""
    if not isinstance(value, str) or not value.strip():
        raise UsageError(f"{where}: the OTLP endpoint must be a URL such as http://localhost:4318")
    text = value.strip()
    if len(text) > 2048 or _UNSAFE.search(text):
        raise UsageError(f"{where}: the OTLP endpoint holds spaces or control characters")
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError as exc:
        raise UsageError(f"{where}: not a URL ({exc}); use http://HOST:4318") from exc
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{where}: the OTLP endpoint must be http:// or https:// with a host")
    if parts.username is not None or parts.password is not None:
        raise UsageError(
            f"{where}: the OTLP endpoint carries credentials; drop them from the URL and set "
            "OTEL_EXPORTER_OTLP_HEADERS instead"
        )
    if parts.query or parts.fragment:
        raise UsageError(f"{where}: the OTLP endpoint has a query or fragment; give the base URL")
    if _SIGNAL_PATH.search(parts.path):
        raise UsageError(
            f"{where}: give the collector's base URL without /v1/logs or /v1/metrics "
            "(both are appended)"
        )
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    netloc = host if port is None else f"{host}:{port}"
    return f"{parts.scheme}://{netloc}{parts.path.rstrip('/')}"


def parse_timeout(value: object, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"{where}: [{TABLE}] timeout_s must be a number of seconds, 0-120")
    seconds = float(value)
    if not math.isfinite(seconds) or not 0 < seconds <= MAX_TIMEOUT_S:
        raise ConfigError(f"{where}: [{TABLE}] timeout_s must be above 0 and at most 120")
    return seconds


def otlp_table(loaded: LoadedConfig) -> dict[str, Any]:
    """`[telemetry.otlp]` of a loaded config, checked to be a table of known keys."""
    telemetry = section(loaded.data, "telemetry", loaded.path)
    values = telemetry.get("otlp", {})
    if not isinstance(values, dict):
        raise ConfigError(f"{loaded.path}: [{TABLE}] must be a table; write it as `[{TABLE}]`")
    unknown = sorted(set(values) - set(KNOWN_KEYS))
    if unknown:
        known = "; ".join(f"{k} ({v})" for k, v in KNOWN_KEYS.items())
        raise ConfigError(f"{loaded.path}: [{TABLE}] unknown key {unknown[0]!r}; known: {known}")
    return values


def resolve_target(
    root: Path | None,
    project_id: str | None,
    flag: str | None = None,
    env: Mapping[str, str] | None = None,
) -> tuple[OtlpTarget | None, list[str]]:
    """The endpoint to push to (None: none configured, nothing is sent) and the notices to show
    (an untrusted repository config that names one)."""
    environ = os.environ if env is None else env
    user = read_user_config()
    user_values = otlp_table(user)
    timeout = DEFAULT_TIMEOUT_S
    if "timeout_s" in user_values:
        timeout = parse_timeout(user_values["timeout_s"], str(user.path))
    if flag is not None:
        return OtlpTarget(parse_endpoint(flag, "--endpoint"), timeout, "--endpoint"), []
    for var in ENV_VARS:
        if environ.get(var, "").strip():
            return OtlpTarget(parse_endpoint(environ[var], var), timeout, var), []
    if "endpoint" in user_values:
        endpoint = parse_endpoint(user_values["endpoint"], f"{user.path} [{TABLE}] endpoint")
        return OtlpTarget(endpoint, timeout, str(user.path)), []
    if root is None:
        return None, []
    repo = read_config(root)
    values, notices = withhold_untrusted(repo, TABLE, otlp_table(repo), TRUST_RULES)
    if "endpoint" not in values:
        return None, notices
    endpoint = parse_endpoint(values["endpoint"], f"{repo.path} [{TABLE}] endpoint")
    if "timeout_s" in values:
        timeout = parse_timeout(values["timeout_s"], str(repo.path))
    return OtlpTarget(endpoint, timeout, str(repo.path), project_id), notices

"""Fuzzing where `br telemetry push` sends: the endpoint URL and the `[telemetry.otlp]` tables.

Properties: an endpoint is a clean http(s) base URL (no credentials, query or signal path, parsed
to itself again), or a UsageError of one line that does not echo the value; a user or repository
config gives a target, None, or a ConfigError/UsageError of one line; never a traceback.
Also: the path scrubber leaves no absolute path behind.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from br_core.errors import UsageError
from br_core.telemetry.export_config import parse_endpoint, resolve_target
from br_core.telemetry.export_records import scrub
from tests.fuzz.strategies import expected_or_value, floats, ints, mutate, text

_hosts = st.sampled_from(["collector", "127.0.0.1", "[::1]", "a.b-c.example", "", "ä.example"])
_ports = st.one_of(st.none(), ints).map(lambda p: "" if p is None else f":{p}")
_paths = st.sampled_from(["", "/", "/otlp", "/v1/logs", "/v1/metrics/", "//x", "/a b", "/%00"])
_urls = st.tuples(
    st.sampled_from(["http://", "https://", "ftp://", "", "HTTP://", "http:/"]),
    st.sampled_from(["", "user@", "user:pw@", ":@"]),
    _hosts,
    _ports,
    _paths,
    st.sampled_from(["", "?a=1", "#f", "?"]),
).map("".join)
endpoints = st.one_of(_urls, _urls.flatmap(mutate), text)


@given(endpoints)
def test_an_endpoint_is_a_clean_base_url_or_one_line(value: str) -> None:
    result = expected_or_value(lambda: parse_endpoint(value, "--endpoint"))
    if isinstance(result, UsageError):
        assert result.message.startswith("--endpoint: ")
        if len(value) > 12:
            assert value not in result.message  # the value may hold a token: never echoed
        return
    parts = urlsplit(result)
    assert parts.scheme in ("http", "https") and parts.hostname
    assert parts.username is None and parts.password is None
    assert not parts.query and not parts.fragment and not result.endswith("/")
    assert not re.search(r"/v1/(logs|metrics|traces)$", parts.path)
    assert not re.search(r"[\x00-\x20\x7f]", result)
    assert parse_endpoint(result, "--endpoint") == result


_values = st.one_of(
    endpoints.map(json.dumps),
    ints.map(str),
    floats.map(lambda f: repr(f)),
    st.sampled_from(["true", "[]", "{}", "inf", "nan", "-1", "0", "121", "1e-9"]),
    text.map(json.dumps),
)
_lines = st.one_of(
    st.sampled_from(["[telemetry.otlp]", "[telemetry]", "otlp = 1", "[telemetry.otlp.x]", ""]),
    st.tuples(st.sampled_from(["endpoint", "timeout_s", "headers", "x"]), _values).map(
        lambda kv: f"{kv[0]} = {kv[1]}"
    ),
    text,
)
docs = st.lists(_lines, max_size=6).map("\n".join)


@given(docs, docs, st.sampled_from([{}, {"BR_OTLP_ENDPOINT": "http://c:4318"}]))
def test_configs_give_a_target_none_or_one_line(user: str, repo: str, env: dict[str, str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        home, root = Path(tmp) / "home", Path(tmp) / "repo"
        (root / ".buildrunner").mkdir(parents=True)
        home.mkdir()
        (home / "config.toml").write_text(user, encoding="utf-8", errors="surrogatepass")
        (root / ".buildrunner" / "config.toml").write_bytes(repo.encode("utf-8", "surrogatepass"))
        previous = os.environ.get("BR_HOME")
        os.environ["BR_HOME"] = str(home)
        try:
            result = expected_or_value(lambda: resolve_target(root, "p" * 16, None, env))
        finally:
            if previous is not None:
                os.environ["BR_HOME"] = previous
        if isinstance(result, UsageError):
            return
        target, notices = result
        if target is not None:
            assert 0 < target.timeout_s <= 120
            assert target.project_id in (None, "p" * 16)
            assert urlsplit(target.endpoint).scheme in ("http", "https")
            # an untrusted repository never chooses where data goes
            assert target.project_id is None
        for notice in notices:
            assert "\n" not in notice and "br config trust" in notice


_path_parts = st.lists(st.text(alphabet="abc.-_ é", min_size=1, max_size=6), min_size=1, max_size=4)


@given(
    st.sampled_from(["/", "~/", "C:\\", "/home/"]),
    _path_parts,
    st.sampled_from(["/", "\\"]),
    text,
)
def test_scrub_leaves_no_absolute_path(root: str, parts: list[str], sep: str, around: str) -> None:
    parts = [p.strip() or "x" for p in parts]
    parts = [p for p in parts if " " not in p] or ["x"]
    path = root + sep.join(parts) + (sep + "f" if root == "/" else "")
    out = scrub(f"{around} {path} {around}")
    assert path not in out
    assert len(out) <= 220


@pytest.mark.parametrize("value", ["http://c:4318/", "https://[::1]:4318/otlp", "http://c"])
def test_good_endpoints(value: str) -> None:
    assert parse_endpoint(value, "x") == value.rstrip("/")

"""Fuzzing the committed-file loaders: config.toml, secrets-baseline.json, whitelist.txt.

Property: a value, or a ConfigError of one line naming the file; never a traceback or a hang.
"""

from __future__ import annotations

import fnmatch
import json
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from br_core.config import CONFIG_DIR, load_config, section
from br_core.errors import ConfigError
from br_core.scan.allowlist import (
    WHITELIST_FILE,
    _glob_matcher,
    compile_globs,
    glob_matches,
    load_whitelist,
)
from br_core.scan.baseline import BASELINE_FILE, load_baseline
from tests.fuzz.strategies import expected_or_value, ints, json_values, mutate, text

# --- config.toml -------------------------------------------------------------------------------

_keys = st.sampled_from(["enabled", "exclude", "fail_under", "reports", "staleness", "a.b", '"q"'])
_toml_values = st.one_of(
    st.sampled_from(["true", "false", "1", "-0", "inf", "nan", "1979-05-27T07:32:00Z", "0x_1"]),
    ints.map(str),
    text.map(json.dumps),
    st.lists(ints.map(str), max_size=3).map(lambda xs: "[" + ", ".join(xs) + "]"),
    st.integers(1, 3000).map(lambda n: "[" * n + "]" * n),  # deep nesting
    st.integers(1, 3000).map(lambda n: "{a = " * n + "1" + "}" * n),
)
_toml_lines = st.one_of(
    st.sampled_from(["[secrets]", "[coverage]", "[[x]]", "[telemetry]", "# c", "", "[a.b.c]"]),
    st.tuples(_keys, _toml_values).map(lambda kv: f"{kv[0]} = {kv[1]}"),
    text,
)
toml_docs = st.lists(_toml_lines, max_size=12).map("\n".join)


def _write(root: Path, rel: str, data: bytes) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def _encode(doc: str) -> bytes:
    return doc.encode("utf-8", "surrogatepass")  # lone surrogates become invalid UTF-8


@given(
    st.one_of(
        toml_docs.map(_encode),
        toml_docs.flatmap(mutate).map(_encode),
        st.binary(max_size=200),
    )
)
def test_config_loader_returns_a_table_or_one_line(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _write(root, f"{CONFIG_DIR}/config.toml", data)
        config = expected_or_value(lambda: load_config(root))
        if isinstance(config, dict):
            for name in ("secrets", "coverage", "telemetry", "x"):
                expected_or_value(lambda name=name: section(config, name, root))  # type: ignore[misc]


# --- secrets-baseline.json ---------------------------------------------------------------------

_hashes = st.one_of(
    st.text(alphabet="0123456789abcdefABCDEF", min_size=60, max_size=66),
    json_values,
)
_entries = st.lists(
    st.one_of(
        st.fixed_dictionaries({"path": text, "rule": text, "hash": _hashes}),
        st.dictionaries(st.sampled_from(["hash", "path", "x"]), json_values, max_size=3),
        json_values,
    ),
    max_size=5,
)
_baselines: st.SearchStrategy[Any] = st.one_of(
    st.fixed_dictionaries({"version": json_values, "secrets": _entries}),
    st.fixed_dictionaries({"secrets": json_values}),
    json_values,
)


def _nested_json(depth: int) -> str:
    return '{"secrets": ' + "[" * depth + "]" * depth + "}"


@given(
    st.one_of(
        _baselines.map(lambda d: _encode(json.dumps(d))),
        _baselines.map(json.dumps).flatmap(mutate).map(_encode),
        st.integers(1, 100_000).map(lambda n: _nested_json(n).encode()),
        st.binary(max_size=100),
    )
)
def test_baseline_loader_returns_hashes_or_one_line(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _write(root, BASELINE_FILE, data)
        baseline = expected_or_value(lambda: load_baseline(root))
        if not isinstance(baseline, ConfigError):
            assert all(len(h) == 64 for *_, h in baseline.entries)


def test_a_deeply_nested_baseline_is_a_config_error() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _write(root, BASELINE_FILE, _nested_json(100_000).encode())
        result = expected_or_value(lambda: load_baseline(root))
        assert isinstance(result, ConfigError)
        assert BASELINE_FILE in result.message


# --- whitelist.txt -----------------------------------------------------------------------------

_whitelist_entries = st.one_of(
    st.sampled_from(["src/app.py:12", "a:0", ":3", "fp:" + "ab" * 10, "docs/", "*.md", "**/x/**"]),
    st.text(alphabet="ab*?/.:#[]{} \\", max_size=30),
    st.tuples(text, ints).map(lambda t: f"{t[0]}:{t[1]}"),
    text,
)
_paths = st.one_of(st.text(alphabet="ab/._*", max_size=60), text)


@given(
    st.lists(_whitelist_entries, max_size=10).map("\n".join),
    st.lists(_paths, min_size=1, max_size=4),
    ints,
)
def test_whitelist_loads_and_matches_or_says_one_line(
    body: str, paths: list[str], line: int
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _write(root, WHITELIST_FILE, _encode(body))
        whitelist = expected_or_value(lambda: load_whitelist(root))
        if isinstance(whitelist, ConfigError):
            return
        combined = compile_globs(whitelist.globs)
        for path in paths:
            whitelist.allows(path, line, fingerprint=path)
            whitelist.path_allowed(path)
            if combined is not None:
                combined.fullmatch(path)


def test_a_deeply_nested_config_is_a_config_error() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        _write(root, f"{CONFIG_DIR}/config.toml", ("a = " + "[" * 5000 + "]" * 5000).encode())
        result = expected_or_value(lambda: load_config(root))
        assert isinstance(result, ConfigError)
        assert "config.toml" in result.message


def test_a_whitelist_glob_matches_in_bounded_time() -> None:
    code = (
        "from br_core.scan.allowlist import compile_globs, glob_matches\n"
        "glob_matches('*a' * 6 + '*b', 'a' * 80)\n"
        "compile_globs(['*a' * 6 + '*b']).fullmatch('a' * 80)\n"
        # `**` and `*` in turn: a backtracking regex ran for minutes on 80 directories
        "deep = '/'.join(['xaxa'] * 80)\n"
        "assert not glob_matches('**a*a' * 5 + '**b', deep)\n"
        "assert not compile_globs(['**a*a' * 5 + '**b']).fullmatch(deep)\n"
        "assert glob_matches('**a*a' * 5 + '**/b', deep + '/b')\n"
        "assert not glob_matches('**a*a' * 5 + '**/b', deep + '/c')\n"
        "assert compile_globs(['**a*a' * 5 + '**/b']).fullmatch(deep + '/b')\n"
        "assert not compile_globs(['**a*a' * 5 + '**/b']).fullmatch(deep + '/c')\n"
    )
    subprocess.run([sys.executable, "-c", code], timeout=5, check=True)  # sre ignores SIGALRM


def _backtracking_glob_regex(pattern: str) -> re.Pattern[str]:
    """The glob translation before the linear one: the oracle for what a glob means."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        else:
            out.append("[^/]*" if ch == "*" else "[^/]" if ch == "?" else re.escape(ch))
            i += 1
    return re.compile("".join(out) + r"\Z")


@given(st.text(alphabet="ab*?/", max_size=9), st.text(alphabet="ab/", max_size=10))
def test_the_linear_glob_means_what_the_backtracking_one_meant(glob: str, path: str) -> None:
    expected = bool(_backtracking_glob_regex(glob).match(path))
    assert _glob_matcher(glob).fullmatch(path) == expected


_segment_globs = st.text(alphabet="ab.*?", min_size=1, max_size=6).filter(lambda g: "**" not in g)
_names = st.text(alphabet="ab.", min_size=1, max_size=6).filter(lambda n: n.strip(".") != "")


@given(
    st.lists(_segment_globs, min_size=2, max_size=5).map("/".join),
    st.lists(_names, min_size=1, max_size=60).map("/".join),
)
def test_a_glob_without_double_star_matches_like_fnmatch_segment_by_segment(
    glob: str, path: str
) -> None:
    """Where fnmatch and our globs agree (no `**`, no `[`; `*` and `?` inside one segment),
    fnmatch is the reference; the paths run long enough that backtracking would show."""
    parts, names = glob.split("/"), path.split("/")
    expected = len(parts) == len(names) and all(map(fnmatch.fnmatchcase, names, parts))
    assert glob_matches(glob, path) == expected
    assert compile_globs([glob]).fullmatch(path) == expected  # type: ignore[union-attr]


@given(st.text(alphabet="ab*?", max_size=8), st.lists(_names, min_size=1, max_size=8).map("/".join))
def test_a_glob_without_slash_matches_the_file_name_at_any_depth(glob: str, path: str) -> None:
    expected = fnmatch.fnmatchcase(path.rsplit("/", 1)[-1], glob)
    assert glob_matches(glob, path) == expected
    assert compile_globs([glob]).fullmatch(path) == expected  # type: ignore[union-attr]

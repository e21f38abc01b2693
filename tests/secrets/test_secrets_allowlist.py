"""Suppression shared by every detector: inline markers, whitelist entries, compiled globs."""

from __future__ import annotations

from pathlib import Path

import pytest

from br_core.errors import ConfigError
from br_core.scan.allowlist import (
    append_entry,
    compile_globs,
    glob_matches,
    has_inline_marker,
    load_whitelist,
    parse_whitelist,
)

GLOBS = ["package-lock.json", "*.min.js", "node_modules/", "src/**", "docs/*.md", "a/?.txt"]
PATHS = [
    ("package-lock.json", True),
    ("web/package-lock.json", True),
    ("x.min.js", True),
    ("lib/x.min.js", True),
    ("node_modules/a/b.js", True),
    ("pkg/node_modules/b.js", True),
    ("mynode_modules/x.js", False),
    ("src/a/b.py", True),
    ("docs/a.md", True),
    ("docs/x/a.md", False),
    ("a/b.txt", True),
    ("a/bc.txt", False),
    ("app.py", False),
]


@pytest.mark.parametrize(("path", "expected"), PATHS)
def test_compiled_globs_agree_with_single_globs(path: str, expected: bool) -> None:
    matcher = compile_globs(GLOBS)
    assert matcher is not None
    assert bool(matcher.fullmatch(path)) is expected
    assert any(glob_matches(g, path) for g in GLOBS) is expected


@pytest.mark.parametrize(
    ("line", "allowed"),
    [
        ("x = 1  # br:allow", True),
        ("x = 1  // gitleaks:allow", True),
        ("x = 1  # pragma: allowlist secret", True),
        ("x = 1  # allow", False),
    ],
)
def test_inline_markers(line: str, allowed: bool) -> None:
    assert has_inline_marker(line) is allowed


def test_whitelist_file_and_append(tmp_path: Path) -> None:
    assert load_whitelist(tmp_path).allows("a.py", 1) is False
    path = append_entry(tmp_path, "src/a.py:3")
    append_entry(tmp_path, "src/a.py:3")  # idempotent
    append_entry(tmp_path, "fp:0123456789abcdef")
    assert path.read_text(encoding="utf-8") == "src/a.py:3\nfp:0123456789abcdef\n"
    whitelist = load_whitelist(tmp_path)
    assert whitelist.allows("./src/a.py", 3)
    assert whitelist.allows(str(tmp_path / "src" / "a.py"), 3)
    assert whitelist.allows("other.py", 9, "0123456789abcdef" + "00" * 24)
    assert not whitelist.allows("other.py", 9, "fedcba9876543210")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"a.py:x\n", "line number >= 1"),
        (b":12\n", "has no path"),
        (b"two words\n", "contains spaces"),
        (b"\xff\xfe\n", "not UTF-8"),
    ],
)
def test_malformed_whitelist(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / ".buildrunner").mkdir()
    (tmp_path / ".buildrunner" / "whitelist.txt").write_bytes(content)
    with pytest.raises(ConfigError, match=message):
        load_whitelist(tmp_path)


def test_comments_and_blank_lines_are_ignored() -> None:
    whitelist = parse_whitelist("# header\n\nsrc/a.py:2  # why\n")
    assert whitelist.lines == {("src/a.py", 2)}


def test_a_path_is_matched_once_and_a_glob_added_later_still_counts(tmp_path: Path) -> None:
    whitelist = parse_whitelist("docs/\n", root=tmp_path)
    absolute = str(tmp_path / "src" / "a.py")
    assert not whitelist.allows(absolute, 1) and not whitelist.path_allowed("src/a.py")
    whitelist.globs.append("src/**")  # the per-path answers remembered so far are dropped
    assert whitelist.allows(absolute, 1) and whitelist.path_allowed("./src/a.py")
    assert whitelist.allows(str(tmp_path / "docs" / "x.md"), 3)

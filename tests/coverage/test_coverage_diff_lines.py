"""Changed-line extraction from real `git diff` output: edits, renames, deletions, binaries."""

from __future__ import annotations

from pathlib import Path

import pytest

from br_core.coverage.diff_lines import (
    changes_since,
    format_ranges,
    parse_diff,
    staged_changes,
    unquote_path,
)
from br_core.git import GitError
from tests.conftest import git

BASE = "one\ntwo\nthree\nfour\nfive\n"


def _commit(repo: Path, files: dict[str, bytes | str], message: str = "base") -> None:
    for name, content in files.items():
        path = repo / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.encode()
        path.write_bytes(content)
        git(repo, "add", "--", name)
    git(repo, "commit", "-q", "-m", message)


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        # an edit in the middle and an addition at the end
        (BASE, "one\nTWO\nthree\nfour\nfive\nsix\n", [2, 6]),
        # pure deletion: nothing to cover
        (BASE, "one\nfour\nfive\n", []),
        # insertion shifts later lines; only the inserted ones count
        (BASE, "zero\none\ntwo\nthree\nfour\nfive\n", [1]),
        # the last line loses its newline: the line itself changed
        (BASE, "one\ntwo\nthree\nfour\nFIVE", [5]),
        # a file without a final newline gains lines: the old last line is rewritten too
        ("one\ntwo", "one\ntwo\nthree\n", [2, 3]),
        # content that looks like diff headers must not confuse the parser
        (BASE, "one\n++ b/evil\n--- a/x\nthree\nfour\nfive\n", [2, 3]),
        # unchanged file: no lines
        (BASE, BASE, []),
        # invalid UTF-8 in a text file is still text to git
        (BASE, BASE + "caf\udcff\n", [6]),
    ],
)
def test_staged_edits(git_repo: Path, before: str, after: str, expected: list[int]) -> None:
    _commit(git_repo, {"f.py": before})
    (git_repo / "f.py").write_bytes(after.encode("utf-8", "surrogateescape"))
    git(git_repo, "add", "f.py")
    assert staged_changes(git_repo).get("f.py", []) == expected


def test_no_newline_hunk_points_at_the_real_new_lines(git_repo: Path) -> None:
    # diff-cover counts the "\ No newline" marker as a line and shifts the numbers after it;
    # the new lines here are 2 and 3 (b and c), which is what the file itself says
    _commit(git_repo, {"f.py": "a\nold"})
    (git_repo / "f.py").write_text("a\nb\nc\n")
    git(git_repo, "add", "f.py")
    changed = staged_changes(git_repo)["f.py"]
    lines = (git_repo / "f.py").read_text().splitlines()
    assert [lines[n - 1] for n in changed] == ["b", "c"]


def test_renames_deletions_binaries_and_odd_names(git_repo: Path) -> None:
    body = "".join(f"line {i}\n" for i in range(1, 21))
    other = "".join(f"other {i}\n" for i in range(1, 21))
    files: dict[str, bytes | str] = {
        "old.py": body,
        "keep.py": other,
        "gone.py": BASE,
        "img.bin": b"\x00\x01" * 50,
    }
    _commit(git_repo, files)
    git(git_repo, "mv", "old.py", "new.py")
    git(git_repo, "mv", "keep.py", "moved.py")  # a pure rename adds no lines
    (git_repo / "new.py").write_text(body.replace("line 7\n", "line seven\n"))
    git(git_repo, "rm", "-q", "gone.py")
    (git_repo / "img.bin").write_bytes(b"\x00\x02" * 50)
    (git_repo / "my file.py").write_text("x = 1\ny = 2\n")
    (git_repo / "té st.py").write_text("z = 3\n")
    git(git_repo, "add", "-A")
    changed = staged_changes(git_repo)
    assert changed == {
        "my file.py": [1, 2],
        "new.py": [7],
        "té st.py": [1],
    }


def test_initial_commit_has_no_head(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    repo = tmp_path / "fresh"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    (repo / "a.py").write_text("a = 1\nb = 2\n")
    git(repo, "add", "a.py")
    assert staged_changes(repo) == {"a.py": [1, 2]}


def test_changes_since_base_uses_the_merge_base(git_repo: Path) -> None:
    _commit(git_repo, {"f.py": BASE})
    git(git_repo, "checkout", "-q", "-b", "feature")
    _commit(git_repo, {"f.py": BASE + "six\n"}, "feature work")
    git(git_repo, "checkout", "-q", "main")
    _commit(git_repo, {"other.py": "x\n"}, "main moves on")
    git(git_repo, "checkout", "-q", "feature")
    # other.py changed on main only: `base...HEAD` leaves it out
    assert changes_since(git_repo, "main") == {"f.py": [6]}


@pytest.mark.parametrize("rev", ["no-such-branch", "--output=/tmp/x", ""])
def test_bad_base_is_a_one_line_usage_error(git_repo: Path, rev: str) -> None:
    with pytest.raises(GitError) as info:
        changes_since(git_repo, rev)
    assert info.value.exit_code == 2
    assert "\n" not in info.value.message


@pytest.mark.parametrize(
    ("quoted", "plain"),
    [
        ('"b/t\\303\\251.py"', "b/té.py"),
        ('"b/a\\"q\\\\.py"', 'b/a"q\\.py'),
        ('"b/tab\\there"', "b/tab\there"),
        ("b/plain.py", "b/plain.py"),
        ('"b/bad\\9"', "b/bad\\9"),
    ],
)
def test_unquote_path(quoted: str, plain: str) -> None:
    assert unquote_path(quoted) == plain


def test_parse_diff_ignores_hunks_without_a_file_and_deleted_files() -> None:
    text = (
        "@@ -1 +1 @@\n+orphan\n"
        "diff --git a/x b/x\n--- a/x\n+++ /dev/null\n@@ -1,2 +0,0 @@\n-a\n-b\n"
    )
    assert parse_diff(text) == {}


@pytest.mark.parametrize(
    ("lines", "ranges"),
    [([], []), ([4], ["4"]), ([3, 4, 5, 9], ["3-5", "9"]), ([9, 3, 4], ["3-4", "9"])],
)
def test_format_ranges(lines: list[int], ranges: list[str]) -> None:
    assert format_ranges(lines) == ranges

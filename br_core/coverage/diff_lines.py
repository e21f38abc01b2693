"""Which lines a change adds or modifies, per file, from `git diff -U0`.

Only the new side of each hunk matters to a coverage gate: deleted lines cannot be covered, and a
rename without edits adds nothing. Binary files have no hunks and drop out on their own.
"""

from __future__ import annotations

import re
from pathlib import Path

from br_core.git import GitError, run_git

# Fixed options so user config (colour, external diff drivers, textconv, relative paths, prefixes,
# rename detection) cannot change what we parse. Quoted names are undone by unquote_path.
_DIFF_OPTS = [
    "diff",
    "--no-color",
    "--no-ext-diff",
    "--no-textconv",
    "--no-relative",
    "--find-renames",
    "--unified=0",
    "--src-prefix=a/",
    "--dst-prefix=b/",
]
_HUNK = re.compile(r"^@@ -\d+(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")
_ESCAPES = {"a": 7, "b": 8, "t": 9, "n": 10, "v": 11, "f": 12, "r": 13, '"': 34, "\\": 92}


def unquote_path(text: str) -> str:
    """Undo git's C-style quoting of a path ("b/t\\303\\251.py" -> b/té.py)."""
    if not (len(text) >= 2 and text[0] == '"' and text[-1] == '"'):
        return text
    body, out, i = text[1:-1], bytearray(), 0
    while i < len(body):
        char = body[i]
        if char != "\\" or i + 1 == len(body):
            out += char.encode("utf-8", "surrogateescape")
            i += 1
        elif body[i + 1] in _ESCAPES:
            out.append(_ESCAPES[body[i + 1]])
            i += 2
        elif re.fullmatch(r"[0-7]{3}", body[i + 1 : i + 4]):
            out.append(int(body[i + 1 : i + 4], 8) & 0xFF)
            i += 4
        else:
            out += b"\\"
            i += 1
    return out.decode("utf-8", "surrogateescape")


def _target_path(header: str) -> str | None:
    """The new-side path of a `+++ ` header; None for a deletion."""
    name = header[4:]
    if name.endswith("\t"):  # git appends a tab when the name contains a space
        name = name[:-1]
    if name == "/dev/null":
        return None
    name = unquote_path(name)
    return name[2:] if name.startswith("b/") else name


def parse_diff(text: str) -> dict[str, list[int]]:
    """Added or changed line numbers (new side) per path, from unified diff text."""
    changed: dict[str, set[int]] = {}
    path: str | None = None
    new_line = old_left = new_left = 0
    # split on "\n" only: str.splitlines() would also split on form feeds inside code lines
    for line in text.split("\n"):
        if old_left > 0 or new_left > 0:
            if line.startswith("+"):
                if path is not None:
                    changed.setdefault(path, set()).add(new_line)
                new_line, new_left = new_line + 1, new_left - 1
            elif line.startswith("-"):
                old_left -= 1
            elif line.startswith(" "):
                new_line, old_left, new_left = new_line + 1, old_left - 1, new_left - 1
            # "\ No newline at end of file" belongs to the line before it: no line number
            continue
        if line.startswith("diff "):
            path = None
        elif line.startswith("+++ "):
            path = _target_path(line)
        elif line.startswith("@@ "):
            match = _HUNK.match(line)
            if match is None:
                continue
            old_left = int(match.group(1) or "1")
            new_line = int(match.group(2))
            new_left = int(match.group(3) or "1")
    return {name: sorted(lines) for name, lines in sorted(changed.items()) if lines}


def staged_changes(root: Path) -> dict[str, list[int]]:
    """Lines added or changed in the index compared with HEAD (or the empty tree)."""
    return parse_diff(run_git([*_DIFF_OPTS, "--cached", "--"], cwd=root))


def changes_since(root: Path, base: str, head: str = "HEAD") -> dict[str, list[int]]:
    """Lines added or changed on `head` since it forked from `base` (`git diff base...head`)."""
    for rev in (base, head):
        if not rev or rev.startswith("-"):
            raise GitError(f"{rev!r}: not a revision; pass a branch, tag or commit")
    try:
        text = run_git([*_DIFF_OPTS, f"{base}...{head}", "--"], cwd=root)
    except GitError as exc:
        # one git call instead of verifying each revision first: start-up time matters here
        raise GitError(
            f"{base}...{head}: not a known revision range in {root} ({exc.message}); "
            "fetch the branch or pass an existing one"
        ) from exc
    return parse_diff(text)


def format_ranges(lines: list[int]) -> list[str]:
    """[3, 4, 5, 9] -> ["3-5", "9"]: the form people read line lists in."""
    ranges: list[str] = []
    start = prev = None
    for number in sorted(lines):
        if prev is not None and number == prev + 1:
            prev = number
            continue
        if start is not None:
            ranges.append(f"{start}-{prev}" if start != prev else str(start))
        start = prev = number
    if start is not None:
        ranges.append(f"{start}-{prev}" if start != prev else str(start))
    return ranges

"""Suppression shared by every detector: inline markers and `.buildrunner/whitelist.txt`.

Inline: a line carrying `br:allow`, `gitleaks:allow` or `pragma: allowlist secret` is never
reported (the same spellings other scanners use, so existing suppressions keep working).

`.buildrunner/whitelist.txt` holds one entry per line (`#` starts a comment):

- `path:line`        one line of one file (`src/app.py:12`)
- `fp:<hex>` or a bare hex string of 12-64 characters: a finding fingerprint
- anything else      a path glob (`tests/fixtures/**`, `*.md`, `docs/`); a glob without `/`
                     matches the file name at any depth, one ending in `/` a whole tree
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path, PurePosixPath

from br_core.errors import ConfigError

WHITELIST_FILE = ".buildrunner/whitelist.txt"
# Paths of every kind: a glob (or exclude pattern) that matches all of them matches everything.
PROBE_PATHS = ("a", "a.py", ".env", "src/app.py", "config/prod.yml", "a/b/c/d/e.txt")
INLINE_MARKERS = ("br:allow", "gitleaks:allow", "pragma: allowlist secret")
_FINGERPRINT = re.compile(r"(?:fp:)?([0-9a-fA-F]{12,64})")
_PATH_LINE = re.compile(r"(?P<path>.+):(?P<line>[^:]*)")
_MIN_FP = 12


def has_inline_marker(line: str) -> bool:
    """True when `line` carries one of the inline allow markers."""
    return any(marker in line for marker in INLINE_MARKERS)


_STAR, _DSTAR, _DSTAR_SLASH = "[^/]*", ".*", "(?:.*/)?"


def _glob_tokens(pattern: str) -> list[tuple[str, str]]:
    """(kind, regex) pieces: "wild" for `*`, `**`, `**/`; "lit" for a character or `?`."""
    tokens: list[tuple[str, str]] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if pattern.startswith("**/", i):
            tokens.append(("wild", _DSTAR_SLASH))
            i += 3
        elif pattern.startswith("**", i):
            tokens.append(("wild", _DSTAR))
            i += 2
        else:
            kind = "wild" if ch == "*" else "lit"
            tokens.append((kind, _STAR if ch == "*" else "[^/]" if ch == "?" else re.escape(ch)))
            i += 1
    return tokens


def _chunks(pattern: str) -> tuple[list[str], list[list[str]]]:
    """A glob as wildcard runs and the literal chunks after each: `lead`, then (run, chunk)..."""
    runs: list[str] = []
    chunks: list[list[str]] = [[]]
    for kind, regex in _glob_tokens(pattern):
        if kind == "lit":
            chunks[-1].append(regex)
            continue
        if not runs or chunks[-1]:
            runs.append(regex)
            chunks.append([])
        else:  # wildcards in a row: `**` absorbs the others; repeats of one are one
            last = runs[-1]
            if _DSTAR in (last, regex):
                runs[-1] = _DSTAR
            elif last != regex:
                runs[-1] = last + regex
    return runs, chunks


@lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob as a regex: `**` spans directories, `*` and `?` stay inside one segment.

    Linear, not backtracking: between two wildcards a literal chunk is matched at its first
    occurrence in an atomic group whenever an earlier occurrence can never lose to a later one
    (the next wildcard absorbs the gap), so `*a*a*a*a*b` cannot run for minutes."""
    runs, chunks = _chunks(pattern)
    out = ["".join(chunks[0])]
    for n, wild in enumerate(runs):
        chunk = chunks[n + 1]
        text = "".join(chunk)
        following = runs[n + 1] if n + 1 < len(runs) else None
        first_wins = following == _DSTAR or (wild == _STAR and following == _STAR)
        if chunk and wild in (_STAR, _DSTAR) and first_wins and "/" not in chunk:
            out.append(f"(?>{wild}?{text})")
        elif chunk and wild == _DSTAR and following == _STAR and "/" not in chunk:
            # `.*` is `(?:.*/)?[^/]*`: only the choice of directory is left to backtrack over
            out.append(f"{_DSTAR_SLASH}(?>{_STAR}?{text})")
        else:
            out.append(wild + text)
    return re.compile("".join(out) + r"\Z")


def glob_matches(pattern: str, path: str) -> bool:
    """True when repo-relative posix `path` matches the whitelist glob `pattern`."""
    if pattern.endswith("/"):
        prefix = pattern.rstrip("/")
        return path == prefix or path.startswith(prefix + "/") or f"/{prefix}/" in f"/{path}"
    if "/" not in pattern:
        return bool(_glob_regex(pattern).match(PurePosixPath(path).name))
    return bool(_glob_regex(pattern.lstrip("/")).match(path))


def _glob_source(pattern: str) -> str:
    """One glob as regex source over a whole repo-relative path (see glob_matches)."""
    if pattern.endswith("/"):
        return f"(?:.*/)?{re.escape(pattern.strip('/'))}(?:/.*)?"
    if "/" not in pattern:
        return f"(?:.*/)?{_glob_regex(pattern).pattern.removesuffix(chr(92) + 'Z')}"
    return _glob_regex(pattern.lstrip("/")).pattern.removesuffix("\\Z")


def compile_globs(patterns: Sequence[str]) -> re.Pattern[str] | None:
    """All `patterns` as one regex (fullmatch a repo-relative path); None when empty."""
    if not patterns:
        return None
    return re.compile("|".join(f"(?:{_glob_source(p)})" for p in patterns))


def normalize_path(path: str | Path, root: Path | None = None) -> str:
    """`path` as a repo-relative posix string (`./a/b.py` and `/root/a/b.py` become `a/b.py`)."""
    candidate = Path(path)
    if root is not None and candidate.is_absolute():
        try:
            candidate = candidate.resolve().relative_to(root.resolve())
        except (ValueError, OSError):
            return candidate.as_posix()
    text = candidate.as_posix()
    while text.startswith("./"):
        text = text[2:]
    return text


@dataclass
class Whitelist:
    """Parsed `.buildrunner/whitelist.txt`; an empty one allows nothing."""

    root: Path | None = None
    lines: set[tuple[str, int]] = field(default_factory=set)
    globs: list[str] = field(default_factory=list)
    fingerprints: set[str] = field(default_factory=set)

    def allows(self, path: str, line: int, fingerprint: str | None = None) -> bool:
        """True when the finding at `path:line` (or with `fingerprint`) is allowed."""
        rel = normalize_path(path, self.root)
        if (rel, line) in self.lines:
            return True
        if fingerprint and self._fingerprint_allowed(fingerprint.lower()):
            return True
        return any(glob_matches(glob, rel) for glob in self.globs)

    def path_allowed(self, path: str) -> bool:
        """True when a glob allows the whole file (lets a scanner skip reading it)."""
        rel = normalize_path(path, self.root)
        return any(glob_matches(glob, rel) for glob in self.globs)

    def everything_warning(self, scanned_for: str) -> str | None:
        """A warning when one glob allows every path, so nothing is `scanned_for` at all; said
        on every run, because a committed whitelist.txt can silence a check for everyone."""
        for glob in self.globs:
            if all(glob_matches(glob, probe) for probe in PROBE_PATHS):
                return (
                    f"{WHITELIST_FILE}: warning: the glob {glob!r} allows every path, so no file "
                    f"is scanned for {scanned_for}; allow only the paths you mean"
                )
        return None

    def _fingerprint_allowed(self, fingerprint: str) -> bool:
        if fingerprint in self.fingerprints:
            return True
        # Entries may be shortened (like git SHAs): a shared prefix of 12+ hex digits matches.
        return any(
            len(entry) >= _MIN_FP
            and len(fingerprint) >= _MIN_FP
            and (fingerprint.startswith(entry) or entry.startswith(fingerprint))
            for entry in self.fingerprints
        )


def parse_whitelist(text: str, source: str = WHITELIST_FILE, root: Path | None = None) -> Whitelist:
    """Parse whitelist text; a malformed entry is a ConfigError naming the file and line."""
    whitelist = Whitelist(root=root)
    for number, raw in enumerate(text.splitlines(), start=1):
        entry = raw.split(" #", 1)[0].strip()
        if not entry or entry.startswith("#"):
            continue
        fp = _FINGERPRINT.fullmatch(entry)
        if fp:
            whitelist.fingerprints.add(fp.group(1).lower())
            continue
        path_line = _PATH_LINE.fullmatch(entry)
        if path_line and not path_line.group("line").startswith(("*", "?")):
            whitelist.lines.add(_path_line_entry(path_line, source, number))
            continue
        if entry.startswith(":"):
            raise ConfigError(
                f"{source}:{number}: {entry!r} has no path; write `path:line` (e.g. src/app.py:12)"
            )
        if any(ch.isspace() for ch in entry):
            raise ConfigError(
                f"{source}:{number}: entry {entry!r} contains spaces; "
                "write one `path:line`, path glob or fingerprint per line"
            )
        whitelist.globs.append(normalize_path(entry) if not entry.endswith("/") else entry)
    return whitelist


def _path_line_entry(match: re.Match[str], source: str, number: int) -> tuple[str, int]:
    line_text = match.group("line")
    if not line_text.isdigit() or int(line_text) < 1 or not match.group("path").strip():
        raise ConfigError(
            f"{source}:{number}: {match.group(0)!r} is not `path:line` with a line number >= 1; "
            "fix the entry or remove it"
        )
    return normalize_path(match.group("path").strip()), int(line_text)


def load_whitelist(root: Path) -> Whitelist:
    """The whitelist of the repository at `root`; empty when the file does not exist."""
    path = root / WHITELIST_FILE
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return Whitelist(root=root)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read ({exc.strerror}); check its permissions") from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{path}: not UTF-8 text; save it as UTF-8") from exc
    return parse_whitelist(text, source=str(path), root=root)


def append_entry(root: Path, entry: str) -> Path:
    """Add one entry to the whitelist file (created if needed); return the file's path."""
    parse_whitelist(entry, source="entry")  # validate before touching the file
    path = root / WHITELIST_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    existing = path.read_text(encoding="utf-8") if path.exists() else ""
    if entry in {line.strip() for line in existing.splitlines()}:
        return path
    prefix = "" if not existing or existing.endswith("\n") else "\n"
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"{prefix}{entry}\n")
    return path

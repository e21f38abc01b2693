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


# A glob is matched by simulating its automaton over the path, one character at a time, with
# the set of live positions as the bits of one int (one pattern or many side by side). Each
# (live set, character) step is computed once and remembered, so a match costs one dict look-up
# per character: linear in the path whatever the pattern (a backtracking regex of `**a*a...`
# ran for minutes on an 80-directory path).
_LIT, _ONE, _STAR, _DSTAR, _OPT, _LOOP, _END = range(7)
_Token = tuple[int, str]
_MEMO_LIMIT = 1 << 14


def _glob_tokens(pattern: str) -> list[_Token]:
    """`*` one segment's characters, `?` one of them, `**` anything, `**/` any directories
    (nothing, or anything ending in `/`: an `_OPT` entry before a `_LOOP` that leaves on `/`)."""
    tokens: list[_Token] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            tokens += [(_OPT, ""), (_LOOP, "")]
            i += 3
        elif pattern.startswith("**", i):
            tokens.append((_DSTAR, ""))
            i += 2
        elif pattern[i] == "*":
            if not tokens or tokens[-1][0] != _STAR:  # `*` twice in a row is `*`
                tokens.append((_STAR, ""))
            i += 1
        else:
            tokens.append((_ONE, "") if pattern[i] == "?" else (_LIT, pattern[i]))
            i += 1
    return tokens


_ANY_DIRS: list[_Token] = [(_OPT, ""), (_LOOP, "")]


def _alternatives(pattern: str) -> list[list[_Token]]:
    """One glob over a whole repo-relative path (see glob_matches), as token sequences of
    which any may match: a name glob at any depth, a `dir/` glob the tree under any `dir`."""
    if pattern.endswith("/"):
        name = [(_LIT, ch) for ch in pattern.strip("/")]
        return [_ANY_DIRS + name, [*_ANY_DIRS, *name, (_LIT, "/"), (_DSTAR, "")]]
    if "/" not in pattern:  # the name alone: there `**` cannot reach into a directory
        name = [(_STAR, "") if kind == _DSTAR else (kind, ch) for kind, ch in _glob_tokens(pattern)]
        return [_ANY_DIRS + name]
    return [_glob_tokens(pattern.lstrip("/"))]


class GlobMatcher:
    """Any of several token sequences, matched against a whole path in linear time."""

    def __init__(self, sequences: Sequence[Sequence[_Token]]) -> None:
        self._lit: dict[str, int] = {}
        one = loop = star = any_stay = eps1 = eps2 = start = accept = 0
        bit = 1
        for sequence in sequences:
            start |= bit
            for kind, char in [*sequence, (_END, "")]:
                if kind == _LIT:
                    self._lit[char] = self._lit.get(char, 0) | bit
                one |= bit if kind == _ONE else 0
                loop |= bit if kind == _LOOP else 0
                star |= bit if kind == _STAR else 0
                any_stay |= bit if kind in (_DSTAR, _LOOP) else 0
                eps1 |= bit if kind in (_STAR, _DSTAR, _OPT) else 0
                eps2 |= bit if kind == _OPT else 0
                accept |= bit if kind == _END else 0
                bit <<= 1
        self._one, self._loop, self._star, self._any_stay = one, loop, star, any_stay
        self._eps1, self._eps2, self._accept = eps1, eps2, accept
        self._start = self._closure(start)
        self._memo: dict[tuple[int, str], int] = {}

    def _closure(self, live: int) -> int:
        while True:
            grown = live | (live & self._eps1) << 1 | (live & self._eps2) << 2
            if grown == live:
                return live
            live = grown

    def _step(self, live: int, char: str) -> int:
        if char == "/":
            advance, stay = self._loop, self._any_stay
        else:
            advance, stay = self._one, self._any_stay | self._star
        advance |= self._lit.get(char, 0)
        return self._closure((live & advance) << 1 | (live & stay))

    def fullmatch(self, path: str) -> bool:
        """True when one of the sequences matches all of `path`."""
        memo = self._memo
        if len(memo) > _MEMO_LIMIT:  # a bound on memory, not on time: steps stay cheap
            memo.clear()
        live = self._start
        for char in path:
            key = (live, char)
            following = memo.get(key)
            if following is None:
                following = memo[key] = self._step(live, char)
            if not following:
                return False
            live = following
        return bool(live & self._accept)


@lru_cache(maxsize=256)
def _glob_matcher(pattern: str) -> GlobMatcher:
    """`pattern` alone over the whole of a path: `**` spans directories, `*` and `?` stay
    inside one segment, every other character is itself."""
    return GlobMatcher([_glob_tokens(pattern)])


def glob_matches(pattern: str, path: str) -> bool:
    """True when repo-relative posix `path` matches the whitelist glob `pattern`."""
    if pattern.endswith("/"):
        prefix = pattern.rstrip("/")
        return path == prefix or path.startswith(prefix + "/") or f"/{prefix}/" in f"/{path}"
    if "/" not in pattern:
        return _glob_matcher(pattern).fullmatch(PurePosixPath(path).name)
    return _glob_matcher(pattern.lstrip("/")).fullmatch(path)


def compile_globs(patterns: Sequence[str]) -> GlobMatcher | None:
    """All `patterns` as one matcher (`fullmatch` a repo-relative path); None when empty."""
    if not patterns:
        return None
    return GlobMatcher([seq for p in patterns for seq in _alternatives(p)])


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

    # path as given -> (repo-relative path, allowed by a glob): a file's findings ask once
    _paths: dict[str, tuple[str, bool]] = field(default_factory=dict, repr=False, compare=False)
    _globs_seen: int = field(default=0, repr=False, compare=False)

    def allows(self, path: str, line: int, fingerprint: str | None = None) -> bool:
        """True when the finding at `path:line` (or with `fingerprint`) is allowed."""
        if not (self.lines or self.fingerprints or self.globs):
            return False  # nothing to allow (most repositories): a dense file asks 50,000 times
        rel, by_glob = self._path(path)
        if (rel, line) in self.lines:
            return True
        if fingerprint and self._fingerprint_allowed(fingerprint.lower()):
            return True
        return by_glob

    def path_allowed(self, path: str) -> bool:
        """True when a glob allows the whole file (lets a scanner skip reading it)."""
        return self._path(path)[1]

    def _path(self, path: str) -> tuple[str, bool]:
        """`path` normalised (a realpath for an absolute one) and matched against the globs
        once, not once per finding: a file dense with findings asks thousands of times."""
        if self._globs_seen != len(self.globs):  # globs added since: start again
            self._paths.clear()
            self._globs_seen = len(self.globs)
        known = self._paths.get(path)
        if known is None:
            if len(self._paths) > 4096:
                self._paths.clear()
            rel = normalize_path(path, self.root)
            known = self._paths[path] = (rel, any(glob_matches(g, rel) for g in self.globs))
        return known

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

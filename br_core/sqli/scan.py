"""SQL-injection detection for a set of files: SQL built from untrusted input that reaches a
database call.

Python files are analysed on the AST (br_core/sqli/python/); a file this interpreter cannot
parse (say, Python 3.12 f-string syntax under 3.11) gets a token-level check and a notice,
never silence. JavaScript and TypeScript get a token-level check (br_core/sqli/js/analyzer.py).
Suppress one finding with `br:allow`, `noqa: S608` or `nosec B608` on its line, or with an entry in
`.buildrunner/whitelist.txt` (a `path:line`, a glob or the finding's fingerprint).
"""

from __future__ import annotations

import hashlib
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from br_core.scan.allowlist import has_inline_marker, load_whitelist, normalize_path
from br_core.scan.files import Skip, read_text_file, walk_files
from br_core.scan.finding import HIGH, MEDIUM, SQL_INJECTION, Finding, Related, ScanResult
from br_core.sqli.settings import SqliSettings

if TYPE_CHECKING:
    from br_core.sqli.values import RawFinding

PY_SUFFIXES = {".py", ".pyw", ".pyi"}
JS_SUFFIXES = {".js", ".jsx", ".mjs", ".cjs", ".ts", ".tsx", ".mts", ".cts"}
_SUPPRESS = re.compile(
    r"(?i)noqa:[\w\s,]*\bS608\b|#\s*nosec\s*(?:$|#)|nosec[:\s][\w\s,]*\bB6(?:08|10|11)\b"
)
HOW_TEXT = {
    "f-string": "an f-string",
    "%": "% formatting",
    ".format": "str.format()",
    "+": "+ concatenation",
    "join": "str.join()",
    "template": "a template literal",
    "token": "string formatting",
    "raw": "no template at all: the whole statement",
    "fragment": "raw SQL text spliced into a larger statement",
}


SNIPPET_MAX = 1000
RULE_TEXT = "SQL built from untrusted input"  # the short description of every rule


def _finding(
    raw: RawFinding, rel: str, language: str, snippet: str, fallback: bool = False
) -> Finding:
    """The shared finding for one analyser result in `rel`; `snippet` is the sink line's text."""
    how = HOW_TEXT.get(raw.how, raw.how)
    message = f"SQL passed to `{raw.sink}` is built with {how} from {raw.source}"
    if fallback:
        message += " (token-level check: the file does not parse with this Python)"
    # The primary line is where the query is built from the untrusted value (issue 17 item 5);
    # the call that runs it is a related location. JS/TS findings report the sink line alone.
    line = raw.built_line or raw.line
    related = (Related(raw.line, f"the query runs here: `{raw.sink}`"),) if raw.built_line else ()
    # Stable across line moves: the rule, the file and the sink line's own text (its first
    # `SNIPPET_MAX` characters: a minified one-line file must not cost a full line per finding).
    key = f"{raw.rule}\0{rel}\0{' '.join(snippet[:SNIPPET_MAX].split())}"
    return Finding(
        kind=SQL_INJECTION,
        rule_id=raw.rule,
        rule_text=RULE_TEXT,
        path=rel,
        line=line,
        column=None,
        message=message,
        fingerprint=hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()[:16],
        fix=raw.fix,
        sink=raw.sink,
        source=raw.source,
        how=raw.how,
        language=language,
        fallback=fallback,
        confidence=MEDIUM if fallback else raw.confidence or HIGH,
        related=related,
    )


def language_of(path: Path, text: str | None = None) -> str | None:
    suffix = path.suffix.lower()
    if suffix in PY_SUFFIXES:
        return "python"
    if suffix in JS_SUFFIXES:
        return "js"
    if text is not None and not suffix and text.startswith("#!"):
        first = text.split("\n", 1)[0]
        return "python" if "python" in first else "js" if "node" in first else None
    return None


def expand(paths: Sequence[Path], root: Path) -> list[Path]:
    """Files under `paths`: named files as given, directories through the shared walker and
    kept only when their suffix is a language we check."""
    return walk_files(paths, root, keep=language_of)


def scan_files(paths: Sequence[Path], root: Path, *, confined: bool = False) -> ScanResult:
    """Scan `paths` (files or directories; absolute, or relative to `root`); suppressed
    findings are dropped. `confined`: every file is opened beneath `root` following no
    symlink (the MCP door checked the paths; a link swapped in since is refused, not read)."""
    beneath = root.resolve() if confined else None
    whitelist = load_whitelist(root)
    settings = SqliSettings.load(root)
    warning = whitelist.everything_warning("SQL injection")
    result = ScanResult(settings_notices=[*settings.notices, *([warning] if warning else [])])
    below = 0  # findings under the configured confidence floor
    for path in expand(paths, root):
        rel = normalize_path(path, root)
        if whitelist.path_allowed(rel):
            continue
        text = read_text_file(path if path.is_absolute() else root / path, beneath=beneath)
        if isinstance(text, Skip):  # reported with the path as the user named it
            result.skip(Skip(str(path), text.reason, text.notice, text.error))
            continue
        language = language_of(path, text)
        if language is None:
            continue
        result.files += 1
        lines = text.splitlines()
        marked: dict[int, bool] = {}  # line index -> has a marker: each line read once
        for finding in _scan_text(rel, text, language, result.notices):
            spans = [range(n - 1, min(n + _span(finding), len(lines))) for n in finding.lines]
            if any(_marked(lines, k, marked) for span in spans for k in span) or any(
                whitelist.allows(rel, n, finding.fingerprint) for n in finding.lines
            ):
                result.suppressed += 1
                continue
            if not settings.shows(finding.confidence):
                below += 1
                continue
            result.findings.append(finding)
    if below:
        result.suppressed += below
        result.notices.append(
            f'{settings.path}: [sqli] min_confidence = "{settings.min_confidence}" hides {below} '
            "finding(s) of lower confidence; lower the floor to see them"
        )
    return result


def _marked(lines: list[str], k: int, cache: dict[int, bool]) -> bool:
    """Whether line `k` (0-based) carries a suppression marker; each line is searched once, so
    many findings on one long (minified) line stay linear."""
    known = cache.get(k)
    if known is None:
        known = cache[k] = bool(has_inline_marker(lines[k]) or _SUPPRESS.search(lines[k]))
    return known


def _span(finding: Finding) -> int:
    return 0 if finding.fallback else 3


def _scan_text(rel: str, text: str, language: str, notices: list[str]) -> list[Finding]:
    lines = text.splitlines()

    def snippet(line: int) -> str:
        return lines[line - 1] if 0 < line <= len(lines) else ""

    if language == "js":
        from br_core.sqli.js.analyzer import analyze_js

        return [_finding(f, rel, "js", snippet(f.line)) for f in analyze_js(text)]
    from br_core.sqli.python.analyzer import analyze_source

    try:
        raw = analyze_source(text, rel)
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        where = f" at line {exc.lineno}" if isinstance(exc, SyntaxError) and exc.lineno else ""
        version = f"{sys.version_info.major}.{sys.version_info.minor}"
        rewritten = _downlevelled(text, rel) if isinstance(exc, SyntaxError) else None
        if rewritten is not None:
            notices.append(
                f"{rel}: does not parse with Python {version}{where}; checked after rewriting "
                "its 3.12-only syntax (PEP 701 quotes, PEP 695 type parameters)"
            )
            raw = rewritten
        else:
            from br_core.sqli.python.tokens import analyze_tokens

            notices.append(
                f"{rel}: does not parse with Python {version}{where}; "
                "checked with the token-level fallback instead"
            )
            return [
                _finding(f, rel, "python", snippet(f.line), fallback=True)
                for f in analyze_tokens(text)
            ]
    return [_finding(f, rel, "python", snippet(f.line)) for f in raw]


def _downlevelled(text: str, rel: str) -> list[RawFinding] | None:
    """Findings for a 3.12-only file rewritten for this interpreter, or None when that fails."""
    from br_core.sqli.python.analyzer import analyze_source
    from br_core.sqli.python.downlevel import downlevel

    try:
        return analyze_source(downlevel(text), rel)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None


def scan_paths(paths: Sequence[Path], root: Path, *, confined: bool = False) -> list[Finding]:
    """Public API (CLI, `br security check`, the MCP scan tool): findings only, sorted."""
    return scan_files(paths, root, confined=confined).findings

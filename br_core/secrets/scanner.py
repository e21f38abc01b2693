"""The secret scanner: findings in texts and files of one repository, with its whitelist,
baseline and `[secrets]` settings. Holds only masked values and hashes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from br_core.config import WEAKENS, TrustRule, read_config, section, shown, withhold_untrusted
from br_core.errors import ConfigError
from br_core.scan.allowlist import (
    PROBE_PATHS,
    GlobMatcher,
    Whitelist,
    compile_globs,
    has_inline_marker,
    load_whitelist,
    normalize_path,
)
from br_core.scan.baseline import Baseline, load_baseline
from br_core.scan.files import DEFAULT_MAX_BYTES, Skip, read_text_file, walk_files
from br_core.scan.finding import SECRET, Finding, ScanResult, secret_message
from br_core.scan.testpaths import is_test_path
from br_core.secrets.filters import value_digest
from br_core.secrets.masking import mask_value
from br_core.secrets.rules import RuleSet, load_rules, scan_text
from br_core.secrets.syntax import syntax_of

# Paths no sensible exclude covers all of: an exclude that matches every one of them (`**`,
# `*/**`...) silences the scanner, which is said on every run.
TRUST_RULES = (
    TrustRule("exclude", WEAKENS, lambda values: bool(values["exclude"])),
    TrustRule(
        "max_file_kib", WEAKENS, lambda values: values["max_file_kib"] * 1024 < DEFAULT_MAX_BYTES
    ),
)


@dataclass(frozen=True)
class ScanSettings:
    """`[secrets]` in .buildrunner/config.toml. What skips files (exclude, a lower
    max_file_kib) applies only from a trusted file (`TRUST_RULES`)."""

    max_bytes: int = DEFAULT_MAX_BYTES
    exclude: tuple[str, ...] = ()
    scan_default_skips: bool = False
    notices: tuple[str, ...] = ()  # one line each for stderr: ignored or check-silencing settings

    @classmethod
    def load(cls, root: Path) -> ScanSettings:
        loaded = read_config(root)
        where = loaded.path
        raw = section(loaded.data, "secrets", where)
        kib = raw.get("max_file_kib", DEFAULT_MAX_BYTES // 1024)
        exclude = raw.get("exclude", [])
        everything = raw.get("scan_lockfiles_and_vendored", False)
        if not isinstance(kib, int) or isinstance(kib, bool) or kib <= 0:
            raise ConfigError(f"{where}: [secrets] max_file_kib must be a positive integer")
        if not isinstance(exclude, list) or not all(isinstance(g, str) for g in exclude):
            raise ConfigError(f"{where}: [secrets] exclude must be a list of path globs")
        if not isinstance(everything, bool):
            raise ConfigError(f"{where}: [secrets] scan_lockfiles_and_vendored must be true/false")
        values, notices = withhold_untrusted(
            loaded,
            "secrets",
            {"max_file_kib": kib, "exclude": tuple(exclude)},
            TRUST_RULES,
        )
        kib = values.get("max_file_kib", DEFAULT_MAX_BYTES // 1024)
        exclude = values.get("exclude", ())
        matcher = compile_globs(exclude)
        if matcher and all(matcher.fullmatch(p) for p in PROBE_PATHS):
            notices.append(
                f"{where}: warning: [secrets] {shown('exclude', exclude)} matches every path, "
                "so no file is scanned for secrets; exclude only the paths you mean"
            )
        return cls(kib * 1024, tuple(exclude), everything, tuple(notices))


@dataclass
class Scanner:
    """Scans texts and files of one repository with its whitelist, baseline and settings."""

    root: Path
    whitelist: Whitelist
    baseline: Baseline
    settings: ScanSettings
    rules: RuleSet = field(default_factory=load_rules)

    @classmethod
    def for_root(cls, root: Path, *, use_baseline: bool = True) -> Scanner:
        baseline = load_baseline(root) if use_baseline else Baseline()
        return cls(root, load_whitelist(root), baseline, ScanSettings.load(root))

    @cached_property
    def _skip_matcher(self) -> GlobMatcher | None:
        globs = [*self.settings.exclude, *self.whitelist.globs]
        if not self.settings.scan_default_skips:
            globs += self.rules.skip_paths
        return compile_globs(globs)

    def skips_path(self, rel: str) -> bool:
        """Excluded in config, allowed by a whitelist glob, or a lockfile/vendored tree."""
        return bool(self._skip_matcher and self._skip_matcher.fullmatch(rel))

    def scan_text(self, text: str, rel: str, result: ScanResult) -> None:
        """Add the findings in `text` (the content of `rel`) to `result`."""
        matches = scan_text(text, self.rules, syntax_of(rel), test_file=is_test_path(rel))
        # No line holds a marker the whole text does not: one search of the text, and its lines
        # are split and searched only when it holds one (a file dense with findings rarely does).
        lines = text.split("\n") if matches and has_inline_marker(text) else None
        marks: dict[int, bool] = {}
        templates: dict[str, Finding] = {}  # per rule: its findings differ in place and value
        line_start = searched = 0  # matches come in order: columns in one pass over the text
        for match in matches:
            marked = False
            if lines is not None:
                known = marks.get(match.line)
                if known is None:  # each line searched once, however many secrets it holds
                    line_text = lines[match.line - 1] if match.line <= len(lines) else ""
                    known = marks[match.line] = has_inline_marker(line_text)
                marked = known
            digest = value_digest(match.secret)
            if (
                marked
                or self.whitelist.allows(rel, match.line, digest[:16])
                or self.baseline.accepts(rel, match.rule_id, digest)
            ):
                result.suppressed += 1
                continue
            newline = text.rfind("\n", searched, match.start)
            line_start, searched = (newline + 1 if newline >= 0 else line_start), match.start
            column = match.start - line_start + 1
            masked = mask_value(match.secret)
            template = templates.get(match.rule_id)
            if template is None:
                template = templates[match.rule_id] = Finding(
                    SECRET, match.rule_id, match.description, rel, 0, None, "", ""
                )
            result.findings.append(
                template.but(
                    line=match.line,
                    column=column,
                    message=secret_message(match.description, masked),
                    fingerprint=digest[:16],  # `fp:<fingerprint>` in whitelist.txt
                    masked=masked,
                    secret_hash=digest,
                )
            )

    def scan_file(self, path: Path, result: ScanResult, *, confined: bool = False) -> None:
        """Scan one file; `confined`: open it beneath the root, following no symlink."""
        rel = normalize_path(path, self.root)
        if self.skips_path(rel):
            return
        full = path if path.is_absolute() else self.root / path
        beneath = self.root.resolve() if confined else None
        content = read_text_file(full, self.settings.max_bytes, beneath=beneath)
        if isinstance(content, Skip):
            result.skip(fail_closed(rel, content))
            return
        result.files += 1
        self.scan_text(content, rel, result)


def fail_closed(rel: str, skip: Skip) -> Skip:
    """`skip` under the repository path; a file over the size cap is an error, not a notice:
    a secret in it would otherwise pass with exit 0 (scanning any size would put an unbounded
    wait on every commit; the user raises the cap or excludes the file instead)."""
    return Skip(rel, skip.reason, skip.notice, skip.error or skip.too_large, skip.too_large)


def scan_files(
    paths: Sequence[Path], root: Path, *, use_baseline: bool = True, confined: bool = False
) -> ScanResult:
    """Scan `paths` (files or directories; absolute, or relative to `root`) with the
    repository's suppressions. Directories are expanded by `br_core.scan.files.walk_files`.
    `confined`: every file is opened beneath `root` following no symlink (the MCP door)."""
    scanner = Scanner.for_root(root, use_baseline=use_baseline)
    warning = scanner.whitelist.everything_warning("secrets")
    notices = [*scanner.settings.notices, *([warning] if warning else [])]
    result = ScanResult(settings_notices=notices)
    for path in walk_files(paths, root):
        scanner.scan_file(path, result, confined=confined)
    return result


# `git commit -v` appends the diff below this line; git drops it (and `#` lines) from the message.
_SCISSORS = "# ------------------------ >8 ------------------------"


def commit_message_text(raw: str) -> str:
    """What git keeps of a commit message file: `#` comment lines and everything from the
    scissors line on become blank lines, so line numbers still match the file."""
    kept: list[str] = []
    lines = raw.split("\n")
    for number, line in enumerate(lines):
        if line.startswith(_SCISSORS):
            kept.extend("" for _ in lines[number:])
            break
        kept.append("" if line.startswith("#") else line)
    return "\n".join(kept)


def scan_commit_messages(paths: Sequence[Path], root: Path) -> ScanResult:
    """Scan commit message files (pre-commit's `commit-msg` stage passes `.git/COMMIT_EDITMSG`)
    with the same rules, whitelist and baseline as files. The path is read as given: the
    lockfile and `.git/` skips of a tree scan do not apply to a message."""
    scanner = Scanner.for_root(root)
    result = ScanResult(settings_notices=list(scanner.settings.notices))
    for path in paths:
        full = path if path.is_absolute() else root / path
        content = read_text_file(full, scanner.settings.max_bytes)
        if isinstance(content, Skip):
            result.skip(fail_closed(str(path), content))
            continue
        result.files += 1
        scanner.scan_text(commit_message_text(content), "COMMIT_EDITMSG", result)
    return result


def scan_paths(paths: Sequence[Path], root: Path, *, confined: bool = False) -> list[Finding]:
    """The unsuppressed findings in `paths` (used by the MCP security_scan tool)."""
    return scan_files(paths, root, confined=confined).findings

"""One finding model and one result type for every scanner (secrets, SQL injection).

A `Finding` holds only what may be shown: the scanner that makes one masks its value, and the
Finding itself passes every free-text field (message, fix, sink, source) through
`sanitize_text` when it is made, so no scanner can leak source text it copied (a SQL fix
quoting a key) and every renderer (br_core/scan/report/) can print any field. `ScanResult`
carries a scan's findings, the files it could not read and the exit-code rule every door
shares. Stdlib only: this sits on every hook's start-up path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from br_core.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from br_core.scan.files import Skip
from br_core.secrets.masking import sanitize_text

Kind = Literal["secret", "sql_injection"]
SECRET: Kind = "secret"
SQL_INJECTION: Kind = "sql_injection"
_FREE_TEXT = ("message", "fix", "sink", "source")  # the fields that may quote source text
HIGH, MEDIUM = "high", "medium"
CONFIDENCES = (MEDIUM, HIGH)  # weakest first: a floor keeps what is at or above it


@dataclass(frozen=True)
class Related:
    """Another place that matters to a finding (SARIF's `relatedLocations`): for SQL injection,
    the call that runs a query built elsewhere. `message` is masked like every free text."""

    line: int
    message: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "message", sanitize_text(self.message))


@dataclass(frozen=True)
class Finding:
    """One problem at one place. Every text field is already masked: safe for any output.

    The first fields are what every scanner has; the rest belong to one scanner and keep their
    defaults in the other's findings (the JSON of each scanner shows its own, see report/json.py).
    """

    kind: Kind
    rule_id: str
    rule_text: str  # the rule's short description
    path: str
    line: int
    column: int | None
    message: str  # what is wrong, masked
    fingerprint: str  # short, stable id for whitelisting (`fp:<fingerprint>`)
    fix: str | None = None  # how to fix this occurrence, when the scanner can say
    # Secrets: the masked value, and the SHA-256 of the full one (the baseline's key, never shown).
    masked: str = ""
    secret_hash: str = ""
    # SQL injection: the database call, where the text comes from, how it is spliced in.
    sink: str = ""
    source: str = ""
    how: str = ""
    language: str = ""
    fallback: bool = False  # found by the token-level check (the file did not parse)
    # How sure: "high" traced to a known source, "medium" not provably constant ("" for secrets).
    confidence: str = ""
    related: tuple[Related, ...] = ()  # other places in `path`: where the query runs

    @property
    def lines(self) -> tuple[int, ...]:
        """The finding's own line and its related ones: where a marker or whitelist entry may
        stand (a `noqa` on the call that runs the query still counts)."""
        if not self.related:  # nearly every finding: no generator for it (two reads each)
            return (self.line,)
        return (self.line, *(r.line for r in self.related if r.line != self.line))

    def but(self, **changes: object) -> Finding:
        """This finding with `changes`, as `dataclasses.replace` makes it but cheaper: a frozen
        dataclass's `__init__` sets its 20 fields one call each, which a file dense with
        secrets (47,000 findings, each its rule's template but for its place and value) paid
        3.7 us per finding for (2.9 us this way). Free text is sanitised as `__init__` does."""
        unknown = changes.keys() - self.__dict__.keys()
        if unknown:
            raise TypeError(f"Finding has no field {min(unknown)!r}")
        new = object.__new__(Finding)
        new.__dict__.update(self.__dict__, **changes)
        new.__post_init__()
        return new

    def __post_init__(self) -> None:
        # The one place every scanner's text goes through: copied source text never leaves
        # unmasked, whatever format renders it (text, JSON, SARIF, the MCP result).
        for name in _FREE_TEXT:
            value = getattr(self, name)
            if value:
                sanitized = self._sanitized(name, value)
                if sanitized is not value:
                    object.__setattr__(self, name, sanitized)

    def _sanitized(self, name: str, value: str) -> str:
        masked = self.masked
        if name == "message" and masked and value == secret_message(self.rule_text, masked):
            # A secret's message is its rule's text and its masked value (mask_value's output,
            # shown as `masked` as it is): only the rule's text can carry more, and it is the
            # same for every finding of the rule, so a file dense with secrets sanitises it once
            # (and keeps `value` itself when the rule's text needs no masking, nearly always).
            rule_text = sanitize_text(self.rule_text)
            return value if rule_text == self.rule_text else secret_message(rule_text, masked)
        return sanitize_text(value)


def secret_message(rule_text: str, masked: str) -> str:
    """A secret finding's message: the rule's text and the masked value, never the value."""
    return f"{rule_text} (value: {masked})"


@dataclass
class ScanResult:
    """What one scan found, what it could not read, and what the user should hear about."""

    findings: list[Finding] = field(default_factory=list)
    skipped: list[Skip] = field(default_factory=list)  # files not read, in the order met
    notices: list[str] = field(default_factory=list)  # worth telling, not errors, in order
    # about the repository's settings (an untrusted or check-silencing one): told first
    settings_notices: list[str] = field(default_factory=list)
    suppressed: int = 0  # findings dropped by an inline marker, the whitelist or the baseline
    files: int = 0  # files read and checked

    def skip(self, skip: Skip) -> None:
        """Record a file that was not read; a notice-worthy one that is no error is a notice."""
        self.skipped.append(skip)
        if skip.notice and not skip.error:
            self.notices.append(skip.message())

    @property
    def errors(self) -> list[str]:
        """Files the user named that cannot be read."""
        return [s.message() for s in self.skipped if s.error]

    def exit_code(self) -> int:
        """0 clean, 1 findings, 2 only errors. Findings outrank an unreadable file: a commit that
        leaks a secret says so (exit 1) even if another named file was missing."""
        if self.findings:
            return EXIT_FINDINGS
        return EXIT_USAGE if any(s.error for s in self.skipped) else EXIT_OK

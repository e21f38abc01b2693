"""`br_core.scan.finding`: the one result type and the exit-code rule every door shares."""

from __future__ import annotations

import dataclasses

import pytest

from br_core.scan.files import Skip
from br_core.scan.finding import SECRET, Finding, ScanResult

FINDING = Finding(SECRET, "github-token", "GitHub token", "a.py", 1, 5, "msg", "0123456789abcdef")
MISSING = Skip("missing.py", "no such file; check the path", notice=True, error=True)
HUGE = Skip("huge.py", "skipped: too large", notice=True)
BINARY = Skip("bin.py", "binary file")


@pytest.mark.parametrize(
    ("findings", "skipped", "expected"),
    [
        ([], [], 0),
        ([], [HUGE, BINARY], 0),  # files left unread on purpose are no error
        ([FINDING], [], 1),
        ([], [MISSING], 2),
        ([FINDING], [MISSING], 1),  # a finding outranks an unreadable file
    ],
)
def test_exit_code(findings: list[Finding], skipped: list[Skip], expected: int) -> None:
    result = ScanResult(findings=list(findings))
    for skip in skipped:
        result.skip(skip)
    assert result.exit_code() == expected


def test_skips_become_notices_or_errors_in_order() -> None:
    result = ScanResult()
    for skip in (MISSING, HUGE, BINARY):
        result.skip(skip)
    result.notices.append("b.py: checked with the token-level fallback instead")
    assert result.skipped == [MISSING, HUGE, BINARY]
    assert result.notices == [
        "huge.py: skipped: too large",
        "b.py: checked with the token-level fallback instead",
    ]
    assert result.errors == ["missing.py: no such file; check the path"]


def test_findings_are_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        FINDING.path = "b.py"  # type: ignore[misc]
    assert dataclasses.replace(FINDING, path="c:a.py").path == "c:a.py"

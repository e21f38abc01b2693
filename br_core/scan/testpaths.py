"""Which repository paths are tests or their fixtures: one convention for every check.

The secret scanner reads a made-up credential in a test as a fixture; the coverage gate looks for
a test suite to say which report to create. Stdlib `re` only: hooks import this at start-up.
"""

from __future__ import annotations

import re

# Folders, and file names by the conventions of pytest, Go, Jest/Mocha, RSpec, JUnit and xUnit.
_TEST_DIRS = frozenset({"test", "tests", "__tests__", "spec", "specs", "testdata", "fixtures"})
_TEST_FILE = re.compile(
    r"test_[^/]+\.py|[^/]+_test\.(?:py|go|rb|exs?)|[^/]+\.(?:test|spec)\.[cm]?[jt]sx?"
    r"|[^/]+_spec\.rb|[^/]+Tests?\.(?:java|kt|cs|scala|swift)|conftest\.py"
)


def is_test_path(rel: str) -> bool:
    """`rel` (a `/`-separated path relative to the repository root) is a test or a test's
    fixture: `tests/test_auth.py`, `pkg/db_test.go`, `src/test/java/…`, `web/login.spec.ts`."""
    parts = rel.lower().split("/")
    return (
        not _TEST_DIRS.isdisjoint(parts[:-1])
        or _TEST_FILE.fullmatch(rel.rsplit("/", 1)[-1]) is not None
    )

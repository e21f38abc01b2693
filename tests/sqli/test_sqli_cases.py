"""Every labeled snippet in tests/data/sqli_cases: vulnerable ones are flagged, safe ones are
not."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

import pytest

from br_core.scan.report.text import finding_line
from br_hooks.sql_injection import scan_files
from tests.data.sqli_corpus import Case, load_cases

CASES = load_cases()


def test_corpus_is_large_and_balanced() -> None:
    labels = Counter(c.label for c in CASES)
    assert labels["vuln"] >= 300 and labels["safe"] >= 300
    files = Counter(c.id.rsplit("-", 1)[0] for c in CASES)
    # every supported library has its own vulnerable and safe cases
    for library in ("py_sqlite3", "py_psycopg2", "py_psycopg", "py_pymysql", "py_asyncpg",
                    "py_aiopg", "py_pg8000", "py_sqlalchemy_text", "py_django_raw", "py_pandas",
                    "js", "py312"):  # fmt: skip
        assert files[library] >= 10, library


@pytest.mark.parametrize("case", CASES, ids=[f"{c.id}-{c.label}" for c in CASES])
def test_labeled_case(case: Case, tmp_path: Path) -> None:
    path = tmp_path / f"case{case.suffix}"
    path.write_text(case.code, encoding="utf-8")
    result = scan_files([path], tmp_path)
    assert not result.errors
    flagged = [finding_line(f) for f in result.findings]
    if case.vulnerable:
        assert flagged, f"missed ({case.title}):\n{case.code}"
        finding = result.findings[0]
        assert finding.source and finding.sink and finding.fix
    else:
        assert flagged == [], f"false alarm ({case.title})"
    if case.ext == "py312" and sys.version_info < (3, 12):
        # 3.11 cannot parse these: the file was rewritten (or token-checked) and the run said so.
        assert any("does not parse with Python" in n for n in result.notices)

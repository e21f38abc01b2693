"""Precision and recall on the generated corpus, and our own repository scans clean."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from br_core.scan.report.text import finding_line
from br_hooks.secrets import scan_files
from tests.conftest import REPO_ROOT
from tests.data.secrets_corpus import build_corpus, write_corpus


@pytest.mark.parametrize("seed", [2024, 7])
def test_precision_and_recall_on_the_corpus(seed: int, tmp_path: Path) -> None:
    samples = build_corpus(seed)
    write_corpus(tmp_path, samples)
    result = scan_files([tmp_path / s.path for s in samples], tmp_path)
    flagged = {f.path for f in result.findings}
    tp = sum(1 for s in samples if s.positive and s.path in flagged)
    fp = sum(1 for s in samples if not s.positive and s.path in flagged)
    fn = sum(1 for s in samples if s.positive and s.path not in flagged)
    assert sum(s.positive for s in samples) >= 200 and sum(not s.positive for s in samples) >= 150
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    missed = [s.path for s in samples if s.positive and s.path not in flagged]
    false = sorted({f.path for f in result.findings} - {s.path for s in samples if s.positive})
    assert precision >= 0.97, false
    assert recall >= 0.97, missed


def test_positive_findings_point_at_the_secret_line(tmp_path: Path) -> None:
    samples = [s for s in build_corpus(99, rounds=1) if s.positive]
    write_corpus(tmp_path, samples)
    result = scan_files([tmp_path / s.path for s in samples], tmp_path)
    by_path = {f.path: f for f in result.findings}
    for sample in samples:
        finding = by_path[sample.path]
        line = sample.content.split("\n")[finding.line - 1]
        if finding.rule_id == "private-key":
            assert "-----BEGIN" in line, (sample.path, finding.line)
        else:
            assert finding.masked.split("…")[0] in line, (sample.path, finding.line)


def test_this_repository_has_no_secrets() -> None:
    """Dogfood: every tracked file of BuildRunner itself scans clean."""
    listed = subprocess.run(
        ["git", "ls-files", "-z"], cwd=REPO_ROOT, capture_output=True, check=True
    ).stdout.decode()
    paths = [REPO_ROOT / p for p in listed.split("\0") if p]
    result = scan_files(paths, REPO_ROOT)
    assert [finding_line(f) for f in result.findings] == []

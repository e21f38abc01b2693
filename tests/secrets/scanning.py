"""One file written into a test's directory and scanned as the hook scans it: its findings as
tuples a test compares (line and masked value, and the rule where the test names it)."""

from __future__ import annotations

from pathlib import Path

from br_core.secrets.scanner import scan_files


def findings_by_rule(tmp_path: Path, name: str, text: str) -> list[tuple[int, str, str]]:
    path = tmp_path / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return [(f.line, f.rule_id, f.masked) for f in scan_files([path], tmp_path).findings]


def findings(tmp_path: Path, name: str, text: str) -> list[tuple[int, str]]:
    return [(line, masked) for line, _, masked in findings_by_rule(tmp_path, name, text)]

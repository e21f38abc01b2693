"""Issue 12 item 2: no SQL-injection output field shows a secret copied from the source."""

from __future__ import annotations

import json
import random
from pathlib import Path

import pytest

from br_core.sqli.scan import scan_files
from br_hooks.sql_injection import main
from tests.data.secrets_corpus import rand

R = random.Random(1212)
STRIPE = "sk_live_" + rand(R, "alnum", 24)
AKIA = "AKIA" + rand(R, "updig", 16)


@pytest.mark.parametrize(
    ("name", "source"),
    [
        (
            "db.py",
            f"def q(c, u):\n    c.execute(\"SELECT * FROM t WHERE k = '{STRIPE}' AND u = \" + u)\n",
        ),
        (
            "db.js",
            "function q(db, u) {\n"
            f"  db.query(`SELECT * FROM t WHERE k = '{AKIA}' AND u = ${{u}}`);\n}}\n",
        ),
    ],
    ids=["python", "js"],
)
@pytest.mark.parametrize("fmt", [[], ["--json"], ["--sarif"]], ids=["text", "json", "sarif"])
def test_no_output_of_the_hook_shows_a_secret(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    name: str,
    source: str,
    fmt: list[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / name).write_text(source, encoding="utf-8")
    assert main([*fmt, name]) == 1
    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert STRIPE not in output and AKIA not in output
    assert "sk_l" in output or "AKIA" in output  # masked, not dropped: the prefix stays


def test_every_text_field_of_a_finding_is_masked(tmp_path: Path) -> None:
    (tmp_path / "db.py").write_text(
        f"def q(c, u):\n    c.execute(\"SELECT * FROM t WHERE k = '{STRIPE}' AND u = \" + u)\n",
        encoding="utf-8",
    )
    (finding,) = scan_files([tmp_path / "db.py"], tmp_path).findings
    assert finding.fix is not None and "…" in finding.fix
    assert STRIPE not in json.dumps([str(v) for v in vars(finding).values()])

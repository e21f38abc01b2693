"""Issue 12 item 7: br-sql-injection is linear in its input, line length included. Before the
fix a 1 MB one-line JS file took minutes (each finding re-read its whole line); now about two
seconds. These 256 KB inputs get a 10 s bound: generous for the suite under coverage on shared
machines, still failed by a quadratic regression."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from br_hooks.sql_injection import main

SIZE = 256_000  # quadratic code took minutes for 1 MB and tens of seconds for this
_PY = "x = compute(a, b); " * 19 + 'cur.execute("SELECT * FROM t WHERE a = " + u); '
_JS = "x = compute(a, b); " * 19 + "db.query(`SELECT * FROM t WHERE a = ${u}`); "


@pytest.mark.parametrize(
    ("name", "unit"),
    [
        ("one_line.py", "def f(cur, u): " + _PY),
        ("one_line.js", _JS),
        (
            "many_lines.js",
            "function f(db, u) {\n  db.query('SELECT * FROM t WHERE a = ' + u);\n}\n",
        ),
        ("many_lines.py", 'def f(cur, u):\n    cur.execute("SELECT * FROM t WHERE a = " + u)\n'),
    ],
)
def test_a_long_input_is_scanned_in_linear_time(
    name: str,
    unit: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.chdir(tmp_path)
    head, _, body = unit.rpartition("def f(cur, u): ")  # one function, a 1 MB line of body
    text = (
        head + "def f(cur, u): " + body * (SIZE // len(body)) if _ else unit * (SIZE // len(unit))
    )
    (tmp_path / name).write_text(text, encoding="utf-8")
    started = time.perf_counter()
    assert main([name]) == 1
    assert time.perf_counter() - started < 10.0
    capsys.readouterr()

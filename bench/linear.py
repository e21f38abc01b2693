"""Every scanner and sanitizer is linear in its input, line length included (issue 12 item 7).

Times br-secrets, br-sql-injection (each through its hook's `main`, in this process) and
telemetry's `clean_text` on about 1 MB as one single line and as many lines, including the
inputs that used to be quadratic (`password=` repeated: 29 s for 320 KB). Target: each under
0.5 s on an idle machine. Run: .venv/bin/python bench/linear.py
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

MB = 1_000_000


def _repeat(unit: str, size: int = MB) -> str:
    return unit * (size // len(unit))


SECRETS_INPUTS = {
    "password= on one line": _repeat("password="),
    'password=" on one line': _repeat('password="'),
    "a one-line log": _repeat("ts=2026-01-01T00:00:00Z level=info user=alice token_type=bearer "),
    "eyJ on one line": _repeat("eyJ"),
    "many lines of code": _repeat('def f(a, b):\n    password = os.environ["PW"]\n    return a\n'),
}
# Code with a sink every 20 statements, as one line (minified) and as many lines; then the dense
# worst case, every statement a finding (its cost is per finding: masking and fingerprinting).
_PY = "x = compute(a, b); " * 19 + 'cur.execute("SELECT * FROM t WHERE a = " + u); '
_JS = "x = compute(a, b); " * 19 + "db.query(`SELECT * FROM t WHERE a = ${u}`); "
SQLI_INPUTS = {
    "py, one line": _repeat(_PY),
    "py, many lines": _repeat("def f(cur, u):\n" + _PY.replace("; ", "\n    ")),
    "js, one line": _repeat(_JS),
    "js, many lines": _repeat("function f(db, u) {\n" + _JS.replace("; ", ";\n") + "}\n"),
    "js, every line a sink": _repeat("db.query('SELECT * FROM t WHERE a = ' + u);\n"),
    # Calls that never close (the Python one does not parse: the token fallback) and a tuple of
    # literals that never closes: 29 s for 52 KB, 9 s for 46 KB, 56 s for one 84-byte line.
    "py, unclosed calls": _repeat('cur.execute("SELECT " + u '),
    "js, unclosed calls": _repeat('db.query("SELECT " + u '),
    "py, unclosed tuple": "x = (" + _repeat("'a'   "),
}


def _time(run: Callable[[], object]) -> float:
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        run()
    return time.perf_counter() - start


def _hook_time(main: Callable[[list[str]], int], name: str, text: str) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / name).write_text(text, encoding="utf-8")
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            return _time(lambda: main([name]))
        finally:
            os.chdir(cwd)


def main() -> int:
    from br_core.secrets.rules import load_rules
    from br_core.telemetry.events import clean_text
    from br_hooks import secrets, sql_injection

    load_rules()  # once, as every hook run pays it; not part of the per-input figure
    print(f"python {sys.version.split()[0]}; about 1 MB per input; target under 0.5 s each")
    print("note: shared cores; other work on the machine makes timings noisy")
    rows: list[tuple[str, str, float]] = []
    for label, text in SECRETS_INPUTS.items():
        rows.append(("br-secrets", label, _hook_time(secrets.main, "input.txt", text)))
        rows.append(("clean_text", label, _time(lambda text=text: clean_text(text))))
    for label, text in SQLI_INPUTS.items():
        name = "input.py" if label.startswith("py") else "input.js"
        rows.append(("br-sql-injection", label, _hook_time(sql_injection.main, name, text)))
    for tool, label, seconds in rows:
        print(f"  {tool:18} {label:26} {seconds:7.3f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

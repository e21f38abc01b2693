"""Every scanner and sanitizer is linear in its input, line length included (issue 12 item 7).

Times br-secrets, br-sql-injection (each through its hook's `main`, in this process) and
telemetry's `clean_text` on about 1 MB as one single line and as many lines, including the
inputs that used to be quadratic (`password=` repeated: 29 s for 320 KB), and a file dense
with findings (every line a distinct `password="..."`: the cost there is per finding). Each
input runs `--repeat` times (default 3): the median, then the range. Target: each under 0.5 s
on an idle machine. Run: .venv/bin/python bench/linear.py [--repeat N] [--only WORD]
"""

from __future__ import annotations

import argparse
import ast
import contextlib
import gc
import io
import os
import random
import statistics
import string
import sys
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

MB = 1_000_000


def _repeat(unit: str, size: int = MB) -> str:
    return unit * (size // len(unit))


def _distinct_passwords(size: int = MB) -> str:
    """Lines of `password="<9 random letters and digits>"`, each value distinct: built here at
    run time (no secret-shaped literal in the repository), seeded so every run is the same."""
    pick = random.Random(12).choices
    alphabet = string.ascii_letters + string.digits
    lines: list[str] = []
    total = 0
    while total < size:
        line = f'password="{"".join(pick(alphabet, k=9))}"\n'
        lines.append(line)
        total += len(line)
    return "".join(lines)


SECRETS_INPUTS = {
    "password= on one line": _repeat("password="),
    'password=" on one line': _repeat('password="'),
    "a one-line log": _repeat("ts=2026-01-01T00:00:00Z level=info user=alice token_type=bearer "),
    "eyJ on one line": _repeat("eyJ"),
    "many lines of code": _repeat('def f(a, b):\n    password = os.environ["PW"]\n    return a\n'),
    "every line a password": _distinct_passwords(),
}
# Code with a sink every 20 statements, as one line (minified) and as many lines; then the dense
# worst case, every statement a finding (its cost is per finding: masking and fingerprinting).
_PY = "x = compute(a, b); " * 19 + 'cur.execute("SELECT * FROM t WHERE a = " + u); '
_JS = "x = compute(a, b); " * 19 + "db.query(`SELECT * FROM t WHERE a = ${u}`); "
SQLI_INPUTS = {
    "py, one line": _repeat(_PY),
    # (each function body indented: before, the first line was not, and the file did not parse)
    "py, many lines": _repeat("def f(cur, u):\n    " + _PY[:-2].replace("; ", "\n    ") + "\n"),
    "js, one line": _repeat(_JS),
    "js, many lines": _repeat("function f(db, u) {\n" + _JS.replace("; ", ";\n") + "}\n"),
    "js, every line a sink": _repeat("db.query('SELECT * FROM t WHERE a = ' + u);\n"),
    # Calls that never close (the Python one does not parse: the token fallback) and a tuple of
    # literals that never closes: 29 s for 52 KB, 9 s for 46 KB, 56 s for one 84-byte line.
    "py, unclosed calls": _repeat('cur.execute("SELECT " + u '),
    "js, unclosed calls": _repeat('db.query("SELECT " + u '),
    "py, unclosed tuple": "x = (" + _repeat("'a'   "),
}


def _time(run: Callable[[], object]) -> tuple[float, float]:
    """(wall seconds, CPU seconds of this process): on a shared machine the second is steadier."""
    start, cpu = time.perf_counter(), time.process_time()
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
        run()
    return time.perf_counter() - start, time.process_time() - cpu


def _hook_time(main: Callable[[list[str]], int], name: str, text: str) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / name).write_text(text, encoding="utf-8")
        cwd = os.getcwd()
        os.chdir(tmp)
        try:
            return _time(lambda: main([name]))
        finally:
            os.chdir(cwd)


def _parse_paused(text: str) -> ast.Module:
    """`ast.parse` with the cycle collector off, as br_core/sqli/python/analyzer.py parses."""
    gc.disable()
    try:
        return ast.parse(text)
    finally:
        gc.enable()


def _spread(times: list[float]) -> str:
    return f"{statistics.median(times):6.3f} s [{min(times):.3f}-{max(times):.3f}]"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per input (default 3)")
    parser.add_argument("--only", default="", help="only rows whose tool or input has this")
    args = parser.parse_args(argv)

    from br_core.secrets.rules import load_rules
    from br_core.telemetry.events import clean_text
    from br_hooks import secrets, sql_injection

    load_rules()  # once, as every hook run pays it; not part of the per-input figure
    print(f"python {sys.version.split()[0]}; about 1 MB per input; target under 0.5 s each")
    print(f"median of {args.repeat} runs [min-max], wall clock, then CPU time of this process")
    cases: list[tuple[str, str, Callable[[], tuple[float, float]]]] = []
    for label, text in SECRETS_INPUTS.items():
        cases.append(("br-secrets", label, partial(_hook_time, secrets.main, "input.txt", text)))
        cases.append(("clean_text", label, partial(_time, partial(clean_text, text))))
    for label, text in SQLI_INPUTS.items():
        name = "input.py" if label.startswith("py") else "input.js"
        sqli_run = partial(_hook_time, sql_injection.main, name, text)
        cases.append(("br-sql-injection", label, sqli_run))
    for label, text in SQLI_INPUTS.items():
        if label.startswith("py") and "unclosed" not in label:  # those do not parse
            # The anchor: CPython's own parser on the same input, which the Python check needs
            # before anything else; what br-sql-injection takes beyond it is ours.
            cases.append(("ast.parse", label, partial(_time, partial(ast.parse, text))))
            # The same with the cycle collector paused, as the check now parses: the floor.
            cases.append(("ast.parse, gc off", label, partial(_time, partial(_parse_paused, text))))
    for tool, label, timed in cases:
        if args.only and args.only not in f"{tool} {label}":
            continue
        runs = [timed() for _ in range(args.repeat)]
        wall, cpu = _spread([w for w, _ in runs]), _spread([c for _, c in runs])
        print(f"  {tool:17} {label:23} {wall}  cpu {cpu}", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

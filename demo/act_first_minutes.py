"""Act 5b of `make demo` (issue 13): the first minutes of a new user, told plainly.

Empty states say what to do, `br security scan` reports secrets and SQL injection in one report,
the suggested SQL rewrite runs, and the committed Claude Code hook is silent for a teammate
without BuildRunner.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import tempfile
from pathlib import Path

from demo_kit import ENV, br, expect, fake_key, say, step


def first_minutes(repo: Path) -> None:
    step("5b. The first minutes: empty states, one scan for both kinds, a fix that runs")
    proc = br(repo, "tasks", "claim")
    expect(proc.returncode == 3 and "the queue is empty" in proc.stdout, "empty queue unexplained")
    with tempfile.TemporaryDirectory() as empty:
        saved = ENV.get("CLAUDE_CONFIG_DIR")
        ENV["CLAUDE_CONFIG_DIR"] = empty
        try:
            proc = br(repo, "cost", "daily")
        finally:
            if saved is not None:
                ENV["CLAUDE_CONFIG_DIR"] = saved
    expect("no Claude Code transcripts found" in proc.stdout, "empty cost report unexplained")

    scratch = repo / "ux"
    scratch.mkdir()
    token = fake_key("ghp_", 36, seed=13)
    (scratch / "search.py").write_text(
        f'import sqlite3\n\nTOKEN = "{token}"\n\n\ndef search(cur, q):\n'
        "    cur.execute(\"SELECT id FROM users WHERE name LIKE '%%%s%%'\" % q)\n",
        encoding="utf-8",
    )
    try:
        proc = br(repo, "security", "scan", "ux")
        expect(proc.returncode == 1, "the scan did not report its findings")
        expect("github-token" in proc.stdout and "sqli-py" in proc.stdout, "one kind is missing")
        expect(token not in proc.stdout + proc.stderr, "the token was shown in full")
        fix = json.loads(br(repo, "security", "scan", "ux", "--json", echo=False).stdout)
        rewrite = fix["sql_injection"][0]["fix"]
    finally:
        shutil.rmtree(scratch)
    say(f"The suggested rewrite, run against a real sqlite3 table: {rewrite}")
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE users (id INTEGER, name TEXT)")
    conn.executemany("INSERT INTO users VALUES (?, ?)", [(1, "bob"), (2, "alice")])
    cur = conn.cursor()
    exec(rewrite, {"cur": cur, "q": "ob"})  # the suggestion exactly as printed
    rows = cur.fetchall()
    print(f"    -> rows for q='ob': {rows}")
    expect(rows == [(1,)], "the suggested rewrite did not run as the original meant")

    settings = json.loads((repo / ".claude" / "settings.json").read_text(encoding="utf-8"))
    command = settings["hooks"]["Stop"][0]["hooks"][0]["command"]
    say(f"The committed Claude Code hook, for a teammate without BuildRunner: {command}")
    without = {**ENV, "PATH": "/usr/bin:/bin"}  # no br anywhere on it
    hook = subprocess.run(
        ["/bin/sh", "-c", command], cwd=repo, env=without, input="{}",
        capture_output=True, text=True, check=False, timeout=30,
    )  # fmt: skip
    print(f"    -> exit {hook.returncode}, output {hook.stdout + hook.stderr!r}")
    expect((hook.returncode, hook.stdout + hook.stderr) == (0, ""), "the hook is not silent")

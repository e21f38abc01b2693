"""Act 4c of `make demo` (issue 17): the SQL-injection hook on code written the way real apps are.

The finding stands on the line that builds the query from the request (the call that runs it is
named beside it), a base64 round trip does not launder the value, and a branch that a constant
condition makes dead is not reported.
"""

from __future__ import annotations

from pathlib import Path

from demo_kit import commit, expect, say, sh, show, step

REPORT = """import base64
import sqlite3

import flask

app = flask.Flask(__name__)


@app.route("/report")
def report():
    packed = base64.b64encode(flask.request.args["region"].encode())
    region = base64.b64decode(packed).decode()
    sql = "SELECT * FROM sales WHERE region = '%s'" % region
    with sqlite3.connect("sales.db") as db:
        return str(db.execute(sql).fetchall())
"""
DEAD = REPORT.replace(
    "    sql = ", "    region = region if 3 * 7 > 100 else 'north'\n    sql = ", 1
)


def where_and_how_sure(repo: Path) -> None:
    step("4c. Where the flaw is made: the line that builds the query")
    (repo / "report.py").write_text(REPORT, encoding="utf-8")
    print("    report.py line 13: " + REPORT.splitlines()[12].strip())
    print("    report.py line 15: " + REPORT.splitlines()[14].strip())
    say("The value comes from flask.request, goes through base64 and back, and is spliced in.")
    sh(repo, "git", "add", "report.py")
    proc = sh(repo, "git", "commit", "-q", "-m", "Sales report")
    show(proc)
    out = proc.stdout + proc.stderr
    expect(proc.returncode != 0, "the report query was NOT blocked")
    expect("report.py:13:" in out and "(run at line 15)" in out, "not reported where it is built")
    say("-> Blocked at line 13, where the query is built; line 15, where it runs, is named too.")

    step("4d. A branch that cannot run is not a finding")
    (repo / "report.py").write_text(DEAD, encoding="utf-8")
    print("    report.py line 13: " + DEAD.splitlines()[12].strip())
    sh(repo, "git", "add", "report.py")
    expect(commit(repo, "Sales report (fixed region)"), "a constant-false branch was reported")
    say("-> Committed: 3 * 7 > 100 is false, so the region is always the constant 'north'.")

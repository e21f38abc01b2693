"""Issue 17 items 3 and 5 as a user sees them: each finding's confidence and the line that builds
the query (with the call that runs it as a related location), in every report format; the
`[sqli] min_confidence` floor and its trust rule; suppression on either line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from br_core import trust
from br_core.config import config_path
from br_core.scan.finding import SQL_INJECTION, Finding
from br_core.scan.report import render
from br_core.sqli.scan import scan_files
from br_hooks.sql_injection import main

# line 6 builds the query from the request, line 7 runs it
SPLIT = """\
import sqlite3
from flask import request
db = sqlite3.connect("app.db")
def find():
    name = request.args["name"]
    sql = "SELECT * FROM users WHERE name = '%s'" % name
    return db.execute(sql).fetchall()
"""
# a name the file never defines: not provably constant, so a medium finding on line 3
UNDEFINED = """\
import sqlite3
conn = sqlite3.connect("app.db")
conn.execute("INSERT INTO person (name) VALUES ('%s')" % name)
"""
PARAMETER = "def find(cur, name):\n    cur.execute(f\"SELECT * FROM t WHERE a = '{name}'\")\n"


def _scan(tmp_path: Path, **files: str) -> list[Finding]:
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    return list(scan_files([tmp_path / n for n in files], tmp_path).findings)


def test_the_finding_stands_where_the_query_is_built_and_names_the_sink(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(SPLIT, encoding="utf-8")
    result = scan_files([tmp_path / "app.py"], tmp_path)
    [finding] = result.findings
    assert (finding.line, [r.line for r in finding.related]) == (6, [7])
    assert finding.confidence == "high" and "db.execute" in finding.related[0].message
    text = render(result, SQL_INJECTION, "text", tool="br-sql-injection")
    assert text.startswith("app.py:6: sqli-py-percent ") and "(run at line 7)" in text
    record = json.loads(render(result, SQL_INJECTION, "json", tool="br-sql-injection"))
    [found] = record["findings"]
    assert (found["line"], found["sink_line"], found["confidence"]) == (6, 7, "high")
    assert found["related"] == [{"line": 7, "message": "the query runs here: `db.execute`"}]
    sarif = json.loads(render(result, SQL_INJECTION, "sarif", tool="br-sql-injection"))
    [res] = sarif["runs"][0]["results"]
    assert res["locations"][0]["physicalLocation"]["region"] == {"startLine": 6}
    [related] = res["relatedLocations"]
    assert related["physicalLocation"]["region"] == {"startLine": 7}
    assert related["physicalLocation"]["artifactLocation"]["uri"] == "app.py"
    assert (res["rank"], res["properties"]) == (90.0, {"confidence": "high"})


def test_a_query_built_and_run_on_one_line_keeps_that_line(tmp_path: Path) -> None:
    [finding] = _scan(tmp_path, **{"a.py": PARAMETER})
    assert finding.line == 2 and [r.line for r in finding.related] == [2]
    text = render(scan_files([tmp_path / "a.py"], tmp_path), SQL_INJECTION, "text", tool="x")
    assert "run at line" not in text


def test_a_helper_that_builds_the_query_is_where_the_flaw_is(tmp_path: Path) -> None:
    code = (
        "import sqlite3\nfrom flask import request\ndb = sqlite3.connect('a.db')\n"
        "def where_name(name):\n    return f\"name = '{name}'\"\n"
        "def find():\n"
        '    return db.execute("SELECT * FROM users WHERE " + where_name(request.args["n"]))\n'
    )
    [finding] = _scan(tmp_path, **{"a.py": code})
    assert finding.line == 5 and [r.line for r in finding.related] == [7]


@pytest.mark.parametrize(
    ("code", "confidence", "source"),
    [
        (SPLIT, "high", "the web request"),
        (UNDEFINED, "medium", "`name`, never defined in this file"),
        (PARAMETER, "medium", "parameter `name`"),
    ],
)
def test_confidence_says_how_far_the_value_was_traced(
    tmp_path: Path, code: str, confidence: str, source: str
) -> None:
    [finding] = _scan(tmp_path, **{"a.py": code})
    assert (finding.confidence, finding.source) == (confidence, source)
    sarif = json.loads(
        render(scan_files([tmp_path / "a.py"], tmp_path), SQL_INJECTION, "sarif", tool="x")
    )
    assert sarif["runs"][0]["results"][0]["properties"] == {"confidence": confidence}


@pytest.mark.parametrize("where", ["build", "sink"])
def test_a_marker_on_either_line_suppresses(tmp_path: Path, where: str) -> None:
    lines = SPLIT.splitlines()
    index = 5 if where == "build" else 6
    lines[index] += "  # noqa: S608"
    (tmp_path / "a.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = scan_files([tmp_path / "a.py"], tmp_path)
    assert (result.findings, result.suppressed) == ([], 1)


def test_a_whitelist_entry_for_the_old_sink_line_still_suppresses(tmp_path: Path) -> None:
    (tmp_path / ".buildrunner").mkdir()
    (tmp_path / ".buildrunner" / "whitelist.txt").write_text("a.py:7\n", encoding="utf-8")
    assert _scan(tmp_path, **{"a.py": SPLIT}) == []


def _config(root: Path, text: str) -> Path:
    path = config_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _both(tmp_path: Path) -> list[Path]:
    (tmp_path / "high.py").write_text(SPLIT, encoding="utf-8")
    (tmp_path / "medium.py").write_text(UNDEFINED, encoding="utf-8")
    return [tmp_path / "high.py", tmp_path / "medium.py"]


def test_both_confidences_are_shown_by_default(tmp_path: Path) -> None:
    result = scan_files(_both(tmp_path), tmp_path)
    assert sorted(f.confidence for f in result.findings) == ["high", "medium"]


def test_a_trusted_high_floor_hides_medium_findings_and_says_so(tmp_path: Path) -> None:
    path = _config(tmp_path, '[sqli]\nmin_confidence = "high"\n')
    trust.grant(path, trust.content_digest(path.read_bytes()))
    result = scan_files(_both(tmp_path), tmp_path)
    assert [f.path for f in result.findings] == ["high.py"]
    assert result.suppressed == 1
    assert any("hides 1 finding(s) of lower confidence" in n for n in result.notices)


def test_an_untrusted_high_floor_is_ignored_with_one_notice(tmp_path: Path) -> None:
    _config(tmp_path, '[sqli]\nmin_confidence = "high"\n')
    result = scan_files(_both(tmp_path), tmp_path)
    assert sorted(f.confidence for f in result.findings) == ["high", "medium"]
    [notice] = result.settings_notices
    assert "not trusted" in notice and 'min_confidence = "high"' in notice
    assert "br config trust" in notice


def test_a_medium_floor_needs_no_trust(tmp_path: Path) -> None:
    _config(tmp_path, '[sqli]\nmin_confidence = "medium"\n')
    result = scan_files(_both(tmp_path), tmp_path)
    assert len(result.findings) == 2 and result.settings_notices == []


@pytest.mark.parametrize("value", ['"low"', "3", '["high"]', "true"])
def test_a_bad_floor_is_one_line_and_exit_2(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    value: str,
) -> None:
    monkeypatch.chdir(tmp_path)
    _config(tmp_path, f"[sqli]\nmin_confidence = {value}\n")
    (tmp_path / "a.py").write_text(SPLIT, encoding="utf-8")
    assert main(["a.py"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "config.toml: [sqli] min_confidence must be" in err and "fix or delete" in err


def test_the_settings_look_for_the_config_where_the_config_module_puts_it() -> None:
    from br_core.config import CONFIG_DIR, CONFIG_FILE
    from br_core.sqli.settings import CONFIG_PARTS

    assert CONFIG_PARTS == (CONFIG_DIR, CONFIG_FILE)


HEAD = "import sqlite3\nfrom flask import request\ndb = sqlite3.connect('a.db')\n"


@pytest.mark.parametrize(
    ("body", "built", "runs"),
    [
        (  # .format over several lines: the line of `.format(`
            "def a():\n    n = request.args['n']\n"
            "    sql = \"SELECT * FROM t WHERE a = '{}'\".format(\n        n\n    )\n"
            "    db.execute(sql)\n",
            6,
            9,
        ),
        (  # a list of quoted values joined later: the line that quotes the value in
            "def b():\n    parts = []\n    for n in request.args.getlist('n'):\n"
            '        parts.append("\'" + n + "\'")\n'
            "    sql = 'SELECT * FROM t WHERE a IN (' + ','.join(parts) + ')'\n"
            "    db.execute(sql)\n",
            7,
            9,
        ),
        (  # += in a loop: the augmented assignment
            "def c():\n    sql = 'SELECT * FROM t WHERE 1=1'\n    for k in request.args:\n"
            "        sql += ' AND %s = 1' % k\n    db.execute(sql)\n",
            7,
            8,
        ),
        (  # through a base64 round trip: where the decoded value is spliced in
            "import base64\ndef d():\n    e = base64.b64encode(request.args['n'].encode())\n"
            "    v = base64.b64decode(e).decode()\n"
            "    q = f\"SELECT * FROM t WHERE a = '{v}'\"\n    return db.execute(q)\n",
            8,
            9,
        ),
    ],
)
def test_the_build_line_follows_the_splice(
    tmp_path: Path, body: str, built: int, runs: int
) -> None:
    [finding] = _scan(tmp_path, **{"a.py": HEAD + body})
    assert (finding.line, [r.line for r in finding.related]) == (built, [runs])


@pytest.mark.parametrize(
    ("init", "confidence"),
    [("request.args['r']", "high"), ("region", "medium")],
)
def test_a_query_stored_on_self_keeps_the_confidence_of_what_built_it(
    tmp_path: Path, init: str, confidence: str
) -> None:
    code = (
        "import sqlite3\nfrom flask import request\nclass Report:\n"
        "    def __init__(self, region):\n"
        f"        self.sql = \"SELECT * FROM t WHERE r = '%s'\" % {init}\n"
        "        self.db = sqlite3.connect('x')\n"
        "    def run(self):\n        return self.db.execute(self.sql).fetchall()\n"
    )
    [finding] = _scan(tmp_path, **{"a.py": code})
    assert (finding.line, finding.confidence) == (5, confidence)
    assert [r.line for r in finding.related] == [8]

"""Values imported from another module spliced into SQL (issue 17, round 5b): every import form
reaches the analysis, a lower-case imported value is not provably constant, and an upper-case
setting is configuration where SQL takes a name but data where it takes a value or a condition."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from br_core.sqli.python.scope import module_imports
from br_core.sqli.scan import scan_files
from br_core.sqli.values import Val, is_setting, setting, splice, value_slot


def test_every_import_form_is_recorded_and_relative_ones_keep_their_dots() -> None:
    tree = ast.parse(
        "import a.b as c\nimport os.path\nfrom x import y as z\n"
        "from . import settings\nfrom ..conf import TABLE\nfrom .ctx import tenant\n"
    )
    found = module_imports(tree, [])
    assert found == {
        "c": "a.b",
        "os": "os.path",
        "z": "x.y",
        "settings": ".settings",
        "TABLE": "..conf.TABLE",
        "tenant": ".ctx.tenant",
    }


@pytest.mark.parametrize(
    ("before", "slot"),
    [
        ("SELECT * FROM t WHERE ", True),
        ("SELECT * FROM t WHERE a = ", True),
        ("SELECT * FROM t WHERE a = '", True),
        ("SELECT * FROM t LIMIT ", True),
        ("SELECT * FROM t WHERE a IN (", True),
        ("SELECT * FROM t WHERE a = 1 AND ", True),
        ("", False),
        ("SELECT * FROM ", False),
        ("SELECT * FROM t JOIN ", False),
        ("SELECT id, ", False),
        ("SELECT * FROM t ORDER BY ", False),
        ("SELECT * FROM t WHERE a = 'x' ORDER BY ", False),
        ("SELECT * FROM schema.", False),
    ],
)
def test_value_slot_tells_a_value_or_condition_from_a_name(before: str, slot: bool) -> None:
    assert value_slot(before) is slot


def test_a_setting_is_kept_only_where_sql_takes_a_value() -> None:
    table = Val(unknown=setting("TABLE"))
    assert is_setting(table)
    named = splice("+", [Val(text="SELECT * FROM ", is_str=True), table])
    assert not named.suspect and not named.built
    where = splice("+", [Val(text="SELECT * FROM t WHERE ", is_str=True), table])
    assert where.unknown == table.unknown and where.built == "+"
    assert not is_setting(where)  # built once: the next splice does not judge it again
    percent = splice("%", [Val(text="SELECT * FROM t WHERE a = '%s'", is_str=True), table])
    assert percent.built == "%"
    assert not splice("%", [Val(text="SELECT * FROM %s", is_str=True), table]).suspect
    assert not is_setting(Val(unknown="`x` (from another module)"))


def _findings(tmp_path: Path, code: str) -> list[tuple[int, str, str]]:
    (tmp_path / "app.py").write_text(code, encoding="utf-8")
    result = scan_files([tmp_path / "app.py"], tmp_path)
    return [(f.line, f.confidence, f.source) for f in result.findings]


def test_an_imported_setting_in_a_condition_is_a_medium_finding(tmp_path: Path) -> None:
    code = (
        "import sqlite3\nfrom myservice.settings import REPORT_FILTER\n"
        'con = sqlite3.connect("r.db")\n'
        'con.execute("SELECT id FROM reports WHERE " + REPORT_FILTER)\n'
        'con.execute("SELECT id FROM " + REPORT_FILTER.lower())\n'
    )
    assert _findings(tmp_path, code) == [
        (4, "medium", "`REPORT_FILTER` (an upper-case setting from another module)")
    ]


def test_a_lower_case_imported_value_is_not_provably_constant(tmp_path: Path) -> None:
    code = (
        "from .context import tenant_table as t\n\n"
        "def rows(cur):\n"
        '    cur.execute(f"SELECT * FROM {t} WHERE a = 1")\n'
        '    cur.execute("SELECT * FROM x WHERE a = %s", (t,))\n'
    )
    assert _findings(tmp_path, code) == [(4, "medium", "`t` (from another module)")]


def test_a_setting_checked_against_an_allow_list_is_not_reported(tmp_path: Path) -> None:
    code = (
        "from myapp.settings import ORDER\nALLOWED = {'id ASC', 'id DESC'}\n\n"
        "def rows(cur):\n"
        "    if ORDER not in ALLOWED:\n        raise ValueError(ORDER)\n"
        '    cur.execute("SELECT * FROM t WHERE a = 1 ORDER BY id, " + ORDER)\n'
        '    cur.execute("SELECT * FROM t WHERE a = " + ORDER)\n'
    )
    assert _findings(tmp_path, code) == []


def test_another_modules_function_of_a_setting_is_not_that_setting(tmp_path: Path) -> None:
    code = (
        "from myapp.sql import ORDER_DIR, get_order_dir\n\n"
        "def rows(cur):\n"
        "    col, order = get_order_dir('name', ORDER_DIR)\n"
        '    cur.execute("SELECT %s FROM t WHERE a = 1" % col)\n'
        '    cur.execute("SELECT %s FROM t WHERE a = 1" % ORDER_DIR)\n'
    )
    assert _findings(tmp_path, code) == [(5, "medium", "`get_order_dir()` (from another module)")]

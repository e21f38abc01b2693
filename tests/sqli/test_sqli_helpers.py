"""Local helpers whose result is the query text (issue 17, round 5b): every parameter that reaches
a helper's return counts, not only the one its summary names; a module-level lambda is a helper
like a def; a name that merely starts like `quote` is not trusted as a quoting function; and
SQLAlchemy's `bindparams()` keeps the statement as constant as it was."""

from __future__ import annotations

import ast
from pathlib import Path

from br_core.sqli.python.analyzer import PythonAnalyzer
from br_core.sqli.python.expr import QUOTING
from br_core.sqli.scan import scan_files

TWO_PARAMS = """\
def build(field, value, unused):
    return "WHERE {} = '{}'".format(field, value)
"""


def _findings(tmp_path: Path, code: str) -> list[tuple[int, str]]:
    (tmp_path / "app.py").write_text(code, encoding="utf-8")
    result = scan_files([tmp_path / "app.py"], tmp_path)
    return [(f.line, f.source) for f in result.findings]


def test_every_parameter_reaching_the_return_is_found_and_cached() -> None:
    analyzer = PythonAnalyzer(ast.parse(TWO_PARAMS))
    analyzer.run()
    fn = analyzer.all_defs[0]
    assert analyzer.summary(fn).ret.taint == "parameter `field`"  # one source per value
    assert analyzer._ret_params(fn) == {"field", "value"}
    assert analyzer.ret_params[id(fn)] == {"field", "value"}
    assert analyzer.findings == {}  # the quiet runs report nothing


def test_the_request_in_any_reaching_parameter_is_reported(tmp_path: Path) -> None:
    code = (
        "import sqlite3\nfrom flask import request\n" + TWO_PARAMS + "\n"
        "def staff(conn: sqlite3.Connection):\n"
        '    conn.execute("SELECT * FROM e " + build("dept", request.args["d"], 1))\n'
        '    conn.execute("SELECT * FROM e " + build("dept", "sales", request.args["d"]))\n'
    )
    assert _findings(tmp_path, code) == [(4, "the web request")]  # built in the helper


def test_a_module_level_lambda_is_followed_with_its_arguments(tmp_path: Path) -> None:
    code = (
        "import sqlite3\nimport sys\n"
        'quote = lambda s: "\'" + s + "\'"\n'
        "as_id = lambda s: int(s)\n"
        'conn = sqlite3.connect("a.db")\n'
        'conn.execute("SELECT * FROM t WHERE a = " + quote(sys.argv[1]))\n'
        'conn.execute("SELECT * FROM t WHERE a = " + str(as_id(sys.argv[1])))\n'
        'conn.execute("SELECT * FROM t WHERE a = " + quote("x"))\n'
    )
    assert _findings(tmp_path, code) == [(3, "command-line arguments")]


def test_a_lambda_name_bound_twice_is_not_followed(tmp_path: Path) -> None:
    code = (
        "import sqlite3\nimport sys\n"
        "as_id = lambda s: int(s)\nas_id = lambda s: s\n"
        'conn = sqlite3.connect("a.db")\n'
        'conn.execute("SELECT * FROM t WHERE a = " + as_id(sys.argv[1]))\n'
    )
    assert _findings(tmp_path, code) == [(6, "command-line arguments")]


def test_quoting_names_are_matched_whole() -> None:
    for name in ("quote", "quote_ident", "_quote_free_identifiers", "escape_string", "escapeId"):
        assert QUOTING.fullmatch(name), name
    for name in ("quoted_list", "quotes_for", "escaped", "requote"):
        assert not QUOTING.fullmatch(name), name


def test_bindparams_keeps_the_statement_constant(tmp_path: Path) -> None:
    code = (
        "from sqlalchemy import text\n\n"
        "def device(session, serial):\n"
        '    stmt = text("SELECT * FROM d WHERE s = :s").bindparams(s=serial)\n'
        "    session.execute(stmt)\n"
        "    session.execute(text(f\"SELECT * FROM d WHERE s = '{serial}'\").bindparams())\n"
    )
    assert _findings(tmp_path, code) == [(6, "parameter `serial`")]


def test_val_init_by_slots_keeps_the_dataclass_contract() -> None:
    """values._init_by_slots replaces Val's generated __init__ for speed: the same parameters
    in the same order with the same defaults, fields set as given, and still frozen."""
    import dataclasses
    import inspect

    import pytest

    from br_core.sqli.values import Val

    params = list(inspect.signature(Val).parameters.values())
    assert [(p.name, p.default) for p in params] == [
        (f.name, f.default) for f in dataclasses.fields(Val)
    ]
    given = {f.name: f"v{i}" for i, f in enumerate(dataclasses.fields(Val))}
    val = Val(**given)
    assert {name: getattr(val, name) for name in given} == given
    assert Val("t", "+") == Val(taint="t", built="+") != Val(taint="t")
    assert dataclasses.replace(val, taint=None).taint is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        val.taint = "x"  # type: ignore[misc]

"""Fuzzing the coverage report readers: Cobertura, JaCoCo, lcov, Go profiles, coverage.py data.

Property: a Report, or a ReportError of one line; never a traceback, never a hang (a Go block
claiming a billion lines must not be expanded line by line).
"""

from __future__ import annotations

import sqlite3
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from br_core.coverage.model import PathResolver, Report, ReportError
from br_core.coverage.pydata import _report_from_json
from br_core.coverage.reports import load_report
from tests.fuzz.strategies import expected_or_value, ints, json_values, mutate, text

_numbers = st.one_of(
    ints.map(str),
    st.sampled_from(["3.0", "inf", "-inf", "nan", "1e400", "", "x", "9" * 5000]),
)
_names = st.one_of(st.sampled_from(["a.py", "src/a.py", "/abs/a.py", "../x", "", "a\\b.py"]), text)


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;").replace("\0", "")


def _cobertura(lines: list[tuple[str, str, str]], totals: tuple[str, str] | None) -> str:
    body = "".join(
        f'<line number="{_attr(n)}" hits="{_attr(h)}" branch="true" '
        f'condition-coverage="50% ({_attr(c)})"/>'
        for n, h, c in lines
    )
    head = f' lines-valid="{_attr(totals[0])}" lines-covered="{_attr(totals[1])}"' if totals else ""
    return (
        f'<?xml version="1.0"?><coverage{head}><sources><source>.</source></sources><packages>'
        f'<package><classes><class filename="a.py"><lines>{body}</lines></class>'
        "</classes></package></packages></coverage>"
    )


cobertura = st.builds(
    _cobertura,
    st.lists(st.tuples(_numbers, _numbers, st.one_of(_numbers, st.just("1/2"))), max_size=4),
    st.none() | st.tuples(_numbers, _numbers),
)


def _jacoco(lines: list[tuple[str, str]], counters: list[tuple[str, str, str]]) -> str:
    body = "".join(f'<line nr="{_attr(n)}" ci="{_attr(c)}" mi="0"/>' for n, c in lines)
    tail = "".join(
        f'<counter type="{_attr(t)}" missed="{_attr(m)}" covered="{_attr(c)}"/>'
        for t, m, c in counters
    )
    return (
        '<?xml version="1.0"?><report name="x"><package name="com/x">'
        f'<sourcefile name="A.java">{body}</sourcefile></package>{tail}</report>'
    )


jacoco = st.builds(
    _jacoco,
    st.lists(st.tuples(_numbers, _numbers), max_size=4),
    st.lists(st.tuples(st.sampled_from(["LINE", "BRANCH", "x"]), _numbers, _numbers), max_size=3),
)

_lcov_lines = st.one_of(
    st.just("TN:"),
    _names.map(lambda n: f"SF:{n}"),
    st.tuples(_numbers, _numbers).map(lambda t: f"DA:{t[0]},{t[1]}"),
    st.tuples(_numbers, _numbers).map(lambda t: f"BRDA:1,0,{t[0]},{t[1]}"),
    st.just("end_of_record"),
    text,
)
lcov = st.lists(_lcov_lines, max_size=10).map(lambda ls: "SF:a.py\n" + "\n".join(ls))

_go_blocks = st.one_of(
    st.tuples(_names, _numbers, _numbers, _numbers, _numbers, _numbers, _numbers).map(
        lambda t: f"{t[0]}:{t[1]}.{t[2]},{t[3]}.{t[4]} {t[5]} {t[6]}"
    ),
    text,
)
go = st.tuples(
    st.sampled_from(["set", "count", "atomic", ""]), st.lists(_go_blocks, max_size=6)
).map(lambda t: f"mode: {t[0]}\n" + "\n".join(t[1]))

reports = st.one_of(
    cobertura,
    cobertura.flatmap(mutate),
    jacoco,
    jacoco.flatmap(mutate),
    lcov,
    lcov.flatmap(mutate),
    go,
    go.flatmap(mutate),
    text,
)


def _load(content: bytes) -> Report | Exception:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "a.py").write_text("x = 1\n", encoding="utf-8")
        path = root / "report.out"
        path.write_bytes(content)
        return expected_or_value(lambda: load_report(path, root))


@given(reports)
@example("mode: set\na.py:1.1,999999999.1 1 1\n")  # one block claiming a billion lines
@example("SF:a.py\nDA:1,inf\nend_of_record\n")
@example('<coverage><class filename="a.py"><lines><line number="1" hits="inf"/></lines></class>')
@example("mode: set\na.py:" + "9" * 5000 + ".1,1.1 1 1\n")
def test_report_readers_return_a_report_or_one_line(content: str) -> None:
    _load(content.encode("utf-8", "surrogatepass"))


@given(st.binary(max_size=300))
def test_report_readers_on_raw_bytes(content: bytes) -> None:
    _load(content)


@given(st.binary(max_size=2000))
def test_coverage_py_data_file_that_is_not_one(content: bytes) -> None:
    # detect_format sends anything with SQLite's magic to coverage.py
    _load(b"SQLite format 3\0" + content)


def test_coverage_py_data_file_with_a_foreign_schema() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "data"
        db = sqlite3.connect(path)
        db.execute("CREATE TABLE meta (key text, value text)")
        db.execute("INSERT INTO meta VALUES ('version', 'x')")
        db.commit()
        db.close()
        _load(path.read_bytes())


_file_entries = st.one_of(
    st.fixed_dictionaries(
        {"executed_lines": st.lists(json_values, max_size=3), "missing_lines": json_values}
    ),
    json_values,
)
coverage_json: st.SearchStrategy[Any] = st.fixed_dictionaries(
    {
        "files": st.one_of(st.dictionaries(_names, _file_entries, max_size=3), json_values),
        "totals": st.one_of(
            st.dictionaries(
                st.sampled_from(["covered_lines", "num_statements", "percent_covered"]), json_values
            ),
            json_values,
        ),
    }
)


@given(coverage_json)
@example({"files": {"a.py": {"executed_lines": ["x"]}}, "totals": {}})
def test_coverage_py_json_is_read_or_refused_in_one_line(data: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        expected_or_value(
            lambda: _report_from_json(root / ".coverage", root, PathResolver(root), data)
        )


def test_a_go_block_claiming_a_billion_lines_is_refused_at_once() -> None:
    started = time.monotonic()
    result = _load(b"mode: set\na.py:1.1,999999999.1 1 1\n")
    assert isinstance(result, ReportError)
    assert "spans" in result.message
    assert time.monotonic() - started < 2


@pytest.mark.parametrize(
    "content",
    [
        "SF:a.py\nDA:1,inf\nend_of_record\n",
        '<coverage><class filename="a.py"><lines><line number="1" hits="inf"/></lines></class>'
        "</coverage>",
        "mode: set\na.py:" + "9" * 5000 + ".1,1.1 1 1\n",
    ],
)
def test_infinite_or_huge_numbers_are_report_errors(content: str) -> None:
    assert isinstance(_load(content.encode()), ReportError)


def test_a_condition_count_of_5000_digits_is_ignored_not_a_crash() -> None:
    content = (
        '<coverage><class filename="a.py"><lines><line number="1" hits="1" branch="true" '
        f'condition-coverage="50% ({"9" * 5000}/2)"/></lines></class></coverage>'
    )
    report = _load(content.encode())
    assert isinstance(report, Report)
    assert report.totals.branches_total == 0

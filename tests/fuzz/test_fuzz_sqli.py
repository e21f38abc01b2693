"""Properties of the SQL-injection parsers of outside input added by issue 17: the constant folder
(it evaluates expressions written in the scanned file) and the `[sqli] min_confidence` key of
.buildrunner/config.toml."""

from __future__ import annotations

import ast
import tempfile
import warnings
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from br_core.config import CONFIG_DIR
from br_core.sqli.python.analyzer import analyze_source
from br_core.sqli.python.fold import fold_binop, fold_compare
from br_core.sqli.settings import SqliSettings
from br_core.sqli.values import MAX_TEXT, literal
from tests.fuzz.strategies import expected_or_value, text

# --- the constant folder -------------------------------------------------------------------------

_atoms = st.one_of(
    st.integers(-(2**70), 2**70).map(repr),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.sampled_from(["True", "False", "None", "'ab'", "''", "0", "-1", "10**9", "2**64"]),
    st.text(alphabet="ab'\\", max_size=4).map(repr),
)
_ops = st.sampled_from(["+", "-", "*", "/", "//", "%", "**", "<<", ">>", "&", "|", "^"])
_cmps = st.sampled_from(["<", ">", "==", "!=", "<=", ">=", "is", "is not", "in", "not in"])


@st.composite
def _exprs(draw: st.DrawFn, depth: int = 3) -> str:
    if depth == 0 or draw(st.booleans()):
        return draw(_atoms)
    kind = draw(st.sampled_from(["bin", "cmp", "not", "bool", "ifexp"]))
    a, b = draw(_exprs(depth - 1)), draw(_exprs(depth - 1))
    if kind == "bin":
        return f"({a} {draw(_ops)} {b})"
    if kind == "cmp":
        return f"({a} {draw(_cmps)} {b})"
    if kind == "not":
        return f"(not {a})"
    if kind == "bool":
        return f"({a} {draw(st.sampled_from(['and', 'or']))} {b})"
    return f"({a} if {draw(_exprs(depth - 1))} else {b})"


@given(_exprs())
@example("(not ((None ** 0) + 0))")  # found by `make fuzz`: abs(None) raised in the fold
def test_folding_any_constant_expression_is_quick_and_small(expr: str) -> None:
    """A hostile file cannot make the folder raise, hang or build a huge value: `x = <expr>`
    then a query built from `x` is analysed without error, and whatever the folder kept as a
    constant is small."""
    source = (
        f"x = {expr}\n"
        "def f(cur):\n"
        "    y = 'a' if x else 'b'\n"
        "    cur.execute(f\"SELECT * FROM t WHERE a = '{y}'\")\n"
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntaxWarning)  # `1 is 1`: fine for this property
        try:
            compile(source, "<fuzz>", "exec")
        except (SyntaxError, ValueError):
            return
        assert analyze_source(source) == []  # 'a' or 'b': constants whichever branch runs


@given(st.integers(-(2**300), 2**300), st.integers(-(2**300), 2**300), _ops)
def test_folded_numbers_agree_with_python_or_are_left_alone(a: int, b: int, op: str) -> None:
    node = ast.parse(f"a {op} b", mode="eval").body
    assert isinstance(node, ast.BinOp)
    folded = fold_binop(node.op, literal(a), literal(b))
    if folded is None:
        return
    expected = eval(f"a {op} b", {"a": a, "b": b})  # the operands are plain ints
    assert folded.const == expected
    assert isinstance(folded.const, int | float) and (
        not isinstance(folded.const, int) or folded.const.bit_length() <= 256
    )


@given(st.text(max_size=50), st.integers(-5, 10**6))
def test_string_repetition_never_exceeds_the_text_cap(s: str, n: int) -> None:
    folded = fold_binop(ast.Mult(), literal(s), literal(n))
    assert folded is None or len(str(folded.const)) <= MAX_TEXT


@given(st.lists(st.one_of(st.integers(), st.text(max_size=3), st.none()), min_size=2, max_size=4))
def test_comparing_mixed_constants_never_raises(values: list[object]) -> None:
    ops = [ast.Lt()] * (len(values) - 1)
    result = fold_compare(list(ops), [literal(v) for v in values])
    assert result.const in (True, False, None)


# --- [sqli] min_confidence -----------------------------------------------------------------------

_values = st.one_of(
    st.sampled_from(['"medium"', '"high"', '"low"', '"HIGH"', "1", "true", "[]", '""', "{}"]),
    text.map(lambda t: '"' + t.replace("\\", "\\\\").replace('"', '\\"') + '"'),
)


@given(_values, st.sampled_from(["[sqli]", "sqli = 1", "[sqli.x]", ""]))
def test_the_confidence_floor_loads_or_says_one_line(value: str, header: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / CONFIG_DIR).mkdir()
        doc = f"{header}\nmin_confidence = {value}\n"
        (root / CONFIG_DIR / "config.toml").write_text(doc, encoding="utf-8", errors="replace")
        settings = expected_or_value(lambda: SqliSettings.load(root))
        if isinstance(settings, SqliSettings):
            assert settings.min_confidence == "medium"  # untrusted or absent: the default

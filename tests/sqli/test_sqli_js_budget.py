"""Issue 17 item 3 at the evaluator's per-file budget (br_core/sqli/js/depth.py): once a file
has spent its evaluations, a query is not called constant. Its own shape is still read (a
template, a `+` chain): a request value spliced there as written stays a known source (high),
anything else it splices is unresolved (medium); a literal is still itself."""

from __future__ import annotations

from br_core.sqli.js.analyzer import analyze_js
from br_core.sqli.js.scope import BUDGET, Index
from br_core.sqli.js.tokens import tokenize

_NAMES = 40  # constants each filler query splices: each one costs an evaluation or more


def _spends_the_budget(handler: str) -> str:
    """Enough constant queries to spend the file's budget, then `handler` (the file's last
    query), so `handler` is evaluated after the budget is gone."""
    consts = [f"const C{i} = 'c{i}';" for i in range(_NAMES)]
    chain = " + ', ' + ".join(f"C{i}" for i in range(_NAMES))
    fillers = [
        f"function q{n}(db) {{ return db.query('SELECT ' + {chain} + ' FROM t{n}'); }}"
        for n in range(BUDGET // _NAMES + 1)
    ]
    return "\n".join([*consts, *fillers, handler]) + "\n"


def _last_line(src: str) -> int:
    return src.count("\n")


def _spent(src: str) -> bool:
    """The file really spends its budget before its end (else the test proves nothing)."""
    from br_core.sqli.js import analyzer

    made: list[Index] = []

    class Recorded(Index):
        def __post_init__(self) -> None:
            super().__post_init__()
            made.append(self)

    original = analyzer.Index
    analyzer.Index = Recorded  # type: ignore[misc]
    try:
        analyze_js(src)
    finally:
        analyzer.Index = original  # type: ignore[misc]
    return bool(made) and made[0].budget < 0


_THROUGH_A_NAME = """app.get('/u', (req, res) => {
  const name = req.query.name;
  db.query("SELECT * FROM users WHERE name = '" + name + "'", (e, r) => res.json(r)); });"""
_AS_WRITTEN = """app.get('/u', (req, res) => {
  db.query(`SELECT * FROM users WHERE name = '${req.query.name}'`, (e, r) => res.json(r)); });"""
_CONSTANT = """app.get('/u', (req, res) => {
  db.query('SELECT * FROM users WHERE ' + 'active = 1', (e, r) => res.json(r)); });"""
_BOUND = """app.get('/u', (req, res) => {
  db.query('SELECT * FROM users WHERE name = ?', [req.query.name], (e, r) => res.json(r)); });"""


def _at_the_end(src: str) -> list[tuple[str, str | None]]:
    """The findings on the handler's line (the fillers past the budget are unresolved too)."""
    return [(f.confidence, f.source) for f in analyze_js(src) if f.line == _last_line(src)]


def test_a_query_past_the_budget_is_unresolved_not_constant() -> None:
    src = _spends_the_budget(_THROUGH_A_NAME)
    assert _spent(src)
    [(confidence, source)] = _at_the_end(src)
    assert confidence == "medium" and "budget" in (source or "")


def test_a_request_value_spliced_as_written_past_the_budget_stays_high() -> None:
    src = _spends_the_budget(_AS_WRITTEN)
    assert _spent(src)
    assert _at_the_end(src) == [("high", "the web request (`req.query.name`)")]


def test_constant_or_bound_queries_past_the_budget_are_not_findings() -> None:
    for handler in (_CONSTANT, _BOUND):
        src = _spends_the_budget(handler)
        assert _spent(src)
        assert _at_the_end(src) == []


def test_the_fillers_are_constant_while_the_budget_lasts() -> None:
    src = _spends_the_budget(_CONSTANT)
    half = "\n".join(src.splitlines()[: _NAMES + BUDGET // _NAMES // 4])
    assert not _spent(half)
    assert analyze_js(half) == []


def test_a_spent_budget_still_reads_a_literal_as_itself() -> None:
    src = "db.query('SELECT 1')"
    index = Index(src, tokenize(src))
    index.budget = 0
    from br_core.sqli.js.expressions import evaluate
    from br_core.sqli.js.scope import Ctx

    val = evaluate(Ctx(src, index.toks, len(src), index), index.toks[4:5])
    assert val.const == "SELECT 1" and val.taint is None

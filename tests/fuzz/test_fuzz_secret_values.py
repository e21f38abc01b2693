"""Fuzzing the value reader by file syntax (br_core/secrets/syntax.py): whatever the text, a
value is a prefix of its line from where it starts, and a finding's span holds exactly its
secret."""

from __future__ import annotations

from hypothesis import example, given
from hypothesis import strategies as st

from br_core.secrets.rules import scan_text
from br_core.secrets.syntax import (
    CODE,
    ENV,
    INI,
    NETRC,
    PROSE,
    SHELL,
    TEXT,
    YAML,
    bare_value,
    syntax_of,
)
from tests.fuzz.strategies import mutate, text

_SYNTAXES = st.sampled_from([CODE, ENV, INI, YAML, SHELL])
_LINES = st.sampled_from(
    [
        "DB_PASSWORD=Xk9a,b;c#d # note\n",
        "password: {a: Xk9a,b, c: d}\n",
        "[db]\npassword = Xk9;q2,Lm ; c\n",
        "export API_TOKEN=ab,cd;echo\n",
        'password = "a\\"b,c"\n',
    ]
)
texts = st.one_of(text, _LINES, _LINES.flatmap(mutate), st.lists(_LINES, max_size=4).map("".join))


@given(texts, st.integers(min_value=0, max_value=60), _SYNTAXES)
@example("password: x" + "y" * 2000, 10, YAML)
def test_a_value_is_a_prefix_of_its_line(source: str, start: int, syntax: str) -> None:
    start = min(start, len(source))
    line_start = source.rfind("\n", 0, start) + 1
    value = bare_value(source, start, syntax, line_start)
    if syntax == CODE:
        assert value is None
        return
    assert value is not None and "\n" not in value and len(value) <= 501
    assert source.startswith(value, start)


@given(texts, st.sampled_from(["a.env", "x.yml", "a.ini", "s.sh", "a.py", "b.json"]))
def test_findings_span_exactly_their_secret(source: str, name: str) -> None:
    for match in scan_text(source, None, syntax_of(name)):
        assert source[match.start : match.end] == match.secret


@given(st.text(max_size=80))
@example(".env.local")
@example("a/b/.ENV")
@example(".MD")  # found by `make fuzz`: the set below had not learnt the syntaxes added since
def test_syntax_of_any_path_is_known(rel: str) -> None:
    assert syntax_of(rel) in {CODE, ENV, INI, YAML, SHELL, NETRC, PROSE, TEXT}

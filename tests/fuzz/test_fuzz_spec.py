"""Fuzzing the spec parser (br_core/queue/spec_parser.py) with markdown that looks like a spec.

Property: a ParsedSpec whose tasks are valid, or one UsageError line; never a traceback.
And a heading that only labels a list (`### Tasks`) never becomes a task (issue 13).
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import example, given
from hypothesis import strategies as st

from br_core.errors import UsageError
from br_core.queue.spec_parser import SECTION_LABEL, parse_spec, read_spec
from tests.fuzz.strategies import expected_or_value, mutate, text

_words = st.one_of(
    st.text(alphabet="abcdefghij -_./", min_size=1, max_size=120),
    st.text(alphabet="abcdefghij ", min_size=40, max_size=120),
    text,
)
_suffixes = st.sampled_from(
    ["", " (P1)", " (2h)", " (30m)", " [P0] (~3 days)", " {#pin-1}", " {#}"]
)
_lines = st.one_of(
    st.tuples(
        st.integers(1, 6), st.sampled_from(["", "Feature: ", "Phase 2: "]), _words, _suffixes
    ).map(lambda t: "#" * t[0] + " " + t[1] + t[2] + t[3]),
    st.tuples(
        st.integers(3, 6), st.sampled_from(["Tasks", "tasks:", "To do", "Checklist", "Steps"])
    ).map(lambda t: "#" * t[0] + " " + t[1]),
    st.tuples(
        st.sampled_from(["", "  ", "    ", "\t"]),
        st.sampled_from(["- ", "* ", "1. ", "- [ ] ", "- [x] "]),
        _words,
        _suffixes,
    ).map("".join),
    st.tuples(
        st.sampled_from(["Depends on: ", "Stream: ", "Priority: ", "Estimate: ", "**After**: "]),
        _words,
    ).map("".join),
    st.sampled_from(["```", "~~~", "Files to create:", "- `src/a.py`", ""]),
    text,
)


def _decodable(spec: str) -> str:
    # read_spec decodes UTF-8 strictly, so parse_spec never sees a lone surrogate
    return spec.encode("utf-8", "surrogatepass").decode("utf-8", "replace")


specs = st.lists(_lines, max_size=15).map("\n".join).map(_decodable)
ITEM_11 = (
    "# P\n## Feature: Authentication and session management for admins\n"
    "- [ ] Implement the login endpoint with rate limiting and audit\n"
)


@given(st.one_of(specs, specs.flatmap(mutate).map(_decodable)))
@example(ITEM_11)  # issue 12 item 11: the id was one character over its limit
def test_a_spec_parses_or_is_refused_in_one_line(spec: str) -> None:
    expected_or_value(lambda: parse_spec(spec))


@given(st.one_of(specs.map(lambda s: s.encode("utf-8", "surrogatepass")), st.binary(max_size=200)))
def test_a_spec_file_of_any_bytes_is_read_or_refused_in_one_line(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "PROJECT_SPEC.md"
        path.write_bytes(data)
        expected_or_value(lambda: read_spec(path))


@given(specs)
def test_a_section_label_never_becomes_a_task(spec: str) -> None:
    try:
        parsed = parse_spec(spec)
    except UsageError:
        return
    assert not [t.title for t in parsed.tasks if SECTION_LABEL.match(t.title)]

"""Issue 12 item 2: a Finding masks its own text fields, whatever scanner makes it."""

from __future__ import annotations

import random
from dataclasses import replace

import pytest

from br_core.scan.finding import SECRET, SQL_INJECTION, Finding, secret_message
from tests.data.secrets_corpus import rand

R = random.Random(77)
GHP = "ghp_" + rand(R, "alnum", 36)


def _sql_finding(**fields: str) -> Finding:
    """An SQL-injection finding with neutral defaults; `fields` set what a test is about."""
    defaults: dict[str, object] = {
        "kind": SQL_INJECTION, "rule_id": "r", "rule_text": "t", "path": "a.py", "line": 1,
        "column": None, "message": "m", "fingerprint": "f",
    }  # fmt: skip
    return Finding(**{**defaults, **fields})


def test_a_finding_masks_message_fix_sink_and_source() -> None:
    finding = _sql_finding(
        message=f"built from {GHP}",
        fix=f"use ? instead of {GHP}",
        sink=f"db.run('{GHP}')",
        source=f"token {GHP}",
    )
    for text in (finding.message, finding.fix, finding.sink, finding.source):
        assert text is not None and GHP not in text and GHP[:4] + "…" + GHP[-4:] in text


def test_a_finding_without_secrets_is_unchanged() -> None:
    finding = _sql_finding(
        message="SQL passed to `cur.execute` is built with + concatenation from user_id",
        fix='cur.execute("SELECT * FROM t WHERE id = %s", (user_id,))',
    )
    assert finding.message.endswith("from user_id")
    assert finding.fix == 'cur.execute("SELECT * FROM t WHERE id = %s", (user_id,))'


def _secret_finding(message: str, rule_text: str = "Hard-coded secret") -> Finding:
    return Finding(
        kind=SECRET,
        rule_id="generic",
        rule_text=rule_text,
        path="a.py",
        line=1,
        column=1,
        message=message,
        fingerprint="f",
        masked="ab…yz",
    )


def test_a_secret_message_in_the_usual_shape_still_masks_its_rule_text() -> None:
    # The shortcut (only the rule's text is sanitised, once) must not skip the rule's text.
    finding = _secret_finding(secret_message(f"rule {GHP}", "ab…yz"), rule_text=f"rule {GHP}")
    assert GHP not in finding.message and finding.message.endswith("(value: ab…yz)")


def test_a_secret_message_in_another_shape_is_sanitised_in_full() -> None:
    finding = _secret_finding(f"Hard-coded secret (value: ab…yz) next to {GHP}")
    assert GHP not in finding.message and GHP[:4] + "…" + GHP[-4:] in finding.message


def test_many_findings_reuse_what_was_sanitised_and_stay_masked() -> None:
    # The same copied line in many findings (a minified file) is sanitised once and remembered:
    # the remembered answer is the masked one, every time.
    for _ in range(3):
        finding = _sql_finding(sink=f"db.run('{GHP}')")
        assert GHP not in finding.sink


def test_but_makes_what_replace_makes_and_masks_what_it_is_given() -> None:
    """`Finding.but` (the secret scanner's per-finding copy) equals `dataclasses.replace`,
    masks a free text it is handed as `__init__` does, and refuses a field that does not exist."""
    template = _sql_finding()
    moved = template.but(line=7, column=3, fix=f"use ? instead of {GHP}")
    assert moved == replace(template, line=7, column=3, fix=f"use ? instead of {GHP}")
    assert moved.fix is not None and GHP not in moved.fix and template.line == 1
    with pytest.raises(TypeError, match="colum"):
        template.but(colum=3)

"""Issue 12 item 2: a Finding masks its own text fields, whatever scanner makes it."""

from __future__ import annotations

import random

from br_core.scan.finding import SQL_INJECTION, Finding
from tests.data.secrets_corpus import rand

R = random.Random(77)
GHP = "ghp_" + rand(R, "alnum", 36)


def test_a_finding_masks_message_fix_sink_and_source() -> None:
    finding = Finding(
        kind=SQL_INJECTION,
        rule_id="r",
        rule_text="t",
        path="a.py",
        line=1,
        column=None,
        message=f"built from {GHP}",
        fingerprint="f",
        fix=f"use ? instead of {GHP}",
        sink=f"db.run('{GHP}')",
        source=f"token {GHP}",
    )
    for text in (finding.message, finding.fix, finding.sink, finding.source):
        assert text is not None and GHP not in text and GHP[:4] + "…" + GHP[-4:] in text


def test_a_finding_without_secrets_is_unchanged() -> None:
    finding = Finding(
        kind=SQL_INJECTION,
        rule_id="r",
        rule_text="t",
        path="a.py",
        line=1,
        column=None,
        message="SQL passed to `cur.execute` is built with + concatenation from user_id",
        fingerprint="f",
        fix='cur.execute("SELECT * FROM t WHERE id = %s", (user_id,))',
    )
    assert finding.message.endswith("from user_id")
    assert finding.fix == 'cur.execute("SELECT * FROM t WHERE id = %s", (user_id,))'

"""Passwords in documents laid out as tables and chats (issue 17 item 9): a cell under a
`Password`, `API key` or `Token` column of a Markdown table (outer pipes or none) or a
reStructuredText grid or simple table, a table row
near a mention of credentials, and a chat line giving a password (`user x / pass …`, `pw: …`),
random or word-built. Cells saying `<redacted>` or `see vault`, columns naming no secret, and
policy text or descriptions of passwords in general (`must be 12 characters`, `human-style
passwords (…)`) stay quiet. Values are built at run time."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from br_core.secrets.masking import mask_value
from tests.data.secrets_corpus import rand
from tests.secrets.scanning import findings

R = random.Random(2210)
PW = rand(R, "alnum", 7) + "^" + rand(R, "alnum", 4) + "3"
KEY = rand(R, "alnum", 32)
HUMAN = "Orchid" + str(R.randint(10, 99)) + "!saffron" + str(R.randint(1, 9))

FOUND = [
    (
        "docs/accounts.md",
        "# Accounts\n\n| Service | User | Password |\n|---|:---|---|\n"
        f"| grafana | admin | `{HUMAN}` |\n| vault | ops | see vault |\n",
        5,
        HUMAN,
    ),
    (
        "docs/keys.md",
        f"| Provider | API key |\n| -------- | ------- |\n| partner | {KEY} |\n",
        3,
        KEY,
    ),
    (
        "docs/accounts.rst",
        "+---------+-------+----------------------------------+\n"
        "| Service | User  | Token                            |\n"
        "+=========+=======+==================================+\n"
        f"| ci      | bot   | {KEY} |\n"
        "+---------+-------+----------------------------------+\n",
        4,
        KEY,
    ),
    (
        "docs/SETUP.md",
        "The staging credentials are below; rotate them after the demo.\n"
        f"| staging admin | `admin` | `{HUMAN}` |\n",
        2,
        HUMAN,
    ),
    (
        "docs/chat/ops.txt",
        "[09:12] alice: anyone have the staging db creds?\n"
        f"[09:13] bob: user reporting / pass {HUMAN}\n"
        "[09:13] carol: please don't paste those here\n",
        2,
        HUMAN,
    ),
    (
        "docs/chat/ops.txt",
        f"[09:12] alice: what is the db password?\n[09:13] bob: pw: {HUMAN}\n",
        2,
        HUMAN,
    ),
    ("notes.txt", f"[10:01] dave: admin / pass: {PW}\n", 1, PW),
    # A Markdown table without its outer pipes, and an rST simple table.
    (
        "docs/accounts.md",
        f"Service | User | Password\n--- | :--- | ---\ngrafana | admin | `{HUMAN}`\n",
        3,
        HUMAN,
    ),
    (
        "docs/accounts.rst",
        "=======  =====  ==================================\n"
        "Service  User   Token\n"
        "=======  =====  ==================================\n"
        "vault    ops    see vault\n"
        f"ci       bot    {KEY}\n"
        "=======  =====  ==================================\n",
        5,
        KEY,
    ),
]


@pytest.mark.parametrize(("name", "text", "line", "value"), FOUND, ids=[c[0] for c in FOUND])
def test_a_password_in_a_table_or_chat_is_found(
    name: str, text: str, line: int, value: str, tmp_path: Path
) -> None:
    found = findings(tmp_path, name, text)
    assert found == [(line, mask_value(value))]
    assert value not in repr(found)


NOT_FOUND = [
    (
        "docs/accounts.md",
        "| Service | User | Password |\n|---|---|---|\n| grafana | admin | `<redacted>` |\n"
        "| vault | ops | see vault |\n| ci | bot | `${CI_PASSWORD}` |\n| old | x | **** |\n",
    ),
    (
        "docs/accounts.md",
        "Service | Password\n--- | ---\ngrafana | `<redacted>`\nci | `${CI_PASSWORD}`\n",
    ),
    (
        "docs/accounts.rst",
        "=======  ==========\nService  Password\n=======  ==========\nvault    see vault\n"
        "ci       ``****``\n=======  ==========\n",
    ),
    # A column naming no secret, and a table without a header far from any mention.
    ("docs/builds.md", f"| Build | Commit |\n|---|---|\n| 41 | `{KEY}` |\n"),
    ("docs/builds.md", f"Build | Commit\n----- | ------\n41 | `{KEY}`\n"),
    (
        "docs/builds.rst",
        f"=====  ======\nBuild  Commit\n=====  ======\n41     {KEY}\n=====  ======\n",
    ),
    ("docs/hosts.md", f"# Hosts\n\nSome text.\n\nMore text.\n\n| web-1 | `{HUMAN}` |\n"),
    # Policy text and passwords described in general: examples, not a password given.
    ("docs/policy.md", f"Passwords must hold a digit and a symbol.\n| good | `{HUMAN}` |\n"),
    ("docs/policy.md", f"The password must be 12+ characters, like {HUMAN}\n"),
    ("README.md", f"Human-style passwords (`{HUMAN}`) are labelled secret like random ones.\n"),
    # `pass` as a verb, with no password after it.
    ("docs/chat/ci.txt", "[09:14] erin: the tests pass on main-2026-11-18.rc1 now\n"),
    ("docs/chat/ci.txt", "[09:15] erin: pass --max-old-space-size=4096 to node\n"),
]


@pytest.mark.parametrize(("name", "text"), NOT_FOUND, ids=[c[0] for c in NOT_FOUND])
def test_table_and_chat_look_alikes_stay_unflagged(name: str, text: str, tmp_path: Path) -> None:
    assert findings(tmp_path, name, text) == []

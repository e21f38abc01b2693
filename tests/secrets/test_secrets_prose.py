"""The prose rule (br_core/secrets/prose.py): a generated password pasted into a chat log, a
note or a commit message near a mention of a password, and the prose it must leave alone.
Password-shaped values are built at run time."""

from __future__ import annotations

import random
import time
from pathlib import Path

import pytest

from br_core.secrets.masking import mask_value
from br_core.secrets.scanner import scan_commit_messages
from tests.data.secrets_corpus import rand
from tests.secrets.scanning import findings_by_rule as _findings

R = random.Random(2019)
PW = rand(R, "alnum", 7) + "@" + rand(R, "alnum", 6) + "*" + rand(R, "alnum", 3) + "7"
CERT_LINE = rand(R, "alnum", 30) + "+" + rand(R, "alnum", 30) + "+" + rand(R, "alnum", 2)


FOUND = [
    (
        "chat/ops-channel.log",
        "[09:12] alice: can someone share the staging db password?\n"
        "[09:13] bob: it's in the vault, not pasting here\n"
        f"[09:14] carol: just use {PW} for now\n",
        3,
    ),
    ("notes/handover.md", f"# Handover\n\n- kiosk password:\n  - `{PW}`\n", 4),
    ("support.txt", f"The new password for the kiosk account is {PW} (rotate it).\n", 1),
    ("incident.rst", f"Root cause: the admin pw ({PW}) was pasted in the ticket.\n", 1),
]


@pytest.mark.parametrize(("name", "text", "line"), FOUND)
def test_password_pasted_in_prose_is_found(name: str, text: str, line: int, tmp_path: Path) -> None:
    found = _findings(tmp_path, name, text)
    assert found == [(line, "prose-password", mask_value(PW))]
    assert PW not in repr(found)


def test_password_in_a_commit_message_two_lines_after_the_question(tmp_path: Path) -> None:
    message = tmp_path / "COMMIT_EDITMSG"
    message.write_text(f"Fix login\n\nThe staging password changed.\nNow: {PW}\n", "utf-8")
    result = scan_commit_messages([message], tmp_path)
    assert [(f.line, f.rule_id) for f in result.findings] == [(4, "prose-password")]


NOT_FOUND = [
    # No mention of a password near the word: a random-looking word alone is not a password.
    ("chat.log", f"[09:14] carol: build id {PW} is green\n"),
    ("chat.log", f"password reset done\nok\nok\nok\nlater: {PW}\n"),  # three lines on
    # Password-shaped words that are something else.
    ("README.md", "Set the password with `--password=$DB_PASSWORD` or `${DB_PASSWORD}`.\n"),
    ("README.md", "The password must hold 12+ characters, e.g. Correct-Horse-Battery-9!\n"),
    ("README.md", "Forgot the password? Mail Ops.Team2@Corp.example.com or see\n"),
    ("README.md", "password docs: https://id.example.org/Reset/Ab12@Cd34x#Top!\n"),
    ("README.md", "password file: /etc/App2/Secrets@Prod/db.pw\n"),
    ("README.md", "Password hashes look like $2b$12$" + rand(R, "b64", 53) + "\n"),
    ("docs/auth.md", "password: store it as DB_PASSWORD=${VAULT_DB_PASSWORD} in .env\n"),
    ("docs/auth.md", "Passwords like Xk9#Xk9#Xk9#Xk9# (repeated) are rejected.\n"),
    ("notes.md", "the password is in 1Password under 'staging-db', not pasting here\n"),
    # Certificate lines: `pWD` inside base64 is no mention, and a base64 line is no password.
    ("cacerts.txt", f"{CERT_LINE[:20]}pWD{CERT_LINE[23:]}\n{CERT_LINE}\n{CERT_LINE[::-1]}\n"),
    ("notes.md", f"The key passphrase is in the vault. The certificate:\n\n    {CERT_LINE}\n"),
    # Code files are not prose: the assignment rule reads them, not this one.
    ("app.py", f"# ask ops for the password\nBUILD = compute({PW!r})\n"),
]


@pytest.mark.parametrize(("name", "text"), NOT_FOUND)
def test_prose_that_is_not_a_password_stays_unflagged(name: str, text: str, tmp_path: Path) -> None:
    assert _findings(tmp_path, name, text) == []


def test_many_mentions_read_each_line_once(tmp_path: Path) -> None:
    """A generous bound against quadratic behaviour: every line mentions a password."""
    text = ("the password rotated " + "word " * 30 + "\n") * 20_000
    start = time.process_time()
    assert _findings(tmp_path, "long.log", text) == []
    assert time.process_time() - start < 20


def _one_line_seconds(mentions: int) -> float:
    """CPU seconds (best of three) for the prose rule alone on one line of `mentions` mentions."""
    from br_core.secrets.prose import find_prose_passwords
    from br_core.secrets.rules import load_rules

    rules = load_rules()
    rule = next(r for r in rules.rules if r.kind == "prose")
    assert rule.context is not None
    text = "password " * mentions
    best = float("inf")
    for _ in range(3):
        start = time.process_time()
        assert list(find_prose_passwords(text, text, rule.context, rules.generic)) == []
        best = min(best, time.process_time() - start)
    return best


def test_many_mentions_on_one_line_stay_linear() -> None:
    """Four times the mentions on one line cost about four times as long; sixteen when each
    mention searched to the end of the line (1 MB of `password=`: 0.57 s in br-secrets, 0.11 s
    after)."""
    assert _one_line_seconds(80_000) < 8 * _one_line_seconds(20_000)

"""`br digest`: the week's summary as Markdown/HTML, and by e-mail through a real SMTP server
(aiosmtpd on localhost) that receives the message; no secret reaches the page or the mail."""

from __future__ import annotations

import random
import socket
import sqlite3
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from br_cli.app import main
from br_cli.digest import spend_summary
from br_core.git import project_id
from br_core.learning.digest import build_digest, render_markdown
from br_core.queue.models import NewTask
from br_core.queue.task_queue import TaskQueue
from br_core.telemetry.events import record_event
from tests.data.secrets_corpus import expand, rand
from tests.learning.helpers import block, now, teach


class Inbox:
    """aiosmtpd handler: keeps every envelope it is given."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    inbox = Inbox()
    with socket.socket() as probe:  # a free port on localhost
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _user_config(br_home: Path, text: str) -> None:
    (br_home / "config.toml").write_text(text, encoding="utf-8")


@pytest.fixture
def secrets_planted(conn: sqlite3.Connection, git_repo: Path) -> list[str]:
    """A week with a key in a task title and a token in a branch name, blocks and outcomes."""
    rng = random.Random(11)
    key = expand("AKIA[[upper:16]]", rng)
    token = "ghp_" + rand(rng, "alnum", 36)
    queue = TaskQueue(conn, project_id(git_repo), root=git_repo)
    queue.add_tasks([NewTask(id="t1", title=f"Rotate {key} in staging", estimate_minutes=30)])
    claim = queue.claim("me")
    assert claim is not None
    queue.complete("t1", claim.token)
    # A store written before titles were masked: the digest masks on its own too.
    conn.execute("UPDATE tasks SET title = ? WHERE id = 't1'", (f"Rotate {key} in staging",))
    record_event(conn, "commit", {"branch": f"feature/{token}", "files_changed": 1}, root=git_repo)
    block(conn, git_repo, "br-secrets", "tests/fixtures", now())
    teach(conn, git_repo, "Fix typo in the README docs", "haiku", 4, 1)
    return [key, token]


def test_markdown_and_html_carry_every_section_and_no_secret(
    conn: sqlite3.Connection,
    git_repo: Path,
    secrets_planted: list[str],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    assert main(["digest"]) == 0
    md = capsys.readouterr().out
    for heading in (
        "## Spend",
        "## Routing",
        "## Blocks by the hooks",
        "## Tasks",
        "## Predictions and their measured accuracy",
        "## Open suggestions",
    ):
        assert heading in md
    assert "br-secrets: 1 blocked commits (most in tests/fixtures)" in md
    assert "1 tasks done, 0 failed" in md and "done: Rotate " in md
    assert "task cost: nothing predicted yet" in md
    out = tmp_path / "digest.html"
    assert main(["digest", "--format", "html", "--since", "2w", "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "<h2>Blocks by the hooks</h2>" in page
    for secret in secrets_planted:
        assert secret not in md and secret not in page
        assert secret[4:20] not in md and secret[4:20] not in page


def test_predictions_show_their_measured_coverage_once_there_is_history(
    conn: sqlite3.Connection, git_repo: Path
) -> None:
    rng = random.Random(5)
    for _ in range(40):
        teach(conn, git_repo, "Fix typo in the README docs", "haiku", 1, 0)
        conn.execute(
            "UPDATE route_outcomes SET cost_usd = ?"
            " WHERE id = (SELECT max(id) FROM route_outcomes)",
            (0.01 * rng.lognormvariate(0, 0.4),),
        )
    digest = build_digest(conn, git_repo, spend_summary(conn, git_repo, 7), 7)
    cost = next(p for p in digest.predictions if p["name"] == "task_cost")
    assert cost["predicted"] > 0 and 0 <= cost["coverage"] <= 1
    md = render_markdown(digest)
    assert "task cost: " in md and "80% intervals covered" in md and "(nominal 80%)" in md


def test_email_through_a_real_smtp_server(
    git_repo: Path,
    secrets_planted: list[str],
    smtp: tuple[Inbox, int],
    br_home: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    inbox, port = smtp
    _user_config(
        br_home,
        f'[digest.smtp]\nhost = "127.0.0.1"\nport = {port}\n'
        'from = "br@example.org"\nsecurity = "none"\ntimeout = 5\n',
    )
    assert main(["digest", "--email", "lead@example.org"]) == 0
    assert f"digest sent to lead@example.org through 127.0.0.1:{port}" in capsys.readouterr().out
    (mail_from, rcpt, raw) = inbox.received[0]
    assert mail_from == "br@example.org" and rcpt == ["lead@example.org"]
    msg = message_from_bytes(raw, policy=policy.default)
    assert isinstance(msg, EmailMessage)
    assert msg["Subject"].startswith("BuildRunner digest ") and msg["To"] == "lead@example.org"
    assert msg["From"] == "br@example.org" and msg["Message-ID"] and msg["Date"]
    assert msg.get_content_type() == "multipart/alternative"
    text = msg.get_body(("plain",))
    page = msg.get_body(("html",))
    assert text is not None and page is not None
    assert "## Blocks by the hooks" in text.get_content()
    assert "<h2>Open suggestions</h2>" in page.get_content()
    for secret in secrets_planted:
        assert secret.encode() not in raw and secret[4:20].encode() not in raw


def test_smtp_failures_and_bad_settings_are_one_line_and_exit_2(
    git_repo: Path, br_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def fails(args: list[str], expected: str) -> None:
        started = time.monotonic()
        assert main(args) == 2
        err = capsys.readouterr().err
        assert expected in err and "Traceback" not in err and len(err.strip().splitlines()) == 1
        assert time.monotonic() - started < 30

    fails(["digest", "--email", "lead@example.org"], "no SMTP settings; add [digest.smtp]")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed = probe.getsockname()[1]
    _user_config(
        br_home,
        f'[digest.smtp]\nhost = "127.0.0.1"\nport = {closed}\n'
        'from = "br@example.org"\nsecurity = "none"\ntimeout = 3\n',
    )
    fails(["digest", "--email", "lead@example.org"], f"SMTP 127.0.0.1:{closed}: not sent")
    _user_config(br_home, '[digest.smtp]\nhost = "h"\nfrom = "br@example.org"\npassword = "x"\n')
    fails(["digest", "--email", "a@example.org"], "password must not be in a file")
    _user_config(
        br_home,
        '[digest.smtp]\nhost = "h"\nfrom = "br@example.org"\n'
        'username_env = "BR_T_USER"\npassword_env = "BR_T_PASS"\n',
    )
    fails(["digest", "--email", "a@example.org"], "set the environment variables BR_T_USER")
    fails(["digest", "--email", "not-an-address"], "--email 'not-an-address': not an e-mail")
    fails(["digest", "--since", "yesterday"], "--since 'yesterday': not a period")
    fails(["digest", "--format", "pdf"], "--format 'pdf': use md or html")
    (git_repo / ".buildrunner").mkdir()
    (git_repo / ".buildrunner" / "config.toml").write_text(
        '[digest.smtp]\nhost = "evil.example.org"\n', encoding="utf-8"
    )
    fails(["digest", "--email", "a@example.org"], "[digest] is not read from a repository")


def test_a_starttls_server_that_offers_none_is_named(
    git_repo: Path, smtp: tuple[Inbox, int], br_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, port = smtp
    _user_config(
        br_home,
        f'[digest.smtp]\nhost = "127.0.0.1"\nport = {port}\nfrom = "br@example.org"\ntimeout = 5\n',
    )
    assert main(["digest", "--email", "lead@example.org"]) == 2
    err = capsys.readouterr().err
    assert "does not offer this" in err and 'security = "ssl" or "none"' in err

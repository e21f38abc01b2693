"""Demo act: suggestions from the repository's own history, and the weekly digest by e-mail
(issue 19, items 2-4).

Thirty routed docs tasks later, `br suggest` proposes a routing rule with its evidence and the
command that applies it; nothing changes until `br suggest accept ID --apply`. `br digest` then
sends the week's summary through a real SMTP server (aiosmtpd, a separate process on localhost)
named in the user's own `$BR_HOME/config.toml`.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

from demo_kit import BR, ENV, br, expect, say, sh, step

TASK = "Fix typo in the README docs"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _smtp_server(port: int) -> subprocess.Popen[str]:
    server = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return server
        time.sleep(0.1)
    server.kill()
    raise SystemExit("demo: the local SMTP server did not start within 15 s")


def suggestions_and_digest(repo: Path) -> None:
    step("14. Suggestions with their evidence, and the weekly digest by e-mail")
    for tier, n in (("haiku", 24), ("opus", 6)):
        for _ in range(n):
            got = sh(repo, str(BR), "model", "outcome", TASK, "--tier", tier, "--cost", "0.02")
            expect(got.returncode == 0, f"br model outcome failed: {got.stderr.strip()}")
    say("30 docs tasks were routed and their outcomes recorded: 24 on Haiku, 6 on Opus, all "
        "resolved.")  # fmt: skip
    listed = br(repo, "suggest")
    line = next((x for x in listed.stdout.splitlines() if "Route docs tasks to haiku" in x), "")
    expect(line.startswith("sg-"), "br suggest did not propose routing docs tasks to haiku")
    sid = line.split()[0]
    config = repo / ".buildrunner" / "config.toml"
    before = config.read_text(encoding="utf-8") if config.exists() else ""
    br(repo, "suggest", "accept", sid)
    after = config.read_text(encoding="utf-8") if config.exists() else ""
    expect(before == after, "accepting without --apply changed the config")
    br(repo, "suggest", "accept", sid, "--apply")
    routed = br(repo, "route", TASK)
    expect("haiku" in routed.stdout.lower(), "the applied rule did not route docs to haiku")
    say("-> Accepting alone changed nothing; --apply wrote the rule, and the router follows it.")
    port = _free_port()
    home = Path(ENV["BR_HOME"])
    (home / "config.toml").write_text(
        f'[digest.smtp]\nhost = "127.0.0.1"\nport = {port}\nfrom = "br@example.org"\n'
        'security = "none"\ntimeout = 10\n',
        encoding="utf-8",
    )
    server = _smtp_server(port)
    try:
        sent = br(repo, "digest", "--email", "lead@example.org")
        expect(sent.returncode == 0, "br digest --email failed")
    finally:
        server.terminate()
        received, _ = server.communicate(timeout=15)
    expect("Subject: BuildRunner digest" in received, "the SMTP server received no digest")
    for text in received.splitlines():
        if text.startswith(("Subject:", "From:", "To:", "## ")):
            print(f"    smtp| {text}")
    say("-> The SMTP server (a separate process) received the digest: spend against all-Sonnet, "
        "routing, blocks, predictions and their accuracy, open suggestions.")  # fmt: skip

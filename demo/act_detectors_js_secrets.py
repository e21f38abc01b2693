"""Act 5c of `make demo` (issue 17, JS and secrets): detectors on code nobody here wrote.

A token in a commit message is blocked by the commit-msg hook, masked; a password holding `,` and
`;` in a .env file is one value, masked whole; typed placeholders are not reported; in JS, taint
flows through a helper and an object field, and a same-named local in another function is
another variable.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

from demo_kit import br, commit, expect, fake_key, say, sh, show, step

_EXPRESS = """const util = require('util');

function nameOf(req) {
  return req.query.name;
}

app.get('/search', (req, res) => {
  const q = { name: nameOf(req), table: 'users' };
  lastSearch = q.name;
  db.query(util.format("SELECT * FROM %s WHERE name = '%s'", q.table, q.name));
});

function report(db) {
  var filter = "status = 'open'";
  return db.query('SELECT * FROM tickets WHERE ' + filter);
}
"""


def detectors_on_real_code(repo: Path) -> None:
    step("5c. Secrets in commit messages, values by file syntax, JS taint through calls and scope")
    config = repo / ".pre-commit-config.yaml"
    config.write_text(
        config.read_text(encoding="utf-8") + "      - id: br-secrets-commit-msg\n", encoding="utf-8"
    )
    say("Add the commit-msg hook to .pre-commit-config.yaml and install that hook type:")
    show(sh(repo, sys.executable, "-m", "pre_commit", "install", "--hook-type", "commit-msg"))
    sh(repo, "git", "add", ".pre-commit-config.yaml")
    expect(commit(repo, "Scan commit messages for secrets too"), "the config commit was blocked")
    token = fake_key("ghp_", 36, seed=17)
    (repo / "NOTES.md").write_text("Deploy notes.\n", encoding="utf-8")
    sh(repo, "git", "add", "NOTES.md")
    say(f"A commit whose message carries a GitHub token ({token[:4]}…):")
    proc = sh(repo, "git", "commit", "-q", "-m", f"deploy with {token}")
    show(proc)
    output = proc.stdout + proc.stderr
    expect(proc.returncode != 0, "the token in the commit message was NOT blocked")
    expect(token not in output and "COMMIT_EDITMSG:1: github-token" in output, "not masked")
    expect(commit(repo, "Deploy notes"), "the clean message was blocked")

    scratch = repo / "i17"
    scratch.mkdir()
    password = fake_key("Xk9", 9, seed=171) + ",q;" + fake_key("", 8, seed=172)
    (scratch / ".env").write_text(f"DB_PASSWORD={password}\n", encoding="utf-8")
    (scratch / "placeholders.py").write_text(
        'STRIPE = "sk_live_' + "TESTKEYDONOTUSE" + '00000000"\n'
        'GH = "ghp_' + "0123456789abcdef" * 2 + '0123"\n'
        'PEM_HEADER = "-----BEGIN ' + 'RSA PRIVATE KEY-----"\n',
        encoding="utf-8",
    )
    (scratch / "search.js").write_text(_EXPRESS, encoding="utf-8")
    try:
        proc = br(repo, "security", "scan", "i17")
        found = json.loads(br(repo, "security", "scan", "i17", "--json", echo=False).stdout)
    finally:
        shutil.rmtree(scratch)
    secrets = found["findings"]
    expect(password not in proc.stdout + proc.stderr, "the password was shown in full")
    expect([s["path"] for s in secrets] == ["i17/.env"], f"secrets: {secrets}")
    expect(secrets[0]["value"] == f"{password[:4]}…{password[-4:]}", "mask not over the value")
    lines = sorted(f["line"] for f in found["sql_injection"])
    expect(lines == [10], f"JS findings on lines {lines}, expected only the search query")
    say("-> The .env password is one value with its `,` and `;` (masked whole), the typed "
        "placeholders and the PEM header constant are not reported, and only the query built "
        "from the request (through nameOf() and q.name) is: report()'s own `filter` is another "
        "variable.")  # fmt: skip

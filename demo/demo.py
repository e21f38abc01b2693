"""`make demo`: the whole product in a throwaway git repository, narrated step by step.

0. Install like a new user (act_install.py): the built wheel through `uv tool install`, then the
   README's quickstart in a fresh repository, ending with a green `br doctor`.

Then the real pre-commit framework runs br-secrets and br-sql-injection from this checkout's HEAD:

1. A commit carrying a realistic API key is blocked, with the key masked in the message.
2. The same change passes once the key is read from an environment variable.
3. A legacy secret already in the repository is adopted into the baseline
   (`br security baseline`): the commit goes through, and only new secrets block.
4. SQL built with an f-string from a parameter is blocked, with the parameterized call to use;
   the parameterized version commits (acts 4-8 live in acts_more.py).
5. `br init` writes .mcp.json, skills, subagents and hooks; a second run changes nothing.
   5b (act_first_minutes.py): empty states say what to do; `br security scan` reports a secret
   and an SQL injection in one report; the suggested rewrite runs; the Claude Code hook fails
   soft.
   5c (act_detectors_js_secrets.py): a token in a commit message is blocked, masked; a .env
   password with `,` and `;` is one value; placeholders pass; JS taint through helpers, fields
   and scope.
6. Three worktrees run parallel sessions on one task queue parsed from PROJECT_SPEC.md: every
   task is claimed once, in dependency order.
7. `br route` picks haiku or opus; `br cost daily` and `br model stats` read a transcript.
8. The MCP SDK's client claims a task from `br mcp serve` over stdio.
9. Routing learns from outcomes joined to its decisions by id (act_routing.py).
10. The real Claude Code against a scripted Anthropic API: route, delegate to the subagent it
    names, edit, telemetry from its hooks, and `br cost` equal to its own total (act_claude.py).
11. A parallel build: three streams planned, started in worktrees, worked by `br worker`
    processes, merged by `br merge`; one conflict is caught, queued, resolved and merged.
12. `br telemetry push` sends events to a local OTLP/HTTP receiver, once each (act_otlp.py).
13. `br route` adds an 80% cost interval once 20 costs are measured (act_predictions.py).
14. `br suggest` proposes a routing rule with its evidence; `br digest` e-mails the week through
    a real local SMTP server (act_suggest.py).

BR_HOME and CLAUDE_CONFIG_DIR point at the temporary directory, so the user's data is untouched.
Any act that does not behave as narrated ends the demo with a non-zero exit (a smoke test).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from act_claude import claude_session
from act_detectors_js_secrets import detectors_on_real_code
from act_first_minutes import first_minutes
from act_install import install_like_a_user
from act_otlp import otlp_export
from act_parallel import parallel_builds
from act_predictions import predictions_with_intervals
from act_routing import routing_learns
from act_sqli_confidence import where_and_how_sure
from act_suggest import suggestions_and_digest
from acts_more import (
    init_in_repo,
    mcp_over_stdio,
    parallel_sessions,
    routing_and_cost,
    sql_injection,
)
from demo_kit import BR, CHECKOUT, ENV, commit, fake_key, say, sh, show, step


def setup(repo: Path) -> None:
    head = sh(CHECKOUT, "git", "rev-parse", "HEAD").stdout.strip()
    dirty = sh(CHECKOUT, "git", "status", "--porcelain", "--untracked-files=no").stdout.strip()
    step("Setup: a new git repository using BuildRunner's hooks through pre-commit")
    say(f"Hook repository: {CHECKOUT} at rev {head[:12]} (its HEAD commit).")
    if dirty:
        say("Note: pre-commit installs hooks from that commit, so uncommitted changes in this "
            "checkout are NOT part of the demo.")  # fmt: skip
    sh(repo, "git", "init", "-q", "-b", "main")
    (repo / ".pre-commit-config.yaml").write_text(
        f"repos:\n  - repo: {CHECKOUT}\n    rev: {head}\n    hooks:\n      - id: br-secrets\n"
        "      - id: br-sql-injection\n",
        encoding="utf-8",
    )
    sh(repo, "git", "add", ".pre-commit-config.yaml")
    show(sh(repo, sys.executable, "-m", "pre_commit", "install"))
    say("First commit: pre-commit builds the hook's environment once (this takes a while)...")
    started = time.monotonic()
    ok = commit(repo, "Add pre-commit configuration")
    print(f"    ({'ok' if ok else 'FAILED'}, {time.monotonic() - started:.0f}s)")
    if not ok:
        raise SystemExit("demo: the first commit failed; see the output above")


def blocked_then_fixed(repo: Path) -> None:
    key = fake_key("sk_live_", 24, seed=1)
    app = repo / "billing.py"
    step("1. A commit carrying a live Stripe key")
    app.write_text(
        f'import stripe\n\nstripe.api_key = "{key}"\n\n\ndef charge(cents: int) -> None:\n'
        '    stripe.Charge.create(amount=cents, currency="eur")\n',
        encoding="utf-8",
    )
    print(f'    billing.py line 3: stripe.api_key = "{key[:4]}…" (the full key is in the file)')
    sh(repo, "git", "add", "billing.py")
    if commit(repo, "Charge customers"):
        raise SystemExit("demo: the commit with a key was NOT blocked")
    say("-> Blocked. The key is masked in the message: it never appears in full.")

    step("2. The same change, with the key read from an environment variable")
    app.write_text(
        'import os\n\nimport stripe\n\nstripe.api_key = os.environ["STRIPE_SECRET_KEY"]\n\n\n'
        "def charge(cents: int) -> None:\n"
        '    stripe.Charge.create(amount=cents, currency="eur")\n',
        encoding="utf-8",
    )
    sh(repo, "git", "add", "billing.py")
    if not commit(repo, "Charge customers (key from the environment)"):
        raise SystemExit("demo: the clean commit was blocked")
    say("-> Committed. (A key that was ever committed or pushed must be rotated as well.)")


def legacy_baseline(repo: Path) -> None:
    step("3. Adopting the hook in a repository that already holds a legacy secret")
    legacy = repo / "legacy_settings.py"
    token = fake_key("ghp_", 36, seed=2)
    legacy.write_text(f'GITHUB_TOKEN = "{token}"\nRETRIES = 3\n', encoding="utf-8")
    sh(repo, "git", "add", "legacy_settings.py")
    sh(repo, "git", "commit", "-q", "--no-verify", "-m", "Old commit from before the hook")
    say("An old commit (made before the hook existed) holds a token. Editing that file now:")
    legacy.write_text(f'GITHUB_TOKEN = "{token}"\nRETRIES = 5\n', encoding="utf-8")
    sh(repo, "git", "add", "legacy_settings.py")
    if commit(repo, "More retries"):
        raise SystemExit("demo: the legacy secret was not reported")
    say("-> Blocked by the legacy token. Accept existing secrets into the baseline:")
    print("    $ br security baseline")
    show(sh(repo, str(BR), "security", "baseline"))
    baseline = (repo / ".buildrunner" / "secrets-baseline.json").read_text(encoding="utf-8")
    print("    .buildrunner/secrets-baseline.json (hashes only, no values, no line numbers):")
    for line in baseline.splitlines():
        print(f"    : {line}")
    sh(repo, "git", "add", "legacy_settings.py", ".buildrunner/secrets-baseline.json")
    if not commit(repo, "More retries; adopt br-secrets with a baseline"):
        raise SystemExit("demo: the baselined commit was blocked")
    say("-> Committed. New secrets still block; rotate the legacy token when you can.")


def main() -> int:
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="br-demo-") as tmp:
        ENV["BR_HOME"] = str(Path(tmp) / "br-home")
        ENV["CLAUDE_CONFIG_DIR"] = str(Path(tmp) / "claude")
        install_like_a_user(Path(tmp))
        repo = Path(tmp) / "shop"
        repo.mkdir()
        setup(repo)
        blocked_then_fixed(repo)
        legacy_baseline(repo)
        sql_injection(repo)
        where_and_how_sure(repo)
        init_in_repo(repo)
        first_minutes(repo)
        detectors_on_real_code(repo)
        parallel_sessions(repo)
        routing_and_cost(repo)
        mcp_over_stdio(repo)
        routing_learns(repo)
        claude_session(repo)
        parallel_builds(Path(tmp))
        otlp_export(repo)
        predictions_with_intervals(repo)
        suggestions_and_digest(repo)
        step("Done")
        print("    " + sh(repo, "git", "log", "--oneline").stdout.strip().replace("\n", "\n    "))
    print(
        f"\nDemo finished in {time.monotonic() - started:.0f}s; the temporary repository is gone."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

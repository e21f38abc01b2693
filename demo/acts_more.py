"""Acts 4-8 of `make demo`: SQL injection, `br init`, parallel sessions, routing and cost, MCP.

Each act narrates what a user would type and see, and stops the demo (non-zero exit) when the
product does not behave as narrated. Run as a script (`acts_more.py worker NAME START`) it is one
of the parallel sessions of act 6.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from demo_kit import BR, CHECKOUT, ENV, br, commit, expect, say, sh, show, step

VULNERABLE = """import sqlite3


def find_orders(conn: sqlite3.Connection, customer: str) -> list[tuple[object, ...]]:
    cursor = conn.cursor()
    cursor.execute(f"SELECT id, total FROM orders WHERE customer = '{customer}'")
    return cursor.fetchall()
"""
REWRITE = 'cursor.execute("SELECT id, total FROM orders WHERE customer = ?", (customer,))'


def sql_injection(repo: Path) -> None:
    step("4. SQL built from a function parameter")
    (repo / "orders.py").write_text(VULNERABLE, encoding="utf-8")
    print("    orders.py line 6: " + VULNERABLE.splitlines()[5].strip())
    say("`customer` comes from the caller, so a value like  x' OR '1'='1  rewrites the query.")
    sh(repo, "git", "add", "orders.py")
    proc = sh(repo, "git", "commit", "-q", "-m", "Look up orders")
    show(proc)
    expect(proc.returncode != 0, "the f-string SQL was NOT blocked by br-sql-injection")
    expect(REWRITE in proc.stdout + proc.stderr, "the hook did not print the parameterized fix")
    say("-> Blocked by br-sql-injection, which prints the parameterized call to use instead.")

    step("4b. The parameterized version")
    fixed = VULNERABLE.replace(VULNERABLE.splitlines()[5].strip(), REWRITE)
    (repo / "orders.py").write_text(fixed, encoding="utf-8")
    print("    orders.py line 6: " + REWRITE)
    sh(repo, "git", "add", "orders.py")
    expect(commit(repo, "Look up orders (parameterized)"), "the parameterized commit was blocked")
    say("-> Committed: the driver sends the value separately, never as SQL.")


def _snapshot(repo: Path) -> dict[str, str]:
    files = [repo / ".pre-commit-config.yaml", repo / ".mcp.json", repo / ".buildrunner"]
    files += [repo / ".claude"]
    found = [p for f in files for p in ([f] if f.is_file() else sorted(f.rglob("*")))]
    return {
        str(p.relative_to(repo)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in found
        if p.is_file()
    }


def init_in_repo(repo: Path) -> None:
    step("5. `br init`: hooks, MCP server, skills and subagents for Claude Code")
    head = sh(CHECKOUT, "git", "rev-parse", "HEAD").stdout.strip()
    say("(--hooks-repo/--hooks-rev point at this checkout; by default they name the release.)")
    proc = sh(repo, str(BR), "init", "--hooks-repo", str(CHECKOUT), "--hooks-rev", head)
    print("    $ br init --hooks-repo <checkout> --hooks-rev <HEAD>")
    show(proc)
    expect(proc.returncode == 0, "br init failed")
    mcp = json.loads((repo / ".mcp.json").read_text(encoding="utf-8"))
    server = mcp["mcpServers"]["br"]
    print(f"    .mcp.json: server `br` = {server['command']} {' '.join(server['args'])}")
    commands = sorted(p.parent.name for p in (repo / ".claude" / "skills").glob("*/SKILL.md"))
    print(f"    .claude/skills: {', '.join(commands)}")
    for agent in sorted((repo / ".claude" / "agents").glob("*.md")):
        model = [ln for ln in agent.read_text(encoding="utf-8").splitlines() if ln[:6] == "model:"]
        expect(len(model) == 1, f"{agent.name} has no `model:` frontmatter")
        print(f"    .claude/agents/{agent.name}: {model[0]}")
    hooks = json.loads((repo / ".claude" / "settings.json").read_text(encoding="utf-8"))["hooks"]
    print(f"    .claude/settings.json hooks: {', '.join(hooks)} -> `br-claude-hook` (fail soft)")
    expect(len(commands) >= 3 and bool(hooks), "br init did not create skills and hooks")
    before = _snapshot(repo)
    print("    $ br init --hooks-repo <checkout> --hooks-rev <HEAD>    # again")
    again = sh(repo, str(BR), "init", "--hooks-repo", str(CHECKOUT), "--hooks-rev", head)
    print("    | " + next(ln for ln in again.stdout.splitlines() if "changed" in ln))
    expect(again.returncode == 0 and "changed 0 of" in again.stdout, "rerunning br init changed")
    expect(_snapshot(repo) == before, "rerunning br init changed the files")
    say(f"-> The second run changed nothing ({len(before)} files, byte for byte the same).")


SPEC = """# Shop

## Feature: Storage (P1)
- [ ] Orders table (30m)
- [ ] Customers table (30m)

## Feature: Checkout
Depends on: Storage
- [ ] Cart API (1h)
- [ ] Payment webhook (45m)

## Feature: Docs (P3)
- [ ] User guide (20m)

## Feature: Release
Depends on: Checkout, Docs
- [ ] Changelog (10m)
"""
SESSIONS = ("session-a", "session-b", "session-c")


def worker(name: str, start_at: float) -> int:
    """One parallel session: claim, 'work' a moment, mark done; until the queue is empty."""
    here = Path.cwd()
    time.sleep(max(0.0, start_at - time.time()))  # every session starts together
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline:
        proc = sh(here, str(BR), "tasks", "claim", "--owner", name, "--lease", "60", "--json")
        if proc.returncode == 0:
            got = json.loads(proc.stdout)
            task_id, token = got["task"]["id"], got["token"]
            print(f"{time.time():.3f} {name} claimed {task_id}", flush=True)
            time.sleep(0.3)  # the "work"
            done = sh(here, str(BR), "tasks", "done", task_id, "--token", str(token))
            if done.returncode != 0:
                print(f"{time.time():.3f} {name} ERROR {done.stdout}{done.stderr}", flush=True)
                return 1
            print(f"{time.time():.3f} {name} done    {task_id}", flush=True)
            continue
        if proc.returncode not in (1, 3):  # 1: wait, 3: nothing left to claim
            print(f"{time.time():.3f} {name} ERROR {proc.stdout}{proc.stderr}", flush=True)
            return 1
        listing = json.loads(sh(here, str(BR), "tasks", "list", "--json").stdout)
        if all(t["status"] == "done" for t in listing["tasks"]):
            return 0
        time.sleep(0.1)  # the ready tasks are taken; dependencies are still being worked on
    return 1


def parallel_sessions(repo: Path) -> None:
    step("6. Three parallel sessions (the repository and two worktrees) share one task queue")
    (repo / "PROJECT_SPEC.md").write_text(SPEC, encoding="utf-8")
    print("    PROJECT_SPEC.md: Storage (P1) -> Checkout -> Release; Docs (P3) -> Release")
    parsed = br(repo, "tasks", "parse", "PROJECT_SPEC.md")
    expect(parsed.returncode == 0, "br tasks parse failed")
    br(repo, "tasks", "list")
    trees = [repo]
    for name in SESSIONS[1:]:
        tree = repo.parent / f"shop-{name}"
        added = sh(repo, "git", "worktree", "add", "-q", "--detach", str(tree))
        expect(added.returncode == 0, f"git worktree add failed: {added.stderr.strip()}")
        trees.append(tree)
    say("Each tree runs its own OS process looping over `br tasks claim --owner <session>` and "
        "`br tasks done <id> --token <token>`:")  # fmt: skip
    start_at = time.time() + 1.5
    me = Path(__file__).resolve()
    procs = [
        subprocess.Popen(
            [sys.executable, str(me), "worker", name, f"{start_at:.3f}"],
            cwd=tree,
            env=ENV,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for name, tree in zip(SESSIONS, trees, strict=True)
    ]
    try:
        outputs = [p.communicate(timeout=60)[0] for p in procs]
    except subprocess.TimeoutExpired:
        for proc in procs:
            proc.kill()
        raise SystemExit("demo: the parallel sessions did not finish within 60 s") from None
    expect(all(p.returncode == 0 for p in procs), "a session failed:\n" + "".join(outputs))
    log = sorted(line.split(" ", 1) for out in outputs for line in out.splitlines())
    for stamp, text in log:
        print(f"    {float(stamp) - start_at:5.2f}s  {text}")
    _check_queue(repo)


def _check_queue(repo: Path) -> None:
    tasks = json.loads(sh(repo, str(BR), "tasks", "list", "--json").stdout)["tasks"]
    expect(all(t["status"] == "done" for t in tasks), "not every task is done")
    shown = {t["id"]: json.loads(sh(repo, str(BR), "tasks", "show", t["id"], "--json").stdout)
             for t in tasks}  # fmt: skip
    claims = {tid: [e for e in s["events"] if e["kind"] == "claimed"] for tid, s in shown.items()}
    for tid, events in claims.items():
        expect(len(events) == 1, f"{tid} was claimed {len(events)} times")
    done_at = {
        tid: max(e["ts"] for e in s["events"] if e["kind"] == "done") for tid, s in shown.items()
    }
    edges = [(tid, dep) for tid, s in shown.items() for dep in s["task"]["depends_on"]]
    expect(len(edges) == 7, f"the spec's dependencies were not all parsed: {edges}")
    for tid, dep in edges:
        expect(claims[tid][0]["ts"] > done_at[dep], f"{tid} was claimed before {dep} was done")
    owners = [events[0]["owner"] for events in claims.values()]
    share = ", ".join(f"{o} {owners.count(o)}" for o in sorted(set(owners)))
    say(f"-> {len(tasks)} tasks, each claimed exactly once, none before all its dependencies were "
        f"done ({len(edges)} edges checked against the queue's own event log). Tasks per session: "
        f"{share}.")  # fmt: skip


def _assistant(cwd: Path, n: int, model: str, usage: dict[str, int], text: str = "ok") -> str:
    stamp = datetime.now(UTC) - timedelta(minutes=30 - n)
    message = {"id": f"msg_{n}", "model": model, "role": "assistant", "usage": usage,
               "content": [{"type": "text", "text": text}]}  # fmt: skip
    line = {"type": "assistant", "timestamp": stamp.strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "sessionId": "demo-session", "cwd": str(cwd), "isSidechain": False,
            "requestId": f"req_{n}", "message": message}  # fmt: skip
    return json.dumps(line, separators=(",", ":"))


def routing_and_cost(repo: Path) -> None:
    step("7. Routing a task to a model tier, and what the sessions cost")
    small = br(repo, "route", "fix a typo in README")
    expect(small.returncode == 0 and "haiku" in small.stdout.split("\n")[0], "typo not haiku")
    big = br(repo, "route", "redesign the auth architecture", "--files", "12", "--lines", "900")
    expect(big.returncode == 0 and "opus" in big.stdout.split("\n")[0], "redesign not opus")
    haiku = {"input_tokens": 1_500, "output_tokens": 600, "cache_read_input_tokens": 20_000}
    sonnet = {"input_tokens": 1_200, "output_tokens": 800, "cache_read_input_tokens": 30_000,
              "cache_creation_input_tokens": 4_000}  # fmt: skip
    opus = {"input_tokens": 2_000, "output_tokens": 1_200, "cache_read_input_tokens": 40_000}
    first = _assistant(repo, 1, "claude-haiku-5-5", haiku)
    lines = [
        first,
        first.replace('"text":"ok"', '"text":"a second content block of the same response"'),
        _assistant(repo, 2, "claude-haiku-5-5", haiku),
        _assistant(repo, 3, "claude-haiku-5-5", haiku),
        _assistant(repo, 4, "claude-haiku-5-5", haiku),
        _assistant(repo, 5, "claude-sonnet-5-5", sonnet),
        _assistant(repo, 6, "claude-opus-5-5", opus),
    ]
    project = Path(ENV["CLAUDE_CONFIG_DIR"]) / "projects" / str(repo).replace("/", "-")
    project.mkdir(parents=True)
    (project / "demo-session.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    say("A Claude Code transcript with 6 responses (one written as two content-block lines, as "
        "Claude Code does) in a temporary CLAUDE_CONFIG_DIR:")  # fmt: skip
    daily = br(repo, "cost", "daily")
    total_in = 4 * 1_500 + 1_200 + 2_000  # the duplicated block counts once
    expect(daily.returncode == 0 and f"{total_in:,}" in daily.stdout, "cost daily totals wrong")
    start = time.perf_counter()
    again = br(repo, "cost", "daily", echo=False)
    elapsed = time.perf_counter() - start
    expect(again.stdout == daily.stdout, "a repeated br cost daily printed something else")
    say(f"-> Run again with nothing new: the same report in {elapsed:.2f} s, printed from the "
        "store without reading transcripts or loading the report code.")  # fmt: skip
    stats = br(repo, "model", "stats")
    expect(stats.returncode == 0 and "Haiku" in stats.stdout, "br model stats failed")
    expect(
        "Savings: $" in stats.stdout and "Savings: $-" not in stats.stdout,
        "routing small work to haiku showed no savings",
    )
    say(f"-> Every response counted once ({total_in:,} input tokens), priced per model; sending "
        "the small work to Haiku cost less than running everything on Sonnet.")  # fmt: skip


def mcp_over_stdio(repo: Path) -> None:
    step("8. The same queue through MCP: the SDK's client talks to `br mcp serve` over stdio")
    add = ["tasks", "add", "Announce the release", "--id", "release/announce"]
    expect(br(repo, *add, "--depends-on", "release/changelog").returncode == 0, "add failed")
    import anyio
    from mcp import Client
    from mcp.client.stdio import StdioServerParameters

    params = StdioServerParameters(command=str(BR), args=["mcp", "serve"], env=ENV, cwd=str(repo))

    async def session() -> tuple[list[str], Any, Any]:
        with anyio.fail_after(30):
            async with Client(params) as client:
                tools = [t.name for t in (await client.list_tools()).tools]
                claim = await client.call_tool("claim_task", {"owner": "claude-code"})
                token = claim.structured_content["token"]
                args = {"task_id": "release/announce", "token": token, "action": "done"}
                done = await client.call_tool("update_task", args)
                return tools, claim, done

    tools, claim, done = anyio.run(session)
    print(f"    tools: {', '.join(tools)}")
    task, token = claim.structured_content["task"], claim.structured_content["token"]
    print(f"    claim_task(owner='claude-code') -> {task['id']} (token {token})")
    print(f"    update_task(..., action='done') -> {done.structured_content['status']}")
    expect(task["id"] == "release/announce" and not done.is_error, "the MCP claim went wrong")
    say("-> Claude Code sessions and terminal sessions share one queue.")


if __name__ == "__main__" and sys.argv[1:2] == ["worker"]:
    raise SystemExit(worker(sys.argv[2], float(sys.argv[3])))

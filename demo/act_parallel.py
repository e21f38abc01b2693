"""Act 11 of `make demo`: a parallel build from plan to merge (br orchestrate, br worker, br merge).

Three streams of one spec are planned and started (one worktree and branch each), worked by
scripted `br worker` processes at the same time, and merged by the merge queue: two merge, one
collides with another stream's change, is stopped with a resolve task, is resolved by its worker
and merges on the next run; the live dashboard is photographed after the conflict
(.cache/demo-dashboard.png in this checkout). Runs in a fresh repository beside the demo's main one.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from dashboard_shot import dashboard_screenshot
from demo_kit import BR, CHECKOUT, ENV, br, expect, say, sh, step

# Kept after the demo (the temporary repository is not): .cache/ is git-ignored.
SCREENSHOT = CHECKOUT / ".cache" / "demo-dashboard.png"

SPEC = """# Shop
## Feature: Storage (1h)
Stream: api
- [ ] Orders table (20m)
- [ ] README section on the API (10m)
## Feature: Pages
Stream: web
Depends on: Storage
- [ ] Cart page (30m)
## Feature: Docs
Stream: docs
- [ ] README for users (15m)
"""
# What a scripted worker does with a task: a file per task, and README.md for the README tasks
# (api and docs both rewrite its title line: the conflict the merge queue must catch).
WORK = (
    'f="src/$(echo "$BR_TASK_ID" | tr / _).txt"; mkdir -p src; echo "$BR_TASK_TITLE" > "$f"; '
    'case "$BR_TASK_TITLE" in *README*) echo "# Shop, as $BR_STREAM sees it" > README.md;; esac; '
    'git add -A src README.md; git commit -qm "$BR_TASK_TITLE ($BR_STREAM)"'
)
# How the docs worker resolves its "Resolve: ..." task: merge main, keep both README lines.
RESOLVE = (
    'git merge -q main >/dev/null 2>&1 || { printf "# Shop\\n(api and docs README merged)\\n" '
    '> README.md; git add README.md; git commit -qm "Resolve README with main"; }'
)


def _workers(trees: dict[str, Path]) -> list[str]:
    procs = {
        name: subprocess.Popen(
            [str(BR), "worker", "--stream", name, "--command", WORK, "--heartbeat", "0.5",
             "--wait", "120"],  # only a bound: each ends when its stream is finished
            cwd=tree, env=ENV, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        )
        for name, tree in trees.items()
    }  # fmt: skip
    lines = []
    for name, proc in procs.items():
        try:
            out = proc.communicate(timeout=120)[0]
        except subprocess.TimeoutExpired:
            for other in procs.values():
                other.kill()
            raise SystemExit(f"demo: the {name} worker did not finish within 120 s") from None
        expect(proc.returncode == 0, f"the {name} worker failed (exit {proc.returncode}):\n{out}")
        lines += [f"{name:>5} | {line}" for line in out.splitlines()]
    return lines


def parallel_builds(workdir: Path) -> None:
    step("11. A parallel build: plan three streams, start them, work them, merge them")
    repo = workdir / "parallel-shop"
    repo.mkdir()
    sh(repo, "git", "init", "-q", "-b", "main")
    (repo / "SPEC.md").write_text(SPEC, encoding="utf-8")
    (repo / "README.md").write_text("# Shop\n", encoding="utf-8")
    sh(repo, "git", "add", "-A")
    sh(repo, "git", "commit", "-qm", "Spec")
    expect(br(repo, "orchestrate", "plan", "SPEC.md").returncode == 0, "br orchestrate plan failed")
    br(repo, "decide", "Prices are integer cents", "--who", "lead")
    started = br(repo, "orchestrate", "start", "--json", echo=False)
    expect(started.returncode == 0, f"br orchestrate start failed: {started.stderr}")
    trees = {s["stream"]: Path(s["worktree"]) for s in json.loads(started.stdout)}
    for stream in json.loads(started.stdout):
        print(f"    {stream['stream']}: {stream['command']}")
    brief = json.loads((trees["web"] / ".buildrunner/commands/web.json").read_text())
    ids, decided = [t["id"] for t in brief["tasks"]], [d["text"] for d in brief["decisions"]]
    say(f"Each worktree has its brief: web's says batch {brief['batch']}, tasks {ids}, "
        f"decisions {decided}. A second `br orchestrate start` keeps everything:")  # fmt: skip
    again = json.loads(sh(repo, str(BR), "orchestrate", "start", "--json").stdout)
    expect(all(not s["created"] for s in again), "a second start created something")
    print("    created on the second run: nothing")

    say("Three `br worker` processes, one per worktree, run at once (web waits for api's tasks):")
    for line in _workers(trees):
        print(f"    {line}")
    br(repo, "orchestrate", "status")

    say("The merge queue: each stream predicted with git merge-tree, checked in a scratch "
        "worktree (br-secrets, br-sql-injection on the changed files), main moved only on "
        "green:")  # fmt: skip
    index_before = (repo / ".git" / "index").read_bytes()
    first = br(repo, "merge")
    expect(first.returncode == 1, "the README conflict was not caught")
    status = json.loads(sh(repo, str(BR), "orchestrate", "status", "--json").stdout)
    states = {e["stream"]: e["state"] for e in status["merge_queue"]}
    expect(
        states == {"api": "merged", "docs": "conflict", "web": "merged"},
        f"expected api and web merged, docs stopped: {states}",
    )
    expect(
        sh(repo, "git", "status", "--porcelain", "--untracked-files=no").stdout == "",
        "the user's tree was left changed",
    )
    expect((repo / ".git" / "index").read_bytes() != index_before, "main's checkout did not move")
    tasks = json.loads(sh(repo, str(BR), "tasks", "list", "--json").stdout)["tasks"]
    resolve = [t for t in tasks if t["id"].startswith("resolve/docs")]
    expect(len(resolve) >= 1, "no resolve task was queued for docs")
    say(f"-> docs is stopped; queued for its worker: {resolve[0]['id']}: {resolve[0]['title']}")
    shot = dashboard_screenshot(repo, SCREENSHOT)
    if shot is not None:
        say(f"The dashboard of this build (`br dashboard`), as a person sees it now: {shot}")

    say("The docs worker takes the resolve task (merges main, fixes README.md), and `br merge` "
        "tries again:")  # fmt: skip
    fixed = sh(trees["docs"], str(BR), "worker", "--stream", "docs", "--command", RESOLVE,
               "--wait", "1")  # fmt: skip
    expect(fixed.returncode == 0, f"the resolve worker failed: {fixed.stdout}{fixed.stderr}")
    final = br(repo, "merge", "--streams", "docs")
    expect(final.returncode == 0, "docs did not merge after its resolution")
    print("    " + sh(repo, "git", "log", "--oneline", "--graph", "-12").stdout.strip()
          .replace("\n", "\n    "))  # fmt: skip
    say("-> main moved only to merges whose checks passed; the conflict never touched the "
        "user's worktree or index.")  # fmt: skip

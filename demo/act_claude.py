"""Act 10 of `make demo`: the real Claude Code in the demo repository, against a scripted API.

Claude Code (the version tests/e2e/node pins, installed by `make` into .cache/npm) runs `claude -p`
with ANTHROPIC_BASE_URL pointing at tests/e2e/scripted_api.py, the fixture the end-to-end tests
use (loaded by path, as data). Only the model's answers are scripted: Claude Code starts
`br mcp serve` from .mcp.json, runs the subagent route_task names from .claude/agents, fires the
telemetry hooks from .claude/settings.json and writes the transcript `br cost` reads.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

from demo_kit import BR, CHECKOUT, ENV, br, expect, say, sh, step

CLAUDE = CHECKOUT / ".cache" / "npm" / "node_modules" / ".bin" / "claude"
TASK = "Fix the typo 'teh' in README.md"


def scripted_api() -> ModuleType:
    """tests/e2e/scripted_api.py as a module of its own (stdlib + starlette + uvicorn only)."""
    path = CHECKOUT / "tests" / "e2e" / "scripted_api.py"
    spec = importlib.util.spec_from_file_location("demo_scripted_api", path)
    assert spec is not None and spec.loader is not None, f"{path} is missing"
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


def _script(api: ModuleType, repo: Path) -> Any:
    """Route, delegate to the subagent route_task names, which reads and edits README.md."""
    readme = str(repo / "README.md")

    def delegate(exchange: Any) -> list[Any]:
        answer = json.loads(next(iter(exchange.tool_results().values())))
        return [
            f"{answer['explanation']}. Delegating to {answer['subagent']}.",
            api.tool_use(
                "Agent",
                {"subagent_type": answer["subagent"], "description": "Fix typo", "prompt": TASK},
            ),
        ]

    usage, turn, tool_use = api.Usage, api.turn, api.tool_use
    agents = {
        p.stem: p.read_text("utf-8").split("\n---\n", 1)[1].strip().splitlines()[0]
        for p in (repo / ".claude" / "agents").glob("br-*.md")
    }
    return api.Script(
        agents=agents,
        turns=[
            turn(
                tool_use("mcp__br__route_task", {"description": TASK, "files": 1, "lines": 1}),
                usage=usage(2_400, 120, 24_000, 0),
            ),
            turn(reply=delegate, after_tool="mcp__br__route_task", usage=usage(600, 90, 0, 24_000)),
            # whichever subagent route_task names (the learner of act 9 may prefer another tier)
            *(t for lane in agents for t in _subagent_turns(api, lane, readme)),
            turn("Done: the typo is fixed.", after_tool="Agent", usage=usage(300, 40, 0, 24_600)),
        ],
    )


def _subagent_turns(api: ModuleType, lane: str, readme: str) -> list[Any]:
    """The subagent reads README.md, fixes the typo with Edit, and reports."""
    usage, turn, tool_use = api.Usage, api.turn, api.tool_use
    edit = {"file_path": readme, "old_string": "teh", "new_string": "the"}
    return [
        turn(tool_use("Read", {"file_path": readme}), lane=lane, usage=usage(3_000, 60)),
        turn(tool_use("Edit", edit), lane=lane, after_tool="Read", usage=usage(400, 80, 3_000)),
        turn("Fixed.", lane=lane, after_tool="Edit", usage=usage(200, 20, 0, 3_000)),
    ]


def _approve(repo: Path, config: Path) -> None:
    """What a user does once: trust the folder and approve the servers of .mcp.json."""
    local = repo / ".claude" / "settings.local.json"
    local.write_text(json.dumps({"enableAllProjectMcpServers": True}) + "\n", "utf-8")
    state = config / ".claude.json"
    data = json.loads(state.read_text("utf-8")) if state.exists() else {}
    data.setdefault("projects", {})[str(repo)] = {"hasTrustDialogAccepted": True}
    config.mkdir(parents=True, exist_ok=True)
    state.write_text(json.dumps(data) + "\n", "utf-8")


def claude_session(repo: Path) -> None:
    step("10. The real Claude Code: route, delegate to the subagent, edit, telemetry, cost")
    if not CLAUDE.exists():
        say("Skipped: Claude Code is not installed (.cache/npm). Install Node.js 18+ with npm, "
            "then `make demo` installs the pinned version.")  # fmt: skip
        return
    api_module = scripted_api()
    (repo / "README.md").write_text("# Shop\n\nCharge customers in teh shop.\n", "utf-8")
    config = Path(ENV["CLAUDE_CONFIG_DIR"])
    _approve(repo, config)
    with api_module.ScriptedAPI(_script(api_module, repo)) as api:
        env = {
            **ENV,
            "PATH": f"{BR.parent}:{ENV.get('PATH', '')}",
            "HOME": str(config.parent / "claude-home"),
            "ANTHROPIC_BASE_URL": api.base_url,
            "ANTHROPIC_API_KEY": "demo-key-for-the-scripted-api",
            "CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC": "1",
            "MCP_CONNECTION_NONBLOCKING": "false",
            "MCP_CONNECT_TIMEOUT_MS": "30000",
        }
        version = subprocess.run(
            [str(CLAUDE), "--version"], env=env, capture_output=True, text=True, timeout=30
        )
        say(f"Claude Code {version.stdout.split()[0]} against a scripted Messages API at "
            f"{api.base_url} (only the model's answers are scripted).")  # fmt: skip
        allowed = "mcp__br__route_task,Edit"
        print(f'    $ claude -p "{TASK}" --allowedTools {allowed}')
        proc = subprocess.run(
            [str(CLAUDE), "-p", TASK, "--output-format", "json", "--allowedTools", allowed],
            cwd=repo,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
            stdin=subprocess.DEVNULL,
        )
        expect(proc.returncode == 0, f"claude -p failed: {proc.stderr[-500:]}")
        result = json.loads(proc.stdout.strip().splitlines()[-1])
        expect(api.errors == [], f"the scripted session went off script: {api.errors}")
        for exchange in api.requests():
            who = "main session" if exchange.lane == "main" else f"subagent {exchange.lane}"
            print(f"    | request to {exchange.model:<28} from the {who}")
        lanes = [e.lane for e in api.requests() if e.lane != "main"]
        expect(bool(lanes), "no subagent ran")
        tier = lanes[0].removeprefix("br-")
        sub = api.requests(lanes[0])
        expect(all(tier in e.model for e in sub), f"the {lanes[0]} subagent did not run on {tier}")
    print(f"    | result: {result['result']}   total_cost_usd: {result['total_cost_usd']:.6f}")
    fixed = (repo / "README.md").read_text("utf-8")
    expect("in the shop" in fixed, "the subagent's edit did not reach README.md")
    say(f"-> route_task (our MCP server) picked {tier}; the br-{tier} subagent ran on a "
        f"{tier.title()} model and edited README.md.")  # fmt: skip
    _telemetry(repo, result["session_id"])
    _cost(repo, result)


def _telemetry(repo: Path, session: str) -> None:
    exported = sh(repo, str(BR), "telemetry", "export", "-")
    events = [json.loads(line) for line in exported.stdout.splitlines() if line.strip()]
    claude = [e for e in events if e.get("type") == "session"]
    names = [
        f"{e['data']['event']}({e['data'].get('tool_name') or e['data'].get('agent_type') or ''})"
        for e in claude
    ]
    print("    $ br telemetry export -   (the session events the Claude Code hooks stored)")
    print("    | " + ", ".join(n.replace("()", "") for n in names))
    expect(any(n.startswith("PostToolUse(Edit") for n in names), "no PostToolUse for the Edit")
    say("-> Only names are stored: the event, the tool, the agent type and a session hash; never "
        "the file contents or commands the tools saw.")  # fmt: skip


def _cost(repo: Path, result: dict[str, Any]) -> None:
    report = br(repo, "cost", "session")
    data = json.loads(sh(repo, str(BR), "cost", "session", "--json").stdout)
    row = next((r for r in data["rows"] if r["key"] == result["session_id"]), None)
    expect(row is not None, "br cost session does not list the Claude Code session")
    assert row is not None
    ours, theirs = row["cost_usd"], result["total_cost_usd"]
    expect(report.returncode == 0 and round(ours, 2) == round(theirs, 2), "costs disagree")
    say(f"-> br prices the session (main + subagent sidechain, cache writes and reads) at "
        f"${ours:.6f}; Claude Code's own total_cost_usd is ${theirs:.6f}.")  # fmt: skip

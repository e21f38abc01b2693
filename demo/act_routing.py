"""Demo act: routing learns from what actually happened (issue 15).

Every `br route` decision has an id; outcomes come back by that id (`br route outcome`), and a
br-haiku subagent's stop puts its transcript's cost on its decision (the SubagentStop hook).
After a few outcomes the learner, not the keyword heuristic, picks the tier, and
`br model stats` says why.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from demo_kit import BR, ENV, br, expect, say, sh, step

HOOK = Path(sys.executable).with_name("br-claude-hook")


def _decision(repo: Path, task: str, tier: str) -> str:
    got = sh(repo, str(BR), "route", task, "--tier", tier, "--json")
    expect(got.returncode == 0, f"br route --tier {tier} failed: {got.stderr.strip()}")
    return str(json.loads(got.stdout)["decision_id"])


def _subagent_stop(repo: Path, transcript: Path) -> None:
    usage = {"input_tokens": 3_000, "output_tokens": 2_500, "cache_read_input_tokens": 60_000}
    lines = [
        {"type": "assistant", "timestamp": f"2026-12-02T10:0{i}:00.000Z", "isSidechain": True,
         "requestId": f"req_{i}", "sessionId": "demo-session",
         "message": {"id": f"msg_{i}", "model": "claude-haiku-4-5", "usage": usage}}
        for i in range(3)
    ]  # fmt: skip
    transcript.write_text("\n".join(json.dumps(line) for line in lines) + "\n", encoding="utf-8")
    payload = {"session_id": "demo-session", "cwd": str(repo), "hook_event_name": "SubagentStop",
               "agent_id": "a1", "agent_type": "br-haiku",
               "agent_transcript_path": str(transcript)}  # fmt: skip
    proc = subprocess.run([str(HOOK)], input=json.dumps(payload), cwd=repo, env=ENV, text=True,
                          capture_output=True, check=False, timeout=60)  # fmt: skip
    expect(proc.returncode == 0 and not proc.stderr, f"SubagentStop hook failed: {proc.stderr}")


def routing_learns(repo: Path) -> None:
    step("9. Routing learns from outcomes, joined to its decisions by id")
    first = br(repo, "route", "Fix the crash when exporting an empty report")
    expect("Decision:   rd-" in first.stdout, "br route printed no decision id")
    decision = first.stdout.split("Decision:   ")[1].split()[0]
    say("A br-haiku subagent did the work; Claude Code's SubagentStop hook reads its transcript:")
    tier = json.loads(sh(repo, str(BR), "route", "outcome", decision, "--resolved",
                         "--json").stdout)["tier"]  # fmt: skip
    haiku = _decision(repo, "Fix the date parser for leap years", "haiku")
    _subagent_stop(repo, Path(ENV["BR_HOME"]) / "agent-a1.jsonl")
    done = br(repo, "route", "outcome", haiku, "--failed")
    expect("failed, $0." in done.stdout, "the subagent's transcript cost was not kept")
    say(f"-> The outcome kept the cost measured from the transcript (the first task, on {tier}, "
        "was resolved). More outcomes: Haiku fails these bugs, Opus resolves them.")  # fmt: skip
    for n in range(5):
        sh(repo, str(BR), "route", "outcome", _decision(repo, f"Fix bug {n}", "haiku"),
           "--failed", "--cost", "0.30")  # fmt: skip
        sh(repo, str(BR), "route", "outcome", _decision(repo, f"Fix bug {n}", "opus"),
           "--resolved", "--cost", "0.75")  # fmt: skip
    learned = br(repo, "route", "Fix the crash when importing an empty report")
    expect("learned)" in learned.stdout.split("\n")[0], "the learner did not take over")
    stats = br(repo, "model", "stats")
    expect("Routing learner (on)" in stats.stdout and "Next decision" in stats.stdout,
           "br model stats did not explain the learner")  # fmt: skip
    say("-> The learner routes from outcomes alone (each tier's success with its interval and "
        "cost per task), and says why the next decision would be what it is.")  # fmt: skip

"""Cost tracking against ccusage on the same generated Claude Code transcripts, in one run.

Generates >= 200 MB of realistic transcripts under bench/_work/claude/projects (one line per
content block with the usage repeated, tool results carrying file contents, subagent files,
sidechain replays, the 5m/1h cache split, malformed lines, `<synthetic>` messages), then times:
  - `br cost daily --json --all-projects` on an empty database (first run),
  - the same command again (incremental: only new bytes are read),
  - ccusage (npm, run with node, `--offline`: its bundled LiteLLM prices) on the same files,
and compares token totals (must be equal) and cost (within 0.1% once the 1-hour cache-write
premium, which ccusage does not apply, is accounted for).

Run: bench/.venv/bin/python bench/cost.py [--mb 200]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
WORK = HERE / "_work"
CLAUDE = WORK / "claude"
CCUSAGE_VERSION = "19.0.3"  # the last release that runs on node (20.x ships native binaries)
CCUSAGE = WORK / "node_modules" / "ccusage" / "dist" / "index.js"
# (model id as Claude Code writes it, share of requests); all priced alike by both tools.
MODELS = [
    ("claude-sonnet-4-5-20250929", 0.45),
    ("claude-sonnet-4-6", 0.15),
    ("claude-opus-4-6", 0.15),
    ("claude-haiku-4-5-20251001", 0.25),
]
ONE_HOUR_PREMIUM = {  # USD/MTok: 1h cache-write rate minus the 5m rate ccusage applies
    "claude-sonnet-4-5-20250929": 6.0 - 3.75,
    "claude-sonnet-4-6": 6.0 - 3.75,
    "claude-opus-4-6": 10.0 - 6.25,
    "claude-haiku-4-5-20251001": 2.0 - 1.25,
}
_PROSE = (
    "the function returns a value when the test passes and the module imports config from "
    "store so we refactor handler parse request response error retry cache token build"
)
WORDS = _PROSE.split()


def _dumps(obj: object) -> str:
    return json.dumps(obj, separators=(",", ":"))  # Claude Code writes compact JSON


def _text(rng: random.Random, n_words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(n_words))


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.chunks = [_text(self.rng, self.rng.randint(200, 3000)) for _ in range(64)]
        self.t0 = time.mktime((2026, 9, 1, 0, 0, 0, 0, 0, 0)) - time.timezone
        self.msg = 0

    def stamp(self, ts: float) -> str:
        ms = int(ts * 1000) % 1000
        return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(ts)) + f".{ms:03d}Z"

    def usage(self) -> dict[str, object]:
        rng = self.rng
        written = rng.choice([0, 0, rng.randint(100, 20000)])
        one_hour = rng.choice([0, written, written // 3])
        usage: dict[str, object] = {
            "input_tokens": rng.randint(1, 400),
            "cache_creation_input_tokens": written,
            "cache_read_input_tokens": rng.randint(0, 150000),
            "output_tokens": rng.randint(5, 4000),
            "service_tier": "standard",
        }
        if rng.random() < 0.8:  # older Claude Code versions wrote no split
            usage["cache_creation"] = {
                "ephemeral_5m_input_tokens": written - one_hour,
                "ephemeral_1h_input_tokens": one_hour,
            }
        return usage

    def session(self, cwd: str, sid: str, start: float, turns: int, sidechain: bool) -> list[str]:
        rng, lines, ts = self.rng, [], start
        model = rng.choices([m for m, _ in MODELS], [w for _, w in MODELS])[0]
        base = {"cwd": cwd, "sessionId": sid, "version": "2.0.31", "gitBranch": "main",
                "userType": "external", "isSidechain": sidechain}  # fmt: skip
        for turn in range(turns):
            ts += rng.uniform(5, 240)
            prompt = {"role": "user", "content": _text(rng, rng.randint(5, 60))}
            lines.append(_dumps({**base, "type": "user", "message": prompt,
                                     "uuid": f"u{turn}", "timestamp": self.stamp(ts)}))  # fmt: skip
            for _step in range(rng.randint(1, 4)):
                self.msg += 1
                msg_id, req = f"msg_{self.msg:012d}", f"req_{self.msg:012d}"
                usage = self.usage()
                blocks = [{"type": "text", "text": _text(rng, rng.randint(10, 120))}]
                if rng.random() < 0.7:
                    blocks.append({"type": "tool_use", "id": f"toolu_{self.msg}", "name": "Read",
                                   "input": {"file_path": f"{cwd}/src/m{turn}.py"}})  # fmt: skip
                for block in blocks:  # one line per content block, usage repeated
                    ts += rng.uniform(0.2, 3)
                    message = {"id": msg_id, "type": "message", "role": "assistant",
                               "model": model, "content": [block], "stop_reason": None,
                               "usage": usage}  # fmt: skip
                    lines.append(_dumps({**base, "type": "assistant", "requestId": req,
                                             "message": message, "uuid": f"a{self.msg}",
                                             "timestamp": self.stamp(ts)}))  # fmt: skip
                if len(blocks) > 1:
                    ts += rng.uniform(0.5, 20)
                    result = {"role": "user", "content": [{"type": "tool_result",
                              "tool_use_id": f"toolu_{self.msg}",
                              "content": rng.choice(self.chunks)}]}  # fmt: skip
                    lines.append(_dumps({**base, "type": "user", "message": result,
                                             "timestamp": self.stamp(ts)}))  # fmt: skip
            if rng.random() < 0.02:
                synth = {"id": f"synth_{self.msg}", "model": "<synthetic>", "role": "assistant",
                         "content": [{"type": "text", "text": "No response requested."}],
                         "usage": {"input_tokens": 0, "output_tokens": 0}}  # fmt: skip
                lines.append(_dumps({**base, "type": "assistant", "message": synth,
                                         "timestamp": self.stamp(ts)}))  # fmt: skip
            if rng.random() < 0.01:
                lines.append(lines[-1][: len(lines[-1]) // 2])  # a line cut short by a crash
        return lines


def generate(target_mb: int) -> tuple[int, int]:
    if CLAUDE.exists():
        shutil.rmtree(CLAUDE)
    gen = Generator(seed=6)
    total = files = 0
    day = 86400.0
    project = 0
    while total < target_mb * 1_000_000:
        project += 1
        cwd = f"/home/dev/work/project-{project:03d}"
        pdir = CLAUDE / "projects" / cwd.replace("/", "-")
        pdir.mkdir(parents=True, exist_ok=True)
        for s in range(gen.rng.randint(5, 25)):
            sid = f"{project:04d}{s:04d}-aaaa-bbbb-cccc-{gen.msg:012d}"
            start = gen.t0 + gen.rng.uniform(0, 60 * day)
            lines = gen.session(cwd, sid, start, gen.rng.randint(3, 30), sidechain=False)
            files += 1
            total += _write(pdir / f"{sid}.jsonl", lines)
            if gen.rng.random() < 0.4:  # a subagent, plus replays of main-chain lines
                sub = gen.session(cwd, sid, start + 60, gen.rng.randint(2, 8), sidechain=True)
                replays = [ln.replace('"isSidechain":false', '"isSidechain":true')
                           for ln in gen.rng.sample(lines, min(5, len(lines)))]  # fmt: skip
                files += 1
                total += _write(pdir / sid / "subagents" / f"agent-{s:04x}.jsonl", sub + replays)
    return total, files


def _write(path: Path, lines: list[str]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes(data)
    return len(data)


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, dict[str, object]]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.strip()[:400]}")
    return elapsed, json.loads(proc.stdout)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    args = parser.parse_args()
    if not CCUSAGE.exists():
        subprocess.run(["npm", "install", "--silent", "--prefix", str(WORK),
                        f"ccusage@{CCUSAGE_VERSION}"], check=True)  # fmt: skip
    t = time.perf_counter()
    size, files = generate(args.mb)
    print(
        f"generated {size / 1e6:.0f} MB in {files} transcript files "
        f"({time.perf_counter() - t:.1f} s)"
    )
    br_home = WORK / "br_home"
    shutil.rmtree(br_home, ignore_errors=True)
    env = {**os.environ, "CLAUDE_CONFIG_DIR": str(CLAUDE), "BR_HOME": str(br_home), "TZ": "UTC",
           "BR_TELEMETRY": "0"}  # fmt: skip
    br = [str(Path(sys.executable).parent / "br"), "cost", "daily", "--json", "--all-projects"]
    ccusage = ["node", str(CCUSAGE), "daily", "--json", "--offline", "--mode", "calculate"]
    cc_time, cc = _run(ccusage, env)
    first, ours = _run(br, env)
    again = [_run(br, env)[0] for _ in range(3)]
    _compare(ours, cc, first, min(again), cc_time)
    _in_process(env)
    return 0


def _in_process(env: dict[str, str]) -> None:
    """The report itself, without the CLI's start-up (imports of every command group)."""
    os.environ.update({**env, "BR_HOME": str(WORK / "br_home_inproc")})
    shutil.rmtree(WORK / "br_home_inproc", ignore_errors=True)
    from br_mcp.cost import cost_report

    times = []
    for _ in range(4):
        start = time.perf_counter()
        cost_report("daily", all_projects=True)
        times.append(time.perf_counter() - start)
    print(f"in-process cost_report: first {times[0]:.2f} s | repeated {min(times[1:]):.3f} s "
          f"({times[0] / min(times[1:]):.1f}x faster than first)")  # fmt: skip


def _compare(ours: dict[str, object], cc: dict[str, object], first: float, again: float,
             cc_time: float) -> None:  # fmt: skip
    t_ours, t_cc = ours["totals"], cc["totals"]
    assert isinstance(t_ours, dict) and isinstance(t_cc, dict)
    pairs = [("input", "input_tokens", "inputTokens"), ("output", "output_tokens", "outputTokens"),
             ("cache read", "cache_read_tokens", "cacheReadTokens")]  # fmt: skip
    print(f"{'tokens':<12} {'br':>16} {'ccusage':>16}")
    for label, mine, theirs in pairs:
        print(f"{label:<12} {t_ours[mine]:>16,} {t_cc[theirs]:>16,}")
    written = t_ours["cache_write_5m_tokens"] + t_ours["cache_write_1h_tokens"]
    print(f"{'cache write':<12} {written:>16,} {t_cc['cacheCreationTokens']:>16,}")
    premium = sum(
        m["cache_write_1h_tokens"] * ONE_HOUR_PREMIUM[m["model"]] / 1e6
        for row in ours["rows"] for m in row["models"] if m["model"] in ONE_HOUR_PREMIUM  # type: ignore[union-attr]
    )  # fmt: skip
    cost, cc_cost = t_ours["cost_usd"], t_cc["totalCost"]
    print(
        f"cost: br ${cost:,.2f}  ccusage ${cc_cost:,.2f}  "
        f"(diff {100 * (cost - cc_cost) / cc_cost:+.3f}%)"
    )
    adjusted = cost - premium
    print(
        "1-hour cache-write premium (ccusage prices all cache writes at the 5m rate): "
        f"${premium:,.2f}"
    )
    print(f"br cost without that premium: ${adjusted:,.2f}  diff vs ccusage "
          f"{100 * (adjusted - cc_cost) / cc_cost:+.4f}%")  # fmt: skip
    print(f"malformed lines skipped by br: {ours['malformed_lines']}")
    print(f"time: ccusage {cc_time:.2f} s | br first {first:.2f} s "
          f"({first / cc_time:.2f}x ccusage) "
          f"| br repeated {again:.3f} s ({first / again:.1f}x faster than first)")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())

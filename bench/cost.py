"""Cost tracking against ccusage on the same generated Claude Code transcripts, in one run.

Generates >= 200 MB of realistic transcripts under bench/_work/claude/projects (one line per
content block with the usage repeated, tool results carrying file contents, subagent files,
sidechain replays with the parent's request id and with a new one, the 5m/1h cache split,
cut-short lines, `<synthetic>` messages), then times on the same files:
  - ccusage 20.0.24 (npm; a node launcher for its native binary), `claude daily --offline`,
  - ccusage 19.0.3 (npm; the last pure-node release), `daily --offline`,
  - `br cost daily --json --all-projects` on an empty database (first run), then again
    (incremental: only new bytes are read), and the report function in-process,
and compares token totals and cost. ccusage 20 applies the 1-hour cache-write rate and drops
sidechain replays that carry a new request id; ccusage 19 does neither, and the script prints
exactly how much each of those accounts for.

Run: bench/.venv/bin/python bench/cost.py [--mb 200]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
PACKAGES = ["br_core", "br_mcp", "br_cli", "br_hooks"]
WORK = HERE / "_work"
CLAUDE = WORK / "claude"
CCUSAGE = {  # version -> (install prefix, entry script run with node)
    "20.0.24": (WORK / "cc20", "node_modules/ccusage/src/cli.js"),
    "19.0.3": (WORK, "node_modules/ccusage/dist/index.js"),
}
# (model id as Claude Code writes it, share of requests); all priced alike by both tools.
MODELS = [
    ("claude-sonnet-4-5-20250929", 0.45),
    ("claude-sonnet-4-6", 0.15),
    ("claude-opus-4-6", 0.15),
    ("claude-haiku-4-5-20251001", 0.25),
]
FIVE_MINUTE_RATES = {  # USD/MTok: input, output, 5m cache write, cache read
    "claude-sonnet-4-5-20250929": (3.0, 15.0, 3.75, 0.3),
    "claude-sonnet-4-6": (3.0, 15.0, 3.75, 0.3),
    "claude-opus-4-6": (5.0, 25.0, 6.25, 0.5),
    "claude-haiku-4-5-20251001": (1.0, 5.0, 1.25, 0.1),
}
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
        # Field order as Claude Code writes it: message, then requestId, type, uuid, timestamp
        # (ccusage 19's fast path only finds a requestId that follows the usage).
        base = {"parentUuid": None, "isSidechain": sidechain, "userType": "external",
                "cwd": cwd, "sessionId": sid, "version": "2.0.31", "gitBranch": "main"}  # fmt: skip
        for turn in range(turns):
            ts += rng.uniform(5, 240)
            prompt = {"role": "user", "content": _text(rng, rng.randint(5, 60))}
            lines.append(_dumps({**base, "message": prompt, "type": "user",
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
                    lines.append(_dumps({**base, "message": message, "requestId": req,
                                         "type": "assistant", "uuid": f"a{self.msg}",
                                         "timestamp": self.stamp(ts)}))  # fmt: skip
                if len(blocks) > 1:
                    ts += rng.uniform(0.5, 20)
                    result = {"role": "user", "content": [{"type": "tool_result",
                              "tool_use_id": f"toolu_{self.msg}",
                              "content": rng.choice(self.chunks)}]}  # fmt: skip
                    lines.append(_dumps({**base, "message": result, "type": "user",
                                         "timestamp": self.stamp(ts)}))  # fmt: skip
            if rng.random() < 0.02:
                synth = {"id": f"synth_{self.msg}", "model": "<synthetic>", "role": "assistant",
                         "content": [{"type": "text", "text": "No response requested."}],
                         "usage": {"input_tokens": 0, "output_tokens": 0}}  # fmt: skip
                lines.append(_dumps({**base, "message": synth, "type": "assistant",
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
                picked = [ln for ln in gen.rng.sample(lines, min(8, len(lines)))
                          if '"requestId"' in ln]  # fmt: skip
                replays = [
                    ln.replace('"isSidechain":false', '"isSidechain":true') for ln in picked[:3]
                ]  # same request id: an exact copy
                # a new request id (as /btw side questions write): ccusage 20 drops these
                replays += [ln.replace('"isSidechain":false', '"isSidechain":true')
                            .replace('"requestId":"req_', '"requestId":"req_btw_')
                            for ln in picked[3:]]  # fmt: skip
                files += 1
                total += _write(pdir / sid / "subagents" / f"agent-{s:04x}.jsonl", sub + replays)
    return total, files


def _write(path: Path, lines: list[str]) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = ("\n".join(lines) + "\n").encode()
    path.write_bytes(data)
    return len(data)


def _run(cmd: list[str], env: dict[str, str]) -> tuple[float, dict[str, Any]]:
    """Wall time and JSON output of one command; CPU time (user + sys) is kept in CPU_TIMES."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    CPU_TIMES.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    if proc.returncode != 0:
        sys.exit(f"{cmd[0]} failed ({proc.returncode}): {proc.stderr.strip()[:400]}")
    return elapsed, json.loads(proc.stdout)


CPU_TIMES: list[float] = []


def _recomputed(br: list[str], env: dict[str, str], br_home: Path) -> float:
    """A repeated run that must compute the report: the stored output is deleted first."""
    with sqlite3.connect(br_home / "buildrunner.sqlite3") as conn:
        conn.execute("DELETE FROM output_cache")
    conn.close()
    return _run(br, env)[0]


def _timed(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, capture_output=True, check=False)
    return time.perf_counter() - start


def _ccusage(version: str) -> list[str]:
    prefix, entry = CCUSAGE[version]
    if not (prefix / entry).exists():
        subprocess.run(["npm", "install", "--silent", "--prefix", str(prefix),
                        f"ccusage@{version}"], check=True)  # fmt: skip
    if version.startswith("20"):
        return ["node", str(prefix / entry), "claude", "daily", "--json", "--offline"]
    return ["node", str(prefix / entry), "daily", "--json", "--offline", "--mode", "calculate"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--mb", type=int, default=200)
    args = parser.parse_args()
    commands = {version: _ccusage(version) for version in CCUSAGE}
    t = time.perf_counter()
    size, files = generate(args.mb)
    print(
        f"generated {size / 1e6:.0f} MB in {files} transcript files "
        f"({time.perf_counter() - t:.1f} s)"
    )
    br_home = WORK / "br_home"
    shutil.rmtree(br_home, ignore_errors=True)
    # As installed from a wheel: bytecode compiled, telemetry on (the default).
    env = {**os.environ, "CLAUDE_CONFIG_DIR": str(CLAUDE), "BR_HOME": str(br_home), "TZ": "UTC"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-m", "compileall", "-q", *PACKAGES], cwd=ROOT, check=True)
    results = {version: _run(cmd, env) for version, cmd in commands.items()}
    cc_cpu = dict(zip(results, CPU_TIMES, strict=True))
    br = [str(Path(sys.executable).parent / "br"), "cost", "daily", "--json", "--all-projects"]
    first, ours = _run(br, env)
    first_cpu = CPU_TIMES[-1]
    repeated = sorted(_run(br, env)[0] for _ in range(7))
    repeated_cpu = sorted(CPU_TIMES[-7:])
    recomputed = sorted(_recomputed(br, env, br_home) for _ in range(3))
    _compare(ours, results)
    print(f"time (wall, CPU user+sys): br first {first:.2f} s, {first_cpu:.2f} s CPU")
    for version, (elapsed, _) in results.items():
        print(f"  ccusage {version}: {elapsed:.2f} s, {cc_cpu[version]:.2f} s CPU -> br/ccusage "
              f"{first / elapsed:.2f}x wall, {first_cpu / cc_cpu[version]:.2f}x CPU")  # fmt: skip
    median, worst, cpu = repeated[3], repeated[-1], repeated_cpu[3]
    print(
        f"  br repeated (7 runs): median {median:.3f} s, slowest {worst:.3f} s -> "
        f"{first / median:.1f}x (slowest {first / worst:.1f}x) faster than br first; "
        f"CPU median {cpu:.3f} s -> {first_cpu / cpu:.1f}x less CPU"
    )
    print(
        f"  br repeated with the stored report removed (recomputed from the store, no new "
        f"bytes): median {recomputed[1]:.3f} s ({first / recomputed[1]:.1f}x)"
    )
    floor = min(_timed([*br[:2], "--help"], env) for _ in range(3))
    print(f"  `br cost --help` (typer start-up, no report): {floor:.3f} s")
    bare = min(_timed([sys.executable, "-c", "pass"], env) for _ in range(3))
    print(f"  bare interpreter: {bare:.3f} s")
    _in_process(env)
    return 0


def _replay_tokens() -> tuple[dict[str, int], float]:
    """Tokens (and cost at ccusage 19's 5m-only rates) of the new-request-id replays."""
    sums = {"inputTokens": 0, "outputTokens": 0, "cacheCreationTokens": 0, "cacheReadTokens": 0}
    cost = 0.0
    seen: set[str] = set()
    for path in CLAUDE.rglob("subagents/*.jsonl"):
        for raw in path.read_text().splitlines():
            if '"requestId":"req_btw_' not in raw:
                continue
            line = json.loads(raw)
            usage, model = line["message"]["usage"], line["message"]["model"]
            if line["requestId"] in seen:
                continue
            seen.add(line["requestId"])
            sums["inputTokens"] += usage["input_tokens"]
            sums["outputTokens"] += usage["output_tokens"]
            sums["cacheCreationTokens"] += usage["cache_creation_input_tokens"]
            sums["cacheReadTokens"] += usage["cache_read_input_tokens"]
            rates = FIVE_MINUTE_RATES[model]
            cost += (usage["input_tokens"] * rates[0] + usage["output_tokens"] * rates[1]
                     + usage["cache_creation_input_tokens"] * rates[2]
                     + usage["cache_read_input_tokens"] * rates[3]) / 1e6  # fmt: skip
    return sums, cost


def _compare(ours: dict[str, Any], results: dict[str, tuple[float, dict[str, Any]]]) -> None:
    totals = ours["totals"]
    mine = {
        "inputTokens": totals["input_tokens"],
        "outputTokens": totals["output_tokens"],
        "cacheCreationTokens": totals["cache_write_5m_tokens"] + totals["cache_write_1h_tokens"],
        "cacheReadTokens": totals["cache_read_tokens"],
    }
    # A benchmark that measures nothing must fail: every tool must have read some usage.
    for name, tokens in [("br", sum(mine.values()))] + [
        (f"ccusage {v}", sum(int(results[v][1]["totals"].get(k, 0)) for k in mine)) for v in results
    ]:
        if tokens <= 0:
            sys.exit(f"bench/cost.py: {name} read no tokens from {CLAUDE}: nothing was measured")
    replay, replay_cost = _replay_tokens()
    versions = list(results)
    print(f"{'tokens':<20} {'br':>15} " + " ".join(f"{'ccusage ' + v:>17}" for v in versions))
    for name, value in mine.items():
        row = " ".join(f"{results[v][1]['totals'][name]:>17,}" for v in versions)
        print(f"{name:<20} {value:>15,} {row}")
    print(f"sidechain replays with a new request id (dropped by br and ccusage 20): "
          f"{replay['inputTokens']:,} input, {replay['outputTokens']:,} output tokens")  # fmt: skip
    premium = sum(
        m["cache_write_1h_tokens"] * ONE_HOUR_PREMIUM[m["model"]] / 1e6
        for row in ours["rows"] for m in row["models"] if m["model"] in ONE_HOUR_PREMIUM
    )  # fmt: skip
    cost = totals["cost_usd"]
    for version in versions:
        theirs = results[version][1]["totals"]["totalCost"]
        print(f"cost: br ${cost:,.4f} vs ccusage {version} ${theirs:,.4f} "
              f"({100 * (cost - theirs) / theirs:+.4f}%)")  # fmt: skip
        if version.startswith("19"):
            explained = cost - premium + replay_cost
            print(f"  ccusage 19 prices 1h cache writes at the 5m rate (-${premium:,.2f}) and "
                  f"counts the new-request-id replays (+${replay_cost:,.2f}); br with both: "
                  f"${explained:,.4f} ({100 * (explained - theirs) / theirs:+.4f}%)")  # fmt: skip
    print(f"malformed lines skipped by br: {ours['malformed_lines']}")


def _in_process(env: dict[str, str]) -> None:
    """The report itself, without the CLI's start-up (imports of every command group)."""
    # bench/ is sys.path[0] and holds other benchmarks' modules (bench/coverage.py shadows
    # coverage.py itself): import ours without it.
    sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]
    os.environ.update({**env, "BR_HOME": str(WORK / "br_home_inproc")})
    shutil.rmtree(WORK / "br_home_inproc", ignore_errors=True)
    from br_core.cost.report import cost_report
    from br_core.store.db import open_db

    times = []
    for _ in range(4):
        start = time.perf_counter()
        conn = open_db()  # as `br cost daily` does: its own connection
        cost_report(conn, Path.cwd(), "daily", all_projects=True)
        conn.close()
        times.append(time.perf_counter() - start)
    print(f"in-process cost_report: first {times[0]:.2f} s | repeated {min(times[1:]):.3f} s "
          f"({times[0] / min(times[1:]):.1f}x faster than first)")  # fmt: skip


if __name__ == "__main__":
    raise SystemExit(main())

"""Honest replay of real routing outcomes through the real MCP server over stdio.

Each task of ../shared/routing/dev.jsonl (SWE-bench Verified issues with what Haiku, Sonnet and
Opus each did) goes to `route_task` (the issue text, and its upstream project as `area`), then
`record_outcome` reveals the chosen tier's outcome only, exactly as in real use. A fresh
`br mcp serve` (temporary BR_HOME and repository) runs each random order of the tasks.

Reported: resolved % and cost against always-Sonnet on the same tasks; always-Haiku/Sonnet/
Opus; random routing with the router's own tier mix; a blind Haiku/Opus coin; each with a 90%
bootstrap interval (tasks resampled within each order, averaged over the orders) and the range
over the orders. `--split` learns on the first half of each order and reports on the second
(learning goes on, as in use): the held-out figure. Without it every task is both learned from
and reported: an IN-SAMPLE figure. `--sweep` runs the split mode at several objective settings.

Run: bench/.venv/bin/python bench/routing_replay.py [--split] [--orders 5] [--sweep]
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _devset import DEV, load_dev

HERE = Path(__file__).resolve().parent
# bench/'s script names (coverage.py, say) would shadow modules of the same name.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import anyio  # noqa: E402
from mcp import Client  # noqa: E402
from mcp.client.stdio import StdioServerParameters  # noqa: E402

TIERS = ("haiku", "sonnet", "opus")
BOOTSTRAP = 1000
SWEEP = (
    ("floor", 'objective = "floor"\nbaseline = "sonnet"\nmargin = 0.01'),
    ("floor+0", 'objective = "floor"\nbaseline = "sonnet"\nmargin = 0.0'),
    ("floor-opus", 'objective = "floor"\nbaseline = "opus"\nmargin = 0.04'),
    ("budget 0.40", 'objective = "budget"\nbudget_usd = 0.40'),
    ("budget 0.55", 'objective = "budget"\nbudget_usd = 0.55'),
    ("tradeoff 0.2", 'objective = "tradeoff"\ncost_weight = 0.2'),
    ("tradeoff 0.5", 'objective = "tradeoff"\ncost_weight = 0.5'),
)


@dataclass
class Run:
    reported: list[tuple[dict[str, Any], str]]  # (task row, chosen tier)
    route_ms: list[float]
    explored: int


def _repo(base: Path, routing: str, env: dict[str, str]) -> Path:
    """A repository whose committed [routing] settings the (temporary) user trusts: an objective
    that trades quality for cost applies only from a trusted config."""
    repo = base / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (repo / ".buildrunner").mkdir()
    (repo / ".buildrunner" / "config.toml").write_text(f"[routing]\n{routing}\n")
    subprocess.run([sys.executable, "-m", "br_cli.app", "config", "trust"], cwd=repo, env=env,
                   check=True, capture_output=True)  # fmt: skip
    return repo


async def _replay(rows: list[dict[str, Any]], report_from: int, routing: str) -> Run:
    with tempfile.TemporaryDirectory(prefix="br-replay-") as tmp:
        env = {**os.environ, "BR_HOME": str(Path(tmp) / "home")}
        repo = _repo(Path(tmp), routing, env)
        params = StdioServerParameters(
            command=sys.executable,
            args=["-m", "br_cli.app", "mcp", "serve", "--root", str(repo)],
            env=env,
            cwd=str(repo),
        )
        run = Run([], [], 0)
        async with Client(params) as client:
            for i, row in enumerate(rows):
                start = time.perf_counter()
                got = await client.call_tool(
                    "route_task", {"description": row["task"], "area": row["project"]}
                )
                run.route_ms.append((time.perf_counter() - start) * 1000)
                if got.is_error:
                    raise SystemExit(f"route_task failed on {row['id']}: {got.content}")
                decision = got.structured_content or {}
                tier = decision["tier"]
                outcome = row["outcomes"][tier]  # the chosen tier's outcome, and only that
                done = await client.call_tool(
                    "record_outcome",
                    {"decision_id": decision["decision_id"], "resolved": outcome["resolved"],
                     "cost_usd": outcome["cost_usd"]},
                )  # fmt: skip
                if done.is_error:
                    raise SystemExit(f"record_outcome failed on {row['id']}: {done.content}")
                if i >= report_from:
                    run.reported.append((row, tier))
                    run.explored += bool(decision.get("explored"))
        return run


def _figures(pairs: list[tuple[dict[str, Any], str]]) -> dict[str, float]:
    """Resolved share and cost (x always-Sonnet) of the router and its comparisons."""
    n = len(pairs)
    rows = [r for r, _ in pairs]
    sonnet = sum(r["outcomes"]["sonnet"]["cost_usd"] for r in rows)

    def tier_mean(t: str, what: str) -> float:
        return sum(float(r["outcomes"][t][what]) for r in rows) / n

    mix = {t: sum(1 for _, c in pairs if c == t) / n for t in TIERS}
    out = {
        "router_res": sum(r["outcomes"][t]["resolved"] for r, t in pairs) / n,
        "router_cost": sum(r["outcomes"][t]["cost_usd"] for r, t in pairs) / sonnet,
        "random_res": sum(mix[t] * tier_mean(t, "resolved") for t in TIERS),
        "random_cost": sum(mix[t] * tier_mean(t, "cost_usd") for t in TIERS) * n / sonnet,
        "coin_res": (tier_mean("haiku", "resolved") + tier_mean("opus", "resolved")) / 2,
        "coin_cost": (tier_mean("haiku", "cost_usd") + tier_mean("opus", "cost_usd"))
        / 2
        * n
        / sonnet,
    }
    for t in TIERS:
        out[f"{t}_res"] = tier_mean(t, "resolved")
        out[f"{t}_cost"] = tier_mean(t, "cost_usd") * n / sonnet
        out[f"mix_{t}"] = mix[t]
    out["d_res"] = out["router_res"] - out["random_res"]
    out["d_cost"] = out["router_cost"] - out["random_cost"]
    return out


def _bootstrap(runs: list[Run], rng: random.Random) -> dict[str, tuple[float, float]]:
    draws: dict[str, list[float]] = {}
    for _ in range(BOOTSTRAP):
        per_order = [_figures(rng.choices(r.reported, k=len(r.reported))) for r in runs]
        for key in per_order[0]:
            draws.setdefault(key, []).append(statistics.fmean(f[key] for f in per_order))
    out = {}
    for key, values in draws.items():
        values.sort()
        out[key] = (values[int(0.05 * len(values))], values[int(0.95 * len(values)) - 1])
    return out


def _line(name: str, res: str, cost: str, figs: list[dict[str, float]],
          ci: dict[str, tuple[float, float]]) -> str:  # fmt: skip
    r = statistics.fmean(f[res] for f in figs)
    c = statistics.fmean(f[cost] for f in figs)
    lo_r, hi_r = ci[res]
    lo_c, hi_c = ci[cost]
    span_r = f"{min(f[res] for f in figs):.1%}..{max(f[res] for f in figs):.1%}"
    return (f"  {name:<26} {r:7.1%} [{lo_r:.1%}, {hi_r:.1%}] {span_r:>13}   "
            f"{c:5.2f}x [{lo_c:.2f}, {hi_c:.2f}]")  # fmt: skip


def report(runs: list[Run], label: str) -> dict[str, float]:
    figs = [_figures(r.reported) for r in runs]
    ci = _bootstrap(runs, random.Random(1))
    n = len(runs[0].reported)
    print(f"\n{label}: {len(runs)} orders x {n} reported tasks")
    print(f"  {'':<26} {'resolved':>7} [90% bootstrap]   order range   cost vs always-Sonnet")
    print(_line("router", "router_res", "router_cost", figs, ci))
    for t in TIERS:
        print(_line(f"always {t}", f"{t}_res", f"{t}_cost", figs, ci))
    print(_line("random, router's tier mix", "random_res", "random_cost", figs, ci))
    print(_line("blind Haiku/Opus coin", "coin_res", "coin_cost", figs, ci))
    mix = ", ".join(f"{t} {statistics.fmean(f['mix_' + t] for f in figs):.0%}" for t in TIERS)
    d_res, d_cost = (statistics.fmean(f[k] for f in figs) for k in ("d_res", "d_cost"))
    print(f"  router - random same mix: resolved {d_res:+.1%} [{ci['d_res'][0]:+.1%}, "
          f"{ci['d_res'][1]:+.1%}], cost {d_cost:+.3f}x [{ci['d_cost'][0]:+.3f}, "
          f"{ci['d_cost'][1]:+.3f}]")  # fmt: skip
    ms = [m for r in runs for m in r.route_ms]
    explored = sum(r.explored for r in runs) / sum(len(r.reported) for r in runs)
    print(
        f"  tier mix: {mix}; explored {explored:.0%} of reported decisions; route_task over "
        f"stdio: median {statistics.median(ms):.1f} ms (range {min(ms):.1f}..{max(ms):.1f})"
    )
    return {k: statistics.fmean(f[k] for f in figs) for k in figs[0]}


def replay(rows: list[dict[str, Any]], orders: int, seed: int, split: bool,
           routing: str) -> list[Run]:  # fmt: skip
    runs = []
    for i in range(orders):
        order = rows[:]
        random.Random(seed + i).shuffle(order)
        runs.append(anyio.run(_replay, order, len(order) // 2 if split else 0, routing))
    return runs


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEV, help="JSONL of tasks with outcomes")
    parser.add_argument("--orders", type=int, default=5, help="random orders (seeded)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--split", action="store_true", help="learn on half, report the other")
    parser.add_argument("--sweep", action="store_true", help="split mode at several objectives")
    parser.add_argument("--routing", default='objective = "floor"',
                        help="[routing] settings for the run (TOML lines)")  # fmt: skip
    args = parser.parse_args()
    rows = load_dev(args.data)
    if not args.sweep:
        runs = replay(rows, args.orders, args.seed, args.split, args.routing)
        kind = "SPLIT-HALF (held-out half)" if args.split else "IN-SAMPLE (learned and reported)"
        report(runs, f"{kind}, [routing] {' '.join(args.routing.split())}")
        return 0
    for name, routing in SWEEP:
        runs = replay(rows, args.orders, args.seed, True, routing)
        report(runs, f"SPLIT-HALF, {name}: {' '.join(routing.split())}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

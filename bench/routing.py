"""The router on a labeled set of task descriptions (bench/routing_tasks.jsonl).

Prints the tier mix, agreement with the labels (with a confusion matrix), the estimated cost
against always-Sonnet, and the routing time per task. Estimated costs use the router's assumed
token counts per complexity (no outcomes are recorded here), so they compare tiers at list
price only; the labels were written by the same engineer who wrote the rules, so agreement is
an in-sample figure, not a held-out one.

Run: bench/.venv/bin/python bench/routing.py [--tasks FILE]
Sets: routing_tasks.jsonl (the rules' author), routing_blind.jsonl (labeled before reading the
router, then tuned on), routing_fresh.jsonl (written after the first re-tune, then tuned on),
routing_check.jsonl (after the second, then tuned on), routing_holdout.jsonl (after the
third; one threshold chosen with it in view).
It also prints the labels' own mix priced the same way (a perfect router's cost) and the
router with Opus switched off by config.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
TIERS = ("haiku", "sonnet", "opus")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=Path, default=HERE / "routing_tasks.jsonl",
                        help="JSONL of {task, files, lines, label}")  # fmt: skip
    args = parser.parse_args()
    lines = args.tasks.read_text().splitlines()
    tasks = [json.loads(line) for line in lines if line.strip()]
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["BR_HOME"] = str(Path(tmp) / "home")
        repo = Path(tmp) / "repo"
        repo.mkdir()
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        from br_core.routing.router import ModelRouter
        from br_core.store.db import open_db

        conn = open_db()
        router = ModelRouter(conn, repo)
        decisions = []
        start = time.perf_counter()
        for task in tasks:
            decisions.append(router.route(task["task"], task["files"], task["lines"]))
        per_task_ms = (time.perf_counter() - start) * 1000 / len(tasks)
        _report(tasks, decisions, per_task_ms)
        _label_mix(router, tasks, decisions)
        # The same router with Opus switched off by config: what the Opus share costs.
        config = repo / ".buildrunner" / "config.toml"
        config.parent.mkdir()
        config.write_text('[routing.tiers]\ncritical = "sonnet"\n', encoding="utf-8")
        capped = [ModelRouter(conn, repo).route(t["task"], t["files"], t["lines"]) for t in tasks]
        _summary('with [routing.tiers] critical = "sonnet"', tasks, capped)
        conn.close()
    return 0


def _label_mix(router: Any, tasks: list[dict[str, Any]], decisions: list[Any]) -> None:
    """The labels' own tier mix, priced with the same assumed tokens: the cost of a perfect
    router. When it is above always-Sonnet, so is any router that never routes below a label."""
    from br_core.routing.router import ASSUMED_TOKENS, _tokens_cost

    cost = sum(_tokens_cost(router.table, router.config.models[t["label"]],
                            ASSUMED_TOKENS[d.complexity]) or 0
               for t, d in zip(tasks, decisions, strict=True))  # fmt: skip
    sonnet = sum(d.sonnet_cost_usd or 0 for d in decisions)
    print(f"label mix priced the same way: ${cost:.2f} vs always-Sonnet ${sonnet:.2f} "
          f"({(cost - sonnet) / sonnet:+.1%})")  # fmt: skip


def _summary(name: str, tasks: list[dict[str, Any]], decisions: list[Any]) -> None:
    labels = [TIERS.index(str(t["label"])) for t in tasks]
    chosen = [TIERS.index(d.tier) for d in decisions]
    agree = sum(a == b for a, b in zip(labels, chosen, strict=True))
    under = sum(c < lab for c, lab in zip(chosen, labels, strict=True))
    routed = sum(d.estimated_cost_usd or 0 for d in decisions)
    sonnet = sum(d.sonnet_cost_usd or 0 for d in decisions)
    print(f"{name}: agreement {agree}/{len(tasks)}, below the label {under}, above "
          f"{len(tasks) - agree - under}, cost ${routed:.2f} vs always-Sonnet ${sonnet:.2f} "
          f"({(routed - sonnet) / sonnet:+.1%})")  # fmt: skip


def _report(tasks: list[dict[str, Any]], decisions: list[Any], per_task_ms: float) -> None:
    labels = [str(t["label"]) for t in tasks]
    chosen = [d.tier for d in decisions]
    mix = Counter(chosen)
    print(f"{len(tasks)} labeled tasks; routing {per_task_ms:.2f} ms per task (in-process)")
    print("tier mix:   " + "  ".join(f"{t} {mix[t]} ({mix[t] / len(tasks):.0%})" for t in TIERS))
    print("labels:     " + "  ".join(f"{t} {labels.count(t)}" for t in TIERS))
    agree = sum(a == b for a, b in zip(labels, chosen, strict=True))
    print(f"agreement with labels: {agree}/{len(tasks)} ({agree / len(tasks):.0%})")
    under = sum(TIERS.index(c) < TIERS.index(lab) for c, lab in zip(chosen, labels, strict=True))
    print(f"routed below the label (risk to quality): {under}; above (extra cost): "
          f"{len(tasks) - agree - under}")  # fmt: skip
    print("confusion (rows: label, columns: routed)")
    print("          " + "".join(f"{t:>8}" for t in TIERS))
    for lab in TIERS:
        row = [sum(1 for c, x in zip(chosen, labels, strict=True) if x == lab and c == t)
               for t in TIERS]  # fmt: skip
        print(f"  {lab:<8}" + "".join(f"{n:>8}" for n in row))
    routed = sum(d.estimated_cost_usd or 0 for d in decisions)
    sonnet = sum(d.sonnet_cost_usd or 0 for d in decisions)
    print(f"estimated cost (assumed tokens, list prices): routed ${routed:.2f} vs always-Sonnet "
          f"${sonnet:.2f} ({(routed - sonnet) / sonnet:+.1%})")  # fmt: skip
    models = Counter(d.model for d in decisions)
    print("models: " + ", ".join(f"{m} x{n}" for m, n in models.most_common()))
    misses = [(t["task"], lab, c) for t, lab, c in zip(tasks, labels, chosen, strict=True)
              if lab != c]  # fmt: skip
    for task, lab, c in misses:
        print(f"  miss: label {lab:<6} routed {c:<6} {task}")


if __name__ == "__main__":
    raise SystemExit(main())

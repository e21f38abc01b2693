"""The router on a labeled set of task descriptions (bench/routing_tasks.jsonl).

Prints the tier mix, agreement with the labels (with a confusion matrix), the estimated cost
against always-Sonnet, and the routing time per task. Estimated costs use the router's assumed
token counts per complexity (no outcomes are recorded here), so they compare tiers at list
price only; the labels were written by the same engineer who wrote the rules, so agreement is
an in-sample figure, not a held-out one.

Run: bench/.venv/bin/python bench/routing.py
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
TIERS = ("haiku", "sonnet", "opus")


def main() -> int:
    tasks = [json.loads(line) for line in (HERE / "routing_tasks.jsonl").read_text().splitlines()]
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["BR_HOME"] = str(Path(tmp) / "home")
        repo = Path(tmp) / "repo"
        repo.mkdir()
        subprocess.run(["git", "init", "-q", str(repo)], check=True)
        from br_mcp.routing import ModelRouter

        router = ModelRouter(repo)
        decisions = []
        start = time.perf_counter()
        for task in tasks:
            decisions.append(router.route(task["task"], task["files"], task["lines"]))
        per_task_ms = (time.perf_counter() - start) * 1000 / len(tasks)
    _report(tasks, decisions, per_task_ms)
    return 0


def _report(tasks: list[dict[str, object]], decisions: list[object], per_task_ms: float) -> None:
    labels = [str(t["label"]) for t in tasks]
    chosen = [d.tier for d in decisions]  # type: ignore[attr-defined]
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
    routed = sum(d.estimated_cost_usd or 0 for d in decisions)  # type: ignore[attr-defined]
    sonnet = sum(d.sonnet_cost_usd or 0 for d in decisions)  # type: ignore[attr-defined]
    print(f"estimated cost (assumed tokens, list prices): routed ${routed:.2f} vs always-Sonnet "
          f"${sonnet:.2f} ({(routed - sonnet) / sonnet:+.1%})")  # fmt: skip
    models = Counter(d.model for d in decisions)  # type: ignore[attr-defined]
    print("models: " + ", ".join(f"{m} x{n}" for m, n in models.most_common()))
    misses = [(t["task"], lab, c) for t, lab, c in zip(tasks, labels, chosen, strict=True)
              if lab != c]  # fmt: skip
    for task, lab, c in misses:
        print(f"  miss: label {lab:<6} routed {c:<6} {task}")


if __name__ == "__main__":
    raise SystemExit(main())

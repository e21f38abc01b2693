"""Bench figures of two trees (before/after a restructure), interleaved in one run, as one table.

Each tree runs from its own venv (an editable install of that tree) with its own temp HOME,
BR_HOME, git repo and bytecode cache (PYTHONPYCACHEPREFIX), so neither checkout is written to.
Every sample is taken for both trees back to back (the order alternates by round), so machine
noise hits both alike. Measured per tree:
  - `python -c pass` with the venv's interpreter (the same binary for both: a noise control),
  - hook start-up as a commit pays it, in a git repo with one commit: br-secrets and
    br-sql-injection with no files, br-coverage with no report (its "nothing to check" path),
    br-telemetry as post-commit with telemetry on,
  - br-secrets on the 20 standard-library files bench/secrets_speed.py picks (start-up included),
  - `br cost daily --json --all-projects` repeated on a warm output cache (small synthetic
    Claude Code transcript under $HOME/.claude/projects),
  - claims/s and MCP stdio p50 latency, parsed from the tree's own bench/queue_speed.py
    (bench/queue.py in trees from before its rename).

    python bench/compare_trees.py --before /work/benchenv/before/bin \
        --after /work/benchenv/after/bin [--rounds 7]
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import random
import re
import runpy
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from subprocess import PIPE

HERE = Path(__file__).resolve().parent
# bench/'s script names (coverage.py, say) would shadow modules of the same name.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

HOOKS = ["br-secrets", "br-sql-injection", "br-coverage", "br-telemetry"]
SCRATCH = Path(__file__).resolve().parent.parent / "tests" / "data" / "scratch.py"
# tests/data/scratch.py by path: this script keeps bench/ (and so bench/labelled.py) off sys.path
GIT_ENV = runpy.run_path(str(SCRATCH))["GIT_ENV"]
DROP_ENV = ["PYTHONDONTWRITEBYTECODE", "PYTHONPATH", "VIRTUAL_ENV", "BR_TELEMETRY", "DO_NOT_TRACK"]
DROP_ENV += ["CLAUDE_CONFIG_DIR", "XDG_CONFIG_HOME"]  # transcripts come from $HOME/.claude only
QUEUE_ROW = re.compile(r"^br \(sqlite\) (claim only|claim\+done)\s+(\d+)\s+\d+\s+(\d+)\s+\d+$")
STDIO_ROW = re.compile(r"^stdio (\w+)\s+p50\s+([\d.]+) ms")
LINE = (  # one assistant line of a Claude Code transcript, keys in Claude Code's order
    '{{"parentUuid":null,"isSidechain":false,"userType":"external","cwd":"{cwd}",'
    '"sessionId":"{sid}","version":"2.0.31","gitBranch":"main","message":{message},'
    '"requestId":"req_{n:012d}","type":"assistant","uuid":"a{n}","timestamp":"{ts}"}}\n'
)
MODELS = ["claude-sonnet-4-5-20250929", "claude-opus-4-6", "claude-haiku-4-5-20251001"]


class Tree:
    def __init__(self, label: str, bin_dir: Path, root: Path, base: Path) -> None:
        self.label, self.bin, self.root = label, bin_dir, root
        self.dir = base / label
        self.home, self.repo = self.dir / "home", self.dir / "repo"
        env = {k: v for k, v in os.environ.items() if k not in DROP_ENV}
        self.env = {
            **env,
            **GIT_ENV,
            "HOME": str(self.home),
            "BR_HOME": str(self.dir / "br"),
            "PYTHONPYCACHEPREFIX": str(self.dir / "pycache"),
            "TZ": "UTC",
            "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}",
        }

    def run(self, argv: list[str], timeout: float, cwd: Path | None = None) -> tuple[float, str]:
        """Wall seconds and stdout of one command; exit >= 2 or a timeout stops the bench (on a
        timeout the command's whole process group goes: the queue bench's workers, MCP server)."""
        start = time.perf_counter()
        proc = subprocess.Popen(argv, cwd=cwd or self.repo, env=self.env, text=True,
                                stdout=PIPE, stderr=PIPE, start_new_session=True)  # fmt: skip
        try:
            out, err = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate(timeout=10)
            sys.exit(f"{self.label}: {' '.join(argv[:3])} timed out after {timeout:.0f} s")
        elapsed = time.perf_counter() - start
        if proc.returncode not in (0, 1):
            sys.exit(f"{self.label}: {' '.join(argv[:3])} exited {proc.returncode}: {err[-600:]}")
        return elapsed, out


def write_transcripts(home: Path) -> None:
    """~300 assistant responses over 3 projects and 2 weeks, in Claude Code's line format."""
    rng, n = random.Random(11), 0
    for project in range(3):
        cwd = f"/home/dev/work/project-{project}"
        pdir = home / ".claude" / "projects" / cwd.replace("/", "-")
        pdir.mkdir(parents=True)
        for session in range(4):
            sid = f"{project:04d}{session:04d}-aaaa-bbbb-cccc-000000000000"
            ts, text = 1_756_684_800 + rng.uniform(0, 14 * 86_400), ""
            for _ in range(25):
                n, ts = n + 1, ts + rng.uniform(5, 240)
                written = rng.choice([0, rng.randint(100, 20_000)])
                usage = {"input_tokens": rng.randint(1, 400), "output_tokens": rng.randint(5, 4000),
                         "cache_creation_input_tokens": written,
                         "cache_read_input_tokens": rng.randint(0, 150_000),
                         "cache_creation": {"ephemeral_5m_input_tokens": written,
                                            "ephemeral_1h_input_tokens": 0}}  # fmt: skip
                message = {"id": f"msg_{n:012d}", "type": "message", "role": "assistant",
                           "model": rng.choice(MODELS), "stop_reason": None, "usage": usage,
                           "content": [{"type": "text", "text": "done " * 20}]}  # fmt: skip
                stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime(ts))
                message_json = json.dumps(message, separators=(",", ":"))
                text += LINE.format(cwd=cwd, sid=sid, message=message_json, n=n, ts=stamp)
            (pdir / f"{sid}.jsonl").write_text(text)


def commit_files() -> list[str]:
    """The 20 files of bench/secrets_speed.py's "commit" case, picked by its own code."""
    spec = importlib.util.spec_from_file_location("br_bench_secrets", HERE / "secrets_speed.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [str(p) for p in module.commit_files(module.stdlib_files())]


def setup(tree: Tree) -> None:
    tree.repo.mkdir(parents=True)
    write_transcripts(tree.home)
    (tree.repo / "a.txt").write_text("a\n")
    for argv in (
        ["git", "init", "-q", "-b", "main"],
        ["git", "add", "a.txt"],
        ["git", "commit", "-q", "-m", "feat: a"],
    ):
        tree.run(argv, timeout=30)
    where = tree.run(
        [str(tree.bin / "python"), "-c", "import br_core; print(br_core.__file__)"], timeout=30
    )[1].strip()
    if not Path(where).resolve().is_relative_to(tree.root.resolve()):
        sys.exit(f"{tree.label}: {tree.bin} imports br_core from {where}, not from {tree.root}")


def commands(tree: Tree, files: list[str]) -> dict[str, list[str]]:
    """Metric name -> the command whose wall time is one sample."""
    bin_ = tree.bin
    cmds = {"python -c pass (noise control), ms": [str(bin_ / "python"), "-c", "pass"]}
    cmds |= {f"start-up {hook}, ms": [str(bin_ / hook)] for hook in HOOKS}
    cmds["br-secrets, 20-file commit, ms"] = [str(bin_ / "br-secrets"), *files]
    cost = ["cost", "daily", "--json", "--all-projects"]
    cmds["br cost daily, repeated (warm), ms"] = [str(bin_ / "br"), *cost]
    return cmds


def _queue_bench(root: Path) -> Path:
    """The tree's queue benchmark: bench/queue_speed.py, or bench/queue.py before its rename."""
    renamed = root / "bench" / "queue_speed.py"
    return renamed if renamed.exists() else root / "bench" / "queue.py"


def parse_queue(out: str) -> dict[str, float]:
    figures: dict[str, float] = {}
    for line in out.splitlines():
        if m := QUEUE_ROW.match(line):
            figures[f"queue {m[1]}, {m[2]} procs, claims/s"] = float(m[3])
        elif m := STDIO_ROW.match(line):
            figures[f"MCP stdio {m[1]} p50, ms"] = float(m[2])
    if not figures:
        sys.exit(f"no figures parsed from the queue bench's output:\n{out[-800:]}")
    return figures


def fmt(values: list[float]) -> str:
    def one(v: float) -> str:
        return f"{v:.0f}" if v >= 100 else f"{v:.1f}" if v >= 10 else f"{v:.2f}"

    return f"{one(statistics.median(values))} ({one(min(values))}-{one(max(values))})"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, required=True, help="venv bin dir, old tree")
    parser.add_argument("--after", type=Path, required=True, help="venv bin dir, new tree")
    parser.add_argument("--before-tree", type=Path, default=Path("/work/baseline"))
    parser.add_argument("--after-tree", type=Path, default=HERE.parent)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--reps", type=int, default=3, help="fast samples per round and tree")
    parser.add_argument("--queue-args", default="--tasks 5000 --anchor-tasks 100 --calls 200")
    args = parser.parse_args()
    load_start, began = os.getloadavg(), time.perf_counter()
    base = Path(tempfile.mkdtemp(prefix="br-compare-trees-"))
    samples: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    outputs: dict[str, set[str]] = defaultdict(set)  # distinct stdout per command
    try:
        trees = [
            Tree("before", args.before.resolve(), args.before_tree, base),
            Tree("after", args.after.resolve(), args.after_tree, base),
        ]
        files = commit_files()
        cmds = {}
        for tree in trees:  # warm-up, not timed: bytecode cache, store, cost output cache
            setup(tree)
            cmds[tree.label] = commands(tree, files)
            outs = {name: tree.run(argv, 120)[1] for name, argv in cmds[tree.label].items()}
            for name in ("br-secrets, 20-file commit, ms", "br cost daily, repeated (warm), ms"):
                outputs[name].add(outs[name])
        for rnd in range(args.rounds):
            order = trees if rnd % 2 == 0 else trees[::-1]
            for name in cmds["before"]:
                for _ in range(args.reps):
                    for tree in order:
                        seconds = tree.run(cmds[tree.label][name], 120)[0]
                        samples[name][tree.label].append(seconds * 1000)
            for tree in order:
                queue = [str(tree.bin / "python"), str(_queue_bench(tree.root))]
                out = tree.run([*queue, *args.queue_args.split()], 600, cwd=tree.dir)[1]
                for key, value in parse_queue(out).items():
                    samples[key][tree.label].append(value)
            print(
                f"round {rnd + 1}/{args.rounds} done ({time.perf_counter() - began:.0f} s)",
                file=sys.stderr,
            )
    finally:
        shutil.rmtree(base, ignore_errors=True)
    load_end = os.getloadavg()
    print(
        f"machine: {os.cpu_count()} cores, shared (others at work); load average 1/5/15 min at "
        f"start {' '.join(f'{x:.2f}' for x in load_start)}, at end "
        f"{' '.join(f'{x:.2f}' for x in load_end)}; python {sys.version.split()[0]}"
    )
    print(
        f"{args.rounds} rounds, interleaved before/after per sample (order alternating by "
        f"round); {args.reps} samples per round for the fast rows, 1 queue bench run "
        f"({args.queue_args}) per round; {time.perf_counter() - began:.0f} s in all\n"
    )
    agree = "; ".join(
        f"{k.split(',')[0]}: {'yes' if len(v) == 1 else 'NO'}" for k, v in outputs.items()
    )
    print(f"same output before/after (warm-up runs): {agree}\n")
    print("| metric | before median (range) | after median (range) | after/before |")
    print("| --- | --- | --- | --- |")
    for name, by_tree in samples.items():
        before, after = by_tree["before"], by_tree["after"]
        ratio = statistics.median(after) / statistics.median(before)
        print(f"| {name} (n={len(before)}) | {fmt(before)} | {fmt(after)} | {ratio:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

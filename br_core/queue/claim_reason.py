"""Why a claim found nothing: the sentence both doors (`br tasks claim`, the MCP `claim_task`)
give, from the queue's summary, and whether anything can still become ready."""

from __future__ import annotations

from dataclasses import dataclass

from br_core.queue.models import QueueSummary

# status -> how it reads in the sentence, in the order it is said
_WAITING = (
    ("pending", "waiting on dependencies"),
    ("claimed", "claimed by other sessions"),
    ("blocked", "blocked by a failed dependency"),
)
_OVER = (("done", "done"), ("failed", "failed"), ("dead", "dead (out of attempts)"))


@dataclass(frozen=True)
class NothingToClaim:
    reason: str  # one sentence, no advice: the doors add what to do in their own terms
    empty: bool  # the project's queue holds no task at all
    finished: bool  # nothing left that could become ready: every task is done, failed or dead
    waiting: int  # tasks that may become claimable later (pending, claimed, blocked)


def nothing_to_claim(summary: QueueSummary, stream: str | None = None) -> NothingToClaim:
    counts = summary.by_status
    if summary.total == 0:
        return NothingToClaim("the queue is empty", True, True, 0)
    parts = [f"{counts[s]} {text}" for s, text in _WAITING if counts.get(s)]
    ready = counts.get("ready", 0)
    if ready and stream:
        parts.insert(0, f"{ready} ready in other streams than {stream!r}")
    waiting = sum(counts.get(s, 0) for s, _ in _WAITING) + (ready if stream else 0)
    if waiting:
        return NothingToClaim(f"nothing is ready: {', '.join(parts)}", False, False, waiting)
    over = ", ".join(f"{counts[s]} {text}" for s, text in _OVER if counts.get(s))
    return NothingToClaim(f"the queue is finished: {over}", False, True, 0)

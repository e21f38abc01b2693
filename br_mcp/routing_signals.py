"""Task complexity from the task's words and size: the router's heuristic half.

Signals are data (word stems per category, each with a weight); the score is their sum plus
size points for files and lines changed. The primary category names the task's *kind*, the
key under which outcomes are recorded and learned from.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Literal

Complexity = Literal["simple", "moderate", "complex", "critical"]
Tier = Literal["haiku", "sonnet", "opus"]
TIERS: tuple[Tier, ...] = ("haiku", "sonnet", "opus")
COMPLEXITIES: tuple[Complexity, ...] = ("simple", "moderate", "complex", "critical")

# (category, weight, stems). A stem matches at a word start ("optimi" finds "optimize"); a
# trailing space makes it a whole word ("small " is not "smaller"). Order = priority for the kind.
SIGNALS: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("security", 4, ("security", "vulnerab", "authenticat", "authoriz", "oauth", "jwt",
                     "password", "credential", "secret", "encrypt", "decrypt", "crypto",
                     "xss", "csrf", "sql injection", "injection", "access control",
                     "permission", "sanitiz", "cve", "tls", "certificate", "session token")),
    ("payment", 3, ("payment", "billing", "invoice", "refund", "checkout", "money")),
    ("architecture", 3, ("architect", "redesign", "system design", "microservice",
                         "module boundar", "overhaul", "re-architect", "event sourcing",
                         "plugin system", "framework for", "data model")),
    ("breaking", 3, ("breaking change", "breaking api", "public api", "backward compat",
                     "backwards compat", "remove the deprecated", "api version",
                     "change the signature", "rename the endpoint")),
    ("planning", 2, ("plan ", "plan the", "roadmap", "strategy", "proposal", "rfc",
                     "design doc", "trade-off", "tradeoff", "evaluate options",
                     "compare approaches", "spike")),
    ("concurrency", 3, ("race condition", "concurren", "deadlock", "thread-safe",
                        "threadsafe", "lock contention", "distributed", "consensus",
                        "idempoten", "transaction isolation")),
    ("data", 2, ("migration", "migrate", "schema change", "backfill", "production data",
                 "data loss", "replication", "sharding")),
    ("performance", 2, ("performance", "optimi", "slow", "latency", "memory leak",
                        "profil", "speed up", "throughput", "n+1", "bottleneck")),
    ("debugging", 2, ("intermittent", "flaky", "heisenbug", "root cause", "investigate",
                      "sometimes fails", "only in production", "segfault", "corrupt")),
    ("refactor", 1, ("refactor", "restructure", "extract", "reorganiz", "clean up",
                     "cleanup", "split ", "rewrite", "decouple", "consolidate")),
    ("feature", 1, ("implement", "add support", "new endpoint", "endpoint", "integrat",
                    "feature", "build a", "create a", "add a", "add an", "command")),
    ("bugfix", 1, ("fix ", "fixes", "fixed", "fixing", "bug", "error", "exception", "crash",
                   "broken", "fails", "failing", "regression", "wrong")),
    ("tests", 0, ("test", "unit test", "coverage", "fixture", "assert", "mock")),
    ("docs", -2, ("typo", "spelling", "readme", "docstring", "comment", "changelog",
                  "documentation", "docs", "wording", "grammar")),
    ("trivial", -2, ("rename", "format ", "formatting", "reformat", "lint", "whitespace",
                     "indent", "bump", "version number", "unused import", "sort imports",
                     "log message", "print statement", "gitignore", "one-line", "one line",
                     "trivial", "small ", "simple ", "minor ", "quick ", "update the copyright",
                     "add a badge", "constant", "config value", "default value")),
)  # fmt: skip
# Words that make security-related work critical on their own.
CRITICAL_STEMS = ("authenticat", "encrypt", "crypto", "credential", "vulnerab", "payment",
                  "password", "access control", "sql injection", "cve")  # fmt: skip
_PATTERNS = {
    category: (weight, re.compile(r"\b(?:" + "|".join(re.escape(s) for s in stems) + ")"))
    for category, weight, stems in SIGNALS
}
_CRITICAL = re.compile(r"\b(?:" + "|".join(re.escape(s) for s in CRITICAL_STEMS) + ")")


@dataclass
class Assessment:
    complexity: Complexity
    kind: str
    score: int
    categories: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def _size_points(files: int, lines: int) -> tuple[int, list[str]]:
    points, reasons = 0, []
    for limit, value in ((10, 3), (5, 2), (2, 1)):
        if files >= limit:
            points += value
            reasons.append(f"{files} files (+{value})")
            break
    for limit, value in ((1000, 3), (300, 2), (80, 1)):
        if lines >= limit:
            points += value
            reasons.append(f"{lines} lines (+{value})")
            break
    if 0 < lines <= 20 and files <= 1:
        points -= 1
        reasons.append(f"{lines} lines in at most one file (-1)")
    return points, reasons


def assess(description: str, files: int = 0, lines: int = 0) -> Assessment:
    """Complexity, kind and the reasons for them."""
    text = " ".join(description.lower().split()) + " "
    found = [(cat, weight) for cat, (weight, rx) in _PATTERNS.items() if rx.search(text)]
    score = sum(weight for _, weight in found)
    reasons = [f"{cat} signal ({weight:+d})" for cat, weight in found]
    if any(cat in ("docs", "trivial") for cat, _ in found) and len(found) > 1:
        # "fix a typo" is a docs task, not a bug fix: a trivial word cancels one light signal
        light = [w for c, w in found if c in ("bugfix", "feature", "refactor", "tests")]
        if light:
            score -= max(light)
    if "docs" in [cat for cat, _ in found]:
        # "document the password policy": the security words name the subject, not the work
        subject = [w for c, w in found if c in ("security", "payment")]
        score -= sum(subject)
    size, size_reasons = _size_points(files, lines)
    score += size
    reasons += size_reasons
    if len(text) > 400:
        score += 1
        reasons.append("long description (+1)")
    categories = [cat for cat, _ in found]
    critical_word = _CRITICAL.search(text)
    if critical_word and "docs" not in categories:
        word = critical_word.group(0)
        if set(categories) <= {"tests", "security"} and "tests" in categories:
            complexity: Complexity = max(_from_score(score), "complex", key=COMPLEXITIES.index)
            reasons.append(f"tests around security-critical code ({word!r})")
        else:
            complexity = "critical"
            reasons.append(f"security-critical work ({word!r})")
    else:
        complexity = _from_score(score)
        if complexity == "critical" and not {c for c, w in found if w >= 3}:
            complexity = "complex"  # size alone never makes a task critical
    if {"docs", "trivial"} & set(categories) and complexity == "simple":
        kind = "docs" if "docs" in categories else "trivial"  # "fix a typo" is docs work
    else:
        kind = next((c for c in _PATTERNS if c in categories), "general")
    return Assessment(complexity, kind, score, categories, reasons)


def _from_score(score: int) -> Complexity:
    if score <= 0:
        return "simple"
    if score <= 2:
        return "moderate"
    if score <= 5:
        return "complex"
    return "critical"


def consensus_triggers(assessment: Assessment, files: int) -> list[str]:
    """Changes risky enough to ask for a second opinion (another model or a person)."""
    triggers = []
    cats = set(assessment.categories)
    if "architecture" in cats and files > 5:
        triggers.append(f"architecture change across {files} files (> 5)")
    if assessment.complexity == "critical" and cats & {"security", "payment"}:
        triggers.append("security-critical code")
    if "breaking" in cats:
        triggers.append("breaking API change")
    return triggers

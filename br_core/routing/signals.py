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
# Weights were re-tuned against hand-labelled sets (since removed: labels were judgement, and on
# real outcomes the score has ROC AUC 0.50, docs/MULTI_MODEL_ROUTING.md): words
# that only name a sensitive *subject* (a password field, a payment class) weigh less than words
# that name hard *work* (a vulnerability, a race, corruption without a repro).
SIGNALS: tuple[tuple[str, int, tuple[str, ...]], ...] = (
    ("security", 4, ("security", "vulnerab", "encrypt", "decrypt", "crypto", "credential",
                     "secret", "xss", "csrf", "sql injection", "injection", "sanitiz", "cve",
                     "tls", "certificate", "password hash", "privilege escalation", "harden")),
    ("auth", 3, ("authenticat", "authoriz", "oauth", "jwt", "password", "session token",
                 "permission", "access control")),
    ("payment", 2, ("payment", "billing", "invoice", "refund", "checkout", "money")),
    ("architecture", 3, ("architect", "redesign", "system design", "microservice",
                         "module boundar", "overhaul", "re-architect", "event sourcing",
                         "plugin system", "framework for", "data model")),
    ("breaking", 3, ("breaking change", "breaking api", "public api", "backward compat",
                     "backwards compat", "remove the deprecated", "api version",
                     "change the signature", "rename the endpoint")),
    ("planning", 2, ("plan ", "plan the", "roadmap", "strategy", "proposal", "rfc",
                     "design doc", "trade-off", "tradeoff", "evaluate options",
                     "compare approaches", "spike ")),
    # concurrency and distributed-systems correctness
    ("concurrency", 3, ("race condition", "concurren", "deadlock", "thread-safe",
                        "threadsafe", "lock contention", "distributed", "consensus",
                        "idempoten", "transaction isolation", "failover", "multi-region",
                        "sharding", "leader election", "exactly-once", "split brain",
                        "network partition", "zero downtime", "without downtime",
                        "lock-free", "memory ordering", "shared state", "out of order",
                        "read-your-writes", "eventual consistency", "consistency model")),
    ("data", 2, ("migration", "migrate", "schema change", "backfill", "production data",
                 "data loss", "replication")),
    ("performance", 2, ("performance", "optimi", "slow", "latency", "memory leak",
                        "profil", "speed up", "throughput", "n+1", "bottleneck", "hot path")),
    # debugging without a repro is where the strongest model earns its price
    ("debugging", 3, ("intermittent", "heisenbug", "corrupt", "only in production",
                      "no repro", "no clear repro", "without a repro", "can't reproduce",
                      "cannot reproduce", "unable to reproduce", "not reproducible",
                      "how to reproduce", "knows why", "no idea why", "don't know why")),
    ("flaky", 2, ("flaky", "sometimes fails", "investigate", "segfault", "root cause")),
    ("refactor", 1, ("refactor", "restructure", "extract", "reorganiz", "clean up",
                     "cleanup", "split ", "rewrite", "decouple", "consolidate")),
    ("feature", 1, ("implement", "add support", "new endpoint", "endpoint", "integrat",
                    "feature", "build a", "create a", "add a", "add an", "command")),
    ("bugfix", 1, ("fix ", "fixes", "fixed", "fixing", "bug", "error", "exception", "crash",
                   "broken", "fails", "failing", "regression", "wrong", "leak",
                   # symptoms as users report them ("users can't upload ...")
                   "can't ", "cannot ", "doesn't ", "does not ", "won't ", "not working")),
    ("tests", 0, ("test", "unit test", "coverage", "fixture", "assert", "mock")),
    ("docs", -2, ("typo", "spelling", "readme", "docstring", "comment", "changelog",
                  "documentation", "docs", "wording", "grammar")),
    ("trivial", -2, ("rename", "renaming", "format ", "formatting", "reformat", "lint",
                     "whitespace", "indent", "bump", "version number", "unused import",
                     "sort imports", "log message", "print statement", "gitignore", "one-line",
                     "update the copyright", "add a badge", "constant ", "constants",
                     "magic number", "config value", "default value", "dead code", "type hint",
                     "f-string", "missing newline", "trailing newline", "trailing comma",
                     "no logic change", "no functional change", "no behavior change",
                     "no behaviour change")),
    # how the user sizes the task, not what the work is: a light discount, never proof of
    # mechanical work ("implement a simple rollout check" is still a feature)
    ("modest", -1, ("trivial", "small ", "simple ", "minor ", "quick ")),
)  # fmt: skip
# Categories that can make a task critical (opus) at any size: hard work, not a subject.
STRONG = frozenset({"security", "architecture", "breaking", "concurrency", "debugging"})
# Sensitive subjects: critical only when the change is also large.
SENSITIVE = frozenset({"auth", "payment"})
SENSITIVE_FILES, SENSITIVE_LINES = 8, 500
# Any high-scoring change this large is cross-cutting (mechanical work has its size capped).
HUGE_FILES, HUGE_LINES = 30, 3000
# Without a mechanical word, only an edit this small (in one file) is cheap enough for Haiku.
TINY_LINES = 6
# Words that make security work critical on their own: the work itself is security-critical.
CRITICAL_STEMS = ("encrypt", "crypto", "credential", "vulnerab", "sql injection", "cve",
                  "password hash")  # fmt: skip
MECHANICAL = frozenset({"docs", "trivial"})


def _alternation(stems: tuple[str, ...]) -> re.Pattern[str]:
    # hyphens match spaces: "zero-downtime" is "zero downtime", "lock free" is "lock-free"
    return re.compile(r"\b(?:" + "|".join(re.escape(_dehyphen(s)) for s in stems) + ")")


def _dehyphen(text: str) -> str:
    return text.replace("-", " ")


_PATTERNS = {category: (weight, _alternation(stems)) for category, weight, stems in SIGNALS}
_CRITICAL = _alternation(CRITICAL_STEMS)


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
    if _small_edit(files, lines):
        points -= 1
        reasons.append(f"{lines} lines in {files or 'at most one'} file(s) (-1)")
    return points, reasons


def _small_edit(files: int, lines: int) -> bool:
    return (0 < lines <= 20 and files <= 1) or (0 < lines <= 10 and files <= 2)


def _word_score(found: list[tuple[str, int]]) -> int:
    score = sum(weight for _, weight in found)
    cats = {cat for cat, _ in found}
    if cats & MECHANICAL and len(found) > 1:
        # "fix a typo" is a docs task, not a bug fix: a trivial word cancels one light signal
        light = [w for c, w in found if c in ("bugfix", "feature", "refactor", "tests")]
        if light:
            score -= max(light)
    if "docs" in cats:
        # "document the password policy": the security words name the subject, not the work
        score -= sum(w for c, w in found if c in ("security", "auth", "payment"))
    return score


def _escalates(categories: list[str], files: int, lines: int) -> bool:
    """Whether a high score may become critical: hard work, a very large change, or a
    sensitive subject at scale or with a bug in it (a bug in token checks is a security bug)."""
    cats = set(categories)
    if cats & STRONG:
        return True
    if files >= HUGE_FILES or lines >= HUGE_LINES:
        return True  # cross-cutting change over very many files
    at_scale = files >= SENSITIVE_FILES or lines >= SENSITIVE_LINES
    return bool(cats & SENSITIVE) and (at_scale or "bugfix" in cats)


def assess(description: str, files: int = 0, lines: int = 0) -> Assessment:
    """Complexity, kind and the reasons for them."""
    text = " ".join(_dehyphen(description.lower()).split()) + " "
    found = [(cat, weight) for cat, (weight, rx) in _PATTERNS.items() if rx.search(text)]
    categories = [cat for cat, _ in found]
    score = _word_score(found)
    reasons = [f"{cat} signal ({weight:+d})" for cat, weight in found]
    size, size_reasons = _size_points(files, lines)
    if (
        set(categories) & MECHANICAL
        and set(categories) <= MECHANICAL | {"tests", "modest"}
        and size > 1
    ):
        # formatting 14 files is still formatting: size counts little for purely mechanical work
        size_reasons.append(f"mechanical work: size capped at +1 (was {size:+d})")
        size = 1
    score += size
    reasons += size_reasons
    if len(text) > 400:
        score += 1
        reasons.append("long description (+1)")
    complexity = _complexity(text, score, categories, files, lines, reasons)
    if set(categories) & MECHANICAL and complexity == "simple":
        kind = "docs" if "docs" in categories else "trivial"  # "fix a typo" is docs work
    else:
        # a hedge ("quick", "simple") describes the size, not the kind of work
        kind = next((c for c in _PATTERNS if c in categories and c != "modest"), "general")
    return Assessment(complexity, kind, score, categories, reasons)


def _complexity(text: str, score: int, categories: list[str], files: int, lines: int,
                reasons: list[str]) -> Complexity:  # fmt: skip
    critical_word = _CRITICAL.search(text)
    if critical_word and "docs" not in categories:
        word = critical_word.group(0)
        if set(categories) <= {"tests", "security"} and "tests" in categories:
            reasons.append(f"tests around security-critical code ({word!r})")
            return max(_from_score(score), "complex", key=COMPLEXITIES.index)
        reasons.append(f"security-critical work ({word!r})")
        return "critical"
    complexity = _from_score(score)
    if complexity == "critical" and not _escalates(categories, files, lines):
        reasons.append("no hard-work signal (and no sensitive subject at scale): complex")
        return "complex"  # size or a sensitive subject alone never makes a task critical
    if complexity == "simple" and not set(categories) & MECHANICAL:
        # cheap only with evidence: a mechanical word, or a tiny edit that is not a bug hunt (a
        # 5-line fix can take long reasoning to find; on held-out sets, 10-20 line edits with
        # no signal were often bugs described by their symptom)
        if "bugfix" in categories:
            reasons.append("a bug fix without a mechanical signal: moderate")
            return "moderate"
        if not 0 < lines <= TINY_LINES or files > 1:
            reasons.append(
                f"no mechanical signal and not a tiny edit (<= {TINY_LINES} lines): moderate"
            )
            return "moderate"
    return complexity


def _from_score(score: int) -> Complexity:
    if score <= 0:
        return "simple"
    if score <= 2:
        return "moderate"
    if score <= 5:
        return "complex"
    return "critical"


def deep_reasoning(assessment: Assessment) -> str | None:
    """Why a complex (not critical) task still needs the critical tier, or None: the kinds of
    work where a stronger model pays for itself even when the change itself is small."""
    if assessment.complexity != "complex":
        return None
    cats = set(assessment.categories)
    if cats & {"planning", "architecture"}:
        return "complex planning/architecture work"
    if "debugging" in cats:
        return "complex debugging without a clear repro"
    if "concurrency" in cats and "bugfix" in cats:
        return "complex concurrency bug"
    return None


def consensus_triggers(assessment: Assessment, files: int) -> list[str]:
    """Changes risky enough to ask for a second opinion (another model or a person)."""
    triggers = []
    cats = set(assessment.categories)
    if "architecture" in cats and files > 5:
        triggers.append(f"architecture change across {files} files (> 5)")
    if assessment.complexity == "critical" and cats & ({"security"} | SENSITIVE):
        triggers.append("security-critical code")
    if "breaking" in cats:
        triggers.append("breaking API change")
    return triggers

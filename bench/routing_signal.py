"""Is there signal in the issue text for routing? Cross-validated, against shuffled labels.

Issue 15's second target (beat random routing with the router's own tier mix at every objective
setting) needs a feature that says *which* task needs Opus, not only how many. This measures,
on ../shared/routing/dev.jsonl, whether any feature set predicts:

- `haiku fails`: Haiku does not resolve the task;
- `opus rescues`: Opus resolves it where Haiku fails (the uplift label: the only tasks where
  paying for Opus helps; the rest includes tasks neither resolves, where Opus is money lost);
- `haiku cost > median`: Haiku's cost on the task above its median (a per-task cost model).

Features: TF-IDF words and character n-grams; hand-made counts (length, code blocks, tracebacks,
identifiers, files, functions, a reproduction snippet, expected-vs-actual sections, links);
the project one-hot; combinations. Each feature set is a logistic regression (scikit-learn)
fitted inside each fold (the vectoriser too: no fold sees another's vocabulary), scored by
ROC AUC over the pooled out-of-fold predictions of one repeated stratified K-fold. Noise: the
same pipeline on shuffled labels, whose AUC range is what luck alone gives. A feature set
carries signal when its mean AUC is at least 0.05 above the top of the noise range.

No embeddings: no sentence-embedding model is available offline here (no network to a model hub).

Run: bench/.venv/bin/python bench/routing_signal.py [--repeats 5] [--shuffles 10]
Needs scikit-learn in bench/.venv (bench/requirements.txt); nothing in br_* imports it.
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _devset import load_dev

HERE = Path(__file__).resolve().parent
# bench/'s script names (coverage.py, say) would shadow modules of the same name.
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != HERE]

import numpy as np  # noqa: E402
from sklearn.base import BaseEstimator, TransformerMixin  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.linear_model import LogisticRegression  # noqa: E402
from sklearn.metrics import roc_auc_score  # noqa: E402
from sklearn.model_selection import StratifiedKFold  # noqa: E402
from sklearn.pipeline import FeatureUnion, Pipeline  # noqa: E402
from sklearn.preprocessing import OneHotEncoder, StandardScaler  # noqa: E402

FOLDS = 5
MARGIN = 0.05  # above the noise range's top, the bar for "clearly"

_FILE = re.compile(r"\b[\w./-]+\.(?:py|pyx|c|h|js|cfg|toml|txt|rst|json|yaml|yml)\b")
_IDENT = re.compile(r"`([A-Za-z_][\w.]*)`|\b([a-z_]+_[a-z_]+|[A-Z][a-z]+[A-Z]\w*)\b")
_FUNC = re.compile(r"\b([A-Za-z_][\w.]*)\(")
_LINK = re.compile(r"https?://")
_REPRO = re.compile(r"^\s*(?:>>>|In \[\d+\]:|import |from \w+ import|\$ )", re.M)
_EXPECTED = re.compile(r"\b(?:expected (?:behaviou?r|result|output)|actual (?:behaviou?r|result|"
                       r"output)|should (?:be|return|raise)|instead of)\b", re.I)  # fmt: skip


def counts(text: str) -> list[float]:
    """The hand-made features, log-scaled where they are counts (a 10,000-character issue is not
    ten times a 1,000-character one in difficulty)."""
    return [
        np.log1p(len(text)),
        np.log1p(text.count("\n")),
        float(text.count("```") // 2),
        float("Traceback (most recent call last)" in text),
        np.log1p(len(set(_FILE.findall(text)))),
        np.log1p(len(set(_IDENT.findall(text)))),
        np.log1p(len(set(_FUNC.findall(text)))),
        float(bool(_REPRO.search(text))),
        float(bool(_EXPECTED.search(text))),
        np.log1p(len(_LINK.findall(text))),
    ]


class Column(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """Picks one field of each row (a dict) for the next step of a pipeline."""

    def __init__(self, field: str) -> None:
        self.field = field

    def fit(self, rows: list[dict[str, Any]], y: object = None) -> Column:
        return self

    def transform(self, rows: list[dict[str, Any]]) -> Any:
        if self.field == "counts":
            return np.array([counts(r["task"]) for r in rows])
        if self.field == "project":
            return np.array([[r["project"]] for r in rows])
        return [r[self.field] for r in rows]


def _words() -> Pipeline:
    return Pipeline(
        [
            ("col", Column("task")),
            (
                "tfidf",
                TfidfVectorizer(
                    min_df=2, max_df=0.9, sublinear_tf=True, ngram_range=(1, 2), max_features=20_000
                ),
            ),
        ]
    )


def _chars() -> Pipeline:
    return Pipeline([("col", Column("task")), ("tfidf", TfidfVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), min_df=2, sublinear_tf=True,
        max_features=30_000))])  # fmt: skip


def _counts() -> Pipeline:
    return Pipeline([("col", Column("counts")), ("scale", StandardScaler())])


def _project() -> Pipeline:
    return Pipeline([("col", Column("project")), ("onehot", OneHotEncoder(
        handle_unknown="ignore"))])  # fmt: skip


FEATURE_SETS: dict[str, Callable[[], list[tuple[str, Any]]]] = {
    "words (tf-idf 1-2)": lambda: [("w", _words())],
    "chars (tf-idf 3-5)": lambda: [("c", _chars())],
    "counts": lambda: [("n", _counts())],
    "project": lambda: [("p", _project())],
    "counts+project": lambda: [("n", _counts()), ("p", _project())],
    "words+counts+project": lambda: [("w", _words()), ("n", _counts()), ("p", _project())],
}


def model(feature_set: str) -> Pipeline:
    # balanced classes: the uplift label is rare (about one task in eight)
    return Pipeline([("features", FeatureUnion(FEATURE_SETS[feature_set]())),
                     ("lr", LogisticRegression(C=1.0, class_weight="balanced",
                                               max_iter=2000))])  # fmt: skip


def oof_auc(rows: list[dict[str, Any]], y: np.ndarray, feature_set: str, seed: int) -> float:
    """ROC AUC of the pooled out-of-fold scores of one stratified K-fold."""
    scores = np.zeros(len(rows))
    for train, test in StratifiedKFold(FOLDS, shuffle=True, random_state=seed).split(rows, y):
        fitted = model(feature_set).fit([rows[i] for i in train], y[train])
        scores[test] = fitted.decision_function([rows[i] for i in test])
    return float(roc_auc_score(y, scores))


def labels(rows: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    haiku = [r["outcomes"]["haiku"] for r in rows]
    opus = [r["outcomes"]["opus"] for r in rows]
    median_cost = statistics.median(h["cost_usd"] for h in haiku)
    return {
        "haiku fails": np.array([not h["resolved"] for h in haiku]),
        "opus rescues": np.array(
            [o["resolved"] and not h["resolved"] for h, o in zip(haiku, opus, strict=True)]
        ),
        "haiku cost > median": np.array([h["cost_usd"] > median_cost for h in haiku]),
    }


def _cell(values: list[float]) -> str:
    return f"{statistics.fmean(values):.3f} [{min(values):.2f}..{max(values):.2f}]"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeats", type=int, default=5, help="repeats of the K-fold")
    parser.add_argument("--shuffles", type=int, default=10, help="shuffled-label runs (noise)")
    args = parser.parse_args(argv)
    rows = load_dev()
    targets = labels(rows)
    print(f"{len(rows)} tasks; positives: " + ", ".join(
        f"{name} {int(y.sum())}" for name, y in targets.items()))  # fmt: skip
    print(
        f"ROC AUC of out-of-fold scores, {FOLDS}-fold stratified: mean [min..max] over "
        f"{args.repeats} repeats | noise: the same on {args.shuffles} label shuffles\n"
    )
    rng = np.random.default_rng(0)
    verdicts = []
    for name, y in targets.items():
        print(f"## {name}")
        for feature_set in FEATURE_SETS:
            start = time.process_time()
            real = [oof_auc(rows, y, feature_set, seed) for seed in range(args.repeats)]
            noise = [oof_auc(rows, rng.permutation(y), feature_set, 1000 + s)
                     for s in range(args.shuffles)]  # fmt: skip
            signal = statistics.fmean(real) >= max(noise) + MARGIN
            verdicts.append(signal)
            print(
                f"{feature_set:<28} {_cell(real):>26}  noise {_cell(noise):>26}  "
                f"{'SIGNAL' if signal else 'no signal':<9} "
                f"({time.process_time() - start:.0f} s cpu)"
            )
        print()
    print(
        f"feature sets x labels with signal (mean >= noise max + {MARGIN}): "
        f"{sum(verdicts)} of {len(verdicts)}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

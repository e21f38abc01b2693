"""Hypothesis profiles for the fuzz folder, and an overall time bound per property.

`quick` (the default) runs in `make test`: few examples, derandomized, no example database, so
the suite stays fast and every run sees the same inputs. `deep` (`make fuzz`, or
HYPOTHESIS_PROFILE=deep) runs thousands of examples per property, random, and keeps what it
finds in .hypothesis/ (git-ignored) so a failure replays first next time.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from types import FrameType

import pytest
from hypothesis import HealthCheck, settings
from hypothesis.database import DirectoryBasedExampleDatabase

REPO_ROOT = Path(__file__).resolve().parents[2]
_SLOW_OK = [HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large]

settings.register_profile(
    "quick",
    max_examples=40,
    deadline=timedelta(seconds=5),  # generous: two cores shared with other suites
    derandomize=True,
    database=None,
    suppress_health_check=_SLOW_OK,
    print_blob=True,
)
settings.register_profile(
    "deep",
    max_examples=int(os.environ.get("BR_FUZZ_EXAMPLES", "2000")),
    deadline=timedelta(seconds=5),
    database=DirectoryBasedExampleDatabase(str(REPO_ROOT / ".hypothesis" / "examples")),
    suppress_health_check=_SLOW_OK,
    print_blob=True,
)
PROFILE = os.environ.get("HYPOTHESIS_PROFILE", "quick")
settings.load_profile(PROFILE)

# Beyond Hypothesis' per-example deadline: a whole property that runs away fails, not hangs.
PROPERTY_BOUND_S = {"quick": 120, "deep": 1800}.get(PROFILE, 600)


class PropertyTimeout(Exception):
    """The property ran longer than its overall bound."""


@pytest.fixture(autouse=True)
def property_time_bound() -> Iterator[None]:
    def expired(_signum: int, _frame: FrameType | None) -> None:
        raise PropertyTimeout(f"property ran over {PROPERTY_BOUND_S} s")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(PROPERTY_BOUND_S)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)

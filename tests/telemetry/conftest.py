"""Every telemetry test runs on both stores (tests/conftest.py `store_backend`)."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _both_backends(store_backend: str) -> str:
    return store_backend

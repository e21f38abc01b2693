"""Every cost test runs on both stores (tests/conftest.py `store_backend`, `both_backends`)."""

from __future__ import annotations

import pytest

from tests.conftest import both_backends

pytest_generate_tests = both_backends


@pytest.fixture(autouse=True)
def _both_backends(store_backend: str) -> str:
    return store_backend

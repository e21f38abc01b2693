"""The labelled sets bench/ shares with the tests, read from tests/data/.

tests/data/ holds data and the stdlib-only, seeded builders that make it (fake secrets are built at
run time, never committed). bench/ loads those builders by path, as data: it imports no test code.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"


def load(name: str) -> ModuleType:
    """tests/data/NAME.py as a module of its own (`labelled_NAME`), loaded once."""
    key = f"labelled_{name}"
    if key in sys.modules:
        return sys.modules[key]
    spec = importlib.util.spec_from_file_location(key, DATA / f"{name}.py")
    assert spec is not None and spec.loader is not None, f"{DATA / name}.py is missing"
    module = importlib.util.module_from_spec(spec)
    sys.modules[key] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module

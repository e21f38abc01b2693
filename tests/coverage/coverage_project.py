"""A real Python project for the coverage-gate tests: committed v1, edited v2 in the work tree,
and coverage reports produced by real pytest + pytest-cov over v2 (`.coverage`, `coverage.xml`).

Lines the tests of v2 do not run carry the marker `# not run`, so expectations are read from the
sources rather than written down as numbers.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import GIT_ENV, git

V1 = {
    "pkg/__init__.py": "",
    "pkg/calc.py": "def add(a, b):\n    return a + b\n\n\ndef sub(a, b):\n    return a - b\n",
    "pkg/text.py": "def shout(s):\n    return s.upper()\n",
    "tests/test_calc.py": (
        "from pkg.calc import add, sub\nfrom pkg.text import shout\n\n\n"
        "def test_add():\n    assert add(1, 2) == 3\n    assert sub(3, 1) == 2\n"
        "    assert shout('a') == 'A'\n"
    ),
    "README.md": "# demo\n",
    "pyproject.toml": (
        "[tool.coverage.run]\nbranch = true\nsource = ['pkg']\n\n"
        "[tool.coverage.report]\nfail_under = 20\n"
    ),
    ".gitignore": ".coverage\ncoverage.xml\n",
}
V2 = {
    "pkg/calc.py": V1["pkg/calc.py"]
    + (
        "\n\n# division, tested for the normal case only\n"
        "def div(a, b):\n"
        "    if b == 0:\n"
        '        raise ZeroDivisionError("b is zero")  # not run\n'
        "    return a / b\n"
        "\n\n"
        "def mod(a, b):\n"
        "    return a % b  # not run\n"
    ),
    "pkg/text.py": V1["pkg/text.py"] + "\n\ndef whisper(s):\n    return s.lower()\n",
    "pkg/extra.py": (
        '"""Never imported by the tests."""\n\n'
        "LIMIT = 3  # not run\n\n\n"
        "def clamp(x):  # not run\n"
        "    return min(x, LIMIT)  # not run\n"
    ),
    "tests/test_calc.py": V1["tests/test_calc.py"]
    + (
        "\n\ndef test_new():\n"
        "    from pkg.calc import div\n    from pkg.text import whisper\n\n"
        "    assert div(6, 3) == 2\n    assert whisper('A') == 'a'\n"
    ),
    "README.md": "# demo\n\nNow with division.\n",
}


def clean_env() -> dict[str, str]:
    """The environment minus anything an outer coverage run would leak into a child."""
    prefixes = ("COVERAGE_", "COV_CORE_", "PYTEST_")
    env = {k: v for k, v in os.environ.items() if not k.startswith(prefixes)}
    return {**env, **GIT_ENV}


def write_files(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def pytest_cov_command() -> list[str]:
    return [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--cov",
        "--cov-report=xml",
        "tests",
    ]


def run_pytest_cov(root: Path) -> None:
    proc = subprocess.run(
        pytest_cov_command(),
        cwd=root,
        env=clean_env(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (root / ".coverage").is_file() and (root / "coverage.xml").is_file()


def build_project(root: Path) -> Path:
    """v1 committed on main, v2 written (unstaged), reports generated from v2."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    write_files(root, V1)
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "v1")
    write_files(root, V2)
    run_pytest_cov(root)
    return root


def marked_lines(root: Path, rel: str, marker: str = "# not run") -> list[int]:
    text = (root / rel).read_text(encoding="utf-8").splitlines()
    return [n for n, line in enumerate(text, start=1) if marker in line]


def trust_config(root: Path) -> None:
    """Trust the config just written, as `br config trust` would (its run mode needs it)."""
    from br_core import trust
    from br_core.config import read_config

    loaded = read_config(root)
    assert loaded.digest is not None
    trust.grant(loaded.path, loaded.digest)

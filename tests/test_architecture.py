"""The design holds: imports point down only, hooks stay light, the manifest matches the package."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

LAYERS = ["br_core", "br_hooks", "br_mcp", "br_cli"]  # lowest first
HEAVY = ("pydantic", "mcp", "anthropic", "typer", "rich")


def _imported_packages(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("layer", LAYERS)
def test_imports_point_down_only(layer: str) -> None:
    allowed = set(LAYERS[: LAYERS.index(layer) + 1])
    forbidden = set(LAYERS) - allowed
    offenders = []
    for path in sorted((REPO_ROOT / layer).rglob("*.py")):
        bad = _imported_packages(path) & forbidden
        if bad:
            offenders.append(f"{path.relative_to(REPO_ROOT)} imports {sorted(bad)}")
    assert offenders == []


def test_only_br_mcp_imports_the_mcp_sdk() -> None:
    offenders = [
        str(p.relative_to(REPO_ROOT))
        for layer in LAYERS
        if layer != "br_mcp"
        for p in sorted((REPO_ROOT / layer).rglob("*.py"))
        if "mcp" in _imported_packages(p)
    ]
    assert offenders == []


def _manifest() -> list[dict[str, object]]:
    import yaml  # pre-commit depends on PyYAML

    data = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert isinstance(data, list)
    return data


def _scripts() -> dict[str, str]:
    pyproject = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    scripts: dict[str, str] = pyproject["project"]["scripts"]
    return scripts


def test_manifest_is_valid_for_pre_commit() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "pre_commit", "validate-manifest", ".pre-commit-hooks.yaml"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_every_hook_is_a_script_and_documented() -> None:
    scripts = _scripts()
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    for hook in _manifest():
        entry = str(hook["entry"]).split()[0]
        assert entry in scripts, f"{hook['id']}: entry {entry} is not in [project.scripts]"
        assert f"`{hook['id']}`" in readme, f"{hook['id']} is not documented in README.md"


@pytest.mark.parametrize(
    "module",
    ["br_hooks.secrets", "br_hooks.sql_injection", "br_hooks.coverage_gate", "br_hooks.telemetry"],
)
def test_hook_entry_points_stay_light(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})\n"
        "print(','.join(heavy))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""

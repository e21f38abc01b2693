"""The house holds (../shared/ARCHITECTURE.md): one engine, three doors, imports one way.

- `br_core/` is the engine; `br_hooks/`, `br_mcp/` and `br_cli/` are doors into it.
- Inside the engine a domain uses the shared rooms (store/, scan/, git.py, config.py, errors.py,
  secrets.masking) and other domains only through public names; domains form no cycle.
- The engine never parses arguments or prints; only br_mcp/ speaks MCP; hooks stay light.
- bench/ imports no test code; tests/data/ holds data and stdlib-only builders of it.
"""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

ENGINE = "br_core"
DOORS = {
    # door: the packages of ours it may import. br_cli is the composition root: `br mcp serve`
    # starts the MCP server, so it alone may import another door.
    "br_hooks": {"br_core", "br_hooks"},
    "br_mcp": {"br_core", "br_mcp"},
    "br_cli": {"br_core", "br_mcp", "br_cli"},
}
OURS = (ENGINE, *DOORS)
# Modules every domain may use: the store, the scanners' shared parts, project identity,
# configuration, errors and masking.
SHARED = ("br_core.store", "br_core.scan", "br_core.git", "br_core.config", "br_core.errors")
SHARED_MODULES = ("br_core.secrets.masking",)
HEAVY = ("pydantic", "mcp", "anthropic", "typer", "rich")
DOOR_ONLY = ("argparse", "typer", "click", "mcp", "rich")  # the engine parses no arguments
HOOKS = [
    "br_hooks.secrets",
    "br_hooks.sql_injection",
    "br_hooks.coverage_gate",
    "br_hooks.telemetry",
]


@dataclass(frozen=True)
class Import:
    path: Path  # the importing file
    module: str  # the dotted module imported (`from a import b` gives "a.b" when a.b is ours)
    names: tuple[str, ...]  # names taken from it (`from m import x, y`)
    line: int

    def where(self) -> str:
        return f"{self.path.relative_to(REPO_ROOT)}:{self.line}"


def _module_name(path: Path) -> str:
    parts = path.relative_to(REPO_ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_module(dotted: str) -> bool:
    base = REPO_ROOT.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def _imports(path: Path) -> Iterator[Import]:
    """Every import in `path`, lazy and TYPE_CHECKING ones included: a cycle through a
    function-local import is still a cycle in the design."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(path, alias.name, (), node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            plain = [a.name for a in node.names if not _is_module(f"{node.module}.{a.name}")]
            for alias in node.names:
                if _is_module(f"{node.module}.{alias.name}"):
                    yield Import(path, f"{node.module}.{alias.name}", (), node.lineno)
            if plain or not node.names:
                yield Import(path, node.module, tuple(plain), node.lineno)


def _files(package: str) -> list[Path]:
    return sorted((REPO_ROOT / package).rglob("*.py"))


def _ours(module: str) -> bool:
    return module.split(".")[0] in OURS


def _domain(module: str) -> str | None:
    """`br_core.cost.report` -> "cost"; None for a top-level engine module or a door."""
    parts = module.split(".")
    if parts[0] != ENGINE or len(parts) < 3:
        return None
    return parts[1]


def _is_shared(module: str) -> bool:
    return module in SHARED_MODULES or any(
        module == s or module.startswith(s + ".") for s in SHARED
    )


@pytest.mark.parametrize("package", [ENGINE, *DOORS])
def test_imports_go_from_doors_to_the_engine(package: str) -> None:
    allowed = {ENGINE} if package == ENGINE else DOORS[package]
    offenders = [
        f"{imp.where()} imports {imp.module}"
        for path in _files(package)
        for imp in _imports(path)
        if _ours(imp.module) and imp.module.split(".")[0] not in allowed
    ]
    assert offenders == []


def _is_call_to(node: ast.AST, name: str) -> bool:
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == name


def _is_sys_stream(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr in ("stdout", "stderr")
        and isinstance(node.value, ast.Name)
        and node.value.id == "sys"
    )


def test_the_engine_parses_no_arguments_and_prints_nothing() -> None:
    offenders = []
    for path in _files(ENGINE):
        where = path.relative_to(REPO_ROOT)
        offenders += [
            f"{where}:{imp.line} imports {imp.module}"
            for imp in _imports(path)
            if imp.module.split(".")[0] in DOOR_ONLY
        ]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if _is_call_to(node, "print"):
                offenders.append(f"{where}:{node.lineno} calls print()")
            if _is_sys_stream(node):
                offenders.append(f"{where}:{node.lineno} uses sys.stdout or sys.stderr")
    assert offenders == []


def test_shared_rooms_import_no_domain() -> None:
    """store/, scan/, git.py, config.py and errors.py sit under every domain; masking may use
    the secret rules of its own domain."""
    offenders = [
        f"{imp.where()} imports {imp.module}"
        for path in _files(ENGINE)
        if _is_shared(name := _module_name(path))
        for imp in _imports(path)
        if _domain(imp.module) not in (None, _domain(name) if name in SHARED_MODULES else None)
        and not _is_shared(imp.module)
    ]
    assert offenders == []


def test_domains_use_each_other_only_through_public_names() -> None:
    offenders = []
    for path in _files(ENGINE):
        here = _domain(_module_name(path))
        for imp in _imports(path):
            there = _domain(imp.module)
            if there is None or there == here or _is_shared(imp.module):
                continue
            private = [n for n in imp.names if n.startswith("_")]
            if private or any(p.startswith("_") for p in imp.module.split(".")):
                offenders.append(f"{imp.where()} takes {private or imp.module} from {there}/")
    assert offenders == []


def _graph(key: object) -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {}
    for package in OURS:
        for path in _files(package):
            here = key(_module_name(path))  # type: ignore[operator]
            if here is None:
                continue
            deps = graph.setdefault(here, set())
            for imp in _imports(path):
                there = key(imp.module) if _ours(imp.module) else None  # type: ignore[operator]
                if there is not None and there != here:
                    deps.add(there)
    return graph


@pytest.mark.parametrize(
    "level",
    [
        pytest.param(lambda m: m, id="modules"),
        pytest.param(lambda m: _domain(m) if not _is_shared(m) else None, id="domains"),
    ],
)
def test_no_import_cycles(level: object) -> None:
    try:
        order = list(TopologicalSorter(_graph(level)).static_order())
    except CycleError as exc:
        pytest.fail(f"import cycle: {' -> '.join(exc.args[1])}")
    assert order  # the graph is not empty: the walk above found our modules


def test_only_br_mcp_imports_the_mcp_sdk() -> None:
    offenders = [
        imp.where()
        for package in OURS
        if package != "br_mcp"
        for path in _files(package)
        for imp in _imports(path)
        if imp.module.split(".")[0] == "mcp"
    ]
    assert offenders == []


def test_bench_imports_no_test_code() -> None:
    offenders = [
        imp.where()
        for path in sorted((REPO_ROOT / "bench").glob("*.py"))
        for imp in _imports(path)
        if imp.module.split(".")[0] in ("tests", "conftest")
    ]
    assert offenders == []


def test_test_data_is_self_contained() -> None:
    """tests/data/ is read by bench/ as data: its builders import the standard library only."""
    stdlib = sys.stdlib_module_names | {"__future__"}
    offenders = [
        f"{imp.where()} imports {imp.module}"
        for path in sorted((REPO_ROOT / "tests" / "data").glob("*.py"))
        for imp in _imports(path)
        if imp.module.split(".")[0] not in stdlib
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


def test_hook_scripts_point_into_br_hooks() -> None:
    """Every hook's console script is a door in br_hooks/, one module per hook."""
    scripts = _scripts()
    targets = {scripts[str(hook["entry"]).split()[0]].partition(":")[0] for hook in _manifest()}
    assert targets == set(HOOKS)


def test_br_hooks_holds_only_the_hooks_and_their_skeleton() -> None:
    modules = {_module_name(p) for p in _files("br_hooks")}
    assert modules == {"br_hooks", "br_hooks.hook_cli", *HOOKS}


@pytest.mark.parametrize("module", HOOKS)
def test_hook_entry_points_stay_light(module: str) -> None:
    code = (
        f"import sys, {module}\n"
        f"heavy = sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})\n"
        "print(','.join(heavy))"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == ""

"""Agreement with diff-cover on the same reports and diffs: same uncovered lines, same percents.

diff-cover compares a branch with `--compare-branch`, so each diff is committed on its own branch
and both tools judge `main...HEAD` with a clean work tree.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from br_hooks import coverage_gate
from tests.conftest import GIT_ENV, git
from tests.coverage.coverage_project import V1, V2, build_project, clean_env, write_files

DIFF_COVER = Path(sys.executable).parent / "diff-cover"


def _all_of_v2(root: Path) -> None:
    write_files(root, V2)


def _calc_only(root: Path) -> None:
    write_files(root, {"pkg/calc.py": V2["pkg/calc.py"]})


def _new_module_and_docs(root: Path) -> None:
    write_files(root, {"pkg/extra.py": V2["pkg/extra.py"], "README.md": V2["README.md"]})


def _rename_and_edit(root: Path) -> None:
    git(root, "mv", "pkg/text.py", "pkg/words.py")
    write_files(root, {"pkg/words.py": V2["pkg/text.py"]})
    write_files(root, {"pkg/calc.py": V2["pkg/calc.py"].replace("a + b", "b + a")})


def _edit_lines_in_place(root: Path) -> None:
    text = V1["pkg/calc.py"].replace("a + b", "b + a").replace("a - b", "-(b - a)")
    write_files(root, {"pkg/calc.py": text})


def _delete_and_append(root: Path) -> None:
    text = V2["pkg/calc.py"].replace("def sub(a, b):\n    return a - b\n\n\n", "")
    write_files(root, {"pkg/calc.py": text, "pkg/text.py": V2["pkg/text.py"]})


SCENARIOS: dict[str, Callable[[Path], None]] = {
    "all_of_v2": _all_of_v2,
    "calc_only": _calc_only,
    "new_module_and_docs": _new_module_and_docs,
    "rename_and_edit": _rename_and_edit,
    "edit_lines_in_place": _edit_lines_in_place,
    "delete_and_append": _delete_and_append,
}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = build_project(tmp_path_factory.mktemp("agree") / "project")
    # reports stay (ignored); the work tree goes back to v1 so each branch starts clean
    git(root, "checkout", "-q", "--", ".")
    (root / "pkg/extra.py").unlink()
    return root


def _diff_cover(root: Path, out: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [str(DIFF_COVER), "coverage.xml", "--compare-branch=main", "--total-percent-float",
         f"--format=json:{out}"],
        cwd=root, env=clean_env(), capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return result


def _ours(root: Path, report: str, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    write_files(root, {".buildrunner/config.toml": f'[coverage]\nreports = ["{report}"]\n'})
    try:
        code = coverage_gate.main(["--base", "main", "--json"])
    finally:
        (root / ".buildrunner/config.toml").unlink()
    out = capsys.readouterr().out
    assert code in (0, 1), out
    diff: dict[str, Any] = json.loads(out)["diff"]
    return diff


@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_agrees_with_diff_cover(
    project: Path,
    scenario: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for key, value in GIT_ENV.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(project)
    git(project, "checkout", "-q", "-b", scenario, "main")
    try:
        SCENARIOS[scenario](project)
        git(project, "add", "-A")
        git(project, "commit", "-q", "-m", scenario)
        theirs = _diff_cover(project, tmp_path / "diff-cover.json")
        ours = _ours(project, "coverage.xml", capsys)
        if scenario == "all_of_v2":
            # the work tree is exactly what was measured, so coverage.py's data file agrees too
            assert _ours(project, ".coverage", capsys) == ours
    finally:
        git(project, "checkout", "-q", "main")
    assert os.path.isfile(project / "coverage.xml")
    mine = {f["path"]: f for f in ours["files"]}
    assert set(mine) == set(theirs["src_stats"])
    for path, stats in theirs["src_stats"].items():
        assert mine[path]["uncovered_lines"] == stats["violation_lines"], path
        assert mine[path]["percent"] == pytest.approx(stats["percent_covered"]), path
    assert ours["measured"] == theirs["total_num_lines"]
    assert ours["measured"] - ours["covered"] == theirs["total_num_violations"]
    assert round(ours["percent"], 2) == theirs["total_percent_covered"]
    assert ours["files"], "every scenario changes some measured lines"

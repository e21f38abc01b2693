"""`br tasks parse` on hostile input (issue 12): long titles, special files, same-named specs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from br_cli.app import main


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_the_issue_spec_is_queued(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (git_repo / "S.md").write_text(
        "# P\n## Feature: Authentication and session management for admins\n"
        "- [ ] Implement the login endpoint with rate limiting and audit\n",
        encoding="utf-8",
    )
    code, out, err = _run(capsys, "tasks", "parse", "S.md", "--json")
    assert (code, err) == (0, "")
    (task_id,) = json.loads(out)["added"]
    assert task_id.startswith("authentication-and-session-management-fo/implement-the-login")
    assert len(task_id) <= 80


@pytest.mark.parametrize("special", ["/dev/null", "."])  # /dev/zero: test_spec_parser, bounded
def test_special_files_are_one_line_exit_2(
    git_repo: Path, capsys: pytest.CaptureFixture[str], special: str
) -> None:
    code, out, err = _run(capsys, "tasks", "parse", special)
    assert code == 2 and out == ""
    assert err.startswith(f"br: {special}: ") and len(err.strip().splitlines()) == 1


def test_specs_of_one_name_in_two_directories(
    git_repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for folder, spec in (("api", "## Api\n- routes\n"), ("web", "## Web\n- pages\n")):
        (git_repo / folder).mkdir()
        (git_repo / folder / "PROJECT_SPEC.md").write_text(spec, encoding="utf-8")
    assert _run(capsys, "tasks", "parse", "api/PROJECT_SPEC.md")[0] == 0
    monkeypatch.chdir(git_repo / "web")  # the identity is the path from the root, not from cwd
    code, out, _ = _run(capsys, "tasks", "parse", "PROJECT_SPEC.md", "--json")
    assert code == 0 and json.loads(out)["removed"] == []
    code, out, _ = _run(capsys, "tasks", "list", "--json")
    assert sorted(t["id"] for t in json.loads(out)["tasks"]) == ["api/routes", "web/pages"]


def test_a_spec_without_tasks_shows_the_format_and_keeps_the_queue(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = git_repo / "S.md"
    spec.write_text("# P\n## Feature: Auth\n- [ ] Login\n", encoding="utf-8")
    assert _run(capsys, "tasks", "parse", "S.md")[0] == 0
    spec.write_text("# P\nJust prose, no list yet.\n", encoding="utf-8")
    code, out, err = _run(capsys, "tasks", "parse", "S.md")
    assert code == 2 and out == ""
    assert "S.md: no tasks found, the queue is unchanged" in err
    assert "## Feature: Authentication (P1)" in err and "- [ ] Login endpoint (2h)" in err
    code, out, _ = _run(capsys, "tasks", "list")
    assert "auth/login" in out  # the empty parse dropped nothing
    # the example it shows is itself a spec that parses into tasks
    example = "\n".join(line[2:] for line in err.splitlines()[1:])
    spec.write_text(example + "\n", encoding="utf-8")
    code, out, _ = _run(capsys, "tasks", "parse", "S.md", "--json")
    assert code == 0 and json.loads(out)["added"] == [
        "authentication/login-endpoint",
        "authentication/logout",
    ]

"""`br tasks` end to end in a real repository: parse, list, claim, done, fail, deps, graph."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from br_cli.app import main
from tests.conftest import git

SPEC = """# Demo
## Storage (P1)
- [ ] Schema (1h)
- [ ] Pool (30m)
## Api
Depends on: Storage
- [ ] Routes (2h)
"""


def _run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_parse_claim_done_cycle(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (git_repo / "PROJECT_SPEC.md").write_text(SPEC, encoding="utf-8")
    code, out, _ = _run(capsys, "tasks", "parse", "PROJECT_SPEC.md")
    assert code == 0 and "2 features, 3 tasks: 3 added" in out
    code, out, _ = _run(capsys, "tasks", "parse", "PROJECT_SPEC.md")
    assert "0 added, 0 updated, 3 unchanged" in out

    code, out, _ = _run(capsys, "tasks", "list")
    assert out.splitlines()[0].split() == ["ready", "P1", "storage/schema", "Schema"]
    assert "3 of 3 tasks" in out
    code, out, _ = _run(capsys, "tasks", "next")
    assert code == 0 and out.startswith("storage/schema")

    code, out, _ = _run(capsys, "tasks", "claim", "--owner", "me", "--json")
    claim = json.loads(out)
    assert claim["task"]["id"] == "storage/schema" and claim["token"] == 1
    code, _, err = _run(capsys, "tasks", "done", "storage/schema", "--token", "5")
    assert code == 2 and "token 5 is not current" in err and len(err.splitlines()) == 1
    code, out, _ = _run(capsys, "tasks", "done", "storage/schema", "--token", "1")
    assert code == 0 and "storage/schema: done" in out

    code, out, _ = _run(capsys, "tasks", "claim", "--owner", "me")
    assert "storage/pool" in out and "token: 2" not in out and "token: 1" in out
    code, out, _ = _run(capsys, "tasks", "fail", "storage/pool", "--token", "1", "--reason", "x")
    assert "storage/pool: ready (attempt 1/3)" in out

    code, out, _ = _run(capsys, "tasks", "show", "storage/schema")
    assert "[done]" in out and "claimed by me" in out and " done by me" in out


def test_add_deps_and_graph(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert _run(capsys, "tasks", "add", "First", "--id", "a")[0] == 0
    assert _run(capsys, "tasks", "add", "Second", "--id", "b", "--depends-on", "a")[0] == 0
    code, out, _ = _run(capsys, "tasks", "deps", "b")
    assert out.strip() == "b depends on: a"
    code, _, err = _run(capsys, "tasks", "deps", "a", "--add", "b")
    assert code == 2 and "would close the cycle a -> b -> a" in err
    code, out, _ = _run(capsys, "tasks", "graph")
    assert out.splitlines()[0] == "graph TD" and "n0 --> n1" in out
    code, out, _ = _run(capsys, "tasks", "graph", "--format", "dot")
    assert '"a" -> "b";' in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["tasks", "parse", "missing.md"], "missing.md: no such file"),
        (["tasks", "list", "--status", "sleeping"], "unknown status"),
        (["tasks", "show", "ghost"], "task ghost: not in this project's queue"),
        (["tasks", "graph", "--format", "png"], "unknown format"),
        (["tasks", "add", "x", "--id", "bad id!"], "invalid task"),
        (["tasks", "add", "x", "--depends-on", "ghost"], "task ghost"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    git_repo: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    code, _, err = _run(capsys, *argv)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1


def test_nothing_ready_says_wait_or_finished(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # issue 13: an empty queue says so and how to fill it (not "finished (0 done)")
    empty = (
        "nothing to claim: the queue is empty; add tasks with `br tasks parse PROJECT_SPEC.md` "
        "or `br tasks add TITLE`\n"
    )
    assert _run(capsys, "tasks", "claim")[:2] == (3, empty)
    assert _run(capsys, "tasks", "next")[:2] == (3, empty)
    assert _run(capsys, "tasks", "add", "First", "--id", "first")[0] == 0
    assert _run(capsys, "tasks", "add", "Second", "--id", "second", "--depends-on", "first")[0] == 0
    code, out, _ = _run(capsys, "tasks", "claim", "--owner", "a", "--json")
    token = json.loads(out)["token"]
    code, out, _ = _run(capsys, "tasks", "claim", "--owner", "b")
    assert code == 1 and "retry shortly" in out
    assert "1 waiting on dependencies, 1 claimed by other sessions" in out
    assert _run(capsys, "tasks", "done", "first", "--token", str(token))[0] == 0
    code, out, _ = _run(capsys, "tasks", "claim", "--owner", "b", "--json")
    assert code == 0 and json.loads(out)["task"]["id"] == "second"
    assert _run(capsys, "tasks", "done", "second", "--token", str(json.loads(out)["token"]))[0] == 0
    code, out, _ = _run(capsys, "tasks", "claim")
    assert (code, out) == (
        3,
        "nothing to claim: the queue is finished: 2 done; `br tasks list` shows them\n",
    )


def test_claim_outside_git_says_the_queue_is_per_directory(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = _run(capsys, "tasks", "claim")
    assert code == 3 and "the queue is empty" in out
    assert "not inside a git repository" in out and str(tmp_path) in out


def test_claim_in_another_stream_names_the_ready_ones(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert _run(capsys, "tasks", "add", "Api", "--id", "api", "--stream", "backend")[0] == 0
    code, out, _ = _run(capsys, "tasks", "claim", "--stream", "frontend")
    assert code == 1 and "1 ready in other streams than 'frontend'" in out


def test_worktrees_share_one_queue(
    git_repo: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    git(git_repo, "worktree", "add", "-q", str(git_repo.parent / "wt"), "-b", "side")
    assert _run(capsys, "tasks", "add", "Shared", "--id", "shared")[0] == 0
    monkeypatch.chdir(git_repo.parent / "wt")
    code, out, _ = _run(capsys, "tasks", "claim", "--owner", "worktree")
    assert code == 0 and out.startswith("shared")

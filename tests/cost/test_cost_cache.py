"""A repeated `br cost` report is served from the output cache, and only while it is current."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import typer

from br_cli import cost as cost_cli
from br_cli.cost_cache import CACHED_KINDS, cached_request
from br_cli.entry import main
from br_core.cost.report import record_usage
from br_core.store.db import open_db
from br_core.store.output_cache import cached_output, generation, store_output
from br_core.store.paths import db_path
from tests.cost.test_transcripts import HAIKU, assistant, build_fixture, write_lines

pytestmark = pytest.mark.usefixtures("utc_zone")


@pytest.fixture
def config_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    target = tmp_path / "claude"
    monkeypatch.setenv("CLAUDE_CONFIG_DIR", str(target))
    build_fixture(target)
    return target


class FullCommand:
    """Counts how often the typer application runs (a cache miss) instead of the cache."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        import br_cli.app

        self.calls = 0
        self._real = br_cli.app.main
        monkeypatch.setattr(br_cli.app, "main", self)

    def __call__(self, argv: list[str] | None = None) -> int:
        self.calls += 1
        return self._real(argv)


def run(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(list(args)) == 0
    return capsys.readouterr().out


def clear_cache() -> None:
    with open_db() as conn:
        conn.execute("DELETE FROM output_cache")


@pytest.mark.parametrize("kind", CACHED_KINDS)
@pytest.mark.parametrize("extra", [[], ["--json"], ["--since", "2026-11-20", "--json"]])
def test_a_hit_prints_what_the_full_command_prints(
    config_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
    extra: list[str],
) -> None:
    full = FullCommand(monkeypatch)
    args = ["cost", kind, "--all-projects", *extra]
    first = run(capsys, *args)
    cached = run(capsys, *args)
    assert full.calls == 1  # the second run never reached typer
    clear_cache()
    fresh = run(capsys, *args)  # computed again, with nothing new to read
    assert full.calls == 2
    assert cached == fresh
    assert "Total" in fresh or '"totals"' in fresh
    if "--json" in extra:  # the first run says what it read; a run with nothing new reads 0
        assert json.loads(first)["files_read"] == 2 and json.loads(cached)["files_read"] == 0
    else:
        assert first == cached


def append_usage(config_dir: Path) -> None:
    later = assistant("msg_9", "claude-haiku-4-5-20251001", dict(HAIKU), ts="2026-11-21T09:00:00Z")
    write_lines(config_dir / "projects" / "-home-dev-proj" / "s1.jsonl", [later], mode="a")


def write_price_override(root: Path) -> None:
    (root / ".buildrunner").mkdir(exist_ok=True)
    (root / ".buildrunner" / "config.toml").write_text(
        '[pricing.models."claude-haiku-4-5-20251001"]\ninput = 50.0\noutput = 50.0\n',
        encoding="utf-8",
    )


def append_malformed(config_dir: Path) -> None:
    cut_short = '{"type":"assistant","message":{"usage":{"input_tokens":7'
    write_lines(config_dir / "projects" / "-home-dev-proj" / "s1.jsonl", [cut_short], mode="a")


def grow_response(config_dir: Path) -> None:
    """msg_2 again (same key) with more output: the stored row is updated, not added."""
    bigger: dict[str, object] = {**HAIKU, "output_tokens": 2000}
    line = assistant("msg_2", "claude-haiku-4-5-20251001", bigger)
    write_lines(config_dir / "projects" / "-home-dev-proj" / "s1.jsonl", [line], mode="a")


def record_usage_elsewhere(root: Path) -> None:
    conn = open_db()
    try:
        record_usage(conn, root, "opus", 1000, 100)
    finally:
        conn.close()


CHANGES: dict[str, Callable[[Path, Path], object]] = {
    "a response grown in place": lambda config, root: grow_response(config),
    "new transcript bytes": lambda config, root: append_usage(config),
    "malformed lines only": lambda config, root: append_malformed(config),
    "usage from another source": lambda config, root: record_usage_elsewhere(root),
    "a price override": lambda config, root: write_price_override(root),
}


@pytest.mark.parametrize("change", CHANGES)
def test_any_change_to_what_the_report_reads_is_a_miss(
    config_dir: Path,
    git_repo: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    change: str,
) -> None:
    full = FullCommand(monkeypatch)
    args = ["cost", "daily", "--all-projects"]
    before = run(capsys, *args)
    assert run(capsys, *args) == before and full.calls == 1
    CHANGES[change](config_dir, git_repo)
    after = run(capsys, *args)
    assert full.calls == 2 and after != before
    assert run(capsys, *args) == after and full.calls == 2  # and the new output is kept


def test_options_scope_and_time_zone_are_part_of_the_key(
    config_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    full = FullCommand(monkeypatch)
    runs = [["--all-projects"], ["--all-projects", "--json"], [], ["--all-projects"]]
    outputs = [run(capsys, "cost", "daily", *extra) for extra in runs]
    assert full.calls == 3 and outputs[0] == outputs[3] and len(set(outputs)) == 3
    monkeypatch.setenv("TZ", "Asia/Tokyo")
    time.tzset()
    tokyo = run(capsys, "cost", "session", "--all-projects", "--json")
    assert full.calls == 4 and json.loads(tokyo)["timezone"] == "JST"


def test_blocks_and_unknown_options_always_run_the_full_command(
    config_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    full = FullCommand(monkeypatch)
    for _ in range(2):
        run(capsys, "cost", "blocks", "--all-projects")
    assert full.calls == 2
    assert main(["cost", "daily", "--bogus"]) == 2
    assert "No such option" in capsys.readouterr().err and full.calls == 3


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["cost", "daily"], ["daily"]),
        (
            ["cost", "monthly", "--json", "--since=2026-11-01", "--until", "20261130"],
            ["monthly", "--json", "--since=2026-11-01", "--until", "20261130"],
        ),
        (["cost", "daily", "--bogus"], ["daily", "--bogus"]),  # typer decides; nothing is stored
        (["cost", "blocks"], None),
        (["cost", "record", "--model", "opus"], None),
        (["cost"], None),
        (["route", "daily"], None),
    ],
)
def test_the_fast_path_keys_by_the_words_after_cost(
    args: list[str], expected: list[str] | None
) -> None:
    assert cached_request(args) == expected


def stored_keys() -> list[str]:
    with open_db() as conn:
        return [row[0] for row in conn.execute("SELECT key FROM output_cache")]


@pytest.mark.parametrize(
    ("args", "served"),
    [
        (["cost", "daily"], True),
        (["cost", "monthly", "--json", "--since=2026-11-01", "--until", "20261130"], True),
        (["cost", "session", "--all-projects", "--json"], True),
        (["cost", "blocks"], False),
        (["cost", "daily", "--help"], False),
        (["cost", "daily", "-h"], False),
        (["cost", "daily", "--since"], False),  # the value is missing: typer says so
        (["cost", "daily", "--since", "yesterday"], False),  # not a date: the command says so
        (["cost", "daily", "--all-projects=1"], False),
        (["cost", "daily", "--bogus"], False),
        (["cost", "daily", "extra"], False),
        (["cost"], False),
    ],
)
def test_only_an_invocation_typer_accepted_is_ever_served(
    config_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: list[str],
    served: bool,
) -> None:
    full = FullCommand(monkeypatch)
    codes = [main(args) for _ in "ab"]
    assert codes[0] == codes[1] and (codes[0] == 0 or not served)
    assert full.calls == (1 if served else 2)
    assert len(stored_keys()) == (1 if served else 0)  # --help, typos and blocks: never kept


@pytest.mark.parametrize("kind", CACHED_KINDS)
def test_every_option_of_the_command_is_served_in_either_spelling(
    config_dir: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    kind: str,
) -> None:
    """The options come from typer's own command: there is no second list to keep in step."""
    command = typer.main.get_group(cost_cli.app).commands[kind]
    spellings: list[list[str]] = []
    for param in command.params:
        for opt in (o for o in param.opts if o != "--help"):
            flag = param.is_flag  # type: ignore[attr-defined]
            spellings += [[opt]] if flag else [[opt, "2026-11-20"], [f"{opt}=2026-11-20"]]
    assert len(spellings) == 6  # --json, --all-projects, and two spellings of --since, --until
    full = FullCommand(monkeypatch)
    for extra in spellings:
        args, calls = ["cost", kind, *extra], full.calls
        run(capsys, *args)
        served = run(capsys, *args)
        assert full.calls == calls + 1, extra  # computed once, then served
        clear_cache()
        assert run(capsys, *args) == served  # the same as a run with nothing new to read


def test_another_value_or_spelling_never_gets_another_requests_output(
    config_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    full = FullCommand(monkeypatch)
    base = ["cost", "daily", "--all-projects", "--json"]
    on_20 = run(capsys, *base, "--since", "2026-11-20")
    on_21 = run(capsys, *base, "--since", "2026-11-21")
    assert full.calls == 2 and json.loads(on_20)["rows"] != json.loads(on_21)["rows"]
    respelled = run(capsys, *base, "--since=2026-11-20")  # the same request: a miss, once
    assert full.calls == 3 and json.loads(respelled)["rows"] == json.loads(on_20)["rows"]
    for args, expected in [
        ([*base, "--since", "2026-11-20"], on_20),
        ([*base, "--since", "2026-11-21"], on_21),
        ([*base, "--since=2026-11-20"], respelled),
    ]:
        assert json.loads(run(capsys, *args))["rows"] == json.loads(expected)["rows"]
    assert full.calls == 3 and len(stored_keys()) == 3


def test_the_full_command_keys_by_the_argv_it_was_given_not_sys_argv(
    config_dir: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sys, "argv", ["br", "cost", "monthly", "--json"])
    full = FullCommand(monkeypatch)
    first = run(capsys, "cost", "daily", "--all-projects")
    assert run(capsys, "cost", "daily", "--all-projects") == first and full.calls == 1
    assert len(stored_keys()) == 1 and '["daily", "--all-projects"]' in stored_keys()[0]


def test_a_stale_generation_or_changed_file_is_never_served(tmp_path: Path) -> None:
    dep = tmp_path / "prices.toml"
    dep.write_text("a = 1\n", encoding="utf-8")
    missing = tmp_path / "config.toml"
    with open_db() as conn:
        at = generation(conn)
        store_output(conn, "k", at, "kept\n", [str(dep), str(missing)])
        assert cached_output(conn, "k") == "kept\n"
        dep.write_text("a = 22\n", encoding="utf-8")
        assert cached_output(conn, "k") is None  # a dependency changed
        store_output(conn, "k", at, "kept\n", [str(dep), str(missing)])
        missing.write_text("", encoding="utf-8")
        assert cached_output(conn, "k") is None  # a file that did not exist now does
        store_output(conn, "k", at, "kept\n", [str(dep), str(missing)])
        conn.execute(
            "INSERT INTO usage (dedup_key, source, ts, model) VALUES ('x', 'record', 0, 'opus')"
        )
        assert generation(conn) != at and cached_output(conn, "k") is None
        offsets = 'INTO transcript_offsets (path, size, mtime_ns, inode, "offset") VALUES '
        for statement in (
            "INSERT INTO usage (dedup_key, source, ts, model) VALUES ('y', 'record', 0, 'opus')",
            "DELETE FROM usage WHERE dedup_key = 'y'",  # the newest row: MAX(id) goes back
            "INSERT INTO usage (dedup_key, source, ts, model) VALUES ('z', 'record', 0, 'opus')",
            f"INSERT {offsets} ('p', 1, 1, 1, 1)",
            f"INSERT OR REPLACE {offsets} ('p', 1, 1, 1, 1)",  # the same values again
            "UPDATE transcript_offsets SET malformed = 3",
            "DELETE FROM transcript_offsets",
        ):
            seen = generation(conn)
            conn.execute(statement)
            assert generation(conn) != seen, statement


@pytest.mark.sqlite_file
def test_a_corrupt_store_gets_the_full_commands_one_line_error(
    config_dir: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db_path().parent.mkdir(parents=True, exist_ok=True)
    db_path().write_bytes(b"this is not a database" * 100)
    assert main(["cost", "daily"]) == 2
    err = capsys.readouterr().err
    assert "corrupt" in err and "br db check" in err and err.count("\n") == 1


PROBE = """
import sys
from br_cli.entry import main
code = main(sys.argv[1:])
heavy = sorted({m.split(".")[0] for m in sys.modules} & {"typer", "pydantic", "tinydb", "mcp"})
print(code, heavy, file=sys.stderr)
"""


def test_a_hit_in_a_real_process_imports_neither_typer_nor_pydantic(
    config_dir: Path, tmp_path: Path
) -> None:
    env = {**os.environ, "PYTHONPATH": os.getcwd()}
    args = [sys.executable, "-c", PROBE, "cost", "daily", "--json", "--all-projects"]
    runs = [
        subprocess.run(args, capture_output=True, text=True, env=env, cwd=tmp_path) for _ in "ab"
    ]
    first, second = (r.stderr.strip().splitlines()[-1] for r in runs)
    assert first.startswith("0 [") and "'pydantic'" in first and "'typer'" in first
    assert second == "0 ['tinydb']"  # tinydb: the learning-phase banner check
    assert json.loads(runs[1].stdout)["totals"] == json.loads(runs[0].stdout)["totals"]
    with open_db() as conn:  # both runs recorded their build event
        rows = conn.execute("SELECT data FROM events WHERE type = 'build'").fetchall()
    assert [json.loads(r[0])["command"] for r in rows] == ["cost daily", "cost daily"]

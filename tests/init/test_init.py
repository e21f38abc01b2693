"""`br init` on real repositories: creates, merges, never clobbers, and reruns change nothing."""

from __future__ import annotations

import hashlib
import json
import random
import string
from pathlib import Path

import pytest
import yaml

from br_cli.app import main
from br_cli.init import AGENTS, SKILLS, init_repository
from br_cli.init_files import CLAUDE_HOOK_COMMAND, HOOK_IDS
from tests.conftest import git, run_pre_commit

ALL_FILES = [
    ".pre-commit-config.yaml",
    ".mcp.json",
    ".claude/settings.json",
    *[f".claude/skills/{s}/SKILL.md" for s in SKILLS],
    *[f".claude/agents/{a}.md" for a in AGENTS],
    ".buildrunner/config.toml",
]


def _snapshot(root: Path) -> dict[str, str]:
    return {
        rel: hashlib.sha256((root / rel).read_bytes()).hexdigest()
        for rel in ALL_FILES
        if (root / rel).exists()
    }


def _hook_ids(config: dict[str, object]) -> list[str]:
    repos = config["repos"]
    assert isinstance(repos, list)
    return [hook["id"] for repo in repos for hook in repo.get("hooks", [])]


def test_fresh_repository_gets_everything_and_rerun_changes_nothing(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["init"]) == 0
    first = capsys.readouterr().out
    assert first.count("created") == len(ALL_FILES)
    assert "changed 12 of 12 files" in first
    before = _snapshot(git_repo)
    assert set(before) == set(ALL_FILES)
    assert main(["init"]) == 0
    second = capsys.readouterr().out
    assert "changed 0 of 12 files" in second and "created" not in second
    assert _snapshot(git_repo) == before

    config = yaml.safe_load((git_repo / ".pre-commit-config.yaml").read_text())
    assert _hook_ids(config) == [
        "br-secrets",
        "br-sql-injection",
        "br-coverage",
        "br-telemetry",
        "br-secrets-commit-msg",
    ]  # fmt: skip  (issue 17 item 10: the commit message is scanned too)
    assert set(config["default_install_hook_types"]) >= {
        "commit-msg", "post-commit", "pre-push", "post-merge",
    }  # fmt: skip
    mcp = json.loads((git_repo / ".mcp.json").read_text())
    assert mcp["mcpServers"]["br"] == {"type": "stdio", "command": "br", "args": ["mcp", "serve"]}
    settings = json.loads((git_repo / ".claude/settings.json").read_text())
    command = settings["hooks"]["PostToolUse"][0]["hooks"][0]
    assert command == {"type": "command", "command": CLAUDE_HOOK_COMMAND, "timeout": 10}
    for name in SKILLS:  # issue 13: skills, as Claude Code documents them now
        text = (git_repo / f".claude/skills/{name}/SKILL.md").read_text()
        meta = yaml.safe_load(text.split("---")[1])
        assert meta["name"] == name and meta["description"] and "$ARGUMENTS" in text
    for name in AGENTS:
        front = (git_repo / f".claude/agents/{name}.md").read_text().split("---")[1]
        meta = yaml.safe_load(front)
        assert meta["name"] == name and meta["model"] == name.removeprefix("br-")


USER_YAML = {
    "comments and a local hook": (
        "# my precious comment\n"
        "repos:\n"
        "  # keep this one\n"
        "  - repo: local\n"
        "    hooks:\n"
        "      - id: my-lint\n"
        "        name: my lint\n"
        "        entry: 'true'\n"
        "        language: system\n"
        "\n"
        "# trailing note\n"
    ),
    "unindented list, key after repos": (
        "repos:\n"
        "- repo: local\n"
        "  hooks:\n"
        "  - id: my-lint\n"
        "    name: my lint\n"
        "    entry: 'true'\n"
        "    language: system\n"
        "exclude: '^vendor/'  # my exclude\n"
    ),
    "block-style install types": (
        "default_install_hook_types:\n  - pre-commit\nrepos: []  # nothing yet\n"
    ),
    "one of our hooks already": (
        "default_install_hook_types: [pre-commit, post-commit, pre-push, post-merge]\n"
        "repos:\n"
        "  - repo: https://example.invalid/br\n"
        "    rev: v0.0.9\n"
        "    hooks:\n"
        "      - id: br-secrets  # pinned by me\n"
    ),
    "empty file": "",
}


FORMS = {
    "remote": ("https://github.com/buildrunner/buildrunner", "v0.1.0"),
    "local": ("local", None),  # what an install from a checkout or a wheel file gets
}


@pytest.mark.parametrize("form", sorted(FORMS))
@pytest.mark.parametrize("name", sorted(USER_YAML))
def test_pre_commit_config_is_merged_keeping_user_content(
    git_repo: Path, name: str, form: str
) -> None:
    original = USER_YAML[name]
    path = git_repo / ".pre-commit-config.yaml"
    path.write_text(original, encoding="utf-8")
    before = yaml.safe_load(original) or {}
    repo, rev = FORMS[form]
    changes = {c.path: c for c in init_repository(git_repo, hooks_repo=repo, hooks_rev=rev)}
    assert changes[".pre-commit-config.yaml"].action == "updated"
    merged_text = path.read_text(encoding="utf-8")
    merged = yaml.safe_load(merged_text)
    for line in original.splitlines():
        if "#" in line:
            assert line.split("#", 1)[1] in merged_text, "a comment was lost"
    for old, new in zip(before.get("repos") or [], merged["repos"], strict=False):
        # every entry stays where it was; ours may only have gained hook ids at its end
        assert {k: v for k, v in old.items() if k != "hooks"} == {
            k: v for k, v in new.items() if k != "hooks"
        }
        assert new["hooks"][: len(old["hooks"])] == old["hooks"]
    ours = [r for r in merged["repos"] if set(_hook_ids({"repos": [r]})) & set(HOOK_IDS)]
    assert len(ours) == 1  # one entry for our hooks, never a second one
    for key, value in before.items():
        if key not in ("repos", "default_install_hook_types"):
            assert merged[key] == value
    assert sorted(
        set(_hook_ids(merged)) & {"br-secrets", "br-sql-injection", "br-coverage", "br-telemetry"}
    ) == ["br-coverage", "br-secrets", "br-sql-injection", "br-telemetry"]
    assert len(_hook_ids(merged)) == len(set(_hook_ids(merged)))  # nothing added twice
    again = {c.path: c for c in init_repository(git_repo, hooks_repo=repo, hooks_rev=rev)}
    assert again[".pre-commit-config.yaml"].action == "unchanged"
    proc = run_pre_commit(git_repo, git_repo / ".pc-home", "validate-config", str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_json_files_are_merged_and_a_users_br_entry_is_left_alone(git_repo: Path) -> None:
    mcp = {"mcpServers": {"other": {"command": "other-server"}}, "note": "mine"}
    (git_repo / ".mcp.json").write_text(json.dumps(mcp), encoding="utf-8")
    settings = {
        "permissions": {"allow": ["Bash(make test)"]},
        "hooks": {
            "PostToolUse": [
                {"matcher": "Write", "hooks": [{"type": "command", "command": "my-formatter"}]}
            ]
        },
    }
    (git_repo / ".claude").mkdir()
    (git_repo / ".claude/settings.json").write_text(json.dumps(settings), encoding="utf-8")
    init_repository(git_repo)
    merged = json.loads((git_repo / ".mcp.json").read_text())
    assert merged["mcpServers"]["other"] == {"command": "other-server"}
    assert merged["note"] == "mine" and "br" in merged["mcpServers"]
    hooks = json.loads((git_repo / ".claude/settings.json").read_text())
    assert hooks["permissions"] == settings["permissions"]
    post = hooks["hooks"]["PostToolUse"]
    assert post[0]["hooks"][0]["command"] == "my-formatter"
    assert post[1]["hooks"][0]["command"] == CLAUDE_HOOK_COMMAND

    custom = {"mcpServers": {"br": {"command": "/opt/br/bin/br", "args": ["mcp", "serve"]}}}
    (git_repo / ".mcp.json").write_text(json.dumps(custom), encoding="utf-8")
    changes = {c.path: c for c in init_repository(git_repo)}
    assert changes[".mcp.json"].action == "unchanged"
    assert json.loads((git_repo / ".mcp.json").read_text()) == custom


def test_a_changed_template_file_is_kept_and_reported(
    git_repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = git_repo / ".claude/agents/br-opus.md"
    mine.parent.mkdir(parents=True)
    mine.write_text("---\nname: br-opus\nmodel: opus\n---\nmy own prompt\n", encoding="utf-8")
    assert main(["init"]) == 0
    assert "kept      .claude/agents/br-opus.md" in capsys.readouterr().out
    assert mine.read_text() == "---\nname: br-opus\nmodel: opus\n---\nmy own prompt\n"


@pytest.mark.parametrize(
    ("rel", "content", "message"),
    [
        (".mcp.json", "{not json", "invalid JSON (line 1"),
        (".mcp.json", "[1, 2]", "expected a JSON object"),
        (".claude/settings.json", '{"hooks": []}', "`hooks` must be an object"),
        (".pre-commit-config.yaml", "repos: [unclosed\n", "invalid YAML"),
        (".pre-commit-config.yaml", "- just a list\n", "expected a mapping with a `repos:` list"),
        (".pre-commit-config.yaml", b"repos: []\n\xff\xfe", "not UTF-8"),
    ],
)
def test_malformed_files_stop_init_with_one_line_and_change_nothing(
    git_repo: Path, capsys: pytest.CaptureFixture[str], rel: str, content: str | bytes, message: str
) -> None:
    path = git_repo / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    raw = content if isinstance(content, bytes) else content.encode()
    path.write_bytes(raw)
    assert main(["init"]) == 2
    err = capsys.readouterr().err
    assert message in err and str(path) in err and len(err.strip().splitlines()) == 1
    assert path.read_bytes() == raw
    assert not (git_repo / ".claude/skills").exists()  # stopped before writing anything else


def test_outside_a_repository_is_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["init"]) == 2
    assert "not inside a git repository" in capsys.readouterr().err


def test_dry_run_writes_nothing(git_repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["init", "--dry-run"]) == 0
    assert "would change 12 of 12" in capsys.readouterr().out
    assert _snapshot(git_repo) == {}


@pytest.mark.slow
def test_generated_config_runs_under_the_real_pre_commit(
    git_repo: Path, hook_repo: tuple[str, str], pre_commit_home: Path
) -> None:
    path, rev = hook_repo
    assert main(["init", "--hooks-repo", path, "--hooks-rev", rev]) == 0
    (git_repo / "app.py").write_text("def add(a, b):\n    return a + b\n", encoding="utf-8")
    git(git_repo, "add", "-A")
    clean = run_pre_commit(git_repo, pre_commit_home, "run", "--all-files")
    assert clean.returncode == 0, clean.stdout + clean.stderr
    for name in ("BuildRunner secrets", "BuildRunner SQL injection", "BuildRunner coverage gate"):
        assert name in clean.stdout

    rng = random.Random(11)
    token = "gh" + "p_" + "".join(rng.choices(string.ascii_letters + string.digits, k=36))
    (git_repo / "settings.py").write_text(f'TOKEN = "{token}"\n', encoding="utf-8")
    git(git_repo, "add", "settings.py")
    dirty = run_pre_commit(git_repo, pre_commit_home, "run", "--files", "settings.py")
    assert dirty.returncode == 1
    assert token not in dirty.stdout + dirty.stderr


def test_a_layout_we_cannot_edit_safely_is_refused_untouched(git_repo: Path) -> None:
    original = (
        "repos: [{repo: local, hooks: [{id: x, name: x, entry: 'true', language: system}]}]\n"
    )
    path = git_repo / ".pre-commit-config.yaml"
    path.write_text(original, encoding="utf-8")
    with pytest.raises(Exception, match="could not add our hooks without disturbing your layout"):
        init_repository(git_repo)
    assert path.read_text(encoding="utf-8") == original

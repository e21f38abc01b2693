"""`br init` over files an older `br init` or the user wrote: upgrade in place, no duplicates."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml

from br_cli.app import main
from br_cli.init import init_repository
from br_cli.init_files import CLAUDE_HOOK_COMMAND, CLAUDE_HOOK_EVENTS, HOOK_IDS
from tests.conftest import run_pre_commit

# A remote entry for our hooks, as a user (or an older `br init`) wrote it.
DEFAULT_HOOKS_REPO = "https://github.com/buildrunner/buildrunner"

OLD_COMMAND = "br telemetry claude-hook"  # before the console script existed
BARE_SCRIPT = "br-claude-hook"  # before the command failed soft without it (issue 13)
NEW_COMMAND = CLAUDE_HOOK_COMMAND


def _old_hook(matcher: str | None, command: str = OLD_COMMAND) -> dict[str, object]:
    """A matcher group exactly as an older `br init` wrote it."""
    group: dict[str, object] = {} if matcher is None else {"matcher": matcher}
    group["hooks"] = [{"type": "command", "command": command, "timeout": 10}]
    return group


def _commands(settings: dict[str, object], event: str) -> list[str]:
    hooks = settings["hooks"]
    assert isinstance(hooks, dict)
    return [hook["command"] for group in hooks.get(event, []) for hook in group["hooks"]]


def _init_twice(root: Path) -> tuple[dict[str, str], bytes, bytes]:
    """Run init, then again: the second run must report no change and leave the same bytes."""
    first = {c.path: c.action for c in init_repository(root)}
    settings, config = root / ".claude/settings.json", root / ".pre-commit-config.yaml"
    after_first = settings.read_bytes(), config.read_bytes()
    second = {c.path: c.action for c in init_repository(root)}
    assert set(second.values()) <= {"unchanged"}, second
    assert (settings.read_bytes(), config.read_bytes()) == after_first
    return first, *after_first


@pytest.mark.parametrize("older", [OLD_COMMAND, BARE_SCRIPT])
def test_settings_from_an_older_init_are_upgraded_in_place(git_repo: Path, older: str) -> None:
    user_post = {"matcher": "Write", "hooks": [{"type": "command", "command": "my-formatter"}]}
    user_stop = {"hooks": [{"type": "command", "command": "notify-send done", "timeout": 5}]}
    old: dict[str, Any] = {
        "permissions": {"allow": ["Bash(make test)"]},
        "hooks": {
            "SessionStart": [_old_hook(None, older)],
            "PostToolUse": [user_post, _old_hook("Edit|MultiEdit|Write|Bash", older)],
            "SubagentStop": [_old_hook(None, older)],
            "Stop": [_old_hook(None, older), user_stop],
            "SessionEnd": [_old_hook(None, older)],
        },
    }
    path = git_repo / ".claude/settings.json"
    path.parent.mkdir()
    path.write_text(json.dumps(old, indent=2) + "\n", encoding="utf-8")

    first, raw, _ = _init_twice(git_repo)
    assert first[".claude/settings.json"] == "updated"
    new = json.loads(raw)
    assert new["permissions"] == old["permissions"]
    for event in CLAUDE_HOOK_EVENTS:
        assert older not in _commands(new, event)
        assert _commands(new, event).count(NEW_COMMAND) == 1, event
    # same positions, matcher and timeout: only the command string changed
    assert new["hooks"]["PostToolUse"][0] == user_post
    assert new["hooks"]["PostToolUse"][1] == {
        "matcher": "Edit|MultiEdit|Write|Bash",
        "hooks": [{"type": "command", "command": NEW_COMMAND, "timeout": 10}],
    }
    assert new["hooks"]["Stop"][1] == user_stop
    assert list(new["hooks"]) == list(old["hooks"])  # no event added or reordered


def test_a_half_upgraded_event_keeps_one_hook_and_user_variants_are_left_alone(
    git_repo: Path,
) -> None:
    own_variant = {"hooks": [{"type": "command", "command": f"/opt/br/bin/br {OLD_COMMAND[3:]}"}]}
    old = {
        "hooks": {
            # both the old and the new entry: the old one goes, so the hook runs once
            "SessionStart": [
                _old_hook(None),
                {"hooks": [{"type": "command", "command": NEW_COMMAND}]},
            ],
            # the user's own way to call the handler: theirs, neither rewritten nor doubled
            "Stop": [own_variant],
        }
    }
    path = git_repo / ".claude/settings.json"
    path.parent.mkdir()
    path.write_text(json.dumps(old), encoding="utf-8")
    _, raw, _ = _init_twice(git_repo)
    new = json.loads(raw)
    assert new["hooks"]["SessionStart"] == [
        {"hooks": [{"type": "command", "command": NEW_COMMAND}]}
    ]
    assert new["hooks"]["Stop"] == [own_variant]
    for event in ("PostToolUse", "SubagentStop", "SessionEnd"):  # missing ones are added
        assert _commands(new, event) == [NEW_COMMAND]


CONFIG_WITH_OUR_REPO = {
    "listed by URL, older rev, one id": (
        "# team pre-commit config: keep these notes\n"
        "default_install_hook_types: [pre-commit]  # more below\n"
        "repos:\n"
        "  # BuildRunner, pinned on purpose\n"
        f"  - repo: {DEFAULT_HOOKS_REPO}\n"
        "    rev: v0.0.9  # do not bump yet\n"
        "    hooks:\n"
        "      - id: br-secrets\n"
        "        args: [--baseline, .secrets.json]  # our baseline\n"
        "      # br-coverage comes later\n"
        "    exclude: ^vendor/\n"
        "  - repo: local\n"
        "    hooks:\n"
        "      - id: my-lint\n"
        "        name: my lint\n"
        "        entry: 'true'\n"
        "        language: system\n"
        "# trailing note\n"
    ),
    "a fork under another URL, two ids, unindented list": (
        "repos:\n"
        "- repo: local\n"
        "  hooks:\n"
        "  - id: my-lint\n"
        "    name: my lint\n"
        "    entry: 'true'\n"
        "    language: system\n"
        "- repo: https://git.example.invalid/mirror/buildrunner.git  # our mirror\n"
        "  rev: 0123456789abcdef0123456789abcdef01234567\n"
        "  hooks:\n"
        "  - id: br-sql-injection\n"
        "  - id: br-telemetry\n"
        "    stages: [post-commit]  # only this stage, on purpose\n"
        "exclude: '^docs/'\n"
    ),
    "URL with a trailing .git, hooks first": (
        "repos:\n"
        "  -   hooks:\n"
        "         - id: br-coverage\n"
        f"      repo: {DEFAULT_HOOKS_REPO}.git\n"
        "      rev: v0.1.0\n"
    ),
}


@pytest.mark.parametrize("name", sorted(CONFIG_WITH_OUR_REPO))
def test_a_listed_repository_gains_only_the_missing_ids(git_repo: Path, name: str) -> None:
    original = CONFIG_WITH_OUR_REPO[name]
    path = git_repo / ".pre-commit-config.yaml"
    path.write_text(original, encoding="utf-8")
    before = yaml.safe_load(original)

    first, _, raw = _init_twice(git_repo)
    assert first[".pre-commit-config.yaml"] == "updated"
    text = raw.decode("utf-8")
    for line in original.splitlines():
        if "#" in line:
            assert line.split("#", 1)[1] in text, f"comment lost: {line}"
    merged = yaml.safe_load(text)
    assert len(merged["repos"]) == len(before["repos"])  # no second entry for us
    ours = [r for r in merged["repos"] if r["repo"] != "local"]
    assert len(ours) == 1
    [old_ours] = [r for r in before["repos"] if r["repo"] != "local"]
    assert ours[0]["rev"] == old_ours["rev"] and ours[0]["repo"] == old_ours["repo"]
    assert ours[0]["hooks"][: len(old_ours["hooks"])] == old_ours["hooks"]  # user's hooks as-is
    ids = [h["id"] for h in ours[0]["hooks"]]
    assert sorted(ids) == sorted(HOOK_IDS) and len(ids) == len(set(ids))
    for key in set(before) - {"repos", "default_install_hook_types"}:
        assert merged[key] == before[key]
    proc = run_pre_commit(git_repo, git_repo / ".pc-home", "validate-config", str(path))
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_a_complete_entry_is_left_byte_for_byte(git_repo: Path) -> None:
    original = (
        "default_install_hook_types: [pre-commit, commit-msg, post-commit, pre-push, post-merge]\n"
        "repos:\n"
        f"  - repo: {DEFAULT_HOOKS_REPO}  # ours\n"
        "    rev: v0.0.1\n"
        "    hooks:\n" + "".join(f"      - id: {hook}\n" for hook in HOOK_IDS)
    )
    path = git_repo / ".pre-commit-config.yaml"
    path.write_text(original, encoding="utf-8")
    changes = {c.path: c.action for c in init_repository(git_repo)}
    assert changes[".pre-commit-config.yaml"] == "unchanged"
    assert path.read_text(encoding="utf-8") == original


@pytest.mark.parametrize(
    "original",
    [
        f"repos:\n  - repo: {DEFAULT_HOOKS_REPO}\n    rev: v1\n    hooks: [{{id: br-secrets}}]\n",
        f"repos: [{{repo: {DEFAULT_HOOKS_REPO}, rev: v1, hooks: [{{id: br-secrets}}]}}]\n",
    ],
    ids=["flow hooks list", "flow repos list"],
)
def test_our_entry_in_flow_style_is_refused_untouched(
    git_repo: Path, original: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = git_repo / ".pre-commit-config.yaml"
    path.write_text(original, encoding="utf-8")
    assert main(["init"]) == 2
    err = capsys.readouterr().err
    assert "could not add our hooks without disturbing your layout" in err
    assert str(path) in err and len(err.strip().splitlines()) == 1
    assert path.read_text(encoding="utf-8") == original

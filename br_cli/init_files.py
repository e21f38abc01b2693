"""Merges behind `br init`: add what is missing, keep everything the user wrote.

Each function takes the current text of a file (None when it does not exist) and returns the new
text plus a short note of what changed; unchanged text means nothing to write. YAML is edited as
text so comments survive; the result is re-parsed and checked against the intended structure.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from br_core.errors import UsageError

HOOK_IDS = ("br-secrets", "br-sql-injection", "br-coverage", "br-telemetry")
HOOK_TYPES = ("pre-commit", "post-commit", "pre-push", "post-merge")
TELEMETRY_STAGES = "[post-commit, pre-push, post-merge]"
CLAUDE_HOOK_COMMAND = "br telemetry claude-hook"
CLAUDE_HOOK_EVENTS: dict[str, str | None] = {
    "SessionStart": None,
    "PostToolUse": "Edit|MultiEdit|Write|Bash",
    "SubagentStop": None,
    "Stop": None,
    "SessionEnd": None,
}
MCP_SERVER = {"type": "stdio", "command": "br", "args": ["mcp", "serve"]}


def _repo_block(repo: str, rev: str, hooks: list[str], indent: str) -> list[str]:
    lines = [f"{indent}- repo: {repo}", f"{indent}  rev: {rev}", f"{indent}  hooks:"]
    for hook in hooks:
        lines.append(f"{indent}    - id: {hook}")
        if hook == "br-telemetry":
            lines.append(f"{indent}      stages: {TELEMETRY_STAGES}")
    return lines


def _load_yaml(text: str, where: str) -> dict[str, Any]:
    import yaml  # type: ignore[import-untyped]  # PyYAML comes with pre-commit; no stubs

    try:
        data = yaml.safe_load(text) if text.strip() else {}
    except yaml.YAMLError as exc:
        raise UsageError(
            f"{where}: invalid YAML ({' '.join(str(exc).split())}); fix it, then rerun `br init`"
        ) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict) or not isinstance(data.get("repos", []), list):
        raise UsageError(
            f"{where}: expected a mapping with a `repos:` list; fix it, then rerun `br init`"
        )
    return data


def _present_hooks(data: dict[str, Any]) -> set[str]:
    found = set()
    for repo in data.get("repos") or []:
        if not isinstance(repo, dict):
            continue
        for hook in repo.get("hooks") or []:
            if isinstance(hook, dict) and hook.get("id") in HOOK_IDS:
                found.add(hook["id"])
    return found


def merge_pre_commit(
    text: str | None, repo: str, rev: str, where: str, hooks: Sequence[str] = HOOK_IDS
) -> tuple[str, str]:
    """`hooks` and their install types added to a .pre-commit-config.yaml, comments kept."""
    # Telemetry runs at post-commit/pre-push/post-merge; the check hooks need only pre-commit.
    hook_types = HOOK_TYPES if "br-telemetry" in hooks else HOOK_TYPES[:1]
    if text is None:
        lines = [
            "# pre-commit hooks; install them with `pre-commit install`.",
            f"default_install_hook_types: [{', '.join(hook_types)}]",
            "repos:",
            *_repo_block(repo, rev, list(hooks), "  "),
        ]
        return "\n".join(lines) + "\n", f"created with {', '.join(hooks)}"
    data = _load_yaml(text, where)
    missing = [h for h in hooks if h not in _present_hooks(data)]
    types = data.get("default_install_hook_types")
    types_list = types if isinstance(types, list) else []
    missing_types = [t for t in hook_types if t not in types_list]
    if not missing and not missing_types:
        return text, ""
    lines = text.splitlines()
    notes = []
    if missing:
        lines = _insert_repo(lines, _repo_block(repo, rev, missing, _list_indent(lines)))
        notes.append(f"added {', '.join(missing)}")
    if missing_types:
        lines = _set_hook_types(lines, [*types_list, *missing_types])
        notes.append(f"install types + {', '.join(missing_types)}")
    merged = "\n".join(lines) + "\n"
    expected_hooks = _present_hooks(data) | set(missing)
    check = _load_yaml(merged, where)
    kept = [r for r in check.get("repos") or [] if r not in (data.get("repos") or [])]
    lost = [r for r in data.get("repos") or [] if r not in (check.get("repos") or [])]
    others = {k: v for k, v in data.items() if k not in ("repos", "default_install_hook_types")}
    moved = any(check.get(k) != v for k, v in others.items())
    if (
        _present_hooks(check) != expected_hooks
        or len(kept) != (1 if missing else 0)
        or lost
        or moved
    ):
        raise UsageError(
            f"{where}: could not add our hooks without disturbing your layout; add the entry "
            "from docs/MCP.md by hand, then rerun `br init`"
        )
    return merged, "; ".join(notes)


def _repos_span(lines: list[str]) -> tuple[int, int]:
    """Index of the top-level `repos:` line and the index just past its block."""
    start = next((i for i, line in enumerate(lines) if line.startswith("repos:")), -1)
    if start < 0:
        return -1, len(lines)
    end = start + 1
    last = start
    while end < len(lines):
        line = lines[end]
        if line and not line[0].isspace() and not line.startswith(("-", "#")):
            break
        if line.strip() and not line.lstrip().startswith("#"):
            last = end
        end += 1
    return start, last + 1


def _list_indent(lines: list[str]) -> str:
    start, end = _repos_span(lines)
    for line in lines[start + 1 : end] if start >= 0 else []:
        if line.lstrip().startswith("- "):
            return line[: len(line) - len(line.lstrip())]
    return "  "


def _insert_repo(lines: list[str], block: list[str]) -> list[str]:
    start, end = _repos_span(lines)
    if start < 0:
        return [*lines, "repos:", *block]
    if lines[start].strip() != "repos:":  # flow style such as `repos: []  # comment`
        line = lines[start]
        comment = line[line.index(" #") :] if " #" in line else ""
        return [*lines[:start], f"repos:{comment}", *block, *lines[start + 1 :]]
    return [*lines[:end], *block, *lines[end:]]


def _set_hook_types(lines: list[str], types: list[str]) -> list[str]:
    new = f"default_install_hook_types: [{', '.join(types)}]"
    for i, line in enumerate(lines):
        if line.startswith("default_install_hook_types:"):
            rest = i + 1
            while rest < len(lines) and lines[rest].startswith((" ", "-")):
                rest += 1  # a block-style list under the key
            return [*lines[:i], new, *lines[rest:]]
    start, _ = _repos_span(lines)
    at = start if start >= 0 else len(lines)
    return [*lines[:at], new, *lines[at:]]


def _load_json(text: str, where: str) -> dict[str, Any]:
    try:
        data = json.loads(text) if text.strip() else {}
    except json.JSONDecodeError as exc:
        raise UsageError(
            f"{where}: invalid JSON (line {exc.lineno}: {exc.msg}); fix it, then rerun `br init`"
        ) from exc
    if not isinstance(data, dict):
        raise UsageError(f"{where}: expected a JSON object; fix it, then rerun `br init`")
    return data


def _dump_json(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _table(data: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    value = data.setdefault(key, {})
    if not isinstance(value, dict):
        raise UsageError(f"{where}: `{key}` must be an object; fix it, then rerun `br init`")
    return value


def merge_mcp_json(text: str | None, where: str) -> tuple[str, str]:
    """The `br` server added to .mcp.json; a user's own `br` entry is left as it is."""
    data = _load_json(text or "", where)
    servers = _table(data, "mcpServers", where)
    if "br" in servers:
        return text or "", ""
    servers["br"] = MCP_SERVER
    return _dump_json(data), "created" if text is None else "added server br"


def merge_claude_settings(text: str | None, where: str) -> tuple[str, str]:
    """Telemetry hooks added to .claude/settings.json, next to the user's own hooks."""
    data = _load_json(text or "", where)
    hooks = _table(data, "hooks", where)
    added = []
    for event, matcher in CLAUDE_HOOK_EVENTS.items():
        groups = hooks.setdefault(event, [])
        if not isinstance(groups, list):
            raise UsageError(f"{where}: hooks.{event} must be a list; fix it, then rerun `br init`")
        if CLAUDE_HOOK_COMMAND in json.dumps(groups):
            continue
        group: dict[str, Any] = {} if matcher is None else {"matcher": matcher}
        group["hooks"] = [{"type": "command", "command": CLAUDE_HOOK_COMMAND, "timeout": 10}]
        groups.append(group)
        added.append(event)
    if not added:
        return text or "", ""
    return _dump_json(data), "created" if text is None else f"added hooks {', '.join(added)}"

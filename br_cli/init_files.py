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

HOOK_IDS = (
    "br-secrets", "br-sql-injection", "br-coverage", "br-telemetry", "br-secrets-commit-msg",
)  # fmt: skip
HOOK_TYPES = ("pre-commit", "commit-msg", "post-commit", "pre-push", "post-merge")
TELEMETRY_STAGES = "[post-commit, pre-push, post-merge]"
# The console script runs the handler without the `br` CLI's start-up (typer, pydantic): Claude
# Code starts it on every tool call. .claude/settings.json is committed, so a teammate without
# BuildRunner runs it too: the command fails soft (exit 0, no output) when the script is absent,
# in POSIX sh. Older versions of `br init` wrote the CLI command, then the bare script; a rerun
# upgrades exactly those strings in place. Any other command that mentions the hook is the user's.
CLAUDE_HOOK_SCRIPT = "br-claude-hook"
CLAUDE_HOOK_COMMAND = (
    f"command -v {CLAUDE_HOOK_SCRIPT} >/dev/null 2>&1 && {CLAUDE_HOOK_SCRIPT} || true"
)
LEGACY_CLAUDE_HOOK_COMMANDS = ("br telemetry claude-hook", CLAUDE_HOOK_SCRIPT)
CLAUDE_HOOK_MARKERS = (CLAUDE_HOOK_SCRIPT, "telemetry claude-hook", "br_cli.claude_hook")
CLAUDE_HOOK_EVENTS: dict[str, str | None] = {
    "SessionStart": None,
    "PostToolUse": "Edit|MultiEdit|Write|Bash",
    "SubagentStop": None,
    "Stop": None,
    "SessionEnd": None,
}
MCP_SERVER = {"type": "stdio", "command": "br", "args": ["mcp", "serve"]}


LOCAL = "local"
# Our hooks for `repo: local`: the ids, names, file types and stages of .pre-commit-hooks.yaml
# (tests/init/test_init_local.py ties the two), run by the console scripts installed with br
# (`language: system`). pre-commit then builds no environment and fetches nothing: it works
# offline, and the first commit costs no install.
LOCAL_HOOKS: dict[str, tuple[str, ...]] = {
    "br-secrets": (
        "name: BuildRunner secrets",
        "entry: br-secrets",
        "language: system",
        "types: [text]",
        "stages: [pre-commit, pre-push, manual]",
    ),
    "br-sql-injection": (
        "name: BuildRunner SQL injection",
        "entry: br-sql-injection",
        "language: system",
        "types_or: [python, javascript, jsx, ts, tsx]",
        "stages: [pre-commit, pre-push, manual]",
    ),
    "br-coverage": (
        "name: BuildRunner coverage gate",
        "entry: br-coverage",
        "language: system",
        "pass_filenames: false",
        "always_run: true",
        "stages: [pre-commit, pre-push, manual]",
    ),
    "br-telemetry": (
        "name: BuildRunner telemetry",
        "entry: br-telemetry",
        "language: system",
        "pass_filenames: false",
        "always_run: true",
        "verbose: true",
        f"stages: {TELEMETRY_STAGES}",
    ),
    "br-secrets-commit-msg": (
        "name: BuildRunner secrets in the commit message",
        "entry: br-secrets --commit-msg",
        "language: system",
        "stages: [commit-msg]",
    ),
}


def _hook_lines(hooks: Sequence[str], indent: str, *, local: bool = False) -> list[str]:
    """One list item per hook: the id (and telemetry's stages) for a remote entry, the whole
    definition for `repo: local`."""
    lines = []
    for hook in hooks:
        lines.append(f"{indent}- id: {hook}")
        if local:
            lines += [f"{indent}  {key}" for key in LOCAL_HOOKS[hook]]
        elif hook == "br-telemetry":
            lines.append(f"{indent}  stages: {TELEMETRY_STAGES}")
    return lines


def _repo_block(repo: str, rev: str, hooks: list[str], indent: str) -> list[str]:
    if repo == LOCAL:
        head = [f"{indent}- repo: {LOCAL}", f"{indent}  hooks:"]
        return [*head, *_hook_lines(hooks, indent + "    ", local=True)]
    head = [f"{indent}- repo: {repo}", f"{indent}  rev: {rev}", f"{indent}  hooks:"]
    return [*head, *_hook_lines(hooks, indent + "    ")]


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


def _same_repo(a: object, b: str) -> bool:
    def norm(url: str) -> str:
        return url.strip().rstrip("/").removesuffix(".git")

    return isinstance(a, str) and norm(a) == norm(b)


def _lists_ours(entry: dict[str, Any]) -> bool:
    hooks = entry.get("hooks") or []
    return any(isinstance(h, dict) and h.get("id") in HOOK_IDS for h in hooks)


def _our_entry(data: dict[str, Any], repo: str) -> int | None:
    """Index of our entry in `repos`: the one at `repo`, else the first listing our ids.

    A `local` entry is ours only when we add local hooks and it already lists one of our ids
    (an earlier `br init`): a remote hook id added to someone's local entry would lack its
    entry/language. `meta` is never ours.
    """
    entries = [e if isinstance(e, dict) else {} for e in data.get("repos") or []]
    usable = [
        i
        for i, e in enumerate(entries)
        if e.get("repo") != "meta"
        and (e.get("repo") != LOCAL or (repo == LOCAL and _lists_ours(e)))
        and isinstance(e.get("hooks", []), list | None)
    ]
    for i in usable:
        if _same_repo(entries[i].get("repo"), repo):
            return i
    for i in usable:
        if _lists_ours(entries[i]):
            return i
    return None


def merge_pre_commit(
    text: str | None, repo: str, rev: str, where: str, hooks: Sequence[str] = HOOK_IDS
) -> tuple[str, str]:
    """`hooks` and their install types added to a .pre-commit-config.yaml, comments kept.

    When our repository is already listed (by URL, or by one of our hook ids under another URL
    or rev), the missing ids join that entry: the file keeps a single entry for us. `repo` is
    `local` for hooks that run the installed console scripts (no `rev`, no environment).
    """
    # Telemetry runs at post-commit/pre-push/post-merge, the message check at commit-msg; the
    # other check hooks need only pre-commit.
    hook_types = tuple(
        t
        for t in HOOK_TYPES
        if t == "pre-commit"
        or (t == "commit-msg" and "br-secrets-commit-msg" in hooks)
        or (t not in ("pre-commit", "commit-msg") and "br-telemetry" in hooks)
    )
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
    expected = list(data.get("repos") or [])
    if missing:
        index = _our_entry(data, repo)
        if index is None:
            block = _repo_block(repo, rev, missing, _list_indent(lines))
            lines = _insert_repo(lines, block)
            expected.append(_load_yaml("repos:\n" + "\n".join(block), where)["repos"][0])
            notes.append(f"added {', '.join(missing)}")
        else:
            local = expected[index].get("repo") == LOCAL
            lines = _insert_hooks(lines, index, missing, where, local=local)
            new_hooks = _load_yaml(
                "repos:\n" + "\n".join(_hook_lines(missing, "", local=local)), where
            )
            entry = dict(expected[index])
            entry["hooks"] = [*(entry.get("hooks") or []), *new_hooks["repos"]]
            expected[index] = entry
            notes.append(f"added {', '.join(missing)} to the entry of {entry.get('repo')}")
    if missing_types:
        lines = _set_hook_types(lines, [*types_list, *missing_types])
        notes.append(f"install types + {', '.join(missing_types)}")
    merged = "\n".join(lines) + "\n"
    _check_merge(data, _load_yaml(merged, where), expected, where)
    return merged, "; ".join(notes)


def _layout_error(where: str) -> UsageError:
    return UsageError(
        f"{where}: could not add our hooks without disturbing your layout; add the entry "
        "from docs/MCP.md by hand, then rerun `br init`"
    )


def _check_merge(
    before: dict[str, Any], after: dict[str, Any], repos: list[Any], where: str
) -> None:
    """The text edit must give exactly the intended structure, or nothing is written."""
    others = {k: v for k, v in before.items() if k not in ("repos", "default_install_hook_types")}
    moved = any(after.get(k) != v for k, v in others.items())
    if (after.get("repos") or []) != repos or moved:
        raise _layout_error(where)


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _is_content(line: str) -> bool:
    return bool(line.strip()) and not line.lstrip().startswith("#")


def _entry_spans(lines: list[str], where: str) -> list[tuple[int, int]]:
    """(first, end) line ranges of the block-style `repos:` list items, in order."""
    start, end = _repos_span(lines)
    if start < 0 or lines[start].strip() != "repos:":
        raise _layout_error(where)  # flow style: `repos: [...]` cannot be edited line-wise
    indent = _list_indent(lines)
    heads = [
        i
        for i in range(start + 1, end)
        if lines[i].startswith(indent + "-") and lines[i][len(indent) + 1 : len(indent) + 2] in " "
    ]
    return [(h, heads[n + 1] if n + 1 < len(heads) else end) for n, h in enumerate(heads)]


def _insert_hooks(
    lines: list[str], index: int, hooks: Sequence[str], where: str, *, local: bool = False
) -> list[str]:
    """`hooks` appended to the `hooks:` list of the index-th entry of `repos:`."""
    spans = _entry_spans(lines, where)
    if index >= len(spans):
        raise _layout_error(where)
    first, end = spans[index]
    after_dash = lines[first].lstrip()[1:]
    key_col = len(lines[first]) - len(after_dash.lstrip()) if after_dash.strip() else -1
    if key_col < 0:  # a bare `-` line: the keys start on the next line
        key_col = next((_indent(x) for x in lines[first + 1 : end] if _is_content(x)), -1)
    key_lines = [
        i
        for i in range(first, end)
        if _is_content(lines[i])
        and (i == first or _indent(lines[i]) == key_col)
        and lines[i][key_col:].startswith("hooks:")
    ]
    if len(key_lines) != 1 or _is_content(lines[key_lines[0]][key_col + len("hooks:") :]):
        raise _layout_error(where)  # no `hooks:` key, or a flow list such as `hooks: [...]`
    last = key_lines[0]
    item_indent = " " * (key_col + 2)
    for i in range(last + 1, end):
        if not _is_content(lines[i]):
            continue
        if _indent(lines[i]) < key_col or (
            _indent(lines[i]) == key_col and not lines[i].lstrip().startswith("-")
        ):
            break  # the next key of this entry
        if last == key_lines[0]:
            item_indent = " " * _indent(lines[i])
        last = i
    new = _hook_lines(hooks, item_indent, local=local)
    return [*lines[: last + 1], *new, *lines[last + 1 :]]


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
            comment = line[line.index(" #") :] if " #" in line else ""  # the user's note stays
            return [*lines[:i], new + comment, *lines[rest:]]
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


def _command_hooks(groups: list[Any]) -> list[dict[str, Any]]:
    """Every hook object of one event's matcher groups (malformed entries are skipped)."""
    found = []
    for group in groups:
        inner = group.get("hooks") if isinstance(group, dict) else None
        for hook in inner if isinstance(inner, list) else []:
            if isinstance(hook, dict) and isinstance(hook.get("command"), str):
                found.append(hook)
    return found


def _upgrade_legacy(groups: list[Any]) -> bool:
    """Point the entries an older `br init` wrote at the console script; True if any changed.

    When the event already runs the console script, the legacy entry is dropped instead, so the
    upgrade never leaves the same hook twice.
    """
    hooks = _command_hooks(groups)
    legacy = [h for h in hooks if h["command"].strip() in LEGACY_CLAUDE_HOOK_COMMANDS]
    if not legacy:
        return False
    if not any(h["command"].strip() == CLAUDE_HOOK_COMMAND for h in hooks):
        for hook in legacy:
            hook["command"] = CLAUDE_HOOK_COMMAND
        return True
    emptied = []
    for group in groups:
        if isinstance(group, dict) and isinstance(group.get("hooks"), list):
            kept = [h for h in group["hooks"] if not any(h is x for x in legacy)]
            if len(kept) < len(group["hooks"]):
                group["hooks"] = kept
                emptied += [group] if not kept else []
    groups[:] = [g for g in groups if not any(g is e for e in emptied)]
    return True


def merge_claude_settings(text: str | None, where: str) -> tuple[str, str]:
    """Telemetry hooks added to .claude/settings.json, next to the user's own hooks.

    Entries an older `br init` wrote (`br telemetry claude-hook`, `br-claude-hook`) are upgraded
    in place; a hook command the user wrote, even one calling our handler another way, is left
    as it is.
    """
    data = _load_json(text or "", where)
    hooks = _table(data, "hooks", where)
    added, upgraded = [], []
    for event, matcher in CLAUDE_HOOK_EVENTS.items():
        groups = hooks.setdefault(event, [])
        if not isinstance(groups, list):
            raise UsageError(f"{where}: hooks.{event} must be a list; fix it, then rerun `br init`")
        if _upgrade_legacy(groups):
            upgraded.append(event)
        commands = [h["command"] for h in _command_hooks(groups)]
        if any(marker in command for command in commands for marker in CLAUDE_HOOK_MARKERS):
            continue
        group: dict[str, Any] = {} if matcher is None else {"matcher": matcher}
        group["hooks"] = [{"type": "command", "command": CLAUDE_HOOK_COMMAND, "timeout": 10}]
        groups.append(group)
        added.append(event)
    if not added and not upgraded:
        return text or "", ""
    if text is None:
        return _dump_json(data), "created"
    notes = [f"added hooks {', '.join(added)}"] if added else []
    if upgraded:
        notes.append(f"hooks {', '.join(upgraded)} now fail soft without {CLAUDE_HOOK_SCRIPT}")
    return _dump_json(data), "; ".join(notes)

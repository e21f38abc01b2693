"""Optional AI complexity estimate: one Haiku call through the anthropic SDK.

Off by default (`[routing] mode = "ai"` turns it on). The key comes from ANTHROPIC_API_KEY or a
`.env` file that git ignores; it is format-checked and never shown beyond its masked form.
Any failure (no key, bad key, no network, odd answer) falls back to the heuristics and says so;
only a missing SDK is the user's to fix: the extra `buildrunner[ai]` brings it (UsageError, exit 2).
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from br_core.errors import UsageError
from br_core.routing.signals import COMPLEXITIES, Complexity
from br_core.secrets.masking import mask_value, sanitize_text

AI_MODEL = "claude-haiku-4-5"
KEY_FORMAT = re.compile(r"sk-ant-[A-Za-z0-9_-]{20,}")
PROMPT = (
    "Rate the complexity of this software task for choosing an AI model. Answer with JSON only: "
    '{"complexity": "simple|moderate|complex|critical", "reason": "<one sentence>"}.\n'
    "Task: {task}\nFiles involved: {files}\nLines changed: {lines}"
)
ClientFactory = Callable[[str], Any]


def _from_dotenv(root: Path) -> tuple[str | None, str | None]:
    path = root / ".env"
    if not path.is_file():
        return None, None
    if not _is_ignored(root):
        return None, f"{path}: not ignored by git; add .env to .gitignore before storing a key"
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        name, _, value = line.partition("=")
        if name.strip().removeprefix("export ").strip() == "ANTHROPIC_API_KEY":
            return value.strip().strip("\"'"), None
    return None, None


def _is_ignored(root: Path) -> bool:
    import subprocess

    proc = subprocess.run(["git", "check-ignore", "-q", ".env"], cwd=root, capture_output=True,
                          check=False)  # fmt: skip
    return proc.returncode == 0


def find_key(root: Path) -> tuple[str | None, str]:
    """(key, note). The note never contains more than the masked key."""
    key = os.environ.get("ANTHROPIC_API_KEY", "").strip() or None
    source = "ANTHROPIC_API_KEY"
    if key is None:
        key, problem = _from_dotenv(root)
        if problem:
            return None, problem
        source = ".env"
    if key is None:
        return None, "no ANTHROPIC_API_KEY (environment or git-ignored .env)"
    if not KEY_FORMAT.fullmatch(key):
        return None, f"{source} key {mask_value(key)} is not an Anthropic key (sk-ant-...)"
    return key, f"key {mask_value(key)} from {source}"


def require_sdk(root: Path) -> None:
    """The AI estimate was asked for: without the anthropic SDK that is a setup error to fix."""
    if importlib.util.find_spec("anthropic") is None:
        raise UsageError(
            f'{root / ".buildrunner" / "config.toml"}: [routing] mode = "ai" needs the extra '
            "buildrunner[ai]; install it (`pipx install 'buildrunner[ai]'` or "
            "`pip install 'buildrunner[ai]'`) or set mode = \"heuristic\""
        )


def _default_client(key: str) -> Any:
    import anthropic

    return anthropic.Anthropic(api_key=key, timeout=10.0, max_retries=1)


def ai_assess(
    description: str,
    files: int,
    lines: int,
    root: Path,
    client_factory: ClientFactory | None = None,
) -> tuple[Complexity | None, str]:
    """(complexity or None, a note for the explanation)."""
    if client_factory is None:
        require_sdk(root)
    key, note = find_key(root)
    if key is None:
        return None, f"AI mode unavailable ({note}); used heuristics"
    try:
        client = (client_factory or _default_client)(key)
        reply = client.messages.create(
            model=AI_MODEL, max_tokens=200,
            messages=[{"role": "user", "content": PROMPT.replace("{task}", description)
                       .replace("{files}", str(files)).replace("{lines}", str(lines))}],
        )  # fmt: skip
        text = "".join(getattr(block, "text", "") for block in reply.content)
        data = json.loads(text[text.index("{") : text.rindex("}") + 1])
        complexity = data.get("complexity")
        if complexity not in COMPLEXITIES:
            raise ValueError(f"complexity {complexity!r}")
    except Exception as exc:  # any SDK, network or parsing failure: fall back, never crash
        detail = sanitize_text(str(exc)).replace(key, mask_value(key))[:160]
        return None, f"AI mode failed ({type(exc).__name__}: {detail}); used heuristics"
    reason = sanitize_text(str(data.get("reason", "")))[:200]
    return complexity, f"AI estimate ({AI_MODEL}, {note}): {complexity}; {reason}"

"""The bearer token HTTP mode requires: made once with `secrets`, kept 0600 under BR_HOME.

Any local process can reach 127.0.0.1, so the HTTP server answers only requests that carry
`Authorization: Bearer <token>`; the SDK's bearer-auth middleware asks `StaticTokenVerifier`.
"""

from __future__ import annotations

import hmac
import os
import secrets
import shlex
import stat
from pathlib import Path

from mcp.server.auth.provider import AccessToken

from br_core.errors import UsageError
from br_core.store.files import FILE_MODE, private_dir
from br_core.store.paths import br_home

TOKEN_FILENAME = "mcp-token"
_MIN_TOKEN_CHARS = 32


def token_path() -> Path:
    return br_home() / TOKEN_FILENAME


def load_or_create_token(path: Path) -> tuple[str, bool]:
    """The token stored at `path`, and whether it was created just now (0600, never replaced)."""
    private_dir(path.parent)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(path, flags, FILE_MODE)
    except FileExistsError:
        return _read_token(path), False
    except OSError as exc:
        raise UsageError(
            f"{path}: cannot create the MCP token ({exc.strerror}); check BR_HOME"
        ) from exc
    token = secrets.token_urlsafe(32)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(token + "\n")
    return token, True


def _read_token(path: Path) -> str:
    fix = f"delete {path} to make a new token"
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode):
            raise UsageError(f"{path}: the MCP token is not a regular file; {fix}")
        if info.st_mode & 0o077:
            raise UsageError(
                f"{path}: the MCP token is readable by others; run `chmod 600 {path}` or {fix}"
            )
        token = path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the MCP token; {fix}") from exc
    if len(token) < _MIN_TOKEN_CHARS:
        raise UsageError(f"{path}: the MCP token is too short; {fix}")
    return token


class StaticTokenVerifier:
    """Accepts the one token, compared in constant time."""

    def __init__(self, token: str) -> None:
        self._expected = token.encode()

    async def verify_token(self, token: str) -> AccessToken | None:
        if not hmac.compare_digest(token.encode("utf-8", "replace"), self._expected):
            return None
        return AccessToken(token="[redacted]", client_id="br", scopes=[])


def connect_hint(path: Path, port: int) -> str:
    """The command that adds the HTTP server to Claude Code. It reads the token from its file
    (`$(cat …)`), so the token itself is never printed: not in the terminal, nor in its
    scrollback or a CI log."""
    return (
        f"claude mcp add --transport http br http://127.0.0.1:{port}/mcp "
        f'--header "Authorization: Bearer $(cat {shlex.quote(str(path))})"'
    )

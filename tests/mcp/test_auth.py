"""The HTTP bearer token: made once, kept 0600, refused when others can read it or it is odd."""

from __future__ import annotations

from pathlib import Path

import anyio
import pytest
from mcp.server.auth.provider import AccessToken

from br_core.errors import UsageError
from br_mcp.auth import StaticTokenVerifier, connect_hint, load_or_create_token, token_path


def test_the_token_is_made_once_0600_and_then_reused(br_home: Path) -> None:
    path = token_path()
    assert path == br_home / "mcp-token"
    token, created = load_or_create_token(path)
    again, created_again = load_or_create_token(path)
    assert created and not created_again and again == token
    assert len(token) >= 32 and path.stat().st_mode & 0o777 == 0o600


def test_two_first_starts_make_different_tokens(tmp_path: Path) -> None:
    first, _ = load_or_create_token(tmp_path / "a" / "mcp-token")
    second, _ = load_or_create_token(tmp_path / "b" / "mcp-token")
    assert first != second
    assert (tmp_path / "a").stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: (p.write_text("t" * 40), p.chmod(0o640)), "chmod 600"),
        (lambda p: (p.write_text("short"), p.chmod(0o600)), "too short"),
        (lambda p: p.mkdir(), "not a regular file"),
        (lambda p: p.symlink_to(p.parent / "elsewhere"), "not a regular file"),
        (lambda p: (p.write_bytes(b"\xff" * 40), p.chmod(0o600)), "cannot read"),
    ],
    ids=["readable by others", "short", "directory", "symlink", "not ascii"],
)
def test_an_odd_token_file_is_one_line_naming_it_and_the_fix(
    tmp_path: Path, make: object, expected: str
) -> None:
    path = tmp_path / "mcp-token"
    make(path)  # type: ignore[operator]
    with pytest.raises(UsageError) as raised:
        load_or_create_token(path)
    message = raised.value.message
    assert str(path) in message and expected in message and "\n" not in message
    assert raised.value.exit_code == 2
    assert "t" * 40 not in message


def test_the_verifier_accepts_only_the_token() -> None:
    token = "k" * 43
    verifier = StaticTokenVerifier(token)

    async def body() -> list[AccessToken | None]:
        return [
            await verifier.verify_token(token),
            await verifier.verify_token(token[:-1]),
            await verifier.verify_token(""),
            await verifier.verify_token("\udcff" * 43),
        ]

    accepted, *refused = anyio.run(body)
    assert accepted is not None and accepted.token != token  # never kept in clear
    assert refused == [None, None, None]


def test_the_connect_hint_is_the_claude_mcp_add_command_reading_the_token_file(
    tmp_path: Path,
) -> None:
    path = tmp_path / "my home" / "mcp-token"
    assert connect_hint(path, 9000) == (
        "claude mcp add --transport http br http://127.0.0.1:9000/mcp "
        f"--header \"Authorization: Bearer $(cat '{path}')\""
    )

"""`br mcp serve`: run the BuildRunner MCP server (what `.mcp.json` and `claude mcp add` call)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

app = typer.Typer(help="The MCP server for Claude Code.")


@app.command("serve")
def serve(
    http: Annotated[
        bool,
        typer.Option(
            "--http", help="streamable HTTP on 127.0.0.1 (bearer token required) instead of stdio"
        ),
    ] = False,
    port: Annotated[int, typer.Option(min=1, max=65535, help="HTTP port")] = 8765,
    root: Annotated[
        Path | None, typer.Option(help="repository whose queue to serve (default: cwd)")
    ] = None,
) -> None:
    """Serve over stdio (default): `claude mcp add br -- br mcp serve`.

    With --http, requests need the bearer token kept in BR_HOME/mcp-token (made and shown once).
    """
    from br_mcp.server import serve as run

    run(root=root, http=http, port=port)

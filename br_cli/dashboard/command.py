"""`br dashboard`: serve the live page of this repository's parallel build on 127.0.0.1.

Starlette and uvicorn are imported only when the command runs: `br --help` loads this module.
"""

from __future__ import annotations

from typing import Annotated

import typer

from br_core.git import project_id, project_root


def dashboard(
    port: Annotated[
        int,
        typer.Option(
            "--port", help="TCP port on 127.0.0.1 (default: a free one)", min=0, max=65535
        ),
    ] = 0,
    no_open: Annotated[
        bool, typer.Option("--no-open", help="print the URL without opening a browser")
    ] = False,
) -> None:
    """Watch a parallel build live: streams, task board, graph, cost, merge queue.

    Listens on 127.0.0.1 only; every URL carries a random token (share it with care).

    The page updates itself (server-sent events). Stop the server with Ctrl-C.
    """
    from br_cli.dashboard.app import Settings, serve
    from br_core.store.db import open_db

    root = project_root()
    settings = Settings(root=root, project_id=project_id(root))
    open_db().close()  # a missing, locked or damaged store: one line and exit 2 before serving

    def ready(url: str) -> None:
        typer.echo(f"br dashboard: {url}  (Ctrl-C to stop)")
        if not no_open:
            import webbrowser

            webbrowser.open(url)

    serve(settings, port, ready)

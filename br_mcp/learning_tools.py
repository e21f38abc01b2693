"""The `suggestions` tool: list, accept, dismiss and the acceptance rates, over br_core/learning.

Sync (the SDK runs it in a worker thread): it reads git history and the store. Accepting over MCP
records the answer and returns the command that would apply it; it never changes the repository,
because the model is not the user: the user applies with `br suggest accept ID --apply`.
"""

from __future__ import annotations

from contextlib import closing
from typing import Annotated, Any, Literal

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from br_mcp.state import State, as_tool_error, json_dict


def suggestions(
    state: State,
    action: Annotated[
        Literal["list", "accept", "dismiss", "stats"],
        Field(description="list open ones; accept/dismiss one by id; stats per kind"),
    ] = "list",
    suggestion_id: Annotated[
        str | None, Field(max_length=40, description="sg-... id, for accept/dismiss")
    ] = None,
    reason: Annotated[str, Field(max_length=500, description="why dismissed (optional)")] = "",
    days: Annotated[int, Field(ge=1, le=3650, description="history window, days")] = 90,
) -> dict[str, Any]:
    from br_core.git import project_id
    from br_core.learning import suggestions as engine
    from br_core.store.db import open_db

    if action in ("accept", "dismiss") and not suggestion_id:
        raise ToolError(f"{action} needs suggestion_id; call with action 'list' to see the ids")
    with as_tool_error(), closing(open_db()) as conn:
        project = project_id(state.root)
        if action == "list":
            patterns, open_ones = engine.suggest(conn, state.root, days)
            return {
                "suggestions": [json_dict(s) for s in open_ones],
                "waiting": [p.note for p in patterns if not p.ready],
            }
        if action == "stats":
            return {"kinds": [k.__dict__ for k in engine.acceptance_stats(conn, project)]}
        answer: Literal["accepted", "dismissed"] = "accepted" if action == "accept" else "dismissed"
        got = engine.decide(conn, project, str(suggestion_id), answer, reason)
        out = json_dict(got)
        if answer == "accepted":
            out["next"] = (f"not applied: ask the user to run `br suggest accept {got.id} --apply` "
                           f"or `{got.command}`")  # fmt: skip
        return out

"""Bad arguments told as one sentence: what a model (or person) reads to correct its call.

The SDK reports a tool's rejected arguments as pydantic's multi-line dump, which also echoes the
rejected values, and a prompt's missing argument as an internal error with a traceback on the
server. The server (`server.BRServer`) routes both through here instead.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from pydantic import ValidationError
from pydantic_core import ErrorDetails

_SHOWN_ERRORS = 3


def _location(loc: Iterable[int | str]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "the arguments"


def _problem(error: ErrorDetails) -> str:
    where = _location(error["loc"])
    if error["type"] == "missing":
        return f"{where} is required"
    if error["type"] == "extra_forbidden":
        return f"{where} is not an accepted field"
    # "String should have ...", "Input should be ...": the argument's name says what it is.
    message = re.sub(r"^[A-Z][a-z]* should ", "should ", error["msg"].removeprefix("Value error, "))
    return f"{where}: {message}"


def invalid_arguments(tool: str, exc: ValidationError) -> str:
    """One line naming each bad argument and what is expected; never the rejected value."""
    errors = exc.errors(include_url=False, include_input=False)
    problems = [_problem(error) for error in errors[:_SHOWN_ERRORS]]
    more = len(errors) - len(problems)
    tail = f" (and {more} more)" if more > 0 else ""
    return (
        f"invalid arguments for {tool}: {'; '.join(problems)}{tail}; see the tool's input schema"
    ).replace("\n", " ")


def prompt_argument_problem(
    prompt: str, declared: Mapping[str, bool], given: Mapping[str, Any] | None
) -> str | None:
    """What is wrong with a prompt's arguments (`declared` maps name -> required), or None."""
    given = given or {}
    missing = sorted(name for name, required in declared.items() if required and name not in given)
    unknown = sorted(name for name in given if name not in declared)
    accepted = ", ".join(sorted(declared)) or "none"
    if missing:
        return f"prompt {prompt} needs the argument {', '.join(missing)}; pass it and try again"
    if unknown:
        return f"prompt {prompt} has no argument {', '.join(unknown)[:200]}; it accepts: {accepted}"
    return None

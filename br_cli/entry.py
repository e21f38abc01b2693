"""The `br` console script: a repeated cost report is answered from the store's output cache
(br_cli/cost_cache.py) before anything heavy is imported; every other command goes to the
typer application in br_cli/app.py.

Output into a closed pipe (`br tasks list --json | head -1`) ends the command quietly with
exit 1, whichever path printed it: click already does so inside a command; this catches the
rest (the cached report, output still buffered at exit)."""

from __future__ import annotations

import sys
import time

from br_core.errors import silence_closed_stream

EXIT_CLOSED_PIPE = 1  # click's choice for a closed stdout, and the Python docs' recipe


def main(argv: list[str] | None = None) -> int:
    try:
        code = _dispatch(sys.argv[1:] if argv is None else argv)
        sys.stdout.flush()  # buffered output meets a closed pipe here, not at interpreter exit
    except BrokenPipeError:
        silence_closed_stream(sys.stdout)
        return EXIT_CLOSED_PIPE
    return code


def _dispatch(args: list[str]) -> int:
    if len(args) > 1 and args[0] == "cost":
        from br_cli import cost_cache

        start = time.perf_counter()
        request = cost_cache.cached_request(args)
        output = cost_cache.lookup(request) if request is not None else None
        if request is not None and output is not None:
            sys.stdout.write(output)
            from br_cli.capture import record_command

            record_command(f"cost {request[0]}", 0, start)
            return 0
    from br_cli.app import main as full

    return full(args)


if __name__ == "__main__":
    raise SystemExit(main())

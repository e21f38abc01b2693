"""The `br` console script: a repeated cost report is answered from the store's output cache
(br_cli/cost_cache.py) before anything heavy is imported; every other command goes to the
typer application in br_cli/app.py."""

from __future__ import annotations

import sys
import time


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
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

"""A queue worker process for the PostgreSQL tests: claims and completes until the queue is done.

Run as `python -m tests.store.pg_worker NAME` in a clone, with BR_HOME and BR_STORE set as a
user's machine would have them. Prints one JSON line: the tasks whose completion the store
acknowledged, and how many store errors (a restarted server) it rode out.
"""

from __future__ import annotations

import json
import sys
import time

from br_core.errors import StoreError
from br_core.git import project_id
from br_core.queue.models import StaleTokenError
from br_core.queue.task_queue import TaskQueue
from br_core.store.db import open_db

PATIENCE_S = 60


def _left(queue: TaskQueue) -> int:
    row = queue.conn.execute(
        "SELECT count(*) FROM tasks WHERE project_id = ? AND status != 'done'",
        (queue.project_id,),
    ).fetchone()
    return int(row[0]) if row else 0


def main(name: str) -> dict[str, object]:
    queue = TaskQueue(open_db(), project_id(), lease_seconds=120)
    acked: list[tuple[str, int]] = []
    errors = 0
    calm_since = time.monotonic()
    while time.monotonic() - calm_since < PATIENCE_S:
        try:
            claim = queue.claim(name)
            if claim is None:
                if _left(queue) == 0:
                    break
                time.sleep(0.002)
                continue
            calm_since = time.monotonic()
            task_id, token = claim.task.id, claim.token
            while True:
                try:
                    queue.complete(task_id, token)
                    acked.append((task_id, token))
                    break
                except StaleTokenError as exc:
                    # A completion committed just before the connection dropped: the retry
                    # is told it is done already (by us). Anything else is a real loss.
                    if f"already done by {name}" not in str(exc):
                        raise
                    break
                except StoreError:
                    errors += 1
                    time.sleep(0.2)
        except StoreError:
            errors += 1
            time.sleep(0.2)
    return {"project": queue.project_id, "acked": acked, "errors": errors}


if __name__ == "__main__":
    print(json.dumps(main(sys.argv[1])))

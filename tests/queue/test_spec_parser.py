"""PROJECT_SPEC.md -> features and tasks: deterministic, estimates kept, re-parse in place."""

from __future__ import annotations

import re
import threading
from pathlib import Path

import pytest

from br_core.errors import UsageError
from br_core.queue.spec_parser import parse_spec, parse_spec_file
from br_core.queue.task_queue import TaskQueue
from br_core.store.db import open_db

SPEC = """\
# Shop

Intro prose that is not a task.

## Feature 1: Storage (P1) (3h)
Stream: backend
- [ ] Schema migration (1h)
  - tables for orders
  - indexes
- [x] Connection pool (30m) {#pool}

### Files to create
- `shop/db.py`

## Feature 2: Checkout
Depends on: Storage
### Cart API (2 hours)
Body text for cart.
Depends on: Payment hook
#### Files to create
- `shop/cart.py`
- shop/api.py — routes
### Payment hook [P0]
Estimate: 45 min

```
- not a task inside a code fence
## nor a feature
```
"""


def test_features_tasks_and_fields() -> None:
    spec = parse_spec(SPEC)
    assert spec.title == "Shop"
    assert [(f.id, f.title) for f in spec.features] == [
        ("storage", "Storage"),
        ("checkout", "Checkout"),
    ]
    by_id = {t.id: t for t in spec.tasks}
    assert list(by_id) == [
        "storage/schema-migration",
        "pool",
        "checkout/cart-api",
        "checkout/payment-hook",
    ]
    schema = by_id["storage/schema-migration"]
    assert (schema.estimate_minutes, schema.priority, schema.stream) == (60.0, 1, "backend")
    assert schema.description == "tables for orders\nindexes"
    assert schema.files == ["shop/db.py"]
    cart = by_id["checkout/cart-api"]
    assert cart.estimate_minutes == 120.0
    assert cart.files == ["shop/cart.py", "shop/api.py"]
    assert cart.description == "Body text for cart."
    assert cart.depends_on == ["storage/schema-migration", "pool", "checkout/payment-hook"]
    hook = by_id["checkout/payment-hook"]
    assert (hook.priority, hook.estimate_minutes) == (0, 45.0)
    assert spec.done_ids == {"pool"}


@pytest.mark.parametrize(
    ("line", "title", "minutes"),
    [
        ("- Write docs (2h)", "Write docs", 120.0),
        ("- Write docs (1.5 hours)", "Write docs", 90.0),
        ("- Write docs (~20 min)", "Write docs", 20.0),
        ("- Write docs [2d]", "Write docs", 960.0),
        ("- Write docs", "Write docs", None),
        # numbers that are not durations stay in the title
        ("- Support 3d models", "Support 3d models", None),
        ("- Port to Python 3h", "Port to Python 3h", None),
    ],
)
def test_durations(line: str, title: str, minutes: float | None) -> None:
    (task,) = parse_spec(f"## F\n{line}\n").tasks
    assert (task.title, task.estimate_minutes) == (title, minutes)


def test_feature_estimate_is_shared_by_tasks_without_one() -> None:
    tasks = parse_spec("## F (4h)\n- a\n- b (1h)\n").tasks
    assert [t.estimate_minutes for t in tasks] == [120.0, 60.0]


def test_same_text_same_result_and_no_tasks_in_empty_spec() -> None:
    assert parse_spec(SPEC) == parse_spec(SPEC)
    assert parse_spec("# Only a title\n\nSome prose.\n").tasks == []


def test_duplicate_titles_get_distinct_ids() -> None:
    ids = [t.id for t in parse_spec("## F\n- same\n- same\n").tasks]
    assert ids == ["f/same", "f/same-2"]


def test_tasks_before_any_feature_go_to_general() -> None:
    (task,) = parse_spec("- [ ] lonely task\n").tasks
    assert (task.id, task.feature) == ("general/lonely-task", "general")


def test_reparse_updates_in_place_with_stable_ids(br_home: Path) -> None:
    queue = TaskQueue(open_db(), "p")
    first = parse_spec(SPEC)
    report = queue.sync_spec(first.features, first.tasks, sorted(first.done_ids))
    assert len(report.added) == 4 and report.marked_done == ["pool"]
    claim = queue.claim("w")
    assert claim is not None and claim.task.id == "storage/schema-migration"

    edited = (
        SPEC.replace("Schema migration (1h)", "Schema migration (3h)")
        .replace("### Payment hook [P0]\nEstimate: 45 min\n", "")
        .replace("Depends on: Payment hook\n", "")
        + "\n## Feature 3: Docs\n- [ ] README\n"
    )
    again = parse_spec(edited)
    report = queue.sync_spec(again.features, again.tasks, sorted(again.done_ids))
    assert report.added == ["docs/readme"]
    assert "storage/schema-migration" in report.updated
    assert report.removed == ["checkout/payment-hook"]
    _, total = queue.list_tasks()
    assert total == 4  # no duplicates
    kept = queue.get("storage/schema-migration")
    assert (kept.status, kept.estimate_minutes, kept.owner) == ("claimed", 180.0, "w")
    assert queue.get("checkout/cart-api").depends_on == ["pool", "storage/schema-migration"]

    unchanged = queue.sync_spec(again.features, again.tasks, sorted(again.done_ids))
    assert (unchanged.added, unchanged.updated, unchanged.removed) == ([], [], [])
    assert unchanged.unchanged == 4


def test_a_claimed_task_dropped_from_the_spec_is_kept(br_home: Path) -> None:
    queue = TaskQueue(open_db(), "p")
    spec = parse_spec("## F\n- a\n- b\n")
    queue.sync_spec(spec.features, spec.tasks)
    assert queue.claim("w") is not None
    shrunk = parse_spec("## F\n- b\n")
    report = queue.sync_spec(shrunk.features, shrunk.tasks)
    assert report.kept == ["f/a"] and report.removed == []


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00\x01binary", "binary file"),
        (b"## F\n- caf\xe9\n", "not UTF-8"),
        (None, "no such file"),
    ],
)
def test_bad_spec_files(tmp_path: Path, content: bytes | None, message: str) -> None:
    path = tmp_path / "PROJECT_SPEC.md"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(UsageError, match=message):
        parse_spec_file(path)


def test_huge_spec_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import br_core.queue.spec_parser as spec_parser

    monkeypatch.setattr(spec_parser, "MAX_SPEC_BYTES", 100)
    path = tmp_path / "PROJECT_SPEC.md"
    path.write_text("## F\n" + "- task\n" * 50, encoding="utf-8")
    with pytest.raises(UsageError, match="split it into smaller specs"):
        parse_spec_file(path)


def test_key_lines_belong_to_the_task_above_or_the_feature() -> None:
    spec = parse_spec(
        "## Base\n- base task\n"
        "## Feature A\n"
        "Priority: high\n"
        "- [ ] first (1h)\n"
        "  - Depends on: base task\n"
        "  - Priority: P0\n"
        "- [ ] second\n"
        "Depends on: Base\n"
        "### Third as heading\n"
        "Priority: low\n"
        "Estimate: 2 days\n"
    )
    by_id = {t.id: t for t in spec.tasks}
    first, second = by_id["feature-a/first"], by_id["feature-a/second"]
    third = by_id["feature-a/third-as-heading"]
    assert (first.priority, first.depends_on) == (0, ["base/base-task"])
    # the unindented "Depends on" after the bullets is the feature's: every task waits on Base
    assert second.depends_on == ["base/base-task"] and second.priority == 1
    assert (third.priority, third.estimate_minutes) == (3, 960.0)
    assert third.depends_on == ["base/base-task"]


@pytest.mark.parametrize(
    ("spec", "files"),
    [
        ("## F\n- t\nFiles to create:\n- `a.py`\n- b.py (new)\n", ["a.py", "b.py"]),
        ("## F\n### T\n**Files:**\n- src/x.ts\n", ["src/x.ts"]),
        ("## F\n- t\n  - Files to modify:\n  - c.py\n", ["c.py"]),
    ],
)
def test_files_sections(spec: str, files: list[str]) -> None:
    (task,) = parse_spec(spec).tasks
    assert task.files == files


def test_a_task_that_died_blocks_a_task_added_later(br_home: Path) -> None:
    queue = TaskQueue(open_db(), "p", max_attempts=1)
    spec = parse_spec("## F\n- base\n")
    queue.sync_spec(spec.features, spec.tasks)
    claim = queue.claim("w")
    assert claim is not None
    queue.fail(claim.task.id, claim.token)
    grown = parse_spec("## F\n- base\n- next\n  - Depends on: base\n")
    queue.sync_spec(grown.features, grown.tasks)
    assert queue.get("f/base").status == "dead"
    assert queue.get("f/next").status == "blocked"


# -- hostile input (issue 12) --------------------------------------------------------------


# /dev/null stands for every device: a regression on /dev/zero would fill memory, not just hang
@pytest.mark.parametrize("special", ["/dev/null", "fifo", "dir"])
def test_only_regular_files_are_read(tmp_path: Path, special: str) -> None:
    import os

    if special == "fifo":
        path = tmp_path / "spec.fifo"
        os.mkfifo(path)  # nobody writes: opening it for reading would block forever
    elif special == "dir":
        path = tmp_path
    else:
        path = Path(special)
        if not path.exists():
            pytest.skip(f"{special} is absent here")
    outcome: list[BaseException | object] = []

    def read() -> None:
        try:
            outcome.append(parse_spec_file(path))
        except BaseException as exc:  # handed to the test thread
            outcome.append(exc)

    worker = threading.Thread(target=read, daemon=True)
    worker.start()
    worker.join(10)  # bounded: a regression hangs a daemon thread, not the test run
    assert outcome, f"reading {special} did not finish"
    (err,) = outcome
    assert isinstance(err, UsageError)
    assert re.search("not a regular file|is a directory", err.message)
    assert str(path) in err.message and "\n" not in err.message


def test_the_byte_cap_is_enforced_while_reading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import br_core.queue.spec_parser as spec_parser

    path = tmp_path / "PROJECT_SPEC.md"
    path.write_text("## F\n" + "- task\n" * 50, encoding="utf-8")
    monkeypatch.setattr(spec_parser, "MAX_SPEC_BYTES", 100)
    # a file that grows after any stat (or reports size 0, as /dev/zero does) must still stop
    monkeypatch.setattr(Path, "stat", lambda self, **kw: os_stat_with_size_zero(self))
    with pytest.raises(UsageError, match="split it into smaller specs"):
        parse_spec_file(path)


def os_stat_with_size_zero(path: Path) -> object:
    import os

    real = os.stat(path)

    class _Zero:
        st_size = 0
        st_mode = real.st_mode

    return _Zero()


LONG_SPEC = (
    "# P\n## Feature: Authentication and session management for admins\n"
    "- [ ] Implement the login endpoint with rate limiting and audit\n"
)


def test_ids_derived_from_long_titles_fit(br_home: Path) -> None:
    from br_core.queue.models import NewTask

    spec = parse_spec(LONG_SPEC)
    (task,) = spec.tasks
    assert task.id is not None and len(task.id) <= 80
    NewTask.model_validate(task.model_dump())  # the stored shape accepts it
    queue = TaskQueue(open_db(), "p")
    assert queue.sync_spec(spec.features, spec.tasks).added == [task.id]
    assert parse_spec(LONG_SPEC).tasks[0].id == task.id  # deterministic


def test_long_ids_stay_unique_and_short_ones_are_untouched() -> None:
    pinned_feature = "## Big {#" + "f" * 80 + "}\n"
    titles = [f"{'word ' * 12}{n}" for n in range(3)] + ["same " * 12] * 2
    spec = parse_spec(pinned_feature + "".join(f"- {t}\n" for t in titles) + "## F\n- x\n")
    ids = [t.id or "" for t in spec.tasks]
    assert len(set(ids)) == len(ids)
    assert all(len(i) <= 80 for i in ids)
    assert ids[-1] == "f/x"
    deep = parse_spec("## " + "a" * 60 + "\n" + "".join(f"- {'b' * 60}\n" for _ in range(12)))
    deep_ids = [t.id or "" for t in deep.tasks]
    assert len(set(deep_ids)) == 12 and all(len(i) <= 80 for i in deep_ids)


def test_two_specs_with_the_same_name_keep_their_own_tasks(tmp_path: Path) -> None:
    queue = TaskQueue(open_db(), "p")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "PROJECT_SPEC.md").write_text("## Api\n- routes\n", encoding="utf-8")
    (tmp_path / "b" / "PROJECT_SPEC.md").write_text("## Web\n- pages\n", encoding="utf-8")
    first = parse_spec_file(tmp_path / "a" / "PROJECT_SPEC.md", root=tmp_path)
    second = parse_spec_file(tmp_path / "b" / "PROJECT_SPEC.md", root=tmp_path)
    assert (first.source, second.source) == ("spec:a/PROJECT_SPEC.md", "spec:b/PROJECT_SPEC.md")
    queue.sync_spec(first.features, first.tasks, source=first.source)
    report = queue.sync_spec(second.features, second.tasks, source=second.source)
    assert report.removed == []
    assert queue.get("api/routes").status == "ready"
    # the root's spec keeps the identity it always had, so existing queues carry on
    (tmp_path / "PROJECT_SPEC.md").write_text("## F\n- t\n", encoding="utf-8")
    assert parse_spec_file(tmp_path / "PROJECT_SPEC.md", root=tmp_path).source == (
        "spec:PROJECT_SPEC.md"
    )


def test_secrets_in_titles_and_descriptions_are_masked(br_home: Path) -> None:
    import random

    from tests.data.secrets_corpus import rand

    token = "ghp_" + rand(random.Random(12), "alnum", 36)
    spec = parse_spec(
        f"## Rotate {token}\n- [ ] Revoke {token} today\n  - the old one was {token}\n"
    )
    (task,) = spec.tasks
    dumped = repr(spec)
    assert token not in dumped and token.lower() not in dumped
    assert "Revoke ghp" in task.title and "today" in task.title
    assert task.description.startswith("the old one was ghp")
    # the masked prefix must not leak a usable secret into the id either
    assert token[4:].lower() not in (task.id or "")


def test_a_masked_key_block_keeps_the_specs_lines() -> None:
    import random

    from tests.data.secrets_corpus import make_pem

    pem = make_pem(random.Random(4))
    spec = parse_spec(f"## F\n- [ ] Load the key\n{pem}\n- [ ] Next task\n")
    assert [t.title for t in spec.tasks] == ["Load the key", "Next task"]
    body = pem.splitlines()[1]
    assert body not in repr(spec)


@pytest.mark.parametrize("label", ["Tasks", "tasks:", "To do", "TODO", "Checklist", "Subtasks"])
def test_a_tasks_subheading_labels_the_list_and_is_no_task(label: str) -> None:
    spec = parse_spec(f"# P\n## Feature: Auth\n### {label}\n- [ ] Login (1h)\n- [x] Logout\n")
    assert [(t.id, t.title) for t in spec.tasks] == [
        ("auth/login", "Login"),
        ("auth/logout", "Logout"),
    ]
    assert spec.done_ids == {"auth/logout"}
    assert all(not t.description for t in spec.tasks)


def test_a_label_under_a_heading_task_keeps_the_list_as_its_description() -> None:
    spec = parse_spec("## Auth\n### Session store (45m)\n#### Steps\n- open\n- close\n")
    [task] = spec.tasks
    assert (task.title, task.description) == ("Session store", "open\nclose")


def test_a_heading_that_only_mentions_tasks_is_still_a_task() -> None:
    spec = parse_spec("## Auth\n### Tasks page for admins\n- shows the queue\n")
    assert [t.title for t in spec.tasks] == ["Tasks page for admins"]

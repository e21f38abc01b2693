"""TinyDB over SQLite: TinyDB's API, row-level writes, ids never reused, real processes."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from tinydb import Query
from tinydb.table import Document

from br_core.store.db import open_db
from br_core.store.docstore import DocTable, DocumentDB, document_table
from br_core.store.paths import db_path


@pytest.fixture
def table(conn: sqlite3.Connection) -> DocTable:
    return document_table(conn, "things")


def test_tinydb_api_round_trip(table: DocTable) -> None:
    thing = Query()
    assert table.insert({"name": "a", "n": 1}) == 1
    assert table.insert_multiple([{"name": "b", "n": 2}, {"name": "c", "n": 3}]) == [2, 3]
    assert [d["name"] for d in table.search(thing.n >= 2)] == ["b", "c"]
    assert table.get(doc_id=2) == {"name": "b", "n": 2}
    assert table.get(thing.name == "c").doc_id == 3  # type: ignore[union-attr]
    assert table.contains(thing.name == "a") and not table.contains(thing.name == "z")
    assert table.count(thing.n > 0) == 3 and len(table) == 3
    assert table.update({"n": 10}, thing.name == "a") == [1]
    assert table.upsert({"name": "d", "n": 4}, thing.name == "d") == [4]
    assert table.remove(thing.n == 10) == [1]
    assert sorted(d.doc_id for d in table) == [2, 3, 4]
    table.truncate()
    assert len(table) == 0 and table.all() == []


def test_ids_are_never_reused_after_deletes(table: DocTable) -> None:
    ids = table.insert_multiple([{"i": i} for i in range(3)])
    table.remove(doc_ids=[ids[-1]])
    assert table.insert({"i": 99}) == ids[-1] + 1
    table.truncate()
    assert table.insert({"i": 100}) == ids[-1] + 2


def test_document_with_explicit_id(table: DocTable) -> None:
    assert table.insert(Document({"x": 1}, doc_id=10)) == 10
    with pytest.raises(ValueError, match="already exists"):
        table.insert(Document({"x": 2}, doc_id=10))
    assert table.insert({"x": 3}) == 11
    with pytest.raises(ValueError, match="Mapping"):
        table.insert([1, 2])  # type: ignore[arg-type]


def test_only_changed_rows_are_written(table: DocTable) -> None:
    table.insert_multiple([{"k": i, "flag": False} for i in range(20)])
    statements: list[str] = []
    table._conn.set_trace_callback(statements.append)
    try:
        table.update({"flag": True}, Query().k == 7)
        table.update({"flag": True}, Query().k == 7)  # no change: no row written
    finally:
        table._conn.set_trace_callback(None)
    writes = [s for s in statements if s.lstrip().upper().startswith(("INSERT INTO DOC", "DELETE"))]
    assert len(writes) == 1, writes


def test_tables_are_separate_and_visible_to_tinydb(table: DocTable) -> None:
    other = document_table(open_db(), "other")
    table.insert({"a": 1})
    other.insert({"b": 2})
    assert table.all() == [{"a": 1}] and other.all() == [{"b": 2}]
    db = DocumentDB(open_db())
    assert db.tables() == {"things", "other"}
    db.drop_table("other")
    assert document_table(open_db(), "other").all() == [] and table.all() == [{"a": 1}]


def test_second_connection_sees_writes_without_cache(table: DocTable) -> None:
    other = DocumentDB(open_db()).table("things")
    assert other.search(Query().v == 1) == []
    table.insert({"v": 1})
    assert other.search(Query().v == 1) == [{"v": 1}]  # no stale query cache


def test_corrupt_document_store_is_a_store_error(tmp_path: Path) -> None:
    from br_core.errors import StoreError

    conn = open_db(tmp_path / "d.db")
    t = DocumentDB(conn).table("x")
    conn.execute("DROP TABLE documents")
    with pytest.raises(StoreError, match="br db check"):
        t.insert({"a": 1})


WORKER = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from tinydb import Query
    from br_core.store.db import open_db
    from br_core.store.docstore import document_table
    worker, count, go = int(sys.argv[1]), int(sys.argv[2]), Path(sys.argv[3])
    while not go.exists():
        time.sleep(0.005)
    table = document_table(open_db(), "shared")
    ids = []
    for i in range(count):
        ids.append(table.insert({"worker": worker, "i": i}))
        if i % 10 == 0:
            table.update({"touched": worker}, Query().worker == worker)
        if i % 7 == 6:  # delete some: their ids must never come back
            table.remove(doc_ids=[ids[-1]])
    print(" ".join(map(str, ids)))
    """
)


@pytest.mark.slow
def test_four_processes_lose_nothing_and_share_no_id(tmp_path: Path) -> None:
    workers, count = 4, 60
    go = tmp_path / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(w), str(count), str(go)],
            stdout=subprocess.PIPE,
            text=True,
        )
        for w in range(workers)
    ]
    go.touch()
    handed_out: list[int] = []
    for proc in procs:
        out, _ = proc.communicate(timeout=120)
        assert proc.returncode == 0
        handed_out += [int(x) for x in out.split()]
    assert len(handed_out) == workers * count
    assert len(set(handed_out)) == len(handed_out)  # no id handed out twice, deleted ones included
    kept = [i for i in range(count) if i % 7 != 6]
    conn = sqlite3.connect(db_path())
    rows = conn.execute("SELECT doc_id FROM documents WHERE tbl = 'shared'").fetchall()
    assert len(rows) == workers * len(kept)
    table = document_table(open_db(), "shared")
    for w in range(workers):
        mine = table.search(Query().worker == w)
        assert sorted(d["i"] for d in mine) == kept
        last_update = (count - 1) // 10 * 10  # every doc inserted by then was updated
        assert all(d.get("touched") == w for d in mine if d["i"] <= last_update)


def test_insert_unless_is_insert_if_absent(table: DocTable) -> None:
    key = Query().name == "x"
    first = table.insert_unless(key, {"name": "x", "v": 1})
    assert first is not None
    assert table.insert_unless(key, {"name": "x", "v": 2}) is None
    assert table.search(key) == [{"name": "x", "v": 1}]

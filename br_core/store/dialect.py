"""The domains' SQL, written once for SQLite, as PostgreSQL runs it.

The domains write qmark SQL for SQLite. Rather than two copies of every statement, the PostgreSQL
connection rewrites the few SQLite-only forms we use, each a named rule below, and caches the
result per statement text (a statement is rewritten once per process):

- `?` placeholders -> `%s` (and a literal `%` -> `%%`), outside string literals only;
- `BEGIN IMMEDIATE` -> `BEGIN` plus the store-wide advisory lock (the same serialisation);
- `INDEXED BY name` -> dropped (PostgreSQL's planner picks the index);
- scalar `max(a, b)` / `min(a, b)` -> `GREATEST` / `LEAST` (the one-argument aggregates stay);
- `INSERT OR IGNORE` -> `ON CONFLICT DO NOTHING`; `INSERT OR REPLACE` -> an upsert on the
  table's key (KEYS below);
- an INSERT into a table with a generated `id` gets `RETURNING id` so `cursor.lastrowid` works;
- `CAST(a / b AS INTEGER)` -> `CAST(trunc(a / b) AS BIGINT)`: SQLite truncates, PostgreSQL
  would round (a day bucket would move at noon);
- `WHERE 1` -> `WHERE TRUE`; `PRAGMA busy_timeout = N` -> `SET lock_timeout = N` (the same
  bounded wait for a lock).

Anything else SQLite-only fails loudly on PostgreSQL: every domain test runs on both backends.
"""

from __future__ import annotations

import re
from functools import lru_cache

# The advisory lock key every `BEGIN IMMEDIATE` takes on PostgreSQL: writers of the store
# serialise as on SQLite. The queue's claims take it shared (see br_core/queue/task_queue.py).
STORE_LOCK_KEY = 0x6272_5F73_746F_7265  # "br_store"
# Tables whose INSERT OR REPLACE becomes an upsert on this key.
KEYS = {"output_cache": ("key",), "transcript_offsets": ("path",), "meta": ("key",)}
# Tables with a generated integer `id`: an INSERT returns it for `lastrowid`.
SERIAL_TABLES = frozenset({"events", "usage", "route_outcomes", "task_events"})

_INDEXED_BY = re.compile(r"\s+INDEXED\s+BY\s+\w+", re.IGNORECASE)
_INSERT_OR = re.compile(r"^\s*INSERT\s+OR\s+(IGNORE|REPLACE)\s+INTO\s+", re.IGNORECASE)
_INSERT_INTO = re.compile(r"^\s*INSERT\s+INTO\s+(\w+)\s*\(([^)]*)\)", re.IGNORECASE)
_SCALAR = re.compile(r"\b(max|min)\(", re.IGNORECASE)
_RETURNING = re.compile(r"\bRETURNING\b", re.IGNORECASE)
_CONFLICT = re.compile(r"\bON\s+CONFLICT\b", re.IGNORECASE)
_CAST_DIV = re.compile(r"CAST\(((?:[^()]|\([^()]*\))*/(?:[^()]|\([^()]*\))*) AS INTEGER\)", re.I)
_WHERE_1 = re.compile(r"\bWHERE\s+1\b(?!\s*[=<>!])", re.IGNORECASE)
_BUSY = re.compile(r"^\s*PRAGMA\s+busy_timeout\s*=\s*(\d+)\s*$", re.IGNORECASE)


@lru_cache(maxsize=1024)
def to_postgres(sql: str, for_many: bool = False) -> tuple[str, bool]:
    """(PostgreSQL text of `sql`, whether it returns a generated id for lastrowid)."""
    if sql.strip().upper() == "BEGIN IMMEDIATE":
        return f"BEGIN; SELECT pg_advisory_xact_lock({STORE_LOCK_KEY})", False
    busy = _BUSY.match(sql)
    if busy:
        return f"SET lock_timeout = {int(busy.group(1))}", False
    text = _INDEXED_BY.sub("", sql)
    text = _CAST_DIV.sub(r"CAST(trunc(\1) AS BIGINT)", text)
    text = _WHERE_1.sub("WHERE TRUE", text)
    text = _scalar_extremes(text)
    text = _insert_or(text)
    returns_id = False
    insert = _INSERT_INTO.match(text)
    if (
        not for_many
        and insert
        and insert.group(1).lower() in SERIAL_TABLES
        and not _RETURNING.search(text)
        and not _CONFLICT.search(text)
    ):
        text = f"{text.rstrip().rstrip(';')} RETURNING id"
        returns_id = True
    return _placeholders(text), returns_id


def _placeholders(sql: str) -> str:
    out: list[str] = []
    quote: str | None = None
    for ch in sql:
        if quote:
            out.append("%%" if ch == "%" else ch)
            if ch == quote:
                quote = None
        elif ch in ("'", '"'):
            quote = ch
            out.append(ch)
        elif ch == "?":
            out.append("%s")
        elif ch == "%":
            out.append("%%")
        else:
            out.append(ch)
    return "".join(out)


def _scalar_extremes(sql: str) -> str:
    """`max(a, b)` -> `GREATEST(a, b)`: a top-level comma inside the parentheses makes it scalar."""
    pos = 0
    while True:
        found = _SCALAR.search(sql, pos)
        if found is None:
            return sql
        start, depth, comma = found.end(), 1, False
        i = start
        while i < len(sql) and depth:
            ch = sql[i]
            if ch == "(":
                depth += 1
            elif ch == ")":
                depth -= 1
            elif ch == "," and depth == 1:
                comma = True
            i += 1
        if comma:
            name = "GREATEST" if found.group(1).lower() == "max" else "LEAST"
            sql = f"{sql[: found.start()]}{name}({sql[start:]}"
        pos = found.start() + 1


def _insert_or(sql: str) -> str:
    found = _INSERT_OR.match(sql)
    if found is None:
        return sql
    plain = f"INSERT INTO {sql[found.end() :]}"
    returning = _RETURNING.search(plain)
    body, tail = (
        (plain, "")
        if returning is None
        else (
            plain[: returning.start()],
            " " + plain[returning.start() :],
        )
    )
    body = body.rstrip().rstrip(";")
    if found.group(1).upper() == "IGNORE":
        return f"{body} ON CONFLICT DO NOTHING{tail}"
    insert = _INSERT_INTO.match(plain)
    if insert is None or insert.group(1).lower() not in KEYS:
        raise ValueError(f"INSERT OR REPLACE on a table without a known key: {sql[:80]}")
    key = KEYS[insert.group(1).lower()]
    columns = [c.strip() for c in insert.group(2).split(",")]
    updates = ", ".join(f"{c} = excluded.{c}" for c in columns if c not in key)
    return f"{body} ON CONFLICT ({', '.join(key)}) DO UPDATE SET {updates}{tail}"

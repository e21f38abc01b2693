"""Append-only, named schema migrations. Never edit or reorder an entry: add a new one.

Each migration runs in its own transaction and is recorded in `_migrations`.
"""

from __future__ import annotations

MIGRATIONS: list[tuple[str, str]] = [
    (
        "0001_events",
        """
        CREATE TABLE projects (
            project_id TEXT PRIMARY KEY,
            root       TEXT NOT NULL,
            first_seen REAL NOT NULL,
            last_seen  REAL NOT NULL
        );
        CREATE TABLE events (
            id         INTEGER PRIMARY KEY,
            project_id TEXT NOT NULL,
            type       TEXT NOT NULL,
            ts         REAL NOT NULL,
            git_hash   TEXT,
            user_hash  TEXT,
            data       TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX events_project_type_ts ON events (project_id, type, ts);
        CREATE INDEX events_ts ON events (ts);
        """,
    ),
    (
        "0002_documents",
        """
        CREATE TABLE documents (
            tbl    TEXT NOT NULL,
            doc_id INTEGER NOT NULL,
            data   TEXT NOT NULL,
            PRIMARY KEY (tbl, doc_id)
        ) WITHOUT ROWID;
        """,
    ),
    (
        "0004_tasks",
        """
        CREATE TABLE features (
            project_id   TEXT NOT NULL,
            id           TEXT NOT NULL,
            title        TEXT NOT NULL,
            position     INTEGER NOT NULL DEFAULT 0,
            completed_at REAL,
            PRIMARY KEY (project_id, id)
        ) WITHOUT ROWID;
        CREATE TABLE tasks (
            seq           INTEGER PRIMARY KEY,
            project_id    TEXT NOT NULL,
            id            TEXT NOT NULL,
            feature       TEXT NOT NULL DEFAULT '',
            title         TEXT NOT NULL,
            description   TEXT NOT NULL DEFAULT '',
            files         TEXT NOT NULL DEFAULT '[]',
            priority      INTEGER NOT NULL DEFAULT 2,
            estimate_min  REAL,
            status        TEXT NOT NULL DEFAULT 'pending',
            stream        TEXT NOT NULL DEFAULT '',
            owner         TEXT,
            lease_expires REAL,
            token         INTEGER NOT NULL DEFAULT 0,
            attempts      INTEGER NOT NULL DEFAULT 0,
            max_attempts  INTEGER NOT NULL DEFAULT 3,
            depth         INTEGER NOT NULL DEFAULT 0,
            unmet         INTEGER NOT NULL DEFAULT 0,
            source        TEXT NOT NULL DEFAULT 'manual',
            created_at    REAL NOT NULL,
            updated_at    REAL NOT NULL,
            UNIQUE (project_id, id)
        );
        CREATE INDEX tasks_next ON tasks (project_id, status, priority, depth, seq);
        CREATE INDEX tasks_next_stream ON tasks (project_id, stream, status, priority, depth, seq);
        CREATE INDEX tasks_lease ON tasks (project_id, status, lease_expires);
        CREATE INDEX tasks_feature ON tasks (project_id, feature, status);
        CREATE TABLE task_deps (
            project_id TEXT NOT NULL,
            task_id    TEXT NOT NULL,
            depends_on TEXT NOT NULL,
            PRIMARY KEY (project_id, task_id, depends_on)
        ) WITHOUT ROWID;
        CREATE INDEX task_deps_reverse ON task_deps (project_id, depends_on);
        CREATE TABLE task_events (
            id         INTEGER PRIMARY KEY,
            project_id TEXT NOT NULL,
            task_id    TEXT NOT NULL,
            ts         REAL NOT NULL,
            kind       TEXT NOT NULL,
            owner      TEXT,
            token      INTEGER,
            data       TEXT NOT NULL DEFAULT '{}'
        );
        CREATE INDEX task_events_task ON task_events (project_id, task_id, id)
        """,
    ),
    (
        "0005_telemetry",
        # Maintained per-(project, type) counters keep `br telemetry ready` O(types), not O(events).
        """
        CREATE TABLE event_counts (
            project_id TEXT NOT NULL,
            type       TEXT NOT NULL,
            n          INTEGER NOT NULL,
            first_ts   REAL NOT NULL,
            last_ts    REAL NOT NULL,
            PRIMARY KEY (project_id, type)
        ) WITHOUT ROWID;
        INSERT INTO event_counts (project_id, type, n, first_ts, last_ts)
            SELECT project_id, type, count(*), min(ts), max(ts) FROM events
            GROUP BY project_id, type;
        CREATE TRIGGER events_count_insert AFTER INSERT ON events BEGIN
            INSERT INTO event_counts (project_id, type, n, first_ts, last_ts)
            VALUES (NEW.project_id, NEW.type, 1, NEW.ts, NEW.ts)
            ON CONFLICT (project_id, type) DO UPDATE SET
                n = n + 1,
                first_ts = min(first_ts, excluded.first_ts),
                last_ts = max(last_ts, excluded.last_ts);
        END;
        CREATE TRIGGER events_count_delete AFTER DELETE ON events BEGIN
            UPDATE event_counts SET n = n - 1
            WHERE project_id = OLD.project_id AND type = OLD.type;
        END;
        CREATE TABLE meta (
            key   TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )
        """,
    ),
    (
        "0003_usage",
        """
        CREATE TABLE usage (
            id                    INTEGER PRIMARY KEY,
            dedup_key             TEXT NOT NULL UNIQUE,
            source                TEXT NOT NULL,
            project_id            TEXT,
            project_dir           TEXT NOT NULL DEFAULT '',
            session_id            TEXT NOT NULL DEFAULT '',
            ts                    REAL NOT NULL,
            model                 TEXT NOT NULL,
            input_tokens          INTEGER NOT NULL DEFAULT 0,
            output_tokens         INTEGER NOT NULL DEFAULT 0,
            cache_write_5m_tokens INTEGER NOT NULL DEFAULT 0,
            cache_write_1h_tokens INTEGER NOT NULL DEFAULT 0,
            cache_read_tokens     INTEGER NOT NULL DEFAULT 0,
            fast                  INTEGER NOT NULL DEFAULT 0,
            is_sidechain          INTEGER NOT NULL DEFAULT 0,
            task_type             TEXT,
            duration_ms           INTEGER
        );
        CREATE INDEX usage_ts ON usage (ts);
        CREATE INDEX usage_project_ts ON usage (project_id, ts);
        CREATE INDEX usage_session ON usage (session_id);
        CREATE TABLE transcript_offsets (
            path      TEXT PRIMARY KEY,
            size      INTEGER NOT NULL,
            mtime_ns  INTEGER NOT NULL,
            inode     INTEGER NOT NULL,
            offset    INTEGER NOT NULL,
            lines     INTEGER NOT NULL DEFAULT 0,
            malformed INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE route_outcomes (
            id          INTEGER PRIMARY KEY,
            project_id  TEXT NOT NULL,
            ts          REAL NOT NULL,
            task_kind   TEXT NOT NULL,
            complexity  TEXT NOT NULL,
            tier        TEXT NOT NULL,
            model       TEXT NOT NULL,
            success     INTEGER NOT NULL,
            cost_usd    REAL,
            duration_ms INTEGER
        );
        CREATE INDEX route_outcomes_kind ON route_outcomes (project_id, task_kind, tier)
        """,
    ),
    (
        "0006_usage_replays",
        """
        ALTER TABLE usage ADD COLUMN message_id TEXT;
        CREATE INDEX usage_message_session ON usage (message_id, session_id)
        """,
    ),
    (
        "0007_output_cache",
        # Rendered reports keyed by their request, served while the data they were built from
        # is unchanged (br_core/store/output_cache.py). New usage rows show in MAX(usage.id); other
        # changes bump `output_generation`. Usage rows are updated only by the transcript upsert,
        # which writes its file's transcript_offsets row in the same transaction, so the offsets
        # triggers cover it: triggers on usage inserts and updates made the first read of 200 MB
        # of transcripts 0.3 s slower.
        """
        CREATE TABLE output_cache (
            key        TEXT PRIMARY KEY,
            generation TEXT NOT NULL,
            deps       TEXT NOT NULL,
            output     TEXT NOT NULL,
            created    REAL NOT NULL
        );
        INSERT OR IGNORE INTO meta (key, value) VALUES ('output_generation', '0');
        CREATE TRIGGER usage_delete_generation AFTER DELETE ON usage BEGIN
            UPDATE meta SET value = value + 1 WHERE key = 'output_generation';
        END;
        CREATE TRIGGER offsets_insert_generation AFTER INSERT ON transcript_offsets BEGIN
            UPDATE meta SET value = value + 1 WHERE key = 'output_generation';
        END;
        CREATE TRIGGER offsets_update_generation AFTER UPDATE ON transcript_offsets BEGIN
            UPDATE meta SET value = value + 1 WHERE key = 'output_generation';
        END;
        CREATE TRIGGER offsets_delete_generation AFTER DELETE ON transcript_offsets BEGIN
            UPDATE meta SET value = value + 1 WHERE key = 'output_generation';
        END
        """,
    ),
    (
        "0008_routing_decisions",
        # One row per routing decision, joined to its outcome by id: the learner reads only
        # decisions that have an outcome (resolved), so what it learns is on-policy.
        """
        CREATE TABLE routing_decisions (
            id             TEXT PRIMARY KEY,
            project_id     TEXT NOT NULL,
            ts             REAL NOT NULL,
            area           TEXT NOT NULL DEFAULT '',
            features       TEXT NOT NULL DEFAULT '{}',
            tier           TEXT NOT NULL,
            greedy_tier    TEXT NOT NULL,
            explored       INTEGER NOT NULL DEFAULT 0,
            source         TEXT NOT NULL,
            objective      TEXT NOT NULL DEFAULT '',
            cost_weight    REAL,
            p_success      REAL,
            estimate_usd   REAL,
            task_id        TEXT,
            session        TEXT,
            resolved       INTEGER,
            cost_usd       REAL,
            tokens         INTEGER,
            duration_s     REAL,
            notes          TEXT,
            outcome_source TEXT,
            outcome_ts     REAL
        ) WITHOUT ROWID;
        CREATE INDEX routing_decisions_learn
            ON routing_decisions (project_id, resolved, area, tier);
        CREATE INDEX routing_decisions_task ON routing_decisions (project_id, task_id, ts);
        CREATE INDEX routing_decisions_session ON routing_decisions (project_id, session, tier, ts)
        """,
    ),
    (
        "0009_orchestration",
        # Parallel builds (br_core/orchestration/): one row per stream with what its worker last
        # reported, the project's shared decisions log, and the merge queue's history.
        """
        CREATE TABLE streams (
            project_id     TEXT NOT NULL,
            name           TEXT NOT NULL,
            branch         TEXT NOT NULL,
            worktree       TEXT NOT NULL DEFAULT '',
            batch          INTEGER NOT NULL DEFAULT 0,
            status         TEXT NOT NULL DEFAULT 'planned',
            owner          TEXT,
            current_task   TEXT,
            head           TEXT,
            heartbeat_at   REAL,
            decisions_seen INTEGER NOT NULL DEFAULT 0,
            started_at     REAL NOT NULL,
            updated_at     REAL NOT NULL,
            PRIMARY KEY (project_id, name)
        ) WITHOUT ROWID;
        CREATE TABLE decisions (
            id         INTEGER PRIMARY KEY,
            project_id TEXT NOT NULL,
            ts         REAL NOT NULL,
            who        TEXT NOT NULL,
            stream     TEXT NOT NULL DEFAULT '',
            text       TEXT NOT NULL
        );
        CREATE INDEX decisions_project ON decisions (project_id, id);
        CREATE TABLE merge_queue (
            id           INTEGER PRIMARY KEY,
            project_id   TEXT NOT NULL,
            stream       TEXT NOT NULL,
            target       TEXT NOT NULL,
            state        TEXT NOT NULL,
            files        TEXT NOT NULL DEFAULT '[]',
            other_stream TEXT,
            output_tail  TEXT NOT NULL DEFAULT '',
            merged_commit TEXT,
            at           REAL NOT NULL
        );
        CREATE INDEX merge_queue_project ON merge_queue (project_id, id)
        """,
    ),
    (
        "0010_suggestions",
        # The learning layer's suggestions (br_core/learning/suggestions.py): one row per
        # (project, kind, scope), so a dismissed kind is not suggested again for that scope and
        # the answers give acceptance rates per kind.
        """
        CREATE TABLE suggestions (
            id         TEXT PRIMARY KEY,
            project_id TEXT NOT NULL,
            kind       TEXT NOT NULL,
            scope      TEXT NOT NULL,
            action     TEXT NOT NULL,
            evidence   TEXT NOT NULL DEFAULT '{}',
            command    TEXT NOT NULL,
            apply      TEXT NOT NULL DEFAULT '{}',
            weakens    INTEGER NOT NULL DEFAULT 0,
            state      TEXT NOT NULL DEFAULT 'open',
            reason     TEXT,
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            decided_at REAL,
            UNIQUE (project_id, kind, scope)
        ) WITHOUT ROWID;
        CREATE INDEX suggestions_state ON suggestions (project_id, state, kind)
        """,
    ),
    (
        "0011_claim_function",
        # PostgreSQL creates the server-side claim (br_claim) under this name; SQLite claims in
        # process (the store is a local file, a round trip costs nothing), so it records the
        # name only, keeping both stores' _migrations lists in step.
        "-- nothing to create on SQLite",
    ),
    (
        "0012_cost_source",
        # Where a decision's cost came from (the subagent's transcript, the queue, a person):
        # outcome_source names who closed the decision and is replaced when the outcome arrives,
        # while the cost may stay the transcript's.
        """
        ALTER TABLE routing_decisions ADD COLUMN cost_source TEXT;
        UPDATE routing_decisions SET cost_source = outcome_source WHERE cost_usd IS NOT NULL
        """,
    ),
    (
        "0013_held_task_functions",
        # PostgreSQL creates heartbeat, done and fail as server-side functions (one round trip
        # each, as 0011's claim); SQLite runs them in process and records the name only.
        "-- nothing to create on SQLite",
    ),
]

# Names a migration was recorded under by unreleased builds before it got its final one: a store
# that recorded the earlier name has that migration (running it again fails: "table streams
# already exists", on every hook run).
EARLIER_NAMES: dict[str, tuple[str, ...]] = {"0009_orchestration": ("0008_orchestration",)}

import GRDB

/// The store's tables, as an ordered list of migrations (never edit a shipped one; append).
enum StoreSchema {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1") { db in
            // Edits of cohort.yaml's items, one row per create/edit/rename/delete.
            try db.execute(sql: """
                CREATE TABLE definition_changes (
                    id INTEGER PRIMARY KEY,
                    at_wall INTEGER NOT NULL,
                    collection TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    name TEXT NOT NULL,
                    action TEXT NOT NULL,
                    old_name TEXT,
                    before TEXT,
                    after TEXT,
                    diff TEXT NOT NULL
                );
                CREATE INDEX definition_changes_by_name ON definition_changes(name);
                CREATE INDEX definition_changes_by_old_name ON definition_changes(old_name) WHERE old_name IS NOT NULL;
                """)
            // Membership changes; AUTOINCREMENT so a cursor's seq is never reused.
            try db.execute(sql: """
                CREATE TABLE activations (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    collection TEXT NOT NULL,
                    segment TEXT NOT NULL,
                    key TEXT NOT NULL,
                    change TEXT NOT NULL,
                    at INTEGER NOT NULL,
                    cause TEXT NOT NULL
                )
                """)
            try db.execute(sql: """
                CREATE TABLE quarantine (
                    stream TEXT NOT NULL,
                    line INTEGER NOT NULL,
                    reason TEXT NOT NULL,
                    excerpt TEXT NOT NULL,
                    source TEXT NOT NULL,
                    PRIMARY KEY (stream, source, line)
                ) WITHOUT ROWID
                """)
            try db.execute(sql: """
                CREATE TABLE events (
                    stream TEXT NOT NULL,
                    event_id TEXT NOT NULL,
                    timestamp INTEGER NOT NULL,
                    line TEXT NOT NULL,
                    received_wall INTEGER NOT NULL,
                    PRIMARY KEY (stream, event_id)
                ) WITHOUT ROWID;
                CREATE INDEX events_by_time ON events(stream, timestamp);
                """)
            try db.execute(sql: """
                CREATE TABLE checkpoints (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    created_wall INTEGER NOT NULL,
                    definitions_hash TEXT NOT NULL,
                    inputs_fingerprint TEXT NOT NULL,
                    position INTEGER NOT NULL,
                    clock INTEGER,
                    file TEXT NOT NULL,
                    bytes INTEGER NOT NULL
                );
                CREATE INDEX checkpoints_by_inputs ON checkpoints(definitions_hash, inputs_fingerprint);
                """)
        }
        migrator.registerMigration("v2-serve") { db in
            // What `cohort serve` keeps between runs: the clock up to which its activations are
            // logged (a restart replays silently to there, then logs again).
            try db.execute(sql: """
                CREATE TABLE serve_state (
                    key TEXT PRIMARY KEY,
                    value INTEGER NOT NULL
                ) WITHOUT ROWID
                """)
            // API tokens: only a SHA-256 of the secret is kept.
            try db.execute(sql: """
                CREATE TABLE tokens (
                    id TEXT PRIMARY KEY,
                    hash TEXT NOT NULL,
                    scopes TEXT NOT NULL,
                    rate REAL NOT NULL,
                    burst INTEGER NOT NULL,
                    created_wall INTEGER NOT NULL,
                    revoked INTEGER NOT NULL DEFAULT 0
                ) WITHOUT ROWID
                """)
            // Webhook deliveries: one row per destination and activation that is not simply
            // delivered on the first try (failed ones wait for a replay), plus each
            // destination's cursor in the activation log.
            try db.execute(sql: """
                CREATE TABLE deliveries (
                    destination TEXT NOT NULL,
                    seq INTEGER NOT NULL,
                    status TEXT NOT NULL,
                    attempts INTEGER NOT NULL,
                    last_error TEXT,
                    updated_wall INTEGER NOT NULL,
                    PRIMARY KEY (destination, seq)
                ) WITHOUT ROWID;
                CREATE INDEX deliveries_by_status ON deliveries(destination, status);
                CREATE TABLE destination_cursors (
                    destination TEXT PRIMARY KEY,
                    seq INTEGER NOT NULL
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v3-ingest-log") { db in
            // What `cohort serve` accepted, one row per request: the accepted events' lines as
            // NDJSON (or one JSON event as sent), replayed through the stream reader at start.
            // A row per request, not per event, keeps a large batch one write.
            try db.execute(sql: """
                CREATE TABLE ingest_log (
                    seq INTEGER PRIMARY KEY,
                    stream TEXT NOT NULL,
                    ndjson INTEGER NOT NULL,
                    body TEXT NOT NULL,
                    events INTEGER NOT NULL,
                    received_wall INTEGER NOT NULL
                )
                """)
        }
        return migrator
    }
}

import GRDB

/// One event of the event log: its raw JSON line, keyed by stream and event id.
public struct StoredEvent: Sendable, Hashable {
    /// The stream's name.
    public var stream: String
    public var eventID: String
    /// The event's own timestamp, microseconds since the epoch.
    public var timestamp: Int64
    /// The raw JSON line, as received.
    public var line: String
    /// When it was received, microseconds since the epoch (wall clock).
    public var receivedWall: Int64

    public init(stream: String, eventID: String, timestamp: Int64, line: String, receivedWall: Int64 = CohortStore.wallMicroseconds()) {
        self.stream = stream
        self.eventID = eventID
        self.timestamp = timestamp
        self.line = line
        self.receivedWall = receivedWall
    }

    init(row: Row) {
        self.init(stream: row["stream"], eventID: row["event_id"], timestamp: row["timestamp"], line: row["line"], receivedWall: row["received_wall"])
    }
}

extension CohortStore {
    /// Appends events to the log in one transaction, deduplicated by stream and event id.
    ///
    /// Of several events with one id in one stream, the one with the earliest timestamp is kept
    /// (on a tie, the one stored first), as SPEC §3 counts them. `inserted` counts new ids;
    /// `duplicates` counts the rest, whether or not an earlier timestamp replaced the stored one.
    @discardableResult
    public func appendEvents(_ events: [StoredEvent]) throws -> (inserted: Int, duplicates: Int) {
        guard !events.isEmpty else { return (0, 0) }
        return try database("append events") {
            try pool.write { db in
                let insert = try db.cachedStatement(sql: """
                    INSERT OR IGNORE INTO events (stream, event_id, timestamp, line, received_wall) VALUES (?, ?, ?, ?, ?)
                    """)
                let replaceLater = try db.cachedStatement(sql: """
                    UPDATE events SET timestamp = ?, line = ?, received_wall = ?
                    WHERE stream = ? AND event_id = ? AND timestamp > ?
                    """)
                var inserted = 0
                for e in events {
                    try insert.execute(arguments: [e.stream, e.eventID, e.timestamp, e.line, e.receivedWall])
                    if db.changesCount > 0 {
                        inserted += 1
                    } else {
                        try replaceLater.execute(arguments: [e.timestamp, e.line, e.receivedWall, e.stream, e.eventID, e.timestamp])
                    }
                }
                return (inserted, events.count - inserted)
            }
        }
    }

    /// The logged events of one stream, or of all, in timestamp order (then stream and id).
    public func events(stream: String? = nil) throws -> [StoredEvent] {
        try database("read events") {
            try pool.read { db in
                let rows = if let stream {
                    try Row.fetchAll(db, sql: "SELECT * FROM events WHERE stream = ? ORDER BY timestamp, event_id", arguments: [stream])
                } else {
                    try Row.fetchAll(db, sql: "SELECT * FROM events ORDER BY timestamp, stream, event_id")
                }
                return rows.map(StoredEvent.init(row:))
            }
        }
    }

    /// The number of logged events, of one stream or of all.
    public func eventCount(stream: String? = nil) throws -> Int {
        try database("count events") {
            try pool.read { db in
                if let stream {
                    return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events WHERE stream = ?", arguments: [stream]) ?? 0
                }
                return try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM events") ?? 0
            }
        }
    }
}

import GRDB

/// A line of a stream that could not be taken as an event, with why.
public struct QuarantineEntry: Sendable, Hashable {
    /// The stream's name.
    public var stream: String
    /// 1-based line number in the stream's file, or in the API batch it arrived in.
    public var line: Int
    public var reason: String
    /// The line's text, cut for display.
    public var excerpt: String
    /// `file` or `api`: where the line came from.
    public var source: String

    public init(stream: String, line: Int, reason: String, excerpt: String, source: String) {
        self.stream = stream
        self.line = line
        self.reason = reason
        self.excerpt = excerpt
        self.source = source
    }

    init(row: Row) {
        self.init(stream: row["stream"], line: row["line"], reason: row["reason"], excerpt: row["excerpt"], source: row["source"])
    }
}

extension CohortStore {
    /// Records quarantined lines in one transaction; an entry replaces the one with its stream, source and line.
    public func recordQuarantine(_ entries: [QuarantineEntry]) throws {
        guard !entries.isEmpty else { return }
        try database("record quarantined lines") {
            try pool.write { db in try Self.upsertQuarantine(entries, in: db) }
        }
    }

    /// Writes quarantined lines inside a transaction; an entry replaces the one with its
    /// stream, source and line (shared with `commit(_:)`).
    static func upsertQuarantine(_ entries: [QuarantineEntry], in db: Database) throws {
        let upsert = try db.cachedStatement(sql: """
            INSERT INTO quarantine (stream, line, reason, excerpt, source) VALUES (?, ?, ?, ?, ?)
            ON CONFLICT (stream, source, line) DO UPDATE SET reason = excluded.reason, excerpt = excluded.excerpt
            """)
        for e in entries {
            try upsert.execute(arguments: [e.stream, e.line, e.reason, e.excerpt, e.source])
        }
    }

    /// The quarantined lines of one stream, or of all, ordered by stream, source and line.
    public func quarantine(stream: String? = nil) throws -> [QuarantineEntry] {
        try database("read quarantined lines") {
            try pool.read { db in
                let rows = if let stream {
                    try Row.fetchAll(db, sql: "SELECT * FROM quarantine WHERE stream = ? ORDER BY source, line", arguments: [stream])
                } else {
                    try Row.fetchAll(db, sql: "SELECT * FROM quarantine ORDER BY stream, source, line")
                }
                return rows.map(QuarantineEntry.init(row:))
            }
        }
    }
}

import CohortEngine
import GRDB

/// A segment membership change as stored: the engine's `Activation` with its cause as text.
public struct ActivationRecord: Sendable, Hashable {
    public var collection: String
    public var segment: String
    /// The profile's key.
    public var key: String
    /// `enter` or `exit`.
    public var change: String
    /// The clock instant of the change, microseconds since the epoch.
    public var at: Int64
    /// What made the change, as `ActivationCause.description` words it ("event web/e1", "clock", …).
    public var cause: String

    public init(collection: String, segment: String, key: String, change: String, at: Int64, cause: String) {
        self.collection = collection
        self.segment = segment
        self.key = key
        self.change = change
        self.at = at
        self.cause = cause
    }

    /// The record of an activation the engine reported.
    public init(_ activation: Activation) {
        self.init(collection: activation.collection, segment: activation.segment, key: activation.key,
                  change: activation.change.rawValue, at: activation.at, cause: activation.cause.description)
    }

    init(row: Row) {
        self.init(collection: row["collection"], segment: row["segment"], key: row["key"],
                  change: row["change"], at: row["at"], cause: row["cause"])
    }
}

extension CohortStore {
    /// Appends activations in one transaction (the console calls it once per frame with the frame's batch).
    public func appendActivations(_ records: [ActivationRecord]) throws {
        guard !records.isEmpty else { return }
        try database("append activations") {
            try pool.write { db in
                let insert = try db.cachedStatement(sql: "INSERT INTO activations (collection, segment, key, change, at, cause) VALUES (?, ?, ?, ?, ?, ?)")
                for r in records {
                    try insert.execute(arguments: [r.collection, r.segment, r.key, r.change, r.at, r.cause])
                }
            }
        }
    }

    /// Up to `limit` activations with a sequence number above `after`, oldest first, with their numbers.
    ///
    /// Pass the last `seq` seen as the next `after` to page through them (0 starts at the beginning).
    public func activations(after: Int64 = 0, limit: Int = 1000) throws -> [(seq: Int64, record: ActivationRecord)] {
        try database("read activations") {
            try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM activations WHERE seq > ? ORDER BY seq LIMIT ?", arguments: [after, limit])
                    .map { (seq: $0["seq"], record: ActivationRecord(row: $0)) }
            }
        }
    }

    /// The number of stored activations.
    public func activationCount() throws -> Int {
        try database("count activations") {
            try pool.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM activations") ?? 0 }
        }
    }
}

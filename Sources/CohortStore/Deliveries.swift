import GRDB

/// Where one webhook delivery stands.
public enum DeliveryStatus: String, Sendable, Hashable, CaseIterable {
    /// The destination answered 2xx.
    case delivered
    /// Every attempt failed; the row waits for a replay.
    case failed
    /// A replay put it back in line; the running deliverer retries it.
    case queued
}

/// One destination's delivery of one activation: the per-destination log (`cohort destinations log`).
public struct DeliveryRecord: Sendable, Hashable {
    /// The destination's name in cohort.yaml.
    public var destination: String
    /// The activation's number in the activation log (the `Cohort-Activation-Id` header).
    public var seq: Int64
    public var status: DeliveryStatus
    /// POSTs made so far, replays included.
    public var attempts: Int
    /// What the last failed attempt got ("HTTP 500: …", a connection error); nil when none failed.
    public var lastError: String?
    /// When the row last changed, microseconds since the epoch (wall clock).
    public var updatedWall: Int64

    public init(destination: String, seq: Int64, status: DeliveryStatus, attempts: Int, lastError: String? = nil,
                updatedWall: Int64 = CohortStore.wallMicroseconds()) {
        self.destination = destination
        self.seq = seq
        self.status = status
        self.attempts = attempts
        self.lastError = lastError
        self.updatedWall = updatedWall
    }

    init(row: Row) {
        let status: String = row["status"]
        self.init(destination: row["destination"], seq: row["seq"], status: DeliveryStatus(rawValue: status) ?? .failed,
                  attempts: row["attempts"], lastError: row["last_error"], updatedWall: row["updated_wall"])
    }
}

/// How many of a destination's deliveries are in each state.
public struct DeliveryCounts: Sendable, Hashable {
    public var delivered: Int
    public var failed: Int
    public var queued: Int

    public init(delivered: Int = 0, failed: Int = 0, queued: Int = 0) {
        self.delivered = delivered
        self.failed = failed
        self.queued = queued
    }
}

extension CohortStore {
    /// Stores a delivery's outcome (replacing the row of the same destination and activation)
    /// and, in the same transaction, moves the destination's cursor up to `cursor` (never back).
    public func recordDelivery(_ record: DeliveryRecord, advancingCursorTo cursor: Int64? = nil) throws {
        try database("record the delivery") {
            try pool.write { db in
                try db.execute(sql: """
                    INSERT INTO deliveries (destination, seq, status, attempts, last_error, updated_wall) VALUES (?, ?, ?, ?, ?, ?)
                    ON CONFLICT (destination, seq) DO UPDATE SET status = excluded.status, attempts = excluded.attempts,
                        last_error = excluded.last_error, updated_wall = excluded.updated_wall
                    """, arguments: [record.destination, record.seq, record.status.rawValue, record.attempts, record.lastError, record.updatedWall])
                if let cursor { try Self.advanceCursor(db, record.destination, cursor) }
            }
        }
    }

    /// The number of the last activation the destination has dealt with (delivered, failed or
    /// skipped by its filter); nil for a destination never seen.
    public func destinationCursor(_ destination: String) throws -> Int64? {
        try database("read the destination's cursor") {
            try pool.read { db in
                try Int64.fetchOne(db, sql: "SELECT seq FROM destination_cursors WHERE destination = ?", arguments: [destination])
            }
        }
    }

    /// Every stored cursor, by destination.
    public func destinationCursors() throws -> [String: Int64] {
        try database("read the destinations' cursors") {
            try pool.read { db in
                var out: [String: Int64] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT destination, seq FROM destination_cursors") { out[row["destination"]] = row["seq"] }
                return out
            }
        }
    }

    /// Sets the destination's cursor to `seq`, forwards or back.
    public func setDestinationCursor(_ destination: String, to seq: Int64) throws {
        try database("store the destination's cursor") {
            try pool.write { db in
                try db.execute(sql: """
                    INSERT INTO destination_cursors (destination, seq) VALUES (?, ?)
                    ON CONFLICT (destination) DO UPDATE SET seq = excluded.seq
                    """, arguments: [destination, seq])
            }
        }
    }

    /// Moves the destination's cursor up to `seq`; a cursor already past it stays.
    public func advanceDestinationCursor(_ destination: String, to seq: Int64) throws {
        try database("store the destination's cursor") {
            try pool.write { db in try Self.advanceCursor(db, destination, seq) }
        }
    }

    private static func advanceCursor(_ db: Database, _ destination: String, _ seq: Int64) throws {
        try db.execute(sql: """
            INSERT INTO destination_cursors (destination, seq) VALUES (?, ?)
            ON CONFLICT (destination) DO UPDATE SET seq = MAX(seq, excluded.seq)
            """, arguments: [destination, seq])
    }

    /// How many of the destination's deliveries are delivered, failed and queued.
    public func deliveryCounts(destination: String) throws -> DeliveryCounts {
        try database("count the deliveries") {
            try pool.read { db in
                var counts = DeliveryCounts()
                let rows = try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM deliveries WHERE destination = ? GROUP BY status",
                                            arguments: [destination])
                for row in rows {
                    let n: Int = row["n"]
                    switch DeliveryStatus(rawValue: row["status"]) {
                    case .delivered: counts.delivered += n
                    case .failed: counts.failed += n
                    case .queued: counts.queued += n
                    case nil: break
                    }
                }
                return counts
            }
        }
    }

    /// Up to `limit` of the destination's deliveries numbered above `after` (all of them, or
    /// those in `status`), oldest first. Pass the last `seq` seen as the next `after` to page.
    public func deliveries(destination: String, status: DeliveryStatus? = nil, after: Int64 = 0, limit: Int = 1000) throws -> [DeliveryRecord] {
        try database("read the deliveries") {
            try pool.read { db in
                let rows = if let status {
                    try Row.fetchAll(db, sql: "SELECT * FROM deliveries WHERE destination = ? AND status = ? AND seq > ? ORDER BY seq LIMIT ?",
                                     arguments: [destination, status.rawValue, after, limit])
                } else {
                    try Row.fetchAll(db, sql: "SELECT * FROM deliveries WHERE destination = ? AND seq > ? ORDER BY seq LIMIT ?",
                                     arguments: [destination, after, limit])
                }
                return rows.map(DeliveryRecord.init(row:))
            }
        }
    }

    /// The destination's last `limit` deliveries by number (all, or those in `status`), oldest first.
    public func recentDeliveries(destination: String, status: DeliveryStatus? = nil, limit: Int = 100) throws -> [DeliveryRecord] {
        try database("read the deliveries") {
            try pool.read { db in
                let rows = if let status {
                    try Row.fetchAll(db, sql: "SELECT * FROM deliveries WHERE destination = ? AND status = ? ORDER BY seq DESC LIMIT ?",
                                     arguments: [destination, status.rawValue, limit])
                } else {
                    try Row.fetchAll(db, sql: "SELECT * FROM deliveries WHERE destination = ? ORDER BY seq DESC LIMIT ?",
                                     arguments: [destination, limit])
                }
                return rows.reversed().map(DeliveryRecord.init(row:))
            }
        }
    }

    /// The error of the destination's most recently updated row that has one (nil when none has).
    public func lastDeliveryError(destination: String) throws -> String? {
        try database("read the deliveries") {
            try pool.read { db in
                try String.fetchOne(db, sql: """
                    SELECT last_error FROM deliveries WHERE destination = ? AND last_error IS NOT NULL
                    ORDER BY updated_wall DESC, seq DESC LIMIT 1
                    """, arguments: [destination])
            }
        }
    }

    /// Names of the destinations that have a cursor or deliveries in the store, sorted (also
    /// those since removed from cohort.yaml).
    public func deliveryDestinations() throws -> [String] {
        try database("read the destinations") {
            try pool.read { db in
                try String.fetchAll(db, sql: """
                    SELECT destination FROM destination_cursors UNION SELECT DISTINCT destination FROM deliveries ORDER BY 1
                    """)
            }
        }
    }

    /// Puts the destination's failed deliveries back in line (`queued`) for the running
    /// deliverer to retry; returns how many.
    @discardableResult
    public func requeueFailed(destination: String) throws -> Int {
        try database("queue the failed deliveries") {
            try pool.write { db in
                try db.execute(sql: "UPDATE deliveries SET status = 'queued', updated_wall = ? WHERE destination = ? AND status = 'failed'",
                               arguments: [CohortStore.wallMicroseconds(), destination])
                return db.changesCount
            }
        }
    }
}

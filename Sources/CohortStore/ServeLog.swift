import GRDB

/// Events one API request brought: the accepted ones' text, as NDJSON lines or one JSON event.
public struct IngestedBody: Sendable, Hashable {
    public var stream: String
    /// True: `text` holds one event per line; false: it is one JSON event (which may span lines).
    public var ndjson: Bool
    public var text: String
    public var events: Int
    public var receivedWall: Int64

    public init(stream: String, ndjson: Bool, text: String, events: Int, receivedWall: Int64 = CohortStore.wallMicroseconds()) {
        self.stream = stream
        self.ndjson = ndjson
        self.text = text
        self.events = events
        self.receivedWall = receivedWall
    }
}

/// What `cohort serve` writes in one group commit: the events it accepted, the lines it
/// quarantined, the activations it numbered, and the clock they bring the log up to.
public struct ServeBatch: Sendable {
    public var bodies: [IngestedBody] = []
    public var quarantine: [QuarantineEntry] = []
    /// Activations with the sequence numbers the server gave them (its cursors).
    public var activations: [(seq: Int64, record: ActivationRecord)] = []
    /// The engine's clock once everything in the batch was applied.
    public var loggedUntil: Int64?

    public init() {}

    public var isEmpty: Bool { bodies.isEmpty && quarantine.isEmpty && activations.isEmpty && loggedUntil == nil }

    /// Adds a later batch's content to this one (the writer merges what queued up while it was committing).
    public mutating func merge(_ other: ServeBatch) {
        bodies += other.bodies
        quarantine += other.quarantine
        activations += other.activations
        if let t = other.loggedUntil { loggedUntil = max(loggedUntil ?? t, t) }
    }
}

/// An API token as stored: only a hash of its secret.
public struct TokenRecord: Sendable, Hashable {
    public var id: String
    /// SHA-256 of the whole token text, in hex.
    public var hash: String
    public var scopes: [String]
    /// Requests per second; 0 is unlimited.
    public var rate: Double
    public var burst: Int
    public var createdWall: Int64
    public var revoked: Bool

    public init(id: String, hash: String, scopes: [String], rate: Double, burst: Int, createdWall: Int64 = CohortStore.wallMicroseconds(), revoked: Bool = false) {
        self.id = id
        self.hash = hash
        self.scopes = scopes
        self.rate = rate
        self.burst = burst
        self.createdWall = createdWall
        self.revoked = revoked
    }

    init(row: Row) {
        let scopes: String = row["scopes"]
        self.init(id: row["id"], hash: row["hash"], scopes: scopes.split(separator: " ").map(String.init),
                  rate: row["rate"], burst: row["burst"], createdWall: row["created_wall"], revoked: row["revoked"] != 0)
    }
}

extension CohortStore {
    /// Writes a serve batch in one transaction: the accepted request bodies, quarantined lines, activations under their given sequence numbers, and the logged clock.
    public func commit(_ batch: ServeBatch) throws {
        guard !batch.isEmpty else { return }
        try database("write the served events and activations") {
            try pool.write { db in
                if !batch.bodies.isEmpty {
                    let insert = try db.cachedStatement(sql: "INSERT INTO ingest_log (stream, ndjson, body, events, received_wall) VALUES (?, ?, ?, ?, ?)")
                    for b in batch.bodies { try insert.execute(arguments: [b.stream, b.ndjson ? 1 : 0, b.text, b.events, b.receivedWall]) }
                }
                try Self.upsertQuarantine(batch.quarantine, in: db)
                if !batch.activations.isEmpty {
                    let insert = try db.cachedStatement(sql: """
                        INSERT OR REPLACE INTO activations (seq, collection, segment, key, change, at, cause) VALUES (?, ?, ?, ?, ?, ?, ?)
                        """)
                    for (seq, r) in batch.activations {
                        try insert.execute(arguments: [seq, r.collection, r.segment, r.key, r.change, r.at, r.cause])
                    }
                }
                if let t = batch.loggedUntil {
                    try db.execute(sql: "INSERT INTO serve_state (key, value) VALUES ('logged_until', ?) ON CONFLICT (key) DO UPDATE SET value = MAX(value, excluded.value)",
                                   arguments: [t])
                }
            }
        }
    }

    /// Every request body the server accepted events from, in the order they were stored.
    public func ingestedBodies() throws -> [IngestedBody] {
        try database("read the ingest log") {
            try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM ingest_log ORDER BY seq").map {
                    IngestedBody(stream: $0["stream"], ndjson: $0["ndjson"] != 0, text: $0["body"], events: $0["events"], receivedWall: $0["received_wall"])
                }
            }
        }
    }

    /// The number of events accepted over the API, of one stream or of all.
    public func ingestedEventCount(stream: String? = nil) throws -> Int {
        try database("read the ingest log") {
            try pool.read { db in
                if let stream { return try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(events), 0) FROM ingest_log WHERE stream = ?", arguments: [stream]) ?? 0 }
                return try Int.fetchOne(db, sql: "SELECT COALESCE(SUM(events), 0) FROM ingest_log") ?? 0
            }
        }
    }

    /// The clock up to which a server logged activations, if one ever ran on this workspace.
    public func loggedUntil() throws -> Int64? {
        try database("read the serve state") {
            try pool.read { db in try Int64.fetchOne(db, sql: "SELECT value FROM serve_state WHERE key = 'logged_until'") }
        }
    }

    /// The highest activation sequence number ever given (0 when none).
    public func lastActivationSeq() throws -> Int64 {
        try database("read the activation log") {
            try pool.read { db in
                // AUTOINCREMENT remembers numbers of deleted rows too.
                let seqTable = try Int64.fetchOne(db, sql: "SELECT seq FROM sqlite_sequence WHERE name = 'activations'") ?? 0
                let maxRow = try Int64.fetchOne(db, sql: "SELECT MAX(seq) FROM activations") ?? 0
                return max(seqTable, maxRow)
            }
        }
    }

    /// The highest line number given to an API line of a stream that was quarantined (0 when none).
    public func lastQuarantineLine(stream: String, source: String) throws -> Int {
        try database("read quarantined lines") {
            try pool.read { db in
                try Int.fetchOne(db, sql: "SELECT MAX(line) FROM quarantine WHERE stream = ? AND source = ?", arguments: [stream, source]) ?? 0
            }
        }
    }

    // MARK: Tokens

    public func insertToken(_ token: TokenRecord) throws {
        try database("store the token") {
            try pool.write { db in
                try db.execute(sql: "INSERT INTO tokens (id, hash, scopes, rate, burst, created_wall, revoked) VALUES (?, ?, ?, ?, ?, ?, ?)",
                               arguments: [token.id, token.hash, token.scopes.joined(separator: " "), token.rate, token.burst,
                                           token.createdWall, token.revoked ? 1 : 0])
            }
        }
    }

    /// The token with this id, if any.
    public func token(id: String) throws -> TokenRecord? {
        try database("read the tokens") {
            try pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM tokens WHERE id = ?", arguments: [id]).map(TokenRecord.init(row:)) }
        }
    }

    /// Every token, oldest first.
    public func tokens() throws -> [TokenRecord] {
        try database("read the tokens") {
            try pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM tokens ORDER BY created_wall, id").map(TokenRecord.init(row:)) }
        }
    }

    /// Revokes a token; false when there is none with that id.
    @discardableResult
    public func revokeToken(id: String) throws -> Bool {
        try database("revoke the token") {
            try pool.write { db in
                try db.execute(sql: "UPDATE tokens SET revoked = 1 WHERE id = ?", arguments: [id])
                return db.changesCount > 0
            }
        }
    }
}

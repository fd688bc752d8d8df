import Foundation
import GRDB

/// The description of a saved checkpoint: what state it is of, and the payload file holding it.
public struct CheckpointMeta: Sendable, Hashable {
    public var id: Int64
    /// When it was saved, microseconds since the epoch.
    public var createdWall: Int64
    /// The hash of the definitions the state was computed with.
    public var definitionsHash: String
    /// The fingerprint of the input files (tables, streams) the state was computed from.
    public var inputsFingerprint: String
    /// How far into the inputs the state is (the caller's unit, e.g. events applied).
    public var position: Int64
    /// The engine clock at the checkpoint, microseconds since the epoch; nil before the first event.
    public var clock: Int64?
    /// The payload file's name in the store's `checkpointsDirectory`.
    public var file: String
    /// The payload's size in bytes.
    public var bytes: Int64

    public init(id: Int64, createdWall: Int64, definitionsHash: String, inputsFingerprint: String, position: Int64,
                clock: Int64?, file: String, bytes: Int64) {
        self.id = id
        self.createdWall = createdWall
        self.definitionsHash = definitionsHash
        self.inputsFingerprint = inputsFingerprint
        self.position = position
        self.clock = clock
        self.file = file
        self.bytes = bytes
    }

    init(row: Row) {
        self.init(id: row["id"], createdWall: row["created_wall"], definitionsHash: row["definitions_hash"],
                  inputsFingerprint: row["inputs_fingerprint"], position: row["position"], clock: row["clock"],
                  file: row["file"], bytes: row["bytes"])
    }
}

extension CohortStore {
    /// How many checkpoint files a save leaves (the newest first); the older one stands in if the newest is lost.
    static let checkpointsKept = 2

    /// Saves a checkpoint: its payload to a new file under `.cohort/checkpoints/`, then its row.
    ///
    /// The file is written crash-safely (see `writeFileAtomically`) before the row naming it is
    /// committed, so a row always names a complete file. Then older checkpoints beyond the newest
    /// two, and files no row names (left by a crash), are deleted. Saves are serialized across
    /// threads and processes by a lock file.
    @discardableResult
    public func saveCheckpoint(definitionsHash: String, inputsFingerprint: String, position: Int64, clock: Int64?, payload: Data) throws -> CheckpointMeta {
        let lock = try FileLock(path: (checkpointsDirectory as NSString).appendingPathComponent(".lock"))
        let created = Self.wallMicroseconds()
        let file = "\(created)-\(String(UInt32.random(in: 0 ... .max), radix: 16)).checkpoint"
        let path = (checkpointsDirectory as NSString).appendingPathComponent(file)
        try DurableFile.replace(path: path, data: payload)
        var meta = CheckpointMeta(id: 0, createdWall: created, definitionsHash: definitionsHash, inputsFingerprint: inputsFingerprint,
                                  position: position, clock: clock, file: file, bytes: Int64(payload.count))
        do {
            meta.id = try database("record a checkpoint") {
                try pool.write { db in
                    try db.execute(
                        sql: """
                            INSERT INTO checkpoints (created_wall, definitions_hash, inputs_fingerprint, position, clock, file, bytes)
                            VALUES (?, ?, ?, ?, ?, ?, ?)
                            """,
                        arguments: [meta.createdWall, meta.definitionsHash, meta.inputsFingerprint, meta.position, meta.clock, meta.file, meta.bytes])
                    return db.lastInsertedRowID
                }
            }
        } catch {
            unlink(path)
            throw error
        }
        try pruneCheckpoints(keeping: Self.checkpointsKept)
        _ = consume lock
        return meta
    }

    /// The newest checkpoint for these definitions and inputs whose file is present and whole, with its payload.
    ///
    /// A row whose file is missing or has another size than recorded is skipped, and the one
    /// before it is tried.
    public func latestCheckpoint(definitionsHash: String, inputsFingerprint: String) throws -> (meta: CheckpointMeta, payload: Data)? {
        let candidates = try database("read checkpoints") {
            try pool.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT * FROM checkpoints WHERE definitions_hash = ? AND inputs_fingerprint = ? ORDER BY id DESC
                    """, arguments: [definitionsHash, inputsFingerprint]).map(CheckpointMeta.init(row:))
            }
        }
        for meta in candidates {
            let path = (checkpointsDirectory as NSString).appendingPathComponent(meta.file)
            if let payload = DurableFile.readFile(path, expectedBytes: meta.bytes) { return (meta, payload) }
        }
        return nil
    }

    /// Every checkpoint row, newest first (whether or not its file is still whole).
    public func checkpoints() throws -> [CheckpointMeta] {
        try database("read checkpoints") {
            try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM checkpoints ORDER BY id DESC").map(CheckpointMeta.init(row:))
            }
        }
    }

    /// Deletes the rows and files of all but the newest `kept` checkpoints, and any file in the
    /// directory that no remaining row names. The caller holds the checkpoints lock.
    func pruneCheckpoints(keeping kept: Int) throws {
        let keptFiles: Set<String> = try database("prune checkpoints") {
            try pool.write { db in
                let files = try String.fetchAll(db, sql: "SELECT file FROM checkpoints ORDER BY id DESC LIMIT ?", arguments: [kept])
                if files.count == kept, let oldestKept = try Int64.fetchOne(db, sql: "SELECT id FROM checkpoints ORDER BY id DESC LIMIT 1 OFFSET ?", arguments: [kept - 1]) {
                    try db.execute(sql: "DELETE FROM checkpoints WHERE id < ?", arguments: [oldestKept])
                }
                return Set(files)
            }
        }
        let names = (try? FileManager.default.contentsOfDirectory(atPath: checkpointsDirectory)) ?? []
        var removed = false
        for name in names where name != ".lock" && !keptFiles.contains(name) {
            removed = unlink((checkpointsDirectory as NSString).appendingPathComponent(name)) == 0 || removed
        }
        if removed { try? DurableFile.syncDirectory(containing: (checkpointsDirectory as NSString).appendingPathComponent(".lock")) }
    }
}

import Foundation
import GRDB

/// The durable state of a workspace: one SQLite database in `.cohort/` plus checkpoint files.
///
/// The database is `<workspace>/.cohort/cohort.sqlite`, opened as a GRDB `DatabasePool` (WAL:
/// readers never wait for the writer, and other processes may open it too). Every method is
/// synchronous and safe to call from any thread; each write is one transaction, committed
/// (with `synchronous = FULL`) when the method returns.
///
/// Record types are plain structs, so callers never import GRDB.
public final class CohortStore: Sendable {
    /// The `.cohort` directory.
    public let directory: String
    /// `.cohort/cohort.sqlite`.
    public let databasePath: String
    /// `.cohort/checkpoints`, where checkpoint payloads live (one file each).
    public let checkpointsDirectory: String

    let pool: DatabasePool

    private init(directory: String, databasePath: String, checkpointsDirectory: String, pool: DatabasePool) {
        self.directory = directory
        self.databasePath = databasePath
        self.checkpointsDirectory = checkpointsDirectory
        self.pool = pool
    }

    /// The name of the state directory inside a workspace.
    public static let directoryName = ".cohort"

    /// Opens (creating and migrating when needed) the store of the workspace at `workspaceDirectory`.
    ///
    /// Creates `.cohort/` with a `.gitignore` of `*` (the state is never committed) and
    /// `.cohort/checkpoints/`. The workspace directory itself must exist.
    public static func open(workspaceDirectory: String) throws -> CohortStore {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: workspaceDirectory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CohortStoreError(path: workspaceDirectory, message: "the workspace directory does not exist")
        }
        let directory = (workspaceDirectory as NSString).appendingPathComponent(directoryName)
        let checkpoints = (directory as NSString).appendingPathComponent("checkpoints")
        for dir in [directory, checkpoints] {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            } catch {
                throw CohortStoreError(path: dir, message: "cannot create the directory: \(Self.reason(error))")
            }
        }
        let gitignore = (directory as NSString).appendingPathComponent(".gitignore")
        if !FileManager.default.fileExists(atPath: gitignore) {
            try writeFileAtomically(path: gitignore, data: Data("*\n".utf8))
        }

        let databasePath = (directory as NSString).appendingPathComponent("cohort.sqlite")
        var configuration = Configuration()
        configuration.label = "cohort"
        // Another process (a second console, `cohort serve`) may hold the write lock briefly.
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // A commit is on disk when it returns, power loss included (WAL's NORMAL only
            // survives a process crash).
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: databasePath, configuration: configuration)
            try StoreSchema.migrator.migrate(pool)
        } catch let error as DatabaseError {
            throw CohortStoreError(path: databasePath, message: "cannot open the database: \(Self.sqliteMessage(error))")
        } catch {
            throw CohortStoreError(path: databasePath, message: "cannot open the database: \(Self.reason(error))")
        }
        return CohortStore(directory: directory, databasePath: databasePath, checkpointsDirectory: checkpoints, pool: pool)
    }

    /// Closes the database; later calls throw. Without it the database closes when the store is freed.
    public func close() throws {
        try database("close the database") { try pool.close() }
    }

    /// Microseconds since the epoch, from the wall clock: the unit of every `*_wall` column.
    public static func wallMicroseconds() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1_000
    }

    // MARK: - Errors

    /// Runs `body`, turning a SQLite error into a `CohortStoreError` naming the database and `what`.
    func database<T>(_ what: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DatabaseError {
            throw CohortStoreError(path: databasePath, message: "cannot \(what): \(Self.sqliteMessage(error))")
        }
    }

    static func sqliteMessage(_ error: DatabaseError) -> String {
        "SQLite error \(error.extendedResultCode.rawValue): \(error.message ?? "\(error.resultCode)")"
    }

    static func reason(_ error: any Error) -> String {
        if let error = error as? CohortStoreError { return error.message }
        return (error as NSError).localizedDescription
    }
}

import Foundation

/// A store operation that failed: the file it concerns and what went wrong (with SQLite's own message).
public struct CohortStoreError: Error, Sendable, Equatable, CustomStringConvertible, LocalizedError {
    /// The database, checkpoint or other file the error concerns.
    public let path: String
    /// What was attempted and why it failed, e.g. "cannot append events: SQLite error 13: database or disk is full".
    public let message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    public var description: String { "\(path): \(message)" }
    public var errorDescription: String? { description }
}

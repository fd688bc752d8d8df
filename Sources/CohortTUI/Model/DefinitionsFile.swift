import CohortEngine
import Foundation

/// One saved change to a definition, as the history lists it.
public struct DefinitionHistoryEntry: Sendable, Equatable {
    public var atWall: Int64
    public var collection: String
    /// `segment`, `attribute` or `collection`.
    public var kind: String
    public var name: String
    /// `create`, `edit`, `rename` or `delete`.
    public var action: String
    public var oldName: String?
    /// The change to cohort.yaml as a unified diff.
    public var diff: String

    public init(atWall: Int64, collection: String, kind: String, name: String, action: String, oldName: String? = nil, diff: String) {
        self.atWall = atWall
        self.collection = collection
        self.kind = kind
        self.name = name
        self.action = action
        self.oldName = oldName
        self.diff = diff
    }
}

/// Where the console writes definitions and keeps their history: cohort.yaml on disk plus a
/// history log. The executable gives one backed by the workspace's `.cohort/` store; tests
/// and workspaces without a store use `DefinitionsFile` alone, which keeps history in memory.
public protocol DefinitionPersistence: AnyObject {
    /// Records a saved change (after cohort.yaml is written).
    func record(_ entry: DefinitionHistoryEntry) throws
    /// Changes, newest first; filtered by collection, kind and name when given (a renamed
    /// item is found by either name).
    func history(collection: String?, kind: String?, name: String?) -> [DefinitionHistoryEntry]
    /// Membership changes the console made happen (definition saves), to keep in the log.
    func recordActivations(_ activations: [Activation])
}

/// cohort.yaml as the console loaded it: the text it edits, and a check that nobody changed
/// the file on disk since (a save never overwrites someone else's change silently).
public final class DefinitionsFile {
    public let path: String
    /// The text the running definitions came from.
    public private(set) var text: String
    /// History kept here when no store is attached.
    private var memoryHistory: [DefinitionHistoryEntry] = []
    public weak var persistence: DefinitionPersistence?

    public init(path: String) throws {
        self.path = path
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw DefinitionsFileError(message: "cannot read \(path)")
        }
        self.text = text
    }

    /// The directory's cohort.yaml.
    public convenience init(workspaceDirectory dir: String) throws {
        try self.init(path: (dir as NSString).appendingPathComponent("cohort.yaml"))
    }

    /// True when the file on disk no longer holds the text loaded (someone edited it).
    public var changedOnDisk: Bool {
        guard let data = FileManager.default.contents(atPath: path), let disk = String(data: data, encoding: .utf8) else { return true }
        return disk != text
    }

    /// Reads the file again (after the user chose to reload it).
    public func reload() throws {
        guard let data = FileManager.default.contents(atPath: path), let t = String(data: data, encoding: .utf8) else {
            throw DefinitionsFileError(message: "cannot read \(path)")
        }
        text = t
    }

    /// Writes `newText` crash-safely (a temporary file, flushed, renamed over the old one)
    /// and records the change in the history.
    public func save(_ newText: String, entry: DefinitionHistoryEntry) throws {
        try AtomicFile.write(path: path, data: Data(newText.utf8))
        text = newText
        if let persistence { try persistence.record(entry) } else { memoryHistory.insert(entry, at: 0) }
    }

    public func history(collection: String? = nil, kind: String? = nil, name: String? = nil) -> [DefinitionHistoryEntry] {
        if let persistence { return persistence.history(collection: collection, kind: kind, name: name) }
        return memoryHistory.filter {
            (collection == nil || $0.collection == collection) && (kind == nil || $0.kind == kind)
                && (name == nil || $0.name == name || $0.oldName == name)
        }
    }
}

public struct DefinitionsFileError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

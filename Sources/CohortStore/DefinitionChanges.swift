import GRDB

/// One edit of an item of cohort.yaml, with the item before and after and the file's diff.
public struct DefinitionChange: Sendable, Hashable {
    /// The row id, nil until recorded.
    public var id: Int64?
    /// When the change was saved, microseconds since the epoch.
    public var atWall: Int64
    public var collection: String
    /// `segment`, `attribute` or `collection`.
    public var kind: String
    /// The item's name after the change (for a delete, the name it had).
    public var name: String
    /// `create`, `edit`, `rename` or `delete`.
    public var action: String
    /// The name before a rename.
    public var oldName: String?
    /// The item's YAML before the change (nil for a create).
    public var before: String?
    /// The item's YAML after the change (nil for a delete).
    public var after: String?
    /// The unified diff of cohort.yaml.
    public var diff: String

    public init(id: Int64? = nil, atWall: Int64 = CohortStore.wallMicroseconds(), collection: String, kind: String, name: String,
                action: String, oldName: String? = nil, before: String? = nil, after: String? = nil, diff: String) {
        self.id = id
        self.atWall = atWall
        self.collection = collection
        self.kind = kind
        self.name = name
        self.action = action
        self.oldName = oldName
        self.before = before
        self.after = after
        self.diff = diff
    }

    init(row: Row) {
        self.init(id: row["id"], atWall: row["at_wall"], collection: row["collection"], kind: row["kind"], name: row["name"],
                  action: row["action"], oldName: row["old_name"], before: row["before"], after: row["after"], diff: row["diff"])
    }
}

extension CohortStore {
    /// Records a change to the definitions and returns its id.
    @discardableResult
    public func recordDefinitionChange(_ change: DefinitionChange) throws -> Int64 {
        try database("record a definition change") {
            try pool.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO definition_changes (at_wall, collection, kind, name, action, old_name, before, after, diff)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [change.atWall, change.collection, change.kind, change.name, change.action,
                                change.oldName, change.before, change.after, change.diff])
                return db.lastInsertedRowID
            }
        }
    }

    /// The recorded definition changes, newest first, optionally only those of one collection, kind or name.
    ///
    /// A name matches a change's `name` or its `oldName`, so a rename shows in the history of
    /// both names.
    public func definitionChanges(collection: String? = nil, kind: String? = nil, name: String? = nil, limit: Int = 500) throws -> [DefinitionChange] {
        var conditions: [String] = []
        var arguments: StatementArguments = []
        if let collection {
            conditions.append("collection = ?")
            arguments += [collection]
        }
        if let kind {
            conditions.append("kind = ?")
            arguments += [kind]
        }
        if let name {
            conditions.append("(name = ? OR old_name = ?)")
            arguments += [name, name]
        }
        let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        arguments += [limit]
        let sql = "SELECT * FROM definition_changes \(filter) ORDER BY id DESC LIMIT ?"
        return try database("read definition changes") {
            try pool.read { db in
                try Row.fetchAll(db, sql: sql, arguments: arguments).map(DefinitionChange.init(row:))
            }
        }
    }
}

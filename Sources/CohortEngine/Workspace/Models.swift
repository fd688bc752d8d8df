/// A collection ready to evaluate: its table, identity links, and attributes and segments
/// with every reference resolved to an index and every expression compiled.
public struct CollectionModel: Sendable {
    public let name: String
    public let definition: CollectionDefinition
    public let table: Table
    public let keyColumn: Int
    public let links: [LinkModel]
    public let attributes: [AttributeModel]
    public let segments: [SegmentModel]
    /// Attribute indexes in an order where every computed attribute follows its inputs.
    public let evaluationOrder: [Int]

    public func attributeIndex(_ name: String) -> Int? { attributes.firstIndex { $0.name == name } }
    public func key(ofRow row: Int) -> String { table.text[row][keyColumn] }
    /// The row of the profile whose key is `key`.
    public func row(forKey key: String) -> Int? { rowsByKey[key] }
    /// Row of each key (the first, should keys repeat).
    public let rowsByKey: [String: Int]
}

/// A stream associated with a collection: linking keys as (event field, profile column).
public struct LinkModel: Sendable {
    public let stream: Int
    public let pairs: [(eventField: String, profileColumn: Int)]
}

public struct AttributeModel: Sendable {
    public let name: String
    public let type: ValueType
    public let source: AttributeSource
    public let pii: Bool
    public let definition: AttributeDefinition
}

/// Where an attribute's value comes from, resolved.
public enum AttributeSource: Sendable {
    case column(Int)
    case events(EventAggregateModel)
    case table(TableAggregateModel)
    /// An expression and, for each of its inputs, the index of the attribute it reads.
    case computed(CompiledExpression, inputs: [Int])
}

/// An aggregate over events; a class so the engine's per-event path reads it without copying.
public final class EventAggregateModel: Sendable {
    public let function: AggregateFunction
    public let field: FieldPath?
    /// Event types counted; nil means every type.
    public let types: Set<String>?
    public let condition: CompiledExpression?
    /// For each condition input, the event field it reads.
    public let conditionPaths: [FieldPath]
    /// Window length in microseconds; nil for all_time.
    public let window: Int64?

    init(function: AggregateFunction, field: FieldPath?, types: Set<String>?, condition: CompiledExpression?,
         conditionPaths: [FieldPath], window: Int64?) {
        self.function = function
        self.field = field
        self.types = types
        self.condition = condition
        self.conditionPaths = conditionPaths
        self.window = window
    }
}

public struct TableAggregateModel: Sendable {
    public let function: AggregateFunction
    public let table: String
    public let rowColumn: Int
    public let profileColumn: Int
    public let fieldColumn: Int?
    public let condition: CompiledExpression?
    /// For each condition input, the table column it reads.
    public let conditionColumns: [Int]
    /// The table's timestamp column, if it has one.
    public let timestampColumn: Int?
    public let window: Int64?
}

public struct SegmentModel: Sendable {
    public let name: String
    public let description: String?
    public let condition: CompiledExpression
    /// For each condition input, the index of the attribute it reads.
    public let inputs: [Int]
}

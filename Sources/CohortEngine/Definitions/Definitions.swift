/// The parsed content of cohort.yaml, every piece with where it was written.
public struct Definitions: Sendable {
    public var tables: [TableDefinition] = []
    public var streams: [StreamDefinition] = []
    public var collections: [CollectionDefinition] = []
    public var destinations: [DestinationDefinition] = []
    public init() {}
}

/// A text value from cohort.yaml with its position.
public struct Located<T: Sendable>: Sendable {
    public var value: T
    public var location: SourceLocation
    public init(_ value: T, at location: SourceLocation) {
        self.value = value
        self.location = location
    }
}

extension Located: Equatable where T: Equatable {}

public struct TableDefinition: Sendable {
    public var name: Located<String>
    public var file: Located<String>
    public var key: Located<String>?
    public var timestamp: Located<String>?
}

/// How a stream takes live events (SPEC §8).
public enum StreamMode: String, Sendable, CaseIterable { case active, drop, reject }

public struct StreamDefinition: Sendable {
    public var name: Located<String>
    public var file: Located<String>?
    public var description: String?
    public var mode: StreamMode
}

/// One linking key: an event's field and the profile column it must equal.
public struct MatchPair: Sendable {
    public var event: Located<String>
    public var profile: Located<String>
}

/// A stream associated with a collection, with its linking keys in priority order.
public struct StreamLink: Sendable {
    public var stream: Located<String>
    public var match: [MatchPair]
}

public struct CollectionDefinition: Sendable {
    public var name: Located<String>
    public var table: Located<String>
    public var key: Located<String>
    public var description: String?
    public var streams: [StreamLink]
    public var attributes: [AttributeDefinition]
    public var segments: [SegmentDefinition]
}

/// The aggregate functions of SPEC §4.
public enum AggregateFunction: String, Sendable, CaseIterable {
    case count, count_distinct, distinct, sum, average, min, max, most_frequent, first, last
}

extension AggregateFunction {
    /// The type of the aggregate's value over a field of `fieldType` (integers widen to bigint).
    public func resultType(fieldType: ValueType) -> ValueType {
        switch self {
        case .count, .count_distinct: return .bigint
        case .distinct: return .array(fieldType == .int ? .bigint : fieldType)
        case .average: return .double
        case .sum:
            switch fieldType {
            case .int, .bigint: return .bigint
            case .double: return .double
            default: return .any
            }
        case .min, .max, .most_frequent, .first, .last: return fieldType == .int ? .bigint : fieldType
        }
    }
}

/// A window over event or row timestamps: `all_time`, `Nd` or `Nh`.
public enum Timeframe: Sendable, Hashable, CustomStringConvertible {
    case allTime
    /// A sliding window of this many microseconds.
    case window(micros: Int64, text: String)

    public static func parse(_ text: String) -> Timeframe? {
        if text == "all_time" { return .allTime }
        guard let unit = text.last, unit == "d" || unit == "h",
              let n = Int64(text.dropLast()), n > 0, n <= 100_000, String(n) == String(text.dropLast())
        else { return nil }
        return .window(micros: n * (unit == "d" ? CivilTime.microsPerDay : CivilTime.microsPerHour), text: text)
    }

    public var description: String {
        switch self {
        case .allTime: return "all_time"
        case .window(_, let text): return text
        }
    }
}

/// How an attribute gets its value.
public enum AttributeKind: Sendable {
    /// A column of the collection's table.
    case known(column: Located<String>)
    /// An aggregate over the collection's events.
    case eventAggregate(EventAggregate)
    /// An aggregate over a related table's rows.
    case tableAggregate(TableAggregate)
    /// A Spark SQL expression over other attributes.
    case computed(expression: Located<String>)
}

public struct EventAggregate: Sendable {
    public var function: Located<AggregateFunction>
    public var field: Located<String>?
    /// Event types counted; empty means every type.
    public var events: [Located<String>]
    public var condition: Located<String>?
    public var timeframe: Located<Timeframe>
}

public struct TableAggregate: Sendable {
    public var function: Located<AggregateFunction>
    public var field: Located<String>?
    public var table: Located<String>
    public var rowColumn: Located<String>
    public var profileColumn: Located<String>
    public var condition: Located<String>?
    public var timeframe: Located<Timeframe>
}

public struct AttributeDefinition: Sendable {
    public var name: Located<String>
    public var kind: AttributeKind
    public var pii: Bool
    public var description: String?
}

public struct SegmentDefinition: Sendable {
    public var name: Located<String>
    public var description: String?
    public var condition: Located<String>
}

public struct DestinationDefinition: Sendable {
    public var name: Located<String>
    public var url: Located<String>
    public var segments: [Located<String>]
    public var onEnter: Bool
    public var onExit: Bool
}

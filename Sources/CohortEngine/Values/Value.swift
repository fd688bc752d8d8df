/// A value as Cohort's engine and expressions see it: Spark SQL's scalar types plus arrays.
///
/// Integers are kept as `Int64` whatever their Spark width; the static `ValueType` of an
/// expression decides where 32-bit semantics apply. Dates are days since 1970-01-01 and
/// timestamps microseconds since the epoch in UTC, as Spark stores them.
public enum Value: Sendable, Hashable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    /// Days since 1970-01-01.
    case date(Int32)
    /// Microseconds since 1970-01-01T00:00:00Z.
    case timestamp(Int64)
    case list([Value])

    public var isNull: Bool { if case .null = self { return true } else { return false } }

    /// The value as a number, following Spark's implicit cast of numeric strings; nil otherwise.
    public var numeric: Double? {
        switch self {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .string(let s): return Double(s.trimmingSparkWhitespace())
        default: return nil
        }
    }

    /// The coarse type of this runtime value.
    public var type: ValueType {
        switch self {
        case .null: return .null
        case .bool: return .boolean
        case .int: return .bigint
        case .double: return .double
        case .string: return .string
        case .date: return .date
        case .timestamp: return .timestamp
        case .list(let items): return .array(items.first(where: { !$0.isNull })?.type ?? .any)
        }
    }
}

extension Value: Comparable {
    /// A total order used for sorting values of mixed kinds: nulls first, then numbers
    /// (compared numerically), then strings, booleans, dates, timestamps and lists.
    public static func < (lhs: Value, rhs: Value) -> Bool {
        let lr = lhs.sortRank, rr = rhs.sortRank
        if lr != rr { return lr < rr }
        switch (lhs, rhs) {
        case (.int(let a), .int(let b)): return a < b
        // Numerically equal integers and doubles are different values: the integer sorts first.
        case (.int(let a), .double(let b)): return Double(a) < b || (Double(a) == b)
        case (.double(let a), .int(let b)): return a < Double(b)
        case (.double(let a), .double(let b)): return a.sparkLess(than: b)
        case (.string(let a), .string(let b)): return a.utf8Precedes(b)
        case (.bool(let a), .bool(let b)): return !a && b
        case (.date(let a), .date(let b)): return a < b
        case (.timestamp(let a), .timestamp(let b)): return a < b
        case (.list(let a), .list(let b)): return a.lexicographicallyPrecedes(b)
        default: return false
        }
    }

    private var sortRank: Int {
        switch self {
        case .null: return 0
        case .int, .double: return 1
        case .string: return 2
        case .bool: return 3
        case .date: return 4
        case .timestamp: return 5
        case .list: return 6
        }
    }
}

extension Double {
    /// Spark orders NaN above every other double and treats NaN as equal to itself.
    func sparkLess(than other: Double) -> Bool {
        if isNaN { return false }
        if other.isNaN { return true }
        return self < other
    }
}

/// The static type of an attribute, an event field or an expression.
public indirect enum ValueType: Sendable, Hashable, CustomStringConvertible {
    /// The type of the `null` literal.
    case null
    case boolean
    /// Spark's 32-bit `int`.
    case int
    /// Spark's 64-bit `bigint`.
    case bigint
    case double
    case string
    case date
    case timestamp
    case array(ValueType)
    /// A value whose type is known only at run time (an event field, a most_frequent of
    /// mixed values); expressions cast it as Spark casts a string of unknown content.
    case any

    public var description: String {
        switch self {
        case .null: return "void"
        case .boolean: return "boolean"
        case .int: return "int"
        case .bigint: return "bigint"
        case .double: return "double"
        case .string: return "string"
        case .date: return "date"
        case .timestamp: return "timestamp"
        case .array(let e): return "array<\(e)>"
        case .any: return "any"
        }
    }

    public var isNumeric: Bool { self == .int || self == .bigint || self == .double }
}

extension StringProtocol {
    /// The string without the leading and trailing whitespace Spark ignores when casting.
    func trimmingSparkWhitespace() -> String {
        var s = Substring(self)
        while let f = s.first, f.isWhitespace { s.removeFirst() }
        while let l = s.last, l.isWhitespace { s.removeLast() }
        return String(s)
    }
}

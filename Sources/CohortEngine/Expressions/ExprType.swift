/// The static type of an expression node inside the compiler: the public `ValueType` plus
/// Spark's decimal with its precision and scale (decimal values are carried as doubles).
indirect enum ExprType: Hashable, Sendable, CustomStringConvertible {
    case null
    case boolean
    case int
    case bigint
    case double
    case decimal(Int, Int)
    case string
    case date
    case timestamp
    case array(ExprType)
    case any

    init(_ t: ValueType) {
        switch t {
        case .null: self = .null
        case .boolean: self = .boolean
        case .int: self = .int
        case .bigint: self = .bigint
        case .double: self = .double
        case .string: self = .string
        case .date: self = .date
        case .timestamp: self = .timestamp
        case .array(let e): self = .array(ExprType(e))
        case .any: self = .any
        }
    }

    var valueType: ValueType {
        switch self {
        case .null: return .null
        case .boolean: return .boolean
        case .int: return .int
        case .bigint: return .bigint
        case .double, .decimal: return .double
        case .string: return .string
        case .date: return .date
        case .timestamp: return .timestamp
        case .array(let e): return .array(e.valueType)
        case .any: return .any
        }
    }

    /// The public type of an expression's result: decimals of scale 0 surface as bigint
    /// (their values as `.int`), other decimals as double.
    var resultValueType: ValueType {
        if case .decimal(_, 0) = self { return .bigint }
        return valueType
    }

    var description: String {
        switch self {
        case .null: return "void"
        case .boolean: return "boolean"
        case .int: return "int"
        case .bigint: return "bigint"
        case .double: return "double"
        case .decimal(let p, let s): return "decimal(\(p),\(s))"
        case .string: return "string"
        case .date: return "date"
        case .timestamp: return "timestamp"
        case .array(let e): return "array<\(e)>"
        case .any: return "any"
        }
    }

    /// The type with an article, for messages: "an int", "a string".
    var withArticle: String {
        switch self {
        case .int, .array, .any: return "an \(description)"
        default: return "a \(description)"
        }
    }

    var isNumeric: Bool {
        switch self {
        case .int, .bigint, .double, .decimal: return true
        default: return false
        }
    }

    var isIntegral: Bool { self == .int || self == .bigint }

    var isDecimal: Bool { if case .decimal = self { return true } else { return false } }

    var isArray: Bool { if case .array = self { return true } else { return false } }

    /// Scalars Spark calls atomic (everything here but arrays and the unknown type).
    var isAtomic: Bool {
        switch self {
        case .array, .any, .null: return false
        default: return true
        }
    }

    /// The decimal precision and scale an integral or decimal type converts to.
    var decimalShape: (p: Int, s: Int)? {
        switch self {
        case .int: return (10, 0)
        case .bigint: return (20, 0)
        case .decimal(let p, let s): return (p, s)
        default: return nil
        }
    }

    /// Spark's `DecimalType.adjustPrecisionScale` with precision loss allowed.
    static func boundedDecimal(_ p: Int, _ s: Int) -> ExprType {
        if p <= 38 { return .decimal(max(p, 1), s) }
        let intDigits = p - s
        let minScale = min(s, 6)
        let adjusted = max(38 - intDigits, minScale)
        return .decimal(38, adjusted)
    }

    /// Spark's `findTightestCommonType` (numeric widening, null, date/timestamp).
    static func tightest(_ a: ExprType, _ b: ExprType) -> ExprType? {
        if a == b { return a }
        switch (a, b) {
        case (.any, _), (_, .any): return .any
        case (.null, let t), (let t, .null): return t
        case (.int, .bigint), (.bigint, .int): return .bigint
        case (.int, .double), (.double, .int), (.bigint, .double), (.double, .bigint): return .double
        case (.decimal, .double), (.double, .decimal): return .double
        case (.date, .timestamp), (.timestamp, .date): return .timestamp
        case (.array(let x), .array(let y)):
            if let e = tightest(x, y) { return .array(e) }
            return nil
        default: return nil
        }
    }

    /// Decimal widening (`findWiderTypeForDecimal`).
    static func widerDecimal(_ a: ExprType, _ b: ExprType) -> ExprType? {
        guard a.isDecimal || b.isDecimal, let x = a.decimalShape, let y = b.decimalShape else { return nil }
        let s = max(x.s, y.s)
        let range = max(x.p - x.s, y.p - y.s)
        return .decimal(min(38, range + s), min(s, 38))
    }

    /// Spark's `findWiderTypeWithoutStringPromotion` for two types.
    static func widerWithoutString(_ a: ExprType, _ b: ExprType) -> ExprType? {
        if let d = widerDecimal(a, b) { return d }
        if let t = tightest(a, b) { return t }
        if case .array(let x) = a, case .array(let y) = b, let e = widerWithoutString(x, y) { return .array(e) }
        return nil
    }

    /// Spark's `findWiderCommonType` for two types: numeric widening, then string promotion
    /// (any atomic type but boolean widens to string).
    static func wider(_ a: ExprType, _ b: ExprType) -> ExprType? {
        if let t = widerWithoutString(a, b) { return t }
        switch (a, b) {
        case (.string, let t) where t.isAtomic && t != .boolean: return .string
        case (let t, .string) where t.isAtomic && t != .boolean: return .string
        case (.array(let x), .array(let y)):
            if let e = wider(x, y) { return .array(e) }
            return nil
        default: return nil
        }
    }

    static func wider(_ types: [ExprType]) -> ExprType? {
        var acc: ExprType = .null
        for t in types {
            guard let w = wider(acc, t) else { return nil }
            acc = w
        }
        return acc
    }

    static func widerWithoutString(_ types: [ExprType]) -> ExprType? {
        var acc: ExprType = .null
        for t in types {
            guard let w = widerWithoutString(acc, t) else { return nil }
            acc = w
        }
        return acc
    }

    /// The type both sides of a comparison are cast to (`findCommonTypeForBinaryComparison`
    /// followed by the tightest common type), or nil when Spark rejects the comparison.
    static func comparison(_ a: ExprType, _ b: ExprType) -> ExprType? {
        switch (a, b) {
        case (.any, _), (_, .any): return .any
        case (.string, .date), (.date, .string): return .date
        case (.string, .timestamp), (.timestamp, .string): return .timestamp
        case (.decimal, .string), (.string, .decimal): return .double
        case (.string, let t) where t.isAtomic: return t
        case (let t, .string) where t.isAtomic: return t
        default:
            if let d = widerDecimal(a, b) { return d }
            return tightest(a, b)
        }
    }

    /// Whether an explicit CAST from `self` to `to` is allowed (Spark's `Cast.canCast`).
    func canCast(to: ExprType) -> Bool {
        if self == to { return true }
        switch (self, to) {
        case (.null, _), (.any, _), (_, .any): return true
        case (_, .string): return true
        case (.string, _) where to.isAtomic: return true
        case (.date, .boolean), (.timestamp, .boolean): return true
        case (let f, .boolean) where f.isNumeric: return true
        case (.boolean, .timestamp), (.date, .timestamp): return true
        case (let f, .timestamp) where f.isNumeric: return true
        case (.timestamp, .date): return true
        case (.boolean, let t) where t.isNumeric: return true
        case (.date, let t) where t.isNumeric: return true
        case (.timestamp, let t) where t.isNumeric: return true
        case (let f, let t) where f.isNumeric && t.isNumeric: return true
        case (.array(let x), .array(let y)): return x.canCast(to: y)
        default: return false
        }
    }
}

/// A type-checked expression ready to evaluate many times.
public final class CompiledExpression: Sendable {
    public let source: String
    /// The static result type (`.boolean` for conditions).
    public let type: ValueType
    /// Every name the expression references, in slot order (deduplicated, first-appearance order).
    public let inputs: [String]
    /// True when the expression calls `current_date()`, `current_timestamp()` or `now()`.
    public let readsClock: Bool
    /// True when the expression calls `current_timestamp()` or `now()`: its value may change
    /// with every tick of the clock, not only when the day changes.
    public let readsTimestamp: Bool

    /// The result type as Spark names it (`decimal(7,6)`, `int`, …).
    let sparkType: ExprType

    @usableFromInline let root: ExprEval
    /// For conditions: the root as a three-valued predicate (0 false, 1 true, 2 null), called
    /// directly to save a step.
    /// (Not an optional: binding an optional closure would retain it on every call.)
    @usableFromInline let rootPredicate: PredEval
    @usableFromInline let hasRootPredicate: Bool

    init(source: String, sparkType: ExprType, inputs: [String], readsClock: Bool, readsTimestamp: Bool,
         root: @escaping ExprEval, rootPredicate: @escaping PredEval, hasRootPredicate: Bool) {
        self.rootPredicate = rootPredicate
        self.hasRootPredicate = hasRootPredicate
        self.source = source
        self.sparkType = sparkType
        self.type = sparkType.resultValueType
        self.inputs = inputs
        self.readsClock = readsClock
        self.readsTimestamp = readsTimestamp
        self.root = root
    }

    /// `row[i]` holds the value of `inputs[i]`; `now` is the clock in microseconds since the
    /// epoch (UTC).
    ///
    /// Spark's decimals have no `Value` case: a decimal result is a `.double` holding the
    /// decimal rounded to its scale, except that a decimal of scale 0 (`round(2.5)`,
    /// `floor(2.7)`) is an `.int` whenever it fits in 64 bits, so it prints as `3`, not `3.0`.
    @inlinable
    public func evaluate(_ row: [Value], now: Int64) -> Value {
        row.withUnsafeBufferPointer { evaluate($0, now: now) }
    }

    /// The same for a row held elsewhere (a slice of a flat table, say): `row[i]` holds the
    /// value of `inputs[i]`. Evaluation neither retains the row nor allocates.
    @inlinable
    public func evaluate(_ row: UnsafeBufferPointer<Value>, now: Int64) -> Value {
        if hasRootPredicate {
            let t = rootPredicate(row, now)
            return t == 1 ? .bool(true) : (t == 0 ? .bool(false) : .null)
        }
        return root(row, now)
    }

    /// Whether the expression is true for the row: what a segment's membership asks (false
    /// and null are both "not a member"). Cheaper than `evaluate` for conditions.
    @inlinable
    public func holds(_ row: UnsafeBufferPointer<Value>, now: Int64) -> Bool {
        if hasRootPredicate { return rootPredicate(row, now) == 1 }
        if case .bool(true) = root(row, now) { return true }
        return false
    }

    @inlinable
    public func holds(_ row: [Value], now: Int64) -> Bool {
        row.withUnsafeBufferPointer { holds($0, now: now) }
    }
}

/// The compiled form of one node: a closure over the input row and the clock.
@usableFromInline
typealias ExprEval = @Sendable (UnsafeBufferPointer<Value>, Int64) -> Value

/// A positioned problem in an expression.
public struct ExpressionError: Error, Sendable, Equatable, CustomStringConvertible {
    /// 1-based line within the expression text.
    public let line: Int
    /// 1-based column within the line, counting characters.
    public let column: Int
    /// What is wrong, e.g. `unknown attribute 'purchses_30d'`.
    public let message: String
    /// How to fix it, e.g. `did you mean 'purchases_30d'?`.
    public let hint: String?

    public init(line: Int, column: Int, message: String, hint: String? = nil) {
        self.line = line
        self.column = column
        self.message = message
        self.hint = hint
    }

    /// `1:15: error: unknown attribute 'purchses_30d' — did you mean 'purchases_30d'?`
    public var description: String {
        var s = "\(line):\(column): error: \(message)"
        if let hint { s += " — " + hint }
        return s
    }
}

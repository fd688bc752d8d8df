/// A type-checked expression ready to evaluate many times.
public struct CompiledExpression: Sendable {
    public let source: String
    /// The static result type (`.boolean` for conditions).
    public let type: ValueType
    /// Every name the expression references, in slot order (deduplicated, first-appearance order).
    public let inputs: [String]
    /// True when the expression calls `current_date()` or `current_timestamp()`.
    public let readsClock: Bool

    @usableFromInline let root: ExprEval

    init(source: String, type: ValueType, inputs: [String], readsClock: Bool, root: @escaping ExprEval) {
        self.source = source
        self.type = type
        self.inputs = inputs
        self.readsClock = readsClock
        self.root = root
    }

    /// `row[i]` holds the value of `inputs[i]`; `now` is the clock in microseconds since the
    /// epoch (UTC).
    @inlinable
    public func evaluate(_ row: [Value], now: Int64) -> Value {
        root(row, now)
    }
}

/// The compiled form of one node: a closure over the input row and the clock.
@usableFromInline
typealias ExprEval = @Sendable ([Value], Int64) -> Value

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

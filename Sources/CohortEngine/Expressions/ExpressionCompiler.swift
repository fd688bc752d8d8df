import Foundation

/// Parses, type-checks and compiles Spark SQL expressions (SPEC §5) into closures.
public enum ExpressionCompiler {
    public static func compile(_ source: String, scope: ExpressionScope) -> Result<CompiledExpression, ExpressionError> {
        let tokens: [ExprToken]
        do throws(ExpressionError) {
            var lexer = ExprLexer(source)
            tokens = try lexer.tokenize()
        } catch {
            return .failure(error)
        }
        // Parsing and compiling recurse once per nesting level. Shallow expressions (nearly
        // all of them) run here; deep ones run on a thread with a large stack, so no input
        // can overflow the caller's stack whatever the build mode.
        if ExprParser.nestingEstimate(tokens) > 6 || tokens.count > 400 {
            return onLargeStack { compileTokens(tokens, source: source, scope: scope, inline: false) }
        }
        return compileTokens(tokens, source: source, scope: scope, inline: true)
    }

    private static func compileTokens(_ tokens: [ExprToken], source: String, scope: ExpressionScope, inline: Bool) -> Result<CompiledExpression, ExpressionError> {
        do throws(ExpressionError) {
            var parser = ExprParser(tokens: tokens)
            let ast = try parser.parse()
            if inline && ast.height > 12 {
                return onLargeStack { compileTree(ast, source: source, scope: scope) }
            }
            return compileTree(ast, source: source, scope: scope)
        } catch {
            return .failure(error)
        }
    }

    private static func compileTree(_ ast: ExprNode, source: String, scope: ExpressionScope) -> Result<CompiledExpression, ExpressionError> {
        do throws(ExpressionError) {
            var compiler = ExprCompiler(scope: scope)
            let code = try compiler.compile(ast)
            return .success(CompiledExpression(
                source: source, sparkType: code.type, inputs: compiler.inputs,
                readsClock: compiler.readsClock, readsTimestamp: compiler.readsTimestamp,
                root: surfaced(code).eval, rootPredicate: code.pred, hasRootPredicate: code.hasPred))
        } catch {
            return .failure(error)
        }
    }

    /// The root node with its decimal result surfaced as a `Value`: a scale-0 decimal becomes
    /// an `.int` when it fits in 64 bits (other decimals stay doubles rounded to their scale).
    private static func surfaced(_ code: ExprCode) -> ExprCode {
        guard case .decimal(_, 0) = code.type else { return code }
        var out = code
        if let v = code.constant {
            let k = integral(v)
            out.eval = { _, _ in k }
            out.constant = k
            return out
        }
        let e = code.eval
        out.eval = { r, n in integral(e(r, n)) }
        return out
    }

    @inline(__always)
    private static func integral(_ v: Value) -> Value {
        if case .double(let d) = v, d > -9.223372036854775808e18, d < 9.223372036854775808e18 {
            return .int(Int64(d))
        }
        return v
    }

    private final class Box<T>: @unchecked Sendable {
        var value: T?
    }

    /// Runs `body` on a fresh thread with a 64 MB stack and waits for it.
    static func onLargeStack<T>(_ body: @escaping @Sendable () -> T) -> T {
        let box = Box<T>()
        let done = DispatchSemaphore(value: 0)
        let thread = Thread {
            box.value = body()
            done.signal()
        }
        thread.stackSize = 64 << 20
        thread.start()
        done.wait()
        return box.value!
    }
}

/// One compiled node: its static type, its closure, and what the compiler knows about it.
struct ExprCode {
    var type: ExprType
    var eval: ExprEval
    /// The value when it is known at compile time.
    var constant: Value?
    /// The input slot when the node reads one input directly.
    var slot: Int?
    /// The digit count of an integer literal written in the source.
    var intDigits: Int?
    var pos: ExprPos
    /// For boolean nodes: the node as a three-valued predicate (see `Tri`).
    /// (Kept out of an Optional, whose generic payload would make every call go through a
    /// reabstraction thunk; `hasPred` says whether it is set.)
    var pred: PredEval = ExprCode.noPredicate
    var hasPred = false
    static let noPredicate: PredEval = { _, _ in Tri.unknown }
    /// For comparisons of an input with a constant: the comparison as data, and the constant
    /// bytes it points into.
    var leaf: (FastLeaf, ConstantBytes?)? = nil
    /// A rough cost of evaluating the node, by which AND / OR order their operands (cheap
    /// first; the order does not change the result).
    var cost: Int {
        if let (l, _) = leaf { return l.kind == .int || l.kind == .double ? 1 : 3 }
        return costHint ?? 8
    }
    var costHint: Int? = nil
    /// For an AND / OR of two numeric comparisons: the pair, which a parent tests inline.
    var pair: NumericPair? = nil
    /// For `lower(x)` / `upper(x)`: the string argument (and its input slot when it reads one
    /// directly) and which mapping, so comparisons with a constant can avoid building the
    /// mapped string.
    var caseMapped: (arg: ExprEval, slot: Int?, upper: Bool)? = nil

    static func const(_ v: Value, _ t: ExprType, _ pos: ExprPos, intDigits: Int? = nil) -> ExprCode {
        ExprCode(type: t, eval: { _, _ in v }, constant: v, slot: nil, intDigits: intDigits, pos: pos)
    }

    var isConstNull: Bool { constant?.isNull ?? false }
}

/// A boolean node's compiled form: a closure giving `Tri.no`, `Tri.yes` or `Tri.unknown`.
@usableFromInline
typealias PredEval = @Sendable (UnsafeBufferPointer<Value>, Int64) -> UInt8

/// Three-valued logic in a byte: false, true, null.
enum Tri {
    static let no: UInt8 = 0
    static let yes: UInt8 = 1
    static let unknown: UInt8 = 2

    @inline(__always)
    static func of(_ v: Value) -> UInt8 {
        switch v {
        case .bool(let b): return b ? yes : no
        case .null: return unknown
        default:
            guard let b = ExprRuntime.truth(v) else { return unknown }
            return b ? yes : no
        }
    }

    @inline(__always)
    static func bool(_ b: Bool) -> UInt8 { b ? yes : no }

    /// AND / OR of two values, without branches: in the order false < null < true, AND takes
    /// the least and OR the greatest.
    @inline(__always)
    static func combine(_ x: UInt8, _ y: UInt8, isAnd: Bool) -> UInt8 {
        let p = rank(x), q = rank(y)
        return unrank(isAnd ? min(p, q) : max(p, q))
    }

    /// The order false < null < true as 0, 1, 2 (and back: the mapping is its own inverse).
    @inline(__always)
    static func rank(_ t: UInt8) -> UInt8 { (0b01_10_00 as UInt8) >> (t &* 2) & 3 }

    @inline(__always)
    static func unrank(_ r: UInt8) -> UInt8 { (0b01_10_00 as UInt8) >> (r &* 2) & 3 }

    @inline(__always)
    static func value(_ t: UInt8) -> Value {
        t == yes ? .bool(true) : (t == no ? .bool(false) : .null)
    }
}

/// A comparison of one input with a constant, kept as plain data so that AND / OR nodes can
/// test it inline instead of calling a closure: `x >= 3`, `x > 500.0`, `x = 'gold'`,
/// `lower(x) = 'gold'`. `nil` from `test` means the input holds a value of an unexpected kind
/// and the leaf's general predicate must decide.
struct FastLeaf: @unchecked Sendable {
    enum Kind: UInt8, Sendable { case int, double, string, lower, upper }
    let kind: Kind
    let op: CompareOp
    /// Which orderings satisfy `op`: bit 0 less, bit 1 equal, bit 2 greater.
    let mask: UInt8
    let slot: Int
    let int: Int64
    let double: Double
    /// For string kinds: the constant's bytes (owned by a `ConstantBytes` the node keeps).
    let bytes: UnsafeBufferPointer<UInt8>

    init(kind: Kind, op: CompareOp, slot: Int, int: Int64 = 0, double: Double = 0,
         bytes: UnsafeBufferPointer<UInt8> = UnsafeBufferPointer(start: nil, count: 0)) {
        self.kind = kind
        self.op = op
        self.mask = FastLeaf.mask(op)
        self.slot = slot
        self.int = int
        self.double = double
        self.bytes = bytes
    }

    static func mask(_ op: CompareOp) -> UInt8 {
        switch op {
        case .eq, .nullSafeEq: return 0b010
        case .ne: return 0b101
        case .lt: return 0b001
        case .le: return 0b011
        case .gt: return 0b100
        case .ge: return 0b110
        }
    }

    @inline(__always)
    func test(_ row: UnsafeBufferPointer<Value>) -> UInt8? {
        guard slot < row.count else { return Tri.unknown }
        switch kind {
        case .int:
            switch row[slot] {
            case .int(let x):
                // Branch-free: bit 0, 1 or 2 of the mask answers less, equal or greater.
                let order = (x > int ? 2 : 0) | (x == int ? 1 : 0)
                return (mask >> UInt8(order)) & 1
            case .null: return Tri.unknown
            default: return nil
            }
        case .double:
            switch row[slot] {
            case .double(let x): return (mask >> UInt8(ExprRuntime.compareDoubles(x, double) + 1)) & 1
            case .null: return Tri.unknown
            default: return nil
            }
        case .string, .lower, .upper:
            return testString(row[slot])
        }
    }

    /// The string kinds, kept out of line so the numeric tests stay small enough to inline.
    @inline(never)
    func testString(_ v: Value) -> UInt8? {
        switch v {
        case .string(let s):
            let equal = kind == .string ? ExprRuntime.equalBytes(s, bytes)
                                        : ExprRuntime.caseMappedEquals(s, bytes, upper: kind == .upper)
            return Tri.bool(equal == (op == .eq))
        case .null: return Tri.unknown
        default: return nil
        }
    }
}

/// An AND or OR of two numeric comparisons of inputs with constants, as plain data.
struct NumericPair: Sendable {
    let a: FastLeaf, b: FastLeaf
    let isAnd: Bool

    init(_ a: FastLeaf, _ b: FastLeaf, isAnd: Bool) { self.a = a; self.b = b; self.isAnd = isAnd }

    /// nil when an input holds a value of an unexpected kind.
    @inline(__always)
    func test(_ row: UnsafeBufferPointer<Value>) -> UInt8? {
        guard let x = a.test(row), let y = b.test(row) else { return nil }
        return Tri.combine(x, y, isAnd: isAnd)
    }
}

/// The UTF-8 bytes of a constant, kept at a fixed address for the life of the compiled
/// expression so evaluation reads them without bounds checks or retains.
final class ConstantBytes: @unchecked Sendable {
    let buffer: UnsafeBufferPointer<UInt8>

    init(_ s: String) {
        let bytes = Array(s.utf8)
        let p = UnsafeMutablePointer<UInt8>.allocate(capacity: max(bytes.count, 1))
        p.initialize(from: bytes, count: bytes.count)
        buffer = UnsafeBufferPointer(start: p, count: bytes.count)
    }

    deinit { UnsafeMutablePointer(mutating: buffer.baseAddress!).deallocate() }
}

struct ExprCompiler {
    let scope: ExpressionScope
    var inputs: [String] = []
    var slots: [String: Int] = [:]
    var readsClock = false
    var readsTimestamp = false

    init(scope: ExpressionScope) { self.scope = scope }

    func fail(_ p: ExprPos, _ message: String, hint: String? = nil) -> ExpressionError {
        ExpressionError(line: p.line, column: p.column, message: message, hint: hint)
    }

    /// A node whose value is fixed when all its children are: evaluates it once.
    func finish(_ type: ExprType, _ pos: ExprPos, _ children: [ExprCode], _ eval: @escaping ExprEval) -> ExprCode {
        if children.allSatisfy({ $0.constant != nil }) {
            return .const(eval(UnsafeBufferPointer(start: nil, count: 0), 0), type, pos)
        }
        return ExprCode(type: type, eval: eval, constant: nil, slot: nil, intDigits: nil, pos: pos)
    }

    // MARK: Coercion

    /// The node cast to `to` (an implicit cast; the caller has checked it is allowed).
    func coerce(_ c: ExprCode, to: ExprType) -> ExprCode {
        if c.type == to || to == .any { return c }
        let from = c.type
        if let v = c.constant {
            var r = ExprCode.const(ExprRuntime.cast(v, from: from, to: to), to, c.pos)
            if from == .int || from == .bigint { r.intDigits = c.intDigits }
            return r
        }
        let e = c.eval
        var out = c
        out.type = to
        out.slot = nil
        out.constant = nil
        out.caseMapped = nil
        out.pred = ExprCode.noPredicate
        out.hasPred = false
        out.leaf = nil
        out.pair = nil
        switch (from, to) {
        case (.int, .bigint):
            out.slot = c.slot
            return out
        case (.int, .double), (.bigint, .double):
            out.eval = { r, n in
                let v = e(r, n)
                if case .int(let i) = v { return .double(Double(i)) }
                return ExprRuntime.cast(v, from: from, to: to)
            }
        case (.decimal, .double):
            out.slot = c.slot
            return out
        default:
            out.eval = { r, n in ExprRuntime.cast(e(r, n), from: from, to: to) }
        }
        return out
    }

    // MARK: Nodes

    mutating func compile(_ node: ExprNode) throws(ExpressionError) -> ExprCode {
        switch node.kind {
        case .literal(let v, let t, let digits):
            return .const(v, t, node.pos, intDigits: digits)
        case .name(let name):
            return try compileName(name, node)
        case .negate(let inner):
            return try compileNegate(try compile(inner), node)
        case .plus(let inner):
            let c = try compile(inner)
            switch c.type {
            case .string: return coerce(c, to: .double)
            case .null: return coerce(c, to: .double)
            case let t where t.isNumeric || t == .any: return c
            default: throw fail(node.pos, "unary '+' needs a number, got \(c.type)")
            }
        case .arith(let op, let spelling, let l, let r):
            return try compileArith(op, spelling, try compile(l), try compile(r), node)
        case .concat(let items):
            var codes: [ExprCode] = []
            for i in items { codes.append(try compile(i)) }
            return try compileConcat(codes, node, name: "||")
        case .compare(let op, let spelling, let l, let r):
            return try compileCompare(op, spelling, try compile(l), try compile(r), at: node.opPos)
        case .and(let items):
            var codes: [ExprCode] = []
            for i in items { codes.append(try booleanOperand(try compile(i), "AND")) }
            return logical(codes, isAnd: true, node.pos)
        case .or(let items):
            var codes: [ExprCode] = []
            for i in items { codes.append(try booleanOperand(try compile(i), "OR")) }
            return logical(codes, isAnd: false, node.pos)
        case .not(let inner):
            return notCode(try booleanOperand(try compile(inner), "NOT"), node.pos)
        case .isNull(let inner, let negated):
            let c = try compile(inner)
            let e = c.eval
            let yes = negated ? Tri.no : Tri.yes, no = negated ? Tri.yes : Tri.no
            if let i = c.slot {
                return predicate(node.pos, [c]) { r, _ in i >= r.count || r[i].isNull ? yes : no }
            }
            return predicate(node.pos, [c]) { r, n in e(r, n).isNull ? yes : no }
        case .isBool(let inner, let value, let negated):
            let c = try booleanOperand(try compile(inner), "IS \(negated ? "NOT " : "")\(value ? "TRUE" : "FALSE")")
            let e = c.eval
            return finish(.boolean, node.pos, [c]) { r, n in
                .bool((ExprRuntime.truth(e(r, n)) == value) != negated)
            }
        case .inList(let v, let items, let negated):
            var codes: [ExprCode] = []
            for i in items { codes.append(try compile(i)) }
            let c = try compileIn(try compile(v), codes, node)
            return negated ? notCode(c, node.pos) : c
        case .between(let x, let lo, let hi, let negated):
            let xc = try compile(x)
            let ge = try compileCompare(.ge, ">=", xc, try compile(lo), at: node.opPos)
            let le = try compileCompare(.le, "<=", xc, try compile(hi), at: node.opPos)
            let both = logical([ge, le], isAnd: true, node.pos)
            return negated ? notCode(both, node.pos) : both
        case .like(let x, let p, let escape, let negated):
            return try compileLike(try compile(x), try compile(p), escape: escape, negated: negated, node)
        case .rlike(let x, let p, let negated):
            return try compileRLike(try compile(x), try compile(p), negated: negated, node)
        case .caseWhen(let subject, let branches, let otherwise):
            return try compileCase(subject, branches, otherwise, node)
        case .cast(let inner, let to):
            let c = try compile(inner)
            guard c.type.canCast(to: to) else {
                throw fail(node.pos, "cannot cast \(c.type) to \(to)")
            }
            if c.type == to { return c }
            let e = c.eval, from = c.type
            if from == .any || to.isAtomic || to.isArray {
                return finish(to, node.pos, [c]) { r, n in ExprRuntime.cast(e(r, n), from: from, to: to) }
            }
            return finish(to, node.pos, [c]) { r, n in ExprRuntime.cast(e(r, n), from: from, to: to) }
        case .call(let name, let args):
            return try compileCall(name, args, node)
        }
    }

    mutating func slot(for name: String) -> Int {
        if let i = slots[name] { return i }
        let i = inputs.count
        inputs.append(name)
        slots[name] = i
        return i
    }

    /// The scope's spelling of `name`: Spark resolves column names case-insensitively, so an
    /// exact match wins, then the only name that differs by case alone.
    func resolve(_ name: String) -> (String, ValueType)? {
        if let t = scope.type(of: name) { return (name, t) }
        let lower = name.lowercased()
        var found: (String, ValueType)?
        for (k, t) in scope.names where k.lowercased() == lower {
            if found != nil { return nil }
            found = (k, t)
        }
        return found
    }

    mutating func compileName(_ name: String, _ node: ExprNode) throws(ExpressionError) -> ExprCode {
        if let (name, t) = resolve(name) {
            let i = slot(for: name)
            return ExprCode(type: ExprType(t), eval: { r, _ in i < r.count ? r[i] : .null },
                            constant: nil, slot: i, intDigits: nil, pos: node.pos)
        }
        let lower = name.lowercased()
        if lower == "current_date" || lower == "current_timestamp" {
            return try compileCall(lower, [], node)
        }
        throw fail(node.pos, "unknown attribute '\(name)'",
                   hint: suggestion(for: name, among: scope.names.keys).map { "did you mean '\($0)'?" })
    }

    // MARK: Arithmetic

    func compileNegate(_ c: ExprCode, _ node: ExprNode) throws(ExpressionError) -> ExprCode {
        let e = c.eval
        switch c.type {
        case .null, .string:
            let d = coerce(c, to: .double)
            let de = d.eval
            return finish(.double, node.pos, [d]) { r, n in
                if case .double(let x) = de(r, n) { return .double(-x) }
                return .null
            }
        case .int:
            return finish(.int, node.pos, [c]) { r, n in
                switch e(r, n) {
                case .int(let i): return .int(ExprRuntime.wrap32(0 &- i))
                case .double(let d): return .double(-d)
                default: return .null
                }
            }
        case .bigint, .double, .decimal, .any:
            let t = c.type
            return finish(t, node.pos, [c]) { r, n in
                switch e(r, n) {
                case .int(let i): return .int(0 &- i)
                case .double(let d): return .double(-d)
                case .string(let s):
                    if let d = SparkText.parseDouble(s) { return .double(-d) }
                    return .null
                default: return .null
                }
            }
        default:
            throw fail(node.pos, "unary '-' needs a number, got \(c.type)")
        }
    }

    /// Operand types after Spark's promotion of strings to double in arithmetic.
    private func arithmeticType(_ t: ExprType) -> ExprType? {
        switch t {
        case .string: return .double
        case .null: return .null
        default: return t.isNumeric ? t : nil
        }
    }

    /// Precision of an integral operand meeting a decimal: a literal's own digit count.
    private func decimalShape(_ c: ExprCode) -> (p: Int, s: Int)? {
        if c.type.isIntegral, let d = c.intDigits { return (d, 0) }
        return c.type.decimalShape
    }

    mutating func compileArith(_ op: ExprRuntime.ArithOp, _ spelling: String, _ l: ExprCode, _ r: ExprCode, _ node: ExprNode) throws(ExpressionError) -> ExprCode {
        let lt = l.type, rt = r.type
        let pos = node.opPos
        // Dates: date ± days.
        if op == .add || op == .sub {
            // Spark reads date + NULL as timestamp + interval, and date - NULL as a difference
            // of dates (an interval).
            if op == .add, (lt == .date && rt == .null) || (rt == .date && lt == .null) {
                return .const(.null, .timestamp, node.pos)
            }
            if op == .sub, lt == .date, rt == .null {
                throw fail(pos, "subtracting from a date gives an interval, which expressions do not support",
                           hint: "use date_sub(date, days) or datediff(end, start)")
            }
            if lt == .date, rt != .date, rt != .timestamp {
                return try dateAdd(l, r, subtract: op == .sub, fn: spelling, operator: true, at: pos)
            }
            if op == .add, rt == .date, lt != .date, lt != .timestamp {
                return try dateAdd(r, l, subtract: false, fn: spelling, operator: true, at: pos)
            }
            if lt == .date || rt == .date || lt == .timestamp || rt == .timestamp {
                if op == .sub, (lt == .date || lt == .timestamp), (rt == .date || rt == .timestamp) {
                    throw fail(pos, "subtracting \(lt == .date ? "dates" : "timestamps") gives an interval, which expressions do not support",
                               hint: "use datediff(end, start) for the number of days")
                }
                throw fail(pos, "cannot apply '\(spelling)' to \(lt) and \(rt)",
                           hint: lt == .timestamp || rt == .timestamp ? "convert with to_date() and use date_add" : nil)
            }
        }
        if lt == .any || rt == .any {
            for (c, t) in [(l, lt), (r, rt)] where t != .any && arithmeticType(t) == nil {
                throw fail(c.pos, "cannot apply '\(spelling)' to \(lt) and \(rt)")
            }
            let le = l.eval, re = r.eval
            let type: ExprType = op == .div ? .double : (op == .intDiv ? .bigint : .any)
            return finish(type, pos, [l, r]) { row, n in ExprRuntime.arith(op, le(row, n), re(row, n)) }
        }
        guard let a = arithmeticType(lt), let b = arithmeticType(rt) else {
            throw fail(pos, "cannot apply '\(spelling)' to \(lt) and \(rt)")
        }
        let anyDouble = a == .double || b == .double
        let anyDecimal = a.isDecimal || b.isDecimal
        // A null literal on either side makes the result null of the operation's type.
        func nullResult(_ t: ExprType) -> ExprCode? {
            (l.isConstNull || r.isConstNull) ? .const(.null, t, node.pos) : nil
        }
        switch op {
        case .div:
            if anyDecimal && !anyDouble {
                let x = decimalShape(l) ?? (10, 0), y = decimalShape(r) ?? (10, 0)
                let s = max(6, x.s + y.p + 1)
                let p = x.p - x.s + y.s + s
                let t = ExprType.boundedDecimal(p, s)
                if let n = nullResult(t) { return n }
                return decimalOp(op, l, r, t, node.pos)
            }
            if let n = nullResult(.double) { return n }
            return doubleOp(op, coerce(l, to: .double), coerce(r, to: .double), node.pos)
        case .intDiv:
            if anyDouble {
                let bad = a == .double ? l : r
                throw fail(bad.pos, "'div' needs integers or decimals, got \(bad.type)",
                           hint: "cast to bigint first, or use / for a double result")
            }
            if let n = nullResult(.bigint) { return n }
            if anyDecimal { return decimalOp(op, l, r, .bigint, node.pos) }
            return integerOp(op, coerce(l, to: .bigint), coerce(r, to: .bigint), bits: 64, node.pos)
        default:
            if anyDouble || (a == .null && b == .null) {
                if let n = nullResult(.double) { return n }
                return doubleOp(op, coerce(l, to: .double), coerce(r, to: .double), node.pos)
            }
            if anyDecimal {
                let x = decimalShape(l) ?? (10, 0), y = decimalShape(r) ?? (10, 0)
                let t: ExprType
                switch op {
                case .add, .sub:
                    let s = max(x.s, y.s)
                    t = .boundedDecimal(s + max(x.p - x.s, y.p - y.s) + 1, s)
                case .mul:
                    t = .boundedDecimal(x.p + y.p + 1, x.s + y.s)
                default: // mod
                    let s = max(x.s, y.s)
                    t = .boundedDecimal(min(x.p - x.s, y.p - y.s) + s, s)
                }
                if let n = nullResult(t) { return n }
                return decimalOp(op, l, r, t, node.pos)
            }
            let t: ExprType = (a == .bigint || b == .bigint) ? .bigint : .int
            if let n = nullResult(t) { return n }
            return integerOp(op, coerce(l, to: t), coerce(r, to: t), bits: t == .int ? 32 : 64, node.pos)
        }
    }

    func integerOp(_ op: ExprRuntime.ArithOp, _ l: ExprCode, _ r: ExprCode, bits: Int, _ pos: ExprPos) -> ExprCode {
        let le = l.eval, re = r.eval
        let t: ExprType = bits == 32 ? .int : .bigint
        let fallback: @Sendable (Value, Value) -> Value = { x, y in
            let v = ExprRuntime.arith(op, x, y)
            return ExprRuntime.cast(v, from: .any, to: t)
        }
        if let i = l.slot, let c = r.constant, case .int(let y) = c {
            if bits == 32 {
                return finish(t, pos, [l, r]) { row, _ in
                    let v = i < row.count ? row[i] : .null
                    if case .int(let x) = v { return ExprRuntime.int32Arith(op, x, y) }
                    return fallback(v, c)
                }
            }
            return finish(t, pos, [l, r]) { row, _ in
                let v = i < row.count ? row[i] : .null
                if case .int(let x) = v { return ExprRuntime.intArith(op, x, y) }
                return fallback(v, c)
            }
        }
        if bits == 32 {
            return finish(t, pos, [l, r]) { row, n in
                let a = le(row, n), b = re(row, n)
                if case .int(let x) = a, case .int(let y) = b { return ExprRuntime.int32Arith(op, x, y) }
                return fallback(a, b)
            }
        }
        return finish(t, pos, [l, r]) { row, n in
            let a = le(row, n), b = re(row, n)
            if case .int(let x) = a, case .int(let y) = b { return ExprRuntime.intArith(op, x, y) }
            return fallback(a, b)
        }
    }

    func doubleOp(_ op: ExprRuntime.ArithOp, _ l: ExprCode, _ r: ExprCode, _ pos: ExprPos) -> ExprCode {
        let le = l.eval, re = r.eval
        return finish(.double, pos, [l, r]) { row, n in
            let a = le(row, n), b = re(row, n)
            if case .double(let x) = a, case .double(let y) = b { return ExprRuntime.doubleArith(op, x, y) }
            guard let x = ExprRuntime.numericOperand(a), let y = ExprRuntime.numericOperand(b) else { return .null }
            return ExprRuntime.doubleArith(op, x, y)
        }
    }

    /// Decimal arithmetic carried in doubles, rounded to the result's scale; `%` and `div`
    /// work on scaled integers so they stay exact.
    func decimalOp(_ op: ExprRuntime.ArithOp, _ l: ExprCode, _ r: ExprCode, _ t: ExprType, _ pos: ExprPos) -> ExprCode {
        let le = l.eval, re = r.eval
        let scale = max(decimalShape(l)?.s ?? 0, decimalShape(r)?.s ?? 0)
        var pv = 38, sv = 0
        if case .decimal(let pp, let ss) = t { pv = pp; sv = ss }
        let p = pv, s = sv
        return finish(t, pos, [l, r]) { row, n in
            guard let x = ExprRuntime.numericOperand(le(row, n)), let y = ExprRuntime.numericOperand(re(row, n)) else { return .null }
            switch op {
            case .add: return ExprRuntime.fitDecimal(x + y, p: p, s: s)
            case .sub: return ExprRuntime.fitDecimal(x - y, p: p, s: s)
            case .mul: return ExprRuntime.fitDecimal(x * y, p: p, s: s)
            case .div:
                if y == 0 { return .null }
                return ExprRuntime.fitDecimal(x / y, p: p, s: s)
            case .mod, .intDiv:
                if y == 0 { return .null }
                let f = ExprRuntime.powersOfTen[min(scale, 38)]
                let xs = (x * f).rounded(), ys = (y * f).rounded()
                if ys == 0 { return .null }
                if xs.magnitude < 9e18, ys.magnitude < 9e18 {
                    let xi = Int64(xs), yi = Int64(ys)
                    if op == .intDiv { return .int(xi.dividedReportingOverflow(by: yi).partialValue) }
                    return ExprRuntime.fitDecimal(Double(xi % yi) / f, p: p, s: s)
                }
                if op == .intDiv { return .int(ExprRuntime.saturatingInt64((x / y).rounded(.towardZero))) }
                return ExprRuntime.fitDecimal(x.truncatingRemainder(dividingBy: y), p: p, s: s)
            }
        }
    }

    // MARK: Strings

    /// The implicit cast of a function or operator argument to string.
    func stringArg(_ c: ExprCode, fn: String, index: Int) throws(ExpressionError) -> ExprCode {
        switch c.type {
        case .string, .any: return c
        case .null: return coerce(c, to: .string)
        case let t where t.isAtomic: return coerce(c, to: .string)
        default:
            throw fail(c.pos, "argument \(index) of '\(fn)' must be a string, got \(c.type)")
        }
    }

    func compileConcat(_ codes: [ExprCode], _ node: ExprNode, name: String) throws(ExpressionError) -> ExprCode {
        if codes.contains(where: { $0.type.isArray }) {
            // Arrays concatenate with arrays only (Spark refuses even a bare NULL here).
            if let other = codes.first(where: { !$0.type.isArray && $0.type != .any }) {
                throw fail(other.pos, "'\(name)' cannot mix arrays with \(other.type)")
            }
            guard let t = ExprType.wider(codes.map(\.type)) else {
                throw fail(node.pos, "'\(name)' needs arrays of compatible types")
            }
            let evals = codes.map { coerce($0, to: t).eval }
            return finish(t, node.pos, codes) { r, n in
                var out: [Value] = []
                for e in evals {
                    guard case .list(let items) = e(r, n) else { return .null }
                    out += items
                }
                return .list(out)
            }
        }
        var strs: [ExprCode] = []
        for (i, c) in codes.enumerated() { strs.append(try stringArg(c, fn: name, index: i + 1)) }
        let evals = strs.map(\.eval)
        if evals.count == 2 {
            let a = evals[0], b = evals[1]
            let ta = strs[0].type, tb = strs[1].type
            return finish(.string, node.pos, strs) { r, n in
                let x = a(r, n), y = b(r, n)
                if case .string(let s) = x, case .string(let t) = y { return .string(s + t) }
                if x.isNull || y.isNull { return .null }
                return .string(ExprRuntime.text(x, from: ta) + ExprRuntime.text(y, from: tb))
            }
        }
        let types = strs.map(\.type)
        return finish(.string, node.pos, strs) { r, n in
            var out = ""
            for (k, e) in evals.enumerated() {
                let v = e(r, n)
                switch v {
                case .string(let s): out += s
                case .null: return .null
                default: out += ExprRuntime.text(v, from: types[k])
                }
            }
            return .string(out)
        }
    }

    // MARK: Comparison

    mutating func compileCompare(_ op: CompareOp, _ spelling: String, _ l: ExprCode, _ r: ExprCode, at pos: ExprPos) throws(ExpressionError) -> ExprCode {
        var l = l, r = r
        let isEquality = op == .eq || op == .ne || op == .nullSafeEq
        let common: ExprType
        if isEquality, l.type == .boolean, r.type.isNumeric {
            l = coerce(l, to: r.type); common = r.type
        } else if isEquality, r.type == .boolean, l.type.isNumeric {
            r = coerce(r, to: l.type); common = l.type
        } else if let c = ExprType.comparison(l.type, r.type) {
            common = c
        } else {
            throw fail(pos, "cannot compare \(l.type) with \(r.type) using '\(spelling)'",
                       hint: compareHint(l.type, r.type))
        }
        l = coerce(l, to: common)
        r = coerce(r, to: common)
        if op == .nullSafeEq {
            let le = l.eval, re = r.eval
            return finish(.boolean, pos, [l, r]) { row, n in
                let a = le(row, n), b = re(row, n)
                if a.isNull || b.isNull { return .bool(a.isNull && b.isNull) }
                return .bool(ExprRuntime.compare(a, b) == 0)
            }
        }
        if l.isConstNull || r.isConstNull { return .const(.null, .boolean, pos) }
        return comparison(op, l, r, common, pos)
    }

    private func compareHint(_ a: ExprType, _ b: ExprType) -> String? {
        if (a == .date || a == .timestamp) && b.isNumeric || (b == .date || b == .timestamp) && a.isNumeric {
            return "compare with a DATE '…' literal or use datediff"
        }
        if a == .boolean || b == .boolean { return "compare booleans with true or false" }
        return nil
    }

    @inline(__always)
    static func test(_ op: CompareOp, _ c: Int) -> Bool {
        switch op {
        case .eq, .nullSafeEq: return c == 0
        case .ne: return c != 0
        case .lt: return c < 0
        case .le: return c <= 0
        case .gt: return c > 0
        case .ge: return c >= 0
        }
    }

    @inline(__always)
    static func cmp<T: Comparable>(_ a: T, _ b: T) -> Int { a < b ? -1 : (a == b ? 0 : 1) }

    static func slowCompare(_ op: CompareOp, _ a: Value, _ b: Value) -> Value {
        if a.isNull || b.isNull { return .null }
        guard let c = ExprRuntime.compare(a, b) else { return .null }
        return .bool(test(op, c))
    }

    /// A comparison of two nodes of the same static type, with fast paths by type.
    func comparison(_ op: CompareOp, _ l: ExprCode, _ r: ExprCode, _ t: ExprType, _ pos: ExprPos) -> ExprCode {
        let le = l.eval, re = r.eval
        switch t {
        case .int, .bigint:
            if let i = l.slot, let c = r.constant, case .int(let y) = c {
                var code = predicate(pos, [l, r]) { row, _ in
                    guard i < row.count else { return Tri.unknown }
                    if case .int(let x) = row[i] { return Tri.bool(ExprCompiler.test(op, ExprCompiler.cmp(x, y))) }
                    return Tri.of(ExprCompiler.slowCompare(op, row[i], c))
                }
                code.leaf = (FastLeaf(kind: .int, op: op, slot: i, int: y), nil)
                return code
            }
            return predicate(pos, [l, r]) { row, n in
                let a = le(row, n), b = re(row, n)
                if case .int(let x) = a, case .int(let y) = b { return Tri.bool(ExprCompiler.test(op, ExprCompiler.cmp(x, y))) }
                return Tri.of(ExprCompiler.slowCompare(op, a, b))
            }
        case .double, .decimal:
            if let i = l.slot, let c = r.constant, case .double(let y) = c {
                var code = predicate(pos, [l, r]) { row, _ in
                    guard i < row.count else { return Tri.unknown }
                    if case .double(let x) = row[i] { return Tri.bool(ExprCompiler.test(op, ExprRuntime.compareDoubles(x, y))) }
                    return Tri.of(ExprCompiler.slowCompare(op, row[i], c))
                }
                code.leaf = (FastLeaf(kind: .double, op: op, slot: i, double: y), nil)
                return code
            }
            return predicate(pos, [l, r]) { row, n in
                let a = le(row, n), b = re(row, n)
                if case .double(let x) = a, case .double(let y) = b { return Tri.bool(ExprCompiler.test(op, ExprRuntime.compareDoubles(x, y))) }
                return Tri.of(ExprCompiler.slowCompare(op, a, b))
            }
        case .string:
            if op == .eq || op == .ne, let (arg, argSlot, upper) = l.caseMapped, case .string(let c)? = r.constant {
                // lower(x) = 'const' without building lower(x).
                let want = op == .eq
                let bytes = ConstantBytes(c)
                if let i = argSlot {
                    var code = predicate(pos, [l, r]) { row, n in
                        guard i < row.count else { return Tri.unknown }
                        switch row[i] {
                        case .string(let s): return Tri.bool(ExprRuntime.caseMappedEquals(s, bytes.buffer, upper: upper) == want)
                        case .null: return Tri.unknown
                        default: return Tri.of(ExprCompiler.slowCompare(op, le(row, n), .string(c)))
                        }
                    }
                    code.leaf = (FastLeaf(kind: upper ? .upper : .lower, op: op, slot: i, bytes: bytes.buffer), bytes)
                    return code
                }
                return predicate(pos, [l, r]) { row, n in
                    switch arg(row, n) {
                    case .string(let s): return Tri.bool(ExprRuntime.caseMappedEquals(s, bytes.buffer, upper: upper) == want)
                    case .null: return Tri.unknown
                    default: return Tri.of(ExprCompiler.slowCompare(op, le(row, n), .string(c)))
                    }
                }
            }
            if op == .eq || op == .ne, let i = l.slot, case .string(let c)? = r.constant {
                let want = op == .eq
                var code = predicate(pos, [l, r]) { row, _ in
                    guard i < row.count else { return Tri.unknown }
                    if case .string(let x) = row[i] { return Tri.bool(ExprRuntime.equalStrings(x, c) == want) }
                    return Tri.of(ExprCompiler.slowCompare(op, row[i], .string(c)))
                }
                let bytes = ConstantBytes(c)
                code.leaf = (FastLeaf(kind: .string, op: op, slot: i, bytes: bytes.buffer), bytes)
                return code
            }
            if op == .eq || op == .ne {
                let want = op == .eq
                return predicate(pos, [l, r]) { row, n in
                    let a = le(row, n), b = re(row, n)
                    if case .string(let x) = a, case .string(let y) = b { return Tri.bool(ExprRuntime.equalStrings(x, y) == want) }
                    return Tri.of(ExprCompiler.slowCompare(op, a, b))
                }
            }
            return predicate(pos, [l, r]) { row, n in
                let a = le(row, n), b = re(row, n)
                if case .string(let x) = a, case .string(let y) = b { return Tri.bool(ExprCompiler.test(op, ExprRuntime.compareStrings(x, y))) }
                return Tri.of(ExprCompiler.slowCompare(op, a, b))
            }
        default:
            return predicate(pos, [l, r]) { row, n in Tri.of(ExprCompiler.slowCompare(op, le(row, n), re(row, n))) }
        }
    }

    /// A boolean node given as a three-valued predicate; evaluated once when its children are
    /// constants. Conditions built from predicates (AND, OR, NOT) combine them without making
    /// a `Value` at each step.
    func predicate(_ pos: ExprPos, _ children: [ExprCode], _ p: @escaping PredEval) -> ExprCode {
        if children.allSatisfy({ $0.constant != nil }) {
            return .const(Tri.value(p(UnsafeBufferPointer(start: nil, count: 0), 0)), .boolean, pos)
        }
        var code = ExprCode(type: .boolean, eval: { r, n in Tri.value(p(r, n)) }, constant: nil, slot: nil, intDigits: nil, pos: pos)
        code.pred = p
        code.hasPred = true
        return code
    }

    /// A boolean node's three-valued predicate (made from its value when it has none).
    func predicateOf(_ c: ExprCode) -> PredEval {
        if c.hasPred { return c.pred }
        let e = c.eval
        return { r, n in Tri.of(e(r, n)) }
    }

    // MARK: Logic

    func booleanOperand(_ c: ExprCode, _ op: String) throws(ExpressionError) -> ExprCode {
        switch c.type {
        case .boolean, .any: return c
        case .null: return coerce(c, to: .boolean)
        default:
            throw fail(c.pos, "\(op) needs a boolean operand, got \(c.type)",
                       hint: c.type == .string ? "compare the string, e.g. x = 'value'" : (c.type.isNumeric ? "compare the number, e.g. x > 0" : nil))
        }
    }

    /// Tests an AND / OR node's inline comparisons: the deciding value as soon as one gives
    /// it, else nil (with `unknown` set when one was null).
    @inline(__always)
    static func testLeaves(_ leaves: [FastLeaf], _ fallbacks: [PredEval], _ decides: UInt8,
                           _ r: UnsafeBufferPointer<Value>, _ n: Int64, _ unknown: inout Bool) -> UInt8? {
        for k in leaves.indices {
            let x: UInt8
            if let t = leaves[k].test(r) { x = t } else { x = fallbacks[k](r, n) }
            if x == decides { return x }
            if x == Tri.unknown { unknown = true }
        }
        return nil
    }

    func notCode(_ c: ExprCode, _ pos: ExprPos) -> ExprCode {
        let p = predicateOf(c)
        return predicate(pos, [c]) { r, n in
            let x = p(r, n)
            return x == Tri.unknown ? x : Tri.yes &- x
        }
    }

    /// n-ary AND / OR with three-valued logic, short-circuiting, and constants folded.
    func logical(_ items: [ExprCode], isAnd: Bool, _ pos: ExprPos) -> ExprCode {
        // The value that decides the result on its own (false for AND, true for OR).
        let decisive = !isAnd
        let decides = decisive ? Tri.yes : Tri.no, other = decisive ? Tri.no : Tri.yes
        var rest: [ExprCode] = []
        var sawNull = false
        for c in items {
            if let v = c.constant {
                if let b = ExprRuntime.truth(v) {
                    if b == decisive { return .const(.bool(decisive), .boolean, pos) }
                    continue
                }
                sawNull = true
                continue
            }
            rest.append(c)
        }
        if rest.isEmpty { return .const(sawNull ? .null : .bool(!decisive), .boolean, pos) }
        let nullSeed = sawNull
        if rest.count == 1 && !nullSeed {
            let p = predicateOf(rest[0])
            return predicate(pos, rest) { r, n in p(r, n) }
        }
        // Cheap operands first: the result is the same whatever the order.
        rest = rest.enumerated().sorted { ($0.element.cost, $0.offset) < ($1.element.cost, $1.offset) }.map(\.element)
        let totalCost = rest.reduce(1) { $0 + $1.cost }
        if rest.count == 2, !nullSeed, let (l0, _) = rest[0].leaf, let (l1, _) = rest[1].leaf,
           l0.kind == .int || l0.kind == .double, l1.kind == .int || l1.kind == .double {
            // Two numeric comparisons: tested inline and combined without branches.
            let f0 = predicateOf(rest[0]), f1 = predicateOf(rest[1])
            var code = predicate(pos, rest) { r, n in
                NumericPair(l0, l1, isAnd: isAnd).test(r) ?? Tri.combine(f0(r, n), f1(r, n), isAnd: isAnd)
            }
            code.costHint = totalCost
            code.pair = NumericPair(l0, l1, isAnd: isAnd)
            return code
        }
        if rest.allSatisfy({ $0.leaf != nil }) {
            // Comparisons of inputs with constants, tested inline without a call each.
            let leaves = rest.map { $0.leaf!.0 }
            let fallbacks = rest.map(predicateOf)
            let owners = rest.compactMap { $0.leaf?.1 }
            var code = predicate(pos, rest) { r, n in
                withExtendedLifetime(owners) {}
                var unknown = nullSeed
                if let x = ExprCompiler.testLeaves(leaves, fallbacks, decides, r, n, &unknown) { return x }
                return unknown ? Tri.unknown : other
            }
            code.costHint = totalCost
            return code
        }
        if rest.count == 2 && !nullSeed {
            let a = predicateOf(rest[0]), b = predicateOf(rest[1])
            if let pa = rest[0].pair {
                // The first operand is two numeric comparisons, tested here without a call.
                var code = predicate(pos, rest) { r, n in
                    let x = pa.test(r) ?? a(r, n)
                    if x == decides { return x }
                    let y = b(r, n)
                    if y == decides { return y }
                    return x == other && y == other ? other : Tri.unknown
                }
                code.costHint = totalCost
                return code
            }
            var code = predicate(pos, rest) { r, n in
                let x = a(r, n)
                if x == decides { return x }
                let y = b(r, n)
                if y == decides { return y }
                return x == other && y == other ? other : Tri.unknown
            }
            code.costHint = totalCost
            return code
        }
        let preds = rest.map(predicateOf)
        return predicate(pos, rest) { r, n in
            var unknown = nullSeed
            for p in preds {
                let x = p(r, n)
                if x == decides { return x }
                if x == Tri.unknown { unknown = true }
            }
            return unknown ? Tri.unknown : other
        }
    }

    // MARK: IN

    mutating func compileIn(_ v: ExprCode, _ items: [ExprCode], _ node: ExprNode) throws(ExpressionError) -> ExprCode {
        var commonType: ExprType = v.type
        for it in items {
            guard let w = ExprType.wider(commonType, it.type) else {
                throw fail(it.pos, "cannot compare \(v.type) with \(it.type) in IN (…)",
                           hint: "every value in the list must have a type compatible with the left side")
            }
            commonType = w
        }
        let common = commonType
        let x = coerce(v, to: common)
        let list = items.map { coerce($0, to: common) }
        let xe = x.eval
        if list.allSatisfy({ $0.constant != nil }) {
            let consts = list.map { $0.constant! }
            let hasNull = consts.contains(where: \.isNull)
            let nonNull = consts.filter { !$0.isNull }
            let hashable = common == .int || common == .bigint || common == .string || common == .date || common == .timestamp || common == .boolean
            if hashable && nonNull.count > 6 {
                let set = Set(nonNull)
                return finish(.boolean, node.pos, [x] + list) { r, n in
                    let a = xe(r, n)
                    if a.isNull { return .null }
                    if set.contains(a) { return .bool(true) }
                    if common == .string || common == .date || common == .timestamp || common == .int || common == .bigint || common == .boolean {
                        // Values of the expected kind that miss the set are not in the list.
                        switch (a, common) {
                        case (.string, .string), (.int, .int), (.int, .bigint), (.date, .date), (.timestamp, .timestamp), (.bool, .boolean):
                            return hasNull ? .null : .bool(false)
                        default: break
                        }
                    }
                    for c in nonNull where ExprRuntime.compare(a, c) == 0 { return .bool(true) }
                    return hasNull ? .null : .bool(false)
                }
            }
            return finish(.boolean, node.pos, [x] + list) { r, n in
                let a = xe(r, n)
                if a.isNull { return .null }
                for c in nonNull {
                    if case .int(let p) = a, case .int(let q) = c {
                        if p == q { return .bool(true) }
                        continue
                    }
                    if case .string(let p) = a, case .string(let q) = c {
                        if ExprRuntime.equalStrings(p, q) { return .bool(true) }
                        continue
                    }
                    if ExprRuntime.compare(a, c) == 0 { return .bool(true) }
                }
                return hasNull ? .null : .bool(false)
            }
        }
        let evals = list.map(\.eval)
        return finish(.boolean, node.pos, [x] + list) { r, n in
            let a = xe(r, n)
            if a.isNull { return .null }
            var sawNull = false
            for e in evals {
                let b = e(r, n)
                if b.isNull { sawNull = true; continue }
                if ExprRuntime.compare(a, b) == 0 { return .bool(true) }
            }
            return sawNull ? .null : .bool(false)
        }
    }

    // MARK: LIKE / RLIKE

    mutating func compileLike(_ x: ExprCode, _ p: ExprCode, escape: Unicode.Scalar, negated: Bool, _ node: ExprNode) throws(ExpressionError) -> ExprCode {
        let s = try stringArg(x, fn: "LIKE", index: 1)
        let pat = try stringArg(p, fn: "LIKE", index: 2)
        let se = s.eval
        if let pv = pat.constant {
            guard case .string(let ps) = pv else { return .const(.null, .boolean, node.pos) }
            switch LikePattern.compile(ps, escape: escape) {
            case .failure(let err): throw fail(pat.pos, err.message)
            case .success(let m):
                let st = s.type
                return finish(.boolean, node.opPos, [s]) { r, n in
                    switch se(r, n) {
                    case .string(let str): return .bool(m.matches(str) != negated)
                    case .null: return .null
                    case let v: return .bool(m.matches(ExprRuntime.text(v, from: st)) != negated)
                    }
                }
            }
        }
        let pe = pat.eval
        return finish(.boolean, node.opPos, [s, pat]) { r, n in
            guard case .string(let str) = ExprRuntime.toStringValue(se(r, n), from: .any),
                  case .string(let ps) = ExprRuntime.toStringValue(pe(r, n), from: .any),
                  case .success(let m) = LikePattern.compile(ps, escape: escape) else { return .null }
            return .bool(m.matches(str) != negated)
        }
    }

    mutating func compileRLike(_ x: ExprCode, _ p: ExprCode, negated: Bool, _ node: ExprNode) throws(ExpressionError) -> ExprCode {
        let s = try stringArg(x, fn: "RLIKE", index: 1)
        let pat = try stringArg(p, fn: "RLIKE", index: 2)
        let se = s.eval
        if let pv = pat.constant {
            guard case .string(let ps) = pv else { return .const(.null, .boolean, node.pos) }
            switch RegexPattern.compile(ps) {
            case .failure(let err): throw fail(pat.pos, err.message)
            case .success(let m):
                return finish(.boolean, node.opPos, [s]) { r, n in
                    guard case .string(let str) = ExprRuntime.toStringValue(se(r, n), from: .any) else { return .null }
                    return .bool(m.matches(str) != negated)
                }
            }
        }
        let pe = pat.eval
        return finish(.boolean, node.opPos, [s, pat]) { r, n in
            guard case .string(let str) = ExprRuntime.toStringValue(se(r, n), from: .any),
                  case .string(let ps) = ExprRuntime.toStringValue(pe(r, n), from: .any),
                  case .success(let m) = RegexPattern.compile(ps) else { return .null }
            return .bool(m.matches(str) != negated)
        }
    }

    // MARK: CASE

    mutating func compileCase(_ subject: ExprNode?, _ branches: [(ExprNode, ExprNode)], _ otherwise: ExprNode?, _ node: ExprNode) throws(ExpressionError) -> ExprCode {
        let subj = try subject.map { (s) throws(ExpressionError) -> ExprCode in try compile(s) }
        var conds: [ExprCode] = []
        var values: [ExprCode] = []
        for (w, t) in branches {
            let wc = try compile(w)
            if let subj {
                conds.append(try compileCompare(.eq, "=", subj, wc, at: wc.pos))
            } else {
                // Spark's CASE wants boolean conditions; unlike AND or IF it refuses a bare NULL.
                if wc.type == .null {
                    throw fail(wc.pos, "WHEN needs a boolean condition, got a null literal",
                               hint: "write CAST(NULL AS boolean) if you mean it")
                }
                conds.append(try booleanOperand(wc, "WHEN"))
            }
            values.append(try compile(t))
        }
        let elseCode = try otherwise.map { (o) throws(ExpressionError) -> ExprCode in try compile(o) }
        var type: ExprType = .null
        for v in values + (elseCode.map { [$0] } ?? []) {
            guard let w = ExprType.wider(type, v.type) else {
                throw fail(v.pos, "CASE results have incompatible types: \(type) and \(v.type)",
                           hint: "cast the results to one type")
            }
            type = w
        }
        let vals = values.map { coerce($0, to: type) }
        let els = elseCode.map { coerce($0, to: type) } ?? .const(.null, type, node.pos)
        // Fold constant conditions.
        var liveConds: [ExprCode] = []
        var liveVals: [ExprCode] = []
        var finalElse = els
        for (c, v) in zip(conds, vals) {
            if let k = c.constant {
                if ExprRuntime.truth(k) == true { finalElse = v; break }
                continue
            }
            liveConds.append(c)
            liveVals.append(v)
        }
        if liveConds.isEmpty { var e = finalElse; e.pos = node.pos; return e }
        let ce = liveConds.map(\.eval), ve = liveVals.map(\.eval), ee = finalElse.eval
        return ExprCode(type: type, eval: { r, n in
            for k in 0..<ce.count {
                let c = ce[k](r, n)
                if case .bool(true) = c { return ve[k](r, n) }
                if case .bool = c { continue }
                if ExprRuntime.truth(c) == true { return ve[k](r, n) }
            }
            return ee(r, n)
        }, constant: nil, slot: nil, intDigits: nil, pos: node.pos)
    }
}

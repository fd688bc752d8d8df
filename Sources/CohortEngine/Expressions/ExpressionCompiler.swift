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
                source: source, type: code.type.valueType, inputs: compiler.inputs,
                readsClock: compiler.readsClock, root: code.eval))
        } catch {
            return .failure(error)
        }
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

    static func const(_ v: Value, _ t: ExprType, _ pos: ExprPos, intDigits: Int? = nil) -> ExprCode {
        ExprCode(type: t, eval: { _, _ in v }, constant: v, slot: nil, intDigits: intDigits, pos: pos)
    }

    var isConstNull: Bool { constant?.isNull ?? false }
}

struct ExprCompiler {
    let scope: ExpressionScope
    var inputs: [String] = []
    var slots: [String: Int] = [:]
    var readsClock = false

    init(scope: ExpressionScope) { self.scope = scope }

    func fail(_ p: ExprPos, _ message: String, hint: String? = nil) -> ExpressionError {
        ExpressionError(line: p.line, column: p.column, message: message, hint: hint)
    }

    /// A node whose value is fixed when all its children are: evaluates it once.
    func finish(_ type: ExprType, _ pos: ExprPos, _ children: [ExprCode], _ eval: @escaping ExprEval) -> ExprCode {
        if children.allSatisfy({ $0.constant != nil }) {
            return .const(eval([], 0), type, pos)
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
            if let i = c.slot {
                return finish(.boolean, node.pos, [c]) { r, _ in
                    .bool((i < r.count ? r[i].isNull : true) != negated)
                }
            }
            return finish(.boolean, node.pos, [c]) { r, n in .bool(e(r, n).isNull != negated) }
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

    mutating func compileName(_ name: String, _ node: ExprNode) throws(ExpressionError) -> ExprCode {
        if let t = scope.type(of: name) {
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
            if lt == .date, rt != .date, rt != .timestamp {
                return try dateAdd(l, r, subtract: op == .sub, fn: spelling, at: pos)
            }
            if op == .add, rt == .date, lt != .date, lt != .timestamp {
                return try dateAdd(r, l, subtract: false, fn: spelling, at: pos)
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
        if !codes.isEmpty, codes.allSatisfy({ $0.type.isArray || $0.type == .null }), codes.contains(where: { $0.type.isArray }) {
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
                return finish(.boolean, pos, [l, r]) { row, _ in
                    let v = i < row.count ? row[i] : .null
                    if case .int(let x) = v { return .bool(ExprCompiler.test(op, ExprCompiler.cmp(x, y))) }
                    return ExprCompiler.slowCompare(op, v, c)
                }
            }
            return finish(.boolean, pos, [l, r]) { row, n in
                let a = le(row, n), b = re(row, n)
                if case .int(let x) = a, case .int(let y) = b { return .bool(ExprCompiler.test(op, ExprCompiler.cmp(x, y))) }
                return ExprCompiler.slowCompare(op, a, b)
            }
        case .double, .decimal:
            if let i = l.slot, let c = r.constant, case .double(let y) = c {
                return finish(.boolean, pos, [l, r]) { row, _ in
                    let v = i < row.count ? row[i] : .null
                    if case .double(let x) = v { return .bool(ExprCompiler.test(op, ExprRuntime.compareDoubles(x, y))) }
                    return ExprCompiler.slowCompare(op, v, c)
                }
            }
            return finish(.boolean, pos, [l, r]) { row, n in
                let a = le(row, n), b = re(row, n)
                if case .double(let x) = a, case .double(let y) = b { return .bool(ExprCompiler.test(op, ExprRuntime.compareDoubles(x, y))) }
                return ExprCompiler.slowCompare(op, a, b)
            }
        case .string:
            if op == .eq || op == .ne {
                let want = op == .eq
                return finish(.boolean, pos, [l, r]) { row, n in
                    let a = le(row, n), b = re(row, n)
                    if case .string(let x) = a, case .string(let y) = b { return .bool(ExprRuntime.equalStrings(x, y) == want) }
                    return ExprCompiler.slowCompare(op, a, b)
                }
            }
            return finish(.boolean, pos, [l, r]) { row, n in
                let a = le(row, n), b = re(row, n)
                if case .string(let x) = a, case .string(let y) = b { return .bool(ExprCompiler.test(op, ExprRuntime.compareStrings(x, y))) }
                return ExprCompiler.slowCompare(op, a, b)
            }
        default:
            return finish(.boolean, pos, [l, r]) { row, n in ExprCompiler.slowCompare(op, le(row, n), re(row, n)) }
        }
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

    func notCode(_ c: ExprCode, _ pos: ExprPos) -> ExprCode {
        let e = c.eval
        return finish(.boolean, pos, [c]) { r, n in
            switch e(r, n) {
            case .bool(let b): return .bool(!b)
            case .null: return .null
            case let v:
                if let b = ExprRuntime.truth(v) { return .bool(!b) }
                return .null
            }
        }
    }

    /// n-ary AND / OR with three-valued logic, short-circuiting, and constants folded.
    func logical(_ items: [ExprCode], isAnd: Bool, _ pos: ExprPos) -> ExprCode {
        // The value that decides the result on its own (false for AND, true for OR).
        let decisive = !isAnd
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
            let e = rest[0].eval
            return ExprCode(type: .boolean, eval: { r, n in
                let v = e(r, n)
                if case .bool = v { return v }
                if let b = ExprRuntime.truth(v) { return .bool(b) }
                return .null
            }, constant: nil, slot: nil, intDigits: nil, pos: pos)
        }
        if rest.count == 2 && !nullSeed {
            let a = rest[0].eval, b = rest[1].eval
            return ExprCode(type: .boolean, eval: { r, n in
                let x = ExprRuntime.truth(a(r, n))
                if x == decisive { return .bool(decisive) }
                let y = ExprRuntime.truth(b(r, n))
                if y == decisive { return .bool(decisive) }
                if x == nil || y == nil { return .null }
                return .bool(!decisive)
            }, constant: nil, slot: nil, intDigits: nil, pos: pos)
        }
        let evals = rest.map(\.eval)
        return ExprCode(type: .boolean, eval: { r, n in
            var unknown = nullSeed
            for e in evals {
                guard let x = ExprRuntime.truth(e(r, n)) else { unknown = true; continue }
                if x == decisive { return .bool(decisive) }
            }
            return unknown ? .null : .bool(!decisive)
        }, constant: nil, slot: nil, intDigits: nil, pos: pos)
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

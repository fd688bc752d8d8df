/// Run-time semantics shared by compiled expressions: Spark's casts, comparisons and
/// arithmetic on `Value`s whose kinds may only be known at run time.
enum ExprRuntime {
    // MARK: Casts

    /// Spark's `CAST(v AS to)` with ANSI off; `from` is the static type of `v` (it matters for
    /// decimals, whose scale shows when printed). Impossible casts give null.
    static func cast(_ v: Value, from: ExprType, to: ExprType) -> Value {
        switch to {
        case .any: return v
        case .null: return .null
        case .boolean: return toBoolean(v)
        case .int, .bigint:
            let bits = to == .int ? 32 : 64
            if from.isDecimal, case .double(let d) = v, d.isFinite {
                // Decimal.toInt is toLong.toInt: the integral part, wrapped to 32 bits.
                let t = d.rounded(.towardZero)
                if t.magnitude < 9.2e18 { return .int(bits == 32 ? wrap32(Int64(t)) : Int64(t)) }
            }
            return toIntegral(v, bits: bits)
        case .double: return toDouble(v)
        case .decimal(let p, let s): return toDecimal(v, p: p, s: s)
        case .string: return toStringValue(v, from: from)
        case .date: return toDate(v)
        case .timestamp: return toTimestamp(v)
        case .array(let e):
            guard case .list(let items) = v else { return .null }
            var fromElem: ExprType = .any
            if case .array(let fe) = from { fromElem = fe }
            return .list(items.map { cast($0, from: fromElem, to: e) })
        }
    }

    static func toBoolean(_ v: Value) -> Value {
        switch v {
        case .bool: return v
        case .int(let i): return .bool(i != 0)
        case .double(let d): return .bool(d != 0)
        case .string(let s): if let b = SparkText.parseBoolean(s) { return .bool(b) } else { return .null }
        case .timestamp(let t): return .bool(t != 0)
        default: return .null
        }
    }

    @inline(__always)
    static func wrap32(_ x: Int64) -> Int64 { Int64(Int32(truncatingIfNeeded: x)) }

    /// Java's saturating `(long) d`.
    static func saturatingInt64(_ d: Double) -> Int64 {
        if d.isNaN { return 0 }
        if d >= 9_223_372_036_854_775_807.0 { return Int64.max }
        if d <= -9_223_372_036_854_775_808.0 { return Int64.min }
        return Int64(d.rounded(.towardZero))
    }

    static func toIntegral(_ v: Value, bits: Int) -> Value {
        switch v {
        case .int(let i): return .int(bits == 32 ? wrap32(i) : i)
        case .double(let d):
            if bits == 32 {
                if d.isNaN { return .int(0) }
                if d >= 2_147_483_647 { return .int(Int64(Int32.max)) }
                if d <= -2_147_483_648 { return .int(Int64(Int32.min)) }
                return .int(Int64(d.rounded(.towardZero)))
            }
            return .int(saturatingInt64(d))
        case .bool(let b): return .int(b ? 1 : 0)
        case .string(let s):
            if let i = SparkText.parseIntegral(s, bits: bits) { return .int(i) }
            return .null
        case .timestamp(let t):
            let secs = floorDiv(t, CivilTime.microsPerSecond)
            return .int(bits == 32 ? wrap32(secs) : secs)
        default: return .null
        }
    }

    static func toDouble(_ v: Value) -> Value {
        switch v {
        case .double: return v
        case .int(let i): return .double(Double(i))
        case .bool(let b): return .double(b ? 1 : 0)
        case .string(let s): if let d = SparkText.parseDouble(s) { return .double(d) } else { return .null }
        case .timestamp(let t): return .double(Double(t) / 1_000_000)
        default: return .null
        }
    }

    static let powersOfTen: [Double] = (0...38).map { i in
        var x = 1.0
        for _ in 0..<i { x *= 10 }
        return x
    }

    /// Rounds a decimal carried as a double to its scale; null when it overflows the precision.
    @inline(__always)
    static func fitDecimal(_ d: Double, p: Int, s: Int) -> Value {
        if d.isNaN || d.isInfinite { return .null }
        var r = d
        if s < 16 {
            let f = powersOfTen[s]
            let scaled = d * f
            if scaled.magnitude < 4e15 {
                r = scaled.rounded(.toNearestOrAwayFromZero) / f
            } else {
                r = SparkText.round(d, scale: s)
            }
        }
        let intDigits = p - s
        if r.magnitude >= powersOfTen[min(max(0, intDigits), 38)] { return .null }
        return .double(r)
    }

    static func toDecimal(_ v: Value, p: Int, s: Int) -> Value {
        switch v {
        case .int(let i): return fitDecimal(Double(i), p: p, s: s)
        case .double(let d): return fitDecimal(SparkText.round(d, scale: s), p: p, s: s)
        case .bool(let b): return fitDecimal(b ? 1 : 0, p: p, s: s)
        case .string(let str):
            guard let d = SparkText.parseDouble(str), d.isFinite else { return .null }
            return fitDecimal(SparkText.round(d, scale: s), p: p, s: s)
        case .timestamp(let t): return fitDecimal(Double(t) / 1_000_000, p: p, s: s)
        default: return .null
        }
    }

    static func toStringValue(_ v: Value, from: ExprType) -> Value {
        if case .string = v { return v }
        if v.isNull { return .null }
        return .string(text(v, from: from))
    }

    /// The text of a value as `CAST(v AS string)` gives it.
    static func text(_ v: Value, from: ExprType) -> String {
        switch v {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return String(i)
        case .double(let d):
            if case .decimal(_, let s) = from { return SparkText.decimalString(d, scale: s) }
            return SparkText.javaDouble(d)
        case .string(let s): return s
        case .date(let d): return SparkText.formatDate(d)
        case .timestamp(let t): return SparkText.formatTimestamp(t)
        case .list(let items):
            var elem: ExprType = .any
            if case .array(let e) = from { elem = e }
            return "[" + items.map { text($0, from: elem) }.joined(separator: ", ") + "]"
        }
    }

    static func toDate(_ v: Value) -> Value {
        switch v {
        case .date: return v
        case .timestamp(let t):
            return .date(day(ofMicros: t))
        case .string(let s): if let d = SparkText.parseDate(s) { return .date(d) } else { return .null }
        default: return .null
        }
    }

    static func toTimestamp(_ v: Value) -> Value {
        switch v {
        case .timestamp: return v
        case .date(let d): return .timestamp(micros(ofDay: d))
        case .string(let s): if let t = SparkText.parseTimestamp(s) { return .timestamp(t) } else { return .null }
        case .int(let i):
            let (r, o) = i.multipliedReportingOverflow(by: CivilTime.microsPerSecond)
            return .timestamp(o ? (i < 0 ? Int64.min : Int64.max) : r)
        case .double(let d):
            guard d.isFinite else { return .null }
            return .timestamp(saturatingInt64(d * 1_000_000))
        case .bool(let b): return .timestamp(b ? 1 : 0)
        default: return .null
        }
    }

    /// The day of a timestamp (floor division, no overflow for any input).
    static func day(ofMicros t: Int64) -> Int32 {
        Int32(truncatingIfNeeded: floorDiv(t, CivilTime.microsPerDay))
    }

    /// Midnight of a day as a timestamp, saturating far outside the representable range.
    static func micros(ofDay d: Int32) -> Int64 {
        let (r, o) = Int64(d).multipliedReportingOverflow(by: CivilTime.microsPerDay)
        return o ? (d < 0 ? Int64.min : Int64.max) : r
    }

    @inline(__always)
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q
    }

    @inline(__always)
    static func floorMod(_ a: Int64, _ b: Int64) -> Int64 {
        let r = a % b
        return (r != 0 && ((r < 0) != (b < 0))) ? r + b : r
    }

    // MARK: Truth

    /// A value in a boolean position: true, false or nil for null (strings of unknown type
    /// are read as Spark casts them).
    @inline(__always)
    static func truth(_ v: Value) -> Bool? {
        switch v {
        case .bool(let b): return b
        case .null: return nil
        default:
            if case .bool(let b) = toBoolean(v) { return b }
            return nil
        }
    }

    // MARK: Comparison

    @inline(__always)
    static func compareDoubles(_ a: Double, _ b: Double) -> Int {
        if a < b { return -1 }
        if a > b { return 1 }
        if a == b { return 0 }
        // At least one NaN: NaN equals NaN and sorts above everything.
        if a.isNaN { return b.isNaN ? 0 : 1 }
        return -1
    }

    @inline(__always)
    static func compareStrings(_ a: String, _ b: String) -> Int {
        var ia = a.utf8.makeIterator(), ib = b.utf8.makeIterator()
        while true {
            switch (ia.next(), ib.next()) {
            case (nil, nil): return 0
            case (nil, _): return -1
            case (_, nil): return 1
            case (let x?, let y?): if x != y { return x < y ? -1 : 1 }
            }
        }
    }

    /// Byte equality of two strings, as Spark compares them (Swift's `==` is canonical
    /// equivalence, under which 'e\u{301}' equals 'é').
    @inline(__always)
    static func equalStrings(_ a: String, _ b: String) -> Bool {
        let n = a.utf8.count
        guard n == b.utf8.count else { return false }
        let same: Bool?? = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in
                var i = 0
                while i < n, x[i] == y[i] { i += 1 }
                return i == n
            }
        }
        if let known = same ?? nil { return known }
        return a.utf8.elementsEqual(b.utf8)
    }

    /// Whether the UTF-8 bytes of `s` are `c`.
    @inline(__always)
    static func equalBytes(_ s: String, _ c: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = c.count
        guard s.utf8.count == n else { return false }
        let same: Bool? = s.utf8.withContiguousStorageIfAvailable { x in
            var i = 0
            while i < n, x[i] == c[i] { i += 1 }
            return i == n
        }
        return same ?? s.utf8.elementsEqual(c)
    }

    /// Whether `lower(s)` (or `upper(s)`) equals the string whose UTF-8 bytes are `c`,
    /// without building the mapped string: ASCII bytes are mapped in place, and only a string
    /// with a non-ASCII character before the first difference is mapped in full (lower('K'),
    /// with the Kelvin sign, is 'k').
    @inline(__always)
    static func caseMappedEquals(_ s: String, _ c: UnsafeBufferPointer<UInt8>, upper: Bool) -> Bool {
        // The loops branch on lengths only, not on the bytes: profile data makes byte-wise
        // outcomes unpredictable, and a mispredicted branch costs more than the bytes.
        let answer: Bool?? = s.utf8.withContiguousStorageIfAvailable { b -> Bool? in
            let n = c.count
            var high: UInt8 = 0
            if b.count != n {
                for x in b { high |= x }
                return high < 0x80 ? false : nil
            }
            var diff: UInt8 = 0
            for i in 0..<n {
                let x = b[i]
                high |= x
                let isCase: UInt8 = upper ? ((x &- 97) < 26 ? 1 : 0) : ((x &- 65) < 26 ? 1 : 0)
                let m = upper ? x & ~(isCase << 5) : x | (isCase << 5)
                diff |= m ^ c[i]
            }
            return high < 0x80 ? diff == 0 : nil
        }
        if let known = answer ?? nil { return known }
        let mapped = upper ? SparkText.upper(s) : SparkText.lower(s)
        return mapped.utf8.elementsEqual(c)
    }

    /// Spark's comparison of two non-null values after its implicit casts, chosen by the
    /// run-time kinds; nil when a cast fails or the kinds cannot be compared.
    static func compare(_ a: Value, _ b: Value) -> Int? {
        switch (a, b) {
        case (.int(let x), .int(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.double(let x), .double(let y)): return compareDoubles(x, y)
        case (.int(let x), .double(let y)): return compareDoubles(Double(x), y)
        case (.double(let x), .int(let y)): return compareDoubles(x, Double(y))
        case (.string(let x), .string(let y)): return compareStrings(x, y)
        case (.bool(let x), .bool(let y)): return x == y ? 0 : (!x ? -1 : 1)
        case (.date(let x), .date(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.timestamp(let x), .timestamp(let y)): return x < y ? -1 : (x == y ? 0 : 1)
        case (.date(let x), .timestamp(let y)):
            let t = micros(ofDay: x)
            return t < y ? -1 : (t == y ? 0 : 1)
        case (.timestamp(let x), .date(let y)):
            let t = micros(ofDay: y)
            return x < t ? -1 : (x == t ? 0 : 1)
        case (.string, .int), (.string, .double), (.string, .bool), (.string, .date), (.string, .timestamp):
            let c = castLike(a, b)
            if c.isNull { return nil }
            return compare(c, b)
        case (.int, .string), (.double, .string), (.bool, .string), (.date, .string), (.timestamp, .string):
            let c = castLike(b, a)
            if c.isNull { return nil }
            return compare(a, c)
        case (.bool(let x), .int), (.bool(let x), .double):
            return compare(.int(x ? 1 : 0), b)
        case (.int, .bool(let y)), (.double, .bool(let y)):
            return compare(a, .int(y ? 1 : 0))
        case (.list(let x), .list(let y)):
            for (p, q) in zip(x, y) {
                if p.isNull && q.isNull { continue }
                if p.isNull { return -1 }
                if q.isNull { return 1 }
                guard let c = compare(p, q) else { return nil }
                if c != 0 { return c }
            }
            return x.count < y.count ? -1 : (x.count == y.count ? 0 : 1)
        default: return nil
        }
    }

    /// Casts the string `s` to the kind of `other`, as a comparison with it would.
    static func castLike(_ s: Value, _ other: Value) -> Value {
        switch other {
        case .int: return toIntegral(s, bits: 64)
        case .double: return toDouble(s)
        case .bool: return toBoolean(s)
        case .date: return toDate(s)
        case .timestamp: return toTimestamp(s)
        default: return s
        }
    }

    /// Three-valued equality.
    @inline(__always)
    static func equal(_ a: Value, _ b: Value) -> Value {
        if a.isNull || b.isNull { return .null }
        guard let c = compare(a, b) else { return .null }
        return .bool(c == 0)
    }

    // MARK: Dynamic arithmetic

    enum ArithOp: Sendable { case add, sub, mul, div, mod, intDiv }

    /// Arithmetic on values of run-time kinds: integers as bigint (64-bit wrap), strings cast
    /// to double, dates plus or minus whole days.
    static func arith(_ op: ArithOp, _ a: Value, _ b: Value) -> Value {
        if a.isNull || b.isNull { return .null }
        switch (a, b) {
        case (.date(let d), .int(let n)):
            if op == .add { return .date(Int32(truncatingIfNeeded: Int64(d) &+ n)) }
            if op == .sub { return .date(Int32(truncatingIfNeeded: Int64(d) &- n)) }
            return .null
        case (.int(let n), .date(let d)):
            if op == .add { return .date(Int32(truncatingIfNeeded: Int64(d) &+ n)) }
            return .null
        default: break
        }
        if op == .intDiv {
            guard let x = integralOperand(a), let y = integralOperand(b) else { return .null }
            if y == 0 { return .null }
            return .int(x.dividedReportingOverflow(by: y).partialValue)
        }
        if case .int(let x) = a, case .int(let y) = b, op != .div {
            return intArith(op, x, y)
        }
        guard let x = numericOperand(a), let y = numericOperand(b) else { return .null }
        return doubleArith(op, x, y)
    }

    static func integralOperand(_ v: Value) -> Int64? {
        switch v {
        case .int(let i): return i
        case .double(let d): return saturatingInt64(d)
        case .string:
            if case .double(let d) = toDouble(v) { return saturatingInt64(d) }
            return nil
        default: return nil
        }
    }

    static func numericOperand(_ v: Value) -> Double? {
        switch v {
        case .int(let i): return Double(i)
        case .double(let d): return d
        case .string(let s): return SparkText.parseDouble(s)
        default: return nil
        }
    }

    @inline(__always)
    static func intArith(_ op: ArithOp, _ x: Int64, _ y: Int64) -> Value {
        switch op {
        case .add: return .int(x &+ y)
        case .sub: return .int(x &- y)
        case .mul: return .int(x &* y)
        case .mod: return y == 0 ? .null : .int(x.remainderReportingOverflow(dividingBy: y).partialValue)
        case .intDiv: return y == 0 ? .null : .int(x.dividedReportingOverflow(by: y).partialValue)
        case .div: return y == 0 ? .null : .double(Double(x) / Double(y))
        }
    }

    @inline(__always)
    static func int32Arith(_ op: ArithOp, _ x: Int64, _ y: Int64) -> Value {
        switch op {
        case .add: return .int(wrap32(x &+ y))
        case .sub: return .int(wrap32(x &- y))
        case .mul: return .int(wrap32(x &* y))
        case .mod: return y == 0 ? .null : .int(wrap32(x.remainderReportingOverflow(dividingBy: y).partialValue))
        case .intDiv: return y == 0 ? .null : .int(x.dividedReportingOverflow(by: y).partialValue)
        case .div: return y == 0 ? .null : .double(Double(x) / Double(y))
        }
    }

    @inline(__always)
    static func doubleArith(_ op: ArithOp, _ x: Double, _ y: Double) -> Value {
        switch op {
        case .add: return .double(x + y)
        case .sub: return .double(x - y)
        case .mul: return .double(x * y)
        case .div: return y == 0 ? .null : .double(x / y)
        case .mod: return y == 0 ? .null : .double(x.truncatingRemainder(dividingBy: y))
        case .intDiv:
            if y == 0 { return .null }
            return .int(saturatingInt64(x / y))
        }
    }
}

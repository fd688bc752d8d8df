/// One value fed to an aggregate, with what orders it for first/last. Laid out in 48
/// bytes (windowed aggregates hold one per input in their window).
public struct AggregateInput: Sendable {
    /// The timestamp, Int64.min standing for none.
    private var rawTimestamp: Int64
    /// Breaks timestamp ties: the event_id for events (smaller first), "" for rows.
    public var tieID: String
    public var value: Value
    private var rawTieRow: Int32

    /// The event's or row's timestamp in microseconds; nil for a table row without one.
    public var timestamp: Int64? { rawTimestamp == Int64.min ? nil : rawTimestamp }
    /// Breaks remaining ties: the row's position in its file (the stream, for events).
    public var tieRow: Int { Int(rawTieRow) }

    public init(timestamp: Int64?, tieID: String, tieRow: Int, value: Value) {
        rawTimestamp = timestamp ?? Int64.min
        self.tieID = tieID
        rawTieRow = Int32(tieRow)
        self.value = value
    }

    /// Whether this input comes before `other` in time (ties: smaller id, then earlier row).
    func precedes(_ other: AggregateInput) -> Bool {
        let a = rawTimestamp, b = other.rawTimestamp
        if a != b { return a < b }
        if tieID != other.tieID { return tieID.utf8Precedes(other.tieID) }
        return rawTieRow < other.rawTieRow
    }

    /// Whether this input beats `other` as the answer of `last`: a later timestamp, or at
    /// the same timestamp the smaller event id, then the earlier row.
    func followsAsLast(_ other: AggregateInput) -> Bool {
        let a = rawTimestamp, b = other.rawTimestamp
        if a != b { return a > b }
        if tieID != other.tieID { return tieID.utf8Precedes(other.tieID) }
        return rawTieRow < other.rawTieRow
    }
}

/// The aggregate functions of SPEC §4 computed over a set of inputs, as a plain batch pass.
public enum Aggregate {
    /// The result of `function` over `inputs`. `typeWarnings` counts values a numeric
    /// function had to skip because they were not numbers.
    public static func compute<C: Collection<AggregateInput>>(_ function: AggregateFunction, _ inputs: C, typeWarnings: inout Int) -> Value {
        switch function {
        case .count:
            return .int(Int64(inputs.count))
        case .count_distinct:
            var set = Set<Value>()
            for i in inputs where !i.value.isNull { set.insert(i.value) }
            return .int(Int64(set.count))
        case .distinct:
            var set = Set<Value>()
            for i in inputs where !i.value.isNull { set.insert(i.value) }
            return .list(set.sorted())
        case .sum, .average:
            var intSum: Int64 = 0
            var doubles = ExactSum()
            var allInts = true
            var n = 0
            for i in inputs {
                guard let number = numericValue(i.value, typeWarnings: &typeWarnings) else { continue }
                n += 1
                switch number {
                case .int(let v): intSum = intSum &+ v
                case .double(let v): allInts = false; doubles.add(v)
                default: break
                }
            }
            return sumResult(function, count: n, intSum: intSum, doubles: doubles, allInts: allInts)
        case .min, .max:
            var best: Value?
            for i in inputs where !i.value.isNull {
                if let b = best {
                    if function == .min ? i.value < b : b < i.value { best = i.value }
                } else {
                    best = i.value
                }
            }
            return best ?? .null
        case .most_frequent:
            var counts: [Value: Int] = [:]
            for i in inputs where !i.value.isNull { counts[i.value, default: 0] += 1 }
            var best: (Value, Int)?
            for (v, c) in counts {
                if let b = best {
                    if c > b.1 || (c == b.1 && v < b.0) { best = (v, c) }
                } else {
                    best = (v, c)
                }
            }
            return best?.0 ?? .null
        case .first, .last:
            return edge(function, inputs)?.value ?? .null
        }
    }

    /// The input that is the answer of `first` or `last`: the earliest (latest) non-null
    /// input; at one timestamp the smaller event id wins for both, then the earlier row.
    static func edge<C: Collection<AggregateInput>>(_ function: AggregateFunction, _ inputs: C) -> AggregateInput? {
        var best: AggregateInput?
        for i in inputs where !i.value.isNull {
            guard let b = best else { best = i; continue }
            if function == .first ? i.precedes(b) : i.followsAsLast(b) { best = i }
        }
        return best
    }

    /// The result of sum or average from its exact parts: integers summed with wrap-around
    /// (as Spark's bigint), doubles exactly; the integer part joins the doubles exactly.
    static func sumResult(_ function: AggregateFunction, count n: Int, intSum: Int64, doubles: ExactSum, allInts: Bool) -> Value {
        if n == 0 { return .null }
        if function == .sum, allInts { return .int(intSum) }
        var total = doubles
        total.add(Double(intSum))
        if function == .average { return .double(total.value / Double(n)) }
        return .double(total.value)
    }

    /// A number as sum and average read it: numbers as they are, numeric strings cast (an
    /// integer text to an integer), anything else nil with a type warning. Nulls are skipped silently.
    static func numericValue(_ v: Value, typeWarnings: inout Int) -> Value? {
        switch v {
        case .null: return nil
        case .int, .double: return v
        case .string(let s):
            let t = s.trimmingSparkWhitespace()
            if let i = Int64(t) { return .int(i) }
            if let d = Double(t), d.isFinite || t.lowercased().contains("inf") || t.lowercased() == "nan" { return .double(d) }
            typeWarnings += 1
            return nil
        default:
            typeWarnings += 1
            return nil
        }
    }
}

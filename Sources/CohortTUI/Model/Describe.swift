import CohortEngine

/// How attributes are described in lists and detail views.
public enum AttributeText {
    public static func kind(_ a: AttributeModel) -> String {
        switch a.definition.kind {
        case .known: return "known"
        case .eventAggregate, .tableAggregate: return "aggregate"
        case .computed: return "computed"
        }
    }

    public static func function(_ a: AttributeModel) -> String {
        switch a.definition.kind {
        case .known: return "column"
        case .eventAggregate(let e): return e.function.value.rawValue
        case .tableAggregate(let t): return t.function.value.rawValue
        case .computed: return "expression"
        }
    }

    public static func source(_ a: AttributeModel) -> String {
        switch a.definition.kind {
        case .known(let col): return "column " + col.value
        case .eventAggregate(let e):
            let types = e.events.isEmpty ? "any event" : e.events.map(\.value).joined(separator: ",")
            var s = types
            if let f = e.field { s += " · " + f.value }
            if let w = e.condition { s += " where " + w.value }
            return s
        case .tableAggregate(let t):
            var s = "table " + t.table.value
            if let f = t.field { s += " · " + f.value }
            if let w = t.condition { s += " where " + w.value }
            return s
        case .computed(let expr): return expr.value
        }
    }

    public static func timeframe(_ a: AttributeModel) -> String {
        switch a.definition.kind {
        case .eventAggregate(let e): return e.timeframe.value.description
        case .tableAggregate(let t): return t.timeframe.value.description
        default: return ""
        }
    }

    /// One line with everything searchable about an attribute.
    public static func definition(_ a: AttributeModel) -> String {
        [kind(a), function(a), source(a), timeframe(a), a.definition.description ?? ""].joined(separator: " ")
    }

    /// The definition as YAML-like lines for the detail view.
    public static func lines(_ a: AttributeModel) -> [(String, String)] {
        var out: [(String, String)] = [("name", a.name), ("type", a.type.description)]
        switch a.definition.kind {
        case .known(let col): out.append(("column", col.value))
        case .eventAggregate(let e):
            out.append(("function", e.function.value.rawValue))
            if let f = e.field { out.append(("field", f.value)) }
            out.append(("events", e.events.isEmpty ? "(any type)" : e.events.map(\.value).joined(separator: ", ")))
            if let w = e.condition { out.append(("where", w.value)) }
            out.append(("timeframe", e.timeframe.value.description))
        case .tableAggregate(let t):
            out.append(("function", t.function.value.rawValue))
            if let f = t.field { out.append(("field", f.value)) }
            out.append(("table", t.table.value))
            out.append(("match", "row \(t.rowColumn.value) = profile \(t.profileColumn.value)"))
            if let w = t.condition { out.append(("where", w.value)) }
            out.append(("timeframe", t.timeframe.value.description))
        case .computed(let expr): out.append(("expression", expr.value))
        }
        if a.pii { out.append(("pii", "true")) }
        if let d = a.definition.description { out.append(("description", d)) }
        return out
    }
}

/// How an event's effects read in the log: "purchases_30d 3→4, entered vip".
public enum ChangeText {
    public static func summary(_ changes: [ChangeNote], workspace: Workspace, limit: Int = 6) -> String {
        var parts: [String] = []
        for c in changes.prefix(limit) { parts.append(describe(c, workspace: workspace, withKey: false)) }
        if changes.count > limit { parts.append("+\(changes.count - limit) more") }
        return parts.joined(separator: ", ")
    }

    public static func describe(_ c: ChangeNote, workspace: Workspace, withKey: Bool) -> String {
        switch c {
        case let .value(col, row, a, old, new):
            let m = workspace.collections[col]
            let who = withKey ? m.key(ofRow: row) + " " : ""
            return "\(who)\(m.attributes[a].name) \(short(old))→\(short(new))"
        case let .membership(col, row, s, entered):
            let m = workspace.collections[col]
            let who = withKey ? m.key(ofRow: row) + " " : ""
            return "\(who)\(entered ? "entered" : "left") \(m.segments[s].name)"
        }
    }

    static func short(_ v: Value) -> String {
        let s = Format.value(v)
        return s.count > 24 ? String(s.prefix(23)) + "…" : s
    }
}

/// Fill rate and a small distribution of one attribute across a collection.
public struct AttributeStats: Sendable {
    public var filled: Int
    public var total: Int
    /// Eight buckets: a histogram for numbers, else the shares of the most common values.
    public var buckets: [Double]
    /// A few words about the distribution ("min 1 · max 40", "top: gold 31%").
    public var summary: String

    public static func compute(data: DataView, collection c: Int, attribute a: Int, sampleLimit: Int = 200_000) -> AttributeStats {
        let n = data.profileCount(c)
        let step = max(1, n / sampleLimit)
        var filled = 0, total = 0
        var numbers: [Double] = []
        var counts: [String: Int] = [:]
        var row = 0
        while row < n {
            let v = data.value(c, row, a)
            total += 1
            switch v {
            case .null: break
            case .list(let items) where items.isEmpty: break
            case .string(let s) where s.isEmpty: break
            default:
                filled += 1
                if let d = v.numeric { numbers.append(d) } else { counts[Format.value(v), default: 0] += 1 }
            }
            row += step
        }
        if numbers.count >= max(1, filled / 2), let lo = numbers.min(), let hi = numbers.max() {
            var b = [Double](repeating: 0, count: 8)
            for d in numbers { b[hi > lo ? min(7, Int((d - lo) / (hi - lo) * 8)) : 0] += 1 }
            return AttributeStats(filled: filled, total: total, buckets: b, summary: "min \(Format.value(number(lo))) · max \(Format.value(number(hi)))")
        }
        let top = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        let b = top.prefix(8).map { Double($0.value) }
        let summary = top.first.map { "top: \($0.key.prefix(20)) \(Format.percent($0.value, of: max(1, filled)))" } ?? "empty"
        return AttributeStats(filled: filled, total: total, buckets: b, summary: summary)
    }

    static func number(_ d: Double) -> Value { d == d.rounded() && abs(d) < 1e15 ? .int(Int64(d)) : .double(d) }
}

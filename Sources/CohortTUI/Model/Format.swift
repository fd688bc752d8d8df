import CohortEngine

/// How the console writes values, counts, instants and ages.
public enum Format {
    /// `1,240`, `-3`.
    public static func grouped(_ n: Int) -> String {
        let digits = String(n.magnitude)
        var out = ""
        for (i, ch) in digits.enumerated() {
            if i > 0, (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return n < 0 ? "-" + out : out
    }

    /// `+12`, `-3`, `0`.
    public static func signed(_ n: Int) -> String { n > 0 ? "+" + grouped(n) : grouped(n) }

    /// `1,240.50`: two decimals, grouped.
    public static func decimal(_ d: Double) -> String {
        guard d.isFinite else { return d.isNaN ? "NaN" : (d > 0 ? "Infinity" : "-Infinity") }
        if abs(d) >= 1e15 { return "\(d)" }
        let cents = (d * 100).rounded()
        let whole = Int(cents / 100)
        let frac = Int(abs(cents).truncatingRemainder(dividingBy: 100))
        let sign = (d < 0 && whole == 0) ? "-" : ""
        return sign + grouped(whole) + "." + (frac < 10 ? "0" : "") + String(frac)
    }

    /// A value in a table cell: empty for null.
    public static func cell(_ v: Value) -> String {
        switch v {
        case .null: return ""
        default: return value(v)
        }
    }

    /// A value in a detail pane.
    public static func value(_ v: Value) -> String {
        switch v {
        case .null: return "null"
        case .bool(let b): return b ? "true" : "false"
        case .int(let i): return grouped(Int(i))
        case .double(let d): return decimal(d)
        case .string(let s): return s
        case .date(let d): return CivilTime.formatDate(d)
        case .timestamp(let t): return instant(t)
        case .list(let items): return items.isEmpty ? "[]" : items.map(value).joined(separator: ", ")
        }
    }

    /// `2026-09-14 10:32:05`.
    public static func instant(_ t: Int64) -> String {
        let s = CivilTime.formatTimestamp(t)
        return String(s.prefix(19)).replacingOccurrences(of: "T", with: " ")
    }

    /// `2026-09-14 10:32`.
    public static func minute(_ t: Int64) -> String { String(instant(t).prefix(16)) }

    /// `09-14 10:32:05`: an event time in the log.
    public static func shortInstant(_ t: Int64) -> String { String(instant(t).dropFirst(5)) }

    /// `now`, `42s`, `5m`, `3h`, `2d`: how long before `now` something happened.
    public static func age(_ t: Int64, now: Int64) -> String {
        let s = (now - t) / 1_000_000
        if s < 1 { return "now" }
        if s < 60 { return "\(s)s" }
        if s < 3600 { return "\(s / 60)m" }
        if s < 86_400 { return "\(s / 3600)h" }
        return "\(s / 86_400)d"
    }

    /// `8×`, `10,000×`, `max`.
    public static func speed(_ s: Double) -> String { s.isInfinite ? "max" : grouped(Int(s)) + "×" }

    /// `11.8%`.
    public static func percent(_ part: Int, of whole: Int) -> String {
        guard whole > 0 else { return "–" }
        let tenths = (Double(part) * 1000 / Double(whole)).rounded() / 10
        return "\(tenths)%"
    }
}

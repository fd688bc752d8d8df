/// Spark's text conversions: number, date and timestamp parsing and printing as `CAST`
/// performs them with ANSI mode off and the session time zone UTC.
enum SparkText {
    // MARK: Whitespace

    /// Spark's `trimAll`: drops leading and trailing ASCII whitespace and control characters.
    static func trimAll(_ s: String) -> Substring.UTF8View {
        let u = s.utf8
        var start = u.startIndex, end = u.endIndex
        while start < end, u[start] <= 0x20 { start = u.index(after: start) }
        while end > start, u[u.index(before: end)] <= 0x20 { end = u.index(before: end) }
        return Substring(s)[start..<end].utf8
    }

    // MARK: Numbers

    /// `UTF8String.toLong` semantics: optional sign, digits, an optional fraction that is
    /// truncated; nil on anything else or on overflow of `bits`.
    static func parseIntegral(_ s: String, bits: Int) -> Int64? {
        let u = trimAll(s)
        guard !u.isEmpty else { return nil }
        var i = u.startIndex
        var negative = false
        if u[i] == UInt8(ascii: "-") || u[i] == UInt8(ascii: "+") {
            negative = u[i] == UInt8(ascii: "-")
            i = u.index(after: i)
            if i == u.endIndex { return nil }
        }
        let limit: Int64 = bits == 32 ? Int64(Int32.max) : Int64.max
        // Accumulate negatively so the minimum value fits.
        var result: Int64 = 0
        var sawDigit = false
        while i < u.endIndex {
            let b = u[i]
            if b == UInt8(ascii: ".") { break }
            guard b >= 48, b <= 57 else { return nil }
            sawDigit = true
            let d = Int64(b - 48)
            let (m, o1) = result.multipliedReportingOverflow(by: 10)
            if o1 { return nil }
            let (r, o2) = m.subtractingReportingOverflow(d)
            if o2 { return nil }
            result = r
            if result < -limit - 1 { return nil }
            i = u.index(after: i)
        }
        if i < u.endIndex {
            // The fraction must be all digits; it is dropped.
            i = u.index(after: i)
            while i < u.endIndex {
                let b = u[i]
                guard b >= 48, b <= 57 else { return nil }
                i = u.index(after: i)
            }
        }
        _ = sawDigit
        if negative { return result }
        if result == Int64.min { return nil }
        let v = -result
        return v > limit ? nil : v
    }

    /// Java's `Double.parseDouble` after trimming, plus Spark's special literals.
    static func parseDouble(_ s: String) -> Double? {
        let u = trimAll(s)
        guard !u.isEmpty else { return nil }
        var bytes = Array(u)
        var allowed = true
        for b in bytes {
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "-"),
                 UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"),
                 UInt8(ascii: "d"), UInt8(ascii: "D"), UInt8(ascii: "f"), UInt8(ascii: "F"):
                continue
            default:
                allowed = false
            }
        }
        if !allowed {
            switch String(decoding: bytes, as: UTF8.self).lowercased() {
            case "inf", "+inf", "infinity", "+infinity": return .infinity
            case "-inf", "-infinity": return -.infinity
            case "nan", "+nan", "-nan": return .nan
            default: return nil
            }
        }
        if let last = bytes.last, last == UInt8(ascii: "d") || last == UInt8(ascii: "D")
            || last == UInt8(ascii: "f") || last == UInt8(ascii: "F") {
            bytes.removeLast()
        }
        // Java wants at least one digit; Swift agrees on the rest of the decimal grammar.
        guard bytes.contains(where: { $0 >= 48 && $0 <= 57 }),
              !bytes.contains(where: { $0 == UInt8(ascii: "d") || $0 == UInt8(ascii: "D") || $0 == UInt8(ascii: "f") || $0 == UInt8(ascii: "F") })
        else { return nil }
        return Double(String(decoding: bytes, as: UTF8.self))
    }

    static func parseBoolean(_ s: String) -> Bool? {
        let u = trimAll(s)
        guard u.count <= 5 else { return nil }
        switch String(decoding: u, as: UTF8.self).lowercased() {
        case "t", "true", "y", "yes", "1": return true
        case "f", "false", "n", "no", "0": return false
        default: return nil
        }
    }

    // MARK: Dates and timestamps

    /// Spark's `stringToDate`: `yyyy`, `yyyy-[m]m`, `yyyy-[m]m-[d]d`, optionally followed by
    /// a space or `T` and anything.
    static func parseDate(_ s: String) -> Int32? {
        let u = Array(trimAll(s))
        guard !u.isEmpty else { return nil }
        var j = 0
        var sign = 1
        if u[j] == UInt8(ascii: "-") || u[j] == UInt8(ascii: "+") {
            sign = u[j] == UInt8(ascii: "-") ? -1 : 1
            j += 1
        }
        var segments = [1, 1, 1]
        var i = 0, value = 0, digits = 0
        func valid(_ seg: Int, _ n: Int) -> Bool {
            seg == 0 ? (n >= 4 && n <= 7) : (n > 0 && n <= 2)
        }
        while j < u.count, i < 3, !(u[j] == UInt8(ascii: " ") || u[j] == UInt8(ascii: "T")) {
            let b = u[j]
            if i < 2, b == UInt8(ascii: "-") {
                guard valid(i, digits) else { return nil }
                segments[i] = value
                value = 0; digits = 0; i += 1
            } else {
                guard b >= 48, b <= 57 else { return nil }
                value = value * 10 + Int(b - 48)
                digits += 1
                if digits > 7 { return nil }
            }
            j += 1
        }
        guard valid(i, digits) else { return nil }
        if i < 2, j < u.count { return nil }
        segments[i] = value
        let y = sign * segments[0], m = segments[1], d = segments[2]
        guard (1...12).contains(m), d >= 1, d <= CivilTime.daysInMonth(year: y, month: m) else { return nil }
        let days = CivilTime.days(year: y, month: m, day: d)
        guard days >= Int64(Int32.min), days <= Int64(Int32.max) else { return nil }
        return Int32(days)
    }

    /// Spark's `stringToTimestamp` in UTC: a date as above, then optionally `T` or a space,
    /// `h[h]:m[m][:s[s]]`, a fraction of up to nine digits (truncated to microseconds) and a
    /// zone (`Z`, `UTC`, `GMT`, `UT`, `±h[h][:mm]`, `±hhmm`, optionally after a space).
    static func parseTimestamp(_ s: String) -> Int64? {
        let u = Array(trimAll(s))
        guard !u.isEmpty else { return nil }
        var j = 0
        var sign = 1
        if u[j] == UInt8(ascii: "-") || u[j] == UInt8(ascii: "+") {
            sign = u[j] == UInt8(ascii: "-") ? -1 : 1
            j += 1
        }
        func isDigit(_ b: UInt8) -> Bool { b >= 48 && b <= 57 }
        // Date part.
        var seg = [1, 1, 1]
        var i = 0, value = 0, digits = 0
        while j < u.count, u[j] != UInt8(ascii: " "), u[j] != UInt8(ascii: "T") {
            let b = u[j]
            if b == UInt8(ascii: "-"), i < 2 {
                guard i == 0 ? (digits >= 4 && digits <= 7) : (digits >= 1 && digits <= 2) else { return nil }
                seg[i] = value; value = 0; digits = 0; i += 1
            } else if isDigit(b) {
                value = value * 10 + Int(b - 48); digits += 1
                if digits > 7 { return nil }
            } else {
                return nil
            }
            j += 1
        }
        guard i == 0 ? (digits >= 4 && digits <= 7) : (digits >= 1 && digits <= 2) else { return nil }
        seg[i] = value
        if i < 2, j < u.count { return nil }
        let y = sign * seg[0], mo = seg[1], d = seg[2]
        guard (1...12).contains(mo), d >= 1, d <= CivilTime.daysInMonth(year: y, month: mo) else { return nil }
        var secondsOfDay: Int64 = 0
        var micros: Int64 = 0
        var offset: Int64 = 0
        if j < u.count {
            j += 1 // the separator
            // Time part.
            var t = [0, 0, 0]
            var ti = 0
            var tdigits = 0
            var tv = 0
            var sawTime = false
            while j < u.count, isDigit(u[j]) || u[j] == UInt8(ascii: ":") {
                if u[j] == UInt8(ascii: ":") {
                    guard tdigits >= 1, tdigits <= 2, ti < 2 else { return nil }
                    t[ti] = tv; ti += 1; tv = 0; tdigits = 0
                } else {
                    tv = tv * 10 + Int(u[j] - 48); tdigits += 1
                    guard tdigits <= 2 else { return nil }
                }
                sawTime = true
                j += 1
            }
            if sawTime {
                guard tdigits >= 1, ti >= 1 else { return nil }
                t[ti] = tv
                guard t[0] < 24, t[1] < 60, t[2] < 60 else { return nil }
                secondsOfDay = Int64(t[0] * 3600 + t[1] * 60 + t[2])
                if j < u.count, u[j] == UInt8(ascii: "."), ti == 2 {
                    j += 1
                    var n = 0
                    while j < u.count, isDigit(u[j]) {
                        if n < 6 { micros = micros * 10 + Int64(u[j] - 48) }
                        n += 1; j += 1
                    }
                    guard n <= 9 else { return nil }
                    for _ in min(n, 6)..<6 { micros *= 10 }
                }
            }
            // Zone.
            if j < u.count, u[j] == UInt8(ascii: " ") { j += 1 }
            if j < u.count {
                let rest = String(decoding: u[j...], as: UTF8.self)
                guard let off = parseZoneOffset(rest) else { return nil }
                offset = off
                j = u.count
            }
        }
        let days = CivilTime.days(year: y, month: mo, day: d)
        let (a, o1) = days.multipliedReportingOverflow(by: 86_400)
        if o1 { return nil }
        let secs = a + secondsOfDay - offset
        let (b, o2) = secs.multipliedReportingOverflow(by: CivilTime.microsPerSecond)
        if o2 { return nil }
        let (c, o3) = b.addingReportingOverflow(micros)
        return o3 ? nil : c
    }

    /// Seconds east of UTC for `Z`, `UTC`, `GMT`, `UT` (optionally followed by an offset),
    /// `±h`, `±hh`, `±hh:mm`, `±hhmm`, `±hh:mm:ss`.
    static func parseZoneOffset(_ z: String) -> Int64? {
        var s = Substring(z)
        for prefix in ["UTC", "GMT", "UT", "Z"] where s.uppercased().hasPrefix(prefix) {
            s = s.dropFirst(prefix.count)
            if s.isEmpty { return 0 }
            break
        }
        guard let f = s.first, f == "+" || f == "-" else { return nil }
        let sign: Int64 = f == "-" ? -1 : 1
        let body = Array(s.dropFirst().utf8)
        guard body.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == UInt8(ascii: ":") }) else { return nil }
        let parts = body.split(separator: UInt8(ascii: ":"), omittingEmptySubsequences: false).map { Array($0) }
        func num(_ p: [UInt8]) -> Int64? {
            guard !p.isEmpty, p.count <= 2 else { return nil }
            return p.reduce(Int64(0)) { $0 * 10 + Int64($1 - 48) }
        }
        var h: Int64 = 0, m: Int64 = 0, sec: Int64 = 0
        if parts.count == 1 {
            let p = parts[0]
            if p.count <= 2 {
                guard let v = num(p) else { return nil }
                h = v
            } else if p.count == 4 {
                guard let a = num(Array(p[0..<2])), let b = num(Array(p[2..<4])) else { return nil }
                h = a; m = b
            } else {
                return nil
            }
        } else {
            guard parts.count <= 3, let a = num(parts[0]), let b = num(parts[1]), parts[1].count == 2 else { return nil }
            h = a; m = b
            if parts.count == 3 {
                guard parts[2].count == 2, let c = num(parts[2]) else { return nil }
                sec = c
            }
        }
        guard h <= 18, m < 60, sec < 60 else { return nil }
        return sign * (h * 3600 + m * 60 + sec)
    }

    static func formatDate(_ days: Int32) -> String { CivilTime.formatDate(days) }

    /// `yyyy-MM-dd HH:mm:ss[.ffffff]` with trailing zeros of the fraction dropped.
    static func formatTimestamp(_ t: Int64) -> String {
        let day = ExprRuntime.floorDiv(t, CivilTime.microsPerDay)
        let inDay = ExprRuntime.floorMod(t, CivilTime.microsPerDay)
        let (y, m, d) = CivilTime.civil(fromDays: day)
        let secs = Int(inDay / CivilTime.microsPerSecond)
        let frac = Int(inDay % CivilTime.microsPerSecond)
        var out = "\(CivilTime.pad(y, 4))-\(CivilTime.pad(m, 2))-\(CivilTime.pad(d, 2)) "
        out += "\(CivilTime.pad(secs / 3600, 2)):\(CivilTime.pad(secs / 60 % 60, 2)):\(CivilTime.pad(secs % 60, 2))"
        if frac != 0 {
            var f = CivilTime.pad(frac, 6)
            while f.hasSuffix("0") { f.removeLast() }
            out += "." + f
        }
        return out
    }

    // MARK: Decimal digits of doubles

    /// The shortest decimal digits of a finite double: value = 0.DIGITS × 10^point.
    /// Zero has no digits.
    static func digits(of d: Double) -> (negative: Bool, digits: [UInt8], point: Int) {
        let text = "\(d.magnitude)"
        var mantissa = Substring(text)
        var exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[text.startIndex..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        var digits: [UInt8] = []
        var point = 0
        var seenPoint = false
        for c in mantissa.utf8 {
            if c == UInt8(ascii: ".") { seenPoint = true; continue }
            digits.append(c - 48)
            if !seenPoint { point += 1 }
        }
        point += exponent
        var lead = 0
        while lead < digits.count, digits[lead] == 0 { lead += 1 }
        digits.removeFirst(lead)
        point -= lead
        while let l = digits.last, l == 0 { digits.removeLast() }
        if digits.isEmpty { point = 0 }
        return (d.sign == .minus, digits, point)
    }

    /// Java's `Double.toString` (which Spark uses to cast a double to a string).
    static func javaDouble(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d < 0 ? "-Infinity" : "Infinity" }
        if d == 0 { return d.sign == .minus ? "-0.0" : "0.0" }
        let (neg, digits, point) = digits(of: d)
        let sign = neg ? "-" : ""
        let chars = digits.map { Character(Unicode.Scalar($0 + 48)) }
        let exp = point - 1
        if exp >= -3, exp < 7 {
            if point <= 0 {
                return sign + "0." + String(repeating: "0", count: -point) + String(chars)
            } else if point >= chars.count {
                return sign + String(chars) + String(repeating: "0", count: point - chars.count) + ".0"
            } else {
                return sign + String(chars[0..<point]) + "." + String(chars[point...])
            }
        }
        let rest = chars.count > 1 ? String(chars[1...]) : "0"
        return sign + String(chars[0]) + "." + rest + "E\(exp)"
    }

    enum RoundMode { case halfUp, halfEven, floor, ceiling, down }

    /// `BigDecimal(d).setScale(scale, mode).toDouble` with Scala's `BigDecimal(Double)`,
    /// which starts from the shortest decimal representation.
    static func round(_ d: Double, scale: Int, mode: RoundMode = .halfUp) -> Double {
        if d.isNaN || d.isInfinite || d == 0 { return d }
        var (neg, digits, point) = digits(of: d)
        let keep = point + scale
        if keep >= digits.count { return d }
        var up: Bool
        if keep < 0 {
            digits = []
            switch mode {
            case .halfUp, .halfEven, .down: up = false
            case .floor: up = neg
            case .ceiling: up = !neg
            }
            if up { digits = [1]; point = 1 - scale } else { return neg ? -0.0 : 0.0 }
        } else {
            let first = digits[keep]
            let restNonZero = first != 0 || digits[(keep + 1)...].contains(where: { $0 != 0 })
            switch mode {
            case .halfUp: up = first >= 5
            case .halfEven:
                let tail = digits[(keep + 1)...].contains(where: { $0 != 0 })
                if first > 5 || (first == 5 && tail) { up = true }
                else if first == 5 { up = keep > 0 && digits[keep - 1] % 2 == 1 }
                else { up = false }
            case .floor: up = neg && restNonZero
            case .ceiling: up = !neg && restNonZero
            case .down: up = false
            }
            digits.removeSubrange(keep...)
            if up {
                var k = digits.count - 1
                var carry = true
                while carry, k >= 0 {
                    if digits[k] == 9 { digits[k] = 0; k -= 1 } else { digits[k] += 1; carry = false }
                }
                if carry { digits.insert(1, at: 0); point += 1 }
            }
        }
        if digits.isEmpty { return neg ? -0.0 : 0.0 }
        var text = neg ? "-0." : "0."
        for dg in digits { text.append(Character(Unicode.Scalar(dg + 48))) }
        text += "e\(point)"
        return Double(text) ?? d
    }

    /// A decimal of the given scale as Spark prints it: plain notation, exactly `scale`
    /// fraction digits.
    static func decimalString(_ d: Double, scale: Int) -> String {
        if d.isNaN || d.isInfinite { return javaDouble(d) }
        let r = round(d, scale: max(scale, 0))
        let (neg, digits, point) = digits(of: r)
        var intPart = ""
        var frac = ""
        if point > 0 {
            for k in 0..<point { intPart.append(k < digits.count ? Character(Unicode.Scalar(digits[k] + 48)) : "0") }
        } else {
            intPart = "0"
        }
        if scale > 0 {
            for k in 0..<scale {
                let idx = point + k
                frac.append(idx >= 0 && idx < digits.count ? Character(Unicode.Scalar(digits[idx] + 48)) : "0")
            }
        }
        let isZero = digits.isEmpty
        let sign = neg && !isZero ? "-" : ""
        return sign + intPart + (scale > 0 ? "." + frac : "")
    }
}

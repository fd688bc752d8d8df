import Foundation

/// Spark's text conversions: number, date and timestamp parsing and printing as `CAST`
/// performs them with ANSI mode off and the session time zone UTC.
enum SparkText {
    // MARK: Whitespace

    /// Spark's `trimAll`: drops leading and trailing ASCII whitespace and control characters.
    static func trimAll(_ s: String) -> Substring.UTF8View {
        let u = s.utf8
        var start = u.startIndex, end = u.endIndex
        while start < end, isTrimmed(u[start]) { start = u.index(after: start) }
        while end > start, isTrimmed(u[u.index(before: end)]) { end = u.index(before: end) }
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

    /// An int written as an optional sign and digits, surrounded by whitespace at most (the
    /// strict form Spark wants for the days of `date_add(d, '3')`).
    static func parseStrictInt(_ s: String) -> Int32? {
        let u = trimAll(s)
        var i = u.startIndex
        var negative = false
        if i < u.endIndex, u[i] == UInt8(ascii: "-") || u[i] == UInt8(ascii: "+") {
            negative = u[i] == UInt8(ascii: "-")
            i = u.index(after: i)
        }
        guard i < u.endIndex else { return nil }
        var v: Int64 = 0
        while i < u.endIndex {
            let b = u[i]
            guard b >= 48, b <= 57 else { return nil }
            v = v * 10 + Int64(b - 48)
            if v > Int64(Int32.max) + 1 { return nil }
            i = u.index(after: i)
        }
        if negative { v = -v }
        return Int32(exactly: v)
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

    /// Spark's `stringToTimestamp` (`SparkDateTimeUtils.parseTimestampString`) with the
    /// session time zone UTC: `[+-]yyyy[-m[m][-d[d]]]`, then a space or `T` and
    /// `h[h][:m[m][:s[s][.fraction]]]` (a fraction's digits past the sixth are dropped), then a
    /// zone after the seconds (`Z`, `±h[h][:mm]`, `UTC+1`, a region such as
    /// `America/New_York`). A time alone (`12:34`, `T12`) is a time on 1970-01-01 here; Spark
    /// puts it on the wall clock's current date.
    static func parseTimestamp(_ s: String) -> Int64? {
        let bytes = Array(s.utf8)
        var j = 0
        while j < bytes.count, isTrimmed(bytes[j]) { j += 1 }
        var end = bytes.count
        while end > j, isTrimmed(bytes[end - 1]) { end -= 1 }
        guard j < end else { return nil }
        // year, month, day, hour, minute, second, micros, (legacy zone hour, minute)
        var seg: [Int64] = [1, 1, 1, 0, 0, 0, 0, 0, 0]
        var i = 0
        var value: Int64 = 0
        var digits = 0
        var fractionDigits = 0
        var justTime = false
        var yearSign: Int64? = nil
        var zone: String?
        func valid(_ segment: Int, _ n: Int) -> Bool {
            switch segment {
            case 6: return true
            case 0: return n >= 4 && n <= 6
            case 7: return n <= 2
            default: return n > 0 && n <= 2
            }
        }
        if bytes[j] == UInt8(ascii: "-") || bytes[j] == UInt8(ascii: "+") {
            yearSign = bytes[j] == UInt8(ascii: "-") ? -1 : 1
            j += 1
        }
        while j < end {
            let b = bytes[j]
            if b >= 48 && b <= 57 {
                if i == 6 { fractionDigits += 1 }
                if i != 6 || digits < 6 {
                    value = value * 10 + Int64(b - 48)
                    if value > Int64(Int32.max) { return nil }
                }
                digits += 1
            } else if j == 0 && b == UInt8(ascii: "T") {
                justTime = true
                i += 3
            } else if i < 2 {
                if b == UInt8(ascii: "-") {
                    guard valid(i, digits) else { return nil }
                    seg[i] = value; value = 0; digits = 0; i += 1
                } else {
                    guard i == 0, b == UInt8(ascii: ":"), yearSign == nil, valid(3, digits) else { return nil }
                    justTime = true
                    seg[3] = value; value = 0; digits = 0; i = 4
                }
            } else if i == 2 {
                guard b == UInt8(ascii: " ") || b == UInt8(ascii: "T"), valid(i, digits) else { return nil }
                seg[i] = value; value = 0; digits = 0; i += 1
            } else if i == 3 || i == 4 {
                guard b == UInt8(ascii: ":"), valid(i, digits) else { return nil }
                seg[i] = value; value = 0; digits = 0; i += 1
            } else if i == 5 || i == 6 {
                guard valid(i, digits) else { return nil }
                if b == UInt8(ascii: "."), i == 5 {
                    seg[i] = value; value = 0; digits = 0; i += 1
                } else {
                    seg[i] = value; value = 0; digits = 0; i += 1
                    zone = String(decoding: bytes[j..<end], as: UTF8.self)
                    j = end - 1
                }
                if i == 6 && b != UInt8(ascii: ".") { i += 1 }
            } else {
                guard i < seg.count, b == UInt8(ascii: ":") || b == UInt8(ascii: " "), valid(i, digits) else { return nil }
                seg[i] = value; value = 0; digits = 0; i += 1
            }
            j += 1
        }
        guard valid(i, digits), i < seg.count else { return nil }
        seg[i] = value
        while fractionDigits < 6 { seg[6] *= 10; fractionDigits += 1 }
        let year = seg[0] * (yearSign ?? 1)
        let (y, mo, d): (Int64, Int64, Int64) = justTime ? (1970, 1, 1) : (year, seg[1], seg[2])
        guard (1...12).contains(mo), d >= 1, d <= Int64(CivilTime.daysInMonth(year: Int(y), month: Int(mo))),
              seg[3] < 24, seg[4] < 60, seg[5] < 60 else { return nil }
        let days = CivilTime.days(year: Int(y), month: Int(mo), day: Int(d))
        let local = days * 86_400 + seg[3] * 3600 + seg[4] * 60 + seg[5]
        var offset: Int64 = 0
        if let zone {
            guard let o = zoneOffset(zone.trimmingCharacters(in: .whitespaces), localSeconds: local) else { return nil }
            offset = o
        }
        let (b, o1) = (local - offset).multipliedReportingOverflow(by: CivilTime.microsPerSecond)
        if o1 { return nil }
        let (c, o2) = b.addingReportingOverflow(seg[6])
        return o2 ? nil : c
    }

    /// The bytes Spark trims from both ends of a string before parsing it: ASCII whitespace and
    /// control characters.
    @inline(__always)
    static func isTrimmed(_ b: UInt8) -> Bool { b <= 0x20 || b == 0x7F }

    /// Java's `ZoneId.SHORT_IDS`, which Spark consults before the time-zone database.
    static let shortZoneIDs: [String: String] = [
        "ACT": "Australia/Darwin", "AET": "Australia/Sydney", "AGT": "America/Argentina/Buenos_Aires",
        "ART": "Africa/Cairo", "AST": "America/Anchorage", "BET": "America/Sao_Paulo", "BST": "Asia/Dhaka",
        "CAT": "Africa/Harare", "CNT": "America/St_Johns", "CST": "America/Chicago", "CTT": "Asia/Shanghai",
        "EAT": "Africa/Addis_Ababa", "ECT": "Europe/Paris", "IET": "America/Indiana/Indianapolis",
        "IST": "Asia/Kolkata", "JST": "Asia/Tokyo", "MIT": "Pacific/Apia", "NET": "Asia/Yerevan",
        "NST": "Pacific/Auckland", "PLT": "Asia/Karachi", "PNT": "America/Phoenix", "PRT": "America/Puerto_Rico",
        "PST": "America/Los_Angeles", "SST": "Pacific/Guadalcanal", "VST": "Asia/Ho_Chi_Minh",
        "EST": "-05:00", "MST": "-07:00", "HST": "-10:00",
    ]

    /// Seconds east of UTC that `ZoneId.of(id)` gives at the wall-clock time `localSeconds`
    /// (Spark first pads `+h:` to `+0h:` and `+hh:m` to `+hh:0m`). A local time in a gap moves
    /// forward by the gap; one that occurs twice takes the earlier offset, as Java does.
    static func zoneOffset(_ rawID: String, localSeconds: Int64) -> Int64? {
        var id = rawID
        if let r = id.range(of: #"(\+|\-)(\d):"#, options: .regularExpression) {
            let m = String(id[r])
            id.replaceSubrange(r, with: String(m.prefix(1)) + "0" + m.dropFirst())
        }
        if let r = id.range(of: #"(\+|\-)(\d\d):(\d)$"#, options: .regularExpression) {
            let m = String(id[r])
            id.replaceSubrange(r, with: String(m.dropLast()) + "0" + String(m.last!))
        }
        id = shortZoneIDs[id] ?? id
        if id == "Z" { return 0 }
        if id.hasPrefix("+") || id.hasPrefix("-") { return parseOffset(id) }
        for prefix in ["UTC", "GMT", "UT"] where id.hasPrefix(prefix) {
            let rest = id.dropFirst(prefix.count)
            if rest.isEmpty { return 0 }
            if rest.hasPrefix("+") || rest.hasPrefix("-") { return parseOffset(String(rest)) }
            break
        }
        guard let first = id.unicodeScalars.first, first.properties.isAlphabetic, first.isASCII,
              id.utf8.allSatisfy({ ($0 >= 48 && $0 <= 57) || ($0 | 0x20 >= 97 && $0 | 0x20 <= 122) || "~/._+-".utf8.contains($0) }),
              let tz = TimeZone(identifier: id) else { return nil }
        func offset(at instant: Int64) -> Int64 {
            Int64(tz.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant))))
        }
        let before = offset(at: localSeconds - 86_400), after = offset(at: localSeconds + 86_400)
        if offset(at: localSeconds - before) == before { return before }
        if offset(at: localSeconds - after) == after { return after }
        return before
    }

    /// `ZoneOffset.of`: `±h`, `±hh`, `±hh:mm`, `±hhmm`, `±hh:mm:ss`, `±hhmmss`, at most 18 hours.
    static func parseOffset(_ z: String) -> Int64? {
        let u = Array(z.utf8)
        guard let f = u.first, f == UInt8(ascii: "+") || f == UInt8(ascii: "-") else { return nil }
        let sign: Int64 = f == UInt8(ascii: "-") ? -1 : 1
        let body = Array(u.dropFirst())
        func num(_ k: Int) -> Int64? {
            guard k + 2 <= body.count, body[k] >= 48, body[k] <= 57, body[k + 1] >= 48, body[k + 1] <= 57 else { return nil }
            return Int64(body[k] - 48) * 10 + Int64(body[k + 1] - 48)
        }
        var h: Int64 = 0, m: Int64 = 0, sec: Int64 = 0
        switch body.count {
        case 1:
            guard body[0] >= 48, body[0] <= 57 else { return nil }
            h = Int64(body[0] - 48)
        case 2: guard let a = num(0) else { return nil }; h = a
        case 4: guard let a = num(0), let b = num(2) else { return nil }; h = a; m = b
        case 5:
            guard body[2] == UInt8(ascii: ":"), let a = num(0), let b = num(3) else { return nil }
            h = a; m = b
        case 6: guard let a = num(0), let b = num(2), let c = num(4) else { return nil }; h = a; m = b; sec = c
        case 8:
            guard body[2] == UInt8(ascii: ":"), body[5] == UInt8(ascii: ":"), let a = num(0), let b = num(3), let c = num(6) else { return nil }
            h = a; m = b; sec = c
        default: return nil
        }
        guard h <= 18, m < 60, sec < 60, h * 3600 + m * 60 + sec <= 18 * 3600 else { return nil }
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
        // Java's BigDecimal.toString turns to scientific notation when the adjusted exponent
        // (the power of ten of the first significant digit) is below -6: 1E-7, 0E-7, -1.2E-7.
        if scale > 0 {
            let unscaled = (intPart + frac).drop(while: { $0 == "0" })
            let significant = unscaled.isEmpty ? "0" : String(unscaled)
            let adjusted = -scale + significant.count - 1
            if adjusted < -6 {
                let first = significant.prefix(1), rest = significant.dropFirst()
                return sign + first + (rest.isEmpty ? "" : "." + rest) + "E\(adjusted)"
            }
        }
        return sign + intPart + (scale > 0 ? "." + frac : "")
    }

    // MARK: Case mapping

    /// Java's `String.toLowerCase`, which Spark's `lower` uses: Unicode's full lowercase
    /// mappings plus the final-sigma rule (Σ at the end of a word becomes ς).
    static func lower(_ s: String) -> String {
        if s.utf8.allSatisfy({ $0 < 0x80 }) { return s.lowercased() }
        let scalars = Array(s.unicodeScalars)
        guard scalars.contains("\u{03A3}") else { return s.lowercased() }
        var out = String.UnicodeScalarView()
        for (k, c) in scalars.enumerated() {
            if c == "\u{03A3}" {
                out.append(isFinalSigma(scalars, at: k) ? "\u{03C2}" : "\u{03C3}")
            } else {
                out.append(contentsOf: c.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return String(out)
    }

    /// Unicode's Final_Sigma condition: a cased letter before (skipping case-ignorable
    /// characters) and none after.
    private static func isFinalSigma(_ s: [Unicode.Scalar], at k: Int) -> Bool {
        var i = k - 1
        while i >= 0, s[i].properties.isCaseIgnorable { i -= 1 }
        guard i >= 0, s[i].properties.isCased else { return false }
        var j = k + 1
        while j < s.count, s[j].properties.isCaseIgnorable { j += 1 }
        return !(j < s.count && s[j].properties.isCased)
    }

    /// Java's `String.toUpperCase` (Unicode's full uppercase mappings, as Swift's).
    static func upper(_ s: String) -> String { s.uppercased() }
}

/// Calendar arithmetic in UTC on Spark's representations: dates as days since 1970-01-01,
/// timestamps as microseconds since the epoch. Pure integer arithmetic, no Foundation
/// calendars, so results never depend on the machine's time zone or locale.
public enum CivilTime {
    public static let microsPerSecond: Int64 = 1_000_000
    public static let microsPerHour: Int64 = 3_600_000_000
    public static let microsPerDay: Int64 = 86_400_000_000

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
    public static func days(year: Int, month: Int, day: Int) -> Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    /// The year, month and day of a count of days since 1970-01-01.
    public static func civil(fromDays z0: Int64) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (Int(m <= 2 ? y + 1 : y), Int(m), Int(d))
    }

    public static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    public static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: return isLeap(year) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// The day (floor division, so instants before 1970 land on the right day) of a timestamp.
    public static func day(ofMicros t: Int64) -> Int64 {
        t >= 0 ? t / microsPerDay : -((-t + microsPerDay - 1) / microsPerDay)
    }

    /// Parses a strict `YYYY-MM-DD` date; nil when it is not one or names no real day.
    public static func parseDate<S: StringProtocol>(_ text: S) -> Int32? {
        let u = Array(text.utf8)
        guard u.count == 10, u[4] == UInt8(ascii: "-"), u[7] == UInt8(ascii: "-"),
              let y = digits(u, 0, 4), let m = digits(u, 5, 2), let d = digits(u, 8, 2),
              (1...12).contains(m), d >= 1, d <= daysInMonth(year: y, month: m)
        else { return nil }
        return Int32(days(year: y, month: m, day: d))
    }

    /// Parses an RFC 3339 timestamp (`T` or a space between date and time, an optional
    /// fraction of up to nine digits, `Z` or `±HH:MM`) into microseconds; nil otherwise.
    /// Digits beyond microseconds are truncated, as Spark does.
    public static func parseTimestamp<S: StringProtocol>(_ text: S, requireZone: Bool = true) -> Int64? {
        if let t = text.utf8.withContiguousStorageIfAvailable({ parseTimestamp(utf8: $0, requireZone: requireZone) }) {
            return t
        }
        var copy = String(text)
        return copy.withUTF8 { parseTimestamp(utf8: $0, requireZone: requireZone) }
    }

    /// `2026-09-01T12:00:03Z`, with a fraction (trailing zeros trimmed) only when non-zero.
    public static func formatTimestamp(_ t: Int64) -> String {
        let day = day(ofMicros: t)
        let inDay = t - day * microsPerDay
        let (y, m, d) = civil(fromDays: day)
        let secs = inDay / microsPerSecond
        let frac = inDay % microsPerSecond
        var out = "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(Int(secs / 3600), 2)):\(pad(Int(secs / 60 % 60), 2)):\(pad(Int(secs % 60), 2))"
        if frac != 0 {
            var f = pad(Int(frac), 6)
            while f.hasSuffix("0") { f.removeLast() }
            out += "." + f
        }
        return out + "Z"
    }

    /// `YYYY-MM-DD`.
    public static func formatDate(_ days: Int32) -> String {
        let (y, m, d) = civil(fromDays: Int64(days))
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))"
    }

    static func pad(_ v: Int, _ width: Int) -> String {
        let s = String(abs(v))
        let padded = s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
        return v < 0 ? "-" + padded : padded
    }

    private static func digit(_ c: UInt8) -> Int? {
        c >= 48 && c <= 57 ? Int(c - 48) : nil
    }

    private static func digits(_ u: [UInt8], _ start: Int, _ count: Int) -> Int? {
        guard start + count <= u.count else { return nil }
        var v = 0
        for i in start..<(start + count) {
            guard let d = digit(u[i]) else { return nil }
            v = v * 10 + d
        }
        return v
    }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension CivilTime {
    /// The machine's wall clock in microseconds since the epoch.
    public static func wallClockMicros() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) * microsPerSecond + Int64(ts.tv_nsec) / 1000
    }
}

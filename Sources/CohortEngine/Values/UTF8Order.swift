import Foundation

extension String {
    /// Whether this string's UTF-8 bytes sort before `other`'s (SPEC's byte order for ids and
    /// keys), compared with memcmp on the contiguous storage rather than byte by byte through
    /// a generic sequence: event ids tie-break first/last aggregates on every event that
    /// shares a timestamp with the current answer.
    @inline(__always)
    public func utf8Precedes(_ other: String) -> Bool {
        var a = self, b = other
        return a.withUTF8 { x in
            b.withUTF8 { y in
                let n = Swift.min(x.count, y.count)
                let c = n == 0 ? 0 : memcmp(x.baseAddress!, y.baseAddress!, n)
                return c != 0 ? c < 0 : x.count < y.count
            }
        }
    }
}

import Foundation
import CohortEngine

/// Filtering and sorting the profiles of one collection without copying them: a filter
/// scans one lowercased text buffer (key, name and email of every profile), a sort keeps a
/// permutation of row numbers. With neither, the rows are the table's own order and nothing
/// is allocated, so a million profiles page as cheaply as ten.
public final class ProfileQuery {
    public let collection: Int
    /// Attributes searched besides the key: name-like and email-like ones.
    public let searchAttributes: [Int]
    private var text: [UInt8] = []
    private var offsets: [Int] = []
    private var built = false
    /// How often each byte occurs in the text: a search scans for its needle's rarest byte.
    private var byteCounts = [Int](repeating: 0, count: 256)

    public init(model: CollectionModel, collection: Int) {
        self.collection = collection
        var attrs = NameColumn.find(model) ?? []
        for (i, a) in model.attributes.enumerated() where a.type == .string && !attrs.contains(i) {
            let n = a.name.lowercased()
            if n == "email" || n.hasSuffix("_email") || n == "email_address" { attrs.append(i) }
        }
        searchAttributes = attrs
    }

    /// Rows whose key, name or email contains `filter` (any case), in table order.
    public func filter(_ filter: String, data: DataView) -> [Int32] {
        buildIfNeeded(data)
        let needle = Array(filter.lowercased().utf8)
        guard !needle.isEmpty else { return Array(0..<Int32(offsets.count - 1)) }
        var out: [Int32] = []
        // Scan with memchr (vectorised in libc) for the needle's rarest byte, then compare
        // the whole needle around it; after a match jump to the next profile's text.
        let k = needle.indices.min { byteCounts[Int(needle[$0])] < byteCounts[Int(needle[$1])] }!
        let rare = Int32(needle[k])
        text.withUnsafeBytes { hay in
            guard let base = hay.baseAddress else { return }
            needle.withUnsafeBytes { n in
                var pos = k
                var row = 0
                let end = hay.count - (needle.count - k)
                while pos <= end, let hit = memchr(base + pos, rare, end + 1 - pos) {
                    let p = base.distance(to: UnsafeRawPointer(hit))
                    let start = p - k
                    if start >= 0, memcmp(base + start, n.baseAddress!, n.count) == 0 {
                        while offsets[row + 1] <= start { row += 1 }
                        out.append(Int32(row))
                        pos = offsets[row + 1] + k
                    } else {
                        pos = p + 1
                    }
                }
            }
        }
        return out
    }

    /// Sorts rows by a key function; ties keep table order.
    public func sort(_ rows: inout [Int32], ascending: Bool, by key: (Int) -> Value) {
        let keys = rows.map { key(Int($0)) }
        var idx = Array(rows.indices)
        idx.sort { a, b in
            let c = Value.consoleCompare(keys[a], keys[b])
            if c != 0 { return ascending ? c < 0 : c > 0 }
            return rows[a] < rows[b]
        }
        rows = idx.map { rows[$0] }
    }

    /// Builds the search text now (the console does it while loading, so the first `/` on a
    /// large collection does not stall).
    public func prepare(_ data: DataView) { buildIfNeeded(data) }

    /// One lowercased buffer of every profile's searchable text, NUL between fields, so a
    /// match never spans two fields or two profiles.
    private func buildIfNeeded(_ data: DataView) {
        guard !built else { return }
        built = true
        let model = data.workspace.collections[collection]
        let count = data.profileCount(collection)
        text.reserveCapacity(count * 64)
        offsets.reserveCapacity(count + 1)
        for row in 0..<count {
            offsets.append(text.count)
            appendLowercased(model.key(ofRow: row))
            for a in searchAttributes {
                text.append(0)
                if case .string(let s) = data.value(collection, row, a) { appendLowercased(s) } else { appendLowercased(Format.cell(data.value(collection, row, a))) }
            }
            text.append(0)
        }
        offsets.append(text.count)
        for b in text { byteCounts[Int(b)] += 1 }
    }

    private func appendLowercased(_ s: String) {
        var ascii = true
        for b in s.utf8 {
            if b >= 0x80 { ascii = false; break }
        }
        if ascii {
            for b in s.utf8 { text.append(b >= 0x41 && b <= 0x5A ? b + 32 : b) }
        } else {
            text.append(contentsOf: s.lowercased().utf8)
        }
    }
}

extension Value {
    /// The console's sort order: nulls last; numbers by value; then by text.
    public static func consoleCompare(_ a: Value, _ b: Value) -> Int {
        switch (a, b) {
        case (.null, .null): return 0
        case (.null, _): return 1
        case (_, .null): return -1
        default: break
        }
        if let x = a.numeric, let y = b.numeric { return x < y ? -1 : (x > y ? 1 : 0) }
        switch (a, b) {
        case let (.timestamp(x), .timestamp(y)): return x < y ? -1 : (x > y ? 1 : 0)
        case let (.date(x), .date(y)): return x < y ? -1 : (x > y ? 1 : 0)
        case let (.bool(x), .bool(y)): return x == y ? 0 : (x ? 1 : -1)
        default:
            let x = Format.cell(a), y = Format.cell(b)
            return x < y ? -1 : (x > y ? 1 : 0)
        }
    }
}

/// Monotonic process time, for measuring work the console does itself.
public enum ProcessClock {
    public static func micros() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000 + Int64(ts.tv_nsec) / 1000
    }
}

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

    public init(model: CollectionModel, collection: Int) {
        self.collection = collection
        searchAttributes = model.attributes.indices.filter { i in
            let n = model.attributes[i].name.lowercased()
            return n.contains("name") || n.contains("email")
        }
    }

    /// Rows whose key, name or email contains `filter` (any case), in table order.
    public func filter(_ filter: String, data: DataView) -> [Int32] {
        buildIfNeeded(data)
        let needle = Array(filter.lowercased().utf8)
        var out: [Int32] = []
        guard !needle.isEmpty else { return Array(0..<Int32(offsets.count - 1)) }
        text.withUnsafeBufferPointer { hay in
            let first = needle[0]
            let n = needle.count
            var row = 0
            var i = 0
            let end = hay.count - n
            while i <= end {
                if hay[i] == first {
                    var k = 1
                    while k < n, hay[i + k] == needle[k] { k += 1 }
                    if k == n {
                        while offsets[row + 1] <= i { row += 1 }
                        out.append(Int32(row))
                        i = offsets[row + 1]
                        continue
                    }
                }
                i += 1
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

    private func buildIfNeeded(_ data: DataView) {
        guard !built else { return }
        built = true
        let model = data.workspace.collections[collection]
        let count = data.profileCount(collection)
        text.reserveCapacity(count * 48)
        offsets.reserveCapacity(count + 1)
        for row in 0..<count {
            offsets.append(text.count)
            text.append(contentsOf: model.key(ofRow: row).lowercased().utf8)
            for a in searchAttributes {
                text.append(0)
                text.append(contentsOf: Format.cell(data.value(collection, row, a)).lowercased().utf8)
            }
            text.append(0)
        }
        offsets.append(text.count)
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

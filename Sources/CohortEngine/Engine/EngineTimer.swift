/// A moment at which a windowed aggregate's oldest input leaves its window: the engine must
/// act at `time` without a new event. Packed into 16 bytes for the engine's heap; ordered by
/// time, then collection, row and slot.
struct EngineTimer: Comparable, Sendable {
    let time: Int64
    /// collection (8 bits) | row (32 bits) | slot (24 bits), so one comparison orders ties.
    let key: UInt64

    init(time: Int64, collection: Int, row: Int, slot: Int) {
        self.time = time
        key = UInt64(collection) << 56 | UInt64(row) << 24 | UInt64(slot)
    }

    var collection: Int { Int(key >> 56) }
    var row: Int { Int((key >> 24) & 0xFFFF_FFFF) }
    var slot: Int { Int(key & 0xFF_FFFF) }

    static func < (a: EngineTimer, b: EngineTimer) -> Bool {
        a.time != b.time ? a.time < b.time : a.key < b.key
    }
}

/// A related-table row whose timestamp is still ahead of the clock: it joins the aggregate
/// of (collection, row, slot) when the clock reaches `time`.
struct PendingRow: Sendable {
    let time: Int64
    let collection: Int
    let row: Int
    let slot: Int
    let input: AggregateInput
}

/// A moment at which the engine must act without a new event: a window's oldest value
/// leaves it, or a table row's timestamp is reached. Ordered by time for the engine's heap.
struct EngineTimer: Comparable, Sendable {
    enum Kind: UInt8, Sendable {
        /// Entries of (collection, row, slot) may leave their window.
        case expiry
        /// Table row input `payload` of the pending list becomes visible.
        case tableRow
    }

    let time: Int64
    let kind: Kind
    let collection: Int32
    let row: Int32
    let slot: Int32
    let payload: Int32

    static func < (a: EngineTimer, b: EngineTimer) -> Bool {
        if a.time != b.time { return a.time < b.time }
        if a.kind != b.kind { return a.kind.rawValue > b.kind.rawValue } // rows appear before expiries at one instant
        if a.collection != b.collection { return a.collection < b.collection }
        if a.row != b.row { return a.row < b.row }
        if a.slot != b.slot { return a.slot < b.slot }
        return a.payload < b.payload
    }
}

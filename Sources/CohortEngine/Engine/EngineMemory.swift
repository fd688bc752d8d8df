/// What the live engine holds in memory, counted from its own structures (array
/// capacities times element strides, dictionary capacities, out-of-line lists and strings)
/// rather than guessed from the process's resident size.
public struct EngineMemory: Sendable {
    /// Attribute values, memberships, aggregate state (with in-window inputs), timers and
    /// pending table rows: what the engine needs to stay exact as events and time arrive.
    public var state = 0
    /// Parts of `state`: attribute values; in-window inputs of windowed aggregates; the
    /// value tallies of count_distinct, distinct and most_frequent.
    public var values = 0
    public var windowInputs = 0
    public var tallies = 0
    /// The kept events themselves, the duplicate index (stream, event_id) and each
    /// profile's list of its events: the retained raw events.
    public var retainedEvents = 0
    public var profiles = 0
    public var attributes = 0

    public var statePerProfile: Int { profiles > 0 ? state / profiles : 0 }
}

extension LiveEngine {
    /// Counts the engine's memory (see `EngineMemory`).
    public func memoryUse() -> EngineMemory {
        var m = EngineMemory()
        for rt in runtimes {
            m.profiles += rt.rowCount
            m.attributes += rt.attributeCount
            m.values += Self.bytes(rt.values) + rt.values.reduce(0) { $0 + Self.outOfLine($1) }
            m.state += m.values
            m.state += Self.bytes(rt.members) + Self.bytes(rt.scheduled)
            for column in rt.columns {
                let use = column.memoryUse()
                m.state += use.total
                m.windowInputs += use.windowInputs
                m.tallies += use.tallies
            }
            m.retainedEvents += Self.bytes(rt.historyHead) + Self.bytes(rt.historyLinks)
        }
        m.state += timers.count * MemoryLayout<EngineTimer>.stride + Self.bytes(pendingRows)
        m.retainedEvents += Self.bytes(store)
        for event in store { m.retainedEvents += (event.fields.count + event.properties.count) * MemoryLayout<JSONMember>.stride + 64 }
        for index in kept { m.retainedEvents += index.capacity * (MemoryLayout<String>.stride + MemoryLayout<Int32>.stride) + 64 }
        return m
    }

    static func bytes<T>(_ array: [T]) -> Int { array.capacity * MemoryLayout<T>.stride }

    /// Heap bytes a value holds beyond its inline storage: a list's elements, a string too
    /// long to be stored inline.
    static func outOfLine(_ v: Value) -> Int {
        switch v {
        case .string(let s): return s.utf8.count > 15 ? s.utf8.count + 32 : 0
        case .list(let items): return 32 + bytes(items) + items.reduce(0) { $0 + outOfLine($1) }
        default: return 0
        }
    }
}

extension AggregateColumn {
    /// Bytes held by this column over all rows, and the part that is in-window inputs.
    func memoryUse() -> (total: Int, windowInputs: Int, tallies: Int) {
        typealias E = LiveEngine
        var window = E.bytes(inputs)
        for list in inputs where !list.isEmpty {
            // A deque's capacity is not public: estimated as the count rounded up to a power of two.
            let capacity = 1 << (Int.bitWidth - (list.count - 1).leadingZeroBitCount)
            window += 48 + capacity * MemoryLayout<AggregateInput>.stride
            window += list.reduce(0) { $0 + E.outOfLine($1.value) + ($1.tieID.utf8.count > 15 ? $1.tieID.utf8.count + 32 : 0) }
        }
        let state = stateBytes()
        return (window + state.total, window, state.tallies)
    }
}
